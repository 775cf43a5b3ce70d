//! The placement report: DESIGN.md's JSON contract (`to_json`) and the table a person reads in
//! five seconds (`to_text`).
//!
//! In the surge moment, counts cover every pod (max plus surge), and the failure shown is the
//! first surge pod that did not fit — what stalls a rollout — or, when every surge pod fit, the
//! first pod of the moment that did not.
//!
//! Counts are those of ties broken towards the first node by name. Where breaking them towards
//! the last gives other counts or another first failure, the moment is order-sensitive: its
//! `ties` list both outcomes and the workloads whose counts differ, and it is feasible only if
//! both fit.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Map, Value, json};

use super::Strategy;
use super::engine::{Failure, Outcome};
use super::moments::Run;
use super::workload::Workload;

pub const MOMENTS: [&str; 3] = ["steady", "max", "surge"];

/// One scope's counts (a workload, or every workload) at one moment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    pub pods: u64,
    pub placed: u64,
    pub unplaced: u64,
    /// The first pod of the scope that could not be placed, and why; with its workload.
    pub first_unplaced: Option<(String, Failure)>,
    /// Gangs (a LeaderWorkerSet's groups, a JobSet's Jobs): how many there are, and how many
    /// have every pod placed. A group with a pod Pending does no work. Both 0 for other kinds.
    pub groups: u64,
    pub groups_whole: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct WorkloadReport {
    /// `Kind/namespace/name`.
    pub workload: String,
    pub moments: [Tally; 3],
    /// Replicas per node at max.
    pub assignments: BTreeMap<String, u32>,
    /// The spec section the workload was built from (`serve`, `servers.NAME`, `jobs.NAME`,
    /// `schedules.NAME`: read from its `app.kubernetes.io/*` labels, as `verify::origin::section`
    /// reads them), when a tool such as mlspec manages it (`app.kubernetes.io/managed-by`); `None`
    /// for a plain manifest. The verdict's advice names the keys that change it.
    pub component: Option<String>,
}

/// The spec section of a managed workload (see [`WorkloadReport::component`]).
pub fn component(name: Option<&str>, labels: Option<&BTreeMap<String, String>>) -> Option<String> {
    let labels = labels?;
    labels.get("app.kubernetes.io/managed-by")?;
    let label = |k: &str| labels.get(k).map(String::as_str);
    crate::verify::origin::section_of(label, name).filter(|s| s != "app")
}

/// A moment whose outcome depends on which of equally scored nodes the scheduler picks: what
/// breaking ties towards the last node by name gives instead.
#[derive(Debug, Clone, PartialEq)]
pub struct Tie {
    pub other: Tally,
    /// The workloads whose counts or first failure differ: (workload, first order, other order).
    pub workloads: Vec<(String, Tally, Tally)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub nodes: usize,
    pub strategy: Strategy,
    pub moments: [Tally; 3],
    /// Per moment, set when its outcome depends on tie-breaking.
    pub ties: [Option<Tie>; 3],
    /// A surge pod could not fit while its Deployment's (or LeaderWorkerSet's) maxUnavailable is 0.
    pub rollout_stalls: bool,
    pub workloads: Vec<WorkloadReport>,
    /// Per node, at max: resource → requested / allocatable.
    pub utilization: BTreeMap<String, BTreeMap<String, f64>>,
    /// Set when greedy placement fails but another strategy or order fits.
    pub hint: Option<String>,
}

fn failure_json(f: &Failure) -> (Value, Value) {
    (json!(f.reasons), Value::from(f.message()))
}

impl Tally {
    fn feasible(&self) -> bool {
        self.unplaced == 0
    }

    /// Counts and first failure, what two tie orders are compared on.
    fn same_outcome(&self, other: &Tally) -> bool {
        let first = |t: &Tally| {
            t.first_unplaced
                .as_ref()
                .map(|(w, f)| (w.clone(), f.message()))
        };
        (self.pods, self.placed, self.unplaced, self.groups_whole)
            == (other.pods, other.placed, other.unplaced, other.groups_whole)
            && first(self) == first(other)
    }

    fn cell(&self) -> String {
        format!("{}/{}", self.placed, self.pods)
    }

    /// Groups with a pod Pending: their placed pods hold their nodes and do no work.
    pub fn broken_groups(&self) -> u64 {
        self.groups - self.groups_whole
    }

