//! `kubectl get nodes -o json|yaml`: a List or NodeList of Nodes (or one Node) into the model.

use std::cell::OnceCell;
use std::collections::BTreeMap;

use k8s_openapi::api::core::v1 as core;

use super::{ImageNames, Inventory, Node, Taint, quantity_units};
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::place::manifests::{name_spans, read_documents, typed_value};
use crate::source::{SourceFile, Span};

/// Read every Node of a NodeList/List document; other kinds are an error (this is an inventory).
///
/// A JSON list as kubectl prints it is read item by item (`list_stream`); any other file, and
/// any file that reader does not take whole, is parsed into documents first.
pub fn parse(source: &SourceFile) -> (Option<Inventory>, Diagnostics) {
    let mut diags = Diagnostics::default();
    let streamed = {
        let mut images = ImageNames::default();
        super::list_stream::read::<core::Node, _>(&source.text, super::MAX_NODES, |n| {
            from_k8s(&n, &mut images)
        })
    };
    if let Some(nodes) = streamed {
        // Spans only place duplicate names: a file without any is never searched for them.
        let spans = OnceCell::new();
        let at = |i: usize| {
            spans.get_or_init(|| {
                let whole = source.head();
                name_spans(source, nodes.iter().map(|n| n.name.as_str()))
                    .into_iter()
                    .map(|span| span.unwrap_or(whole))
                    .collect::<Vec<Span>>()
            })[i]
        };
        super::pools::check_duplicates(&nodes, &mut diags, at);
        return (Some(Inventory { nodes }), diags);
    }
    let Some((nodes, spans)) = from_documents(source, &mut diags) else {
        return (None, diags);
    };
    super::pools::check_duplicates(&nodes, &mut diags, |i| spans[i]);
    (Some(Inventory { nodes }), diags)
}

/// Every node of the file's documents, each with its span; `None` when the file does not parse
/// or holds too many objects.
pub(super) fn from_documents(
    source: &SourceFile,
    diags: &mut Diagnostics,
) -> Option<(Vec<Node>, Vec<Span>)> {
    let docs = match read_documents(source, &crate::diagnostics::codes::E0200) {
        Ok(docs) => docs,
        Err(d) => {
            diags.push(*d);
            return None;
        }
    };
    if docs.len() > super::MAX_NODES {
        diags.push(
            Diagnostic::new(
                &codes::E0009,
                format!(
                    "the inventory holds {} objects, over mlspec's limit of {} nodes",
                    docs.len(),
                    super::MAX_NODES
                ),
            )
            .at(source.head(), "too many nodes")
            .help(super::TOO_MANY_NODES_HELP),
        );
        return None;
    }
    let mut nodes = Vec::new();
    let mut spans = Vec::new();
    let mut images = ImageNames::default();
    for doc in docs {
        let kind = doc.kind();
        if kind != "Node" {
            diags.push(
                Diagnostic::new(
                    &codes::E0200,
                    format!("the inventory holds a `{kind}`, expected only Nodes"),
                )
                .at(doc.span, "not a Node")
                .help("give the output of `kubectl get nodes -o json`, or a TOML pool file"),
            );
            continue;
        }
        match typed_value::<core::Node>(doc.value, "a Node") {
            Ok(node) => match from_k8s(&node, &mut images) {
                Ok(n) => {
                    nodes.push(n);
                    spans.push(doc.span);
                }
                Err(msg) => diags.push(bad_node(msg, doc.span)),
            },
            Err(e) => diags.push(bad_node(e, doc.span)),
        }
    }
    if nodes.is_empty() && !diags.has_errors() {
        diags.push(
            Diagnostic::new(&codes::E0200, "the inventory has no nodes")
                .at(source.head(), "empty")
                .help("give the output of `kubectl get nodes -o json`, or a TOML pool file"),
        );
    }
    Some((nodes, spans))
}

fn bad_node(msg: String, span: Span) -> Diagnostic {
    Diagnostic::new(&codes::E0200, msg)
        .at(span, "this node")
        .help("fix the node or give the unedited output of `kubectl get nodes -o json`")
}

/// Turn one typed Node into the scheduler's view of it.
pub fn from_k8s(node: &core::Node, image_names: &mut ImageNames) -> Result<Node, String> {
    let name = node.metadata.name.clone().unwrap_or_default();
    if name.is_empty() {
        return Err("a Node has no `metadata.name`".to_string());
    }
    let mut allocatable = BTreeMap::new();
    let status = node.status.as_ref();
    // Allocatable is what the scheduler uses; a hand-written node may give only capacity.
    let source = status
        .and_then(|s| s.allocatable.as_ref())
        .or_else(|| status.and_then(|s| s.capacity.as_ref()));
    for (resource, q) in source.into_iter().flatten() {
        let units = quantity_units(resource, &q.0)
            .map_err(|e| format!("node `{name}` has an invalid allocatable `{resource}`: {e}"))?;
        allocatable.insert(resource.clone(), units);
    }
    let spec = node.spec.as_ref();
    let taints = spec
        .and_then(|s| s.taints.as_ref())
        .into_iter()
        .flatten()
        .map(|t| Taint {
            key: t.key.clone(),
            value: t.value.clone().unwrap_or_default(),
            effect: t.effect.clone(),
        })
        .collect();
    let images = status
        .and_then(|s| s.images.as_ref())
        .into_iter()
        .flatten()
        .flat_map(|image| {
            let size = image.size_bytes.unwrap_or(0);
            image
                .names
                .iter()
                .flatten()
                .map(move |name| (name.as_str(), size))
        })
        .map(|(name, size)| (image_names.intern(name), size))
        .collect();
    Ok(Node {
        images,
        labels: node.metadata.labels.clone().unwrap_or_default(),
        taints,
        allocatable,
        unschedulable: spec.and_then(|s| s.unschedulable).unwrap_or(false),
        name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const YAML: &str = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Node\n  metadata:\n    name: n1\n    labels: {zone: a}\n  spec:\n    taints: [{key: k, value: v, effect: NoSchedule}]\n  status:\n    allocatable: {cpu: 3900m, memory: 16Gi, pods: 110, nvidia.com/gpu: 1}\n";

    #[test]
    fn a_yaml_list_of_nodes_parses() {
        let (inv, diags) = parse(&SourceFile::new("n.yaml", YAML));
        assert!(diags.is_empty(), "{diags:?}");
        let inv = inv.unwrap();
        let n = &inv.nodes[0];
        assert_eq!(n.allocatable["cpu"], 3900);
        assert_eq!(n.allocatable["memory"], 16 << 30);
        assert_eq!(n.allocatable["nvidia.com/gpu"], 1);
        assert_eq!(n.taints[0].value, "v");
    }

    #[test]
    fn other_kinds_and_garbage_are_diagnostics() {
        let (_, d) = parse(&SourceFile::new(
            "n.json",
            "{\"kind\": \"Pod\", \"apiVersion\": \"v1\"}",
        ));
        assert!(d.has_errors());
        let (_, d) = parse(&SourceFile::new(
            "n.json",
            "{\"kind\": \"List\", \"items\": 3",
        ));
        assert!(d.has_errors());
        let (_, d) = parse(&SourceFile::new("n.yaml", "- a\n- : : :\n\t\u{0}"));
        assert!(d.has_errors());
    }

    #[test]
    fn bad_quantities_name_the_node() {
        let text = YAML.replace("3900m", "lots");
        let (_, d) = parse(&SourceFile::new("n.yaml", text));
        let msg = &d.iter().next().unwrap().message;
        assert!(msg.contains("node `n1`") && msg.contains("lots"), "{msg}");
    }
}
