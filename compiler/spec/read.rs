//! Field readers: pull typed, spanned values out of a table, report every wrong type and missing
//! key, and flag keys nobody asked for (with a "did you mean").
//!
//! A reader never stops at the first problem: a bad field yields `None` and a diagnostic, and the
//! caller carries on with the rest of the table.

use super::tree::{Entry, Node, Table, Value};
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::source::Span;
use crate::values::suggest::suggest;

/// A value as the user wrote it, with the span of the value.
#[derive(Debug, Clone, PartialEq)]
pub struct Sp<T> {
    pub v: T,
    pub span: Span,
}

impl<T> Sp<T> {
    pub fn new(v: T, span: Span) -> Self {
        Sp { v, span }
    }
}

/// A spanned value's schema is its value's: spans are the reader's, not the user's.
impl<T: schemars::JsonSchema> schemars::JsonSchema for Sp<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }

    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }

    fn schema_id() -> std::borrow::Cow<'static, str> {
        T::schema_id()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
}

/// Ordered `key = value` pairs from a table of strings (labels, env, node selectors).
pub type Pairs = Vec<(Sp<String>, Sp<String>)>;

/// Reads the fields of one table. Call `finish` when done to report unknown keys.
pub struct Fields<'n> {
    table: &'n Table,
    path: String,
    span: Span,
    asked: Vec<&'static str>,
}

