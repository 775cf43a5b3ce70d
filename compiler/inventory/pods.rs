//! `kubectl get pods -A -o json|yaml`: the pods already running. A pod bound to a node
//! (`spec.nodeName`) and not Succeeded or Failed holds its requests, host ports, labels (for
//! spread and affinity counts) and anti-affinity terms on that node. A terminating pod (one with
//! `metadata.deletionTimestamp`) still holds all of that, but topology spread does not count it,
//! as kube-scheduler's PodTopologySpread does not. Such a pod bound to a node the inventory does
//! not list is W0200 (`unknown_nodes`): the two files describe different clusters or moments.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Pod;

use super::Inventory;
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::place::manifests::{name_spans, read_documents, typed_value, value_span};
use crate::place::pod::{PodShape, shape};
use crate::source::{SourceFile, Span};

/// A pod already bound to a node.
#[derive(Debug, Clone, PartialEq)]
pub struct ExistingPod {
    pub name: String,
    pub node: String,
    pub pod: PodShape,
    /// Being deleted: holds resources, but topology spread no longer counts it.
    pub terminating: bool,
    /// Where the pod is in the running-pods file (its name, as documents are located).
    pub span: Span,
}

impl ExistingPod {
    /// The running pod a typed Pod is, if it holds resources on a node; `span` is where the
    /// file names it.
    pub fn from_pod(p: &Pod, span: Span) -> Option<ExistingPod> {
        let spec = p.spec.as_ref()?;
        let node = spec.node_name.clone().filter(|n| !n.is_empty())?;
        let phase = p.status.as_ref().and_then(|s| s.phase.as_deref());
        if matches!(phase, Some("Succeeded" | "Failed")) {
            return None;
        }
        let ns = p
            .metadata
            .namespace
            .clone()
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "default".into());
        let labels = p.metadata.labels.clone().unwrap_or_default();
        // It was admitted when created: `spec.overhead` is the RuntimeClass's, and so on.
        let mut pod = shape(&ns, &labels, spec);
        pod.node_name = None;
        Some(ExistingPod {
            name: p.metadata.name.clone().unwrap_or_default(),
            node,
            pod,
            terminating: p.metadata.deletion_timestamp.is_some(),
            span,
        })
    }
}

/// Read the running pods; anything that is not a Pod is skipped, a broken Pod is a diagnostic.
///
/// A JSON list as kubectl prints it is read item by item (`list_stream`), so a 200 MB dump is
/// never held as a tree; any other file, and any file that reader does not take whole, is
/// parsed into documents first.
pub fn parse_existing(source: &SourceFile) -> (Vec<ExistingPod>, Diagnostics) {
    if let Some(pods) = streamed(source) {
        return (pods, Diagnostics::default());
    }
    let mut diags = Diagnostics::default();
    let docs = match read_documents(source, &crate::diagnostics::codes::E0200) {
        Ok(d) => d,
        Err(d) => {
            diags.push(*d);
            return (Vec::new(), diags);
        }
    };
    let mut out = Vec::new();
    for doc in docs {
        if doc.kind() != "Pod" {
            continue;
        }
        let span = doc.span;
        match typed_value::<Pod>(doc.value, "a running Pod").and_then(sane) {
            Ok(p) => out.extend(ExistingPod::from_pod(&p, span)),
            Err(e) => diags.push(
                Diagnostic::new(&codes::E0202, e)
                    .at(span, "this pod")
                    .help("give the unedited output of `kubectl get pods -A -o json`"),
            ),
        }
    }
    (out, diags)
}

/// A running pod whose requests placement can count: none negative or out of range.
fn sane(p: Pod) -> Result<Pod, String> {
    match &p.spec {
        Some(spec) => crate::place::sanity::pod("spec", spec)
            .map(|()| p)
            .map_err(|e| format!("a running Pod has an impossible request: {e}")),
        None => Ok(p),
    }
}

