//! The link stage through the real binary: a caller app is checked against the other specs of
//! the same build (W0041 when the build lacks it, E0187 when it runs in another namespace), and
//! a spec the link stage fails writes nothing.

use crate::support::{mlspec, stderr, stdout};

const DIGEST: &str = "@sha256:4f1c2a9d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a19";

fn model(callers: &str) -> String {
    format!(
        "[app]\nname = \"model\"\nnamespace = \"ml\"\n\n[serve]\nimage = \"registry.example.com/model:1.0{DIGEST}\"\nport = 8000\nscaling = {{ replicas = 2 }}\ncallers = [{callers}]\n"
    )
}

fn ui(namespace: &str) -> String {
    format!(
        "[app]\nname = \"chat-ui\"\nnamespace = \"{namespace}\"\n\n[serve]\nimage = \"registry.example.com/chat-ui:2.0{DIGEST}\"\nport = 3000\nscaling = {{ replicas = 2 }}\n"
    )
}

fn write(dir: &std::path::Path, files: &[(&str, String)]) {
    for (name, text) in files {
        std::fs::write(dir.join(name), text).expect("write");
    }
}

#[test]
fn a_caller_app_the_build_lacks_is_a_warning_and_builds() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        dir.path(),
        &[("model.toml", model("{ app = \"chat-ui\" }"))],
    );
    let o = mlspec(dir.path(), &["build", "model.toml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    insta::assert_snapshot!(stderr(&o));
    assert!(stdout(&o).contains("app.kubernetes.io/instance: chat-ui"));
}

#[test]
fn a_caller_app_the_build_has_must_run_where_it_is_admitted() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        dir.path(),
        &[
            ("model.toml", model("{ app = \"chat-ui\" }")),
            ("ui.toml", ui("web")),
        ],
    );
    let o = mlspec(
        dir.path(),
        &["build", "model.toml", "ui.toml", "-o", "out.yaml"],
    );
    assert_eq!(o.status.code(), Some(1));
    insta::assert_snapshot!(stderr(&o));
    assert!(!dir.path().join("out.yaml").exists());
    // Admitted from its own namespace, it links without a word.
    write(
        dir.path(),
        &[(
            "model.toml",
            model("{ app = \"chat-ui\", namespace = \"web\" }"),
        )],
    );
    let o = mlspec(dir.path(), &["check", "model.toml", "ui.toml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("W0041"), "{}", stderr(&o));
}

#[test]
fn lint_levels_reach_the_link_stage() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        dir.path(),
        &[("model.toml", model("{ app = \"chat-ui\" }"))],
    );
    let o = mlspec(
        dir.path(),
        &["check", "model.toml", "--deny", "app-outside-build"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("error[W0041]"), "{}", stderr(&o));
    let allowed = model("{ app = \"chat-ui\" }") + "\n[lint]\napp-outside-build = \"allow\"\n";
    write(dir.path(), &[("model.toml", allowed)]);
    let o = mlspec(dir.path(), &["check", "model.toml"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(!stderr(&o).contains("W0041"), "{}", stderr(&o));
}
