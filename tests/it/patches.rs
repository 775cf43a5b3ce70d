//! `[patches.NAME]`: patches change the generated objects, the patched objects are verified and
//! placed, every problem is the patch's and points at it, and a patch that weakens a secure
//! default is a named warning a pipeline can deny.

use std::path::Path;

use mlspec::diagnostics::lint::{Level, Levels, Target};
use mlspec::document::Document;
use mlspec::policy::relaxations;
use mlspec::source::SourceFile;
use mlspec::spec::tree;
use mlspec::verify::{self, KubeVersion, origin};
use mlspec::{Compiled, Options, compile, emit};
use serde_json::{Value, json};

use crate::support::{catalog, examples, mlspec, root, stderr, stdout};

/// A server with two replicas, a digest-pinned image and no warnings of its own.
const SERVER: &str = r#"[app]
name = "scorer"
namespace = "ml"

[serve]
image = "registry.example.com/scorer:1.0.0@sha256:4f1c2a9d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a19"
env = { LOG_LEVEL = "info" }
scaling = { replicas = 2 }
"#;

fn build_with(text: &str, options: &Options) -> (SourceFile, Compiled) {
    let source = SourceFile::new("app.toml", text);
    let compiled = compile(&source, &catalog(), options);
    (source, compiled)
}

fn build(text: &str) -> (SourceFile, Compiled) {
    build_with(text, &Options::default())
}

/// The spec with `patch` appended; it must build with no diagnostic at all.
fn patched(patch: &str) -> Vec<Document> {
    let (_, c) = build(&format!("{SERVER}\n{patch}"));
    let found: Vec<String> = c.diagnostics.iter().map(|d| d.message.clone()).collect();
    assert!(found.is_empty(), "{found:#?}");
    for version in KubeVersion::ALL {
        assert_eq!(verify::verify(&c.objects, version), vec![], "{version}");
    }
    c.objects
}

fn object<'a>(docs: &'a [Document], kind: &str) -> &'a Value {
    &docs
        .iter()
        .find(|d| d.kind() == kind)
        .unwrap_or_else(|| panic!("no {kind}"))
        .value
}

fn codes(c: &Compiled) -> Vec<&'static str> {
    c.diagnostics.iter().map(|d| d.code.id).collect()
}

/// The line of `source` a diagnostic's primary label is on.
fn primary_line<'a>(source: &'a SourceFile, c: &Compiled, code: &str) -> &'a str {
    let d = c
        .diagnostics
        .iter()
        .find(|d| d.code.id == code)
        .unwrap_or_else(|| panic!("no {code} in {:?}", codes(c)));
    let span = d.primary.as_ref().expect("a primary label").span;
    let (line, _) = source.line_col(span.start);
    source.text.lines().nth(line - 1).expect("the line")
}

const POD: &str = "/spec/template/spec";

#[test]
fn a_patch_adds_a_preferred_node_affinity_term() {
    let docs = patched(
        r#"[patches.prefer-spot]
pods = "serve"
merge.spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution = [
  { weight = 50, preference = { matchExpressions = [{ key = "cloud.google.com/gke-spot", operator = "In", values = ["true"] }] } },
]
"#,
    );
    let affinity = &object(&docs, "Deployment")["spec"]["template"]["spec"]["affinity"];
    assert_eq!(
        affinity["nodeAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"][0]["weight"],
        50
    );
    // The generated anti-affinity between replicas is still there: tables merge.
    assert!(affinity["podAntiAffinity"].is_object(), "{affinity}");
}

