//! With an inventory (`--inventory` on `build`, `check` and `place`): W0080 when a workload's node
//! selector matches no node at all, pointed at the spec value that asked for the labels
//! (`placement.node_selector`, else the section's accelerator). Whether the pods then fit is
//! `place`'s question; this one is whether any node could ever take them.

use crate::app::{App, Workload};
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::inventory::Inventory;
use crate::place::reach;
use crate::source::Span;
use crate::spec::{Container, Spec};
use crate::stdlib::Catalog;

/// `base` is the catalog before the spec's provider relabelled it, to find a provider whose labels
/// the inventory's nodes carry.
pub fn check(d: &mut Diagnostics, spec: &Spec, app: &App, inv: &Inventory, base: &Catalog) {
    // Spec servers and app servers come in the same order (`Spec::servers`, `App::servers`).
    let servers = spec
        .servers()
        .zip(&app.servers)
        .map(|(s, w)| (s.path, &s.serve.container, s.serve.span, &w.workload));
    let batches = super::batches(spec)
        .zip(&app.batches)
        .map(|((path, b, _), w)| (path, &b.container, b.span, &w.workload));
    for (path, container, section, w) in servers.chain(batches) {
        workload(d, spec, inv, base, &path, container, section, w);
    }
}

#[allow(clippy::too_many_arguments)]
fn workload(
    d: &mut Diagnostics,
    spec: &Spec,
    inv: &Inventory,
    base: &Catalog,
    path: &str,
    c: &Container,
    section: Span,
    w: &Workload,
) {
    let devices: Vec<String> = w.pod.main.resources.devices.keys().cloned().collect();
    let Some(m) = reach::miss(inv, &w.pod.scheduling.node_selector, None, &devices) else {
        return;
    };
    let placement = spec
        .placement
        .as_ref()
        .map(|p| p.node_selector.as_slice())
        .unwrap_or_default();
    let accelerator = c.resources.as_ref().and_then(|r| r.accelerator.as_ref());
    // Each label the closest nodes miss, at the value that asked for it.
    let mut spans: Vec<(Span, String)> = Vec::new();
    for key in m.keys() {
        let value = &w.pod.scheduling.node_selector[key];
        let at = match placement.iter().find(|(k, _)| k.v == key) {
            Some((_, v)) => (v.span, format!("`{key}={value}`")),
            None => match accelerator {
                Some(a) => (a.span, format!("`{}` selects `{key}={value}`", a.name.v)),
                None => (section, format!("`{key}={value}`")),
            },
        };
        if !spans.iter().any(|(s, _)| *s == at.0) {
            spans.push(at);
        }
    }
    let message = m.message(path, &w.pod.scheduling.node_selector);
    let mut diag = Diagnostic::new(&codes::W0080, message);
    let mut spans = spans.into_iter();
    if let Some((span, label)) = spans.next() {
        diag = diag.at(span, label);
    }
    for (span, label) in spans {
        diag = diag.also(span, label);
    }
    let help = accelerator
        .and_then(|a| provider_that_fits(spec, inv, base, &a.name.v, w))
        .map_or_else(
            || m.help(),
            |p| {
                format!(
                    "the closest nodes, {}, have {}; they carry provider `{p}`'s labels: set `provider = \"{p}\"` in `[app]`",
                    m.closest_names(),
                    m.differences()
                )
            },
        );
    d.push(diag.help(help));
}

