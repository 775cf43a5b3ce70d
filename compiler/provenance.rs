//! Provenance for `build --annotate`: a YAML comment on each generated field saying where its
//! value came from — a line of the spec (`# app.toml:12`), a catalog entry
//! (`# stdlib runtime vllm`, `# stdlib accelerator nvidia-l4`) or a documented default
//! (`# stdlib defaults probes`). Fields the compiler derives by fixed rules (a selector, a
//! port's protocol) get none.
//!
//! The rendered document is read back with the YAML parser serde-saphyr uses, so each value is
//! found by its JSON pointer and line, whatever the layout; a value whose origin is the same as
//! its parent's is not annotated again.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use granit_parser::{Event, Parser, ScalarStyle};
use serde_json::Value;

use crate::app::{CREDENTIALS_VOLUME as CREDENTIALS, MODEL_VOLUME as VOLUME, SHM_VOLUME};
use crate::diagnostics::Diagnostics;
use crate::document::Origin;
use crate::pointer;
use crate::source::SourceFile;
use crate::spec::tree::{self, Node, Value as TomlValue};
use crate::stdlib::Catalog;
use crate::verify::origin;

/// Where a value may come from, tried in order; the first that applies wins.
#[derive(Debug, Clone, Copy)]
enum Source {
    /// A key of the spec, relative to the object's section, or from the top with a leading `/`.
    /// `""` is the section's own key (`[jobs.warmup]`).
    Spec(&'static str),
    /// The same, but only when the last segment of the pointer is a key of that table
    /// (a node selector the user wrote, among ones an accelerator adds).
    SpecEntry(&'static str),
    /// The object's section key when it names the workload: `[servers.NAME]`, `[jobs.NAME]`,
    /// `[schedules.NAME]` (their objects are called `APP-NAME`).
    Named,
    /// The section's `runtime` preset.
    Runtime,
    /// The section's `resources.accelerator`.
    Accelerator,
    /// A table of `stdlib/defaults.toml`.
    Defaults(&'static str),
    /// The entry of `stdlib/sources.toml` the section's `model.uri` names.
    Downloader,
    /// `[waivers]`, for a `checkov.io/skipN` annotation: its value `ID=reason` names a waiver.
    Waiver,
    /// The port of a sidecar (`sidecars.N.ports.M`) named like the Service port the pointer is in.
    SidecarPort,
}

use Source::{
    Accelerator, Defaults, Downloader, Named, Runtime, SidecarPort, Spec, SpecEntry, Waiver,
};

/// Where the values under a pointer come from. Patterns match whole segments (the syntax —
/// `^` and `$` anchors, `*`, `{a,b}`, `kind:KIND ` — is [`crate::pointer`]'s); the first rule
/// whose pattern matches decides, so a rule comes before any more general one that also matches
/// its pointers (`/startupProbe/failureThreshold` before `/{…Probe}`), and a pointer that no
/// rule matches gets no comment.
const RULES: &[(&str, &[Source])] = &[
    (
        "kind:PersistentVolumeClaim ^/spec",
        &[Spec("model.cache"), Defaults("model")],
    ),
    ("/app.kubernetes.io~1managed-by", &[Defaults("managed_by")]),
    ("/app.kubernetes.io~1version", &[Spec("/app.version")]),
    ("/app.kubernetes.io~1component", &[Spec("")]),
    (
        "/{app.kubernetes.io~1name,app.kubernetes.io~1instance,app.kubernetes.io~1part-of}",
        &[Spec("/app.name")],
    ),
    (
        "kind:PodMonitor ^/metadata/labels",
        &[SpecEntry("metrics.labels"), SpecEntry("/app.labels")],
    ),
    (
        "kind:ServiceMonitor ^/metadata/labels",
        &[SpecEntry("metrics.labels"), SpecEntry("/app.labels")],
    ),
    (
        "kind:PodMonitoring ^/metadata/labels",
        &[SpecEntry("metrics.labels"), SpecEntry("/app.labels")],
    ),
    ("/kueue.x-k8s.io~1queue-name", &[Spec("queue")]),
    ("/metadata/labels", &[SpecEntry("/app.labels")]),
    (
        "/template/metadata/annotations",
        &[SpecEntry("pod_annotations")],
    ),
    (
        "/{cert-manager.io~1issuer,cert-manager.io~1cluster-issuer}",
        &[Spec("ingress.tls")],
    ),
    (
        "kind:Service ^/metadata/annotations",
        &[
            SpecEntry("service.annotations"),
            SpecEntry("/app.annotations"),
            Spec("service.internal"),
            Defaults("ingress"),
        ],
    ),
    (
        "kind:Ingress ^/metadata/annotations",
        &[
            SpecEntry("ingress.annotations"),
            SpecEntry("/app.annotations"),
            Defaults("ingress"),
        ],
    ),
    (
        "/metadata/annotations",
        &[
            SpecEntry("ingress.annotations"),
            SpecEntry("service_account.annotations"),
            SpecEntry("/app.annotations"),
            Waiver,
        ],
    ),
    (
        "kind:Namespace ^/metadata/name",
        &[Spec("/app.namespace"), Spec("/app.name")],
    ),
    (
        "^/metadata/namespace",
        &[Spec("/app.namespace"), Spec("/app.name")],
    ),
    (
        "kind:Service ^/metadata/name",
        &[Spec("service.name"), Named, Spec("/app.name")],
    ),
    ("^/metadata/name", &[Named, Spec("/app.name")]),
    ("kind:Role ^/rules", &[Spec("service_account.rules")]),
    (
        "kind:RoleBinding ^/{roleRef,subjects}",
        &[Spec("service_account.rules")],
    ),
    (
        "/serviceAccountName",
        &[Spec("service_account.name"), Named, Spec("/app.name")],
    ),
    (
        "/automountServiceAccountToken",
        &[Spec("service_account.token")],
    ),
    ("/imagePullSecrets", &[Spec("pull_secrets")]),
    (
        "/imagePullPolicy",
        &[Spec("pull_policy"), Defaults("images")],
    ),
    ("/workingDir", &[Spec("work_dir")]),
    ("/envFrom", &[Spec("env_from")]),
    ("/{hostNetwork,dnsPolicy}", &[Spec("security.host_network")]),
    ("/hostIPC", &[Spec("security.host_ipc")]),
    ("/image", &[Spec("image")]),
    ("/command", &[Spec("command")]),
    ("/args", &[Spec("args"), Runtime]),
    (
        "/resources/requests/cpu",
        &[
            Spec("resources.requests.cpu"),
            Spec("resources.cpu"),
            Runtime,
            Defaults("resources"),
        ],
    ),
    (
        "/resources/requests/memory",
        &[
            Spec("resources.requests.memory"),
            Spec("resources.memory"),
            Runtime,
            Defaults("resources"),
        ],
    ),
    (
        "/resources/requests/ephemeral-storage",
        &[
            Spec("resources.requests.ephemeral_storage"),
            Spec("resources.ephemeral_storage"),
            Defaults("resources"),
        ],
    ),
    (
        "/resources/{limits,requests}/cpu",
        &[Spec("resources.cpu"), Runtime, Defaults("resources")],
    ),
    (
        "/resources/{limits,requests}/memory",
        &[Spec("resources.memory"), Runtime, Defaults("resources")],
    ),
    (
        "/resources/{limits,requests}/ephemeral-storage",
        &[Spec("resources.ephemeral_storage"), Defaults("resources")],
    ),
    // Any other resource is the accelerator's device (a GPU, a MIG slice, TPU chips); `gpus`
    // is its count.
    (
        "/resources/{limits,requests}/*",
        &[Spec("resources.gpus"), Spec("resources.accelerator")],
    ),
    (
        "/nodeSelector",
        &[
            SpecEntry("placement.node_selector"),
            SpecEntry("/placement.node_selector"),
            Accelerator,
        ],
    ),
    (
        "/tolerations",
        &[
            Accelerator,
            Spec("placement.tolerations"),
            Spec("/placement.tolerations"),
        ],
    ),
    (
        "/startupProbe/failureThreshold",
        &[Spec("health.startup_timeout"), Runtime],
    ),
    (
        "/{livenessProbe,readinessProbe,startupProbe}/{periodSeconds,timeoutSeconds,failureThreshold}",
        &[Defaults("probes")],
    ),
    (
        "/{livenessProbe,readinessProbe,startupProbe}",
        &[Spec("health"), Runtime],
    ),
    ("/lifecycle", &[Defaults("serve")]),
    ("/terminationGracePeriodSeconds", &[Defaults("serve")]),
    ("kind:Service ^/spec/type", &[Spec("service.type")]),
    (
        "kind:Service ^/spec/ports/0/port",
        &[Spec("service.ports"), Defaults("service")],
    ),
    (
        "kind:Service ^/spec/ports/*/port",
        &[
            SidecarPort,
            Spec("service.ports"),
            Spec("ports"),
            Spec("port"),
            Runtime,
        ],
    ),
    (
        "kind:Service ^/spec/loadBalancerSourceRanges",
        &[Spec("service.source_ranges")],
    ),
    (
        "kind:Service ^/spec/externalTrafficPolicy",
        &[Spec("service.external_traffic_policy"), Defaults("service")],
    ),
    (
        "^/spec/{endpoints,podMetricsEndpoints}/*/interval",
        &[Defaults("metrics")],
    ),
    (
        "^/spec/{endpoints,podMetricsEndpoints}",
        &[Spec("metrics"), Runtime],
    ),
    ("/ports", &[Spec("ports"), Spec("port"), Runtime]),
    (
        "/topologySpreadConstraints",
        &[
            Spec("placement.spread"),
            Spec("/placement.spread"),
            Spec("/placement"),
        ],
    ),
    (
        "/affinity",
        &[
            Spec("placement.spread"),
            Spec("/placement.spread"),
            Spec("/placement"),
        ],
    ),
    (
        "/priorityClassName",
        &[
            Spec("placement.priority_class"),
            Spec("/placement.priority_class"),
        ],
    ),
    (
        "/runtimeClassName",
        &[
            Spec("placement.runtime_class"),
            Spec("/placement.runtime_class"),
            Accelerator,
        ],
    ),
    (
        "/securityContext/readOnlyRootFilesystem",
        &[Spec("security.writable_root"), Defaults("security")],
    ),
    (
        "/securityContext/capabilities/add",
        &[Spec("security.capabilities")],
    ),
    (
        "/securityContext/{runAsUser,runAsNonRoot}",
        &[Spec("security.run_as_user"), Defaults("security")],
    ),
    (
        "/securityContext/runAsGroup",
        &[Spec("security.run_as_group"), Defaults("security")],
    ),
    (
        "/securityContext/fsGroup",
        &[Spec("security.fs_group"), Defaults("security")],
    ),
    ("/securityContext", &[Defaults("security")]),
    ("^/spec/progressDeadlineSeconds", &[Defaults("serve")]),
    ("^/spec/revisionHistoryLimit", &[Defaults("serve")]),
    ("^/spec/strategy", &[Spec("rollout"), Defaults("serve")]),
    // A stateful server: its headless Service, start order and claims.
    (
        "kind:StatefulSet ^/spec/{serviceName,podManagementPolicy}",
        &[Spec("state.start"), Spec("state"), Defaults("state")],
    ),
    ("kind:StatefulSet ^/spec/updateStrategy", &[Spec("state")]),
    (
        "kind:StatefulSet ^/spec/volumeClaimTemplates",
        &[Spec("state.claims"), Defaults("model")],
    ),
    (
        "kind:Service ^/spec/clusterIP",
        &[Spec("state"), Spec("hosts"), Spec("slices")],
    ),
    (
        "^/spec/replicas",
        &[
            Spec("scaling.replicas"),
            Spec("scaling.min"),
            Defaults("serve"),
        ],
    ),
    ("^/spec/minReplicas", &[Spec("scaling.min")]),
    ("^/spec/maxReplicas", &[Spec("scaling.max")]),
    ("^/spec/{behavior,advanced}", &[Spec("scaling.scale_down")]),
    (
        "^/spec/metrics",
        &[Spec("scaling.target"), Defaults("serve")],
    ),
    ("^/spec/schedule", &[Spec("cron")]),
    ("^/spec/timeZone", &[Spec("timezone")]),
    // A queued Job (or a schedule's runs) is suspended for Kueue; a CronJob by `suspend`.
    ("kind:Job ^/spec/suspend", &[Spec("queue")]),
    ("kind:JobSet ^/spec/suspend", &[Spec("queue")]),
    // A job of slices: the JobSet restarts as a whole, up to the job's retries, and each slice's
    // Job never retries alone.
    (
        "kind:JobSet ^/spec/failurePolicy",
        &[Spec("retries"), Defaults("jobs")],
    ),
    ("kind:JobSet ^/spec/network", &[Spec("slices")]),
    (
        "kind:JobSet ^/spec/replicatedJobs/*/name",
        &[Defaults("jobset")],
    ),
    (
        "kind:JobSet ^/spec/replicatedJobs/*/replicas",
        &[Spec("slices")],
    ),
    (
        "kind:JobSet ^/spec/replicatedJobs/*/template/spec/backoffLimit",
        &[Spec("slices")],
    ),
    ("/jobTemplate/spec/suspend", &[Spec("queue")]),
    ("^/spec/suspend", &[Spec("suspend")]),
    (
        "^/spec/startingDeadlineSeconds",
        &[Spec("starting_deadline"), Defaults("schedules")],
    ),
    (
        "^/spec/concurrencyPolicy",
        &[Spec("concurrency"), Defaults("schedules")],
    ),
    (
        "^/spec/{successfulJobsHistoryLimit,failedJobsHistoryLimit}",
        &[Spec("history"), Defaults("schedules")],
    ),
    ("/activeDeadlineSeconds", &[Spec("deadline")]),
    ("/ttlSecondsAfterFinished", &[Spec("ttl"), Defaults("jobs")]),
    ("/backoffLimit", &[Spec("retries"), Defaults("jobs")]),
    // A multi-host TPU slice sets these from its topology.
    (
        "/parallelism",
        &[Spec("parallelism"), Spec("resources.accelerator")],
    ),
    (
        "/completions",
        &[Spec("completions"), Spec("resources.accelerator")],
    ),
    ("/completionMode", &[Spec("resources.accelerator")]),
    ("/subdomain", &[Spec("resources.accelerator")]),
    ("^/spec/clusterIP", &[Spec("resources.accelerator")]),
    // A sidecar restarts always because it is one.
    ("/initContainers/*/restartPolicy", &[Spec("")]),
    ("/restartPolicy", &[Spec("restart"), Defaults("jobs")]),
    ("^/spec/minReplicaCount", &[Spec("scaling.min")]),
    ("^/spec/maxReplicaCount", &[Spec("scaling.max")]),
    (
        "^/spec/pollingInterval",
        &[Spec("scaling.keda.polling"), Defaults("keda")],
    ),
    (
        "^/spec/cooldownPeriod",
        &[Spec("scaling.keda.cooldown"), Defaults("keda")],
    ),
    ("^/spec/triggers", &[Spec("scaling.keda")]),
    ("^/spec/parentRefs", &[Spec("route.gateway"), Spec("route")]),
    (
        "^/spec/hostnames",
        &[Spec("route.hostnames"), Spec("route")],
    ),
    (
        "kind:HTTPRoute ^/spec/rules",
        &[Spec("route.path"), Spec("route")],
    ),
    ("^/spec/ingressClassName", &[Spec("ingress.class")]),
    ("kind:Ingress ^/spec/rules/*/host", &[Spec("ingress.host")]),
    (
        "kind:Ingress ^/spec/rules/*/http/paths/*/path",
        &[
            Spec("ingress.paths"),
            Spec("ingress.path"),
            Defaults("ingress"),
        ],
    ),
    ("kind:Ingress ^/spec/tls/*/hosts", &[Spec("ingress.host")]),
    ("kind:Ingress ^/spec/tls", &[Spec("ingress.tls")]),
    ("kind:ConfigMap ^/data", &[Spec("files")]),
    (
        "kind:Ingress ^/spec/rules/*/http/paths",
        &[Spec("ingress.paths")],
    ),
];

/// [`RULES`], parsed once for every value of every object.
static RULE_TABLE: LazyLock<pointer::Table<&[Source]>> =
    LazyLock::new(|| pointer::Table::new(RULES));

/// What the rules need about one spec and one object.
struct Context<'a> {
    source: &'a SourceFile,
    catalog: &'a Catalog,
    root: &'a Node,
    /// (pointer, spec key) the generators recorded for this object.
    recorded: &'a [(String, String)],
    doc: &'a Value,
    /// The values patches set: recorded, so they come before every rule.
    patched: &'a BTreeMap<String, Origin>,
    kind: String,
    /// `serve`, `jobs.NAME`, `schedules.NAME` or `app`; for a sidecar's or init container's
    /// values, its table (`serve.sidecars.0`).
    section: String,
    /// The values are a sidecar's or an extra init container's.
    extra: bool,
}

/// Annotates the objects of one spec: its tree is parsed once, for all of them.
pub struct Annotator<'a> {
    source: &'a SourceFile,
    catalog: &'a Catalog,
    root: Node,
    /// Object id → (pointer, spec key) the generators recorded (`generate::origins`).
    recorded: BTreeMap<String, Vec<(String, String)>>,
}

impl<'a> Annotator<'a> {
    pub fn new(source: &'a SourceFile, catalog: &'a Catalog) -> Self {
        let mut scratch = Diagnostics::default();
        let root = tree::parse(&source.text, &mut scratch);
        Annotator {
            source,
            catalog,
            root,
            recorded: BTreeMap::new(),
        }
    }

