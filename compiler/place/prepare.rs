//! What the engine knows about a workload's pod before and while placing it: the static filter
//! verdicts and raw static scores per node class (or per node, for a pod that names nodes), the
//! PreFilter's outcome, the state of the dynamic filters (topology spread, inter-pod affinity)
//! and of the dynamic scores (soft spreading, preferred inter-pod affinity).

use super::cluster::Cluster;
use super::filters::inter_pod_affinity::{InterPodState, TermCounts};
use super::filters::node_affinity::{self, NOT_NAMED, PreFilter};
use super::filters::pod_topology_spread::{NO_DOMAIN, SpreadState};
use super::filters::{static_reason, taint_toleration};
use super::pod::{PodShape, SoftSpread};
use super::score::image_locality::Images;
use super::score::inter_pod_affinity::InterPodScore;
use super::score::topology_spread::{SoftConstraint, SoftSpreadState};
use crate::inventory::{HOSTNAME_LABEL, Node};
use crate::verify::KubeVersion;

/// The static filter results and static raw scores for one node class (or node).
#[derive(Debug, Clone)]
pub struct Verdict {
    pub reason: Option<String>,
    pub affinity_ok: bool,
    pub taints_ok: bool,
    /// TaintToleration's raw score: intolerable `PreferNoSchedule` taints.
    pub taint_raw: i64,
    /// NodeAffinity's raw score: weights of the matching preferred terms.
    pub affinity_raw: i64,
}

/// The static verdicts: per node class, or per node for a pod that names nodes (nodeName,
/// hostname selectors, matchFields), whose nodes of one class may differ.
#[derive(Debug, Clone)]
enum Verdicts {
    PerClass(Vec<Verdict>),
    PerNode(Vec<Verdict>),
}

/// What is known about a workload's pod before any run.
#[derive(Debug, Clone)]
pub struct Prepared {
    verdicts: Verdicts,
    pub pre_filter: PreFilter,
    /// Whether any node holds one of the pod's images (else ImageLocality scores 0 everywhere).
    pub images: bool,
}

fn verdict_of(node: &Node, pod: &PodShape, version: KubeVersion) -> Verdict {
    Verdict {
        reason: static_reason(node, pod, version),
        affinity_ok: node_affinity::matches(node, &pod.node_selector, pod.node_affinity.as_ref()),
        taints_ok: taint_toleration::first_untolerated(node, pod).is_none(),
        taint_raw: taint_toleration::intolerable_preferences(node, pod),
        affinity_raw: node_affinity::preferred(node, pod),
    }
}

impl Prepared {
    pub fn new(
        cluster: &Cluster<'_>,
        pod: &PodShape,
        version: KubeVersion,
        images: &Images,
    ) -> Self {
        let pre_filter = node_affinity::pre_filter(pod);
        let verdicts = if node_affinity::names_nodes(pod) {
            let per_node = cluster.nodes.iter().map(|n| {
                let mut v = verdict_of(n, pod, version);
                if let PreFilter::Named(names) = &pre_filter
                    && !names.contains(&n.name)
                {
                    v.reason = Some(NOT_NAMED.to_string());
                }
                v
            });
            Verdicts::PerNode(per_node.collect())
        } else {
            let per_class = cluster.classes.iter();
            Verdicts::PerClass(
                per_class
                    .map(|&i| verdict_of(&cluster.nodes[i], pod, version))
                    .collect(),
            )
        };
        Prepared {
            verdicts,
            pre_filter,
            images: images.any(&pod.images),
        }
    }

    pub fn verdict(&self, cluster: &Cluster<'_>, node: usize) -> &Verdict {
        match &self.verdicts {
            Verdicts::PerNode(v) => &v[node],
            Verdicts::PerClass(v) => &v[cluster.class_of[node] as usize],
        }
    }

    /// Whether nodes of one class may differ in their verdicts.
    pub fn per_node(&self) -> bool {
        matches!(self.verdicts, Verdicts::PerNode(_))
    }
}

/// The dynamic filters for one workload, and which of their keys is the hostname (whose
/// domains are single nodes).
pub struct Dynamic {
    pub spreads: Vec<SpreadState>,
    pub spread_host: Vec<bool>,
    pub inter: InterPodState,
    pub affinity_host: Vec<bool>,
    pub anti_host: Vec<bool>,
    pub existing_host: Vec<bool>,
}

