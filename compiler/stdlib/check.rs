//! What makes a catalog entry usable, checked the same way for the built-in catalog (by a test)
//! and for a platform team's own (`--stdlib DIR`, with spans in their files): quantities parse,
//! names and labels are ones Kubernetes accepts, tolerations and durations parse, a starter's
//! accelerator exists — and what a spec may not do, a catalog may not either: no literal
//! secret in an environment, no volume over a system path or the service-account token, no two
//! ports or volumes that clash. What only a platform should do (tolerate every taint, select
//! the control plane) is a warning a spec cannot silence (W0201, W0202).

use super::{Accelerator, Catalog, PVC_SCHEME, Provider, Runtime, Source};
use crate::diagnostics::{Code, codes};
use crate::resolve::toleration;
use crate::values::duration::parse_duration;
use crate::values::image::parse_image;
use crate::values::names::{dns1123_label, env_var_name, label_key, label_value, port_name};
use crate::values::quantity::Quantity;
use crate::values::secret::looks_like_secret;

/// A problem with one entry: the dotted key path inside its file (`nvidia-l4.memory`), what is
/// wrong, how to fix it, and its code (E0010, or a warning).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: String,
    pub message: String,
    pub help: &'static str,
    pub code: &'static Code,
}

struct Out<'a> {
    entry: &'a str,
    problems: Vec<Problem>,
}

impl<'a> Out<'a> {
    /// The problems of one entry, starting with its name; `name_help` says where users write it.
    fn new(entry: &'a str, name_help: &'static str) -> Self {
        let mut out = Out {
            entry,
            problems: Vec::new(),
        };
        out.check("", dns1123_label(entry), name_help);
        out
    }

    fn check(&mut self, key: &str, result: Result<(), String>, help: &'static str) {
        if let Err(e) = result {
            self.push(&codes::E0010, key, e, help);
        }
    }

    fn push(&mut self, code: &'static Code, key: &str, message: String, help: &'static str) {
        let path = if key.is_empty() {
            self.entry.to_string()
        } else {
            format!("{}.{key}", self.entry)
        };
        self.problems.push(Problem {
            message: format!("`{path}`: {message}"),
            path,
            help,
            code,
        });
    }

    /// Items of a list (`key`) two of which share a name or their other identity (a port's
    /// number, a volume's path): one would shadow the other in the pod.
    fn unique<'i>(
        &mut self,
        key: &str,
        items: impl Iterator<Item = (&'i str, String)>,
        shared: &str,
        help: &'static str,
    ) {
        let mut names = std::collections::BTreeMap::new();
        let mut others = std::collections::BTreeMap::new();
        for (name, other) in items {
            let first = names.get(name).or_else(|| others.get(&other)).cloned();
            if let Some((n, o)) = first {
                self.check(
                    key,
                    Err(format!("`{n}` ({o}) and `{name}` ({other}) share {shared}")),
                    help,
                );
            }
            names.entry(name).or_insert((name, other.clone()));
            others.entry(other.clone()).or_insert((name, other));
        }
    }

    /// A list of ports (name, number, last number of a range): unique names and numbers, IANA
    /// service names, numbers of 1 to 65535 and ranges that do not run backwards.
    fn ports<'i>(
        &mut self,
        key: &str,
        ports: impl Iterator<Item = (&'i str, u16, Option<u16>)> + Clone,
        unique_help: &'static str,
    ) {
        self.unique(
            key,
            ports
                .clone()
                .map(|(name, port, _)| (name, port.to_string())),
            "a name or a number",
            unique_help,
        );
        for (name, port, end) in ports {
            self.check(
                key,
                port_name(name),
                "port names are IANA service names: at most 15 lowercase letters, digits and '-'",
            );
            let bad = if port == 0 {
                Some("port 0 is not a port".to_string())
            } else {
                end.filter(|e| *e < port)
                    .map(|e| format!("`end_port` {e} is below `port` {port}"))
            };
            if let Some(e) = bad {
                self.check(
                    key,
                    Err(e),
                    "ports are 1 to 65535; a range runs from `port` up to `end_port`",
                );
            }
        }
    }

