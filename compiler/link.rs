//! Link stage: what one spec says about other apps, checked against the other specs of the same
//! build (`mlspec build a.toml b.toml`, or a folder of them), which no single compile can see.
//!
//! Each compiled spec yields a [`Unit`]: its app's name and namespace, the apps its `callers`
//! name (each with the span to blame) and its own lint levels. [`check`] is pure: a caller app
//! that the build lacks is W0041 (it may live elsewhere); one that the build has, but in another
//! namespace than the entry admits, is E0187 (the policy would admit nothing).

use crate::app::{App, Peer, Scope};
use crate::diagnostics::lint::{self, Levels};
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::source::Span;
use crate::spec::Spec;

/// What the link stage needs of one compiled spec.
#[derive(Debug, Clone)]
pub struct Unit {
    pub app: String,
    pub namespace: String,
    /// Every `callers` entry that names another app.
    pub calls: Vec<Call>,
    /// The spec's own `[lint]` levels, applied to what the link stage finds in it.
    pub levels: Levels,
}

/// A `callers` entry naming another app.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub app: String,
    /// Where that app's pods are admitted from.
    pub scope: Scope,
    /// The entry's path (`servers.api.callers[0]`) and the span of its `app`.
    pub path: String,
    pub span: Span,
}

/// The unit of a compiled spec: every caller app its flows admit.
pub fn unit(spec: &Spec, app: &App, levels: Levels) -> Unit {
    let mut calls = Vec::new();
    for server in spec.servers() {
        for (i, c) in server.serve.callers.iter().flatten().enumerate() {
            let Some(name) = &c.app else { continue };
            let path = format!("{}.callers[{i}]", server.path);
            let resolved = app.flows.iter().find(|f| f.origin == path);
            if let Some(Peer::OtherApp {
                name: app_name,
                scope,
            }) = resolved.map(|f| &f.from)
            {
                calls.push(Call {
                    app: app_name.clone(),
                    scope: scope.clone(),
                    path,
                    span: name.span,
                });
            }
        }
    }
    Unit {
        app: app.name.clone(),
        namespace: app.namespace.clone(),
        calls,
        levels,
    }
}

/// What the link stage finds in each unit (in `units`' order), lint levels applied: the unit's
/// own, then `cli`'s over them.
pub fn check(units: &[&Unit], cli: &Levels) -> Vec<Diagnostics> {
    units
        .iter()
        .map(|u| {
            let mut d = Diagnostics::default();
            for call in &u.calls {
                one(&mut d, u, call, units);
            }
            lint::apply(d, &u.levels, cli)
        })
        .collect()
}

fn one(d: &mut Diagnostics, u: &Unit, call: &Call, units: &[&Unit]) {
    let namesakes: Vec<&&Unit> = units.iter().filter(|o| o.app == call.app).collect();
    if namesakes.is_empty() {
        d.push(
            Diagnostic::new(
                &codes::W0041,
                format!(
                    "`{}.app` admits the app `{}`, which this build does not contain",
                    call.path, call.app
                ),
            )
            .at(call.span, "not built here")
            .help(format!(
                "build its spec in the same run (`mlspec build THIS.toml ITS.toml`, or a folder holding both) so mlspec checks its name and namespace; a Helm release needs the label `app.kubernetes.io/instance: {}`",
                call.app
            )),
        );
        return;
    }
    let wanted = match &call.scope {
        Scope::Every => return,
        Scope::Own => u.namespace.as_str(),
        Scope::Named(ns) => ns.as_str(),
    };
    if namesakes.iter().any(|o| o.namespace == wanted) {
        return;
    }
    let found: Vec<String> = namesakes
        .iter()
        .map(|o| format!("`{}`", o.namespace))
        .collect();
    d.push(
        Diagnostic::new(
            &codes::E0187,
            format!(
                "`{}.app` admits `{}` from namespace `{wanted}`, but this build runs it in {}",
                call.path,
                call.app,
                found.join(" and ")
            ),
        )
        .at(call.span, "admitted from the wrong namespace")
        .help(format!(
            "add `namespace = {}` to the entry, so the NetworkPolicy admits its pods where they run",
            found[0].replace('`', "\"")
        )),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit_of(app: &str, ns: &str, calls: &[(&str, Scope)]) -> Unit {
        Unit {
            app: app.into(),
            namespace: ns.into(),
            calls: calls
                .iter()
                .enumerate()
                .map(|(i, (a, s))| Call {
                    app: (*a).into(),
                    scope: s.clone(),
                    path: format!("serve.callers[{i}]"),
                    span: Span::new(i, i + 1),
                })
                .collect(),
            levels: Levels::default(),
        }
    }

    fn codes(d: &Diagnostics) -> Vec<&'static str> {
        d.iter().map(|x| x.code.id).collect()
    }

    #[test]
    fn an_app_outside_the_build_is_a_warning_and_one_inside_must_match_its_namespace() {
        let model = unit_of(
            "model",
            "ml",
            &[
                ("chat-ui", Scope::Own),
                ("evals", Scope::Named("qa".into())),
                ("tester", Scope::Every),
                ("gone", Scope::Own),
            ],
        );
        let ui = unit_of("chat-ui", "ml", &[]);
        let evals = unit_of("evals", "eval", &[]);
        let tester = unit_of("tester", "anywhere", &[]);
        let found = check(&[&model, &ui, &evals, &tester], &Levels::default());
        assert_eq!(codes(&found[0]), ["E0187", "W0041"]);
        assert!(found[1..].iter().all(|d| d.is_empty()));
        let e = found[0]
            .iter()
            .find(|d| d.code.id == "E0187")
            .expect("E0187");
        assert!(
            e.help
                .as_deref()
                .unwrap_or_default()
                .contains("namespace = \"eval\""),
            "{e:?}"
        );
    }

    #[test]
    fn the_specs_own_lint_levels_apply() {
        let mut model = unit_of("model", "ml", &[("gone", Scope::Own)]);
        model.levels.set(
            lint::Target::Code("W0041"),
            lint::Level::Allow,
            "`[lint]` in model.toml",
        );
        assert!(check(&[&model], &Levels::default())[0].is_empty());
        model.levels = Levels::default();
        let mut cli = Levels::default();
        cli.set(
            lint::Target::Warnings,
            lint::Level::Deny,
            "`--deny warnings`",
        );
        assert!(check(&[&model], &cli)[0].has_errors());
    }
}
