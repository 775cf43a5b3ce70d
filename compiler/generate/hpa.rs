//! The HorizontalPodAutoscaler (autoscaling/v2) for `min`/`max` scaling, on CPU or memory
//! utilisation, on a per-pod custom metric or on an external metric. (With KEDA, the
//! ScaledObject stands in its place: `scaled_object.rs`.)

use k8s_openapi::api::autoscaling::v2::{
    CrossVersionObjectReference, ExternalMetricSource, HPAScalingPolicy, HPAScalingRules,
    HorizontalPodAutoscaler, HorizontalPodAutoscalerBehavior, HorizontalPodAutoscalerSpec,
    MetricIdentifier, MetricSpec, MetricTarget, PodsMetricSource, ResourceMetricSource,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use super::labels;
use crate::app::{Amount, App, IntOrPercent, Replicas, ScaleDown, Server, Target};

pub fn generate(app: &App, s: &Server) -> Option<HorizontalPodAutoscaler> {
    let Replicas::Auto {
        min,
        max,
        target,
        scale_down,
    } = &s.replicas
    else {
        return None;
    };
    let w = &s.workload;
    let resource = |name: &str, pct: i32| MetricSpec {
        type_: "Resource".to_string(),
        resource: Some(ResourceMetricSource {
            name: name.to_string(),
            target: MetricTarget {
                type_: "Utilization".to_string(),
                average_utilization: Some(pct),
                ..Default::default()
            },
        }),
        ..Default::default()
    };
    let metric = match target {
        Target::CpuUtilization(p) => resource("cpu", *p),
        Target::MemoryUtilization(p) => resource("memory", *p),
        Target::PodsMetric {
            name,
            average,
            selector,
        } => MetricSpec {
            type_: "Pods".to_string(),
            pods: Some(PodsMetricSource {
                metric: identifier(name, selector),
                target: average_value(average),
            }),
            ..Default::default()
        },
        Target::External {
            name,
            amount,
            selector,
        } => MetricSpec {
            type_: "External".to_string(),
            external: Some(ExternalMetricSource {
                metric: identifier(name, selector),
                target: match amount {
                    Amount::Average(q) => average_value(q),
                    Amount::Value(q) => MetricTarget {
                        type_: "Value".to_string(),
                        value: Some(Quantity(q.clone())),
                        ..Default::default()
                    },
                },
            }),
            ..Default::default()
        },
    };
    Some(HorizontalPodAutoscaler {
        metadata: labels::meta(app, &w.name, &w.name, &w.component),
        spec: Some(HorizontalPodAutoscalerSpec {
            scale_target_ref: CrossVersionObjectReference {
                api_version: Some(s.controller().0.to_string()),
                kind: s.controller().1.to_string(),
                name: w.name.clone(),
            },
            min_replicas: Some(*min),
            max_replicas: *max,
            metrics: Some(vec![metric]),
            behavior: scale_down.as_ref().map(behavior),
        }),
        ..Default::default()
    })
}

/// A per-pod average target.
fn average_value(q: &str) -> MetricTarget {
    MetricTarget {
        type_: "AverageValue".to_string(),
        average_value: Some(Quantity(q.to_string())),
        ..Default::default()
    }
}

/// A metric's name and the labels that pick its series.
fn identifier(
    name: &str,
    selector: &std::collections::BTreeMap<String, String>,
) -> MetricIdentifier {
    MetricIdentifier {
        name: name.to_string(),
        selector: (!selector.is_empty()).then(|| LabelSelector {
            match_labels: Some(selector.clone()),
            ..Default::default()
        }),
    }
}

/// The HPA's scale-down behaviour (also what KEDA's `advanced` passes to the HPA it makes); the
/// HPA's defaults stand for what the spec leaves out.
pub fn behavior(x: &ScaleDown) -> HorizontalPodAutoscalerBehavior {
    HorizontalPodAutoscalerBehavior {
        scale_down: Some(HPAScalingRules {
            stabilization_window_seconds: x.stabilization_seconds,
            policies: x.max.as_ref().map(|(max, period)| {
                let (type_, value) = match max {
                    IntOrPercent::Int(n) => ("Pods", *n),
                    IntOrPercent::Percent(p) => ("Percent", i32::try_from(*p).unwrap_or(100)),
                };
                vec![HPAScalingPolicy {
                    type_: type_.to_string(),
                    value,
                    period_seconds: *period,
                }]
            }),
            ..Default::default()
        }),
        scale_up: None,
    }
}