    /// A literal secret among an environment's values (`key` is the table's key).
    fn env_secrets<'v>(
        &mut self,
        key: &str,
        env: impl IntoIterator<Item = (&'v String, &'v String)>,
    ) {
        for (name, value) in env {
            if let Some(why) = looks_like_secret(name, value) {
                let at = if name.contains('.') {
                    key.to_string()
                } else {
                    format!("{key}.{name}")
                };
                self.check(
                    &at,
                    Err(format!("`{name}` looks like a secret: {why}")),
                    "a catalog is shared and committed like a spec: the spec's `secret_env` passes a Secret's key as the variable",
                );
            }
        }
    }

    /// A mount path a volume may take: absolute, no `..` or empty segment, and clear of the
    /// paths a writable volume must never hide or replace.
    fn mount_path(&mut self, key: &str, path: &str) {
        let clean = path.starts_with('/')
            && (path == "/"
                || !path[1..]
                    .split('/')
                    .any(|s| s.is_empty() || s == "." || s == ".."));
        if !clean {
            self.check(
                key,
                Err(format!("`{path}` is not a clean absolute path")),
                "write the folder's absolute path, such as `/cache`, with no `..` or empty part",
            );
            return;
        }
        if let Some(what) = system_path(path) {
            self.check(
                key,
                Err(format!("a volume at `{path}` would hide {what}")),
                "mount writable volumes on folders of their own, such as `/cache` or `/var/cache/app`",
            );
        }
    }

    /// Tolerations that let pods onto every tainted node, or onto the control plane.
    fn tolerations(&mut self, key: &str, tolerations: &[String]) {
        for t in tolerations {
            let Ok(parsed) = toleration::parse(t) else {
                continue;
            };
            match parsed.key.as_deref() {
                None => self.push(
                    &codes::W0201,
                    key,
                    format!("`{t}` has no key, so it tolerates every taint{}", match &parsed.effect {
                        Some(e) => format!(" with effect {e}"),
                        None => String::new(),
                    }),
                    "name the taint your nodes carry (`nvidia.com/gpu:NoSchedule`); tolerating every taint lets pods onto nodes kept for other work, the control plane included",
                ),
                Some(k) if CONTROL_PLANE.contains(&k) => self.push(
                    &codes::W0202,
                    key,
                    format!("`{t}` tolerates the control plane's taint"),
                    "keep workloads off the control plane: drop this toleration",
                ),
                Some(_) => {}
            }
        }
    }

    /// Node labels that select the control plane.
    fn control_plane_labels<'l>(
        &mut self,
        key: &str,
        labels: impl IntoIterator<Item = &'l String>,
    ) {
        for l in labels {
            if CONTROL_PLANE.contains(&l.as_str()) {
                self.push(
                    &codes::W0202,
                    key,
                    format!("`{l}` selects control-plane nodes"),
                    "select the nodes that carry the accelerator, not the control plane's",
                );
            }
        }
    }
}

/// The label and taint keys of control-plane nodes (the second is the pre-1.24 name).
const CONTROL_PLANE: [&str; 2] = [
    "node-role.kubernetes.io/control-plane",
    "node-role.kubernetes.io/master",
];

/// What a writable volume at `path` would hide or replace: the whole image, a kernel or device
/// file system, the container's configuration, or the Secrets Kubernetes mounts (the
/// service-account token among them).
fn system_path(path: &str) -> Option<&'static str> {
    let at_or_under = |root: &str| path == root || path.starts_with(&format!("{root}/"));
    if path == "/" {
        return Some("the whole image");
    }
    for (root, what) in [
        ("/proc", "the process file system"),
        ("/sys", "the kernel's file system"),
        ("/dev", "the devices"),
        (
            "/var/run/secrets",
            "the Secrets Kubernetes mounts, the service-account token among them",
        ),
        (
            "/run/secrets",
            "the Secrets Kubernetes mounts, the service-account token among them",
        ),
    ] {
        if at_or_under(root) {
            return Some(what);
        }
    }
    for (dir, what) in [
        (
            "/etc",
            "the image's configuration (users, DNS, certificates)",
        ),
        ("/bin", "the image's programs"),
        ("/sbin", "the image's programs"),
        ("/usr", "the image's programs and libraries"),
        ("/lib", "the image's libraries"),
        ("/lib64", "the image's libraries"),
        ("/var", "the image's state"),
        ("/run", "the runtime's sockets and Secrets"),
    ] {
        if path == dir {
            return Some(what);
        }
    }
    None
}

/// Volume names the pod template gives /dev/shm, mounted files and the model.
const RESERVED_VOLUMES: [&str; 4] = [
    crate::app::SHM_VOLUME,
    crate::app::FILES_VOLUME,
    crate::app::MODEL_VOLUME,
    crate::app::CREDENTIALS_VOLUME,
];

