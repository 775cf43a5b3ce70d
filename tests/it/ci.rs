//! docs/ci.md and `.pre-commit-hooks.yaml` work as written: every `mlspec` command on the page
//! and each hook (as pre-commit runs it) against a repository laid out as the page says.

use std::path::Path;

use serde_json::Value;

use crate::support::{code_blocks, mlspec, root, run_line, stderr, stdout};

/// `apps/fraud-api/app.toml`, `cluster/inventory.toml` and `deploy/` built from them.
fn repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let copy = |from: &str, to: &str| {
        let to = dir.path().join(to);
        std::fs::create_dir_all(to.parent().expect("a parent")).expect("mkdir");
        std::fs::copy(root().join(from), to).expect("copy");
    };
    copy("examples/fraud-api/app.toml", "apps/fraud-api/app.toml");
    copy(
        "examples/fraud-api/inventory.toml",
        "cluster/inventory.toml",
    );
    let built = mlspec(dir.path(), &["build", "apps", "--out-dir", "deploy"]);
    assert_eq!(built.status.code(), Some(0), "{}", stderr(&built));
    dir
}

/// Every `mlspec …` command in the page's YAML blocks (`run: mlspec …`, `- mlspec …`).
fn commands(markdown: &str) -> Vec<String> {
    code_blocks(markdown)
        .into_iter()
        .filter(|(info, _)| info == "yaml")
        .flat_map(|(_, text)| {
            text.lines()
                .filter_map(|l| l.find("mlspec ").map(|i| (l, i)))
                .filter(|(l, i)| {
                    let before = l[..*i].trim();
                    before.ends_with("run:") || before == "-"
                })
                .map(|(l, i)| l[i..].trim().to_string())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Run `mlspec ARGS [> FILE]` in `dir`, checking that what a redirect wrote is JSON (the
/// `json` array or the SARIF log); the exit code.
fn run(dir: &Path, command: &str) -> i32 {
    let out = run_line(dir, command);
    if command.contains(" > ") {
        let doc: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("`{command}` wrote no JSON ({e}): {}", stdout(&out)));
        assert!(
            doc.is_array() || doc["version"] == "2.1.0",
            "{command}: {doc}"
        );
    }
    out.status.code().unwrap_or(-1)
}

#[test]
fn every_command_in_docs_ci_works_on_such_a_repository() {
    let page = std::fs::read_to_string(root().join("docs/ci.md")).expect("docs/ci.md");
    let commands = commands(&page);
    assert!(commands.len() >= 7, "the page's commands: {commands:#?}");
    let dir = repository();
    for command in &commands {
        assert_eq!(
            run(dir.path(), command),
            0,
            "`{command}` fails on a clean repository"
        );
    }
    // The same commands catch what they are there for.
    let spec = dir.path().join("apps/fraud-api/app.toml");
    let text = std::fs::read_to_string(&spec).expect("the spec");
    std::fs::write(&spec, text.replace("cpu = \"1\"", "cpu = \"1 core\"")).expect("break it");
    let passing: Vec<&String> = commands
        .iter()
        .filter(|c| run(dir.path(), c) == 0)
        .collect();
    assert!(passing.is_empty(), "these pass a broken spec: {passing:#?}");
}

fn hooks() -> Vec<Value> {
    let text = std::fs::read_to_string(root().join(".pre-commit-hooks.yaml")).expect("hooks");
    serde_saphyr::from_str(&text).expect("the hooks file is YAML")
}

/// Run a hook as pre-commit does: `entry`, then `args`, then the changed files unless
/// `pass_filenames: false`.
fn run_hook(dir: &Path, hook: &Value, changed: &[&str]) -> std::process::Output {
    let entry = hook["entry"].as_str().expect("an entry");
    let mut words: Vec<&str> = entry.split_whitespace().collect();
    assert_eq!(words.remove(0), "mlspec", "{entry}");
    let args = hook["args"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    words.extend(args.iter().filter_map(Value::as_str));
    if hook["pass_filenames"] != Value::Bool(false) {
        words.extend(changed);
    }
    mlspec(dir, &words)
}

#[test]
fn each_hook_passes_a_clean_commit_and_stops_a_bad_one() {
    let hooks = hooks();
    let find = |id: &str| {
        hooks
            .iter()
            .find(|h| h["id"] == id)
            .unwrap_or_else(|| panic!("no hook {id}"))
    };
    let (check, build) = (find("mlspec-check"), find("mlspec-build-check"));
    let dir = repository();
    let changed = ["apps/fraud-api/app.toml"];
    for hook in [check, build] {
        let out = run_hook(dir.path(), hook, &changed);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}: {}",
            hook["id"],
            stderr(&out)
        );
    }
    // A spec changed without rebuilding deploy/: only the build check stops the commit.
    let spec = dir.path().join("apps/fraud-api/app.toml");
    let text = std::fs::read_to_string(&spec).expect("the spec");
    std::fs::write(&spec, text.replace("replicas = 3", "replicas = 2")).expect("edit the spec");
    assert_eq!(run_hook(dir.path(), check, &changed).status.code(), Some(0));
    let out = run_hook(dir.path(), build, &changed);
    assert_eq!(
        out.status.code(),
        Some(1),
        "stale deploy/ must stop the commit"
    );
    assert!(
        stderr(&out).contains("--- "),
        "a diff of what is stale: {}",
        stderr(&out)
    );
    // A wrong spec: the check stops it and says where.
    std::fs::write(&spec, text.replace("[serve]", "[serve]\nreplica = 2")).expect("break it");
    let out = run_hook(dir.path(), check, &changed);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("apps/fraud-api/app.toml:"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_documented_pre_commit_configs_name_hooks_that_exist() {
    let ids: Vec<String> = hooks()
        .iter()
        .filter_map(|h| h["id"].as_str().map(str::to_string))
        .collect();
    let mut shown = Vec::new();
    for (page, text) in crate::support::markdown_pages() {
        let configs: Vec<String> = code_blocks(&text)
            .into_iter()
            .filter(|(_, b)| b.contains(".pre-commit-config.yaml"))
            .map(|(_, b)| b)
            .collect();
        if !configs.is_empty() {
            shown.push(page.clone());
        }
        for config in configs {
            let doc: Value = serde_saphyr::from_str(&config).expect("the snippet is YAML");
            for hook in doc["repos"][0]["hooks"].as_array().expect("hooks") {
                let id = hook["id"].as_str().expect("an id");
                assert!(
                    ids.iter().any(|i| i == id),
                    "{page} names unknown hook {id}"
                );
            }
        }
    }
    assert!(
        shown.iter().any(|p| p == "docs/ci.md"),
        "docs/ci.md shows a .pre-commit-config.yaml (pages that do: {shown:?})"
    );
}

#[test]
fn a_folder_stands_for_the_specs_below_it() {
    let dir = repository();
    std::fs::create_dir_all(dir.path().join("apps/.hidden")).expect("mkdir");
    std::fs::write(dir.path().join("apps/.hidden/app.toml"), "not a spec").expect("write");
    let out = mlspec(dir.path(), &["check", "--format", "json", "apps"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "hidden folders are skipped: {}",
        stdout(&out)
    );
    std::fs::create_dir_all(dir.path().join("empty")).expect("mkdir");
    let out = mlspec(dir.path(), &["check", "empty"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "error: no `app.toml` under the folder `empty`: give spec files, or a folder that holds some\n"
    );
}
