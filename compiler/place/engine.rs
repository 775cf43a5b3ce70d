//! Placing the replicas of one workload role, one pod at a time, as kube-scheduler would: the
//! nodes that pass every filter, scored by every default score plugin and normalised over
//! those nodes, the best one taken.
//!
//! Cost: a node's total score is its own part (resource scores, image locality) plus a part
//! that depends only on a few of its properties and on figures over all feasible nodes (the
//! normalisers of the taint, affinity, spread and inter-pod scores; the spread weights). Nodes
//! that share those properties — the same node class, and the same counts on themselves for
//! hostname-keyed rules — form a group, whose dynamic filters (spread, inter-pod affinity) also
//! agree, and which keeps its nodes in a heap by their own part. Each replica then looks at the
//! groups' heads only: their filters, the normalisers over the feasible groups, the best head.
//! Binding changes one node, which moves to its new group. Static filters are computed once
//! per node class. Only when a replica cannot be placed are all nodes filtered in full, to say
//! why.
//!
//! Ties between equally scored nodes go to the lowest `tie` rank; `moments` runs a second
//! order to find the moments whose outcome depends on it.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use super::Strategy;
use super::cluster::Cluster;
use super::filters::node_affinity::{CONFLICT, PreFilter};
use super::filters::pod_topology_spread::NO_DOMAIN;
use super::filters::{node_ports, node_resources_fit};
use super::pod::PodShape;
use super::prepare::{Dynamic, Prepared, dynamic_state, inter_pod_score, soft_spread};
use super::score::image_locality::Images;
use super::score::inter_pod_affinity::{self, InterPodScore};
use super::score::resources::{self, Ask};
use super::score::topology_spread::{self, SoftSpreadState, weight};
use super::score::{self as plugins, default_normalize};
use crate::inventory::HOSTNAME_LABEL;

/// Why a replica could not be placed: reason → how many nodes gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub reasons: BTreeMap<String, u32>,
    pub nodes: usize,
    /// The PreFilter rejected the pod before any node was tried: its one reason is the message.
    pub pre_filter: bool,
}

impl Failure {
    /// `0/N nodes are available: ` + the sorted "<count> <reason>" entries (or the PreFilter's
    /// reason, without counts) + `.`
    pub fn message(&self) -> String {
        let body = if self.pre_filter {
            self.reasons.keys().cloned().collect::<Vec<_>>().join(", ")
        } else {
            let mut entries: Vec<String> = self
                .reasons
                .iter()
                .map(|(r, n)| format!("{n} {r}"))
                .collect();
            entries.sort();
            entries.join(", ")
        };
        format!("0/{} nodes are available: {body}.", self.nodes)
    }
}

/// How one workload role fared in one run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    pub placed: u32,
    pub unplaced: u32,
    /// For a workload of gangs: its groups, and those whose every pod was placed.
    pub groups: u32,
    pub groups_whole: u32,
    pub failure: Option<Failure>,
    pub assignments: BTreeMap<usize, u32>,
}

/// What every placement of a run shares.
#[derive(Clone, Copy)]
pub struct Run<'r> {
    pub strategy: Strategy,
    /// Each node's place in the tie-break order: lower wins.
    pub tie: &'r [u32],
    /// The nodes in that order.
    pub order: &'r [u32],
    pub images: &'r Images,
}

/// A feasible node: (its own score, its tie rank, node, version).
type Entry = (i64, Reverse<u32>, u32, u32);

/// A node value that stands for "the node lacks the key".
const MISSING: i64 = i64::MIN;
/// Node values at or above `DOMAIN + d` name a domain `d` that several nodes share.
const DOMAIN: i64 = i64::MIN / 2;

/// The highest own score: 100 each for resource fit, balance and image locality.
const MAX_OWN: usize = 300;

#[derive(Debug, Default)]
struct Group {
    values: Box<[i64]>,
    /// The first fill, visited in tie order: per own score, its (node, version) entries, so each
    /// bucket is already in tie order; `heads` is where each bucket's unread part starts.
    buckets: Vec<Vec<(u32, u32)>>,
    heads: Vec<u32>,
    /// The highest bucket that may hold a node still here.
    top: usize,
    /// Nodes that came back after a bind, with their new score.
    rescored: BinaryHeap<Entry>,
    live: u32,
}

/// The candidate nodes of the workload being placed, in groups. Scratch space reused from one
/// workload to the next.
#[derive(Debug, Default)]
pub struct Queue {
    groups: Vec<Group>,
    by_part: Vec<Vec<u32>>,
    node_group: Vec<u32>,
    version: Vec<u32>,
    values: Vec<i64>,
    feasible: Vec<(u32, usize, i64, Reverse<u32>)>,
    spread_raw: Vec<Option<i64>>,
    domains: Vec<u32>,
    weights: Vec<f64>,
}

