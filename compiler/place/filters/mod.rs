//! kube-scheduler's Filter plugins, one file each, in the default profile's order. Each says
//! whether one node can take one pod and, if not, why, in the scheduler's own words.
//!
//! The first four depend only on the node and the pod; the last four also on what the node (or
//! its topology domain) already runs, which the engine passes in.

pub mod inter_pod_affinity;
pub mod node_affinity;
pub mod node_name;
pub mod node_ports;
pub mod node_resources_fit;
pub mod node_unschedulable;
pub mod pod_topology_spread;
pub mod taint_toleration;

use crate::inventory::Node;
use crate::verify::KubeVersion;

use super::pod::PodShape;

/// The filters that look only at the node and the pod, in order: the first reason, if any.
pub fn static_reason(node: &Node, pod: &PodShape, version: KubeVersion) -> Option<String> {
    if let Some(r) = node_unschedulable::filter(node, pod) {
        return Some(r.to_string());
    }
    if let Some(r) = node_name::filter(node, pod) {
        return Some(r.to_string());
    }
    if let Some(r) = taint_toleration::filter(node, pod, version) {
        return Some(r);
    }
    node_affinity::filter(node, pod).map(str::to_string)
}
