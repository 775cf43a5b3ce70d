//! The JSON Schemas (`schemas/mlspec.schema.json`, `schemas/inventory.schema.json`): committed
//! as generated, valid for every example, and in agreement with the readers on every key.
//!
//! The drift guard walks each schema: at every table it lists, each key it names is one the
//! reader knows (no unknown-key diagnostic), and a made-up key is rejected by the reader and by
//! the schema (`additionalProperties: false`).

use std::path::{Path, PathBuf};

use jsonschema::Validator;
use mlspec::diagnostics::codes;
use mlspec::inventory::pools;
use mlspec::source::SourceFile;
use mlspec::{Options, compile, schema};
use serde_json::{Map, Value, json};

use crate::support::{catalog, mlspec, root, stderr, stdout};

const MADE_UP: &str = "zz_made_up_key";

fn generated(inventory: bool) -> Value {
    if inventory {
        schema::inventory(&catalog())
    } else {
        schema::spec(&catalog())
    }
}

fn validator(schema: &Value) -> Validator {
    jsonschema::validator_for(schema).expect("the schema is a valid draft-07 schema")
}

/// A TOML file as the JSON an editor's schema check sees.
fn toml_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).expect("readable");
    toml::from_str(&text).unwrap_or_else(|e| panic!("{} is not TOML: {e}", path.display()))
}

