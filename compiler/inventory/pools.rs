//! The short TOML pool format: `[[pool]]` tables, each expanded into `count` identical nodes.
//!
//! ```toml
//! provider = "generic"        # or "gke", "eks", "aks": stdlib/providers.toml
//! [[pool]]
//! name = "gpu-l4"             # nodes are named gpu-l4-0, gpu-l4-1, …
//! count = 2                   # default 1
//! cpu = "47"                  # allocatable, not capacity (required)
//! memory = "180Gi"            # required
//! ephemeral_storage = "100Gi" # optional; without it, pods' ephemeral-storage is not limited
//! pods = 110                  # default 110
//! accelerator = "nvidia-l4"   # stdlib name: adds its node labels and (unless `taints`) its taints
//! gpus = 4                    # devices of the accelerator's resource; default its max_per_node
//! mig = { "1g.10gb" = 7 }     # MIG devices per node instead of whole GPUs
//! topology = "4x4"            # TPUs: the slice the nodes form; adds the topology label, and
//!                             # `gpus` defaults to the chips of one host of that slice (the
//!                             # fewest hosts); the host's machine type labels the nodes
//! zones = ["us-central1-a"]   # nodes go round-robin over the zones
//! labels = { team = "ml" }
//! taints = ["nvidia.com/gpu=present:NoSchedule"]
//! unschedulable = false
//! ```
//!
//! Every node carries `kubernetes.io/hostname`, `kubernetes.io/os=linux`, `mlspec.dev/pool` (the
//! pool name) and, with zones, `topology.kubernetes.io/zone`. A provider adds its pool label
//! (`cloud.google.com/gke-nodepool` on GKE) and its own labels on accelerator nodes
//! (`cloud.google.com/gke-accelerator`), beside the accelerator's feature-discovery ones (as on
//! a cluster that also runs the GPU operator), so specs for either convention place.

use std::collections::BTreeMap;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::{HOSTNAME_LABEL, Inventory, Node, POOL_LABEL, Taint, ZONE_LABEL, quantity_units};
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::source::{SourceFile, Span};
use crate::stdlib::{Catalog, DEFAULT_PROVIDER, Provider};

/// Allocatable of a resource a pool leaves unsaid: more than any request can add up to.
const UNLIMITED: i64 = i64::MAX / 4;

const POOL_KEYS: &[&str] = &[
    "name",
    "count",
    "cpu",
    "memory",
    "ephemeral_storage",
    "pods",
    "accelerator",
    "gpus",
    "mig",
    "topology",
    "zones",
    "labels",
    "taints",
    "unschedulable",
];

/// The most nodes one pool may expand into: the inventory's limit.
const MAX_POOL_NODES: i64 = super::MAX_NODES as i64;

type Val<'a> = Spanned<DeValue<'a>>;

fn span(v: &Val<'_>) -> Span {
    let r = v.span();
    Span::new(r.start, r.end)
}

fn err(code: &'static crate::diagnostics::Code, msg: String, at: Span, help: &str) -> Diagnostic {
    Diagnostic::new(code, msg).at(at, "here").help(help)
}

/// Read a TOML pool file.
pub fn parse(source: &SourceFile, catalog: &Catalog) -> (Option<Inventory>, Diagnostics) {
    let mut diags = Diagnostics::default();
    let root = match DeTable::parse(&source.text) {
        Ok(t) => t,
        Err(e) => {
            let at = e.span().map_or(Span::file_start(), Span::from);
            diags.push(err(
                &codes::E0001,
                format!("the inventory is not valid TOML: {}", e.message()),
                source.clamp(at),
                "fix the TOML syntax",
            ));
            return (None, diags);
        }
    };
    let mut provider = catalog.provider(DEFAULT_PROVIDER);
    let mut pools = None;
    for (key, value) in root.get_ref() {
        match key.get_ref().as_ref() {
            "provider" => match value.get_ref() {
                DeValue::String(s) if catalog.provider(s).is_some() => {
                    provider = catalog.provider(s);
                }
                _ => diags.push(err(
                    &codes::E0204,
                    format!("the catalog has no provider `{}`", show(value)),
                    span(value),
                    &format!(
                        "use one of {} (`mlspec stdlib list`), or describe yours in a user catalog's providers.toml",
                        catalog.providers.keys().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", ")
                    ),
                )),
            },
            "pool" => pools = Some(value),
            other => diags.push(unknown(other, key.span(), &["provider", "pool"])),
        }
    }
    let mut nodes = Vec::new();
    // Per node, the pool name it was expanded from: where a duplicate name is reported.
    let mut origins = Vec::new();
    match pools.map(|p| p.get_ref()) {
        Some(DeValue::Array(items)) => {
            for item in items.iter() {
                match item.get_ref() {
                    DeValue::Table(t) => {
                        pool(t, span(item), provider, catalog, &mut nodes, &mut diags);
                        let at = t.get("name").map_or(span(item), span);
                        origins.resize(nodes.len(), at);
                    }
                    _ => diags.push(err(
                        &codes::E0003,
                        "each `pool` must be a table".into(),
                        span(item),
                        "write pools as `[[pool]]` tables",
                    )),
                }
            }
        }
        _ => diags.push(err(
            &codes::E0004,
            "the inventory has no `[[pool]]`".into(),
            source.head(),
            "add a `[[pool]]` table with name, count, cpu and memory",
        )),
    }
    check_duplicates(&nodes, &mut diags, |i| origins[i]);
    (Some(Inventory { nodes }), diags)
}

