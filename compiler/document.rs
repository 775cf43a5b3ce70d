//! One object of a bundle as a JSON document: what the stages after `generate` work on.
//!
//! `generate` builds typed k8s-openapi objects; from there on an object is its JSON form, so a
//! patch can add any field the kind's schema allows (even one the typed structs lack) and emit,
//! verify, `place` and `--annotate` all see the same patched object. A document also records
//! which of its values a patch set (`origins`), so findings and comments can name the patch's
//! line instead of guessing.

use std::collections::BTreeMap;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;

use crate::generate::Object;
use crate::source::Span;

/// One object, as JSON, with the spec lines of the values patches set.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub value: Value,
    /// JSON pointer of a value a patch set (or removed) → where in the spec.
    pub origins: BTreeMap<String, Origin>,
}

/// Where a patched value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin {
    /// The key or value in the spec that set it.
    pub span: Span,
    /// Which patch, as an index into the spec's patches.
    pub patch: usize,
}

impl Document {
    /// A generated object, unpatched.
    pub fn new(value: Value) -> Self {
        Document {
            value,
            origins: BTreeMap::new(),
        }
    }

    pub fn from_object(o: &Object) -> Self {
        Document::new(serde_json::to_value(o).unwrap_or(Value::Null))
    }

    fn text(&self, pointer: &str) -> Option<&str> {
        self.value.pointer(pointer).and_then(Value::as_str)
    }

    pub fn kind(&self) -> &str {
        self.text("/kind").unwrap_or_default()
    }

    pub fn name(&self) -> &str {
        self.text("/metadata/name").unwrap_or_default()
    }

    pub fn namespace(&self) -> Option<&str> {
        self.text("/metadata/namespace")
    }

    /// A label of the object's own metadata.
    pub fn label(&self, key: &str) -> Option<&str> {
        self.value
            .get("metadata")?
            .get("labels")?
            .get(key)?
            .as_str()
    }

    /// Position of the kind in the fixed document order.
    pub fn rank(&self) -> u8 {
        crate::kinds::rank(self.kind())
    }

    /// `Kind/namespace/name`, as reports name workloads.
    pub fn id(&self) -> String {
        match self.namespace() {
            Some(ns) => format!("{}/{ns}/{}", self.kind(), self.name()),
            None => format!("{}/{}", self.kind(), self.name()),
        }
    }

    /// The typed object, read back by its kind.
    pub fn typed(&self) -> Result<Object, String> {
        Object::from_json(self.value.clone())
    }

    /// The document as k8s-openapi writes its objects: `apiVersion` and `kind` first, then
    /// every other field in name order, so a document and the typed object it came from
    /// serialize to the same text.
    pub fn ordered(&self) -> Ordered<'_> {
        Ordered(&self.value)
    }
}

/// See [`Document::ordered`].
pub struct Ordered<'a>(&'a Value);

impl Serialize for Ordered<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let Value::Object(map) = self.0 else {
            return self.0.serialize(s);
        };
        const HEAD: [&str; 2] = ["apiVersion", "kind"];
        let mut m = s.serialize_map(Some(map.len()))?;
        for key in HEAD {
            if let Some(v) = map.get(key) {
                m.serialize_entry(key, v)?;
            }
        }
        for (k, v) in map {
            if !HEAD.contains(&k.as_str()) {
                m.serialize_entry(k, v)?;
            }
        }
        m.end()
    }
}

/// Every object of a bundle as a document.
pub fn documents(objects: &[Object]) -> Vec<Document> {
    objects.iter().map(Document::from_object).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_serializes_like_its_typed_object() {
        let (objects, d) = crate::compile_str(
            "[app]\nname = \"a\"\n[serve]\nimage = \"x/y:1\"\nfiles = { \"/etc/a\" = \"b\" }\n",
        );
        assert!(!d.has_errors(), "{d:?}");
        assert!(objects.iter().any(|o| o.kind() == "ConfigMap"));
        for o in &objects {
            let typed = serde_json::to_string(o).unwrap();
            let doc = serde_json::to_string(&Document::from_object(o).ordered()).unwrap();
            assert_eq!(typed, doc);
        }
    }
}
