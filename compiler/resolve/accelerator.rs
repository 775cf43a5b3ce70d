//! A container's accelerator: the catalog entry, the device count, a MIG slice, a TPU slice's
//! topology, and the node selector and tolerations that put the pod where the devices are.

use std::collections::BTreeMap;

use super::toleration;
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::spec::read::Sp;
use crate::spec::{AcceleratorRef, Container};
use crate::stdlib::{self, Accelerator, Catalog};
use crate::values::suggest::suggest;

/// What an accelerator gives the container: its devices, where they are, and whether the
/// entry asks for a /dev/shm.
pub(crate) struct AccelOut {
    pub resource: String,
    pub count: i64,
    pub node_selector: BTreeMap<String, String>,
    pub tolerations: Vec<crate::app::Toleration>,
    pub shm: bool,
}

pub(crate) fn accelerator(
    d: &mut Diagnostics,
    catalog: &Catalog,
    path: &str,
    a: &AcceleratorRef,
    gpus: Option<&Sp<f64>>,
) -> Option<AccelOut> {
    let Some(entry) = catalog.accelerator(&a.name.v) else {
        let mut diag = Diagnostic::new(
            &codes::E0111,
            format!("unknown accelerator `{}` in `{path}.accelerator`", a.name.v),
        )
        .at(a.name.span, "not in the catalog");
        // `nvidia-h100` means `nvidia-h100-80gb`, not the closer spelling `nvidia-h200`.
        let longer = format!("{}-", a.name.v);
        let named = catalog
            .accelerators
            .keys()
            .find(|k| k.starts_with(&longer))
            .cloned()
            .or_else(|| suggest(&a.name.v, catalog.accelerators.keys()));
        diag = match named {
            Some(s) => diag.help(format!(
                "did you mean `{s}`? (`mlspec explain E0111` lists them)"
            )),
            None => diag.help(format!(
                "known accelerators: {}",
                catalog
                    .accelerators
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        };
        d.push(diag);
        return None;
    };
    let mut node_selector = entry.node_selector.clone();
    let mut resource = entry.resource.clone();

    let count = match gpus {
        None => None,
        Some(g) if g.v.fract() != 0.0 || !g.v.is_finite() => {
            d.push(
                Diagnostic::new(&codes::E0114, format!("`{path}.gpus` must be a whole number, found {}", g.v))
                    .at(g.span, "not a whole number")
                    .help(if entry.mig.is_empty() {
                        "devices are whole units; ask for fewer pods with more work each, or a GPU that offers MIG".to_string()
                    } else {
                        format!(
                            "for part of a GPU ask for a MIG slice, e.g. `accelerator = {{ type = \"{}\", mig = \"{}\" }}`; `{}` offers {}",
                            a.name.v,
                            entry.mig.iter().find(|m| m.starts_with("3g.")).unwrap_or(&entry.mig[0]),
                            a.name.v,
                            entry.mig.join(", ")
                        )
                    }),
            );
            return None;
        }
        // A TPU slice's chips per pod are checked against its topology below.
        Some(g)
            if (g.v < 1.0 || g.v > f64::from(entry.max_per_node))
                && !(entry.is_tpu() && a.topology.is_some()) =>
        {
            d.push(
                Diagnostic::new(
                    &codes::E0119,
                    format!(
                        "`{path}.gpus` must be from 1 to {} for `{}`, found {}",
                        entry.max_per_node, a.name.v, g.v
                    ),
                )
                .at(g.span, "no node of this type offers that")
                .help(format!(
                    "a `{}` node carries at most {} devices",
                    a.name.v, entry.max_per_node
                )),
            );
            return None;
        }
        Some(g) => Some(g.v as i64),
    };

    if let Some(mig) = &a.mig {
        if !entry.mig.contains(&mig.v) {
            let mut diag = Diagnostic::new(
                &codes::E0120,
                format!("`{}` does not offer the MIG profile `{}`", a.name.v, mig.v),
            )
            .at(mig.span, "unknown profile");
            diag = match (
                entry.mig.is_empty(),
                same_compute(&mig.v, &entry.mig).or_else(|| suggest(&mig.v, entry.mig.iter())),
            ) {
                (true, _) => diag.help(format!("`{}` does not support MIG; drop `mig`", a.name.v)),
                (false, Some(s)) => diag.help(format!("did you mean `{s}`?")),
                (false, None) => diag.help(format!("profiles offered: {}", entry.mig.join(", "))),
            };
            d.push(diag);
            return None;
        }
        // A MIG slice is its own resource; the product label does not carry the slice layout.
        resource = entry.mig_resource(&mig.v);
        node_selector.clear();
    }

    let mut count = count.unwrap_or(1);
    if entry.is_tpu() {
        match (&a.topology, &entry.topology_label) {
            (Some(t), Some(label)) => {
                let Some(slice) = entry.slice(&t.v) else {
                    let why = match stdlib::topology_chips(&t.v) {
                        None => "a topology is chips per dimension, such as `2x4` or `2x2x1`",
                        Some(_) => "it is not a slice shape this TPU type offers",
                    };
                    d.push(
                        Diagnostic::new(
                            &codes::E0129,
                            format!("invalid `{path}.accelerator.topology` `{}`: {why}", t.v),
                        )
                        .at(t.span, "unsupported topology")
                        .help(topologies_help(&a.name.v, entry)),
                    );
                    return None;
                };
                if let Some(g) = gpus.filter(|g| g.v as i64 != slice.chips_per_pod) {
                    let what = if slice.hosts > 1 {
                        format!(
                            "topology `{}` is {} hosts of {} chips, one pod per host, but `gpus` asks for {} chips per pod",
                            t.v, slice.hosts, slice.chips_per_pod, g.v
                        )
                    } else {
                        format!(
                            "topology `{}` has {} chips but `gpus` asks for {}",
                            t.v, slice.chips, g.v
                        )
                    };
                    d.push(
                        Diagnostic::new(&codes::E0129, what)
                            .at(g.span, "chips per pod")
                            .also(t.span, "topology")
                            .help(format!("drop `gpus` or set it to {}", slice.chips_per_pod)),
                    );
                    return None;
                }
                count = slice.chips_per_pod;
                node_selector.insert(label.clone(), t.v.clone());
            }
            (None, _) => {
                d.push(
                    Diagnostic::new(&codes::E0129, format!("`{}` needs a topology", a.name.v))
                        .at(a.span, "which slice shape?")
                        .help(format!(
                            "write `accelerator = {{ type = \"{}\", topology = \"{}\" }}`",
                            a.name.v,
                            entry.topologies.last().map_or("2x2", String::as_str)
                        )),
                );
                return None;
            }
            (Some(_), None) => {}
        }
    } else if let Some(t) = &a.topology {
        d.push(
            Diagnostic::new(
                &codes::E0129,
                format!("`{}` has no topology; only TPUs do", a.name.v),
            )
            .at(t.span, "not a TPU")
            .help("drop `topology`"),
        );
    }

    let tolerations = entry
        .tolerations
        .iter()
        .filter_map(|t| toleration::parse(t).ok())
        .collect();
    Some(AccelOut {
        resource,
        count,
        node_selector,
        tolerations,
        shm: entry.shm,
    })
}

/// A profile with the same compute slices (`3g.20gb` → `3g.40gb`): the closest real intent.
fn same_compute(profile: &str, offered: &[String]) -> Option<String> {
    let (compute, _) = profile.split_once('.')?;
    offered
        .iter()
        .find(|m| m.split_once('.').is_some_and(|(c, _)| c == compute))
        .cloned()
}

/// The topologies a TPU type offers, for a help line.
fn topologies_help(name: &str, entry: &Accelerator) -> String {
    let single = entry.topologies.join(", ");
    match &entry.multi_host {
        Some(m) => format!(
            "`{name}` offers {single} on one host, and {} on several hosts of {} chips",
            m.topologies.join(", "),
            m.chips_per_host
        ),
        None => format!("`{name}` offers {single}"),
    }
}

/// The hosts of a multi-host TPU slice the container asks for, when it asks for one. The
/// accelerator and topology are checked where the resources are resolved.
pub fn tpu_hosts<'c>(catalog: &Catalog, c: &'c Container) -> Option<(i32, &'c Sp<String>)> {
    let a = c.resources.as_ref()?.accelerator.as_ref()?;
    let t = a.topology.as_ref()?;
    let slice = catalog.accelerator(&a.name.v)?.slice(&t.v)?;
    let hosts = i32::try_from(slice.hosts).ok()?;
    (hosts > 1).then_some((hosts, t))
}
