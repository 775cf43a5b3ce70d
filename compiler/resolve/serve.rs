//! `[serve]` → `Server`: ports, replicas and autoscaling target, probes, rollout, ingress.

use super::ident::Ident;
use super::pod::{self, Fill};
use super::{check, route, scaling};
use crate::app::{
    Ingress, IntOrPercent, Metrics, Port, Replicas, Rollout, Scheduling, Server, Spread, Tls,
};
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::source::Span;
use crate::spec::read::Sp;
use crate::spec::{self, Serve};
use crate::stdlib::{Catalog, DEFAULT_RUNTIME, Runtime};
use crate::values::{names, percent, suggest::suggest};

/// `placement.spread`: across zones, one replica per node, or no topology spread.
pub const SPREADS: &[&str] = &["zone", "node", "none"];
/// `serve.rollout.strategy`: a rolling update, or all old pods stopped before new ones start.
pub const ROLLOUT_STRATEGIES: &[&str] = &["rolling", "recreate"];

pub fn resolve(
    d: &mut Diagnostics,
    catalog: &Catalog,
    app: &str,
    s: &Serve,
    base: &Scheduling,
    spread: Option<&Sp<String>>,
) -> Server {
    let runtime = runtime(d, catalog, s);
    let defaults = &catalog.defaults.serve;
    let id = Ident {
        app,
        name: app.to_string(),
        component: "server".to_string(),
        container: "server".to_string(),
        path: "serve".to_string(),
    };
    let main_ports = ports(d, s, runtime);
    let model_name = s.model_name.as_ref();
    if let (Some(m), Some(r)) = (model_name, runtime) {
        model_name_applies(d, s, m, r);
    } else if let (Some(uri), Some(r), None) = (
        s.container.model.as_ref().and_then(|m| m.uri.as_ref()),
        runtime,
        s.container.command.as_ref(),
    ) {
        let flags = model_flags(s, r);
        repeated_flags(d, s, &flags, uri.span, "model");
    }
    let fill = Fill::new(
        app,
        model_name.map(|m| m.v.as_str()),
        &s.container.env,
        main_ports.first().map(|(p, _)| p.port),
    );
    let main = pod::Main {
        runtime,
        fill: &fill,
        ports: main_ports,
        health: s.health.as_ref(),
    };
    let wl = pod::resolve(d, catalog, id, &s.container, main, base);
    // The Service publishes the main container's ports, then each sidecar's.
    let ports: Vec<Port> = std::iter::once(&wl.pod.main)
        .chain(&wl.pod.sidecars)
        .flat_map(|c| c.ports.iter().cloned())
        .collect();
    if let Some((hosts, t)) = super::accelerator::tpu_hosts(catalog, &s.container) {
        d.push(
            Diagnostic::new(
                &codes::E0129,
                format!("`serve` asks for the multi-host TPU topology `{}` ({hosts} hosts): a server is one pod on one host", t.v),
            )
            .at(t.span, "spans several hosts")
            .help("serve from a single-host topology, or run the multi-host slice as `[jobs.NAME]` (an Indexed Job with one pod per host)"),
        );
    }
    let metrics = runtime.and_then(|r| r.metrics.as_ref()).and_then(|m| {
        let port = wl.pod.main.ports.iter().find(|p| p.name == m.port)?;
        Some(Metrics {
            port: port.port,
            path: m.path.clone(),
            scraper_namespace: catalog.defaults.metrics.namespace.clone(),
        })
    });
    let replicas = scaling::replicas(d, catalog, s);
    if !replicas.has_disruption_budget() {
        let sc = s.scaling.as_ref();
        let at = sc
            .and_then(|c| {
                c.replicas
                    .as_ref()
                    .map(|r| r.span)
                    .or(c.min.as_ref().map(|m| m.span))
            })
            .unwrap_or(s.span);
        d.push(
            Diagnostic::new(
                &codes::W0004,
                format!(
                    "`serve` can run as few as {} replica{}, so it gets no PodDisruptionBudget",
                    replicas.min(),
                    if replicas.min() == 1 { "" } else { "s" }
                ),
            )
            .at(at, "one replica")
            .help("a node drain or upgrade takes the server down until a new pod loads the model; run `replicas = 2` (or `min = 2`)"),
        );
    }
    let rollout = rollout(d, catalog, s);
    let ingress = s.ingress.as_ref().and_then(|i| ingress(d, catalog, app, i));
    let route = route::resolve(d, catalog, s);
    let ingress_controller_namespace = ingress.as_ref().and_then(|i| {
        let class = i.class.as_deref().unwrap_or("nginx");
        catalog.defaults.ingress.controllers.get(class).cloned()
    });
    let spread = match spread {
        Some(sp) => match check::choice(d, "placement.spread", sp, SPREADS) {
            Some("node") => Spread::Node,
            Some("none") => Spread::None,
            _ => Spread::Zone,
        },
        None if matches!(replicas, Replicas::Fixed(n) if n <= 1) => Spread::None,
        None => Spread::Zone,
    };
    let mut secs = |key: &str, v: &str| {
        check::seconds(
            d,
            &format!("stdlib defaults serve.{key}"),
            &Sp::new(v.to_string(), Default::default()),
        )
        .unwrap_or(0)
    };
    Server {
        workload: wl,
        service_port: i32::from(defaults.service_port),
        replicas,
        rollout,
        ingress,
        route,
        spread,
        revision_history_limit: defaults.revision_history_limit,
        progress_deadline_seconds: i32::try_from(secs(
            "progress_deadline",
            &defaults.progress_deadline,
        ))
        .unwrap_or(600),
        termination_grace_seconds: secs("termination_grace", &defaults.termination_grace),
        pre_stop_sleep_seconds: secs("pre_stop_sleep", &defaults.pre_stop_sleep),
        ingress_controller_namespace,
        ports,
        metrics,
    }
}

