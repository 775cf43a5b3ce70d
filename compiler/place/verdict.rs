//! The placement verdict as diagnostics (E0205), one per workload that does not fit: how the
//! report reaches JSON, SARIF and GitHub annotations next to the other findings.

use super::Report;
use crate::diagnostics::{Diagnostic, Diagnostics, codes};

const AT_MAX: &str = "give the cluster room (more nodes, or nodes with more of what is short), \
or lower `[serve.scaling] max` or what each pod asks for; `mlspec place` prints the whole table";
const AT_SURGE: &str = "keep a spare node's worth of room for the surge pod, or let the rollout \
replace pods in place with `[serve.rollout] max_unavailable = 1`; `mlspec place` prints the whole \
table";

/// E0205 for each workload with pods that cannot be placed at maximum scale, or (when the
/// rollout would stall) surge pods that cannot be placed. Empty when the report is feasible.
pub fn diagnostics(report: &Report) -> Diagnostics {
    let mut out = Diagnostics::default();
    for w in &report.workloads {
        let [_, max, surge] = &w.moments;
        // What breaking ties the other way gives for this workload at a moment.
        let other = |k: usize| {
            report.ties[k]
                .as_ref()
                .and_then(|t| t.workloads.iter().find(|(id, ..)| *id == w.workload))
                .map(|(_, _, b)| b)
        };
        let (tally, what, help) = if max.unplaced > 0 {
            (max, "at maximum scale", AT_MAX)
        } else if let Some(m) = other(1).filter(|m| m.unplaced > 0) {
            (
                m,
                "at maximum scale when the scheduler breaks ties between equally scored nodes the other way",
                AT_MAX,
            )
        } else if report.rollout_stalls && surge.unplaced > 0 {
            (
                surge,
                "during a rolling update, which would stall",
                AT_SURGE,
            )
        } else {
            match other(2).filter(|s| report.rollout_stalls && s.unplaced > 0) {
                Some(s) => (
                    s,
                    "during a rolling update, which would stall when the scheduler breaks ties between equally scored nodes the other way",
                    AT_SURGE,
                ),
                None => continue,
            }
        };
        let why = tally
            .first_unplaced
            .as_ref()
            .map(|(_, f)| format!(": {}", f.message()))
            .unwrap_or_default();
        out.push(
            Diagnostic::new(
                &codes::E0205,
                format!(
                    "`{}` does not fit {what}: {} of {} pods cannot be placed{why}",
                    w.workload, tally.unplaced, tally.pods
                ),
            )
            .help(help),
        );
    }
    out
}
