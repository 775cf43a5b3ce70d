//! Metrics → `Metrics`: the port and path a server serves Prometheus metrics on (its runtime's,
//! or `[serve.metrics]`), what tells the collector (pod annotations, a PodMonitor, a
//! ServiceMonitor, GKE's PodMonitoring: the provider's default unless the spec says) and the
//! namespace the collector runs in.

use super::{check, service};
use crate::app::{Metrics, Monitor, Port, Service};
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::spec::traffic as spec;
use crate::stdlib::{Catalog, Runtime};

/// `metrics.monitor`, in the order of `Monitor`.
pub const MONITORS: &[&str] = &[
    "annotations",
    "pod-monitor",
    "service-monitor",
    "pod-monitoring",
];

/// The path a metrics endpoint the spec names gets when it gives none and its runtime has none.
const DEFAULT_PATH: &str = "/metrics";

/// The server's metrics, if its runtime serves some or the spec says where.
pub fn resolve(
    d: &mut Diagnostics,
    catalog: &Catalog,
    at: &str,
    runtime: Option<&Runtime>,
    ports: &[Port],
    service: &Service,
    m: Option<&spec::Metrics>,
) -> Option<Metrics> {
    let defaults = &catalog.defaults.metrics;
    let own = runtime.and_then(|r| r.metrics.as_ref());
    let key = |k: &str| format!("{at}.metrics.{k}");
    let port = match m.and_then(|m| m.port.as_ref()) {
        Some(name) => service::known_port(d, at, "metrics.port", ports, name)?,
        None => match own {
            Some(o) => ports.iter().find(|p| p.name == o.port)?,
            None => {
                if let Some(m) = m {
                    d.push(
                        Diagnostic::new(
                            &codes::E0190,
                            format!("`{at}.metrics` names no port, and the server's runtime serves no metrics"),
                        )
                        .at(m.span, "metrics from which port?")
                        .help(format!(
                            "add `port = \"{}\"` (and `path` if it is not `/metrics`) with the port your server serves Prometheus metrics on",
                            ports.first().map_or("http", |p| p.name.as_str())
                        )),
                    );
                }
                return None;
            }
        },
    };
    let path = match m.and_then(|m| m.path.as_ref()) {
        Some(p) => check::http_path(d, &key("path"), p)?,
        None => own.map_or_else(|| DEFAULT_PATH.to_string(), |o| o.path.clone()),
    };
    let monitor_name = match m.and_then(|m| m.monitor.as_ref()) {
        Some(sp) => check::choice(d, &key("monitor"), sp, MONITORS)?,
        None => MONITORS
            .iter()
            .copied()
            .find(|n| *n == defaults.monitor)
            .unwrap_or(MONITORS[0]),
    };
    let monitor = match monitor_name {
        "pod-monitor" => Monitor::PodMonitor,
        "service-monitor" => Monitor::ServiceMonitor,
        "pod-monitoring" => Monitor::PodMonitoring,
        _ => Monitor::Annotations,
    };
    if monitor == Monitor::ServiceMonitor && service.port_of(&port.name).is_none() {
        let span = m
            .and_then(|m| m.monitor.as_ref().or(m.port.as_ref()))
            .map_or_else(|| m.map_or_else(Default::default, |m| m.span), |s| s.span);
        d.push(
            Diagnostic::new(
                &codes::E0181,
                format!(
                    "a ServiceMonitor scrapes `{at}` through its Service, which does not publish the metrics port `{}`",
                    port.name
                ),
            )
            .at(span, "scraped through the Service")
            .help(format!(
                "add `{} = {}` to `[{at}.service] ports`, or scrape the pods with `monitor = \"pod-monitor\"`",
                port.name, port.port
            )),
        );
        return None;
    }
    let scraper_namespace = match m.and_then(|m| m.namespace.as_ref()) {
        Some(ns) => check::label_name(d, &key("namespace"), ns)?,
        None => defaults
            .namespaces
            .get(monitor_name)
            .cloned()
            .unwrap_or_default(),
    };
    let labels = m.map_or_else(Default::default, |m| {
        check::labels(d, &key("labels"), &m.labels, true)
    });
    if monitor == Monitor::Annotations
        && let Some((k, _)) = m.and_then(|m| m.labels.first())
    {
        d.push(
            Diagnostic::new(
                &codes::E0007,
                format!("`{at}.metrics.labels` label a monitor object, and `annotations` writes none"),
            )
            .at(k.span, "on no object")
            .help("drop `labels`, or set `monitor` to the collector that selects objects by them (`pod-monitor`, `service-monitor`)"),
        );
    }
    Some(Metrics {
        port: port.port,
        port_name: port.name.clone(),
        path,
        scraper_namespace,
        monitor,
        interval: defaults.interval.clone(),
        labels,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::super::testing::{DIGEST, documents};

    fn docs(provider: &str, metrics: &str) -> Vec<Value> {
        let spec = format!(
            "[app]\nname = \"llm\"\nprovider = \"{provider}\"\n\n[serve]\nimage = \"vllm/vllm-openai:v0.6.3{DIGEST}\"\nruntime = \"vllm\"\nscaling = {{ replicas = 2 }}\n{metrics}"
        );
        documents(&spec)
    }

    fn kinds(docs: &[Value]) -> Vec<&str> {
        docs.iter().filter_map(|d| d["kind"].as_str()).collect()
    }

    fn scraper(docs: &[Value]) -> String {
        let np = docs
            .iter()
            .find(|d| d["kind"] == "NetworkPolicy")
            .expect("a policy");
        np["spec"]["ingress"][1]["from"][0]["namespaceSelector"]["matchLabels"]
            ["kubernetes.io/metadata.name"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    #[test]
    fn each_provider_gets_its_collector_and_the_spec_can_pick_another() {
        let gke = docs("gke", "");
        assert!(kinds(&gke).contains(&"PodMonitoring"), "{:?}", kinds(&gke));
        assert_eq!(scraper(&gke), "gmp-system");
        let generic = docs("generic", "");
        assert!(
            !kinds(&generic)
                .iter()
                .any(|k| k.ends_with("Monitor") || *k == "PodMonitoring")
        );
        let dep = generic
            .iter()
            .find(|d| d["kind"] == "Deployment")
            .expect("a Deployment");
        assert_eq!(
            dep["spec"]["template"]["metadata"]["annotations"]["prometheus.io/port"],
            "8000"
        );
        assert_eq!(scraper(&generic), "monitoring");
        let operator = docs(
            "gke",
            "[serve.metrics]\nmonitor = \"service-monitor\"\nlabels = { release = \"prom\" }\nnamespace = \"observability\"\n",
        );
        let sm = operator
            .iter()
            .find(|d| d["kind"] == "ServiceMonitor")
            .expect("a ServiceMonitor");
        assert_eq!(sm["metadata"]["labels"]["release"], "prom");
        assert_eq!(sm["spec"]["endpoints"][0]["port"], "http");
        assert_eq!(scraper(&operator), "observability");
        let dep = operator
            .iter()
            .find(|d| d["kind"] == "Deployment")
            .expect("a Deployment");
        assert!(
            dep["spec"]["template"]["metadata"]
                .get("annotations")
                .is_none()
        );
    }
}