/// The flags that name the model: the runtime's `model_args`, or with a `model` source its
/// `model_source.args` (which replace them unless `keep_model_args`).
fn model_flags(s: &Serve, r: &Runtime) -> Vec<String> {
    let (source, model) = r.model_flags(s.container.model.is_some());
    source.iter().chain(model).cloned().collect()
}

/// `serve.model_name` fills the runtime's model flags, so it needs a runtime that has some (or
/// names `{model}` elsewhere), no `command` that drops them, and no args that repeat them.
fn model_name_applies(d: &mut Diagnostics, s: &Serve, m: &Sp<String>, r: &Runtime) {
    let name = s.runtime.as_ref().map_or(DEFAULT_RUNTIME, |r| r.v.as_str());
    let flags = model_flags(s, r);
    let used = flags.iter().any(|a| a.contains("{model}"))
        || r.env.values().any(|v| v.contains("{model}"))
        || [&r.health.readiness, &r.health.liveness, &r.health.startup]
            .into_iter()
            .flatten()
            .any(|p| p.contains("{model}"));
    if !used {
        let with_source = if s.container.model.is_some() {
            " when it loads `serve.model`'s files"
        } else {
            ""
        };
        d.push(
            Diagnostic::new(
                &codes::E0134,
                format!("runtime `{name}` has no flag or setting that `serve.model_name` fills in{with_source}"),
            )
            .at(m.span, "not used by this runtime")
            .help("pass the model to your server in `args` or `env`, and drop `model_name`"),
        );
        return;
    }
    if let Some(cmd) = s.container.command.as_ref().filter(|_| !flags.is_empty()) {
        let at = cmd.first().map_or(m.span, |c| c.span);
        d.push(
            Diagnostic::new(
                &codes::E0134,
                format!("`serve.command` replaces runtime `{name}`'s flags, so `serve.model_name` would not reach the server"),
            )
            .at(m.span, "its flags are dropped")
            .also(at, "the entrypoint is replaced here")
            .help(format!(
                "drop `command` to run the runtime's server, or pass the model in `args` yourself: {}",
                flags.join(" ")
            )),
        );
        return;
    }
    repeated_flags(d, s, &flags, m.span, "model_name");
}

