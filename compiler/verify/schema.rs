//! Objects against the Kubernetes JSON schemas of their kind, vendored under `schemas/k8s/` and
//! embedded. The schemas are strict (`additionalProperties: false`), so an unknown field fails
//! like a wrong type or a missing required field does.
//!
//! Custom resources (KEDA's ScaledObject, Gateway API's HTTPRoute, the Prometheus Operator's
//! PodMonitor and ServiceMonitor, GKE's PodMonitoring, JobSet, LeaderWorkerSet) are checked against their CRDs'
//! schemas, vendored under `schemas/crd/` (one per CRD version, whatever the Kubernetes
//! version).
//!
//! A validator is built the first time a kind is checked for a version and kept for the process,
//! so a build of a thousand apps pays for each schema once.

use std::sync::OnceLock;

use jsonschema::Validator;
use serde_json::Value;

use super::{Finding, KubeVersion, Rule};

/// The `$id` every kind file's `$ref`s resolve against.
const DEFINITIONS_URI: &str = "https://kubernetes.io/api/_definitions.json";

/// One kind we emit: its `apiVersion`, `kind` and the upstream schema file's name.
struct Kind {
    api_version: &'static str,
    kind: &'static str,
}

/// Every kind mlspec emits, in the order of `FILES` below.
const KINDS: [Kind; 15] = [
    Kind {
        api_version: "v1",
        kind: "Namespace",
    },
    Kind {
        api_version: "v1",
        kind: "ServiceAccount",
    },
    Kind {
        api_version: "v1",
        kind: "ConfigMap",
    },
    Kind {
        api_version: "v1",
        kind: "PersistentVolumeClaim",
    },
    Kind {
        api_version: "rbac.authorization.k8s.io/v1",
        kind: "Role",
    },
    Kind {
        api_version: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
    },
    Kind {
        api_version: "v1",
        kind: "Service",
    },
    Kind {
        api_version: "apps/v1",
        kind: "Deployment",
    },
    Kind {
        api_version: "apps/v1",
        kind: "StatefulSet",
    },
    Kind {
        api_version: "autoscaling/v2",
        kind: "HorizontalPodAutoscaler",
    },
    Kind {
        api_version: "policy/v1",
        kind: "PodDisruptionBudget",
    },
    Kind {
        api_version: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
    },
    Kind {
        api_version: "networking.k8s.io/v1",
        kind: "Ingress",
    },
    Kind {
        api_version: "batch/v1",
        kind: "Job",
    },
    Kind {
        api_version: "batch/v1",
        kind: "CronJob",
    },
];

