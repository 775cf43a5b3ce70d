//! Properties over generated inputs (proptest, a bounded number of cases so `cargo test` stays
//! fast): every spec the checks accept builds into objects that every supported Kubernetes
//! version's schemas and API rules accept; a build is deterministic; an overlay that restates the
//! base changes nothing; placement never puts more on a node than it has, and the report's
//! counts add up.
//!
//! The spec generator mixes valid values with ones the checks must reject (bad quantities,
//! unknown accelerators, out-of-range ports, …), so both sides of "accepted" are exercised; a
//! test below makes sure enough generated specs are accepted for the properties to mean something.

use std::collections::BTreeMap;

use mlspec::inventory::{HOSTNAME_LABEL, Inventory, Node, Taint, ZONE_LABEL};
use mlspec::place::{self, Options as PlaceOptions, Strategy as PlaceStrategy};
use mlspec::source::SourceFile;
use mlspec::verify::{self, KubeVersion};
use mlspec::{Options, compile, emit};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use serde_json::{Value, json};

use crate::support::catalog;

#[derive(Debug, Clone)]
struct Resources {
    cpu: &'static str,
    memory: &'static str,
    gpu: Option<(&'static str, u32)>,
    shm: Option<&'static str>,
}

#[derive(Debug, Clone)]
enum Scaling {
    Replicas(u32),
    Auto {
        min: u32,
        max: u32,
        target: &'static str,
    },
}

#[derive(Debug, Clone)]
struct Serve {
    image: &'static str,
    runtime: Option<&'static str>,
    port: Option<u32>,
    resources: Resources,
    scaling: Scaling,
    rollout: Option<(&'static str, &'static str)>,
    ingress: Option<(&'static str, bool)>,
    readiness: Option<&'static str>,
    env: Option<(&'static str, &'static str)>,
}

#[derive(Debug, Clone)]
struct Job {
    image: &'static str,
    resources: Resources,
    retries: i32,
    deadline: &'static str,
    ttl: &'static str,
}

#[derive(Debug, Clone)]
struct Schedule {
    image: &'static str,
    cron: &'static str,
    timezone: Option<&'static str>,
    concurrency: Option<&'static str>,
}

#[derive(Debug, Clone)]
struct Spec {
    name: &'static str,
    namespace: Option<&'static str>,
    serve: Option<Serve>,
    job: Option<Job>,
    schedule: Option<Schedule>,
    spread: bool,
}

/// One of `valid` nine times in ten, else one of `invalid`.
fn pick(
    valid: &[&'static str],
    invalid: &[&'static str],
) -> impl Strategy<Value = &'static str> + use<> {
    prop_oneof![9 => select(valid.to_vec()), 1 => select(invalid.to_vec())]
}

fn image() -> impl Strategy<Value = &'static str> {
    pick(
        &[
            "registry.example.com/team/model:1.0",
            "registry.example.com/team/model:2.3@sha256:dda9569e744eed2ee06408a77502ed251113066d6991f071ff56f8a49ca730b7",
            "nginx",
            "ghcr.io/acme/server:latest",
        ],
        &["Registry.example.com/UPPER:1", "a b"],
    )
}

fn resources() -> impl Strategy<Value = Resources> {
    (
        pick(&["1", "500m", "2.5", "16"], &["0", "1Gi", "-1"]),
        pick(&["1Gi", "2Gi", "800M", "64Gi"], &["8gb", "1.5Ki"]),
        prop::option::weighted(
            0.3,
            (
                pick(
                    &[
                        "nvidia-t4",
                        "nvidia-l4",
                        "nvidia-a100-80gb",
                        "nvidia-h100-80gb",
                    ],
                    &["nvidia-x"],
                ),
                prop_oneof![9 => 1u32..=2, 1 => Just(0u32), 1 => Just(9u32)],
            ),
        ),
        prop::option::weighted(0.3, pick(&["256Mi", "512Mi"], &["100Gi"])),
    )
        .prop_map(|(cpu, memory, gpu, shm)| Resources {
            cpu,
            memory,
            gpu,
            shm,
        })
}

fn scaling() -> impl Strategy<Value = Scaling> {
    prop_oneof![
        (0u32..=5).prop_map(Scaling::Replicas),
        (
            prop_oneof![9 => 1u32..=3, 1 => Just(0u32)],
            prop_oneof![9 => 3u32..=8, 1 => Just(1u32)],
            pick(&["70%", "150%"], &["x"])
        )
            .prop_map(|(min, max, target)| Scaling::Auto { min, max, target }),
    ]
}

fn serve() -> impl Strategy<Value = Serve> {
    (
        image(),
        prop::option::of(pick(&["http", "tf-serving", "vllm"], &["triton"])),
        prop::option::of(
            prop_oneof![9 => select(vec![8080u32, 5000]), 1 => select(vec![0u32, 70000])],
        ),
        resources(),
        scaling(),
        prop::option::of((select(vec!["1", "25%"]), select(vec!["0", "1", "50%"]))),
        prop::option::of((
            pick(&["a.example.com", "models.example.com"], &["bad host"]),
            any::<bool>(),
        )),
        prop::option::of(pick(&["/ready", "/v1/health"], &["ready"])),
        prop::option::of((
            pick(&["LOG_LEVEL", "FEATURE"], &["1BAD"]),
            select(vec!["on", "yes", "1_000", "0x10", "null", "~", "info"]),
        )),
    )
        .prop_map(
            |(image, runtime, port, resources, scaling, rollout, ingress, readiness, env)| Serve {
                image,
                runtime,
                port,
                resources,
                scaling,
                rollout,
                ingress,
                readiness,
                env,
            },
        )
}

fn job() -> impl Strategy<Value = Job> {
    (
        image(),
        resources(),
        prop_oneof![9 => 0i32..=3, 1 => Just(-1i32)],
        pick(&["1h", "90m"], &["1.5h"]),
        select(vec!["1d", "never"]),
    )
        .prop_map(|(image, resources, retries, deadline, ttl)| Job {
            image,
            resources,
            retries,
            deadline,
            ttl,
        })
}

fn schedule() -> impl Strategy<Value = Schedule> {
    (
        image(),
        pick(&["0 3 * * *", "*/15 9-17 * * 1-5"], &["61 * * * *"]),
        prop::option::of(pick(&["Europe/Berlin", "UTC"], &["Mars/Base"])),
        prop::option::of(pick(&["forbid", "replace", "allow"], &["skip"])),
    )
        .prop_map(|(image, cron, timezone, concurrency)| Schedule {
            image,
            cron,
            timezone,
            concurrency,
        })
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        pick(&["fraud-api", "m", "llm-chat-7b"], &["Bad_Name"]),
        prop::option::of(select(vec!["ml", "team-a"])),
        prop::option::weighted(0.9, serve()),
        prop::option::of(job()),
        prop::option::of(schedule()),
        any::<bool>(),
    )
        .prop_map(|(name, namespace, serve, job, schedule, spread)| Spec {
            name,
            namespace,
            serve,
            job,
            schedule,
            spread,
        })
}

fn resources_toml(out: &mut String, table: &str, r: &Resources) {
    out.push_str(&format!(
        "\n[{table}.resources]\ncpu = \"{}\"\nmemory = \"{}\"\n",
        r.cpu, r.memory
    ));
    if let Some((accelerator, gpus)) = r.gpu {
        out.push_str(&format!("accelerator = \"{accelerator}\"\ngpus = {gpus}\n"));
    }
    if let Some(shm) = r.shm {
        out.push_str(&format!("shm = \"{shm}\"\n"));
    }
}

/// The spec as TOML, with `[overlays.same]` restating the base's own values.
fn toml(s: &Spec) -> String {
    let mut out = format!("[app]\nname = \"{}\"\n", s.name);
    if let Some(ns) = s.namespace {
        out.push_str(&format!("namespace = \"{ns}\"\n"));
    }
    if let Some(v) = &s.serve {
        out.push_str(&format!("\n[serve]\nimage = \"{}\"\n", v.image));
        if let Some(r) = v.runtime {
            out.push_str(&format!("runtime = \"{r}\"\n"));
        }
        if let Some(p) = v.port {
            out.push_str(&format!("port = {p}\n"));
        }
        if let Some((k, val)) = v.env {
            out.push_str(&format!("env = {{ {k} = \"{val}\" }}\n"));
        }
        resources_toml(&mut out, "serve", &v.resources);
        match v.scaling {
            Scaling::Replicas(n) => out.push_str(&format!("\n[serve.scaling]\nreplicas = {n}\n")),
            Scaling::Auto { min, max, target } => out.push_str(&format!(
                "\n[serve.scaling]\nmin = {min}\nmax = {max}\ntarget = {{ cpu = \"{target}\" }}\n"
            )),
        }
        if let Some((surge, unavailable)) = v.rollout {
            out.push_str(&format!(
                "\n[serve.rollout]\nmax_surge = \"{surge}\"\nmax_unavailable = \"{unavailable}\"\n"
            ));
        }
        if let Some(path) = v.readiness {
            out.push_str(&format!("\n[serve.health]\nreadiness = \"{path}\"\n"));
        }
        if let Some((host, tls)) = v.ingress {
            out.push_str(&format!("\n[serve.ingress]\nhost = \"{host}\"\n"));
            if tls {
                out.push_str("tls = { secret = \"model-tls\" }\n");
            }
        }
    }
    if let Some(j) = &s.job {
        out.push_str(&format!(
            "\n[jobs.train]\nimage = \"{}\"\nretries = {}\ndeadline = \"{}\"\nttl = \"{}\"\n",
            j.image, j.retries, j.deadline, j.ttl
        ));
        resources_toml(&mut out, "jobs.train", &j.resources);
    }
    if let Some(c) = &s.schedule {
        out.push_str(&format!(
            "\n[schedules.refresh]\nimage = \"{}\"\ncron = \"{}\"\ndeadline = \"2h\"\n",
            c.image, c.cron
        ));
        if let Some(tz) = c.timezone {
            out.push_str(&format!("timezone = \"{tz}\"\n"));
        }
        if let Some(cc) = c.concurrency {
            out.push_str(&format!("concurrency = \"{cc}\"\n"));
        }
    }
    if s.spread {
        out.push_str("\n[placement]\nspread = \"zone\"\n");
    }
    out.push_str(&format!("\n[overlays.same]\napp.name = \"{}\"\n", s.name));
    if let Some(ns) = s.namespace {
        out.push_str(&format!("app.namespace = \"{ns}\"\n"));
    }
    out
}

/// The YAML bundle of an accepted spec, or `None` when the checks reject it.
fn build(text: &str, env: Option<&str>) -> Option<String> {
    let options = Options {
        env: env.map(str::to_string),
        ..Options::default()
    };
    let out = compile(&SourceFile::new("app.toml", text), &catalog(), &options);
    if let Some(d) = out
        .diagnostics
        .iter()
        .find(|d| d.code.id.starts_with("E030"))
    {
        panic!("an accepted spec failed verification: {d:?}\n{text}");
    }
    if out.diagnostics.has_errors() {
        return None;
    }
    let objects = out.objects;
    for version in KubeVersion::ALL {
        let found = verify::verify_documents(&verify::documents(&objects), version);
        assert!(found.is_empty(), "{version}: {found:?}\n{text}");
    }
    Some(emit::yaml(&objects).expect("accepted objects serialize"))
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn accepted_specs_verify_build_deterministically_and_ignore_a_restating_overlay(s in spec()) {
        let text = toml(&s);
        let first = build(&text, None);
        prop_assert_eq!(&first, &build(&text, None), "two builds differ");
        if let Some(yaml) = first {
            prop_assert_eq!(Some(yaml), build(&text, Some("same")), "a no-op overlay changed the bundle");
        }
    }
}

#[test]
fn the_spec_generator_gets_past_the_checks_often_enough() {
    // The properties above only bite on accepted specs: make sure a fair share are.
    let mut runner = TestRunner::deterministic();
    let strategy = spec();
    let (mut accepted, total) = (0, 200);
    for _ in 0..total {
        let s = strategy
            .new_tree(&mut runner)
            .expect("a generated spec")
            .current();
        let text = toml(&s);
        accepted += usize::from(build(&text, None).is_some());
    }
    assert!(
        accepted >= total / 5,
        "only {accepted} of {total} generated specs were accepted"
    );
}

#[derive(Debug, Clone)]
struct GenNode {
    cpu: i64,
    memory_gi: i64,
    pods: i64,
    gpus: i64,
}

#[derive(Debug, Clone)]
struct GenWorkload {
    replicas: u32,
    cpu_m: i64,
    memory_mi: i64,
    gpus: i64,
    spread: bool,
    anti_affinity: bool,
}

fn gen_node() -> impl Strategy<Value = GenNode> {
    (
        1i64..=16,
        1i64..=64,
        1i64..=20,
        prop_oneof![Just(0i64), 1i64..=4],
    )
        .prop_map(|(cpu, memory_gi, pods, gpus)| GenNode {
            cpu,
            memory_gi,
            pods,
            gpus,
        })
}

fn gen_workload() -> impl Strategy<Value = GenWorkload> {
    (
        0u32..=12,
        0i64..=6000,
        0i64..=16384,
        prop_oneof![3 => Just(0i64), 1 => 1i64..=2],
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(replicas, cpu_m, memory_mi, gpus, spread, anti_affinity)| GenWorkload {
                replicas,
                cpu_m,
                memory_mi,
                gpus,
                spread,
                anti_affinity,
            },
        )
}

fn inventory(nodes: &[GenNode]) -> Inventory {
    let nodes = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let name = format!("node-{i}");
            let mut allocatable = BTreeMap::from([
                ("cpu".to_string(), n.cpu * 1000),
                ("memory".to_string(), n.memory_gi << 30),
                ("pods".to_string(), n.pods),
            ]);
            let mut taints = Vec::new();
            if n.gpus > 0 {
                allocatable.insert("nvidia.com/gpu".into(), n.gpus);
                taints.push(Taint {
                    key: "nvidia.com/gpu".into(),
                    value: String::new(),
                    effect: "NoSchedule".into(),
                });
            }
            Node {
                labels: BTreeMap::from([
                    (HOSTNAME_LABEL.to_string(), name.clone()),
                    (ZONE_LABEL.to_string(), ["a", "b"][i % 2].to_string()),
                ]),
                name,
                taints,
                allocatable,
                unschedulable: false,
                images: Vec::new(),
            }
        })
        .collect();
    Inventory { nodes }
}

