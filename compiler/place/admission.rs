//! What the API server does to a pod before kube-scheduler sees it: the v1 defaults that matter
//! for scheduling (a limit without a request becomes the request, in `pod::container_requests`),
//! the RuntimeClass admission plugin (the class's overhead and its scheduling node selector and
//! tolerations), DefaultTolerationSeconds (the not-ready and unreachable `NoExecute`
//! tolerations, 300 s), and `matchLabelKeys`/`mismatchLabelKeys` of pod (anti-)affinity terms
//! merged into their label selectors.
//!
//! Pods already running (`--existing`) were admitted when they were created: they are read as
//! they are.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{PodAffinityTerm, PodSpec, Toleration, WeightedPodAffinityTerm};
use k8s_openapi::api::node::v1::RuntimeClass;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelectorRequirement;

/// The taints DefaultTolerationSeconds gives every pod a toleration for.
pub const NOT_READY: &str = "node.kubernetes.io/not-ready";
pub const UNREACHABLE: &str = "node.kubernetes.io/unreachable";
/// How long those tolerations last.
pub const DEFAULT_TOLERATION_SECONDS: i64 = 300;

/// Admit a pod with these labels: what `kubectl apply` of its controller would leave in the
/// pod the scheduler reads.
pub fn admit(
    spec: &mut PodSpec,
    labels: &BTreeMap<String, String>,
    runtime_classes: &BTreeMap<String, RuntimeClass>,
) {
    if let Some(rc) = spec
        .runtime_class_name
        .as_ref()
        .and_then(|n| runtime_classes.get(n))
    {
        runtime_class(spec, rc);
    }
    default_toleration_seconds(&mut spec.tolerations);
    if let Some(affinity) = spec.affinity.as_mut() {
        // Required and preferred terms alike, of affinity and anti-affinity.
        let merge = |required: Option<&mut Vec<PodAffinityTerm>>,
                     preferred: Option<&mut Vec<WeightedPodAffinityTerm>>| {
            let preferred = preferred.into_iter().flatten();
            let terms = required
                .into_iter()
                .flatten()
                .chain(preferred.map(|w| &mut w.pod_affinity_term));
            for t in terms {
                merge_label_keys(t, labels);
            }
        };
        if let Some(a) = affinity.pod_affinity.as_mut() {
            merge(
                a.required_during_scheduling_ignored_during_execution
                    .as_mut(),
                a.preferred_during_scheduling_ignored_during_execution
                    .as_mut(),
            );
        }
        if let Some(a) = affinity.pod_anti_affinity.as_mut() {
            merge(
                a.required_during_scheduling_ignored_during_execution
                    .as_mut(),
                a.preferred_during_scheduling_ignored_during_execution
                    .as_mut(),
            );
        }
    }
}

/// The RuntimeClass admission plugin: `spec.overhead` from the class (unless the pod sets it),
/// the class's `scheduling.nodeSelector` merged into the pod's and its tolerations added unless
/// the pod has an equal one.
fn runtime_class(spec: &mut PodSpec, rc: &RuntimeClass) {
    if spec.overhead.is_none() {
        spec.overhead = rc.overhead.as_ref().and_then(|o| o.pod_fixed.clone());
    }
    let Some(scheduling) = &rc.scheduling else {
        return;
    };
    for (k, v) in scheduling.node_selector.iter().flatten() {
        spec.node_selector
            .get_or_insert_with(BTreeMap::new)
            .insert(k.clone(), v.clone());
    }
    for t in scheduling.tolerations.iter().flatten() {
        let have = spec.tolerations.get_or_insert_with(Vec::new);
        if !have.iter().any(|h| same_toleration(h, t)) {
            have.push(t.clone());
        }
    }
}

/// MatchToleration: key, operator, value and effect equal (an unset operator is `Equal`).
fn same_toleration(a: &Toleration, b: &Toleration) -> bool {
    let op = |t: &Toleration| t.operator.clone().unwrap_or_else(|| "Equal".into());
    a.key == b.key && op(a) == op(b) && a.value == b.value && a.effect == b.effect
}

/// DefaultTolerationSeconds: a pod without a toleration that covers the not-ready (or
/// unreachable) `NoExecute` taint gets one for 300 s. A toleration covers it when its key is
/// that key or empty and its effect is `NoExecute` or empty.
fn default_toleration_seconds(tolerations: &mut Option<Vec<Toleration>>) {
    let list = tolerations.get_or_insert_with(Vec::new);
    let covers = |key: &str| {
        list.iter().any(|t| {
            let k = t.key.as_deref().unwrap_or("");
            let e = t.effect.as_deref().unwrap_or("");
            (k == key || k.is_empty()) && (e == "NoExecute" || e.is_empty())
        })
    };
    let missing: Vec<&str> = [NOT_READY, UNREACHABLE]
        .into_iter()
        .filter(|k| !covers(k))
        .collect();
    for key in missing {
        list.push(Toleration {
            key: Some(key.into()),
            operator: Some("Exists".into()),
            effect: Some("NoExecute".into()),
            toleration_seconds: Some(DEFAULT_TOLERATION_SECONDS),
            value: None,
        });
    }
}