#[test]
fn a_patch_adds_one_env_entry_and_one_volume_by_name() {
    let docs = patched(
        r#"[patches.scratch]
pods = "serve"
merge.spec.volumes = [{ name = "scratch", emptyDir = { sizeLimit = "1Gi" } }]

[[patches.scratch.merge.spec.containers]]
name = "server"
env = [{ name = "SCRATCH_DIR", value = "/scratch" }]
volumeMounts = [{ name = "scratch", mountPath = "/scratch" }]
"#,
    );
    let pod = object(&docs, "Deployment").pointer(POD).expect("a pod");
    let env: Vec<&str> = pod["containers"][0]["env"]
        .as_array()
        .expect("env")
        .iter()
        .filter_map(|e| e["name"].as_str())
        .collect();
    assert_eq!(env, ["LOG_LEVEL", "SCRATCH_DIR"], "the list grew by one");
    let volumes: Vec<&str> = pod["volumes"]
        .as_array()
        .expect("volumes")
        .iter()
        .filter_map(|v| v["name"].as_str())
        .collect();
    assert_eq!(volumes, ["tmp", "scratch"]);
    let mounts = pod["containers"][0]["volumeMounts"]
        .as_array()
        .expect("mounts");
    assert_eq!(mounts.len(), 2, "{mounts:?}");
}

#[test]
fn a_patch_that_adds_a_volume_larger_than_the_pods_disk_limit_is_warned_at_the_patch() {
    let text = format!(
        r#"{SERVER}
[patches.scratch]
pods = "serve"
merge.spec.volumes = [{{ name = "scratch", emptyDir = {{ sizeLimit = "20Gi" }} }}]
"#
    );
    let (source, c) = build(&text);
    assert_eq!(codes(&c), ["W0012"], "{:#?}", c.diagnostics);
    assert!(!c.objects.is_empty(), "a warning still builds");
    let d = &c.diagnostics.iter().next().expect("one").message;
    assert!(d.contains("21Gi") && d.contains("of 2Gi"), "{d}");
    assert!(
        primary_line(&source, &c, "W0012").contains("sizeLimit = \"20Gi\""),
        "the label is on the patch"
    );
}

#[test]
fn a_patch_sets_a_containers_working_dir_and_changes_an_entry_in_place() {
    let docs = patched(
        r#"[patches.workdir]
pods = "serve"
merge.spec.containers = [{ name = "server", workingDir = "/srv/app", env = [{ name = "LOG_LEVEL", value = "debug" }] }]
"#,
    );
    let c = object(&docs, "Deployment")
        .pointer(&format!("{POD}/containers/0"))
        .expect("the server");
    assert_eq!(c["workingDir"], "/srv/app");
    assert_eq!(c["env"], json!([{"name": "LOG_LEVEL", "value": "debug"}]));
    assert_eq!(
        c["image"].as_str().map(|i| i.starts_with("registry")),
        Some(true)
    );
}

#[test]
fn remove_and_delete_take_fields_and_objects_out() {
    let docs = patched(
        r#"[patches.no-spread]
pods = "serve"
remove = ["/spec/topologySpreadConstraints"]

[patches.no-budget]
kind = "PodDisruptionBudget"
name = "scorer"
delete = true
"#,
    );
    let pod = object(&docs, "Deployment").pointer(POD).expect("a pod");
    assert!(pod.get("topologySpreadConstraints").is_none());
    assert!(docs.iter().all(|d| d.kind() != "PodDisruptionBudget"));
}

#[test]
fn a_job_and_a_schedule_have_their_pod_templates_patched() {
    let spec = r#"[app]
name = "etl"

[jobs.backfill]
image = "registry.example.com/etl:1.0.0@sha256:4f1c2a9d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a19"

[schedules.nightly]
cron = "0 3 * * *"
deadline = "1h"
image = "registry.example.com/etl:1.0.0@sha256:4f1c2a9d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a19"

[patches.backfill-dir]
pods = "jobs.backfill"
merge.spec.containers = [{ name = "backfill", workingDir = "/work" }]

[patches.nightly-dir]
pods = "schedules.nightly"
merge.spec.containers = [{ name = "nightly", workingDir = "/work" }]
"#;
    let (_, c) = build(spec);
    assert_eq!(codes(&c), Vec::<&str>::new());
    let job = object(&c.objects, "Job");
    let cron = object(&c.objects, "CronJob");
    assert_eq!(
        job["spec"]["template"]["spec"]["containers"][0]["workingDir"],
        "/work"
    );
    let cron_pod = "/spec/jobTemplate/spec/template/spec/containers/0/workingDir";
    assert_eq!(cron.pointer(cron_pod), Some(&json!("/work")));
}

