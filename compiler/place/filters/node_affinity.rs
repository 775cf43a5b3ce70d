//! NodeAffinity: every `nodeSelector` pair must match, and one of the required node affinity
//! terms (ORed; expressions in a term ANDed; an empty term matches nothing).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{NodeSelectorRequirement, NodeSelectorTerm};

use crate::inventory::{HOSTNAME_LABEL, Node};

use super::super::pod::PodShape;

pub const REASON: &str = "node(s) didn't match Pod's node affinity/selector";

/// One requirement against a map of values (labels, or `metadata.name` for matchFields).
fn requirement(r: &NodeSelectorRequirement, get: impl Fn(&str) -> Option<String>) -> bool {
    let values = r.values.as_deref().unwrap_or_default();
    let got = get(&r.key);
    let int = |s: &str| s.parse::<i64>().ok();
    match r.operator.as_str() {
        "In" => got.is_some_and(|g| values.contains(&g)),
        "NotIn" => got.is_none_or(|g| !values.contains(&g)),
        "Exists" => got.is_some(),
        "DoesNotExist" => got.is_none(),
        "Gt" | "Lt" => {
            let (Some(have), [want]) = (got.as_deref().and_then(int), values) else {
                return false;
            };
            let Some(want) = int(want) else { return false };
            if r.operator == "Gt" {
                have > want
            } else {
                have < want
            }
        }
        _ => false,
    }
}

fn term(t: &NodeSelectorTerm, node: &Node) -> bool {
    let exprs = t.match_expressions.as_deref().unwrap_or_default();
    let fields = t.match_fields.as_deref().unwrap_or_default();
    if exprs.is_empty() && fields.is_empty() {
        return false;
    }
    exprs
        .iter()
        .all(|r| requirement(r, |k| node.labels.get(k).cloned()))
        && fields
            .iter()
            .all(|r| requirement(r, |k| (k == "metadata.name").then(|| node.name.clone())))
}

/// Whether the node matches the pod's nodeSelector and required node affinity.
pub fn matches(
    node: &Node,
    selector: &BTreeMap<String, String>,
    terms: Option<&Vec<NodeSelectorTerm>>,
) -> bool {
    selector.iter().all(|(k, v)| node.labels.get(k) == Some(v))
        && terms.is_none_or(|terms| terms.iter().any(|t| term(t, node)))
}

pub fn filter(node: &Node, pod: &PodShape) -> Option<&'static str> {
    (!matches(node, &pod.node_selector, pod.node_affinity.as_ref())).then_some(REASON)
}

/// Whether the pod's node constraints can tell apart nodes that differ only in name and
/// hostname label; if not, nodes of one class share every static filter result.
pub fn names_nodes(pod: &PodShape) -> bool {
    pod.node_name.is_some()
        || pod.node_selector.contains_key(HOSTNAME_LABEL)
        || pod.node_affinity.iter().flatten().any(|t| {
            t.match_fields.as_ref().is_some_and(|f| !f.is_empty())
                || t.match_expressions
                    .iter()
                    .flatten()
                    .any(|e| e.key == HOSTNAME_LABEL)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(labels: &[(&str, &str)]) -> Node {
        Node {
            name: "node-1".into(),
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            taints: vec![],
            allocatable: Default::default(),
            unschedulable: false,
        }
    }

    fn req(key: &str, op: &str, values: &[&str]) -> NodeSelectorRequirement {
        NodeSelectorRequirement {
            key: key.into(),
            operator: op.into(),
            values: Some(values.iter().map(|s| s.to_string()).collect()),
        }
    }

    fn terms(reqs: Vec<NodeSelectorRequirement>) -> Option<Vec<NodeSelectorTerm>> {
        Some(vec![NodeSelectorTerm {
            match_expressions: Some(reqs),
            match_fields: None,
        }])
    }

    #[test]
    fn operators_follow_the_api() {
        let n = node(&[("foo", "bar"), ("gpus", "4")]);
        let none = BTreeMap::new();
        let check = |r: Vec<NodeSelectorRequirement>| matches(&n, &none, terms(r).as_ref());
        assert!(check(vec![req("foo", "In", &["bar", "baz"])]));
        assert!(!check(vec![req("foo", "NotIn", &["bar"])]));
        assert!(check(vec![req("missing", "NotIn", &["bar"])]));
        assert!(check(vec![req("missing", "DoesNotExist", &[])]));
        assert!(check(vec![req("gpus", "Gt", &["3"])]));
        assert!(!check(vec![req("gpus", "Lt", &["4"])]));
        assert!(!check(vec![req("foo", "Gt", &["1"])]));
        assert!(!check(vec![req("gpus", "Gt", &["1", "2"])]));
        assert!(!matches(
            &n,
            &none,
            Some(&vec![NodeSelectorTerm::default()])
        ));
    }

    #[test]
    fn selector_and_fields_must_match() {
        let n = node(&[("zone", "a")]);
        let sel: BTreeMap<String, String> = [("zone".to_string(), "b".to_string())].into();
        assert!(!matches(&n, &sel, None));
        let fields = Some(vec![NodeSelectorTerm {
            match_expressions: None,
            match_fields: Some(vec![req("metadata.name", "In", &["node-1"])]),
        }]);
        assert!(matches(&n, &BTreeMap::new(), fields.as_ref()));
    }
}
