//! The cloud provider a spec targets (`[app] provider`, else `--provider`, else `generic`):
//! its labels replace the accelerators' own in the catalog the rest of resolve reads, so every
//! node selector an accelerator adds is the one that provider's nodes carry, and its internal
//! load balancer annotation becomes the Services' (`service.internal`) and its `monitor` the
//! servers' default collector.

use std::borrow::Cow;

use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::spec::Spec;
use crate::stdlib::{Catalog, DEFAULT_PROVIDER};
use crate::values::suggest::suggest;

/// The catalog as seen from the spec's provider; an unknown provider is E0204 (and leaves the
/// catalog as it is).
pub fn catalog<'a>(
    spec: &Spec,
    catalog: &'a Catalog,
    default: Option<&str>,
) -> (Cow<'a, Catalog>, Diagnostics) {
    let mut d = Diagnostics::default();
    let name = match &spec.app.provider {
        Some(p) => {
            if catalog.provider(&p.v).is_none() {
                let names: Vec<&String> = catalog.providers.keys().collect();
                let hint = suggest(&p.v, names.iter())
                    .map_or(String::new(), |s| format!("did you mean `{s}`? "));
                d.push(
                    Diagnostic::new(&codes::E0204, format!("the catalog has no provider `{}`", p.v))
                        .at(p.span, "unknown provider")
                        .help(format!(
                            "{hint}providers: {} (`mlspec stdlib list`); a user catalog's providers.toml can add yours",
                            names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
                        )),
                );
                return (Cow::Borrowed(catalog), d);
            }
            p.v.as_str()
        }
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