impl<'n> Fields<'n> {
    /// Start reading `node` as the table at `path`; a non-table is a type error.
    pub fn new(node: &'n Node, path: &str, d: &mut Diagnostics) -> Option<Self> {
        match &node.value {
            Value::Table(table) => Some(Fields {
                table,
                path: path.to_string(),
                span: node.span,
                asked: Vec::new(),
            }),
            _ => {
                d.push(wrong_type(path, "a table", node));
                None
            }
        }
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    pub fn span(&self) -> Span {
        self.span
    }

    /// The dotted path of a key in this table, for messages.
    pub fn key_path(&self, key: &str) -> String {
        join(&self.path, key)
    }

    /// The raw entry for `key`, marking the key as known.
    pub fn entry(&mut self, key: &'static str) -> Option<&'n Entry> {
        self.asked.push(key);
        self.table.get(key)
    }

    pub fn has(&self, key: &str) -> bool {
        self.table.get(key).is_some()
    }

    /// A required key: reports `missing-key` when absent.
    pub fn required<T>(
        &mut self,
        d: &mut Diagnostics,
        key: &'static str,
        read: impl FnOnce(&mut Self, &mut Diagnostics, &'static str) -> Option<T>,
        example: &str,
    ) -> Option<T> {
        if !self.has(key) {
            self.asked.push(key);
            let path = self.key_path(key);
            d.push(
                Diagnostic::new(&codes::E0004, format!("`{path}` is required"))
                    .at(self.header_span(), format!("`{key}` is missing here"))
                    .help(format!("add `{key} = {example}`")),
            );
            return None;
        }
        read(self, d, key)
    }

    pub fn string(&mut self, d: &mut Diagnostics, key: &'static str) -> Option<Sp<String>> {
        let path = self.key_path(key);
        let e = self.entry(key)?;
        match &e.node.value {
            Value::Str(s) => Some(Sp::new(s.clone(), e.node.span)),
            _ => {
                d.push(wrong_type(&path, "a string", &e.node));
                None
            }
        }
    }

    /// A string or a number written as a string would be (`version = 2` or `"2"`).
    pub fn scalar_string(&mut self, d: &mut Diagnostics, key: &'static str) -> Option<Sp<String>> {
        let path = self.key_path(key);
        let e = self.entry(key)?;
        scalar_to_string(&path, &e.node, d)
    }

    pub fn bool(&mut self, d: &mut Diagnostics, key: &'static str) -> Option<Sp<bool>> {
        let path = self.key_path(key);
        let e = self.entry(key)?;
        match e.node.value {
            Value::Bool(b) => Some(Sp::new(b, e.node.span)),
            _ => {
                d.push(wrong_type(&path, "a boolean (`true` or `false`)", &e.node));
                None
            }
        }
    }

    /// Any integer; range checks belong to the caller.
    pub fn int(&mut self, d: &mut Diagnostics, key: &'static str) -> Option<Sp<i64>> {
        let path = self.key_path(key);
        let e = self.entry(key)?;
        integer(&path, &e.node, d)
    }

    /// A non-negative count that fits in an `i32`, as Kubernetes counts do.
    pub fn count(&mut self, d: &mut Diagnostics, key: &'static str) -> Option<Sp<i32>> {
        let path = self.key_path(key);
        let n = self.int(d, key)?;
        match i32::try_from(n.v) {
            Ok(v) if v >= 0 => Some(Sp::new(v, n.span)),
            _ => {
                d.push(
                    Diagnostic::new(
                        &codes::E0113,
                        format!(
                            "`{path}` must be a count from 0 to {}, found {}",
                            i32::MAX,
                            n.v
                        ),
                    )
                    .at(n.span, "out of range")
                    .help("counts are whole numbers, zero or more"),
                );
                None
            }
        }
    }

    /// An array of strings.
    pub fn strings(&mut self, d: &mut Diagnostics, key: &'static str) -> Option<Vec<Sp<String>>> {
        let path = self.key_path(key);
        let e = self.entry(key)?;
        let Value::Array(items) = &e.node.value else {
            d.push(wrong_type(&path, "an array of strings", &e.node));
            return None;
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            match &item.value {
                Value::Str(s) => out.push(Sp::new(s.clone(), item.span)),
                _ => d.push(wrong_type(&format!("{path}[{i}]"), "a string", item)),
            }
        }
        Some(out)
    }

    /// An array of tables (`ports = [{ name = "http", port = 8080 }]`, `[[serve.sidecars]]`), each read by `read`
    /// (given the item's span) with its own unknown-key check; `expected` says what the array
    /// holds when it is not one.
    pub fn tables<T>(
        &mut self,
        d: &mut Diagnostics,
        key: &'static str,
        expected: &str,
        mut read: impl FnMut(&mut Fields<'n>, &mut Diagnostics, Span) -> T,
    ) -> Option<Vec<T>> {
        let path = self.key_path(key);
        let e = self.entry(key)?;
        let Value::Array(items) = &e.node.value else {
            d.push(wrong_type(&path, expected, &e.node));
            return None;
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            if let Some(mut f) = Fields::new(item, &format!("{path}[{i}]"), d) {
                out.push(read(&mut f, d, item.span));
                f.finish(d);
            }
        }
        Some(out)
    }

    /// A table of scalar values, each turned into its string form (`WORKERS = 4` → "4").
    pub fn pairs(&mut self, d: &mut Diagnostics, key: &'static str) -> Option<Pairs> {
        let path = self.key_path(key);
        let e = self.entry(key)?;
        let Value::Table(t) = &e.node.value else {
            d.push(wrong_type(&path, "a table of strings", &e.node));
            return None;
        };
        let mut out = Vec::with_capacity(t.entries.len());
        for (k, entry) in &t.entries {
            if let Some(v) = scalar_to_string(&join(&path, k), &entry.node, d) {
                out.push((Sp::new(k.clone(), entry.key_span), v));
            }
        }
        Some(out)
    }

    /// A sub-table read by `read`, with its own unknown-key check.
    pub fn table<T>(
        &mut self,
        d: &mut Diagnostics,
        key: &'static str,
        read: impl FnOnce(&mut Fields<'n>, &mut Diagnostics) -> T,
    ) -> Option<T> {
        let path = self.key_path(key);
        let e = self.entry(key)?;
        let mut f = Fields::new(&e.node, &path, d)?;
        let out = read(&mut f, d);
        f.finish(d);
        Some(out)
    }

    /// Every entry of a table of named tables (`[jobs.NAME]`), each read by `read`.
    pub fn named_tables<T>(
        &mut self,
        d: &mut Diagnostics,
        key: &'static str,
        mut read: impl FnMut(&mut Fields<'n>, &mut Diagnostics) -> T,
    ) -> Vec<(Sp<String>, T)> {
        let path = self.key_path(key);
        let Some(e) = self.entry(key) else {
            return Vec::new();
        };
        let Value::Table(t) = &e.node.value else {
            d.push(wrong_type(&path, "a table of named tables", &e.node));
            return Vec::new();
        };
        let mut out = Vec::new();
        for (name, entry) in &t.entries {
            let sub = join(&path, name);
            if let Some(mut f) = Fields::new(&entry.node, &sub, d) {
                let v = read(&mut f, d);
                f.finish(d);
                out.push((Sp::new(name.clone(), entry.key_span), v));
            }
        }
        out
    }

    /// Report every key in the table that no reader asked for.
    pub fn finish(self, d: &mut Diagnostics) {
        for (key, entry) in &self.table.entries {
            if self.asked.contains(&key.as_str()) {
                continue;
            }
            let path = join(&self.path, key);
            let mut diag = Diagnostic::new(&codes::E0002, format!("unknown key `{path}`"))
                .at(entry.key_span, "not a key mlspec knows here");
            diag = match suggest(key, self.asked.iter()) {
                Some(s) => diag.help(format!("did you mean `{s}`?")),
                None => diag.help(format!(
                    "the keys allowed {} are: {}",
                    if self.path.is_empty() {
                        "at the top level".to_string()
                    } else {
                        format!("in `{}`", self.path)
                    },
                    self.asked
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            };
            d.push(diag);
        }
    }

    /// Where to point "missing key": the table's header line, or the whole file.
    fn header_span(&self) -> Span {
        Span::new(self.span.start, self.span.start + 1)
    }
}

pub fn join(path: &str, key: &str) -> String {
    let simple = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    let key = if simple {
        key.to_string()
    } else {
        format!("{key:?}")
    };
    if path.is_empty() {
        key
    } else {
        format!("{path}.{key}")
    }
}

pub fn integer(path: &str, node: &Node, d: &mut Diagnostics) -> Option<Sp<i64>> {
    match &node.value {
        Value::Int(i) => Some(Sp::new(*i, node.span)),
        Value::Float(f) if f.fract() != 0.0 || !f.is_finite() => {
            d.push(
                Diagnostic::new(
                    &codes::E0003,
                    format!("`{path}` must be a whole number, found {}", node.brief()),
                )
                .at(node.span, "not a whole number")
                .help("write an integer without a fractional part"),
            );
            None
        }
        Value::Float(f) => {
            d.push(
                Diagnostic::new(
                    &codes::E0003,
                    format!("`{path}` must be an integer, found {}", node.brief()),
                )
                .at(node.span, "a float")
                .help(format!("write `{}` without the decimal point", *f as i64)),
            );
            None
        }
        _ => {
            d.push(wrong_type(path, "an integer", node));
            None
        }
    }
}

pub fn scalar_to_string(path: &str, node: &Node, d: &mut Diagnostics) -> Option<Sp<String>> {
    let s = match &node.value {
        Value::Str(s) => s.clone(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => {
            d.push(wrong_type(path, "a string", node));
            return None;
        }
    };
    Some(Sp::new(s, node.span))
}

pub fn wrong_type(path: &str, expected: &str, found: &Node) -> Diagnostic {
    let what = match &found.value {
        Value::Table(_) | Value::Array(_) => found.type_name().to_string(),
        _ => format!("{} ({})", found.type_name(), found.brief()),
    };
    let mut diag = Diagnostic::new(
        &codes::E0003,
        format!("`{path}` must be {expected}, found {what}"),
    )
    .at(found.span, format!("expected {expected}"));
    diag = match (&found.value, expected) {
        (Value::Str(s), "an integer") if s.trim().parse::<i64>().is_ok() => {
            diag.help(format!("remove the quotes: `{}`", s.trim()))
        }
        (Value::Int(i), "a string") => diag.help(format!(
            "quote it, with its unit where it has one: `\"{i}Gi\"` for a size, `\"{i}s\"` for a duration"
        )),
        _ => diag.help(format!("write {expected} here")),
    };
    diag
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::tree;

    fn read(text: &str, f: impl FnOnce(&mut Fields, &mut Diagnostics)) -> Diagnostics {
        let mut d = Diagnostics::default();
        let root = tree::parse(text, &mut d);
        if let Some(mut fields) = Fields::new(&root, "", &mut d) {
            f(&mut fields, &mut d);
            fields.finish(&mut d);
        }
        d
    }

    #[test]
    fn unknown_keys_get_a_suggestion() {
        let d = read("imgae = \"x\"\n", |f, d| {
            f.string(d, "image");
        });
        let msgs: Vec<_> = d.iter().map(|x| (x.code.id, x.help.clone())).collect();
        assert_eq!(
            msgs,
            vec![("E0002", Some("did you mean `image`?".to_string()))]
        );
    }

    #[test]
    fn wrong_types_name_the_path_and_the_value() {
        let d = read("port = \"8080\"\n", |f, d| {
            f.int(d, "port");
        });
        let x = d.iter().next().expect("one diagnostic");
        assert_eq!(
            x.message,
            "`port` must be an integer, found a string (\"8080\")"
        );
        assert_eq!(x.help.as_deref(), Some("remove the quotes: `8080`"));
    }

    #[test]
    fn a_bare_number_for_a_string_asks_for_a_unit_not_just_quotes() {
        let d = read("memory = 8\n", |f, d| {
            f.string(d, "memory");
        });
        let help = d
            .iter()
            .next()
            .and_then(|x| x.help.clone())
            .unwrap_or_default();
        assert!(help.contains("`\"8Gi\"`"), "{help}");
    }

    #[test]
    fn negative_counts_are_rejected() {
        let d = read("min = -1\n", |f, d| {
            f.count(d, "min");
        });
        assert_eq!(d.iter().next().map(|x| x.code.id), Some("E0113"));
    }

    #[test]
    fn all_errors_are_reported_not_just_the_first() {
        let d = read("a = 1\nb = 2\nc = true\n", |f, d| {
            f.string(d, "a");
            f.string(d, "b");
            f.int(d, "c");
        });
        assert_eq!(d.len(), 3);
    }
}
