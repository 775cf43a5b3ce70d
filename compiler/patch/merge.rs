//! A patch's `merge` and `remove` on one JSON document.
//!
//! `merge` is a JSON merge patch (RFC 7386) written in TOML: a table merges key by key into an
//! object, anything else replaces the value. Lists of named items merge by name, as kubectl's
//! strategic merge patch does ([`NAMED`]): an item whose name the list has merges into that
//! item, a new name is appended, so one env entry can be added without restating the list.
//! TOML has no `null`, so a field is removed with `remove`: JSON pointers (RFC 6901) in which a
//! segment may name an item of a named list. Every value set is recorded with the span that
//! set it.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde_json::{Map, Number, Value};

use crate::diagnostics::{Diagnostic, codes};
use crate::document::Origin;
use crate::pointer;
use crate::source::Span;
use crate::spec::read::join;
use crate::spec::tree::{Node, Value as Toml};
use crate::values::suggest::suggest;

/// Lists whose items merge by a key, as `kubectl patch --type strategic` merges them (and
/// tolerations by `key`): pointer pattern → the key ([`crate::pointer`]'s syntax).
pub const NAMED: &[(&str, &str)] = &[
    ("/{containers,initContainers}$", "name"),
    (
        "/{containers,initContainers}/*/{env,ports,volumeMounts}$",
        "name",
    ),
    ("/{volumes,imagePullSecrets}$", "name"),
    ("kind:Service ^/spec/ports$", "name"),
    ("/tolerations$", "key"),
];

static NAMED_TABLE: LazyLock<pointer::Table<&str>> = LazyLock::new(|| pointer::Table::new(NAMED));

/// The key the list at `pointer` merges by, if it is a list of named items.
pub fn merge_key(kind: &str, pointer: &str) -> Option<&'static str> {
    NAMED_TABLE.find(kind, pointer)
}

/// Applies one patch to one document, recording what it set and what it cannot do.
pub struct Patcher<'a> {
    /// The document's kind, for the named lists.
    pub kind: &'a str,
    /// The patch's index in the spec.
    pub patch: usize,
    pub origins: &'a mut BTreeMap<String, Origin>,
    pub errors: &'a mut Vec<Diagnostic>,
}

