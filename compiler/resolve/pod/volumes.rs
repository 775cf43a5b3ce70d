//! A container's `volumes`: each entry's source (scratch space, a Secret or ConfigMap as files,
//! an existing or ephemeral claim, a CSI volume, a node directory) and where it is mounted.
//! Scratch space at a path the runtime or the defaults already give resizes it; any other volume
//! over a path the container already mounts is E0161, a node directory the node depends on is
//! E0166, and an allowed one W0026.

use std::collections::BTreeMap;

use super::super::check;
use crate::app::{Mount, Volume, VolumeSource};
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::policy::relaxations;
use crate::source::Span;
use crate::spec::pod::VolumeSpec;
use crate::spec::read::Sp;
use crate::stdlib::Catalog;

/// Owner and group may read a Secret's files (the pod's fsGroup owns them), nobody else.
pub const SECRET_MODE: i32 = 0o440;

/// The pod's volumes as they are gathered, container by container.
#[derive(Default)]
pub(super) struct Pod {
    pub volumes: Vec<Volume>,
    /// The main container's scratch paths (`/tmp`, a runtime's `/cache`) and their volumes,
    /// which an entry with only a `size` resizes.
    pub scratch: BTreeMap<String, String>,
    /// Where each volume was defined, for "defined twice" (none for what mlspec adds).
    defined: BTreeMap<String, Option<Span>>,
}

impl Pod {
    /// Add a volume mlspec itself defines (scratch, /dev/shm, the model, files).
    pub fn add(&mut self, v: Volume) {
        self.defined.insert(v.name.clone(), None);
        self.volumes.push(v);
    }

    fn get(&self, name: &str) -> Option<&Volume> {
        self.volumes.iter().find(|v| v.name == name)
    }
}

/// One container's mount paths so far, with what each is (for messages).
#[derive(Default)]
pub(super) struct Taken {
    paths: Vec<(String, String, Option<Span>)>,
}

impl Taken {
    pub fn add(&mut self, path: &str, what: impl Into<String>, span: Option<Span>) {
        self.paths.push((path.to_string(), what.into(), span));
    }

    pub fn find(&self, path: &str) -> Option<&(String, String, Option<Span>)> {
        self.paths.iter().find(|(p, _, _)| p == path)
    }
}

/// The spec's `volumes` of one container (at `path`, `serve.volumes`): the volumes it adds to
/// the pod and the mounts it adds to the container. `main` says whether this is the main
/// container: only its scratch space can be resized, and it cannot mount another's volume by
/// name.
pub(super) fn resolve(
    d: &mut Diagnostics,
    catalog: &Catalog,
    path: &str,
    specs: &[VolumeSpec],
    pod: &mut Pod,
    taken: &mut Taken,
    main: bool,
) -> Vec<Mount> {
    let mut mounts = Vec::new();
    let scratch = if main {
        pod.scratch.clone()
    } else {
        BTreeMap::new()
    };
    for (i, v) in specs.iter().enumerate() {
        let at = format!("{path}[{i}]");
        if let Some(m) = one(d, catalog, &at, v, pod, taken, &scratch, main) {
            taken.add(&m.path, format!("`{at}`"), v.path.as_ref().map(|p| p.span));
            mounts.push(m);
        }
    }
    mounts
}

