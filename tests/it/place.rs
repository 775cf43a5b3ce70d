//! Placement fixtures: each folder of `tests/place/` is a cluster (`nodes.json`, `nodes.yaml` or
//! `pools.toml`), optional running pods (`pods.json`), manifests (`manifests.yaml`) and optional
//! `strategy` and `k8s-version` files; the JSON report and the text table are pinned as
//! snapshots.

use std::path::Path;

use mlspec::diagnostics::render::{Style, human};
use mlspec::inventory;
use mlspec::place::{self, Options, Strategy};
use mlspec::source::SourceFile;
use mlspec::stdlib::Catalog;

use crate::support::{mlspec, root, stderr};

fn read(path: &Path) -> SourceFile {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    SourceFile::new(path.file_name().unwrap().to_string_lossy(), text)
}

fn report(dir: &Path) -> place::Report {
    let k8s_version = std::fs::read_to_string(dir.join("k8s-version"))
        .ok()
        .map(|v| v.trim().parse().expect("a Kubernetes version"))
        .unwrap_or_default();
    report_at(dir, k8s_version)
}

/// The report of a fixture folder, in the words of `k8s_version`'s scheduler.
pub fn report_at(dir: &Path, k8s_version: mlspec::verify::KubeVersion) -> place::Report {
    let catalog = Catalog::builtin().unwrap();
    let inv_path = ["nodes.json", "nodes.yaml", "pools.toml"]
        .iter()
        .map(|f| dir.join(f))
        .find(|p| p.exists())
        .expect("an inventory");
    let (inv, diags) = inventory::parse(&read(&inv_path), &catalog);
    assert!(!diags.has_errors(), "{diags:?}");
    let existing = match dir.join("pods.json") {
        p if p.exists() => {
            let (pods, diags) = inventory::parse_existing(&read(&p));
            assert!(!diags.has_errors(), "{diags:?}");
            pods
        }
        _ => Vec::new(),
    };
    let (manifests, diags) = place::read_manifests(&read(&dir.join("manifests.yaml")));
    assert!(!diags.has_errors(), "{diags:?}");
    let strategy = match std::fs::read_to_string(dir.join("strategy"))
        .unwrap_or_default()
        .trim()
    {
        "binpack" => Strategy::Binpack,
        _ => Strategy::Spread,
    };
    place::simulate(
        &inv.unwrap(),
        &existing,
        &manifests,
        &Options {
            strategy,
            k8s_version,
        },
    )
}

#[test]
fn placement_fixtures() {
    insta::glob!("..", "place/*/manifests.yaml", |path| {
        let dir = path.parent().unwrap();
        let r = report(dir);
        insta::assert_json_snapshot!("json", r.to_json());
        insta::assert_snapshot!("text", r.to_text());
    });
}

