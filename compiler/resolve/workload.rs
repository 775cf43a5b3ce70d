//! A workload's container and resources: image, env, secrets, files, requests, accelerator,
//! /dev/shm and writable volumes, with runtime presets and catalog defaults filled in.

use std::collections::BTreeMap;

use super::check;
use super::model;
use super::toleration;
use crate::app::{Resources, Scheduling, Security, Volume, Workload};
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::spec::read::Sp;
use crate::spec::{AcceleratorRef, Container};
use crate::stdlib::{self, Accelerator, Catalog, Runtime};
use crate::values::{image, names, quantity::Quantity, secret, suggest::suggest};

/// Who a workload is, for naming and for the paths in messages.
pub struct Ident<'a> {
    pub app: &'a str,
    pub name: String,
    pub component: String,
    pub container: String,
    /// `serve`, `jobs.backfill`, …: the spec path of this workload's table.
    pub path: String,
}

pub fn resolve(
    d: &mut Diagnostics,
    catalog: &Catalog,
    id: Ident,
    c: &Container,
    runtime: Option<&Runtime>,
    fill: &Fill,
    base: &Scheduling,
) -> Workload {
    let p = |k: &str| format!("{}.{k}", id.path);
    let img = c
        .image
        .as_ref()
        .map(|sp| resolve_image(d, &p("image"), sp))
        .unwrap_or_default();
    let pull_policy = catalog.defaults.images.pull_policy.clone();
    let model = c.model.as_ref().and_then(|m| {
        let around = model::Around {
            workload: &id.name,
            path: &id.path,
            runtime_path: runtime
                .and_then(|r| r.model_source.path.as_ref())
                .map(|p| fill.apply(p)),
            pull_policy: &pull_policy,
        };
        model::resolve(d, catalog, &around, m)
    });
    let fill = &Fill {
        model_path: model.as_ref().map(|m| m.path.clone()),
        ..fill.clone()
    };

    let mut env: BTreeMap<String, String> = runtime
        .map(|r| {
            let source_env = model.as_ref().map(|_| &r.model_source.env);
            r.env
                .iter()
                .chain(source_env.into_iter().flatten())
                .map(|(k, v)| (k.clone(), fill.apply(v)))
                .collect()
        })
        .unwrap_or_default();
    for (k, v) in &c.env {
        let path = format!("{}.{}", p("env"), k.v);
        if check::ok(
            d,
            &codes::E0115,
            &path,
            k,
            names::env_var_name(&k.v),
            "names are letters, digits, `_`, `-` and `.`, not starting with a digit",
        )
        .is_none()
        {
            continue;
        }
        if let Some(why) = secret::looks_like_secret(&k.v, &v.v) {
            d.push(
                Diagnostic::new(&codes::E0126, format!("`{path}` looks like a secret: {why}"))
                    .at(v.span, "literal value committed in the spec")
                    .help(format!(
                        "store it in a Secret and reference it: `secret_env = {{ {} = \"secret-name/key\" }}`",
                        k.v
                    )),
            );
            continue;
        }
        env.insert(k.v.clone(), v.v.clone());
    }

    let mut secret_env = BTreeMap::new();
    for (k, v) in &c.secret_env {
        let path = format!("{}.{}", p("secret_env"), k.v);
        let name_ok = check::ok(
            d,
            &codes::E0115,
            &path,
            k,
            names::env_var_name(&k.v),
            "names are letters, digits, `_`, `-` and `.`, not starting with a digit",
        );
        if let Some(twin) = c.env.iter().find(|(e, _)| e.v == k.v) {
            d.push(
                Diagnostic::new(
                    &codes::E0128,
                    format!("`{}` is set in both `env` and `secret_env`", k.v),
                )
                .at(k.span, "from a Secret here")
                .also(twin.0.span, "and as a literal here")
                .help("keep one of the two"),
            );
            continue;
        }
        if let (Some(()), Some(r)) = (name_ok, secret_ref(d, &path, v)) {
            secret_env.insert(k.v.clone(), r);
        }
    }

    let files = resolve_files(d, &p("files"), &c.files);
    let (mut resources, accel_scheduling, accel_shm) =
        resolve_resources(d, catalog, &id, c, runtime);
    let shm = c
        .resources
        .as_ref()
        .and_then(|r| r.shm.as_ref())
        .and_then(|sp| {
            check::quantity(d, &format!("{}.resources.shm", id.path), sp).map(|_| sp.v.clone())
        })
        .or_else(|| {
            // A /dev/shm the user did not ask for never takes more than half the memory limit,
            // so defaults alone can never fail E0121.
            runtime
                .and_then(|r| r.shm.clone())
                .or(accel_shm)
                .map(|s| at_most_half(&s, &resources.memory))
        });

    let mut volumes: Vec<Volume> = vec![volume(&catalog.defaults.volumes.tmp)];
    for v in runtime.map(|r| r.volumes.as_slice()).unwrap_or_default() {
        volumes.retain(|existing| existing.name != v.name && existing.path != v.path);
        volumes.push(volume(v));
    }
    volumes.sort_by(|a, b| a.name.cmp(&b.name));
    let model =
        model.filter(|m| model_mount_is_free(d, &id.path, c, m, &volumes, shm.is_some(), &files));
    if resources.ephemeral_storage.is_none() {
        let download = model.as_ref().and_then(|m| match &m.volume {
            crate::app::ModelVolume::EmptyDir(size) => Some(size.as_str()),
            _ => None,
        });
        resources.ephemeral_storage = Some(ephemeral_default(catalog, &volumes, download));
    }

    let mut scheduling = base.clone();
    for (k, v) in accel_scheduling.node_selector {
        scheduling.node_selector.entry(k).or_insert(v);
    }
    for t in accel_scheduling.tolerations {
        if !scheduling.tolerations.contains(&t) {
            scheduling.tolerations.push(t);
        }
    }
    scheduling.tolerations.sort();

    let (command, args) = argv(c, runtime, fill);
    let s = &catalog.defaults.security;
    Workload {
        name: id.name,
        component: id.component,
        container: id.container,
        image: img,
        pull_policy,
        command,
        args,
        env,
        secret_env,
        files,
        resources,
        volumes,
        shm,
        model,
        scheduling,
        security: Security {
            run_as_user: s.run_as_user,
            run_as_group: s.run_as_group,
            fs_group: s.fs_group,
        },
    }
}

