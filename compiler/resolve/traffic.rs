//! The app's traffic model (`App::flows`), resolved once all servers are: for each server, its
//! own app's pods, the scraper of its metrics, its ingress controller or Gateway, the clients
//! of its load balancer or node port, and its declared `callers`; for a server over several
//! nodes, the pods of its groups on the ports they talk on; for a multi-host slice, its own pods.

use crate::app::{Batch, Flow, Peer, Server};
use crate::diagnostics::Diagnostics;
use crate::spec::Spec;
use crate::stdlib::Catalog;

/// Every flow into the app's workloads, server by server, then the batch workloads.
pub fn flows(
    d: &mut Diagnostics,
    catalog: &Catalog,
    spec: &Spec,
    namespace: &str,
    servers: &[Server],
    ingress: &[Flow],
    batches: &[(String, &Batch)],
) -> Vec<Flow> {
    let mut out = Vec::new();
    for s in servers {
        let to = s.workload.name.as_str();
        let ports: Vec<i32> = s.ports.iter().map(|p| p.port).collect();
        let except = servers
            .iter()
            .filter(|o| o.workload.name != to)
            .map(|o| o.workload.name.clone())
            .collect();
        out.push(Flow::new(to, ports, Peer::App { except }, &s.path));
        if let Some(g) = &s.group {
            // The pods of a group reach each other on the ports their runtime's multi-node
            // preset declares (a rendezvous port, NCCL's ephemeral range), and no others.
            let mut flow = Flow::new(
                to,
                g.ports
                    .iter()
                    .filter(|(_, end)| end.is_none())
                    .map(|(p, _)| *p)
                    .collect(),
                Peer::Workload(to.to_string()),
                format!("{}.group", s.path),
            );
            flow.ranges = g
                .ports
                .iter()
                .filter_map(|(p, end)| end.map(|e| (*p, e)))
                .collect();
            out.push(flow);
        }
        if let Some(m) = &s.metrics {
            // Prometheus scrapes from its own namespace, and reaches the metrics port only (on a
            // server that serves metrics beside its API, that is the API's port too).
            let from = Peer::namespace(&m.scraper_namespace);
            out.push(Flow::new(
                to,
                vec![m.port],
                from,
                format!("{}.metrics", s.path),
            ));
        }
        // The HTTPRoute routes to the first port only; the Gateway may reach nothing else.
        let routed: Vec<i32> = s.ports.iter().take(1).map(|p| p.port).collect();
        out.extend(ingress.iter().filter(|f| f.to == to).cloned());
        if let Some(r) = &s.route {
            // The Gateway's proxies run in its namespace (the app's, unless the route names
            // another), or where the route says they do.
            let ns = r
                .proxy_namespace
                .as_ref()
                .or(r.namespace.as_ref())
                .map_or(namespace, String::as_str);
            let from = Peer::namespace(ns);
            out.push(Flow::new(to, routed, from, format!("{}.route", s.path)));
        }
        if s.service.is_external() {
            // A load balancer or node port hands its clients to the pods on the published
            // ports: admit the blocks it accepts.
            let published: Vec<i32> = s.service.ports.iter().map(|p| p.target).collect();
            let (ranges, key) = if s.service.source_ranges.is_empty() {
                (&catalog.defaults.service.public_ranges, "type")
            } else {
                (&s.service.source_ranges, "source_ranges")
            };
            for cidr in ranges {
                let from = Peer::Addresses {
                    cidr: cidr.clone(),
                    except: Vec::new(),
                };
                out.push(Flow::new(
                    to,
                    published.clone(),
                    from,
                    format!("{}.service.{key}", s.path),
                ));
            }
        }
        if let Some(callers) = spec.server(&s.path).and_then(|v| v.callers.as_ref()) {
            out.extend(super::callers::flows(d, s, callers, servers, namespace));
        }
    }
    for (path, b) in batches {
        // The hosts of a slice talk to each other on ports the TPU runtime and framework choose.
        if b.hosts.is_some() {
            let w = &b.workload.name;
            out.push(Flow::new(w, Vec::new(), Peer::Workload(w.clone()), path));
        }
    }
    out
}
