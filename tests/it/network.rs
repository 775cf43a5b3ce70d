//! NetworkPolicies evaluated as the API server's semantics define them, against what the spec
//! declares.
//!
//! `allowed` restates `networking.k8s.io/v1` semantics from the Kubernetes documentation
//! ("Network Policies") with no mlspec code: a pod selected by any policy of type Ingress
//! admits only what some rule of such a policy allows (policies add up; a pod no policy selects
//! admits everything); an empty podSelector selects every pod of the policy's namespace; a rule
//! without `from` admits every source and one without `ports` every port; a peer is a
//! podSelector (pods of the policy's namespace), a namespaceSelector (every pod of those
//! namespaces), both (those pods of those namespaces), or an ipBlock (addresses in `cidr` but not
//! in `except`); a port is a number, a name resolved against the destination pod's container
//! ports, or absent (every port of the protocol), TCP unless said.
//!
//! Where Kubernetes leaves it to the network plugin whether an ipBlock matches a pod's address,
//! this evaluator says it does (as Calico and Cilium do): the stricter reading for a policy that
//! admits address blocks.
//!
//! For every example, every pod template and a set of outside sources (pods of other namespaces
//! and apps, internet, VPC and Google front-end addresses) are tried against every container
//! port of every pod template and one port none has: a connection is allowed if and only if a
//! flow of the app's traffic model (`App::flows`, what its spec declares) admits it. The four
//! traffic examples also list their expected connections by hand.

use std::collections::BTreeMap;
use std::net::IpAddr;

use mlspec::app::{App, Flow, Peer, Scope};
use mlspec::source::SourceFile;
use serde_json::{Value, json};

use crate::support::{catalog, examples, labels, root};

// ---------------------------------------------------------------------------------------------
// The evaluator.

/// A connection's source: a pod (its namespace, the namespace's labels, its labels, its address)
/// or an address outside the cluster.
#[derive(Debug, Clone)]
pub struct Source {
    pub name: String,
    pub pod: Option<PodRef>,
    pub ip: IpAddr,
}

#[derive(Debug, Clone)]
pub struct PodRef {
    pub namespace: String,
    pub namespace_labels: BTreeMap<String, String>,
    pub labels: BTreeMap<String, String>,
}

/// A connection's destination: a pod and the ports its containers declare (name, number,
/// protocol).
#[derive(Debug, Clone)]
pub struct Dest {
    pub name: String,
    pub namespace: String,
    pub labels: BTreeMap<String, String>,
    pub ports: Vec<(String, i64, String)>,
}

/// A LabelSelector: every matchLabels pair and every matchExpressions requirement holds (an
/// empty selector selects everything).
pub fn selects(selector: &Value, pod_labels: &BTreeMap<String, String>) -> bool {
    let match_labels = labels(selector.get("matchLabels"));
    if !match_labels
        .iter()
        .all(|(k, v)| pod_labels.get(k) == Some(v))
    {
        return false;
    }
    let expressions = selector
        .get("matchExpressions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    expressions.iter().all(|e| {
        let key = e["key"].as_str().unwrap_or_default();
        let values: Vec<&str> = e["values"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let have = pod_labels.get(key).map(String::as_str);
        match e["operator"].as_str().unwrap_or_default() {
            "In" => have.is_some_and(|h| values.contains(&h)),
            "NotIn" => have.is_none_or(|h| !values.contains(&h)),
            "Exists" => have.is_some(),
            "DoesNotExist" => have.is_none(),
            other => panic!("unknown selector operator {other}"),
        }
    })
}

/// Whether `ip` lies in `cidr` (`a.b.c.d/n` or an IPv6 block), by the address bits alone.
fn in_block(cidr: &str, ip: IpAddr) -> bool {
    let (addr, prefix) = cidr.split_once('/').expect("a CIDR block");
    let addr: IpAddr = addr.parse().expect("an address");
    let prefix: u32 = prefix.parse().expect("a prefix");
    let (a, b, width) = match (addr, ip) {
        (IpAddr::V4(a), IpAddr::V4(b)) => (u128::from(u32::from(a)), u128::from(u32::from(b)), 32),
        (IpAddr::V6(a), IpAddr::V6(b)) => (u128::from(a), u128::from(b), 128),
        _ => return false,
    };
    prefix == 0 || (a >> (width - prefix)) == (b >> (width - prefix))
}

