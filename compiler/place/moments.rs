//! The three moments: steady (every workload at its steady replica count), max (every workload
//! at HPA maxReplicas) and surge (max, then each Deployment's rolling-update surge pods and each
//! LeaderWorkerSet's surge groups on top), each a fresh greedy run over a copy of the cluster
//! with the existing pods bound.
//!
//! Each moment runs twice: with ties between equally scored nodes broken towards the first node
//! by name, and towards the last. kube-scheduler breaks them by the order in which it found the
//! nodes feasible, which no input fixes; where the two runs differ, the outcome depends on it.

use std::collections::BTreeMap;

use super::Strategy;
use super::cluster::Cluster;
use super::engine::{Outcome, Queue, Run as Ties, place};
use super::prepare::Prepared;
use super::score::image_locality::Images;
use super::workload::{Role, Workload};
use crate::inventory::{ExistingPod, Inventory};
use crate::verify::KubeVersion;

/// A cluster with the existing pods bound, and every workload role's static verdicts.
pub struct Setup<'a> {
    pub base: Cluster<'a>,
    /// Per workload, per role.
    pub prepared: Vec<Vec<Prepared>>,
    pub images: Images,
    /// The two tie-break orders: each node's rank by name, and the reverse.
    pub ties: [Vec<u32>; 2],
    /// The nodes in each of those orders.
    pub orders: [Vec<u32>; 2],
}

impl<'a> Setup<'a> {
    pub fn new(
        inv: &'a Inventory,
        existing: &[ExistingPod],
        workloads: &[Workload],
        version: KubeVersion,
    ) -> Self {
        let roles = || workloads.iter().flat_map(|w| &w.roles);
        let resources = existing
            .iter()
            .map(|p| &p.pod)
            .chain(roles().map(|r| &r.pod))
            .flat_map(|p| p.requests.keys());
        let mut base = Cluster::new(&inv.nodes, resources);
        let by_name: BTreeMap<&str, usize> = inv
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.name.as_str(), i))
            .collect();
        for p in existing {
            if let Some(&node) = by_name.get(p.node.as_str()) {
                let req = base.request(&p.pod);
                let group = base.group(&p.pod, p.terminating);
                let holder = base.holder(&p.pod, group);
                base.bind(node, &p.pod, &req, group, holder);
            }
        }
        let images = Images::new(&inv.nodes);
        let prepared = workloads
            .iter()
            .map(|w| {
                w.roles
                    .iter()
                    .map(|r| Prepared::new(&base, &r.pod, version, &images))
                    .collect()
            })
            .collect();
        let n = u32::try_from(inv.nodes.len()).unwrap_or(u32::MAX);
        let reversed = base.rank.iter().map(|r| n - 1 - r).collect();
        let backwards = base.by_rank.iter().rev().copied().collect();
        Setup {
            ties: [base.rank.clone(), reversed],
            orders: [base.by_rank.clone(), backwards],
            base,
            prepared,
            images,
        }
    }
}

/// One run: per workload (input order) its outcome, and the surge pods' outcomes when asked.
pub struct Run<'a> {
    pub outcomes: Vec<Outcome>,
    pub surge: Vec<Outcome>,
    /// The cluster after the main pods, before any surge pod: what utilisation shows.
    pub after: Cluster<'a>,
}

/// A workload's roles one after the other, or for a workload of gangs its groups one after the
/// other (each group's pods role by role): counts add up, the first failure and every
/// assignment are kept, and for gangs how many groups had every pod placed.
fn place_roles(
    cluster: &mut Cluster<'_>,
    w: &Workload,
    prepared: &[Prepared],
    mut count: impl FnMut(&Role) -> (u32, bool),
    ties: Ties<'_>,
    queue: &mut Queue,
) -> Outcome {
    let mut total = Outcome::default();
    let add = |total: &mut Outcome, o: Outcome| {
        total.placed += o.placed;
        total.unplaced += o.unplaced;
        if total.failure.is_none() {
            total.failure = o.failure;
        }
        for (node, c) in o.assignments {
            *total.assignments.entry(node).or_insert(0) += c;
        }
    };
    let counts: Vec<(u32, bool)> = w.roles.iter().map(&mut count).collect();
    let shape = |role: usize, surge: bool| {
        let r = &w.roles[role];
        if surge { r.surge_shape() } else { &r.pod }
    };
    match &w.gang {
        None => {
            for (i, prep) in prepared.iter().enumerate().take(w.roles.len()) {
                let (n, surge) = counts[i];
                let o = place(cluster, shape(i, surge), prep, n, ties, queue);
                add(&mut total, o);
            }
        }
        Some(gang) => {
            let pods: Vec<u32> = counts.iter().map(|(n, _)| *n).collect();
            for group in gang.groups(&pods) {
                let mut whole = true;
                for (role, n) in group {
                    let Some(prep) = prepared.get(role) else {
                        continue;
                    };
                    let o = place(cluster, shape(role, counts[role].1), prep, n, ties, queue);
                    whole &= o.unplaced == 0;
                    add(&mut total, o);
                }
                total.groups += 1;
                total.groups_whole += u32::from(whole);
            }
        }
    }
    total
}