impl Dynamic {
    /// The first dynamic rule the node breaks.
    pub fn check(&self, node: usize) -> Option<&'static str> {
        self.spreads
            .iter()
            .find_map(|s| s.check(node))
            .or_else(|| self.inter.check(node))
    }

    pub fn is_empty(&self) -> bool {
        self.spreads.is_empty() && self.inter.is_empty()
    }

    /// A replica landed on `node`.
    pub fn add(&mut self, node: usize) {
        for s in &mut self.spreads {
            s.add(node);
        }
        self.inter.add(node);
    }
}

pub fn dynamic_state(cluster: &mut Cluster<'_>, pod: &PodShape, prep: &Prepared) -> Dynamic {
    let nodes = cluster.nodes;
    let mut spreads = Vec::new();
    // A node is a domain of a constraint only with every constraint's key.
    let mut keys_ok = vec![
        !pod.spread.is_empty();
        if pod.spread.is_empty() {
            0
        } else {
            nodes.len()
        }
    ];
    for c in &pod.spread {
        for (ok, has) in keys_ok.iter_mut().zip(cluster.has_label(&c.key)) {
            *ok &= has;
        }
    }
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
            &c.selector,
            |g| !g.terminating && c.counts(&pod.namespace, &g.namespace, &g.labels),
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
            (
                c.selector.matches(&pod.labels),
                c.counts(&pod.namespace, &pod.namespace, &pod.labels),
            ),
            dom,
            counts,
            domain_ok,
        ));
    }
    let mut inter = InterPodState::default();
    let all = |ns: &str, labels: &_| pod.affinity.iter().all(|t| t.matches(ns, labels));
    for t in &pod.affinity {
        let (domain_of, counts) = cluster.count_by_domain(
            &t.key,
            &pod.affinity[0].selector,
            |g| all(&g.namespace, &g.labels),
            |_| true,
        );
        inter.affinity.push(TermCounts {
            domain_of,
            counts,
            self_match: all(&pod.namespace, &pod.labels),
        });
    }
    for t in &pod.anti_affinity {
        let (domain_of, counts) = cluster.count_by_domain(
            &t.key,
            &t.selector,
            |g| t.matches(&g.namespace, &g.labels),
            |_| true,
        );
        inter.anti_affinity.push(TermCounts {
            domain_of,
            counts,
            self_match: t.matches(&pod.namespace, &pod.labels),
        });
    }
    // Running pods' anti-affinity terms that match this pod: found by reference first, as
    // looking up a term's domains needs the cluster mutably.
    let matching: Vec<(usize, String)> = cluster
        .holders
        .iter()
        .enumerate()
        .flat_map(|(h, holder)| holder.anti_affinity.iter().map(move |t| (h, t)))
        .filter(|(_, t)| t.matches(&pod.namespace, &pod.labels))
        .map(|(h, t)| (h, t.key.clone()))
        .collect();
    let mut existing_host = Vec::new();
    for (h, key) in matching {
        let (dom, n) = cluster.domains(&key);
        let mut blocked = vec![false; n];
        for &node in cluster.holders[h].per_node.keys() {
            if dom[node as usize] != NO_DOMAIN {
                blocked[dom[node as usize] as usize] = true;
            }
        }
        inter.existing.push((dom, blocked));
        existing_host.push(key == HOSTNAME_LABEL);
    }
    let host = |key: &str| key == HOSTNAME_LABEL;
    Dynamic {
        spread_host: pod.spread.iter().map(|c| host(&c.key)).collect(),
        spreads,
        affinity_host: pod.affinity.iter().map(|t| host(&t.key)).collect(),
        anti_host: pod.anti_affinity.iter().map(|t| host(&t.key)).collect(),
        existing_host,
        inter,
    }
}

