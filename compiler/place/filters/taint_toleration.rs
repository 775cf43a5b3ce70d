//! TaintToleration: every `NoSchedule`/`NoExecute` taint of the node must be tolerated. Up to
//! 1.34 the reason names the first untolerated taint in node order; from 1.35 it is generic
//! (kubernetes/kubernetes#134740), and the taint is named only in the scheduler's log.

use k8s_openapi::api::core::v1::Toleration;

use crate::inventory::{Node, Taint};
use crate::verify::KubeVersion;

use super::super::pod::PodShape;

/// The reason since 1.35.
pub const GENERIC: &str = "node(s) had untolerated taint(s)";

/// The reason `version`'s scheduler gives for this taint.
pub fn reason(taint: &Taint, version: KubeVersion) -> String {
    if version >= KubeVersion::V1_35 {
        GENERIC.to_string()
    } else {
        format!(
            "node(s) had untolerated taint {{{}: {}}}",
            taint.key, taint.value
        )
    }
}

/// ToleratesTaint: effect empty or equal, key empty (with Exists) or equal, Exists or equal values.
pub fn tolerates(t: &Toleration, taint: &Taint) -> bool {
    if let Some(effect) = t.effect.as_deref().filter(|e| !e.is_empty())
        && effect != taint.effect
    {
        return false;
    }
    let key = t.key.as_deref().unwrap_or("");
    let op = t.operator.as_deref().unwrap_or("Equal");
    if key.is_empty() {
        return op == "Exists";
    }
    if key != taint.key {
        return false;
    }
    match op {
        "Exists" => true,
        "Equal" | "" => t.value.as_deref().unwrap_or("") == taint.value,
        _ => false,
    }
}

pub fn first_untolerated<'a>(node: &'a Node, pod: &PodShape) -> Option<&'a Taint> {
    node.taints.iter().find(|taint| {
        (taint.effect == "NoSchedule" || taint.effect == "NoExecute")
            && !pod.tolerations.iter().any(|t| tolerates(t, taint))
    })
}

pub fn filter(node: &Node, pod: &PodShape, version: KubeVersion) -> Option<String> {
    first_untolerated(node, pod).map(|t| reason(t, version))
}

/// TaintToleration's score: how many `PreferNoSchedule` taints of the node none of the pod's
/// tolerations with an empty or `PreferNoSchedule` effect tolerates.
pub fn intolerable_preferences(node: &Node, pod: &PodShape) -> i64 {
    let soft = || {
        pod.tolerations.iter().filter(|t| {
            t.effect
                .as_deref()
                .is_none_or(|e| e.is_empty() || e == "PreferNoSchedule")
        })
    };
    let n = node
        .taints
        .iter()
        .filter(|taint| taint.effect == "PreferNoSchedule" && !soft().any(|t| tolerates(t, taint)))
        .count();
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn taint(key: &str, value: &str, effect: &str) -> Taint {
        Taint {
            key: key.into(),
            value: value.into(),
            effect: effect.into(),
        }
    }

    fn tol(key: &str, op: &str, value: &str, effect: &str) -> Toleration {
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
        Toleration {
            key: opt(key),
            operator: opt(op),
            value: opt(value),
            effect: opt(effect),
            ..Default::default()
        }
    }

    #[test]
    fn tolerations_match_like_the_api() {
        let t = taint("dedicated", "user1", "NoSchedule");
        assert!(tolerates(
            &tol("dedicated", "Equal", "user1", "NoSchedule"),
            &t
        ));
        assert!(tolerates(&tol("dedicated", "", "user1", ""), &t));
        assert!(!tolerates(
            &tol("dedicated", "Equal", "user2", "NoSchedule"),
            &t
        ));
        assert!(tolerates(&tol("dedicated", "Exists", "", "NoSchedule"), &t));
        assert!(!tolerates(&tol("dedicated", "Exists", "", "NoExecute"), &t));
        assert!(tolerates(&tol("", "Exists", "", ""), &t));
        assert!(!tolerates(&tol("", "Equal", "", ""), &t));
    }

    #[test]
    fn prefer_no_schedule_does_not_filter_and_the_first_taint_is_named() {
        let node = Node {
            name: "n".into(),
            labels: Default::default(),
            taints: vec![
                taint("soft", "", "PreferNoSchedule"),
                taint("nvidia.com/gpu", "", "NoSchedule"),
                taint("b", "x", "NoExecute"),
            ],
            allocatable: Default::default(),
            unschedulable: false,
            images: Vec::new(),
        };
        let mut pod = PodShape::default();
        let old = KubeVersion::V1_34;
        assert_eq!(
            filter(&node, &pod, old).as_deref(),
            Some("node(s) had untolerated taint {nvidia.com/gpu: }")
        );
        assert_eq!(
            filter(&node, &pod, KubeVersion::V1_35).as_deref(),
            Some(GENERIC)
        );
        pod.tolerations = vec![tol("nvidia.com/gpu", "Exists", "", "NoSchedule")];
        assert_eq!(
            filter(&node, &pod, old).as_deref(),
            Some("node(s) had untolerated taint {b: x}")
        );
        assert_eq!(intolerable_preferences(&node, &pod), 1);
        pod.tolerations.push(tol("soft", "Exists", "", ""));
        assert_eq!(intolerable_preferences(&node, &pod), 0);
        pod.tolerations = vec![tol("soft", "Exists", "", "NoSchedule")];
        assert_eq!(intolerable_preferences(&node, &pod), 1);
    }
}
