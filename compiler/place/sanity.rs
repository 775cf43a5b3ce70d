//! What the API server would refuse in a workload that placement would otherwise misread: a
//! negative replica count, parallelism or autoscaler bound; a request, limit or overhead that
//! does not parse, is negative or is beyond what the scheduler's integers hold. Each is an input
//! error (E0202), never a clamp that makes something fit.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Container, PodSpec, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity as K8sQuantity;

use super::manifests::Manifest;
use crate::inventory::quantity_units;

/// The first thing wrong with a workload's counts or quantities, as a message naming its field.
pub fn check(m: &Manifest) -> Result<(), String> {
    match m {
        Manifest::Pod(p) => p.spec.as_ref().map_or(Ok(()), |s| pod("spec", s)),
        Manifest::Deployment(d) => d.spec.as_ref().map_or(Ok(()), |s| {
            count("spec.replicas", s.replicas)?;
            template("spec.template", &s.template)
        }),
        Manifest::StatefulSet(d) => d.spec.as_ref().map_or(Ok(()), |s| {
            count("spec.replicas", s.replicas)?;
            template("spec.template", &s.template)
        }),
        Manifest::ReplicaSet(r) => r.spec.as_ref().map_or(Ok(()), |s| {
            count("spec.replicas", s.replicas)?;
            s.template
                .as_ref()
                .map_or(Ok(()), |t| template("spec.template", t))
        }),
        Manifest::Job(j) => j.spec.as_ref().map_or(Ok(()), |s| {
            count("spec.parallelism", s.parallelism)?;
            count("spec.completions", s.completions)?;
            template("spec.template", &s.template)
        }),
        Manifest::CronJob(c) => {
            let job = c.spec.as_ref().and_then(|s| s.job_template.spec.as_ref());
            job.map_or(Ok(()), |s| {
                count("spec.jobTemplate.spec.parallelism", s.parallelism)?;
                count("spec.jobTemplate.spec.completions", s.completions)?;
                template("spec.jobTemplate.spec.template", &s.template)
            })
        }
        Manifest::HorizontalPodAutoscaler(h) => h.spec.as_ref().map_or(Ok(()), |s| {
            count("spec.minReplicas", s.min_replicas)?;
            count("spec.maxReplicas", Some(s.max_replicas))
        }),
        Manifest::ScaledObject(o) => {
            count("spec.minReplicaCount", o.spec.min_replica_count)?;
            count("spec.maxReplicaCount", o.spec.max_replica_count)
        }
        Manifest::RuntimeClass(rc) => {
            let fixed = rc.overhead.as_ref().and_then(|o| o.pod_fixed.as_ref());
            quantities("overhead.podFixed", fixed)
        }
        Manifest::Service(_) => Ok(()),
        Manifest::JobSet(j) => {
            for (i, r) in j.spec.replicated_jobs.iter().enumerate() {
                count(
                    &format!("spec.replicatedJobs[{i}].replicas"),
                    Some(r.replicas),
                )?;
                if let Some(s) = &r.template.spec {
                    let at = format!("spec.replicatedJobs[{i}].template.spec");
                    count(&format!("{at}.parallelism"), s.parallelism)?;
                    count(&format!("{at}.completions"), s.completions)?;
                    template(&format!("{at}.template"), &s.template)?;
                }
            }
            Ok(())
        }
        Manifest::LeaderWorkerSet(l) => {
            let t = &l.spec.leader_worker_template;
            count("spec.replicas", l.spec.replicas)?;
            match t.size {
                Some(n) if n < 1 => Err(format!(
                    "`spec.leaderWorkerTemplate.size` is {n}: a group has at least 1 pod"
                )),
                _ => Ok(()),
            }?;
            if let Some(leader) = &t.leader_template {
                template("spec.leaderWorkerTemplate.leaderTemplate", leader)?;
            }
            template(
                "spec.leaderWorkerTemplate.workerTemplate",
                &t.worker_template,
            )
        }
    }
}

fn count(field: &str, n: Option<i32>) -> Result<(), String> {
    match n {
        Some(n) if n < 0 => Err(format!("`{field}` is {n}: a count is 0 or more")),
        _ => Ok(()),
    }
}

fn template(field: &str, t: &PodTemplateSpec) -> Result<(), String> {
    t.spec
        .as_ref()
        .map_or(Ok(()), |s| pod(&format!("{field}.spec"), s))
}

/// Every container's requests and limits, the pod's own, and its overhead.
pub fn pod(field: &str, s: &PodSpec) -> Result<(), String> {
    let lists = [
        ("containers", Some(&s.containers)),
        ("initContainers", s.init_containers.as_ref()),
    ];
    for (list, containers) in lists {
        for (i, c) in containers.into_iter().flatten().enumerate() {
            resources(&format!("{field}.{list}[{i}].resources"), c)?;
        }
    }
    if let Some(r) = &s.resources {
        quantities(&format!("{field}.resources.requests"), r.requests.as_ref())?;
        quantities(&format!("{field}.resources.limits"), r.limits.as_ref())?;
    }
    quantities(&format!("{field}.overhead"), s.overhead.as_ref())
}

fn resources(field: &str, c: &Container) -> Result<(), String> {
    let r = c.resources.as_ref();
    quantities(
        &format!("{field}.requests"),
        r.and_then(|r| r.requests.as_ref()),
    )?;
    quantities(
        &format!("{field}.limits"),
        r.and_then(|r| r.limits.as_ref()),
    )
}

fn quantities(field: &str, map: Option<&BTreeMap<String, K8sQuantity>>) -> Result<(), String> {
    for (k, q) in map.into_iter().flatten() {
        quantity_units(k, &q.0).map_err(|e| format!("`{field}.{k}`: {e}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::place::manifests::read_manifests;
    use crate::source::SourceFile;

    fn errors(yaml: &str) -> Vec<String> {
        let (_, d) = read_manifests(&SourceFile::new("m.yaml", yaml));
        d.iter().map(|d| d.message.clone()).collect()
    }

    const DEPLOY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: REPLICAS\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n      - name: web\n        image: x\n        resources: {requests: {memory: MEMORY}}\n";

    #[test]
    fn negative_counts_and_quantities_are_input_errors() {
        let ok = DEPLOY.replace("REPLICAS", "2").replace("MEMORY", "3Ei");
        assert!(errors(&ok).is_empty(), "{:?}", errors(&ok));
        let e = errors(&DEPLOY.replace("REPLICAS", "-1").replace("MEMORY", "1Gi"));
        assert_eq!(e.len(), 1);
        assert!(e[0].contains("`spec.replicas` is -1"), "{e:?}");
        for (memory, says) in [
            ("\"-1Gi\"", "is negative"),
            ("9Ei", "too large"),
            ("lots", "lots"),
        ] {
            let e = errors(&DEPLOY.replace("REPLICAS", "2").replace("MEMORY", memory));
            assert_eq!(e.len(), 1, "{memory}");
            assert!(
                e[0].contains("spec.template.spec.containers[0].resources.requests.memory")
                    && e[0].contains(says),
                "{memory}: {e:?}"
            );
        }
    }
}