fn errors(v: &Validator, instance: &Value) -> Vec<String> {
    v.iter_errors(instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn committed_schemas_are_what_the_code_generates() {
    for (file, inventory, flag) in [
        ("mlspec.schema.json", false, ""),
        ("inventory.schema.json", true, " --inventory"),
    ] {
        let committed =
            std::fs::read_to_string(root().join("schemas").join(file)).unwrap_or_default();
        assert!(
            committed == schema::render(&generated(inventory)),
            "schemas/{file} is stale; regenerate it with \
             `cargo run -q -- schema{flag} > schemas/{file}` and commit it"
        );
    }
}

fn files(pattern: (&str, &str)) -> Vec<PathBuf> {
    let (dir, name) = pattern;
    let mut out: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
        .expect("folder exists")
        .filter_map(|e| e.ok())
        .map(|e| e.path().join(name))
        .filter(|p| p.exists())
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no {dir}/*/{name}");
    out
}

#[test]
fn every_example_names_and_satisfies_its_schema() {
    for (name, file, inventory) in [
        ("app.toml", "mlspec.schema.json", false),
        ("inventory.toml", "inventory.schema.json", true),
    ] {
        let v = validator(&generated(inventory));
        for path in files(("examples", name)) {
            let text = std::fs::read_to_string(&path).expect("readable");
            let line = format!("#:schema ../../schemas/{file}");
            assert_eq!(
                text.lines().next(),
                Some(line.as_str()),
                "{} must start with `{line}`",
                path.display()
            );
            let errs = errors(&v, &toml_json(&path));
            assert!(errs.is_empty(), "{}: {errs:#?}", path.display());
        }
    }
}

#[test]
fn placement_fixtures_pool_files_satisfy_the_inventory_schema() {
    let v = validator(&generated(true));
    for path in files(("tests/place", "pools.toml")) {
        let errs = errors(&v, &toml_json(&path));
        assert!(errs.is_empty(), "{}: {errs:#?}", path.display());
    }
}

#[test]
fn unknown_key_fixtures_fail_the_schema() {
    let v = validator(&generated(false));
    let mut seen = 0;
    for entry in std::fs::read_dir(root().join("tests/bad")).expect("tests/bad") {
        let path = entry.expect("entry").path();
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        if !stem.starts_with(codes::E0002.id) {
            continue;
        }
        seen += 1;
        assert!(
            !v.is_valid(&toml_json(&path)),
            "{} reports unknown-key, but the schema accepts it",
            path.display()
        );
    }
    assert!(seen > 0, "no E0002 fixtures");
}

/// How to get from the root to a table: a key, any entry of a map (`[jobs.NAME]`), or an
/// item of an array (`[[pool]]`, `ports = [{ … }]`).
#[derive(Clone, Debug)]
enum Step {
    Key(String),
    Entry,
    Item,
}

/// A table's place in the document and its keys' schemas.
type Table = (Vec<Step>, Map<String, Value>);

/// Every table the schema lists keys of (each must be closed: `additionalProperties: false`).
fn tables(root: &Value) -> Vec<Table> {
    let mut out = Vec::new();
    walk(root, root, &mut Vec::new(), &mut out);
    out
}

fn resolve<'a>(root: &'a Value, node: &'a Value) -> &'a Value {
    if let Some(r) = node.get("$ref").and_then(Value::as_str) {
        let name = r.trim_start_matches("#/definitions/");
        return resolve(root, &root["definitions"][name]);
    }
    match node
        .get("allOf")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
    {
        Some([one]) => resolve(root, one),
        _ => node,
    }
}

fn walk(root: &Value, node: &Value, path: &mut Vec<Step>, out: &mut Vec<Table>) {
    let node = resolve(root, node);
    if let Some(alternatives) = node.get("anyOf").and_then(Value::as_array) {
        for a in alternatives {
            walk(root, a, path, out);
        }
    }
    if let Some(items) = node.get("items") {
        path.push(Step::Item);
        walk(root, items, path, out);
        path.pop();
    }
    if let Some(entries) = node.get("additionalProperties").filter(|a| a.is_object()) {
        path.push(Step::Entry);
        walk(root, entries, path, out);
        path.pop();
    }
    if let Some(props) = node.get("properties").and_then(Value::as_object) {
        assert_eq!(
            node.get("additionalProperties"),
            Some(&Value::Bool(false)),
            "the table at {path:?} lists its keys but accepts others"
        );
        out.push((path.clone(), props.clone()));
        for (key, sub) in props {
            path.push(Step::Key(key.clone()));
            walk(root, sub, path, out);
            path.pop();
        }
    }
}

/// A value of the key's type (its first example or choice), to set in a probe document.
fn sample(root: &Value, node: &Value) -> Value {
    let node = resolve(root, node);
    if let Some(v) = node.get("examples").and_then(|e| e.get(0)) {
        return v.clone();
    }
    if let Some(v) = node.get("enum").and_then(|e| e.get(0)) {
        return v.clone();
    }
    if let Some(first) = node.get("anyOf").and_then(|a| a.get(0)) {
        return sample(root, first);
    }
    let ty = match node.get("type") {
        Some(Value::Array(types)) => types.first().cloned().unwrap_or(Value::Null),
        Some(t) => t.clone(),
        None => Value::Null,
    };
    match ty.as_str() {
        Some("string") => json!("x"),
        Some("integer" | "number") => json!(1),
        Some("boolean") => json!(true),
        Some("array") => json!([]),
        _ => json!({}),
    }
}

/// `base` with `key = value` set in the table at `path`, creating the tables on the way.
fn place(doc: &mut Value, path: &[Step], key: &str, value: Value) {
    let fresh = |rest: &[Step]| match rest.first() {
        Some(Step::Item) => json!([]),
        _ => json!({}),
    };
    match path.first() {
        None => {
            if let Some(t) = doc.as_object_mut() {
                t.insert(key.to_string(), value);
            }
        }
        Some(Step::Item) => {
            if let Some(items) = doc.as_array_mut() {
                if items.is_empty() {
                    items.push(fresh(&path[1..]));
                }
                place(&mut items[0], &path[1..], key, value);
            }
        }
        Some(step) => {
            let name = match step {
                Step::Key(k) => k.as_str(),
                _ => "probe",
            };
            if let Some(t) = doc.as_object_mut() {
                let child = t.entry(name).or_insert_with(|| fresh(&path[1..]));
                place(child, &path[1..], key, value);
            }
        }
    }
}

/// A JSON document as TOML: `key = value` lines of inline values.
fn toml_text(doc: &Value) -> String {
    fn inline(v: &Value) -> String {
        match v {
            Value::Array(items) => {
                format!(
                    "[{}]",
                    items.iter().map(inline).collect::<Vec<_>>().join(", ")
                )
            }
            Value::Object(t) => format!("{{ {} }}", pairs(t).join(", ")),
            other => other.to_string(),
        }
    }
    fn pairs(t: &Map<String, Value>) -> Vec<String> {
        t.iter()
            .map(|(k, v)| format!("{} = {}", Value::from(k.as_str()), inline(v)))
            .collect()
    }
    doc.as_object().map(pairs).unwrap_or_default().join("\n") + "\n"
}

/// Check every table of `schema` against a reader: `codes(text)` gives the diagnostic codes
/// the reader reports for a document; `rejects(path)` the code a made-up key there gets.
fn agree(
    schema: &Value,
    base: &Value,
    codes: impl Fn(&str) -> Vec<&'static str>,
    rejects: impl Fn(&[Step]) -> &'static str,
    at_least: usize,
) {
    let v = validator(schema);
    let found = tables(schema);
    assert!(
        found.len() >= at_least,
        "the walk found {} tables, expected {at_least} or more",
        found.len()
    );
    for (path, keys) in found {
        for key in keys.keys() {
            let mut doc = base.clone();
            place(&mut doc, &path, key, sample(schema, &keys[key]));
            let text = toml_text(&doc);
            let got = codes(&text);
            assert!(
                !got.contains(&rejects(&path)),
                "the schema lists `{key}` at {path:?}, but the reader rejects it:\n{text}{got:?}"
            );
        }
        let mut doc = base.clone();
        place(&mut doc, &path, MADE_UP, json!(1));
        let text = toml_text(&doc);
        let code = rejects(&path);
        assert!(
            codes(&text).contains(&code),
            "the reader accepts a made-up key at {path:?} (expected {code}):\n{text}"
        );
        assert!(
            !v.is_valid(&doc),
            "the schema accepts a made-up key at {path:?}:\n{text}"
        );
    }
}

#[test]
fn the_spec_schema_and_the_reader_agree_on_every_key() {
    let catalog = catalog();
    let compile_codes = |text: &str| {
        let c = compile(
            &SourceFile::new("probe.toml", text),
            &catalog,
            &Options::default(),
        );
        c.diagnostics.iter().map(|d| d.code.id).collect::<Vec<_>>()
    };
    agree(
        &generated(false),
        &json!({ "app": { "name": "probe" } }),
        compile_codes,
        |path| match path {
            // `[lint]` names warnings; any other key is an unknown lint.
            [Step::Key(k)] if k == "lint" => codes::E0131.id,
            _ => codes::E0002.id,
        },
        20,
    );
}

#[test]
fn the_inventory_schema_and_the_pool_reader_agree_on_every_key() {
    let catalog = catalog();
    let read_codes = |text: &str| {
        let (_, d) = pools::parse(&SourceFile::new("pools.toml", text), &catalog);
        d.iter().map(|d| d.code.id).collect::<Vec<_>>()
    };
    agree(
        &generated(true),
        &json!({ "pool": [{ "name": "probe", "cpu": "1", "memory": "1Gi" }] }),
        read_codes,
        |_| codes::E0201.id,
        2,
    );
}

#[test]
fn the_schema_command_prints_the_committed_schemas() {
    for (args, file) in [
        (&["schema"][..], "mlspec.schema.json"),
        (&["schema", "--inventory"][..], "inventory.schema.json"),
    ] {
        let o = mlspec(&root(), args);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let committed =
            std::fs::read_to_string(root().join("schemas").join(file)).expect("committed");
        assert!(
            stdout(&o) == committed,
            "`mlspec {}` differs from schemas/{file}",
            args.join(" ")
        );
    }
}

#[test]
fn every_starter_spec_satisfies_the_schema_and_says_how_to_use_it() {
    let v = validator(&generated(false));
    for runtime in catalog().runtimes.keys() {
        let dir = tempfile::tempdir().expect("temp dir");
        let o = mlspec(
            dir.path(),
            &["init", "--runtime", runtime, "--name", "demo"],
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let path = dir.path().join("app.toml");
        let text = std::fs::read_to_string(&path).expect("app.toml");
        assert!(
            text.contains("mlspec schema > mlspec.schema.json"),
            "{text}"
        );
        let errs = errors(&v, &toml_json(&path));
        assert!(errs.is_empty(), "{runtime}: {errs:#?}\n{text}");
    }
}

/// The README's "Editor support" snippets, run as a user would copy them: the commands write
/// the schemas, the `#:schema` line points at the file they wrote and the spec satisfies it,
/// and the `.taplo.toml` rule names the same file and matches spec files.
#[test]
fn the_readme_editor_snippets_work() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let start = readme.find("### Editor support").expect("the section");
    let end = readme[start + 4..]
        .find("\n## ")
        .map_or(readme.len(), |i| start + 4 + i);
    let blocks = crate::support::code_blocks(&readme[start..end]);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut ran = 0;
    for (info, text) in &blocks {
        match info.as_str() {
            "sh" => {
                for line in text.lines().filter(|l| l.starts_with("mlspec ")) {
                    let command = line.split(" #").next().unwrap_or(line);
                    let out = crate::support::run_line(dir.path(), command);
                    assert_eq!(out.status.code(), Some(0), "{command}: {}", stderr(&out));
                    ran += 1;
                }
            }
            "toml" if text.starts_with("#:schema ") => {
                let target = text
                    .lines()
                    .next()
                    .and_then(|l| l.strip_prefix("#:schema "));
                let schema_path = dir.path().join(target.expect("a path").trim());
                let schema = json_file(&schema_path);
                let spec: Value = toml::from_str(text).expect("the snippet is TOML");
                assert_eq!(errors(&validator(&schema), &spec), Vec::<String>::new());
                ran += 1;
            }
            "toml" => {
                let taplo: Value = toml::from_str(text).expect("the .taplo.toml snippet is TOML");
                let rule = &taplo["rule"][0];
                let path = rule["schema"]["path"].as_str().expect("a schema path");
                assert!(
                    dir.path().join(path).exists(),
                    "{path} is what the commands wrote"
                );
                let include = rule["include"][0].as_str().expect("an include glob");
                assert!(
                    include.ends_with("/app.toml"),
                    "{include} matches spec files"
                );
                ran += 1;
            }
            _ => {}
        }
    }
    assert!(ran >= 4, "the section's snippets: {blocks:#?}");
}

fn json_file(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{} was not written by the snippet: {e}", path.display()));
    serde_json::from_str(&text).expect("the schema is JSON")
}

/// docs/traffic.md, the full reference of the traffic keys, names every key the schema gives
/// `[serve.service]`, `callers`, `[serve.ingress]` (and its `paths`) and `[serve.metrics]`,
/// every ingress class of the catalog with where its proxies connect from, and every traffic
/// diagnostic.
#[test]
fn the_traffic_reference_covers_every_key_class_and_code() {
    let doc = std::fs::read_to_string(root().join("docs/traffic.md")).expect("docs/traffic.md");
    let schema = json_file(&root().join("schemas/mlspec.schema.json"));
    for def in ["Service", "Caller", "Ingress", "IngressPath", "Metrics"] {
        let props = schema["definitions"][def]["properties"]
            .as_object()
            .unwrap_or_else(|| panic!("the schema defines {def}"));
        for key in props.keys() {
            assert!(
                doc.contains(&format!("| `{key}` |")),
                "docs/traffic.md has no row for `{key}` of {def}"
            );
        }
    }
    let catalog = crate::support::catalog();
    for (name, class) in &catalog.defaults.ingress.classes {
        let row = doc
            .lines()
            .find(|l| l.starts_with(&format!("| `{name}` |")))
            .unwrap_or_else(|| panic!("docs/traffic.md has no row for ingress class `{name}`"));
        for source in class.namespace.iter().chain(&class.ranges) {
            assert!(
                row.contains(source.as_str()),
                "{name}: {source} not in {row}"
            );
        }
    }
    for code in mlspec::diagnostics::codes::ALL {
        let ours = code.id.starts_with("E018") || code.id == "E0190" || code.id.starts_with("W004");
        if ours {
            assert!(
                doc.contains(&format!("| {} | `{}` |", code.id, code.name)),
                "docs/traffic.md does not list {}",
                code.id
            );
        }
    }
}

/// docs/pod.md documents every key of the pod's tables: after each `<!-- keys:NAME -->` marker,
/// the first column of the table lists exactly the keys of the schema's `NAME` definition (or,
/// for `workload`, the keys a server and a job share beyond the ones README's tour lists).
#[test]
fn the_pod_reference_lists_every_key_of_its_tables() {
    let doc = std::fs::read_to_string(root().join("docs/pod.md")).expect("docs/pod.md");
    let schema = generated(false);
    let keys = |name: &str| -> std::collections::BTreeSet<String> {
        schema["definitions"][name]["properties"]
            .as_object()
            .or_else(|| {
                schema["definitions"][name]["anyOf"]
                    .as_array()?
                    .iter()
                    .find_map(|a| a["properties"].as_object())
            })
            .unwrap_or_else(|| panic!("no definition {name}"))
            .keys()
            .cloned()
            .collect()
    };
    let in_readme = [
        "image",
        "command",
        "args",
        "env",
        "secret_env",
        "files",
        "resources",
        "model",
    ];
    let mut seen = 0;
    for part in doc.split("<!-- keys:").skip(1) {
        let (name, rest) = part.split_once(" -->").expect("a marker");
        let documented: std::collections::BTreeSet<String> = rest
            .lines()
            .skip_while(|l| l.trim().is_empty())
            .take_while(|l| l.starts_with('|'))
            .skip(2)
            .filter_map(|row| row.split('|').nth(1))
            .flat_map(|cell| {
                cell.split('`')
                    .skip(1)
                    .step_by(2)
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
            .collect();
        let expected = if name == "workload" {
            let batch = keys("Batch");
            keys("Serve")
                .into_iter()
                .filter(|k| batch.contains(k) && !in_readme.contains(&k.as_str()))
                .collect()
        } else {
            keys(name)
        };
        assert_eq!(documented, expected, "docs/pod.md's `{name}` table");
        seen += 1;
    }
    assert!(seen >= 12, "only {seen} tables in docs/pod.md");
}
