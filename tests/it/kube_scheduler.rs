//! Agreement with the real kube-scheduler. Every case here holds what kube-scheduler v1.35.4
//! (`k8s.io/kubernetes/pkg/scheduler`, default profile, run in-process with client-go's fake
//! clientset, one pod at a time, under four node orders) answered for it: per moment, each
//! distinct outcome — pods, placed, unplaced, and the first unplaced pod's workload and
//! FailedScheduling message. Where it gave more than one, the moment is order-sensitive: the
//! answer depends on which of equally scored nodes the scheduler picks.
//!
//! `tests/place/scheduler/*.json` are random clusters (5–600 nodes; zones, taints, GPUs,
//! selectors, affinities, spread, host ports, images, running pods) with workloads of every
//! kind, in a compact form: node templates (labels and allocatable), tables of taints and
//! images, and one row per node — `[name, template, zone or null, taint indices, cordoned (1),
//! image indices]`, trailing empty fields left out; running pods are the items of a PodList.
//! `tests/place/<case>/scheduler.json` holds the answers for a hand-made case.
//!
//! For every moment, mlspec's answer must be one the scheduler gave; where mlspec reports the
//! moment as order-sensitive (two answers), one of them must be.

use std::path::Path;

use mlspec::inventory;
use mlspec::place::{self, Options, Report};
use mlspec::source::SourceFile;
use mlspec::stdlib::Catalog;
use mlspec::verify::KubeVersion;
use serde_json::{Value, json};

use crate::support::root;

/// The scheduler's words are v1.35's.
const VERSION: KubeVersion = KubeVersion::V1_35;

/// Pods, placed, unplaced, first unplaced workload and message.
type Outcome = (u64, u64, u64, Option<(String, String)>);

fn recorded(o: &Value) -> Outcome {
    let n = |k: &str| o[k].as_u64().expect("a count");
    let first = o.get("first_unplaced").map(|f| {
        (
            f["workload"].as_str().unwrap_or("").to_string(),
            f["message"].as_str().unwrap_or("").to_string(),
        )
    });
    (n("pods"), n("placed"), n("unplaced"), first)
}

fn ours(report: &Report, k: usize) -> Vec<Outcome> {
    let json = report.to_json();
    let m = &json["moments"][place::report::MOMENTS[k]];
    let mut out = vec![recorded(m)];
    for o in m["ties"]["outcomes"].as_array().into_iter().flatten() {
        let o = recorded(o);
        if !out.contains(&o) {
            out.push(o);
        }
    }
    out
}

/// How mlspec's report compares with the recorded answers, moment by moment.
#[derive(Debug, Default)]
struct Agreement {
    moments: usize,
    /// No answer of mlspec's is one the scheduler gave.
    differ: Vec<String>,
    /// The scheduler gave several answers.
    sensitive: usize,
    /// … and mlspec reports the moment as order-sensitive.
    flagged: usize,
}

impl Agreement {
    fn check(&mut self, name: &str, report: &Report, moments: &Value) {
        for k in 0..3 {
            let moment = place::report::MOMENTS[k];
            let theirs: Vec<Outcome> = moments[moment]
                .as_array()
                .unwrap_or_else(|| panic!("{name}: no {moment}"))
                .iter()
                .map(recorded)
                .collect();
            let ours = ours(report, k);
            self.moments += 1;
            if !ours.iter().any(|o| theirs.contains(o)) {
                self.differ.push(format!(
                    "{name} {moment}: mlspec {ours:?}, kube-scheduler {theirs:?}"
                ));
            }
            if theirs.len() > 1 {
                self.sensitive += 1;
                self.flagged += usize::from(ours.len() > 1);
            }
        }
    }
}

fn options() -> Options {
    Options {
        k8s_version: VERSION,
        ..Default::default()
    }
}

