//! An Ingress: an optional host, each path to a server's Service port, TLS by Secret or
//! cert-manager, and the class's and the spec's annotations.

use k8s_openapi::api::networking::v1::{
    HTTPIngressPath, HTTPIngressRuleValue, Ingress, IngressBackend, IngressRule,
    IngressServiceBackend, IngressSpec, IngressTLS, ServiceBackendPort,
};

use super::labels;
use crate::app::{App, Server, Tls};

pub fn generate(app: &App, s: &Server) -> Option<Ingress> {
    let i = s.ingress.as_ref()?;
    let w = &s.workload;
    let mut meta = labels::meta(app, &w.name, &w.name, &w.component);
    let mut annotations = meta.annotations.take().unwrap_or_default();
    annotations.extend(i.annotations.clone());
    let tls = i.tls.as_ref().map(|t| {
        let secret = match t {
            Tls::Secret(name) => name.clone(),
            Tls::CertManager {
                annotation,
                issuer,
                secret,
            } => {
                annotations.insert(annotation.clone(), issuer.clone());
                secret.clone()
            }
        };
        vec![IngressTLS {
            hosts: i.host.clone().map(|h| vec![h]),
            secret_name: Some(secret),
        }]
    });
    meta.annotations = (!annotations.is_empty()).then_some(annotations);
    let paths = i
        .paths
        .iter()
        .map(|p| HTTPIngressPath {
            path: Some(p.path.clone()),
            path_type: "Prefix".to_string(),
            backend: IngressBackend {
                service: Some(IngressServiceBackend {
                    name: p.service.clone(),
                    port: Some(ServiceBackendPort {
                        name: Some(p.port.clone()),
                        number: None,
                    }),
                }),
                resource: None,
            },
        })
        .collect();
    Some(Ingress {
        metadata: meta,
        spec: Some(IngressSpec {
            ingress_class_name: i.class.clone(),
            tls,
            rules: Some(vec![IngressRule {
                host: i.host.clone(),
                http: Some(HTTPIngressRuleValue { paths }),
            }]),
            ..Default::default()
        }),
        ..Default::default()
    })
}