fn peer_matches(peer: &Value, policy_ns: &str, src: &Source) -> bool {
    if let Some(block) = peer.get("ipBlock") {
        let cidr = block["cidr"].as_str().expect("cidr");
        let except = block["except"].as_array().cloned().unwrap_or_default();
        return in_block(cidr, src.ip)
            && !except
                .iter()
                .any(|e| in_block(e.as_str().expect("except"), src.ip));
    }
    let Some(pod) = &src.pod else {
        // Selectors pick pods; an address outside the cluster is matched by ipBlock only.
        return false;
    };
    let pods = peer.get("podSelector");
    let namespaces = peer.get("namespaceSelector");
    let ns_ok = match namespaces {
        Some(sel) => selects(sel, &pod.namespace_labels),
        None => pod.namespace == policy_ns,
    };
    let pod_ok = pods.is_none_or(|sel| selects(sel, &pod.labels));
    ns_ok && pod_ok && (pods.is_some() || namespaces.is_some())
}

fn port_matches(p: &Value, dest: &Dest, port: i64) -> bool {
    let protocol = p["protocol"].as_str().unwrap_or("TCP");
    if protocol != "TCP" {
        return false;
    }
    match &p["port"] {
        Value::Null => true,
        Value::Number(n) => {
            let lo = n.as_i64().expect("a port number");
            let hi = p["endPort"].as_i64().unwrap_or(lo);
            (lo..=hi).contains(&port)
        }
        Value::String(name) => dest
            .ports
            .iter()
            .any(|(n, num, proto)| n == name && *num == port && proto == protocol),
        other => panic!("a port is a number or a name, found {other}"),
    }
}

