//! How each kind becomes a workload: its controller's pods (the labels the controller adds, the
//! owner the pod points to), admitted by the API server, and how many there are at each moment.
//!
//! A new kind is one more function here and one more arm in `expand`: it returns the roles of
//! its pods (one for most kinds; a leader and its workers for a LeaderWorkerSet, one per
//! replicated Job for a JobSet) and, for the kinds whose pods start as gangs, how they group.
//!
//! Controller labels modelled: a Deployment's `pod-template-hash` (its own for the pods a
//! rolling update adds), a StatefulSet's `controller-revision-hash`, a Job's `job-name` and
//! `controller-uid` (both spellings). Left out: the labels that differ from pod to pod
//! (`statefulset.kubernetes.io/pod-name`, `apps.kubernetes.io/pod-index`,
//! `batch.kubernetes.io/job-completion-index`), which only a selector naming one pod could use.
//! Hash and uid values are mlspec's own, stable for a template, not the controllers'.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::JobSpec;
use k8s_openapi::api::core::v1::{PodSpec, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{
    LabelSelector, LabelSelectorRequirement, ObjectMeta,
};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::admission;
use super::manifests::Manifest;
use super::pod::{PodShape, Selector, SoftSpread, Spread, shape};
use super::workload::{Context, Gang, Role, Workload, count, fenceposts, ns_of};
use crate::inventory::{HOSTNAME_LABEL, ZONE_LABEL};

/// The label a Deployment's ReplicaSets add to tell their pods apart.
pub const POD_TEMPLATE_HASH: &str = "pod-template-hash";

/// The workload a manifest runs, if it runs pods, with the spec component it comes from.
pub fn expand(m: &Manifest, ctx: &Context) -> Option<Workload> {
    let (mut w, meta) = workload(m, ctx)?;
    w.component = super::report::component(meta.name.as_deref(), meta.labels.as_ref());
    Some(w)
}

/// The workload a manifest runs, if it runs pods, and the manifest's metadata.
fn workload<'a>(m: &'a Manifest, ctx: &Context) -> Option<(Workload, &'a ObjectMeta)> {
    Some(match m {
        Manifest::Pod(p) => {
            let ns = ns_of(&p.metadata);
            let labels = p.metadata.labels.clone().unwrap_or_default();
            let spec = p.spec.clone().unwrap_or_default();
            let role = Role::fixed(admitted(&ns, &labels, spec, None, ctx), 1, 1);
            let w = Workload::single(id("Pod", &p.metadata), role, 1);
            (w, &p.metadata)
        }
        Manifest::Deployment(d) => (deployment(d, ctx), &d.metadata),
        Manifest::ReplicaSet(rs) => (replica_set(rs, ctx), &rs.metadata),
        Manifest::StatefulSet(s) => (stateful_set(s, ctx), &s.metadata),
        Manifest::Job(j) => {
            let spec = j.spec.clone().unwrap_or_default();
            let name = j.metadata.name.clone().unwrap_or_default();
            (job("Job", &j.metadata, &name, &spec, ctx), &j.metadata)
        }
        Manifest::CronJob(c) => {
            let spec = c
                .spec
                .as_ref()
                .and_then(|s| s.job_template.spec.clone())
                .unwrap_or_default();
            // Each run is a Job named after the CronJob and its scheduled time.
            let name = format!(
                "{}-{}",
                c.metadata.name.as_deref().unwrap_or(""),
                "29000000"
            );
            (job("CronJob", &c.metadata, &name, &spec, ctx), &c.metadata)
        }
        Manifest::JobSet(j) => (job_set(j, ctx), &j.metadata),
        Manifest::LeaderWorkerSet(l) => (leader_worker_set(l, ctx), &l.metadata),
        _ => return None,
    })
}

