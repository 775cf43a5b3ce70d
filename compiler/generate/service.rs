//! The server's ClusterIP Service: the first port is published on the catalog's service port
//! (80), the others on their own numbers, all targeting the container's named ports. And the
//! headless Service of a job on a multi-host TPU slice, which gives its pods stable DNS names.

use k8s_openapi::api::core::v1::{Service, ServicePort, ServiceSpec};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::labels;
use crate::app::{App, Batch, Server};

pub fn generate(app: &App, s: &Server) -> Service {
    let w = &s.workload;
    // A native sidecar's named port is a Service target only since Kubernetes 1.32
    // (kubernetes#127976), and tools and network plugins older than that look for names in
    // `containers` alone: its ports are targeted by number, which works everywhere.
    let sidecar = |name: &str| {
        w.pod
            .sidecars
            .iter()
            .any(|c| c.ports.iter().any(|p| p.name == name))
    };
    let ports = s
        .ports
        .iter()
        .enumerate()
        .map(|(i, p)| ServicePort {
            name: Some(p.name.clone()),
            port: if i == 0 { s.service_port } else { p.port },
            target_port: Some(if sidecar(&p.name) {
                IntOrString::Int(p.port)
            } else {
                IntOrString::String(p.name.clone())
            }),
            protocol: Some("TCP".to_string()),
            app_protocol: p.app_protocol.clone(),
            ..Default::default()
        })
        .collect();
    Service {
        metadata: labels::meta(app, &w.name, &w.name, &w.component),
        spec: Some(ServiceSpec {
            type_: Some("ClusterIP".to_string()),
            selector: Some(labels::selector(app, &w.name)),
            ports: Some(ports),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// A multi-host slice's headless Service: no cluster IP, no ports, selecting the job's pods, so
/// each pod resolves as `JOB-INDEX.SERVICE` (the pods' `subdomain`) before it is ready.
pub fn headless(app: &App, b: &Batch) -> Option<Service> {
    b.hosts?;
    let w = &b.workload;
    Some(Service {
        metadata: labels::meta(app, &w.name, &w.name, &w.component),
        spec: Some(ServiceSpec {
            cluster_ip: Some("None".to_string()),
            selector: Some(labels::selector(app, &w.name)),
            publish_not_ready_addresses: Some(true),
            ..Default::default()
        }),
        ..Default::default()
    })
}

/// The Service port number that fronts the server's first container port.
pub fn front_port(s: &Server) -> i32 {
    s.service_port
}
