//! The simulated cluster: every node's allocatable and current usage as flat integer arrays, the
//! node classes static filters are computed for, and the pod groups (same namespace and labels)
//! topology spread and inter-pod affinity count.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::filters::pod_topology_spread::NO_DOMAIN;
use super::pod::{HostPort, PodShape, PodTerm, Selector, WeightedTerm};
use crate::inventory::{HOSTNAME_LABEL, Node};

/// Pods with one namespace and one label set: how many run on each node.
#[derive(Debug, Clone)]
pub struct Group {
    pub namespace: String,
    pub labels: BTreeMap<String, String>,
    /// Running pods being deleted, which topology spread does not count.
    pub terminating: bool,
    pub per_node: BTreeMap<u32, u32>,
}

/// Pods of one group that carry the same pod (anti-)affinity terms, and where they run: their
/// required anti-affinity keeps other pods away, and every term scores InterPodAffinity.
#[derive(Debug, Clone)]
pub struct Holder {
    pub group: usize,
    pub affinity: Vec<PodTerm>,
    pub anti_affinity: Vec<PodTerm>,
    pub preferred_affinity: Vec<WeightedTerm>,
    pub preferred_anti_affinity: Vec<WeightedTerm>,
    pub per_node: BTreeMap<u32, u32>,
}

/// Distinct terms of a pod, the key of its holder.
type HolderKey = (usize, String);

#[derive(Debug, Clone)]
pub struct Cluster<'a> {
    pub nodes: &'a [Node],
    /// Resource names; index 0 is cpu, 1 memory.
    pub names: Vec<String>,
    pub index: BTreeMap<String, usize>,
    /// Resources per node (row length of `alloc`/`used`).
    pub width: usize,
    pub alloc: Vec<i64>,
    pub used: Vec<i64>,
    /// cpu and memory as scoring counts them.
    pub score_used: Vec<[i64; 2]>,
    pub pods: Vec<i64>,
    pub max_pods: Vec<i64>,
    pub ports: Vec<Vec<HostPort>>,
    /// Nodes that differ only in name share a class.
    pub class_of: Vec<u32>,
    /// One representative node per class.
    pub classes: Vec<usize>,
    /// Position of each node in name order, for tie-breaks.
    pub rank: Vec<u32>,
    /// The nodes in name order (the inverse of `rank`).
    pub by_rank: Vec<u32>,
    /// Whether each node has a hostname label (the one label classes leave out).
    pub has_hostname: Vec<bool>,
    pub groups: Vec<Group>,
    group_index: BTreeMap<(String, BTreeMap<String, String>, bool), usize>,
    /// The groups with each label key and value.
    by_label: BTreeMap<String, BTreeMap<String, Vec<usize>>>,
    pub holders: Vec<Holder>,
    holder_index: BTreeMap<HolderKey, usize>,
    domains: BTreeMap<String, (Arc<Vec<u32>>, usize)>,
    /// Whether every node's hostname label differs from every other's: then a hostname
    /// domain is one node.
    pub hostname_unique: bool,
}

