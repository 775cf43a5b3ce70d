//! Typed structs for the custom resources mlspec emits and k8s-openapi lacks: KEDA's
//! `ScaledObject` (keda.sh/v1alpha1), Gateway API's `HTTPRoute` (gateway.networking.k8s.io/v1),
//! the Prometheus Operator's `PodMonitor` and `ServiceMonitor` (monitoring.coreos.com/v1), GKE
//! Managed Prometheus's `PodMonitoring` (monitoring.googleapis.com/v1), `JobSet`
//! (jobset.x-k8s.io/v1alpha2) and `LeaderWorkerSet` (leaderworkerset.x-k8s.io/v1).
//!
//! Only the fields mlspec writes or `place` reads are modelled. They serialize like k8s-openapi
//! objects: `apiVersion`, `kind`, `metadata`, `spec`, then every field in alphabetical order of
//! its JSON name, unset options left out. Reading one back (`Object::from_json`) checks
//! `apiVersion` and `kind`. Their vendored schemas are `schemas/crd/*.json`.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What a custom resource says about itself.
pub trait Resource {
    const API_VERSION: &'static str;
    const KIND: &'static str;
}

/// Serialize `apiVersion` and `kind` first, as k8s-openapi does.
#[derive(Serialize)]
struct Head<'a, S> {
    #[serde(rename = "apiVersion")]
    api_version: &'static str,
    kind: &'static str,
    metadata: &'a ObjectMeta,
    spec: &'a S,
}

#[derive(Deserialize)]
struct Owned<S> {
    #[serde(rename = "apiVersion")]
    api_version: String,
    kind: String,
    #[serde(default)]
    metadata: ObjectMeta,
    spec: S,
}

macro_rules! resource {
    ($(#[$doc:meta])* $name:ident, $spec:ty, $api:literal, $kind:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Default)]
        pub struct $name {
            pub metadata: ObjectMeta,
            pub spec: $spec,
        }

        impl Resource for $name {
            const API_VERSION: &'static str = $api;
            const KIND: &'static str = $kind;
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                Head {
                    api_version: $api,
                    kind: $kind,
                    metadata: &self.metadata,
                    spec: &self.spec,
                }
                .serialize(s)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let o = Owned::<$spec>::deserialize(d)?;
                if o.api_version != $api || o.kind != $kind {
                    return Err(serde::de::Error::custom(format!(
                        "expected apiVersion {} kind {}, found {} {}",
                        $api, $kind, o.api_version, o.kind
                    )));
                }
                Ok($name {
                    metadata: o.metadata,
                    spec: o.spec,
                })
            }
        }
    };
}

resource!(
    /// A KEDA ScaledObject: KEDA creates and owns the HorizontalPodAutoscaler of its target and
    /// scales it to and from zero itself.
    ScaledObject,
    ScaledObjectSpec,
    "keda.sh/v1alpha1",
    "ScaledObject"
);

resource!(
    /// A Gateway API HTTPRoute: routes a Gateway's listener traffic to a Service.
    HttpRoute,
    HttpRouteSpec,
    "gateway.networking.k8s.io/v1",
    "HTTPRoute"
);

resource!(
    /// A Prometheus Operator PodMonitor: Prometheus scrapes the selected pods' named port.
    PodMonitor,
    PodMonitorSpec,
    "monitoring.coreos.com/v1",
    "PodMonitor"
);

resource!(
    /// A Prometheus Operator ServiceMonitor: Prometheus scrapes the endpoints of the selected
    /// Services' named port.
    ServiceMonitor,
    ServiceMonitorSpec,
    "monitoring.coreos.com/v1",
    "ServiceMonitor"
);

resource!(
    /// A GKE Managed Prometheus PodMonitoring: its collectors scrape the selected pods' port.
    PodMonitoring,
    PodMonitoringSpec,
    "monitoring.googleapis.com/v1",
    "PodMonitoring"
);

resource!(
    /// A JobSet: several Jobs from replicated templates, created, restarted and deleted together,
    /// with a headless Service for their pods' names.
    JobSet,
    JobSetSpec,
    "jobset.x-k8s.io/v1alpha2",
    "JobSet"
);

resource!(
    /// A LeaderWorkerSet: `replicas` groups of `size` pods (a leader and its workers) that are
    /// created, restarted and scaled together.
    LeaderWorkerSet,
    LeaderWorkerSetSpec,
    "leaderworkerset.x-k8s.io/v1",
    "LeaderWorkerSet"
);

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LeaderWorkerSetSpec {
    pub leader_worker_template: LeaderWorkerTemplate,
    /// Groups; unset when an autoscaler owns them (the `scale` subresource).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicas: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollout_strategy: Option<LwsRolloutStrategy>,
}

