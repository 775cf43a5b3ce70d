//! The server's Deployment: its pod (ports and probes are its containers'), a preStop sleep so
//! endpoints drain, the rollout strategy, and replicas unless an HPA owns them. The pod template
//! is every server's, a StatefulSet's and a LeaderWorkerSet's leader's too.

use k8s_openapi::api::apps::v1::{
    Deployment, DeploymentSpec, DeploymentStrategy, RollingUpdateDeployment,
};
use k8s_openapi::api::core::v1::{
    Affinity, Lifecycle, LifecycleHandler, PodAffinityTerm, PodAntiAffinity, PodTemplateSpec,
    SleepAction, TopologySpreadConstraint, WeightedPodAffinityTerm,
};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::{labels, pod};
use crate::app::{App, IntOrPercent, Monitor, Replicas, Rollout, Server, Spread, Workload};

/// The pod template of a server's pods, whatever runs them.
pub fn template(app: &App, s: &Server) -> PodTemplateSpec {
    server_template(app, s, &s.workload)
}

/// The template of pods of server `s` that run workload `w` (the server's own, or a
/// LeaderWorkerSet's workers': the same pod without ports and probes).
pub fn server_template(app: &App, s: &Server, w: &Workload) -> PodTemplateSpec {
    let mut template = pod::template(app, w, None);
    if let Some(spec) = template.spec.as_mut() {
        if s.pre_stop_sleep_seconds > 0
            && let Some(main) = spec.containers.first_mut()
        {
            main.lifecycle = Some(Lifecycle {
                pre_stop: Some(LifecycleHandler {
                    sleep: Some(SleepAction {
                        seconds: s.pre_stop_sleep_seconds,
                    }),
                    ..Default::default()
                }),
                ..Default::default()
            });
        }
        spec.termination_grace_period_seconds = Some(s.termination_grace_seconds);
        spread(app, s, spec);
    }
    let annotated = s
        .metrics
        .as_ref()
        .filter(|m| m.monitor == Monitor::Annotations);
    if let (Some(m), Some(meta)) = (annotated, template.metadata.as_mut()) {
        // The convention Prometheus' own kubernetes-pods example job and most charts follow;
        // it needs no CRD (the monitors of `monitor.rs` need their operator's).
        meta.annotations.get_or_insert_default().extend([
            ("prometheus.io/path".to_string(), m.path.clone()),
            ("prometheus.io/port".to_string(), m.port.to_string()),
            ("prometheus.io/scrape".to_string(), "true".to_string()),
        ]);
    }
    template
}

/// Replicas unless an autoscaler owns them: with an HPA (or KEDA's), a fixed count would reset
/// the autoscaler on every apply.
pub fn replicas(s: &Server) -> Option<i32> {
    match s.replicas {
        Replicas::Fixed(n) => Some(n),
        Replicas::Auto { .. } | Replicas::Keda { .. } => None,
    }
}

pub fn generate(app: &App, s: &Server) -> Deployment {
    let w = &s.workload;
    let template = template(app, s);

    let strategy = match &s.rollout {
        Rollout::Recreate => DeploymentStrategy {
            type_: Some("Recreate".to_string()),
            rolling_update: None,
        },
        Rollout::Rolling {
            max_surge,
            max_unavailable,
        } => DeploymentStrategy {
            type_: Some("RollingUpdate".to_string()),
            rolling_update: Some(RollingUpdateDeployment {
                max_surge: Some(int_or_percent(max_surge)),
                max_unavailable: Some(int_or_percent(max_unavailable)),
            }),
        },
    };

    Deployment {
        metadata: labels::workload_meta(app, w),
        spec: Some(DeploymentSpec {
            replicas: replicas(s),
            revision_history_limit: Some(s.revision_history_limit),
            progress_deadline_seconds: Some(s.progress_deadline_seconds),
            selector: labels::label_selector(app, &w.name),
            strategy: Some(strategy),
            template,
            ..Default::default()
        }),
        ..Default::default()
    }
}

pub fn int_or_percent(v: &IntOrPercent) -> IntOrString {
    match v {
        IntOrPercent::Int(n) => IntOrString::Int(*n),
        IntOrPercent::Percent(p) => IntOrString::String(format!("{p}%")),
    }
}

/// The top of the API's 1–100 range for a preferred term's weight.
const STRONGEST_PREFERENCE: i32 = 100;

fn spread(app: &App, s: &Server, spec: &mut k8s_openapi::api::core::v1::PodSpec) {
    let selector = labels::label_selector(app, &s.workload.name);
    match s.spread {
        Spread::None => {}
        Spread::Zone => {
            // Across zones by topology spread, across nodes by a preferred anti-affinity, which
            // kube-score and kube-linter look for; both are soft, so a small cluster still fits.
            spec.topology_spread_constraints = Some(vec![TopologySpreadConstraint {
                max_skew: 1,
                topology_key: "topology.kubernetes.io/zone".to_string(),
                when_unsatisfiable: "ScheduleAnyway".to_string(),
                label_selector: Some(selector.clone()),
                ..Default::default()
            }]);
            spec.affinity = Some(Affinity {
                pod_anti_affinity: Some(PodAntiAffinity {
                    preferred_during_scheduling_ignored_during_execution: Some(vec![
                        WeightedPodAffinityTerm {
                            weight: STRONGEST_PREFERENCE,
                            pod_affinity_term: PodAffinityTerm {
                                label_selector: Some(selector),
                                topology_key: "kubernetes.io/hostname".to_string(),
                                ..Default::default()
                            },
                        },
                    ]),
                    ..Default::default()
                }),
                ..Default::default()
            });
        }
        Spread::Node => {
            spec.affinity = Some(Affinity {
                pod_anti_affinity: Some(PodAntiAffinity {
                    required_during_scheduling_ignored_during_execution: Some(vec![
                        PodAffinityTerm {
                            label_selector: Some(selector),
                            topology_key: "kubernetes.io/hostname".to_string(),
                            ..Default::default()
                        },
                    ]),
                    ..Default::default()
                }),
                ..Default::default()
            });
        }
    }
}