/// `serve.args` setting a flag that mlspec already fills in from `serve.KEY` (at `span`).
fn repeated_flags(d: &mut Diagnostics, s: &Serve, fills: &[String], span: Span, key: &str) {
    let flags: Vec<&str> = fills
        .iter()
        .filter(|a| a.starts_with('-'))
        .map(|a| a.split('=').next().unwrap_or(a))
        .collect();
    for a in s.container.args.iter().flatten() {
        let flag = a.v.split('=').next().unwrap_or(&a.v);
        if flags.contains(&flag) {
            d.push(
                Diagnostic::new(
                    &codes::E0134,
                    format!("`serve.args` sets `{flag}`, which `serve.{key}` already fills in"),
                )
                .at(a.span, "set twice")
                .also(span, "the model is named here")
                .help(format!(
                    "drop `{flag}` and its value from `args`, or drop `{key}`"
                )),
            );
        }
    }
}

fn runtime<'c>(d: &mut Diagnostics, catalog: &'c Catalog, s: &Serve) -> Option<&'c Runtime> {
    let Some(sp) = &s.runtime else {
        return catalog.runtime(DEFAULT_RUNTIME);
    };
    if let Some(r) = catalog.runtime(&sp.v) {
        return Some(r);
    }
    let mut diag = Diagnostic::new(
        &codes::E0112,
        format!("unknown runtime `{}` in `serve.runtime`", sp.v),
    )
    .at(sp.span, "not in the catalog");
    diag = match suggest(&sp.v, catalog.runtimes.keys()) {
        Some(x) => diag.help(format!("did you mean `{x}`?")),
        None => diag.help(format!(
            "known runtimes: {}",
            catalog
                .runtimes
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        )),
    };
    d.push(diag);
    catalog.runtime(DEFAULT_RUNTIME)
}

/// The main container's ports, each with the span it came from (the runtime's, with `serve`'s).
fn ports(d: &mut Diagnostics, s: &Serve, runtime: Option<&Runtime>) -> Vec<(Port, Span)> {
    let at = s.runtime.as_ref().map_or(s.span, |r| r.span);
    let preset: Vec<(Port, Span)> = runtime
        .map(|r| {
            r.ports
                .iter()
                .map(|p| {
                    let port = Port {
                        name: p.name.clone(),
                        port: i32::from(p.port),
                        app_protocol: p.app_protocol.clone(),
                    };
                    (port, at)
                })
                .collect()
        })
        .unwrap_or_default();
    match (&s.port, &s.ports) {
        (Some(p), Some(list)) => {
            let first = list.first().map_or(p.span, |x| x.span);
            d.push(
                Diagnostic::new(
                    &codes::E0007,
                    "`serve.port` and `serve.ports` cannot both be set",
                )
                .at(p.span, "one port here")
                .also(first, "a list of ports here")
                .help("use `port` for one port, or `ports` for several named ones"),
            );
            preset
        }
        (Some(p), None) => {
            let mut first = preset.into_iter().next().map_or_else(
                || Port {
                    name: "http".to_string(),
                    port: 8080,
                    app_protocol: Some("http".to_string()),
                },
                |(port, _)| port,
            );
            if let Some(n) = pod::port_number(d, "serve.port", p) {
                first.port = n;
            }
            vec![(first, p.span)]
        }
        (None, Some(list)) => {
            let out = pod::ports(d, "serve.ports", list, &mut Default::default());
            if out.is_empty() { preset } else { out }
        }
        (None, None) => preset,
    }
}

