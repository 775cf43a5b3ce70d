//! `[serve.service]` → `Service`: its name, type and published ports, and what a load balancer
//! or node port accepts (its source ranges, traffic policy and the provider's internal
//! annotation). A public load balancer without source ranges is W0040, a node port W0042.

use super::check;
use crate::app::{Port, Service, ServicePort};
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::source::Span;
use crate::spec::read::Sp;
use crate::spec::traffic as spec;
use crate::stdlib::Catalog;
use crate::values::{cidr, suggest::suggest};

/// `service.type`: inside the cluster only, a cloud load balancer, or a port on every node.
pub const TYPES: &[&str] = &["cluster-ip", "load-balancer", "node-port"];
/// `service.external_traffic_policy`.
pub const TRAFFIC_POLICIES: &[&str] = &["local", "cluster"];

/// The Service of the server at `at` (its objects named `workload`), with its `ports`.
pub fn resolve(
    d: &mut Diagnostics,
    catalog: &Catalog,
    at: &str,
    workload: &str,
    ports: &[Port],
    s: Option<&spec::Service>,
) -> Service {
    let defaults = &catalog.defaults.service;
    let empty = spec::Service::default();
    let s = s.unwrap_or(&empty);
    let key = |k: &str| format!("{at}.service.{k}");
    let name = s
        .name
        .as_ref()
        .and_then(|n| service_name(d, &key("name"), n))
        .unwrap_or_else(|| workload.to_string());
    let type_ = match s
        .type_
        .as_ref()
        .map(|t| (t, check::choice(d, &key("type"), t, TYPES)))
    {
        Some((_, Some("load-balancer"))) => "LoadBalancer",
        Some((_, Some("node-port"))) => "NodePort",
        _ => "ClusterIP",
    };
    let external = type_ != "ClusterIP";
    let published = published(d, at, s, ports, defaults.port);
    let mut annotations = std::collections::BTreeMap::new();
    if let Some(i) = s.internal.as_ref().filter(|i| i.v) {
        if type_ != "LoadBalancer" {
            only_with(d, at, "internal", i.span, s);
        } else if defaults.internal.is_empty() {
            d.push(
                Diagnostic::new(
                    &codes::E0186,
                    format!("`{}` asks for an internal load balancer, but the provider has no annotation for one", key("internal")),
                )
                .at(i.span, "internal to which cloud?")
                .help("set `[app] provider` (or `--provider`) to your cloud (`gke`, `eks`, `aks`), or give your load balancer controller's annotation in `service.annotations` and drop `internal`"),
            );
        } else {
            annotations.extend(defaults.internal.clone());
        }
    }
    annotations.extend(check::labels(d, &key("annotations"), &s.annotations, false));
    let mut source_ranges = Vec::new();
    for (i, r) in s.source_ranges.iter().flatten().enumerate() {
        if !external {
            only_with(d, at, "source_ranges", r.span, s);
            break;
        }
        if let Some(block) = block(d, &format!("{}[{i}]", key("source_ranges")), r)
            && !source_ranges.contains(&block)
        {
            source_ranges.push(block);
        }
    }
    let external_traffic_policy = match &s.external_traffic_policy {
        Some(p) if !external => {
            only_with(d, at, "external_traffic_policy", p.span, s);
            None
        }
        Some(p) => check::choice(d, &key("external_traffic_policy"), p, TRAFFIC_POLICIES)
            .map(str::to_string),
        None => external.then(|| defaults.external_traffic_policy.clone()),
    }
    .map(|p| capitalized(&p));
    let public = type_ == "LoadBalancer" && !s.internal.as_ref().is_some_and(|i| i.v);
    let ranges_given = s.source_ranges.as_ref().is_some_and(|r| !r.is_empty());
    let at_type = s.type_.as_ref().map_or(s.span, |t| t.span);
    if public && !ranges_given {
        d.push(
            Diagnostic::new(
                &codes::W0040,
                format!("`{at}.service` is a public load balancer that accepts every address"),
            )
            .at(at_type, "reachable from the internet")
            .help("list the clients' blocks in `source_ranges = [\"203.0.113.0/24\"]`, or keep it inside the cloud network with `internal = true`"),
        );
    }
    if type_ == "NodePort" {
        d.push(
            Diagnostic::new(
                &codes::W0042,
                format!("`{at}.service` opens its ports on every node of the cluster"),
            )
            .at(at_type, "a port on every node")
            .help(if ranges_given {
                "a load balancer (`type = \"load-balancer\"`, `internal = true` for the cloud network only) publishes the server without opening the nodes"
            } else {
                "a load balancer (`type = \"load-balancer\"`) publishes the server without opening the nodes; else list the clients' blocks in `source_ranges`"
            }),
        );
    }
    Service {
        name,
        type_: type_.to_string(),
        ports: published,
        annotations,
        source_ranges,
        external_traffic_policy,
    }
}

