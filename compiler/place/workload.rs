//! Workloads: each controller's pod shape and how many replicas it runs at each moment — steady
//! (spec replicas, or HPA minReplicas when unset), max (HPA maxReplicas) and the rolling-update
//! surge on top of max.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::PodTemplateSpec;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity as K8sQuantity;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::manifests::Manifest;
use super::pod::{PodShape, shape};

/// One controller (or bare Pod) and its replica counts.
#[derive(Debug, Clone, PartialEq)]
pub struct Workload {
    /// `Kind/namespace/name`.
    pub id: String,
    pub pod: PodShape,
    pub steady: u32,
    pub max: u32,
    /// Extra pods at the peak of a rolling update from `max` (0 for Recreate and non-Deployments).
    pub surge: u32,
    /// maxUnavailable resolved at `max`: 0 means a surge pod that cannot fit stalls the rollout.
    pub max_unavailable: u32,
    /// The part of a spec a managed workload comes from (see `report::component`).
    pub component: Option<String>,
}

/// The most replicas one workload may ask for; beyond this the input is not a real cluster.
const MAX_REPLICAS: i64 = 1_000_000;

fn count(n: Option<i32>, default: i64) -> u32 {
    u32::try_from(n.map_or(default, i64::from).clamp(0, MAX_REPLICAS)).unwrap_or(0)
}

/// ResolveFenceposts: surge rounds up, unavailable rounds down, 25% defaults, both 0 → 1 unavailable.
pub fn fenceposts(
    surge: Option<&IntOrString>,
    unavailable: Option<&IntOrString>,
    replicas: u32,
) -> (u32, u32) {
    let resolve = |v: Option<&IntOrString>, up: bool| -> u32 {
        match v {
            Some(IntOrString::Int(n)) => u32::try_from(*n).unwrap_or(0),
            Some(IntOrString::String(s)) => {
                let pct: u64 = s.trim_end_matches('%').trim().parse().unwrap_or(0);
                let scaled = pct.saturating_mul(u64::from(replicas));
                let n = if up {
                    scaled.div_ceil(100)
                } else {
                    scaled / 100
                };
                u32::try_from(n).unwrap_or(u32::MAX)
            }
            None => {
                let scaled = 25 * u64::from(replicas);
                u32::try_from(if up {
                    scaled.div_ceil(100)
                } else {
                    scaled / 100
                })
                .unwrap_or(u32::MAX)
            }
        }
    };
    let s = resolve(surge, true);
    let u = resolve(unavailable, false);
    if s == 0 && u == 0 { (0, 1) } else { (s, u) }
}

fn ns_of(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta) -> String {
    meta.namespace
        .clone()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "default".into())
}

/// The pod shape of a template, with the RuntimeClass overhead looked up by name.
fn template_shape(
    ns: &str,
    t: &PodTemplateSpec,
    overheads: &BTreeMap<String, BTreeMap<String, K8sQuantity>>,
) -> PodShape {
    let spec = t.spec.clone().unwrap_or_default();
    let labels = t
        .metadata
        .as_ref()
        .and_then(|m| m.labels.clone())
        .unwrap_or_default();
    let overhead = spec
        .runtime_class_name
        .as_ref()
        .and_then(|n| overheads.get(n));
    shape(ns, &labels, &spec, overhead)
}

/// What an autoscaler scales: (kind, namespace, name).
type Target = (String, String, String);

