//! The scheduling-relevant shape of one pod: its effective requests (after API defaulting, with
//! init containers, sidecars and overhead), where it may go, and what it asks of its neighbours.
//!
//! Every replica of a workload has the same shape; existing pods get one too.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Container, NodeSelectorTerm, PodSpec, Toleration};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity as K8sQuantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use crate::values::quantity::Quantity;

/// Scoring counts a container that requests no cpu as 100m and no memory as 200Mi.
pub const DEFAULT_CPU_MILLI: i64 = 100;
pub const DEFAULT_MEMORY: i64 = 200 * 1024 * 1024;

/// A host port a pod takes on its node.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct HostPort {
    /// `0.0.0.0` when unset.
    pub ip: String,
    /// `TCP` when unset.
    pub protocol: String,
    pub port: i32,
}

impl HostPort {
    /// Same protocol and port, and one side listens on every address or both on the same one.
    pub fn conflicts(&self, other: &HostPort) -> bool {
        self.port == other.port
            && self.protocol == other.protocol
            && (self.ip == other.ip || self.ip == "0.0.0.0" || other.ip == "0.0.0.0")
    }
}

/// A label selector with the `matchLabelKeys` of its owner already folded in.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Selector(pub Option<LabelSelector>);

impl Selector {
    /// A nil selector matches nothing; an empty one matches everything.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        let Some(sel) = &self.0 else { return false };
        let plain = sel.match_labels.iter().flatten();
        for (k, v) in plain {
            if labels.get(k) != Some(v) {
                return false;
            }
        }
        sel.match_expressions.iter().flatten().all(|e| {
            let values = e.values.as_deref().unwrap_or_default();
            let got = labels.get(&e.key);
            match e.operator.as_str() {
                "In" => got.is_some_and(|g| values.contains(g)),
                "NotIn" => got.is_none_or(|g| !values.contains(g)),
                "Exists" => got.is_some(),
                "DoesNotExist" => got.is_none(),
                _ => false,
            }
        })
    }

    fn with_label_keys(
        mut self,
        keys: Option<&Vec<String>>,
        own: &BTreeMap<String, String>,
    ) -> Self {
        if let (Some(sel), Some(keys)) = (&mut self.0, keys) {
            let exprs = sel.match_expressions.get_or_insert_with(Vec::new);
            for k in keys {
                if let Some(v) = own.get(k) {
                    exprs.push(
                        k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelectorRequirement {
                            key: k.clone(),
                            operator: "In".into(),
                            values: Some(vec![v.clone()]),
                        },
                    );
                }
            }
        }
        self
    }
}

/// A `DoNotSchedule` topology spread constraint.
#[derive(Debug, Clone, PartialEq)]
pub struct Spread {
    pub key: String,
    pub max_skew: i64,
    pub min_domains: i64,
    pub selector: Selector,
    /// `nodeAffinityPolicy: Honor` (the default): only nodes the pod may select are domains.
    pub honor_affinity: bool,
    /// `nodeTaintsPolicy: Honor` (default Ignore): only nodes whose taints it tolerates.
    pub honor_taints: bool,
}

/// A required pod (anti-)affinity term.
#[derive(Debug, Clone, PartialEq)]
pub struct PodTerm {
    pub key: String,
    pub selector: Selector,
    /// Namespaces the term looks in; `None` means every namespace.
    pub namespaces: Option<Vec<String>>,
}

impl PodTerm {
    pub fn matches(&self, namespace: &str, labels: &BTreeMap<String, String>) -> bool {
        self.namespaces
            .as_ref()
            .is_none_or(|ns| ns.iter().any(|n| n == namespace))
            && self.selector.matches(labels)
    }
}

/// What the scheduler needs to know about one pod.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PodShape {
    pub namespace: String,
    pub labels: BTreeMap<String, String>,
    /// Effective requests, zero entries dropped: `cpu` in millicores, the rest in whole units.
    pub requests: BTreeMap<String, i64>,
    /// cpu and memory as scoring counts them (100m / 200Mi for containers that ask nothing).
    pub score_cpu: i64,
    pub score_memory: i64,
    pub node_name: Option<String>,
    pub node_selector: BTreeMap<String, String>,
    /// Required node affinity terms (ORed); `None` when there are none.
    pub node_affinity: Option<Vec<NodeSelectorTerm>>,
    pub tolerations: Vec<Toleration>,
    pub host_ports: Vec<HostPort>,
    pub spread: Vec<Spread>,
    pub affinity: Vec<PodTerm>,
    pub anti_affinity: Vec<PodTerm>,
}

