//! Resolve stage: `Spec` → `App`. Applies runtime presets and catalog defaults, parses every
//! value (quantities, durations, names, images, cron lines) and reports each bad one at its span.
//!
//! Resolve always produces as much of an `App` as it can; a bad value falls back to a default so
//! later checks still run, and the diagnostics decide whether anything is emitted.

pub mod accelerator;
pub mod batch;
pub mod callers;
pub mod check;
pub mod group;
pub mod ident;
pub mod ingress;
pub mod lint;
pub mod metrics;
pub mod model;
pub mod pod;
pub mod provider;
pub mod resources;
pub mod route;
pub mod scaling;
pub mod serve;
pub mod service;
pub mod state;
pub mod toleration;
pub mod traffic;

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

    if spec.serve.is_none()
        && spec.servers.is_empty()
        && spec.jobs.is_empty()
        && spec.schedules.is_empty()
    {
        d.push(
            Diagnostic::new(&codes::E0124, format!("`{name}` has nothing to deploy"))
                .at(a.span, "an app with no workloads")
                .help("add a `[serve]` table for a model server, or `[jobs.NAME]` / `[schedules.NAME]` for batch work"),
        );
    }

    let placement = spec.placement.clone().unwrap_or_default();
    let base = scheduling(&mut d, "placement", &placement);
    let mut servers: Vec<crate::app::Server> = Vec::new();
    for s in spec.servers() {
        // A server's own `placement` keys win over the app's; its tolerations and node labels
        // add to them.
        let (own, spread) = match &s.serve.placement {
            Some(p) => {
                let at = format!("{}.placement", s.path);
                let own = scheduling(&mut d, &at, p);
                let spread = p.spread.as_ref().map(|sp| (format!("{at}.spread"), sp));
                (Some(own), spread)
            }
            None => (None, None),
        };
        let spread = spread.or_else(|| {
            placement
                .spread
                .as_ref()
                .map(|sp| ("placement.spread".to_string(), sp))
        });
        let scheduling = match own {
            Some(own) => overridden(&base, own),
            None => base.clone(),
        };
        let spread = spread.as_ref().map(|(path, sp)| (path.as_str(), *sp));
        servers.push(serve::resolve(
            &mut d,
            catalog,
            &name,
            &s,
            &scheduling,
            spread,
        ));
    }
    server_names(&mut d, spec, &name);
    service_names(&mut d, spec, &servers);
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

    let batch_paths: Vec<(String, &crate::app::Batch)> = spec
        .jobs
        .iter()
        .map(|(k, _)| format!("jobs.{}", k.v))
        .chain(
            spec.schedules
                .iter()
                .map(|(k, _)| format!("schedules.{}", k.v)),
        )
        .zip(&batches)
        .collect();
    let routed = ingress::resolve(&mut d, catalog, spec, &mut servers);
    let flows = traffic::flows(
        &mut d,
        catalog,
        spec,
        &namespace,
        &servers,
        &routed,
        &batch_paths,
    );
    let waivers = lint::waivers(&mut d, "waivers", &spec.waivers);
    // The most a workload carries: the app's waivers with its own.
    let widest = servers
        .iter()
        .map(|s| &s.workload)
        .chain(batches.iter().map(|b| &b.workload))
        .map(|w| crate::app::waivers_of(&waivers, &w.waivers))
        .max_by_key(|w| {
            w.iter()
                .map(|(id, why)| id.len() + why.len())
                .sum::<usize>()
        })
        .unwrap_or_else(|| waivers.clone());
    check::annotations_fit(&mut d, &a.annotations, &annotations, &widest);
    let app = App {
        waivers,
        create_namespace: a.create_namespace.as_ref().is_some_and(|c| c.v),
        managed_by: catalog.defaults.managed_by.clone(),
        name,
        namespace,
        version,
        labels,
        annotations,
        servers,
        batches,
        flows,
    };
    (Some(app), d)
}

/// A `[servers.NAME]` is named `APP-NAME` like a job or schedule of the same NAME, and is called
/// NAME by `callers` and ingress paths, like `[serve]` is called by the app's name: each clash
/// is E0180.
fn server_names(d: &mut Diagnostics, spec: &Spec, app: &str) {
    for (key, _) in &spec.servers {
        let batch = spec
            .jobs
            .iter()
            .map(|(k, _)| ("jobs", k))
            .chain(spec.schedules.iter().map(|(k, _)| ("schedules", k)))
            .find(|(_, k)| k.v == key.v);
        if let Some((table, twin)) = batch {
            d.push(
                Diagnostic::new(
                    &codes::E0180,
                    format!(
                        "`servers.{0}` and `{table}.{0}` would both be named `{app}-{0}`",
                        key.v
                    ),
                )
                .at(key.span, "a server")
                .also(twin.span, "a batch workload of the same name")
                .help("give the server and the batch workload different names"),
            );
        }
        if key.v == app
            && let Some(serve) = &spec.serve
        {
            d.push(
                Diagnostic::new(
                    &codes::E0180,
                    format!(
                        "`servers.{app}` has the name of `[serve]`, which is called after the app"
                    ),
                )
                .at(key.span, "a second server called this")
                .also(serve.span, "the app's own server")
                .help(
                    "give this server another name: `callers` and ingress paths name servers by it",
                ),
            );
        }
    }
}

