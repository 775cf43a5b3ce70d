//! Objects that act on workloads: an HPA's and a ScaledObject's scale target and replica bounds,
//! the pods a PodDisruptionBudget and a NetworkPolicy select.

use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::{Bundle, Check};
use crate::values::cidr;

impl Check<'_> {
    pub(super) fn hpa(
        &mut self,
        o: &k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler,
        b: &Bundle,
    ) {
        let ns = o.metadata.namespace.as_deref().unwrap_or_default();
        let Some(spec) = &o.spec else { return };
        let target = &spec.scale_target_ref;
        self.scale_target(
            b,
            ns,
            target.api_version.as_deref(),
            &target.kind,
            &target.name,
        );
        let min = spec.min_replicas.unwrap_or(1);
        if min < 1 {
            self.fail("/spec/minReplicas", "minReplicas must be at least 1");
        }
        if spec.max_replicas < min {
            self.fail(
                "/spec/maxReplicas",
                format!(
                    "maxReplicas {} is below minReplicas {min}",
                    spec.max_replicas
                ),
            );
        }
        for (i, m) in spec.metrics.iter().flatten().enumerate() {
            let util = m
                .resource
                .as_ref()
                .and_then(|r| r.target.average_utilization);
            if util.is_some_and(|u| u <= 0) {
                self.fail(
                    format!("/spec/metrics/{i}/resource/target/averageUtilization"),
                    "averageUtilization must be positive",
                );
            }
        }
    }

    pub(super) fn scaled_object(&mut self, o: &crate::generate::crd::ScaledObject, b: &Bundle) {
        let ns = o.metadata.namespace.as_deref().unwrap_or_default();
        let spec = &o.spec;
        let target = &spec.scale_target_ref;
        // KEDA defaults an unset target to an apps/v1 Deployment.
        self.scale_target(
            b,
            ns,
            Some(target.api_version.as_deref().unwrap_or("apps/v1")),
            target.kind.as_deref().unwrap_or("Deployment"),
            &target.name,
        );
        // KEDA's admission webhook: 0 ≤ min ≤ max, and at least one trigger.
        let min = spec.min_replica_count.unwrap_or(0);
        let max = spec.max_replica_count.unwrap_or(100);
        if min < 0 || max < min || max < 1 {
            self.fail(
                "/spec/maxReplicaCount",
                format!("replica counts {min}..{max} are not 0 ≤ min ≤ max with max ≥ 1"),
            );
        }
        if spec.triggers.is_empty() {
            self.fail(
                "/spec/triggers",
                "a ScaledObject needs at least one trigger",
            );
        }
    }

    /// An autoscaler's target: a Deployment, StatefulSet or LeaderWorkerSet (the kinds mlspec
    /// scales; a LeaderWorkerSet by groups, through its `scale` subresource) in the bundle.
    fn scale_target(
        &mut self,
        b: &Bundle,
        ns: &str,
        api_version: Option<&str>,
        kind: &str,
        name: &str,
    ) {
        let known = matches!(
            (api_version, kind),
            (Some("apps/v1"), "Deployment" | "StatefulSet")
                | (Some("leaderworkerset.x-k8s.io/v1"), "LeaderWorkerSet")
        );
        if !known || !b.has(kind, ns, name) {
            self.dangling(
                b,
                "/spec/scaleTargetRef",
                format!("the target {kind} `{name}` is not in the bundle"),
                Vec::new(),
            );
        }
    }

    pub(super) fn pdb(
        &mut self,
        o: &k8s_openapi::api::policy::v1::PodDisruptionBudget,
        b: &Bundle,
    ) {
        let ns = o.metadata.namespace.as_deref().unwrap_or_default();
        let Some(spec) = &o.spec else { return };
        if spec.min_available.is_some() && spec.max_unavailable.is_some() {
            self.fail(
                "/spec",
                "minAvailable and maxUnavailable cannot both be set",
            );
        }
        match &spec.selector {
            Some(sel) if !b.selected(ns, sel).is_empty() => {}
            _ => self.dangling(
                b,
                "/spec/selector",
                "the selector matches no pod template in the bundle",
                b.pod_labels(ns),
            ),
        }
    }

    pub(super) fn network_policy(
        &mut self,
        o: &k8s_openapi::api::networking::v1::NetworkPolicy,
        b: &Bundle,
    ) {
        let ns = o.metadata.namespace.as_deref().unwrap_or_default();
        let Some(spec) = &o.spec else { return };
        let sel = spec.pod_selector.clone().unwrap_or_default();
        if b.selected(ns, &sel).is_empty() {
            self.dangling(
                b,
                "/spec/podSelector",
                "the selector matches no pod template in the bundle",
                b.pod_labels(ns),
            );
        }
        // apimachinery's ValidateNetworkPolicyPort: a number is 1-65535, and an endPort (a
        // range) needs a numeric port no greater than it.
        for (i, rule) in spec.ingress.iter().flatten().enumerate() {
            for (j, p) in rule.ports.iter().flatten().enumerate() {
                let at = format!("/spec/ingress/{i}/ports/{j}");
                let number = match &p.port {
                    Some(IntOrString::Int(n)) => Some(*n),
                    _ => None,
                };
                if number.is_some_and(|n| !(1..=65535).contains(&n)) {
                    self.fail(format!("{at}/port"), "a port number is 1 to 65535");
                }
                let Some(end) = p.end_port else { continue };
                match number {
                    None => self.fail(
                        format!("{at}/endPort"),
                        "endPort needs a numeric port, not a name or none",
                    ),
                    Some(n) if end < n => self.fail(
                        format!("{at}/endPort"),
                        format!("endPort {end} is below port {n}"),
                    ),
                    Some(_) if end > 65535 => {
                        self.fail(format!("{at}/endPort"), "endPort is above 65535")
                    }
                    Some(_) => {}
                }
            }
        }
        // apimachinery's ValidateNetworkPolicy: a peer is an ipBlock alone or selectors; an
        // ipBlock's cidr parses and each except lies strictly inside it.
        for (i, rule) in spec.ingress.iter().flatten().enumerate() {
            for (j, peer) in rule.from.iter().flatten().enumerate() {
                let at = format!("/spec/ingress/{i}/from/{j}");
                let Some(block) = &peer.ip_block else {
                    if peer.pod_selector.is_none() && peer.namespace_selector.is_none() {
                        self.fail(
                            at,
                            "a peer must set podSelector, namespaceSelector or ipBlock",
                        );
                    }
                    continue;
                };
                if peer.pod_selector.is_some() || peer.namespace_selector.is_some() {
                    self.fail(
                        at.clone(),
                        "an ipBlock peer cannot also select pods or namespaces",
                    );
                }
                match cidr::parse_cidr(&block.cidr) {
                    Err(e) => self.fail(format!("{at}/ipBlock/cidr"), e),
                    Ok(whole) => {
                        for (k, e) in block.except.iter().flatten().enumerate() {
                            let inside =
                                cidr::parse_cidr(e).is_ok_and(|c| whole.strictly_contains(&c));
                            if !inside {
                                self.fail(
                                    format!("{at}/ipBlock/except/{k}"),
                                    format!(
                                        "`{e}` must be a block strictly inside `{}`",
                                        block.cidr
                                    ),
                                );
                            }
                        }
                    }
                }
            }
        }
    }
}

