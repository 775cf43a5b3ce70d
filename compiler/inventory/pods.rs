//! `kubectl get pods -A -o json|yaml`: the pods already running. A pod bound to a node
//! (`spec.nodeName`) and not Succeeded or Failed holds its requests, host ports, labels (for
//! spread and affinity counts) and anti-affinity terms on that node. A terminating pod (one with
//! `metadata.deletionTimestamp`) still holds all of that, but topology spread does not count it,
//! as kube-scheduler's PodTopologySpread does not.

use k8s_openapi::api::core::v1::Pod;

use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::place::manifests::{read_documents, typed_value};
use crate::place::pod::{PodShape, shape};
use crate::source::SourceFile;

/// A pod already bound to a node.
#[derive(Debug, Clone, PartialEq)]
pub struct ExistingPod {
    pub name: String,
    pub node: String,
    pub pod: PodShape,
    /// Being deleted: holds resources, but topology spread no longer counts it.
    pub terminating: bool,
}

impl ExistingPod {
    /// The running pod a typed Pod is, if it holds resources on a node.
    pub fn from_pod(p: &Pod) -> Option<ExistingPod> {
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
        // `spec.overhead` was copied from the RuntimeClass at admission.
        let mut pod = shape(&ns, &labels, spec, None);
        pod.node_name = None;
        Some(ExistingPod {
            name: p.metadata.name.clone().unwrap_or_default(),
            node,
            pod,
            terminating: p.metadata.deletion_timestamp.is_some(),
        })
    }
}

/// Read the running pods; anything that is not a Pod is skipped, a broken Pod is a diagnostic.
pub fn parse_existing(source: &SourceFile) -> (Vec<ExistingPod>, Diagnostics) {
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
        match typed_value::<Pod>(doc.value, "a running Pod") {
            Ok(p) => out.extend(ExistingPod::from_pod(&p)),
            Err(e) => diags.push(
                Diagnostic::new(&codes::E0202, e)
                    .at(span, "this pod")
                    .help("give the unedited output of `kubectl get pods -A -o json`"),
            ),
        }
    }
    (out, diags)
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
}