/// The soft spread constraints' counts for one workload.
pub fn soft_spread(cluster: &mut Cluster<'_>, pod: &PodShape, prep: &Prepared) -> SoftSpreadState {
    let (constraints, require_all) = match &pod.soft_spread {
        SoftSpread::Own(c) => (c, true),
        SoftSpread::System(c) => (c, false),
        SoftSpread::None => return SoftSpreadState::default(),
    };
    let nodes = cluster.nodes;
    // Asked only about the nodes that run matching pods.
    let keys_ok = |i: usize| {
        !require_all
            || constraints
                .iter()
                .all(|c| nodes[i].labels.contains_key(&c.key))
    };
    let nodes = nodes.len();
    let mut out = Vec::new();
    for c in constraints {
        let (domain_of, n) = cluster.domains(&c.key);
        let cluster = &*cluster;
        let include = |i: usize| {
            let v = prep.verdict(cluster, i);
            keys_ok(i) && (!c.honor_affinity || v.affinity_ok) && (!c.honor_taints || v.taints_ok)
        };
        let counted = |g: &super::cluster::Group| {
            !g.terminating && c.counts(&pod.namespace, &g.namespace, &g.labels)
        };
        let counts = cluster.count_in(&domain_of, n, &c.selector, counted, include);
        let hostname = c.key == HOSTNAME_LABEL;
        let mut per_node = Vec::new();
        if hostname {
            per_node = vec![0; nodes];
            for g in cluster.candidates(&c.selector) {
                let g = &cluster.groups[g];
                if counted(g) {
                    for (&node, &n) in &g.per_node {
                        per_node[node as usize] += i64::from(n);
                    }
                }
            }
        }
        out.push(SoftConstraint {
            hostname,
            max_skew: c.max_skew,
            domain_of,
            counts,
            per_node,
            counted: c.counts(&pod.namespace, &pod.namespace, &pod.labels),
        });
    }
    SoftSpreadState {
        constraints: out,
        require_all,
    }
}

/// The preferred inter-pod affinity scores per domain for one workload, and what each placed
/// replica adds to them.
pub fn inter_pod_score(cluster: &mut Cluster<'_>, pod: &PodShape) -> InterPodScore {
    let nodes = cluster.nodes;
    let mut out = InterPodScore::default();
    let add = |out: &mut InterPodScore,
               cluster: &mut Cluster<'_>,
               key: &str,
               per_node: Vec<(u32, i64)>| {
        if per_node.is_empty() {
            return;
        }
        let t = out.table(key, cluster.domains(key));
        let table = &mut out.tables[t];
        for (node, amount) in per_node {
            let d = table.domain_of[node as usize];
            if d != NO_DOMAIN && !nodes[node as usize].labels.is_empty() {
                table.values[d as usize] += amount;
            }
        }
    };
    // The pod's preferred terms against every running pod.
    let own = pod
        .preferred_affinity
        .iter()
        .map(|w| (w, 1))
        .chain(pod.preferred_anti_affinity.iter().map(|w| (w, -1)));
    for (w, sign) in own {
        let per_node: Vec<(u32, i64)> = cluster
            .groups
            .iter()
            .filter(|g| w.term.matches(&g.namespace, &g.labels))
            .flat_map(|g| g.per_node.iter().map(|(&n, &c)| (n, i64::from(c))))
            .map(|(n, c)| (n, c * w.weight * sign))
            .collect();
        add(&mut out, cluster, &w.term.key, per_node);
    }
    // Running pods' terms against the pod: required affinity with weight 1, preferred terms
    // with theirs.
    let mut theirs: Vec<(String, Vec<(u32, i64)>)> = Vec::new();
    for h in &cluster.holders {
        let terms = h
            .affinity
            .iter()
            .map(|t| (t, 1))
            .chain(h.preferred_affinity.iter().map(|w| (&w.term, w.weight)))
            .chain(
                h.preferred_anti_affinity
                    .iter()
                    .map(|w| (&w.term, -w.weight)),
            );
        for (t, weight) in terms {
            if t.matches(&pod.namespace, &pod.labels) {
                let per_node = h
                    .per_node
                    .iter()
                    .map(|(&n, &c)| (n, i64::from(c) * weight))
                    .collect();
                theirs.push((t.key.clone(), per_node));
            }
        }
    }
    for (key, per_node) in theirs {
        add(&mut out, cluster, &key, per_node);
    }
    // What each replica adds, as a running pod, for the next.
    let mut on_bind = Vec::new();
    let mut bound = |out: &mut InterPodScore, key: &str, amount: i64| {
        let t = out.table(key, cluster.domains(key));
        on_bind.push((t, amount));
    };
    let mine = |t: &super::pod::PodTerm| t.matches(&pod.namespace, &pod.labels);
    for w in &pod.preferred_affinity {
        if mine(&w.term) {
            // Once as the pod's own term against the replica, once as the replica's against it.
            bound(&mut out, &w.term.key, 2 * w.weight);
        }
    }
    for w in &pod.preferred_anti_affinity {
        if mine(&w.term) {
            bound(&mut out, &w.term.key, -2 * w.weight);
        }
    }
    for t in &pod.affinity {
        if mine(t) {
            bound(&mut out, &t.key, 1);
        }
    }
    out.on_bind = on_bind;
    out
}
