//! NodeUnschedulable: a cordoned node takes only pods that tolerate
//! `node.kubernetes.io/unschedulable:NoSchedule`.

use crate::inventory::{Node, Taint};

use super::super::pod::PodShape;
use super::taint_toleration::tolerates;

pub const REASON: &str = "node(s) were unschedulable";

pub fn filter(node: &Node, pod: &PodShape) -> Option<&'static str> {
    if !node.unschedulable {
        return None;
    }
    let taint = Taint {
        key: "node.kubernetes.io/unschedulable".into(),
        value: String::new(),
        effect: "NoSchedule".into(),
    };
    (!pod.tolerations.iter().any(|t| tolerates(t, &taint))).then_some(REASON)
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::Toleration;

    fn node(unschedulable: bool) -> Node {
        Node {
            name: "n".into(),
            labels: Default::default(),
            taints: vec![],
            allocatable: Default::default(),
            unschedulable,
            images: Vec::new(),
        }
    }

    #[test]
    fn cordoned_nodes_reject_pods_without_the_toleration() {
        let mut pod = PodShape::default();
        assert_eq!(filter(&node(false), &pod), None);
        assert_eq!(filter(&node(true), &pod), Some(REASON));
        pod.tolerations = vec![Toleration {
            key: Some("node.kubernetes.io/unschedulable".into()),
            effect: Some("NoSchedule".into()),
            ..Default::default()
        }];
        assert_eq!(filter(&node(true), &pod), None);
        pod.tolerations = vec![Toleration {
            operator: Some("Exists".into()),
            ..Default::default()
        }];
        assert_eq!(filter(&node(true), &pod), None);
    }
}
