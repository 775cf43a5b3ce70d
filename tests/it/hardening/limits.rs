//! Issue 21, items 12–16: large or hostile input. These check what comes out; the time and
//! memory it costs are measured by `scripts/bench-hostile` (docs/performance.md), never here.

use super::{APP, tmp};
use crate::support::{mlspec, stderr, stdout};

#[test]
fn item_12_place_reads_far_more_than_1024_documents() {
    let dir = tmp();
    let mut yaml = String::new();
    for i in 0..3_000 {
        yaml.push_str(&format!(
            "---\napiVersion: v1\nkind: Service\nmetadata: {{name: s{i}, namespace: ml}}\nspec: {{ports: [{{port: 80}}]}}\n"
        ));
    }
    yaml.push_str("---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: ml}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: web, image: x/y:1, resources: {requests: {cpu: \"1\"}}}]\n");
    std::fs::write(dir.path().join("bundle.yaml"), yaml).expect("write");
    std::fs::write(
        dir.path().join("pools.toml"),
        "[[pool]]\nname = \"cpu\"\ncount = 2\ncpu = \"8\"\nmemory = \"32Gi\"\n",
    )
    .expect("write");
    let o = mlspec(
        dir.path(),
        &[
            "place",
            "--inventory",
            "pools.toml",
            "bundle.yaml",
            "--format",
            "json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(report["moments"]["steady"]["placed"], 2);
}

/// `n` running pods, each bound to a node of its own that `nodes.json` does not list.
fn pods_on_unknown_nodes(n: usize) -> String {
    let items: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"apiVersion": "v1", "kind": "Pod", "metadata": {{"name": "p{i}", "namespace": "ml"}},
 "spec": {{"nodeName": "gone-{i}", "containers": [{{"name": "c", "resources": {{"requests": {{"cpu": "1"}}}}}}]}},
 "status": {{"phase": "Running"}}}}"#
            )
        })
        .collect();
    format!(
        "{{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [\n{}\n]}}\n",
        items.join(",\n")
    )
}

const NODES: &str = r#"{"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "v1", "kind": "Node",
  "metadata": {"name": "n1"}, "status": {"allocatable": {"cpu": "64", "memory": "256Gi", "ephemeral-storage": "1Ti", "pods": "110"}}}]}"#;

#[test]
fn item_13_many_warnings_are_capped_for_people_and_all_there_for_machines() {
    let dir = tmp();
    std::fs::write(dir.path().join("nodes.json"), NODES).expect("write");
    std::fs::write(dir.path().join("pods.json"), pods_on_unknown_nodes(120)).expect("write");
    let args = [
        "place",
        "--inventory",
        "nodes.json",
        "--existing",
        "pods.json",
        "app.toml",
    ];
    let o = mlspec(dir.path(), &args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert_eq!(err.matches("warning[W0200]").count(), 50, "{err}");
    assert!(
        err.contains("note: 70 more warnings in `pods.json` not shown"),
        "{err}"
    );
    let mut json = args.to_vec();
    json.extend(["--format", "json"]);
    let o = mlspec(dir.path(), &json);
    let diags: serde_json::Value = serde_json::from_str(&stderr(&o)).expect("json");
    let w0200 = diags
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| d["code"] == "W0200")
        .count();
    assert_eq!(w0200, 120);
}

#[test]
fn item_14_toml_errors_are_capped_per_file_with_how_many_more() {
    let dir = tmp();
    let mut text = APP.to_string();
    for i in 0..500 {
        text.push_str(&format!("bad line {i} = =\n"));
    }
    std::fs::write(dir.path().join("bad.toml"), &text).expect("write");
    let o = mlspec(dir.path(), &["check", "bad.toml"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    let shown = err.matches("error[").count() + err.matches("warning[").count();
    assert_eq!(shown, 50, "{err}");
    assert!(err.contains("more errors in `bad.toml` not shown"), "{err}");
    assert!(
        err.contains("error: 500 errors"),
        "the summary counts every one: {err}"
    );
    let o = mlspec(dir.path(), &["check", "bad.toml", "--format", "json"]);
    let diags: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert!(diags.as_array().is_some_and(|d| d.len() >= 500));

    // A YAML bundle checked as a spec by mistake.
    let bundle = mlspec(dir.path(), &["build", "app.toml", "-A", "warnings"]);
    let yaml = stdout(&bundle).repeat(30);
    std::fs::write(dir.path().join("bundle.yaml"), yaml).expect("write");
    let o = mlspec(dir.path(), &["check", "bundle.yaml"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.matches("error[").count() <= 50, "{err}");
    assert!(err.contains("is this the file you meant?"), "{err}");
}

#[test]
fn item_15_every_one_of_many_overlays_is_still_checked() {
    let mut text = format!("{APP}\n");
    for i in 0..1_000 {
        text.push_str(&format!(
            "[overlays.e{i}]\nserve.scaling = {{ max = {} }}\n",
            i + 3
        ));
    }
    // The last overlay's mistake is found on a build of the first.
    text.push_str("[overlays.broken]\nserve.scaling = { max = \"lots\" }\n");
    let (_, d) = mlspec::compile_str(&text);
    let errors: Vec<_> = d.iter().filter(|d| d.is_error()).collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].message.contains("serve.scaling.max"),
        "{errors:?}"
    );
}

#[test]
fn item_16_a_pod_list_read_item_by_item_places_as_the_general_reader_does() {
    let dir = tmp();
    std::fs::write(dir.path().join("nodes.json"), NODES).expect("write");
    let json = pods_on_unknown_nodes(3).replace("gone-", "n");
    std::fs::write(dir.path().join("pods.json"), &json).expect("write");
    // The same pods as YAML, which is always read the general way.
    let value: serde_json::Value = serde_json::from_str(&json).expect("json");
    let yaml = serde_saphyr::to_string(&value).expect("yaml");
    std::fs::write(dir.path().join("pods.yaml"), yaml).expect("write");
    let place = |pods: &str| {
        let o = mlspec(
            dir.path(),
            &[
                "place",
                "--inventory",
                "nodes.json",
                "--existing",
                pods,
                "app.toml",
                "--format",
                "json",
                "-A",
                "warnings",
            ],
        );
        (o.status.code(), stdout(&o), stderr(&o))
    };
    let (code, json_report, err) = place("pods.json");
    assert_eq!(code, Some(0), "{err}");
    assert!(json_report.contains("\"n1\""), "{json_report}");
    assert_eq!(place("pods.yaml").1, json_report);
}