    /// Origins the generators recorded, as `Compiled::origins` holds them: (object id, pointer,
    /// spec key). They win over `RULES` for the values under their pointer.
    pub fn with_origins(mut self, origins: &[(String, String, String)]) -> Self {
        for (id, pointer, path) in origins {
            self.recorded
                .entry(id.clone())
                .or_default()
                .push((pointer.clone(), path.clone()));
        }
        self
    }

    /// An object rendered as [`crate::emit::render`] does, with the comments of
    /// [`Annotator::annotate`].
    pub fn render(
        &self,
        object: &crate::document::Document,
    ) -> Result<crate::emit::Rendered, String> {
        let mut rendered = crate::emit::render(object)?;
        rendered.text = self.annotate(object, &rendered.text);
        Ok(rendered)
    }

    /// `yaml` (one rendered object) with a comment on each line whose value has a known origin
    /// in the spec (a key, or the patch that set it) or the catalog.
    pub fn annotate(&self, object: &crate::document::Document, yaml: &str) -> String {
        let doc = &object.value;
        let Some(section) = origin::section(doc) else {
            return yaml.to_string();
        };
        let id = crate::generate::Object::from_json(doc.clone())
            .map(|o| o.id())
            .unwrap_or_default();
        let cx = Context {
            source: self.source,
            catalog: self.catalog,
            root: &self.root,
            recorded: self
                .recorded
                .get(&id)
                .map(Vec::as_slice)
                .unwrap_or_default(),
            doc,
            patched: &object.origins,
            kind: doc
                .get("kind")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            section,
            extra: false,
        };
        cx.annotate(yaml)
    }
}

impl Context<'_> {
    fn annotate(&self, yaml: &str) -> String {
        let mut notes: Vec<Option<String>> = vec![None; yaml.lines().count() + 1];
        // Each value's origin, computed once; a parent comes before its children.
        let mut origins: BTreeMap<String, Option<String>> = BTreeMap::new();
        for (pointer, line, parent) in values(yaml) {
            let note = self.origin(&pointer);
            let inherited = parent.and_then(|p| origins.get(&p).cloned().flatten());
            if note.is_some()
                && note != inherited
                && let Some(slot) = notes.get_mut(line).filter(|s| s.is_none())
            {
                *slot = note.clone();
            }
            origins.insert(pointer, note);
        }
        let mut out = String::with_capacity(yaml.len() * 2);
        for (i, text) in yaml.lines().enumerate() {
            out.push_str(text);
            if let Some(Some(note)) = notes.get(i + 1) {
                out.push_str("  # ");
                out.push_str(note);
            }
            out.push('\n');
        }
        out
    }

