//! One container's command line and ports: the runtime's placeholders (`Fill`), its command and
//! flags before the spec's `args` (a runtime flag the spec's `args` set again is taken from the
//! spec's; a port flag that disagrees with the container port is E0165), and a sidecar's ports.

use std::collections::BTreeMap;

use super::super::check;
use crate::app::Port;
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::source::Span;
use crate::spec::Container;
use crate::spec::PortSpec;
use crate::spec::read::Sp;
use crate::stdlib::Runtime;
use crate::values::names;

/// What the placeholders in a runtime preset stand for: `{app}` the app name, `{model}` the
/// spec's `model_name`, else `MODEL_NAME` from its env, else the app name, and `{port}` the
/// first container port; `{model_path}` the directory the spec's `model` is mounted at.
#[derive(Clone)]
pub struct Fill<'a> {
    pub app: &'a str,
    /// `serve.model_name`: also the switch for the runtime's `model_args`.
    pub model_name: Option<&'a str>,
    pub(super) env_model: Option<&'a str>,
    pub(super) port: Option<i32>,
    /// Set once the model source is resolved: also the switch for `model_source.args`.
    pub(super) model_path: Option<String>,
}

impl<'a> Fill<'a> {
    pub fn new(
        app: &'a str,
        model_name: Option<&'a str>,
        env: &'a [(Sp<String>, Sp<String>)],
        port: Option<i32>,
    ) -> Fill<'a> {
        let env_model = env
            .iter()
            .find(|(k, _)| k.v == "MODEL_NAME")
            .map(|(_, v)| v.v.as_str());
        Fill {
            app,
            model_name,
            env_model,
            port,
            model_path: None,
        }
    }

    /// The template with its placeholders filled, in one pass: a value is never a template.
    pub fn apply(&self, template: &str) -> String {
        let model = self.model_name.or(self.env_model).unwrap_or(self.app);
        let port = self.port.map(|p| p.to_string());
        let mut values = vec![("app", self.app), ("model", model)];
        if let Some(p) = &self.model_path {
            values.push(("model_path", p));
        }
        if let Some(p) = &port {
            values.push(("port", p));
        }
        crate::values::template::fill(template, &values)
    }
}

/// The main container's command and args. A spec `command` replaces the image's entrypoint and
/// so the runtime's command and flags too; otherwise they are the runtime's command, its `args`
/// (but a flag the spec's `args` set again), its `model_args` when the spec names a model (or,
/// with a `model` source, its `model_source.args`, which load the mounted directory), then the
/// spec's `args`.
pub(super) fn argv(
    d: &mut Diagnostics,
    path: &str,
    c: &Container,
    runtime: Option<&Runtime>,
    fill: &Fill,
) -> (Vec<String>, Vec<String>) {
    let spec_args: Vec<String> = c.args.iter().flatten().map(|s| s.v.clone()).collect();
    let Some(r) = runtime.filter(|_| c.command.is_none()) else {
        let command = c.command.iter().flatten().map(|s| s.v.clone()).collect();
        return (command, spec_args);
    };
    port_flag(d, path, c, r, fill);
    let (source, model) = r.model_flags(fill.model_path.is_some());
    let model = if fill.model_name.is_some() {
        model
    } else {
        &[]
    };
    let given: Vec<&str> = spec_args.iter().filter_map(|a| flag(a)).collect();
    let mut args: Vec<String> = groups(&r.args)
        .into_iter()
        .filter(|g| flag(g[0]).is_none_or(|f| !given.contains(&f)))
        .flatten()
        .chain(source.iter().chain(model))
        .map(|a| fill.apply(a))
        .collect();
    args.extend(spec_args);
    (r.command.iter().map(|a| fill.apply(a)).collect(), args)
}

/// The flag a token sets (`--port` of `--port=8000`), if it is one.
fn flag(token: &str) -> Option<&str> {
    token
        .starts_with('-')
        .then(|| token.split('=').next().unwrap_or(token))
}

/// Flags each with the value that follows it (`["--host", "0.0.0.0"]`, `["--enable-metrics"]`).
fn groups(args: &[String]) -> Vec<Vec<&String>> {
    let mut out: Vec<Vec<&String>> = Vec::new();
    for a in args {
        match out.last_mut() {
            Some(g)
                if !a.starts_with('-')
                    && g.len() == 1
                    && flag(g[0]).is_some()
                    && !g[0].contains('=') =>
            {
                g.push(a);
            }
            _ => out.push(vec![a]),
        }
    }
    out
}

