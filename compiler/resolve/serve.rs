//! `[serve]` → `Server`: ports, replicas and autoscaling target, probes, rollout, ingress.

use super::ident::Ident;
use super::pod::{self, Fill};
use super::{check, route, scaling};
use crate::app::{IntOrPercent, Port, Replicas, Rollout, Scheduling, Server, Spread};
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::source::Span;
use crate::spec::read::Sp;
use crate::spec::{Serve, SpecServer};
use crate::stdlib::{Catalog, DEFAULT_RUNTIME, Runtime};
use crate::values::{percent, suggest::suggest};

/// `placement.spread`: across zones, one replica per node, or no topology spread.
pub const SPREADS: &[&str] = &["zone", "node", "none"];
/// `serve.rollout.strategy`: a rolling update, or all old pods stopped before new ones start.
pub const ROLLOUT_STRATEGIES: &[&str] = &["rolling", "recreate"];

pub fn resolve(
    d: &mut Diagnostics,
    catalog: &Catalog,
    app: &str,
    server: &SpecServer,
    base: &Scheduling,
    spread: Option<(&str, &Sp<String>)>,
) -> Server {
    let s = server.serve;
    let at = server.path.as_str();
    if let Some(key) = server.key {
        own_name(d, app, key);
    }
    let runtime = runtime(d, catalog, at, s);
    let defaults = &catalog.defaults.serve;
    let id = Ident {
        app,
        name: workload_name(app, server),
        component: "server".to_string(),
        container: "server".to_string(),
        path: server.path.clone(),
    };
    let main_ports = ports(d, at, s, runtime);
    let model_name = s.model_name.as_ref();
    if let (Some(m), Some(r)) = (model_name, runtime) {
        model_name_applies(d, at, s, m, r);
    } else if let (Some(uri), Some(r), None) = (
        s.container.model.as_ref().and_then(|m| m.uri.as_ref()),
        runtime,
        s.container.command.as_ref(),
    ) {
        let flags = model_flags(s, r);
        repeated_flags(d, at, s, &flags, uri.span, "model");
    }
    let fill = Fill::new(
        app,
        model_name.map(|m| m.v.as_str()),
        &s.container.env,
        main_ports.first().map(|(p, _)| p.port),
    );
    let id_name = id.name.clone();
    let main = pod::Main {
        runtime,
        fill: &fill,
        ports: main_ports,
        health: s.health.as_ref(),
    };
    let mut wl = pod::resolve(d, catalog, id, &s.container, main, base);
    let group = super::group::resolve(d, at, s, runtime).map(|(mut group, preset)| {
        // The preset's flags and commands join a group; a spec's `command` replaces them, as it
        // replaces the runtime's.
        if s.container.command.is_none() {
            let main = &mut wl.pod.main;
            main.args.extend(preset.args.iter().map(|a| fill.apply(a)));
            if !preset.leader_command.is_empty() {
                // The leader's command runs the runtime's command line after its own start.
                let line = std::mem::take(&mut main.command);
                main.args.splice(0..0, line);
                main.command = preset
                    .leader_command
                    .iter()
                    .map(|a| fill.apply(a))
                    .collect();
            }
            group.worker_command = (!preset.worker_command.is_empty()).then(|| {
                preset
                    .worker_command
                    .iter()
                    .map(|a| fill.apply(a))
                    .collect()
            });
        }
        group
    });
    // The Service publishes the main container's ports, then each sidecar's.
    let ports: Vec<Port> = std::iter::once(&wl.pod.main)
        .chain(&wl.pod.sidecars)
        .flat_map(|c| c.ports.iter().cloned())
        .collect();
    if let Some((hosts, t)) = super::accelerator::tpu_hosts(catalog, &s.container) {
        d.push(
            Diagnostic::new(
                &codes::E0129,
                format!("`{at}` asks for the multi-host TPU topology `{}` ({hosts} hosts): a server is one pod on one host", t.v),
            )
            .at(t.span, "spans several hosts")
            .help("serve from a single-host topology, or run the multi-host slice as `[jobs.NAME]` (an Indexed Job with one pod per host)"),
        );
    }
    let replicas = scaling::replicas(d, catalog, at, s);
    if !replicas.has_disruption_budget() {
        let sc = s.scaling.as_ref();
        let span = sc
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
                    "`{at}` can run as few as {} replica{}, so it gets no PodDisruptionBudget",
                    replicas.min(),
                    if replicas.min() == 1 { "" } else { "s" }
                ),
            )
            .at(span, "one replica")
            .help("a node drain or upgrade takes the server down until a new pod loads the model; run `replicas = 2` (or `min = 2`)"),
        );
    }
    let rollout = rollout(d, catalog, at, s);
    let route = route::resolve(d, catalog, at, s);
    let spread = match spread {
        // The pods of a group talk over the fastest links there are: no spreading them apart.
        _ if group.is_some() => Spread::None,
        Some((path, sp)) => match check::choice(d, path, sp, SPREADS) {
            Some("node") => Spread::Node,
            Some("none") => Spread::None,
            _ => Spread::Zone,
        },
        None if matches!(replicas, Replicas::Fixed(n) if n <= 1) => Spread::None,
        None => Spread::Zone,
    };
    let service = super::service::resolve(d, catalog, at, &id_name, &ports, s.service.as_ref());
    // An HTTPRoute reaches the server's first port through its Service.
    let first = ports.first().map(|p| p.name.as_str()).unwrap_or_default();
    let route = match (route, &s.route) {
        (Some(_), Some(r)) if service.port_of(first).is_none() => {
            d.push(
                Diagnostic::new(
                    &codes::E0181,
                    format!("`{at}.route` routes to the port `{first}`, which its Service does not publish"),
                )
                .at(r.gateway.as_ref().map_or(r.span, |g| g.span), "not published")
                .help(format!("add `{first} = NUMBER` to `[{at}.service] ports`")),
            );
            None
        }
        (route, _) => route,
    };
    let metrics = super::metrics::resolve(
        d,
        catalog,
        at,
        runtime,
        &ports,
        &service,
        s.metrics.as_ref(),
    );
    let state = super::state::resolve(d, catalog, at, s, &mut wl);
    let mut secs = |key: &str, v: &str| {
        check::seconds(
            d,
            &format!("stdlib defaults serve.{key}"),
            &Sp::new(v.to_string(), Default::default()),
        )
        .unwrap_or(0)
    };
    Server {
        name: server.name.clone(),
        path: server.path.clone(),
        workload: wl,
        service,
        replicas,
        rollout,
        // Resolved with the other servers' Services it may route to (`super::ingress`).
        ingress: None,
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
        ports,
        metrics,
        state,
        group,
    }
}