    /// The comment for the value at `pointer`, if its origin is known.
    fn origin(&self, pointer: &str) -> Option<String> {
        if let Some(o) = self.patch(pointer) {
            let (line, _) = self.source.line_col(o.span.start);
            return Some(format!("{}:{line}", self.source.name));
        }
        let recorded = self.recorded.iter().find(|(at, _)| {
            pointer == at
                || pointer
                    .strip_prefix(at.as_str())
                    .is_some_and(|r| r.starts_with('/'))
        });
        if let Some((_, path)) = recorded {
            // The key itself, else the nearest table above it the file has (a runtime's metrics
            // flow names `serve.metrics`, which the file may leave out).
            let mut key = path.as_str();
            loop {
                if let Some(line) = self.spec_line(key) {
                    return Some(line);
                }
                key = key.rsplit_once('.')?.0;
            }
        }
        if let Some(cx) = self.extra_container(pointer) {
            return cx.origin(pointer);
        }
        if let Some(note) = self.model(pointer).filter(|_| !self.extra) {
            return note;
        }
        if let Some(note) = self.by_name(pointer) {
            return note;
        }
        let sources = RULE_TABLE.find(&self.kind, pointer)?;
        sources.iter().find_map(|s| self.try_source(*s, pointer))
    }

    fn try_source(&self, from: Source, pointer: &str) -> Option<String> {
        match from {
            Spec(key) => self.spec_line(&self.path(key)),
            SpecEntry(key) => {
                // The entry by its key, which may hold dots (`iam.gke.io/gcp-service-account`).
                let last = pointer::unescape(pointer::segments(pointer).last()?);
                let TomlValue::Table(t) = &self.node(&self.path(key))?.value else {
                    return None;
                };
                let entry = t.get(&last)?;
                let span = match entry.node.value {
                    TomlValue::Table(_) => entry.key_span,
                    _ => entry.node.span,
                };
                let (line, _) = self.source.line_col(span.start);
                Some(format!("{}:{line}", self.source.name))
            }
            Named => ["servers.", "jobs.", "schedules."]
                .iter()
                .any(|t| self.section.starts_with(t))
                .then(|| self.spec_line(&self.section))
                .flatten(),
            Runtime => {
                let name = self.string(&format!("{}.runtime", self.section))?;
                self.catalog.runtime(&name)?;
                Some(format!("stdlib runtime {name}"))
            }
            Accelerator => {
                let key = format!("{}.resources.accelerator", self.section);
                let name = self
                    .string(&key)
                    .or_else(|| self.string(&format!("{key}.type")))?;
                self.catalog.accelerator(&name)?;
                Some(format!("stdlib accelerator {name}"))
            }
            // A sidecar's or init container's resources default to the catalog's `containers`.
            Defaults("resources") if self.extra => Some("stdlib defaults containers".to_string()),
            Defaults(table) => Some(format!("stdlib defaults {table}")),
            Waiver => {
                // The workload's own waiver, else the app's.
                let value = self.doc.pointer(pointer)?.as_str()?;
                let (id, _) = value.split_once('=')?;
                let own = format!("{}.waivers", self.section);
                [own.as_str(), "waivers"]
                    .into_iter()
                    .find(|t| self.table_has(t, id))
                    .and_then(|t| {
                        self.spec_line(&format!("{t}.{id}"))
                            .or_else(|| self.spec_line(t))
                    })
            }
            SidecarPort => {
                let item = pointer::item(pointer, "ports")?;
                let name = self.name_of(item)?;
                let at = format!("{}.sidecars", self.section);
                let TomlValue::Array(sidecars) = &self.node(&at)?.value else {
                    return None;
                };
                (0..sidecars.len()).find_map(|i| {
                    let ports = format!("{at}.{i}.ports");
                    let j = self.item_with(&ports, "name", name)?;
                    self.spec_line(&format!("{ports}.{j}"))
                })
            }
            Downloader => {
                let uri = self.string(&format!("{}.model.uri", self.section))?;
                let (scheme, _) = uri.split_once("://")?;
                self.catalog.source(scheme)?;
                Some(format!("stdlib source {scheme}"))
            }
        }
    }