/// Another provider of the catalog whose labels for the accelerator `name` (with the spec's
/// `placement.node_selector`) some node of the inventory carries: one with labels of its own for
/// it first, then one that keeps the accelerator's, then one that selects none (`device-only`).
fn provider_that_fits(
    spec: &Spec,
    inv: &Inventory,
    base: &Catalog,
    name: &str,
    w: &Workload,
) -> Option<String> {
    let entry = base.accelerator(name)?;
    let own = spec.app.provider.as_ref().map(|p| p.v.as_str());
    let mut fits: Vec<(u8, &String)> = base
        .providers
        .iter()
        .filter(|(p, _)| Some(p.as_str()) != own)
        .filter_map(|(p, provider)| {
            let labels = provider.accelerator(name, entry).node_selector;
            // The spec's own placement labels stay; the accelerator's are the provider's.
            let mut selector: std::collections::BTreeMap<String, String> = w
                .pod
                .scheduling
                .node_selector
                .iter()
                .filter(|(k, _)| {
                    spec.placement
                        .as_ref()
                        .is_some_and(|pl| pl.node_selector.iter().any(|(pk, _)| pk.v == **k))
                })
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let rank = match (provider.accelerators.contains_key(name), labels.is_empty()) {
                (true, _) => 0,
                (false, false) => 1,
                (false, true) => 2,
            };
            selector.extend(labels);
            reach::miss(inv, &selector, None, &[])
                .is_none()
                .then_some((rank, p))
        })
        .collect();
    fits.sort();
    fits.first().map(|(_, p)| (*p).clone())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use crate::inventory;
    use crate::source::SourceFile;
    use crate::stdlib::Catalog;
    use crate::{Options, compile};

    fn compile_on(spec: &str, pools: &str) -> crate::Compiled {
        let catalog = Catalog::builtin().expect("stdlib");
        let (inv, d) = inventory::parse(&SourceFile::new("pools.toml", pools), &catalog);
        assert!(d.is_empty(), "{d:?}");
        let options = Options {
            inventory: inv.map(Arc::new),
            ..Options::default()
        };
        compile(&SourceFile::new("app.toml", spec), &catalog, &options)
    }

    /// EKS managed node groups labelled as Cluster Autoscaler asks, without the GPU operator.
    const POOLS: &str = "provider = \"device-only\"\n[[pool]]\nname = \"l4\"\ncount = 2\ncpu = \"15\"\nmemory = \"58Gi\"\naccelerator = \"nvidia-l4\"\ngpus = 1\nlabels = { \"k8s.amazonaws.com/accelerator\" = \"nvidia-l4\" }\n";

    fn spec(provider: &str) -> String {
        format!(
            "[app]\nname = \"chat\"\nprovider = \"{provider}\"\n[jobs.embed]\nimage = \"busybox:1.36\"\ndeadline = \"1h\"\nresources = {{ accelerator = \"nvidia-l4\" }}\n"
        )
    }

    #[test]
    fn a_selector_no_node_carries_is_a_warning_at_the_accelerator() {
        // The GPU operator's label on EKS managed node groups, which carry another.
        let c = compile_on(&spec("generic"), POOLS);
        let w = c
            .diagnostics
            .iter()
            .find(|d| d.code.id == "W0080")
            .expect("W0080");
        assert!(
            w.message
                .contains("`jobs.embed` selects nodes labelled `nvidia.com/gpu.product=NVIDIA-L4`"),
            "{}",
            w.message
        );
        let help = w.help.as_deref().unwrap_or_default();
        assert!(
            help.contains("`l4-0`, `l4-1`") && help.contains("no `nvidia.com/gpu.product` label"),
            "{help}"
        );
        assert!(!c.objects.is_empty(), "a warning still builds");
        let ok = compile_on(&spec("eks-managed"), POOLS);
        assert!(!ok.diagnostics.iter().any(|d| d.code.id == "W0080"));
    }

    #[test]
    fn a_placement_label_is_pointed_at_and_deny_stops_the_build() {
        let text = format!(
            "{}[placement]\nnode_selector = {{ pool = \"gpu\" }}\n",
            spec("eks-managed")
        );
        let c = compile_on(&text, POOLS);
        let w = c
            .diagnostics
            .iter()
            .find(|d| d.code.id == "W0080")
            .expect("W0080");
        let at = w.primary.as_ref().expect("a label").span;
        assert_eq!(&text[at.start..at.end], "\"gpu\"");
        let denied = compile_on(
            &format!("{text}[lint]\nselector-matches-no-node = \"deny\"\n"),
            POOLS,
        );
        assert!(denied.diagnostics.has_errors() && denied.objects.is_empty());
    }
}