fn unknown(key: &str, at: std::ops::Range<usize>, known: &[&str]) -> Diagnostic {
    let near = known
        .iter()
        .find(|k| k.starts_with(&key[..key.len().min(3)]))
        .map_or(String::new(), |k| format!("did you mean `{k}`? "));
    Diagnostic::new(&codes::E0201, format!("unknown inventory key `{key}`"))
        .at(Span::from(at), "unknown key")
        .help(format!("{near}known keys: {}", known.join(", ")))
}

fn show(v: &Val<'_>) -> String {
    match v.get_ref() {
        DeValue::String(s) => s.to_string(),
        DeValue::Integer(i) => i.as_str().to_string(),
        DeValue::Float(f) => f.as_str().to_string(),
        DeValue::Boolean(b) => b.to_string(),
        _ => "…".to_string(),
    }
}

/// A TPU pool's `topology`: adds the topology label and gives the chips of one of its hosts.
fn tpu_topology(
    v: &Val<'_>,
    acc_name: &str,
    acc: &crate::stdlib::Accelerator,
    labels: &mut BTreeMap<String, String>,
    diags: &mut Diagnostics,
) -> Option<i64> {
    let t = string(v, "topology", diags)?;
    match (acc.slice(&t), &acc.topology_label) {
        (Some(slice), Some(label)) => {
            labels.insert(label.clone(), t);
            Some(slice.chips_per_pod)
        }
        _ => {
            let offered: Vec<&str> = acc
                .all_topologies()
                .into_iter()
                .map(String::as_str)
                .collect();
            diags.push(err(
                &codes::E0129,
                format!("`{acc_name}` offers no topology `{t}`"),
                span(v),
                &if offered.is_empty() {
                    "only TPUs have a topology; drop `topology`".to_string()
                } else {
                    format!("topologies of `{acc_name}`: {}", offered.join(", "))
                },
            ));
            None
        }
    }
}

fn string(v: &Val<'_>, key: &str, diags: &mut Diagnostics) -> Option<String> {
    match v.get_ref() {
        DeValue::String(s) => Some(s.to_string()),
        DeValue::Integer(i) => Some(i.as_str().replace('_', "")),
        DeValue::Float(f) => Some(f.as_str().replace('_', "")),
        _ => {
            diags.push(err(
                &codes::E0003,
                format!("`{key}` must be a string, found `{}`", show(v)),
                span(v),
                "write quantities and names as strings, like \"8Gi\"",
            ));
            None
        }
    }
}

fn integer(v: &Val<'_>, key: &str, diags: &mut Diagnostics) -> Option<i64> {
    let n = match v.get_ref() {
        DeValue::Integer(i) => i64::from_str_radix(&i.as_str().replace('_', ""), i.radix()).ok(),
        _ => None,
    };
    match n {
        Some(n) if (0..=MAX_POOL_NODES).contains(&n) => Some(n),
        _ => {
            diags.push(err(
                &codes::E0113,
                format!(
                    "`{key}` must be a whole number from 0 to {MAX_POOL_NODES}, found `{}`",
                    show(v)
                ),
                span(v),
                "write a count like `count = 3`",
            ));
            None
        }
    }
}

fn quantity(v: &Val<'_>, key: &str, resource: &str, diags: &mut Diagnostics) -> Option<i64> {
    let text = string(v, key, diags)?;
    match quantity_units(resource, &text) {
        Ok(n) => Some(n),
        Err(e) => {
            diags.push(err(
                &codes::E0104,
                format!("invalid `{key}`: {e}"),
                span(v),
                "write a Kubernetes quantity such as \"47\", \"3500m\" or \"180Gi\"",
            ));
            None
        }
    }
}

