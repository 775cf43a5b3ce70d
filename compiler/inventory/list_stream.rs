//! A large `kubectl get nodes|pods -o json` read without a `serde_json::Value` tree: the list's
//! items go straight into the model, one at a time, so only the text and what is kept of each
//! item are ever held (a 99 MB, 5,000-node dump parsed into a tree is about 280 MB more; a
//! 200 MB pods dump about a gigabyte).
//!
//! It takes only what kubectl prints: one JSON object whose `kind` ends in `List` and whose
//! `items` are each an object of the kind asked for (a `Node`, a `Pod`) that converts without
//! complaint. Anything else (a syntax error, an item of another kind or of none, an item that
//! does not parse or convert, too many items, a repeated `kind` or `items`) gives `None`, and
//! the caller reads the file the general way, which reports exactly what it always did. This
//! path changes what a good file costs, never what any file gives.

use std::fmt;
use std::marker::PhantomData;

use k8s_openapi::Resource;
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess,
    Visitor,
};

/// A kind whose list items this reader takes: its three parts, as k8s-openapi reads them.
pub(super) trait Listed: Resource + Sized {
    type Spec: DeserializeOwned;
    type Status: DeserializeOwned;
    fn assemble(
        metadata: ObjectMeta,
        spec: Option<Self::Spec>,
        status: Option<Self::Status>,
    ) -> Self;
}

impl Listed for core::Node {
    type Spec = core::NodeSpec;
    type Status = core::NodeStatus;
    fn assemble(
        metadata: ObjectMeta,
        spec: Option<Self::Spec>,
        status: Option<Self::Status>,
    ) -> Self {
        core::Node {
            metadata,
            spec,
            status,
        }
    }
}

impl Listed for core::Pod {
    type Spec = core::PodSpec;
    type Status = core::PodStatus;
    fn assemble(
        metadata: ObjectMeta,
        spec: Option<Self::Spec>,
        status: Option<Self::Status>,
    ) -> Self {
        core::Pod {
            metadata,
            spec,
            status,
        }
    }
}

/// Each item of `text`, a JSON list of `T`, through `convert`, in input order, when the general
/// reader would take the file without a diagnostic of its own; at most `max` items.
pub(super) fn read<T: Listed, U>(
    text: &str,
    max: usize,
    convert: impl FnMut(T) -> Result<U, String>,
) -> Option<Vec<U>> {
    let text = text.trim_start_matches('\u{feff}');
    if !text.trim_start().starts_with('{') {
        return None;
    }
    // The typed pass skips unknown fields with serde_json's scanner, which is more lenient than
    // the parser that builds a `Value` (no nesting limit, no check of a number's range or of a
    // `\u` surrogate). First make sure that parser takes the file, keeping nothing of it.
    serde_json::from_str::<Valid>(text).ok()?;
    let mut de = serde_json::Deserializer::from_str(text);
    let list = ListSeed {
        max,
        convert,
        item: PhantomData::<T>,
    }
    .deserialize(&mut de)
    .ok()?;
    de.end().ok()?;
    let items = list.items?;
    (list.kind?.ends_with("List") && !items.is_empty()).then_some(items)
}

/// The top level of a list: its `kind` and its converted items; everything else is skipped.
struct List<U> {
    kind: Option<String>,
    items: Option<Vec<U>>,
}

struct ListSeed<T, F> {
    max: usize,
    convert: F,
    item: PhantomData<T>,
}

impl<'de, T: Listed, U, F: FnMut(T) -> Result<U, String>> DeserializeSeed<'de> for ListSeed<T, F> {
    type Value = List<U>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<List<U>, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, T: Listed, U, F: FnMut(T) -> Result<U, String>> Visitor<'de> for ListSeed<T, F> {
    type Value = List<U>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a List of {}", T::KIND)
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<List<U>, A::Error> {
        let mut list = List {
            kind: None,
            items: None,
        };
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                // The general reader keeps the last of a repeated key; leave such a file to it.
                "kind" if list.kind.is_some() => return Err(de::Error::custom("repeated `kind`")),
                "items" if list.items.is_some() => {
                    return Err(de::Error::custom("repeated `items`"));
                }
                "kind" => list.kind = Some(map.next_value()?),
                "items" => {
                    list.items = Some(map.next_value_seed(Items {
                        max: self.max,
                        convert: &mut self.convert,
                        item: PhantomData::<T>,
                    })?);
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(list)
    }
}

/// `items`: each one a `T`, converted as soon as it is read.
struct Items<'c, T, F> {
    max: usize,
    convert: &'c mut F,
    item: PhantomData<T>,
}