/// The API server's merge of `matchLabelKeys` (`key In [the pod's value]`) and
/// `mismatchLabelKeys` (`key NotIn [value]`) into a term's label selector; a nil selector stays
/// nil (it matches nothing either way) and keys the pod lacks are skipped.
fn merge_label_keys(term: &mut PodAffinityTerm, labels: &BTreeMap<String, String>) {
    let Some(selector) = term.label_selector.as_mut() else {
        return;
    };
    for (keys, operator) in [
        (&term.match_label_keys, "In"),
        (&term.mismatch_label_keys, "NotIn"),
    ] {
        for key in keys.iter().flatten() {
            if let Some(value) = labels.get(key) {
                selector
                    .match_expressions
                    .get_or_insert_with(Vec::new)
                    .push(LabelSelectorRequirement {
                        key: key.clone(),
                        operator: operator.into(),
                        values: Some(vec![value.clone()]),
                    });
            }
        }
    }
    term.match_label_keys = None;
    term.mismatch_label_keys = None;
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

    fn tol(key: &str, effect: &str) -> Toleration {
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
        Toleration {
            key: opt(key),
            effect: opt(effect),
            operator: Some("Exists".into()),
            ..Default::default()
        }
    }

    fn keys(spec: &PodSpec) -> Vec<String> {
        spec.tolerations
            .iter()
            .flatten()
            .map(|t| t.key.clone().unwrap_or_default())
            .collect()
    }

    #[test]
    fn every_pod_tolerates_not_ready_and_unreachable_for_300_s() {
        let mut spec = PodSpec::default();
        admit(&mut spec, &BTreeMap::new(), &BTreeMap::new());
        assert_eq!(keys(&spec), [NOT_READY, UNREACHABLE]);
        let t = &spec.tolerations.as_ref().unwrap()[0];
        assert_eq!(t.toleration_seconds, Some(300));
        assert_eq!(t.effect.as_deref(), Some("NoExecute"));
        // A key-less NoExecute toleration covers both; one for not-ready only covers that.
        let mut spec = PodSpec {
            tolerations: Some(vec![tol("", "NoExecute")]),
            ..Default::default()
        };
        admit(&mut spec, &BTreeMap::new(), &BTreeMap::new());
        assert_eq!(keys(&spec), [""]);
        let mut spec = PodSpec {
            tolerations: Some(vec![tol(NOT_READY, "")]),
            ..Default::default()
        };
        admit(&mut spec, &BTreeMap::new(), &BTreeMap::new());
        assert_eq!(keys(&spec), [NOT_READY, UNREACHABLE]);
        // A NoSchedule toleration of not-ready does not cover the NoExecute taint.
        let mut spec = PodSpec {
            tolerations: Some(vec![tol(NOT_READY, "NoSchedule")]),
            ..Default::default()
        };
        admit(&mut spec, &BTreeMap::new(), &BTreeMap::new());
        assert_eq!(keys(&spec), [NOT_READY, NOT_READY, UNREACHABLE]);
    }

    #[test]
    fn label_keys_become_requirements() {
        let labels = BTreeMap::from([
            ("app".to_string(), "web".to_string()),
            ("pod-template-hash".to_string(), "abc".to_string()),
        ]);
        let mut term = PodAffinityTerm {
            label_selector: Some(LabelSelector::default()),
            match_label_keys: Some(vec!["pod-template-hash".into(), "absent".into()]),
            mismatch_label_keys: Some(vec!["app".into()]),
            topology_key: "zone".into(),
            ..Default::default()
        };
        merge_label_keys(&mut term, &labels);
        let exprs = term.label_selector.unwrap().match_expressions.unwrap();
        assert_eq!(exprs.len(), 2);
        assert_eq!(
            (exprs[0].key.as_str(), exprs[0].operator.as_str()),
            ("pod-template-hash", "In")
        );
        assert_eq!(
            (exprs[1].key.as_str(), exprs[1].operator.as_str()),
            ("app", "NotIn")
        );
        let mut nil = PodAffinityTerm {
            match_label_keys: Some(vec!["app".into()]),
            ..Default::default()
        };
        merge_label_keys(&mut nil, &labels);
        assert!(nil.label_selector.is_none());
    }
}
