//! `[app]` (identity shared by every object) and `[placement]` (where pods may run).

use super::read::{Fields, Pairs, Sp, wrong_type};
use super::tree::Value;
use crate::diagnostics::Diagnostics;
use crate::source::Span;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct AppSection {
    pub name: Option<Sp<String>>,
    pub namespace: Option<Sp<String>>,
    pub version: Option<Sp<String>>,
    pub labels: Pairs,
    pub annotations: Pairs,
    pub create_namespace: Option<Sp<bool>>,
    pub span: Span,
}

impl AppSection {
    pub fn read(f: &mut Fields, d: &mut Diagnostics) -> AppSection {
        AppSection {
            name: f.required(d, "name", |f, d, k| f.string(d, k), "\"my-model\""),
            namespace: f.string(d, "namespace"),
            version: f.scalar_string(d, "version"),
            labels: f.pairs(d, "labels").unwrap_or_default(),
            annotations: f.pairs(d, "annotations").unwrap_or_default(),
            create_namespace: f.bool(d, "create_namespace"),
            span: f.span(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Placement {
    pub node_selector: Pairs,
    pub tolerations: Vec<TolerationSpec>,
    pub spread: Option<Sp<String>>,
    pub priority_class: Option<Sp<String>>,
    pub runtime_class: Option<Sp<String>>,
}

impl Placement {
    pub fn read(f: &mut Fields, d: &mut Diagnostics) -> Placement {
        Placement {
            node_selector: f.pairs(d, "node_selector").unwrap_or_default(),
            tolerations: read_tolerations(f, d),
            spread: f.string(d, "spread"),
            priority_class: f.string(d, "priority_class"),
            runtime_class: f.string(d, "runtime_class"),
        }
    }
}

/// `"key=value:Effect"`, or `{ key, operator, value, effect }`.
#[derive(Debug, Clone, PartialEq)]
pub enum TolerationSpec {
    Short(Sp<String>),
    Table {
        key: Option<Sp<String>>,
        operator: Option<Sp<String>>,
        value: Option<Sp<String>>,
        effect: Option<Sp<String>>,
        span: Span,
    },
}

fn read_tolerations(f: &mut Fields, d: &mut Diagnostics) -> Vec<TolerationSpec> {
    let path = f.key_path("tolerations");
    let Some(e) = f.entry("tolerations") else {
        return Vec::new();
    };
    let Value::Array(items) = &e.node.value else {
        d.push(wrong_type(&path, "an array of tolerations", &e.node));
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let item_path = format!("{path}[{i}]");
        match &item.value {
            Value::Str(s) => out.push(TolerationSpec::Short(Sp::new(s.clone(), item.span))),
            Value::Table(_) => {
                if let Some(mut t) = Fields::new(item, &item_path, d) {
                    out.push(TolerationSpec::Table {
                        key: t.string(d, "key"),
                        operator: t.string(d, "operator"),
                        value: t.string(d, "value"),
                        effect: t.string(d, "effect"),
                        span: item.span,
                    });
                    t.finish(d);
                }
            }
            _ => d.push(wrong_type(
                &item_path,
                "a string `key=value:Effect` or a table",
                item,
            )),
        }
    }
    out
}