impl Queue {
    fn reset(&mut self, nodes: usize, parts: usize) {
        self.groups.clear();
        self.by_part.iter_mut().for_each(Vec::clear);
        self.by_part.resize_with(parts, Vec::new);
        self.node_group.clear();
        self.node_group.resize(nodes, u32::MAX);
        self.version.resize(nodes, 0);
    }

    /// The group of a part and node values (in `self.values`), made on first use.
    fn group_of(&mut self, part: u32) -> u32 {
        let list = &self.by_part[part as usize];
        // Few and short: compared in place rather than through memcmp.
        let same =
            |a: &[i64], b: &[i64]| a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y);
        if let Some(&g) = list
            .iter()
            .find(|&&g| same(&self.groups[g as usize].values, &self.values))
        {
            return g;
        }
        let g = u32::try_from(self.groups.len()).unwrap_or(u32::MAX);
        self.groups.push(Group {
            values: self.values.clone().into_boxed_slice(),
            buckets: vec![Vec::new(); MAX_OWN + 1],
            heads: vec![0; MAX_OWN + 1],
            top: 0,
            rescored: BinaryHeap::new(),
            live: 0,
        });
        self.by_part[part as usize].push(g);
        g
    }

    /// A node into its group: during the first fill (`fill`, nodes come in tie order) into its
    /// score's bucket, later onto the re-scored heap.
    fn insert(&mut self, node: usize, score: i64, tie: u32, group: u32, fill: bool) {
        let n = u32::try_from(node).unwrap_or(u32::MAX);
        let version = self.version[node];
        let g = &mut self.groups[group as usize];
        if fill {
            let b = usize::try_from(score).unwrap_or(0).min(MAX_OWN);
            g.buckets[b].push((n, version));
            g.top = g.top.max(b);
        } else {
            g.rescored.push((score, Reverse(tie), n, version));
        }
        g.live += 1;
        self.node_group[node] = group;
    }

    fn remove(&mut self, node: usize) {
        self.version[node] = self.version[node].wrapping_add(1);
        if let Some(g) = self.groups.get_mut(self.node_group[node] as usize) {
            g.live -= 1;
        }
        self.node_group[node] = u32::MAX;
    }

    /// The group's best node, dropping entries of nodes that moved.
    fn top(&mut self, group: usize, tie: &[u32]) -> Option<Entry> {
        let Queue {
            groups, version, ..
        } = self;
        let g = &mut groups[group];
        let valid = |(n, v): (u32, u32)| version[n as usize] == v;
        let bucket = loop {
            let b = g.top;
            let head = &mut g.heads[b];
            while let Some(&e) = g.buckets[b].get(*head as usize) {
                if valid(e) {
                    break;
                }
                *head += 1;
            }
            if let Some(&(n, v)) = g.buckets[b].get(*head as usize) {
                break Some((b as i64, Reverse(tie[n as usize]), n, v));
            }
            if b == 0 {
                break None;
            }
            g.top -= 1;
        };
        while let Some(&e) = g.rescored.peek() {
            if valid((e.2, e.3)) {
                break;
            }
            g.rescored.pop();
        }
        match (bucket, g.rescored.peek()) {
            (Some(b), Some(&r)) => Some(b.max(r)),
            (b, r) => b.or(r.copied()),
        }
    }
}

/// What decides a workload's scores beyond each node's own part.
struct Scoring {
    ask: Ask,
    soft: SoftSpreadState,
    inter: InterPodScore,
    /// The pod's images, when a node holds one of them.
    images: Option<Vec<String>>,
}

fn own_score(cluster: &Cluster<'_>, node: usize, s: &Scoring, run: Run<'_>) -> i64 {
    let (alloc, used) = cluster.row(node);
    let mut score = resources::score(
        [alloc[0], alloc[1]],
        cluster.score_used[node],
        [used[0], used[1]],
        s.ask,
    );
    if let Some(images) = &s.images {
        score += run.images.score(&cluster.nodes[node], images);
    }
    score
}

fn fits(cluster: &Cluster<'_>, node: usize, pod: &PodShape, req: &[(usize, i64)]) -> bool {
    let (alloc, used) = cluster.row(node);
    node_resources_fit::fits(alloc, used, cluster.pods[node], cluster.max_pods[node], req)
        && node_ports::filter(&cluster.ports[node], pod).is_none()
}