#[test]
fn an_unknown_field_is_an_error_at_the_patch_with_a_did_you_mean() {
    let text = format!(
        "{SERVER}\n[patches.workdir]\npods = \"serve\"\nmerge.spec.containers = [{{ name = \"server\", workingDirr = \"/srv\" }}]\n"
    );
    let (source, c) = build(&text);
    assert_eq!(codes(&c), ["E0313"], "never the internal E0300");
    assert!(c.objects.is_empty());
    let d = c.diagnostics.iter().next().expect("one");
    assert!(
        d.message
            .contains("/spec/template/spec/containers/0/workingDirr"),
        "{}",
        d.message
    );
    assert_eq!(d.help.as_deref(), Some("did you mean `workingDir`?"));
    assert!(primary_line(&source, &c, "E0313").contains("workingDirr = \"/srv\""));
}

#[test]
fn relabelled_pods_leave_the_service_selecting_nothing_at_the_patch() {
    let text = format!(
        "{SERVER}\n[patches.relabel]\npods = \"serve\"\nmerge.metadata.labels.\"app.kubernetes.io/instance\" = \"other\"\n"
    );
    let (source, c) = build(&text);
    let service = c
        .diagnostics
        .iter()
        .find(|d| d.code.id == "E0315" && d.message.contains("Service ml/scorer"))
        .expect("the Service's reference error");
    assert!(
        service.message.contains("/spec/selector"),
        "{}",
        service.message
    );
    assert!(
        primary_line(&source, &c, "E0315").starts_with("merge.metadata.labels."),
        "{:?}",
        codes(&c)
    );
    assert!(
        !codes(&c).iter().any(|c| c.starts_with("E030")),
        "{:?}",
        codes(&c)
    );
}

#[test]
fn host_ipc_is_a_warning_that_deny_makes_an_error() {
    let text = format!("{SERVER}\n[patches.ipc]\npods = \"serve\"\nmerge.spec.hostIPC = true\n");
    let (source, c) = build(&text);
    assert_eq!(codes(&c), ["W0022"]);
    assert!(!c.diagnostics.has_errors() && !c.objects.is_empty());
    assert_eq!(
        primary_line(&source, &c, "W0022"),
        "merge.spec.hostIPC = true"
    );

    let mut lint = Levels::default();
    lint.set(
        Target::parse("host-namespace").expect("a lint"),
        Level::Deny,
        "`--deny host-namespace`",
    );
    let (_, denied) = build_with(
        &text,
        &Options {
            lint,
            ..Default::default()
        },
    );
    assert!(denied.diagnostics.has_errors());
    assert!(denied.objects.is_empty(), "nothing is built");

    let in_spec = format!("{text}\n[lint]\nhost-namespace = \"deny\"\n");
    assert!(build(&in_spec).1.diagnostics.has_errors());

    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("app.toml"), &text).expect("write");
    let ok = mlspec(dir.path(), &["build", "app.toml"]);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    assert!(stderr(&ok).contains("warning[W0022]"));
    let no = mlspec(
        dir.path(),
        &["build", "app.toml", "--deny", "host-namespace"],
    );
    assert_eq!(no.status.code(), Some(1));
    assert!(stdout(&no).is_empty());
    let words = stderr(&no).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.contains("(host-namespace) is denied by `--deny W0022`"),
        "{words}"
    );
}

