//! Placement at Kubernetes' tested limits: 5,000 nodes (CPU and GPU pools, GPU taints, three
//! zones) and 150,000 pods over 1,000 workloads; the same number of workloads on a tenth of the
//! nodes and pods; and both sizes again over a tenth of the workloads, to show how cost grows with
//! nodes, pods and workloads separately.
//!
//! `cargo bench --bench place` runs all four; `cargo bench --bench place -- 5000` only the limits
//! (for `/usr/bin/time -v`). `cargo bench --bench place -- write DIR` writes the limits' inputs
//! instead, as `DIR/nodes.json` (what `kubectl get nodes -o json` prints) and `DIR/manifests.json`,
//! for timing the whole `mlspec place` process. The inputs are generated deterministically.

use std::collections::BTreeMap;
use std::time::Instant;

use mlspec::inventory::{HOSTNAME_LABEL, Inventory, Node, Taint, ZONE_LABEL};
use mlspec::place::{self, Options, Strategy};
use serde_json::{Value, json};

const ZONES: [&str; 3] = ["us-central1-a", "us-central1-b", "us-central1-c"];

fn node(name: String, zone: &str, cpu: i64, mem_gi: i64, gpus: Option<(&str, i64)>) -> Node {
    let mut labels = BTreeMap::from([
        (HOSTNAME_LABEL.to_string(), name.clone()),
        (ZONE_LABEL.to_string(), zone.to_string()),
        ("kubernetes.io/os".to_string(), "linux".to_string()),
    ]);
    let mut allocatable = BTreeMap::from([
        ("cpu".to_string(), cpu * 1000 - 90),
        ("memory".to_string(), mem_gi << 30),
        ("pods".to_string(), 110),
    ]);
    let mut taints = Vec::new();
    if let Some((product, n)) = gpus {
        labels.insert("nvidia.com/gpu.product".into(), product.into());
        allocatable.insert("nvidia.com/gpu".into(), n);
        taints.push(Taint {
            key: "nvidia.com/gpu".into(),
            value: String::new(),
            effect: "NoSchedule".into(),
        });
    }
    Node {
        name,
        labels,
        taints,
        allocatable,
        unschedulable: false,
        images: Vec::new(),
    }
}

/// `scale` = 1 gives 500 nodes and 15,000 pods; 10 gives 5,000 and 150,000.
fn inventory(scale: usize) -> Inventory {
    let mut nodes = Vec::new();
    for i in 0..400 * scale {
        nodes.push(node(format!("cpu-{i}"), ZONES[i % 3], 16, 64, None));
    }
    for i in 0..80 * scale {
        nodes.push(node(
            format!("l4-{i}"),
            ZONES[i % 3],
            48,
            192,
            Some(("NVIDIA-L4", 4)),
        ));
    }
    for i in 0..20 * scale {
        nodes.push(node(
            format!("a100-{i}"),
            ZONES[i % 3],
            96,
            1024,
            Some(("NVIDIA-A100-SXM4-80GB", 8)),
        ));
    }
    Inventory { nodes }
}

fn deployment(name: &str, replicas: usize, cpu_m: usize, mem_mi: usize, extra: Value) -> Value {
    let mut spec = json!({
        "containers": [{ "name": "main", "image": "registry.example.com/app:1",
            "resources": { "requests": { "cpu": format!("{cpu_m}m"), "memory": format!("{mem_mi}Mi") } } }]
    });
    if let (Value::Object(s), Value::Object(e)) = (&mut spec, extra) {
        s.extend(e);
    }
    json!({ "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": { "name": name, "namespace": format!("team-{}", name.len() % 7) },
        "spec": { "replicas": replicas, "selector": { "matchLabels": { "app": name } },
            "template": { "metadata": { "labels": { "app": name } }, "spec": spec } } })
}

