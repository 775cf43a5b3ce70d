//! A container's probes: readiness, liveness and startup from `health` (an HTTP path, or a gRPC,
//! TCP, exec or HTTP check on a port), the runtime's paths by default. A probe on a port the
//! container does not have is E0163. A liveness check the same as readiness becomes a TCP check
//! on its port, so a busy server is taken out of traffic, not restarted; the startup probe gives
//! a slow first load its budget.

use super::super::check;
use crate::app::{Port, PortRef, Probe, ProbeAction, Probes};
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::spec::Health;
use crate::spec::pod::{PortValue, ProbeSpec};
use crate::spec::read::Sp;
use crate::stdlib::{Catalog, Runtime};

/// The probes of a container with `ports`, at `path` (`serve`, `serve.sidecars[0]`): the spec's
/// `health`, else the runtime's paths (filled by `fill`).
pub(super) fn resolve(
    d: &mut Diagnostics,
    catalog: &Catalog,
    path: &str,
    h: Option<&Health>,
    runtime: Option<&Runtime>,
    ports: &[Port],
    fill: &dyn Fn(&str) -> String,
) -> Probes {
    let p = &catalog.defaults.probes;
    let h = h.cloned().unwrap_or_default();
    let first = PortRef::Name(
        ports
            .first()
            .map_or_else(|| "http".to_string(), |x| x.name.clone()),
    );
    let at = |key: &str| format!("{path}.health.{key}");
    let preset = |p: Option<&String>| {
        p.map(|x| ProbeAction::Http {
            path: fill(x),
            port: first.clone(),
        })
    };
    let shared = h
        .path
        .as_ref()
        .and_then(|sp| check::http_path(d, &at("path"), sp))
        .map(|path| ProbeAction::Http {
            path,
            port: first.clone(),
        });
    // `Some(None)`: the spec turned the probe off (`false`), or wrote one that is wrong.
    let action = |d: &mut Diagnostics, key: &str, given: Option<&ProbeSpec>| {
        given.map(|g| {
            (!g.off)
                .then(|| probe(d, &at(key), g, ports, &first))
                .flatten()
        })
    };
    let readiness = match action(d, "readiness", h.readiness.as_ref()) {
        Some(given) => given,
        None => shared
            .clone()
            .or_else(|| preset(runtime.and_then(|r| r.health.readiness.as_ref()))),
    };
    let liveness = match action(d, "liveness", h.liveness.as_ref()) {
        Some(given) => given,
        None => shared.or_else(|| preset(runtime.and_then(|r| r.health.liveness.as_ref()))),
    };
    let startup_given = action(d, "startup", h.startup.as_ref());
    let budget = match &h.startup_timeout {
        Some(sp) => check::seconds(d, &at("startup_timeout"), sp),
        None => runtime.and_then(|r| {
            check::seconds(
                d,
                "stdlib runtime startup_timeout",
                &Sp::new(r.startup_timeout.clone(), Default::default()),
            )
        }),
    };
    let startup_action = match startup_given {
        Some(given) => given,
        None => preset(runtime.and_then(|r| r.health.startup.as_ref()))
            .or_else(|| liveness.clone())
            .or_else(|| readiness.clone()),
    };
    // A liveness check that fails whenever readiness does would restart a server that is only
    // busy or still loading (kube-score's pod-probes-identical): check its port instead.
    let liveness = match liveness {
        Some(l) if Some(&l) == readiness.as_ref() => Some(match l {
            ProbeAction::Http { port, .. } => ProbeAction::Tcp(port),
            ProbeAction::Grpc { port, .. } => ProbeAction::Tcp(PortRef::Number(port)),
            other => other,
        }),
        other => other,
    };
    let startup = match (startup_action, budget) {
        (Some(action), Some(secs)) if secs > 0 => {
            let period = i64::from(p.period_seconds.max(1));
            let threshold = i32::try_from((secs + period - 1) / period)
                .unwrap_or(i32::MAX)
                .max(1);
            Some(Probe {
                action,
                period_seconds: p.period_seconds,
                timeout_seconds: p.timeout_seconds,
                failure_threshold: threshold,
            })
        }
        _ => None,
    };
    Probes {
        readiness: readiness.map(|action| Probe {
            action,
            period_seconds: p.period_seconds,
            timeout_seconds: p.timeout_seconds,
            failure_threshold: p.readiness_failure_threshold,
        }),
        liveness: liveness.map(|action| Probe {
            action,
            period_seconds: p.liveness_period_seconds,
            timeout_seconds: p.timeout_seconds,
            failure_threshold: p.liveness_failure_threshold,
        }),
        startup,
    }
}

