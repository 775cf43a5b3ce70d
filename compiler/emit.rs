//! Emit stage: objects → one deterministic multi-document YAML text.
//!
//! serde-saphyr quotes every string a YAML 1.1 reader (kubectl) could misread (`on`, `yes`,
//! `1_000`, `012`); keys come out in k8s-openapi's fixed order and maps are `BTreeMap`s.
//! `gitops` lays the same documents out as one file per object for `--out-dir`.

pub mod gitops;

use crate::document::Document;

/// Serialize objects (already in bundle order) as `---`-separated YAML documents.
pub fn yaml(objects: &[Document]) -> Result<String, String> {
    let docs = objects.iter().map(render).collect::<Result<Vec<_>, _>>()?;
    Ok(join(&docs))
}

/// One object as a YAML document, with what ordering and the duplicate check need: the same
/// text `yaml` writes for it, but made on its own (on any thread, and without keeping the
/// document alive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub id: String,
    pub rank: u8,
    pub kind: String,
    pub name: String,
    /// The app the object belongs to (its `app.kubernetes.io/part-of` label, the spec's
    /// `[app] name`): its folder under `--out-dir`.
    pub app: String,
    pub text: String,
}

pub fn render(o: &Document) -> Result<Rendered, String> {
    let mut text = serde_saphyr::to_string_with_options(&o.ordered(), options())
        .map_err(|e| format!("cannot write {}: {e}", o.id()))?;
    if !text.ends_with('\n') {
        text.push('\n');
    }
    let app = o
        .label(PART_OF)
        .ok_or_else(|| format!("{} has no `{PART_OF}` label", o.id()))?;
    Ok(Rendered {
        id: o.id(),
        rank: o.rank(),
        kind: o.kind().to_string(),
        name: o.name().to_string(),
        app: app.to_string(),
        text,
    })
}

/// The label every generated object carries with its app's name (`generate::labels`).
const PART_OF: &str = "app.kubernetes.io/part-of";

/// The bundle: each document after a `---` line, in the order given.
pub fn join(docs: &[Rendered]) -> String {
    let mut out = String::with_capacity(docs.iter().map(|d| d.text.len() + 4).sum());
    for d in docs {
        out.push_str("---\n");
        out.push_str(&d.text);
    }
    out
}

/// Long single-line values (image references with digests, args) stay on one line, where a
/// reviewer can read and grep them; multi-line values (mounted files) still use `|` blocks.
fn options() -> serde_saphyr::SerializerOptions {
    serde_saphyr::ser_options! { folded_wrap_chars: 100_000 }
}

/// Objects that two inputs both generate (`Kind/namespace/name`), which would overwrite each
/// other when applied.
pub fn duplicates<'a>(ids: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    let mut out: Vec<String> = Vec::new();
    for id in ids {
        if !seen.insert(id) && !out.iter().any(|o| o == id) {
            out.push(id.to_string());
        }
    }
    out
}

/// Order the documents of several apps for one bundle: by kind, then in input order.
pub fn order(docs: &mut [Rendered]) {
    docs.sort_by_key(|d| d.rank);
}

#[cfg(test)]
mod tests {
    use crate::compile_str;

    /// Strings a YAML 1.1 reader (kubectl) would turn into booleans, numbers, nulls or dates
    /// unless they are quoted; each must read back as the same string.
    const TRICKY: &[&str] = &[
        "on",
        "off",
        "yes",
        "no",
        "y",
        "n",
        "Y",
        "N",
        "ON",
        "Off",
        "YES",
        "true",
        "False",
        "null",
        "Null",
        "~",
        "",
        " ",
        "1_000",
        "012",
        "0o17",
        "0b101",
        "0x1F",
        "1e3",
        "1.10",
        ".5",
        "-.inf",
        ".NaN",
        "12:30",
        "12:30:45",
        "2026-11-24",
        "2026-11-24T10:00:00Z",
        "=",
        "<<",
        "- a",
        "a: b",
        "#x",
        "x #y",
        "@at",
        "`tick",
        "!tag",
        "&anchor",
        "*alias",
        "%pct",
        "{a}",
        "[a]",
        "'q'",
        "\"dq\"",
        "a\\b",
        "tab\there",
        "trail ",
        " lead",
        "multi\nline",
        "crlf\r\nline",
        "ünïcode",
        "🦀",
        "|",
        ">",
        "?",
        ",",
        "0",
        "-1",
        "+1",
        "1.0",
        "00",
        "0.0.0.0:8080",
        "--flag=on",
        "a,b",
        "null ",
        "NaN",
        "inf",
        "-",
        "---",
        "...",
    ];

    #[test]
    fn tricky_strings_read_back_as_the_same_strings() {
        let mut text =
            String::from("[app]\nname = \"a\"\n[serve]\nimage = \"x/y:1\"\n[serve.env]\n");
        for (i, v) in TRICKY.iter().enumerate() {
            text.push_str(&format!("V{i} = {}\n", toml_string(v)));
        }
        let (objects, d) = compile_str(&text);
        assert!(!d.has_errors(), "{d:?}");
        let yaml = super::yaml(&crate::document::documents(&objects)).expect("serializes");
        let docs: Vec<serde_json::Value> = serde_saphyr::from_multiple(&yaml).expect("reads back");
        let deployment = docs
            .iter()
            .find(|d| d["kind"] == "Deployment")
            .expect("deployment");
        let env = deployment["spec"]["template"]["spec"]["containers"][0]["env"]
            .as_array()
            .expect("env");
        for (i, v) in TRICKY.iter().enumerate() {
            let got = env
                .iter()
                .find(|e| e["name"] == format!("V{i}"))
                .expect("present");
            assert_eq!(
                got["value"],
                serde_json::Value::String(v.to_string()),
                "V{i} = {v:?}"
            );
        }
    }

    fn toml_string(s: &str) -> String {
        let mut out = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }
}
