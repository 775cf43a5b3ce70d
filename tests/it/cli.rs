//! The real binary: exit codes 0/1/2, `-o` written atomically, `--check`, `--env`, `explain`,
//! a closed stdout pipe.

use std::io::Read;
use std::process::{Command, Stdio};

use crate::support::{mlspec, root, stderr, stdout};

const GOOD: &str = "[app]\nname = \"demo\"\n[serve]\nimage = \"registry.example.com/demo:1.0\"\n";
const BAD: &str =
    "[app]\nname = \"Demo_App\"\n[serve]\nimage = \"registry.example.com/demo:1.0\"\nprot = 80\n";

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

#[test]
fn build_prints_the_bundle_and_exits_0() {
    let o = mlspec(&root(), &["build", "examples/sentiment/app.toml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.starts_with("---\napiVersion: v1\nkind: ServiceAccount\n"),
        "{out}"
    );
    assert!(out.contains("kind: Deployment"));
}

#[test]
fn bad_input_exits_1_with_every_diagnostic() {
    let dir = tmp();
    std::fs::write(dir.path().join("app.toml"), BAD).expect("write");
    let o = mlspec(dir.path(), &["check", "app.toml"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("E0101") && err.contains("E0002"), "{err}");
    assert!(err.contains("did you mean `port`?"), "{err}");
    assert!(err.contains("app.toml:2:8"), "{err}");
    assert!(err.ends_with("error: 2 errors, 2 warnings\n"), "{err}");
    assert!(!err.contains('\u{1b}'), "NO_COLOR means no colour");
}

#[test]
fn usage_errors_exit_2() {
    let dir = tmp();
    assert_eq!(mlspec(dir.path(), &["build"]).status.code(), Some(2));
    assert_eq!(mlspec(dir.path(), &["frobnicate"]).status.code(), Some(2));
    let o = mlspec(dir.path(), &["check", "missing.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot read `missing.toml`: no such file"));
    assert_eq!(
        mlspec(dir.path(), &["build", "x.toml", "--check"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(mlspec(dir.path(), &["--help"]).status.code(), Some(0));
}

#[test]
fn failed_build_leaves_the_output_file_untouched() {
    let dir = tmp();
    std::fs::write(dir.path().join("good.toml"), GOOD).expect("write");
    std::fs::write(dir.path().join("bad.toml"), BAD).expect("write");
    let o = mlspec(dir.path(), &["build", "good.toml", "-o", "out.yaml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let before = std::fs::read_to_string(dir.path().join("out.yaml")).expect("written");
    assert!(before.contains("name: demo"));

    let o = mlspec(
        dir.path(),
        &["build", "good.toml", "bad.toml", "-o", "out.yaml"],
    );
    assert_eq!(o.status.code(), Some(1));
    let after = std::fs::read_to_string(dir.path().join("out.yaml")).expect("still there");
    assert_eq!(before, after);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".mlspec-"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[test]
fn check_flag_compares_instead_of_writing() {
    let dir = tmp();
    std::fs::write(dir.path().join("app.toml"), GOOD).expect("write");
    let o = mlspec(
        dir.path(),
        &["build", "app.toml", "-o", "out.yaml", "--check"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("`out.yaml` does not exist"));
    assert!(
        !dir.path().join("out.yaml").exists(),
        "--check never writes"
    );

    mlspec(dir.path(), &["build", "app.toml", "-o", "out.yaml"]);
    let o = mlspec(
        dir.path(),
        &["build", "app.toml", "-o", "out.yaml", "--check"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    std::fs::write(dir.path().join("app.toml"), GOOD.replace("1.0", "1.1")).expect("write");
    let o = mlspec(
        dir.path(),
        &["build", "app.toml", "-o", "out.yaml", "--check"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("`out.yaml` is stale"));
}

#[test]
fn env_selects_an_overlay_and_an_unknown_env_is_an_error() {
    let o = mlspec(
        &root(),
        &["build", "examples/sentiment/app.toml", "--env", "prod"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("namespace: ml-prod"));
    let o = mlspec(
        &root(),
        &["build", "examples/sentiment/app.toml", "--env", "prdo"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("did you mean `--env prod`?"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn several_apps_make_one_bundle_in_kind_order() {
    let o = mlspec(
        &root(),
        &[
            "build",
            "examples/sentiment/app.toml",
            "examples/nightly-retrain/app.toml",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let kinds: Vec<String> = stdout(&o)
        .lines()
        .filter_map(|l| l.strip_prefix("kind: ").map(str::to_string))
        .collect();
    let rank = |k: &str| {
        [
            "Namespace",
            "ServiceAccount",
            "ConfigMap",
            "Service",
            "Deployment",
            "HorizontalPodAutoscaler",
            "PodDisruptionBudget",
            "NetworkPolicy",
            "Ingress",
            "Job",
            "CronJob",
        ]
        .iter()
        .position(|x| *x == k)
        .expect("a known kind")
    };
    let mut sorted = kinds.clone();
    sorted.sort_by_key(|k| rank(k));
    assert_eq!(kinds, sorted);
    assert!(kinds.contains(&"CronJob".to_string()) && kinds.contains(&"Deployment".to_string()));
}

#[test]
fn explain_prints_the_long_form() {
    let o = mlspec(&root(), &["explain", "e0101"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).starts_with("# E0101"));
    let o = mlspec(&root(), &["explain"]);
    assert!(stdout(&o).contains("E0126  secret-in-env"));
    let o = mlspec(&root(), &["explain", "E0110x"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn not_utf8_is_a_diagnostic_and_exit_1() {
    let dir = tmp();
    std::fs::write(dir.path().join("app.toml"), b"[app]\nname = \"\xff\xfe\"\n").expect("write");
    let o = mlspec(dir.path(), &["check", "app.toml"]);
    assert_eq!(o.status.code(), Some(1));
    insta::assert_snapshot!(stderr(&o));
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mlspec"))
        .args([
            "build",
            "examples/llm-chat/app.toml",
            "examples/sentiment/app.toml",
        ])
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    // Read one byte, then close the pipe, like `| head -c1`.
    let mut first = [0u8; 1];
    let mut out = child.stdout.take().expect("stdout");
    out.read_exact(&mut first).expect("some output");
    drop(out);
    let status = child.wait().expect("exits");
    let mut err = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut err)
        .expect("stderr");
    assert!(!err.contains("panicked"), "{err}");
    assert!(status.code().is_some(), "killed by a signal: {status:?}");
}

#[test]
fn place_exits_0_when_it_fits_and_1_with_the_scheduler_message_when_not() {
    let o = mlspec(
        &root(),
        &[
            "place",
            "--inventory",
            "examples/llm-chat/nodes.json",
            "examples/llm-chat/app.toml",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("fits"));

    let o = mlspec(
        &root(),
        &[
            "place",
            "--inventory",
            "examples/sentiment/inventory.toml",
            "examples/sentiment/app.toml",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("Insufficient nvidia.com/gpu"),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("rolling update stalls"));
}

#[test]
fn place_json_follows_the_contract() {
    let o = mlspec(
        &root(),
        &[
            "place",
            "--format",
            "json",
            "--inventory",
            "examples/sentiment/inventory.toml",
            "examples/sentiment/app.toml",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("one JSON object");
    assert_eq!(v["feasible"], false);
    assert_eq!(v["nodes"], 5);
    assert_eq!(v["moments"]["max"]["feasible"], true);
    assert_eq!(v["moments"]["surge"]["rollout_stalls"], true);
    let first = &v["moments"]["surge"]["first_unplaced"];
    assert_eq!(first["workload"], "Deployment/ml/sentiment");
    assert_eq!(
        first["message"],
        "0/5 nodes are available: 2 node(s) didn't match Pod's node affinity/selector, 3 Insufficient nvidia.com/gpu."
    );
}

#[test]
fn place_reads_plain_manifests_too() {
    let dir = tmp();
    let built = mlspec(&root(), &["build", "examples/llm-chat/app.toml"]);
    std::fs::write(dir.path().join("bundle.yaml"), &built.stdout).expect("write");
    let inv = root().join("examples/llm-chat/inventory.toml");
    let o = mlspec(
        dir.path(),
        &[
            "place",
            "--inventory",
            inv.to_str().expect("utf-8"),
            "bundle.yaml",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
}

#[test]
fn build_and_check_fail_when_the_bundle_does_not_fit() {
    let dir = tmp();
    let out = dir.path().join("out.yaml");
    let out = out.to_str().expect("utf-8");
    let o = mlspec(
        &root(),
        &[
            "build",
            "examples/sentiment/app.toml",
            "--inventory",
            "examples/sentiment/inventory.toml",
            "-o",
            out,
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("does not fit the inventory"));
    assert!(
        !dir.path().join("out.yaml").exists(),
        "nothing is written when it does not fit"
    );

    let o = mlspec(
        &root(),
        &[
            "check",
            "examples/fraud-api/app.toml",
            "--inventory",
            "examples/fraud-api/inventory.toml",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        mlspec(&root(), &["place", "examples/fraud-api/app.toml"])
            .status
            .code(),
        Some(2)
    );
    let o = mlspec(
        &root(),
        &[
            "check",
            "examples/fraud-api/app.toml",
            "--inventory",
            "nope.json",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn two_specs_generating_the_same_object_is_an_error() {
    let dir = tmp();
    std::fs::write(dir.path().join("a.toml"), GOOD).expect("write");
    std::fs::write(dir.path().join("b.toml"), GOOD.replace("1.0", "2.0")).expect("write");
    let o = mlspec(dir.path(), &["build", "a.toml", "b.toml"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("Deployment/demo/demo"),
        "{}",
        stderr(&o)
    );
    assert!(stdout(&o).is_empty());
}

#[test]
fn a_manifest_that_is_not_yaml_is_a_manifest_error_not_an_inventory_error() {
    let dir = tmp();
    std::fs::write(
        dir.path().join("bad.yaml"),
        "apiVersion: v1\nkind: [unclosed\n",
    )
    .expect("write");
    let inv = root().join("examples/llm-chat/nodes.json");
    let o = mlspec(
        dir.path(),
        &[
            "place",
            "--inventory",
            inv.to_str().expect("utf-8"),
            "bad.yaml",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("error[E0202]"), "{}", stderr(&o));
}

/// A spec with one warning (W0002, tag without digest) and nothing else.
const TAGGED: &str = "[app]\nname = \"demo\"\n[serve]\nimage = \"registry.example.com/demo:1.0\"\nscaling = { replicas = 2 }\n";

#[test]
fn lint_levels_from_the_command_line_and_the_spec() {
    let dir = tmp();
    std::fs::write(dir.path().join("app.toml"), TAGGED).expect("write");
    let o = mlspec(dir.path(), &["build", "app.toml"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "a warning does not fail the build"
    );
    assert!(stderr(&o).contains("warning[W0002]"), "{}", stderr(&o));

    for flag in [
        &["--deny", "warnings"][..],
        &["-D", "W0002"],
        &["--deny", "image-without-digest"],
    ] {
        let mut args = vec!["build", "app.toml"];
        args.extend_from_slice(flag);
        let o = mlspec(dir.path(), &args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{flag:?}: {err}");
        assert!(err.contains("error[W0002]"), "{err}");
        assert!(err.contains("is denied by `--deny "), "{err}");
        assert!(
            stdout(&o).is_empty(),
            "nothing is written when a lint is denied"
        );
    }

    let o = mlspec(dir.path(), &["check", "app.toml", "--allow", "W0002"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(!stderr(&o).contains("W0002"), "{}", stderr(&o));

    // The spec denies it; the command line can warn again.
    let strict = format!("{TAGGED}\n[lint]\nwarnings = \"deny\"\n");
    std::fs::write(dir.path().join("app.toml"), strict).expect("write");
    let o = mlspec(dir.path(), &["check", "app.toml"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("denied by `[lint]` in app.toml"),
        "{}",
        stderr(&o)
    );
    let o = mlspec(dir.path(), &["check", "app.toml", "--warn", "W0002"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    let o = mlspec(dir.path(), &["check", "app.toml", "--deny", "E0101"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "errors have no level: a usage error"
    );
    assert!(stderr(&o).contains("names no warning"), "{}", stderr(&o));
}

#[test]
fn waivers_become_checkov_annotations() {
    let dir = tmp();
    let text = format!(
        "{TAGGED}secret_env = {{ TOKEN = \"creds/token\" }}\n[waivers]\nCKV_K8S_35 = \"the SDK reads TOKEN from the environment\"\nCKV_K8S_43 = \"tags are immutable in our registry\"\n"
    );
    std::fs::write(dir.path().join("app.toml"), text).expect("write");
    let o = mlspec(dir.path(), &["build", "app.toml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("checkov.io/skip1: CKV_K8S_35=the SDK reads TOKEN from the environment"),
        "{out}"
    );
    assert!(out.contains("checkov.io/skip2: CKV_K8S_43=tags are immutable in our registry"));
    assert_eq!(stderr(&o).matches("warning[W0008]").count(), 2);
}

/// A workload's own `waivers` reach its objects only, beside the app's; for a check both name,
/// the workload's reason wins there. A bad ID is E0131 at its own path.
#[test]
fn a_workloads_waivers_reach_its_objects_only() {
    let dir = tmp();
    let text = r#"[app]
name = "shop"

[servers.api]
image = "registry.example.com/api:1.0@sha256:4f1c2a9d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a19"
scaling = { replicas = 2 }

[servers.api.waivers]
CKV_K8S_38 = "the API watches pods"
CKV_K8S_43 = "the API's own reason"

[jobs.index]
image = "registry.example.com/index:1.0@sha256:4f1c2a9d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a19"
deadline = "1h"

[waivers]
CKV_K8S_43 = "tags are immutable in our registry"
"#;
    std::fs::write(dir.path().join("app.toml"), text).expect("write");
    let o = mlspec(dir.path(), &["build", "app.toml", "--annotate"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let doc = |kind: &str| {
        out.split("\n---\n")
            .find(|d| d.contains(&format!("kind: {kind}\n")))
            .unwrap_or_else(|| panic!("no {kind}: {out}"))
            .to_string()
    };
    let (api, job) = (doc("Deployment"), doc("Job"));
    assert!(
        api.contains("checkov.io/skip1: CKV_K8S_43=the API's own reason  # app.toml:10")
            && api.contains("checkov.io/skip2: CKV_K8S_38=the API watches pods  # app.toml:9"),
        "{api}"
    );
    assert!(
        job.contains(
            "checkov.io/skip1: CKV_K8S_43=tags are immutable in our registry  # app.toml:17"
        ) && !job.contains("CKV_K8S_38"),
        "{job}"
    );
    assert_eq!(stderr(&o).matches("warning[W0008]").count(), 3);

    let bad = text.replace("CKV_K8S_38 =", "ckv_k8s_38 =");
    std::fs::write(dir.path().join("app.toml"), bad).expect("write");
    let o = mlspec(dir.path(), &["check", "app.toml"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("`servers.api.waivers.ckv_k8s_38` is not a checkov check ID"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn k8s_version_picks_the_schemas_and_refuses_unsupported_ones() {
    let same: Vec<String> = ["1.33", "v1.35", "1.37.1"]
        .iter()
        .map(|v| {
            let o = mlspec(
                &root(),
                &["build", "--k8s-version", v, "examples/llm-chat/app.toml"],
            );
            assert_eq!(o.status.code(), Some(0), "{v}: {}", stderr(&o));
            stdout(&o)
        })
        .collect();
    assert!(
        same.windows(2).all(|w| w[0] == w[1]),
        "the target version only verifies"
    );
    for (v, why) in [
        ("1.32", "is not supported"),
        ("latest", "not a Kubernetes version"),
    ] {
        let o = mlspec(
            &root(),
            &["check", "--k8s-version", v, "examples/llm-chat/app.toml"],
        );
        assert_eq!(o.status.code(), Some(2), "{v}");
        let err = stderr(&o);
        assert!(
            err.contains(why) && err.contains("1.33, 1.34, 1.35, 1.36, 1.37"),
            "{err}"
        );
    }
}

#[test]
fn inputs_beyond_the_limits_are_refused_without_reading_them() {
    let dir = tmp();
    // A 300 MB spec (sparse, so the test writes nothing): refused by its size, as a usage error.
    let huge = dir.path().join("huge.toml");
    std::fs::File::create(&huge)
        .and_then(|f| f.set_len(300 * 1024 * 1024))
        .expect("a sparse file");
    for cmd in ["build", "check"] {
        let o = mlspec(dir.path(), &[cmd, "huge.toml"]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(
            stderr(&o).contains("over the 268435456-byte limit"),
            "{}",
            stderr(&o)
        );
        assert!(stdout(&o).is_empty());
    }
    let o = mlspec(
        dir.path(),
        &["place", "--inventory", "huge.toml", "huge.toml"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    // A 5 MB spec that is valid TOML: read, then refused as E0009 before parsing.
    let big = format!("{GOOD}# {}\n", "x".repeat(5 * 1024 * 1024));
    std::fs::write(dir.path().join("big.toml"), big).expect("write");
    let o = mlspec(dir.path(), &["check", "big.toml"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("E0009"), "{}", stderr(&o));
}

#[test]
fn completions_and_the_man_page_cover_every_subcommand() {
    let subcommands = [
        "build",
        "check",
        "place",
        "explain",
        "init",
        "completions",
        "man",
        "schema",
    ];
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let o = mlspec(&root(), &["completions", shell]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let script = stdout(&o);
        for word in subcommands.iter().chain(&["inventory", "k8s-version"]) {
            assert!(script.contains(word), "{shell} completions lack {word}");
        }
    }
    // The bash script is valid bash.
    let o = mlspec(&root(), &["completions", "bash"]);
    let dir = tmp();
    let path = dir.path().join("mlspec.bash");
    std::fs::write(&path, stdout(&o)).expect("write");
    let check = Command::new("bash")
        .arg("-n")
        .arg(&path)
        .output()
        .expect("bash");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );

    let o = mlspec(&root(), &["man"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let page = stdout(&o);
    assert!(
        page.starts_with(".ie") && page.contains(".TH mlspec 1"),
        "{page}"
    );
    for sub in subcommands {
        assert!(
            page.contains(&format!("mlspec\\-{sub}")),
            "the man page lacks {sub}"
        );
    }
    let o = mlspec(&root(), &["completions", "tcsh"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn init_writes_a_spec_that_builds_for_every_runtime() {
    let catalog = mlspec::stdlib::Catalog::builtin().expect("catalog");
    for runtime in catalog.runtimes.keys() {
        for accelerator in [None, Some("nvidia-t4")] {
            let dir = tmp();
            let mut args = vec!["init", "--runtime", runtime.as_str()];
            args.extend(
                accelerator
                    .map(|a| ["--accelerator", a])
                    .into_iter()
                    .flatten(),
            );
            let o = mlspec(dir.path(), &args);
            assert_eq!(o.status.code(), Some(0), "{runtime}: {}", stderr(&o));
            let spec = std::fs::read_to_string(dir.path().join("app.toml")).expect("app.toml");
            assert!(spec.contains(&format!("runtime = \"{runtime}\"")), "{spec}");
            if let Some(a) = accelerator {
                assert!(spec.contains(&format!("accelerator = \"{a}\"")), "{spec}");
            }
            let o = mlspec(dir.path(), &["build", "app.toml"]);
            assert_eq!(
                o.status.code(),
                Some(0),
                "{runtime}: {}\n{spec}",
                stderr(&o)
            );
            assert!(stdout(&o).contains("kind: Deployment"));
        }
    }
}

/// The traffic lines `init` leaves commented out build once uncommented: a caller namespace and
/// a load balancer that accepts the given block, which the NetworkPolicy admits.
#[test]
fn init_traffic_comments_build_when_uncommented() {
    let catalog = mlspec::stdlib::Catalog::builtin().expect("catalog");
    for runtime in catalog.runtimes.keys() {
        let dir = tmp();
        let o = mlspec(dir.path(), &["init", "--runtime", runtime.as_str()]);
        assert_eq!(o.status.code(), Some(0), "{runtime}: {}", stderr(&o));
        let path = dir.path().join("app.toml");
        let spec = std::fs::read_to_string(&path).expect("app.toml");
        let mut in_service = false;
        let opened: Vec<String> = spec
            .lines()
            .map(|l| {
                if l.starts_with("# [serve.") {
                    in_service = l == "# [serve.service]";
                }
                let uncomment = l.starts_with("# callers = ")
                    || (in_service && (l.starts_with("# [serve.") || l.contains(" = ")));
                match l.strip_prefix("# ").filter(|_| uncomment) {
                    Some(code) => code.to_string(),
                    None => l.to_string(),
                }
            })
            .collect();
        std::fs::write(&path, opened.join("\n")).expect("write");
        let o = mlspec(dir.path(), &["build", "app.toml"]);
        assert_eq!(o.status.code(), Some(0), "{runtime}: {}", stderr(&o));
        let bundle = stdout(&o);
        assert!(bundle.contains("type: LoadBalancer"), "{runtime}: {bundle}");
        assert!(
            bundle.contains("cidr: 203.0.113.0/24"),
            "{runtime}: {bundle}"
        );
        assert!(
            bundle.contains("kubernetes.io/metadata.name: web"),
            "{runtime}"
        );
    }
}

#[test]
fn init_never_overwrites_and_says_what_it_knows() {
    let dir = tmp();
    std::fs::write(dir.path().join("app.toml"), "keep me").expect("write");
    let o = mlspec(dir.path(), &["init"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("already exists"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("app.toml")).expect("read"),
        "keep me"
    );
    let o = mlspec(dir.path(), &["init", "--force", "--name", "demo"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let spec = std::fs::read_to_string(dir.path().join("app.toml")).expect("read");
    assert!(spec.contains("name = \"demo\""), "{spec}");
    for (args, says) in [
        (
            &["init", "--runtime", "vlm", "x.toml"][..],
            "did you mean `vllm`?",
        ),
        (
            &["init", "--accelerator", "nvidia-l5", "x.toml"][..],
            "did you mean `nvidia-l4`?",
        ),
        (
            &["init", "--accelerator", "tpu-v5e", "x.toml"][..],
            "examples/tpu-train",
        ),
        (
            &["init", "--name", "Bad_Name", "x.toml"][..],
            "cannot name an app",
        ),
    ] {
        let o = mlspec(dir.path(), args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stderr(&o).contains(says), "{args:?}: {}", stderr(&o));
        assert!(!dir.path().join("x.toml").exists());
    }
}

#[test]
fn a_multi_app_build_is_the_library_bundle_of_all_apps_in_kind_order() {
    // The binary compiles and renders specs on several threads; the result must be exactly what
    // the library makes of the same objects in one thread: all apps' objects, stably by kind.
    let examples = crate::support::examples();
    let paths: Vec<String> = examples.iter().map(|p| p.display().to_string()).collect();
    let mut args = vec!["build"];
    args.extend(paths.iter().map(String::as_str));
    let o = mlspec(&root(), &args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut objects = Vec::new();
    for p in &examples {
        let (_, compiled) = crate::support::compile_file(p, None);
        objects.extend(compiled.objects);
    }
    objects.sort_by_key(mlspec::document::Document::rank);
    assert_eq!(stdout(&o), mlspec::emit::yaml(&objects).expect("yaml"));
    assert_eq!(
        stdout(&mlspec(&root(), &args)),
        stdout(&o),
        "two runs differ"
    );
}

/// Many specs: a progress bar on a terminal (run under `script`, which gives the command a
/// pseudo-terminal), cleared when done; nothing at all off a terminal.
#[test]
fn progress_shows_on_a_terminal_only() {
    let dir = tmp();
    let mut specs = Vec::new();
    for i in 0..25 {
        let name = format!("app{i:02}.toml");
        let spec = GOOD.replace("\"demo\"", &format!("\"demo-{i}\""));
        std::fs::write(dir.path().join(&name), spec).expect("write a spec");
        specs.push(name);
    }
    let mut args = vec!["check", "-A", "warnings"];
    args.extend(specs.iter().map(String::as_str));
    let quiet = mlspec(dir.path(), &args);
    assert_eq!(quiet.status.code(), Some(0));
    assert_eq!(stderr(&quiet), "", "no progress in a pipe");

    let command = format!("{} {}", env!("CARGO_BIN_EXE_mlspec"), args.join(" "));
    let tty = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(dir.path())
        .env_remove("NO_COLOR")
        .output()
        .expect("`script` (util-linux) runs: it gives the test a terminal");
    assert_eq!(tty.status.code(), Some(0), "{}", stdout(&tty));
    let screen = stdout(&tty);
    assert!(screen.contains("compiling ["), "a bar: {screen:?}");
    assert!(screen.contains("/25 specs"), "{screen:?}");
    assert!(
        screen.trim_end().ends_with("\u{1b}[2K"),
        "cleared at the end: {screen:?}"
    );
}

/// `place` takes a built bundle as it is written, monitors and several servers included: the
/// custom resources it does not schedule are skipped, every Deployment is placed.
#[test]
fn place_accepts_the_traffic_examples_bundles() {
    for example in ["triton-gke-loadbalancer", "vllm-production-stack"] {
        let dir = tmp();
        let spec = root().join("examples").join(example).join("app.toml");
        let bundle = dir.path().join("bundle.yaml");
        let o = mlspec(
            dir.path(),
            &["build", spec.to_str().expect("utf-8"), "-o", "bundle.yaml"],
        );
        assert_eq!(o.status.code(), Some(0), "{example}: {}", stderr(&o));
        let inventory = root().join("examples").join(example).join("inventory.toml");
        let o = mlspec(
            dir.path(),
            &[
                "place",
                bundle.to_str().expect("utf-8"),
                "--inventory",
                inventory.to_str().expect("utf-8"),
                "--format",
                "json",
            ],
        );
        assert_eq!(o.status.code(), Some(0), "{example}: {}", stderr(&o));
        let report: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
        assert_eq!(report["feasible"], true, "{example}: {report}");
        let placed = report["workloads"].as_array().map_or(0, Vec::len);
        let servers = if example == "vllm-production-stack" {
            2
        } else {
            1
        };
        assert_eq!(placed, servers, "{example}: {report}");
    }
}

/// A JobSet's slices are placed as gangs, with no warning; one whose replicated Jobs start one
/// after another (`dependsOn`), which `place` does not model, is left out and says so (W0082),
/// for a spec's bundle and for plain manifests; `--deny W0082` makes it an error.
#[test]
fn place_places_jobset_slices_and_reports_what_it_does_not_model() {
    let app = "examples/jax-tpu-jobset/app.toml";
    let inv = "examples/jax-tpu-jobset/inventory.toml";
    let o = mlspec(&root(), &["place", "--inventory", inv, app]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("W0082"), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("groups (whole)"), "{out}");

    let dir = tmp();
    let built = mlspec(&root(), &["build", app]);
    let bundle = String::from_utf8_lossy(&built.stdout).replace(
        "  replicatedJobs:\n  - name: slice\n",
        "  replicatedJobs:\n  - dependsOn:\n    - name: prepare\n      status: Complete\n    name: slice\n",
    );
    assert!(bundle.contains("dependsOn"), "{bundle}");
    std::fs::write(dir.path().join("bundle.yaml"), bundle).expect("write");
    let inv = root().join(inv);
    let inv = inv.to_str().expect("utf-8");
    let o = mlspec(dir.path(), &["place", "--inventory", inv, "bundle.yaml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("W0082") && err.contains("bundle.yaml:") && err.contains("its 2 pods"),
        "the warning points at the JobSet in the file: {err}"
    );
    insta::assert_snapshot!(
        "jobset_not_placed",
        err.lines()
            .filter(|l| !l.contains("bundle.yaml:"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let o = mlspec(
        dir.path(),
        &[
            "place",
            "--deny",
            "W0082",
            "--inventory",
            inv,
            "bundle.yaml",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
}

/// With `--inventory`, a selector no node carries is W0080 in `build`, `check` and `place`, at
/// the spec's value or at the manifest's `nodeSelector`.
#[test]
fn a_selector_no_node_carries_is_w0080_with_an_inventory() {
    let dir = tmp();
    let spec = "[app]\nname = \"chat\"\nprovider = \"gke\"\n[jobs.embed]\nimage = \"busybox:1.36\"\ndeadline = \"1h\"\nresources = { accelerator = \"nvidia-l4\" }\n";
    std::fs::write(dir.path().join("app.toml"), spec).expect("write");
    let inv = root().join("tests/bad/W0080-selector-matches-no-node.inventory");
    let inv = inv.to_str().expect("utf-8");
    for cmd in ["build", "check", "place"] {
        let o = mlspec(
            dir.path(),
            &[cmd, "-A", "W0002", "--inventory", inv, "app.toml"],
        );
        let err = stderr(&o);
        assert!(
            err.contains("W0080") && err.contains("app.toml:7"),
            "{cmd}: {err}"
        );
    }
    let o = mlspec(dir.path(), &["check", "-A", "W0002", "app.toml"]);
    assert!(!stderr(&o).contains("W0080"), "no inventory, no W0080");
    let built = mlspec(dir.path(), &["build", "-A", "warnings", "app.toml"]);
    std::fs::write(dir.path().join("bundle.yaml"), &built.stdout).expect("write");
    let o = mlspec(dir.path(), &["place", "--inventory", inv, "bundle.yaml"]);
    let err = stderr(&o);
    assert!(
        err.contains("W0080") && err.contains("`Job/chat/chat-embed` selects nodes labelled"),
        "{err}"
    );
    let text = std::fs::read_to_string(dir.path().join("bundle.yaml")).expect("read");
    let line = text
        .lines()
        .position(|l| l.contains("cloud.google.com/gke-accelerator: nvidia-l4"))
        .expect("the selector")
        + 1;
    assert!(err.contains(&format!("bundle.yaml:{line}:")), "{err}");
}
