//! `[serve.ingress]` → `Ingress`, once every server is resolved: its host, class, TLS and
//! annotations, and each path to a server's Service port (`path` to the server it is under, or
//! `paths` to any server of the spec). Where the class's proxies connect from — a namespace or
//! address ranges from stdlib/defaults.toml `[ingress.classes]`, or the spec's
//! `proxy_namespace`/`proxy_ranges` — becomes a flow into each path's port; a path to a gRPC
//! port gets the class's gRPC annotations.

use super::{callers, check, service};
use crate::app::{Flow, Ingress, IngressPath, Peer, Server, Tls};
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::source::Span;
use crate::spec::{self, Spec};
use crate::stdlib::{Catalog, IngressClass};
use crate::values::names;

/// The spec's word for a class whose proxies' ranges only the spec can give.
const FROM_SPEC: &str = "spec";

/// Resolve every server's ingress into `servers` (and the class's annotations into the Services
/// it routes to), and return the flows from each class's proxies into the ports routed to.
pub fn resolve(
    d: &mut Diagnostics,
    catalog: &Catalog,
    spec: &Spec,
    servers: &mut [Server],
) -> Vec<Flow> {
    let mut flows = Vec::new();
    for i in 0..servers.len() {
        let Some(given) = spec
            .server(&servers[i].path)
            .and_then(|s| s.ingress.as_ref())
        else {
            continue;
        };
        let at = format!("{}.ingress", servers[i].path);
        if let Some((ingress, routed)) = one(d, catalog, &at, i, given, servers) {
            servers[i].ingress = Some(ingress);
            flows.extend(routed);
        }
    }
    flows
}

/// One ingress, under `servers[own]`.
fn one(
    d: &mut Diagnostics,
    catalog: &Catalog,
    at: &str,
    own: usize,
    i: &spec::Ingress,
    servers: &mut [Server],
) -> Option<(Ingress, Vec<Flow>)> {
    let defaults = &catalog.defaults.ingress;
    let host = i.host.as_ref().and_then(|h| {
        check::ok(
            d,
            &codes::E0109,
            &format!("{at}.host"),
            h,
            names::hostname(&h.v),
            "write a DNS name such as `model.example.com`, without scheme, port or path",
        )
        .map(|()| h.v.clone())
    });
    let class = i
        .class
        .as_ref()
        .and_then(|c| check::subdomain_name(d, &format!("{at}.class"), c));
    let class_name = class.clone().unwrap_or_else(|| defaults.class.clone());
    let data = defaults.classes.get(&class_name);
    let tls = i
        .tls
        .as_ref()
        .and_then(|t| tls(d, at, &servers[own].workload.name, t, i));
    if i.tls.is_none() {
        d.push(
            Diagnostic::new(
                &codes::W0005,
                format!("`{at}` publishes the server without TLS"),
            )
            .at(i.host.as_ref().map_or(i.span, |h| h.span), "served over plain HTTP")
            .help("add `tls = { cluster_issuer = \"letsencrypt-prod\" }` (cert-manager) or `tls = { secret = \"NAME\" }`"),
        );
    }
    let paths = paths(d, catalog, at, own, i, servers)?;
    let sources = sources(d, at, &class_name, data, i)?;
    let mut annotations = data.map(|c| c.annotations.clone()).unwrap_or_default();
    let grpc: Vec<bool> = paths
        .iter()
        .map(|(_, target, port)| {
            let app_protocol = servers[*target]
                .ports
                .iter()
                .find(|p| p.name == *port)
                .and_then(|p| p.app_protocol.as_ref());
            app_protocol.is_some_and(|a| defaults.grpc_protocols.contains(a))
        })
        .collect();
    if let Some(c) = data {
        let on_ingress = !c.grpc.annotations.is_empty();
        if on_ingress && grpc.contains(&true) && grpc.contains(&false) {
            let spans: Vec<Span> = i.paths.iter().flatten().map(|p| p.span).collect();
            let mut diag = Diagnostic::new(
                &codes::E0188,
                format!("`{at}` routes to gRPC and plain HTTP ports, and class `{class_name}` switches gRPC for a whole Ingress"),
            )
            .at(spans.first().copied().unwrap_or(i.span), "one protocol per Ingress");
            for s in spans.iter().skip(1) {
                diag = diag.also(*s, "another path");
            }
            d.push(diag.help("put the gRPC paths under another server's `[servers.NAME.ingress]` (one Ingress each), or publish gRPC through `service.type = \"load-balancer\"`"));
            return None;
        }
        if grpc.contains(&true) {
            annotations.extend(c.grpc.annotations.clone());
        }
        for ((_, target, port), is_grpc) in paths.iter().zip(&grpc) {
            let svc = &mut servers[*target].service.annotations;
            svc.extend(c.service_annotations.clone());
            if *is_grpc {
                for (k, v) in &c.grpc.service_annotations {
                    svc.insert(k.clone(), v.replace("{port}", port));
                }
            }
        }
    }
    annotations.extend(check::labels(
        d,
        &format!("{at}.annotations"),
        &i.annotations,
        false,
    ));
    let mut flows: Vec<Flow> = Vec::new();
    let mut routed = Vec::new();
    for (n, (path, target, port)) in paths.iter().enumerate() {
        let s = &servers[*target];
        let container = s
            .ports
            .iter()
            .find(|p| p.name == *port)
            .map_or(0, |p| p.port);
        let origin = if i.paths.is_some() {
            format!("{at}.paths[{n}]")
        } else {
            at.to_string()
        };
        for from in &sources {
            let flow = Flow::new(
                &s.workload.name,
                vec![container],
                from.clone(),
                origin.clone(),
            );
            if !flows
                .iter()
                .any(|f| f.to == flow.to && f.ports == flow.ports && f.from == flow.from)
            {
                flows.push(flow);
            }
        }
        routed.push(IngressPath {
            path: path.clone(),
            service: s.service.name.clone(),
            port: port.clone(),
        });
    }
    Some((
        Ingress {
            host,
            paths: routed,
            class,
            tls,
            annotations,
        },
        flows,
    ))
}

