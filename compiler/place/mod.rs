//! Placement feasibility: will every replica fit the cluster, at steady state, at maximum scale
//! and mid-rollout? A replay of kube-scheduler's filters and default scoring over an inventory,
//! explained in the scheduler's own words.
//!
//! `place` works on Kubernetes objects, never on a Spec: `read_manifests` (or, for the compiler's
//! own output, `manifests_from_json`) gives the objects, `simulate` the `Report`. The engine is
//! pure and deterministic: no IO, no clock, ties broken by node name.
//!
//! Modelled: the filters NodeUnschedulable, NodeName, TaintToleration, NodeAffinity (and
//! nodeSelector), NodePorts, NodeResourcesFit, PodTopologySpread (`DoNotSchedule`) and
//! InterPodAffinity (required terms, running pods' anti-affinity included), in that order; scoring
//! by NodeResourcesFit (LeastAllocated, or MostAllocated with `Strategy::Binpack`) plus
//! BalancedAllocation over cpu and memory.
//!
//! Not modelled: preemption and priorities; volumes (VolumeRestrictions, NodeVolumeLimits,
//! VolumeBinding, VolumeZone); DRA; LimitRange defaults and ResourceQuota; the
//! ExtendedResourceToleration admission plugin; DaemonSets and ReplicaSets; the scoring plugins
//! other than the resource ones (taint, node and pod affinity preferences, spread scoring, image
//! locality); `percentageOfNodesToScore` sampling; `namespaceSelector` with labels (only `{}`,
//! every namespace, is understood); terminating pods are counted like running ones.

pub mod cluster;
pub mod engine;
pub mod filters;
pub mod manifests;
pub mod moments;
pub mod pod;
pub mod reach;
pub mod report;
pub mod score;
pub mod verdict;
pub mod workload;

use std::collections::BTreeMap;

pub use engine::Failure;
pub use manifests::{Manifest, manifests_from_json, read_manifests};
pub use report::{Report, Tally, WorkloadReport};
pub use workload::{Workload, workloads};

use crate::inventory::{ExistingPod, Inventory};

/// How the scheduler scores nodes that fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strategy {
    /// LeastAllocated, the default profile: spread pods over the emptiest nodes.
    #[default]
    Spread,
    /// MostAllocated: pack pods onto the fullest nodes that fit.
    Binpack,
}

impl Strategy {
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Spread => "spread",
            Strategy::Binpack => "binpack",
        }
    }

    pub fn scoring(self) -> &'static str {
        match self {
            Strategy::Spread => "LeastAllocated",
            Strategy::Binpack => "MostAllocated",
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Options {
    pub strategy: Strategy,
}

/// Place every workload of `manifests` on the inventory (with `existing` pods running) at the
/// three moments, and say whether and why not it fits.
pub fn simulate(
    inv: &Inventory,
    existing: &[ExistingPod],
    manifests: &[Manifest],
    opts: &Options,
) -> Report {
    let wls = workloads(manifests);
    let setup = moments::Setup::new(inv, existing, &wls);
    let order: Vec<usize> = (0..wls.len()).collect();
    let strategy = opts.strategy;
    let steady = moments::run(&setup, &wls, &order, |w| w.steady, false, strategy);
    let max = moments::run(&setup, &wls, &order, |w| w.max, true, strategy);
    let mut report = Report {
        nodes: inv.nodes.len(),
        strategy,
        moments: Default::default(),
        rollout_stalls: false,
        workloads: Vec::new(),
        utilization: utilization(&max.after),
        hint: None,
    };
    for (i, w) in wls.iter().enumerate() {
        let tally = |o: &engine::Outcome, pods: u32| Tally {
            pods: u64::from(pods),
            placed: u64::from(o.placed),
            unplaced: u64::from(o.unplaced),
            first_unplaced: o.failure.clone().map(|f| (w.id.clone(), f)),
        };
        let s = tally(&steady.outcomes[i], w.steady);
        let m = tally(&max.outcomes[i], w.max);
        let extra = tally(&max.surge[i], w.surge);
        let surge = Tally {
            pods: m.pods + extra.pods,
            placed: m.placed + extra.placed,
            unplaced: m.unplaced + extra.unplaced,
            first_unplaced: extra
                .first_unplaced
                .clone()
                .or_else(|| m.first_unplaced.clone()),
        };
        report.rollout_stalls |= extra.unplaced > 0 && w.max_unavailable == 0;
        let assignments = max.outcomes[i]
            .assignments
            .iter()
            .map(|(&n, &c)| (inv.nodes[n].name.clone(), c))
            .collect();
        report.workloads.push(WorkloadReport {
            workload: w.id.clone(),
            moments: [s, m, surge],
            assignments,
        });
    }
    for k in 0..3 {
        let t = &mut report.moments[k];
        for w in &report.workloads {
            let wt = &w.moments[k];
            t.pods += wt.pods;
            t.placed += wt.placed;
            t.unplaced += wt.unplaced;
        }
        t.first_unplaced = report
            .workloads
            .iter()
            .find_map(|w| w.moments[k].first_unplaced.clone());
    }
    // In surge, a surge pod's failure (what stalls the rollout) wins over an earlier max failure.
    if let Some(i) = (0..wls.len()).find(|&i| max.surge[i].failure.is_some()) {
        report.moments[2].first_unplaced =
            max.surge[i].failure.clone().map(|f| (wls[i].id.clone(), f));
    }
    if report.moments[0].unplaced > 0 || report.moments[1].unplaced > 0 {
        report.hint = moments::better_packing(&setup, &wls, strategy);
    }
    report
}

/// Requested / allocatable per node for cpu, memory and extended resources the node has.
fn utilization(c: &cluster::Cluster<'_>) -> BTreeMap<String, BTreeMap<String, f64>> {
    let mut out = BTreeMap::new();
    for (i, node) in c.nodes.iter().enumerate() {
        let (alloc, used) = c.row(i);
        let mut m = BTreeMap::new();
        for (r, name) in c.names.iter().enumerate() {
            if alloc[r] > 0 && (r < 2 || name.contains('/')) {
                let f = used[r] as f64 / alloc[r] as f64;
                m.insert(name.clone(), (f * 100.0).round() / 100.0);
            }
        }
        out.insert(node.name.clone(), m);
    }
    out
}
