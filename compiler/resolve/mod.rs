//! Resolve stage: `Spec` → `App`. Applies runtime presets and catalog defaults, parses every
//! value (quantities, durations, names, images, cron lines) and reports each bad one at its span.
//!
//! Resolve always produces as much of an `App` as it can; a bad value falls back to a default so
//! later checks still run, and the diagnostics decide whether anything is emitted.

pub mod accelerator;
pub mod batch;
pub mod check;
pub mod ident;
pub mod lint;
pub mod model;
pub mod pod;
pub mod provider;
pub mod resources;
pub mod route;
pub mod scaling;
pub mod serve;
pub mod toleration;

use crate::app::{App, Scheduling, Toleration};
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::spec::{Placement, Spec, TolerationSpec};
use crate::stdlib::Catalog;
use crate::values::names;

/// Object names are built from the app name; this keeps `<app>-<job>` within limits more often.
pub const MAX_APP_NAME: usize = 40;

pub fn resolve(spec: &Spec, catalog: &Catalog) -> (Option<App>, Diagnostics) {
    let mut d = Diagnostics::default();
    let a = &spec.app;
    let Some(name_sp) = &a.name else {
        return (None, d);
    };
    let name = check::label_name(&mut d, "app.name", name_sp).unwrap_or_else(|| "app".to_string());
    if check::label_name(&mut Diagnostics::default(), "app.name", name_sp).is_some() {
        if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
            d.push(
                Diagnostic::new(
                    &codes::E0101,
                    format!("`app.name` must start with a letter, found `{name}`"),
                )
                .at(name_sp.span, "starts with a digit")
                .help("Service names (DNS-1035) must start with a letter"),
            );
        } else if name.len() > MAX_APP_NAME {
            d.push(
                Diagnostic::new(
                    &codes::E0125,
                    format!("`app.name` has {} characters; mlspec allows {MAX_APP_NAME}", name.len()),
                )
                .at(name_sp.span, "too long")
                .help("object names are built from it (`<app>-<job>`), and Kubernetes limits them to 52–63 characters"),
            );
        }
    }
    let namespace = match &a.namespace {
        Some(ns) => check::label_name(&mut d, "app.namespace", ns).unwrap_or_else(|| name.clone()),
        None => name.clone(),
    };
    let version = a.version.as_ref().and_then(|v| {
        check::ok(&mut d, &codes::E0102, "app.version", v, names::label_value(&v.v),
            "it becomes the `app.kubernetes.io/version` label: up to 63 letters, digits, `-`, `_` or `.`")
            .map(|()| v.v.clone())
    });
    let labels = check::labels(&mut d, "app.labels", &a.labels, true);
    let annotations = check::labels(&mut d, "app.annotations", &a.annotations, false);

    if spec.serve.is_none() && spec.jobs.is_empty() && spec.schedules.is_empty() {
        d.push(
            Diagnostic::new(&codes::E0124, format!("`{name}` has nothing to deploy"))
                .at(a.span, "an app with no workloads")
                .help("add a `[serve]` table for a model server, or `[jobs.NAME]` / `[schedules.NAME]` for batch work"),
        );
    }

    let placement = spec.placement.clone().unwrap_or_default();
    let base = scheduling(&mut d, &placement);
    let serve = spec
        .serve
        .as_ref()
        .map(|s| serve::resolve(&mut d, catalog, &name, s, &base, placement.spread.as_ref()));
    for (key, _) in &spec.schedules {
        if let Some((twin, _)) = spec.jobs.iter().find(|(k, _)| k.v == key.v) {
            d.push(
                Diagnostic::new(
                    &codes::E0007,
                    format!(
                        "`jobs.{0}` and `schedules.{0}` would both be named `{name}-{0}`",
                        key.v
                    ),
                )
                .at(key.span, "a schedule")
                .also(twin.span, "a job of the same name")
                .help("give the job and the schedule different names"),
            );
        }
    }
    let mut batches = Vec::new();
    for (key, b) in &spec.jobs {
        batches.push(batch::job(&mut d, catalog, &name, key, b, &base));
    }
    for (key, s) in &spec.schedules {
        batches.push(batch::schedule(&mut d, catalog, &name, key, s, &base));
    }

    let waivers = lint::waivers(&mut d, spec);
    let app = App {
        waivers,
        create_namespace: a.create_namespace.as_ref().is_some_and(|c| c.v),
        managed_by: catalog.defaults.managed_by.clone(),
        name,
        namespace,
        version,
        labels,
        annotations,
        serve,
        batches,
    };
    (Some(app), d)
}

fn scheduling(d: &mut Diagnostics, p: &Placement) -> Scheduling {
    let mut tolerations: Vec<Toleration> = Vec::new();
    for (i, t) in p.tolerations.iter().enumerate() {
        let path = format!("placement.tolerations[{i}]");
        let (r, span) = match t {
            TolerationSpec::Short(sp) => (toleration::parse(&sp.v), sp.span),
            TolerationSpec::Table {
                key,
                operator,
                value,
                effect,
                span,
            } => (
                toleration::build(
                    key.as_ref().map(|x| x.v.as_str()),
                    operator.as_ref().map(|x| x.v.as_str()),
                    value.as_ref().map(|x| x.v.as_str()),
                    effect.as_ref().map(|x| x.v.as_str()),
                ),
                *span,
            ),
        };
        match r {
            Ok(t) => tolerations.push(t),
            Err(e) => d.push(
                Diagnostic::new(&codes::E0127, format!("invalid `{path}`: {e}"))
                    .at(span, "bad toleration")
                    .help("write `key=value:Effect` or `key:Effect`, with Effect one of NoSchedule, PreferNoSchedule, NoExecute"),
            ),
        }
    }
    Scheduling {
        node_selector: check::labels(d, "placement.node_selector", &p.node_selector, true),
        tolerations,
        priority_class: p
            .priority_class
            .as_ref()
            .and_then(|x| check::subdomain_name(d, "placement.priority_class", x)),
        runtime_class: p
            .runtime_class
            .as_ref()
            .and_then(|x| check::subdomain_name(d, "placement.runtime_class", x)),
    }
}
