//! Renderers of diagnostics for machines: a JSON record per diagnostic, SARIF 2.1.0 for code
//! scanning, and GitHub Actions workflow commands (`::error file=…::…`).
//!
//! Positions are 1-based lines and columns counted in characters (Unicode code points), the end
//! exclusive, as editors and SARIF's `unicodeCodePoints` column kind count them.

use serde_json::{Map, Value, json};

use super::codes::{self, Code};
use super::{Diagnostic, Label};
use crate::source::SourceFile;

/// Where a label sits: start and end, each (line, column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    pub start: (usize, usize),
    pub end: (usize, usize),
}

fn region(source: &SourceFile, label: &Label) -> Option<Region> {
    if source.text.is_empty() {
        return None;
    }
    let span = source.clamp(label.span);
    Some(Region {
        start: source.line_col(span.start),
        end: source.line_col(span.end),
    })
}

/// One diagnostic as a JSON object: code, name, severity, message, file, line, column,
/// end_line, end_column (absent when it points at no place), help, and its related labels.
pub fn json(d: &Diagnostic, source: &SourceFile) -> Value {
    let mut o = Map::new();
    o.insert("code".into(), d.code.id.into());
    o.insert("name".into(), d.code.name.into());
    o.insert("severity".into(), d.severity().as_str().into());
    o.insert("message".into(), d.message.clone().into());
    o.insert("file".into(), source.name.clone().into());
    let at = d.primary.as_ref().and_then(|l| region(source, l));
    if let Some(r) = at {
        o.insert("line".into(), r.start.0.into());
        o.insert("column".into(), r.start.1.into());
        o.insert("end_line".into(), r.end.0.into());
        o.insert("end_column".into(), r.end.1.into());
    }
    if let Some(l) = d.primary.as_ref().filter(|l| !l.text.is_empty()) {
        o.insert("label".into(), l.text.clone().into());
    }
    o.insert(
        "help".into(),
        d.help.clone().map_or(Value::Null, Value::from),
    );
    let related: Vec<Value> = d
        .secondary
        .iter()
        .filter_map(|l| {
            let r = region(source, l)?;
            Some(json!({
                "message": l.text,
                "line": r.start.0, "column": r.start.1,
                "end_line": r.end.0, "end_column": r.end.1,
            }))
        })
        .collect();
    o.insert("related".into(), related.into());
    Value::Object(o)
}

/// The text a machine format shows for a diagnostic: the message, then its help line.
fn full_message(d: &Diagnostic) -> String {
    match &d.help {
        Some(h) => format!("{}\nhelp: {h}", d.message),
        None => d.message.clone(),
    }
}

/// One diagnostic as a SARIF 2.1.0 `result`, its `ruleIndex` into [`sarif_log`]'s rules.
pub fn sarif_result(d: &Diagnostic, source: &SourceFile) -> Value {
    let uri = file_uri(&source.name);
    let mut location = json!({ "physicalLocation": { "artifactLocation": { "uri": uri } } });
    if let Some(r) = d.primary.as_ref().and_then(|l| region(source, l)) {
        location["physicalLocation"]["region"] = sarif_region(r);
    }
    let related: Vec<Value> = d
        .secondary
        .iter()
        .enumerate()
        .filter_map(|(i, l)| {
            let r = region(source, l)?;
            Some(json!({
                "id": i,
                "message": { "text": if l.text.is_empty() { "related" } else { &l.text } },
                "physicalLocation": {
                    "artifactLocation": { "uri": uri },
                    "region": sarif_region(r),
                }
            }))
        })
        .collect();
    let mut result = json!({
        "ruleId": d.code.id,
        "level": d.severity().as_str(),
        "message": { "text": full_message(d) },
        "locations": [location],
    });
    if let Some(i) = codes::ALL.iter().position(|c| c.id == d.code.id) {
        result["ruleIndex"] = i.into();
    }
    if !related.is_empty() {
        result["relatedLocations"] = related.into();
    }
    result
}