fn diagnostics(name: &str, text: &str) -> String {
    let catalog = Catalog::builtin().unwrap();
    let source = SourceFile::new(name, text);
    let (_, diags) = inventory::parse(&source, &catalog);
    diags
        .iter()
        .map(|d| human(d, Some(&source), Style::plain()))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn bad_pool_files_point_at_the_value() {
    let text = "provider = \"openstack\"\n[[pool]]\nname = \"gpu\"\ncount = -1\ncpu = \"lots\"\nmemory = \"8Gi\"\naccelerator = \"nvidia-x\"\nzone = [\"a\"]\ntaints = [\"a=b\"]\n";
    insta::assert_snapshot!(diagnostics("pools.toml", text));
}

#[test]
fn bad_node_lists_are_diagnostics() {
    insta::assert_snapshot!(diagnostics(
        "nodes.json",
        "{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [\n  {\"apiVersion\": \"v1\", \"kind\": \"Node\", \"metadata\": {\"name\": \"n1\"}, \"status\": {\"allocatable\": {\"cpu\": \"4 cores\"}}},\n  {\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"p\"}}\n]}\n"
    ));
    insta::assert_snapshot!(
        "truncated_json",
        diagnostics("nodes.json", "{\"kind\": \"List\", \"items\": [\n")
    );
}

#[test]
fn pools_expand_with_catalog_labels_and_taints() {
    let catalog = Catalog::builtin().unwrap();
    let text = "provider = \"gke\"\n[[pool]]\nname = \"gpu-l4\"\ncount = 3\ncpu = \"47\"\nmemory = \"180Gi\"\naccelerator = \"nvidia-l4\"\ngpus = 4\nzones = [\"us-central1-a\", \"us-central1-b\"]\n\n[[pool]]\nname = \"a100-mig\"\ncpu = \"90\"\nmemory = \"1Ti\"\naccelerator = \"nvidia-a100-80gb\"\nmig = { \"1g.10gb\" = 7 }\ntaints = []\n";
    let (inv, diags) = inventory::parse(&SourceFile::new("pools.toml", text), &catalog);
    assert!(diags.is_empty(), "{diags:?}");
    let inv = inv.unwrap();
    assert_eq!(inv.nodes.len(), 4);
    let n = &inv.nodes[2];
    assert_eq!(n.name, "gpu-l4-2");
    assert_eq!(n.labels["topology.kubernetes.io/zone"], "us-central1-a");
    assert_eq!(n.labels["nvidia.com/gpu.product"], "NVIDIA-L4");
    assert_eq!(n.labels["cloud.google.com/gke-nodepool"], "gpu-l4");
    assert_eq!(n.labels["mlspec.dev/pool"], "gpu-l4");
    assert_eq!(n.allocatable["nvidia.com/gpu"], 4);
    assert_eq!(n.allocatable["cpu"], 47_000);
    assert_eq!(n.allocatable["pods"], 110);
    assert_eq!(n.taints[0].key, "nvidia.com/gpu");
    let mig = &inv.nodes[3];
    assert_eq!(mig.allocatable["nvidia.com/mig-1g.10gb"], 7);
    assert!(
        mig.taints.is_empty(),
        "an explicit empty list removes the catalog taints"
    );
}

#[test]
fn a_providers_pools_carry_its_labels_and_taints_or_none() {
    let catalog = Catalog::builtin().unwrap();
    let pool = |provider: &str| {
        format!(
            "provider = \"{provider}\"\n[[pool]]\nname = \"gpunp\"\ncpu = \"23\"\nmemory = \"200Gi\"\naccelerator = \"nvidia-a100-80gb\"\n"
        )
    };
    let parse = |text: String| inventory::parse(&SourceFile::new("pools.toml", text), &catalog);
    let (inv, diags) = parse(pool("aks-device-plugin"));
    assert!(diags.is_empty(), "{diags:?}");
    let n = &inv.unwrap().nodes[0];
    assert_eq!(n.labels["kubernetes.azure.com/accelerator"], "nvidia");
    assert_eq!(n.labels["kubernetes.azure.com/agentpool"], "gpunp");
    let taints: Vec<String> = n
        .taints
        .iter()
        .map(|t| format!("{}={}:{}", t.key, t.value, t.effect))
        .collect();
    assert!(
        taints.contains(&"sku=gpu:NoSchedule".to_string()),
        "{taints:?}"
    );
    let (inv, _) = parse(pool("device-only"));
    let n = &inv.unwrap().nodes[0];
    assert!(
        !n.labels.keys().any(|k| k.starts_with("nvidia.com/")),
        "{:?}",
        n.labels
    );
    assert_eq!(n.allocatable["nvidia.com/gpu"], 8);
}

#[test]
fn a_tpu_pool_topology_labels_its_nodes_and_gives_one_hosts_chips() {
    let catalog = Catalog::builtin().unwrap();
    let pool = |accelerator: &str, topology: &str| {
        format!(
            "[[pool]]\nname = \"tpu\"\ncount = 4\ncpu = \"110\"\nmemory = \"180Gi\"\naccelerator = \"{accelerator}\"\ntopology = \"{topology}\"\n"
        )
    };
    let parse = |text: String| inventory::parse(&SourceFile::new("pools.toml", text), &catalog);
    let (inv, diags) = parse(pool("tpu-v5e", "4x4"));
    assert!(diags.is_empty(), "{diags:?}");
    let n = &inv.unwrap().nodes[0];
    assert_eq!(n.labels["cloud.google.com/gke-tpu-topology"], "4x4");
    assert_eq!(
        n.labels["cloud.google.com/gke-tpu-accelerator"],
        "tpu-v5-lite-podslice"
    );
    assert_eq!(n.allocatable["google.com/tpu"], 4, "a 4x4 host has 4 chips");
    let (inv, _) = parse(pool("tpu-v5e", "2x4"));
    let n = &inv.unwrap().nodes[0];
    assert_eq!(n.allocatable["google.com/tpu"], 8);
    assert_eq!(
        n.labels["node.kubernetes.io/instance-type"],
        "ct5lp-hightpu-8t"
    );
    let (inv, _) = parse(pool("tpu-v6e", "2x4") + "gpus = 4\n");
    let n = &inv.unwrap().nodes[0];
    assert_eq!(n.allocatable["google.com/tpu"], 4);
    assert_eq!(
        n.labels["node.kubernetes.io/instance-type"],
        "ct6e-standard-4t"
    );
    for (accelerator, topology) in [("tpu-v5e", "2x2x2"), ("nvidia-l4", "2x4")] {
        let (_, diags) = parse(pool(accelerator, topology));
        assert!(
            diags.iter().any(|d| d.code.name == "invalid-topology"),
            "{accelerator} {topology}: {diags:?}"
        );
    }
}

#[test]
fn garbage_inventories_never_panic() {
    let catalog = Catalog::builtin().unwrap();
    let inputs = [
        "",
        "{",
        "[[pool]]",
        "[[pool]]\nname = 3\ncount = 1e9",
        "provider = [",
        "- 1\n- 2",
        "kind: NodeList\nitems: [1, 2]",
        "{\"kind\": \"NodeList\", \"items\": [{\"metadata\": 5}]}",
        "[[pool]]\nname = \"a\"\ncount = 99999999999999999999\ncpu = \"1\"\nmemory = \"1\"",
        "\u{feff}\u{0}",
    ];
    for text in inputs {
        let _ = inventory::parse(&SourceFile::new("x", text), &catalog);
        let _ = inventory::parse_existing(&SourceFile::new("x", text));
        let _ = place::read_manifests(&SourceFile::new("x", text));
    }
}

#[test]
fn duplicate_pool_names_are_reported() {
    let text = "[[pool]]\nname = \"gpu\"\ncpu = \"47\"\nmemory = \"180Gi\"\n\n[[pool]]\nname = \"gpu\"\ncpu = \"95\"\nmemory = \"360Gi\"\n";
    insta::assert_snapshot!(diagnostics("pools.toml", text));
    let nodes = "{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [\n  {\"apiVersion\": \"v1\", \"kind\": \"Node\", \"metadata\": {\"name\": \"n1\"}, \"status\": {\"allocatable\": {\"cpu\": \"4\"}}},\n  {\"apiVersion\": \"v1\", \"kind\": \"Node\", \"metadata\": {\"name\": \"n1\"}, \"status\": {\"allocatable\": {\"cpu\": \"8\"}}}\n]}\n";
    insta::assert_snapshot!("duplicate_node_names", diagnostics("nodes.json", nodes));
}

#[test]
fn manifests_that_do_not_parse_are_diagnostics() {
    let render = |text: &str| {
        let source = SourceFile::new("bundle.yaml", text);
        let (manifests, d) = place::read_manifests(&source);
        assert!(manifests.is_empty());
        d.iter()
            .map(|x| human(x, Some(&source), Style::plain()))
            .collect::<Vec<_>>()
            .join("\n")
    };
    insta::assert_snapshot!(render(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: llm\nspec:\n  replicas: two\n"
    ));
    // A syntax error the YAML scanner reports by line and column is shown there, not at 1:1.
    insta::assert_snapshot!(
        "yaml_syntax_error",
        render(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n  labels: [a, b\nspec: {}\n"
        )
    );
}

/// Cases translated from upstream test tables carry the upstream verdict in `expected.txt`:
/// `fits`, or the exact FailedScheduling message for the incoming pod.
#[test]
fn translated_upstream_cases_agree_with_upstream() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/place");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir)
        .expect("tests/place")
        .filter_map(Result::ok)
    {
        let Ok(expected) = std::fs::read_to_string(entry.path().join("expected.txt")) else {
            continue;
        };
        let r = report(&entry.path());
        let steady = r.to_json()["moments"]["steady"].clone();
        match expected.trim() {
            "fits" => assert_eq!(steady["feasible"], true, "{}", entry.path().display()),
            message => assert_eq!(
                steady["first_unplaced"]["message"],
                message,
                "{}",
                entry.path().display()
            ),
        }
        checked += 1;
    }
    assert!(checked >= 83, "only {checked} upstream cases");
}

#[test]
fn inventories_beyond_the_node_limit_are_diagnostics() {
    let catalog = Catalog::builtin().unwrap();
    // One pool over the limit, and two that pass it together: refused at the count, at once.
    let one = "[[pool]]\nname = \"cpu\"\ncount = 1000000\ncpu = \"4\"\nmemory = \"16Gi\"\n";
    let two = "[[pool]]\nname = \"a\"\ncount = 30000\ncpu = \"4\"\nmemory = \"16Gi\"\n\n[[pool]]\nname = \"b\"\ncount = 30000\ncpu = \"4\"\nmemory = \"16Gi\"\n";
    for (text, at) in [(one, "1000000"), (two, "30000")] {
        let source = SourceFile::new("pools.toml", text);
        let (inv, diags) = inventory::parse(&source, &catalog);
        let d = diags
            .iter()
            .find(|d| d.code.severity == mlspec::diagnostics::Severity::Error)
            .expect("an error");
        let rendered = human(d, Some(&source), Style::plain());
        assert!(rendered.contains(at), "{rendered}");
        let nodes = inv.map_or(0, |i| i.nodes.len());
        assert!(nodes <= inventory::MAX_NODES, "{nodes} nodes");
    }
    insta::assert_snapshot!(diagnostics("pools.toml", two));
}

/// `tests/place/existing-on-unknown-node`: a pods.json taken from another cluster than its
/// nodes.json. Each node the inventory lacks is one W0200 at its first pod's `nodeName`; pods on
/// known nodes, the pending pod and the finished Job pods are not reported.
#[test]
fn running_pods_on_nodes_the_inventory_lacks_are_w0200() {
    let dir = root().join("tests/place/existing-on-unknown-node");
    let (inv, diags) =
        inventory::parse(&read(&dir.join("nodes.json")), &Catalog::builtin().unwrap());
    assert!(diags.is_empty(), "{diags:?}");
    let pods = read(&dir.join("pods.json"));
    let (existing, diags) = inventory::parse_existing(&pods);
    assert!(diags.is_empty(), "{diags:?}");
    let found = inventory::unknown_nodes(&pods, &existing, &inv.unwrap());
    let ids: Vec<&str> = found.iter().map(|d| d.code.id).collect();
    assert_eq!(ids, ["W0200", "W0200"], "one per unknown node");
    for d in &found {
        let at = d.primary.as_ref().expect("a span").span;
        assert!(
            pods.text[..at.start].ends_with("\"nodeName\": \""),
            "{at:?}"
        );
    }
    let rendered = found
        .iter()
        .map(|d| human(d, Some(&pods), Style::plain()))
        .collect::<Vec<_>>()
        .join("\n");
    for quiet in [
        "gke-prod-cpu-8f2a-x1",
        "web-6b7f9c",
        "gke-staging-cpu-77aa-m1",
    ] {
        assert!(
            !rendered.contains(quiet),
            "{quiet} is reported:\n{rendered}"
        );
    }
    insta::assert_snapshot!(rendered);
}

/// The CLI carries W0200 like any warning: exit 0, silenced by `-A`, an error with `--deny`,
/// and in the machine formats.
#[test]
fn w0200_follows_lint_levels_and_formats() {
    let dir = "tests/place/existing-on-unknown-node";
    let run = |extra: &[&str]| {
        let (nodes, pods, manifests) = (
            format!("{dir}/nodes.json"),
            format!("{dir}/pods.json"),
            format!("{dir}/manifests.yaml"),
        );
        let mut args = vec!["place", "--inventory", &nodes, "--existing", &pods];
        args.extend(extra);
        args.push(&manifests);
        mlspec(&root(), &args)
    };
    let o = run(&[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stderr(&o).matches("warning[W0200]").count(),
        2,
        "{}",
        stderr(&o)
    );
    let o = run(&["-A", "pod-on-unknown-node"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(!stderr(&o).contains("W0200"), "{}", stderr(&o));
    let o = run(&["--deny", "warnings"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("is denied by `--deny warnings`"),
        "{}",
        stderr(&o)
    );
    let o = run(&["--format", "json"]);
    let diags: serde_json::Value = serde_json::from_str(&stderr(&o)).expect("a JSON array");
    assert_eq!(diags[0]["code"], "W0200");
    assert_eq!(diags[0]["file"], format!("{dir}/pods.json"));
    let o = run(&["--format", "github"]);
    assert!(
        stderr(&o).contains(&format!("::warning file={dir}/pods.json,line=119,")),
        "{}",
        stderr(&o)
    );
}

/// A spec's `[lint]` governs the spec's own findings; naming W0200 there would do nothing, so it
/// is an error that points at the command line.
#[test]
fn a_spec_cannot_set_the_level_of_w0200() {
    let text = "[app]\nname = \"web\"\n\n[serve]\nimage = \"registry.example.com/web:1.0\"\n\n[lint]\npod-on-unknown-node = \"allow\"\n";
    let source = SourceFile::new("app.toml", text);
    let compiled = mlspec::compile(&source, &Catalog::builtin().unwrap(), &Default::default());
    let d = compiled
        .diagnostics
        .iter()
        .find(|d| d.code.id == "E0131")
        .expect("E0131");
    assert!(
        d.help.as_deref().is_some_and(|h| h.contains("-A W0200")),
        "{d:?}"
    );
}

/// The scheduler's words follow `--k8s-version`: 1.34 named the first untolerated taint, 1.35
/// and later (the default target is 1.37) do not.
#[test]
fn place_speaks_the_target_versions_words() {
    let dir = "tests/place/taints";
    let run = |version: Option<&str>| {
        let (nodes, manifests) = (format!("{dir}/nodes.json"), format!("{dir}/manifests.yaml"));
        let mut args = vec!["place", "--inventory", &nodes];
        if let Some(v) = version {
            args.extend(["--k8s-version", v]);
        }
        args.push(&manifests);
        let o = mlspec(&root(), &args);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let named = "node(s) had untolerated taint {dedicated: batch}";
    let generic = "3 node(s) had untolerated taint(s)";
    for v in ["1.33", "1.34"] {
        let out = run(Some(v));
        assert!(out.contains(named) && !out.contains(generic), "{v}: {out}");
    }
    for v in [Some("1.35"), Some("1.36"), None] {
        let out = run(v);
        assert!(
            out.contains(generic) && !out.contains(named),
            "{v:?}: {out}"
        );
    }
}

/// A LeaderWorkerSet's rolling update adds whole groups (`maxSurge`, the API's default none):
/// one that cannot start whole stalls the rollout, and the help speaks of groups and the
/// LeaderWorkerSet's own field.
#[test]
fn a_leader_worker_set_surges_whole_groups_and_its_stall_is_explained_in_its_terms() {
    let dir = "tests/place/gang-lws-surge";
    let (pools, manifests) = (format!("{dir}/pools.toml"), format!("{dir}/manifests.yaml"));
    let o = mlspec(
        &root(),
        &[
            "place",
            "--inventory",
            &pools,
            &manifests,
            "--color",
            "never",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o).split_whitespace().collect::<Vec<_>>().join(" ");
    for needed in [
        "`LeaderWorkerSet/ml/llm` does not fit during a rolling update",
        "1 of 3 groups cannot start whole",
        "keep a spare group's room for the surge group",
        "`rolloutStrategy.rollingUpdateConfiguration.maxUnavailable: 1`",
    ] {
        assert!(err.contains(needed), "{needed}: {err}");
    }
    assert!(!err.contains("LeaderWorkerSet/ml/small"), "{err}");
}
