//! How a server is reached, as written: its Service (`[serve.service]`), who may call it
//! (`callers`) and who scrapes its metrics (`[serve.metrics]`). The same keys serve every
//! `[servers.NAME]`.

use schemars::JsonSchema;

use super::read::{Fields, Pairs, Sp, integer, wrong_type};
use super::tree::Value;
use crate::diagnostics::Diagnostics;
use crate::source::Span;

/// `[serve.service]`: the Service in front of the server. Without it, a ClusterIP Service
/// named like the server's objects publishes every port, the first on port 80.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Service {
    /// The Service's name, which clients' URLs use (`http://NAME.NAMESPACE:PORT`); a DNS label
    /// starting with a letter. Default: the server's object name.
    #[schemars(extend("examples" = ["llm-service"]))]
    pub name: Option<Sp<String>>,
    /// `cluster-ip` (the default: reachable inside the cluster only), `load-balancer` (a cloud
    /// load balancer; public unless `internal`) or `node-port` (a port on every node; W0042).
    #[schemars(rename = "type", extend("enum" = crate::resolve::service::TYPES))]
    pub type_: Option<Sp<String>>,
    /// The ports the Service publishes, each a container port by name and the Service port it
    /// is published on: `{ http = 80, grpc = 8001 }`. Default: every port, the first on 80 and
    /// the others on their own numbers.
    #[schemars(with = "Option<std::collections::BTreeMap<String, u16>>", extend("examples" = [{ "http": 80 }]))]
    pub ports: Option<Sp<Numbers>>,
    /// `true`: a load balancer inside the cloud network only, by the provider's annotation
    /// (stdlib/providers.toml `internal_load_balancer`).
    pub internal: Option<Sp<bool>>,
    /// The client address blocks a load balancer or node port accepts (`loadBalancerSourceRanges`,
    /// and the NetworkPolicy's rule for the published ports). Without them, a public load
    /// balancer or a node port accepts every address (W0040, W0042).
    #[schemars(extend("examples" = [["203.0.113.0/24"]]))]
    pub source_ranges: Option<Vec<Sp<String>>>,
    /// `local` (the default for a load balancer or node port: pods see the clients' own
    /// addresses, which `source_ranges` admits) or `cluster` (any node forwards, and pods see
    /// that node's address).
    #[schemars(extend("enum" = crate::resolve::service::TRAFFIC_POLICIES))]
    pub external_traffic_policy: Option<Sp<String>>,
    /// Annotations on the Service (for the cloud's load balancer controller).
    #[schemars(with = "Option<crate::schema::ScalarMap>")]
    pub annotations: Pairs,
    #[schemars(skip)]
    pub span: Span,
}

impl Service {
    pub fn read(f: &mut Fields, d: &mut Diagnostics) -> Service {
        Service {
            name: f.string(d, "name"),
            type_: f.string(d, "type"),
            ports: read_numbers(f, d, "ports"),
            internal: f.bool(d, "internal"),
            source_ranges: f.strings(d, "source_ranges"),
            external_traffic_policy: f.string(d, "external_traffic_policy"),
            annotations: f.pairs(d, "annotations").unwrap_or_default(),
            span: f.span(),
        }
    }
}

/// Names with whole numbers (`{ http = 80 }`), in the order of their keys.
pub type Numbers = Vec<(Sp<String>, Sp<i64>)>;

/// A table of names to whole numbers, with the table's span.
fn read_numbers(f: &mut Fields, d: &mut Diagnostics, key: &'static str) -> Option<Sp<Numbers>> {
    let path = f.key_path(key);
    let e = f.entry(key)?;
    let Value::Table(t) = &e.node.value else {
        d.push(wrong_type(
            &path,
            "a table of port names to numbers",
            &e.node,
        ));
        return None;
    };
    let mut out = Vec::new();
    for (k, entry) in &t.entries {
        if let Some(n) = integer(&format!("{path}.{k}"), &entry.node, d) {
            out.push((Sp::new(k.clone(), entry.key_span), n));
        }
    }
    Some(Sp::new(out, e.node.span))
}

