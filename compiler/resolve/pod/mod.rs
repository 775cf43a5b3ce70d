//! A workload's pod: its main container (image, env, resources, mounts, ports, probes), its
//! sidecars and init containers (the model's downloader first), its volumes, identity and
//! security, with runtime presets and catalog defaults filled in. Each part has its file:
//! `container.rs` (command line, placeholders, ports), `env.rs`, `resources.rs`, `volumes.rs`,
//! `probes.rs`, `security.rs`, `identity.rs`; the accelerator is `super::accelerator`, the model
//! `super::model`.

mod container;
mod env;
mod identity;
mod probes;
mod security;
mod volumes;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use super::check;
use super::ident::Ident;
use super::model::{self, Download};
use super::resources;
use crate::app::{
    CREDENTIALS_VOLUME, Container, ContainerSecurity, FILES_VOLUME, Files, MODEL_VOLUME, Model,
    ModelVolume, Mount, Pod, PodSecurity, Port, Probes, SHM_VOLUME, Scheduling, Volume,
    VolumeSource, Workload,
};
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::source::Span;
use crate::spec::pod::ExtraContainer;
use crate::spec::read::Sp;
use crate::spec::{self, Health};
use crate::stdlib::{Catalog, Runtime};

pub use container::{Fill, number as port_number, ports};
pub use env::{FIELDS, references};
pub use identity::VERBS;

/// `pull_policy`: Kubernetes' image pull policies (`Always` is the default; the others W0030).
pub const PULL_POLICIES: &[&str] = &["Always", "IfNotPresent", "Never"];

/// What only the main container has: its runtime, the placeholders' values, its ports (with the
/// span each came from) and its `health`.
pub struct Main<'a> {
    pub runtime: Option<&'a Runtime>,
    pub fill: &'a Fill<'a>,
    pub ports: Vec<(Port, Span)>,
    pub health: Option<&'a Health>,
}