/// Whether the model's directory is a mount path of its own: two volumes at one path are
/// rejected by the API server.
fn model_mount_is_free(
    d: &mut Diagnostics,
    path: &str,
    c: &Container,
    m: &crate::app::Model,
    volumes: &[Volume],
    shm: bool,
    files: &BTreeMap<String, (String, String)>,
) -> bool {
    let taken = volumes
        .iter()
        .map(|v| (v.path.as_str(), format!("the `{}` volume", v.name)))
        .chain(shm.then(|| ("/dev/shm", "/dev/shm".to_string())))
        .chain(
            files
                .values()
                .map(|(p, _)| (p.as_str(), "a mounted file".to_string())),
        )
        .find(|(p, _)| *p == m.path);
    let Some((_, what)) = taken else {
        return true;
    };
    let spec = c.model.as_ref();
    let span = spec
        .and_then(|s| s.path.as_ref().map(|p| p.span))
        .or(spec.and_then(|s| s.uri.as_ref().map(|u| u.span)))
        .unwrap_or_default();
    d.push(
        Diagnostic::new(
            &codes::E0130,
            format!(
                "`{path}.model` is mounted at `{}`, where {what} is already",
                m.path
            ),
        )
        .at(span, "same mount path")
        .help("give the model a directory of its own: `model.path = \"/models\"`"),
    );
    false
}

fn volume(v: &crate::stdlib::Volume) -> Volume {
    Volume {
        name: v.name.clone(),
        path: v.path.clone(),
        size: v.size.clone(),
    }
}