    fn to_json(&self, with_workload: bool) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("pods".into(), self.pods.into());
        m.insert("placed".into(), self.placed.into());
        m.insert("unplaced".into(), self.unplaced.into());
        if self.groups > 0 {
            m.insert("groups".into(), self.groups.into());
            m.insert("groups_whole".into(), self.groups_whole.into());
        }
        if let Some((workload, f)) = &self.first_unplaced {
            let (reasons, message) = failure_json(f);
            if with_workload {
                m.insert("feasible".into(), self.feasible().into());
                m.insert(
                    "first_unplaced".into(),
                    json!({ "workload": workload, "reasons": reasons, "message": message }),
                );
            } else {
                m.insert("reasons".into(), reasons);
                m.insert("message".into(), message);
            }
        } else if with_workload {
            m.insert("feasible".into(), self.feasible().into());
        }
        m
    }
}

/// Per workload and in total, each moment's tally of one run (steady, and max with surge);
/// and whether a rollout stalls. `name` gives a node's name.
pub fn tallies(
    wls: &[Workload],
    steady: &Run<'_>,
    max: &Run<'_>,
    name: impl Fn(usize) -> String,
) -> (Vec<WorkloadReport>, [Tally; 3], bool) {
    let mut stalls = false;
    let mut reports = Vec::new();
    for (i, w) in wls.iter().enumerate() {
        let tally = |o: &Outcome, pods: u32| Tally {
            pods: u64::from(pods),
            placed: u64::from(o.placed),
            unplaced: u64::from(o.unplaced),
            first_unplaced: o.failure.clone().map(|f| (w.id.clone(), f)),
            groups: u64::from(o.groups),
            groups_whole: u64::from(o.groups_whole),
        };
        let s = tally(&steady.outcomes[i], w.steady());
        let m = tally(&max.outcomes[i], w.max());
        let extra = tally(&max.surge[i], w.surge());
        let surge = Tally {
            pods: m.pods + extra.pods,
            placed: m.placed + extra.placed,
            unplaced: m.unplaced + extra.unplaced,
            first_unplaced: extra
                .first_unplaced
                .clone()
                .or_else(|| m.first_unplaced.clone()),
            groups: m.groups + extra.groups,
            groups_whole: m.groups_whole + extra.groups_whole,
        };
        stalls |= extra.unplaced > 0 && w.max_unavailable == 0;
        let assignments = max.outcomes[i]
            .assignments
            .iter()
            .map(|(&n, &c)| (name(n), c))
            .collect();
        reports.push(WorkloadReport {
            workload: w.id.clone(),
            moments: [s, m, surge],
            assignments,
            component: w.component.clone(),
        });
    }
    let mut totals: [Tally; 3] = Default::default();
    for (k, t) in totals.iter_mut().enumerate() {
        for w in &reports {
            let wt = &w.moments[k];
            t.pods += wt.pods;
            t.placed += wt.placed;
            t.unplaced += wt.unplaced;
            t.groups += wt.groups;
            t.groups_whole += wt.groups_whole;
        }
        t.first_unplaced = reports
            .iter()
            .find_map(|w| w.moments[k].first_unplaced.clone());
    }
    // In surge, a surge pod's failure (what stalls the rollout) wins over an earlier max failure.
    if let Some(i) = (0..wls.len()).find(|&i| max.surge[i].failure.is_some()) {
        totals[2].first_unplaced = max.surge[i].failure.clone().map(|f| (wls[i].id.clone(), f));
    }
    (reports, totals, stalls)
}

/// The moments whose outcome differs between the two tie orders.
pub fn ties(
    first: &[WorkloadReport],
    totals: &[Tally; 3],
    other: &[WorkloadReport],
    other_totals: &[Tally; 3],
) -> [Option<Tie>; 3] {
    std::array::from_fn(|k| {
        let workloads: Vec<(String, Tally, Tally)> = first
            .iter()
            .zip(other)
            .filter(|(a, b)| !a.moments[k].same_outcome(&b.moments[k]))
            .map(|(a, b)| {
                (
                    a.workload.clone(),
                    a.moments[k].clone(),
                    b.moments[k].clone(),
                )
            })
            .collect();
        (!workloads.is_empty() || !totals[k].same_outcome(&other_totals[k])).then(|| Tie {
            other: other_totals[k].clone(),
            workloads,
        })
    })
}

