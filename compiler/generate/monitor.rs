//! The object that tells a collector to scrape a server's metrics: a Prometheus Operator
//! PodMonitor or ServiceMonitor, or a GKE Managed Prometheus PodMonitoring, selecting the
//! server's pods (or its Service) and naming the port and path. (With `annotations`, the pod
//! template carries `prometheus.io/*` instead: `deployment.rs`.)

use super::crd::{
    PodMonitor, PodMonitorSpec, PodMonitoring, PodMonitoringSpec, ScrapeEndpoint, ServiceMonitor,
    ServiceMonitorSpec,
};
use super::{Object, labels};
use crate::app::{App, Monitor, Server};

pub fn generate(app: &App, s: &Server) -> Option<Object> {
    let m = s.metrics.as_ref()?;
    let w = &s.workload;
    let mut metadata = labels::meta(app, &w.name, &w.name, &w.component);
    if let Some(l) = metadata.labels.as_mut() {
        // The standard labels win, as on every object.
        for (k, v) in &m.labels {
            l.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    let endpoint = ScrapeEndpoint {
        interval: Some(m.interval.clone()),
        path: Some(m.path.clone()),
        port: Some(m.port_name.clone()),
    };
    let mut selector = labels::label_selector(app, &w.name);
    if s.group.is_some() {
        // Only a group's leader serves its metrics.
        selector
            .match_labels
            .get_or_insert_with(Default::default)
            .insert(
                super::leader_worker_set::WORKER_INDEX.to_string(),
                "0".to_string(),
            );
    }
    Some(match m.monitor {
        Monitor::Annotations => return None,
        Monitor::PodMonitor => Object::PodMonitor(PodMonitor {
            metadata,
            spec: PodMonitorSpec {
                pod_metrics_endpoints: vec![endpoint],
                selector,
            },
        }),
        Monitor::ServiceMonitor => Object::ServiceMonitor(ServiceMonitor {
            metadata,
            spec: ServiceMonitorSpec {
                endpoints: vec![endpoint],
                selector,
            },
        }),
        Monitor::PodMonitoring => Object::PodMonitoring(PodMonitoring {
            metadata,
            spec: PodMonitoringSpec {
                endpoints: vec![endpoint],
                selector,
            },
        }),
    })
}