/// `shm`, or half of `memory` when `shm` would take more than that.
fn at_most_half(shm: &str, memory: &str) -> String {
    match (Quantity::parse(shm), Quantity::parse(memory)) {
        (Ok(s), Ok(m)) if s.nanos().saturating_mul(2) > m.nanos() => {
            Quantity::from_nanos(m.nanos() / 2).to_string()
        }
        _ => shm.to_string(),
    }
}

/// What the placeholders in a runtime preset stand for: `{app}` the app name, `{model}` the
/// spec's `model_name`, else `MODEL_NAME` from its env, else the app name, and `{port}` the
/// first container port; `{model_path}` the directory the spec's `model` is mounted at.
#[derive(Clone)]
pub struct Fill<'a> {
    pub app: &'a str,
    /// `serve.model_name`: also the switch for the runtime's `model_args`.
    pub model_name: Option<&'a str>,
    env_model: Option<&'a str>,
    port: Option<i32>,
    /// Set once the model source is resolved: also the switch for `model_source.args`.
    model_path: Option<String>,
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

    pub fn apply(&self, template: &str) -> String {
        let model = self.model_name.or(self.env_model).unwrap_or(self.app);
        let mut out = template
            .replace("{app}", self.app)
            .replace("{model}", model);
        if let Some(p) = &self.model_path {
            out = out.replace("{model_path}", p);
        }
        match self.port {
            Some(p) => out.replace("{port}", &p.to_string()),
            None => out,
        }
    }
}

/// The container's command and args. A spec `command` replaces the image's entrypoint and so
/// the runtime's command and flags too; otherwise they are the runtime's command, its `args`,
/// its `model_args` when the spec names a model (or, with a `model` source, its
/// `model_source.args`, which load the mounted directory), then the spec's `args`.
fn argv(c: &Container, runtime: Option<&Runtime>, fill: &Fill) -> (Vec<String>, Vec<String>) {
    let spec_args = c.args.iter().flatten().map(|s| s.v.clone());
    let Some(r) = runtime.filter(|_| c.command.is_none()) else {
        let command = c.command.iter().flatten().map(|s| s.v.clone()).collect();
        return (command, spec_args.collect());
    };
    let mut args: Vec<String> = r.args.iter().map(|a| fill.apply(a)).collect();
    let source = fill.model_path.is_some().then_some(&r.model_source);
    if let Some(s) = source {
        args.extend(s.args.iter().map(|a| fill.apply(a)));
    }
    let replaced = source.is_some_and(|s| !s.args.is_empty() && !s.keep_model_args);
    if fill.model_name.is_some() && !replaced {
        args.extend(r.model_args.iter().map(|a| fill.apply(a)));
    }
    args.extend(spec_args);
    (r.command.iter().map(|a| fill.apply(a)).collect(), args)
}

/// Ephemeral storage for a pod whose spec sets none: the sizeLimits of its disk-backed emptyDirs
/// (the model's download volume too) plus the catalog's headroom for logs. Spec sizes were
/// checked where they were read and the catalog's by its tests, so one that does not parse adds
/// nothing.
fn ephemeral_default(catalog: &Catalog, volumes: &[Volume], download: Option<&str>) -> String {
    let sizes = volumes.iter().map(|v| v.size.as_str()).chain(download);
    std::iter::once(catalog.defaults.resources.ephemeral_headroom.as_str())
        .chain(sizes)
        .filter_map(|s| Quantity::parse(s).ok())
        .fold(Quantity::zero(), Quantity::saturating_add)
        .to_string()
}

pub(super) fn resolve_image(d: &mut Diagnostics, path: &str, sp: &Sp<String>) -> String {
    let parsed = check::ok(
        d,
        &codes::E0103,
        path,
        sp,
        image::parse_image(&sp.v),
        "write `registry/name:tag`, `name@sha256:<digest>` or both",
    );
    let Some(r) = parsed else {
        return sp.v.clone();
    };
    if r.is_latest() {
        d.push(
            Diagnostic::new(
                &codes::W0001,
                format!(
                    "`{path}` uses a moving tag: `{}` can change under a running deployment",
                    sp.v
                ),
            )
            .at(sp.span, "no fixed version")
            .help("pin a version tag (`name:1.4.0`) or a digest (`name@sha256:…`)"),
        );
    } else if !r.has_digest() {
        d.push(
            Diagnostic::new(
                &codes::W0002,
                format!("`{path}` is pinned by tag only: `{}` can be re-pushed", sp.v),
            )
            .at(sp.span, "no digest")
            .help("add the digest: `name:tag@sha256:…` (`crane digest IMAGE` prints it); the tag stays for people"),
        );
    }
    sp.v.clone()
}