fn strings(v: &Val<'_>, key: &str, diags: &mut Diagnostics) -> Vec<(String, Span)> {
    match v.get_ref() {
        DeValue::Array(items) => items
            .iter()
            .filter_map(|i| string(i, key, diags).map(|s| (s, span(i))))
            .collect(),
        _ => {
            diags.push(err(
                &codes::E0003,
                format!("`{key}` must be a list of strings"),
                span(v),
                "write a list like [\"a\", \"b\"]",
            ));
            Vec::new()
        }
    }
}

#[allow(clippy::too_many_lines)]
fn pool(
    t: &DeTable<'_>,
    at: Span,
    provider: Option<&Provider>,
    catalog: &Catalog,
    nodes: &mut Vec<Node>,
    diags: &mut Diagnostics,
) {
    let before = diags.error_count();
    let get = |k: &str| t.get(k);
    for (key, _) in t.iter() {
        if !POOL_KEYS.contains(&key.get_ref().as_ref()) {
            diags.push(unknown(key.get_ref(), key.span(), POOL_KEYS));
        }
    }
    let name = get("name").and_then(|v| string(v, "name", diags));
    let count = get("count").map_or(Some(1), |v| integer(v, "count", diags));
    let mut alloc = BTreeMap::new();
    for (key, resource, required) in [
        ("cpu", "cpu", true),
        ("memory", "memory", true),
        ("ephemeral_storage", "ephemeral-storage", false),
    ] {
        match get(key) {
            Some(v) => {
                if let Some(n) = quantity(v, key, resource, diags) {
                    alloc.insert(resource.to_string(), n);
                }
            }
            None if required => diags.push(err(
                &codes::E0004,
                format!("a pool has no `{key}`"),
                at,
                "give the allocatable amount, like cpu = \"47\"",
            )),
            // Every real node reports ephemeral storage; a pool that does not say is one whose
            // disk the user does not want modelled, so no pod is refused for it.
            None => {
                alloc.insert(resource.to_string(), UNLIMITED);
            }
        }
    }
    let pods = get("pods").map_or(Some(110), |v| integer(v, "pods", diags));
    alloc.insert("pods".to_string(), pods.unwrap_or(110));
    let mut labels = BTreeMap::from([("kubernetes.io/os".to_string(), "linux".to_string())]);
    let mut taints = Vec::new();
    if let Some(v) = get("accelerator") {
        let acc_name = string(v, "accelerator", diags).unwrap_or_default();
        match catalog.accelerator(&acc_name) {
            None => diags.push(err(
                &codes::E0111,
                format!("unknown accelerator `{acc_name}`"),
                span(v),
                "use a name from stdlib/accelerators.toml, such as nvidia-l4",
            )),
            Some(acc) => {
                // The accelerator's own labels (unless the provider's nodes carry none) and the
                // provider's beside them; the provider's taints with the accelerator's.
                if provider.is_none_or(|p| p.accelerator_labels != Some(false)) {
                    labels.extend(acc.node_selector.clone());
                }
                let acc = &provider.map_or_else(|| acc.clone(), |p| p.accelerator(&acc_name, acc));
                labels.extend(acc.node_selector.clone());
                for tol in &acc.tolerations {
                    if let Ok(taint) = Taint::parse(tol) {
                        taints.push(taint);
                    }
                }
                if let Some(mig) = get("mig") {
                    match mig.get_ref() {
                        DeValue::Table(m) => {
                            for (profile, n) in m.iter() {
                                if !acc.mig.iter().any(|p| p == profile.get_ref().as_ref()) {
                                    diags.push(err(&codes::E0120, format!("`{acc_name}` has no MIG profile `{}`", profile.get_ref()), Span::from(profile.span()), "use a profile listed for the accelerator in stdlib/accelerators.toml"));
                                } else if let Some(n) = integer(n, "mig", diags) {
                                    alloc.insert(acc.mig_resource(profile.get_ref()), n);
                                }
                            }
                        }
                        _ => diags.push(err(
                            &codes::E0003,
                            "`mig` must be a table of profile = count".into(),
                            span(mig),
                            "write mig = { \"1g.10gb\" = 7 }",
                        )),
                    }
                } else {
                    let per_node = match get("topology") {
                        Some(v) => tpu_topology(v, &acc_name, acc, &mut labels, diags),
                        None => Some(i64::from(acc.max_per_node)),
                    };
                    let gpus = get("gpus").map_or(per_node, |v| integer(v, "gpus", diags));
                    alloc.insert(acc.resource.clone(), gpus.unwrap_or(0));
                    // A TPU host is of the machine type with its chips that forms the topology.
                    let topology = acc
                        .topology_label
                        .as_ref()
                        .and_then(|l| labels.get(l))
                        .cloned();
                    let machine = topology.and_then(|t| {
                        acc.shapes(&t)
                            .into_iter()
                            .find(|(s, _)| Some(s.chips_per_pod) == gpus)
                            .map(|(_, h)| h.machine.clone())
                    });
                    if let (Some(m), Some(l)) = (machine, &acc.machine_label) {
                        labels.insert(l.clone(), m);
                    }
                }
            }
        }
    } else if let Some(v) = get("topology") {
        diags.push(err(
            &codes::E0129,
            "a pool with a `topology` has no `accelerator`".into(),
            span(v),
            "name the TPU type, like accelerator = \"tpu-v5e\"",
        ));
    } else if let Some(v) = get("gpus").or_else(|| get("mig")) {
        diags.push(err(
            &codes::E0119,
            "a pool with devices has no `accelerator`".into(),
            span(v),
            "name the accelerator, like accelerator = \"nvidia-l4\"",
        ));
    }
    if let Some(v) = get("labels") {
        match v.get_ref() {
            DeValue::Table(m) => {
                for (k, val) in m.iter() {
                    if let Some(s) = string(val, "labels", diags) {
                        labels.insert(k.get_ref().to_string(), s);
                    }
                }
            }
            _ => diags.push(err(
                &codes::E0003,
                "`labels` must be a table".into(),
                span(v),
                "write labels = { team = \"ml\" }",
            )),
        }
    }
    if let Some(v) = get("taints") {
        taints.clear();
        for (text, at) in strings(v, "taints", diags) {
            match Taint::parse(&text) {
                Ok(taint) => taints.push(taint),
                Err(e) => diags.push(err(
                    &codes::E0127,
                    format!("taint `{text}` does not parse: {e}"),
                    at,
                    "write a taint as key[=value]:NoSchedule",
                )),
            }
        }
    }
    let zones = get("zones")
        .map(|v| strings(v, "zones", diags))
        .unwrap_or_default();
    let unschedulable = match get("unschedulable").map(|v| v.get_ref()) {
        Some(DeValue::Boolean(b)) => *b,
        _ => false,
    };
    let missing_name = name.is_none() && get("name").is_none();
    let (Some(name), Some(count)) = (name, count) else {
        if missing_name {
            diags.push(err(
                &codes::E0004,
                "a pool has no `name`".into(),
                at,
                "name the pool, like name = \"gpu-l4\"",
            ));
        }
        return;
    };
    if diags.error_count() > before {
        return;
    }
    let total = nodes
        .len()
        .saturating_add(usize::try_from(count).unwrap_or(usize::MAX));
    if total > super::MAX_NODES {
        diags.push(err(
            &codes::E0009,
            format!(
                "this pool brings the inventory to {total} nodes, over mlspec's limit of {}",
                super::MAX_NODES
            ),
            get("count").map_or(at, span),
            super::TOO_MANY_NODES_HELP,
        ));
        return;
    }
    if let Some(pool_label) = provider.and_then(|p| p.pool_label.as_ref()) {
        labels.insert(pool_label.clone(), name.clone());
    }
    labels.insert(POOL_LABEL.into(), name.clone());
    for i in 0..count {
        let node_name = format!("{name}-{i}");
        let mut labels = labels.clone();
        labels.insert(HOSTNAME_LABEL.into(), node_name.clone());
        if !zones.is_empty() {
            let zone = &zones[usize::try_from(i).unwrap_or(0) % zones.len()].0;
            labels.insert(ZONE_LABEL.into(), zone.clone());
        }
        nodes.push(Node {
            name: node_name,
            labels,
            taints: taints.clone(),
            allocatable: alloc.clone(),
            unschedulable,
            images: Vec::new(),
        });
    }
}

/// Two nodes with one name would make every per-node figure ambiguous.
/// Report every node whose name an earlier node already has, at `at(index)`, pointing back at
/// the first one.
pub(crate) fn check_duplicates(
    nodes: &[Node],
    diags: &mut Diagnostics,
    at: impl Fn(usize) -> Span,
) {
    let mut seen = std::collections::BTreeMap::new();
    for (i, n) in nodes.iter().enumerate() {
        if let Some(&first) = seen.get(n.name.as_str()) {
            let mut d = err(
                &codes::E0203,
                format!("two nodes are named `{}`", n.name),
                at(i),
                "give every node (and pool) a distinct name",
            );
            if at(first) != at(i) {
                d = d.also(at(first), "the first one comes from here");
            }
            diags.push(d);
        } else {
            seen.insert(n.name.as_str(), i);
        }
    }
}
