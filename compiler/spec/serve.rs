//! `[serve]`: the long-running model server and its health, scaling, rollout and ingress.

use schemars::JsonSchema;

use super::pod::{ProbeSpec, ScaleDown};
use super::read::{Fields, Sp};
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
    /// The model's architecture, for the memory check: a name from the model catalog
    /// (stdlib/models.toml), or the numbers of its config.json. Only needed when mlspec cannot
    /// tell the model from `model_name`, the runtime's model flag in `args` or an `hf://` model.
    pub architecture: Option<super::architecture::Architecture>,
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
    /// A Gateway API HTTPRoute to the server through a shared Gateway, instead of an Ingress
    /// (and a NetworkPolicy that admits the Gateway's namespace).
    pub route: Option<Route>,
    /// The Service in front of the server: its name, type (a load balancer, a node port),
    /// ports and who it accepts.
    pub service: Option<super::traffic::Service>,
    /// Who else may call the server: other servers of this spec, other apps, namespaces, pods
    /// by labels, address blocks, each on some or all ports. The server's own replicas and the
    /// app's jobs and schedules always may; everyone else is refused.
    pub callers: Option<Vec<super::traffic::Caller>>,
    /// Who collects the server's Prometheus metrics (a PodMonitor, a ServiceMonitor, GKE's
    /// PodMonitoring, or pod annotations), from which port and path.
    pub metrics: Option<super::traffic::Metrics>,
    /// Where this server's pods may run, over the app's `[placement]`: its keys win, its node
    /// labels and tolerations add to the app's.
    pub placement: Option<super::app::Placement>,
    /// Run the server as a StatefulSet: a stable name and claims per replica, a headless
    /// Service, ordered or parallel start.
    pub state: Option<super::state::State>,
    /// Serve one model over several nodes: a LeaderWorkerSet of groups of `size` pods.
    pub group: Option<super::group::Group>,
    #[schemars(skip)]
    pub span: Span,
}