/// The pods of a JSON pod list, read item by item, with the spans the general reader gives
/// them (each item's name, found in file order).
fn streamed(source: &SourceFile) -> Option<Vec<ExistingPod>> {
    let items = super::list_stream::read::<Pod, _>(&source.text, usize::MAX, |p| {
        let p = sane(p)?;
        let name = p.metadata.name.clone().unwrap_or_default();
        Ok((name, ExistingPod::from_pod(&p, Span::default())))
    })?;
    let spans = name_spans(source, items.iter().map(|(name, _)| name.as_str()));
    let whole = source.head();
    let pods = items
        .into_iter()
        .zip(spans)
        .filter_map(|((_, pod), span)| {
            pod.map(|mut p| {
                p.span = span.unwrap_or(whole);
                p
            })
        })
        .collect();
    Some(pods)
}

/// W0200: one warning per node that running pods are bound to and the inventory does not list,
/// in the order the file first names it, at that first pod's `nodeName` value. Their requests
/// are held nowhere, so the placement is of a cluster that is not the one the pods run on.
pub fn unknown_nodes(
    source: &SourceFile,
    existing: &[ExistingPod],
    inventory: &Inventory,
) -> Diagnostics {
    let known: std::collections::BTreeSet<&str> =
        inventory.nodes.iter().map(|n| n.name.as_str()).collect();
    // node → the indices of its pods; the first is where the node is reported.
    let mut unknown: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, p) in existing.iter().enumerate() {
        if !known.contains(p.node.as_str()) {
            unknown.entry(p.node.as_str()).or_default().push(i);
        }
    }
    let mut found: Vec<(&str, Vec<usize>)> = unknown.into_iter().collect();
    found.sort_by_key(|(_, pods)| pods[0]);
    let mut diags = Diagnostics::default();
    for (node, pods) in found {
        let first = pods[0];
        // This pod's document ends where the next one's name is found (or at the end of file).
        let until = existing
            .get(first + 1)
            .map_or(source.text.len(), |next| next.span.start);
        let at = value_span(
            &source.text,
            existing[first].span.start,
            until,
            "nodeName",
            node,
        )
        .unwrap_or(existing[first].span);
        let named: Vec<String> = pods
            .iter()
            .take(2)
            .map(|&i| qualified(&existing[i]))
            .collect();
        let (pods_text, verb, whose) = match pods.len() {
            1 => (format!("a running pod ({})", named[0]), "is", "its"),
            2 => (
                format!("2 running pods ({} and {})", named[0], named[1]),
                "are",
                "their",
            ),
            n => (
                format!(
                    "{n} running pods ({}, {} and {} more)",
                    named[0],
                    named[1],
                    n - 2
                ),
                "are",
                "their",
            ),
        };
        diags.push(
            Diagnostic::new(
                &codes::W0200,
                format!(
                    "{pods_text} {verb} bound to node `{node}`, which the inventory does not list; {whose} requests are left out of the placement"
                ),
            )
            .at(source.clamp(at), "not a node of the inventory")
            .help(
                "take both files from the same cluster at the same time: `kubectl get nodes -o json` and `kubectl get pods -A -o json`",
            ),
        );
    }
    diags
}