/// The node's values that its class does not fix: for every hostname-keyed rule, the count on
/// the node itself (or the shared domain, where hostnames repeat), and whether it has the key.
fn node_values(
    cluster: &Cluster<'_>,
    node: usize,
    dynamic: &Dynamic,
    s: &Scoring,
    out: &mut Vec<i64>,
) {
    out.clear();
    out.push(i64::from(cluster.has_hostname[node]));
    let cell = |domain_of: &[u32], value: &dyn Fn(usize) -> i64| {
        let d = domain_of[node];
        if d == NO_DOMAIN {
            MISSING
        } else if cluster.hostname_unique {
            value(d as usize)
        } else {
            DOMAIN + i64::from(d)
        }
    };
    for (st, _) in dynamic
        .spreads
        .iter()
        .zip(&dynamic.spread_host)
        .filter(|x| *x.1)
    {
        out.push(cell(&st.domain_of, &|d| st.counts[d]));
    }
    let inter = &dynamic.inter;
    for (t, _) in inter
        .affinity
        .iter()
        .zip(&dynamic.affinity_host)
        .filter(|x| *x.1)
    {
        out.push(cell(&t.domain_of, &|d| t.counts[d]));
    }
    for (t, _) in inter
        .anti_affinity
        .iter()
        .zip(&dynamic.anti_host)
        .filter(|x| *x.1)
    {
        out.push(cell(&t.domain_of, &|d| t.counts[d]));
    }
    for ((dom, blocked), _) in inter
        .existing
        .iter()
        .zip(&dynamic.existing_host)
        .filter(|x| *x.1)
    {
        out.push(cell(dom, &|d| i64::from(blocked[d])));
    }
    for c in s.soft.constraints.iter().filter(|c| c.hostname) {
        out.push(c.count(node).unwrap_or(MISSING));
    }
    for t in s.inter.tables.iter().filter(|t| t.key == HOSTNAME_LABEL) {
        out.push(cell(&t.domain_of, &|d| t.values[d]));
    }
}

/// Put a node that fits into its group (`fill`: during the first fill, in tie order).
#[allow(clippy::too_many_arguments)]
fn enter(
    queue: &mut Queue,
    cluster: &Cluster<'_>,
    prep: &Prepared,
    node: usize,
    dynamic: &Dynamic,
    s: &Scoring,
    run: Run<'_>,
    fill: bool,
) {
    let part = if prep.per_node() {
        node
    } else {
        cluster.class_of[node] as usize
    };
    let mut values = std::mem::take(&mut queue.values);
    node_values(cluster, node, dynamic, s, &mut values);
    queue.values = values;
    let group = queue.group_of(u32::try_from(part).unwrap_or(u32::MAX));
    queue.insert(
        node,
        own_score(cluster, node, s, run),
        run.tie[node],
        group,
        fill,
    );
}

/// The best feasible node now, or `None` when no node passes every filter.
fn select(
    queue: &mut Queue,
    cluster: &Cluster<'_>,
    prep: &Prepared,
    dynamic: &Dynamic,
    s: &Scoring,
    tie_ranks: &[u32],
) -> Option<usize> {
    let mut feasible = std::mem::take(&mut queue.feasible);
    feasible.clear();
    for g in 0..queue.groups.len() {
        if queue.groups[g].live == 0 {
            continue;
        }
        let Some((own, tie, node, _)) = queue.top(g, tie_ranks) else {
            continue;
        };
        let node = node as usize;
        if dynamic.check(node).is_none() {
            feasible.push((u32::try_from(g).unwrap_or(u32::MAX), node, own, tie));
        }
    }
    let best = best(queue, cluster, prep, s, &feasible);
    queue.feasible = feasible;
    best
}