/// The pods of one group: a leader from `leaderTemplate`, `size - 1` workers from
/// `workerTemplate`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LeaderWorkerTemplate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leader_template: Option<k8s_openapi::api::core::v1::PodTemplateSpec>,
    /// `RecreateGroupOnPodRestart`: a group that lost a pod starts over as a whole.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restart_policy: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<i32>,
    pub worker_template: k8s_openapi::api::core::v1::PodTemplateSpec,
}

/// How groups are replaced: a rolling update, group by group.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LwsRolloutStrategy {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rolling_update_configuration: Option<LwsRollingUpdate>,
    #[serde(rename = "type")]
    pub type_: String,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LwsRollingUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_surge: Option<k8s_openapi::apimachinery::pkg::util::intstr::IntOrString>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_unavailable: Option<k8s_openapi::apimachinery::pkg::util::intstr::IntOrString>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodMonitorSpec {
    pub pod_metrics_endpoints: Vec<ScrapeEndpoint>,
    pub selector: LabelSelector,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceMonitorSpec {
    pub endpoints: Vec<ScrapeEndpoint>,
    pub selector: LabelSelector,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodMonitoringSpec {
    pub endpoints: Vec<ScrapeEndpoint>,
    pub selector: LabelSelector,
}

/// Where and how often to scrape: a port by name and an HTTP path.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScrapeEndpoint {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobSetSpec {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_policy: Option<JobSetFailurePolicy>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network: Option<JobSetNetwork>,
    pub replicated_jobs: Vec<ReplicatedJob>,
    /// Created suspended (Kueue starts it); the JobSet suspends its Jobs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suspend: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ttl_seconds_after_finished: Option<i32>,
}

/// How often the whole JobSet is recreated after one of its Jobs fails.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobSetFailurePolicy {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_restarts: Option<i32>,
}

/// Pod DNS names under the JobSet's headless Service (`subdomain`, the JobSet's name by default).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct JobSetNetwork {
    #[serde(rename = "enableDNSHostnames", skip_serializing_if = "Option::is_none")]
    pub enable_dns_hostnames: Option<bool>,
    #[serde(
        rename = "publishNotReadyAddresses",
        skip_serializing_if = "Option::is_none"
    )]
    pub publish_not_ready_addresses: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subdomain: Option<String>,
}

/// `replicas` Jobs from one template, named `JOBSET-NAME-INDEX`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ReplicatedJob {
    pub name: String,
    pub replicas: i32,
    pub template: k8s_openapi::api::batch::v1::JobTemplateSpec,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScaledObjectSpec {
    /// What KEDA passes to the HPA it makes (its scale-down behaviour).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advanced: Option<Advanced>,
    /// Seconds after the last active trigger before scaling to `minReplicaCount` (0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cooldown_period: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_replica_count: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_replica_count: Option<i32>,
    /// Seconds between two checks of the triggers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub polling_interval: Option<i32>,
    pub scale_target_ref: ScaleTargetRef,
    pub triggers: Vec<ScaleTrigger>,
}

/// `spec.advanced`: settings of the HPA KEDA creates.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Advanced {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub horizontal_pod_autoscaler_config: Option<HpaConfig>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HpaConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub behavior: Option<k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscalerBehavior>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScaleTargetRef {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    pub name: String,
}

/// One KEDA trigger: its scaler `type` and that scaler's string parameters.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScaleTrigger {
    pub metadata: BTreeMap<String, String>,
    /// `AverageValue` (KEDA's default for most scalers), `Value` or `Utilization`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metric_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub type_: String,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpRouteSpec {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostnames: Option<Vec<String>>,
    pub parent_refs: Vec<ParentReference>,
    pub rules: Vec<HttpRouteRule>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ParentReference {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpRouteRule {
    pub backend_refs: Vec<BackendRef>,
    pub matches: Vec<HttpRouteMatch>,
}

/// A Service and its port number (an HTTPRoute names ports by number only).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BackendRef {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpRouteMatch {
    pub path: HttpPathMatch,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpPathMatch {
    /// `PathPrefix` or `Exact`.
    #[serde(rename = "type")]
    pub type_: String,
    pub value: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_version_and_kind_come_first_and_read_back() {
        let so = ScaledObject {
            metadata: ObjectMeta {
                name: Some("a".to_string()),
                ..Default::default()
            },
            spec: ScaledObjectSpec {
                max_replica_count: Some(3),
                scale_target_ref: ScaleTargetRef {
                    name: "a".to_string(),
                    ..Default::default()
                },
                ..Default::default()
            },
        };
        let text = serde_json::to_string(&so).unwrap();
        assert!(
            text.starts_with(
                r#"{"apiVersion":"keda.sh/v1alpha1","kind":"ScaledObject","metadata""#
            ),
            "{text}"
        );
        let back: ScaledObject = serde_json::from_str(&text).unwrap();
        assert_eq!(back, so);
        let wrong = text.replace("ScaledObject", "ScaledJob");
        assert!(serde_json::from_str::<ScaledObject>(&wrong).is_err());
    }
}