/// `local` → `Local`.
fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}

/// A Service name is a DNS-1035 label: a DNS label that starts with a letter.
fn service_name(d: &mut Diagnostics, path: &str, n: &Sp<String>) -> Option<String> {
    let name = check::label_name(d, path, n)?;
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        d.push(
            Diagnostic::new(
                &codes::E0101,
                format!("`{path}` must start with a letter, found `{name}`"),
            )
            .at(n.span, "starts with a digit")
            .help(
                "Service names (DNS-1035) start with a letter: clients resolve them as host names",
            ),
        );
        return None;
    }
    Some(name)
}

/// A CIDR block in canonical form.
pub fn block(d: &mut Diagnostics, path: &str, sp: &Sp<String>) -> Option<String> {
    check::ok(
        d,
        &codes::E0185,
        path,
        sp,
        cidr::parse_cidr(&sp.v),
        "write an address block such as `203.0.113.0/24` (`/32` for one address)",
    )
    .map(|_| sp.v.clone())
}

/// `service.KEY` is for load balancers (and node ports) only.
fn only_with(d: &mut Diagnostics, at: &str, key: &str, span: Span, s: &spec::Service) {
    let mut diag = Diagnostic::new(
        &codes::E0007,
        format!(
            "`{at}.service.{key}` is for a {}, not this Service's type",
            if key == "internal" {
                "load balancer"
            } else {
                "load balancer or node port"
            }
        ),
    )
    .at(span, "not used by this type");
    if let Some(t) = &s.type_ {
        diag = diag.also(t.span, "the type is set here");
    }
    d.push(diag.help(format!(
        "drop `{key}`, or publish the server with `type = \"load-balancer\"`"
    )));
}

/// The ports the Service publishes: those `service.ports` names, on its numbers, or every
/// container port (the first on the default port), always in the container ports' order.
fn published(
    d: &mut Diagnostics,
    at: &str,
    s: &spec::Service,
    ports: &[Port],
    default_port: u16,
) -> Vec<ServicePort> {
    let of = |p: &Port, number: i32| ServicePort {
        name: p.name.clone(),
        port: number,
        target: p.port,
        app_protocol: p.app_protocol.clone(),
    };
    let Some(given) = &s.ports else {
        return ports
            .iter()
            .enumerate()
            .map(|(i, p)| {
                of(
                    p,
                    if i == 0 {
                        i32::from(default_port)
                    } else {
                        p.port
                    },
                )
            })
            .collect();
    };
    if given.v.is_empty() {
        d.push(
            Diagnostic::new(
                &codes::E0182,
                format!("`{at}.service.ports` publishes no port"),
            )
            .at(given.span, "a Service without ports")
            .help(format!(
                "name at least one of the server's ports: {}",
                port_list(ports)
            )),
        );
    }
    let mut numbers: Vec<(i32, Span)> = Vec::new();
    let mut chosen: Vec<(&str, i32)> = Vec::new();
    for (name, n) in &given.v {
        let path = format!("{at}.service.ports.{}", name.v);
        let Some(port) = known_port(d, at, "service.ports", ports, name) else {
            continue;
        };
        let Some(number) = i32::try_from(n.v).ok().filter(|v| (1..=65535).contains(v)) else {
            d.push(
                Diagnostic::new(&codes::E0105, format!("`{path}` must be from 1 to 65535, found {}", n.v))
                    .at(n.span, "not a port")
                    .help("Service ports are 1–65535: 80 and 443 for web clients, or the server's own port"),
            );
            continue;
        };
        if let Some((_, first)) = numbers.iter().find(|(q, _)| *q == number) {
            d.push(
                Diagnostic::new(
                    &codes::E0123,
                    format!("`{path}` publishes a second port on {number}"),
                )
                .at(n.span, "duplicate")
                .also(*first, "first published here")
                .help("each published port needs its own number"),
            );
            continue;
        }
        numbers.push((number, n.span));
        chosen.push((port.name.as_str(), number));
    }
    ports
        .iter()
        .filter_map(|p| {
            let (_, n) = chosen.iter().find(|(name, _)| *name == p.name)?;
            Some(of(p, *n))
        })
        .collect()
}