/// One probe the spec wrote: exactly one kind, on a port the container has.
fn probe(
    d: &mut Diagnostics,
    path: &str,
    g: &ProbeSpec,
    ports: &[Port],
    first: &PortRef,
) -> Option<ProbeAction> {
    let kinds = [
        ("http", g.http.as_ref().map(|s| s.span)),
        ("grpc", g.grpc.as_ref().map(|s| s.span)),
        ("tcp", g.tcp.as_ref().map(|s| s.span)),
        ("exec", g.exec.as_ref().map(|_| g.span)),
    ];
    let given: Vec<(&str, crate::source::Span)> = kinds
        .iter()
        .filter_map(|(k, s)| Some((*k, (*s)?)))
        .collect();
    if given.len() != 1 {
        let mut diag = Diagnostic::new(
            &codes::E0007,
            format!("`{path}` must name exactly one of `http`, `grpc`, `tcp` or `exec`"),
        )
        .at(given.first().map_or(g.span, |(_, s)| *s), "a probe");
        for (_, s) in given.iter().skip(1) {
            diag = diag.also(*s, "another one");
        }
        d.push(
            diag.help("e.g. `{ grpc = 9000 }`, `{ tcp = \"http\" }` or `{ http = \"/health\" }`"),
        );
        return None;
    }
    let misplaced = [
        ("port", g.port.as_ref().map(|p| p.span)),
        ("service", g.service.as_ref().map(|s| s.span)),
    ];
    for (key, span) in misplaced {
        let applies = (key == "port" && g.http.is_some()) || (key == "service" && g.grpc.is_some());
        if let (Some(span), false) = (span, applies) {
            d.push(
                Diagnostic::new(
                    &codes::E0007,
                    format!("`{path}.{key}` has no use with a `{}` probe", given[0].0),
                )
                .at(span, "not for this kind of probe")
                .help(if key == "port" {
                    "`port` goes with `http`; `grpc` and `tcp` name their port themselves"
                } else {
                    "`service` goes with `grpc`"
                }),
            );
        }
    }
    if let Some(p) = &g.http {
        // `readiness = "/ready"` is the path itself; `{ http = … }` names it.
        let at = if p.span == g.span {
            path.to_string()
        } else {
            format!("{path}.http")
        };
        let http = check::http_path(d, &at, p)?;
        let port = match &g.port {
            Some(sp) => port_ref(d, &format!("{path}.port"), sp, ports)?.0,
            None => first.clone(),
        };
        return Some(ProbeAction::Http { path: http, port });
    }
    if let Some(sp) = &g.grpc {
        let (_, number) = port_ref(d, &format!("{path}.grpc"), sp, ports)?;
        return Some(ProbeAction::Grpc {
            port: number,
            service: g.service.as_ref().map(|s| s.v.clone()),
        });
    }
    if let Some(sp) = &g.tcp {
        return Some(ProbeAction::Tcp(
            port_ref(d, &format!("{path}.tcp"), sp, ports)?.0,
        ));
    }
    let exec: Vec<String> = g.exec.iter().flatten().map(|s| s.v.clone()).collect();
    if exec.is_empty() {
        d.push(
            Diagnostic::new(&codes::E0007, format!("`{path}.exec` runs no command"))
                .at(g.span, "an empty command")
                .help("give the command and its arguments: `exec = [\"cat\", \"/tmp/ready\"]`"),
        );
        return None;
    }
    Some(ProbeAction::Exec(exec))
}

/// A port the probe names, as it names it, and its number: one of the container's (E0163).
fn port_ref(
    d: &mut Diagnostics,
    path: &str,
    sp: &Sp<PortValue>,
    ports: &[Port],
) -> Option<(PortRef, i32)> {
    let found = ports.iter().find(|p| match &sp.v {
        PortValue::Name(n) => p.name == *n,
        PortValue::Number(n) => i64::from(p.port) == *n,
    });
    if let Some(p) = found {
        let r = match &sp.v {
            PortValue::Name(n) => PortRef::Name(n.clone()),
            PortValue::Number(_) => PortRef::Number(p.port),
        };
        return Some((r, p.port));
    }
    let named = match &sp.v {
        PortValue::Name(n) => format!("`{n}`"),
        PortValue::Number(n) => n.to_string(),
    };
    let have = if ports.is_empty() {
        "none".to_string()
    } else {
        ports
            .iter()
            .map(|p| format!("{} {}", p.name, p.port))
            .collect::<Vec<_>>()
            .join(", ")
    };
    d.push(
        Diagnostic::new(
            &codes::E0163,
            format!("`{path}` checks port {named}, which the container does not have (its ports: {have})"),
        )
        .at(sp.span, "not a port of this container")
        .help("probe one of the container's own ports; a port another container of the pod serves is checked by that container's probes"),
    );
    None
}
