//! `build --annotate`: every example's annotated bundle is the same objects as its plain one,
//! with comments that say where values came from; one example is pinned by a snapshot.

use serde_json::Value;

use crate::support::{examples, mlspec, root, stderr, stdout};

fn objects(yaml: &str) -> Vec<Value> {
    serde_saphyr::from_multiple(yaml).expect("the bundle is YAML")
}

#[test]
fn annotations_change_no_object() {
    for spec in examples() {
        let name = spec
            .strip_prefix(root())
            .expect("under the root")
            .display()
            .to_string();
        let plain = mlspec(&root(), &["build", "-A", "warnings", &name]);
        let annotated = mlspec(&root(), &["build", "--annotate", "-A", "warnings", &name]);
        assert_eq!(
            annotated.status.code(),
            Some(0),
            "{name}: {}",
            stderr(&annotated)
        );
        let text = stdout(&annotated);
        assert_eq!(objects(&stdout(&plain)), objects(&text), "{name}");
        assert!(
            text.contains(&format!("  # {name}:")),
            "{name} points at its spec:\n{text}"
        );
        assert!(
            text.contains("  # stdlib defaults "),
            "{name} names defaults:\n{text}"
        );
        only_comments_added(&stdout(&plain), &text);
    }
}

/// Each line is the plain line, or the plain line and a comment.
fn only_comments_added(plain: &str, annotated: &str) {
    assert_eq!(plain.lines().count(), annotated.lines().count());
    for (p, a) in plain.lines().zip(annotated.lines()) {
        assert!(
            a == p || a.strip_prefix(p).is_some_and(|c| c.starts_with("  # ")),
            "{a:?} is not {p:?} with a comment"
        );
    }
}

#[test]
fn the_sentiment_bundle_says_where_each_value_came_from() {
    let out = mlspec(
        &root(),
        &[
            "build",
            "--annotate",
            "-A",
            "warnings",
            "examples/sentiment/app.toml",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    insta::assert_snapshot!(stdout(&out));
}

#[test]
fn mounted_files_keep_their_block_and_get_a_comment() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let spec = r#"[app]
name = "scorer"

[serve]
image = "registry.example.com/scorer:1.0.0"
scaling = { replicas = 2 }
files = { "/etc/scorer/config.yaml" = "threshold: 0.8\nlabels: [a, b]\n" }
"#;
    std::fs::write(dir.path().join("app.toml"), spec).expect("write the spec");
    let plain = mlspec(dir.path(), &["build", "-A", "warnings", "app.toml"]);
    let out = mlspec(
        dir.path(),
        &["build", "--annotate", "-A", "warnings", "app.toml"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(objects(&stdout(&plain)), objects(&text));
    only_comments_added(&stdout(&plain), &text);
    assert!(text.contains("replicas: 2  # app.toml:6"), "{text}");
    assert!(
        text.contains("data:  # app.toml:7\n  config.yaml: |\n    threshold: 0.8\n"),
        "{text}"
    );
}
