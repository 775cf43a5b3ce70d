//! `callers = [...]` → flows: who else may call a server, each entry one peer (another server
//! of the spec, another app, a namespace, pods by labels, an address block) on some or all of
//! the server's ports. A peer that admits every namespace or every address is W0043.

use std::collections::BTreeMap;

use super::{check, service};
use crate::app::{Flow, Peer, Scope, Server};
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::spec::read::Sp;
use crate::spec::traffic::Caller;
use crate::values::{cidr, names, suggest::suggest};

/// `namespace = "*"`: every namespace.
pub const EVERY_NAMESPACE: &str = "*";

/// The flows `callers` declares into `server`, one per entry that resolves.
pub fn flows(
    d: &mut Diagnostics,
    server: &Server,
    callers: &[Caller],
    servers: &[Server],
    namespace: &str,
) -> Vec<Flow> {
    let mut out = Vec::new();
    for (i, c) in callers.iter().enumerate() {
        let at = format!("{}.callers[{i}]", server.path);
        let Some(from) = peer(d, &at, c, servers, namespace) else {
            continue;
        };
        let mut ports = Vec::new();
        for name in c.ports.iter().flatten() {
            let key = format!("callers[{i}].ports");
            if let Some(p) = service::known_port(d, &server.path, &key, &server.ports, name)
                && !ports.contains(&p.port)
            {
                ports.push(p.port);
            }
        }
        if c.ports.as_ref().is_some_and(|p| !p.is_empty()) && ports.is_empty() {
            continue;
        }
        if ports.is_empty() {
            ports = server.ports.iter().map(|p| p.port).collect();
        }
        out.push(Flow::new(&server.workload.name, ports, from, at));
    }
    out
}

/// The one peer an entry names.
fn peer(
    d: &mut Diagnostics,
    at: &str,
    c: &Caller,
    servers: &[Server],
    namespace: &str,
) -> Option<Peer> {
    let labels = (!c.labels.is_empty()).then(|| c.labels[0].0.span);
    let given: Vec<(&str, crate::source::Span)> = [
        ("server", c.server.as_ref().map(|s| s.span)),
        ("app", c.app.as_ref().map(|s| s.span)),
        ("namespace", c.namespace.as_ref().map(|s| s.span)),
        ("labels", labels),
        ("cidr", c.cidr.as_ref().map(|s| s.span)),
    ]
    .into_iter()
    .filter_map(|(k, s)| Some((k, s?)))
    .collect();
    let keys: Vec<&str> = given.iter().map(|(k, _)| *k).collect();
    let fits = matches!(
        keys.as_slice(),
        ["server"]
            | ["app"]
            | ["namespace"]
            | ["labels"]
            | ["cidr"]
            | ["app", "namespace"]
            | ["namespace", "labels"]
    );
    if !fits {
        let mut diag = Diagnostic::new(
            &codes::E0184,
            if keys.is_empty() {
                format!("`{at}` names no caller")
            } else {
                format!(
                    "`{at}` mixes {}, which name different callers",
                    keys.iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(" and ")
                )
            },
        )
        .at(given.first().map_or(c.span, |(_, s)| *s), "a caller");
        for (_, s) in given.iter().skip(1) {
            diag = diag.also(*s, "another");
        }
        d.push(diag.help("name one caller per entry: `server`, `app`, `namespace`, `labels` or `cidr`; `namespace` narrows `app` and `labels` to one namespace"));
        return None;
    }
    if let Some(e) = c.except.as_ref().filter(|_| c.cidr.is_none()) {
        let span = e.first().map_or(c.span, |x| x.span);
        d.push(
            Diagnostic::new(&codes::E0184, format!("`{at}.except` cuts blocks out of a `cidr`, and this entry has none"))
                .at(span, "except from what?")
                .help("add `cidr = \"10.0.0.0/8\"` with the block these are taken out of, or drop `except`"),
        );
        return None;
    }
    let scope = match &c.namespace {
        None => Scope::Own,
        Some(n) if n.v == EVERY_NAMESPACE => {
            anywhere(d, at, n, "every namespace");
            Scope::Every
        }
        Some(n) if n.v == namespace => Scope::Own,
        Some(n) => Scope::Named(check::label_name(d, &format!("{at}.namespace"), n)?),
    };
    if let Some(s) = &c.server {
        return own_server(d, at, s, servers).map(|w| Peer::Workload(w.workload.name.clone()));
    }
    if let Some(a) = &c.app {
        check::ok(
            d,
            &codes::E0101,
            &format!("{at}.app"),
            a,
            names::label_value(&a.v),
            "an app is named by its `app.kubernetes.io/instance` label value: letters, digits, `-`, `_` or `.`",
        )?;
        return Some(Peer::OtherApp {
            name: a.v.clone(),
            scope,
        });
    }
    if let Some(block) = &c.cidr {
        return addresses(d, at, block, c.except.as_deref().unwrap_or_default());
    }
    let labels: BTreeMap<String, String> =
        check::labels(d, &format!("{at}.labels"), &c.labels, true);
    if labels.len() < c.labels.len() {
        return None;
    }
    Some(Peer::Pods { scope, labels })
}

