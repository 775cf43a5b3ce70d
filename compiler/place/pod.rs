//! The scheduling-relevant shape of one pod: its effective requests (after API defaulting, with
//! init containers, sidecars and overhead), where it may go, what it prefers, and what it asks
//! of its neighbours.
//!
//! Every replica of a workload's role has the same shape; existing pods get one too.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Container, NodeSelectorTerm, PodAffinityTerm, PodSpec, Toleration, WeightedPodAffinityTerm,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, LabelSelectorRequirement};

use crate::values::quantity::Quantity;

/// Scoring counts a container that asks no cpu as 100m and no memory as 200Mi.
pub const DEFAULT_CPU_MILLI: &str = "100m";
pub const DEFAULT_MEMORY: &str = "200Mi";

/// The label every namespace carries with its own name, the only one placement knows.
pub const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

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

/// A label selector: `None` (a nil selector) matches nothing, an empty one everything.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Selector(pub Option<LabelSelector>);

impl Selector {
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.matches_by(|k| labels.get(k).map(String::as_str))
    }

    /// Match against labels given by a lookup.
    pub fn matches_by<'a>(&self, get: impl Fn(&str) -> Option<&'a str>) -> bool {
        let Some(sel) = &self.0 else { return false };
        for (k, v) in sel.match_labels.iter().flatten() {
            if get(k) != Some(v.as_str()) {
                return false;
            }
        }
        sel.match_expressions.iter().flatten().all(|e| {
            let values = e.values.as_deref().unwrap_or_default();
            let got = get(&e.key);
            match e.operator.as_str() {
                "In" => got.is_some_and(|g| values.iter().any(|v| v == g)),
                "NotIn" => got.is_none_or(|g| !values.iter().any(|v| v == g)),
                "Exists" => got.is_some(),
                "DoesNotExist" => got.is_none(),
                _ => false,
            }
        })
    }

    /// A label the selector requires to have one value, if any: only pods with it can match.
    pub fn required_label(&self) -> Option<(&str, &str)> {
        let sel = self.0.as_ref()?;
        if let Some((k, v)) = sel.match_labels.iter().flatten().next() {
            return Some((k, v));
        }
        sel.match_expressions
            .iter()
            .flatten()
            .find_map(|e| match e.values.as_deref() {
                Some([v]) if e.operator == "In" => Some((e.key.as_str(), v.as_str())),
                _ => None,
            })
    }

    /// A selector with no requirement (labels.Selector's `Empty()`): topology spread counts no
    /// pod with it.
    pub fn is_empty(&self) -> bool {
        self.0.as_ref().is_some_and(|s| {
            s.match_labels.as_ref().is_none_or(BTreeMap::is_empty)
                && s.match_expressions.as_ref().is_none_or(Vec::is_empty)
        })
    }

    /// The selector with `key In [value]` added for every key the pod has (topology spread's
    /// `matchLabelKeys`); a nil selector stays nil.
    pub fn with_label_keys(
        mut self,
        keys: Option<&Vec<String>>,
        own: &BTreeMap<String, String>,
    ) -> Self {
        if let (Some(sel), Some(keys)) = (&mut self.0, keys) {
            for k in keys {
                if let Some(v) = own.get(k) {
                    sel.match_expressions.get_or_insert_with(Vec::new).push(
                        LabelSelectorRequirement {
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

/// A topology spread constraint, `DoNotSchedule` (a filter) or `ScheduleAnyway` (a score).
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

impl Spread {
    /// Whether a pod of this namespace and labels counts for a pod of `namespace`: same
    /// namespace, and a selector with requirements that match (an empty selector counts none).
    pub fn counts(&self, namespace: &str, pod_ns: &str, labels: &BTreeMap<String, String>) -> bool {
        namespace == pod_ns && !self.selector.is_empty() && self.selector.matches(labels)
    }
}

/// A pod (anti-)affinity term.
#[derive(Debug, Clone, PartialEq)]
pub struct PodTerm {
    pub key: String,
    pub selector: Selector,
    /// Namespaces the term looks in (the pod's own when neither list nor selector is given).
    pub namespaces: Vec<String>,
    /// `namespaceSelector`, matched against a namespace's `kubernetes.io/metadata.name`.
    pub namespace_selector: Selector,
}

impl PodTerm {
    pub fn matches(&self, namespace: &str, labels: &BTreeMap<String, String>) -> bool {
        (self.namespaces.iter().any(|n| n == namespace)
            || self
                .namespace_selector
                .matches_by(|k| (k == NAMESPACE_NAME_LABEL).then_some(namespace)))
            && self.selector.matches(labels)
    }
}

/// A preferred pod (anti-)affinity term and its weight.
#[derive(Debug, Clone, PartialEq)]
pub struct WeightedTerm {
    pub weight: i64,
    pub term: PodTerm,
}

/// Which soft spread constraints a pod is scored with.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum SoftSpread {
    /// Its own `ScheduleAnyway` constraints (a pod with any constraint of its own).
    Own(Vec<Spread>),
    /// The scheduler's system default (hostname skew 3, zone skew 5), for a pod without
    /// constraints, selecting what its Services and owning ReplicaSet or StatefulSet select.
    System(Vec<Spread>),
    #[default]
    None,
}

impl SoftSpread {
    pub fn constraints(&self) -> &[Spread] {
        match self {
            SoftSpread::Own(c) | SoftSpread::System(c) => c,
            SoftSpread::None => &[],
        }
    }
}

/// What the scheduler needs to know about one pod.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PodShape {
    pub namespace: String,
    pub labels: BTreeMap<String, String>,
    /// Effective requests, zero entries dropped: `cpu` in millicores, the rest in whole units.
    pub requests: BTreeMap<String, i64>,
    /// cpu and memory as LeastAllocated counts them (100m / 200Mi for containers that set none).
    pub score_cpu: i64,
    pub score_memory: i64,
    pub node_name: Option<String>,
    pub node_selector: BTreeMap<String, String>,
    /// Required node affinity terms (ORed); `None` when there are none.
    pub node_affinity: Option<Vec<NodeSelectorTerm>>,
    /// Preferred node affinity terms with their weights (zero weights and empty terms dropped).
    pub preferred_node_affinity: Vec<(i64, NodeSelectorTerm)>,
    pub tolerations: Vec<Toleration>,
    pub host_ports: Vec<HostPort>,
    /// `DoNotSchedule` constraints.
    pub spread: Vec<Spread>,
    /// Whether the pod has topology spread constraints of its own (any kind).
    pub own_spread: bool,
    /// What topology spread scores it with.
    pub soft_spread: SoftSpread,
    pub affinity: Vec<PodTerm>,
    pub anti_affinity: Vec<PodTerm>,
    pub preferred_affinity: Vec<WeightedTerm>,
    pub preferred_anti_affinity: Vec<WeightedTerm>,
    /// Image names of init containers then containers, as ImageLocality normalises them.
    pub images: Vec<String>,
}

impl PodShape {
    /// Whether the pod has any pod (anti-)affinity term, required or preferred.
    pub fn has_affinity_terms(&self) -> bool {
        !(self.affinity.is_empty()
            && self.anti_affinity.is_empty()
            && self.preferred_affinity.is_empty()
            && self.preferred_anti_affinity.is_empty())
    }

    /// BalancedAllocation skips a pod that requests neither cpu nor memory.
    pub fn best_effort(&self) -> bool {
        !self.requests.contains_key("cpu") && !self.requests.contains_key("memory")
    }
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

fn max_into(into: &mut BTreeMap<String, Quantity>, from: &BTreeMap<String, Quantity>) {
    for (k, q) in from {
        let bigger = into.get(k).is_none_or(|have| q.nanos() > have.nanos());
        if bigger {
            into.insert(k.clone(), *q);
        }
    }
}

fn units(resource: &str, q: &Quantity) -> i64 {
    if resource == "cpu" {
        q.milli_ceil()
    } else {
        q.units_ceil()
    }
}

/// PodRequests: max(app containers + sidecars, each init container + the sidecars before it),
/// then pod-level cpu/memory requests where set, plus overhead — summed exactly, rounded once.
/// With `nonzero`, containers that set no cpu (memory) request count 100m (200Mi), as
/// LeastAllocated scoring counts them.
fn pod_requests(spec: &PodSpec, nonzero: bool) -> BTreeMap<String, Quantity> {
    let defaults: Vec<(&str, Quantity)> = if nonzero {
        [("cpu", DEFAULT_CPU_MILLI), ("memory", DEFAULT_MEMORY)]
            .into_iter()
            .filter_map(|(k, v)| Quantity::parse(v).ok().map(|q| (k, q)))
            .collect()
    } else {
        Vec::new()
    };
    let per = |c: &Container| {
        let mut r = container_requests(c);
        for (k, q) in &defaults {
            r.entry((*k).to_string()).or_insert(*q);
        }
        r
    };
    let mut total = BTreeMap::new();
    for c in &spec.containers {
        add(&mut total, &per(c));
    }
    let mut sidecars = BTreeMap::new();
    let mut init = BTreeMap::new();
    for c in spec.init_containers.iter().flatten() {
        let own = per(c);
        if c.restart_policy.as_deref() == Some("Always") {
            add(&mut total, &own);
            add(&mut sidecars, &own);
            max_into(&mut init, &sidecars);
        } else {
            let mut need = sidecars.clone();
            add(&mut need, &own);
            max_into(&mut init, &need);
        }
    }
    max_into(&mut total, &init);
    if let Some(pod_level) = spec.resources.as_ref() {
        // Pod-level requests (a limit defaults the request) replace the containers' cpu and
        // memory totals.
        let mut level = BTreeMap::new();
        for (k, q) in pod_level
            .limits
            .iter()
            .flatten()
            .chain(pod_level.requests.iter().flatten())
        {
            if (k == "cpu" || k == "memory")
                && let Ok(q) = Quantity::parse(&q.0)
            {
                level.insert(k.clone(), q);
            }
        }
        total.extend(level);
    }
    for (k, q) in spec.overhead.iter().flatten() {
        if let Ok(q) = Quantity::parse(&q.0) {
            add(&mut total, &BTreeMap::from([(k.clone(), q)]));
        }
    }
    total
}

/// The pod's effective requests for filtering, rounded, zero entries dropped.
pub fn effective_requests(spec: &PodSpec) -> BTreeMap<String, i64> {
    let mut out: BTreeMap<String, i64> = pod_requests(spec, false)
        .iter()
        .map(|(k, q)| (k.clone(), units(k, q)))
        .collect();
    out.retain(|_, n| *n > 0);
    out
}

/// `namespaces` and `namespaceSelector` of a term: a term with neither looks in the pod's own
/// namespace.
fn term(t: &PodAffinityTerm, ns: &str) -> PodTerm {
    let mut namespaces = t.namespaces.clone().unwrap_or_default();
    if namespaces.is_empty() && t.namespace_selector.is_none() {
        namespaces.push(ns.to_string());
    }
    PodTerm {
        key: t.topology_key.clone(),
        selector: Selector(t.label_selector.clone()),
        namespaces,
        namespace_selector: Selector(t.namespace_selector.clone()),
    }
}

fn terms(list: Option<&Vec<PodAffinityTerm>>, ns: &str) -> Vec<PodTerm> {
    list.into_iter().flatten().map(|t| term(t, ns)).collect()
}

fn weighted(list: Option<&Vec<WeightedPodAffinityTerm>>, ns: &str) -> Vec<WeightedTerm> {
    list.into_iter()
        .flatten()
        .map(|w| WeightedTerm {
            weight: i64::from(w.weight),
            term: term(&w.pod_affinity_term, ns),
        })
        .collect()
}

/// ImageLocality's name: a reference without a tag (after its last `/`) is `:latest`.
pub fn normalized_image(name: &str) -> String {
    if name
        .rfind(':')
        .is_none_or(|c| name.rfind('/').is_some_and(|s| c < s))
    {
        format!("{name}:latest")
    } else {
        name.to_string()
    }
}

fn host_ports(spec: &PodSpec) -> Vec<HostPort> {
    let host_network = spec.host_network.unwrap_or(false);
    let sidecars = spec
        .init_containers
        .iter()
        .flatten()
        .filter(|c| c.restart_policy.as_deref() == Some("Always"));
    let mut out = Vec::new();
    for c in spec.containers.iter().chain(sidecars) {
        for p in c.ports.iter().flatten() {
            let port = match p.host_port {
                Some(h) if h > 0 => h,
                _ if host_network => p.container_port,
                _ => continue,
            };
            let or = |v: &Option<String>, default: &str| {
                v.clone()
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| default.into())
            };
            out.push(HostPort {
                ip: or(&p.host_ip, "0.0.0.0"),
                protocol: or(&p.protocol, "TCP"),
                port,
            });
        }
    }
    out
}

fn spreads(spec: &PodSpec, labels: &BTreeMap<String, String>, action: &str) -> Vec<Spread> {
    spec.topology_spread_constraints
        .iter()
        .flatten()
        .filter(|c| c.when_unsatisfiable == action)
        .map(|c| Spread {
            key: c.topology_key.clone(),
            max_skew: i64::from(c.max_skew.max(1)),
            min_domains: i64::from(c.min_domains.unwrap_or(1).max(1)),
            selector: Selector(c.label_selector.clone())
                .with_label_keys(c.match_label_keys.as_ref(), labels),
            honor_affinity: c.node_affinity_policy.as_deref() != Some("Ignore"),
            honor_taints: c.node_taints_policy.as_deref() == Some("Honor"),
        })
        .collect()
}

/// The shape of a pod with this namespace, labels and (admitted) spec.
pub fn shape(namespace: &str, labels: &BTreeMap<String, String>, spec: &PodSpec) -> PodShape {
    let requests = effective_requests(spec);
    let scored = pod_requests(spec, true);
    let affinity = spec.affinity.as_ref();
    let node = affinity.and_then(|a| a.node_affinity.as_ref());
    let node_affinity = node
        .and_then(|n| {
            n.required_during_scheduling_ignored_during_execution
                .as_ref()
        })
        .map(|s| s.node_selector_terms.clone());
    let preferred_node_affinity = node
        .and_then(|n| {
            n.preferred_during_scheduling_ignored_during_execution
                .as_ref()
        })
        .into_iter()
        .flatten()
        .filter(|p| {
            p.weight != 0
                && !(p
                    .preference
                    .match_expressions
                    .as_ref()
                    .is_none_or(Vec::is_empty)
                    && p.preference.match_fields.as_ref().is_none_or(Vec::is_empty))
        })
        .map(|p| (i64::from(p.weight), p.preference.clone()))
        .collect();
    let pod_aff = affinity.and_then(|a| a.pod_affinity.as_ref());
    let pod_anti = affinity.and_then(|a| a.pod_anti_affinity.as_ref());
    let own_spread = spec
        .topology_spread_constraints
        .as_ref()
        .is_some_and(|c| !c.is_empty());
    let soft = spreads(spec, labels, "ScheduleAnyway");
    let images = spec
        .init_containers
        .iter()
        .flatten()
        .chain(&spec.containers)
        .map(|c| normalized_image(c.image.as_deref().unwrap_or("")))
        .collect();
    let score_of = |k: &str| scored.get(k).map_or(0, |q| units(k, q));
    PodShape {
        namespace: namespace.to_string(),
        labels: labels.clone(),
        score_cpu: score_of("cpu"),
        score_memory: score_of("memory"),
        requests,
        node_name: spec.node_name.clone().filter(|n| !n.is_empty()),
        node_selector: spec.node_selector.clone().unwrap_or_default(),
        node_affinity,
        preferred_node_affinity,
        tolerations: spec.tolerations.clone().unwrap_or_default(),
        host_ports: host_ports(spec),
        spread: spreads(spec, labels, "DoNotSchedule"),
        own_spread,
        soft_spread: if soft.is_empty() {
            SoftSpread::None
        } else {
            SoftSpread::Own(soft)
        },
        affinity: terms(
            pod_aff.and_then(|p| {
                p.required_during_scheduling_ignored_during_execution
                    .as_ref()
            }),
            namespace,
        ),
        anti_affinity: terms(
            pod_anti.and_then(|p| {
                p.required_during_scheduling_ignored_during_execution
                    .as_ref()
            }),
            namespace,
        ),
        preferred_affinity: weighted(
            pod_aff.and_then(|p| {
                p.preferred_during_scheduling_ignored_during_execution
                    .as_ref()
            }),
            namespace,
        ),
        preferred_anti_affinity: weighted(
            pod_anti.and_then(|p| {
                p.preferred_during_scheduling_ignored_during_execution
                    .as_ref()
            }),
            namespace,
        ),
        images,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::ResourceRequirements;
    use k8s_openapi::apimachinery::pkg::api::resource::Quantity as K8sQuantity;

    fn container(requests: &[(&str, &str)], limits: &[(&str, &str)]) -> Container {
        let list = |l: &[(&str, &str)]| {
            (!l.is_empty()).then(|| {
                l.iter()
                    .map(|(k, v)| (k.to_string(), K8sQuantity(v.to_string())))
                    .collect()
            })
        };
        Container {
            name: "c".into(),
            resources: Some(ResourceRequirements {
                requests: list(requests),
                limits: list(limits),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn scoring_defaults_fill_only_missing_requests() {
        let spec = PodSpec {
            containers: vec![
                container(&[("cpu", "0")], &[]),
                container(&[], &[("memory", "1Gi")]),
            ],
            ..Default::default()
        };
        let s = shape("default", &BTreeMap::new(), &spec);
        // An explicit cpu of 0 stays 0; the second container has no cpu, so 100m.
        assert_eq!(s.score_cpu, 100);
        // The first has no memory (200Mi), the second's limit is its request.
        assert_eq!(s.score_memory, (200 << 20) + (1 << 30));
        assert_eq!(s.requests.get("cpu"), None);
        assert!(!s.best_effort());
    }

    #[test]
    fn init_containers_count_their_max_then_pod_level_then_overhead() {
        let mut sidecar = container(&[("cpu", "500m")], &[]);
        sidecar.restart_policy = Some("Always".into());
        let spec = PodSpec {
            containers: vec![container(&[("cpu", "1")], &[])],
            init_containers: Some(vec![sidecar, container(&[("cpu", "2")], &[])]),
            overhead: Some(BTreeMap::from([(
                "cpu".to_string(),
                K8sQuantity("250m".into()),
            )])),
            ..Default::default()
        };
        // max(1 + 0.5, 0.5 + 2) + 0.25
        assert_eq!(effective_requests(&spec)["cpu"], 2750);
    }

    #[test]
    fn image_names_get_latest_without_a_tag() {
        assert_eq!(normalized_image("nginx"), "nginx:latest");
        assert_eq!(normalized_image("r.io:5000/a/b"), "r.io:5000/a/b:latest");
        assert_eq!(normalized_image("r.io:5000/a/b:1"), "r.io:5000/a/b:1");
    }

    #[test]
    fn empty_spread_selectors_count_nothing_and_namespace_selectors_match_names() {
        let c = Spread {
            key: "zone".into(),
            max_skew: 1,
            min_domains: 1,
            selector: Selector(Some(LabelSelector::default())),
            honor_affinity: true,
            honor_taints: false,
        };
        assert!(!c.counts("a", "a", &BTreeMap::new()));
        let t = PodTerm {
            key: "zone".into(),
            selector: Selector(Some(LabelSelector::default())),
            namespaces: vec![],
            namespace_selector: Selector(Some(LabelSelector {
                match_labels: Some(BTreeMap::from([(
                    NAMESPACE_NAME_LABEL.to_string(),
                    "ml".to_string(),
                )])),
                ..Default::default()
            })),
        };
        assert!(t.matches("ml", &BTreeMap::new()));
        assert!(!t.matches("web", &BTreeMap::new()));
    }
}