/// Each path's prefix, server (an index into `servers`) and port name: `paths`, or `path` to
/// the ingress's own server.
fn paths(
    d: &mut Diagnostics,
    catalog: &Catalog,
    at: &str,
    own: usize,
    i: &spec::Ingress,
    servers: &[Server],
) -> Option<Vec<(String, usize, String)>> {
    let Some(list) = &i.paths else {
        let path = match &i.path {
            Some(sp) => check::http_path(d, &format!("{at}.path"), sp)?,
            None => catalog.defaults.ingress.path.clone(),
        };
        let port = servers[own].ports.first()?.name.clone();
        published(
            d,
            at,
            &servers[own],
            &port,
            i.path.as_ref().map_or(i.span, |p| p.span),
        )?;
        return Some(vec![(path, own, port)]);
    };
    if let Some(p) = &i.path {
        d.push(
            Diagnostic::new(
                &codes::E0007,
                format!("`{at}.path` and `{at}.paths` cannot both be set"),
            )
            .at(p.span, "one path")
            .also(list.first().map_or(i.span, |x| x.span), "several paths")
            .help("put every path in `paths`, or use `path` alone for one path to this server"),
        );
        return None;
    }
    let mut out = Vec::new();
    let mut ok = true;
    for (n, entry) in list.iter().enumerate() {
        let here = format!("{at}.paths[{n}]");
        let Some(prefix) = entry
            .path
            .as_ref()
            .and_then(|p| check::http_path(d, &format!("{here}.path"), p))
        else {
            ok = false;
            continue;
        };
        let target = match &entry.server {
            Some(name) => match callers::own_server(d, &here, name, servers) {
                Some(s) => servers.iter().position(|o| o.path == s.path)?,
                None => {
                    ok = false;
                    continue;
                }
            },
            None => own,
        };
        let s = &servers[target];
        let port = match &entry.port {
            Some(name) => match service::known_port(d, &s.path, "ports", &s.ports, name) {
                Some(p) => p.name.clone(),
                None => {
                    ok = false;
                    continue;
                }
            },
            None => s.ports.first()?.name.clone(),
        };
        let span = entry
            .port
            .as_ref()
            .or(entry.server.as_ref())
            .map_or(entry.span, |x| x.span);
        if published(d, &here, s, &port, span).is_none() {
            ok = false;
            continue;
        }
        out.push((prefix, target, port));
    }
    ok.then_some(out)
}