impl<'a> Cluster<'a> {
    /// An empty cluster; `resources` lists every resource a pod of the run may request.
    pub fn new<'r>(nodes: &'a [Node], resources: impl IntoIterator<Item = &'r String>) -> Self {
        let mut names: Vec<String> = vec!["cpu".into(), "memory".into()];
        let mut index: BTreeMap<String, usize> = names.iter().cloned().zip(0..).collect();
        let mut all: Vec<&str> = nodes
            .iter()
            .flat_map(|n| n.allocatable.keys())
            .map(|s| s.as_str())
            .collect();
        all.extend(resources.into_iter().map(|s| s.as_str()));
        for name in all {
            if name != "pods" && !index.contains_key(name) {
                index.insert(name.to_string(), names.len());
                names.push(name.to_string());
            }
        }
        let width = names.len();
        let mut alloc = vec![0; nodes.len() * width];
        for (i, n) in nodes.iter().enumerate() {
            for (k, v) in &n.allocatable {
                if let Some(&r) = index.get(k) {
                    alloc[i * width + r] = *v;
                }
            }
        }
        let mut class_index = BTreeMap::new();
        let mut classes = Vec::new();
        let class_of: Vec<u32> = nodes
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let labels: Vec<_> = n
                    .labels
                    .iter()
                    .filter(|(k, _)| *k != HOSTNAME_LABEL)
                    .collect();
                let key = (labels, &n.taints, n.unschedulable);
                *class_index.entry(key).or_insert_with(|| {
                    classes.push(i);
                    u32::try_from(classes.len() - 1).unwrap_or(u32::MAX)
                })
            })
            .collect();
        let mut order: Vec<usize> = (0..nodes.len()).collect();
        order.sort_by(|&a, &b| nodes[a].name.cmp(&nodes[b].name).then(a.cmp(&b)));
        let mut rank = vec![0; nodes.len()];
        for (r, &i) in order.iter().enumerate() {
            rank[i] = u32::try_from(r).unwrap_or(u32::MAX);
        }
        let by_rank = order
            .iter()
            .map(|&i| u32::try_from(i).unwrap_or(u32::MAX))
            .collect();
        let mut hostnames = BTreeSet::new();
        let hostname_unique = nodes
            .iter()
            .filter_map(|n| n.labels.get(HOSTNAME_LABEL))
            .all(|h| hostnames.insert(h.as_str()));
        Cluster {
            nodes,
            width,
            used: vec![0; alloc.len()],
            alloc,
            names,
            index,
            score_used: vec![[0, 0]; nodes.len()],
            pods: vec![0; nodes.len()],
            max_pods: nodes
                .iter()
                .map(|n| n.allocatable.get("pods").copied().unwrap_or(0))
                .collect(),
            ports: vec![Vec::new(); nodes.len()],
            class_of,
            classes,
            rank,
            by_rank,
            has_hostname: nodes
                .iter()
                .map(|n| n.labels.contains_key(HOSTNAME_LABEL))
                .collect(),
            groups: Vec::new(),
            group_index: BTreeMap::new(),
            by_label: BTreeMap::new(),
            holders: Vec::new(),
            holder_index: BTreeMap::new(),
            domains: BTreeMap::new(),
            hostname_unique,
        }
    }

    /// Whether each node has a label: looked up once per node class, and per node for the
    /// hostname, the one label classes leave out.
    pub fn has_label(&self, key: &str) -> Vec<bool> {
        if key == HOSTNAME_LABEL {
            return self.has_hostname.clone();
        }
        let per_class: Vec<bool> = self
            .classes
            .iter()
            .map(|&rep| self.nodes[rep].labels.contains_key(key))
            .collect();
        self.class_of
            .iter()
            .map(|&c| per_class[c as usize])
            .collect()
    }

    /// The pod's non-zero requests as (resource index, amount).
    pub fn request(&self, pod: &PodShape) -> Vec<(usize, i64)> {
        pod.requests
            .iter()
            .filter_map(|(k, &n)| self.index.get(k).map(|&r| (r, n)))
            .collect()
    }

    pub fn row(&self, node: usize) -> (&[i64], &[i64]) {
        let at = node * self.width..(node + 1) * self.width;
        (&self.alloc[at.clone()], &self.used[at])
    }

    /// The group of a pod; `terminating` only for running pods being deleted.
    pub fn group(&mut self, pod: &PodShape, terminating: bool) -> usize {
        let key = (pod.namespace.clone(), pod.labels.clone(), terminating);
        if let Some(&g) = self.group_index.get(&key) {
            return g;
        }
        let g = self.groups.len();
        for (k, v) in &pod.labels {
            self.by_label
                .entry(k.clone())
                .or_default()
                .entry(v.clone())
                .or_default()
                .push(g);
        }
        self.groups.push(Group {
            namespace: pod.namespace.clone(),
            labels: pod.labels.clone(),
            terminating,
            per_node: BTreeMap::new(),
        });
        self.group_index.insert(key, g);
        g
    }

    /// The groups a selector may match: those with a label it requires, else all of them.
    pub fn candidates(&self, selector: &Selector) -> Vec<usize> {
        match selector.required_label() {
            Some((k, v)) => self
                .by_label
                .get(k)
                .and_then(|values| values.get(v))
                .cloned()
                .unwrap_or_default(),
            None if selector.0.is_none() => Vec::new(),
            None => (0..self.groups.len()).collect(),
        }
    }

    /// The holder of this pod's pod (anti-)affinity terms, if it has any.
    pub fn holder(&mut self, pod: &PodShape, group: usize) -> Option<usize> {
        if !pod.has_affinity_terms() {
            return None;
        }
        let key = (
            group,
            format!(
                "{:?}{:?}{:?}{:?}",
                pod.affinity,
                pod.anti_affinity,
                pod.preferred_affinity,
                pod.preferred_anti_affinity
            ),
        );
        if let Some(&h) = self.holder_index.get(&key) {
            return Some(h);
        }
        self.holders.push(Holder {
            group,
            affinity: pod.affinity.clone(),
            anti_affinity: pod.anti_affinity.clone(),
            preferred_affinity: pod.preferred_affinity.clone(),
            preferred_anti_affinity: pod.preferred_anti_affinity.clone(),
            per_node: BTreeMap::new(),
        });
        self.holder_index.insert(key, self.holders.len() - 1);
        Some(self.holders.len() - 1)
    }

    /// Put one pod on a node (its requests were checked by the caller, or it already runs there).
    pub fn bind(
        &mut self,
        node: usize,
        pod: &PodShape,
        request: &[(usize, i64)],
        group: usize,
        holder: Option<usize>,
    ) {
        let base = node * self.width;
        // A running pod is bound whether or not it fits, so usage may pass allocatable: it
        // saturates instead of wrapping round to room that is not there.
        for &(r, n) in request {
            self.used[base + r] = self.used[base + r].saturating_add(n);
        }
        let score = &mut self.score_used[node];
        score[0] = score[0].saturating_add(pod.score_cpu);
        score[1] = score[1].saturating_add(pod.score_memory);
        self.pods[node] += 1;
        self.ports[node].extend(pod.host_ports.iter().cloned());
        let key = u32::try_from(node).unwrap_or(u32::MAX);
        *self.groups[group].per_node.entry(key).or_insert(0) += 1;
        if let Some(h) = holder {
            *self.holders[h].per_node.entry(key).or_insert(0) += 1;
        }
    }

    /// The domain of every node for a topology key (`NO_DOMAIN` without it), and how many.
    pub fn domains(&mut self, key: &str) -> (Arc<Vec<u32>>, usize) {
        if let Some(d) = self.domains.get(key) {
            return d.clone();
        }
        let mut values: BTreeMap<&str, u32> = BTreeMap::new();
        let of: Vec<u32> = self
            .nodes
            .iter()
            .map(|n| match n.labels.get(key) {
                Some(v) => {
                    let next = u32::try_from(values.len()).unwrap_or(NO_DOMAIN - 1);
                    *values.entry(v.as_str()).or_insert(next)
                }
                None => NO_DOMAIN,
            })
            .collect();
        let entry = (Arc::new(of), values.len());
        self.domains.insert(key.to_string(), entry.clone());
        entry
    }

    /// Matching pods per domain of `key`, counting only nodes `include` admits; `matches` is
    /// asked only about groups `selector` may match.
    pub fn count_by_domain(
        &mut self,
        key: &str,
        selector: &Selector,
        matches: impl Fn(&Group) -> bool,
        include: impl Fn(usize) -> bool,
    ) -> (Arc<Vec<u32>>, Vec<i64>) {
        let (of, n) = self.domains(key);
        let counts = self.count_in(&of, n, selector, matches, include);
        (of, counts)
    }

    /// Matching pods per domain, given every node's domain (`of`) and how many there are.
    pub fn count_in(
        &self,
        of: &[u32],
        n: usize,
        selector: &Selector,
        matches: impl Fn(&Group) -> bool,
        include: impl Fn(usize) -> bool,
    ) -> Vec<i64> {
        let mut counts = vec![0; n];
        for g in self
            .candidates(selector)
            .into_iter()
            .map(|g| &self.groups[g])
            .filter(|g| matches(g))
        {
            for (&node, &c) in &g.per_node {
                let d = of[node as usize];
                if d != NO_DOMAIN && include(node as usize) {
                    counts[d as usize] += i64::from(c);
                }
            }
        }
        counts
    }
}
