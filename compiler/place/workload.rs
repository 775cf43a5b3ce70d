//! Workloads: what each controller (or bare Pod) asks the scheduler for — one or more roles,
//! each a pod shape and how many replicas it runs at each moment: steady (spec replicas, or
//! HPA minReplicas when unset), max (HPA maxReplicas) and the rolling-update surge on top of
//! max. How each kind expands is in `kinds`.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Service;
use k8s_openapi::api::node::v1::RuntimeClass;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::kinds;
use super::manifests::Manifest;
use super::pod::PodShape;

/// One kind of pod in a workload, and its replica counts.
#[derive(Debug, Clone, PartialEq)]
pub struct Role {
    pub pod: PodShape,
    /// The pods a rolling update adds, when they differ from `pod` (a Deployment's new
    /// ReplicaSet carries another `pod-template-hash`).
    pub surge_pod: Option<PodShape>,
    pub steady: u32,
    pub max: u32,
    /// Extra pods at the peak of a rolling update from `max` (a Deployment's surge pods, a
    /// LeaderWorkerSet's surge groups' pods of this role; 0 for Recreate and the other kinds).
    pub surge: u32,
}

impl Role {
    /// A role a rolling update adds no pods to.
    pub fn fixed(pod: PodShape, steady: u32, max: u32) -> Self {
        Role {
            pod,
            surge_pod: None,
            steady,
            max,
            surge: 0,
        }
    }

    pub fn surge_shape(&self) -> &PodShape {
        self.surge_pod.as_ref().unwrap_or(&self.pod)
    }
}

/// One controller (or bare Pod): its roles, placed in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Workload {
    /// `Kind/namespace/name`.
    pub id: String,
    pub roles: Vec<Role>,
    /// maxUnavailable resolved at `max`: 0 means a surge pod that cannot fit stalls the rollout.
    pub max_unavailable: u32,
    /// The part of a spec a managed workload comes from (see `report::component`).
    pub component: Option<String>,
    /// How its pods form gangs that start whole or do no work, if they do.
    pub gang: Option<Gang>,
}

/// The gangs of a workload: groups of pods that all run or do no work.
#[derive(Debug, Clone, PartialEq)]
pub enum Gang {
    /// Each group takes this many pods of every role, in role order (a LeaderWorkerSet group:
    /// one leader and `size - 1` workers); there are as many groups as the first role's count
    /// divided by its share.
    Together(Vec<u32>),
    /// Each role's pods form groups of this many pods of that role alone (a JobSet: each Job of
    /// each replicated Job is a slice of `parallelism` pods).
    EachRole(Vec<u32>),
}

impl Gang {
    /// The groups of one moment, each as (role, pods) in placement order, from the pods each
    /// role runs at that moment.
    pub fn groups(&self, counts: &[u32]) -> Vec<Vec<(usize, u32)>> {
        match self {
            Gang::Together(share) => {
                let n = match (counts.first(), share.first()) {
                    (Some(c), Some(s)) if *s > 0 => c / s,
                    _ => 0,
                };
                (0..n)
                    .map(|_| share.iter().copied().enumerate().collect())
                    .collect()
            }
            Gang::EachRole(size) => size
                .iter()
                .zip(counts)
                .enumerate()
                .flat_map(|(role, (s, c))| {
                    let n = if *s > 0 { c / s } else { 0 };
                    (0..n).map(move |_| vec![(role, *s)])
                })
                .collect(),
        }
    }
}

impl Workload {
    /// A workload of one role.
    pub fn single(id: String, role: Role, max_unavailable: u32) -> Self {
        Workload {
            id,
            roles: vec![role],
            max_unavailable,
            component: None,
            gang: None,
        }
    }

    pub fn steady(&self) -> u32 {
        self.roles.iter().map(|r| r.steady).sum()
    }

    pub fn max(&self) -> u32 {
        self.roles.iter().map(|r| r.max).sum()
    }

    pub fn surge(&self) -> u32 {
        self.roles.iter().map(|r| r.surge).sum()
    }
}

/// The most replicas one workload may ask for; beyond this the input is not a real cluster.
const MAX_REPLICAS: i64 = 1_000_000;

pub(super) fn count(n: Option<i32>, default: i64) -> u32 {
    u32::try_from(n.map_or(default, i64::from).clamp(0, MAX_REPLICAS)).unwrap_or(0)
}