/// A compact case's nodes as `kubectl get nodes -o json` prints them.
fn node_list(case: &Value) -> String {
    let table = |k: &str| case[k].as_array().cloned().unwrap_or_default();
    let (templates, taints, images) = (table("node_templates"), table("taints"), table("images"));
    let pick = |list: &[Value], indices: &Value| -> Vec<Value> {
        indices
            .as_array()
            .into_iter()
            .flatten()
            .map(|i| list[i.as_u64().unwrap_or(0) as usize].clone())
            .collect()
    };
    let items: Vec<Value> = case["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|row| {
            let (name, zone) = (&row[0], &row[2]);
            let t = &templates[row[1].as_u64().unwrap_or(0) as usize];
            let mut labels = t["labels"].clone();
            labels["kubernetes.io/hostname"] = name.clone();
            if !zone.is_null() {
                labels["topology.kubernetes.io/zone"] = zone.clone();
            }
            let mut spec = json!({});
            let node_taints = pick(&taints, &row[3]);
            if !node_taints.is_empty() {
                spec["taints"] = Value::from(node_taints);
            }
            if row[4].as_u64() == Some(1) {
                spec["unschedulable"] = true.into();
            }
            let mut status = json!({ "allocatable": t["allocatable"] });
            let node_images = pick(&images, &row[5]);
            if !node_images.is_empty() {
                status["images"] = Value::from(node_images);
            }
            json!({ "apiVersion": "v1", "kind": "Node",
                "metadata": { "name": name, "labels": labels }, "spec": spec, "status": status })
        })
        .collect();
    json!({ "apiVersion": "v1", "kind": "List", "items": items }).to_string()
}

fn simulate_case(case: &Value) -> Report {
    let (inv, diags) = inventory::parse(
        &SourceFile::new("nodes.json", node_list(case)),
        &Catalog::builtin().unwrap(),
    );
    assert!(!diags.has_errors(), "{diags:?}");
    let pods = json!({ "apiVersion": "v1", "kind": "PodList", "items": case.get("pods").cloned().unwrap_or(json!([])) });
    let (existing, diags) =
        inventory::parse_existing(&SourceFile::new("pods.json", pods.to_string()));
    assert!(!diags.has_errors(), "{diags:?}");
    let manifests = case["manifests"].as_array().cloned().unwrap_or_default();
    let (manifests, diags) = place::manifests_from_json(manifests);
    assert!(!diags.has_errors(), "{diags:?}");
    place::simulate(&inv.unwrap(), &existing, &manifests, &options())
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn random_clusters_agree_with_kube_scheduler() {
    let dir = root().join("tests/place/scheduler");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/place/scheduler")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    let mut agreement = Agreement::default();
    for path in &paths {
        let case = read_json(path);
        let name = path.file_stem().unwrap().to_string_lossy();
        agreement.check(&name, &simulate_case(&case), &case["moments"]);
    }
    assert!(paths.len() >= 250, "only {} cases", paths.len());
    assert!(agreement.differ.is_empty(), "{:#?}", agreement.differ);
    assert!(
        agreement.flagged * 2 >= agreement.sensitive,
        "{agreement:?}: most order-sensitive moments are reported as such"
    );
}

#[test]
fn hand_made_cases_agree_with_kube_scheduler() {
    let dir = root().join("tests/place");
    let mut agreement = Agreement::default();
    let mut cases = 0;
    for entry in std::fs::read_dir(&dir)
        .expect("tests/place")
        .filter_map(Result::ok)
    {
        let path = entry.path().join("scheduler.json");
        if !path.exists() {
            continue;
        }
        let recorded = read_json(&path);
        let report = crate::place::report_at(&entry.path(), VERSION);
        agreement.check(
            &entry.file_name().to_string_lossy(),
            &report,
            &recorded["moments"],
        );
        cases += 1;
    }
    assert!(cases >= 100, "only {cases} cases");
    assert!(agreement.differ.is_empty(), "{:#?}", agreement.differ);
}
