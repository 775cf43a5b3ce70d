//! A container's resources: cpu, memory and ephemeral storage from the spec, the runtime preset
//! or the catalog, its accelerator's devices, requests below limits (`requests`), and the
//! defaults derived from them. A leaf: the pod's containers and the model's downloader use it.

use std::collections::BTreeMap;

use super::accelerator::accelerator;
use super::check;
use crate::app::{Resources, Scheduling, Volume, VolumeSource};
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::policy::relaxations;
use crate::spec::Container;
use crate::spec::pod::{ContainerResources, Requests};
use crate::spec::read::Sp;
use crate::stdlib::{Catalog, Runtime};
use crate::values::quantity::Quantity;

/// The main container's resources, the scheduling its accelerator needs, and the /dev/shm size
/// the accelerator asks for.
pub(crate) fn main(
    d: &mut Diagnostics,
    catalog: &Catalog,
    path: &str,
    c: &Container,
    runtime: Option<&Runtime>,
) -> (Resources, Scheduling, Option<String>) {
    let path = format!("{path}.resources");
    let spec = c.resources.clone().unwrap_or_default();
    let defaults = &catalog.defaults.resources;
    let cpu = pick(
        d,
        &format!("{path}.cpu"),
        spec.cpu.as_ref(),
        runtime.and_then(|r| r.resources.cpu.as_ref()),
        &defaults.cpu,
    );
    let memory = pick(
        d,
        &format!("{path}.memory"),
        spec.memory.as_ref(),
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
        d.push(relaxations::opened(
            &codes::W0003,
            c.span,
            "Burstable QoS",
            format!("`{path}.cpu_limit = false`: the container has no CPU limit"),
        ));
    }
    let mut out = Resources {
        cpu,
        memory,
        ephemeral_storage,
        devices,
        cpu_limit,
        requests: BTreeMap::new(),
    };
    out.requests = requests(d, &path, spec.requests.as_ref(), &out);
    (out, scheduling, shm)
}

/// A sidecar's, an init container's or the downloader's resources: the spec's, else `cpu`,
/// `memory` and `ephemeral` (the catalog's defaults for such a container).
pub(crate) fn container(
    d: &mut Diagnostics,
    path: &str,
    spec: Option<&ContainerResources>,
    cpu: &str,
    memory: &str,
    ephemeral: &str,
) -> Resources {
    let path = format!("{path}.resources");
    let spec = spec.cloned().unwrap_or_default();
    let mut out = Resources {
        cpu: pick(d, &format!("{path}.cpu"), spec.cpu.as_ref(), None, cpu),
        memory: pick(
            d,
            &format!("{path}.memory"),
            spec.memory.as_ref(),
            None,
            memory,
        ),
        ephemeral_storage: Some(pick(
            d,
            &format!("{path}.ephemeral_storage"),
            spec.ephemeral_storage.as_ref(),
            None,
            ephemeral,
        )),
        devices: BTreeMap::new(),
        cpu_limit: true,
        requests: BTreeMap::new(),
    };
    out.requests = requests(d, &path, spec.requests.as_ref(), &out);
    out
}

/// The spec's value (checked: it is also the limit, so above zero), else the preset's, else the default.
fn pick(
    d: &mut Diagnostics,
    path: &str,
    given: Option<&Sp<String>>,
    preset: Option<&String>,
    default: &str,
) -> String {
    match given {
        Some(sp) => {
            positive(d, path, sp);
            sp.v.clone()
        }
        None => preset.cloned().unwrap_or_else(|| default.to_string()),
    }
}

/// `requests`: each below its limit (a request above it is E0104: the API server refuses it).
/// Memory and storage below their limits are W0025, CPU W0003: the pod is no longer Guaranteed.
/// Ephemeral storage left to its default has its limit only once the pod's volumes are known,
/// so its request is checked against it in `super::resolve`.
fn requests(
    d: &mut Diagnostics,
    path: &str,
    r: Option<&Requests>,
    limits: &Resources,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Some(r) = r else { return out };
    let keys = [
        ("cpu", "cpu", &r.cpu, Some(&limits.cpu)),
        ("memory", "memory", &r.memory, Some(&limits.memory)),
        (
            "ephemeral_storage",
            "ephemeral-storage",
            &r.ephemeral_storage,
            limits.ephemeral_storage.as_ref(),
        ),
    ];
    for (key, resource, given, limit) in keys {
        let Some(sp) = given else { continue };
        let at = format!("{path}.requests.{key}");
        let Some(q) = check::quantity(d, &at, sp) else {
            continue;
        };
        // A limit mlspec works out later (ephemeral storage) is compared with it there.
        let Some(limit) = limit else {
            out.insert(resource.to_string(), sp.v.clone());
            continue;
        };
        if let Ok(l) = Quantity::parse(limit) {
            if q > l {
                d.push(
                    Diagnostic::new(
                        &codes::E0104,
                        format!("`{at}` is {}, above its limit of {limit}", sp.v),
                    )
                    .at(sp.span, "more than the limit")
                    .help(format!(
                        "a request is at most its limit: lower it, or raise `{path}.{key}`"
                    )),
                );
                continue;
            }
            if q == l {
                out.insert(resource.to_string(), sp.v.clone());
                continue;
            }
        }
        below_limit(d, &at, sp, resource);
        out.insert(resource.to_string(), sp.v.clone());
    }
    out
}

/// The warning for a request below its limit: W0003 for CPU, W0025 for the rest.
pub(crate) fn below_limit(d: &mut Diagnostics, at: &str, sp: &Sp<String>, resource: &str) {
    let code = if resource == "cpu" {
        &codes::W0003
    } else {
        &codes::W0025
    };
    d.push(relaxations::opened(
        code,
        sp.span,
        "request below the limit",
        format!("`{at}` is below its limit: the pod is Burstable, not Guaranteed"),
    ));
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
pub(crate) fn at_most_half(shm: &str, memory: &str) -> String {
    match (Quantity::parse(shm), Quantity::parse(memory)) {
        (Ok(s), Ok(m)) if s.nanos().saturating_mul(2) > m.nanos() => {
            Quantity::from_nanos(m.nanos() / 2).to_string()
        }
        _ => shm.to_string(),
    }
}

/// Ephemeral storage for a pod whose spec sets none: the sizeLimits of its disk-backed emptyDirs
/// (the model's download volume among them) plus the catalog's headroom for logs. Spec sizes were
/// checked where they were read and the catalog's by its tests, so one that does not parse adds
/// nothing.
pub(crate) fn ephemeral_default(catalog: &Catalog, volumes: &[Volume]) -> String {
    let sizes = volumes.iter().filter_map(|v| match &v.source {
        VolumeSource::EmptyDir {
            size,
            memory: false,
        } => Some(size.as_str()),
        _ => None,
    });
    std::iter::once(catalog.defaults.resources.ephemeral_headroom.as_str())
        .chain(sizes)
        .filter_map(|s| Quantity::parse(s).ok())
        .fold(Quantity::zero(), Quantity::saturating_add)
        .to_string()
}