const QUANTITY: &str = "write a Kubernetes quantity such as `500m`, `16Gi` or `80Gi`";
const LABEL: &str = "node labels are `prefix/name` keys of at most 63 characters in the name, with values of at most 63 characters";

fn quantity(s: &str) -> Result<(), String> {
    Quantity::parse(s).map(|_| ())
}

fn nonempty<T>(items: &[T], what: &str) -> Result<(), String> {
    if items.is_empty() {
        Err(format!("needs at least one {what}"))
    } else {
        Ok(())
    }
}

/// An extended resource a device plugin advertises: `vendor.domain/name`.
fn extended_resource(s: &str) -> Result<(), String> {
    if !s.contains('/') || s.starts_with("kubernetes.io/") {
        return Err(format!(
            "`{s}` is not an extended resource name (`vendor.example.com/device`)"
        ));
    }
    label_key(s)
}

/// `3g.40gb`: compute slices `g`, then memory `gb`.
fn mig_profile(s: &str) -> Result<(), String> {
    let ok = s
        .split_once("g.")
        .and_then(|(g, mem)| Some((g, mem.strip_suffix("gb")?)))
        .is_some_and(|(g, mem)| {
            !g.is_empty()
                && g.bytes().all(|b| b.is_ascii_digit())
                && !mem.is_empty()
                && mem.bytes().all(|b| b.is_ascii_digit())
        });
    if ok {
        Ok(())
    } else {
        Err(format!("`{s}` is not a MIG profile such as `3g.40gb`"))
    }
}

/// `2x4` or `2x2x2`.
fn topology(s: &str) -> Result<(), String> {
    let dims: Vec<&str> = s.split('x').collect();
    let ok = (2..=3).contains(&dims.len())
        && dims
            .iter()
            .all(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()) && *d != "0");
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{s}` is not a TPU topology such as `2x4` or `2x2x2`"
        ))
    }
}

fn absolute_path(s: &str) -> Result<(), String> {
    if s.starts_with('/') {
        Ok(())
    } else {
        Err(format!("`{s}` is not an absolute path"))
    }
}

/// Problems with one accelerator entry.
pub fn accelerator(name: &str, a: &Accelerator) -> Vec<Problem> {
    let mut out = Out::new(
        name,
        "name entries as users write them in `resources.accelerator`: lowercase letters, digits and '-'",
    );
    out.check(
        "resource",
        extended_resource(&a.resource),
        "the resource the device plugin advertises, e.g. `nvidia.com/gpu`",
    );
    out.check("memory", quantity(&a.memory), QUANTITY);
    if a.max_per_node == 0 {
        out.check(
            "max_per_node",
            Err("must be at least 1".into()),
            "the most devices one node carries",
        );
    }
    if a.node_selector.is_empty() {
        out.check(
            "node_selector",
            Err("is empty, so pods asking for it could land on any node".into()),
            "give the labels the accelerator's nodes carry, e.g. `{ \"nvidia.com/gpu.product\" = \"NVIDIA-L4\" }`",
        );
    }
    for (k, v) in &a.node_selector {
        out.check("node_selector", label_key(k).and(label_value(v)), LABEL);
    }
    for t in &a.tolerations {
        out.check(
            "tolerations",
            toleration::parse(t).map(|_| ()),
            "write `key[=value]:Effect`, e.g. `nvidia.com/gpu:NoSchedule`",
        );
    }
    out.tolerations("tolerations", &a.tolerations);
    out.control_plane_labels("node_selector", a.node_selector.keys());
    for p in &a.mig {
        out.check(
            "mig",
            mig_profile(p),
            "MIG profiles are written as the device plugin names them, e.g. `3g.40gb`",
        );
    }
    for h in &a.hosts {
        out.check(
            "hosts",
            label_value(&h.machine).and(if h.machine.is_empty() {
                Err("a host shape has no `machine`".into())
            } else {
                Ok(())
            }),
            "each host shape is `{ machine = \"ct6e-standard-4t\", chips = 4, topologies = [\"2x2\", \"4x4\"] }`",
        );
        if h.chips == 0 || h.chips > a.max_per_node {
            out.check(
                "hosts",
                Err(format!(
                    "`{}` has {} chips, not 1 to `max_per_node` ({})",
                    h.machine, h.chips, a.max_per_node
                )),
                "`chips` is what one host of this machine type carries",
            );
        }
        for t in &h.topologies {
            out.check(
                "hosts",
                topology(t).and(match super::topology_chips(t) {
                    Some(n) if h.chips > 0 && n % i64::from(h.chips) != 0 => Err(format!(
                        "topology `{t}` is not a whole number of `{}` hosts of {} chips",
                        h.machine, h.chips
                    )),
                    _ => Ok(()),
                }),
                "TPU topologies are chip counts per dimension, e.g. `2x4`, made of whole hosts",
            );
        }
    }
    if !a.hosts.is_empty() && a.topology_label.is_none() {
        out.check(
            "topology_label",
            Err("is missing, but `hosts` are given".into()),
            "name the node label that carries a slice's topology",
        );
    }
    let shared = a
        .all_topologies()
        .into_iter()
        .any(|t| a.shapes(t).len() > 1);
    if shared && a.machine_label.is_none() {
        out.check(
            "machine_label",
            Err("is missing, but two machine types form the same topology".into()),
            "name the node label that carries a node's machine type, e.g. `node.kubernetes.io/instance-type`",
        );
    }
    if let Some(l) = &a.machine_label {
        out.check("machine_label", label_key(l), LABEL);
    }
    if a.cores_per_device == Some(0) {
        out.check(
            "cores_per_device",
            Err("must be at least 1".into()),
            "the tensor-parallel ranks one device holds, e.g. 2 NeuronCores",
        );
    }
    if let Some(l) = &a.topology_label {
        out.check("topology_label", label_key(l), LABEL);
    }
    out.problems
        .extend(super::memory::accelerator_problems(name, a));
    out.problems
}

