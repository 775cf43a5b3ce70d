//! A workload's container: image, env, secrets, files, resources, /dev/shm and writable
//! volumes, with runtime presets and catalog defaults filled in, and its command line. Families
//! of it live beside this file: `env.rs`, `resources.rs`, `accelerator.rs`.

use std::collections::BTreeMap;

use super::check;
use super::env::{resolve_env, resolve_files, resolve_secret_env};
use super::model;
use super::resources::{at_most_half, ephemeral_default, resolve_resources};
use crate::app::{Scheduling, Security, Volume, Workload};
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::spec::Container;
use crate::spec::read::Sp;
use crate::stdlib::{Catalog, Runtime};
use crate::values::image;

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
    resolve_env(d, &p("env"), c, &mut env);
    let secret_env = resolve_secret_env(d, &p("secret_env"), c);

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

    /// The template with its placeholders filled, in one pass: a value is never a template.
    pub fn apply(&self, template: &str) -> String {
        let model = self.model_name.or(self.env_model).unwrap_or(self.app);
        let port = self.port.map(|p| p.to_string());
        let mut values = vec![("app", self.app), ("model", model)];
        if let Some(p) = &self.model_path {
            values.push(("model_path", p));
        }
        if let Some(p) = &port {
            values.push(("port", p));
        }
        crate::values::template::fill(template, &values)
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
    let (source, model) = r.model_flags(fill.model_path.is_some());
    let model = if fill.model_name.is_some() {
        model
    } else {
        &[]
    };
    let mut args: Vec<String> = r
        .args
        .iter()
        .chain(source)
        .chain(model)
        .map(|a| fill.apply(a))
        .collect();
    args.extend(spec_args);
    (r.command.iter().map(|a| fill.apply(a)).collect(), args)
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