/// The labels the LeaderWorkerSet controller gives every pod of a group and tells leaders
/// (worker index 0) from workers by. A worker's own index and its group's index and key differ
/// from pod to pod and are left out, as for the other kinds.
const LWS_NAME: &str = "leaderworkerset.sigs.k8s.io/name";
const LWS_WORKER_INDEX: &str = "leaderworkerset.sigs.k8s.io/worker-index";

/// A LeaderWorkerSet: per group a leader (from `leaderTemplate`, else `workerTemplate`) and
/// `size - 1` workers, a gang; as many groups as `replicas` (or its autoscaler's bounds: the
/// scale subresource counts groups). A rolling update adds `maxSurge` whole groups (the API's
/// default none, replacing `maxUnavailable`, default 1, at a time), resolved against the groups
/// as a Deployment's against its replicas.
fn leader_worker_set(l: &crate::generate::crd::LeaderWorkerSet, ctx: &Context) -> Workload {
    let ns = ns_of(&l.metadata);
    let name = l.metadata.name.clone().unwrap_or_default();
    let t = &l.spec.leader_worker_template;
    let size = count(t.size, 1).max(1);
    let (steady, max) = ctx.replicas("LeaderWorkerSet", &l.metadata, l.spec.replicas);
    let rolling = l
        .spec
        .rollout_strategy
        .as_ref()
        .and_then(|r| r.rolling_update_configuration.as_ref());
    let (surge, unavailable) = fenceposts(
        Some(
            rolling
                .and_then(|r| r.max_surge.as_ref())
                .unwrap_or(&IntOrString::Int(0)),
        ),
        Some(
            rolling
                .and_then(|r| r.max_unavailable.as_ref())
                .unwrap_or(&IntOrString::Int(1)),
        ),
        max,
    );
    let role = |tpl: &PodTemplateSpec, index: &str, per_group: u32| {
        let (mut labels, pod_spec) = template(tpl);
        labels.insert(LWS_NAME.into(), name.clone());
        labels.insert(LWS_WORKER_INDEX.into(), index.into());
        // Leaders are a StatefulSet's pods, each group's workers another's.
        let owner = LabelSelector {
            match_labels: Some(BTreeMap::from([
                (LWS_NAME.to_string(), name.clone()),
                (LWS_WORKER_INDEX.to_string(), index.to_string()),
            ])),
            match_expressions: None,
        };
        Role {
            pod: admitted(&ns, &labels, pod_spec, Some(&owner), ctx),
            surge_pod: None,
            steady: steady.saturating_mul(per_group),
            max: max.saturating_mul(per_group),
            surge: surge.saturating_mul(per_group),
        }
    };
    let leader = role(
        t.leader_template.as_ref().unwrap_or(&t.worker_template),
        "0",
        1,
    );
    let mut roles = vec![leader];
    let mut share = vec![1];
    if size > 1 {
        roles.push(role(&t.worker_template, "1", size - 1));
        share.push(size - 1);
    }
    Workload {
        id: id("LeaderWorkerSet", &l.metadata),
        roles,
        max_unavailable: unavailable,
        component: None,
        gang: Some(Gang::Together(share)),
    }
}

/// A JobSet: every replicated Job's `replicas` Jobs, each a gang of its pods (a slice whose
/// hosts all train or none does), with the labels the JobSet controller gives them.
fn job_set(j: &crate::generate::crd::JobSet, ctx: &Context) -> Workload {
    let ns = ns_of(&j.metadata);
    let name = j.metadata.name.clone().unwrap_or_default();
    let mut roles = Vec::new();
    let mut sizes = Vec::new();
    for r in &j.spec.replicated_jobs {
        let spec = r.template.spec.clone().unwrap_or_default();
        let parallelism = count(spec.parallelism, 1);
        let pods = match spec.completions {
            Some(c) => parallelism.min(count(Some(c), 1)),
            None => parallelism,
        };
        let jobs = count(Some(r.replicas), 1);
        let (mut labels, pod_spec) = template(&spec.template);
        for (k, v) in [
            ("jobset.sigs.k8s.io/jobset-name", name.as_str()),
            ("jobset.sigs.k8s.io/replicatedjob-name", r.name.as_str()),
        ] {
            labels.insert(k.into(), v.into());
        }
        let n = jobs.saturating_mul(pods);
        roles.push(Role::fixed(
            admitted(&ns, &labels, pod_spec, None, ctx),
            n,
            n,
        ));
        sizes.push(pods);
    }
    Workload {
        id: id("JobSet", &j.metadata),
        roles,
        max_unavailable: 1,
        component: None,
        gang: Some(Gang::EachRole(sizes)),
    }
}