/// Whether `policies` (every NetworkPolicy of a cluster, as JSON) let `src` connect to `dest` on
/// TCP `port`.
pub fn allowed(policies: &[Value], dest: &Dest, src: &Source, port: i64) -> bool {
    let selecting: Vec<&Value> = policies
        .iter()
        .filter(|p| p["metadata"]["namespace"].as_str() == Some(dest.namespace.as_str()))
        .filter(|p| {
            let spec = &p["spec"];
            let types: Vec<&str> = spec["policyTypes"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_else(|| vec!["Ingress"]);
            types.contains(&"Ingress")
                && selects(spec.get("podSelector").unwrap_or(&json!({})), &dest.labels)
        })
        .collect();
    if selecting.is_empty() {
        return true;
    }
    selecting.iter().any(|p| {
        let ns = p["metadata"]["namespace"].as_str().unwrap_or_default();
        p["spec"]["ingress"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|rule| {
                let from_ok = match rule.get("from").and_then(Value::as_array) {
                    None => true,
                    Some(peers) if peers.is_empty() => true,
                    Some(peers) => peers.iter().any(|peer| peer_matches(peer, ns, src)),
                };
                let ports_ok = match rule.get("ports").and_then(Value::as_array) {
                    None => true,
                    Some(ports) if ports.is_empty() => true,
                    Some(ports) => ports.iter().any(|p| port_matches(p, dest, port)),
                };
                from_ok && ports_ok
            })
    })
}

// ---------------------------------------------------------------------------------------------
// Unit cases, one per rule.

fn ns_labels(ns: &str) -> BTreeMap<String, String> {
    BTreeMap::from([("kubernetes.io/metadata.name".to_string(), ns.to_string())])
}

fn pod(name: &str, ns: &str, labels: &[(&str, &str)], ip: &str) -> Source {
    Source {
        name: name.into(),
        pod: Some(PodRef {
            namespace: ns.into(),
            namespace_labels: ns_labels(ns),
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }),
        ip: ip.parse().expect("ip"),
    }
}

fn outside(ip: &str) -> Source {
    Source {
        name: ip.into(),
        pod: None,
        ip: ip.parse().expect("ip"),
    }
}

fn api() -> Dest {
    Dest {
        name: "api".into(),
        namespace: "shop".into(),
        labels: BTreeMap::from([("app".to_string(), "api".to_string())]),
        ports: vec![
            ("http".into(), 8080, "TCP".into()),
            ("metrics".into(), 9090, "TCP".into()),
        ],
    }
}

fn policy(spec: Value) -> Value {
    json!({"kind": "NetworkPolicy", "metadata": {"name": "p", "namespace": "shop"}, "spec": spec})
}

#[test]
fn a_pod_no_policy_selects_admits_everything_and_one_selected_only_what_a_rule_allows() {
    let web = pod("web", "shop", &[("app", "web")], "10.8.0.2");
    let other = policy(json!({"podSelector": {"matchLabels": {"app": "db"}}}));
    assert!(allowed(std::slice::from_ref(&other), &api(), &web, 8080));
    let deny =
        policy(json!({"podSelector": {"matchLabels": {"app": "api"}}, "policyTypes": ["Ingress"]}));
    assert!(!allowed(&[other, deny.clone()], &api(), &web, 8080));
    // Policies add up: a second policy's rule allows what the first does not.
    let allow = policy(
        json!({"podSelector": {}, "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "web"}}}]}]}),
    );
    assert!(allowed(&[deny.clone(), allow], &api(), &web, 8080));
    // An Egress-only policy does not isolate ingress.
    let egress = policy(json!({"podSelector": {}, "policyTypes": ["Egress"]}));
    assert!(allowed(&[egress], &api(), &web, 8080));
    // Without policyTypes, a policy is of type Ingress.
    let untyped = policy(json!({"podSelector": {}}));
    assert!(!allowed(&[untyped], &api(), &web, 8080));
}

#[test]
fn empty_selectors_select_everything_in_their_scope() {
    let web = pod("web", "shop", &[("app", "web")], "10.8.0.2");
    let stranger = pod("x", "elsewhere", &[("app", "web")], "10.8.1.2");
    let same_ns = policy(json!({"podSelector": {}, "ingress": [{"from": [{"podSelector": {}}]}]}));
    assert!(allowed(std::slice::from_ref(&same_ns), &api(), &web, 8080));
    assert!(!allowed(&[same_ns], &api(), &stranger, 8080));
    let every_ns =
        policy(json!({"podSelector": {}, "ingress": [{"from": [{"namespaceSelector": {}}]}]}));
    assert!(allowed(
        std::slice::from_ref(&every_ns),
        &api(),
        &stranger,
        8080
    ));
    assert!(!allowed(&[every_ns], &api(), &outside("8.8.8.8"), 8080));
    let anyone = policy(json!({"podSelector": {}, "ingress": [{}]}));
    assert!(allowed(
        std::slice::from_ref(&anyone),
        &api(),
        &outside("8.8.8.8"),
        1
    ));
    let nobody = policy(json!({"podSelector": {}, "ingress": []}));
    assert!(!allowed(&[nobody], &api(), &web, 8080));
}

#[test]
fn a_namespace_and_a_pod_selector_together_select_those_pods_of_those_namespaces() {
    let peer = json!({"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}},
                      "podSelector": {"matchLabels": {"app": "prometheus"}}});
    let both = policy(json!({"podSelector": {}, "ingress": [{"from": [peer]}]}));
    let prom = pod("prom", "monitoring", &[("app", "prometheus")], "10.8.2.2");
    let grafana = pod("grafana", "monitoring", &[("app", "grafana")], "10.8.2.3");
    let prom_here = pod("prom", "shop", &[("app", "prometheus")], "10.8.0.3");
    assert!(allowed(std::slice::from_ref(&both), &api(), &prom, 8080));
    assert!(!allowed(
        std::slice::from_ref(&both),
        &api(),
        &grafana,
        8080
    ));
    assert!(!allowed(&[both], &api(), &prom_here, 8080));
    // As two peers of one rule, they are either, not both.
    let either = policy(json!({"podSelector": {}, "ingress": [{"from": [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}},
        {"podSelector": {"matchLabels": {"app": "prometheus"}}}]}]}));
    assert!(allowed(
        std::slice::from_ref(&either),
        &api(),
        &grafana,
        8080
    ));
    assert!(allowed(&[either], &api(), &prom_here, 8080));
}

#[test]
fn match_expressions_narrow_a_selector() {
    let not_db = policy(
        json!({"podSelector": {}, "ingress": [{"from": [{"podSelector": {
        "matchLabels": {"tier": "app"},
        "matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["db", "cache"]}]}}]}]}),
    );
    let web = pod(
        "web",
        "shop",
        &[("tier", "app"), ("app", "web")],
        "10.8.0.2",
    );
    let db = pod("db", "shop", &[("tier", "app"), ("app", "db")], "10.8.0.4");
    let unnamed = pod("job", "shop", &[("tier", "app")], "10.8.0.5");
    assert!(allowed(std::slice::from_ref(&not_db), &api(), &web, 8080));
    assert!(!allowed(std::slice::from_ref(&not_db), &api(), &db, 8080));
    assert!(allowed(&[not_db], &api(), &unnamed, 8080));
    let exists = json!({"matchExpressions": [{"key": "app", "operator": "Exists"}]});
    assert!(selects(
        &exists,
        &BTreeMap::from([("app".into(), "x".into())])
    ));
    assert!(!selects(&exists, &BTreeMap::new()));
}

#[test]
fn an_ip_block_admits_its_addresses_but_the_exceptions() {
    let vpc = policy(
        json!({"podSelector": {}, "ingress": [{"from": [{"ipBlock": {
        "cidr": "10.0.0.0/16", "except": ["10.0.1.0/24"]}}]}]}),
    );
    assert!(allowed(
        std::slice::from_ref(&vpc),
        &api(),
        &outside("10.0.5.5"),
        8080
    ));
    assert!(!allowed(
        std::slice::from_ref(&vpc),
        &api(),
        &outside("10.0.1.5"),
        8080
    ));
    assert!(!allowed(
        std::slice::from_ref(&vpc),
        &api(),
        &outside("10.1.0.1"),
        8080
    ));
    // The stricter reading: a pod whose address is in the block is admitted too.
    assert!(allowed(
        &[vpc],
        &api(),
        &pod("p", "x", &[], "10.0.7.7"),
        8080
    ));
    let v6 =
        policy(json!({"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": "::/0"}}]}]}));
    assert!(allowed(
        std::slice::from_ref(&v6),
        &api(),
        &outside("2001:db8::1"),
        8080
    ));
    assert!(!allowed(&[v6], &api(), &outside("8.8.8.8"), 8080));
}

#[test]
fn ports_match_by_number_range_and_name_and_protocol() {
    let web = pod("web", "shop", &[("app", "web")], "10.8.0.2");
    let rule = |ports: Value| policy(json!({"podSelector": {}, "ingress": [{"ports": ports}]}));
    let by_number = rule(json!([{"port": 8080, "protocol": "TCP"}]));
    assert!(allowed(
        std::slice::from_ref(&by_number),
        &api(),
        &web,
        8080
    ));
    assert!(!allowed(&[by_number], &api(), &web, 9090));
    let by_name = rule(json!([{"port": "metrics"}]));
    assert!(allowed(std::slice::from_ref(&by_name), &api(), &web, 9090));
    assert!(!allowed(std::slice::from_ref(&by_name), &api(), &web, 8080));
    let mut elsewhere = api();
    elsewhere.ports = vec![("metrics".into(), 9100, "TCP".into())];
    assert!(allowed(
        std::slice::from_ref(&by_name),
        &elsewhere,
        &web,
        9100
    ));
    assert!(!allowed(&[by_name], &elsewhere, &web, 9090));
    let range = rule(json!([{"port": 8000, "endPort": 8100}]));
    assert!(allowed(std::slice::from_ref(&range), &api(), &web, 8080));
    assert!(!allowed(&[range], &api(), &web, 9090));
    let udp = rule(json!([{"port": 8080, "protocol": "UDP"}]));
    assert!(!allowed(&[udp], &api(), &web, 8080));
    let any_port = rule(json!([{"protocol": "TCP"}]));
    assert!(allowed(&[any_port], &api(), &web, 12345));
}

// ---------------------------------------------------------------------------------------------
// The examples: policies against the traffic model.

/// The app a spec resolves to (its traffic model), and its generated objects as JSON.
fn app_and_docs(path: &std::path::Path) -> (App, Vec<Value>) {
    let text = std::fs::read_to_string(path).expect("readable");
    let source = SourceFile::new(path.display().to_string(), text);
    let base = catalog();
    let (spec, _) = mlspec::spec::parse(&source, None);
    let spec = spec.expect("a spec");
    let (cat, _) = mlspec::resolve::provider::catalog(&spec, &base, None);
    let (app, d) = mlspec::resolve::resolve(&spec, &cat);
    assert!(!d.has_errors(), "{}: {d:?}", path.display());
    let compiled = mlspec::compile(&source, &base, &Default::default());
    assert!(!compiled.diagnostics.has_errors(), "{}", path.display());
    (
        app.expect("an app"),
        mlspec::verify::documents(&compiled.objects),
    )
}

/// Every pod template of a bundle, as a destination and as a source (with an address of its own).
fn templates(docs: &[Value]) -> Vec<(Dest, Source)> {
    let mut out = Vec::new();
    for (i, d) in docs.iter().enumerate() {
        let template = match d["kind"].as_str() {
            Some("Deployment" | "Job") => &d["spec"]["template"],
            Some("CronJob") => &d["spec"]["jobTemplate"]["spec"]["template"],
            _ => continue,
        };
        let ns = d["metadata"]["namespace"].as_str().expect("namespaced");
        let labels = labels(template["metadata"].get("labels"));
        let name = format!(
            "{}/{}",
            d["kind"].as_str().unwrap_or("?"),
            d["metadata"]["name"].as_str().unwrap_or("?")
        );
        let ports = template["spec"]["containers"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|c| c["ports"].as_array().cloned().unwrap_or_default())
            .map(|p| {
                (
                    p["name"].as_str().unwrap_or_default().to_string(),
                    p["containerPort"].as_i64().expect("a port"),
                    p["protocol"].as_str().unwrap_or("TCP").to_string(),
                )
            })
            .collect();
        let dest = Dest {
            name: name.clone(),
            namespace: ns.into(),
            labels: labels.clone(),
            ports,
        };
        let src = Source {
            name,
            pod: Some(PodRef {
                namespace: ns.into(),
                namespace_labels: ns_labels(ns),
                labels,
            }),
            ip: format!("10.8.3.{}", i + 1).parse().expect("ip"),
        };
        out.push((dest, src));
    }
    out
}

/// Sources outside the app: pods of its own namespace and of every namespace its flows name,
/// unlabelled and labelled as the apps and labels its flows name, and outside addresses.
fn strangers(app: &App) -> Vec<Source> {
    let mut namespaces = vec![app.namespace.clone(), "elsewhere".to_string()];
    let mut labelled: Vec<BTreeMap<String, String>> = vec![BTreeMap::new()];
    for f in &app.flows {
        match &f.from {
            Peer::OtherApp { name, scope } => {
                labelled.push(BTreeMap::from([(
                    "app.kubernetes.io/instance".into(),
                    name.clone(),
                )]));
                if let Scope::Named(ns) = scope {
                    namespaces.push(ns.clone());
                }
            }
            Peer::Pods { scope, labels } => {
                labelled.push(labels.clone());
                if let Scope::Named(ns) = scope {
                    namespaces.push(ns.clone());
                }
            }
            _ => {}
        }
    }
    // A pod that claims to be the app's but is not one of its workloads (a debug pod with the
    // instance label).
    labelled.push(BTreeMap::from([
        ("app.kubernetes.io/instance".into(), app.name.clone()),
        (
            "app.kubernetes.io/name".into(),
            format!("{}-debug", app.name),
        ),
    ]));
    namespaces.sort();
    namespaces.dedup();
    let mut out = Vec::new();
    let mut n = 0;
    for ns in &namespaces {
        for l in &labelled {
            n += 1;
            let name = if l.is_empty() {
                format!("pod in {ns}")
            } else if l.get("app.kubernetes.io/instance") == Some(&app.name) && l.len() == 2 {
                format!("pod in {ns} labelled as the app's own")
            } else {
                format!("pod in {ns} labelled {l:?}")
            };
            out.push(Source {
                name,
                pod: Some(PodRef {
                    namespace: ns.clone(),
                    namespace_labels: ns_labels(ns),
                    labels: l.clone(),
                }),
                ip: format!("10.9.{}.{}", n / 200, n % 200 + 1)
                    .parse()
                    .expect("ip"),
            });
        }
    }
    for ip in [
        "203.0.113.7",
        "198.51.100.9",
        "8.8.8.8",
        "35.191.0.5",
        "130.211.0.5",
        "10.0.5.5",
        "2001:db8::1",
    ] {
        out.push(outside(ip));
    }
    out
}

/// What the traffic model declares: some flow into `dest`'s workload admits `src` on `port`.
fn declared(app: &App, dest: &Dest, src: &Source, port: i64) -> bool {
    let Some(workload) = dest.labels.get("app.kubernetes.io/name") else {
        return false;
    };
    app.flows
        .iter()
        .filter(|f| &f.to == workload)
        .filter(|f| f.ports.is_empty() || f.ports.iter().any(|p| i64::from(*p) == port))
        .any(|f| flow_admits(app, f, src))
}

fn flow_admits(app: &App, f: &Flow, src: &Source) -> bool {
    let label = |p: &PodRef, k: &str| p.labels.get(k).cloned();
    let in_scope = |p: &PodRef, scope: &Scope| match scope {
        Scope::Own => p.namespace == app.namespace,
        Scope::Named(ns) => &p.namespace == ns,
        Scope::Every => true,
    };
    match (&f.from, &src.pod) {
        (Peer::Addresses { cidr, except }, _) => {
            in_block(cidr, src.ip) && !except.iter().any(|e| in_block(e, src.ip))
        }
        (_, None) => false,
        (Peer::App { except }, Some(p)) => {
            p.namespace == app.namespace
                && label(p, "app.kubernetes.io/instance").as_deref() == Some(app.name.as_str())
                && label(p, "app.kubernetes.io/name").is_none_or(|n| !except.contains(&n))
        }
        (Peer::Workload(w), Some(p)) => {
            p.namespace == app.namespace
                && label(p, "app.kubernetes.io/instance").as_deref() == Some(app.name.as_str())
                && label(p, "app.kubernetes.io/name").as_ref() == Some(w)
        }
        (Peer::OtherApp { name, scope }, Some(p)) => {
            in_scope(p, scope) && label(p, "app.kubernetes.io/instance").as_ref() == Some(name)
        }
        (Peer::Pods { scope, labels }, Some(p)) => {
            in_scope(p, scope) && labels.iter().all(|(k, v)| p.labels.get(k) == Some(v))
        }
    }
}

/// Every (destination, source, port) the policies of one example allow, checked against the
/// model; returns the allowed connections as `source -> destination:port`.
fn connections(path: &std::path::Path) -> Vec<String> {
    let (app, docs) = app_and_docs(path);
    let policies: Vec<Value> = docs
        .iter()
        .filter(|d| d["kind"] == "NetworkPolicy")
        .cloned()
        .collect();
    let pods = templates(&docs);
    let mut sources: Vec<Source> = pods.iter().map(|(_, s)| s.clone()).collect();
    sources.extend(strangers(&app));
    let mut allowed_list = Vec::new();
    for (dest, _) in &pods {
        let mut ports: Vec<i64> = pods
            .iter()
            .flat_map(|(d, _)| d.ports.iter().map(|p| p.1))
            .collect();
        ports.push(12345);
        ports.sort_unstable();
        ports.dedup();
        for src in &sources {
            for &port in &ports {
                let by_policy = allowed(&policies, dest, src, port);
                let by_spec = declared(&app, dest, src, port);
                assert_eq!(
                    by_policy,
                    by_spec,
                    "{}: {} -> {}:{port} is {} by the NetworkPolicies but {} by the spec's flows",
                    path.display(),
                    src.name,
                    dest.name,
                    if by_policy { "allowed" } else { "refused" },
                    if by_spec { "declared" } else { "not declared" },
                );
                if by_policy {
                    allowed_list.push(format!("{} -> {}:{port}", src.name, dest.name));
                }
            }
        }
    }
    allowed_list
}

#[test]
fn every_example_admits_exactly_the_flows_its_spec_declares() {
    for path in examples() {
        connections(&path);
    }
}

fn example(name: &str) -> std::path::PathBuf {
    root().join("examples").join(name).join("app.toml")
}

/// The allowed connections of an example from its own pod templates, from a plain pod of each
/// namespace, from a pod of its namespace labelled as the app's own (as its jobs and schedules
/// are), and from outside addresses, each as `from -> to:port`. (Labelled pods of other
/// namespaces are checked against the flows by `connections` too, and left out here.)
fn summary(name: &str) -> Vec<String> {
    let (app, _) = app_and_docs(&example(name));
    let own = format!("pod in {} labelled as the app's own", app.namespace);
    let mut out: Vec<String> = connections(&example(name))
        .into_iter()
        .filter(|c| !c.starts_with("pod in ") || !c.contains(" labelled ") || c.starts_with(&own))
        .map(|c| {
            c.replace("pod in ", "")
                .replace(" labelled as the app's own", " (own-labelled)")
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

#[test]
fn fastapi_web_redis_admits_web_to_model_and_cache_and_model_to_cache_only() {
    let got = summary("fastapi-web-redis");
    let want = [
        // Each server's own replicas (the app's own pods, but its other servers).
        "Deployment/fastapi-model -> Deployment/fastapi-model:8000",
        "Deployment/fastapi-redis -> Deployment/fastapi-redis:6379",
        "Deployment/fastapi-web -> Deployment/fastapi-web:8000",
        // The source's code: web → model, web → cache, model → cache.
        "Deployment/fastapi-web -> Deployment/fastapi-model:8000",
        "Deployment/fastapi-web -> Deployment/fastapi-redis:6379",
        "Deployment/fastapi-model -> Deployment/fastapi-redis:6379",
        // The nginx ingress controller → web.
        "ingress-nginx -> Deployment/fastapi-web:8000",
        // A pod labelled as the app's own, as its jobs and schedules would be, reaches each
        // server like its replicas do.
        "fastapi (own-labelled) -> Deployment/fastapi-model:8000",
        "fastapi (own-labelled) -> Deployment/fastapi-redis:6379",
        "fastapi (own-labelled) -> Deployment/fastapi-web:8000",
    ];
    let mut want: Vec<String> = want.iter().map(|s| (*s).to_string()).collect();
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn vllm_production_stack_admits_the_chat_namespace_to_the_router_and_the_router_to_the_engine() {
    let got = summary("vllm-production-stack");
    let mut want: Vec<String> = [
        "Deployment/vllm-router -> Deployment/vllm-router:8000",
        "Deployment/vllm-llama3 -> Deployment/vllm-llama3:8000",
        "Deployment/vllm-router -> Deployment/vllm-llama3:8000",
        "chat -> Deployment/vllm-router:8000",
        // kube-prometheus-stack scrapes both through their ServiceMonitors.
        "monitoring -> Deployment/vllm-router:8000",
        "monitoring -> Deployment/vllm-llama3:8000",
        "vllm (own-labelled) -> Deployment/vllm-router:8000",
        "vllm (own-labelled) -> Deployment/vllm-llama3:8000",
    ]
    .iter()
    .map(|s| (*s).to_string())
    .collect();
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn the_load_balancers_admit_their_source_ranges_on_the_published_ports_only() {
    let got = summary("iris-loadbalancer");
    let mut want: Vec<String> = [
        "Deployment/iris -> Deployment/iris:5000",
        "203.0.113.7 -> Deployment/iris:5000",
        "198.51.100.9 -> Deployment/iris:5000",
        "iris (own-labelled) -> Deployment/iris:5000",
    ]
    .iter()
    .map(|s| (*s).to_string())
    .collect();
    want.sort();
    assert_eq!(got, want);

    let got = summary("triton-gke-loadbalancer");
    let mut want: Vec<String> = ["8000", "8001", "8002"]
        .iter()
        .flat_map(|p| {
            [
                format!("Deployment/triton -> Deployment/triton:{p}"),
                format!("203.0.113.7 -> Deployment/triton:{p}"),
                format!("triton (own-labelled) -> Deployment/triton:{p}"),
            ]
        })
        .chain(["gmp-system -> Deployment/triton:8002".to_string()])
        .collect();
    want.sort();
    assert_eq!(got, want);
}
