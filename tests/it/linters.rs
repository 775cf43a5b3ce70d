//! kube-score's and kube-linter's default checks, restated over every example's bundle.
//!
//! Both tools are Go binaries that cannot be installed here (shared/research/validators.md), so
//! this test holds the examples to the checks each enables by default (kube-score 1.20's
//! README_CHECKS.md, kube-linter 0.8's docs/generated/checks.md), as those tools decide them. A
//! check the verify stage already makes (selectors, dangling references, probe ports, label
//! values) is not repeated. kube-score's Warning grades that mlspec also meets are included.

use std::collections::{BTreeMap, BTreeSet};

use mlspec::source::SourceFile;
use mlspec::values::image::parse_image;
use mlspec::{Options, compile, verify};
use serde_json::Value;

use crate::support::{catalog, envs, examples, labels};

/// Every example's documents, for the base spec and each overlay: (label, documents).
fn bundles() -> Vec<(String, Vec<Value>)> {
    let mut out = Vec::new();
    for path in examples() {
        let text = std::fs::read_to_string(&path).expect("readable");
        let envs = envs(&text);
        let source = SourceFile::new(path.display().to_string(), text);
        for env in envs {
            let options = Options {
                env: env.clone(),
                ..Default::default()
            };
            let compiled = compile(&source, &catalog(), &options);
            assert!(!compiled.diagnostics.has_errors(), "{}", path.display());
            let label = format!("{} {}", path.display(), env.unwrap_or_default());
            out.push((label, verify::documents(&compiled.objects)));
        }
    }
    out
}

fn str_at<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

fn name(doc: &Value) -> String {
    format!(
        "{} {}",
        str_at(doc, "/kind").unwrap_or("?"),
        str_at(doc, "/metadata/name").unwrap_or("?")
    )
}

/// The pod template of a pod-bearing document.
fn template(doc: &Value) -> Option<&Value> {
    match str_at(doc, "/kind")? {
        "Deployment" | "Job" => doc.pointer("/spec/template"),
        "CronJob" => doc.pointer("/spec/jobTemplate/spec/template"),
        _ => None,
    }
}

/// `matchLabels` (the only form mlspec writes) against a pod's labels.
fn selects(selector: Option<&Value>, pod: &BTreeMap<String, String>) -> bool {
    let want = labels(selector);
    !want.is_empty() && want.iter().all(|(k, v)| pod.get(k) == Some(v))
}

fn containers(pod_spec: &Value) -> Vec<&Value> {
    ["initContainers", "containers"]
        .iter()
        .flat_map(|k| pod_spec.get(*k).and_then(Value::as_array))
        .flatten()
        .collect()
}

/// A quantity that is set and not zero.
fn set(c: &Value, pointer: &str) -> bool {
    str_at(c, pointer).is_some_and(|q| !q.trim_start_matches('0').is_empty())
}

/// kube-score's areProbesIdentical: same HTTP path and port, same TCP port, or same command.
fn identical(r: &Value, l: &Value) -> bool {
    if let (Some(a), Some(b)) = (r.get("httpGet"), l.get("httpGet")) {
        return a.get("path") == b.get("path") && a.get("port") == b.get("port");
    }
    if let (Some(a), Some(b)) = (r.get("tcpSocket"), l.get("tcpSocket")) {
        return a.get("port") == b.get("port");
    }
    matches!((r.get("exec"), l.get("exec")), (Some(a), Some(b)) if a == b)
}

