//! The server's Service: its name and type (ClusterIP, or a load balancer or node port with its
//! source ranges and traffic policy), the ports it publishes, each targeting the container's
//! named port. And the headless Service of a job on a multi-host TPU slice, which gives its pods
//! stable DNS names.

use k8s_openapi::api::core::v1::{Service, ServicePort, ServiceSpec};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::labels;
use crate::app::{App, Batch, Server};

pub fn generate(app: &App, s: &Server) -> Service {
    let w = &s.workload;
    let svc = &s.service;
    // A native sidecar's named port is a Service target only since Kubernetes 1.32
    // (kubernetes#127976), and tools and network plugins older than that look for names in
    // `containers` alone: its ports are targeted by number, which works everywhere.
    let sidecar = |name: &str| {
        w.pod
            .sidecars
            .iter()
            .any(|c| c.ports.iter().any(|p| p.name == name))
    };
    let ports = svc
        .ports
        .iter()
        .map(|p| {
            let target = if sidecar(&p.name) {
                IntOrString::Int(p.target)
            } else {
                IntOrString::String(p.name.clone())
            };
            port(&p.name, p.port, target, &p.app_protocol)
        })
        .collect();
    let mut meta = labels::meta(app, &svc.name, &w.name, &w.component);
    if !svc.annotations.is_empty() {
        meta.annotations
            .get_or_insert_with(Default::default)
            .extend(svc.annotations.clone());
    }
    let mut selector = labels::selector(app, &w.name);
    if s.group.is_some() {
        // A group serves through its leader; its workers have no server to call.
        selector.insert(
            super::leader_worker_set::WORKER_INDEX.to_string(),
            "0".to_string(),
        );
    }
    Service {
        metadata: meta,
        spec: Some(ServiceSpec {
            type_: Some(svc.type_.clone()),
            selector: Some(selector),
            ports: Some(ports),
            load_balancer_source_ranges: (!svc.source_ranges.is_empty())
                .then(|| svc.source_ranges.clone()),
            external_traffic_policy: svc.external_traffic_policy.clone(),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// A stateful server's headless Service (its StatefulSet's `serviceName`): no cluster IP, the
/// server's ports, so each replica resolves as `NAME-INDEX.SERVICE`, found by the pod's stable
/// name, while clients keep calling the server's own Service.
pub fn headless_server(app: &App, s: &Server) -> Option<Service> {
    let st = s.state.as_ref()?;
    let w = &s.workload;
    // Clients of a headless Service reach the pods themselves, so it publishes the container
    // ports by their own numbers.
    let ports = s
        .ports
        .iter()
        .map(|p| {
            let target = IntOrString::String(p.name.clone());
            port(&p.name, p.port, target, &p.app_protocol)
        })
        .collect();
    Some(Service {
        metadata: labels::meta(app, &st.service, &w.name, &w.component),
        spec: Some(ServiceSpec {
            ports: Some(ports),
            ..headless_spec(app, &w.name)
        }),
        ..Default::default()
    })
}

/// One TCP port of a Service.
fn port(
    name: &str,
    number: i32,
    target: IntOrString,
    app_protocol: &Option<String>,
) -> ServicePort {
    ServicePort {
        name: Some(name.to_string()),
        port: number,
        target_port: Some(target),
        protocol: Some("TCP".to_string()),
        app_protocol: app_protocol.clone(),
        ..Default::default()
    }
}

/// A Service without a cluster IP that selects a workload's pods: DNS names for each of them.
fn headless_spec(app: &App, workload: &str) -> ServiceSpec {
    ServiceSpec {
        cluster_ip: Some("None".to_string()),
        selector: Some(labels::selector(app, workload)),
        ..Default::default()
    }
}

/// A multi-host slice's headless Service: no cluster IP, no ports, selecting the job's pods, so
/// each pod resolves as `JOB-INDEX.SERVICE` (the pods' `subdomain`) before it is ready.
pub fn headless(app: &App, b: &Batch) -> Option<Service> {
    b.hosts?;
    // A JobSet's controller makes its own.
    if b.slices.is_some() {
        return None;
    }
    let w = &b.workload;
    Some(Service {
        metadata: labels::meta(app, &w.name, &w.name, &w.component),
        spec: Some(ServiceSpec {
            publish_not_ready_addresses: Some(true),
            ..headless_spec(app, &w.name)
        }),
        ..Default::default()
    })
}