impl Serve {
    pub fn read(f: &mut Fields, d: &mut Diagnostics) -> Serve {
        Serve {
            container: Container::read(f, d),
            runtime: f.string(d, "runtime"),
            model_name: f.string(d, "model_name"),
            architecture: super::architecture::Architecture::read(f, d),
            port: f.int(d, "port"),
            ports: read_ports(f, d),
            health: f.table(d, "health", Health::read),
            scaling: f.table(d, "scaling", Scaling::read),
            rollout: f.table(d, "rollout", Rollout::read),
            ingress: f.table(d, "ingress", Ingress::read),
            route: f.table(d, "route", Route::read),
            service: f.table(d, "service", super::traffic::Service::read),
            callers: super::traffic::read_callers(f, d),
            metrics: f.table(d, "metrics", super::traffic::Metrics::read),
            placement: f.table(d, "placement", super::app::Placement::read),
            state: f.table(d, "state", super::state::State::read),
            group: f.table(d, "group", super::group::Group::read),
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

pub(crate) fn read_ports(f: &mut Fields, d: &mut Diagnostics) -> Option<Vec<PortSpec>> {
    f.tables(
        d,
        "ports",
        "an array of tables `{ name, port }`",
        |p, d, span| PortSpec {
            name: p.required(d, "name", |p, d, k| p.string(d, k), "\"http\""),
            port: p.required(d, "port", |p, d, k| p.int(d, k), "8080"),
            app_protocol: p.string(d, "app_protocol"),
            span,
        },
    )
}

/// `[serve.health]`: the server's probes (the runtime's paths by default).
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Health {
    /// The readiness path. Liveness stays a TCP check on the port, so a busy server is not
    /// restarted.
    #[schemars(extend("examples" = ["/v1/models/sentiment", "/health"]))]
    pub path: Option<Sp<String>>,
    /// The readiness probe, set apart from `liveness`: an HTTP path, or `{ grpc = PORT }`,
    /// `{ tcp = PORT }`, `{ exec = [...] }`, `{ http = PATH, port = PORT }`.
    pub readiness: Option<ProbeSpec>,
    /// The liveness probe, instead of the TCP check (the same forms as `readiness`).
    pub liveness: Option<ProbeSpec>,
    /// The startup probe that holds the others back while the model loads (default: the
    /// runtime's, else liveness's or readiness's check).
    pub startup: Option<ProbeSpec>,
    /// How long the first model load may take: a startupProbe, not a restart loop.
    #[schemars(extend("examples" = ["10m", "20m"]))]
    pub startup_timeout: Option<Sp<String>>,
}

impl Health {
    /// No key set: the runtime's probes.
    pub const NONE: Health = Health {
        path: None,
        readiness: None,
        liveness: None,
        startup: None,
        startup_timeout: None,
    };

    pub fn read(f: &mut Fields, d: &mut Diagnostics) -> Health {
        Health {
            path: f.string(d, "path"),
            readiness: ProbeSpec::read(f, d, "readiness"),
            liveness: ProbeSpec::read(f, d, "liveness"),
            startup: ProbeSpec::read(f, d, "startup"),
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
    /// The autoscaler's least replicas (at least 1, or 0 with `keda`); two or more get a
    /// PodDisruptionBudget.
    #[schemars(range(min = 0), extend("examples" = [2]))]
    pub min: Option<Sp<i32>>,
    /// The autoscaler's most replicas.
    #[schemars(range(min = 0), extend("examples" = [10]))]
    pub max: Option<Sp<i32>>,
    /// What the autoscaler keeps steady (default `{ cpu = "70%" }`); not with `keda`.
    pub target: Option<Target>,
    /// Scale on events through KEDA (a ScaledObject instead of the HorizontalPodAutoscaler),
    /// down to zero with `min = 0`.
    pub keda: Option<Keda>,
    /// How fast pods are removed when the load drops (the HPA's scale-down behaviour).
    pub scale_down: Option<ScaleDown>,
    #[schemars(skip)]
    pub span: Span,
    /// `max` is written, even when its value was refused: it is not missing.
    #[schemars(skip)]
    pub max_written: bool,
}

impl Scaling {
    fn read(f: &mut Fields, d: &mut Diagnostics) -> Scaling {
        Scaling {
            max_written: f.has("max"),
            replicas: f.count(d, "replicas"),
            min: f.count(d, "min"),
            max: f.count(d, "max"),
            target: f.table(d, "target", Target::read),
            keda: f.table(d, "keda", Keda::read),
            scale_down: f.table(d, "scale_down", ScaleDown::read),
            span: f.span(),
        }
    }
}

/// `[serve.scaling.keda]`: KEDA's triggers (at least one), how often it polls them and how
/// long it waits before scaling to zero.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Keda {
    /// How often KEDA checks the triggers (default 30s).
    #[schemars(extend("examples" = ["30s"]))]
    pub polling: Option<Sp<String>>,
    /// How long every trigger must be inactive before scaling to `min` (default 5m).
    #[schemars(extend("examples" = ["5m"]))]
    pub cooldown: Option<Sp<String>>,
    /// Scale on a Prometheus query.
    pub prometheus: Option<Prometheus>,
    /// Keep replicas up during a time window.
    pub cron: Option<Cron>,
    #[schemars(skip)]
    pub span: Span,
}

impl Keda {
    fn read(f: &mut Fields, d: &mut Diagnostics) -> Keda {
        Keda {
            polling: f.string(d, "polling"),
            cooldown: f.string(d, "cooldown"),
            prometheus: f.table(d, "prometheus", Prometheus::read),
            cron: f.table(d, "cron", Cron::read),
            span: f.span(),
        }
    }
}

/// A KEDA `prometheus` trigger: replicas = ceil(query / threshold).
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Prometheus {
    /// The Prometheus server's URL (`http://` or `https://`).
    #[schemars(required, extend("examples" = ["http://prometheus.monitoring:9090"]))]
    pub server: Option<Sp<String>>,
    /// The PromQL query; one number.
    #[schemars(required, extend("examples" = ["sum(vllm:num_requests_waiting{namespace=\"llm\"})"]))]
    pub query: Option<Sp<String>>,
    /// The query's value per replica.
    #[schemars(required, with = "Option<crate::schema::ScalarString>", extend("examples" = [5]))]
    pub threshold: Option<Sp<String>>,
    /// The value above which the server wakes from zero (default 0).
    #[schemars(with = "Option<crate::schema::ScalarString>", extend("examples" = [0]))]
    pub activation: Option<Sp<String>>,
    #[schemars(skip)]
    pub span: Span,
}

impl Prometheus {
    fn read(f: &mut Fields, d: &mut Diagnostics) -> Prometheus {
        Prometheus {
            server: f.required(
                d,
                "server",
                |f, d, k| f.string(d, k),
                "\"http://prometheus.monitoring:9090\"",
            ),
            query: f.required(
                d,
                "query",
                |f, d, k| f.string(d, k),
                "\"sum(rate(http_requests_total[1m]))\"",
            ),
            threshold: f.required(d, "threshold", |f, d, k| f.scalar_string(d, k), "5"),
            activation: f.scalar_string(d, "activation"),
            span: f.span(),
        }
    }
}

/// A KEDA `cron` trigger: `replicas` pods from `start` to `end`.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Cron {
    /// The IANA time zone of `start` and `end`.
    #[schemars(required, extend("examples" = ["Europe/Berlin"]))]
    pub timezone: Option<Sp<String>>,
    /// When the window opens (a cron line).
    #[schemars(required, extend("examples" = ["0 8 * * 1-5"]))]
    pub start: Option<Sp<String>>,
    /// When the window closes (a cron line).
    #[schemars(required, extend("examples" = ["0 20 * * 1-5"]))]
    pub end: Option<Sp<String>>,
    /// Replicas during the window (at least 1).
    #[schemars(required, range(min = 1), extend("examples" = [1]))]
    pub replicas: Option<Sp<i32>>,
    #[schemars(skip)]
    pub span: Span,
}

impl Cron {
    fn read(f: &mut Fields, d: &mut Diagnostics) -> Cron {
        Cron {
            timezone: f.required(d, "timezone", |f, d, k| f.string(d, k), "\"Europe/Berlin\""),
            start: f.required(d, "start", |f, d, k| f.string(d, k), "\"0 8 * * 1-5\""),
            end: f.required(d, "end", |f, d, k| f.string(d, k), "\"0 20 * * 1-5\""),
            replicas: f.required(d, "replicas", |f, d, k| f.count(d, k), "1"),
            span: f.span(),
        }
    }
}

/// The autoscaling target, exactly one of: `{ cpu = "70%" }`, `{ memory = "80%" }`,
/// `{ metric = "name", average = 5 }` (a per-pod custom metric) or
/// `{ external = "name", average = 10 }` (`value` instead of `average` for the metric as a whole).
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(
    deny_unknown_fields,
    transform = crate::schema::exactly_one(&[&["cpu"], &["memory"], &["metric", "average"], &["external"]])
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
    /// A metric from outside the cluster (the external metrics API: a queue's depth, a cloud
    /// service's); needs `average` or `value`.
    #[schemars(extend("examples" = ["pubsub.googleapis.com|subscription|num_undelivered_messages"]))]
    pub external: Option<Sp<String>>,
    /// The value per pod the autoscaler keeps `metric` or `external` at (a quantity).
    #[schemars(with = "Option<crate::schema::ScalarString>", extend("examples" = [5]))]
    pub average: Option<Sp<String>>,
    /// The value the autoscaler keeps `external` at as a whole (a quantity).
    #[schemars(with = "Option<crate::schema::ScalarString>", extend("examples" = [100]))]
    pub value: Option<Sp<String>>,
    /// Labels that pick the series of `metric` or `external` (`{ subscription = "jobs" }`).
    #[schemars(with = "Option<crate::schema::ScalarMap>")]
    pub selector: Vec<(Sp<String>, Sp<String>)>,
    #[schemars(skip)]
    pub span: Span,
}

impl Target {
    fn read(f: &mut Fields, d: &mut Diagnostics) -> Target {
        Target {
            cpu: f.string(d, "cpu"),
            memory: f.string(d, "memory"),
            metric: f.string(d, "metric"),
            external: f.string(d, "external"),
            average: f.scalar_string(d, "average"),
            value: f.scalar_string(d, "value"),
            selector: f.pairs(d, "selector").unwrap_or_default(),
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

/// `[serve.ingress]`: an Ingress to the server, or with `paths` to several servers of the spec.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Ingress {
    /// The DNS name the server is reached at (no scheme, no path); without one, every host the
    /// controller serves (a cloud load balancer's address).
    #[schemars(extend("examples" = ["sentiment.example.com"]))]
    pub host: Option<Sp<String>>,
    /// The path prefix to this server; defaults to `/`. Not with `paths`.
    pub path: Option<Sp<String>>,
    /// Path prefixes to servers of this spec, each on one of its ports:
    /// `[{ path = "/api", server = "api" }, { path = "/", server = "web" }]`. Not with `path`.
    pub paths: Option<Vec<IngressPath>>,
    /// The IngressClass; defaults to `nginx` (stdlib/defaults.toml `[ingress.classes]` says
    /// where each class's proxies connect from, and its gRPC annotations).
    #[schemars(extend("examples" = ["nginx", "gce", "alb"]))]
    pub class: Option<Sp<String>>,
    /// TLS for the host; without it, W0005.
    pub tls: Option<Tls>,
    /// Annotations on the Ingress (for the controller).
    #[schemars(with = "Option<crate::schema::ScalarMap>")]
    pub annotations: Vec<(Sp<String>, Sp<String>)>,
    /// The namespace the controller's proxies run in, admitted by the NetworkPolicy, for a
    /// class the catalog does not know or that runs elsewhere.
    #[schemars(extend("examples" = ["kong"]))]
    pub proxy_namespace: Option<Sp<String>>,
    /// The address blocks the controller's proxies connect from, when they run outside the
    /// cluster: the VPC's CIDR for `alb` (in IP target mode), which requires them.
    #[schemars(extend("examples" = [["10.0.0.0/16"]]))]
    pub proxy_ranges: Option<Vec<Sp<String>>>,
    #[schemars(skip)]
    pub span: Span,
}

impl Ingress {
    fn read(f: &mut Fields, d: &mut Diagnostics) -> Ingress {
        Ingress {
            host: f.string(d, "host"),
            path: f.string(d, "path"),
            paths: read_paths(f, d),
            class: f.string(d, "class"),
            tls: f.table(d, "tls", Tls::read),
            annotations: f.pairs(d, "annotations").unwrap_or_default(),
            proxy_namespace: f.string(d, "proxy_namespace"),
            proxy_ranges: f.strings(d, "proxy_ranges"),
            span: f.span(),
        }
    }
}

/// One entry of `paths`: a path prefix to a server's port.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct IngressPath {
    /// The path prefix.
    #[schemars(required, extend("examples" = ["/api"]))]
    pub path: Option<Sp<String>>,
    /// The server it routes to, by name (NAME of `[servers.NAME]`, the app's name for
    /// `[serve]`); default the server the ingress is under.
    #[schemars(extend("examples" = ["api"]))]
    pub server: Option<Sp<String>>,
    /// The server's port, by name; default its first. A gRPC port (`app_protocol` `grpc` or
    /// `kubernetes.io/h2c`) gets the class's gRPC annotations.
    #[schemars(extend("examples" = ["http", "grpc"]))]
    pub port: Option<Sp<String>>,
    #[schemars(skip)]
    pub span: Span,
}

fn read_paths(f: &mut Fields, d: &mut Diagnostics) -> Option<Vec<IngressPath>> {
    let expected = "an array of tables `{ path, server, port }`";
    f.tables(d, "paths", expected, |p, d, span| IngressPath {
        path: p.required(d, "path", |p, d, k| p.string(d, k), "\"/\""),
        server: p.string(d, "server"),
        port: p.string(d, "port"),
        span,
    })
}

/// `[serve.route]`: a Gateway API HTTPRoute from a Gateway's listeners to the server.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Route {
    /// The Gateway the route attaches to (its listener must allow routes from this namespace).
    #[schemars(required, extend("examples" = ["shared-gw"]))]
    pub gateway: Option<Sp<String>>,
    /// The Gateway's namespace; default the app's. The NetworkPolicy admits traffic from it.
    #[schemars(extend("examples" = ["gateway-system"]))]
    pub namespace: Option<Sp<String>>,
    /// The namespace the Gateway's proxies run in, when it is not the Gateway's own (Envoy
    /// Gateway runs them in `envoy-gateway-system`; Istio, Cilium and NGINX Gateway Fabric beside
    /// the Gateway). The NetworkPolicy admits this namespace instead of the Gateway's.
    #[schemars(extend("examples" = ["envoy-gateway-system"]))]
    pub proxy_namespace: Option<Sp<String>>,
    /// The host names the route answers (`*.example.com` for a wildcard); default every host of
    /// the listener.
    pub hostnames: Option<Vec<Sp<String>>>,
    /// The path prefix; defaults to `/`.
    pub path: Option<Sp<String>>,
    #[schemars(skip)]
    pub span: Span,
}

impl Route {
    fn read(f: &mut Fields, d: &mut Diagnostics) -> Route {
        Route {
            gateway: f.required(d, "gateway", |f, d, k| f.string(d, k), "\"shared-gw\""),
            namespace: f.string(d, "namespace"),
            proxy_namespace: f.string(d, "proxy_namespace"),
            hostnames: f.strings(d, "hostnames"),
            path: f.string(d, "path"),
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
