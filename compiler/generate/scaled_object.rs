//! The KEDA ScaledObject for `[serve.scaling.keda]`, instead of a HorizontalPodAutoscaler: KEDA
//! creates and owns the HPA, and scales the Deployment to and from zero itself.

use std::collections::BTreeMap;

use super::crd::{
    Advanced, HpaConfig, ScaleTargetRef, ScaleTrigger, ScaledObject, ScaledObjectSpec,
};
use super::labels;
use crate::app::{App, Replicas, Server, Trigger};

pub fn generate(app: &App, s: &Server) -> Option<ScaledObject> {
    let Replicas::Keda { min, max, keda } = &s.replicas else {
        return None;
    };
    let w = &s.workload;
    let triggers = keda.triggers.iter().map(trigger).collect();
    Some(ScaledObject {
        metadata: labels::meta(app, &w.name, &w.name, &w.component),
        spec: ScaledObjectSpec {
            advanced: keda.scale_down.as_ref().map(|x| Advanced {
                horizontal_pod_autoscaler_config: Some(HpaConfig {
                    behavior: Some(super::hpa::behavior(x)),
                }),
            }),
            cooldown_period: Some(keda.cooldown_seconds),
            max_replica_count: Some(*max),
            min_replica_count: Some(*min),
            polling_interval: Some(keda.polling_seconds),
            scale_target_ref: ScaleTargetRef {
                api_version: Some(s.controller().0.to_string()),
                kind: Some(s.controller().1.to_string()),
                name: w.name.clone(),
            },
            triggers,
        },
    })
}

fn trigger(t: &Trigger) -> ScaleTrigger {
    let text = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    match t {
        Trigger::Prometheus {
            server,
            query,
            threshold,
            activation,
        } => {
            let mut metadata = text(&[
                ("serverAddress", server),
                ("query", query),
                ("threshold", threshold),
            ]);
            if let Some(a) = activation {
                metadata.insert("activationThreshold".to_string(), a.clone());
            }
            ScaleTrigger {
                metadata,
                metric_type: Some("AverageValue".to_string()),
                name: Some("prometheus".to_string()),
                type_: "prometheus".to_string(),
            }
        }
        Trigger::Cron {
            timezone,
            start,
            end,
            replicas,
        } => ScaleTrigger {
            metadata: text(&[
                ("timezone", timezone),
                ("start", start),
                ("end", end),
                ("desiredReplicas", &replicas.to_string()),
            ]),
            metric_type: None,
            name: Some("cron".to_string()),
            type_: "cron".to_string(),
        },
    }
}
