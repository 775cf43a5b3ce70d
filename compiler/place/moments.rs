//! The three moments: steady (every workload at its steady replica count), max (every workload
//! at HPA maxReplicas) and surge (max, then each Deployment's rolling-update surge pods on top),
//! each a fresh greedy run over a copy of the cluster with the existing pods bound.

use std::collections::BTreeMap;

use super::Strategy;
use super::cluster::Cluster;
use super::engine::{Outcome, Prepared, Queue, place};
use super::workload::Workload;
use crate::inventory::{ExistingPod, Inventory};

/// A cluster with the existing pods bound, and every workload's static verdicts.
pub struct Setup<'a> {
    pub base: Cluster<'a>,
    pub prepared: Vec<Prepared>,
}

impl<'a> Setup<'a> {
    pub fn new(inv: &'a Inventory, existing: &[ExistingPod], workloads: &[Workload]) -> Self {
        let resources = existing
            .iter()
            .map(|p| &p.pod)
            .chain(workloads.iter().map(|w| &w.pod))
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
        let prepared = workloads
            .iter()
            .map(|w| Prepared::new(&base, &w.pod))
            .collect();
        Setup { base, prepared }
    }
}

/// One run: per workload (input order) its outcome, and the surge pods' outcomes when asked.
pub struct Run<'a> {
    pub outcomes: Vec<Outcome>,
    pub surge: Vec<Outcome>,
    /// The cluster after the main pods, before any surge pod: what utilisation shows.
    pub after: Cluster<'a>,
}

/// Place `count(w)` replicas of every workload in `order`, then (with `surge`) the surge pods.
pub fn run<'a>(
    setup: &Setup<'a>,
    workloads: &[Workload],
    order: &[usize],
    count: impl Fn(&Workload) -> u32,
    surge: bool,
    strategy: Strategy,
) -> Run<'a> {
    let mut cluster = setup.base.clone();
    let mut queue = Queue::default();
    let mut outcomes = vec![Outcome::default(); workloads.len()];
    for &i in order {
        outcomes[i] = place(
            &mut cluster,
            &workloads[i].pod,
            &setup.prepared[i],
            count(&workloads[i]),
            strategy,
            &mut queue,
        );
    }
    let after = cluster.clone();
    let mut surges = vec![Outcome::default(); workloads.len()];
    if surge {
        for &i in order {
            surges[i] = place(
                &mut cluster,
                &workloads[i].pod,
                &setup.prepared[i],
                workloads[i].surge,
                strategy,
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

/// The biggest pods first: accelerators and other extended resources, then cpu, then memory.
pub fn largest_first(workloads: &[Workload]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..workloads.len()).collect();
    let size = |w: &Workload| {
        let extended: i64 = w
            .pod
            .requests
            .iter()
            .filter(|(k, _)| k.contains('/'))
            .fold(0i64, |sum, (_, n)| sum.saturating_add(*n));
        let get = |k: &str| w.pod.requests.get(k).copied().unwrap_or(0);
        (extended, get("cpu"), get("memory"))
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
        let steady = run(setup, workloads, order, |w| w.steady, false, s);
        let max = run(setup, workloads, order, |w| w.max, false, s);
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