/// The embedded schema files of one version: `_definitions.json`, then one per entry of `KINDS`.
struct Files {
    definitions: &'static str,
    kinds: [&'static str; KINDS.len()],
}

macro_rules! files {
    ($v:literal) => {
        Files {
            definitions: include_str!(concat!("../../schemas/k8s/", $v, "/_definitions.json")),
            kinds: [
                include_str!(concat!("../../schemas/k8s/", $v, "/namespace-v1.json")),
                include_str!(concat!("../../schemas/k8s/", $v, "/serviceaccount-v1.json")),
                include_str!(concat!("../../schemas/k8s/", $v, "/configmap-v1.json")),
                include_str!(concat!(
                    "../../schemas/k8s/",
                    $v,
                    "/persistentvolumeclaim-v1.json"
                )),
                include_str!(concat!("../../schemas/k8s/", $v, "/role-rbac-v1.json")),
                include_str!(concat!(
                    "../../schemas/k8s/",
                    $v,
                    "/rolebinding-rbac-v1.json"
                )),
                include_str!(concat!("../../schemas/k8s/", $v, "/service-v1.json")),
                include_str!(concat!(
                    "../../schemas/k8s/",
                    $v,
                    "/deployment-apps-v1.json"
                )),
                include_str!(concat!(
                    "../../schemas/k8s/",
                    $v,
                    "/statefulset-apps-v1.json"
                )),
                include_str!(concat!(
                    "../../schemas/k8s/",
                    $v,
                    "/horizontalpodautoscaler-autoscaling-v2.json"
                )),
                include_str!(concat!(
                    "../../schemas/k8s/",
                    $v,
                    "/poddisruptionbudget-policy-v1.json"
                )),
                include_str!(concat!(
                    "../../schemas/k8s/",
                    $v,
                    "/networkpolicy-networking-v1.json"
                )),
                include_str!(concat!(
                    "../../schemas/k8s/",
                    $v,
                    "/ingress-networking-v1.json"
                )),
                include_str!(concat!("../../schemas/k8s/", $v, "/job-batch-v1.json")),
                include_str!(concat!("../../schemas/k8s/", $v, "/cronjob-batch-v1.json")),
            ],
        }
    };
}

static FILES: [Files; KubeVersion::ALL.len()] = [
    files!("1.33"),
    files!("1.34"),
    files!("1.35"),
    files!("1.36"),
    files!("1.37"),
];

/// A built validator per version and kind, or why it could not be built (a broken vendored
/// schema, which a test catches before release).
type Built = Result<Validator, String>;

#[allow(clippy::declare_interior_mutable_const)]
const EMPTY: OnceLock<Built> = OnceLock::new();
#[allow(clippy::declare_interior_mutable_const)]
const ROW: [OnceLock<Built>; KINDS.len()] = [EMPTY; KINDS.len()];
static VALIDATORS: [[OnceLock<Built>; KINDS.len()]; KubeVersion::ALL.len()] =
    [ROW; KubeVersion::ALL.len()];

/// Check one object (as JSON) against the schema of its kind.
pub fn check(object: &Value, version: KubeVersion, out: &mut Vec<Finding>) {
    let api_version = object.get("apiVersion").and_then(Value::as_str);
    let kind = object.get("kind").and_then(Value::as_str);
    let crd = CRDS.iter().position(|c| c.is(api_version, kind));
    if let Some(index) = crd {
        let built = CRD_VALIDATORS[index].get_or_init(|| build_crd(index));
        report(built, object, out);
        return;
    }
    let Some(index) = KINDS
        .iter()
        .position(|k| Some(k.api_version) == api_version && Some(k.kind) == kind)
    else {
        out.push(Finding {
            rule: Rule::Schema,
            pointer: String::new(),
            message: format!(
                "there is no vendored schema for apiVersion {} kind {}",
                api_version.unwrap_or("(none)"),
                kind.unwrap_or("(none)")
            ),
            related: Vec::new(),
        });
        return;
    };
    let built = VALIDATORS[version.index()][index].get_or_init(|| build(version, index));
    report(built, object, out);
}

/// One custom resource kind (its `apiVersion` is the kinds table's, `crate::kinds`) and its
/// vendored schema.
struct Crd {
    kind: &'static str,
    schema: &'static str,
}

impl Crd {
    /// Whether a document of this `apiVersion` and `kind` is this custom resource.
    fn is(&self, api_version: Option<&str>, kind: Option<&str>) -> bool {
        Some(self.kind) == kind
            && crate::kinds::find(self.kind).map(|k| k.api_version) == api_version
    }
}

/// Every custom resource mlspec emits.
const CRDS: [Crd; 7] = [
    Crd {
        kind: "ScaledObject",
        schema: include_str!("../../schemas/crd/scaledobject-keda-v1alpha1.json"),
    },
    Crd {
        kind: "HTTPRoute",
        schema: include_str!("../../schemas/crd/httproute-gateway-v1.json"),
    },
    Crd {
        kind: "PodMonitor",
        schema: include_str!("../../schemas/crd/podmonitor-monitoring-coreos-v1.json"),
    },
    Crd {
        kind: "ServiceMonitor",
        schema: include_str!("../../schemas/crd/servicemonitor-monitoring-coreos-v1.json"),
    },
    Crd {
        kind: "PodMonitoring",
        schema: include_str!("../../schemas/crd/podmonitoring-monitoring-googleapis-v1.json"),
    },
    Crd {
        kind: "JobSet",
        schema: include_str!("../../schemas/crd/jobset-jobset-v1alpha2.json"),
    },
    Crd {
        kind: "LeaderWorkerSet",
        schema: include_str!("../../schemas/crd/leaderworkerset-leaderworkerset-v1.json"),
    },
];

#[allow(clippy::declare_interior_mutable_const)]
static CRD_VALIDATORS: [OnceLock<Built>; CRDS.len()] = [EMPTY; CRDS.len()];

fn build_crd(index: usize) -> Built {
    let crd = &CRDS[index];
    let schema = serde_json::from_str::<Value>(crd.schema)
        .map_err(|e| format!("the vendored schema of {} is broken: {e}", crd.kind))?;
    jsonschema::validator_for(&schema)
        .map_err(|e| format!("cannot build the schema of {}: {e}", crd.kind))
}

fn report(built: &Built, object: &Value, out: &mut Vec<Finding>) {
    match built {
        // The fast path answers yes/no without building errors; only a failure collects them.
        Ok(validator) if validator.is_valid(object) => {}
        Ok(validator) => {
            for e in validator.iter_errors(object) {
                out.push(Finding {
                    rule: Rule::Schema,
                    pointer: e.instance_path().to_string(),
                    message: e.to_string(),
                    related: Vec::new(),
                });
            }
        }
        Err(e) => out.push(Finding {
            rule: Rule::Schema,
            pointer: String::new(),
            message: e.clone(),
            related: Vec::new(),
        }),
    }
}

/// The registry of one version's `_definitions.json`, parsed and indexed once.
type Definitions = Result<jsonschema::Registry<'static>, String>;

#[allow(clippy::declare_interior_mutable_const)]
const NO_DEFINITIONS: OnceLock<Definitions> = OnceLock::new();
static DEFINITIONS: [OnceLock<Definitions>; KubeVersion::ALL.len()] =
    [NO_DEFINITIONS; KubeVersion::ALL.len()];

fn parse(text: &str, what: &str, version: KubeVersion) -> Result<Value, String> {
    serde_json::from_str::<Value>(text)
        .map_err(|e| format!("the vendored {what} schema of Kubernetes {version} is broken: {e}"))
}

fn definitions(version: KubeVersion) -> Definitions {
    let defs = parse(
        FILES[version.index()].definitions,
        "_definitions.json",
        version,
    )?;
    jsonschema::Registry::new()
        .add(DEFINITIONS_URI, defs)
        .and_then(|r| r.prepare())
        .map_err(|e| format!("cannot load the Kubernetes {version} schemas: {e}"))
}

fn build(version: KubeVersion, index: usize) -> Built {
    let registry = DEFINITIONS[version.index()]
        .get_or_init(|| definitions(version))
        .as_ref()
        .map_err(Clone::clone)?;
    let schema = parse(
        FILES[version.index()].kinds[index],
        KINDS[index].kind,
        version,
    )?;
    jsonschema::options()
        .with_registry(registry)
        .build(&schema)
        .map_err(|e| {
            format!(
                "cannot build the Kubernetes {version} schema of {}: {e}",
                KINDS[index].kind
            )
        })
}

/// The fields the schema of `doc`'s kind allows in the object at `pointer`, with the name of
/// its definition when it has one (`Container`): what a "did you mean" for an unknown field
/// picks from. `None` when the schema does not describe an object there.
pub fn fields_at(
    doc: &Value,
    version: KubeVersion,
    pointer: &str,
) -> Option<(Option<String>, Vec<String>)> {
    let api_version = doc.get("apiVersion").and_then(Value::as_str);
    let kind = doc.get("kind").and_then(Value::as_str);
    let same = |k: &Kind| Some(k.api_version) == api_version && Some(k.kind) == kind;
    let (root, defs) = if let Some(i) = CRDS.iter().position(|c| c.is(api_version, kind)) {
        (
            CRD_PARSED[i].get_or_init(|| serde_json::from_str(CRDS[i].schema).ok()),
            None,
        )
    } else {
        let i = KINDS.iter().position(same)?;
        let v = version.index();
        let root = PARSED[v][i].get_or_init(|| serde_json::from_str(FILES[v].kinds[i]).ok());
        let defs = DEFS_PARSED[v].get_or_init(|| serde_json::from_str(FILES[v].definitions).ok());
        (root, defs.as_ref())
    };
    let mut name = None;
    let mut node = follow(root.as_ref()?, defs, &mut name)?;
    for segment in crate::pointer::segments(pointer) {
        let key = crate::pointer::unescape(segment);
        let next = node
            .get("properties")
            .and_then(|p| p.get(&key))
            .or_else(|| node.get("items").filter(|_| key.parse::<usize>().is_ok()))
            .or_else(|| node.get("additionalProperties").filter(|a| a.is_object()))?;
        name = None;
        node = follow(next, defs, &mut name)?;
    }
    let fields = node
        .get("properties")?
        .as_object()?
        .keys()
        .cloned()
        .collect();
    Some((name, fields))
}

/// `node` with its `$ref`s (into the version's `_definitions.json`) and single `allOf`s
/// followed; `name` becomes the last definition's short name.
fn follow<'a>(
    mut node: &'a Value,
    defs: Option<&'a Value>,
    name: &mut Option<String>,
) -> Option<&'a Value> {
    for _ in 0..32 {
        if let Some(r) = node.get("$ref").and_then(Value::as_str) {
            let (_, def) = r.split_once("#/$defs/")?;
            *name = def.rsplit('.').next().map(str::to_string);
            node = defs?.get("$defs")?.get(def)?;
        } else if let Some([one]) = node
            .get("allOf")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
        {
            node = one;
        } else {
            return Some(node);
        }
    }
    None
}