#[test]
fn a_patch_in_an_overlay_applies_with_its_env_and_is_checked_without() {
    let text = format!(
        r#"{SERVER}
[overlays.prod.patches.priority]
pods = "serve"
merge.spec.priorityClassName = "inference-critical"
"#
    );
    let with = |env: Option<&str>, text: &str| {
        let options = Options {
            env: env.map(str::to_string),
            ..Default::default()
        };
        build_with(text, &options).1
    };
    let priority = |c: &Compiled| {
        c.objects
            .iter()
            .find(|d| d.kind() == "Deployment")
            .and_then(|d| {
                d.value
                    .pointer(&format!("{POD}/priorityClassName"))
                    .cloned()
            })
    };
    let prod = with(Some("prod"), &text);
    assert_eq!(codes(&prod), Vec::<&str>::new());
    assert_eq!(priority(&prod), Some(json!("inference-critical")));
    let base = with(None, &text);
    assert_eq!(codes(&base), Vec::<&str>::new());
    assert_eq!(
        priority(&base),
        None,
        "the overlay's patch needs --env prod"
    );

    // Every overlay is checked on every build: a typo in the prod overlay's patch fails the
    // default build too, at the overlay's line.
    let typo = text.replace("priorityClassName", "priorityClasName");
    let (source, base) = build(&typo);
    assert_eq!(codes(&base), ["E0313"]);
    assert!(base.objects.is_empty());
    assert_eq!(
        primary_line(&source, &base, "E0313"),
        "merge.spec.priorityClasName = \"inference-critical\""
    );
    let prod = with(Some("prod"), &typo);
    assert_eq!(codes(&prod), ["E0313"]);
}

