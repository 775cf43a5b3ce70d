//! `[serve]`: the long-running model server and its health, scaling, rollout and ingress.

use schemars::JsonSchema;

use super::read::{Fields, Sp, wrong_type};
use super::tree::Value;
use super::workload::Container;
use crate::diagnostics::Diagnostics;
use crate::source::Span;

/// `[serve]`: the long-running model server (Deployment + Service).
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Serve {
    #[schemars(flatten)]
    pub container: Container,
    /// A preset from the catalog (stdlib/runtimes.toml): ports, probes, args, env, writable
    /// directories and startup budget. Default `http`.
    #[schemars(extend("x-catalog" = "runtimes"))]
    pub runtime: Option<Sp<String>>,
    /// The model the server loads, by the name the runtime knows it by: a Hugging Face ID for
    /// vLLM, TGI and SGLang, a model in the repository for Triton, a `.mar` for TorchServe,
    /// `MODEL_NAME` for TF Serving. Fills `{model}` in the runtime's flags, env and health
    /// paths, so the server's own flags need not be written. (Where the model's files come from
    /// is a different question, not this key's.)
    #[schemars(extend("examples" = ["meta-llama/Llama-3.1-8B-Instruct", "sentiment"]))]
    pub model_name: Option<Sp<String>>,
    /// One container port (the preset's port name is kept).
    #[schemars(range(min = 1, max = 65535), extend("examples" = [8080]))]
    pub port: Option<Sp<i64>>,
    /// Several ports: `[{ name = "http", port = 8080, app_protocol = "http" }, …]`.
    pub ports: Option<Vec<PortSpec>>,
    /// Readiness, liveness and startup probes.
    pub health: Option<Health>,
    /// A fixed replica count, or an autoscaler (`min`, `max`, `target`).
    pub scaling: Option<Scaling>,
    /// How a new version replaces the old one.
    pub rollout: Option<Rollout>,
    /// An Ingress to the server (and a NetworkPolicy that admits its controller).
    pub ingress: Option<Ingress>,
    #[schemars(skip)]
    pub span: Span,
}

