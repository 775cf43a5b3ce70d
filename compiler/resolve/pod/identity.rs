//! `service_account`: the bundle's own ServiceAccount (annotated for Workload Identity or IRSA,
//! with a Role of `rules` bound to it) or an existing one (`name`), and whether the API token is
//! mounted (W0024). A named account with rules or annotations is E0164: the bundle would bind or
//! annotate an account it does not own. A rule with `*` or an unknown verb is E0168.

use super::super::check;
use crate::app::{Identity, OwnAccount, Rule};
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::policy::relaxations;
use crate::spec::pod::{RuleSpec, ServiceAccountSpec};
use crate::spec::read::Sp;

/// The verbs a rule may name (Kubernetes' API verbs; `*` is refused).
pub const VERBS: &[&str] = &[
    "get",
    "list",
    "watch",
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
];

pub(super) fn resolve(
    d: &mut Diagnostics,
    path: &str,
    workload: &str,
    s: Option<&ServiceAccountSpec>,
) -> Identity {
    let own = Identity {
        account: workload.to_string(),
        own: Some(OwnAccount::default()),
        token: false,
    };
    let Some(s) = s else { return own };
    let path = format!("{path}.service_account");
    let token = s.token.as_ref().is_some_and(|t| t.v);
    if let Some(t) = s.token.as_ref().filter(|t| t.v) {
        d.push(
            relaxations::opened(&codes::W0024, t.span, "a mounted token", format!("`{path}.token = true` mounts the ServiceAccount's API token into every container of the pod")),
        );
    }
    if let Some(name) = &s.name {
        let extra = [
            ("annotations", s.annotations.first().map(|(k, _)| k.span)),
            (
                "rules",
                s.rules
                    .as_ref()
                    .filter(|r| !r.is_empty())
                    .map(|r| r[0].span),
            ),
        ];
        let mut ok = true;
        for (key, span) in extra {
            let Some(span) = span else { continue };
            ok = false;
            d.push(
                Diagnostic::new(
                    &codes::E0164,
                    format!("`{path}` names the existing account `{}` and gives it {key}", name.v),
                )
                .at(span, format!("{key} for the bundle's own account"))
                .also(name.span, "an account the bundle does not create")
                .help(if key == "rules" {
                    "drop `name` to let the bundle create the account and bind a Role to it, or drop `rules` and bind the existing account yourself"
                } else {
                    "drop `name` to annotate the bundle's own account, or drop `annotations` and annotate the existing one where it is defined"
                }),
            );
        }
        let account = check::subdomain_name(d, &format!("{path}.name"), name);
        return match (ok, account) {
            (true, Some(account)) => Identity {
                account,
                own: None,
                token,
            },
            _ => Identity { token, ..own },
        };
    }
    let annotations = check::labels(d, &format!("{path}.annotations"), &s.annotations, false);
    let rules = s
        .rules
        .iter()
        .flatten()
        .enumerate()
        .filter_map(|(i, r)| rule(d, &format!("{path}.rules[{i}]"), r))
        .collect();
    Identity {
        account: workload.to_string(),
        own: Some(OwnAccount { annotations, rules }),
        token,
    }
}

fn rule(d: &mut Diagnostics, path: &str, r: &RuleSpec) -> Option<Rule> {
    let mut ok = true;
    let mut list = |key: &str,
                    v: Option<&Vec<Sp<String>>>,
                    allowed: Option<&[&str]>|
     -> Vec<String> {
        let mut out = Vec::new();
        for sp in v.into_iter().flatten() {
            let bad = if sp.v.contains('*') {
                Some("a wildcard grants what is not there yet".to_string())
            } else if let Some(a) = allowed.filter(|a| !a.contains(&sp.v.as_str())) {
                Some(format!("verbs are {}", a.join(", ")))
            } else if key != "api_groups" && sp.v.is_empty() {
                Some("it is empty".to_string())
            } else {
                None
            };
            match bad {
                Some(why) => {
                    ok = false;
                    d.push(
                        Diagnostic::new(
                            &codes::E0168,
                            format!("`{path}.{key}` has {:?}: {why}", sp.v),
                        )
                        .at(sp.span, "not allowed in a rule")
                        .help("name each resource and verb the pod needs (`resources = [\"pods\"]`, `verbs = [\"get\", \"list\", \"watch\"]`)"),
                    );
                }
                None if !out.contains(&sp.v) => out.push(sp.v.clone()),
                None => {}
            }
        }
        out
    };
    let api_groups = match &r.api_groups {
        Some(g) => list("api_groups", Some(g), None),
        None => vec![String::new()],
    };
    let resources = list("resources", r.resources.as_ref(), None);
    let verbs = list("verbs", r.verbs.as_ref(), Some(VERBS));
    let names = list("names", r.names.as_ref(), None);
    if ok && (resources.is_empty() || verbs.is_empty()) {
        d.push(
            Diagnostic::new(
                &codes::E0168,
                format!("`{path}` grants nothing: it needs a resource and a verb"),
            )
            .at(r.span, "an empty rule")
            .help("name the resources and verbs: `{ resources = [\"pods\"], verbs = [\"get\"] }`"),
        );
        return None;
    }
    ok.then_some(Rule {
        api_groups,
        resources,
        verbs,
        names,
    })
}
