//! The traffic model: every flow the spec admits into one of its workloads, resolved once.
//!
//! A flow is a workload's ports and one peer that may reach them, with the spec key that
//! declared it. The NetworkPolicies admit exactly these flows and nothing else; the Service,
//! Ingress, HTTPRoute and monitors publish what they route. Flows are ingress only: what a
//! workload may call is not restricted.

use std::collections::BTreeMap;

/// One peer admitted to some ports of one workload.
#[derive(Debug, Clone, PartialEq)]
pub struct Flow {
    /// The workload reached (its name, `app.kubernetes.io/name`).
    pub to: String,
    /// The container ports admitted, by number; empty: every port (a multi-host slice's pods,
    /// which talk on ports their runtime picks).
    pub ports: Vec<i32>,
    pub from: Peer,
    /// The spec key that declared the flow (`servers.api.callers[0]`), or for one the compiler
    /// adds, the key of what needs it (`serve.ingress`, `serve` for the app's own pods).
    pub origin: String,
}

/// Who may connect. Pods are matched by namespace and labels; anything else by address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Peer {
    /// The app's own pods in its namespace (`app.kubernetes.io/instance: APP`), but those of the
    /// workloads named in `except`: a server's replicas and the app's jobs and schedules reach
    /// it, its other servers only as declared.
    App { except: Vec<String> },
    /// The pods of one workload of this app.
    Workload(String),
    /// The pods of another app (`app.kubernetes.io/instance: NAME`) in a namespace (`None`:
    /// this app's).
    OtherApp {
        name: String,
        namespace: Option<String>,
    },
    /// Pods with these labels (all of them when empty) in a namespace (`None`: this app's).
    Pods {
        namespace: Option<String>,
        labels: BTreeMap<String, String>,
    },
    /// Every pod of one namespace, or of every namespace (`None`).
    Namespace(Option<String>),
    /// Addresses in a CIDR block but those in `except` (clients outside the cluster, a cloud
    /// load balancer's or health checker's ranges).
    Addresses { cidr: String, except: Vec<String> },
}

impl Flow {
    pub fn new(to: &str, ports: Vec<i32>, from: Peer, origin: impl Into<String>) -> Flow {
        Flow {
            to: to.to_string(),
            ports,
            from,
            origin: origin.into(),
        }
    }
}