/// A table of workloads by moment, headed `title`, each cell `cell` of the moment's tally.
fn moments_table(
    s: &mut String,
    title: &str,
    workloads: &[&WorkloadReport],
    cell: impl Fn(&Tally) -> String,
) {
    let width = workloads
        .iter()
        .map(|w| w.workload.len())
        .max()
        .unwrap_or(8)
        .max(title.len());
    let _ = writeln!(
        s,
        "\n{title:<width$} {:>9} {:>9} {:>9}",
        "steady", "max", "surge"
    );
    for w in workloads {
        let _ = writeln!(
            s,
            "{:<width$} {:>9} {:>9} {:>9}",
            w.workload,
            cell(&w.moments[0]),
            cell(&w.moments[1]),
            cell(&w.moments[2])
        );
    }
}

impl Report {
    /// Every pod fits at max (whichever of equally scored nodes the scheduler picks), and no
    /// rollout would stall.
    pub fn feasible(&self) -> bool {
        let fits = |k: usize| {
            self.moments[k].feasible() && self.ties[k].as_ref().is_none_or(|t| t.other.feasible())
        };
        fits(0) && fits(1) && !self.rollout_stalls
    }

    /// Whether some moment's outcome depends on tie-breaking.
    pub fn order_sensitive(&self) -> bool {
        self.ties.iter().any(Option::is_some)
    }

    pub fn to_json(&self) -> Value {
        let mut moments = Map::new();
        for (k, (name, t)) in MOMENTS.iter().zip(&self.moments).enumerate() {
            let mut m = t.to_json(true);
            if let Some(tie) = &self.ties[k] {
                m.insert(
                    "feasible".into(),
                    (t.feasible() && tie.other.feasible()).into(),
                );
                let outcomes = [t, &tie.other].map(|o| Value::Object(o.to_json(true)));
                let workloads: Map<String, Value> = tie
                    .workloads
                    .iter()
                    .map(|(w, a, b)| {
                        let both = [a, b].map(|o| Value::Object(o.to_json(false)));
                        (w.clone(), Value::from(both.to_vec()))
                    })
                    .collect();
                m.insert(
                    "ties".into(),
                    json!({ "outcomes": outcomes.to_vec(), "workloads": workloads }),
                );
            }
            if *name == "surge" {
                m.insert("rollout_stalls".into(), self.rollout_stalls.into());
            }
            moments.insert((*name).into(), Value::Object(m));
        }
        let workloads: Vec<Value> = self
            .workloads
            .iter()
            .map(|w| {
                let ms: Map<String, Value> = MOMENTS
                    .iter()
                    .zip(&w.moments)
                    .enumerate()
                    .map(|(k, (n, t))| {
                        let mut m = t.to_json(false);
                        let other = self.ties[k].as_ref().and_then(|tie| {
                            tie.workloads.iter().find(|(id, ..)| *id == w.workload)
                        });
                        if let Some((_, a, b)) = other {
                            let both = [a, b].map(|o| Value::Object(o.to_json(false)));
                            m.insert("ties".into(), Value::from(both.to_vec()));
                        }
                        ((*n).to_string(), Value::Object(m))
                    })
                    .collect();
                json!({ "workload": w.workload, "moments": ms, "assignments": w.assignments })
            })
            .collect();
        let mut out = json!({
            "feasible": self.feasible(),
            "nodes": self.nodes,
            "strategy": self.strategy.name(),
            "moments": moments,
            "workloads": workloads,
            "utilization": self.utilization,
        });
        if let Value::Object(m) = &mut out {
            if let Some(h) = &self.hint {
                m.insert("hint".into(), h.clone().into());
            }
            if self.order_sensitive() {
                m.insert("order_sensitive".into(), true.into());
            }
        }
        out
    }