/// Place `count(role)` replicas of every workload in `order`, then (with `surge`) the surge
/// pods, with ties broken by `tie` (0: first by name, 1: last).
pub fn run<'a>(
    setup: &Setup<'a>,
    workloads: &[Workload],
    order: &[usize],
    count: impl Fn(&Role) -> u32,
    surge: bool,
    (strategy, tie): (Strategy, usize),
) -> Run<'a> {
    let ties = Ties {
        strategy,
        tie: &setup.ties[tie],
        order: &setup.orders[tie],
        images: &setup.images,
    };
    let mut cluster = setup.base.clone();
    let mut queue = Queue::default();
    let mut outcomes = vec![Outcome::default(); workloads.len()];
    for &i in order {
        outcomes[i] = place_roles(
            &mut cluster,
            &workloads[i],
            &setup.prepared[i],
            |r| (count(r), false),
            ties,
            &mut queue,
        );
    }
    let after = cluster.clone();
    let mut surges = vec![Outcome::default(); workloads.len()];
    if surge {
        for &i in order {
            surges[i] = place_roles(
                &mut cluster,
                &workloads[i],
                &setup.prepared[i],
                |r| (r.surge, true),
                ties,
                &mut queue,
            );
        }
    }
    Run {
        outcomes,
        surge: surges,
        after,
    }
}

/// Steady and max (with surge) in input order, for one tie order. When no workload scales,
/// steady is max without the surge: one run gives both.
pub fn moments<'a>(
    setup: &Setup<'a>,
    workloads: &[Workload],
    strategy: Strategy,
    tie: usize,
) -> (Run<'a>, Run<'a>) {
    let order: Vec<usize> = (0..workloads.len()).collect();
    let max = run(setup, workloads, &order, |r| r.max, true, (strategy, tie));
    let scales = workloads
        .iter()
        .flat_map(|w| &w.roles)
        .any(|r| r.steady != r.max);
    let steady = if scales {
        run(
            setup,
            workloads,
            &order,
            |r| r.steady,
            false,
            (strategy, tie),
        )
    } else {
        Run {
            outcomes: max.outcomes.clone(),
            surge: vec![Outcome::default(); workloads.len()],
            after: max.after.clone(),
        }
    };
    (steady, max)
}

/// The biggest pods first: accelerators and other extended resources, then cpu, then memory.
pub fn largest_first(workloads: &[Workload]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..workloads.len()).collect();
    let size = |w: &Workload| {
        let biggest = |f: &dyn Fn(&Role) -> i64| w.roles.iter().map(f).max().unwrap_or(0);
        let get = |r: &Role, k: &str| r.pod.requests.get(k).copied().unwrap_or(0);
        let extended = biggest(&|r: &Role| {
            r.pod
                .requests
                .iter()
                .filter(|(k, _)| k.contains('/'))
                .fold(0i64, |sum, (_, n)| sum.saturating_add(*n))
        });
        (
            extended,
            biggest(&|r: &Role| get(r, "cpu")),
            biggest(&|r: &Role| get(r, "memory")),
        )
    };
    order.sort_by_key(|&i| std::cmp::Reverse(size(&workloads[i])));
    order
}

/// When greedy placement leaves pods out at max, whether another strategy or order fits them.
pub fn better_packing(
    setup: &Setup<'_>,
    workloads: &[Workload],
    strategy: Strategy,
) -> Option<String> {
    let input: Vec<usize> = (0..workloads.len()).collect();
    let big = largest_first(workloads);
    let other = match strategy {
        Strategy::Spread => Strategy::Binpack,
        Strategy::Binpack => Strategy::Spread,
    };
    let fits = |order: &[usize], s: Strategy| {
        let steady = run(setup, workloads, order, |r| r.steady, false, (s, 0));
        let max = run(setup, workloads, order, |r| r.max, false, (s, 0));
        steady
            .outcomes
            .iter()
            .chain(&max.outcomes)
            .all(|o| o.unplaced == 0)
    };
    let flag = |s: Strategy| match s {
        Strategy::Spread => "--strategy spread",
        Strategy::Binpack => "--strategy binpack",
    };
    if fits(&input, other) {
        return Some(format!(
            "greedy placement in input order with {} scoring leaves pods out, but every pod fits with `{}`",
            strategy.scoring(),
            flag(other)
        ));
    }
    if big != input && fits(&big, strategy) {
        return Some("every pod fits when the largest workloads are placed first: apply them (accelerator workloads first) before the others".into());
    }
    if big != input && fits(&big, other) {
        return Some(format!(
            "every pod fits with `{}` when the largest workloads are placed first",
            flag(other)
        ));
    }
    None
}
