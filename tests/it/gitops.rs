//! `mlspec build --out-dir DIR`: the layout, kustomizations, removal of files mlspec no longer
//! builds (and never of foreign ones), `--check` with a unified diff, and `kubectl kustomize`
//! reading the folder back as the same objects as the single-file bundle.

use std::path::{Path, PathBuf};
use std::process::Command;

use mlspec::emit::gitops::HEADER;

use crate::support::{mlspec, root, stderr, stdout};

/// docs/usage.md's GitOps snippet, with the shell's glob expanded (sorted, as a shell does).
const APPS: [&str; 2] = ["apps/nightly-retrain/app.toml", "apps/sentiment/app.toml"];

/// A repository as docs/usage.md describes it: `apps/*/app.toml`, copied from the examples.
fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for app in ["nightly-retrain", "sentiment"] {
        let to = dir.path().join("apps").join(app);
        std::fs::create_dir_all(&to).expect("mkdir");
        std::fs::copy(
            root().join("examples").join(app).join("app.toml"),
            to.join("app.toml"),
        )
        .expect("copy");
    }
    dir
}

/// `mlspec build apps/*/app.toml --out-dir deploy [extra…]`
fn build(dir: &Path, specs: &[&str], extra: &[&str]) -> std::process::Output {
    let mut args = vec!["build"];
    args.extend(specs);
    args.extend(["--out-dir", "deploy"]);
    args.extend(extra);
    mlspec(dir, &args)
}

