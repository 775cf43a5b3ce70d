//! The placement verdict as diagnostics (E0205), one per workload that does not fit: how the
//! report reaches JSON, SARIF and GitHub annotations next to the other findings.

use super::Report;
use crate::diagnostics::{Diagnostic, Diagnostics, codes};

/// How to make room at maximum scale, by the spec section the workload comes from.
fn at_max(section: Option<&str>) -> String {
    let fewer = match section {
        Some(s) if s == "serve" || s.starts_with("servers.") => {
            format!("lower `[{s}.scaling] max`")
        }
        Some(s) if s.starts_with("jobs.") || s.starts_with("schedules.") => {
            format!("lower `parallelism` in `[{s}]`")
        }
        _ => "lower the most replicas (the autoscaler's `maxReplicas`, or `replicas`)".to_string(),
    };
    format!(
        "give the cluster room (more nodes, or nodes with more of what is short), or {fewer} or \
         what each pod asks for; `mlspec place` prints the whole table"
    )
}

/// How to let a stalled rollout proceed, by the spec section the workload comes from and its
/// id (`Kind/namespace/name`).
fn at_surge(section: Option<&str>, workload: &str) -> String {
    let group = workload.starts_with("LeaderWorkerSet/");
    let in_place = match section {
        Some(s) if s == "serve" || s.starts_with("servers.") => {
            format!("`[{s}.rollout] max_unavailable = 1`")
        }
        _ if group => "`rolloutStrategy.rollingUpdateConfiguration.maxUnavailable: 1`".to_string(),
        _ => "`strategy.rollingUpdate.maxUnavailable: 1`".to_string(),
    };
    let (room, what) = if group {
        ("a spare group's room for the surge group", "groups")
    } else {
        ("a spare node's worth of room for the surge pod", "pods")
    };
    format!(
        "keep {room}, or let the rollout replace {what} in place with {in_place}; `mlspec place` \
         prints the whole table"
    )
}

/// E0205 for each workload with pods that cannot be placed at maximum scale, or (when the
/// rollout would stall) surge pods that cannot be placed. Empty when the report is feasible.
pub fn diagnostics(report: &Report) -> Diagnostics {
    let mut out = Diagnostics::default();
    for w in &report.workloads {
        let [_, max, surge] = &w.moments;
        let component = w.component.as_deref();
        // What breaking ties the other way gives for this workload at a moment.
        let other = |k: usize| {
            report.ties[k]
                .as_ref()
                .and_then(|t| t.workloads.iter().find(|(id, ..)| *id == w.workload))
                .map(|(_, _, b)| b)
        };
        let (tally, what, help) = if max.unplaced > 0 {
            (max, "at maximum scale", at_max(component))
        } else if let Some(m) = other(1).filter(|m| m.unplaced > 0) {
            (
                m,
                "at maximum scale when the scheduler breaks ties between equally scored nodes the other way",
                at_max(component),
            )
        } else if report.rollout_stalls && surge.unplaced > 0 {
            (
                surge,
                "during a rolling update, which would stall",
                at_surge(component, &w.workload),
            )
        } else {
            match other(2).filter(|s| report.rollout_stalls && s.unplaced > 0) {
                Some(s) => (
                    s,
                    "during a rolling update, which would stall when the scheduler breaks ties between equally scored nodes the other way",
                    at_surge(component, &w.workload),
                ),
                None => continue,
            }
        };
        let why = tally
            .first_unplaced
            .as_ref()
            .map(|(_, f)| format!(": {}", f.message()))
            .unwrap_or_default();
        let message = if tally.broken_groups() > 0 {
            format!(
                "`{}` does not fit {what}: {} of {} groups cannot start whole ({} of {} pods cannot be placed, and a group with a pod Pending does no work){why}",
                w.workload,
                tally.broken_groups(),
                tally.groups,
                tally.unplaced,
                tally.pods
            )
        } else {
            format!(
                "`{}` does not fit {what}: {} of {} pods cannot be placed{why}",
                w.workload, tally.unplaced, tally.pods
            )
        };
        out.push(Diagnostic::new(&codes::E0205, message).help(help));
    }
    out
}
