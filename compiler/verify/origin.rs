//! Where in the user's file a generated value came from, for pointing a verify finding at it.
//!
//! The generators leave a trail the objects themselves carry: `app.kubernetes.io/component`
//! says whether an object belongs to `[serve]`, a `[jobs.NAME]` or a `[schedules.NAME]`, and its
//! name says which one. A JSON pointer inside the object then maps to the spec key that sets that
//! field; the most specific key the file actually has wins, then the section, then nothing.

use std::sync::LazyLock;

use serde_json::Value;

use crate::diagnostics::Diagnostics;
use crate::pointer;
use crate::source::{SourceFile, Span};
use crate::spec::tree::{self, Node, Value as TomlValue};

/// Spec keys that set the fields under a JSON pointer, most specific first, relative to the
/// object's section. A key starting with `/` is from the top of the file (`/app.labels`).
/// Patterns match whole segments ([`crate::pointer`]); the first that matches decides, so a
/// pattern comes before any more general one that also matches its pointers.
const FIELDS: &[(&str, &[&str])] = &[
    (
        "kind:PersistentVolumeClaim ^/spec",
        &["model.cache", "model"],
    ),
    ("/kueue.x-k8s.io~1queue-name", &["queue"]),
    ("/metadata/labels", &["/app.labels", "/app.name"]),
    ("/template/metadata/annotations", &["pod_annotations"]),
    (
        "kind:ServiceAccount /metadata/annotations",
        &["service_account.annotations", "/app.annotations"],
    ),
    ("/metadata/annotations", &["/app.annotations"]),
    (
        "^/{rules,roleRef,subjects}",
        &["service_account.rules", "service_account"],
    ),
    ("^/metadata/namespace", &["/app.namespace", "/app.name"]),
    ("^/metadata/name", &["", "/app.name"]),
    // A sidecar's or init container's own values are in its table of the spec, which the
    // section finds no better than the list.
    ("/initContainers", &["sidecars", "init", "model"]),
    ("/image", &["image"]),
    ("/imagePullPolicy", &["pull_policy"]),
    ("/imagePullSecrets", &["pull_secrets"]),
    ("/command", &["command"]),
    ("/args", &["args"]),
    ("/workingDir", &["work_dir"]),
    ("/envFrom", &["env_from"]),
    ("/env", &["env", "secret_env", "field_env"]),
    (
        "/resources/requests/cpu",
        &["resources.requests.cpu", "resources.cpu"],
    ),
    (
        "/resources/limits/cpu",
        &["resources.cpu", "resources.cpu_limit"],
    ),
    (
        "/resources/requests/memory",
        &["resources.requests.memory", "resources.memory"],
    ),
    ("/resources/limits/memory", &["resources.memory"]),
    (
        "/resources/requests/ephemeral-storage",
        &[
            "resources.requests.ephemeral_storage",
            "resources.ephemeral_storage",
        ],
    ),
    (
        "/resources/limits/ephemeral-storage",
        &["resources.ephemeral_storage", "volumes"],
    ),
    // Any other resource is the accelerator's device (a GPU, a MIG slice, TPU chips); `gpus`
    // is its count.
    (
        "/resources/{limits,requests}/*",
        &["resources.gpus", "resources.accelerator"],
    ),
    ("/resources", &["resources"]),
    (
        "/{livenessProbe,readinessProbe,startupProbe}",
        &["health", "runtime"],
    ),
    ("/ports", &["ports", "port", "runtime"]),
    (
        "/volumeMounts",
        &["volumes", "files", "resources.shm", "model", "runtime"],
    ),
    (
        "/volumes",
        &["volumes", "files", "resources.shm", "model", "runtime"],
    ),
    ("/securityContext", &["security"]),
    ("/{hostNetwork,hostIPC,dnsPolicy}", &["security"]),
    (
        "/{serviceAccountName,automountServiceAccountToken}",
        &["service_account"],
    ),
    (
        "/nodeSelector",
        &["resources.accelerator", "placement", "/placement"],
    ),
    (
        "/tolerations",
        &["resources.accelerator", "placement", "/placement"],
    ),
    (
        "/affinity",
        &["placement", "/placement", "resources.accelerator"],
    ),
    ("/topologySpreadConstraints", &["placement", "/placement"]),
    ("/priorityClassName", &["placement", "/placement"]),
    ("/runtimeClassName", &["resources.accelerator"]),
    ("^/spec/schedule", &["cron"]),
    ("^/spec/timeZone", &["timezone"]),
    ("^/spec/startingDeadlineSeconds", &["starting_deadline"]),
    ("^/spec/concurrencyPolicy", &["concurrency"]),
    (
        "^/spec/{successfulJobsHistoryLimit,failedJobsHistoryLimit}",
        &["history"],
    ),
    ("kind:JobSet ^/spec/failurePolicy", &["retries"]),
    (
        "kind:JobSet ^/spec/replicatedJobs/*/{name,replicas}",
        &["slices"],
    ),
    (
        "kind:StatefulSet ^/spec/{serviceName,podManagementPolicy,updateStrategy,volumeClaimTemplates}",
        &["state"],
    ),
    (
        "kind:LeaderWorkerSet ^/spec/leaderWorkerTemplate/{size,restartPolicy}",
        &["group.size", "group"],
    ),
    (
        "kind:LeaderWorkerSet ^/spec/rolloutStrategy",
        &["rollout", "group"],
    ),
    (
        "kind:LeaderWorkerSet ^/spec/leaderWorkerTemplate/workerTemplate",
        &["group", "runtime"],
    ),
    ("/activeDeadlineSeconds", &["deadline"]),
    ("/ttlSecondsAfterFinished", &["ttl"]),
    ("/backoffLimit", &["retries"]),
    ("/parallelism", &["parallelism"]),
    ("/completions", &["completions"]),
    ("/restartPolicy", &["restart"]),
    ("^/spec/strategy", &["rollout"]),
    (
        "^/spec/{behavior,advanced}",
        &["scaling.scale_down", "scaling"],
    ),
    ("^/spec/replicas", &["scaling", "replicas"]),
];

