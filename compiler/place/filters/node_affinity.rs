//! NodeAffinity: every `nodeSelector` pair must match, and one of the required node affinity
//! terms (ORed; expressions in a term ANDed; an empty term matches nothing). Its PreFilter keeps
//! only the nodes that `matchFields` `metadata.name In` lists name, when every term has such a
//! list; its score sums the weights of the preferred terms a node matches.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{NodeSelectorRequirement, NodeSelectorTerm};

use crate::inventory::{HOSTNAME_LABEL, Node};

use super::super::pod::PodShape;

pub const REASON: &str = "node(s) didn't match Pod's node affinity/selector";
/// How a node the PreFilter left out is counted.
pub const NOT_NAMED: &str = "node(s) didn't satisfy plugin(s) [NodeAffinity]";
/// The PreFilter's rejection when the terms name no node in common.
pub const CONFLICT: &str = "pod affinity terms conflict";

/// What the PreFilter leaves to the filters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PreFilter {
    All,
    /// Only the nodes of these names.
    Named(BTreeSet<String>),
    /// No node: the terms' name lists have nothing in common.
    Conflict,
}

/// Each term's `metadata.name In` lists intersected, then the terms' sets united; a term without
/// one lets every node through.
pub fn pre_filter(pod: &PodShape) -> PreFilter {
    let Some(terms) = pod.node_affinity.as_ref().filter(|t| !t.is_empty()) else {
        return PreFilter::All;
    };
    let mut names = BTreeSet::new();
    for t in terms {
        let mut term_names: Option<BTreeSet<String>> = None;
        for r in t.match_fields.iter().flatten() {
            if r.key == "metadata.name" && r.operator == "In" {
                let set: BTreeSet<String> = r.values.iter().flatten().cloned().collect();
                term_names = Some(match term_names {
                    Some(have) => have.intersection(&set).cloned().collect(),
                    None => set,
                });
            }
        }
        match term_names {
            Some(set) => names.extend(set),
            None => return PreFilter::All,
        }
    }
    if names.is_empty() {
        PreFilter::Conflict
    } else {
        PreFilter::Named(names)
    }
}

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

pub fn term(t: &NodeSelectorTerm, node: &Node) -> bool {
    let exprs = t.match_expressions.as_deref().unwrap_or_default();
    let fields = t.match_fields.as_deref().unwrap_or_default();
    if exprs.is_empty() && fields.is_empty() {
        return false;
    }
    exprs
        .iter()
        .all(|r| requirement(r, |k| node.labels.get(k).cloned()))
        && fields.iter().all(|r| {
            // A field requirement is `In` or `NotIn` with exactly one value; any other does not
            // parse, and its term matches no node.
            matches!(r.operator.as_str(), "In" | "NotIn")
                && r.values.as_ref().is_some_and(|v| v.len() == 1)
                && requirement(r, |k| (k == "metadata.name").then(|| node.name.clone()))
        })
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

/// NodeAffinity's score before normalising: the weights of the preferred terms the node matches.
pub fn preferred(node: &Node, pod: &PodShape) -> i64 {
    pod.preferred_node_affinity
        .iter()
        .filter(|(_, t)| term(t, node))
        .map(|(w, _)| w)
        .sum()
}

/// Whether the pod's node constraints can tell apart nodes that differ only in name and
/// hostname label; if not, nodes of one class share every static filter result.
pub fn names_nodes(pod: &PodShape) -> bool {
    let names = |t: &NodeSelectorTerm| {
        t.match_fields.as_ref().is_some_and(|f| !f.is_empty())
            || t.match_expressions
                .iter()
                .flatten()
                .any(|e| e.key == HOSTNAME_LABEL)
    };
    pod.node_name.is_some()
        || pod.node_selector.contains_key(HOSTNAME_LABEL)
        || pod.node_affinity.iter().flatten().any(names)
        || pod.preferred_node_affinity.iter().any(|(_, t)| names(t))
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
            images: Vec::new(),
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

    #[test]
    fn the_pre_filter_keeps_the_named_nodes_of_every_term() {
        let named = |lists: &[&[&str]]| {
            let terms = lists
                .iter()
                .map(|names| NodeSelectorTerm {
                    match_expressions: None,
                    match_fields: Some(vec![req("metadata.name", "In", names)]),
                })
                .collect();
            pre_filter(&PodShape {
                node_affinity: Some(terms),
                ..Default::default()
            })
        };
        let set = |names: &[&str]| names.iter().map(|s| s.to_string()).collect();
        assert_eq!(
            named(&[&["a", "b"], &["c"]]),
            PreFilter::Named(set(&["a", "b", "c"]))
        );
        let both = NodeSelectorTerm {
            match_expressions: None,
            match_fields: Some(vec![
                req("metadata.name", "In", &["a"]),
                req("metadata.name", "In", &["b"]),
            ]),
        };
        let pod = PodShape {
            node_affinity: Some(vec![both]),
            ..Default::default()
        };
        assert_eq!(pre_filter(&pod), PreFilter::Conflict);
        assert_eq!(pre_filter(&PodShape::default()), PreFilter::All);
        let mixed = PodShape {
            node_affinity: terms(vec![req("zone", "In", &["a"])]),
            ..Default::default()
        };
        assert_eq!(pre_filter(&mixed), PreFilter::All);
    }
}
