//! Generate stage: `App` → typed k8s-openapi objects, one module per kind.
//!
//! Generators read only the resolved `App` and the catalog-derived values in it; they never see a
//! `Spec`, never read files and never fail: everything that could be wrong was reported earlier.

pub mod config_map;
pub mod container;
pub mod crd;
pub mod deployment;
pub mod hpa;
pub mod http_route;
pub mod ingress;
pub mod job;
pub mod job_set;
pub mod labels;
pub mod leader_worker_set;
pub mod model;
pub mod monitor;
pub mod namespace;
pub mod network_policy;
pub mod pdb;
pub mod pod;
pub mod role;
pub mod scaled_object;
pub mod service;
pub mod service_account;
pub mod stateful_set;

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{
    ConfigMap, Namespace, PersistentVolumeClaim, Service, ServiceAccount,
};
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use serde::Serialize;

use self::crd::{
    HttpRoute, JobSet, LeaderWorkerSet, PodMonitor, PodMonitoring, ScaledObject, ServiceMonitor,
};
use crate::app::App;

/// One generated object. The variant order is the order of documents in a bundle.
// A bundle holds a handful of objects; boxing each would only add noise at every use.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Object {
    Namespace(Namespace),
    ServiceAccount(ServiceAccount),
    ConfigMap(ConfigMap),
    PersistentVolumeClaim(PersistentVolumeClaim),
    Role(Role),
    RoleBinding(RoleBinding),
    Service(Service),
    Deployment(Deployment),
    StatefulSet(StatefulSet),
    LeaderWorkerSet(LeaderWorkerSet),
    HorizontalPodAutoscaler(HorizontalPodAutoscaler),
    ScaledObject(ScaledObject),
    PodDisruptionBudget(PodDisruptionBudget),
    NetworkPolicy(NetworkPolicy),
    Ingress(Ingress),
    HttpRoute(HttpRoute),
    PodMonitor(PodMonitor),
    ServiceMonitor(ServiceMonitor),
    PodMonitoring(PodMonitoring),
    Job(Job),
    JobSet(JobSet),
    CronJob(CronJob),
}

impl Object {
    /// Position of this kind in the fixed document order ([`crate::kinds::ALL`]).
    pub fn rank(&self) -> u8 {
        crate::kinds::rank(self.kind())
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Object::Namespace(_) => "Namespace",
            Object::ServiceAccount(_) => "ServiceAccount",
            Object::ConfigMap(_) => "ConfigMap",
            Object::PersistentVolumeClaim(_) => "PersistentVolumeClaim",
            Object::Role(_) => "Role",
            Object::RoleBinding(_) => "RoleBinding",
            Object::Service(_) => "Service",
            Object::Deployment(_) => "Deployment",
            Object::StatefulSet(_) => "StatefulSet",
            Object::LeaderWorkerSet(_) => "LeaderWorkerSet",
            Object::HorizontalPodAutoscaler(_) => "HorizontalPodAutoscaler",
            Object::ScaledObject(_) => "ScaledObject",
            Object::PodDisruptionBudget(_) => "PodDisruptionBudget",
            Object::NetworkPolicy(_) => "NetworkPolicy",
            Object::Ingress(_) => "Ingress",
            Object::HttpRoute(_) => "HTTPRoute",
            Object::PodMonitor(_) => "PodMonitor",
            Object::ServiceMonitor(_) => "ServiceMonitor",
            Object::PodMonitoring(_) => "PodMonitoring",
            Object::Job(_) => "Job",
            Object::JobSet(_) => "JobSet",
            Object::CronJob(_) => "CronJob",
        }
    }

    pub fn metadata(&self) -> &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
        match self {
            Object::Namespace(o) => &o.metadata,
            Object::ServiceAccount(o) => &o.metadata,
            Object::ConfigMap(o) => &o.metadata,
            Object::PersistentVolumeClaim(o) => &o.metadata,
            Object::Role(o) => &o.metadata,
            Object::RoleBinding(o) => &o.metadata,
            Object::Service(o) => &o.metadata,
            Object::Deployment(o) => &o.metadata,
            Object::StatefulSet(o) => &o.metadata,
            Object::LeaderWorkerSet(o) => &o.metadata,
            Object::HorizontalPodAutoscaler(o) => &o.metadata,
            Object::ScaledObject(o) => &o.metadata,
            Object::PodDisruptionBudget(o) => &o.metadata,
            Object::NetworkPolicy(o) => &o.metadata,
            Object::Ingress(o) => &o.metadata,
            Object::HttpRoute(o) => &o.metadata,
            Object::PodMonitor(o) => &o.metadata,
            Object::ServiceMonitor(o) => &o.metadata,
            Object::PodMonitoring(o) => &o.metadata,
            Object::Job(o) => &o.metadata,
            Object::JobSet(o) => &o.metadata,
            Object::CronJob(o) => &o.metadata,
        }
    }

    /// Read an object back from JSON, by its `kind` (the verify stage checks documents that a
    /// test may have edited).
    pub fn from_json(v: serde_json::Value) -> Result<Object, String> {
        use serde_json::from_value as from;
        let kind = v
            .get("kind")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default();
        let o = match kind {
            "Namespace" => from(v).map(Object::Namespace),
            "ServiceAccount" => from(v).map(Object::ServiceAccount),
            "ConfigMap" => from(v).map(Object::ConfigMap),
            "PersistentVolumeClaim" => from(v).map(Object::PersistentVolumeClaim),
            "Role" => from(v).map(Object::Role),
            "RoleBinding" => from(v).map(Object::RoleBinding),
            "Service" => from(v).map(Object::Service),
            "Deployment" => from(v).map(Object::Deployment),
            "StatefulSet" => from(v).map(Object::StatefulSet),
            "LeaderWorkerSet" => from(v).map(Object::LeaderWorkerSet),
            "HorizontalPodAutoscaler" => from(v).map(Object::HorizontalPodAutoscaler),
            "ScaledObject" => from(v).map(Object::ScaledObject),
            "PodDisruptionBudget" => from(v).map(Object::PodDisruptionBudget),
            "NetworkPolicy" => from(v).map(Object::NetworkPolicy),
            "Ingress" => from(v).map(Object::Ingress),
            "HTTPRoute" => from(v).map(Object::HttpRoute),
            "PodMonitor" => from(v).map(Object::PodMonitor),
            "ServiceMonitor" => from(v).map(Object::ServiceMonitor),
            "PodMonitoring" => from(v).map(Object::PodMonitoring),
            "Job" => from(v).map(Object::Job),
            "JobSet" => from(v).map(Object::JobSet),
            "CronJob" => from(v).map(Object::CronJob),
            other => return Err(format!("mlspec does not emit kind `{other}`")),
        };
        o.map_err(|e| e.to_string())
    }

    /// `Kind/namespace/name`, as reports name workloads.
    pub fn id(&self) -> String {
        let m = self.metadata();
        match &m.namespace {
            Some(ns) => format!(
                "{}/{ns}/{}",
                self.kind(),
                m.name.as_deref().unwrap_or_default()
            ),
            None => format!("{}/{}", self.kind(), m.name.as_deref().unwrap_or_default()),
        }
    }
}

