//! `[serve.route]` → `Route`: the Gateway API HTTPRoute, an alternative to `[serve.ingress]`.

use super::check;
use crate::app::Route;
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::spec::{self, Serve};
use crate::stdlib::Catalog;
use crate::values::names;

pub fn resolve(d: &mut Diagnostics, catalog: &Catalog, at: &str, s: &Serve) -> Option<Route> {
    let r = s.route.as_ref()?;
    if let Some(i) = &s.ingress {
        d.push(
            Diagnostic::new(
                &codes::E0007,
                format!("`{at}.route` and `{at}.ingress` cannot both be set"),
            )
            .at(r.span, "a Gateway API route")
            .also(i.span, "an Ingress")
            .help(format!("publish the server one way: `[{at}.route]` through a shared Gateway, or `[{at}.ingress]` through an ingress controller")),
        );
    }
    route(d, catalog, at, r)
}

fn route(d: &mut Diagnostics, catalog: &Catalog, at: &str, r: &spec::Route) -> Option<Route> {
    let gateway = r
        .gateway
        .as_ref()
        .and_then(|g| check::subdomain_name(d, &format!("{at}.route.gateway"), g));
    let namespace = match &r.namespace {
        Some(ns) => Some(check::label_name(d, &format!("{at}.route.namespace"), ns)?),
        None => None,
    };
    let proxy_namespace = match &r.proxy_namespace {
        Some(ns) => Some(check::label_name(
            d,
            &format!("{at}.route.proxy_namespace"),
            ns,
        )?),
        None => None,
    };
    let mut hostnames = Vec::new();
    for (i, h) in r.hostnames.iter().flatten().enumerate() {
        let ok = check::ok(
            d,
            &codes::E0109,
            &format!("{at}.route.hostnames[{i}]"),
            h,
            names::hostname(&h.v),
            "write a DNS name such as `chat.example.com` or `*.example.com`, without scheme, port or path",
        );
        if ok.is_some() && !hostnames.contains(&h.v) {
            hostnames.push(h.v.clone());
        }
    }
    let path = match &r.path {
        Some(sp) => check::http_path(d, &format!("{at}.route.path"), sp)?,
        None => catalog.defaults.ingress.path.clone(),
    };
    Some(Route {
        gateway: gateway?,
        namespace,
        proxy_namespace,
        hostnames,
        path,
    })
}

#[cfg(test)]
mod tests {
    use crate::compile_str;
    use crate::generate::Object;

    /// The namespaces the server's NetworkPolicy admits.
    fn admitted(route: &str) -> Vec<String> {
        let spec = format!(
            "[app]\nname = \"chat\"\n\n[serve]\nimage = \"registry.example.com/chat:1.0@sha256:{}\"\n\n[serve.route]\n{route}\n",
            "0".repeat(64)
        );
        let (objects, d) = compile_str(&spec);
        assert!(!d.has_errors(), "{d:?}");
        objects
            .iter()
            .filter_map(|o| match o {
                Object::NetworkPolicy(np) => np.spec.clone(),
                _ => None,
            })
            .flat_map(|s| s.ingress.unwrap_or_default())
            .flat_map(|r| r.from.unwrap_or_default())
            .filter_map(|peer| peer.namespace_selector?.match_labels)
            .filter_map(|l| l.get("kubernetes.io/metadata.name").cloned())
            .collect()
    }

    #[test]
    fn the_policy_admits_where_the_gateways_proxies_run() {
        let gw = "gateway = \"shared\"\nnamespace = \"gateway-system\"";
        assert!(admitted(gw).contains(&"gateway-system".to_string()));
        let envoy = format!("{gw}\nproxy_namespace = \"envoy-gateway-system\"");
        let ns = admitted(&envoy);
        assert!(ns.contains(&"envoy-gateway-system".to_string()), "{ns:?}");
        assert!(!ns.contains(&"gateway-system".to_string()), "{ns:?}");
    }
}