/// The server's port called `name` (at `KEY` of the server at `at`), or E0181.
pub fn known_port<'p>(
    d: &mut Diagnostics,
    at: &str,
    key: &str,
    ports: &'p [Port],
    name: &Sp<String>,
) -> Option<&'p Port> {
    if let Some(p) = ports.iter().find(|p| p.name == name.v) {
        return Some(p);
    }
    let names: Vec<&String> = ports.iter().map(|p| &p.name).collect();
    let hint =
        suggest(&name.v, names.iter()).map_or(String::new(), |s| format!("did you mean `{s}`? "));
    d.push(
        Diagnostic::new(
            &codes::E0181,
            format!(
                "`{at}.{key}` names the port `{}`, which the server does not have",
                name.v
            ),
        )
        .at(name.span, "no such port")
        .help(format!("{hint}the server's ports are {}", port_list(ports))),
    );
    None
}

/// `http` (8080), `grpc` (8001).
fn port_list(ports: &[Port]) -> String {
    ports
        .iter()
        .map(|p| format!("`{}` ({})", p.name, p.port))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::super::testing::{DIGEST, documents};

    /// The objects of a spec (with `[app] name = "m"` and a Triton server), as JSON, by kind.
    fn docs(extra: &str) -> Vec<Value> {
        let spec = format!(
            "[app]\nname = \"m\"\nprovider = \"gke\"\n\n[serve]\nimage = \"nvcr.io/nvidia/tritonserver:24.08-py3{DIGEST}\"\nruntime = \"triton\"\nscaling = {{ replicas = 2 }}\n{extra}"
        );
        documents(&spec)
    }

    fn of<'a>(docs: &'a [Value], kind: &str) -> &'a Value {
        docs.iter().find(|d| d["kind"] == kind).expect(kind)
    }

    #[test]
    fn by_default_every_port_is_published_the_first_on_80() {
        let d = docs("");
        let svc = of(&d, "Service");
        let ports: Vec<(i64, &str)> = svc["spec"]["ports"]
            .as_array()
            .expect("ports")
            .iter()
            .map(|p| {
                (
                    p["port"].as_i64().unwrap_or(0),
                    p["name"].as_str().unwrap_or(""),
                )
            })
            .collect();
        assert_eq!(ports, [(80, "http"), (8001, "grpc"), (8002, "metrics")]);
        assert_eq!(svc["spec"]["type"], "ClusterIP");
        assert_eq!(svc["metadata"]["name"], "m");
        assert!(svc["spec"].get("externalTrafficPolicy").is_none());
    }

    #[test]
    fn an_internal_load_balancer_publishes_the_named_ports_in_the_servers_order() {
        let d = docs(
            "\n[serve.service]\nname = \"triton-svc\"\ntype = \"load-balancer\"\ninternal = true\nports = { metrics = 9102, http = 80 }\nsource_ranges = [\"10.0.0.0/8\"]\n",
        );
        let svc = of(&d, "Service");
        assert_eq!(svc["metadata"]["name"], "triton-svc");
        assert_eq!(
            svc["metadata"]["annotations"]["networking.gke.io/load-balancer-type"],
            "Internal"
        );
        let names: Vec<&str> = svc["spec"]["ports"]
            .as_array()
            .expect("ports")
            .iter()
            .filter_map(|p| p["name"].as_str())
            .collect();
        assert_eq!(names, ["http", "metrics"]);
        assert_eq!(svc["spec"]["externalTrafficPolicy"], "Local");
        assert_eq!(svc["spec"]["loadBalancerSourceRanges"][0], "10.0.0.0/8");
        // The policy admits the block on the published ports' container numbers, not on gRPC.
        let np = of(&d, "NetworkPolicy");
        let rule = np["spec"]["ingress"]
            .as_array()
            .expect("rules")
            .iter()
            .find(|r| r["from"][0]["ipBlock"]["cidr"] == "10.0.0.0/8")
            .expect("a rule for the block");
        let ports: Vec<i64> = rule["ports"]
            .as_array()
            .expect("ports")
            .iter()
            .filter_map(|p| p["port"].as_i64())
            .collect();
        assert_eq!(ports, [8000, 8002]);
    }

    #[test]
    fn misplaced_load_balancer_keys_are_refused() {
        let spec = format!(
            "[app]\nname = \"m\"\n[serve]\nimage = \"x/y:1{DIGEST}\"\nscaling = {{ replicas = 2 }}\n[serve.service]\nsource_ranges = [\"10.0.0.0/8\"]\nexternal_traffic_policy = \"local\"\nname = \"9lives\"\n"
        );
        let (_, d) = crate::compile_str(&spec);
        let codes: Vec<&str> = d.iter().map(|x| x.code.id).collect();
        assert_eq!(codes, ["E0007", "E0007", "E0101"], "{d:?}");
    }
}