fn id(kind: &str, meta: &ObjectMeta) -> String {
    format!(
        "{kind}/{}/{}",
        ns_of(meta),
        meta.name.as_deref().unwrap_or("")
    )
}

fn template(t: &PodTemplateSpec) -> (BTreeMap<String, String>, PodSpec) {
    (
        t.metadata
            .as_ref()
            .and_then(|m| m.labels.clone())
            .unwrap_or_default(),
        t.spec.clone().unwrap_or_default(),
    )
}

fn deployment(d: &Deployment, ctx: &Context) -> Workload {
    let ns = ns_of(&d.metadata);
    let spec = d.spec.clone().unwrap_or_default();
    let (steady, max) = ctx.replicas("Deployment", &d.metadata, spec.replicas);
    let strategy = spec.strategy.clone().unwrap_or_default();
    let (surge, unavailable) = if strategy.type_.as_deref() == Some("Recreate") {
        (0, max)
    } else {
        let ru = strategy.rolling_update.unwrap_or_default();
        fenceposts(ru.max_surge.as_ref(), ru.max_unavailable.as_ref(), max)
    };
    let (labels, pod_spec) = template(&spec.template);
    // The ReplicaSet of the template, and the one a rollout creates: each selects its own hash.
    let text = serde_json::to_string(&spec.template).unwrap_or_default();
    let shaped = |salt: &str| {
        let hash = safe_encode(fnv1a(&format!("{text}{salt}")));
        let mut labels = labels.clone();
        labels.insert(POD_TEMPLATE_HASH.into(), hash.clone());
        let mut selector = spec.selector.clone();
        selector
            .match_labels
            .get_or_insert_with(BTreeMap::new)
            .insert(POD_TEMPLATE_HASH.into(), hash);
        admitted(&ns, &labels, pod_spec.clone(), Some(&selector), ctx)
    };
    let role = Role {
        pod: shaped(""),
        surge_pod: (surge > 0).then(|| shaped("rollout")),
        steady,
        max,
        surge,
    };
    Workload::single(id("Deployment", &d.metadata), role, unavailable)
}

fn replica_set(rs: &ReplicaSet, ctx: &Context) -> Workload {
    let ns = ns_of(&rs.metadata);
    let spec = rs.spec.clone().unwrap_or_default();
    let (steady, max) = ctx.replicas("ReplicaSet", &rs.metadata, spec.replicas);
    let (labels, pod_spec) = spec.template.as_ref().map(template).unwrap_or_default();
    let role = Role::fixed(
        admitted(&ns, &labels, pod_spec, Some(&spec.selector), ctx),
        steady,
        max,
    );
    Workload::single(id("ReplicaSet", &rs.metadata), role, 1)
}

fn stateful_set(s: &StatefulSet, ctx: &Context) -> Workload {
    let ns = ns_of(&s.metadata);
    let spec = s.spec.clone().unwrap_or_default();
    let (steady, max) = ctx.replicas("StatefulSet", &s.metadata, spec.replicas);
    let (mut labels, pod_spec) = template(&spec.template);
    let text = serde_json::to_string(&spec.template).unwrap_or_default();
    labels.insert(
        "controller-revision-hash".into(),
        format!(
            "{}-{}",
            s.metadata.name.as_deref().unwrap_or(""),
            safe_encode(fnv1a(&text))
        ),
    );
    let role = Role::fixed(
        admitted(&ns, &labels, pod_spec, Some(&spec.selector), ctx),
        steady,
        max,
    );
    Workload::single(id("StatefulSet", &s.metadata), role, 1)
}

