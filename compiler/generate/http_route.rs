//! The server's Gateway API HTTPRoute (`[serve.route]`): a parentRef to the named Gateway, the
//! host names and path prefix, and the Service's front port as the backend.

use super::crd::{
    BackendRef, HttpPathMatch, HttpRoute, HttpRouteMatch, HttpRouteRule, HttpRouteSpec,
    ParentReference,
};
use super::labels;
use crate::app::{App, Server};

pub fn generate(app: &App, s: &Server) -> Option<HttpRoute> {
    let r = s.route.as_ref()?;
    let w = &s.workload;
    Some(HttpRoute {
        metadata: labels::meta(app, &w.name, &w.name, &w.component),
        spec: HttpRouteSpec {
            hostnames: (!r.hostnames.is_empty()).then(|| r.hostnames.clone()),
            parent_refs: vec![ParentReference {
                group: Some("gateway.networking.k8s.io".to_string()),
                kind: Some("Gateway".to_string()),
                name: r.gateway.clone(),
                namespace: r.namespace.clone(),
            }],
            rules: vec![HttpRouteRule {
                backend_refs: vec![BackendRef {
                    kind: Some("Service".to_string()),
                    name: s.service.name.clone(),
                    port: s
                        .ports
                        .first()
                        .and_then(|p| s.service.port_of(&p.name))
                        .map(|p| p.port),
                }],
                matches: vec![HttpRouteMatch {
                    path: HttpPathMatch {
                        type_: "PathPrefix".to_string(),
                        value: r.path.clone(),
                    },
                }],
            }],
        },
    })
}
