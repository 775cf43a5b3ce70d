//! Traffic into the bundle: a Service's ports and the pods it selects, an Ingress's and an
//! HTTPRoute's hosts, paths and backends, which must name a Service port in the bundle.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::ServicePort;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::{Bundle, Check};
use crate::values::{cidr, names};

impl Check<'_> {
    pub(super) fn service(&mut self, o: &k8s_openapi::api::core::v1::Service, b: &Bundle) {
        let ns = o.metadata.namespace.as_deref().unwrap_or_default();
        let Some(spec) = &o.spec else { return };
        let selector = LabelSelector {
            match_labels: spec.selector.clone(),
            match_expressions: None,
        };
        let pods = if spec.selector.as_ref().is_none_or(BTreeMap::is_empty) {
            Vec::new()
        } else {
            let pods = b.selected(ns, &selector);
            if pods.is_empty() {
                self.dangling(
                    b,
                    "/spec/selector",
                    "the selector matches no pod template in the bundle",
                    b.pod_labels(ns),
                );
            }
            pods
        };
        let external = matches!(spec.type_.as_deref(), Some("LoadBalancer" | "NodePort"));
        if spec.external_traffic_policy.is_some() && !external {
            self.fail(
                "/spec/externalTrafficPolicy",
                "externalTrafficPolicy may only be set on NodePort and LoadBalancer services",
            );
        }
        for (i, r) in spec
            .load_balancer_source_ranges
            .iter()
            .flatten()
            .enumerate()
        {
            if let Err(e) = cidr::parse_cidr(r) {
                self.fail(format!("/spec/loadBalancerSourceRanges/{i}"), e);
            }
        }
        let ports = spec.ports.as_deref().unwrap_or_default();
        let mut names = BTreeSet::new();
        let mut numbers = BTreeSet::new();
        for (i, p) in ports.iter().enumerate() {
            let at = format!("/spec/ports/{i}");
            match &p.name {
                Some(n) => {
                    if let Err(e) = names::dns1123_label(n) {
                        self.fail(format!("{at}/name"), e);
                    }
                    if !names.insert(n.as_str()) {
                        self.fail(
                            format!("{at}/name"),
                            format!("port name `{n}` is used twice"),
                        );
                    }
                }
                None if ports.len() > 1 => self.fail(
                    format!("{at}/name"),
                    "a Service with several ports must name each",
                ),
                None => {}
            }
            if !(1..=65535).contains(&p.port) {
                self.fail(
                    format!("{at}/port"),
                    format!("port {} is outside 1–65535", p.port),
                );
            }
            if !numbers.insert((p.port, p.protocol.clone())) {
                self.fail(
                    format!("{at}/port"),
                    format!("port {} is used twice", p.port),
                );
            }
            if let Some(IntOrString::String(target)) = &p.target_port {
                // A native sidecar (an init container that restarts always) serves too.
                let found = pods.iter().any(|(_, _, t)| {
                    let serving = t.spec.iter().flat_map(|s| {
                        s.containers.iter().chain(
                            s.init_containers
                                .iter()
                                .flatten()
                                .filter(|c| c.restart_policy.as_deref() == Some("Always")),
                        )
                    });
                    serving.into_iter().any(|c| {
                        c.ports
                            .iter()
                            .flatten()
                            .any(|cp| cp.name.as_deref() == Some(target.as_str()))
                    })
                });
                if !pods.is_empty() && !found {
                    let containers = pods
                        .iter()
                        .map(|(i, tat, _)| (*i, format!("{tat}/spec/containers")))
                        .collect();
                    self.fail_with(
                        format!("{at}/targetPort"),
                        format!("no selected pod has a container port named `{target}`"),
                        containers,
                    );
                }
            }
        }
    }

    pub(super) fn ingress(&mut self, o: &k8s_openapi::api::networking::v1::Ingress, b: &Bundle) {
        let ns = o.metadata.namespace.as_deref().unwrap_or_default();
        let Some(spec) = &o.spec else { return };
        let mut backends = Vec::new();
        if let Some(d) = &spec.default_backend {
            backends.push(("/spec/defaultBackend".to_string(), d));
        }
        for (i, rule) in spec.rules.iter().flatten().enumerate() {
            if let Some(host) = &rule.host
                && let Err(e) = names::hostname(host)
            {
                self.fail(format!("/spec/rules/{i}/host"), e);
            }
            for (j, path) in rule.http.iter().flat_map(|h| &h.paths).enumerate() {
                let at = format!("/spec/rules/{i}/http/paths/{j}");
                let p = path.path.as_deref().unwrap_or_default();
                if matches!(path.path_type.as_str(), "Prefix" | "Exact") && !p.starts_with('/') {
                    self.fail(
                        format!("{at}/path"),
                        format!("path `{p}` must start with `/`"),
                    );
                }
                backends.push((format!("{at}/backend"), &path.backend));
            }
        }
        for (i, tls) in spec.tls.iter().flatten().enumerate() {
            if let Some(secret) = &tls.secret_name
                && let Err(e) = names::dns1123_subdomain(secret)
            {
                self.fail(format!("/spec/tls/{i}/secretName"), e);
            }
            for (j, host) in tls.hosts.iter().flatten().enumerate() {
                if let Err(e) = names::hostname(host) {
                    self.fail(format!("/spec/tls/{i}/hosts/{j}"), e);
                }
            }
        }
        for (at, backend) in backends {
            let Some(svc) = &backend.service else {
                continue;
            };
            let wanted = svc.port.as_ref();
            let name = wanted.and_then(|p| p.name.as_deref());
            let number = wanted.and_then(|p| p.number);
            self.backend(b, ns, &svc.name, &format!("{at}/service"), |p| {
                match (name, number) {
                    (Some(name), _) => p.name.as_deref() == Some(name),
                    (None, Some(n)) => p.port == n,
                    (None, None) => false,
                }
            });
        }
    }

    pub(super) fn http_route(&mut self, o: &crate::generate::crd::HttpRoute, b: &Bundle) {
        let ns = o.metadata.namespace.as_deref().unwrap_or_default();
        for (i, host) in o.spec.hostnames.iter().flatten().enumerate() {
            if let Err(e) = names::hostname(host) {
                self.fail(format!("/spec/hostnames/{i}"), e);
            }
        }
        for (i, rule) in o.spec.rules.iter().enumerate() {
            for (j, m) in rule.matches.iter().enumerate() {
                if !m.path.value.starts_with('/') {
                    self.fail(
                        format!("/spec/rules/{i}/matches/{j}/path/value"),
                        format!("path `{}` must start with `/`", m.path.value),
                    );
                }
            }
            for (j, backend) in rule.backend_refs.iter().enumerate() {
                let at = format!("/spec/rules/{i}/backendRefs/{j}");
                self.backend(b, ns, &backend.name, &at, |p| Some(p.port) == backend.port);
            }
        }
    }

    /// A backend (at `at`, with `name` and `port` under it): a Service in the bundle, with a
    /// port that `wanted` accepts.
    fn backend(
        &mut self,
        b: &Bundle,
        ns: &str,
        name: &str,
        at: &str,
        wanted: impl Fn(&ServicePort) -> bool,
    ) {
        let Some(svc) = b.services.get(&(ns.to_string(), name.to_string())) else {
            self.dangling(
                b,
                format!("{at}/name"),
                format!("Service `{name}` is not in the bundle"),
                Vec::new(),
            );
            return;
        };
        let mut ports = svc.spec.iter().flat_map(|s| s.ports.iter().flatten());
        if !ports.any(wanted) {
            self.fail(
                format!("{at}/port"),
                format!("Service `{name}` has no such port"),
            );
        }
    }
}