fn secret_ref(d: &mut Diagnostics, path: &str, sp: &Sp<String>) -> Option<(String, String)> {
    let parsed = sp.v.split_once('/').filter(|(n, k)| {
        names::dns1123_subdomain(n).is_ok()
            && !k.is_empty()
            && k.len() <= 253
            && k.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c))
    });
    match parsed {
        Some((n, k)) => Some((n.to_string(), k.to_string())),
        None => {
            d.push(
                Diagnostic::new(
                    &codes::E0110,
                    format!(
                        "`{path}` must name a Secret and a key as `secret-name/key`, found {:?}",
                        sp.v
                    ),
                )
                .at(sp.span, "not `secret-name/key`")
                .help("the Secret name is a DNS name; the key is letters, digits, `-`, `_` or `.`"),
            );
            None
        }
    }
}

fn resolve_files(
    d: &mut Diagnostics,
    path: &str,
    files: &[(Sp<String>, Sp<String>)],
) -> BTreeMap<String, (String, String)> {
    let mut out: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut seen: BTreeMap<String, crate::source::Span> = BTreeMap::new();
    for (k, v) in files {
        let base = k.v.rsplit('/').next().unwrap_or_default();
        let key_ok = !base.is_empty()
            && base.len() <= 253
            && base
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c));
        if !k.v.starts_with('/')
            || !key_ok
            || k.v.contains("//")
            || k.v.split('/').any(|s| s == "..")
        {
            d.push(
                Diagnostic::new(
                    &codes::E0130,
                    format!("`{path}` key {:?} is not an absolute file path", k.v),
                )
                .at(k.span, "not an absolute path to a file")
                .help(
                    "write the path the file has in the container, e.g. `\"/etc/app/config.yaml\"`",
                ),
            );
            continue;
        }
        if let Some(first) = seen.get(base) {
            d.push(
                Diagnostic::new(
                    &codes::E0130,
                    format!("two files in `{path}` are named `{base}`"),
                )
                .at(k.span, "second file with this name")
                .also(*first, "first one here")
                .help("file names become ConfigMap keys and must differ"),
            );
            continue;
        }
        seen.insert(base.to_string(), k.span);
        out.insert(base.to_string(), (k.v.clone(), v.v.clone()));
    }
    out
}

fn resolve_resources(
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
                    check::quantity(d, &format!("{path}.{key}"), sp);
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
    let ephemeral_storage = spec.ephemeral_storage.as_ref().and_then(|sp| {
        check::quantity(d, &format!("{path}.ephemeral_storage"), sp).map(|_| sp.v.clone())
    });

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
            if let Some((resource, count, sel, tol)) =
                accelerator(d, catalog, &path, a, gpus.as_ref())
            {
                devices.insert(resource, count);
                scheduling.node_selector = sel;
                scheduling.tolerations = tol;
                if catalog.accelerator(&a.name.v).is_some_and(|x| x.shm) {
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

type AccelOut = (
    String,
    i64,
    BTreeMap<String, String>,
    Vec<crate::app::Toleration>,
);

fn accelerator(
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

    let mut tolerations = Vec::new();
    for t in &entry.tolerations {
        if let Ok(t) = toleration::parse(t) {
            tolerations.push(t);
        }
    }
    Some((resource, count, node_selector, tolerations))
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

/// Parse a quantity that came from the catalog or was checked already (never user-facing).
pub fn known_quantity(s: &str) -> Quantity {
    Quantity::parse(s).unwrap_or_else(|_| Quantity::zero())
}
