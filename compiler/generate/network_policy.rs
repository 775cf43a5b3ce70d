//! NetworkPolicies: a server admits the app's own pods, its ingress controller or its Gateway's
//! namespace (on its first port) and Prometheus's namespace (on its metrics port); a batch
//! workload admits nothing, but a multi-host TPU slice admits its own pods (the hosts of a slice
//! talk to each other on ports the TPU runtime and framework choose).

use std::collections::BTreeMap;

use k8s_openapi::api::networking::v1::{
    NetworkPolicy, NetworkPolicyIngressRule, NetworkPolicyPeer, NetworkPolicyPort,
    NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::labels;
use crate::app::{App, Batch, Server, Workload};

pub fn server(app: &App, s: &Server) -> NetworkPolicy {
    let ports: Vec<NetworkPolicyPort> = s
        .ports
        .iter()
        .map(|p| NetworkPolicyPort {
            port: Some(IntOrString::Int(p.port)),
            protocol: Some("TCP".to_string()),
            ..Default::default()
        })
        .collect();
    let same_app = NetworkPolicyPeer {
        pod_selector: Some(LabelSelector {
            match_labels: Some(BTreeMap::from([(
                "app.kubernetes.io/instance".to_string(),
                app.name.clone(),
            )])),
            ..Default::default()
        }),
        ..Default::default()
    };
    // The Ingress or HTTPRoute routes to the first port only; the controller may reach nothing
    // else.
    let routed: Vec<NetworkPolicyPort> = ports.iter().take(1).cloned().collect();
    let mut rules = vec![NetworkPolicyIngressRule {
        from: Some(vec![same_app]),
        ports: Some(ports),
    }];
    if let Some(m) = &s.metrics {
        // Prometheus scrapes from its own namespace, and reaches the metrics port only (on a
        // server that serves metrics beside its API, that is the API's port too).
        rules.push(NetworkPolicyIngressRule {
            from: Some(vec![namespace(Some(&m.scraper_namespace))]),
            ports: Some(vec![NetworkPolicyPort {
                port: Some(IntOrString::Int(m.port)),
                protocol: Some("TCP".to_string()),
                ..Default::default()
            }]),
        });
    }
    if s.ingress.is_some() {
        // An unknown ingress class has no known namespace: admit its traffic from any namespace.
        rules.push(NetworkPolicyIngressRule {
            from: Some(vec![namespace(s.ingress_controller_namespace.as_ref())]),
            ports: Some(routed.clone()),
        });
    }
    if let Some(r) = &s.route {
        // The Gateway's proxies run in its namespace (the app's, unless the route names another),
        // or where the route says they do.
        let ns = r
            .proxy_namespace
            .as_ref()
            .or(r.namespace.as_ref())
            .unwrap_or(&app.namespace);
        rules.push(NetworkPolicyIngressRule {
            from: Some(vec![namespace(Some(ns))]),
            ports: Some(routed),
        });
    }
    policy(app, &s.workload, Some(rules))
}

/// Every pod of one namespace (by its immutable name label), or of every namespace.
fn namespace(name: Option<&String>) -> NetworkPolicyPeer {
    NetworkPolicyPeer {
        namespace_selector: Some(LabelSelector {
            match_labels: name.map(|ns| {
                BTreeMap::from([("kubernetes.io/metadata.name".to_string(), ns.clone())])
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

pub fn batch(app: &App, b: &Batch) -> NetworkPolicy {
    let w = &b.workload;
    let rules = b.hosts.map(|_| {
        vec![NetworkPolicyIngressRule {
            from: Some(vec![NetworkPolicyPeer {
                pod_selector: Some(labels::label_selector(app, &w.name)),
                ..Default::default()
            }]),
            ports: None,
        }]
    });
    policy(app, w, rules)
}

fn policy(app: &App, w: &Workload, rules: Option<Vec<NetworkPolicyIngressRule>>) -> NetworkPolicy {
    NetworkPolicy {
        metadata: labels::meta(app, &w.name, &w.name, &w.component),
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(labels::label_selector(app, &w.name)),
            policy_types: Some(vec!["Ingress".to_string()]),
            ingress: rules,
            ..Default::default()
        }),
    }
}