pub fn resolve(
    d: &mut Diagnostics,
    catalog: &Catalog,
    id: Ident,
    c: &spec::Container,
    main: Main,
    base: &Scheduling,
) -> Workload {
    let runtime = main.runtime;
    let img = c
        .image
        .as_ref()
        .map(|sp| check::image(d, &id.key("image"), sp))
        .unwrap_or_default();
    let pull_policy = security::pull_policy(
        d,
        &id.path,
        c.pull_policy.as_ref(),
        &catalog.defaults.images.pull_policy,
    );
    let resolved = c.model.as_ref().and_then(|m| {
        let around = model::Around {
            workload: &id.name,
            path: &id.path,
            runtime_path: runtime
                .and_then(|r| r.model_source.path.as_ref())
                .map(|p| main.fill.apply(p)),
            pull_policy: &pull_policy,
        };
        model::resolve(d, catalog, &around, m)
    });
    let (model, download) = match resolved {
        Some((m, dl)) => (Some(m), dl),
        None => (None, None),
    };
    let fill = &Fill {
        model_path: model.as_ref().map(|m| m.path.clone()),
        ..main.fill.clone()
    };

    let preset: BTreeMap<String, String> = runtime
        .map(|r| {
            let source_env = model.as_ref().map(|_| &r.model_source.env);
            r.env
                .iter()
                .chain(source_env.into_iter().flatten())
                .map(|(k, v)| (k.clone(), fill.apply(v)))
                .collect()
        })
        .unwrap_or_default();
    let (env, env_from) = env::resolve(
        d,
        &env::Spec {
            path: &id.path,
            env: &c.env,
            secret_env: &c.secret_env,
            field_env: &c.field_env,
            env_from: c.env_from.as_deref(),
        },
        preset,
    );
    let files = env::resolve_files(d, &id.key("files"), &c.files);
    let (mut resources, accel_scheduling, accel_shm) =
        resources::main(d, catalog, &id.path, c, runtime);
    let shm = c
        .resources
        .as_ref()
        .and_then(|r| r.shm.as_ref())
        .and_then(|sp| check::quantity(d, &id.key("resources.shm"), sp).map(|_| sp.v.clone()))
        .or_else(|| {
            // A /dev/shm the user did not ask for never takes more than half the memory limit,
            // so defaults alone can never fail E0121.
            runtime
                .and_then(|r| r.shm.clone())
                .or(accel_shm)
                .map(|s| resources::at_most_half(&s, &resources.memory))
        });

    // Scratch space: the default /tmp, then the runtime's (which may replace it).
    let mut scratch: Vec<&crate::stdlib::Volume> = vec![&catalog.defaults.volumes.tmp];
    for v in runtime.map(|r| r.volumes.as_slice()).unwrap_or_default() {
        scratch.retain(|existing| existing.name != v.name && existing.path != v.path);
        scratch.push(v);
    }
    scratch.sort_by(|a, b| a.name.cmp(&b.name));
    let mut pod = volumes::Pod::default();
    let mut taken = volumes::Taken::default();
    let mut mounts = Vec::new();
    for v in &scratch {
        let size = match (&v.with_model, &model) {
            (Some(smaller), Some(_)) => smaller.clone(),
            _ => v.size.clone(),
        };
        pod.add(Volume {
            name: v.name.clone(),
            source: VolumeSource::EmptyDir {
                size,
                memory: false,
            },
        });
        taken.add(&v.path, format!("the `{}` volume", v.name), None);
        pod.scratch.insert(v.path.clone(), v.name.clone());
        mounts.push(mount(&v.name, &v.path));
    }
    if let Some(size) = &shm {
        pod.add(Volume {
            name: SHM_VOLUME.to_string(),
            source: VolumeSource::EmptyDir {
                size: size.clone(),
                memory: true,
            },
        });
        taken.add("/dev/shm", "/dev/shm", None);
        mounts.push(mount(SHM_VOLUME, "/dev/shm"));
    }
    for (path, _) in files.values() {
        taken.add(path, "a mounted file", None);
    }
    let model = model.filter(|m| model_mount_is_free(d, &id.path, c, m, &taken));
    let tmp = scratch
        .iter()
        .find(|v| v.path == "/tmp")
        .map(|v| mount(&v.name, "/tmp"));
    let mut init = Vec::new();
    // Whether `init` starts with the model's downloader (`pvc://` models have none).
    let downloads = model.as_ref().is_some_and(|m| m.downloaded) && download.is_some();
    if let Some(m) = &model {
        model_volumes(&mut pod, m, download.as_ref());
        taken.add(&m.path, "the model", None);
        mounts.push(Mount {
            volume: MODEL_VOLUME.to_string(),
            path: m.path.clone(),
            sub_path: match &m.volume {
                ModelVolume::Claim { sub_path, .. } => sub_path.clone(),
                ModelVolume::EmptyDir(_) | ModelVolume::PerReplica(_) => None,
            },
            read_only: true,
        });
        if let Some(dl) = download {
            init.push(downloader(dl, m, tmp.clone()));
        }
    }
    let files = (!files.is_empty()).then(|| {
        let f = Files {
            config_map: files_name(&id.name, &files),
            entries: files,
        };
        pod.add(Volume {
            name: FILES_VOLUME.to_string(),
            source: VolumeSource::ConfigMap {
                name: f.config_map.clone(),
                items: Vec::new(),
            },
        });
        mounts.extend(f.entries.iter().map(|(key, (path, _))| Mount {
            volume: FILES_VOLUME.to_string(),
            path: path.clone(),
            sub_path: Some(key.clone()),
            read_only: true,
        }));
        f
    });
    mounts.extend(volumes::resolve(
        d,
        catalog,
        &id.key("volumes"),
        c.volumes.as_deref().unwrap_or_default(),
        &mut pod,
        &mut taken,
        true,
    ));
    mounts.sort_by(|a, b| a.path.cmp(&b.path));

    if resources.ephemeral_storage.is_none() {
        let limit = resources::ephemeral_default(catalog, &pod.volumes);
        let request = c
            .resources
            .as_ref()
            .and_then(|r| r.requests.as_ref())
            .and_then(|r| r.ephemeral_storage.as_ref());
        if let Some(sp) = request {
            above_default_limit(
                d,
                &id.key("resources.requests.ephemeral_storage"),
                sp,
                &limit,
            );
        }
        resources.ephemeral_storage = Some(limit);
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

    let pod_security = security::pod(d, catalog, &id.path, c.security.as_ref());
    let main_security = security::container(
        d,
        catalog,
        &id.path,
        c.security.as_ref().and_then(|s| s.writable_root.as_ref()),
        c.security.as_ref().and_then(|s| s.capabilities.as_ref()),
    );
    security::privileged_ports(d, &id.path, &main.ports, &pod_security, &main_security);
    let ports: Vec<Port> = main.ports.iter().map(|(p, _)| p.clone()).collect();
    let probes = match main.health.or(runtime.map(|_| &Health::NONE)) {
        Some(h) => probes::resolve(d, catalog, &id.path, Some(h), runtime, &ports, &|t| {
            fill.apply(t)
        }),
        None => Probes::default(),
    };
    let (command, args) = container::argv(d, &id.path, c, runtime, fill);
    let work_dir = c
        .work_dir
        .as_ref()
        .and_then(|w| absolute_dir(d, &id.key("work_dir"), w));

    let mut names: BTreeMap<String, Span> = BTreeMap::new();
    let mut port_names: BTreeMap<String, (i32, Span)> = main
        .ports
        .iter()
        .map(|(p, s)| (p.name.clone(), (p.port, *s)))
        .collect();
    let extras = Extras {
        catalog,
        pull_policy: &pull_policy,
        tmp: tmp.as_ref(),
        security: &pod_security,
    };
    let mut sidecars = Vec::new();
    for (i, e) in c.sidecars.iter().flatten().enumerate() {
        let path = id.key(&format!("sidecars[{i}]"));
        if let Some(x) = extras.one(d, &path, e, &mut pod, &mut names, Some(&mut port_names)) {
            sidecars.push(x);
        }
    }
    for (i, e) in c.init.iter().flatten().enumerate() {
        let path = id.key(&format!("init[{i}]"));
        if let Some(x) = extras.one(d, &path, e, &mut pod, &mut names, None) {
            init.push(x);
        }
    }
    let reserved = init.first().filter(|_| downloads).map(|x| x.name.clone());
    for (n, span) in &names {
        if *n == id.container || Some(n) == reserved.as_ref() {
            d.push(
                Diagnostic::new(
                    &codes::E0170,
                    format!(
                        "container name `{n}` is already the pod's {}",
                        if *n == id.container {
                            "main container's"
                        } else {
                            "model downloader's"
                        }
                    ),
                )
                .at(*span, "used twice")
                .help("give each container of the pod a name of its own"),
            );
        }
    }

    let mut volumes = pod.volumes;
    volumes.sort_by(|a, b| a.name.cmp(&b.name));
    let identity = identity::resolve(d, &id.path, &id.name, c.service_account.as_ref());
    let annotations = check::labels(d, &id.key("pod_annotations"), &c.pod_annotations, false);
    let pull_secrets = c
        .pull_secrets
        .iter()
        .flatten()
        .filter_map(|s| check::subdomain_name(d, &id.key("pull_secrets"), s))
        .collect();
    let waivers = super::lint::waivers(d, &id.key("waivers"), &c.waivers);
    Workload {
        waivers,
        name: id.name.clone(),
        component: id.component,
        pod: Pod {
            main: Container {
                name: id.container,
                image: img,
                pull_policy: pull_policy.clone(),
                command,
                args,
                work_dir,
                env,
                env_from,
                resources,
                mounts,
                ports,
                probes,
                security: main_security,
            },
            sidecars,
            init,
            volumes,
            files,
            shm,
            model,
            scheduling,
            identity,
            security: pod_security,
            annotations,
            pull_secrets,
        },
    }
}

/// What every sidecar and init container of one pod shares.
struct Extras<'a> {
    catalog: &'a Catalog,
    pull_policy: &'a str,
    /// The pod's /tmp, mounted in every container (the read-only root has none).
    tmp: Option<&'a Mount>,
    security: &'a PodSecurity,
}

