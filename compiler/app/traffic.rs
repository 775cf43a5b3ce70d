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
    /// Port ranges admitted besides `ports`: (first, last).
    pub ranges: Vec<(i32, i32)>,
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
    /// The pods of another app (`app.kubernetes.io/instance: NAME`).
    OtherApp { name: String, scope: Scope },
    /// Pods with these labels, or every pod when there are none.
    Pods {
        scope: Scope,
        labels: BTreeMap<String, String>,
    },
    /// Addresses in a CIDR block but those in `except` (clients outside the cluster, a cloud
    /// load balancer's or health checker's ranges).
    Addresses { cidr: String, except: Vec<String> },
}

/// The namespaces a pod peer is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// The app's own namespace.
    Own,
    /// Another namespace, by name.
    Named(String),
    /// Every namespace.
    Every,
}

impl Peer {
    /// Every pod of one namespace.
    pub fn namespace(name: &str) -> Peer {
        Peer::Pods {
            scope: Scope::Named(name.to_string()),
            labels: BTreeMap::new(),
        }
    }

    /// Every pod of every namespace.
    pub fn everywhere() -> Peer {
        Peer::Pods {
            scope: Scope::Every,
            labels: BTreeMap::new(),
        }
    }
}

impl Flow {
    pub fn new(to: &str, ports: Vec<i32>, from: Peer, origin: impl Into<String>) -> Flow {
        Flow {
            to: to.to_string(),
            ports,
            ranges: Vec::new(),
            from,
            origin: origin.into(),
        }
    }
}