impl Check<'_> {
    /// A PodMonitor's or PodMonitoring's selector picks pod templates of the bundle; a
    /// ServiceMonitor's, Services of it.
    pub(super) fn monitor(
        &mut self,
        meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
        selector: &k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector,
        services: bool,
        b: &Bundle,
    ) {
        let ns = meta.namespace.as_deref().unwrap_or_default();
        let found = if services {
            b.services.iter().any(|((sns, _), s)| {
                sns == ns
                    && selector.match_labels.as_ref().is_some_and(|want| {
                        let have = s.metadata.labels.clone().unwrap_or_default();
                        want.iter().all(|(k, v)| have.get(k) == Some(v))
                    })
            })
        } else {
            !b.selected(ns, selector).is_empty()
        };
        if !found {
            self.dangling(
                b,
                "/spec/selector",
                if services {
                    "the selector matches no Service in the bundle"
                } else {
                    "the selector matches no pod template in the bundle"
                },
                if services {
                    Vec::new()
                } else {
                    b.pod_labels(ns)
                },
            );
        }
    }
}

impl Check<'_> {
    /// A RoleBinding binds a Role and ServiceAccounts the bundle creates, in its namespace.
    pub(super) fn role_binding(&mut self, o: &k8s_openapi::api::rbac::v1::RoleBinding, b: &Bundle) {
        let ns = o.metadata.namespace.as_deref().unwrap_or_default();
        let r = &o.role_ref;
        if r.api_group != "rbac.authorization.k8s.io" || r.kind != "Role" {
            self.fail(
                "/roleRef",
                format!(
                    "roleRef must be a Role of rbac.authorization.k8s.io, found {} of `{}`",
                    r.kind, r.api_group
                ),
            );
        } else if !b.has("Role", ns, &r.name) {
            self.dangling(
                b,
                "/roleRef/name",
                format!("Role `{}` is not in the bundle", r.name),
                Vec::new(),
            );
        }
        for (i, s) in o.subjects.iter().flatten().enumerate() {
            let same = s.namespace.as_deref() == Some(ns);
            if s.kind != "ServiceAccount" || !same {
                self.fail(
                    format!("/subjects/{i}"),
                    format!("a subject must be a ServiceAccount of namespace `{ns}`"),
                );
            } else if !b.has("ServiceAccount", ns, &s.name) {
                self.dangling(
                    b,
                    format!("/subjects/{i}/name"),
                    format!("ServiceAccount `{}` is not in the bundle", s.name),
                    Vec::new(),
                );
            }
        }
    }
}