/// Every default-check failure in one bundle, as `check: object: what`.
fn failures(docs: &[Value]) -> Vec<String> {
    let mut out = Vec::new();
    let mut fail = |check: &str, doc: &Value, what: &str| {
        out.push(format!("{check}: {}: {what}", name(doc)));
    };
    let of_kind = |kind: &'static str| {
        docs.iter()
            .filter(move |d| str_at(d, "/kind") == Some(kind))
    };

    let secret_like = ["secret", "password", "passwd", "token", "apikey", "api_key"];

    for doc in docs {
        let Some(t) = template(doc) else { continue };
        let pod_labels = labels(t.pointer("/metadata/labels"));
        let ns = str_at(doc, "/metadata/namespace");
        let spec = &t["spec"];
        let served = of_kind("Service").any(|s| {
            str_at(s, "/metadata/namespace") == ns
                && selects(s.pointer("/spec/selector"), &pod_labels)
        });
        for key in ["hostNetwork", "hostPID", "hostIPC"] {
            if spec.get(key) == Some(&Value::Bool(true)) {
                fail("kube-linter host-network/pid/ipc", doc, key);
            }
        }
        if spec.get("serviceAccount").is_some() {
            fail(
                "kube-linter deprecated-service-account-field",
                doc,
                "serviceAccount",
            );
        }
        if spec.pointer("/securityContext/sysctls").is_some() {
            fail("kube-linter unsafe-sysctls", doc, "sysctls");
        }
        let volumes = spec.get("volumes").and_then(Value::as_array);
        if volumes
            .into_iter()
            .flatten()
            .any(|v| v.get("hostPath").is_some())
        {
            fail(
                "kube-linter sensitive-host-mounts",
                doc,
                "a hostPath volume",
            );
        }
        let pod_ctx = spec.get("securityContext");
        for c in containers(spec) {
            let ctx = |k: &str| {
                c.pointer(&format!("/securityContext/{k}"))
                    .or_else(|| pod_ctx.and_then(|p| p.get(k)))
            };
            for (check, pointer) in [
                ("kube-score container-resources", "/resources/requests/cpu"),
                (
                    "kube-score container-resources",
                    "/resources/requests/memory",
                ),
                ("kube-score container-resources", "/resources/limits/cpu"),
                ("kube-score container-resources", "/resources/limits/memory"),
                (
                    "kube-score container-ephemeral-storage-request-and-limit",
                    "/resources/requests/ephemeral-storage",
                ),
                (
                    "kube-score container-ephemeral-storage-request-and-limit",
                    "/resources/limits/ephemeral-storage",
                ),
            ] {
                if !set(c, pointer) {
                    fail(check, doc, &format!("{pointer} is not set"));
                }
            }
            let image = str_at(c, "/image").unwrap_or_default();
            let tag = image.rsplit_once(':').map(|(_, t)| t).unwrap_or_default();
            if tag.is_empty() || tag == "latest" || parse_image(image).is_ok_and(|i| i.is_latest())
            {
                fail(
                    "kube-score container-image-tag / kube-linter latest-tag",
                    doc,
                    image,
                );
            }
            if str_at(c, "/imagePullPolicy") != Some("Always") {
                fail("kube-score container-image-pull-policy", doc, "not Always");
            }
            let uid = ctx("runAsUser").and_then(Value::as_i64).unwrap_or(0);
            let gid = ctx("runAsGroup").and_then(Value::as_i64).unwrap_or(0);
            if uid <= 10000 || gid <= 10000 {
                fail(
                    "kube-score container-security-context-user-group-id",
                    doc,
                    "uid/gid ≤ 10000",
                );
            }
            if ctx("privileged") == Some(&Value::Bool(true)) {
                fail("kube-score/kube-linter privileged", doc, "privileged");
            }
            if ctx("readOnlyRootFilesystem") != Some(&Value::Bool(true)) {
                fail(
                    "kube-score/kube-linter read-only root fs",
                    doc,
                    "writable root",
                );
            }
            if ctx("runAsNonRoot") != Some(&Value::Bool(true)) && uid == 0 {
                fail("kube-linter run-as-non-root", doc, "may run as root");
            }
            if ctx("allowPrivilegeEscalation") != Some(&Value::Bool(false)) {
                fail(
                    "kube-linter privilege-escalation-container",
                    doc,
                    "escalation allowed",
                );
            }
            let drops: Vec<&str> = c
                .pointer("/securityContext/capabilities/drop")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            if !drops.iter().any(|d| *d == "ALL" || *d == "NET_RAW") {
                fail("kube-linter drop-net-raw-capability", doc, "NET_RAW kept");
            }
            let ports = c.get("ports").and_then(Value::as_array);
            if ports
                .into_iter()
                .flatten()
                .any(|p| p["containerPort"] == 22)
            {
                fail("kube-linter ssh-port", doc, "port 22");
            }
            let mut env_names = BTreeSet::new();
            for e in c.get("env").and_then(Value::as_array).into_iter().flatten() {
                let n = str_at(e, "/name").unwrap_or_default();
                if !env_names.insert(n) {
                    fail("kube-score/kube-linter duplicate env", doc, n);
                }
                let lower = n.to_ascii_lowercase();
                if e.get("value").is_some() && secret_like.iter().any(|s| lower.contains(s)) {
                    fail("kube-linter env-var-secret", doc, n);
                }
            }
            // kube-score asks probes of the containers that serve, not of init containers.
            let init = spec
                .get("initContainers")
                .and_then(Value::as_array)
                .is_some_and(|a| a.iter().any(|i| std::ptr::eq(i, c)));
            if served && !init && str_at(doc, "/kind") == Some("Deployment") {
                match (c.get("readinessProbe"), c.get("livenessProbe")) {
                    (None, _) => fail("kube-score pod-probes", doc, "no readinessProbe"),
                    (Some(r), Some(l)) if identical(r, l) => {
                        fail("kube-score pod-probes-identical", doc, "same probe twice")
                    }
                    _ => {}
                }
            }
        }
        let isolated = of_kind("NetworkPolicy").any(|np| {
            str_at(np, "/metadata/namespace") == ns
                && selects(np.pointer("/spec/podSelector/matchLabels"), &pod_labels)
        });
        if !isolated {
            fail(
                "kube-score pod-networkpolicy / kube-linter non-isolated-pod",
                doc,
                "no NetworkPolicy",
            );
        }
    }

    for d in of_kind("Deployment") {
        let replicas = d.pointer("/spec/replicas").and_then(Value::as_i64);
        let pod_labels = labels(d.pointer("/spec/template/metadata/labels"));
        let ns = str_at(d, "/metadata/namespace");
        if replicas.is_some_and(|r| r < 2) {
            fail("kube-score deployment-replicas", d, "fewer than 2 replicas");
        }
        if replicas.is_none_or(|r| r >= 2) {
            let has_pdb = of_kind("PodDisruptionBudget").any(|p| {
                str_at(p, "/metadata/namespace") == ns
                    && selects(p.pointer("/spec/selector/matchLabels"), &pod_labels)
            });
            if !has_pdb {
                fail("kube-score deployment-has-poddisruptionbudget", d, "no PDB");
            }
            let anti = d
                .pointer("/spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .any(|t| {
                    str_at(t, "/podAffinityTerm/topologyKey") == Some("kubernetes.io/hostname")
                        && selects(t.pointer("/podAffinityTerm/labelSelector/matchLabels"), &pod_labels)
                });
            let required = d
                .pointer("/spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution")
                .is_some();
            if !anti && !required {
                fail(
                    "kube-score deployment-has-host-podantiaffinity / kube-linter no-anti-affinity",
                    d,
                    "none",
                );
            }
        }
        let strategy = str_at(d, "/spec/strategy/type").unwrap_or("RollingUpdate");
        if strategy != "RollingUpdate" {
            fail("kube-score deployment-strategy", d, strategy);
        }
        let scaled = of_kind("HorizontalPodAutoscaler")
            .any(|h| str_at(h, "/spec/scaleTargetRef/name") == str_at(d, "/metadata/name"));
        if scaled && replicas.is_some() {
            fail(
                "kube-score deployment-targeted-by-hpa-does-not-have-replicas-configured",
                d,
                "replicas set",
            );
        }
    }
    for h in of_kind("HorizontalPodAutoscaler") {
        if h.pointer("/spec/minReplicas")
            .and_then(Value::as_i64)
            .unwrap_or(1)
            < 2
        {
            fail(
                "kube-score horizontalpodautoscaler-replicas",
                h,
                "minReplicas < 2",
            );
        }
    }
    for p in of_kind("PodDisruptionBudget") {
        let spec = &p["spec"];
        if spec.get("minAvailable").is_none() && spec.get("maxUnavailable").is_none() {
            fail("kube-score poddisruptionbudget-has-policy", p, "no policy");
        }
        if spec.get("maxUnavailable") == Some(&Value::from(0)) {
            fail("kube-linter pdb-max-unavailable", p, "maxUnavailable 0");
        }
        if spec.get("unhealthyPodEvictionPolicy").is_none() {
            fail("kube-linter pdb-unhealthy-pod-eviction-policy", p, "unset");
        }
    }
    for s in of_kind("Service") {
        if str_at(s, "/spec/type") == Some("NodePort") {
            fail("kube-score service-type", s, "NodePort");
        }
    }
    for c in of_kind("CronJob") {
        if c.pointer("/spec/startingDeadlineSeconds").is_none() {
            fail(
                "kube-score cronjob-has-deadline",
                c,
                "no startingDeadlineSeconds",
            );
        }
        if c.pointer("/spec/jobTemplate/spec/ttlSecondsAfterFinished")
            .is_some()
        {
            fail(
                "kube-linter job-ttl-seconds-after-finished",
                c,
                "TTL on a CronJob's jobs",
            );
        }
    }
    for j in of_kind("Job") {
        if j.pointer("/spec/ttlSecondsAfterFinished").is_none() {
            fail("kube-linter job-ttl-seconds-after-finished", j, "no TTL");
        }
    }
    out
}