impl<'de, T: Listed, U, F: FnMut(T) -> Result<U, String>> DeserializeSeed<'de> for Items<'_, T, F> {
    type Value = Vec<U>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<U>, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, T: Listed, U, F: FnMut(T) -> Result<U, String>> Visitor<'de> for Items<'_, T, F> {
    type Value = Vec<U>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a list of {}", T::KIND)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<U>, A::Error> {
        let mut out = Vec::new();
        while let Some(Item(item)) = seq.next_element::<Item<T>>()? {
            if out.len() == self.max {
                return Err(de::Error::custom("too many items"));
            }
            out.push((self.convert)(item).map_err(de::Error::custom)?);
        }
        Ok(out)
    }
}

/// One item, read as k8s-openapi reads its kind (with its checks of `apiVersion` and `kind`),
/// and required to name its kind, as the general reader requires.
struct Item<T>(T);

impl<'de, T: Listed> de::Deserialize<'de> for Item<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(ItemVisitor(PhantomData))
    }
}

struct ItemVisitor<T>(PhantomData<T>);

impl<'de, T: Listed> Visitor<'de> for ItemVisitor<T> {
    type Value = Item<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a {}", T::KIND)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Item<T>, A::Error> {
        let mut metadata = ObjectMeta::default();
        let mut spec = None;
        let mut status = None;
        let mut named = false;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "apiVersion" => {
                    if map.next_value::<String>()? != T::API_VERSION {
                        return Err(de::Error::custom("another apiVersion"));
                    }
                }
                "kind" => {
                    if map.next_value::<String>()? != T::KIND {
                        return Err(de::Error::custom("another kind"));
                    }
                    named = true;
                }
                // As in k8s-openapi: the last of a repeated key counts, `null` is absent.
                "metadata" => metadata = map.next_value::<Option<_>>()?.unwrap_or_default(),
                "spec" => spec = map.next_value()?,
                "status" => status = map.next_value()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !named {
            return Err(de::Error::custom("an item without `kind`"));
        }
        Ok(Item(T::assemble(metadata, spec, status)))
    }
}

/// Any JSON value, parsed as `serde_json::Value` parses it (every number and string decoded,
/// nesting counted against the same limit) and dropped.
struct Valid;

impl<'de> de::Deserialize<'de> for Valid {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(Valid)
    }
}

