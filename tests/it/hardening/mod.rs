//! Regression tests of issue 21 ("Hardening 2"), one test per numbered item, named after it.
//! The linear-time items (13–16) are checked for their outcome here and measured by
//! `scripts/bench-hostile` (figures in docs/performance.md), never timed in a test.

mod answers;
mod limits;
mod messages;
mod secrets;
mod writes;

use std::collections::BTreeMap;
use std::path::Path;

/// A small app, `demo`, whose bundle has a Deployment, an HPA and a PDB.
pub const APP: &str = r#"[app]
name = "demo"

[serve]
image = "ghcr.io/acme/demo:1.0.0"
port = 8080

[serve.resources]
cpu = "1"
memory = "1Gi"

[serve.scaling]
min = 2
max = 4
target = { cpu = "70%" }
"#;

/// A temporary folder holding `app.toml` (the app above).
pub fn tmp() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("app.toml"), APP).expect("write");
    dir
}

/// Every entry under `root` (links not followed) with what it holds: a file's bytes, a link's
/// target, or nothing for a folder.
pub fn snapshot_tree(root: &Path) -> BTreeMap<String, String> {
    fn walk(base: &Path, at: &Path, out: &mut BTreeMap<String, String>) {
        for e in std::fs::read_dir(at).expect("readable") {
            let path = e.expect("entry").path();
            let rel = path
                .strip_prefix(base)
                .expect("inside")
                .display()
                .to_string();
            let meta = std::fs::symlink_metadata(&path).expect("stat");
            if meta.file_type().is_symlink() {
                let to = std::fs::read_link(&path).expect("link");
                out.insert(rel, format!("-> {}", to.display()));
            } else if meta.is_dir() {
                out.insert(rel, "/".to_string());
                walk(base, &path, out);
            } else {
                let bytes = std::fs::read(&path).expect("read");
                out.insert(rel, String::from_utf8_lossy(&bytes).into_owned());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}