/// Every file under `dir`, relative and sorted.
fn files(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, at: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(at).expect("readable") {
            let path = e.expect("entry").path();
            if path.is_dir() {
                walk(base, &path, out);
            } else {
                let rel = path.strip_prefix(base).expect("inside");
                out.push(rel.display().to_string());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn read(path: PathBuf) -> String {
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_documented_snippet_writes_one_file_per_object_and_kustomizations() {
    let dir = repo();
    let o = build(dir.path(), &APPS, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let deploy = dir.path().join("deploy");
    let list = files(&deploy);
    insta::assert_snapshot!("gitops_files", list.join("\n"));
    for f in &list {
        assert!(
            read(deploy.join(f)).starts_with(HEADER),
            "{f} has no header"
        );
    }
    insta::assert_snapshot!(
        "gitops_top_kustomization",
        read(deploy.join("kustomization.yaml"))
    );
    insta::assert_snapshot!(
        "gitops_sentiment_kustomization",
        read(deploy.join("sentiment/kustomization.yaml"))
    );

    let o = build(dir.path(), &APPS, &["--check"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    // A second build rewrites nothing: each file keeps its inode (a write renames a new file).
    let inodes = |list: &[String]| -> Vec<u64> {
        use std::os::unix::fs::MetadataExt;
        list.iter()
            .map(|f| std::fs::metadata(deploy.join(f)).expect("exists").ino())
            .collect()
    };
    let before = inodes(&list);
    let o = build(dir.path(), &APPS, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(inodes(&list), before);
}

#[test]
fn files_no_longer_built_are_removed_and_foreign_files_stay() {
    let dir = repo();
    assert_eq!(build(dir.path(), &APPS, &[]).status.code(), Some(0));
    let deploy = dir.path().join("deploy");
    std::fs::write(deploy.join("README.md"), "# deploy\n").expect("write");
    std::fs::write(deploy.join("sentiment/patch.yaml"), "kind: Patch\n").expect("write");
    assert!(deploy.join("sentiment/ingress-sentiment.yaml").exists());

    let spec = dir.path().join(APPS[1]);
    let text = read(spec.clone());
    let at = text
        .find("[serve.ingress]")
        .expect("the example has an ingress");
    let end = text[at..].find("\n\n").expect("a blank line after it");
    std::fs::write(&spec, format!("{}{}", &text[..at], &text[at + end + 2..])).expect("write");

    // Only sentiment now: nightly-retrain's folder (its app is `recsys`) goes, and sentiment's
    // ingress.
    let o = build(dir.path(), &APPS[1..], &["--check"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("would remove: `deploy/recsys/kustomization.yaml`"));
    assert!(
        stderr(&o).contains("would remove: `deploy/sentiment/ingress-sentiment.yaml`"),
        "{}",
        stderr(&o)
    );
    let o = build(dir.path(), &APPS[1..], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("removed `deploy/sentiment/ingress-sentiment.yaml`"));
    assert!(!deploy.join("sentiment/ingress-sentiment.yaml").exists());
    assert!(
        !deploy.join("nightly-retrain").exists(),
        "emptied folder removed"
    );
    assert!(!read(deploy.join("kustomization.yaml")).contains("nightly-retrain"));
    assert!(!read(deploy.join("sentiment/kustomization.yaml")).contains("ingress"));
    assert_eq!(read(deploy.join("README.md")), "# deploy\n");
    assert_eq!(read(deploy.join("sentiment/patch.yaml")), "kind: Patch\n");
    let o = build(dir.path(), &APPS[1..], &["--check"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn a_foreign_file_in_the_way_stops_the_build_before_anything_is_written() {
    let dir = repo();
    let deploy = dir.path().join("deploy");
    std::fs::create_dir_all(deploy.join("sentiment")).expect("mkdir");
    let mine = deploy.join("sentiment/service-sentiment.yaml");
    std::fs::write(&mine, "# hand-written\nkind: Service\n").expect("write");
    let o = build(dir.path(), &APPS, &["-A", "warnings"]);
    assert_eq!(o.status.code(), Some(1));
    insta::assert_snapshot!("gitops_in_the_way", stderr(&o));
    assert_eq!(files(&deploy), ["sentiment/service-sentiment.yaml"]);
    assert_eq!(read(mine), "# hand-written\nkind: Service\n");
}

#[test]
fn check_prints_a_unified_diff_of_each_stale_file() {
    let dir = repo();
    let o = build(dir.path(), &APPS, &["--check", "-A", "warnings"]);
    assert_eq!(o.status.code(), Some(1), "a missing folder is stale");
    assert!(stderr(&o).contains("missing: `deploy/kustomization.yaml`"));
    assert!(!dir.path().join("deploy").exists(), "--check never writes");

    assert_eq!(build(dir.path(), &APPS, &[]).status.code(), Some(0));
    let hpa = dir
        .path()
        .join("deploy/sentiment/horizontalpodautoscaler-sentiment.yaml");
    let edited = read(hpa.clone()).replace("maxReplicas: 6", "maxReplicas: 60");
    std::fs::write(&hpa, &edited).expect("write");
    let o = build(dir.path(), &APPS, &["--check", "-A", "warnings"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o).replace(&dir.path().display().to_string(), "[TMP]");
    insta::assert_snapshot!("gitops_check_diff", err);
    assert_eq!(read(hpa), edited, "--check never writes");
}

#[test]
fn out_dir_misuse() {
    let dir = repo();
    // Two specs of one app would share a folder.
    let copy = dir.path().join("apps/copy");
    std::fs::create_dir_all(&copy).expect("mkdir");
    let text = read(dir.path().join(APPS[1])).replace("namespace = \"ml\"", "namespace = \"ml2\"");
    std::fs::write(copy.join("app.toml"), text).expect("write");
    let o = build(
        dir.path(),
        &[APPS[1], "apps/copy/app.toml"],
        &["-A", "warnings"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("the app `sentiment` is built by more than one spec"),
        "{}",
        stderr(&o)
    );
    assert!(!dir.path().join("deploy").exists());

    // -o and --out-dir conflict; --out-dir must be a folder.
    let o = build(dir.path(), &APPS, &["-o", "x.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    std::fs::write(dir.path().join("deploy"), "").expect("write");
    let o = build(dir.path(), &APPS, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("`deploy` is not a directory"),
        "{}",
        stderr(&o)
    );
}

/// Argo CD and Flux run kustomize over the folder: what it prints must be the bundle's objects.
#[test]
fn kubectl_kustomize_reads_the_same_objects_as_the_bundle() {
    let Some(kubectl) = kubectl() else {
        return;
    };
    let dir = repo();
    assert_eq!(build(dir.path(), &APPS, &[]).status.code(), Some(0));
    let o = Command::new(kubectl)
        .args(["kustomize", "deploy"])
        .current_dir(dir.path())
        .output()
        .expect("kubectl runs");
    assert!(o.status.success(), "{}", stderr(&o));
    let mut args = vec!["build"];
    args.extend(APPS);
    let bundle = mlspec(dir.path(), &args);
    assert_eq!(bundle.status.code(), Some(0));
    let kustomized = objects(&stdout(&o));
    assert_eq!(kustomized.len(), 10, "{kustomized:#?}");
    assert_eq!(kustomized, objects(&stdout(&bundle)));
}

fn objects(yaml: &str) -> Vec<serde_json::Value> {
    let mut docs: Vec<serde_json::Value> = serde_saphyr::from_multiple(yaml).expect("YAML");
    let key = |v: &serde_json::Value| {
        let field = |p: &str| {
            v.pointer(p)
                .and_then(|s| s.as_str())
                .unwrap_or_default()
                .to_string()
        };
        (
            field("/kind"),
            field("/metadata/namespace"),
            field("/metadata/name"),
        )
    };
    docs.sort_by_key(key);
    docs
}

/// kubectl on PATH; without it the test fails, unless MLSPEC_SKIP_KUBECTL=1 says to skip.
fn kubectl() -> Option<PathBuf> {
    let found = std::env::var_os("PATH")
        .map(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join("kubectl"))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default()
        .into_iter()
        .find(|p| p.is_file());
    if found.is_none() {
        assert!(
            std::env::var("MLSPEC_SKIP_KUBECTL").as_deref() == Ok("1"),
            "kubectl is not on PATH: install it (the kustomize test needs `kubectl kustomize`) or set MLSPEC_SKIP_KUBECTL=1 to skip this test"
        );
        eprintln!("skipped: kubectl is not on PATH and MLSPEC_SKIP_KUBECTL=1");
    }
    found
}
