//! NetworkPolicies: one per workload, admitting exactly the flows of `App::flows` into it (the
//! app's own pods, its ingress controller or Gateway, Prometheus, and whatever the spec
//! declares), each flow a rule with its peer and its ports. A workload no flow reaches (a job)
//! admits nothing.

use std::collections::BTreeMap;

use k8s_openapi::api::networking::v1::{
    IPBlock, NetworkPolicy, NetworkPolicyIngressRule, NetworkPolicyPeer, NetworkPolicyPort,
    NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, LabelSelectorRequirement};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::labels;
use crate::app::{App, Flow, Peer, Scope, Workload};

/// The policy of one workload: a rule per flow into it, in `App::flows` order.
pub fn generate(app: &App, w: &Workload) -> NetworkPolicy {
    let rules: Vec<NetworkPolicyIngressRule> = app
        .flows
        .iter()
        .filter(|f| f.to == w.name)
        .map(|f| rule(app, f))
        .collect();
    NetworkPolicy {
        metadata: labels::meta(app, &w.name, &w.name, &w.component),
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(labels::label_selector(app, &w.name)),
            policy_types: Some(vec!["Ingress".to_string()]),
            ingress: (!rules.is_empty()).then_some(rules),
            ..Default::default()
        }),
    }
}

/// Where each rule of a workload's policy comes from: its pointer and the spec key of its flow
/// (for `build --annotate`).
pub fn origins(app: &App, w: &Workload) -> Vec<(String, String)> {
    app.flows
        .iter()
        .filter(|f| f.to == w.name)
        .enumerate()
        .map(|(i, f)| (format!("/spec/ingress/{i}"), f.origin.clone()))
        .collect()
}

fn rule(app: &App, f: &Flow) -> NetworkPolicyIngressRule {
    let ports = f
        .ports
        .iter()
        .map(|p| NetworkPolicyPort {
            port: Some(IntOrString::Int(*p)),
            protocol: Some("TCP".to_string()),
            ..Default::default()
        })
        .chain(f.ranges.iter().map(|(first, last)| NetworkPolicyPort {
            port: Some(IntOrString::Int(*first)),
            end_port: Some(*last),
            protocol: Some("TCP".to_string()),
        }))
        .collect::<Vec<_>>();
    NetworkPolicyIngressRule {
        from: Some(vec![peer(app, &f.from)]),
        ports: (!ports.is_empty()).then_some(ports),
    }
}

/// A flow's peer as the API server matches it: pods by a podSelector (in this namespace) or a
/// namespaceSelector (by the immutable `kubernetes.io/metadata.name` label) or both, addresses
/// by an ipBlock.
pub fn peer(app: &App, p: &Peer) -> NetworkPolicyPeer {
    let pods = |labels: BTreeMap<String, String>| LabelSelector {
        match_labels: Some(labels),
        ..Default::default()
    };
    match p {
        Peer::App { except } => {
            let mut selector = pods(BTreeMap::from([(
                labels::INSTANCE.to_string(),
                app.name.clone(),
            )]));
            if !except.is_empty() {
                selector.match_expressions = Some(vec![LabelSelectorRequirement {
                    key: labels::NAME.to_string(),
                    operator: "NotIn".to_string(),
                    values: Some(except.clone()),
                }]);
            }
            NetworkPolicyPeer {
                pod_selector: Some(selector),
                ..Default::default()
            }
        }
        Peer::Workload(w) => NetworkPolicyPeer {
            pod_selector: Some(labels::label_selector(app, w)),
            ..Default::default()
        },
        Peer::OtherApp { name, scope } => pods_in(
            scope,
            BTreeMap::from([(labels::INSTANCE.to_string(), name.clone())]),
        ),
        Peer::Pods { scope, labels } => pods_in(scope, labels.clone()),
        Peer::Addresses { cidr, except } => NetworkPolicyPeer {
            ip_block: Some(IPBlock {
                cidr: cidr.clone(),
                except: (!except.is_empty()).then(|| except.clone()),
            }),
            ..Default::default()
        },
    }
}

/// Pods with `labels` in the namespaces of `scope`. A namespaceSelector alone selects every pod
/// of its namespaces; a podSelector alone, pods of the policy's own namespace.
fn pods_in(scope: &Scope, labels: BTreeMap<String, String>) -> NetworkPolicyPeer {
    let pod_selector = (!labels.is_empty() || *scope == Scope::Own).then(|| LabelSelector {
        match_labels: Some(labels),
        ..Default::default()
    });
    let namespace_selector = match scope {
        Scope::Own => None,
        Scope::Named(ns) => Some(namespace_selector(Some(ns))),
        Scope::Every => Some(namespace_selector(None)),
    };
    NetworkPolicyPeer {
        pod_selector,
        namespace_selector,
        ..Default::default()
    }
}

/// Every pod of one namespace (by its immutable name label), or of every namespace.
fn namespace_selector(name: Option<&String>) -> LabelSelector {
    LabelSelector {
        match_labels: name.map(|ns| BTreeMap::from([(labels::NAMESPACE.to_string(), ns.clone())])),
        ..Default::default()
    }
}