/// A Job runs `parallelism` pods at once (default 1), fewer when `completions` is lower.
fn job(kind: &str, meta: &ObjectMeta, name: &str, spec: &JobSpec, ctx: &Context) -> Workload {
    let ns = ns_of(meta);
    let parallelism = count(spec.parallelism, 1);
    let n = match spec.completions {
        Some(c) => parallelism.min(count(Some(c), 1)),
        None => parallelism,
    };
    let (mut labels, pod_spec) = template(&spec.template);
    let h = fnv1a(&format!("{ns}/{name}"));
    let uid = format!("{h:08x}-0000-4000-8000-{:012x}", u64::from(h) * 7919);
    for (k, v) in [
        ("batch.kubernetes.io/controller-uid", uid.as_str()),
        ("batch.kubernetes.io/job-name", name),
        ("controller-uid", uid.as_str()),
        ("job-name", name),
    ] {
        labels.insert(k.into(), v.into());
    }
    let role = Role::fixed(admitted(&ns, &labels, pod_spec, None, ctx), n, n);
    Workload::single(id(kind, meta), role, 1)
}

/// The pod a controller creates from a template with these labels, after admission; `owner`
/// is the selector of its owning ReplicaSet or StatefulSet, which default spreading uses.
fn admitted(
    ns: &str,
    labels: &BTreeMap<String, String>,
    mut spec: PodSpec,
    owner: Option<&LabelSelector>,
    ctx: &Context,
) -> PodShape {
    admission::admit(&mut spec, labels, &ctx.runtime_classes);
    let mut pod = shape(ns, labels, &spec);
    if !pod.own_spread
        && let Some(selector) = default_selector(ns, labels, owner, ctx)
    {
        pod.soft_spread = SoftSpread::System(
            [(HOSTNAME_LABEL, 3), (ZONE_LABEL, 5)]
                .into_iter()
                .map(|(key, max_skew)| Spread {
                    key: key.into(),
                    max_skew,
                    min_domains: 1,
                    selector: selector.clone(),
                    honor_affinity: true,
                    honor_taints: false,
                })
                .collect(),
        );
    }
    pod
}

/// DefaultSelector: what the Services selecting the pod select, and its owner's selector; `None`
/// when that is nothing (the system default spreading then does not apply).
fn default_selector(
    ns: &str,
    labels: &BTreeMap<String, String>,
    owner: Option<&LabelSelector>,
    ctx: &Context,
) -> Option<Selector> {
    let mut merged: BTreeMap<String, String> = BTreeMap::new();
    for s in &ctx.services {
        let Some(sel) = s.spec.as_ref().and_then(|spec| spec.selector.as_ref()) else {
            continue;
        };
        if ns_of(&s.metadata) == ns && sel.iter().all(|(k, v)| labels.get(k) == Some(v)) {
            merged.extend(sel.clone());
        }
    }
    let mut exprs: Vec<LabelSelectorRequirement> = merged
        .into_iter()
        .map(|(key, v)| LabelSelectorRequirement {
            key,
            operator: "In".into(),
            values: Some(vec![v]),
        })
        .collect();
    if let Some(owner) = owner {
        for (k, v) in owner.match_labels.iter().flatten() {
            exprs.push(LabelSelectorRequirement {
                key: k.clone(),
                operator: "In".into(),
                values: Some(vec![v.clone()]),
            });
        }
        exprs.extend(owner.match_expressions.iter().flatten().cloned());
    }
    (!exprs.is_empty()).then_some(Selector(Some(LabelSelector {
        match_expressions: Some(exprs),
        match_labels: None,
    })))
}