/// [`FIELDS`], parsed once.
static FIELD_TABLE: LazyLock<pointer::Table<&[&str]>> =
    LazyLock::new(|| pointer::Table::new(FIELDS));

/// Keys for a whole object of a kind that belongs to one part of `[serve]`.
const KINDS: &[(&str, &[&str])] = &[
    ("HorizontalPodAutoscaler", &["scaling"]),
    ("PodDisruptionBudget", &["scaling"]),
    ("Ingress", &["ingress"]),
    ("Service", &["ports", "port", "runtime"]),
];

/// The span in `source` that set the value at `pointer` in `doc`, with the key path it found
/// (`serve.resources.gpus`), if the file has such a key.
pub fn locate(source: &SourceFile, doc: &Value, pointer: &str) -> Option<(Span, String)> {
    let mut scratch = Diagnostics::default();
    let root = tree::parse(&source.text, &mut scratch);
    trace(&root, doc, pointer).map(|t| (t.span, t.path))
}

/// Which spec key set a value: the span and path found, and the candidate that matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trace {
    pub span: Span,
    /// The key path in the file (`serve.resources.gpus`, `serve`).
    pub path: String,
    /// The candidate from the tables that matched (`resources.gpus`, `runtime`); `None` when
    /// only the object's section was found, which says where, not what set the value.
    pub key: Option<&'static str>,
    /// The object's section (`serve`, `jobs.NAME`).
    pub section: String,
}

/// [`locate`] over a parsed spec tree, saying which candidate key matched.
pub fn trace(root: &Node, doc: &Value, pointer: &str) -> Option<Trace> {
    let section = section(doc)?;
    let kind = doc.get("kind").and_then(Value::as_str).unwrap_or_default();
    let by_field = FIELD_TABLE.find(kind, pointer);
    let by_kind = KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, keys)| *keys);
    let candidates = by_field
        .into_iter()
        .chain(by_kind)
        .flatten()
        .map(|k| Some(*k))
        .chain(std::iter::once(None));
    for key in candidates {
        let path = match key.map(|k| (k, k.strip_prefix('/'))) {
            Some((_, Some(top))) => top.to_string(),
            Some(("", None)) | None => section.clone(),
            Some((k, None)) => format!("{section}.{k}"),
        };
        if let Some(span) = find(root, &path) {
            return Some(Trace {
                span,
                path,
                key,
                section,
            });
        }
    }
    None
}

/// The section an object was generated from: `serve`, `servers.NAME`, `jobs.NAME`,
/// `schedules.NAME`, or `app` for what belongs to the whole application (the Namespace).
///
/// Read from the workload's labels, which every object of it carries (`app.kubernetes.io/name`
/// is the workload's name, `APP` or `APP-NAME`), not from the object's own name, which a spec
/// may choose (a Service's `service.name`).
pub fn section(doc: &Value) -> Option<String> {
    let label = |k: &str| {
        doc.pointer(&format!("/metadata/labels/{}", k.replace('/', "~1")))
            .and_then(Value::as_str)
    };
    let name = doc.pointer("/metadata/name").and_then(Value::as_str);
    section_of(label, name)
}