/// The vendored schemas as JSON, parsed on first use (only a patch's unknown field needs them).
type Parsed = OnceLock<Option<Value>>;
#[allow(clippy::declare_interior_mutable_const)]
const UNPARSED: Parsed = OnceLock::new();
#[allow(clippy::declare_interior_mutable_const)]
const UNPARSED_ROW: [Parsed; KINDS.len()] = [UNPARSED; KINDS.len()];
static PARSED: [[Parsed; KINDS.len()]; KubeVersion::ALL.len()] =
    [UNPARSED_ROW; KubeVersion::ALL.len()];
static DEFS_PARSED: [Parsed; KubeVersion::ALL.len()] = [UNPARSED; KubeVersion::ALL.len()];
static CRD_PARSED: [Parsed; CRDS.len()] = [UNPARSED; CRDS.len()];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_vendored_schema_builds_for_every_version() {
        for version in KubeVersion::ALL {
            for (index, kind) in KINDS.iter().enumerate() {
                if let Err(e) = build(version, index) {
                    panic!("{version} {}: {e}", kind.kind);
                }
            }
        }
    }

    #[test]
    fn custom_resources_check_against_their_crd_schema() {
        for (index, crd) in CRDS.iter().enumerate() {
            if let Err(e) = build_crd(index) {
                panic!("{}: {e}", crd.kind);
            }
        }
        let mut found = Vec::new();
        let so = json!({"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject",
            "metadata": {"name": "a"},
            "spec": {"scaleTargetRef": {"name": "a"}, "minReplicaCount": 0,
                     "triggers": [{"type": "cron", "metadata": {"timezone": "UTC"}}]}});
        check(&so, KubeVersion::V1_33, &mut found);
        assert_eq!(found, vec![]);
        let mut bad = so.clone();
        bad["spec"]["minReplicaCount"] = json!("zero");
        bad["spec"]["scaleTargetRef"]["nmae"] = json!("a");
        check(&bad, KubeVersion::V1_33, &mut found);
        assert_eq!(found.len(), 2, "{found:?}");
        found.clear();
        let route = json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
            "metadata": {"name": "a"},
            "spec": {"parentRefs": [{"name": "gw", "namespace": "gateway-system"}],
                     "rules": [{"backendRefs": [{"name": "a", "port": 80}],
                                "matches": [{"path": {"type": "Regex!", "value": "/"}}]}]}});
        check(&route, KubeVersion::V1_37, &mut found);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].pointer.ends_with("/path/type"), "{found:?}");
        found.clear();
        let set = json!({"apiVersion": "jobset.x-k8s.io/v1alpha2", "kind": "JobSet",
            "metadata": {"name": "a"},
            "spec": {"replicatedJobs": [{"name": "slice", "replicas": 2, "template": {"spec": {
                "completionMode": "Indexed", "completions": 2, "parallelism": 2,
                "template": {"spec": {"restartPolicy": "Never",
                    "containers": [{"name": "c", "image": "busybox:1.36"}]}}}}}]}});
        check(&set, KubeVersion::V1_33, &mut found);
        assert_eq!(found, vec![]);
        let mut bad = set.clone();
        bad["spec"]["replicatedJobs"][0]["template"]["spec"]["template"]["spec"]["containers"][0]
            ["imagePullPolcy"] = json!("Always");
        check(&bad, KubeVersion::V1_33, &mut found);
        assert_eq!(
            found.len(),
            1,
            "the pod template inside is strict too: {found:?}"
        );
    }

    #[test]
    fn every_kind_of_the_kinds_table_has_a_schema() {
        for k in crate::kinds::ALL {
            let doc = json!({"apiVersion": k.api_version, "kind": k.name});
            let mut found = Vec::new();
            check(&doc, KubeVersion::V1_33, &mut found);
            assert!(
                found
                    .iter()
                    .all(|f| !f.message.contains("no vendored schema")),
                "{}: {found:?}",
                k.name
            );
        }
    }

    #[test]
    fn the_fields_of_an_object_come_from_its_definition() {
        let d = json!({"apiVersion": "apps/v1", "kind": "Deployment"});
        let at = "/spec/template/spec/containers/0";
        let (name, fields) = fields_at(&d, KubeVersion::V1_37, at).expect("a container");
        assert_eq!(name.as_deref(), Some("Container"));
        assert!(fields.iter().any(|f| f == "workingDir"), "{fields:?}");
        let (_, labels) = fields_at(&d, KubeVersion::V1_33, "/metadata").expect("metadata");
        assert!(labels.iter().any(|f| f == "labels"));
        assert_eq!(fields_at(&d, KubeVersion::V1_37, "/spec/replicas"), None);
        let so = json!({"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject"});
        let (_, spec) = fields_at(&so, KubeVersion::V1_37, "/spec").expect("a CRD's spec");
        assert!(spec.iter().any(|f| f == "minReplicaCount"), "{spec:?}");
    }

    #[test]
    fn unknown_fields_wrong_types_and_unknown_kinds_fail() {
        let mut found = Vec::new();
        let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}});
        check(&ns, KubeVersion::V1_33, &mut found);
        assert_eq!(found, vec![]);
        let extra = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a", "nmae": "b"}});
        check(&extra, KubeVersion::V1_33, &mut found);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].pointer, "/metadata");
        assert!(found[0].message.contains("nmae"), "{}", found[0].message);
        found.clear();
        let crd = json!({"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledJob"});
        check(&crd, KubeVersion::V1_37, &mut found);
        assert!(found[0].message.contains("no vendored schema"), "{found:?}");
    }
}