/// A server of the spec, by the name `callers` and ingress paths use, or E0183.
pub fn own_server<'s>(
    d: &mut Diagnostics,
    at: &str,
    name: &Sp<String>,
    servers: &'s [Server],
) -> Option<&'s Server> {
    if let Some(s) = servers.iter().find(|s| s.name == name.v) {
        return Some(s);
    }
    let known: Vec<&String> = servers.iter().map(|s| &s.name).collect();
    let hint =
        suggest(&name.v, known.iter()).map_or(String::new(), |s| format!("did you mean `{s}`? "));
    d.push(
        Diagnostic::new(
            &codes::E0183,
            format!("`{at}.server` names `{}`, which is not a server of this spec", name.v),
        )
        .at(name.span, "no such server")
        .help(format!(
            "{hint}the servers are {} (`[serve]` goes by the app's name); a server of another app is `app = \"NAME\"`",
            known.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
        )),
    );
    None
}

/// `cidr` minus `except`: each block valid, each exception strictly inside.
fn addresses(
    d: &mut Diagnostics,
    at: &str,
    block: &Sp<String>,
    except: &[Sp<String>],
) -> Option<Peer> {
    let path = format!("{at}.cidr");
    let whole = check::ok(
        d,
        &codes::E0185,
        &path,
        block,
        cidr::parse_cidr(&block.v),
        "write an address block such as `10.0.0.0/8` (`/32` for one address)",
    )?;
    if whole.is_everything() {
        anywhere(d, at, block, "every address");
    }
    let mut cut = Vec::new();
    for (i, e) in except.iter().enumerate() {
        let path = format!("{at}.except[{i}]");
        let Some(inner) = check::ok(
            d,
            &codes::E0185,
            &path,
            e,
            cidr::parse_cidr(&e.v),
            "write an address block inside `cidr`",
        ) else {
            continue;
        };
        if !whole.strictly_contains(&inner) {
            d.push(
                Diagnostic::new(
                    &codes::E0185,
                    format!("`{path}` is `{}`, which is not inside `{}`", e.v, block.v),
                )
                .at(e.span, "outside the block")
                .also(block.span, "the block")
                .help("an exception is a smaller block inside `cidr`: the API server refuses any other"),
            );
            continue;
        }
        cut.push(e.v.clone());
    }
    Some(Peer::Addresses {
        cidr: block.v.clone(),
        except: cut,
    })
}

/// W0043: a caller that admits every namespace or every address.
fn anywhere(d: &mut Diagnostics, at: &str, sp: &Sp<String>, what: &str) {
    d.push(
        Diagnostic::new(
            &codes::W0043,
            format!("`{at}` admits {what} to the server"),
        )
        .at(sp.span, what.to_string())
        .help("name the callers: a namespace, an app, pods by `labels`, or the clients' address blocks"),
    );
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::testing::{DIGEST, documents};

    /// The `from` peers of each rule of the `api` server's policy, for these `callers`.
    fn peers(callers: &str) -> Vec<Value> {
        let spec = format!(
            "[app]\nname = \"shop\"\nnamespace = \"web\"\n\n[servers.web]\nimage = \"x/web:1{DIGEST}\"\nscaling = {{ replicas = 2 }}\n\n[servers.api]\nimage = \"x/api:1{DIGEST}\"\nports = [{{ name = \"http\", port = 8000 }}, {{ name = \"grpc\", port = 9000 }}]\nscaling = {{ replicas = 2 }}\ncallers = [{callers}]\n"
        );
        let docs = documents(&spec);
        let np = docs
            .iter()
            .find(|d| d["kind"] == "NetworkPolicy" && d["metadata"]["name"] == "shop-api")
            .expect("the api's policy");
        np["spec"]["ingress"]
            .as_array()
            .expect("rules")
            .iter()
            .skip(1)
            .map(|r| json!({"from": r["from"][0], "ports": r["ports"]}))
            .collect()
    }

    #[test]
    fn each_caller_is_one_peer_on_its_ports() {
        let got = peers(
            "{ server = \"web\", ports = [\"grpc\"] }, { app = \"ui\", namespace = \"web\" }, { app = \"evals\", namespace = \"qa\" }, { labels = { role = \"tester\" } }, { namespace = \"chat\", labels = { app = \"ui\" } }, { cidr = \"10.0.0.0/16\", except = [\"10.0.9.0/24\"] }",
        );
        let tcp = |p: i64| json!({"port": p, "protocol": "TCP"});
        let all = json!([tcp(8000), tcp(9000)]);
        let ns = |n: &str| json!({"matchLabels": {"kubernetes.io/metadata.name": n}});
        assert_eq!(
            got,
            [
                json!({"from": {"podSelector": {"matchLabels": {"app.kubernetes.io/instance": "shop", "app.kubernetes.io/name": "shop-web"}}}, "ports": [tcp(9000)]}),
                // The app's own namespace needs no namespace selector.
                json!({"from": {"podSelector": {"matchLabels": {"app.kubernetes.io/instance": "ui"}}}, "ports": all}),
                json!({"from": {"namespaceSelector": ns("qa"), "podSelector": {"matchLabels": {"app.kubernetes.io/instance": "evals"}}}, "ports": all}),
                json!({"from": {"podSelector": {"matchLabels": {"role": "tester"}}}, "ports": all}),
                json!({"from": {"namespaceSelector": ns("chat"), "podSelector": {"matchLabels": {"app": "ui"}}}, "ports": all}),
                json!({"from": {"ipBlock": {"cidr": "10.0.0.0/16", "except": ["10.0.9.0/24"]}}, "ports": all}),
            ]
        );
    }

    #[test]
    fn a_namespace_alone_and_every_namespace() {
        let got = peers("{ namespace = \"chat\" }, { namespace = \"*\", ports = [\"http\"] }");
        assert_eq!(
            got[0]["from"],
            json!({"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "chat"}}})
        );
        assert_eq!(got[1]["from"], json!({"namespaceSelector": {}}));
    }
}
