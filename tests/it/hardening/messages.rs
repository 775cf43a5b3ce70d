//! Issue 21, items 19, 21, 23 and the E0205 help of 24: messages that cannot act on a
//! terminal, the user's error reported as the user's, input formats told apart, advice that
//! fits where the workload came from.

use super::tmp;
use crate::support::{mlspec, stderr, stdout};

#[test]
fn item_19_nothing_from_an_input_acts_on_the_terminal() {
    let dir = tmp();
    let hostile = "x\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m\r\u{202e}";
    std::fs::write(
        dir.path().join("app.toml"),
        format!(
            "[app]\nname = \"{hostile}\"\nlabels = {{ \"a\u{1b}\" = \"b\" }}\n[serve]\nimage = \"x/y:1\"\n# {hostile}\n"
        ),
    )
    .expect("write");
    for format in ["human", "github", "json", "sarif"] {
        for color in ["never", "always"] {
            let o = mlspec(
                dir.path(),
                &["check", "app.toml", "--format", format, "--color", color],
            );
            assert_eq!(o.status.code(), Some(1), "{format}");
            for (what, text) in [("stderr", stderr(&o)), ("stdout", stdout(&o))] {
                // Colour codes are mlspec's own (`ESC[…m`); nothing else from the file gets out.
                let without_colour = strip_sgr(&text);
                for bad in ['\u{1b}', '\u{7}', '\u{9b}', '\r', '\u{202e}'] {
                    assert!(
                        !without_colour.contains(bad),
                        "{format}/{color} {what} holds {bad:?}: {text:?}"
                    );
                }
            }
        }
    }
    // A path with an escape in it, in a usage error.
    let o = mlspec(dir.path(), &["check", "no\u{1b}[2Jsuch.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!stderr(&o).contains('\u{1b}'), "{:?}", stderr(&o));
    assert!(
        stderr(&o).contains("no\\u{1b}[2Jsuch.toml"),
        "{}",
        stderr(&o)
    );
}

/// `text` without the `ESC [ digits ; … m` colour sequences miette writes.
fn strip_sgr(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("\u{1b}[") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        let end = after.find(|c: char| !(c.is_ascii_digit() || c == ';'));
        match end {
            Some(e) if after[e..].starts_with('m') => rest = &after[e + 1..],
            _ => {
                out.push('\u{1b}');
                rest = &rest[at + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[test]
fn item_21_an_oversized_annotation_is_the_users_error_once() {
    let big = "a".repeat(3 * 1024 * 1024);
    let text = format!(
        "[app]\nname = \"a\"\nannotations = {{ note = \"{big}\" }}\n[serve]\nimage = \"x/y:1\"\n[jobs.once]\nimage = \"x/y:1\"\n"
    );
    let (_, d) = mlspec::compile_str(&text);
    let errors: Vec<_> = d.iter().filter(|d| d.is_error()).collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].code.id, "E0102", "{errors:?}");
    assert!(!errors[0].message.contains("internal"), "{errors:?}");
    let at = errors[0].primary.as_ref().expect("a label").span;
    assert_eq!(at.len(), big.len() + 2, "on the value as written");

    let file = "b".repeat(600 * 1024);
    let text = format!(
        "[app]\nname = \"a\"\n[serve]\nimage = \"x/y:1\"\nfiles = {{ \"/etc/a.txt\" = \"{file}\", \"/etc/b.txt\" = \"{file}\" }}\n"
    );
    let (_, d) = mlspec::compile_str(&text);
    let errors: Vec<_> = d.iter().filter(|d| d.is_error()).collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].code.id, "E0009", "{errors:?}");
}

#[test]
fn item_23_a_bom_pool_file_is_toml_and_an_empty_json_array_is_json() {
    let dir = tmp();
    std::fs::write(
        dir.path().join("pools.toml"),
        "\u{feff}[[pool]]\nname = \"cpu\"\ncount = 2\ncpu = \"8\"\nmemory = \"32Gi\"\n",
    )
    .expect("write");
    let o = mlspec(
        dir.path(),
        &[
            "place",
            "--inventory",
            "pools.toml",
            "app.toml",
            "-A",
            "warnings",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    std::fs::write(dir.path().join("nodes.json"), "[]\n").expect("write");
    let o = mlspec(
        dir.path(),
        &[
            "place",
            "--inventory",
            "nodes.json",
            "app.toml",
            "-A",
            "warnings",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(!stderr(&o).contains("not valid TOML"), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("the inventory has no nodes"),
        "{}",
        stderr(&o)
    );
}

/// `place` of one input file on a single 4-cpu node, which does not fit: its stderr.
fn place_on_one_small_node(file: &str, text: &str) -> String {
    let dir = tmp();
    std::fs::write(
        dir.path().join("pools.toml"),
        "[[pool]]\nname = \"cpu\"\ncount = 1\ncpu = \"4\"\nmemory = \"16Gi\"\n",
    )
    .expect("write");
    std::fs::write(dir.path().join(file), text).expect("write");
    let o = mlspec(
        dir.path(),
        &["place", "-A", "warnings", "--inventory", "pools.toml", file],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("E0205"), "{err}");
    assert!(!err.contains("[serve."), "{err}");
    err
}

#[test]
fn item_24_the_advice_for_a_plain_manifest_names_its_own_fields() {
    let err = place_on_one_small_node(
        "deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: ml}\nspec:\n  replicas: 3\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n      - name: web\n        image: x/y:1\n        resources: {requests: {cpu: \"3\"}}\n",
    );
    assert!(err.contains("maxReplicas"), "{err}");
}

/// A spec's workload that does not fit is advised by the keys of its own section: a
/// `[servers.NAME]` server its own `scaling.max`, a job its `parallelism`.
#[test]
fn item_24_the_advice_for_a_spec_names_the_section_the_workload_comes_from() {
    let err = place_on_one_small_node(
        "app.toml",
        "[app]\nname = \"shop\"\n\n[servers.web]\nimage = \"nginx:1.27\"\nport = 8080\nresources = { cpu = \"3\", memory = \"1Gi\" }\nscaling = { min = 2, max = 2 }\n\n[jobs.index]\nimage = \"busybox:1.36\"\ndeadline = \"1h\"\nparallelism = 2\nresources = { cpu = \"3\", memory = \"1Gi\" }\n",
    );
    assert!(err.contains("`[servers.web.scaling] max`"), "{err}");
    assert!(err.contains("`parallelism` in `[jobs.index]`"), "{err}");
}