#[allow(clippy::too_many_arguments)]
fn one(
    d: &mut Diagnostics,
    catalog: &Catalog,
    at: &str,
    v: &VolumeSpec,
    pod: &mut Pod,
    taken: &Taken,
    scratch: &BTreeMap<String, String>,
    main: bool,
) -> Option<Mount> {
    let Some(path_sp) = &v.path else {
        d.push(
            Diagnostic::new(&codes::E0004, format!("`{at}.path` is required"))
                .at(v.span, "mounted where?")
                .help("add `path = \"/data\"`: the directory the container sees the volume at"),
        );
        return None;
    };
    let mount_path = super::absolute_dir(d, &format!("{at}.path"), path_sp)?;
    let sources: Vec<(&str, Span)> = [
        ("size", v.size.as_ref().map(|s| s.span)),
        ("secret", v.secret.as_ref().map(|s| s.span)),
        ("config_map", v.config_map.as_ref().map(|s| s.span)),
        ("claim", v.claim.as_ref().map(|s| s.span)),
        ("ephemeral", v.ephemeral.as_ref().map(|s| s.span)),
        ("csi", v.csi.as_ref().map(|s| s.span)),
        ("host_path", v.host_path.as_ref().map(|s| s.span)),
    ]
    .into_iter()
    .filter_map(|(k, s)| Some((k, s?)))
    .collect();
    let mut sources = sources;
    sources.sort_by_key(|(_, s)| s.start);
    if sources.len() > 1 {
        let mut diag = Diagnostic::new(
            &codes::E0169,
            format!(
                "`{at}` names {} sources: {}",
                sources.len(),
                sources
                    .iter()
                    .map(|(k, _)| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
        .at(sources[0].1, "one source");
        for (_, s) in &sources[1..] {
            diag = diag.also(*s, "another");
        }
        d.push(diag.help("give each volume one source, and a volume of its own to each"));
        return None;
    }
    let Some(&(kind, _)) = sources.first() else {
        return by_name(d, at, v, pod, mount_path, main);
    };
    let read_only = v.read_only.as_ref();
    if let Some(ro) = read_only.filter(|_| !["claim", "csi", "host_path"].contains(&kind)) {
        d.push(
            Diagnostic::new(
                &codes::E0169,
                format!("`{at}.read_only` has no use with `{kind}`"),
            )
            .at(ro.span, "not for this source")
            .help(match kind {
                "secret" | "config_map" => {
                    "a Secret's or ConfigMap's files are always read-only: drop `read_only`"
                }
                _ => "scratch space and ephemeral claims are always writable: drop `read_only`",
            }),
        );
        return None;
    }
    // Scratch space at a scratch path the container has resizes it.
    if kind == "size"
        && let Some(name) = scratch.get(&mount_path)
    {
        let size = quantity(d, &format!("{at}.size"), v.size.as_ref()?)?;
        if let Some(vol) = pod.volumes.iter_mut().find(|x| &x.name == name) {
            vol.source = VolumeSource::EmptyDir {
                size,
                memory: false,
            };
        }
        return None;
    }
    if let Some((_, what, first)) = taken.find(&mount_path) {
        let mut diag = Diagnostic::new(
            &codes::E0161,
            format!("`{at}` is mounted at `{mount_path}`, where {what} is already"),
        )
        .at(path_sp.span, "same mount path");
        if let Some(first) = first {
            diag = diag.also(*first, "mounted here first");
        }
        d.push(diag.help(if what.starts_with("the `") || what == "/dev/shm" || what == "the model" {
            "a volume over a path the runtime or mlspec mounts hides what it needs: choose another path (only `size` may resize scratch space there)"
        } else {
            "give each volume a path of its own"
        }));
        return None;
    }
    let name = volume_name(d, at, v, &mount_path)?;
    if let Some(first) = pod.defined.get(&name) {
        let mut diag = Diagnostic::new(
            &codes::E0161,
            format!("`{at}` defines volume `{name}`, which the pod already has"),
        )
        .at(
            v.name.as_ref().map_or(path_sp.span, |n| n.span),
            "second volume of this name",
        );
        if let Some(first) = first {
            diag = diag.also(*first, "defined here first");
        }
        d.push(diag.help(format!(
            "give it another `name`, or mount `{name}` by name alone (`{{ name = \"{name}\", path = … }}`) from a sidecar"
        )));
        return None;
    }
    let ro = read_only.map(|r| r.v);
    let source = match kind {
        "size" => VolumeSource::EmptyDir {
            size: quantity(d, &format!("{at}.size"), v.size.as_ref()?)?,
            memory: false,
        },
        "secret" => VolumeSource::Secret {
            name: check::subdomain_name(d, &format!("{at}.secret"), v.secret.as_ref()?)?,
            items: Vec::new(),
            mode: SECRET_MODE,
        },
        "config_map" => VolumeSource::ConfigMap {
            name: check::subdomain_name(d, &format!("{at}.config_map"), v.config_map.as_ref()?)?,
            items: Vec::new(),
        },
        "claim" => VolumeSource::Claim {
            name: check::subdomain_name(d, &format!("{at}.claim"), v.claim.as_ref()?)?,
            read_only: ro.unwrap_or(true),
        },
        "ephemeral" => {
            let e = v.ephemeral.as_ref()?;
            let p = format!("{at}.ephemeral");
            let size = quantity(d, &format!("{p}.size"), e.size.as_ref()?)?;
            let storage_class = match &e.storage_class {
                Some(sc) => Some(check::subdomain_name(d, &format!("{p}.storage_class"), sc)?),
                None => None,
            };
            let access = match &e.access {
                Some(a) => check::access_mode(d, &format!("{p}.access"), a)?,
                None => check::default_access(&catalog.defaults.model),
            };
            VolumeSource::Ephemeral {
                size,
                storage_class,
                access: access.to_string(),
            }
        }
        "csi" => {
            let c = v.csi.as_ref()?;
            let p = format!("{at}.csi");
            let driver = check::subdomain_name(d, &format!("{p}.driver"), c.driver.as_ref()?)?;
            VolumeSource::Csi {
                driver,
                attributes: c
                    .attributes
                    .iter()
                    .map(|(k, v)| (k.v.clone(), v.v.clone()))
                    .collect(),
                read_only: ro.unwrap_or(true),
            }
        }
        _ => host_path(d, catalog, at, v.host_path.as_ref()?)?,
    };
    let read_only = match &source {
        VolumeSource::Secret { .. } | VolumeSource::ConfigMap { .. } => true,
        VolumeSource::Claim { read_only, .. } | VolumeSource::Csi { read_only, .. } => *read_only,
        VolumeSource::HostPath { .. } => ro.unwrap_or(true),
        VolumeSource::EmptyDir { .. } | VolumeSource::Ephemeral { .. } => false,
    };
    pod.defined.insert(
        name.clone(),
        Some(v.name.as_ref().map_or(path_sp.span, |n| n.span)),
    );
    pod.volumes.push(Volume {
        name: name.clone(),
        source,
    });
    Some(Mount {
        volume: name,
        path: mount_path,
        sub_path: None,
        read_only,
    })
}

/// An entry with a name and no source: a sidecar's or init container's mount of a volume the
/// pod already has.
fn by_name(
    d: &mut Diagnostics,
    at: &str,
    v: &VolumeSpec,
    pod: &Pod,
    path: String,
    main: bool,
) -> Option<Mount> {
    let found = v
        .name
        .as_ref()
        .filter(|_| !main)
        .map(|n| (n, pod.get(&n.v)));
    let Some((n, Some(vol))) = found else {
        let (span, msg) = match (&v.name, main) {
            (Some(n), false) => (
                n.span,
                format!("`{at}` names volume `{}`, which the pod does not have", n.v),
            ),
            _ => (v.span, format!("`{at}` names no source")),
        };
        d.push(
            Diagnostic::new(&codes::E0169, msg)
                .at(span, "no files from anywhere")
                .help("give it a source: `size` (scratch), `secret`, `config_map`, `claim`, `ephemeral`, `csi` or `host_path`; a sidecar may instead name a volume of the pod"),
        );
        return None;
    };
    let read_only = match &vol.source {
        VolumeSource::Secret { .. } | VolumeSource::ConfigMap { .. } => true,
        VolumeSource::Claim { read_only, .. } | VolumeSource::Csi { read_only, .. } => {
            *read_only || v.read_only.as_ref().is_some_and(|r| r.v)
        }
        _ => v.read_only.as_ref().is_some_and(|r| r.v),
    };
    Some(Mount {
        volume: n.v.clone(),
        path,
        sub_path: None,
        read_only,
    })
}

/// A volume's name: the spec's (a DNS label), or its path's (`/data/work` → `data-work`).
fn volume_name(d: &mut Diagnostics, at: &str, v: &VolumeSpec, path: &str) -> Option<String> {
    if let Some(n) = &v.name {
        return check::label_name(d, &format!("{at}.name"), n);
    }
    let mut name = String::new();
    for c in path.chars().map(|c| c.to_ascii_lowercase()) {
        if c.is_ascii_alphanumeric() {
            name.push(c);
        } else if !name.is_empty() && !name.ends_with('-') {
            name.push('-');
        }
    }
    let name: String = name.trim_end_matches('-').chars().take(63).collect();
    let name = name.trim_end_matches('-').to_string();
    if name.is_empty() || crate::values::names::dns1123_label(&name).is_err() {
        d.push(
            Diagnostic::new(
                &codes::E0101,
                format!("`{at}` needs a `name`: none can be made from its path `{path}`"),
            )
            .at(v.span, "no name")
            .help("add `name = \"data\"` (lowercase letters, digits and `-`)"),
        );
        return None;
    }
    Some(name)
}

fn quantity(d: &mut Diagnostics, at: &str, sp: &Sp<String>) -> Option<String> {
    check::quantity(d, at, sp).map(|_| sp.v.clone())
}

/// A node directory: refused where the node itself depends on it (E0166), else W0026.
fn host_path(
    d: &mut Diagnostics,
    catalog: &Catalog,
    at: &str,
    sp: &Sp<String>,
) -> Option<VolumeSource> {
    let path = super::absolute_dir(d, &format!("{at}.host_path"), sp)?;
    let rules = &catalog.defaults.volumes.host_path;
    let under = |p: &String| path == *p || path.starts_with(&format!("{p}/"));
    let refused = rules
        .refused_exactly
        .iter()
        .find(|p| **p == path)
        .or_else(|| rules.refused.iter().find(|p| under(p)));
    if let Some(r) = refused {
        let what = if *r == path {
            format!("`{path}`")
        } else {
            format!("`{path}`, inside `{r}`,")
        };
        d.push(
            Diagnostic::new(
                &codes::E0166,
                format!("`{at}.host_path` would mount {what} of the node, which the node itself depends on"),
            )
            .at(sp.span, "refused in every case")
            .help("mount only the directory or device a platform documents (`/dev/infiniband`); the runtime's socket, the kubelet's and the system's directories give away the node"),
        );
        return None;
    }
    d.push(relaxations::opened(
        &codes::W0026,
        sp.span,
        "a node directory",
        format!("`{at}.host_path` mounts the node's `{path}` into the pod"),
    ));
    Some(VolumeSource::HostPath { path, kind: None })
}
