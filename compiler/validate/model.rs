//! A model cache the bundle creates is mounted by every pod of its workload: a claim that one
//! node (read-write-once) or one pod (read-write-once-pod) can mount must have one such pod at
//! a time (E0151) — one replica, no surge in a rolling update, one pod per job, no overlapping
//! runs of a schedule.

use crate::app::{App, IntOrPercent, ModelVolume, Replicas, Rollout, Workload};
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::source::Span;
use crate::spec::{Container, Spec};

pub fn check(d: &mut Diagnostics, spec: &Spec, app: &App) {
    for server in &app.servers {
        let Some(s) = spec.server(&server.path) else {
            continue;
        };
        let path = server.path.as_str();
        let (pods, why) = match &server.replicas {
            Replicas::Fixed(n) => (*n, format!("{n} replicas")),
            Replicas::Auto { max, .. } | Replicas::Keda { max, .. } => (
                *max,
                format!("up to {max} replicas (the autoscaler's `max`)"),
            ),
        };
        let scaling = s.scaling.as_ref().and_then(|sc| {
            sc.replicas
                .as_ref()
                .map(|r| r.span)
                .or(sc.max.as_ref().map(|m| m.span))
        });
        let surge = match &server.rollout {
            Rollout::Rolling { max_surge, .. } => match max_surge {
                IntOrPercent::Int(n) => *n > 0,
                IntOrPercent::Percent(p) => *p > 0,
            },
            Rollout::Recreate => false,
        };
        if pods > 1 {
            shared(
                d,
                path,
                &s.container,
                &server.workload,
                &why,
                scaling,
                "or keep one replica and drop `cache` to download into each pod's own emptyDir",
            );
        } else if surge {
            let rollout = s
                .rollout
                .as_ref()
                .and_then(|r| r.max_surge.as_ref())
                .map(|m| m.span);
            shared(
                d,
                path,
                &s.container,
                &server.workload,
                "a rolling update that starts the new pod before the old one stops",
                rollout,
                &format!(
                    "or let the old pod stop first: `[{path}.rollout] strategy = \"recreate\"`"
                ),
            );
        }
    }
    for ((path, b, schedule), batch) in super::batches(spec).zip(&app.batches) {
        let pods = batch.hosts.or(batch.parallelism).unwrap_or(1);
        if pods > 1 {
            let at = b.parallelism.as_ref().map(|p| p.span);
            shared(
                d,
                &path,
                &b.container,
                &batch.workload,
                &format!("{pods} pods at once"),
                at,
                "or run one pod at a time (`parallelism = 1`)",
            );
        } else if batch
            .schedule
            .as_ref()
            .is_some_and(|s| s.concurrency == "Allow")
        {
            let at = schedule
                .and_then(|s| s.concurrency.as_ref())
                .map(|c| c.span);
            shared(
                d,
                &path,
                &b.container,
                &batch.workload,
                "a run that starts while the last one still runs (`concurrency = \"allow\"`)",
                at,
                "or let one run finish first (`concurrency = \"forbid\"`)",
            );
        }
    }
}

fn shared(
    d: &mut Diagnostics,
    path: &str,
    c: &Container,
    w: &Workload,
    why: &str,
    at: Option<Span>,
    other_fix: &str,
) {
    let Some(ModelVolume::Claim {
        name,
        new: Some(new),
        ..
    }) = w.pod.model.as_ref().map(|m| &m.volume)
    else {
        return;
    };
    if new.access == "ReadWriteMany" {
        return;
    }
    let cache = c.model.as_ref().and_then(|m| m.cache.as_ref());
    let Some(span) = cache.map(|c| c.access.as_ref().map_or(c.span, |a| a.span)) else {
        return;
    };
    let mut diag = Diagnostic::new(
        &codes::E0151,
        format!(
            "the model cache `{name}` of `{path}` is {}, but {why} would mount it",
            new.access
        ),
    )
    .at(span, "one node (or pod) at a time");
    if let Some(at) = at {
        diag = diag.also(at, "more than one pod");
    }
    d.push(diag.help(format!(
        "share it with `access = \"read-write-many\"` and a storage class that offers it (`storage_class = …`: Filestore, EFS, Azure Files, CephFS, NFS), {other_fix}"
    )));
}
