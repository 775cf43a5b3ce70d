//! The spanned value tree: TOML parsed into plain owned nodes that remember where they came from.
//!
//! `toml`'s `DeTable` gives every key and value its span; this module turns it into a tree that
//! the overlay merge can rewrite and the field readers can walk, and it bounds nesting depth so a
//! hostile file cannot exhaust the stack.

use std::collections::BTreeMap;

use toml::de::{DeTable, DeValue};

use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::source::Span;

/// Deeper nesting than this is refused: no real spec nests more than five levels.
pub const MAX_DEPTH: usize = 32;

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Datetime(String),
    Array(Vec<Node>),
    Table(Table),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub span: Span,
}

/// A key as written, with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key_span: Span,
    pub node: Node,
}

/// A table's entries in key order (deterministic, whatever the file's order).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    pub entries: BTreeMap<String, Entry>,
}

impl Table {
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.get(key)
    }
}

impl Node {
    /// The name of this value's type, as a message says it: "a string", "an integer".
    pub fn type_name(&self) -> &'static str {
        match self.value {
            Value::Str(_) => "a string",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a float",
            Value::Bool(_) => "a boolean",
            Value::Datetime(_) => "a date-time",
            Value::Array(_) => "an array",
            Value::Table(_) => "a table",
        }
    }

    /// A short rendering of a scalar for messages (`"8080"`, `1.5`); tables and arrays by type.
    pub fn brief(&self) -> String {
        match &self.value {
            Value::Str(s) if s.chars().count() <= 40 => format!("{s:?}"),
            Value::Str(_) => "a long string".to_string(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => f.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Datetime(d) => d.clone(),
            Value::Array(_) | Value::Table(_) => self.type_name().to_string(),
        }
    }

    /// The smallest span covering this node, its keys and everything below it. (A table's own
    /// span may cover only its `[header]`.)
    pub fn extent(&self) -> Span {
        let mut out = self.span;
        let mut grow = |s: Span| {
            out = Span::new(out.start.min(s.start), out.end.max(s.end));
        };
        match &self.value {
            Value::Array(items) => items.iter().for_each(|n| grow(n.extent())),
            Value::Table(t) => t.entries.values().for_each(|e| {
                grow(e.key_span);
                grow(e.node.extent());
            }),
            _ => {}
        }
        out
    }

    pub fn as_table(&self) -> Option<&Table> {
        match &self.value {
            Value::Table(t) => Some(t),
            _ => None,
        }
    }
}

/// Parse TOML text into a tree, collecting every syntax error toml can recover from.
pub fn parse(text: &str, diags: &mut Diagnostics) -> Node {
    let (table, errors) = DeTable::parse_recoverable(text);
    for e in errors {
        let span = e.span().map_or(Span::file_start(), Span::from);
        let message = e.message().trim().trim_end_matches('.').to_string();
        diags.push(
            Diagnostic::new(
                &codes::E0001,
                format!("invalid TOML: {}", lowercase_first(&message)),
            )
            .at(span, "here")
            .help("see https://toml.io/en/v1.0.0 for the syntax"),
        );
    }
    let span = Span::from(table.span());
    let mut converter = Converter {
        diags,
        too_deep: false,
    };
    Node {
        value: Value::Table(converter.table(table.into_inner(), 1)),
        span,
    }
}

struct Converter<'d> {
    diags: &'d mut Diagnostics,
    too_deep: bool,
}

impl Converter<'_> {
    fn table(&mut self, t: DeTable<'_>, depth: usize) -> Table {
        let mut out = Table::default();
        for (k, v) in t {
            let key_span = Span::from(k.span());
            if let Some(node) = self.node(v, depth) {
                out.entries
                    .insert(k.into_inner().into_owned(), Entry { key_span, node });
            }
        }
        out
    }

    fn node(&mut self, v: toml::Spanned<DeValue<'_>>, depth: usize) -> Option<Node> {
        let span = Span::from(v.span());
        if depth > MAX_DEPTH {
            if !self.too_deep {
                self.too_deep = true;
                self.diags.push(
                    Diagnostic::new(
                        &codes::E0009,
                        format!("values are nested more than {MAX_DEPTH} levels deep"),
                    )
                    .at(span, "too deep")
                    .help(
                        "a spec nests tables and arrays a few levels at most; flatten this value",
                    ),
                );
            }
            return None;
        }
        let value = match v.into_inner() {
            DeValue::String(s) => Value::Str(s.into_owned()),
            DeValue::Integer(i) => {
                match i64::from_str_radix(&i.as_str().replace('_', ""), i.radix()) {
                    Ok(n) => Value::Int(n),
                    Err(_) => {
                        self.diags.push(
                            Diagnostic::new(
                                &codes::E0003,
                                "integer is too large for a 64-bit value",
                            )
                            .at(span, "too large")
                            .help("Kubernetes fields hold at most 64-bit integers"),
                        );
                        return None;
                    }
                }
            }
            DeValue::Float(f) => {
                Value::Float(f.as_str().replace('_', "").parse().unwrap_or(f64::NAN))
            }
            DeValue::Boolean(b) => Value::Bool(b),
            DeValue::Datetime(d) => Value::Datetime(d.to_string()),
            DeValue::Array(a) => {
                let mut items = Vec::with_capacity(a.len());
                for item in a.iter().cloned() {
                    if let Some(n) = self.node(item, depth + 1) {
                        items.push(n);
                    }
                }
                Value::Array(items)
            }
            DeValue::Table(t) => Value::Table(self.table(t, depth + 1)),
        };
        Some(Node { value, span })
    }
}

fn lowercase_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) if !s.starts_with("TOML") => f.to_lowercase().chain(c).collect(),
        _ => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_point_at_values() {
        let text = "[serve]\nport = 8080\n";
        let mut d = Diagnostics::default();
        let root = parse(text, &mut d);
        assert!(d.is_empty());
        let serve = root.as_table().and_then(|t| t.get("serve")).expect("serve");
        let port = serve
            .node
            .as_table()
            .and_then(|t| t.get("port"))
            .expect("port");
        assert_eq!(&text[port.node.span.start..port.node.span.end], "8080");
        assert_eq!(&text[port.key_span.start..port.key_span.end], "port");
    }

    #[test]
    fn every_syntax_error_is_reported() {
        let mut d = Diagnostics::default();
        parse("a = \nb = [1,\n[c\n", &mut d);
        assert!(d.len() >= 2, "{d:?}");
        assert!(d.iter().all(|x| x.code.id == "E0001"));
    }

    #[test]
    fn deep_nesting_is_refused_once() {
        let text = format!("a = {}{}", "[".repeat(200), "]".repeat(200));
        let mut d = Diagnostics::default();
        parse(&text, &mut d);
        assert_eq!(d.iter().filter(|x| x.code.id == "E0009").count(), 1);
    }
}
