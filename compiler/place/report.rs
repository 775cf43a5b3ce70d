//! The placement report: DESIGN.md's JSON contract (`to_json`) and the table a person reads in
//! five seconds (`to_text`).
//!
//! In the surge moment, counts cover every pod (max plus surge), and the failure shown is the
//! first surge pod that did not fit — what stalls a rollout — or, when every surge pod fit, the
//! first pod of the moment that did not.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Map, Value, json};

use super::Strategy;
use super::engine::Failure;

pub const MOMENTS: [&str; 3] = ["steady", "max", "surge"];

/// One scope's counts (a workload, or every workload) at one moment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    pub pods: u64,
    pub placed: u64,
    pub unplaced: u64,
    /// The first pod of the scope that could not be placed, and why; with its workload.
    pub first_unplaced: Option<(String, Failure)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct WorkloadReport {
    /// `Kind/namespace/name`.
    pub workload: String,
    pub moments: [Tally; 3],
    /// Replicas per node at max.
    pub assignments: BTreeMap<String, u32>,
    /// The part of a spec the workload was built from (`server`, `job`, `schedule`: its
    /// `app.kubernetes.io/component` label), when a tool such as mlspec manages it
    /// (`app.kubernetes.io/managed-by`); `None` for a plain manifest. The verdict's advice names
    /// the keys that change it.
    pub component: Option<String>,
}

/// The component label of a managed workload (see [`WorkloadReport::component`]).
pub fn component(labels: Option<&BTreeMap<String, String>>) -> Option<String> {
    let labels = labels?;
    labels.get("app.kubernetes.io/managed-by")?;
    labels.get("app.kubernetes.io/component").cloned()
}

#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub nodes: usize,
    pub strategy: Strategy,
    pub moments: [Tally; 3],
    /// A surge pod could not fit while its Deployment's maxUnavailable is 0.
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

    fn to_json(&self, with_workload: bool) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("pods".into(), self.pods.into());
        m.insert("placed".into(), self.placed.into());
        m.insert("unplaced".into(), self.unplaced.into());
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

impl Report {
    /// Every pod fits at max, and no rollout would stall.
    pub fn feasible(&self) -> bool {
        self.moments[0].feasible() && self.moments[1].feasible() && !self.rollout_stalls
    }

    pub fn to_json(&self) -> Value {
        let mut moments = Map::new();
        for (name, t) in MOMENTS.iter().zip(&self.moments) {
            let mut m = t.to_json(true);
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
                    .map(|(n, t)| ((*n).to_string(), Value::Object(t.to_json(false))))
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
        if let (Some(h), Value::Object(m)) = (&self.hint, &mut out) {
            m.insert("hint".into(), h.clone().into());
        }
        out
    }

    /// The human table: moments, workloads, then the busiest nodes.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let verdict = if self.feasible() {
            "fits"
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
        if self.rollout_stalls {
            let _ = writeln!(
                s,
                "\nthe rolling update stalls: a surge pod cannot fit and maxUnavailable is 0 (set maxUnavailable ≥ 1, use Recreate, or add spare capacity)"
            );
        }
        let width = self
            .workloads
            .iter()
            .map(|w| w.workload.len())
            .max()
            .unwrap_or(8)
            .max(8);
        let _ = writeln!(
            s,
            "\n{:<width$} {:>9} {:>9} {:>9}",
            "workload", "steady", "max", "surge"
        );
        for w in &self.workloads {
            let cell = |t: &Tally| format!("{}/{}", t.placed, t.pods);
            let _ = writeln!(
                s,
                "{:<width$} {:>9} {:>9} {:>9}",
                w.workload,
                cell(&w.moments[0]),
                cell(&w.moments[1]),
                cell(&w.moments[2])
            );
        }
        self.nodes_text(&mut s);
        if let Some(h) = &self.hint {
            let _ = writeln!(s, "\nhint: {h}");
        }
        s
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