    /// The human table: moments, workloads, then the busiest nodes.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let verdict = if self.feasible() {
            "fits"
        } else if self.moments[0].feasible() && self.moments[1].feasible() && self.order_sensitive()
        {
            "may not fit (it depends on tie-breaking, below)"
        } else {
            "does not fit"
        };
        let _ = writeln!(
            s,
            "placement on {} node{} ({} scoring): {verdict}",
            self.nodes,
            if self.nodes == 1 { "" } else { "s" },
            self.strategy.scoring()
        );
        let _ = writeln!(s, "\n{:<8} {:>8}  first failure", "moment", "placed");
        for (name, t) in MOMENTS.iter().zip(&self.moments) {
            let why = t
                .first_unplaced
                .as_ref()
                .map_or(String::new(), |(w, f)| format!("{w}: {}", f.message()));
            let _ = writeln!(
                s,
                "{name:<8} {:>8}  {why}",
                format!("{}/{}", t.placed, t.pods)
            );
        }
        for (k, name) in MOMENTS.iter().enumerate() {
            let Some(tie) = &self.ties[k] else { continue };
            let workloads: Vec<String> = tie
                .workloads
                .iter()
                .map(|(w, a, b)| format!("{w} {} or {}", a.cell(), b.cell()))
                .collect();
            let _ = writeln!(
                s,
                "\n{name} depends on which of equally scored nodes the scheduler picks: {} or {} placed ({})",
                self.moments[k].cell(),
                tie.other.cell(),
                workloads.join(", ")
            );
            if let Some((w, f)) = &tie.other.first_unplaced {
                let _ = writeln!(s, "  otherwise {w}: {}", f.message());
            }
        }
        if self.rollout_stalls {
            let _ = writeln!(
                s,
                "\nthe rolling update stalls: a surge pod cannot fit and maxUnavailable is 0 (set maxUnavailable ≥ 1, use Recreate, or add spare capacity)"
            );
        }
        let all: Vec<&WorkloadReport> = self.workloads.iter().collect();
        moments_table(&mut s, "workload", &all, |t| {
            format!("{}/{}", t.placed, t.pods)
        });
        self.groups_text(&mut s);
        self.nodes_text(&mut s);
        if let Some(h) = &self.hint {
            let _ = writeln!(s, "\nhint: {h}");
        }
        s
    }

    /// The workloads of gangs: per moment, the groups that start whole; and what a group with a
    /// pod Pending means.
    fn groups_text(&self, s: &mut String) {
        let gangs: Vec<&WorkloadReport> = self
            .workloads
            .iter()
            .filter(|w| w.moments.iter().any(|t| t.groups > 0))
            .collect();
        if gangs.is_empty() {
            return;
        }
        moments_table(s, "groups (whole)", &gangs, |t| {
            format!("{}/{}", t.groups_whole, t.groups)
        });
        for w in &gangs {
            for (k, (name, t)) in MOMENTS.iter().zip(&w.moments).enumerate() {
                // Gangs add no surge pods here: surge repeats max.
                let repeats = k == 2 && t.broken_groups() == w.moments[1].broken_groups();
                if t.broken_groups() > 0 && !repeats {
                    let _ = writeln!(
                        s,
                        "{}: at {name}, {} of {} groups cannot start whole: a group with a pod Pending does no work, and its placed pods hold their nodes for nothing",
                        w.workload,
                        t.broken_groups(),
                        t.groups
                    );
                }
            }
        }
    }

    fn nodes_text(&self, s: &mut String) {
        const SHOWN: usize = 20;
        let mut columns: Vec<&str> = self
            .utilization
            .values()
            .flat_map(|m| m.keys().map(String::as_str))
            .collect();
        columns.sort_unstable();
        columns.dedup();
        let busy = |m: &BTreeMap<String, f64>| m.values().copied().fold(0.0, f64::max);
        let mut rows: Vec<(&String, &BTreeMap<String, f64>)> = self.utilization.iter().collect();
        rows.sort_by(|a, b| busy(b.1).total_cmp(&busy(a.1)).then(a.0.cmp(b.0)));
        let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(4).max(13);
        let _ = write!(s, "\n{:<width$}", "node (at max)");
        for c in &columns {
            let _ = write!(s, " {c:>14}");
        }
        s.push('\n');
        for (name, m) in rows.iter().take(SHOWN) {
            let _ = write!(s, "{name:<width$}");
            for c in &columns {
                let cell = m
                    .get(*c)
                    .map_or("-".to_string(), |f| format!("{:.0}%", f * 100.0));
                let _ = write!(s, " {cell:>14}");
            }
            s.push('\n');
        }
        if rows.len() > SHOWN {
            let _ = writeln!(
                s,
                "… and {} more nodes (see --format json)",
                rows.len() - SHOWN
            );
        }
    }
}