#[test]
fn every_example_passes_kube_score_and_kube_linter_defaults() {
    let bundles = bundles();
    assert!(bundles.len() >= 5);
    for (label, docs) in &bundles {
        assert_eq!(failures(docs), Vec::<String>::new(), "{label}");
    }
}

/// The restated checks are not vacuous: the bundle as mlspec wrote it before this was fixed (pull
/// policy IfNotPresent, one hostname spread constraint instead of anti-affinity, no ephemeral
/// storage, a TTL on a CronJob's jobs, the readiness probe reused for liveness) fails each.
#[test]
fn each_restated_check_catches_what_it_names() {
    let bundles = bundles();
    let find = |example: &str| {
        bundles
            .iter()
            .find(|(l, _)| l.contains(example))
            .map(|(_, d)| d.clone())
            .expect("example")
    };
    let mut sentiment = find("sentiment");
    let mut cron = find("nightly-retrain");
    for d in sentiment.iter_mut().chain(cron.iter_mut()) {
        let kind = str_at(d, "/kind").unwrap_or_default().to_string();
        let pod = match kind.as_str() {
            "Deployment" => "/spec/template/spec",
            "CronJob" => "/spec/jobTemplate/spec/template/spec",
            _ => continue,
        };
        let spec = d.pointer_mut(pod).expect("pod spec");
        spec.as_object_mut().map(|s| s.remove("affinity"));
        let c = &mut spec["containers"][0];
        c["imagePullPolicy"] = Value::from("IfNotPresent");
        for side in ["requests", "limits"] {
            c["resources"][side]
                .as_object_mut()
                .map(|m| m.remove("ephemeral-storage"));
        }
        if c.get("readinessProbe").is_some() {
            c["livenessProbe"] = c["readinessProbe"].clone();
        }
        if kind == "CronJob" {
            d["spec"]["jobTemplate"]["spec"]["ttlSecondsAfterFinished"] = Value::from(86400);
        }
    }
    let found = [failures(&sentiment), failures(&cron)].concat().join("\n");
    for check in [
        "container-image-pull-policy",
        "container-ephemeral-storage-request-and-limit",
        "deployment-has-host-podantiaffinity",
        "pod-probes-identical",
        "job-ttl-seconds-after-finished",
    ] {
        assert!(found.contains(check), "{check} not caught:\n{found}");
    }
}