fn rollout(d: &mut Diagnostics, catalog: &Catalog, s: &Serve) -> Rollout {
    let defaults = &catalog.defaults.serve;
    let r = s.rollout.clone().unwrap_or_default();
    if let Some(st) = &r.strategy
        && check::choice(d, "serve.rollout.strategy", st, ROLLOUT_STRATEGIES) == Some("recreate")
    {
        return Rollout::Recreate;
    }
    let fence =
        |d: &mut Diagnostics, key: &str, given: &Option<Sp<String>>, default: &toml::Value| {
            let text = match given {
                Some(sp) => sp.clone(),
                None => Sp::new(
                    match default {
                        toml::Value::String(s) => s.clone(),
                        toml::Value::Integer(i) => i.to_string(),
                        _ => String::new(),
                    },
                    Default::default(),
                ),
            };
            let v = check::ok(
                d,
                &codes::E0116,
                &format!("serve.rollout.{key}"),
                &text,
                percent::parse_int_or_percent(&text.v),
                "write a pod count such as `1` or a percentage such as `25%`",
            )?;
            Some(match v {
                percent::IntOrPercent::Int(n) => IntOrPercent::Int(n),
                percent::IntOrPercent::Percent(p) => IntOrPercent::Percent(p),
            })
        };
    let surge = fence(d, "max_surge", &r.max_surge, &defaults.max_surge)
        .unwrap_or(IntOrPercent::Percent(25));
    let unavailable = fence(
        d,
        "max_unavailable",
        &r.max_unavailable,
        &defaults.max_unavailable,
    )
    .unwrap_or(IntOrPercent::Int(0));
    let zero = |v: &IntOrPercent| matches!(v, IntOrPercent::Int(0) | IntOrPercent::Percent(0));
    if zero(&surge) && zero(&unavailable) {
        let mut diag = Diagnostic::new(
            &codes::E0122,
            "`serve.rollout` allows no surge and no unavailable pods, so a rollout cannot start",
        );
        for sp in [&r.max_surge, &r.max_unavailable].into_iter().flatten() {
            diag = if diag.primary.is_none() {
                diag.at(sp.span, "zero")
            } else {
                diag.also(sp.span, "zero")
            };
        }
        d.push(diag.help("set `max_surge = 1` (needs spare capacity) or `max_unavailable = 1` (one pod down at a time)"));
    }
    Rollout::Rolling {
        max_surge: surge,
        max_unavailable: unavailable,
    }
}

fn ingress(
    d: &mut Diagnostics,
    catalog: &Catalog,
    app: &str,
    i: &spec::Ingress,
) -> Option<Ingress> {
    let host = i.host.as_ref().and_then(|h| {
        check::ok(
            d,
            &codes::E0109,
            "serve.ingress.host",
            h,
            names::hostname(&h.v),
            "write a DNS name such as `model.example.com`, without scheme, port or path",
        )
        .map(|()| h.v.clone())
    });
    let path = match &i.path {
        Some(sp) => {
            check::http_path(d, "serve.ingress.path", sp).unwrap_or_else(|| "/".to_string())
        }
        None => catalog.defaults.ingress.path.clone(),
    };
    let class = i
        .class
        .as_ref()
        .and_then(|c| check::subdomain_name(d, "serve.ingress.class", c));
    let tls = i.tls.as_ref().and_then(|t| tls(d, app, t));
    if i.tls.is_none() {
        d.push(
            Diagnostic::new(
                &codes::W0005,
                "`serve.ingress` publishes the server without TLS".to_string(),
            )
            .at(i.host.as_ref().map_or(i.span, |h| h.span), "served over plain HTTP")
            .help("add `tls = { cluster_issuer = \"letsencrypt-prod\" }` (cert-manager) or `tls = { secret = \"NAME\" }`"),
        );
    }
    let annotations = check::labels(d, "serve.ingress.annotations", &i.annotations, false);
    Some(Ingress {
        host: host?,
        path,
        class,
        tls,
        annotations,
    })
}

fn tls(d: &mut Diagnostics, app: &str, t: &spec::Tls) -> Option<Tls> {
    if !check::exactly_one(
        d,
        "serve.ingress.tls",
        t.span,
        &[
            ("secret", &t.secret),
            ("issuer", &t.issuer),
            ("cluster_issuer", &t.cluster_issuer),
        ],
        "`tls = { cluster_issuer = \"letsencrypt-prod\" }` or `tls = { secret = \"my-tls\" }`",
    ) {
        return None;
    }
    let secret_name = format!("{app}-tls");
    if let Some(s) = &t.secret {
        return check::subdomain_name(d, "serve.ingress.tls.secret", s).map(Tls::Secret);
    }
    let (key, sp) = match (&t.issuer, &t.cluster_issuer) {
        (Some(i), _) => ("cert-manager.io/issuer", i),
        (None, Some(c)) => ("cert-manager.io/cluster-issuer", c),
        (None, None) => return None,
    };
    let issuer = check::subdomain_name(d, "serve.ingress.tls", sp)?;
    Some(Tls::CertManager {
        annotation: key.to_string(),
        issuer,
        secret: secret_name,
    })
}
