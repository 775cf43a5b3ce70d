//! Placing the replicas of one workload, one pod at a time, like kube-scheduler would meet them.
//!
//! Cost: the static filters are computed once per node class (`Prepared`); the nodes that pass
//! them and fit go into a max-heap keyed by (score, name), so each replica costs O(log n): pop the
//! best node, bind, re-score only that node. Nodes that fail topology spread or pod affinity only
//! for now are parked and come back when a domain count opens them up; nodes that fail for good
//! (resources, ports, anti-affinity) are dropped. Only when a replica cannot be placed are all
//! nodes filtered in full, to say why.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use super::Strategy;
use super::cluster::Cluster;
use super::filters::inter_pod_affinity::{InterPodState, TermCounts};
use super::filters::pod_topology_spread::{MISSING, NO_DOMAIN, SpreadState};
use super::filters::{
    node_affinity, node_ports, node_resources_fit, static_reason, taint_toleration,
};
use super::pod::PodShape;
use super::score::score;

/// The static filter results for one node class (or node).
#[derive(Debug, Clone)]
pub struct Verdict {
    pub reason: Option<String>,
    pub affinity_ok: bool,
    pub taints_ok: bool,
}

/// What is known about a workload's pod before any run: its static verdicts.
#[derive(Debug, Clone)]
pub struct Prepared {
    per_class: Vec<Verdict>,
    /// Set when the pod names nodes (nodeName, hostname selectors, matchFields).
    per_node: Option<Vec<Verdict>>,
}

fn verdict_of(node: &crate::inventory::Node, pod: &PodShape) -> Verdict {
    Verdict {
        reason: static_reason(node, pod),
        affinity_ok: node_affinity::matches(node, &pod.node_selector, pod.node_affinity.as_ref()),
        taints_ok: taint_toleration::first_untolerated(node, pod).is_none(),
    }
}

impl Prepared {
    pub fn new(cluster: &Cluster<'_>, pod: &PodShape) -> Self {
        let per_class = cluster
            .classes
            .iter()
            .map(|&i| verdict_of(&cluster.nodes[i], pod))
            .collect();
        let per_node = node_affinity::names_nodes(pod)
            .then(|| cluster.nodes.iter().map(|n| verdict_of(n, pod)).collect());
        Prepared {
            per_class,
            per_node,
        }
    }

    /// The nodes that pass the static filters, skipping whole classes that do not.
    pub fn passing<'c>(&'c self, cluster: &'c Cluster<'_>) -> Box<dyn Iterator<Item = usize> + 'c> {
        match &self.per_node {
            Some(v) => Box::new((0..v.len()).filter(|&i| v[i].reason.is_none())),
            None => Box::new(
                self.per_class
                    .iter()
                    .zip(&cluster.class_nodes)
                    .filter(|(v, _)| v.reason.is_none())
                    .flat_map(|(_, nodes)| nodes.iter().map(|&n| n as usize)),
            ),
        }
    }

    pub fn verdict(&self, cluster: &Cluster<'_>, node: usize) -> &Verdict {
        match &self.per_node {
            Some(v) => &v[node],
            None => &self.per_class[cluster.class_of[node] as usize],
        }
    }
}

/// Why a replica could not be placed: reason → how many nodes gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub reasons: BTreeMap<String, u32>,
    pub nodes: usize,
}

impl Failure {
    /// `0/N nodes are available: ` + the sorted "<count> <reason>" entries + `.`
    pub fn message(&self) -> String {
        let mut entries: Vec<String> = self
            .reasons
            .iter()
            .map(|(r, n)| format!("{n} {r}"))
            .collect();
        entries.sort();
        format!(
            "0/{} nodes are available: {}.",
            self.nodes,
            entries.join(", ")
        )
    }
}

/// How one workload fared in one run.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub placed: u32,
    pub unplaced: u32,
    pub failure: Option<Failure>,
    pub assignments: BTreeMap<usize, u32>,
}

struct Dynamic {
    spreads: Vec<SpreadState>,
    inter: InterPodState,
}

impl Dynamic {
    /// The first dynamic rule the node breaks, and whether it breaks it for good.
    fn check(&self, node: usize) -> Option<(&'static str, bool)> {
        for s in &self.spreads {
            if let Some(r) = s.check(node) {
                return Some((r, r == MISSING));
            }
        }
        self.inter
            .check(node)
            .map(|r| (r, InterPodState::permanent(r)))
    }
}