/// Two servers whose Services would have one name (`service.name`, or a server's own name):
/// the second would replace the first.
fn service_names(d: &mut Diagnostics, spec: &Spec, servers: &[crate::app::Server]) {
    for (i, s) in servers.iter().enumerate() {
        let Some(first) = servers[..i]
            .iter()
            .find(|o| o.service.name == s.service.name)
        else {
            continue;
        };
        let span_of = |path: &str| {
            let serve = spec.server(path)?;
            let named = serve.service.as_ref().and_then(|v| v.name.as_ref());
            Some(named.map_or(serve.span, |n| n.span))
        };
        let (Some(here), Some(there)) = (span_of(&s.path), span_of(&first.path)) else {
            continue;
        };
        d.push(
            Diagnostic::new(
                &codes::E0180,
                format!(
                    "`{}` and `{}` would both have the Service `{}`",
                    first.path, s.path, s.service.name
                ),
            )
            .at(here, "a second Service of this name")
            .also(there, "the first")
            .help("give each server's Service its own `service.name`"),
        );
    }
}

/// `base` with a server's own placement over it: its node labels and tolerations added (its
/// labels winning), its classes replacing the app's.
fn overridden(base: &Scheduling, own: Scheduling) -> Scheduling {
    let mut out = base.clone();
    out.node_selector.extend(own.node_selector);
    for t in own.tolerations {
        if !out.tolerations.contains(&t) {
            out.tolerations.push(t);
        }
    }
    out.priority_class = own.priority_class.or(out.priority_class);
    out.runtime_class = own.runtime_class.or(out.runtime_class);
    out
}

/// `[placement]`, or a server's own `placement` (at `at`), resolved.
fn scheduling(d: &mut Diagnostics, at: &str, p: &Placement) -> Scheduling {
    let mut tolerations: Vec<Toleration> = Vec::new();
    for (i, t) in p.tolerations.iter().enumerate() {
        let path = format!("{at}.tolerations[{i}]");
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
        node_selector: check::labels(d, &format!("{at}.node_selector"), &p.node_selector, true),
        tolerations,
        priority_class: p
            .priority_class
            .as_ref()
            .and_then(|x| check::subdomain_name(d, &format!("{at}.priority_class"), x)),
        runtime_class: p
            .runtime_class
            .as_ref()
            .and_then(|x| check::subdomain_name(d, &format!("{at}.runtime_class"), x)),
    }
}

/// Helpers for the resolvers' tests: a spec's objects as JSON, and a digest to pin images by.
#[cfg(test)]
pub(crate) mod testing {
    pub const DIGEST: &str =
        "@sha256:0000000000000000000000000000000000000000000000000000000000000000";

    /// The objects `spec` compiles to, as JSON, and its diagnostics.
    pub fn compiled(spec: &str) -> (Vec<serde_json::Value>, crate::diagnostics::Diagnostics) {
        let (objects, d) = crate::compile_str(spec);
        let json = objects
            .iter()
            .map(|o| serde_json::to_value(o).expect("an object serialises"))
            .collect();
        (json, d)
    }

    /// The objects `spec` compiles to, as JSON; it must compile without errors.
    pub fn documents(spec: &str) -> Vec<serde_json::Value> {
        let (objects, d) = compiled(spec);
        assert!(!d.has_errors(), "{d:?}");
        objects
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{DIGEST, documents};

    #[test]
    fn a_servers_own_placement_goes_over_the_apps() {
        let spec = format!(
            "[app]\nname = \"shop\"\n\n[placement]\nnode_selector = {{ pool = \"general\", disk = \"ssd\" }}\ntolerations = [\"dedicated=shop:NoSchedule\"]\npriority_class = \"normal\"\n\n[servers.web]\nimage = \"x/web:1{DIGEST}\"\nscaling = {{ replicas = 2 }}\nplacement = {{ node_selector = {{ pool = \"edge\" }}, tolerations = [\"edge:NoSchedule\"], spread = \"node\", priority_class = \"high\" }}\n\n[servers.api]\nimage = \"x/api:1{DIGEST}\"\nscaling = {{ replicas = 2 }}\n"
        );
        let docs = documents(&spec);
        let pod = |name: &str| {
            docs.iter()
                .find(|d| d["kind"] == "Deployment" && d["metadata"]["name"] == name)
                .map(|d| d["spec"]["template"]["spec"].clone())
                .expect(name)
        };
        let web = pod("shop-web");
        assert_eq!(web["nodeSelector"]["pool"], "edge");
        assert_eq!(web["nodeSelector"]["disk"], "ssd");
        assert_eq!(web["tolerations"].as_array().map(Vec::len), Some(2));
        assert_eq!(web["priorityClassName"], "high");
        assert!(
            web["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
                .is_array()
        );
        let api = pod("shop-api");
        assert_eq!(api["nodeSelector"]["pool"], "general");
        assert_eq!(api["tolerations"].as_array().map(Vec::len), Some(1));
        assert_eq!(api["priorityClassName"], "normal");
        assert!(api["topologySpreadConstraints"].is_array());
    }
}