/// [`section`] from an object's labels (`label` looks one up) and its name.
pub fn section_of<'a>(
    label: impl Fn(&str) -> Option<&'a str>,
    name: Option<&'a str>,
) -> Option<String> {
    let app = label("app.kubernetes.io/instance")?;
    let name = label("app.kubernetes.io/name").or(name)?;
    let own = || name.strip_prefix(app)?.strip_prefix('-');
    match label("app.kubernetes.io/component") {
        Some("server") if name == app => Some("serve".to_string()),
        Some("server") => Some(format!("servers.{}", own()?)),
        Some("job") => Some(format!("jobs.{}", own()?)),
        Some("schedule") => Some(format!("schedules.{}", own()?)),
        _ => Some("app".to_string()),
    }
}

/// The span of a dotted key path in the tree: a table's key, or a value as written. A number
/// picks an item of an array (`serve.sidecars.0.image`), and so does a segment `key[N]`
/// (`servers.api.callers[0]`); an item that is a table is its span.
pub fn find(root: &Node, path: &str) -> Option<Span> {
    let mut node = root;
    let mut span = None;
    for segment in path.split('.') {
        let (key, index) = match segment.strip_suffix(']').and_then(|s| s.split_once('[')) {
            Some((k, i)) => (k, Some(i.parse::<usize>().ok()?)),
            None => (segment, None),
        };
        match &node.value {
            TomlValue::Table(t) => {
                let entry = t.get(key)?;
                span = Some(match entry.node.value {
                    TomlValue::Table(_) => entry.key_span,
                    _ => entry.node.span,
                });
                node = &entry.node;
            }
            TomlValue::Array(items) if index.is_none() => {
                node = items.get(key.parse::<usize>().ok()?)?;
                span = Some(node.span);
            }
            _ => return None,
        }
        if let Some(i) = index {
            let TomlValue::Array(items) = &node.value else {
                return None;
            };
            node = items.get(i)?;
            span = Some(node.span);
        }
    }
    span
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SPEC: &str = r#"[app]
name = "chat"
labels = { team = "ml" }

[serve]
image = "vllm/vllm-openai:v0.6.0"
resources = { cpu = "4", memory = "16Gi", accelerator = "nvidia-l4", gpus = 1 }

[jobs.warmup]
image = "busybox:1.36"
"#;

    fn text_at(span: Span) -> &'static str {
        &SPEC[span.start..span.end]
    }

    fn doc(kind: &str, name: &str, component: &str) -> Value {
        json!({
            "kind": kind,
            "metadata": {
                "name": name,
                "labels": {
                    "app.kubernetes.io/instance": "chat",
                    "app.kubernetes.io/component": component,
                }
            }
        })
    }

    #[test]
    fn a_field_points_at_the_key_that_set_it() {
        let source = SourceFile::new("app.toml", SPEC);
        let d = doc("Deployment", "chat", "server");
        let gpu = "/spec/template/spec/containers/0/resources/limits/nvidia.com~1gpu";
        let (span, path) = locate(&source, &d, gpu).unwrap();
        assert_eq!(
            (text_at(span), path.as_str()),
            ("1", "serve.resources.gpus")
        );
        let (span, path) = locate(&source, &d, "/metadata/labels/team").unwrap();
        assert_eq!((text_at(span), path.as_str()), ("labels", "app.labels"));
    }

    #[test]
    fn fields_match_whole_segments() {
        for (pattern, _) in FIELDS {
            assert_eq!(crate::pointer::check(pattern), Ok(()));
        }
        let source = SourceFile::new("app.toml", SPEC);
        let d = doc("Deployment", "chat", "server");
        // The product label is the accelerator's, though its key ends in `/gpu.product`.
        let product = "/spec/template/spec/nodeSelector/nvidia.com~1gpu.product";
        let (_, path) = locate(&source, &d, product).unwrap();
        assert_eq!(path, "serve.resources.accelerator");
        // The pull policy is a default, not part of `image`.
        let policy = "/spec/template/spec/containers/0/imagePullPolicy";
        let (_, path) = locate(&source, &d, policy).unwrap();
        assert_eq!(path, "serve");
    }

    #[test]
    fn a_missing_key_falls_back_to_the_section() {
        let source = SourceFile::new("app.toml", SPEC);
        let j = doc("Job", "chat-warmup", "job");
        let (span, path) = locate(&source, &j, "/spec/backoffLimit").unwrap();
        assert_eq!((text_at(span), path.as_str()), ("warmup", "jobs.warmup"));
        let (_, path) = locate(&source, &j, "/spec/template/spec/containers/0/image").unwrap();
        assert_eq!(path, "jobs.warmup.image");
    }

    #[test]
    fn an_object_without_mlspec_labels_has_no_origin() {
        let source = SourceFile::new("app.toml", SPEC);
        assert_eq!(locate(&source, &json!({"kind": "Service"}), "/spec"), None);
    }
}
