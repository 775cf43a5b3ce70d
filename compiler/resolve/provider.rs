//! The cloud provider a spec targets (`[app] provider`, else `--provider`, else `generic`):
//! its labels replace the accelerators' own in the catalog the rest of resolve reads, so every
//! node selector an accelerator adds is the one that provider's nodes carry, and its internal
//! load balancer annotation becomes the Services' (`service.internal`) and its `monitor` the
//! servers' default collector.

use std::borrow::Cow;

use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::source::Span;
use crate::spec::Spec;
use crate::stdlib::{Catalog, DEFAULT_PROVIDER};
use crate::values::suggest::suggest;

/// The catalog as seen from the spec's provider; an unknown provider is E0204 (and leaves the
/// catalog as it is), whether the spec names it or `--provider` (`default`) does.
pub fn catalog<'a>(
    spec: &Spec,
    catalog: &'a Catalog,
    default: Option<&str>,
) -> (Cow<'a, Catalog>, Diagnostics) {
    let mut d = Diagnostics::default();
    if let Some(flag) = default.filter(|n| catalog.provider(n).is_none()) {
        d.push(
            unknown(
                catalog,
                flag,
                format!("`--provider {flag}` names no provider the catalog has"),
            )
            .at(Span::file_start(), "built with this flag"),
        );
    }
    let name = match &spec.app.provider {
        Some(p) => {
            if catalog.provider(&p.v).is_none() {
                d.push(
                    unknown(
                        catalog,
                        &p.v,
                        format!("the catalog has no provider `{}`", p.v),
                    )
                    .at(p.span, "unknown provider"),
                );
                return (Cow::Borrowed(catalog), d);
            }
            p.v.as_str()
        }
        None if !d.is_empty() => return (Cow::Borrowed(catalog), d),
        None => default.unwrap_or(DEFAULT_PROVIDER),
    };
    match catalog.provider(name) {
        Some(p)
            if !p.accelerators.is_empty()
                || !p.internal_load_balancer.is_empty()
                || p.monitor.is_some() =>
        {
            let mut own = catalog.clone();
            for (acc, labels) in &p.accelerators {
                if let Some(entry) = own.accelerators.get_mut(acc) {
                    entry.node_selector = labels.clone();
                }
            }
            own.defaults.service.internal = p.internal_load_balancer.clone();
            if let Some(m) = &p.monitor {
                own.defaults.metrics.monitor = m.clone();
            }
            (Cow::Owned(own), d)
        }
        _ => (Cow::Borrowed(catalog), d),
    }
}

/// E0204 for `name`, with the providers the catalog has (the caller adds the label).
fn unknown(catalog: &Catalog, name: &str, message: String) -> Diagnostic {
    let names: Vec<&String> = catalog.providers.keys().collect();
    let hint =
        suggest(name, names.iter()).map_or(String::new(), |s| format!("did you mean `{s}`? "));
    Diagnostic::new(&codes::E0204, message).help(format!(
        "{hint}providers: {} (`mlspec stdlib list`); a user catalog's providers.toml can add yours",
        names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    ))
}
