//! A pod whose disk-backed emptyDir volumes may hold more than its ephemeral-storage limit
//! (W0012). The kubelet adds up a pod's disk use — every container's writable layer and logs,
//! and its emptyDirs not in memory — and evicts the pod once that passes the sum of its
//! containers' `ephemeral-storage` limits (pkg/kubelet/eviction `podEphemeralStorageLimitEviction`,
//! with the limit as `PodLimits` sums it: the long-running containers and sidecars together, or
//! the largest init container if that is more; a pod whose containers set no limit has none).
//! A volume larger than that can never fill: the pod is evicted first, mid-download for a model
//! volume, and starts again to be evicted again.
//!
//! mlspec sizes the limit from the volumes, so this is what a spec's own
//! `resources.ephemeral_storage` or a patch sets too low. Checked over the final objects, so a
//! patch that adds a volume or lowers a limit is covered.

use serde_json::Value;

use super::origin;
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::document::Document;
use crate::source::Span;
use crate::spec::tree::Node;
use crate::values::quantity::Quantity;

const LIMIT: &str = "ephemeral-storage";

/// The findings over the bundle's objects, at spans of the spec tree `root`.
pub fn check(root: &Node, docs: &[Document]) -> Diagnostics {
    let mut out = Diagnostics::default();
    for doc in docs {
        let kind = doc.kind();
        for at in crate::kinds::templates(kind) {
            let Some(spec) = doc.value.pointer(&format!("{at}/spec")) else {
                continue;
            };
            let Some(limit) = pod_limit(spec) else {
                continue;
            };
            let volumes = disk_volumes(spec);
            let total = volumes
                .iter()
                .fold(Quantity::zero(), |sum, (_, q)| sum.saturating_add(*q));
            if total.nanos() > limit.nanos() {
                out.push(warning(root, doc, at, &volumes, total, limit));
            }
        }
    }
    out
}

/// The pod's ephemeral-storage limit as the kubelet reckons it, if any container sets one.
fn pod_limit(spec: &Value) -> Option<Quantity> {
    let limit = |c: &Value| {
        c.pointer(&format!("/resources/limits/{LIMIT}"))
            .and_then(Value::as_str)
            .and_then(|s| Quantity::parse(s).ok())
    };
    let list = |key: &str| {
        spec.get(key)
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
    };
    let sidecar = |c: &&Value| c.get("restartPolicy").and_then(Value::as_str) == Some("Always");
    let (sidecars, init): (Vec<&Value>, Vec<&Value>) =
        list("initContainers").iter().partition(sidecar);
    let running: Vec<Quantity> = list("containers")
        .iter()
        .chain(sidecars)
        .filter_map(limit)
        .collect();
    let largest_init = init.into_iter().filter_map(limit).max_by_key(|q| q.nanos());
    if running.is_empty() && largest_init.is_none() {
        return None;
    }
    let sum = running
        .into_iter()
        .fold(Quantity::zero(), Quantity::saturating_add);
    Some(match largest_init {
        Some(q) if q.nanos() > sum.nanos() => q,
        _ => sum,
    })
}

/// The pod's emptyDirs on the node's disk, each with its size limit.
fn disk_volumes(spec: &Value) -> Vec<(String, Quantity)> {
    let volumes = spec.get("volumes").and_then(Value::as_array);
    volumes
        .into_iter()
        .flatten()
        .filter_map(|v| {
            let dir = v.get("emptyDir")?;
            if dir.get("medium").and_then(Value::as_str) == Some("Memory") {
                return None;
            }
            let size = Quantity::parse(dir.get("sizeLimit")?.as_str()?).ok()?;
            let name = v.get("name").and_then(Value::as_str).unwrap_or_default();
            Some((name.to_string(), size))
        })
        .collect()
}

fn warning(
    root: &Node,
    document: &Document,
    template: &str,
    volumes: &[(String, Quantity)],
    total: Quantity,
    limit: Quantity,
) -> Diagnostic {
    let doc = &document.value;
    let section = origin::section(doc).unwrap_or_else(|| "app".to_string());
    let limit_at = format!("{template}/spec/containers/0/resources/limits/{LIMIT}");
    // A patch that set the limit or a volume, else the spec key behind the limit.
    let patched = [limit_at.clone(), format!("{template}/spec/volumes")]
        .iter()
        .find_map(|p| crate::patch::near(&document.origins, p));
    let span = match patched {
        Some(o) => o.span,
        None => origin::trace(root, doc, &limit_at).map_or(Span::file_start(), |t| t.span),
    };
    let listed: Vec<String> = volumes
        .iter()
        .map(|(name, size)| format!("`{name}` {size}"))
        .collect();
    Diagnostic::new(
        &codes::W0012,
        format!(
            "the pods of `{section}` have {total} of emptyDir volumes on disk ({}), but an \
             ephemeral-storage limit of {limit}: the kubelet evicts a pod once its disk use \
             passes {limit}, before the volumes are full",
            listed.join(", ")
        ),
    )
    .at(span, format!("{limit} in all"))
    .help(format!(
        "raise `resources.ephemeral_storage` above {total} (the volumes, and room for logs and \
         the container's own files), or make the volumes smaller"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_pod_limit_is_the_kubelets() {
        let pod = |containers: Value, init: Value| json!({ "containers": containers, "initContainers": init });
        let c = |limit: &str| json!({ "resources": { "limits": { "ephemeral-storage": limit } } });
        let sidecar = |limit: &str| {
            let mut s = c(limit);
            s["restartPolicy"] = json!("Always");
            s
        };
        let gi = |n: i64| {
            Quantity::parse(&format!("{n}Gi"))
                .expect("quantity")
                .nanos()
        };
        let limit = |spec: &Value| pod_limit(spec).map(|q| q.nanos());
        // Containers and sidecars add up; a container without a limit adds nothing.
        let spec = pod(json!([c("2Gi"), {}]), json!([sidecar("1Gi")]));
        assert_eq!(limit(&spec), Some(gi(3)));
        // An init container larger than the rest is the pod's limit while it runs.
        let spec = pod(json!([c("2Gi")]), json!([c("5Gi")]));
        assert_eq!(limit(&spec), Some(gi(5)));
        // No container sets one: the pod has no limit.
        assert_eq!(limit(&pod(json!([{}]), json!([]))), None);
    }

    #[test]
    fn memory_backed_volumes_and_unsized_ones_do_not_count() {
        let spec = json!({ "volumes": [
            { "name": "a", "emptyDir": { "sizeLimit": "2Gi" } },
            { "name": "shm", "emptyDir": { "medium": "Memory", "sizeLimit": "8Gi" } },
            { "name": "b", "emptyDir": {} },
            { "name": "c", "configMap": { "name": "x" } },
        ]});
        let names: Vec<String> = disk_volumes(&spec).into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["a"]);
    }
}
