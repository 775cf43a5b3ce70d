//! The PodDisruptionBudget, when at least two replicas always run: node drains take one pod at a
//! time, and a pod stuck loading a model never blocks a drain.

use k8s_openapi::api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetSpec};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::labels;
use crate::app::{App, Server};

pub fn generate(app: &App, s: &Server) -> Option<PodDisruptionBudget> {
    if !s.replicas.has_disruption_budget() {
        return None;
    }
    let w = &s.workload;
    Some(PodDisruptionBudget {
        metadata: labels::meta(app, &w.name, &w.name, &w.component),
        spec: Some(PodDisruptionBudgetSpec {
            max_unavailable: Some(IntOrString::Int(1)),
            selector: Some(labels::label_selector(app, &w.name)),
            unhealthy_pod_eviction_policy: Some("AlwaysAllow".to_string()),
            ..Default::default()
        }),
        ..Default::default()
    })
}