/// The runtime's own way of telling the server its port — a flag of its `args` (`--port
/// {port}`) or a variable of its `env` (`PORT = "{port}"`) — set by the spec to another port
/// than the container's (E0165): the server would listen where no probe or Service looks.
fn port_flag(d: &mut Diagnostics, path: &str, c: &Container, r: &Runtime, fill: &Fill) {
    let Some(port) = fill.port else { return };
    let runtime_flag = r.args.iter().enumerate().find_map(|(i, a)| {
        if !a.contains("{port}") {
            return None;
        }
        match a.split_once('=') {
            Some((f, _)) if f.starts_with('-') => Some(f.to_string()),
            _ => i
                .checked_sub(1)
                .and_then(|j| flag(&r.args[j]))
                .map(str::to_string),
        }
    });
    let args: Vec<&Sp<String>> = c.args.iter().flatten().collect();
    let mut set: Vec<(String, &str, Span)> = Vec::new();
    if let Some(f) = &runtime_flag {
        for (i, a) in args.iter().enumerate() {
            if a.v == *f {
                if let Some(v) = args.get(i + 1) {
                    set.push((
                        format!("`{path}.args` sets `{f} {}`", v.v),
                        v.v.as_str(),
                        v.span,
                    ));
                }
            } else if let Some(v) =
                a.v.strip_prefix(f.as_str())
                    .and_then(|x| x.strip_prefix('='))
            {
                set.push((format!("`{path}.args` sets `{}`", a.v), v, a.span));
            }
        }
    }
    for (var, template) in &r.env {
        if template != "{port}" {
            continue;
        }
        if let Some((_, v)) = c.env.iter().find(|(k, _)| k.v == *var) {
            set.push((
                format!("`{path}.env.{var}` is {}", v.v),
                v.v.as_str(),
                v.span,
            ));
        }
    }
    for (what, value, span) in set {
        if value.trim() == port.to_string() {
            continue;
        }
        d.push(
            Diagnostic::new(
                &codes::E0165,
                format!("{what}, but the container port is {port}: the server would listen where no probe or Service looks"),
            )
            .at(span, "a different port")
            .help(format!(
                "set the port once, with `port = {}`: mlspec passes it to the server",
                value.trim()
            )),
        );
    }
}

/// A container's `ports` (the server's, a sidecar's), each checked (E0105); a name or number the
/// pod already has (`taken`) is E0123.
pub fn ports(
    d: &mut Diagnostics,
    path: &str,
    list: &[PortSpec],
    taken: &mut BTreeMap<String, (i32, Span)>,
) -> Vec<(Port, Span)> {
    let mut out = Vec::new();
    for (i, p) in list.iter().enumerate() {
        let at = format!("{path}[{i}]");
        let name = p.name.as_ref().and_then(|n| {
            check::ok(d, &codes::E0105, &format!("{at}.name"), n, names::port_name(&n.v),
                "port names are up to 15 lowercase letters, digits and `-`, with at least one letter")
                .map(|()| n.v.clone())
        });
        let port = p
            .port
            .as_ref()
            .and_then(|n| number(d, &format!("{at}.port"), n));
        let (Some(name), Some(port)) = (name, port) else {
            continue;
        };
        let twin = taken
            .iter()
            .find(|(n, (q, _))| **n == name || *q == port)
            .map(|(_, (_, s))| *s);
        if let Some(first) = twin {
            d.push(
                Diagnostic::new(
                    &codes::E0123,
                    format!("`{at}` repeats a port name or number"),
                )
                .at(p.span, "duplicate")
                .also(first, "first used here")
                .help("each port needs its own name and number"),
            );
            continue;
        }
        taken.insert(name.clone(), (port, p.span));
        out.push((
            Port {
                name,
                port,
                app_protocol: p.app_protocol.as_ref().map(|a| a.v.clone()),
            },
            p.span,
        ));
    }
    out
}

/// A container port: 1 to 65535 (E0105).
pub fn number(d: &mut Diagnostics, path: &str, n: &Sp<i64>) -> Option<i32> {
    match i32::try_from(n.v) {
        Ok(v) if (1..=65535).contains(&v) => Some(v),
        _ => {
            d.push(
                Diagnostic::new(
                    &codes::E0105,
                    format!("`{path}` must be from 1 to 65535, found {}", n.v),
                )
                .at(n.span, "not a port")
                .help("container ports are 1–65535; model servers commonly use 8000, 8080 or 8501"),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_keep_their_values() {
        let args: Vec<String> = [
            "--host",
            "0.0.0.0",
            "--port",
            "{port}",
            "--enable-metrics",
            "--x=1",
            "y",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let g: Vec<Vec<&str>> = groups(&args)
            .iter()
            .map(|g| g.iter().map(|s| s.as_str()).collect())
            .collect();
        assert_eq!(
            g,
            vec![
                vec!["--host", "0.0.0.0"],
                vec!["--port", "{port}"],
                vec!["--enable-metrics"],
                vec!["--x=1"],
                vec!["y"]
            ]
        );
    }
}
