//! `[serve]`: the long-running model server and its health, scaling, rollout and ingress.

use super::read::{Fields, Sp, wrong_type};
use super::tree::Value;
use super::workload::Container;
use crate::diagnostics::Diagnostics;
use crate::source::Span;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Serve {
    pub container: Container,
    pub runtime: Option<Sp<String>>,
    pub port: Option<Sp<i64>>,
    pub ports: Option<Vec<PortSpec>>,
    pub health: Option<Health>,
    pub scaling: Option<Scaling>,
    pub rollout: Option<Rollout>,
    pub ingress: Option<Ingress>,
    pub span: Span,
}

impl Serve {
    pub fn read(f: &mut Fields, d: &mut Diagnostics) -> Serve {
        Serve {
            container: Container::read(f, d),
            runtime: f.string(d, "runtime"),
            port: f.int(d, "port"),
            ports: read_ports(f, d),
            health: f.table(d, "health", Health::read),
            scaling: f.table(d, "scaling", Scaling::read),
            rollout: f.table(d, "rollout", Rollout::read),
            ingress: f.table(d, "ingress", Ingress::read),
            span: f.span(),
        }
    }
}

/// One entry of `ports = [{ name = "http", port = 8080 }]`.
#[derive(Debug, Clone, PartialEq)]
pub struct PortSpec {
    pub name: Option<Sp<String>>,
    pub port: Option<Sp<i64>>,
    pub app_protocol: Option<Sp<String>>,
    pub span: Span,
}

fn read_ports(f: &mut Fields, d: &mut Diagnostics) -> Option<Vec<PortSpec>> {
    let path = f.key_path("ports");
    let e = f.entry("ports")?;
    let Value::Array(items) = &e.node.value else {
        d.push(wrong_type(
            &path,
            "an array of tables `{ name, port }`",
            &e.node,
        ));
        return None;
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Some(mut p) = Fields::new(item, &format!("{path}[{i}]"), d) else {
            continue;
        };
        out.push(PortSpec {
            name: p.required(d, "name", |p, d, k| p.string(d, k), "\"http\""),
            port: p.required(d, "port", |p, d, k| p.int(d, k), "8080"),
            app_protocol: p.string(d, "app_protocol"),
            span: item.span,
        });
        p.finish(d);
    }
    Some(out)
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Health {
    pub path: Option<Sp<String>>,
    pub readiness: Option<Sp<String>>,
    pub liveness: Option<Sp<String>>,
    pub startup_timeout: Option<Sp<String>>,
}

impl Health {
    fn read(f: &mut Fields, d: &mut Diagnostics) -> Health {
        Health {
            path: f.string(d, "path"),
            readiness: f.string(d, "readiness"),
            liveness: f.string(d, "liveness"),
            startup_timeout: f.string(d, "startup_timeout"),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scaling {
    pub replicas: Option<Sp<i32>>,
    pub min: Option<Sp<i32>>,
    pub max: Option<Sp<i32>>,
    pub target: Option<Target>,
    pub span: Span,
}

impl Scaling {
    fn read(f: &mut Fields, d: &mut Diagnostics) -> Scaling {
        Scaling {
            replicas: f.count(d, "replicas"),
            min: f.count(d, "min"),
            max: f.count(d, "max"),
            target: f.table(d, "target", Target::read),
            span: f.span(),
        }
    }
}

/// `{ cpu = "70%" }`, `{ memory = "80%" }` or `{ metric = "name", average = 5 }`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Target {
    pub cpu: Option<Sp<String>>,
    pub memory: Option<Sp<String>>,
    pub metric: Option<Sp<String>>,
    pub average: Option<Sp<String>>,
    pub span: Span,
}

impl Target {
    fn read(f: &mut Fields, d: &mut Diagnostics) -> Target {
        Target {
            cpu: f.string(d, "cpu"),
            memory: f.string(d, "memory"),
            metric: f.string(d, "metric"),
            average: f.scalar_string(d, "average"),
            span: f.span(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rollout {
    pub strategy: Option<Sp<String>>,
    /// An integer or a percentage, as written ("25%" or "1").
    pub max_surge: Option<Sp<String>>,
    pub max_unavailable: Option<Sp<String>>,
}

impl Rollout {
    fn read(f: &mut Fields, d: &mut Diagnostics) -> Rollout {
        Rollout {
            strategy: f.string(d, "strategy"),
            max_surge: f.scalar_string(d, "max_surge"),
            max_unavailable: f.scalar_string(d, "max_unavailable"),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ingress {
    pub host: Option<Sp<String>>,
    pub path: Option<Sp<String>>,
    pub class: Option<Sp<String>>,
    pub tls: Option<Tls>,
    pub annotations: Vec<(Sp<String>, Sp<String>)>,
    pub span: Span,
}

impl Ingress {
    fn read(f: &mut Fields, d: &mut Diagnostics) -> Ingress {
        Ingress {
            host: f.required(d, "host", |f, d, k| f.string(d, k), "\"model.example.com\""),
            path: f.string(d, "path"),
            class: f.string(d, "class"),
            tls: f.table(d, "tls", Tls::read),
            annotations: f.pairs(d, "annotations").unwrap_or_default(),
            span: f.span(),
        }
    }
}

/// TLS by an existing Secret, or by a cert-manager Issuer or ClusterIssuer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tls {
    pub secret: Option<Sp<String>>,
    pub issuer: Option<Sp<String>>,
    pub cluster_issuer: Option<Sp<String>>,
    pub span: Span,
}

impl Tls {
    fn read(f: &mut Fields, d: &mut Diagnostics) -> Tls {
        Tls {
            secret: f.string(d, "secret"),
            issuer: f.string(d, "issuer"),
            cluster_issuer: f.string(d, "cluster_issuer"),
            span: f.span(),
        }
    }
}
