//! NodeName: a pod with `spec.nodeName` fits only the node of that name.

use crate::inventory::Node;

use super::super::pod::PodShape;

pub const REASON: &str = "node(s) didn't match the requested node name";

pub fn filter(node: &Node, pod: &PodShape) -> Option<&'static str> {
    match &pod.node_name {
        Some(name) if *name != node.name => Some(REASON),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_named_node_fits() {
        let node = Node {
            name: "a".into(),
            labels: Default::default(),
            taints: vec![],
            allocatable: Default::default(),
            unschedulable: false,
            images: Vec::new(),
        };
        let mut pod = PodShape::default();
        assert_eq!(filter(&node, &pod), None);
        pod.node_name = Some("a".into());
        assert_eq!(filter(&node, &pod), None);
        pod.node_name = Some("b".into());
        assert_eq!(filter(&node, &pod), Some(REASON));
    }
}