/// Problems with one runtime entry; `catalog` holds the accelerators a starter may name.
pub fn runtime(name: &str, r: &Runtime, catalog: &Catalog) -> Vec<Problem> {
    let mut out = Out::new(
        name,
        "name entries as users write them in `serve.runtime`: lowercase letters, digits and '-'",
    );
    out.check(
        "ports",
        nonempty(&r.ports, "port"),
        "the first port is the one the Service and Ingress use",
    );
    out.ports(
        "ports",
        r.ports.iter().map(|p| (p.name.as_str(), p.port, None)),
        "each port of a container has a name and a number of its own",
    );
    if let Some(g) = &r.group {
        out.check(
            "group.ports",
            nonempty(&g.ports, "port"),
            "the NetworkPolicy admits a group's pods to each other on these ports only",
        );
        out.ports(
            "group.ports",
            g.ports
                .iter()
                .map(|p| (p.name.as_str(), p.port, p.end_port)),
            "each port the pods of a group talk on has a name and a number of its own",
        );
    }
    for path in [&r.health.readiness, &r.health.liveness, &r.health.startup]
        .into_iter()
        .flatten()
    {
        out.check(
            "health",
            absolute_path(path),
            "health checks are HTTP paths such as `/health`",
        );
    }
    out.check(
        "startup_timeout",
        parse_duration(&r.startup_timeout).map(|_| ()),
        "write a duration such as `90s`, `5m` or `1h`",
    );
    for k in r.env.keys() {
        out.check(
            "env",
            env_var_name(k),
            "environment variable names are letters, digits and '_', not starting with a digit",
        );
    }
    out.env_secrets("env", &r.env);
    out.env_secrets("model_source.env", &r.model_source.env);
    if let Some(path) = &r.model_source.path {
        out.mount_path("model_source.path", path);
    }
    for q in r
        .resources
        .cpu
        .iter()
        .chain(&r.resources.memory)
        .chain(&r.shm)
    {
        out.check("resources", quantity(q), QUANTITY);
    }
    out.unique(
        "volumes",
        r.volumes.iter().map(|v| (v.name.as_str(), v.path.clone())),
        "a name or a path, so one would be lost",
        "give each volume a name and a path of its own",
    );
    for v in &r.volumes {
        out.check(
            "volumes",
            dns1123_label(&v.name)
                .and(absolute_path(&v.path))
                .and(quantity(&v.size))
                .and(v.with_model.as_deref().map_or(Ok(()), quantity)),
            "each volume is `{ name = \"cache\", path = \"/cache\", size = \"10Gi\" }`",
        );
        out.mount_path("volumes", &v.path);
        if RESERVED_VOLUMES.contains(&v.name.as_str()) {
            out.check(
                "volumes",
                Err(format!("`{}` is a volume mlspec adds itself", v.name)),
                "name the volume something else (mlspec uses `dshm`, `files`, `model` and `model-credentials`)",
            );
        }
    }
    let Some(starter) = &r.starter else {
        return out.problems;
    };
    out.check(
        "starter",
        parse_image(&starter.image).map(|_| ()),
        "a starter's image is a public image reference with a tag",
    );
    if let Some(a) = &starter.accelerator
        && catalog.accelerator(a).is_none()
    {
        out.check(
            "starter",
            Err(format!(
                "names the accelerator `{a}`, which the catalog does not have"
            )),
            "name an accelerator from `mlspec stdlib list`",
        );
    }
    out.problems
        .extend(super::memory::runtime_problems(name, r));
    out.problems
}