    /// The patch that set the value at `pointer` or a collection it is in.
    fn patch(&self, pointer: &str) -> Option<Origin> {
        let mut at = pointer;
        loop {
            if let Some(o) = self.patched.get(at) {
                return Some(*o);
            }
            at = &at[..at.rfind('/')?];
        }
    }

    /// The model's downloader init container, and the model's volume and mounts.
    fn model(&self, pointer: &str) -> Option<Option<String>> {
        let under = |pattern: &str| pointer::matches(pattern, &self.kind, pointer);
        let volume_name = ["volumeMounts", "volumes"]
            .iter()
            .find_map(|list| self.item_name(pointer, list));
        // The runtime decides the directory only when it names one. Looked up only for the
        // model's own mounts: this runs for every value of every object.
        let path = || -> &'static [Source] {
            let runtime_path = self
                .string(&format!("{}.runtime", self.section))
                .and_then(|r| self.catalog.runtime(&r)?.model_source.path.as_ref())
                .is_some();
            if runtime_path {
                &[Spec("model.path"), Runtime]
            } else {
                &[Spec("model.path"), Defaults("model")]
            }
        };
        let from: &[Source] = if !under("/initContainers/*") {
            match volume_name {
                Some(VOLUME) if under("/volumeMounts/*") => path(),
                Some(VOLUME) => &[Spec("model.cache"), Spec("model.uri")],
                Some(CREDENTIALS) => &[Spec("model.secret")],
                _ => return None,
            }
        } else if under("/resources") {
            &[Defaults("model")]
        } else if under("/securityContext") {
            &[Defaults("security")]
        } else if under("/imagePullPolicy$") {
            &[Defaults("images")]
        } else if under("/image$") {
            &[Spec("model.image"), Downloader]
        } else if matches!(volume_name, Some(VOLUME)) {
            path()
        } else if matches!(volume_name, Some(CREDENTIALS)) || self.secret_variable(pointer) {
            &[Spec("model.secret")]
        } else {
            &[Downloader]
        };
        Some(from.iter().find_map(|s| self.try_source(*s, pointer)))
    }

    /// The context of a sidecar's or extra init container's values: its own table of the spec
    /// (`serve.sidecars.0`, `jobs.train.init.1`), found by the container's name.
    fn extra_container(&self, pointer: &str) -> Option<Context<'_>> {
        if self.extra {
            return None;
        }
        let name = self.item_name(pointer, "initContainers")?;
        if name == format!("{VOLUME}-download") {
            return None;
        }
        let section = ["sidecars", "init"].iter().find_map(|list| {
            let at = format!("{}.{list}", self.section);
            self.item_with(&at, "name", name)
                .map(|i| format!("{at}.{i}"))
        })?;
        Some(Context {
            section,
            extra: true,
            kind: self.kind.clone(),
            ..*self
        })
    }

    /// The `name` of the item of `list` (`env`, `volumes`) that `pointer` is in.
    fn item_name(&self, pointer: &str, list: &str) -> Option<&str> {
        self.name_of(pointer::item(pointer, list)?)
    }

    /// The `name` of the list item at `item`.
    fn name_of(&self, item: &str) -> Option<&str> {
        self.doc
            .pointer(&format!("{item}/name"))
            .and_then(Value::as_str)
    }

    /// Whether `pointer` is inside an env entry read from a Secret.
    fn secret_variable(&self, pointer: &str) -> bool {
        pointer::item(pointer, "env")
            .is_some_and(|item| self.doc.pointer(&format!("{item}/valueFrom")).is_some())
    }

    /// Environment variables and volumes, by the name of the list item they are in: the spec's
    /// `env`/`secret_env`/`files`/`resources.shm`, or else the runtime preset.
    fn by_name(&self, pointer: &str) -> Option<Option<String>> {
        let (list, item) = ["env", "volumeMounts", "volumes"]
            .into_iter()
            .find_map(|list| Some((list, pointer::item(pointer, list)?)))?;
        let name = self.name_of(item)?;
        let s = &self.section;
        let found = match list {
            "env" => ["env", "secret_env", "field_env"]
                .iter()
                .find_map(|key| self.spec_line(&format!("{s}.{key}.{name}")))
                // A JobSet's slices set the variables that join them.
                .or_else(|| {
                    (self.kind == "JobSet")
                        .then(|| self.spec_line(&format!("{s}.slices")))
                        .flatten()
                }),
            _ if name == SHM_VOLUME => self
                .spec_line(&format!("{s}.resources.shm"))
                .or_else(|| self.try_source(Accelerator, pointer))
                .or_else(|| self.try_source(Runtime, pointer)),
            _ => self
                .spec_volume(list, item, name)
                .or_else(|| self.spec_line(&format!("{s}.files"))),
        };
        Some(
            found
                .or_else(|| self.try_source(Runtime, pointer))
                .or_else(|| (list != "env").then(|| "stdlib defaults volumes".to_string())),
        )
    }

    /// The entry of `volumes` a mount or a volume comes from: the one at the mount's path (a
    /// volume's, at the path some container of the pod mounts it at), or named like it.
    fn spec_volume(&self, list: &str, item: &str, name: &str) -> Option<String> {
        let at = format!("{}.volumes", self.section);
        let by_name = || self.item_with(&at, "name", name);
        let path = match list {
            "volumeMounts" => self
                .doc
                .pointer(&format!("{item}/mountPath"))
                .and_then(Value::as_str),
            _ => mount_path(self.doc, name),
        };
        let i = path
            .and_then(|p| self.item_with(&at, "path", p))
            .or_else(by_name)?;
        self.spec_line(&format!("{at}.{i}"))
    }

    fn path(&self, key: &str) -> String {
        match key.strip_prefix('/') {
            Some(top) => top.to_string(),
            None if key.is_empty() => self.section.clone(),
            None => format!("{}.{key}", self.section),
        }
    }

    /// `app.toml:12` for a key path the file has.
    fn spec_line(&self, path: &str) -> Option<String> {
        let span = origin::find(self.root, path)?;
        let (line, _) = self.source.line_col(span.start);
        Some(format!("{}:{line}", printable(&self.source.name)))
    }

    fn node(&self, path: &str) -> Option<&Node> {
        let mut node = self.root;
        for key in path.split('.') {
            node = match &node.value {
                TomlValue::Table(t) => &t.get(key)?.node,
                TomlValue::Array(items) => items.get(key.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(node)
    }

    /// The index of the item of the array at `path` whose `key` is `value`.
    fn item_with(&self, path: &str, key: &str, value: &str) -> Option<usize> {
        let TomlValue::Array(items) = &self.node(path)?.value else {
            return None;
        };
        items.iter().position(|item| {
            matches!(&item.value, TomlValue::Table(t)
                if matches!(t.get(key).map(|e| &e.node.value), Some(TomlValue::Str(v)) if v == value))
        })
    }

    fn string(&self, path: &str) -> Option<String> {
        match &self.node(path)?.value {
            TomlValue::Str(s) => Some(s.clone()),
            _ => None,
        }
    }

    /// Whether the table at `path` has `key` (a key with dots, such as a label, is one key).
    fn table_has(&self, path: &str, key: &str) -> bool {
        matches!(&self.node(path).map(|n| &n.value), Some(TomlValue::Table(t)) if t.get(key).is_some())
    }
}

/// `text` as one line of a YAML comment: a line break or any other character YAML does not
/// allow unescaped (a spec's folder may have any of them in its name) is written as an escape.
fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}') {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Where some container of the document's pod mounts volume `name`.
fn mount_path<'d>(doc: &'d Value, name: &str) -> Option<&'d str> {
    let spec = doc
        .pointer("/spec/template/spec")
        .or_else(|| doc.pointer("/spec/jobTemplate/spec/template/spec"))?;
    ["containers", "initContainers"]
        .iter()
        .filter_map(|k| spec.get(*k).and_then(Value::as_array))
        .flatten()
        .filter_map(|c| c.get("volumeMounts").and_then(Value::as_array))
        .flatten()
        .find(|m| m.get("name").and_then(Value::as_str) == Some(name))
        .and_then(|m| m.get("mountPath").and_then(Value::as_str))
}