impl Extras<'_> {
    /// A sidecar (with `ports`: the pod's port names so far) or an init container.
    fn one(
        &self,
        d: &mut Diagnostics,
        path: &str,
        e: &ExtraContainer,
        pod: &mut volumes::Pod,
        names: &mut BTreeMap<String, Span>,
        port_names: Option<&mut BTreeMap<String, (i32, Span)>>,
    ) -> Option<Container> {
        let name_sp = e.name.as_ref()?;
        let name = check::label_name(d, &format!("{path}.name"), name_sp)?;
        if let Some(first) = names.get(&name) {
            d.push(
                Diagnostic::new(
                    &codes::E0170,
                    format!("two containers of the pod are named `{name}`"),
                )
                .at(name_sp.span, "used twice")
                .also(*first, "first here")
                .help("give each container of the pod a name of its own"),
            );
            return None;
        }
        names.insert(name.clone(), name_sp.span);
        let image = check::image(d, &format!("{path}.image"), e.image.as_ref()?);
        let pull_policy = security::pull_policy(d, path, e.pull_policy.as_ref(), self.pull_policy);
        let (env, env_from) = env::resolve(
            d,
            &env::Spec {
                path,
                env: &e.env,
                secret_env: &e.secret_env,
                field_env: &e.field_env,
                env_from: e.env_from.as_deref(),
            },
            BTreeMap::new(),
        );
        let k = &self.catalog.defaults.containers;
        let resources = resources::container(
            d,
            path,
            e.resources.as_ref(),
            &k.cpu,
            &k.memory,
            &k.ephemeral_storage,
        );
        let mut taken = volumes::Taken::default();
        let mut mounts: Vec<Mount> = self.tmp.cloned().into_iter().collect();
        for m in &mounts {
            taken.add(&m.path, "the pod's /tmp", None);
        }
        mounts.extend(volumes::resolve(
            d,
            self.catalog,
            &format!("{path}.volumes"),
            e.volumes.as_deref().unwrap_or_default(),
            pod,
            &mut taken,
            false,
        ));
        mounts.sort_by(|a, b| a.path.cmp(&b.path));
        let security = match &e.security {
            Some(s) => security::container(
                d,
                self.catalog,
                path,
                s.writable_root.as_ref(),
                s.capabilities.as_ref(),
            ),
            None => ContainerSecurity::default(),
        };
        let ports = match port_names {
            Some(taken) => container::ports(
                d,
                &format!("{path}.ports"),
                e.ports.as_deref().unwrap_or_default(),
                taken,
            ),
            None => Vec::new(),
        };
        security::privileged_ports(d, path, &ports, self.security, &security);
        let ports: Vec<Port> = ports.into_iter().map(|(p, _)| p).collect();
        let probes = match &e.health {
            Some(h) => probes::resolve(d, self.catalog, path, Some(h), None, &ports, &|t| {
                t.to_string()
            }),
            None => Probes::default(),
        };
        Some(Container {
            name,
            image,
            pull_policy,
            command: e.command.iter().flatten().map(|s| s.v.clone()).collect(),
            args: e.args.iter().flatten().map(|s| s.v.clone()).collect(),
            work_dir: e
                .work_dir
                .as_ref()
                .and_then(|w| absolute_dir(d, &format!("{path}.work_dir"), w)),
            env,
            env_from,
            resources,
            mounts,
            ports,
            probes,
            security,
        })
    }
}

