//! Shared helpers: compile a file, render its diagnostics the way a user sees them off a terminal.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use mlspec::diagnostics::render::{self, Style};
use mlspec::source::SourceFile;
use mlspec::stdlib::Catalog;
use mlspec::{Compiled, Options, compile};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn catalog() -> Catalog {
    Catalog::builtin().expect("the built-in catalog parses")
}

/// Compile a file from disk, naming it relative to the repository root.
pub fn compile_file(path: &Path, env: Option<&str>) -> (SourceFile, Compiled) {
    let text = std::fs::read_to_string(path).expect("fixture is readable");
    let name = path
        .strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string();
    let source = SourceFile::new(name, text);
    // A fixture's inventory, if it has one, sits beside it: `NAME.inventory` (`--inventory`).
    let inventory = std::fs::read_to_string(path.with_extension("inventory"))
        .ok()
        .map(|text| {
            let (inv, d) =
                mlspec::inventory::parse(&SourceFile::new("inventory", text), &catalog());
            assert!(!d.has_errors(), "{}: {d:?}", path.display());
            std::sync::Arc::new(inv.expect("the inventory parses"))
        });
    let options = Options {
        env: env.map(str::to_string),
        inventory,
        ..Default::default()
    };
    let compiled = compile(&source, &catalog(), &options);
    (source, compiled)
}

/// Every diagnostic as the plain report a pre-commit hook would show.
pub fn rendered(source: &SourceFile, compiled: &Compiled) -> String {
    compiled
        .diagnostics
        .iter()
        .map(|d| render::human(d, Some(source), Style::plain()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Run the real binary in `dir` with no colour and a fixed width.
pub fn mlspec(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mlspec"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .output()
        .expect("the mlspec binary runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Every example's `app.toml`, sorted.
pub fn examples() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(root().join("examples"))
        .expect("examples/ exists")
        .map(|e| e.expect("a readable entry").path().join("app.toml"))
        .filter(|p| p.exists())
        .collect();
    out.sort();
    out
}

/// No overlay, then every overlay a spec defines.
pub fn envs(text: &str) -> Vec<Option<String>> {
    let mut out = vec![None];
    let table: toml::Table = toml::from_str(text).expect("examples are TOML");
    if let Some(overlays) = table.get("overlays").and_then(|o| o.as_table()) {
        out.extend(overlays.keys().map(|k| Some(k.clone())));
    }
    out
}

/// The code blocks of a Markdown file, with their info strings.
pub fn code_blocks(markdown: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in markdown.lines() {
        match (line.strip_prefix("```"), current.take()) {
            (Some(info), None) => current = Some((info.to_string(), String::new())),
            (Some(_), Some(block)) => out.push(block),
            (None, Some((info, mut text))) => {
                text.push_str(line);
                text.push('\n');
                current = Some((info, text));
            }
            (None, None) => {}
        }
    }
    out
}

/// README.md and every page of docs/, as `(path from the root, text)`, sorted by path.
pub fn markdown_pages() -> Vec<(String, String)> {
    let mut names = vec!["README.md".to_string()];
    for entry in std::fs::read_dir(root().join("docs")).expect("docs/") {
        let name = entry.expect("an entry").file_name();
        let name = name.to_str().expect("a UTF-8 name");
        if name.ends_with(".md") {
            names.push(format!("docs/{name}"));
        }
    }
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let text = std::fs::read_to_string(root().join(&name)).expect("a readable page");
            (name, text)
        })
        .collect()
}

/// Run a documented command line, `mlspec ARGS [> FILE]`, in `dir` as a shell would: the
/// words after `mlspec` are the arguments and a redirect writes stdout to FILE.
pub fn run_line(dir: &Path, command: &str) -> Output {
    let (line, redirect) = match command.split_once(" > ") {
        Some((l, file)) => (l, Some(file.trim())),
        None => (command, None),
    };
    let mut words = line.split_whitespace();
    assert_eq!(
        words.next(),
        Some("mlspec"),
        "not an mlspec command: {command}"
    );
    let out = mlspec(dir, &words.collect::<Vec<_>>());
    if let Some(file) = redirect {
        std::fs::write(dir.join(file), &out.stdout).expect("write the redirect");
    }
    out
}

/// The string entries of a JSON object (labels, a selector's `matchLabels`), or none.
pub fn labels(v: Option<&serde_json::Value>) -> std::collections::BTreeMap<String, String> {
    v.and_then(serde_json::Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}