/// `scale` × 100 workloads (9 CPU, 1 GPU per ten), each with `tenths` tenths of its base count
/// (163 CPU, 33 GPU replicas), rounded down.
fn manifests(scale: usize, tenths: usize) -> Vec<Value> {
    let mut docs = Vec::new();
    for i in 0..90 * scale {
        let name = format!("svc-{i}");
        let (cpu, mem) = (100 + (i * 37) % 400, 128 + (i * 53) % 1024);
        let extra = match i % 10 {
            0 => json!({ "topologySpreadConstraints": [{ "maxSkew": 1, "topologyKey": ZONE_LABEL,
                "whenUnsatisfiable": "DoNotSchedule", "labelSelector": { "matchLabels": { "app": name } } }] }),
            5 => {
                json!({ "affinity": { "podAntiAffinity": { "requiredDuringSchedulingIgnoredDuringExecution": [
                { "topologyKey": HOSTNAME_LABEL, "labelSelector": { "matchLabels": { "app": name } } }] } } })
            }
            _ => json!({}),
        };
        docs.push(deployment(&name, 163 * tenths / 10, cpu, mem, extra));
    }
    for i in 0..10 * scale {
        let name = format!("llm-{i}");
        let product = if i % 5 == 0 {
            "NVIDIA-A100-SXM4-80GB"
        } else {
            "NVIDIA-L4"
        };
        let mut d = deployment(
            &name,
            33 * tenths / 10,
            4000,
            16384,
            json!({
            "nodeSelector": { "nvidia.com/gpu.product": product },
            "tolerations": [{ "key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule" }] }),
        );
        d["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"] =
            json!({ "nvidia.com/gpu": 1 });
        docs.push(d);
    }
    docs
}

/// Place `workloads` × 100 workloads of `tenths` tenths of the base replica count on `nodes` ×
/// 500 nodes.
fn run(nodes: usize, workloads: usize, tenths: usize) {
    let inv = inventory(nodes);
    let (manifests, diags) = place::manifests_from_json(manifests(workloads, tenths));
    assert!(diags.is_empty(), "{diags:?}");
    let start = Instant::now();
    let report = place::simulate(
        &inv,
        &[],
        &manifests,
        &Options {
            strategy: Strategy::Spread,
            ..Default::default()
        },
    );
    let took = start.elapsed();
    let m = &report.moments;
    let placed: u64 = m.iter().map(|t| t.placed).sum();
    println!(
        "{:>5} nodes, {:>6} pods per moment, {} workloads: {:>8.1} ms (steady {}/{}, max {}/{}, surge {}/{}) = {:.0} placed pods/s",
        inv.nodes.len(),
        m[1].pods,
        report.workloads.len(),
        took.as_secs_f64() * 1000.0,
        m[0].placed,
        m[0].pods,
        m[1].placed,
        m[1].pods,
        m[2].placed,
        m[2].pods,
        placed as f64 / took.as_secs_f64(),
    );
}

/// A node as `kubectl get nodes -o json` prints it.
fn node_json(n: &Node) -> Value {
    let allocatable: BTreeMap<&String, String> = n
        .allocatable
        .iter()
        .map(|(k, v)| {
            (
                k,
                if k == "cpu" {
                    format!("{v}m")
                } else {
                    v.to_string()
                },
            )
        })
        .collect();
    let taints: Vec<Value> = n
        .taints
        .iter()
        .map(|t| json!({ "key": t.key, "value": t.value, "effect": t.effect }))
        .collect();
    json!({ "apiVersion": "v1", "kind": "Node",
        "metadata": { "name": n.name, "labels": n.labels },
        "spec": { "taints": taints },
        "status": { "allocatable": allocatable, "capacity": allocatable } })
}

/// Write the limits' inputs to `dir`.
#[allow(clippy::disallowed_methods)]
fn write(dir: &str) {
    let inv = inventory(10);
    let nodes: Vec<Value> = inv.nodes.iter().map(node_json).collect();
    let list = |items: Vec<Value>| json!({ "apiVersion": "v1", "kind": "List", "items": items });
    std::fs::create_dir_all(dir).expect("a folder");
    std::fs::write(format!("{dir}/nodes.json"), list(nodes).to_string()).expect("written");
    std::fs::write(
        format!("{dir}/manifests.json"),
        list(manifests(10, 10)).to_string(),
    )
    .expect("written");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "write") {
        write(
            args.get(i + 1)
                .map_or("target/place-limits", String::as_str),
        );
        return;
    }
    let only_big = args.iter().any(|a| a == "5000");
    if !only_big {
        // 500 nodes and about 15,000 pods, over 100 workloads, then ten times the nodes and the
        // pods by workloads of ten times the replicas.
        run(1, 1, 10);
        run(10, 1, 100);
        // The same, over 1,000 workloads: a tenth of the limits, then the limits.
        run(1, 10, 1);
    }
    // Kubernetes' tested limits: 5,000 nodes, 150,000 pods, 1,000 workloads.
    run(10, 10, 10);
}