/// The ConfigMap of a workload's `files`: `WORKLOAD-files-HASH`, where HASH (ten hex digits of
/// FNV-1a over every key and content) changes with any edit. A pod template that names the new
/// ConfigMap rolls out; the old one is never changed under running pods (it is `immutable`), so
/// `subPath` mounts, which never see updates, never go stale.
pub fn files_name(workload: &str, files: &BTreeMap<String, (String, String)>) -> String {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = OFFSET;
    for (key, (_, content)) in files {
        for part in [key.as_bytes(), &[0], content.as_bytes(), &[0]] {
            for b in part {
                hash = (hash ^ u64::from(*b)).wrapping_mul(PRIME);
            }
        }
    }
    format!("{workload}-files-{:010x}", hash >> 24)
}

fn mount(volume: &str, path: &str) -> Mount {
    Mount {
        volume: volume.to_string(),
        path: path.to_string(),
        sub_path: None,
        read_only: false,
    }
}

/// The model's volume and, with a Secret, the downloader's credentials file.
fn model_volumes(pod: &mut volumes::Pod, m: &Model, download: Option<&Download>) {
    let source = match &m.volume {
        ModelVolume::EmptyDir(size) => Some(VolumeSource::EmptyDir {
            size: size.clone(),
            memory: false,
        }),
        ModelVolume::Claim { name, new, .. } => Some(VolumeSource::Claim {
            name: name.clone(),
            // Nothing writes to a claim mlspec only mounts (`pvc://`).
            read_only: !m.downloaded && new.is_none(),
        }),
        // The StatefulSet's claim template is the volume.
        ModelVolume::PerReplica(_) => None,
    };
    if let Some(source) = source {
        pod.add(Volume {
            name: MODEL_VOLUME.to_string(),
            source,
        });
    }
    if let Some(f) = download.and_then(|dl| dl.secret_file.as_ref()) {
        pod.add(Volume {
            name: CREDENTIALS_VOLUME.to_string(),
            source: VolumeSource::Secret {
                name: f.secret.clone(),
                items: vec![(f.key.clone(), f.key.clone())],
                mode: volumes::SECRET_MODE,
            },
        });
    }
}