/// Every workload of the input, in input order, with HPAs and KEDA ScaledObjects applied to
/// their targets.
pub fn workloads(manifests: &[Manifest]) -> Vec<Workload> {
    let mut overheads = BTreeMap::new();
    // (kind, namespace, name) → (min, max)
    let mut hpas: BTreeMap<Target, (u32, u32)> = BTreeMap::new();
    // KEDA's ScaledObjects, which win over the HPA KEDA makes from them (`keda-hpa-NAME`,
    // minReplicas 1 where the ScaledObject scales to zero).
    let mut scaled: Vec<(Target, (u32, u32))> = Vec::new();
    for m in manifests {
        match m {
            Manifest::RuntimeClass(rc) => {
                if let (Some(name), Some(pod_fixed)) = (
                    &rc.metadata.name,
                    rc.overhead.as_ref().and_then(|o| o.pod_fixed.clone()),
                ) {
                    overheads.insert(name.clone(), pod_fixed);
                }
            }
            Manifest::HorizontalPodAutoscaler(h) => {
                if let Some(spec) = &h.spec {
                    let key = (
                        spec.scale_target_ref.kind.clone(),
                        ns_of(&h.metadata),
                        spec.scale_target_ref.name.clone(),
                    );
                    let max = count(Some(spec.max_replicas), 1);
                    hpas.insert(key, (count(spec.min_replicas, 1).min(max), max));
                }
            }
            Manifest::ScaledObject(so) => {
                let target = &so.spec.scale_target_ref;
                let key = (
                    target
                        .kind
                        .clone()
                        .unwrap_or_else(|| "Deployment".to_string()),
                    ns_of(&so.metadata),
                    target.name.clone(),
                );
                // KEDA's defaults: minReplicaCount 0, maxReplicaCount 100.
                let max = count(so.spec.max_replica_count, 100);
                let min = count(so.spec.min_replica_count, 0).min(max);
                scaled.push((key, (min, max)));
            }
            _ => {}
        }
    }
    hpas.extend(scaled);
    let mut out = Vec::new();
    for m in manifests {
        let (kind, meta) = match m {
            Manifest::Pod(p) => ("Pod", &p.metadata),
            Manifest::Deployment(d) => ("Deployment", &d.metadata),
            Manifest::StatefulSet(s) => ("StatefulSet", &s.metadata),
            Manifest::Job(j) => ("Job", &j.metadata),
            Manifest::CronJob(c) => ("CronJob", &c.metadata),
            _ => continue,
        };
        let ns = ns_of(meta);
        let name = meta.name.clone().unwrap_or_default();
        let hpa = hpas
            .get(&(kind.to_string(), ns.clone(), name.clone()))
            .copied();
        let scaled = |replicas: Option<i32>| match hpa {
            Some((min, max)) => (count(replicas, i64::from(min)).clamp(min, max), max),
            None => (count(replicas, 1), count(replicas, 1)),
        };
        let (pod, steady, max, surge, unavailable) = match m {
            Manifest::Pod(p) => {
                let spec = p.spec.clone().unwrap_or_default();
                let labels = p.metadata.labels.clone().unwrap_or_default();
                let overhead = spec
                    .runtime_class_name
                    .as_ref()
                    .and_then(|n| overheads.get(n));
                (shape(&ns, &labels, &spec, overhead), 1, 1, 0, 1)
            }
            Manifest::Deployment(d) => {
                let spec = d.spec.clone().unwrap_or_default();
                let (steady, max) = scaled(spec.replicas);
                let strategy = spec.strategy.unwrap_or_default();
                let (surge, unavailable) = if strategy.type_.as_deref() == Some("Recreate") {
                    (0, max)
                } else {
                    let ru = strategy.rolling_update.unwrap_or_default();
                    fenceposts(ru.max_surge.as_ref(), ru.max_unavailable.as_ref(), max)
                };
                (
                    template_shape(&ns, &spec.template, &overheads),
                    steady,
                    max,
                    surge,
                    unavailable,
                )
            }
            Manifest::StatefulSet(s) => {
                let spec = s.spec.clone().unwrap_or_default();
                let (steady, max) = scaled(spec.replicas);
                (
                    template_shape(&ns, &spec.template, &overheads),
                    steady,
                    max,
                    0,
                    1,
                )
            }
            Manifest::Job(j) => {
                let spec = j.spec.clone().unwrap_or_default();
                let n = count(spec.parallelism, 1).min(count(spec.completions, 1));
                (template_shape(&ns, &spec.template, &overheads), n, n, 0, 1)
            }
            Manifest::CronJob(c) => {
                let job = c
                    .spec
                    .as_ref()
                    .and_then(|s| s.job_template.spec.clone())
                    .unwrap_or_default();
                let n = count(job.parallelism, 1).min(count(job.completions, 1));
                (template_shape(&ns, &job.template, &overheads), n, n, 0, 1)
            }
            _ => continue,
        };
        out.push(Workload {
            id: format!("{kind}/{ns}/{name}"),
            pod,
            steady,
            max,
            surge,
            max_unavailable: unavailable,
            component: super::report::component(meta.labels.as_ref()),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> IntOrString {
        IntOrString::String(v.into())
    }

    #[test]
    fn fenceposts_round_surge_up_and_unavailable_down() {
        assert_eq!(fenceposts(None, None, 2), (1, 0));
        assert_eq!(fenceposts(None, None, 10), (3, 2));
        assert_eq!(
            fenceposts(Some(&IntOrString::Int(0)), Some(&IntOrString::Int(0)), 4),
            (0, 1)
        );
        assert_eq!(fenceposts(Some(&s("50%")), Some(&s("0%")), 3), (2, 0));
        assert_eq!(fenceposts(Some(&s("0%")), Some(&s("50%")), 3), (0, 1));
    }
}
