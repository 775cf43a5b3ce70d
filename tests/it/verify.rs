//! The verify stage: every example's objects pass Kubernetes' schemas and API-server rules for
//! every supported version, and each kind of generator bug (an unknown field, a wrong type, a
//! name the API server refuses, a dangling reference…) planted in those objects is caught.

use insta::assert_snapshot;
use mlspec::diagnostics::render::{self, Style};
use mlspec::source::SourceFile;
use mlspec::verify::{self, KubeVersion, Rule};
use mlspec::{Options, compile};
use serde_json::{Value, json};

use crate::support::{catalog, envs, examples, root};

#[test]
fn every_example_verifies_for_every_version() {
    let mut checked = 0;
    for path in examples() {
        let text = std::fs::read_to_string(&path).expect("readable");
        let source = SourceFile::new(path.display().to_string(), text.clone());
        for env in envs(&text) {
            for version in KubeVersion::ALL {
                let options = Options {
                    env: env.clone(),
                    k8s_version: version,
                    ..Default::default()
                };
                let compiled = compile(&source, &catalog(), &options);
                assert!(
                    !compiled.diagnostics.has_errors() && !compiled.objects.is_empty(),
                    "{} --env {env:?} for {version}: {:?}",
                    path.display(),
                    compiled.diagnostics
                );
                let found = verify::verify(&compiled.objects, version);
                assert_eq!(found, vec![], "{} for {version}", path.display());
                checked += compiled.objects.len();
            }
        }
    }
    assert!(checked >= 150, "only {checked} objects were verified");
}

/// The generated documents of an example, as JSON a test can edit.
fn documents(example: &str) -> (SourceFile, Vec<Value>) {
    let path = root().join("examples").join(example).join("app.toml");
    let text = std::fs::read_to_string(&path).expect("readable");
    let source = SourceFile::new(format!("examples/{example}/app.toml"), text);
    let compiled = compile(&source, &catalog(), &Options::default());
    assert!(!compiled.diagnostics.has_errors());
    (source, verify::documents(&compiled.objects))
}

fn find<'a>(docs: &'a mut [Value], kind: &str) -> &'a mut Value {
    docs.iter_mut()
        .find(|d| d["kind"] == kind)
        .unwrap_or_else(|| panic!("the example has a {kind}"))
}

/// One planted bug: the example, how to plant it, which check must catch it, and a piece of the
/// JSON path it must name.
struct Mutation {
    name: &'static str,
    example: &'static str,
    plant: fn(&mut Vec<Value>),
    rule: Rule,
    pointer: &'static str,
}

const CONTAINER: &str = "/spec/template/spec/containers/0";
const JOBSET_CONTAINER: &str = "/spec/replicatedJobs/0/template/spec/template/spec/containers/0";

fn at<'a>(doc: &'a mut Value, pointer: &str) -> &'a mut Value {
    doc.pointer_mut(pointer)
        .unwrap_or_else(|| panic!("the object has {pointer}"))
}