/// Values whose spec key the generators know and `provenance` could not tell from the object
/// alone: (object id as `Object::id`, JSON pointer, spec key path). Each NetworkPolicy rule's
/// flow.
pub fn origins(app: &App) -> Vec<(String, String, String)> {
    let workloads = app
        .servers
        .iter()
        .map(|s| &s.workload)
        .chain(app.batches.iter().map(|b| &b.workload));
    let mut out = Vec::new();
    for w in workloads {
        let id = format!("NetworkPolicy/{}/{}", app.namespace, w.name);
        for (pointer, path) in network_policy::origins(app, w) {
            out.push((id.clone(), pointer, path));
        }
    }
    out
}

/// Every object of one app, in bundle order.
pub fn generate(app: &App) -> Vec<Object> {
    let mut out = Vec::new();
    out.extend(namespace::generate(app).map(Object::Namespace));
    let workloads = app
        .servers
        .iter()
        .map(|s| &s.workload)
        .chain(app.batches.iter().map(|b| &b.workload));
    for w in workloads {
        out.extend(service_account::generate(app, w).map(Object::ServiceAccount));
        out.extend(config_map::generate(app, w).map(Object::ConfigMap));
        out.extend(model::claim(app, w).map(Object::PersistentVolumeClaim));
        out.extend(role::role(app, w).map(Object::Role));
        out.extend(role::binding(app, w).map(Object::RoleBinding));
    }
    for s in &app.servers {
        out.push(Object::Service(service::generate(app, s)));
        out.extend(service::headless_server(app, s).map(Object::Service));
        if let Some(set) = stateful_set::generate(app, s) {
            out.push(Object::StatefulSet(set));
        } else if let Some(set) = leader_worker_set::generate(app, s) {
            out.push(Object::LeaderWorkerSet(set));
        } else {
            out.push(Object::Deployment(deployment::generate(app, s)));
        }
        out.extend(hpa::generate(app, s).map(Object::HorizontalPodAutoscaler));
        out.extend(scaled_object::generate(app, s).map(Object::ScaledObject));
        out.extend(pdb::generate(app, s).map(Object::PodDisruptionBudget));
        out.push(Object::NetworkPolicy(network_policy::generate(
            app,
            &s.workload,
        )));
        out.extend(ingress::generate(app, s).map(Object::Ingress));
        out.extend(http_route::generate(app, s).map(Object::HttpRoute));
        out.extend(monitor::generate(app, s));
    }
    for b in &app.batches {
        out.extend(service::headless(app, b).map(Object::Service));
        out.push(Object::NetworkPolicy(network_policy::generate(
            app,
            &b.workload,
        )));
        out.extend(job::job(app, b).map(Object::Job));
        out.extend(job_set::generate(app, b).map(Object::JobSet));
        out.extend(job::cron_job(app, b).map(Object::CronJob));
    }
    // Stable: within a kind, objects keep app order (servers, then jobs, then schedules).
    out.sort_by_key(Object::rank);
    out
}
