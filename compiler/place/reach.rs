//! Whether a pod's node selector (and required node affinity) matches any node of an inventory at
//! all, before any question of room: a selector no node carries leaves every replica Pending
//! whatever the cluster's size. When none matches, `miss` says which of the selector's labels no
//! node carries and which nodes come closest, for W0080 — raised on a spec's values by `validate`
//! and on a manifest's `nodeSelector` by the CLI (`documents`).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::NodeSelectorTerm;
use serde_json::Value;

use super::filters::node_affinity;
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::inventory::{HOSTNAME_LABEL, Inventory, Node};
use crate::source::SourceFile;

/// How many of the closest nodes a report names.
const NAMED: usize = 3;

/// A selector that matches no node of the inventory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Miss {
    /// `key=value` pairs of the selector no node carries at all.
    pub nowhere: Vec<(String, String)>,
    /// The closest nodes (the most pairs matched), by name, at most `NAMED`.
    pub closest: Vec<String>,
    /// How many nodes are that close.
    pub close: usize,
    /// What the closest nodes have instead of each pair they miss: the key, the value wanted, and
    /// theirs (`None`: they lack the label).
    pub instead: Vec<(String, String, Option<String>)>,
    /// The selector's pairs all match some node, but the required node affinity matches none.
    pub affinity: bool,
}

impl Miss {
    /// `a`, `b` and 3 more nodes.
    pub fn closest_names(&self) -> String {
        let names: Vec<String> = self.closest.iter().map(|n| format!("`{n}`")).collect();
        let more = self.close.saturating_sub(self.closest.len());
        match more {
            0 => names.join(", "),
            n => format!("{} and {n} more", names.join(", ")),
        }
    }