impl Patcher<'_> {
    /// Merge `patch` (written at spec path `path`) into `target`, the value at `at`. `span` is
    /// where a replacement is said to come from.
    pub fn merge(&mut self, target: &mut Value, patch: &Node, at: &str, path: &str, span: Span) {
        if let (Toml::Table(t), Some(map)) = (&patch.value, target.as_object_mut()) {
            for (key, entry) in &t.entries {
                let child = format!("{at}/{}", escape(key));
                let child_path = join(path, key);
                let child_span = entry_span(entry.key_span, &entry.node);
                match map.get_mut(key) {
                    Some(existing) => {
                        self.merge(existing, &entry.node, &child, &child_path, child_span);
                    }
                    None => {
                        if let Some(v) = self.json(&entry.node, &child_path) {
                            map.insert(key.clone(), v);
                            self.record(&child, child_span);
                        }
                    }
                }
            }
            return;
        }
        if let Toml::Array(items) = &patch.value
            && target.is_array()
            && let Some(key) = merge_key(self.kind, at)
        {
            self.merge_named(target, items, key, at, path);
            return;
        }
        self.replace(target, patch, at, path, span);
    }

    /// Set the value at `at`; restating the value it has (a named item's own name) records
    /// nothing, so the value keeps its origin.
    fn replace(&mut self, target: &mut Value, patch: &Node, at: &str, path: &str, span: Span) {
        if let Some(v) = self.json(patch, path)
            && *target != v
        {
            *target = v;
            self.record(at, span);
        }
    }

    /// Items of a named list: each merges into the item of the same key, or is appended.
    fn merge_named(&mut self, target: &mut Value, items: &[Node], key: &str, at: &str, path: &str) {
        let field = pointer::unescape(pointer::segments(at).last().unwrap_or_default());
        for (i, item) in items.iter().enumerate() {
            let item_path = format!("{path}[{i}]");
            let Some(wanted) = self.item_key(item, key, &field, &item_path) else {
                continue;
            };
            let Some(list) = target.as_array_mut() else {
                return;
            };
            let same: Vec<usize> = list
                .iter()
                .enumerate()
                .filter(|(_, x)| x.get(key) == Some(&wanted))
                .map(|(j, _)| j)
                .collect();
            match same.as_slice() {
                [] => {
                    if let Some(v) = self.json(item, &item_path) {
                        list.push(v);
                        self.record(&format!("{at}/{}", list.len() - 1), item.span);
                    }
                }
                [j] => {
                    let child = format!("{at}/{j}");
                    self.merge(&mut list[*j], item, &child, &item_path, item.span);
                }
                _ => self.errors.push(
                    Diagnostic::new(
                        &codes::E0312,
                        format!(
                            "`{item_path}` cannot merge: two items of `{field}` have `{key} = {wanted}`"
                        ),
                    )
                    .at(item.span, "which one?")
                    .help(format!(
                        "remove the list first (`remove = [\"{at}\"]`, relative to the target) and write it whole"
                    )),
                ),
            }
        }
    }

    /// The merge key's value of a patch item, or why there is none.
    fn item_key(&mut self, item: &Node, key: &str, field: &str, path: &str) -> Option<Value> {
        let found = item.as_table().map(|t| t.get(key));
        match found {
            Some(Some(entry)) if matches!(entry.node.value, Toml::Str(_)) => {
                self.json(&entry.node, &join(path, key))
            }
            _ => {
                self.errors.push(
                    Diagnostic::new(
                        &codes::E0312,
                        format!("`{path}` has no `{key}`: items of `{field}` merge by `{key}`"),
                    )
                    .at(item.span, format!("`{key}` is missing here"))
                    .help(format!(
                        "give the item its `{key}` (an existing one changes that item, a new one adds an item)"
                    )),
                );
                None
            }
        }
    }

    /// Remove the value at `pointer` (relative to `base`) from the document `root`.
    pub fn remove(&mut self, root: &mut Value, base: &str, pointer: &str, path: &str, span: Span) {
        let segments: Vec<String> = pointer::segments(pointer).map(pointer::unescape).collect();
        let mut at = base.to_string();
        let Some(mut node) = root.pointer_mut(base) else {
            return;
        };
        let Some((last, parents)) = segments.split_last() else {
            self.errors.push(
                Diagnostic::new(&codes::E0312, format!("`{path}` removes the whole target"))
                    .at(span, "`/` is the object itself")
                    .help("name a field to remove; `delete = true` removes an object"),
            );
            return;
        };
        for segment in parents {
            let Some(index) = self.step(node, &at, segment, pointer, path, span) else {
                return;
            };
            at = format!("{at}/{}", escape(&index));
            let next = match node {
                Value::Object(m) => m.get_mut(&index),
                Value::Array(a) => index.parse::<usize>().ok().and_then(|i| a.get_mut(i)),
                _ => None,
            };
            let Some(next) = next else {
                return;
            };
            node = next;
        }
        let Some(index) = self.step(node, &at, last, pointer, path, span) else {
            return;
        };
        match node {
            Value::Object(m) => {
                m.remove(&index);
            }
            Value::Array(a) => {
                if let Ok(i) = index.parse::<usize>() {
                    a.remove(i);
                }
            }
            _ => return,
        }
        self.record(&format!("{at}/{}", escape(&index)), span);
    }

    /// The key or index under `node` (at `at`) that `segment` names, or an error.
    fn step(
        &mut self,
        node: &Value,
        at: &str,
        segment: &str,
        pointer: &str,
        path: &str,
        span: Span,
    ) -> Option<String> {
        let found = match node {
            Value::Object(m) => m.contains_key(segment).then(|| segment.to_string()),
            Value::Array(items) => {
                let by_key = merge_key(self.kind, at).and_then(|key| {
                    items
                        .iter()
                        .position(|x| x.get(key).and_then(Value::as_str) == Some(segment))
                });
                by_key
                    .or_else(|| segment.parse::<usize>().ok().filter(|i| *i < items.len()))
                    .map(|i| i.to_string())
            }
            _ => None,
        };
        if found.is_none() {
            let candidates: Vec<String> = match node {
                Value::Object(m) => m.keys().cloned().collect(),
                Value::Array(items) => merge_key(self.kind, at)
                    .map(|key| {
                        items
                            .iter()
                            .filter_map(|x| x.get(key)?.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default(),
                _ => Vec::new(),
            };
            let help = match suggest(segment, &candidates) {
                Some(s) => format!("did you mean `{s}`?"),
                None if candidates.is_empty() => {
                    "remove only what the generated object has (`mlspec build` prints it)"
                        .to_string()
                }
                None => format!("it has: {}", backticked(&candidates)),
            };
            self.errors.push(
                Diagnostic::new(
                    &codes::E0312,
                    format!("`{path}` names `{pointer}`, but there is no `{segment}` there"),
                )
                .at(span, "not in the generated object")
                .help(help),
            );
        }
        found
    }

    fn record(&mut self, at: &str, span: Span) {
        let under = format!("{at}/");
        self.origins.retain(|k, _| !k.starts_with(&under));
        self.origins.insert(
            at.to_string(),
            Origin {
                span,
                patch: self.patch,
            },
        );
    }

    fn json(&mut self, node: &Node, path: &str) -> Option<Value> {
        match to_json(node, path) {
            Ok(v) => Some(v),
            Err(e) => {
                self.errors.push(*e);
                None
            }
        }
    }
}

/// A TOML value as JSON; a date-time or a non-finite float has no JSON form.
pub fn to_json(node: &Node, path: &str) -> Result<Value, Box<Diagnostic>> {
    Ok(match &node.value {
        Toml::Str(s) => Value::String(s.clone()),
        Toml::Int(i) => Value::from(*i),
        Toml::Bool(b) => Value::Bool(*b),
        Toml::Float(f) => match Number::from_f64(*f) {
            Some(n) => Value::Number(n),
            None => return Err(no_json(node, path, "a float that is not finite")),
        },
        Toml::Datetime(_) => return Err(no_json(node, path, "a TOML date-time")),
        Toml::Array(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, n)| to_json(n, &format!("{path}[{i}]")))
                .collect::<Result<_, _>>()?,
        ),
        Toml::Table(t) => Value::Object(
            t.entries
                .iter()
                .map(|(k, e)| Ok((k.clone(), to_json(&e.node, &join(path, k))?)))
                .collect::<Result<Map<_, _>, Box<Diagnostic>>>()?,
        ),
    })
}

