//! A large `kubectl get nodes -o json` read without a `serde_json::Value` tree: the list's items
//! go straight into nodes, one at a time, so only the text and the nodes are ever held (a 99 MB,
//! 5,000-node dump parsed into a tree is about 280 MB more).
//!
//! It takes only what kubectl prints: one JSON object whose `kind` ends in `List` and whose
//! `items` are each an object of `kind: Node` that becomes a node without complaint. Anything
//! else (a syntax error, an item of another kind or of none, a node that does not parse, no nodes
//! or too many, a repeated `kind` or `items`) gives `None`, and `nodes::parse` reads the file
//! the general way, which reports exactly what it always did. This path changes what a good file
//! costs, never what any file gives.

use std::fmt;

use k8s_openapi::Resource;
use k8s_openapi::api::core::v1 as core;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::Node;
use crate::source::SourceFile;

/// The nodes of `source` in input order, when it is a JSON node list that the general reader
/// takes without a diagnostic of its own (duplicate names are still the caller's to check).
pub(super) fn read(source: &SourceFile) -> Option<Vec<Node>> {
    let text = source.text.trim_start_matches('\u{feff}');
    if !text.trim_start().starts_with('{') {
        return None;
    }
    // The typed pass skips unknown fields with serde_json's scanner, which is more lenient than
    // the parser that builds a `Value` (no nesting limit, no check of a number's range or of a
    // `\u` surrogate). First make sure that parser takes the file, keeping nothing of it.
    serde_json::from_str::<Valid>(text).ok()?;
    let list: List = serde_json::from_str(text).ok()?;
    let nodes = list.nodes?;
    (list.kind?.ends_with("List") && !nodes.is_empty()).then_some(nodes)
}

/// The top level of a list: its `kind` and its nodes; everything else is skipped.
struct List {
    kind: Option<String>,
    nodes: Option<Vec<Node>>,
}

impl<'de> de::Deserialize<'de> for List {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(ListVisitor)
    }
}

struct ListVisitor;

impl<'de> Visitor<'de> for ListVisitor {
    type Value = List;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a List of Nodes")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<List, A::Error> {
        let mut list = List {
            kind: None,
            nodes: None,
        };
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                // The general reader keeps the last of a repeated key; leave such a file to it.
                "kind" if list.kind.is_some() => return Err(de::Error::custom("repeated `kind`")),
                "items" if list.nodes.is_some() => {
                    return Err(de::Error::custom("repeated `items`"));
                }
                "kind" => list.kind = Some(map.next_value()?),
                "items" => list.nodes = Some(map.next_value_seed(Items)?),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(list)
    }
}

/// `items`: each one a Node, turned into the model as soon as it is read.
struct Items;

impl<'de> DeserializeSeed<'de> for Items {
    type Value = Vec<Node>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<Node>, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Items {
    type Value = Vec<Node>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of Nodes")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Node>, A::Error> {
        let mut nodes = Vec::new();
        let mut images = super::ImageNames::default();
        while let Some(Item(node)) = seq.next_element()? {
            if nodes.len() == super::MAX_NODES {
                return Err(de::Error::custom("too many nodes"));
            }
            nodes.push(super::nodes::from_k8s(&node, &mut images).map_err(de::Error::custom)?);
        }
        Ok(nodes)
    }
}

/// One item, read as k8s-openapi reads a Node (with its checks of `apiVersion` and `kind`),
/// and required to say `kind: Node`, as the general reader requires.
struct Item(core::Node);

impl<'de> de::Deserialize<'de> for Item {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(ItemVisitor)
    }
}

struct ItemVisitor;

impl<'de> Visitor<'de> for ItemVisitor {
    type Value = Item;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Node")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Item, A::Error> {
        let mut node = core::Node::default();
        let mut is_node = false;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "apiVersion" => {
                    if map.next_value::<String>()? != core::Node::API_VERSION {
                        return Err(de::Error::custom("not a v1 Node"));
                    }
                }
                "kind" => {
                    if map.next_value::<String>()? != core::Node::KIND {
                        return Err(de::Error::custom("not a Node"));
                    }
                    is_node = true;
                }
                // As in k8s-openapi: the last of a repeated key counts, `null` is absent.
                "metadata" => node.metadata = map.next_value::<Option<_>>()?.unwrap_or_default(),
                "spec" => node.spec = map.next_value()?,
                "status" => node.status = map.next_value()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !is_node {
            return Err(de::Error::custom("an item without `kind`"));
        }
        Ok(Item(node))
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
            assert!(serde_json::from_str::<List>(&text).is_ok(), "{odd}");
            assert!(
                serde_json::from_str::<serde_json::Value>(&text).is_err(),
                "{odd}"
            );
            assert_eq!(read(&source(&text)), None, "{odd}");
        }
    }
}