/// The highest total score among the feasible groups' heads (ties to the lowest rank).
fn best(
    queue: &mut Queue,
    cluster: &Cluster<'_>,
    prep: &Prepared,
    s: &Scoring,
    feasible: &[(u32, usize, i64, Reverse<u32>)],
) -> Option<usize> {
    if feasible.is_empty() {
        return None;
    }
    let (mut taint_max, mut affinity_max) = (0, 0);
    for &(_, rep, ..) in feasible {
        let v = prep.verdict(cluster, rep);
        taint_max = taint_max.max(v.taint_raw);
        affinity_max = affinity_max.max(v.affinity_raw);
    }
    // Topology spread: each constraint's weight from its domains among the scored nodes, then
    // the raw scores' range.
    let mut spread_raw = std::mem::take(&mut queue.spread_raw);
    spread_raw.clear();
    let (mut spread_min, mut spread_max) = (i64::MAX, 0);
    if !s.soft.is_empty() {
        let scored = |rep: usize| !s.soft.ignored(rep);
        let nodes: u32 = feasible
            .iter()
            .filter(|f| scored(f.1))
            .map(|f| queue.groups[f.0 as usize].live)
            .sum();
        let mut weights = std::mem::take(&mut queue.weights);
        weights.clear();
        for c in &s.soft.constraints {
            let size = if c.hostname {
                nodes as usize
            } else {
                let domains = &mut queue.domains;
                domains.clear();
                domains.extend(
                    feasible
                        .iter()
                        .filter(|f| scored(f.1))
                        .map(|f| c.domain_of[f.1]),
                );
                domains.sort_unstable();
                domains.dedup();
                domains.len()
            };
            weights.push(weight(size));
        }
        for &(_, rep, ..) in feasible {
            let raw = scored(rep).then(|| s.soft.raw(rep, &weights));
            if let Some(r) = raw {
                spread_min = spread_min.min(r);
                spread_max = spread_max.max(r);
            }
            spread_raw.push(raw);
        }
        queue.weights = weights;
    }
    let (mut inter_min, mut inter_max) = (i64::MAX, i64::MIN);
    if !s.inter.is_empty() {
        for &(_, rep, ..) in feasible {
            let r = s.inter.raw(rep);
            inter_min = inter_min.min(r);
            inter_max = inter_max.max(r);
        }
    }
    let mut best: Option<(i64, Reverse<u32>, usize)> = None;
    for (i, &(_, rep, own, tie)) in feasible.iter().enumerate() {
        let v = prep.verdict(cluster, rep);
        let mut total = own
            + plugins::TAINT_TOLERATION * default_normalize(v.taint_raw, taint_max, true)
            + plugins::NODE_AFFINITY * default_normalize(v.affinity_raw, affinity_max, false);
        if let Some(Some(raw)) = spread_raw.get(i) {
            total += plugins::POD_TOPOLOGY_SPREAD
                * topology_spread::normalize(*raw, spread_min, spread_max);
        }
        if !s.inter.is_empty() {
            total += plugins::INTER_POD_AFFINITY
                * inter_pod_affinity::normalize(s.inter.raw(rep), inter_min, inter_max);
        }
        if best.is_none_or(|b| (total, tie) > (b.0, b.1)) {
            best = Some((total, tie, rep));
        }
    }
    queue.spread_raw = spread_raw;
    best.map(|b| b.2)
}

/// Place `count` replicas of `pod`, greedily, each on the best-scoring node that passes every
/// filter. `queue` is scratch space reused from one workload to the next.
pub fn place(
    cluster: &mut Cluster<'_>,
    pod: &PodShape,
    prep: &Prepared,
    count: u32,
    run: Run<'_>,
    queue: &mut Queue,
) -> Outcome {
    let mut out = Outcome::default();
    if count == 0 {
        return out;
    }
    let nodes = cluster.nodes.len();
    if prep.pre_filter == PreFilter::Conflict {
        out.unplaced = count;
        out.failure = Some(Failure {
            reasons: BTreeMap::from([(CONFLICT.to_string(), u32::try_from(nodes).unwrap_or(0))]),
            nodes,
            pre_filter: true,
        });
        return out;
    }
    let req = cluster.request(pod);
    let group = cluster.group(pod, false);
    let holder = cluster.holder(pod, group);
    let mut dynamic = dynamic_state(cluster, pod, prep);
    let mut scoring = Scoring {
        ask: Ask {
            scored: [pod.score_cpu, pod.score_memory],
            requested: [
                pod.requests.get("cpu").copied().unwrap_or(0),
                pod.requests.get("memory").copied().unwrap_or(0),
            ],
            best_effort: pod.best_effort(),
            strategy: run.strategy,
        },
        soft: soft_spread(cluster, pod, prep),
        inter: inter_pod_score(cluster, pod),
        images: prep.images.then(|| pod.images.clone()),
    };
    let parts = if prep.per_node() {
        nodes
    } else {
        cluster.classes.len()
    };
    queue.reset(nodes, parts);
    // In tie order, so that each score's bucket is too.
    for &node in run.order {
        let node = node as usize;
        if prep.verdict(cluster, node).reason.is_none() && fits(cluster, node, pod, &req) {
            enter(queue, cluster, prep, node, &dynamic, &scoring, run, true);
        }
    }
    while out.placed < count {
        let Some(node) = select(queue, cluster, prep, &dynamic, &scoring, run.tie) else {
            break;
        };
        cluster.bind(node, pod, &req, group, holder);
        out.placed += 1;
        *out.assignments.entry(node).or_insert(0) += 1;
        dynamic.add(node);
        scoring.soft.add(node);
        scoring
            .inter
            .add(node, !cluster.nodes[node].labels.is_empty());
        queue.remove(node);
        if fits(cluster, node, pod, &req) {
            enter(queue, cluster, prep, node, &dynamic, &scoring, run, false);
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
        if let Some(r) = dynamic.check(node) {
            add(r);
        }
    }
    Failure {
        reasons,
        nodes: cluster.nodes.len(),
        pre_filter: false,
    }
}