/// Problems with one provider entry; `catalog` holds the accelerators it may name.
pub fn provider(name: &str, p: &Provider, catalog: &Catalog) -> Vec<Problem> {
    let mut out = Out::new(
        name,
        "name providers as users write them in `[app] provider`: lowercase letters, digits and '-'",
    );
    if let Some(l) = &p.pool_label {
        out.check("pool_label", label_key(l), LABEL);
    }
    for t in &p.tolerations {
        out.check(
            "tolerations",
            toleration::parse(t).map(|_| ()),
            "write `key[=value]:Effect`, e.g. `sku=gpu:NoSchedule`",
        );
    }
    if !p.tolerations.is_empty() && p.accelerators.is_empty() {
        out.check(
            "tolerations",
            Err("apply to the accelerators in `accelerators`, and there are none".into()),
            "list the accelerators whose nodes carry these taints under `[NAME.accelerators]`",
        );
    }
    for (acc, labels) in &p.accelerators {
        let key = format!("accelerators.{acc}");
        if catalog.accelerator(acc).is_none() {
            out.check(
                &key,
                Err(format!(
                    "names the accelerator `{acc}`, which the catalog does not have"
                )),
                "name an accelerator from `mlspec stdlib list`",
            );
        }
        if labels.is_empty() {
            out.check(
                &key,
                Err("has no labels".into()),
                "give the labels this provider puts on such nodes",
            );
        }
        for (k, v) in labels {
            out.check(&key, label_key(k).and(label_value(v)), LABEL);
        }
        out.control_plane_labels(&key, labels.keys());
    }
    if let Some(m) = &p.monitor
        && !crate::resolve::metrics::MONITORS.contains(&m.as_str())
    {
        out.check(
            "monitor",
            Err(format!("`{m}` is not a collector mlspec writes for")),
            "use one of `annotations`, `pod-monitor`, `service-monitor`, `pod-monitoring`",
        );
    }
    for k in p.internal_load_balancer.keys() {
        out.check(
            "internal_load_balancer",
            label_key(k),
            "annotation keys are label keys: an optional DNS prefix and `/`, then a name",
        );
    }
    out.problems
}

/// Problems with one model source entry (`stdlib/sources.toml`): its name is the URI scheme.
pub fn source(name: &str, s: &Source, _: &Catalog) -> Vec<Problem> {
    let mut out = Out::new(
        name,
        "name sources by the URI scheme users write in `model.uri`: lowercase letters, digits and '-'",
    );
    if name == PVC_SCHEME {
        out.check(
            "",
            Err("`pvc` is built in: an existing claim is mounted, not downloaded".into()),
            "name your source by its own scheme",
        );
    }
    out.check(
        "image",
        parse_image(&s.image).map(|_| ()),
        "the downloader's image reference, best with a digest (`name:tag@sha256:…`)",
    );
    out.check(
        "command",
        nonempty(&s.command, "command"),
        "the downloader's entrypoint: with a cache it runs inside a shell script, so it is named",
    );
    let mentions = |items: &[String], p: &str| items.iter().any(|a| a.contains(p));
    if !mentions(&s.args, "{dir}") || !mentions(&s.args, "{location}") {
        out.check(
            "args",
            Err("must pass `{location}` and `{dir}` to the downloader".into()),
            "write the downloader's arguments with `{location}` (what to fetch) and `{dir}` (where)",
        );
    }
    if !s.location.contains("{path}") {
        out.check(
            "location",
            Err("must contain `{path}`".into()),
            "write the URI as the downloader wants it, e.g. `gs://{path}`",
        );
    }
    if s.revision.is_some() != s.location.contains("{revision}") {
        out.check(
            "location",
            Err("uses `{revision}` exactly when the entry has a `revision`".into()),
            "a source with revisions has `revision = \"main\"` and `{revision}` in `location`; one without has neither",
        );
    }
    let env = "environment variable names are letters, digits and '_', not starting with a digit";
    for k in s.env.keys().chain(s.secret_env.keys()) {
        out.check("env", env_var_name(k), env);
    }
    out.env_secrets("env", &s.env);
    if let Some(f) = &s.secret_file {
        if let Some(var) = &f.env {
            out.check("secret_file", env_var_name(var), env);
        }
        out.check(
            "secret_file",
            absolute_path(&f.path),
            "`path` is the file's absolute path in the downloader",
        );
    }
    out.problems
}