/// The init container that downloads the model into its volume: it writes the model's
/// directory, reads its credentials file, and has the pod's /tmp for its own scratch files.
fn downloader(dl: Download, m: &Model, tmp: Option<Mount>) -> Container {
    let mut env = env::sorted(&dl.env, &dl.secret_env);
    let mut mounts = vec![mount(MODEL_VOLUME, &m.path)];
    if let Some(f) = &dl.secret_file {
        env.extend(f.env.iter().map(|var| crate::app::Env {
            name: var.clone(),
            value: crate::app::EnvValue::Literal(f.path.clone()),
        }));
        env.sort_by(|a, b| a.name.cmp(&b.name));
        // One file at the path the downloader reads, wherever that is.
        mounts.push(Mount {
            volume: CREDENTIALS_VOLUME.to_string(),
            path: f.path.clone(),
            sub_path: Some(f.key.clone()),
            read_only: true,
        });
    }
    mounts.extend(tmp);
    mounts.sort_by(|a, b| a.path.cmp(&b.path));
    Container {
        name: format!("{MODEL_VOLUME}-download"),
        image: dl.image,
        pull_policy: dl.pull_policy,
        command: dl.command,
        args: dl.args,
        work_dir: None,
        env,
        env_from: Vec::new(),
        resources: dl.resources,
        mounts,
        ports: Vec::new(),
        probes: Probes::default(),
        security: ContainerSecurity::default(),
    }
}

/// Whether the model's directory is a mount path of its own: two volumes at one path are
/// rejected by the API server.
fn model_mount_is_free(
    d: &mut Diagnostics,
    path: &str,
    c: &spec::Container,
    m: &Model,
    taken: &volumes::Taken,
) -> bool {
    let Some((_, what, _)) = taken.find(&m.path) else {
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

/// A request for ephemeral storage against the limit mlspec works out from the pod's volumes:
/// above it E0104, below it W0025.
fn above_default_limit(d: &mut Diagnostics, at: &str, sp: &Sp<String>, limit: &str) {
    use crate::values::quantity::Quantity;
    let (Ok(q), Ok(l)) = (Quantity::parse(&sp.v), Quantity::parse(limit)) else {
        return;
    };
    if q > l {
        d.push(
            Diagnostic::new(
                &codes::E0104,
                format!("`{at}` is {}, above its limit of {limit} (the pod's scratch volumes plus headroom)", sp.v),
            )
            .at(sp.span, "more than the limit")
            .help("a request is at most its limit: lower it, or set `resources.ephemeral_storage`"),
        );
    } else if q < l {
        resources::below_limit(d, at, sp, "ephemeral-storage");
    }
}

/// An absolute directory: starts with `/`, no empty, `.` or `..` parts, not `/` itself (E0130).
pub(crate) fn absolute_dir(d: &mut Diagnostics, path: &str, sp: &Sp<String>) -> Option<String> {
    let p = sp.v.trim_end_matches('/');
    let bad = !sp.v.starts_with('/')
        || p.is_empty()
        || p.split('/')
            .skip(1)
            .any(|s| s.is_empty() || s == "." || s == "..")
        || p.chars().any(|c| c.is_control() || c == ':');
    if bad {
        d.push(
            Diagnostic::new(
                &codes::E0130,
                format!(
                    "`{path}` must be an absolute directory other than `/`, found {:?}",
                    sp.v
                ),
            )
            .at(sp.span, "not an absolute directory")
            .help("write the directory as the container sees it, e.g. `\"/data\"`"),
        );
        return None;
    }
    Some(p.to_string())
}