const MUTATIONS: &[Mutation] = &[
    Mutation {
        name: "unknown field",
        example: "sentiment",
        plant: |d| at(find(d, "Deployment"), CONTAINER)["imagePulPolicy"] = json!("Always"),
        rule: Rule::Schema,
        pointer: CONTAINER,
    },
    Mutation {
        name: "string for an integer",
        example: "sentiment",
        plant: |d| at(find(d, "Deployment"), "/spec")["replicas"] = json!("two"),
        rule: Rule::Schema,
        pointer: "/spec/replicas",
    },
    Mutation {
        name: "missing required field",
        example: "fraud-api",
        plant: |d| {
            let spec = at(find(d, "Deployment"), "/spec");
            spec.as_object_mut().map(|s| s.remove("selector"));
        },
        rule: Rule::Schema,
        pointer: "/spec",
    },
    Mutation {
        name: "number for a label value",
        example: "fraud-api",
        plant: |d| at(find(d, "Service"), "/metadata/labels")["tier"] = json!(1),
        rule: Rule::Schema,
        pointer: "/metadata/labels/tier",
    },
    Mutation {
        name: "object for a list",
        example: "llm-chat",
        plant: |d| at(find(d, "Deployment"), CONTAINER)["args"] = json!({"model": "x"}),
        rule: Rule::Schema,
        pointer: "/args",
    },
    Mutation {
        name: "unknown field in a CronJob's pod",
        example: "nightly-retrain",
        plant: |d| {
            at(find(d, "CronJob"), "/spec/jobTemplate/spec/template/spec")["gpus"] = json!(1)
        },
        rule: Rule::Schema,
        pointer: "/spec/jobTemplate/spec/template/spec",
    },
    Mutation {
        name: "name with uppercase and underscore",
        example: "sentiment",
        plant: |d| at(find(d, "Deployment"), "/metadata")["name"] = json!("Bad_Name"),
        rule: Rule::Api,
        pointer: "/metadata/name",
    },
    Mutation {
        name: "Service name starting with a digit",
        example: "sentiment",
        plant: |d| at(find(d, "Service"), "/metadata")["name"] = json!("1sentiment"),
        rule: Rule::Api,
        pointer: "/metadata/name",
    },
    Mutation {
        name: "CronJob name over 52 characters",
        example: "nightly-retrain",
        plant: |d| at(find(d, "CronJob"), "/metadata")["name"] = json!("r".repeat(53)),
        rule: Rule::Api,
        pointer: "/metadata/name",
    },
    Mutation {
        name: "label value the API refuses",
        example: "fraud-api",
        plant: |d| at(find(d, "Deployment"), "/metadata/labels")["cuda"] = json!("1.0+cuda12"),
        rule: Rule::Api,
        pointer: "/metadata/labels/cuda",
    },
    Mutation {
        name: "memory in GB",
        example: "fraud-api",
        plant: |d| {
            at(
                find(d, "Deployment"),
                &format!("{CONTAINER}/resources/requests"),
            )["memory"] = json!("48GB")
        },
        rule: Rule::Api,
        pointer: "/resources/requests/memory",
    },
    Mutation {
        name: "GPU request below its limit",
        example: "llm-chat",
        plant: |d| {
            at(
                find(d, "Deployment"),
                &format!("{CONTAINER}/resources/requests"),
            )["nvidia.com/gpu"] = json!("0")
        },
        rule: Rule::Api,
        pointer: "/resources/requests/nvidia.com~1gpu",
    },
    Mutation {
        name: "fractional GPU",
        example: "llm-chat",
        plant: |d| {
            let r = at(find(d, "Deployment"), &format!("{CONTAINER}/resources"));
            r["requests"]["nvidia.com/gpu"] = json!("500m");
            r["limits"]["nvidia.com/gpu"] = json!("500m");
        },
        rule: Rule::Api,
        pointer: "/resources/limits/nvidia.com~1gpu",
    },
    Mutation {
        name: "Job pods that restart Always",
        example: "tpu-train",
        plant: |d| at(find(d, "Job"), "/spec/template/spec")["restartPolicy"] = json!("Always"),
        rule: Rule::Api,
        pointer: "/spec/template/spec/restartPolicy",
    },
    Mutation {
        name: "Indexed Job without completions",
        example: "tpu-multihost",
        plant: |d| {
            let spec = at(find(d, "Job"), "/spec");
            spec.as_object_mut().map(|s| s.remove("completions"));
        },
        rule: Rule::Api,
        pointer: "/spec/completions",
    },
    Mutation {
        name: "pod subdomain that is not a DNS label",
        example: "tpu-multihost",
        plant: |d| at(find(d, "Job"), "/spec/template/spec")["subdomain"] = json!("Slice_Hosts"),
        rule: Rule::Api,
        pointer: "/spec/template/spec/subdomain",
    },
    Mutation {
        name: "selector that misses the template",
        example: "sentiment",
        plant: |d| {
            at(find(d, "Deployment"), "/spec/selector/matchLabels")["app.kubernetes.io/name"] =
                json!("other")
        },
        rule: Rule::Api,
        pointer: "/spec/selector",
    },
    Mutation {
        name: "Service selecting no pod",
        example: "fraud-api",
        plant: |d| {
            at(find(d, "Service"), "/spec/selector")["app.kubernetes.io/name"] = json!("gone")
        },
        rule: Rule::Reference,
        pointer: "/spec/selector",
    },
    Mutation {
        name: "Service targetPort no container names",
        example: "fraud-api",
        plant: |d| at(find(d, "Service"), "/spec/ports/0")["targetPort"] = json!("grpc-x"),
        rule: Rule::Api,
        pointer: "/spec/ports/0/targetPort",
    },
    Mutation {
        name: "Ingress backend to a missing Service",
        example: "sentiment",
        plant: |d| {
            at(
                find(d, "Ingress"),
                "/spec/rules/0/http/paths/0/backend/service",
            )["name"] = json!("nowhere")
        },
        rule: Rule::Reference,
        pointer: "/backend/service/name",
    },
    Mutation {
        name: "HPA scaling a missing Deployment",
        example: "sentiment",
        plant: |d| {
            at(find(d, "HorizontalPodAutoscaler"), "/spec/scaleTargetRef")["name"] =
                json!("nowhere")
        },
        rule: Rule::Reference,
        pointer: "/spec/scaleTargetRef",
    },
    Mutation {
        name: "PDB with both bounds",
        example: "sentiment",
        plant: |d| {
            let spec = at(find(d, "PodDisruptionBudget"), "/spec");
            spec["minAvailable"] = json!(1);
            spec["maxUnavailable"] = json!(1);
        },
        rule: Rule::Api,
        pointer: "/spec",
    },
    Mutation {
        // A pod runs as its workload's own account, which the bundle must then create (an
        // account of another name is one a spec names with `service_account.name`).
        name: "pod using its own ServiceAccount the bundle lacks",
        example: "sentiment",
        plant: |d| d.retain(|doc| doc["kind"] != "ServiceAccount"),
        rule: Rule::Reference,
        pointer: "/spec/template/spec/serviceAccountName",
    },
    Mutation {
        name: "RoleBinding of a Role the bundle lacks",
        example: "sentiment",
        plant: |d| {
            let sa = find(d, "ServiceAccount").clone();
            d.push(json!({
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "RoleBinding",
                "metadata": { "name": "sentiment", "namespace": sa["metadata"]["namespace"] },
                "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "sentiment" },
                "subjects": [{ "kind": "ServiceAccount", "name": "sentiment", "namespace": sa["metadata"]["namespace"] }]
            }));
        },
        rule: Rule::Reference,
        pointer: "/roleRef/name",
    },
    Mutation {
        name: "mount of a volume the pod lacks",
        example: "llm-chat",
        plant: |d| {
            at(
                find(d, "Deployment"),
                &format!("{CONTAINER}/volumeMounts/0"),
            )["name"] = json!("ghost")
        },
        rule: Rule::Api,
        pointer: "/volumeMounts/0/name",
    },
    Mutation {
        name: "privileged container that may not escalate",
        example: "sentiment",
        plant: |d| {
            at(
                find(d, "Deployment"),
                &format!("{CONTAINER}/securityContext"),
            )["privileged"] = json!(true)
        },
        rule: Rule::Api,
        pointer: "/securityContext/allowPrivilegeEscalation",
    },
    Mutation {
        name: "cron schedule out of range",
        example: "nightly-retrain",
        plant: |d| at(find(d, "CronJob"), "/spec")["schedule"] = json!("61 2 * * *"),
        rule: Rule::Api,
        pointer: "/spec/schedule",
    },
    Mutation {
        name: "port name over 15 characters",
        example: "fraud-api",
        plant: |d| {
            at(find(d, "Deployment"), &format!("{CONTAINER}/ports/0"))["name"] =
                json!("inference-grpc-port")
        },
        rule: Rule::Api,
        pointer: "/ports/0/name",
    },
    Mutation {
        name: "unknown field in a custom resource",
        example: "keda-scale-to-zero",
        plant: |d| at(find(d, "ScaledObject"), "/spec")["minReplicas"] = json!(0),
        rule: Rule::Schema,
        pointer: "/spec",
    },
    Mutation {
        name: "HTTPRoute path match of an unknown type",
        example: "keda-scale-to-zero",
        plant: |d| {
            at(find(d, "HTTPRoute"), "/spec/rules/0/matches/0/path")["type"] = json!("Prefix")
        },
        rule: Rule::Schema,
        pointer: "/spec/rules/0/matches/0/path/type",
    },
    Mutation {
        name: "HTTPRoute backend on a port the Service lacks",
        example: "keda-scale-to-zero",
        plant: |d| at(find(d, "HTTPRoute"), "/spec/rules/0/backendRefs/0")["port"] = json!(8080),
        rule: Rule::Api,
        pointer: "/spec/rules/0/backendRefs/0/port",
    },
    Mutation {
        name: "JobSet pod template with an unknown field",
        example: "jax-tpu-jobset",
        plant: |d| {
            at(find(d, "JobSet"), JOBSET_CONTAINER)["imagePulPolicy"] = json!("Always");
        },
        rule: Rule::Schema,
        pointer: JOBSET_CONTAINER,
    },
    Mutation {
        name: "JobSet whose generated pod names pass 63 characters",
        example: "jax-tpu-jobset",
        plant: |d| at(find(d, "JobSet"), "/spec/replicatedJobs/0")["name"] = json!("s".repeat(30)),
        rule: Rule::Api,
        pointer: "/spec/replicatedJobs/0/name",
    },
    Mutation {
        name: "JobSet slice Job with restartPolicy Always",
        example: "jax-tpu-jobset",
        plant: |d| {
            at(
                find(d, "JobSet"),
                "/spec/replicatedJobs/0/template/spec/template/spec",
            )["restartPolicy"] = json!("Always");
        },
        rule: Rule::Api,
        pointer: "/spec/replicatedJobs/0/template/spec/template/spec/restartPolicy",
    },
    Mutation {
        name: "ScaledObject targeting a Deployment not in the bundle",
        example: "keda-scale-to-zero",
        plant: |d| at(find(d, "ScaledObject"), "/spec/scaleTargetRef")["name"] = json!("other"),
        rule: Rule::Reference,
        pointer: "/spec/scaleTargetRef",
    },
    Mutation {
        name: "an ipBlock exception outside its block",
        example: "iris-loadbalancer",
        plant: |d| {
            at(find(d, "NetworkPolicy"), "/spec/ingress/1/from/0/ipBlock")["except"] =
                json!(["10.0.0.0/24"])
        },
        rule: Rule::Api,
        pointer: "/spec/ingress/1/from/0/ipBlock/except/0",
    },
    Mutation {
        name: "an ipBlock that is not a CIDR",
        example: "iris-loadbalancer",
        plant: |d| {
            at(find(d, "NetworkPolicy"), "/spec/ingress/1/from/0/ipBlock")["cidr"] =
                json!("203.0.113.7")
        },
        rule: Rule::Api,
        pointer: "/spec/ingress/1/from/0/ipBlock/cidr",
    },
    Mutation {
        name: "a load balancer source range that is not a CIDR",
        example: "iris-loadbalancer",
        plant: |d| at(find(d, "Service"), "/spec/loadBalancerSourceRanges")[0] = json!("x"),
        rule: Rule::Api,
        pointer: "/spec/loadBalancerSourceRanges/0",
    },
    Mutation {
        name: "externalTrafficPolicy on a ClusterIP Service",
        example: "iris-loadbalancer",
        plant: |d| at(find(d, "Service"), "/spec")["type"] = json!("ClusterIP"),
        rule: Rule::Api,
        pointer: "/spec/externalTrafficPolicy",
    },
    Mutation {
        name: "a ServiceMonitor selecting no Service",
        example: "vllm-production-stack",
        plant: |d| {
            at(find(d, "ServiceMonitor"), "/spec/selector/matchLabels")["app.kubernetes.io/name"] =
                json!("gone")
        },
        rule: Rule::Reference,
        pointer: "/spec/selector",
    },
    Mutation {
        name: "a PodMonitoring endpoint without its required interval",
        example: "triton-gke-loadbalancer",
        plant: |d| {
            let e = at(find(d, "PodMonitoring"), "/spec/endpoints/0");
            e.as_object_mut().map(|o| o.remove("interval"));
        },
        rule: Rule::Schema,
        pointer: "/spec/endpoints/0",
    },
    Mutation {
        name: "a StatefulSet whose serviceName is a Service with a cluster IP",
        example: "nim-statefulset",
        plant: |d| at(find(d, "StatefulSet"), "/spec")["serviceName"] = json!("nim"),
        rule: Rule::Api,
        pointer: "/spec/serviceName",
    },
    Mutation {
        name: "a StatefulSet whose serviceName is no Service",
        example: "nim-statefulset",
        plant: |d| at(find(d, "StatefulSet"), "/spec")["serviceName"] = json!("gone"),
        rule: Rule::Reference,
        pointer: "/spec/serviceName",
    },
    Mutation {
        name: "a claim template without an access mode",
        example: "nim-statefulset",
        plant: |d| {
            at(find(d, "StatefulSet"), "/spec/volumeClaimTemplates/0/spec")["accessModes"] =
                json!([])
        },
        rule: Rule::Api,
        pointer: "/spec/volumeClaimTemplates/0/spec/accessModes",
    },
    Mutation {
        name: "a mount of a claim template that is not there",
        example: "nim-statefulset",
        plant: |d| {
            at(
                find(d, "StatefulSet"),
                "/spec/volumeClaimTemplates/0/metadata",
            )["name"] = json!("other")
        },
        rule: Rule::Api,
        pointer: "/spec/template/spec/containers/0/volumeMounts",
    },
    Mutation {
        name: "an unknown podManagementPolicy",
        example: "nim-statefulset",
        plant: |d| at(find(d, "StatefulSet"), "/spec")["podManagementPolicy"] = json!("Fast"),
        rule: Rule::Api,
        pointer: "/spec/podManagementPolicy",
    },
    Mutation {
        name: "a LeaderWorkerSet group of no pods",
        example: "sglang-two-nodes",
        plant: |d| at(find(d, "LeaderWorkerSet"), "/spec/leaderWorkerTemplate")["size"] = json!(0),
        rule: Rule::Api,
        pointer: "/spec/leaderWorkerTemplate/size",
    },
    Mutation {
        name: "an unknown field in a LeaderWorkerSet's worker",
        example: "sglang-two-nodes",
        plant: |d| {
            at(
                find(d, "LeaderWorkerSet"),
                "/spec/leaderWorkerTemplate/workerTemplate/spec/containers/0",
            )["gpus"] = json!(8)
        },
        rule: Rule::Schema,
        pointer: "/spec/leaderWorkerTemplate/workerTemplate/spec/containers/0",
    },
    Mutation {
        name: "a worker mounting a volume it does not have",
        example: "sglang-two-nodes",
        plant: |d| {
            at(
                find(d, "LeaderWorkerSet"),
                "/spec/leaderWorkerTemplate/workerTemplate/spec/containers/0/volumeMounts/0",
            )["name"] = json!("gone")
        },
        rule: Rule::Api,
        pointer: "/spec/leaderWorkerTemplate/workerTemplate/spec/containers/0/volumeMounts/0/name",
    },
    Mutation {
        name: "a leader Service selecting no leader",
        example: "sglang-two-nodes",
        plant: |d| {
            at(find(d, "Service"), "/spec/selector")["leaderworkerset.sigs.k8s.io/worker-index"] =
                json!("7")
        },
        rule: Rule::Reference,
        pointer: "/spec/selector",
    },
    Mutation {
        name: "a NetworkPolicy port range that ends below its start",
        example: "sglang-two-nodes",
        plant: |d| at(find(d, "NetworkPolicy"), "/spec/ingress/1/ports/1")["endPort"] = json!(100),
        rule: Rule::Api,
        pointer: "/spec/ingress/1/ports/1/endPort",
    },
];