fn no_json(node: &Node, path: &str, what: &str) -> Box<Diagnostic> {
    Box::new(
        Diagnostic::new(
            &codes::E0312,
            format!("`{path}` is {what}, which a Kubernetes object cannot hold"),
        )
        .at(node.span, "no JSON form")
        .help("write it as a string, as Kubernetes writes timestamps and quantities"),
    )
}

/// Where a value of a table entry is said to come from: its key for a table (whose own span
/// may be a `[header]` far away), else `key = value`.
fn entry_span(key: Span, node: &Node) -> Span {
    match node.value {
        Toml::Table(_) => key,
        _ => Span::new(key.start.min(node.span.start), key.end.max(node.span.end)),
    }
}

/// A key as a JSON pointer segment.
pub fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn backticked(items: &[String]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Diagnostics;
    use crate::spec::tree;
    use serde_json::json;

    /// `doc` with the TOML `merge` table applied (as a Deployment), and what was recorded.
    fn merged(doc: Value, text: &str) -> (Value, Vec<String>, Vec<Diagnostic>) {
        let mut d = Diagnostics::default();
        let root = tree::parse(text, &mut d);
        assert!(d.is_empty(), "{d:?}");
        let mut doc = doc;
        let mut origins = BTreeMap::new();
        let mut errors = Vec::new();
        let mut p = Patcher {
            kind: "Deployment",
            patch: 0,
            origins: &mut origins,
            errors: &mut errors,
        };
        p.merge(&mut doc, &root, "", "merge", root.span);
        (doc, origins.into_keys().collect(), errors)
    }

    fn pod() -> Value {
        json!({"spec": {"template": {"spec": {
            "containers": [{"name": "server", "image": "x",
                "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]}],
            "tolerations": [{"key": "gpu", "operator": "Exists"}],
            "volumes": [{"name": "tmp", "emptyDir": {}}]}}}})
    }

    #[test]
    fn tables_merge_and_other_values_replace() {
        let (doc, set, errors) = merged(
            json!({"a": {"b": 1, "c": [1, 2]}, "d": "x"}),
            "a = { c = [3], e = true }\nd = 2\n",
        );
        assert!(errors.is_empty());
        assert_eq!(doc, json!({"a": {"b": 1, "c": [3], "e": true}, "d": 2}));
        assert_eq!(set, ["/a/c", "/a/e", "/d"]);
    }

    #[test]
    fn named_items_merge_by_name_and_new_ones_are_added() {
        let text = r#"
[[spec.template.spec.containers]]
name = "server"
workingDir = "/srv"
env = [{ name = "B", value = "two" }, { name = "C", value = "3" }]

[[spec.template.spec.volumes]]
name = "cache"
emptyDir = { sizeLimit = "1Gi" }
"#;
        let (doc, set, errors) = merged(pod(), text);
        assert!(errors.is_empty(), "{errors:?}");
        let c = &doc["spec"]["template"]["spec"]["containers"][0];
        assert_eq!(c["workingDir"], "/srv");
        assert_eq!(
            c["env"],
            json!([{"name": "A", "value": "1"}, {"name": "B", "value": "two"},
                   {"name": "C", "value": "3"}])
        );
        let volumes = &doc["spec"]["template"]["spec"]["volumes"];
        assert_eq!(volumes.as_array().map(Vec::len), Some(2));
        let c0 = "/spec/template/spec/containers/0";
        assert_eq!(
            set,
            [
                format!("{c0}/env/1/value"),
                format!("{c0}/env/2"),
                format!("{c0}/workingDir"),
                "/spec/template/spec/volumes/1".to_string(),
            ]
        );
    }

    #[test]
    fn tolerations_merge_by_key_and_an_item_needs_its_key() {
        let text = "spec.template.spec.tolerations = [{ key = \"gpu\", effect = \"NoSchedule\" }, { key = \"spot\", operator = \"Exists\" }, { operator = \"Exists\" }]\n";
        let (doc, _, errors) = merged(pod(), text);
        let t = &doc["spec"]["template"]["spec"]["tolerations"];
        assert_eq!(
            t,
            &json!([{"key": "gpu", "operator": "Exists", "effect": "NoSchedule"},
                    {"key": "spot", "operator": "Exists"}])
        );
        assert_eq!(errors.len(), 1);
        assert!(errors[0].message.contains("has no `key`"), "{errors:?}");
    }

    #[test]
    fn a_list_that_is_not_named_is_replaced() {
        let text = "spec.template.spec.containers = [{ name = \"server\", args = [\"--b\"] }]\n";
        let (doc, _, _) = merged(
            json!({"spec": {"template": {"spec": {"containers": [{"name": "server", "args": ["--a", "--c"]}]}}}}),
            text,
        );
        assert_eq!(
            doc["spec"]["template"]["spec"]["containers"][0]["args"],
            json!(["--b"])
        );
    }

    #[test]
    fn remove_follows_names_in_named_lists_and_suggests_on_a_miss() {
        let mut doc = pod();
        let mut origins = BTreeMap::new();
        let mut errors = Vec::new();
        let mut p = Patcher {
            kind: "Deployment",
            patch: 0,
            origins: &mut origins,
            errors: &mut errors,
        };
        let span = Span::new(0, 1);
        p.remove(
            &mut doc,
            "/spec/template",
            "/spec/containers/server/env/A",
            "r",
            span,
        );
        p.remove(
            &mut doc,
            "/spec/template",
            "/spec/tolerations/gpu",
            "r",
            span,
        );
        p.remove(&mut doc, "/spec/template", "/spec/volumse", "r", span);
        let env = &doc["spec"]["template"]["spec"]["containers"][0]["env"];
        assert_eq!(env, &json!([{"name": "B", "value": "2"}]));
        assert_eq!(doc["spec"]["template"]["spec"]["tolerations"], json!([]));
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].help.as_deref(), Some("did you mean `volumes`?"));
        assert!(origins.contains_key("/spec/template/spec/containers/0/env/0"));
    }

    #[test]
    fn dates_have_no_json_form() {
        let (_, _, errors) = merged(json!({}), "at = 2024-01-01T00:00:00Z\n");
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].code.id, "E0312");
    }
}