/// ResolveFenceposts: surge rounds up, unavailable rounds down, 25% defaults, both 0 → 1 unavailable.
pub fn fenceposts(
    surge: Option<&IntOrString>,
    unavailable: Option<&IntOrString>,
    replicas: u32,
) -> (u32, u32) {
    let resolve = |v: Option<&IntOrString>, up: bool| -> u32 {
        let pct = match v {
            Some(IntOrString::Int(n)) => return u32::try_from(*n).unwrap_or(0),
            Some(IntOrString::String(s)) => s.trim_end_matches('%').trim().parse().unwrap_or(0),
            None => 25,
        };
        let scaled = u64::saturating_mul(pct, u64::from(replicas));
        let n = if up {
            scaled.div_ceil(100)
        } else {
            scaled / 100
        };
        u32::try_from(n).unwrap_or(u32::MAX)
    };
    let s = resolve(surge, true);
    let u = resolve(unavailable, false);
    if s == 0 && u == 0 { (0, 1) } else { (s, u) }
}

pub(super) fn ns_of(meta: &ObjectMeta) -> String {
    meta.namespace
        .clone()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "default".into())
}

/// What an autoscaler scales: (kind, namespace, name).
type Target = (String, String, String);

/// What every kind's expansion may look up: RuntimeClasses for admission, autoscaler bounds,
/// and the Services that take part in system default spreading.
#[derive(Debug, Default)]
pub struct Context {
    pub runtime_classes: BTreeMap<String, RuntimeClass>,
    /// (kind, namespace, name) → (min, max).
    pub autoscalers: BTreeMap<Target, (u32, u32)>,
    pub services: Vec<Service>,
}

impl Context {
    fn new(manifests: &[Manifest]) -> Self {
        let mut ctx = Context::default();
        // KEDA's ScaledObjects win over the HPA KEDA makes from them (`keda-hpa-NAME`,
        // minReplicas 1 where the ScaledObject scales to zero).
        let mut scaled: Vec<(Target, (u32, u32))> = Vec::new();
        for m in manifests {
            match m {
                Manifest::RuntimeClass(rc) => {
                    if let Some(name) = &rc.metadata.name {
                        ctx.runtime_classes.insert(name.clone(), (**rc).clone());
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
                        ctx.autoscalers
                            .insert(key, (count(spec.min_replicas, 1).min(max), max));
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
                Manifest::Service(s) => ctx.services.push((**s).clone()),
                _ => {}
            }
        }
        ctx.autoscalers.extend(scaled);
        ctx
    }

    /// (steady, max) replicas of a workload whose spec says `replicas`: an autoscaler's bounds
    /// when one targets it, else `replicas` (default 1) for both.
    pub fn replicas(&self, kind: &str, meta: &ObjectMeta, replicas: Option<i32>) -> (u32, u32) {
        let key = (
            kind.to_string(),
            ns_of(meta),
            meta.name.clone().unwrap_or_default(),
        );
        match self.autoscalers.get(&key) {
            Some(&(min, max)) => (count(replicas, i64::from(min)).clamp(min, max), max),
            None => (count(replicas, 1), count(replicas, 1)),
        }
    }
}

/// Every workload of the input, in input order, with HPAs and KEDA ScaledObjects applied to
/// their targets.
pub fn workloads(manifests: &[Manifest]) -> Vec<Workload> {
    let ctx = Context::new(manifests);
    manifests
        .iter()
        .filter_map(|m| kinds::expand(m, &ctx))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> IntOrString {
        IntOrString::String(v.into())
    }

    #[test]
    fn gangs_group_a_leader_with_its_workers_or_each_roles_pods() {
        let lws = Gang::Together(vec![1, 3]);
        assert_eq!(lws.groups(&[2, 6]), vec![vec![(0, 1), (1, 3)]; 2]);
        assert!(lws.groups(&[0, 0]).is_empty());
        let jobset = Gang::EachRole(vec![1, 4]);
        assert_eq!(
            jobset.groups(&[1, 8]),
            vec![vec![(0, 1)], vec![(1, 4)], vec![(1, 4)]]
        );
        assert!(Gang::EachRole(vec![0]).groups(&[3]).is_empty());
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