fn deployment(i: usize, w: &GenWorkload) -> Value {
    let name = format!("w{i}");
    let mut requests =
        json!({ "cpu": format!("{}m", w.cpu_m), "memory": format!("{}Mi", w.memory_mi) });
    let mut spec = json!({});
    if w.gpus > 0 {
        requests["nvidia.com/gpu"] = json!(w.gpus.to_string());
        spec["tolerations"] = json!([{ "key": "nvidia.com/gpu", "operator": "Exists" }]);
    }
    spec["containers"] = json!([{ "name": "main", "image": "registry.example.com/app:1",
        "resources": { "requests": requests.clone(), "limits": requests } }]);
    if w.spread {
        spec["topologySpreadConstraints"] = json!([{ "maxSkew": 1, "topologyKey": ZONE_LABEL,
            "whenUnsatisfiable": "DoNotSchedule", "labelSelector": { "matchLabels": { "app": name } } }]);
    }
    if w.anti_affinity {
        spec["affinity"] = json!({ "podAntiAffinity": { "requiredDuringSchedulingIgnoredDuringExecution": [
            { "topologyKey": HOSTNAME_LABEL, "labelSelector": { "matchLabels": { "app": name } } }] } });
    }
    json!({ "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": { "name": name, "namespace": "default" },
        "spec": { "replicas": w.replicas, "selector": { "matchLabels": { "app": name } },
            "template": { "metadata": { "labels": { "app": name } }, "spec": spec } } })
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn placement_respects_allocatable_and_its_counts_add_up(
        nodes in prop::collection::vec(gen_node(), 1..=6),
        workloads in prop::collection::vec(gen_workload(), 1..=5),
        binpack in any::<bool>(),
    ) {
        let inv = inventory(&nodes);
        let docs: Vec<Value> = workloads.iter().enumerate().map(|(i, w)| deployment(i, w)).collect();
        let (manifests, diags) = place::manifests_from_json(docs);
        prop_assert!(diags.is_empty(), "{:?}", diags);
        let strategy = if binpack { PlaceStrategy::Binpack } else { PlaceStrategy::Spread };
        let report = place::simulate(&inv, &[], &manifests, &PlaceOptions { strategy, ..Default::default() });

        // At max, what each node holds stays within what it has.
        let mut used: BTreeMap<&str, [i64; 4]> = BTreeMap::new();
        for (w, r) in workloads.iter().zip(&report.workloads) {
            for (node, &n) in &r.assignments {
                let u = used.entry(node.as_str()).or_default();
                let n = i64::from(n);
                u[0] += n * w.cpu_m;
                u[1] += n * (w.memory_mi << 20);
                u[2] += n * w.gpus;
                u[3] += n;
            }
        }
        for node in &inv.nodes {
            let u = used.get(node.name.as_str()).copied().unwrap_or_default();
            let a = |k: &str| node.allocatable.get(k).copied().unwrap_or(0);
            prop_assert!(u[0] <= a("cpu") && u[1] <= a("memory"), "{}: {:?} of {:?}", node.name, u, node.allocatable);
            prop_assert!(u[2] <= a("nvidia.com/gpu") && u[3] <= a("pods"), "{}: {:?} of {:?}", node.name, u, node.allocatable);
        }

        // The counts add up: per workload and in total, at every moment, and they match the
        // JSON report; a workload's max assignments are its max placements.
        for (m, total) in report.moments.iter().enumerate() {
            prop_assert_eq!(total.placed + total.unplaced, total.pods);
            let sum = |f: fn(&place::report::Tally) -> u64| report.workloads.iter().map(|w| f(&w.moments[m])).sum::<u64>();
            prop_assert_eq!(sum(|t| t.pods), total.pods);
            prop_assert_eq!(sum(|t| t.placed), total.placed);
            for w in &report.workloads {
                prop_assert_eq!(w.moments[m].placed + w.moments[m].unplaced, w.moments[m].pods);
            }
        }
        for (w, r) in workloads.iter().zip(&report.workloads) {
            prop_assert_eq!(r.moments[0].pods, u64::from(w.replicas));
            prop_assert_eq!(u64::from(r.assignments.values().sum::<u32>()), r.moments[1].placed);
        }
        let json = report.to_json();
        for (m, name) in ["steady", "max", "surge"].iter().enumerate() {
            let j = &json["moments"][name];
            prop_assert_eq!(j["pods"].as_u64(), Some(report.moments[m].pods));
            prop_assert_eq!(j["placed"].as_u64(), Some(report.moments[m].placed));
            prop_assert_eq!(j["feasible"].as_bool(), Some(report.moments[m].unplaced == 0));
        }
    }
}
