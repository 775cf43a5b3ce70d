//! The kinds mlspec emits, in one table: each kind's `apiVersion`, its place in the document
//! order, and where its pod templates are.
//!
//! The patch stage reads it to find "every pod template of a workload", the relaxation checks to
//! find the pods of a patched object, and documents their rank in a bundle. A test holds it to
//! the generators (`generate::Object`) and to the vendored schemas (`verify::schema`).

/// One kind of object in a bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kind {
    pub name: &'static str,
    pub api_version: &'static str,
    /// JSON pointers to the kind's pod templates (`PodTemplateSpec`s), if it runs pods.
    pub templates: &'static [&'static str],
}

/// Every kind mlspec emits; the order is the order of documents in a bundle.
pub const ALL: &[Kind] = &[
    kind("Namespace", "v1", &[]),
    kind("ServiceAccount", "v1", &[]),
    kind("ConfigMap", "v1", &[]),
    kind("PersistentVolumeClaim", "v1", &[]),
    kind("Role", "rbac.authorization.k8s.io/v1", &[]),
    kind("RoleBinding", "rbac.authorization.k8s.io/v1", &[]),
    kind("Service", "v1", &[]),
    kind("Deployment", "apps/v1", &["/spec/template"]),
    kind("StatefulSet", "apps/v1", &["/spec/template"]),
    kind(
        "LeaderWorkerSet",
        "leaderworkerset.x-k8s.io/v1",
        &[
            "/spec/leaderWorkerTemplate/leaderTemplate",
            "/spec/leaderWorkerTemplate/workerTemplate",
        ],
    ),
    kind("HorizontalPodAutoscaler", "autoscaling/v2", &[]),
    kind("ScaledObject", "keda.sh/v1alpha1", &[]),
    kind("PodDisruptionBudget", "policy/v1", &[]),
    kind("NetworkPolicy", "networking.k8s.io/v1", &[]),
    kind("Ingress", "networking.k8s.io/v1", &[]),
    kind("HTTPRoute", "gateway.networking.k8s.io/v1", &[]),
    kind("PodMonitor", "monitoring.coreos.com/v1", &[]),
    kind("ServiceMonitor", "monitoring.coreos.com/v1", &[]),
    kind("PodMonitoring", "monitoring.googleapis.com/v1", &[]),
    kind("Job", "batch/v1", &["/spec/template"]),
    kind(
        "JobSet",
        "jobset.x-k8s.io/v1alpha2",
        &["/spec/replicatedJobs/0/template/spec/template"],
    ),
    kind("CronJob", "batch/v1", &["/spec/jobTemplate/spec/template"]),
];

const fn kind(
    name: &'static str,
    api_version: &'static str,
    templates: &'static [&'static str],
) -> Kind {
    Kind {
        name,
        api_version,
        templates,
    }
}

/// The kind called `name` (`Deployment`, `HTTPRoute`).
pub fn find(name: &str) -> Option<&'static Kind> {
    ALL.iter().find(|k| k.name == name)
}

/// The position of a kind in the document order; a kind mlspec does not emit goes last.
pub fn rank(name: &str) -> u8 {
    ALL.iter()
        .position(|k| k.name == name)
        .and_then(|i| u8::try_from(i).ok())
        .unwrap_or(u8::MAX)
}

/// The pod templates of a kind (none for a kind that runs no pods or is unknown).
pub fn templates(name: &str) -> &'static [&'static str] {
    find(name).map_or(&[], |k| k.templates)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_ranks_follow_the_table() {
        for (i, k) in ALL.iter().enumerate() {
            assert_eq!(usize::from(rank(k.name)), i, "{}", k.name);
            for t in k.templates {
                let last = t.rsplit('/').next().unwrap_or_default();
                assert!(
                    t.starts_with("/spec/")
                        && ["template", "leaderTemplate", "workerTemplate"].contains(&last),
                    "{t}"
                );
            }
        }
        assert_eq!(rank("DaemonSet"), u8::MAX);
        assert!(templates("Service").is_empty());
    }
}
