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
                if entry.slice(&t.v).is_none() {
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
                }
                let (slice, host) = host_shape(d, path, a, entry, t, gpus)?;
                count = slice.chips_per_pod;
                node_selector.insert(label.clone(), t.v.clone());
                // A pod of this host's chips would fit a larger host of the same topology too:
                // only the machine type tells them apart.
                let larger = entry
                    .shapes(&t.v)
                    .iter()
                    .any(|(s, _)| s.chips_per_pod > slice.chips_per_pod);
                if let (true, Some(l)) = (larger, &entry.machine_label) {
                    node_selector.insert(l.clone(), host.machine.clone());
                }
            }
            (None, _) => {
                d.push(
                    Diagnostic::new(&codes::E0129, format!("`{}` needs a topology", a.name.v))
                        .at(a.span, "which slice shape?")
                        .help(format!(
                            "write `accelerator = {{ type = \"{}\", topology = \"{}\" }}`",
                            a.name.v,
                            entry
                                .single_host_topologies()
                                .last()
                                .map_or("2x2", |t| t.as_str())
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
    if let (Some(m), false) = (&a.machine, entry.is_tpu() && a.topology.is_some()) {
        d.push(
            Diagnostic::new(
                &codes::E0129,
                format!(
                    "`{path}.accelerator.machine` chooses the hosts of a TPU topology, and `{}` has none",
                    a.name.v
                ),
            )
            .at(m.span, "no topology to run on")
            .help(if entry.is_tpu() {
                "add the `topology` these hosts form, e.g. `topology = \"2x4\"`"
            } else {
                "drop `machine`; `placement.node_selector` selects nodes by `node.kubernetes.io/instance-type`"
            }),
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

/// The host shape a TPU slice runs on: the one `machine` names, else the one with `gpus` chips
/// per host, else the fewest hosts. E0129 when none of the topology's shapes is the one asked
/// for (the topology itself is offered).
fn host_shape<'e>(
    d: &mut Diagnostics,
    path: &str,
    a: &AcceleratorRef,
    entry: &'e Accelerator,
    t: &Sp<String>,
    gpus: Option<&Sp<f64>>,
) -> Option<(stdlib::Slice, &'e stdlib::HostShape)> {
    let shapes = entry.shapes(&t.v);
    let shapes_help = || {
        shapes
            .iter()
            .map(|(s, h)| format!("`{}` ({} × {} chips)", h.machine, s.hosts, s.chips_per_pod))
            .collect::<Vec<_>>()
            .join(" or ")
    };
    if let Some(m) = &a.machine {
        let Some(found) = shapes.iter().find(|(_, h)| h.machine == m.v) else {
            let known: Vec<&str> = entry.hosts.iter().map(|h| h.machine.as_str()).collect();
            let why = if known.contains(&m.v.as_str()) {
                format!("`{}` hosts do not form topology `{}`", m.v, t.v)
            } else {
                format!("`{}` has no machine type `{}`", a.name.v, m.v)
            };
            d.push(
                Diagnostic::new(
                    &codes::E0129,
                    format!("invalid `{path}.accelerator.machine`: {why}"),
                )
                .at(m.span, "no such host shape")
                .also(t.span, "topology")
                .help(format!("topology `{}` runs on {}", t.v, shapes_help())),
            );
            return None;
        };
        if let Some(g) = gpus.filter(|g| g.v as i64 != found.0.chips_per_pod) {
            d.push(
                Diagnostic::new(
                    &codes::E0129,
                    format!(
                        "`{}` hosts carry {} chips, but `gpus` asks for {} chips per pod",
                        m.v, found.0.chips_per_pod, g.v
                    ),
                )
                .at(g.span, "chips per pod")
                .also(m.span, "machine type")
                .help(format!(
                    "drop `gpus` or set it to {}",
                    found.0.chips_per_pod
                )),
            );
            return None;
        }
        return Some(*found);
    }
    let Some(g) = gpus else {
        return shapes.first().copied();
    };
    if let Some(found) = shapes.iter().find(|(s, _)| g.v as i64 == s.chips_per_pod) {
        return Some(*found);
    }
    let (slice, _) = shapes.first()?;
    let (what, help) = if shapes.len() > 1 {
        (
            format!(
                "topology `{}` runs on {}, one pod per host, but `gpus` asks for {} chips per pod",
                t.v,
                shapes_help(),
                g.v
            ),
            format!(
                "drop `gpus` for the fewest hosts, or set it to one host's chips: {}",
                shapes
                    .iter()
                    .map(|(s, _)| s.chips_per_pod.to_string())
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
        )
    } else if slice.hosts > 1 {
        (
            format!(
                "topology `{}` is {} hosts of {} chips, one pod per host, but `gpus` asks for {} chips per pod",
                t.v, slice.hosts, slice.chips_per_pod, g.v
            ),
            format!("drop `gpus` or set it to {}", slice.chips_per_pod),
        )
    } else {
        (
            format!(
                "topology `{}` has {} chips but `gpus` asks for {}",
                t.v, slice.chips, g.v
            ),
            format!("drop `gpus` or set it to {}", slice.chips_per_pod),
        )
    };
    d.push(
        Diagnostic::new(&codes::E0129, what)
            .at(g.span, "chips per pod")
            .also(t.span, "topology")
            .help(help),
    );
    None
}

/// A profile with the same compute slices (`3g.20gb` → `3g.40gb`): the closest real intent.
fn same_compute(profile: &str, offered: &[String]) -> Option<String> {
    let (compute, _) = profile.split_once('.')?;
    offered
        .iter()
        .find(|m| m.split_once('.').is_some_and(|(c, _)| c == compute))
        .cloned()
}

/// The topologies a TPU type offers, for a help line: on one host, then on several hosts of
/// each machine type.
pub(crate) fn topologies_help(name: &str, entry: &Accelerator) -> String {
    let single: Vec<&str> = entry
        .single_host_topologies()
        .into_iter()
        .map(String::as_str)
        .collect();
    let several: Vec<String> = entry
        .hosts
        .iter()
        .filter_map(|h| {
            let ts: Vec<&str> = h
                .topologies
                .iter()
                .filter(|t| {
                    entry
                        .shapes(t)
                        .iter()
                        .any(|(s, o)| o.machine == h.machine && s.hosts > 1)
                })
                .map(String::as_str)
                .collect();
            (!ts.is_empty()).then(|| {
                format!(
                    "{} on several hosts of {} chips ({})",
                    ts.join(", "),
                    h.chips,
                    h.machine
                )
            })
        })
        .collect();
    if several.is_empty() {
        format!("`{name}` offers {} on one host", single.join(", "))
    } else {
        format!(
            "`{name}` offers {} on one host, and {}",
            single.join(", "),
            several.join("; ")
        )
    }
}

/// The TPU slice the container asks for, on the host shape it chose, when it asks for a valid
/// one. The accelerator, topology and shape are checked where the resources are resolved.
pub fn tpu_slice<'c>(
    catalog: &Catalog,
    c: &'c Container,
) -> Option<(stdlib::Slice, &'c Sp<String>)> {
    let r = c.resources.as_ref()?;
    let a = r.accelerator.as_ref()?;
    let t = a.topology.as_ref()?;
    let entry = catalog.accelerator(&a.name.v)?;
    let (slice, _) = host_shape(
        &mut Diagnostics::default(),
        "",
        a,
        entry,
        t,
        r.gpus.as_ref(),
    )?;
    Some((slice, t))
}

/// The hosts of a multi-host TPU slice the container asks for, when it asks for one.
pub fn tpu_hosts<'c>(catalog: &Catalog, c: &'c Container) -> Option<(i32, &'c Sp<String>)> {
    let (slice, t) = tpu_slice(catalog, c)?;
    let hosts = i32::try_from(slice.hosts).ok()?;
    (hosts > 1).then_some((hosts, t))
}