#[test]
fn annotate_names_the_patch_line_as_the_origin_of_what_it_set() {
    let text = format!(
        "{SERVER}\n[patches.workdir]\npods = \"serve\"\nmerge.spec.containers = [{{ name = \"server\", workingDir = \"/srv\" }}]\n"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("app.toml"), &text).expect("write");
    let o = mlspec(dir.path(), &["build", "--annotate", "app.toml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let line = text
        .lines()
        .position(|l| l.contains("workingDir"))
        .expect("the patch line")
        + 1;
    let yaml = stdout(&o);
    let work = yaml
        .lines()
        .find(|l| l.contains("workingDir: /srv"))
        .expect("the patched value");
    assert!(work.ends_with(&format!("# app.toml:{line}")), "{work}");
    let name = yaml
        .lines()
        .find(|l| l.contains("name: server"))
        .expect("the container");
    assert!(
        !name.contains(&format!("app.toml:{line}")),
        "restating a name sets nothing: {name}"
    );
}

#[test]
fn place_out_dir_and_check_see_the_patched_objects() {
    let dir = tempfile::tempdir().expect("temp dir");
    let spec = format!(
        "{SERVER}\n[patches.pool]\npods = \"serve\"\nmerge.spec.nodeSelector = {{ pool = \"nowhere\" }}\n"
    );
    std::fs::write(dir.path().join("app.toml"), &spec).expect("write");
    std::fs::write(
        dir.path().join("pools.toml"),
        "[[pool]]\nname = \"cpu\"\ncount = 2\ncpu = \"8\"\nmemory = \"32Gi\"\n",
    )
    .expect("write");
    let place = mlspec(
        dir.path(),
        &["place", "--inventory", "pools.toml", "app.toml"],
    );
    assert_eq!(place.status.code(), Some(1), "{}", stdout(&place));
    assert!(
        stdout(&place).contains("didn't match Pod's node affinity/selector"),
        "{}",
        stdout(&place)
    );

    let built = mlspec(dir.path(), &["build", "app.toml", "--out-dir", "deploy"]);
    assert_eq!(built.status.code(), Some(0), "{}", stderr(&built));
    let file = dir.path().join("deploy/scorer/deployment-scorer.yaml");
    let text = std::fs::read_to_string(&file).expect("the Deployment's file");
    assert!(text.contains("pool: nowhere"), "{text}");
    let fresh = mlspec(
        dir.path(),
        &["build", "app.toml", "--out-dir", "deploy", "--check"],
    );
    assert_eq!(fresh.status.code(), Some(0), "{}", stderr(&fresh));
    std::fs::write(dir.path().join("app.toml"), spec.replace("nowhere", "gpu")).expect("write");
    let stale = mlspec(
        dir.path(),
        &["build", "app.toml", "--out-dir", "deploy", "--check"],
    );
    assert_eq!(stale.status.code(), Some(1));
    assert!(stdout(&stale).contains("+        pool: gpu") || stderr(&stale).contains("pool: gpu"));
}

#[test]
fn patched_builds_are_deterministic_and_apply_in_name_order() {
    let text = format!(
        "{SERVER}\n[patches.b]\npods = \"serve\"\nmerge.spec.priorityClassName = \"second\"\n\n[patches.a]\npods = \"serve\"\nmerge.spec.priorityClassName = \"first\"\n"
    );
    let yaml = |t: &str| emit::yaml(&build(t).1.objects).expect("yaml");
    assert_eq!(yaml(&text), yaml(&text));
    assert!(
        yaml(&text).contains("priorityClassName: second"),
        "b applies after a"
    );
}

#[test]
fn removing_the_cpu_limit_is_no_cpu_limit_and_a_lower_request_requests_below_limits() {
    let text = format!(
        "{SERVER}\n[patches.burst]\npods = \"serve\"\nremove = [\"/spec/containers/server/resources/limits/cpu\"]\nmerge.spec.containers = [{{ name = \"server\", resources = {{ requests = {{ memory = \"64Mi\" }} }} }}]\n"
    );
    let (_, c) = build(&text);
    let mut found = codes(&c);
    found.sort_unstable();
    assert_eq!(found, ["W0003", "W0025"]);
}

#[test]
fn a_widened_network_policy_rule_is_a_warning_and_a_narrower_one_is_not() {
    let widen = format!(
        "{SERVER}\n[patches.any-port]\nkind = \"NetworkPolicy\"\nname = \"scorer\"\nremove = [\"/spec/ingress/0/ports\"]\n"
    );
    assert_eq!(codes(&build(&widen).1), ["W0028"]);
    let narrow = format!(
        "{SERVER}\n[patches.closed]\nkind = \"NetworkPolicy\"\nname = \"scorer\"\nremove = [\"/spec/ingress/0\"]\n"
    );
    let (_, c) = build(&narrow);
    assert!(!codes(&c).contains(&"W0028"), "{:?}", codes(&c));
}

/// Every object an example generates is of a kind of the kinds table, with its `apiVersion`:
/// the table is what patches find their targets and pod templates by.
#[test]
fn every_generated_kind_is_in_the_kinds_table() {
    for path in examples() {
        let (_, c) = crate::support::compile_file(&path, None);
        for doc in &c.objects {
            let kind = mlspec::kinds::find(doc.kind()).unwrap_or_else(|| panic!("{}", doc.id()));
            assert_eq!(
                doc.value["apiVersion"].as_str(),
                Some(kind.api_version),
                "{}",
                doc.id()
            );
            for t in kind.templates {
                assert!(doc.value.pointer(t).is_some(), "{} has no {t}", doc.id());
            }
        }
    }
}

/// No relaxation holds in an example's pods unless the example opens it with the row's key.
#[test]
fn no_relaxation_fires_on_an_example_that_uses_no_relaxing_key() {
    for path in examples() {
        let (source, c) = crate::support::compile_file(&path, None);
        let mut scratch = mlspec::diagnostics::Diagnostics::default();
        let spec = tree::parse(&source.text, &mut scratch);
        for doc in &c.objects {
            let section = origin::section(&doc.value).unwrap_or_default();
            for template in mlspec::kinds::templates(doc.kind()) {
                let Some(t) = doc.value.pointer(template) else {
                    continue;
                };
                for row in relaxations::ALL {
                    let opened = row
                        .keys
                        .iter()
                        .any(|k| origin::find(&spec, &format!("{section}.{k}")).is_some());
                    let hits = row.pod(t);
                    assert!(
                        hits.is_empty() || opened,
                        "{}: {} {}: {hits:?}",
                        source.name,
                        doc.id(),
                        row.code.id
                    );
                }
            }
        }
    }
}

/// `docs/security.md` is the registry's table (`MLSPEC_UPDATE_DOCS=1` rewrites it).
#[test]
fn security_doc_is_the_relaxation_registry() {
    let path = root().join("docs/security.md");
    let want = relaxations::markdown();
    if std::env::var_os("MLSPEC_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &want).expect("write docs/security.md");
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        have, want,
        "docs/security.md is stale: run `MLSPEC_UPDATE_DOCS=1 cargo test --test it security_doc`"
    );
    for row in relaxations::ALL {
        let explain = mlspec::diagnostics::codes::find(row.code.id)
            .expect("a code")
            .explanation;
        assert!(explain.contains(row.code.name), "{}", row.code.id);
    }
}

/// The example that patches what no key covers builds, says why, and its patched value passes
/// every Kubernetes version's checks.
#[test]
fn the_spot_example_patches_and_says_why() {
    let path = root().join("examples/spot-transcribe/app.toml");
    let text = std::fs::read_to_string(&path).expect("the example");
    assert!(text.contains("[patches.") && text.contains("# Why a patch:"));
    let (_, c) = crate::support::compile_file(Path::new(&path), None);
    assert!(!c.diagnostics.has_errors());
    let cron = object(&c.objects, "CronJob");
    let term = "/spec/jobTemplate/spec/template/spec/affinity/nodeAffinity/preferredDuringSchedulingIgnoredDuringExecution/0/weight";
    assert_eq!(cron.pointer(term), Some(&json!(100)));
}

/// Every patch on docs/patches.md (and docs/spec.md's) builds on the page's spec with no error.
#[test]
fn the_patches_page_examples_build() {
    let page = std::fs::read_to_string(root().join("docs/patches.md")).expect("docs/patches.md");
    let blocks: Vec<String> = crate::support::code_blocks(&page)
        .into_iter()
        .filter(|(info, _)| info == "toml")
        .map(|(_, text)| text)
        .collect();
    let (base, patches) = blocks.split_first().expect("the page's spec");
    assert!(patches.len() >= 5);
    let spec = std::fs::read_to_string(root().join("docs/spec.md")).expect("docs/spec.md");
    let tour: Vec<String> = crate::support::code_blocks(&spec)
        .into_iter()
        .filter(|(info, text)| info == "toml" && text.contains("[patches."))
        .map(|(_, text)| text)
        .collect();
    assert_eq!(tour.len(), 1, "docs/spec.md's patch snippet");
    for patch in patches.iter().chain(&tour) {
        let (source, c) = build(&format!("{base}\n{patch}"));
        assert!(
            !c.diagnostics.has_errors() && !c.objects.is_empty(),
            "{patch}\n{}",
            crate::support::rendered(&source, &c)
        );
    }
}

/// A patch made of pieces, mostly good: targets that exist or not, fields Kubernetes knows or
/// not, values of the right type or not, named items with and without their name.
fn arbitrary_patch() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    use proptest::sample::select;
    let pods = select(vec!["pods = \"serve\"", "pods = \"jobs.warmup\""]);
    let objects = select(vec![
        "kind = \"Deployment\"\nname = \"scorer\"",
        "kind = \"Service\"\nname = \"scorer\"",
        "kind = \"NetworkPolicy\"\nname = \"scorer\"",
        "kind = \"Job\"\nname = \"scorer-warmup\"",
    ]);
    let pod_edits = select(vec![
        "merge.spec.hostname = \"gold\"",
        "merge.spec.priorityClassName = \"gold\"",
        "merge.metadata.labels.team = \"gold\"",
        "merge.metadata.annotations.\"example.com/a\" = \"b\"",
        "merge.spec.containers = [{ name = \"server\", workingDir = \"/w\" }]",
        "merge.spec.containers = [{ name = \"warmup\", env = [{ name = \"A\", value = \"1\" }] }]",
        "merge.spec.volumes = [{ name = \"v\", emptyDir = {} }]",
        "merge.spec.tolerations = [{ key = \"spot\", operator = \"Exists\" }]",
        "merge.spec.hostIPC = true",
        "remove = [\"/spec/automountServiceAccountToken\"]",
        "remove = [\"/spec/containers/server/securityContext\"]",
    ]);
    let object_edits = select(vec![
        "merge.metadata.annotations.\"example.com/a\" = \"b\"",
        "merge.metadata.labels.team = \"gold\"",
        "merge.spec.replicas = 3",
        "remove = [\"/spec/ingress/0\"]",
        "delete = true",
    ]);
    let broken = (
        select(vec![
            "pods = \"serve\"",
            "pods = \"jobs.nope\"",
            "kind = \"Ingress\"\nname = \"scorer\"",
            "kind = \"Deployment\"\nname = \"scorer\"",
        ]),
        select(vec![
            "merge.spec.nodeSelektor = { a = \"b\" }",
            "merge.spec.replicas = \"two\"",
            "merge.spec.hostIPC = 1.5",
            "merge.metadata.name = \"other\"",
            "merge.metadata.labels.\"app.kubernetes.io/name\" = \"other\"",
            "merge.spec.containers = [{ workingDir = \"/w\" }]",
            "merge.spec.containers = [{ name = \"extra\", image = \"busybox:1.36\" }]",
            "merge.spec.selector = { matchLabels = { a = \"b\" } }",
            "merge.spec.at = 2024-01-01T00:00:00Z",
            "remove = [\"/spec/nothing\"]",
            "remove = [\"/metadata/labels\"]",
            "remove = [\"/\"]",
        ]),
    );
    prop_oneof![
        3 => (pods, pod_edits).prop_map(|(t, e)| format!("{t}\n{e}\n")),
        2 => (objects, object_edits).prop_map(|(t, e)| format!("{t}\n{e}\n")),
        1 => broken.prop_map(|(t, e)| format!("{t}\n{e}\n")),
    ]
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config {
        cases: 96,
        failure_persistence: None,
        ..Default::default()
    })]

    /// Whatever the patches, compiling never panics, every diagnostic points into the file,
    /// mlspec never blames itself (E0300/E0301), and an accepted build is deterministic and
    /// verifies for every Kubernetes version.
    #[test]
    fn any_patch_is_applied_and_verified_or_reported_at_the_spec(
        patches in proptest::collection::vec(arbitrary_patch(), 1..4),
    ) {
        let mut text = format!(
            "{SERVER}\n[jobs.warmup]\nimage = \"busybox:1.36@sha256:4f1c2a9d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a19\"\n"
        );
        for (i, p) in patches.iter().enumerate() {
            text.push_str(&format!("\n[patches.p{i}]\n{p}"));
        }
        let (source, c) = build(&text);
        for d in &c.diagnostics {
            proptest::prop_assert!(!d.code.id.starts_with("E030"), "{}\n{text}", d.message);
            let span = d.primary.as_ref().map(|l| l.span);
            proptest::prop_assert!(span.is_some_and(|s| s.end <= source.text.len()), "{d:?}");
        }
        if !c.diagnostics.has_errors() {
            for version in KubeVersion::ALL {
                proptest::prop_assert_eq!(verify::verify(&c.objects, version), vec![]);
            }
            let again = build(&text).1;
            proptest::prop_assert_eq!(emit::yaml(&c.objects), emit::yaml(&again.objects));
        }
    }
}
