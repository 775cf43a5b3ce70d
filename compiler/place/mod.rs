//! Placement feasibility: will every replica fit the cluster, at steady state, at maximum scale
//! and mid-rollout? A replay of kube-scheduler's default profile over an inventory, explained in
//! the scheduler's own words for the target `--k8s-version`.
//!
//! `place` works on Kubernetes objects, never on a Spec: `read_manifests` (or, for the compiler's
//! own output, `manifests_from_json`) gives the objects, `simulate` the `Report`. The engine is
//! pure and deterministic: no IO, no clock; ties between equally scored nodes are broken both
//! ways (first and last node by name) and a moment whose outcome differs is reported as such.
//!
//! Modelled, and checked against kube-scheduler v1.35.4 itself (`tests/it/kube_scheduler.rs`):
//!
//! - what the API server gives a pod before the scheduler sees it (`admission`): requests from
//!   limits, the DefaultTolerationSeconds tolerations, RuntimeClass overhead and scheduling,
//!   `matchLabelKeys`/`mismatchLabelKeys` merged into pod (anti-)affinity selectors;
//! - what controllers make (`kinds`): Deployments (with `pod-template-hash`, another for the pods
//!   a rollout adds), ReplicaSets, StatefulSets, Jobs and CronJobs (`parallelism`, fewer with
//!   `completions`), bare Pods; HPA and KEDA bounds; JobSets (each Job a gang) and
//!   LeaderWorkerSets (each group a gang, leader first), placed group by group and counted as
//!   groups that start whole;
//! - PreFilter: NodeAffinity's `matchFields` `metadata.name` narrowing and its conflict;
//! - the filters NodeUnschedulable, NodeName, TaintToleration, NodeAffinity (and nodeSelector),
//!   NodePorts, NodeResourcesFit, PodTopologySpread (`DoNotSchedule`) and InterPodAffinity
//!   (required terms, running pods' anti-affinity included), in that order;
//! - every default score plugin with its default weight and normalisation (`score`):
//!   TaintToleration, NodeAffinity, NodeResourcesFit (LeastAllocated, or MostAllocated with
//!   `Strategy::Binpack`), PodTopologySpread (`ScheduleAnyway`, and the system default spreading
//!   of pods a Service, ReplicaSet or StatefulSet selects), InterPodAffinity (preferred terms both
//!   ways, running pods' required affinity with weight 1), BalancedAllocation, ImageLocality;
//! - messages as each supported version prints them (the taint reason changed in 1.35).
//!
//! Not modelled: gang scheduling plugins (a group is placed pod by pod, as the default scheduler
//! does, and one left half-placed is reported, not rolled back); preemption and priorities (and so the ` preemption: …` tail of a message);
//! `percentageOfNodesToScore` — from 100 nodes kube-scheduler scores a rotating sample of the
//! feasible nodes, mlspec all of them; the order kube-scheduler finds nodes in (NodeTree order,
//! zones interleaved, and its parallel filtering), which breaks its ties — hence the two tie
//! orders, which catch most but not every order-sensitive moment; volumes (VolumeRestrictions,
//! NodeVolumeLimits, VolumeBinding, VolumeZone); DRA; scheduling gates; LimitRange defaults and
//! ResourceQuota; the ExtendedResourceToleration admission plugin; DaemonSets and
//! ReplicationControllers; labels that differ from pod to pod (a StatefulSet pod's name and index,
//! an Indexed Job's completion index) and the controllers' exact hash and uid values; namespace
//! labels other than `kubernetes.io/metadata.name`; pods created over time (each moment places
//! every workload's pods in input order, one workload after another).

pub mod admission;
pub mod cluster;
pub mod engine;
pub mod filters;
pub mod kinds;
pub mod manifests;
pub mod moments;
pub mod pod;
pub mod prepare;
pub mod reach;
pub mod report;
pub mod sanity;
pub mod score;
pub mod verdict;
pub mod workload;

use std::collections::BTreeMap;

pub use engine::Failure;
pub use manifests::{Manifest, manifests_from_json, read_manifests};
pub use report::{Report, Tally, Tie, WorkloadReport};
pub use workload::{Workload, workloads};

use crate::inventory::{ExistingPod, Inventory};
use crate::verify::KubeVersion;

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
    /// Whose scheduler's words the report uses.
    pub k8s_version: KubeVersion,
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
    let setup = moments::Setup::new(inv, existing, &wls, opts.k8s_version);
    let strategy = opts.strategy;
    // The two tie orders are independent runs: one on another thread.
    let ((steady, max), (steady_last, max_last)) = std::thread::scope(|scope| {
        let last = scope.spawn(|| moments::moments(&setup, &wls, strategy, 1));
        let first = moments::moments(&setup, &wls, strategy, 0);
        let last = last
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (first, last)
    });
    let mut report = Report {
        nodes: inv.nodes.len(),
        strategy,
        moments: Default::default(),
        ties: Default::default(),
        rollout_stalls: false,
        workloads: Vec::new(),
        utilization: utilization(&max.after),
        hint: None,
    };
    let (workloads, totals, stalls) =
        report::tallies(&wls, &steady, &max, |n| inv.nodes[n].name.clone());
    let (workloads_last, totals_last, stalls_last) =
        report::tallies(&wls, &steady_last, &max_last, |n| inv.nodes[n].name.clone());
    report.ties = report::ties(&workloads, &totals, &workloads_last, &totals_last);
    report.rollout_stalls = stalls || stalls_last;
    report.workloads = workloads;
    report.moments = totals;
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