/// Every value of one YAML document: its JSON pointer, its line (1-based), and its parent
/// collection's pointer. Collections are reported on their key's line; a scalar that spans
/// several lines (other than a block scalar, whose header line carries the comment) is left out.
fn values(yaml: &str) -> Vec<(String, usize, Option<String>)> {
    enum Frame {
        Map {
            key: Option<String>,
            key_line: usize,
        },
        Seq {
            index: usize,
        },
    }
    let mut out = Vec::new();
    let mut stack: Vec<(String, Frame)> = Vec::new();
    let mut parser = Parser::new_from_str(yaml);
    // The pointer and line a new value gets from the frame it sits in.
    let place = |stack: &[(String, Frame)], line: usize| -> Option<(String, usize, String)> {
        let (base, frame) = stack.last()?;
        let token = |s: &str| s.replace('~', "~0").replace('/', "~1");
        match frame {
            Frame::Map {
                key: Some(k),
                key_line,
            } => Some((format!("{base}/{}", token(k)), *key_line, base.clone())),
            Frame::Map { key: None, .. } => None,
            Frame::Seq { index } => Some((format!("{base}/{index}"), line, base.clone())),
        }
    };
    while let Some(Ok((event, span))) = parser.next_event() {
        let line = span.start.line();
        let is_value = matches!(
            stack.last(),
            Some((_, Frame::Map { key: Some(_), .. }) | (_, Frame::Seq { .. }))
        );
        match event {
            Event::Scalar(text, style, ..) => {
                if !is_value {
                    if let Some((_, Frame::Map { key, key_line })) = stack.last_mut() {
                        *key = Some(text.into_owned());
                        *key_line = line;
                    }
                    continue;
                }
                let block = matches!(style, ScalarStyle::Literal | ScalarStyle::Folded);
                let one_line = span.end.line() == line || block;
                // A block scalar's span starts at its content; its header is the line before.
                let line = if block {
                    line.saturating_sub(1).max(1)
                } else {
                    line
                };
                if one_line && let Some((pointer, at, parent)) = place(&stack, line) {
                    out.push((pointer, at, Some(parent)));
                }
                advance(&mut stack);
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                let (pointer, at, parent) = match place(&stack, line) {
                    Some(p) => p,
                    None if stack.is_empty() => (String::new(), line, String::new()),
                    None => continue,
                };
                if !stack.is_empty() {
                    out.push((pointer.clone(), at, Some(parent)));
                }
                let frame = match event {
                    Event::MappingStart(..) => Frame::Map {
                        key: None,
                        key_line: line,
                    },
                    _ => Frame::Seq { index: 0 },
                };
                stack.push((pointer, frame));
            }
            Event::MappingEnd | Event::SequenceEnd => {
                stack.pop();
                advance(&mut stack);
            }
            _ => {}
        }
    }

    /// After a value: a mapping waits for its next key, a sequence moves to its next item.
    fn advance(stack: &mut [(String, Frame)]) {
        match stack.last_mut() {
            Some((_, Frame::Map { key, .. })) => *key = None,
            Some((_, Frame::Seq { index })) => *index += 1,
            None => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Options, compile};

    const SPEC: &str = r#"[app]
name = "chat"
namespace = "llm"

[serve]
image = "vllm/vllm-openai:v0.6.3"
runtime = "vllm"
env = { LOG_LEVEL = "info" }

[serve.resources]
cpu = "8"
memory = "64Gi"
accelerator = "nvidia-l4"
gpus = 1

[serve.scaling]
min = 2
max = 4
"#;

    /// The Deployment of SPEC as JSON, and its annotated YAML.
    fn deployment() -> (Value, String) {
        object(SPEC, "Deployment/")
    }

    /// The object of `spec` whose id starts with `id`, as JSON, and its annotated YAML.
    fn object(spec: &str, id: &str) -> (Value, String) {
        let source = SourceFile::new("app.toml", spec);
        let catalog = Catalog::builtin().expect("catalog");
        let compiled = compile(&source, &catalog, &Options::default());
        let object = compiled
            .objects
            .iter()
            .find(|o| o.id().starts_with(id))
            .unwrap_or_else(|| panic!("no {id} in {:?}", compiled.diagnostics));
        let yaml = Annotator::new(&source, &catalog)
            .with_origins(&compiled.origins)
            .render(object)
            .expect("YAML")
            .text;
        (object.value.clone(), yaml)
    }

    fn line_with<'a>(text: &'a str, needle: &str) -> &'a str {
        text.lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no line with {needle:?} in\n{text}"))
    }

    #[test]
    fn values_say_where_they_came_from() {
        let (_, y) = deployment();
        for (needle, note) in [
            ("image: vllm", "# app.toml:6"),
            ("nvidia.com/gpu: \"1\"", "# app.toml:14"),
            ("name: LOG_LEVEL", "# app.toml:8"),
            ("name: HF_HOME", "# stdlib runtime vllm"),
            ("readinessProbe:", "# stdlib runtime vllm"),
            ("nodeSelector:", "# stdlib accelerator nvidia-l4"),
            ("periodSeconds: 10", "# stdlib defaults probes"),
            (
                "app.kubernetes.io/managed-by",
                "# stdlib defaults managed_by",
            ),
        ] {
            assert!(line_with(&y, needle).ends_with(note), "{needle}: {y}");
        }
        assert!(
            !line_with(&y, "nvidia.com/gpu.product").contains('#'),
            "{y}"
        );
    }

    #[test]
    fn traffic_values_and_each_policy_rule_say_which_key_opened_them() {
        let spec = r#"[app]
name = "shop"
provider = "gke"

[servers.web]
image = "registry.example.com/shop/web:1.0"
port = 3000

[servers.api]
image = "registry.example.com/shop/api:1.0"
port = 8000
callers = [{ server = "web" }]

[servers.api.service]
name = "api-service"
type = "load-balancer"
internal = true
source_ranges = ["10.0.0.0/8"]
"#;
        let (_, y) = object(spec, "Service/shop/api-service");
        for (needle, note) in [
            ("name: api-service", "# app.toml:15"),
            ("type: LoadBalancer", "# app.toml:16"),
            ("  annotations:", "# app.toml:17"),
            ("loadBalancerSourceRanges:", "# app.toml:18"),
            ("externalTrafficPolicy: Local", "# stdlib defaults service"),
            ("port: 80", "# stdlib defaults service"),
        ] {
            assert!(line_with(&y, needle).ends_with(note), "{needle}: {y}");
        }
        let (_, y) = object(spec, "NetworkPolicy/shop/shop-api");
        let rules: Vec<&str> = y.lines().filter(|l| l.starts_with("  - from:")).collect();
        assert_eq!(
            rules,
            [
                "  - from:  # app.toml:9",
                "  - from:  # app.toml:18",
                "  - from:  # app.toml:12"
            ],
            "{y}"
        );
    }

    #[test]
    fn a_sidecar_port_of_the_service_points_at_the_sidecar_that_declares_it() {
        let spec = r#"[app]
name = "a"

[serve]
image = "registry.example.com/a:1.0"
port = 8000

[[serve.sidecars]]
name = "proxy"
image = "registry.example.com/proxy:1.0"
ports = [{ name = "metrics", port = 9000 }]

[[serve.sidecars]]
name = "exporter"
image = "registry.example.com/exporter:1.0"
ports = [{ name = "a", port = 9100 }, { name = "b", port = 9101 }]
"#;
        let (_, y) = object(spec, "Service/a/a");
        for (needle, note) in [
            ("port: 9000", "# app.toml:11"),
            ("port: 9100", "# app.toml:16"),
            ("port: 9101", "# app.toml:16"),
        ] {
            assert!(line_with(&y, needle).ends_with(note), "{needle}: {y}");
        }
    }

    #[test]
    fn the_pods_new_keys_say_where_they_came_from() {
        let spec = r#"[app]
name = "train"

[jobs.fit]
image = "registry.example.com/fit:1.0.0"
field_env = { POD_IP = "status.podIP" }
volumes = [{ path = "/data", claim = "datasets" }]
work_dir = "/data"
pod_annotations = { "gke-gcsfuse/volumes" = "true" }
security = { writable_root = true }

[jobs.fit.service_account]
annotations = { "iam.gke.io/gcp-service-account" = "fit@p.iam.gserviceaccount.com" }
rules = [{ resources = ["pods"], verbs = ["get"] }]

[[jobs.fit.sidecars]]
name = "proxy"
image = "registry.example.com/proxy:2.0.0"
"#;
        let (_, y) = object(spec, "Job/");
        for (needle, note) in [
            ("- name: POD_IP", "# app.toml:6"),
            ("- mountPath: /data", "# app.toml:7"),
            ("workingDir: /data", "# app.toml:8"),
            ("gke-gcsfuse/volumes", "# app.toml:9"),
            ("readOnlyRootFilesystem: false", "# app.toml:10"),
            ("image: registry.example.com/proxy", "# app.toml:18"),
            ("cpu: 250m", "# stdlib defaults containers"),
            ("restartPolicy: Always", "# app.toml:16"),
        ] {
            assert!(line_with(&y, needle).ends_with(note), "{needle}: {y}");
        }
        let (_, y) = object(spec, "ServiceAccount/");
        assert!(
            line_with(&y, "iam.gke.io").ends_with("# app.toml:13"),
            "{y}"
        );
        let (_, y) = object(spec, "Role/");
        assert!(line_with(&y, "rules:").ends_with("# app.toml:14"), "{y}");
    }

    #[test]
    fn every_rule_is_a_well_formed_pattern() {
        for (pattern, _) in RULES {
            assert_eq!(pointer::check(pattern), Ok(()));
        }
    }

    #[test]
    fn rules_match_whole_segments_only() {
        // `paths` is not `path`: the list holds a backend derived by fixed rules, so only the
        // path itself says where it came from; `hosts` has a rule of its own.
        let spec = r#"[app]
name = "scorer"

[serve]
image = "registry.example.com/scorer:1.0.0"

[serve.ingress]
host = "scorer.example.com"
path = "/api"
class = "nginx"
tls = { secret = "scorer-tls" }
"#;
        let (_, y) = object(spec, "Ingress/");
        for (needle, note) in [
            ("      paths:", None),
            ("path: /api", Some("# app.toml:9")),
            ("pathType: Prefix", None),
            ("- host: scorer", Some("# app.toml:8")),
            ("- hosts:", Some("# app.toml:8")),
            ("  tls:", Some("# app.toml:11")),
            ("  name: scorer", Some("# app.toml:2")),
            ("  namespace: scorer", Some("# app.toml:2")),
        ] {
            let line = line_with(&y, needle);
            match note {
                Some(note) => assert!(line.ends_with(note), "{needle}: {y}"),
                None => assert!(!line.contains('#'), "{needle}: {y}"),
            }
        }
    }

    #[test]
    fn a_device_is_annotated_whatever_its_resource_is_called() {
        let spec = SPEC.replace(
            "accelerator = \"nvidia-l4\"\ngpus = 1",
            "accelerator = { type = \"nvidia-a100-80gb\", mig = \"3g.40gb\" }\ngpus = 2",
        );
        let (_, y) = object(&spec, "Deployment/");
        assert!(
            line_with(&y, "nvidia.com/mig-3g.40gb: \"2\"").ends_with("# app.toml:14"),
            "{y}"
        );
    }

    #[test]
    fn children_of_an_annotated_collection_are_not_annotated_again() {
        let (_, y) = deployment();
        assert!(
            line_with(&y, "  securityContext:").ends_with("# stdlib defaults security"),
            "{y}"
        );
        assert!(!line_with(&y, "runAsNonRoot: true").contains('#'), "{y}");
    }

    #[test]
    fn annotating_keeps_the_yaml_the_same() {
        let (doc, y) = deployment();
        let plain: Value = serde_saphyr::from_str(&y).expect("annotated YAML parses");
        assert_eq!(plain, doc);
    }

    #[test]
    fn pointers_and_lines_follow_the_layout() {
        let v = values("a:\n  b: 1\n  c:\n  - x\n  - |\n    two\n    lines\nd: \"q\"\n");
        let got: Vec<(&str, usize)> = v.iter().map(|(p, l, _)| (p.as_str(), *l)).collect();
        assert_eq!(
            got,
            [
                ("/a", 1),
                ("/a/b", 2),
                ("/a/c", 3),
                ("/a/c/0", 4),
                ("/a/c/1", 5),
                ("/d", 8)
            ]
        );
    }
}