/// FNV-1a, 32 bits: a stable hash of a template.
fn fnv1a(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

/// The hash as the controllers write it: its decimal digits spelled in an alphabet without
/// vowels (`rand.SafeEncodeString`).
fn safe_encode(hash: u32) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    hash.to_string()
        .bytes()
        .map(|b| char::from(ALPHABET[usize::from(b) % ALPHABET.len()]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::place::manifests::manifests_from_json;
    use crate::place::workload::workloads;
    use serde_json::json;

    fn pod_spec() -> serde_json::Value {
        json!({ "containers": [{ "name": "c", "image": "r/a:1" }] })
    }

    #[test]
    fn deployment_pods_carry_a_hash_their_surge_pods_another() {
        let (m, _) = manifests_from_json(vec![json!({
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": { "name": "web" },
            "spec": { "replicas": 4, "selector": { "matchLabels": { "app": "web" } },
                "template": { "metadata": { "labels": { "app": "web" } }, "spec": pod_spec() } } })]);
        let w = &workloads(&m)[0];
        let r = &w.roles[0];
        let old = &r.pod.labels[POD_TEMPLATE_HASH];
        let new = &r.surge_shape().labels[POD_TEMPLATE_HASH];
        assert_ne!(old, new);
        assert!(
            old.chars()
                .all(|c| "bcdfghjklmnpqrstvwxz2456789".contains(c))
        );
        // Default spreading selects the ReplicaSet's pods: app=web and this hash.
        let SoftSpread::System(c) = &r.pod.soft_spread else {
            panic!("{:?}", r.pod.soft_spread)
        };
        assert!(c[0].selector.matches(&r.pod.labels));
        assert!(!c[0].selector.matches(&r.surge_shape().labels));
        assert_eq!((r.max, r.surge, w.max_unavailable), (4, 1, 1));
    }

    #[test]
    fn jobs_run_parallelism_pods_unless_fewer_complete() {
        let job = |spec: serde_json::Value| {
            let mut spec = spec;
            spec["template"] = json!({ "spec": pod_spec() });
            let (m, d) = manifests_from_json(vec![json!({
                "apiVersion": "batch/v1", "kind": "Job", "metadata": { "name": "j" }, "spec": spec })]);
            assert!(d.is_empty(), "{d:?}");
            let w = workloads(&m).remove(0);
            assert_eq!(w.roles[0].pod.labels["job-name"], "j");
            assert_eq!(w.roles[0].pod.soft_spread, SoftSpread::None);
            w.max()
        };
        assert_eq!(job(json!({ "parallelism": 4 })), 4);
        assert_eq!(job(json!({ "parallelism": 4, "completions": 2 })), 2);
        assert_eq!(
            job(json!({ "parallelism": 3, "completions": 8, "completionMode": "Indexed" })),
            3
        );
        assert_eq!(job(json!({})), 1);
    }

    #[test]
    fn a_service_selecting_a_bare_pod_spreads_it() {
        let (m, _) = manifests_from_json(vec![
            json!({ "apiVersion": "v1", "kind": "Service", "metadata": { "name": "s" },
                "spec": { "selector": { "app": "a" } } }),
            json!({ "apiVersion": "v1", "kind": "Pod", "metadata": { "name": "p", "labels": { "app": "a" } },
                "spec": pod_spec() }),
            json!({ "apiVersion": "v1", "kind": "Pod", "metadata": { "name": "q", "labels": { "app": "b" } },
                "spec": pod_spec() }),
        ]);
        let w = workloads(&m);
        assert!(matches!(
            w[0].roles[0].pod.soft_spread,
            SoftSpread::System(_)
        ));
        assert_eq!(w[1].roles[0].pod.soft_spread, SoftSpread::None);
        // Every pod tolerates not-ready and unreachable nodes for 300 s.
        assert_eq!(w[1].roles[0].pod.tolerations.len(), 2);
    }
}