/// An Ingress reaches a server through its Service: the port routed to must be published.
fn published(d: &mut Diagnostics, at: &str, s: &Server, port: &str, span: Span) -> Option<()> {
    if s.service.port_of(port).is_some() {
        return Some(());
    }
    d.push(
        Diagnostic::new(
            &codes::E0181,
            format!(
                "`{at}` routes to the port `{port}` of `{}`, which its Service does not publish",
                s.path
            ),
        )
        .at(span, "not published")
        .help(format!(
            "add `{port} = NUMBER` to `[{}.service] ports`, or route to a port it publishes",
            s.path
        )),
    );
    None
}

/// Where the class's proxies connect from: the spec's `proxy_namespace` or `proxy_ranges`,
/// else the class's namespace or ranges; every namespace for a class nobody knows (W0044).
fn sources(
    d: &mut Diagnostics,
    at: &str,
    class: &str,
    data: Option<&IngressClass>,
    i: &spec::Ingress,
) -> Option<Vec<Peer>> {
    match (&i.proxy_namespace, &i.proxy_ranges) {
        (Some(ns), Some(r)) => {
            d.push(
                Diagnostic::new(&codes::E0007, format!("`{at}.proxy_namespace` and `{at}.proxy_ranges` cannot both be set"))
                    .at(ns.span, "proxies in the cluster")
                    .also(r.first().map_or(i.span, |x| x.span), "proxies outside it")
                    .help("name where the controller's proxies run: a namespace in the cluster, or the address blocks they connect from"),
            );
            return None;
        }
        (Some(ns), None) => {
            return check::label_name(d, &format!("{at}.proxy_namespace"), ns)
                .map(|n| vec![Peer::namespace(&n)]);
        }
        (None, Some(ranges)) => {
            let mut out = Vec::new();
            for (n, r) in ranges.iter().enumerate() {
                let cidr = service::block(d, &format!("{at}.proxy_ranges[{n}]"), r)?;
                out.push(Peer::Addresses {
                    cidr,
                    except: Vec::new(),
                });
            }
            if out.is_empty() {
                d.push(
                    Diagnostic::new(&codes::E0189, format!("`{at}.proxy_ranges` is empty"))
                        .at(i.span, "no blocks")
                        .help("give the address blocks the controller's proxies connect from, such as the VPC's CIDR"),
                );
                return None;
            }
            return Some(out);
        }
        (None, None) => {}
    }
    let Some(c) = data else {
        d.push(
            Diagnostic::new(
                &codes::W0044,
                format!("`{at}` uses the class `{class}`, whose proxies mlspec cannot locate, so every namespace is admitted"),
            )
            .at(i.class.as_ref().map_or(i.span, |c| c.span), "an unknown class")
            .help("name where its proxies run: `proxy_namespace = \"NAMESPACE\"`, or `proxy_ranges = [\"CIDR\"]` for proxies outside the cluster"),
        );
        return Some(vec![Peer::everywhere()]);
    };
    if let Some(ns) = &c.namespace {
        return Some(vec![Peer::namespace(ns)]);
    }
    if !c.ranges.is_empty() {
        return Some(
            c.ranges
                .iter()
                .map(|r| Peer::Addresses {
                    cidr: r.clone(),
                    except: Vec::new(),
                })
                .collect(),
        );
    }
    if c.proxy_ranges.as_deref() == Some(FROM_SPEC) {
        d.push(
            Diagnostic::new(
                &codes::E0189,
                format!("`{at}` uses the class `{class}`, whose proxies connect from addresses only the spec can give"),
            )
            .at(i.class.as_ref().map_or(i.span, |c| c.span), "from where?")
            .help("add `proxy_ranges = [\"10.0.0.0/16\"]` with the VPC's CIDR, which its load balancers' interfaces are in"),
        );
        return None;
    }
    Some(vec![Peer::everywhere()])
}