/// Quantities of one container after API defaulting (a limit without a request is the request).
fn container_requests(c: &Container) -> BTreeMap<String, Quantity> {
    let mut out = BTreeMap::new();
    let res = c.resources.as_ref();
    let limits = res.and_then(|r| r.limits.as_ref());
    let requests = res.and_then(|r| r.requests.as_ref());
    for (k, q) in limits
        .into_iter()
        .flatten()
        .chain(requests.into_iter().flatten())
    {
        // Requests come second, so they win over the limit they default from.
        if let Ok(q) = Quantity::parse(&q.0) {
            out.insert(k.clone(), q);
        }
    }
    out
}

fn add(into: &mut BTreeMap<String, Quantity>, from: &BTreeMap<String, Quantity>) {
    for (k, q) in from {
        let sum = into.get(k).map_or(*q, |have| have.saturating_add(*q));
        into.insert(k.clone(), sum);
    }
}

fn units(resource: &str, q: &Quantity) -> i64 {
    if resource == "cpu" {
        q.milli_ceil()
    } else {
        q.units_ceil()
    }
}

fn rounded(map: &BTreeMap<String, Quantity>, score: bool) -> BTreeMap<String, i64> {
    let mut out: BTreeMap<String, i64> =
        map.iter().map(|(k, q)| (k.clone(), units(k, q))).collect();
    if score {
        out.entry("cpu".into()).or_insert(0);
        out.entry("memory".into()).or_insert(0);
    }
    out
}

/// PodRequests: max(app containers + sidecars, each init container + the sidecars before it),
/// plus overhead. With `score`, containers that ask no cpu/memory count the scoring defaults.
pub fn effective_requests(
    spec: &PodSpec,
    overhead: Option<&BTreeMap<String, K8sQuantity>>,
    score: bool,
) -> BTreeMap<String, i64> {
    let per = |c: &Container| {
        let mut r = container_requests(c);
        if score {
            for (k, default) in [("cpu", "100m"), ("memory", "200Mi")] {
                let zero = r.get(k).is_none_or(|q| units(k, q) == 0);
                if zero {
                    r.insert(
                        k.into(),
                        Quantity::parse(default).unwrap_or_else(|_| Quantity::zero()),
                    );
                }
            }
        }
        r
    };
    let mut steady = BTreeMap::new();
    for c in &spec.containers {
        add(&mut steady, &per(c));
    }
    let mut sidecars = BTreeMap::new();
    let mut need: BTreeMap<String, i64> = BTreeMap::new();
    for c in spec.init_containers.iter().flatten() {
        let own = per(c);
        if c.restart_policy.as_deref() == Some("Always") {
            add(&mut steady, &own);
            add(&mut sidecars, &own);
            continue;
        }
        let mut total = sidecars.clone();
        add(&mut total, &own);
        for (k, n) in rounded(&total, false) {
            let e = need.entry(k).or_insert(0);
            *e = (*e).max(n);
        }
    }
    let mut out = rounded(&steady, score);
    if let Some(pod_level) = spec.resources.as_ref() {
        for (k, q) in pod_level
            .limits
            .iter()
            .flatten()
            .chain(pod_level.requests.iter().flatten())
        {
            if (k == "cpu" || k == "memory")
                && let Ok(q) = Quantity::parse(&q.0)
            {
                out.insert(k.clone(), units(k, &q));
            }
        }
    }
    for (k, n) in need {
        let e = out.entry(k).or_insert(0);
        *e = (*e).max(n);
    }
    for (k, q) in overhead.into_iter().flatten() {
        if let Ok(q) = Quantity::parse(&q.0) {
            let e = out.entry(k.clone()).or_insert(0);
            *e = e.saturating_add(units(k, &q));
        }
    }
    out.retain(|_, n| *n > 0);
    out
}

