//! The server's Ingress: one host and path to the Service, TLS by Secret or cert-manager.

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
            hosts: Some(vec![i.host.clone()]),
            secret_name: Some(secret),
        }]
    });
    meta.annotations = (!annotations.is_empty()).then_some(annotations);
    let port_name = s.ports.first().map(|p| p.name.clone());
    Some(Ingress {
        metadata: meta,
        spec: Some(IngressSpec {
            ingress_class_name: i.class.clone(),
            tls,
            rules: Some(vec![IngressRule {
                host: Some(i.host.clone()),
                http: Some(HTTPIngressRuleValue {
                    paths: vec![HTTPIngressPath {
                        path: Some(i.path.clone()),
                        path_type: "Prefix".to_string(),
                        backend: IngressBackend {
                            service: Some(IngressServiceBackend {
                                name: s.service.name.clone(),
                                port: Some(ServiceBackendPort {
                                    name: port_name,
                                    number: None,
                                }),
                            }),
                            resource: None,
                        },
                    }],
                }),
            }]),
            ..Default::default()
        }),
        ..Default::default()
    })
}