impl<'de> Visitor<'de> for Valid {
    type Value = Valid;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Valid, E> {
        Ok(Valid)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Valid, E> {
        Ok(Valid)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Valid, E> {
        Ok(Valid)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Valid, E> {
        Ok(Valid)
    }

    fn visit_str<E>(self, _: &str) -> Result<Valid, E> {
        Ok(Valid)
    }

    fn visit_unit<E>(self) -> Result<Valid, E> {
        Ok(Valid)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Valid, A::Error> {
        while seq.next_element::<Valid>()?.is_some() {}
        Ok(Valid)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Valid, A::Error> {
        while map.next_key::<Valid>()?.is_some() {
            map.next_value::<Valid>()?;
        }
        Ok(Valid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Diagnostics;
    use crate::source::SourceFile;

    /// Two nodes as kubectl prints them: `items` before `kind`, fields this reader skips.
    const LIST: &str = r#"{"apiVersion": "v1", "items": [
 {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1", "labels": {"zone": "a", "zone": "b"}},
  "spec": {"taints": [{"key": "k", "value": "v", "effect": "NoSchedule"}], "unschedulable": true},
  "status": {"allocatable": {"cpu": "3900m", "memory": "16Gi", "pods": 110, "nvidia.com/gpu": 1.5},
   "images": [{"names": ["r/a@sha256:00", "r/a:1"], "sizeBytes": 1}], "odd": {"x": [1, null, true, -2.5e3]}}},
 {"kind": "Node", "metadata": {"name": "n2"}, "spec": null, "status": {"capacity": {"cpu": "2"}}}
], "kind": "List", "metadata": {"resourceVersion": ""}}"#;

    fn source(text: &str) -> SourceFile {
        SourceFile::new("nodes.json", text)
    }

    /// The nodes of a file, as `nodes::parse` reads them on this path.
    fn read(source: &SourceFile) -> Option<Vec<super::super::Node>> {
        let mut images = super::super::ImageNames::default();
        super::read::<core::Node, _>(&source.text, super::super::MAX_NODES, |n| {
            super::super::nodes::from_k8s(&n, &mut images)
        })
    }

    #[test]
    fn a_kubectl_list_gives_what_the_general_reader_gives() {
        for text in [
            LIST.to_string(),
            LIST.replace("\"List\"", "\"NodeList\""),
            format!("\u{feff}\n {LIST}\n"),
        ] {
            let mut diags = Diagnostics::default();
            let general = super::super::nodes::from_documents(&source(&text), &mut diags);
            assert!(diags.is_empty(), "{diags:?}");
            let nodes = read(&source(&text)).expect("read item by item");
            assert_eq!(Some(nodes), general.map(|(nodes, _)| nodes));
        }
    }

    #[test]
    fn a_repeated_name_points_where_the_general_reader_points() {
        let text = LIST.replace(
            "\"name\": \"n2\"",
            "\"labels\": {\"h\": \"n1\"}, \"name\": \"n1\"",
        );
        let src = source(&text);
        assert!(read(&src).is_some());
        let (_, fast) = super::super::nodes::parse(&src);
        let mut general = Diagnostics::default();
        let (nodes, spans) = super::super::nodes::from_documents(&src, &mut general).unwrap();
        super::super::pools::check_duplicates(&nodes, &mut general, |i| spans[i]);
        assert_eq!(fast.len(), 1);
        assert_eq!(format!("{fast:?}"), format!("{general:?}"));
    }

    #[test]
    fn anything_else_is_left_to_the_general_reader() {
        let first_kind = "\"kind\": \"Node\", \"metadata\": {\"name\": \"n1\"";
        assert!(LIST.contains(first_kind));
        let cases = [
            LIST.replacen(first_kind, "\"metadata\": {\"name\": \"n1\"", 1),
            LIST.replacen(
                first_kind,
                "\"kind\": \"Pod\", \"metadata\": {\"name\": \"n1\"",
                1,
            ),
            LIST.replacen(
                "\"apiVersion\": \"v1\", \"kind\"",
                "\"apiVersion\": \"v2\", \"kind\"",
                1,
            ),
            LIST.replace("\"3900m\"", "\"lots\""),
            LIST.replace("\"name\": \"n2\"", "\"name\": \"\""),
            LIST.replace("\"labels\": {", "\"labels\": {\"n\": 3, "),
            LIST.replace("\"List\"", "\"Node\""),
            LIST.replace(
                "\"kind\": \"List\"",
                "\"kind\": \"List\", \"kind\": \"List\"",
            ),
            LIST.replace("\"kind\": \"List\"", "\"kind\": \"List\", \"items\": []"),
            LIST.replace("\"kind\": \"List\"", "\"kind\": 3"),
            format!("{LIST} x"),
            r#"{"kind": "List", "items": []}"#.to_string(),
            r#"{"kind": "List", "items": 3}"#.to_string(),
            r#"[{"kind": "List", "items": []}]"#.to_string(),
            "kind: List\nitems: []\n".to_string(),
        ];
        for text in &cases {
            assert_eq!(read(&source(text)), None, "{text}");
        }
    }

    #[test]
    fn json_a_value_tree_refuses_is_refused_even_where_the_typed_pass_would_skip_it() {
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        for odd in [deep.as_str(), "1e400", "\"\\ud800\""] {
            let text = LIST.replace("\"odd\": {", &format!("\"odd\": {odd}, \"odder\": {{"));
            let typed = ListSeed {
                max: 10,
                convert: |n: core::Node| Ok(n),
                item: PhantomData,
            }
            .deserialize(&mut serde_json::Deserializer::from_str(&text));
            assert!(typed.is_ok(), "{odd}");

            assert!(
                serde_json::from_str::<serde_json::Value>(&text).is_err(),
                "{odd}"
            );
            assert_eq!(read(&source(&text)), None, "{odd}");
        }
    }
}