fn terms(
    list: Option<&Vec<k8s_openapi::api::core::v1::PodAffinityTerm>>,
    ns: &str,
    own: &BTreeMap<String, String>,
) -> Vec<PodTerm> {
    list.into_iter()
        .flatten()
        .map(|t| {
            let all = t.namespace_selector.as_ref().is_some_and(|s| {
                s.match_labels.as_ref().is_none_or(BTreeMap::is_empty)
                    && s.match_expressions.as_ref().is_none_or(Vec::is_empty)
            });
            let namespaces = match &t.namespaces {
                _ if all => None,
                Some(list) if !list.is_empty() => Some(list.clone()),
                _ => Some(vec![ns.to_string()]),
            };
            PodTerm {
                key: t.topology_key.clone(),
                selector: Selector(t.label_selector.clone())
                    .with_label_keys(t.match_label_keys.as_ref(), own),
                namespaces,
            }
        })
        .collect()
}

/// The shape of a pod with this metadata and spec; `overhead` is its RuntimeClass's, if any.
pub fn shape(
    namespace: &str,
    labels: &BTreeMap<String, String>,
    spec: &PodSpec,
    overhead: Option<&BTreeMap<String, K8sQuantity>>,
) -> PodShape {
    let overhead = spec.overhead.as_ref().or(overhead);
    let requests = effective_requests(spec, overhead, false);
    let scored = effective_requests(spec, overhead, true);
    let host_network = spec.host_network.unwrap_or(false);
    let mut host_ports = Vec::new();
    let sidecars = spec
        .init_containers
        .iter()
        .flatten()
        .filter(|c| c.restart_policy.as_deref() == Some("Always"));
    for c in spec.containers.iter().chain(sidecars) {
        for p in c.ports.iter().flatten() {
            let port = match p.host_port {
                Some(h) if h > 0 => h,
                _ if host_network => p.container_port,
                _ => continue,
            };
            host_ports.push(HostPort {
                ip: p
                    .host_ip
                    .clone()
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| "0.0.0.0".into()),
                protocol: p
                    .protocol
                    .clone()
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| "TCP".into()),
                port,
            });
        }
    }
    let affinity = spec.affinity.as_ref();
    let node_affinity = affinity
        .and_then(|a| a.node_affinity.as_ref())
        .and_then(|n| {
            n.required_during_scheduling_ignored_during_execution
                .as_ref()
        })
        .map(|s| s.node_selector_terms.clone());
    let pod_aff = affinity
        .and_then(|a| a.pod_affinity.as_ref())
        .and_then(|p| {
            p.required_during_scheduling_ignored_during_execution
                .as_ref()
        });
    let pod_anti = affinity
        .and_then(|a| a.pod_anti_affinity.as_ref())
        .and_then(|p| {
            p.required_during_scheduling_ignored_during_execution
                .as_ref()
        });
    let spread = spec
        .topology_spread_constraints
        .iter()
        .flatten()
        .filter(|c| c.when_unsatisfiable == "DoNotSchedule")
        .map(|c| Spread {
            key: c.topology_key.clone(),
            max_skew: i64::from(c.max_skew.max(1)),
            min_domains: i64::from(c.min_domains.unwrap_or(1).max(1)),
            selector: Selector(c.label_selector.clone())
                .with_label_keys(c.match_label_keys.as_ref(), labels),
            honor_affinity: c.node_affinity_policy.as_deref() != Some("Ignore"),
            honor_taints: c.node_taints_policy.as_deref() == Some("Honor"),
        })
        .collect();
    PodShape {
        namespace: namespace.to_string(),
        labels: labels.clone(),
        score_cpu: scored.get("cpu").copied().unwrap_or(0),
        score_memory: scored.get("memory").copied().unwrap_or(0),
        requests,
        node_name: spec.node_name.clone().filter(|n| !n.is_empty()),
        node_selector: spec.node_selector.clone().unwrap_or_default(),
        node_affinity,
        tolerations: spec.tolerations.clone().unwrap_or_default(),
        host_ports,
        spread,
        affinity: terms(pod_aff, namespace, labels),
        anti_affinity: terms(pod_anti, namespace, labels),
    }
}