impl Serve {
    pub fn read(f: &mut Fields, d: &mut Diagnostics) -> Serve {
        Serve {
            container: Container::read(f, d),
            runtime: f.string(d, "runtime"),
            model_name: f.string(d, "model_name"),
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
#[derive(Debug, Clone, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct PortSpec {
    /// The port's name (an IANA service name: at most 15 characters, lower case).
    #[schemars(required, extend("examples" = ["http", "grpc"]))]
    pub name: Option<Sp<String>>,
    /// The container port.
    #[schemars(required, range(min = 1, max = 65535), extend("examples" = [8080]))]
    pub port: Option<Sp<i64>>,
    /// The Service port's appProtocol.
    #[schemars(extend("examples" = ["http", "grpc"]))]
    pub app_protocol: Option<Sp<String>>,
    #[schemars(skip)]
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

/// `[serve.health]`: the server's probes (the runtime's paths by default).
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Health {
    /// The readiness path. Liveness stays a TCP check on the port, so a busy server is not
    /// restarted.
    #[schemars(extend("examples" = ["/v1/models/sentiment", "/health"]))]
    pub path: Option<Sp<String>>,
    /// The readiness path, set apart from `liveness`.
    pub readiness: Option<Sp<String>>,
    /// An HTTP liveness path, instead of the TCP check.
    pub liveness: Option<Sp<String>>,
    /// How long the first model load may take: a startupProbe, not a restart loop.
    #[schemars(extend("examples" = ["10m", "20m"]))]
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

/// `[serve.scaling]`: `replicas`, or an autoscaler with `min`, `max` and `target`.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Scaling {
    /// A fixed replica count (default 1); not with `min`/`max`.
    #[schemars(range(min = 0))]
    pub replicas: Option<Sp<i32>>,
    /// The autoscaler's least replicas (at least 1); two or more get a PodDisruptionBudget.
    #[schemars(range(min = 0), extend("examples" = [2]))]
    pub min: Option<Sp<i32>>,
    /// The autoscaler's most replicas.
    #[schemars(range(min = 0), extend("examples" = [10]))]
    pub max: Option<Sp<i32>>,
    /// What the autoscaler keeps steady (default `{ cpu = "70%" }`).
    pub target: Option<Target>,
    #[schemars(skip)]
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

/// The autoscaling target, exactly one of: `{ cpu = "70%" }`, `{ memory = "80%" }` or
/// `{ metric = "name", average = 5 }`.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(
    deny_unknown_fields,
    transform = crate::schema::exactly_one(&[&["cpu"], &["memory"], &["metric", "average"]])
)]
pub struct Target {
    /// CPU utilisation of the request, as a percentage.
    #[schemars(extend("examples" = ["70%"]))]
    pub cpu: Option<Sp<String>>,
    /// Memory utilisation of the request, as a percentage.
    #[schemars(extend("examples" = ["80%"]))]
    pub memory: Option<Sp<String>>,
    /// A per-pod metric from the metrics API; needs `average`.
    #[schemars(extend("examples" = ["vllm:num_requests_waiting"]))]
    pub metric: Option<Sp<String>>,
    /// The value per pod the autoscaler keeps `metric` at (a quantity).
    #[schemars(with = "Option<crate::schema::ScalarString>", extend("examples" = [5]))]
    pub average: Option<Sp<String>>,
    #[schemars(skip)]
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

/// `[serve.rollout]`: how a new version replaces the old one.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Rollout {
    /// `rolling` (default) or `recreate` (every old pod stops before new ones start).
    #[schemars(extend("enum" = crate::resolve::serve::ROLLOUT_STRATEGIES))]
    pub strategy: Option<Sp<String>>,
    /// Extra pods during a rolling update: a count or a percentage (default `25%`).
    #[schemars(with = "Option<crate::schema::ScalarString>", extend("examples" = ["25%", 1]))]
    pub max_surge: Option<Sp<String>>,
    /// Pods that may be missing during a rolling update: a count or a percentage (default 0).
    #[schemars(with = "Option<crate::schema::ScalarString>", extend("examples" = [0, "10%"]))]
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

/// `[serve.ingress]`: an Ingress to the server.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Ingress {
    /// The DNS name the server is reached at (no scheme, no path).
    #[schemars(required, extend("examples" = ["sentiment.example.com"]))]
    pub host: Option<Sp<String>>,
    /// The path prefix; defaults to `/`.
    pub path: Option<Sp<String>>,
    /// The IngressClass; defaults to `nginx`.
    #[schemars(extend("examples" = ["nginx"]))]
    pub class: Option<Sp<String>>,
    /// TLS for the host; without it, W0005.
    pub tls: Option<Tls>,
    /// Annotations on the Ingress (for the controller).
    #[schemars(with = "Option<crate::schema::ScalarMap>")]
    pub annotations: Vec<(Sp<String>, Sp<String>)>,
    #[schemars(skip)]
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

/// TLS by an existing Secret, or by a cert-manager Issuer or ClusterIssuer: exactly one.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(
    deny_unknown_fields,
    transform = crate::schema::exactly_one(&[&["secret"], &["issuer"], &["cluster_issuer"]])
)]
pub struct Tls {
    /// An existing `kubernetes.io/tls` Secret.
    #[schemars(extend("examples" = ["sentiment-tls"]))]
    pub secret: Option<Sp<String>>,
    /// A cert-manager Issuer in the app's namespace.
    pub issuer: Option<Sp<String>>,
    /// A cert-manager ClusterIssuer.
    #[schemars(extend("examples" = ["letsencrypt-prod"]))]
    pub cluster_issuer: Option<Sp<String>>,
    #[schemars(skip)]
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