#[test]
fn every_planted_bug_is_caught() {
    for m in MUTATIONS {
        let (_, mut docs) = documents(m.example);
        (m.plant)(&mut docs);
        for version in [KubeVersion::V1_33, KubeVersion::default()] {
            let found = verify::verify_documents(&docs, version);
            assert!(
                found
                    .iter()
                    .any(|l| l.finding.rule == m.rule && l.finding.pointer.contains(m.pointer)),
                "{} ({version}): expected a {:?} finding at {}, got {found:#?}",
                m.name,
                m.rule,
                m.pointer
            );
        }
    }
}

/// What a user sees: the object, the JSON path, that it is mlspec's bug, and the key in their
/// file the value came from.
#[test]
fn findings_render_with_the_object_the_path_and_the_users_key() {
    type Plant = fn(&mut Vec<Value>);
    let cases: [(&str, &str, Plant); 2] = [
        ("E0300", "sentiment", |d| {
            at(find(d, "Deployment"), CONTAINER)["image"] = json!(7)
        }),
        ("E0301", "llm-chat", |d| {
            at(
                find(d, "Deployment"),
                &format!("{CONTAINER}/resources/requests"),
            )["nvidia.com/gpu"] = json!("0")
        }),
    ];
    for (code, example, plant) in cases {
        let (source, mut docs) = documents(example);
        plant(&mut docs);
        let found = verify::verify_documents(&docs, KubeVersion::default());
        let diagnostics = verify::diagnostics(&source, &docs, &found, KubeVersion::default());
        let text: Vec<String> = diagnostics
            .iter()
            .map(|d| render::human(d, Some(&source), Style::plain()))
            .collect();
        assert!(text.iter().all(|t| t.contains(code)), "{text:?}");
        assert_snapshot!(code, text.join("\n"));
    }
}
