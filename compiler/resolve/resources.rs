//! A container's resources: cpu, memory and ephemeral storage from the spec, the runtime preset
//! or the catalog, its accelerator's devices, and the defaults derived from them.

use std::collections::BTreeMap;

use super::accelerator::accelerator;
use super::check;
use super::workload::Ident;
use crate::app::{Resources, Scheduling, Volume};
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::spec::Container;
use crate::spec::read::Sp;
use crate::stdlib::{Catalog, Runtime};
use crate::values::quantity::Quantity;

pub(super) fn resolve_resources(
    d: &mut Diagnostics,
    catalog: &Catalog,
    id: &Ident,
    c: &Container,
    runtime: Option<&Runtime>,
) -> (Resources, Scheduling, Option<String>) {
    let path = format!("{}.resources", id.path);
    let spec = c.resources.clone().unwrap_or_default();
    let defaults = &catalog.defaults.resources;
    let mut pick =
        |key: &str, given: &Option<Sp<String>>, preset: Option<&String>, default: &str| -> String {
            match given {
                Some(sp) => {
                    positive(d, &format!("{path}.{key}"), sp);
                    sp.v.clone()
                }
                None => preset.cloned().unwrap_or_else(|| default.to_string()),
            }
        };
    let cpu = pick(
        "cpu",
        &spec.cpu,
        runtime.and_then(|r| r.resources.cpu.as_ref()),
        &defaults.cpu,
    );
    let memory = pick(
        "memory",
        &spec.memory,
        runtime.and_then(|r| r.resources.memory.as_ref()),
        &defaults.memory,
    );
    let ephemeral_storage = spec
        .ephemeral_storage
        .as_ref()
        .and_then(|sp| positive(d, &format!("{path}.ephemeral_storage"), sp).map(|_| sp.v.clone()));

    let mut devices = BTreeMap::new();
    let mut scheduling = Scheduling::default();
    let mut shm = None;
    match (&spec.accelerator, &spec.gpus) {
        (None, Some(g)) => {
            d.push(
                Diagnostic::new(
                    &codes::E0119,
                    format!("`{path}.gpus` is set but no accelerator is named"),
                )
                .at(g.span, "which device?")
                .help("add `accelerator = \"nvidia-l4\"` (or `\"nvidia-gpu\"` for any NVIDIA GPU)"),
            );
        }
        (Some(a), gpus) => {
            if let Some(out) = accelerator(d, catalog, &path, a, gpus.as_ref()) {
                devices.insert(out.resource, out.count);
                scheduling.node_selector = out.node_selector;
                scheduling.tolerations = out.tolerations;
                if out.shm {
                    shm = Some(defaults.gpu_shm.clone());
                }
            }
        }
        (None, None) => {}
    }
    let cpu_limit = spec.cpu_limit.as_ref().is_none_or(|c| c.v);
    if let Some(c) = spec.cpu_limit.as_ref().filter(|c| !c.v) {
        d.push(
            Diagnostic::new(
                &codes::W0003,
                format!("`{path}.cpu_limit = false`: the container has no CPU limit"),
            )
            .at(c.span, "Burstable QoS")
            .help("with a limit equal to the request the pod is Guaranteed (evicted last, CPU pinning); if bursting is worth it, waive CKV_K8S_11 with the reason"),
        );
    }
    (
        Resources {
            cpu,
            memory,
            ephemeral_storage,
            devices,
            cpu_limit,
        },
        scheduling,
        shm,
    )
}

/// A request that is also the limit: a quantity above zero. Kubernetes reads a limit of `0` as
/// no limit at all, so `cpu = "0"` would lift the very bound it seems to set.
fn positive(d: &mut Diagnostics, path: &str, sp: &Sp<String>) -> Option<Quantity> {
    let q = check::quantity(d, path, sp)?;
    if q.nanos() == 0 {
        d.push(
            Diagnostic::new(
                &codes::E0104,
                format!("invalid `{path}`: `{}` is zero, and a limit of 0 is no limit", sp.v),
            )
            .at(sp.span, "zero")
            .help("give the amount the container needs, such as `500m` or `1Gi`; it is both the request and the limit"),
        );
        return None;
    }
    Some(q)
}

/// `shm`, or half of `memory` when `shm` would take more than that.
pub(super) fn at_most_half(shm: &str, memory: &str) -> String {
    match (Quantity::parse(shm), Quantity::parse(memory)) {
        (Ok(s), Ok(m)) if s.nanos().saturating_mul(2) > m.nanos() => {
            Quantity::from_nanos(m.nanos() / 2).to_string()
        }
        _ => shm.to_string(),
    }
}

/// Ephemeral storage for a pod whose spec sets none: the sizeLimits of its disk-backed emptyDirs
/// (the model's download volume too) plus the catalog's headroom for logs. Spec sizes were
/// checked where they were read and the catalog's by its tests, so one that does not parse adds
/// nothing.
pub(super) fn ephemeral_default(
    catalog: &Catalog,
    volumes: &[Volume],
    download: Option<&str>,
) -> String {
    let sizes = volumes.iter().map(|v| v.size.as_str()).chain(download);
    std::iter::once(catalog.defaults.resources.ephemeral_headroom.as_str())
        .chain(sizes)
        .filter_map(|s| Quantity::parse(s).ok())
        .fold(Quantity::zero(), Quantity::saturating_add)
        .to_string()
}