fn tls(
    d: &mut Diagnostics,
    at: &str,
    workload: &str,
    t: &spec::Tls,
    i: &spec::Ingress,
) -> Option<Tls> {
    if !check::exactly_one(
        d,
        &format!("{at}.tls"),
        t.span,
        &[
            ("secret", &t.secret),
            ("issuer", &t.issuer),
            ("cluster_issuer", &t.cluster_issuer),
        ],
        "`tls = { cluster_issuer = \"letsencrypt-prod\" }` or `tls = { secret = \"my-tls\" }`",
    ) {
        return None;
    }
    let secret_name = format!("{workload}-tls");
    if let Some(s) = &t.secret {
        return check::subdomain_name(d, &format!("{at}.tls.secret"), s).map(Tls::Secret);
    }
    let (key, sp) = match (&t.issuer, &t.cluster_issuer) {
        (Some(i), _) => ("cert-manager.io/issuer", i),
        (None, Some(c)) => ("cert-manager.io/cluster-issuer", c),
        (None, None) => return None,
    };
    let issuer = check::subdomain_name(d, &format!("{at}.tls"), sp)?;
    if i.host.is_none() {
        d.push(
            Diagnostic::new(&codes::E0004, format!("`{at}.host` is required with a cert-manager issuer"))
                .at(sp.span, "a certificate for which name?")
                .help("add `host = \"model.example.com\"`: cert-manager issues the certificate for the Ingress's hosts"),
        );
        return None;
    }
    Some(Tls::CertManager {
        annotation: key.to_string(),
        issuer,
        secret: secret_name,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::super::testing::DIGEST;

    fn build(spec: &str) -> (Vec<Value>, Vec<&'static str>) {
        let (objects, d) = crate::compile_str(spec);
        let codes = d.iter().map(|x| x.code.id).collect();
        (
            crate::verify::documents(&crate::document::documents(&objects)),
            codes,
        )
    }

    fn two_servers(ingress: &str) -> String {
        format!(
            "[app]\nname = \"shop\"\n\n[servers.web]\nimage = \"x/web:1{DIGEST}\"\nscaling = {{ replicas = 2 }}\n\n[servers.web.ingress]\n{ingress}\ntls = {{ secret = \"shop-tls\" }}\n\n[servers.api]\nimage = \"x/api:1{DIGEST}\"\nports = [{{ name = \"http\", port = 8000 }}, {{ name = \"grpc\", port = 9000, app_protocol = \"grpc\" }}]\nscaling = {{ replicas = 2 }}\n"
        )
    }

    fn find<'a>(docs: &'a [Value], kind: &str, name: &str) -> &'a Value {
        docs.iter()
            .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("{kind} {name}"))
    }

    /// The namespaces and blocks admitted to `name`'s pods, as rendered.
    fn sources(docs: &[Value], name: &str) -> Vec<String> {
        find(docs, "NetworkPolicy", name)["spec"]["ingress"]
            .as_array()
            .expect("rules")
            .iter()
            .map(|r| {
                let from = &r["from"][0];
                let what = from["ipBlock"]["cidr"]
                    .as_str()
                    .or(
                        from["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
                            .as_str(),
                    )
                    .unwrap_or("pods");
                format!("{what} {}", r["ports"][0]["port"])
            })
            .collect()
    }

    #[test]
    fn a_gce_ingress_routes_paths_to_servers_and_admits_googles_ranges_to_each_port() {
        let spec = two_servers(
            "class = \"gce\"\npaths = [{ path = \"/api\", server = \"api\" }, { path = \"/\" }]",
        );
        let (docs, codes) = build(&spec);
        assert!(!codes.contains(&"E0181"), "{codes:?}");
        let ing = find(&docs, "Ingress", "shop-web");
        let rule = &ing["spec"]["rules"][0];
        assert!(rule.get("host").is_none(), "host-less: {rule}");
        let backends: Vec<(String, String)> = rule["http"]["paths"]
            .as_array()
            .expect("paths")
            .iter()
            .map(|p| {
                (
                    p["path"].as_str().unwrap_or_default().to_string(),
                    p["backend"]["service"]["name"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                )
            })
            .collect();
        assert_eq!(
            backends,
            [
                ("/api".into(), "shop-api".into()),
                ("/".into(), "shop-web".into())
            ]
        );
        assert_eq!(
            sources(&docs, "shop-api"),
            ["pods 8000", "35.191.0.0/16 8000", "130.211.0.0/22 8000"]
        );
        assert_eq!(
            sources(&docs, "shop-web"),
            ["pods 8080", "35.191.0.0/16 8080", "130.211.0.0/22 8080"]
        );
        let neg =
            &find(&docs, "Service", "shop-api")["metadata"]["annotations"]["cloud.google.com/neg"];
        assert_eq!(neg, "{\"ingress\": true}");
    }

    #[test]
    fn a_grpc_path_gets_its_classs_grpc_annotation() {
        let spec = two_servers("paths = [{ path = \"/\", server = \"api\", port = \"grpc\" }]");
        let (docs, _) = build(&spec);
        let ing = find(&docs, "Ingress", "shop-web");
        assert_eq!(
            ing["metadata"]["annotations"]["nginx.ingress.kubernetes.io/backend-protocol"],
            "GRPC"
        );
        assert_eq!(sources(&docs, "shop-api")[1], "ingress-nginx 9000");
        let traefik = two_servers(
            "class = \"traefik\"\npaths = [{ path = \"/\", server = \"api\", port = \"grpc\" }]",
        );
        let (docs, _) = build(&traefik);
        assert_eq!(
            find(&docs, "Service", "shop-api")["metadata"]["annotations"]["traefik.ingress.kubernetes.io/service.serversscheme"],
            "h2c"
        );
        assert!(
            find(&docs, "Ingress", "shop-web")["metadata"]
                .get("annotations")
                .is_none()
        );
    }

    #[test]
    fn an_unknown_class_is_placed_by_the_spec_or_admitted_from_everywhere() {
        let (docs, codes) = build(&two_servers("class = \"kong\""));
        assert!(codes.contains(&"W0044"), "{codes:?}");
        assert_eq!(sources(&docs, "shop-web")[1], "pods 8080");
        let (docs, codes) = build(&two_servers("class = \"kong\"\nproxy_namespace = \"kong\""));
        assert!(!codes.contains(&"W0044"), "{codes:?}");
        assert_eq!(sources(&docs, "shop-web")[1], "kong 8080");
        let (docs, codes) = build(&two_servers(
            "class = \"alb\"\nproxy_ranges = [\"10.20.0.0/16\"]",
        ));
        assert!(!codes.iter().any(|c| c.starts_with('E')), "{codes:?}");
        assert_eq!(sources(&docs, "shop-web")[1], "10.20.0.0/16 8080");
        assert_eq!(
            find(&docs, "Ingress", "shop-web")["metadata"]["annotations"]["alb.ingress.kubernetes.io/target-type"],
            "ip"
        );
    }

    #[test]
    fn misrouted_paths_are_coded() {
        let (_, codes) = build(&two_servers(
            "paths = [{ path = \"/\", server = \"apj\" }, { path = \"/m\", server = \"api\", port = \"metrics\" }]",
        ));
        assert_eq!(
            codes
                .iter()
                .filter(|c| c.starts_with('E'))
                .collect::<Vec<_>>(),
            [&"E0183", &"E0181"]
        );
        let (_, codes) = build(&two_servers("path = \"/\"\npaths = [{ path = \"/\" }]"));
        assert!(codes.contains(&"E0007"), "{codes:?}");
    }
}