/// Every problem in a whole catalog, entries in name order.
pub fn catalog(c: &Catalog) -> Vec<Problem> {
    let mut out = Vec::new();
    for (name, a) in &c.accelerators {
        out.extend(accelerator(name, a));
    }
    for (name, r) in &c.runtimes {
        out.extend(runtime(name, r, c));
    }
    for (name, p) in &c.providers {
        out.extend(provider(name, p, c));
    }
    for (name, s) in &c.sources {
        out.extend(source(name, s, c));
    }
    for (name, m) in &c.models {
        out.extend(super::models::check(name, m));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_catalog_passes_the_checks_user_catalogs_get() {
        let c = Catalog::builtin().expect("stdlib");
        assert_eq!(catalog(&c), Vec::new());
    }

    #[test]
    fn each_check_names_the_key() {
        let c = Catalog::builtin().expect("stdlib");
        let mut a = c.accelerator("nvidia-l4").expect("l4").clone();
        a.memory = "24 GB".into();
        a.mig = vec!["3g-40gb".into()];
        a.tolerations = vec!["nvidia.com/gpu:Sometimes".into()];
        let paths: Vec<String> = accelerator("my-gpu", &a)
            .into_iter()
            .map(|p| p.path)
            .collect();
        assert_eq!(paths, ["my-gpu.memory", "my-gpu.tolerations", "my-gpu.mig"]);
        let mut r = c.runtime("vllm").expect("vllm").clone();
        r.startup_timeout = "soon".into();
        if let Some(s) = r.starter.as_mut() {
            s.accelerator = Some("nvidia-z9".into());
        }
        let paths: Vec<String> = runtime("mine", &r, &c)
            .into_iter()
            .map(|p| p.path)
            .collect();
        assert_eq!(paths, ["mine.startup_timeout", "mine.starter"]);
    }

    #[test]
    fn a_runtime_needs_no_starter() {
        let c = Catalog::builtin().expect("stdlib");
        let mut r = c.runtime("vllm").expect("vllm").clone();
        r.starter = None;
        assert_eq!(runtime("mine", &r, &c), Vec::new());
    }

    #[test]
    fn a_group_preset_needs_valid_ports() {
        let c = Catalog::builtin().expect("catalog");
        let mut r = c.runtime("sglang").expect("sglang").clone();
        assert!(runtime("mine", &r, &c).is_empty());
        let g = r.group.as_mut().expect("a group preset");
        g.ports[1].end_port = Some(1);
        g.ports.push(g.ports[0].clone());
        let problems = runtime("mine", &r, &c);
        let text = format!("{problems:?}");
        assert!(
            text.contains("below `port`") && text.contains("group.ports"),
            "{text}"
        );
        assert!(problems.len() >= 2, "{problems:?}");
    }

    #[test]
    fn a_runtime_volume_cannot_take_a_name_mlspec_uses() {
        let c = Catalog::builtin().expect("stdlib");
        let mut r = c.runtime("vllm").expect("vllm").clone();
        r.volumes[0].name = "model".into();
        let problems = runtime("mine", &r, &c);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].message.contains("mlspec adds itself"));
    }

    #[test]
    fn mig_profiles_and_topologies() {
        assert!(mig_profile("1g.5gb").is_ok() && mig_profile("7g.141gb").is_ok());
        assert!(mig_profile("3g40gb").is_err() && mig_profile("g.40gb").is_err());
        assert!(topology("2x4").is_ok() && topology("4x4x8").is_ok());
        assert!(topology("2x0").is_err() && topology("8").is_err());
    }
}
