//! Issue 21, items 9–11, 20 and the spec parts of 24: right answers — user values are never
//! templates, `--annotate` comments stay comments, unknown names are errors everywhere, one
//! mistake is one message, a zero limit is not "no limit".

use mlspec::compile_str;

use super::tmp;
use crate::support::{mlspec, stderr, stdout};

fn codes(text: &str) -> Vec<String> {
    let (_, d) = compile_str(text);
    d.iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{} {}", d.code.id, d.message))
        .collect()
}

const VLLM: &str = r#"[app]
name = "chat"
[serve]
image = "vllm/vllm-openai:v0.6.0@sha256:0000000000000000000000000000000000000000000000000000000000000000"
runtime = "vllm"
model_name = "MODEL"
[serve.resources]
cpu = "4"
memory = "16Gi"
accelerator = "nvidia-l4"
gpus = 1
"#;

#[test]
fn item_9_a_user_value_is_never_a_template() {
    for value in ["{port}", "{app}", "{model_path}", "{model}"] {
        let text = VLLM.replace("MODEL", value);
        let (objects, d) = compile_str(&text);
        assert!(!d.has_errors(), "{value}: {d:?}");
        let json = serde_json::to_value(&objects).expect("json");
        let args = json
            .as_array()
            .and_then(|objs| {
                objs.iter()
                    .find(|o| o["kind"] == "Deployment")
                    .and_then(|o| o.pointer("/spec/template/spec/containers/0/args"))
            })
            .and_then(|a| a.as_array())
            .expect("args");
        let at = args
            .iter()
            .position(|a| a == "--model")
            .expect("the model flag");
        assert_eq!(args[at + 1], value, "{value}: {args:?}");
    }
}

#[test]
fn item_10_annotate_escapes_the_spec_path_in_comments() {
    let dir = tmp();
    let folder = dir.path().join("we\nird\u{1b}[2J");
    std::fs::create_dir(&folder).expect("mkdir");
    std::fs::copy(dir.path().join("app.toml"), folder.join("app.toml")).expect("copy");
    let spec = folder.join("app.toml");
    let spec = spec.to_str().expect("UTF-8");
    let o = mlspec(dir.path(), &["build", spec, "--annotate", "-A", "warnings"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let annotated = stdout(&o);
    assert!(
        annotated.contains("we\\nird\\u{1b}[2J/app.toml:"),
        "{annotated}"
    );
    let plain = mlspec(dir.path(), &["build", spec, "-A", "warnings"]);
    let strip =
        |y: &str| -> Vec<serde_json::Value> { serde_saphyr::from_multiple(y).expect("YAML") };
    assert_eq!(
        strip(&annotated),
        strip(&stdout(&plain)),
        "only comments were added"
    );
}

#[test]
fn item_11_an_unknown_provider_flag_is_an_error() {
    let dir = tmp();
    let o = mlspec(dir.path(), &["build", "app.toml", "--provider", "gcp"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("E0204") && stderr(&o).contains("`--provider gcp`"),
        "{}",
        stderr(&o)
    );
    let o = mlspec(dir.path(), &["check", "app.toml", "--provider", "gke"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn item_20_an_invalid_max_is_one_error_not_two() {
    for max in ["2147483648", "-1", "\"6\"", "1.5"] {
        let text = format!(
            "[app]\nname = \"a\"\n[serve]\nimage = \"x/y:1\"\n[serve.scaling]\nmin = 2\nmax = {max}\n"
        );
        let errors = codes(&text);
        assert_eq!(errors.len(), 1, "{max}: {errors:?}");
        assert!(!errors[0].contains("is required"), "{max}: {errors:?}");
    }
}

#[test]
fn item_24_a_zero_cpu_or_memory_is_an_error() {
    for key in ["cpu", "memory", "ephemeral_storage"] {
        let text = format!(
            "[app]\nname = \"a\"\n[serve]\nimage = \"x/y:1\"\n[serve.resources]\n{key} = \"0\"\n"
        );
        let errors = codes(&text);
        assert_eq!(errors.len(), 1, "{key}: {errors:?}");
        assert!(
            errors[0].starts_with("E0104") && errors[0].contains("a limit of 0 is no limit"),
            "{key}: {errors:?}"
        );
    }
}

const NODE_7EI: &str = r#"{"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "v1", "kind": "Node",
  "metadata": {"name": "n1"}, "status": {"allocatable": {"cpu": "64", "memory": "ALLOC", "pods": "110"}}}]}"#;

const WEB: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: REPLICAS\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n      - name: web\n        image: x/y:1\n        resources: {requests: {cpu: \"1\", memory: 3Ei}}\n";

#[test]
fn item_8_quantities_add_up_without_overflow_and_negatives_are_input_errors() {
    let dir = tmp();
    let root = dir.path();
    let place = |alloc: &str, replicas: &str| {
        std::fs::write(root.join("nodes.json"), NODE_7EI.replace("ALLOC", alloc)).expect("write");
        std::fs::write(root.join("web.yaml"), WEB.replace("REPLICAS", replicas)).expect("write");
        mlspec(
            root,
            &[
                "place",
                "--inventory",
                "nodes.json",
                "web.yaml",
                "--format",
                "json",
            ],
        )
    };
    // Three 3Ei pods on a 7Ei node: two fit, the third does not (it used to wrap round).
    let o = place("7Ei", "3");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(report["moments"]["steady"]["placed"], 2, "{report:#}");
    assert_eq!(report["feasible"], false);
    let memory = &report["utilization"]["n1"]["memory"];
    assert!(
        memory.as_f64().is_some_and(|m| (0.0..=1.0).contains(&m)),
        "{memory}"
    );

    // A negative allocatable is an input error, not an empty node that nothing fits.
    let o = place("-7Ei", "1");
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("E0200") && stderr(&o).contains("negative"),
        "{}",
        stderr(&o)
    );
    // `replicas: -1` is an input error, not zero pods that trivially fit.
    let o = place("7Ei", "-1");
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("E0202") && stderr(&o).contains("`spec.replicas` is -1"),
        "{}",
        stderr(&o)
    );
    assert!(stdout(&o).is_empty(), "no report for a broken input");
}