/// One entry of `callers = [...]`: who may call the server, and on which of its ports. Name
/// one peer: `server`, `app`, `namespace` (with `labels` or `app` for some of its pods),
/// `labels`, or `cidr`.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Caller {
    /// Another server of this spec, by name: NAME of `[servers.NAME]`, or the app's name for
    /// `[serve]`.
    #[schemars(extend("examples" = ["router"]))]
    pub server: Option<Sp<String>>,
    /// The pods of another app: an mlspec app by its `[app] name`, or anything labelled
    /// `app.kubernetes.io/instance: NAME` (a Helm release). In this app's namespace unless
    /// `namespace` says; W0041 when the build does not contain it.
    #[schemars(extend("examples" = ["chat-ui"]))]
    pub app: Option<Sp<String>>,
    /// A namespace: every pod in it, or those `app` or `labels` pick. `*` is every namespace
    /// (W0043).
    #[schemars(extend("examples" = ["monitoring"]))]
    pub namespace: Option<Sp<String>>,
    /// Pods with these labels, in this app's namespace unless `namespace` says.
    #[schemars(with = "Option<crate::schema::ScalarMap>", extend("examples" = [{ "role": "tester" }]))]
    pub labels: Pairs,
    /// Addresses outside the cluster, a CIDR block (`0.0.0.0/0` is W0043).
    #[schemars(extend("examples" = ["10.0.0.0/8"]))]
    pub cidr: Option<Sp<String>>,
    /// Blocks inside `cidr` that stay refused.
    pub except: Option<Vec<Sp<String>>>,
    /// The server's ports they may reach, by name; default every port.
    #[schemars(extend("examples" = [["http"]]))]
    pub ports: Option<Vec<Sp<String>>>,
    #[schemars(skip)]
    pub span: Span,
}

/// `callers`: an array of `{ server | app | namespace | labels | cidr, ports }` tables.
pub fn read_callers(f: &mut Fields, d: &mut Diagnostics) -> Option<Vec<Caller>> {
    let expected = "an array of tables `{ server = \"NAME\" }`";
    f.tables(d, "callers", expected, |c, d, span| Caller {
        server: c.string(d, "server"),
        app: c.string(d, "app"),
        namespace: c.string(d, "namespace"),
        labels: c.pairs(d, "labels").unwrap_or_default(),
        cidr: c.string(d, "cidr"),
        except: c.strings(d, "except"),
        ports: c.strings(d, "ports"),
        span,
    })
}

/// `[serve.metrics]`: who collects the server's Prometheus metrics, and from where. Without it,
/// a runtime that serves metrics is scraped as its provider's default `monitor` says.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Metrics {
    /// `annotations` (`prometheus.io/*` on the pods, for Prometheus's own `kubernetes-pods`
    /// job), `pod-monitor` or `service-monitor` (the Prometheus Operator's CRDs, as
    /// kube-prometheus-stack runs), `pod-monitoring` (GKE Managed Prometheus). Default: the
    /// provider's (stdlib/providers.toml `monitor`), else `annotations`.
    #[schemars(extend("enum" = crate::resolve::metrics::MONITORS))]
    pub monitor: Option<Sp<String>>,
    /// The port serving metrics, by name; default the runtime's metrics port.
    #[schemars(extend("examples" = ["metrics", "http"]))]
    pub port: Option<Sp<String>>,
    /// The HTTP path of the metrics; default the runtime's, else `/metrics`.
    #[schemars(extend("examples" = ["/metrics"]))]
    pub path: Option<Sp<String>>,
    /// Labels on the monitor object, for a Prometheus that selects monitors by label
    /// (kube-prometheus-stack's `release`).
    #[schemars(with = "Option<crate::schema::ScalarMap>", extend("examples" = [{ "release": "kube-prometheus-stack" }]))]
    pub labels: Pairs,
    /// The namespace the collector runs in, admitted to the metrics port; default the
    /// monitor's (stdlib/defaults.toml `[metrics] namespaces`).
    #[schemars(extend("examples" = ["monitoring"]))]
    pub namespace: Option<Sp<String>>,
    #[schemars(skip)]
    pub span: Span,
}

impl Metrics {
    pub fn read(f: &mut Fields, d: &mut Diagnostics) -> Metrics {
        Metrics {
            monitor: f.string(d, "monitor"),
            port: f.string(d, "port"),
            path: f.string(d, "path"),
            labels: f.pairs(d, "labels").unwrap_or_default(),
            namespace: f.string(d, "namespace"),
            span: f.span(),
        }
    }
}