/// A SARIF 2.1.0 log of one run of mlspec with these results. Every code of the registry is
/// a rule, so a `ruleIndex` is the same from run to run.
pub fn sarif_log(results: Vec<Value>, version: &str) -> Value {
    let rules: Vec<Value> = codes::ALL.iter().map(|c| rule(c)).collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": { "name": "mlspec", "version": version, "rules": rules } },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

fn rule(c: &Code) -> Value {
    json!({
        "id": c.id,
        "name": c.name,
        "shortDescription": { "text": c.summary },
        "fullDescription": { "text": c.explanation.trim() },
        "help": { "text": format!("run `mlspec explain {}` for the long form", c.id) },
        "defaultConfiguration": { "level": c.severity.as_str() },
    })
}

fn sarif_region(r: Region) -> Value {
    json!({
        "startLine": r.start.0, "startColumn": r.start.1,
        "endLine": r.end.0, "endColumn": r.end.1,
    })
}

/// A file name as a URI reference: relative paths stay relative (code scanning resolves them
/// against the checkout), with `\` turned into `/` and anything outside RFC 3986's unreserved
/// characters percent-encoded; an absolute path becomes a `file://` URI.
pub fn file_uri(name: &str) -> String {
    let path = name.replace('\\', "/");
    let mut out = String::with_capacity(path.len());
    if path.starts_with('/') {
        out.push_str("file://");
    }
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// One GitHub Actions workflow command that annotates the file at the diagnostic's place:
/// `::error file=app.toml,line=3,col=8,endLine=3,endColumn=12,title=E0101 invalid-name::…`.
pub fn github(d: &Diagnostic, source: &SourceFile) -> String {
    let mut props = vec![format!("file={}", github_property(&source.name))];
    if let Some(r) = d.primary.as_ref().and_then(|l| region(source, l)) {
        props.push(format!("line={}", r.start.0));
        props.push(format!("col={}", r.start.1));
        props.push(format!("endLine={}", r.end.0));
        props.push(format!("endColumn={}", r.end.1));
    }
    props.push(format!(
        "title={}",
        github_property(&format!("{} {}", d.code.id, d.code.name))
    ));
    format!(
        "::{} {}::{}\n",
        d.severity().as_str(),
        props.join(","),
        github_data(&full_message(d))
    )
}

/// Escape a workflow command's message, as the Actions runner unescapes it.
fn github_data(s: &str) -> String {
    crate::source::escaped(s)
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a workflow command's property value, which also may not hold `:` or `,`.
fn github_property(s: &str) -> String {
    github_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::codes;
    use crate::source::Span;

    fn diag() -> (SourceFile, Diagnostic) {
        let src = SourceFile::new("apps/my app/app.toml", "[app]\nname = \"Bé_d\"\n");
        let d = Diagnostic::new(
            &codes::E0101,
            "`app.name` must be a DNS label, found \"Bé_d\"",
        )
        .at(Span::new(13, 20), "not a DNS label")
        .also(Span::new(1, 4), "in this table")
        .help("use lowercase letters, digits and '-', e.g. \"bed\"");
        (src, d)
    }

    #[test]
    fn json_counts_columns_in_characters() {
        let (src, d) = diag();
        let v = json(&d, &src);
        assert_eq!(v["line"], 2);
        assert_eq!(v["column"], 8);
        // "Bé_d" with quotes is 6 characters (7 bytes): the end column is 8 + 6.
        assert_eq!(v["end_column"], 14);
        assert_eq!(v["severity"], "error");
        assert_eq!(v["related"][0]["line"], 1);
        assert_eq!(
            v["help"],
            "use lowercase letters, digits and '-', e.g. \"bed\""
        );
    }

    #[test]
    fn github_escapes_properties_and_newlines() {
        let (mut src, d) = diag();
        src.name = "a,b:c.toml".into();
        let line = github(&d, &src);
        assert!(
            line.starts_with("::error file=a%2Cb%3Ac.toml,line=2,col=8,endLine=2,endColumn=14,title=E0101 invalid-name::"),
            "{line}"
        );
        assert!(line.contains("%0Ahelp: use lowercase"), "{line}");
        assert_eq!(line.matches('\n').count(), 1, "one line: {line}");
    }

    #[test]
    fn file_uris_are_encoded() {
        assert_eq!(file_uri("apps/my app/app.toml"), "apps/my%20app/app.toml");
        assert_eq!(file_uri("/abs/x.toml"), "file:///abs/x.toml");
        assert_eq!(file_uri(r"dir\x.toml"), "dir/x.toml");
    }

    #[test]
    fn a_file_level_diagnostic_has_no_region() {
        let src = SourceFile::new("x.toml", "");
        let d = Diagnostic::new(&codes::E0005, "not UTF-8").at(Span::file_start(), "");
        let v = json(&d, &src);
        assert!(v.get("line").is_none());
        let r = sarif_result(&d, &src);
        assert!(r["locations"][0]["physicalLocation"]["region"].is_null());
    }
}