    /// What the closest nodes carry instead: "`k=theirs`, not `k=wanted`", or "no `k`".
    pub fn differences(&self) -> String {
        self.instead
            .iter()
            .map(|(k, want, have)| match have {
                Some(h) => format!("`{k}={h}`, not `{want}`"),
                None => format!("no `{k}` label"),
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// W0080's message about `who` (`serve`, `Deployment/ml/chat`) and its `selector`.
    pub fn message(&self, who: &str, selector: &BTreeMap<String, String>) -> String {
        let pairs = |ps: &mut dyn Iterator<Item = (&String, &String)>| {
            ps.map(|(k, v)| format!("`{k}={v}`"))
                .collect::<Vec<_>>()
                .join(" and ")
        };
        if self.affinity {
            format!("the required node affinity of `{who}` matches no node of the inventory")
        } else if self.nowhere.is_empty() {
            format!(
                "`{who}` selects nodes labelled {}, and no node of the inventory carries them all",
                pairs(&mut selector.iter())
            )
        } else {
            format!(
                "`{who}` selects nodes labelled {}, which no node of the inventory carries",
                pairs(&mut self.nowhere.iter().map(|(k, v)| (k, v)))
            )
        }
    }

    /// W0080's help: the closest nodes and what they have instead.
    pub fn help(&self) -> String {
        let instead = if self.instead.is_empty() {
            "every label it selects".to_string()
        } else {
            self.differences()
        };
        format!(
            "the closest nodes, {}, have {instead}: select the labels your nodes carry (another `provider`, accelerator or pool), or update the inventory",
            self.closest_names()
        )
    }

    /// The selector pairs to point at: those no node has, else those the closest nodes miss.
    pub fn keys(&self) -> Vec<&str> {
        if self.nowhere.is_empty() {
            self.instead.iter().map(|(k, _, _)| k.as_str()).collect()
        } else {
            self.nowhere.iter().map(|(k, _)| k.as_str()).collect()
        }
    }
}

/// `None` when some node matches the selector and terms (or the inventory has no nodes, or the pod
/// names its node); else what is missing and which nodes come closest: those that match the most
/// of the selector's labels and, among them, offer the extended `resources` the pod asks for.
pub fn miss(
    inv: &Inventory,
    selector: &BTreeMap<String, String>,
    terms: Option<&Vec<NodeSelectorTerm>>,
    resources: &[String],
) -> Option<Miss> {
    if inv.nodes.is_empty()
        || selector.contains_key(HOSTNAME_LABEL)
        || inv
            .nodes
            .iter()
            .any(|n| node_affinity::matches(n, selector, terms))
    {
        return None;
    }
    let has = |n: &Node, k: &String, v: &String| n.labels.get(k) == Some(v);
    let nowhere: Vec<(String, String)> = selector
        .iter()
        .filter(|(k, v)| !inv.nodes.iter().any(|n| has(n, k, v)))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let score = |n: &Node| {
        let labels = selector.iter().filter(|(k, v)| has(n, k, v)).count();
        let offers = resources
            .iter()
            .all(|r| n.allocatable.get(r).is_some_and(|q| *q > 0));
        (labels, offers)
    };
    let best = inv.nodes.iter().map(score).max().unwrap_or((0, false));
    let closest: Vec<&Node> = inv.nodes.iter().filter(|n| score(n) == best).collect();
    // The first of the closest nodes speaks for them: nodes of a pool differ only in name.
    let instead = closest
        .first()
        .map(|n| {
            selector
                .iter()
                .filter(|(k, v)| !has(n, k, v))
                .map(|(k, v)| (k.clone(), v.clone(), n.labels.get(k).cloned()))
                .collect()
        })
        .unwrap_or_default();
    Some(Miss {
        affinity: best.0 == selector.len(),
        nowhere,
        close: closest.len(),
        closest: closest.iter().take(NAMED).map(|n| n.name.clone()).collect(),
        instead,
    })
}

/// The pod specs of a Kubernetes object, as JSON pointers: its pod template, a CronJob's job's, a
/// JobSet's replicated Jobs', a LeaderWorkerSet's leader's and workers'.
pub fn pod_specs(doc: &Value) -> Vec<String> {
    let kind = doc.get("kind").and_then(Value::as_str).unwrap_or_default();
    match kind {
        "Pod" => vec!["/spec".into()],
        "Deployment" | "StatefulSet" | "ReplicaSet" | "DaemonSet" | "Job" => {
            vec!["/spec/template/spec".into()]
        }
        "CronJob" => vec!["/spec/jobTemplate/spec/template/spec".into()],
        "JobSet" => (0..doc
            .pointer("/spec/replicatedJobs")
            .and_then(Value::as_array)
            .map_or(0, Vec::len))
            .map(|i| format!("/spec/replicatedJobs/{i}/template/spec/template/spec"))
            .collect(),
        "LeaderWorkerSet" => ["leaderTemplate", "workerTemplate"]
            .iter()
            .map(|t| format!("/spec/leaderWorkerTemplate/{t}/spec"))
            .collect(),
        _ => Vec::new(),
    }
}

/// Every pod spec of `doc` whose selector matches no node: the pointer to its `nodeSelector` (or
/// `affinity`) and the miss.
pub fn documents(inv: &Inventory, doc: &Value) -> Vec<(String, Miss)> {
    let mut out = Vec::new();
    for at in pod_specs(doc) {
        let Some(spec) = doc.pointer(&at) else {
            continue;
        };
        let selector: BTreeMap<String, String> = spec
            .get("nodeSelector")
            .and_then(|s| serde_json::from_value(s.clone()).ok())
            .unwrap_or_default();
        let terms: Option<Vec<NodeSelectorTerm>> = spec
            .pointer(
                "/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms",
            )
            .and_then(|t| serde_json::from_value(t.clone()).ok());
        let resources: Vec<String> = spec
            .get("containers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|c| c.pointer("/resources/limits").and_then(Value::as_object))
            .flat_map(|l| l.keys())
            .filter(|r| r.contains('/'))
            .cloned()
            .collect();
        if let Some(m) = miss(inv, &selector, terms.as_ref(), &resources) {
            let field = if m.affinity {
                "affinity"
            } else {
                "nodeSelector"
            };
            out.push((format!("{at}/{field}"), m));
        }
    }
    out
}

/// W0080 for every pod spec of every object of a manifest file, at the `nodeSelector` value it
/// names (else the object). A file that does not parse gives none: reading it reports that.
pub fn manifest_diagnostics(source: &SourceFile, inv: &Inventory) -> Diagnostics {
    let mut out = Diagnostics::default();
    let Ok(docs) = super::manifests::read_documents(source, &codes::E0202) else {
        return out;
    };
    let text = source.text.as_str();
    for (i, doc) in docs.iter().enumerate() {
        let end = docs.get(i + 1).map_or(text.len(), |next| next.span.start);
        let v = &doc.value;
        let s = |p: &str| v.pointer(p).and_then(Value::as_str).unwrap_or_default();
        let ns = Some(s("/metadata/namespace"))
            .filter(|n| !n.is_empty())
            .unwrap_or("default");
        let who = format!("{}/{ns}/{}", s("/kind"), s("/metadata/name"));
        for (pointer, m) in documents(inv, v) {
            let selector: BTreeMap<String, String> = v
                .pointer(&pointer)
                .filter(|_| !m.affinity)
                .and_then(|s| serde_json::from_value(s.clone()).ok())
                .unwrap_or_default();
            let span = m
                .keys()
                .first()
                .and_then(|k| {
                    super::manifests::value_span(text, doc.span.start, end, k, &selector[*k])
                })
                .unwrap_or(doc.span);
            out.push(
                Diagnostic::new(&codes::W0080, m.message(&who, &selector))
                    .at(span, "no node has this")
                    .help(m.help()),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: &str, labels: &[(&str, &str)]) -> Node {
        Node {
            name: name.into(),
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            taints: Vec::new(),
            allocatable: BTreeMap::new(),
            unschedulable: false,
            images: Vec::new(),
        }
    }

    fn selector(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    const PRODUCT: &str = "nvidia.com/gpu.product";

    #[test]
    fn a_selector_some_node_carries_is_no_miss() {
        let inv = Inventory {
            nodes: vec![node("a", &[(PRODUCT, "NVIDIA-L4")])],
        };
        assert_eq!(
            miss(&inv, &selector(&[(PRODUCT, "NVIDIA-L4")]), None, &[]),
            None
        );
        assert_eq!(miss(&inv, &BTreeMap::new(), None, &[]), None);
        assert_eq!(
            miss(&Inventory::default(), &selector(&[("x", "y")]), None, &[]),
            None
        );
    }

    #[test]
    fn a_miss_names_the_labels_no_node_has_and_the_closest_nodes() {
        let inv = Inventory {
            nodes: vec![
                node("cpu-0", &[("pool", "cpu")]),
                node("l4-0", &[("pool", "gpu"), (PRODUCT, "NVIDIA-L4")]),
                node("l4-1", &[("pool", "gpu"), (PRODUCT, "NVIDIA-L4")]),
            ],
        };
        let m = miss(
            &inv,
            &selector(&[("pool", "gpu"), (PRODUCT, "Tesla-T4")]),
            None,
            &[],
        )
        .expect("no node has a T4");
        assert_eq!(m.nowhere, [(PRODUCT.to_string(), "Tesla-T4".to_string())]);
        assert_eq!((m.closest_names().as_str(), m.close), ("`l4-0`, `l4-1`", 2));
        assert_eq!(
            m.differences(),
            "`nvidia.com/gpu.product=NVIDIA-L4`, not `Tesla-T4`"
        );
        assert_eq!(m.keys(), [PRODUCT]);
        // Each pair is on some node, never both on one.
        let m = miss(
            &inv,
            &selector(&[("pool", "cpu"), (PRODUCT, "NVIDIA-L4")]),
            None,
            &[],
        )
        .expect("no node has both");
        assert!(m.nowhere.is_empty());
        assert_eq!(m.close, 3);
        assert!(!m.affinity);
        // Among nodes as close by labels, those with the device the pod asks for are closer.
        let mut gpu = node("l4-2", &[("pool", "gpu")]);
        gpu.allocatable.insert("nvidia.com/gpu".into(), 1);
        let inv = Inventory {
            nodes: vec![node("cpu-0", &[("pool", "cpu")]), gpu],
        };
        let m = miss(
            &inv,
            &selector(&[(PRODUCT, "Tesla-T4")]),
            None,
            &["nvidia.com/gpu".into()],
        )
        .expect("no T4");
        assert_eq!(m.closest, ["l4-2"]);
    }

    #[test]
    fn the_pod_specs_of_every_pod_bearing_kind_are_checked() {
        let inv = Inventory {
            nodes: vec![node("a", &[("pool", "cpu")])],
        };
        let set = serde_json::json!({"kind": "JobSet", "spec": {"replicatedJobs": [
            {"template": {"spec": {"template": {"spec": {"nodeSelector": {"pool": "tpu"}}}}}},
            {"template": {"spec": {"template": {"spec": {"nodeSelector": {"pool": "cpu"}}}}}}]}});
        let found = documents(&inv, &set);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].0,
            "/spec/replicatedJobs/0/template/spec/template/spec/nodeSelector"
        );
        let affinity = serde_json::json!({"kind": "Deployment", "spec": {"template": {"spec": {
            "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [{"matchExpressions": [{"key": "pool", "operator": "In", "values": ["gpu"]}]}]}}}}}}});
        let found = documents(&inv, &affinity);
        assert_eq!(found[0].0, "/spec/template/spec/affinity");
        assert!(found[0].1.affinity);
        let service = serde_json::json!({"kind": "Service", "spec": {"selector": {"pool": "x"}}});
        assert!(documents(&inv, &service).is_empty());
    }
}