fn dynamic_state(cluster: &mut Cluster<'_>, pod: &PodShape, prep: &Prepared) -> Dynamic {
    let nodes = cluster.nodes;
    let mut spreads = Vec::new();
    for c in &pod.spread {
        let keys_ok = |i: usize| {
            pod.spread
                .iter()
                .all(|c| nodes[i].labels.contains_key(&c.key))
        };
        let eligible = |i: usize| {
            let v = prep.verdict(cluster, i);
            keys_ok(i) && (!c.honor_affinity || v.affinity_ok) && (!c.honor_taints || v.taints_ok)
        };
        let flags: Vec<bool> = (0..nodes.len()).map(eligible).collect();
        let (dom, counts) = cluster.count_by_domain(
            &c.key,
            |g| g.namespace == pod.namespace && c.selector.matches(&g.labels),
            |i| flags[i],
        );
        let mut domain_ok = vec![false; counts.len()];
        for (i, &ok) in flags.iter().enumerate() {
            if ok && dom[i] != NO_DOMAIN {
                domain_ok[dom[i] as usize] = true;
            }
        }
        spreads.push(SpreadState::new(
            c,
            c.selector.matches(&pod.labels),
            dom,
            counts,
            domain_ok,
        ));
    }
    let mut inter = InterPodState::default();
    for (terms, out) in [
        (&pod.affinity, &mut inter.affinity),
        (&pod.anti_affinity, &mut inter.anti_affinity),
    ] {
        for t in terms {
            let (domain_of, counts) =
                cluster.count_by_domain(&t.key, |g| t.matches(&g.namespace, &g.labels), |_| true);
            out.push(TermCounts {
                domain_of,
                counts,
                self_match: t.matches(&pod.namespace, &pod.labels),
            });
        }
    }
    for h in 0..cluster.holders.len() {
        for t in cluster.holders[h].terms.clone() {
            if !t.matches(&pod.namespace, &pod.labels) {
                continue;
            }
            let (dom, n) = cluster.domains(&t.key);
            let mut blocked = vec![false; n];
            for &node in cluster.holders[h].per_node.keys() {
                if dom[node as usize] != NO_DOMAIN {
                    blocked[dom[node as usize] as usize] = true;
                }
            }
            inter.existing.push((dom, blocked));
        }
    }
    Dynamic { spreads, inter }
}

type Entry = (i64, Reverse<u32>, usize);

fn entry(
    cluster: &Cluster<'_>,
    node: usize,
    pod: &PodShape,
    req: [i64; 2],
    strategy: Strategy,
) -> Entry {
    let (alloc, used) = cluster.row(node);
    let s = score(
        [alloc[0], alloc[1]],
        cluster.score_used[node],
        [used[0], used[1]],
        [pod.score_cpu, pod.score_memory],
        req,
        strategy,
    );
    (s, Reverse(cluster.rank[node]), node)
}

fn fits(cluster: &Cluster<'_>, node: usize, pod: &PodShape, req: &[(usize, i64)]) -> bool {
    let (alloc, used) = cluster.row(node);
    node_resources_fit::fits(alloc, used, cluster.pods[node], cluster.max_pods[node], req)
        && node_ports::filter(&cluster.ports[node], pod).is_none()
}

/// Place `count` replicas of `pod`, greedily, each on the best-scoring node that passes every filter.
pub fn place(
    cluster: &mut Cluster<'_>,
    pod: &PodShape,
    prep: &Prepared,
    count: u32,
    strategy: Strategy,
) -> Outcome {
    let mut out = Outcome::default();
    if count == 0 {
        return out;
    }
    let req = cluster.request(pod);
    let req2 = [
        pod.requests.get("cpu").copied().unwrap_or(0),
        pod.requests.get("memory").copied().unwrap_or(0),
    ];
    let group = cluster.group(pod);
    let holder = cluster.holder(pod, group);
    let mut dynamic = dynamic_state(cluster, pod, prep);
    let mut candidates = Vec::new();
    let mut parked = Vec::new();
    for node in prep.passing(cluster) {
        if !fits(cluster, node, pod, &req) {
            continue;
        }
        match dynamic.check(node) {
            None => candidates.push(entry(cluster, node, pod, req2, strategy)),
            Some((_, true)) => {}
            Some((_, false)) => parked.push(node),
        }
    }
    let mut heap = BinaryHeap::from(candidates);
    while out.placed < count {
        let Some((_, _, node)) = heap.pop() else {
            break;
        };
        match dynamic.check(node) {
            None => {}
            Some((_, true)) => continue,
            Some((_, false)) => {
                parked.push(node);
                continue;
            }
        }
        cluster.bind(node, pod, &req, group, holder);
        out.placed += 1;
        *out.assignments.entry(node).or_insert(0) += 1;
        let mut reopened = false;
        for s in &mut dynamic.spreads {
            reopened |= s.add(node);
        }
        reopened |= dynamic.inter.add(node);
        if fits(cluster, node, pod, &req) {
            heap.push(entry(cluster, node, pod, req2, strategy));
        }
        if reopened {
            for p in parked.drain(..) {
                heap.push(entry(cluster, p, pod, req2, strategy));
            }
        }
    }
    out.unplaced = count - out.placed;
    if out.unplaced > 0 {
        out.failure = Some(diagnose(cluster, pod, prep, &req, &dynamic));
    }
    out
}

/// Every node through every filter in order: the first filter that rejects it gives its reasons.
fn diagnose(
    cluster: &Cluster<'_>,
    pod: &PodShape,
    prep: &Prepared,
    req: &[(usize, i64)],
    dynamic: &Dynamic,
) -> Failure {
    let mut reasons: BTreeMap<String, u32> = BTreeMap::new();
    let mut add = |r: &str| *reasons.entry(r.to_string()).or_insert(0) += 1;
    for node in 0..cluster.nodes.len() {
        if let Some(r) = &prep.verdict(cluster, node).reason {
            add(r);
            continue;
        }
        if let Some(r) = node_ports::filter(&cluster.ports[node], pod) {
            add(r);
            continue;
        }
        let (alloc, used) = cluster.row(node);
        let fit = node_resources_fit::reasons(
            alloc,
            used,
            cluster.pods[node],
            cluster.max_pods[node],
            req,
            &cluster.names,
        );
        if !fit.is_empty() {
            fit.iter().for_each(|r| add(r));
            continue;
        }
        if let Some((r, _)) = dynamic.check(node) {
            add(r);
        }
    }
    Failure {
        reasons,
        nodes: cluster.nodes.len(),
    }
}