/// `namespace/name`, as `kubectl get pods -A` lists a pod.
fn qualified(p: &ExistingPod) -> String {
    format!("{}/{}", p.pod.namespace, p.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_bound_live_pods_hold_resources() {
        let text = r#"{"apiVersion":"v1","kind":"List","items":[
          {"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","namespace":"ml"},"spec":{"nodeName":"n1","containers":[{"name":"c","resources":{"requests":{"cpu":"1"}}}]},"status":{"phase":"Running"}},
          {"apiVersion":"v1","kind":"Pod","metadata":{"name":"b"},"spec":{"nodeName":"n1","containers":[{"name":"c"}]},"status":{"phase":"Succeeded"}},
          {"apiVersion":"v1","kind":"Pod","metadata":{"name":"c"},"spec":{"containers":[{"name":"c"}]},"status":{"phase":"Pending"}}]}"#;
        let (pods, d) = parse_existing(&SourceFile::new("pods.json", text));
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(pods.len(), 1);
        assert_eq!(pods[0].pod.requests["cpu"], 1000);
        assert_eq!(pods[0].pod.namespace, "ml");
    }

    /// The item-by-item path gives exactly what the general one gives, spans included; a file
    /// it does not take whole is read the general way.
    #[test]
    fn a_kubectl_pod_list_gives_what_the_general_reader_gives() {
        let list = r#"{"apiVersion": "v1", "items": [
          {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "namespace": "ml", "labels": {"app": "a"}},
           "spec": {"nodeName": "n1", "containers": [{"name": "c", "resources": {"requests": {"cpu": "1", "memory": "1Gi"}}}]},
           "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}},
          {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "done"}, "spec": {"nodeName": "n1", "containers": [{"name": "c"}]}, "status": {"phase": "Succeeded"}},
          {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "b", "deletionTimestamp": "2024-01-01T00:00:00Z"}, "spec": {"nodeName": "n2", "containers": [{"name": "c"}]}}
        ], "kind": "List", "metadata": {"resourceVersion": ""}}"#;
        let general = |text: &str| {
            let source = SourceFile::new("pods.json", text);
            let docs = read_documents(&source, &codes::E0200).expect("parses");
            docs.into_iter()
                .filter(|d| d.kind() == "Pod")
                .filter_map(|d| {
                    let span = d.span;
                    let pod: Pod = typed_value(d.value, "a Pod").expect("a pod");
                    ExistingPod::from_pod(&pod, span)
                })
                .collect::<Vec<_>>()
        };
        let source = SourceFile::new("pods.json", list);
        let fast = streamed(&source).expect("read item by item");
        assert_eq!(fast.len(), 2);
        assert!(fast[1].terminating);
        assert_eq!(fast, general(list));
        for other in [
            list.replacen("\"kind\": \"Pod\", ", "", 1),
            list.replacen("\"kind\": \"Pod\"", "\"kind\": \"Node\"", 1),
            list.replace(
                "\"containers\": [{\"name\": \"c\"}]}, \"status\": {\"phase\": \"Succeeded\"}",
                "\"containers\": 3}, \"status\": {\"phase\": \"Succeeded\"}",
            ),
            format!("{list} x"),
        ] {
            assert_eq!(
                streamed(&SourceFile::new("pods.json", other.as_str())),
                None,
                "{other}"
            );
        }
    }

    #[test]
    fn pods_on_unknown_nodes_are_one_warning_per_node_at_the_node_name() {
        let yaml = "apiVersion: v1\nkind: List\nitems:\n- kind: Pod\n  metadata: {name: a, namespace: ml}\n  spec:\n    nodeName: n1\n    containers: [{name: c}]\n- kind: Pod\n  metadata: {name: b}\n  spec:\n    nodeName: gone\n    containers: [{name: c}]\n- kind: Pod\n  metadata: {name: c}\n  spec:\n    nodeName: gone\n    containers: [{name: c}]\n  status: {phase: Failed}\n- kind: Pod\n  metadata: {name: d}\n  spec:\n    containers: [{name: c}]\n  status: {phase: Pending}\n- kind: Pod\n  metadata: {name: e, namespace: ml}\n  spec:\n    nodeName: gone\n    containers: [{name: c}]\n";
        let source = SourceFile::new("pods.yaml", yaml);
        let (pods, d) = parse_existing(&source);
        assert!(d.is_empty(), "{d:?}");
        let node = |name: &str| super::super::Node {
            name: name.into(),
            labels: Default::default(),
            taints: Vec::new(),
            allocatable: Default::default(),
            unschedulable: false,
            images: Vec::new(),
        };
        let inv = Inventory {
            nodes: vec![node("n1")],
        };
        let found: Vec<Diagnostic> = unknown_nodes(&source, &pods, &inv).into_vec();
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0]
                .message
                .starts_with("2 running pods (default/b and ml/e) are bound to node `gone`"),
            "{}",
            found[0].message
        );
        let at = found[0].primary.as_ref().unwrap().span;
        assert_eq!(&yaml[at.start..at.end], "gone");
        assert!(yaml[..at.start].ends_with("metadata: {name: b}\n  spec:\n    nodeName: "));
        assert_eq!(
            unknown_nodes(&source, &pods, &Inventory::default()).len(),
            2
        );
    }
}