/// `[servers.NAME]`: NAME is a DNS label, and `APP-NAME` fits a label value and a Service name.
fn own_name(d: &mut Diagnostics, app: &str, key: &Sp<String>) {
    let path = format!("servers.{}", key.v);
    if check::label_name(d, &path, key).is_none() {
        return;
    }
    let name = format!("{app}-{}", key.v);
    if name.len() > MAX_SERVER_NAME {
        d.push(
            Diagnostic::new(
                &codes::E0125,
                format!(
                    "the object name `{name}` has {} characters; a server's name may have {MAX_SERVER_NAME}",
                    name.len()
                ),
            )
            .at(key.span, "app name + this name")
            .help(format!(
                "shorten this name or `app.name` by {} characters",
                name.len() - MAX_SERVER_NAME
            )),
        );
    }
}

/// A server's name is its Service's (a DNS-1035 label) and its pods' `app.kubernetes.io/name`.
const MAX_SERVER_NAME: usize = 63;

/// The name of a server's objects and `app.kubernetes.io/name`: the app's for `[serve]`,
/// `APP-NAME` for `[servers.NAME]`.
pub fn workload_name(app: &str, server: &SpecServer) -> String {
    match server.key {
        None => app.to_string(),
        Some(k) => format!("{app}-{}", k.v),
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
fn model_name_applies(d: &mut Diagnostics, at: &str, s: &Serve, m: &Sp<String>, r: &Runtime) {
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
            &format!(" when it loads `{at}.model`'s files")
        } else {
            ""
        };
        d.push(
            Diagnostic::new(
                &codes::E0134,
                format!("runtime `{name}` has no flag or setting that `{at}.model_name` fills in{with_source}"),
            )
            .at(m.span, "not used by this runtime")
            .help("pass the model to your server in `args` or `env`, and drop `model_name`"),
        );
        return;
    }
    if let Some(cmd) = s.container.command.as_ref().filter(|_| !flags.is_empty()) {
        let replaced = cmd.first().map_or(m.span, |c| c.span);
        d.push(
            Diagnostic::new(
                &codes::E0134,
                format!("`{at}.command` replaces runtime `{name}`'s flags, so `{at}.model_name` would not reach the server"),
            )
            .at(m.span, "its flags are dropped")
            .also(replaced, "the entrypoint is replaced here")
            .help(format!(
                "drop `command` to run the runtime's server, or pass the model in `args` yourself: {}",
                flags.join(" ")
            )),
        );
        return;
    }
    repeated_flags(d, at, s, &flags, m.span, "model_name");
}

/// `serve.args` setting a flag that mlspec already fills in from `serve.KEY` (at `span`).
fn repeated_flags(
    d: &mut Diagnostics,
    at: &str,
    s: &Serve,
    fills: &[String],
    span: Span,
    key: &str,
) {
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
                    format!("`{at}.args` sets `{flag}`, which `{at}.{key}` already fills in"),
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

fn runtime<'c>(
    d: &mut Diagnostics,
    catalog: &'c Catalog,
    at: &str,
    s: &Serve,
) -> Option<&'c Runtime> {
    let Some(sp) = &s.runtime else {
        return catalog.runtime(DEFAULT_RUNTIME);
    };
    if let Some(r) = catalog.runtime(&sp.v) {
        return Some(r);
    }
    let mut diag = Diagnostic::new(
        &codes::E0112,
        format!("unknown runtime `{}` in `{at}.runtime`", sp.v),
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
fn ports(d: &mut Diagnostics, at: &str, s: &Serve, runtime: Option<&Runtime>) -> Vec<(Port, Span)> {
    let from = s.runtime.as_ref().map_or(s.span, |r| r.span);
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
                    (port, from)
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
                    format!("`{at}.port` and `{at}.ports` cannot both be set"),
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
            if let Some(n) = pod::port_number(d, &format!("{at}.port"), p) {
                first.port = n;
            }
            vec![(first, p.span)]
        }
        (None, Some(list)) => {
            let out = pod::ports(d, &format!("{at}.ports"), list, &mut Default::default());
            if out.is_empty() { preset } else { out }
        }
        (None, None) => preset,
    }
}

fn rollout(d: &mut Diagnostics, catalog: &Catalog, at: &str, s: &Serve) -> Rollout {
    let defaults = &catalog.defaults.serve;
    let r = s.rollout.clone().unwrap_or_default();
    if let Some(st) = &r.strategy
        && check::choice(d, &format!("{at}.rollout.strategy"), st, ROLLOUT_STRATEGIES)
            == Some("recreate")
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
                &format!("{at}.rollout.{key}"),
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
            format!(
                "`{at}.rollout` allows no surge and no unavailable pods, so a rollout cannot start"
            ),
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
