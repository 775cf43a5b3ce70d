//! Placing the replicas of one workload, one pod at a time, like kube-scheduler would meet them.
//!
//! Cost: the static filters are computed once per node class (`Prepared`). One pass over the
//! nodes in name order scores every node that passes them and fits into a bucket per score
//! (scores are integers in 0..=200), so each bucket is already in tie-break order and the pass
//! needs no sorting. Each replica then takes the best bucket's
//! head: binding re-scores only that node, which goes to a small heap of re-scored nodes. Nodes
//! that fail topology spread or pod affinity only for now are parked and come back when a domain
//! count opens them up; nodes that fail for good (resources, ports, anti-affinity) are dropped.
//! Only when a replica cannot be placed are all nodes filtered in full, to say why.

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
use crate::inventory::HOSTNAME_LABEL;

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
    // Topology keys other than the hostname are class labels: look them up once per class.
    let keys_ok: Vec<bool> = if pod.spread.is_empty() {
        Vec::new()
    } else {
        let class_keys_ok: Vec<bool> = cluster
            .classes
            .iter()
            .map(|&rep| {
                pod.spread
                    .iter()
                    .all(|c| c.key == HOSTNAME_LABEL || nodes[rep].labels.contains_key(&c.key))
            })
            .collect();
        let needs_hostname = pod.spread.iter().any(|c| c.key == HOSTNAME_LABEL);
        (0..nodes.len())
            .map(|i| {
                class_keys_ok[cluster.class_of[i] as usize]
                    && (!needs_hostname || cluster.has_hostname[i])
            })
            .collect()
    };
    for c in &pod.spread {
        let flags: Vec<bool> = (0..nodes.len())
            .map(|i| {
                let v = prep.verdict(cluster, i);
                keys_ok[i]
                    && (!c.honor_affinity || v.affinity_ok)
                    && (!c.honor_taints || v.taints_ok)
            })
            .collect();
        let (dom, counts) = cluster.count_by_domain(
            &c.key,
            |g| !g.terminating && g.namespace == pod.namespace && c.selector.matches(&g.labels),
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
    // Running pods' anti-affinity terms that match this pod: found by reference first, as
    // looking up a term's domains needs the cluster mutably.
    let matching: Vec<(usize, String)> = cluster
        .holders
        .iter()
        .enumerate()
        .flat_map(|(h, holder)| holder.terms.iter().map(move |t| (h, t)))
        .filter(|(_, t)| t.matches(&pod.namespace, &pod.labels))
        .map(|(h, t)| (h, t.key.clone()))
        .collect();
    for (h, key) in matching {
        let (dom, n) = cluster.domains(&key);
        let mut blocked = vec![false; n];
        for &node in cluster.holders[h].per_node.keys() {
            if dom[node as usize] != NO_DOMAIN {
                blocked[dom[node as usize] as usize] = true;
            }
        }
        inter.existing.push((dom, blocked));
    }
    Dynamic { spreads, inter }
}

type Entry = (i64, Reverse<u32>, usize);

/// The highest score a node can have: 100 for resource fit plus 100 for balance.
const MAX_SCORE: usize = 200;

/// How the pod scores: its cpu/memory as scoring counts them, then as requested.
#[derive(Clone, Copy)]
struct Ask {
    scored: [i64; 2],
    requested: [i64; 2],
    strategy: Strategy,
}

fn score_of(cluster: &Cluster<'_>, node: usize, ask: Ask) -> i64 {
    let (alloc, used) = cluster.row(node);
    score(
        [alloc[0], alloc[1]],
        cluster.score_used[node],
        [used[0], used[1]],
        ask.scored,
        ask.requested,
        ask.strategy,
    )
}

fn fits(cluster: &Cluster<'_>, node: usize, pod: &PodShape, req: &[(usize, i64)]) -> bool {
    let (alloc, used) = cluster.row(node);
    node_resources_fit::fits(alloc, used, cluster.pods[node], cluster.max_pods[node], req)
        && node_ports::filter(&cluster.ports[node], pod).is_none()
}

/// Candidate nodes best first: (score, then name). Filled once per workload in name order, so
/// each score's bucket is in tie-break order; nodes re-scored after a bind go to `rescored`.
#[derive(Debug, Default)]
pub struct Queue {
    buckets: Vec<Vec<u32>>,
    heads: Vec<usize>,
    top: usize,
    rescored: BinaryHeap<Entry>,
    parked: Vec<usize>,
}

impl Queue {
    fn reset(&mut self) {
        self.buckets.resize_with(MAX_SCORE + 1, Vec::new);
        self.buckets.iter_mut().for_each(Vec::clear);
        self.heads.clear();
        self.heads.resize(MAX_SCORE + 1, 0);
        self.top = 0;
        self.rescored.clear();
        self.parked.clear();
    }

    fn bucket(score: i64) -> usize {
        usize::try_from(score).unwrap_or(0).min(MAX_SCORE)
    }

    /// During the fill only: nodes must come in name order.
    fn fill(&mut self, score: i64, node: u32) {
        let b = Self::bucket(score);
        self.buckets[b].push(node);
        self.top = self.top.max(b);
    }

    fn push(&mut self, cluster: &Cluster<'_>, score: i64, node: usize) {
        self.rescored
            .push((score, Reverse(cluster.rank[node]), node));
    }

    fn pop(&mut self, cluster: &Cluster<'_>) -> Option<usize> {
        while self.top > 0 && self.heads[self.top] == self.buckets[self.top].len() {
            self.top -= 1;
        }
        let t = self.top;
        let head = self.buckets[t].get(self.heads[t]).map(|&n| {
            let n = n as usize;
            (t as i64, Reverse(cluster.rank[n]), n)
        });
        match (head, self.rescored.peek()) {
            (Some(h), Some(r)) if *r > h => self.rescored.pop().map(|e| e.2),
            (Some(h), _) => {
                self.heads[t] += 1;
                Some(h.2)
            }
            (None, _) => self.rescored.pop().map(|e| e.2),
        }
    }
}

/// Place `count` replicas of `pod`, greedily, each on the best-scoring node that passes every
/// filter. `queue` is scratch space reused from one workload to the next.
pub fn place(
    cluster: &mut Cluster<'_>,
    pod: &PodShape,
    prep: &Prepared,
    count: u32,
    strategy: Strategy,
    queue: &mut Queue,
) -> Outcome {
    let mut out = Outcome::default();
    if count == 0 {
        return out;
    }
    let req = cluster.request(pod);
    let ask = Ask {
        scored: [pod.score_cpu, pod.score_memory],
        requested: [
            pod.requests.get("cpu").copied().unwrap_or(0),
            pod.requests.get("memory").copied().unwrap_or(0),
        ],
        strategy,
    };
    let group = cluster.group(pod, false);
    let holder = cluster.holder(pod, group);
    let mut dynamic = dynamic_state(cluster, pod, prep);
    let constrained = !dynamic.spreads.is_empty() || !dynamic.inter.is_empty();
    queue.reset();
    for &n in &cluster.by_rank {
        let node = n as usize;
        if prep.verdict(cluster, node).reason.is_some() || !fits(cluster, node, pod, &req) {
            continue;
        }
        match constrained.then(|| dynamic.check(node)).flatten() {
            None => queue.fill(score_of(cluster, node, ask), n),
            Some((_, true)) => {}
            Some((_, false)) => queue.parked.push(node),
        }
    }
    while out.placed < count {
        let Some(node) = queue.pop(cluster) else {
            break;
        };
        match constrained.then(|| dynamic.check(node)).flatten() {
            None => {}
            Some((_, true)) => continue,
            Some((_, false)) => {
                queue.parked.push(node);
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
            queue.push(cluster, score_of(cluster, node, ask), node);
        }
        if reopened {
            let mut parked = std::mem::take(&mut queue.parked);
            for p in parked.drain(..) {
                queue.push(cluster, score_of(cluster, p, ask), p);
            }
            queue.parked = parked;
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
