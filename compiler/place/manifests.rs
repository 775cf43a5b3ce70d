//! Reading Kubernetes objects: YAML (multi-document) or JSON text, Lists flattened, each document
//! dispatched on apiVersion/kind into the typed k8s-openapi struct the placement engine uses.
//!
//! Kinds placement does not need (Service, ConfigMap, …) are skipped silently; pod-bearing kinds
//! it does not model (a JobSet's `dependsOn`, exclusive topologies, sub-groups) are a warning,
//! W0082. A document that does not
//! parse is a diagnostic; nothing here panics on user input.

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{Pod, Service};
use k8s_openapi::api::node::v1::RuntimeClass;
use serde_json::Value;

use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::generate::crd::ScaledObject;
use crate::source::{SourceFile, Span};

/// One object placement cares about.
#[derive(Debug, Clone)]
pub enum Manifest {
    Pod(Box<Pod>),
    Deployment(Box<Deployment>),
    ReplicaSet(Box<ReplicaSet>),
    StatefulSet(Box<StatefulSet>),
    Job(Box<Job>),
    CronJob(Box<CronJob>),
    HorizontalPodAutoscaler(Box<HorizontalPodAutoscaler>),
    /// KEDA's ScaledObject: its target's replica bounds, like an HPA's but from 0.
    ScaledObject(Box<ScaledObject>),
    RuntimeClass(Box<RuntimeClass>),
    /// A Service's selector is part of the system default topology spreading of the pods it
    /// selects.
    Service(Box<Service>),
    /// A JobSet: each Job (a slice) is a gang of pods that start together or do no work.
    JobSet(Box<crate::generate::crd::JobSet>),
    /// A LeaderWorkerSet: each group (a leader and its workers) is a gang.
    LeaderWorkerSet(Box<crate::generate::crd::LeaderWorkerSet>),
}

/// One document of an input file, with the best span we could find for it.
#[derive(Debug, Clone)]
pub struct Document {
    pub value: Value,
    pub span: Span,
}

impl Document {
    pub fn kind(&self) -> &str {
        self.value.get("kind").and_then(Value::as_str).unwrap_or("")
    }

    pub fn api_version(&self) -> &str {
        self.value
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or("")
    }
}

/// Read every manifest of a YAML or JSON file.
pub fn read_manifests(source: &SourceFile) -> (Vec<Manifest>, Diagnostics) {
    match read_documents(source, &codes::E0202) {
        Ok(docs) => from_documents(docs),
        Err(d) => {
            let mut diags = Diagnostics::default();
            diags.push(*d);
            (Vec::new(), diags)
        }
    }
}

/// The compiler's own generated objects, already as JSON values.
pub fn manifests_from_json(docs: Vec<Value>) -> (Vec<Manifest>, Diagnostics) {
    let mut flat = Vec::new();
    for value in docs {
        flatten(value, Span::file_start(), &mut flat);
    }
    from_documents(flat)
}

/// What `place` does not model in a gang kind it otherwise places: a JobSet whose replicated
/// Jobs start one after another (`dependsOn`), and a JobSet or LeaderWorkerSet whose groups each
/// take a whole topology domain (the exclusive-topology annotations) or split into sub-groups
/// (`subGroupPolicy`). Each such object is W0082 and left out, not placed as if it had none.
const UNMODELLED: &[(&str, &str, &str)] = &[
    (
        "JobSet",
        "/spec/replicatedJobs/*/dependsOn",
        "Jobs that start one after another (`dependsOn`)",
    ),
    (
        "JobSet",
        "/metadata/annotations/alpha.jobset.sigs.k8s.io~1exclusive-topology",
        "one slice per topology domain (`alpha.jobset.sigs.k8s.io/exclusive-topology`)",
    ),
    (
        "LeaderWorkerSet",
        "/metadata/annotations/leaderworkerset.sigs.k8s.io~1exclusive-topology",
        "one group per topology domain (`leaderworkerset.sigs.k8s.io/exclusive-topology`)",
    ),
    (
        "LeaderWorkerSet",
        "/spec/leaderWorkerTemplate/subGroupPolicy",
        "sub-groups (`subGroupPolicy`)",
    ),
];

/// W0082 for a gang kind with something `place` does not model, with the pods it would start.
fn not_placed(doc: &Document) -> Option<Diagnostic> {
    let group = doc.api_version().rsplit_once('/').map_or("", |(g, _)| g);
    let kind = doc.kind();
    if !matches!(
        (group, kind),
        ("jobset.x-k8s.io", "JobSet") | ("leaderworkerset.x-k8s.io", "LeaderWorkerSet")
    ) {
        return None;
    }
    let v = &doc.value;
    let has = |pointer: &str| match pointer.split_once("/*/") {
        Some((list, rest)) => v
            .pointer(list)
            .and_then(Value::as_array)
            .is_some_and(|items| {
                items
                    .iter()
                    .any(|i| i.pointer(&format!("/{rest}")).is_some())
            }),
        None => v.pointer(pointer).is_some(),
    };
    let (_, _, what) = UNMODELLED
        .iter()
        .find(|(k, pointer, _)| *k == kind && has(pointer))?;
    let text = |p: &str| v.pointer(p).and_then(Value::as_str).unwrap_or_default();
    let ns = Some(text("/metadata/namespace"))
        .filter(|n| !n.is_empty())
        .unwrap_or("default");
    let count = |v: &Value, p: &str| v.pointer(p).and_then(Value::as_i64).unwrap_or(1).max(0);
    let pods: i64 = match kind {
        "JobSet" => v
            .pointer("/spec/replicatedJobs")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|r| count(r, "/replicas") * count(r, "/template/spec/parallelism"))
            .sum(),
        _ => count(v, "/spec/replicas") * count(v, "/spec/leaderWorkerTemplate/size"),
    };
    Some(
        Diagnostic::new(
            &codes::W0082,
            format!(
                "`{kind}/{ns}/{}` is not placed: `mlspec place` does not model {what}, so its {pods} pods are in no moment of the report",
                text("/metadata/name")
            ),
        )
        .at(doc.span, "not placed")
        .help(format!(
            "its pods start together or not at all; check by hand that the inventory has room for all {pods} as the {kind} asks"
        )),
    )
}

fn from_documents(docs: Vec<Document>) -> (Vec<Manifest>, Diagnostics) {
    let mut diags = Diagnostics::default();
    let mut out = Vec::new();
    for doc in docs {
        if let Some(d) = not_placed(&doc) {
            diags.push(d);
            continue;
        }
        let span = doc.span;
        match typed(doc) {
            Ok(Some(m)) => out.push(m),
            Ok(None) => {}
            Err(msg) => diags.push(
                Diagnostic::new(&codes::E0202, msg)
                    .at(span, "this object")
                    .help("fix the object so that `kubectl apply --dry-run=server` accepts it"),
            ),
        }
    }
    (out, diags)
}

/// Deserialize a Kubernetes object, naming the field at fault: "a Deployment does not parse at
/// `spec.template.spec.containers`: invalid type: integer `3`, expected a sequence".
pub(crate) fn typed_value<T: serde::de::DeserializeOwned>(
    v: Value,
    what: &str,
) -> Result<T, String> {
    serde_path_to_error::deserialize(v).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "." {
            format!("{what} does not parse: {inner}")
        } else {
            format!("{what} does not parse at `{path}`: {inner}")
        }
    })
}

fn typed(doc: Document) -> Result<Option<Manifest>, String> {
    let kind = doc.kind().to_string();
    let api = doc.api_version().to_string();
    let group = api.rsplit_once('/').map_or("", |(g, _)| g);
    let mut value = doc.value;
    fn parse<T: serde::de::DeserializeOwned>(v: Value, kind: &str) -> Result<T, String> {
        typed_value(v, &format!("a {kind}"))
    }
    let m = match (group, kind.as_str()) {
        ("", "Pod") => Manifest::Pod(Box::new(parse(value, &kind)?)),
        ("apps", "Deployment") => Manifest::Deployment(Box::new(parse(value, &kind)?)),
        ("apps", "ReplicaSet") => Manifest::ReplicaSet(Box::new(parse(value, &kind)?)),
        ("apps", "StatefulSet") => Manifest::StatefulSet(Box::new(parse(value, &kind)?)),
        ("", "Service") => Manifest::Service(Box::new(parse(value, &kind)?)),
        ("batch", "Job") => Manifest::Job(Box::new(parse(value, &kind)?)),
        ("batch", "CronJob") => Manifest::CronJob(Box::new(parse(value, &kind)?)),
        ("autoscaling", "HorizontalPodAutoscaler") => {
            // v1 and v2 share every field placement reads; read both as v2.
            value["apiVersion"] = Value::from("autoscaling/v2");
            Manifest::HorizontalPodAutoscaler(Box::new(parse(value, &kind)?))
        }
        // Their controllers serve these versions: no deprecation check below.
        ("jobset.x-k8s.io", "JobSet") => {
            let m = Manifest::JobSet(Box::new(parse(value, &kind)?));
            super::sanity::check(&m)?;
            return Ok(Some(m));
        }
        ("leaderworkerset.x-k8s.io", "LeaderWorkerSet") => {
            let m = Manifest::LeaderWorkerSet(Box::new(parse(value, &kind)?));
            super::sanity::check(&m)?;
            return Ok(Some(m));
        }
        // v1alpha1 is the only version KEDA serves: no deprecation check below.
        ("keda.sh", "ScaledObject") => {
            return Ok(Some(Manifest::ScaledObject(Box::new(parse(value, &kind)?))));
        }
        ("node.k8s.io", "RuntimeClass") => {
            value["apiVersion"] = Value::from("node.k8s.io/v1");
            Manifest::RuntimeClass(Box::new(parse(value, &kind)?))
        }
        (_, "") => return Err("an object has no `kind`".to_string()),
        _ => return Ok(None),
    };
    super::sanity::check(&m)?;
    if api.ends_with("beta1") || api.ends_with("beta2") || api.ends_with("alpha1") {
        return Err(format!(
            "`{kind}` uses apiVersion `{api}`, which Kubernetes 1.33 no longer serves"
        ));
    }
    Ok(Some(m))
}

/// Read a file into documents: JSON (one value, a List flattened) or YAML (every document).
/// A file that does not parse is reported with `code`: E0202 for manifests, E0200 for an
/// inventory or running pods.
pub fn read_documents(
    source: &SourceFile,
    code: &'static crate::diagnostics::Code,
) -> Result<Vec<Document>, Box<Diagnostic>> {
    let text = source.text.trim_start_matches('\u{feff}');
    let whole = source.head();
    let values: Vec<Value> = if text.trim_start().starts_with(['{', '[']) {
        let v: Value = serde_json::from_str(text).map_err(|e| {
            let at = offset_of(text, e.line(), e.column());
            Box::new(
                Diagnostic::new(code, format!("the file is not valid JSON: {e}"))
                    .at(source.clamp(Span::new(at, at + 1)), "here")
                    .help("give the unedited output of `kubectl get … -o json`"),
            )
        })?;
        match v {
            Value::Array(items) => items,
            v => vec![v],
        }
    } else {
        serde_saphyr::from_multiple_with_options::<Value>(text, yaml_options(text.len())).map_err(
            |e| {
                // The parser gives a byte offset for some errors and only a line and column for
                // others (a scanner error such as a misplaced `:`).
                let at = e.location().map_or(0, |l| match l.span().byte_offset() {
                    Some(o) => usize::try_from(o).unwrap_or(0),
                    None => offset_of(
                        text,
                        usize::try_from(l.line()).unwrap_or(0),
                        usize::try_from(l.column()).unwrap_or(0),
                    ),
                });
                let first = e.to_string();
                let first = first.lines().next().unwrap_or("").to_string();
                Box::new(
                    Diagnostic::new(code, format!("the file is not valid YAML: {first}"))
                        .at(source.clamp(Span::new(at, at + 1)), "here")
                        .help("give the unedited output of `kubectl get … -o yaml`"),
                )
            },
        )?
    };
    let mut flat = Vec::new();
    for v in values {
        if v.is_null() {
            continue;
        }
        flatten(v, whole, &mut flat);
    }
    locate(source, &mut flat);
    Ok(flat)
}

/// The most YAML documents one file may hold: a bundle of ten thousand apps has about 55,000.
pub const MAX_DOCUMENTS: usize = 1_000_000;

/// The YAML reader's budget for a text of `len` bytes: documents up to [`MAX_DOCUMENTS`], and
/// nodes, events and scalar bytes in proportion to the text (every node costs at least a byte),
/// so no real input is refused while an alias bomb still is (its expansion is bounded by the
/// text's own size, and serde-saphyr's limits on aliases and anchors stay as they are).
fn yaml_options(len: usize) -> serde_saphyr::Options {
    let budget = serde_saphyr::Budget::default();
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_documents: MAX_DOCUMENTS,
            max_nodes: budget.max_nodes.max(len),
            max_events: budget.max_events.max(len.saturating_mul(2)),
            max_total_scalar_bytes: budget.max_total_scalar_bytes.max(len),
        },
    }
}

/// Lists (`List`, `NodeList`, `PodList`, …) become their items; items without a kind get the
/// kind the list names.
/// The items are moved out of the list, not copied: a 5,000-node list is held once.
fn flatten(mut value: Value, span: Span, out: &mut Vec<Document>) {
    let kind = value.get("kind").and_then(Value::as_str).unwrap_or("");
    if let (Some(item_kind), Some(Value::Array(_))) =
        (kind.strip_suffix("List"), value.get("items"))
    {
        let item_kind = item_kind.to_string();
        let api = value.get("apiVersion").cloned().unwrap_or(Value::Null);
        let items = value.get_mut("items").map_or(Value::Null, Value::take);
        drop(value);
        let Value::Array(items) = items else {
            return;
        };
        for mut item in items {
            if let Value::Object(map) = &mut item
                && !item_kind.is_empty()
                && !map.contains_key("kind")
            {
                map.insert("kind".into(), Value::from(item_kind.as_str()));
                map.insert("apiVersion".into(), api.clone());
            }
            flatten(item, span, out);
        }
        return;
    }
    out.push(Document { value, span });
}

/// Best-effort spans: each document points at its name after the previous document's: the first
/// occurrence written as a `name` key's value (`"name": "x"`, `name: x`), else the first quoted
/// or bare occurrence. The search stops at that first key, so reading a file costs time in
/// proportion to its size, not to its size times the number of documents.
fn locate(source: &SourceFile, docs: &mut [Document]) {
    let spans = name_spans(
        source,
        docs.iter().map(|doc| {
            doc.value
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or("")
        }),
    );
    for (doc, span) in docs.iter_mut().zip(spans) {
        if let Some(span) = span {
            doc.span = span;
        }
    }
}

/// The span of each document's name, given the names in file order (an empty name is skipped),
/// found as [`locate`] says; `None` where the name is not in the text as written.
pub(crate) fn name_spans<'a>(
    source: &SourceFile,
    names: impl IntoIterator<Item = &'a str>,
) -> Vec<Option<Span>> {
    /// How many earlier occurrences (labels, selectors) may precede the name key.
    const LOOKAHEAD: usize = 64;
    let text = source.text.as_str();
    let mut cursor = 0;
    let mut spans = Vec::new();
    for name in names {
        if name.is_empty() {
            spans.push(None);
            continue;
        }
        let rest = text.get(cursor..).unwrap_or("");
        let mut first = None;
        let mut quoted = None;
        let mut keyed = None;
        for (at, _) in rest.match_indices(name).take(LOOKAHEAD) {
            let before = &rest[..at];
            let after = &rest[at + name.len()..];
            first.get_or_insert(at);
            if before.ends_with('"') && after.starts_with('"') {
                quoted.get_or_insert(at);
            }
            // The whole value, not the start of a longer one (`n1` in `n10`).
            let ends =
                after.is_empty() || after.starts_with(['"', '\'', '\n', '\r', ' ', ',', '}']);
            if ends && is_name_key(before) {
                keyed = Some(at);
                break;
            }
        }
        let found = keyed.or(quoted).or(first).map(|found| {
            let start = cursor + found;
            cursor = start + name.len();
            Span::new(start, start + name.len())
        });
        spans.push(found);
    }
    spans
}

/// Whether `before` ends with a `name` key about to take a value: `"name": "`, `"name":"`, or a
/// YAML `name: ` (or `name: "`) that is not the tail of a longer key such as `hostname: `.
fn is_name_key(before: &str) -> bool {
    if before.ends_with("\"name\": \"") || before.ends_with("\"name\":\"") {
        return true;
    }
    let key = before
        .strip_suffix("name: \"")
        .or_else(|| before.strip_suffix("name: "));
    key.is_some_and(|k| k.is_empty() || k.ends_with([' ', '\n', '-', '{', ',']))
}

/// The span of `value` where it is written as the value of `key` in `text[from..to]`:
/// `"key": "value"` in JSON, `key: value` (bare or quoted) in YAML; the first such pair wins.
/// A key inside a longer one (`hostnodeName`) or an escaped one in an annotation does not count.
pub(crate) fn value_span(
    text: &str,
    from: usize,
    to: usize,
    key: &str,
    value: &str,
) -> Option<Span> {
    let to = if to > from {
        to.min(text.len())
    } else {
        text.len()
    };
    let region = text.get(from..to)?;
    for (at, _) in region.match_indices(key) {
        let before = &region[..at];
        let mut rest = &region[at + key.len()..];
        if before.ends_with('"') {
            let Some(r) = rest.strip_prefix('"') else {
                continue;
            };
            rest = r;
        } else if !(before.is_empty() || before.ends_with([' ', '\t', '\n', '{', ','])) {
            continue;
        }
        let Some(r) = rest.trim_start_matches([' ', '\t']).strip_prefix(':') else {
            continue;
        };
        let r = r.trim_start_matches([' ', '\t']);
        let (r, quote) = match r.strip_prefix(['"', '\'']) {
            Some(inner) => (inner, r.chars().next()),
            None => (r, None),
        };
        let Some(after) = r.strip_prefix(value) else {
            continue;
        };
        let ends = match quote {
            Some(q) => after.starts_with(q),
            None => after.is_empty() || after.starts_with(['\n', '\r', ' ', ',', '}', '#']),
        };
        if ends {
            let start = from + region.len() - r.len();
            return Some(Span::new(start, start + value.len()));
        }
    }
    None
}

/// The byte offset of a 1-based line and column.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    (line_start + column.saturating_sub(1)).min(text.len())
}

/// The compiler's own objects, as placement reads them (through their JSON form, exactly as a
/// user's manifests would be read).
pub fn from_objects(objects: &[crate::document::Document]) -> (Vec<Manifest>, Diagnostics) {
    let docs = objects.iter().map(|o| o.value.clone()).collect();
    manifests_from_json(docs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_points_at_its_name_key_not_at_a_label_with_the_same_value() {
        let json = "{\"kind\": \"List\", \"items\": [\n {\"kind\": \"Node\", \"metadata\": {\"name\": \"n10\"}},\n {\"kind\": \"Node\", \"metadata\": {\"labels\": {\"kubernetes.io/hostname\": \"n1\"}, \"name\": \"n1\"}}\n]}";
        // The annotation holds `"name":"n10"`, a name key whose value starts with `n1`.
        let yaml = "kind: Node\nmetadata:\n  name: n10\n---\nkind: Node\nmetadata:\n  annotations:\n    a: '{\"name\":\"n10\"}'\n  labels:\n    kubernetes.io/hostname: n1\n  name: n1\n";
        for text in [json, yaml] {
            let source = SourceFile::new("nodes", text);
            let docs = read_documents(&source, &crate::diagnostics::codes::E0200).expect("parses");
            for doc in &docs {
                let (at, end) = (doc.span.start, doc.span.end);
                assert!(
                    text[..at].ends_with("\"name\": \"") || text[..at].ends_with("  name: "),
                    "{text}: span at {at}"
                );
                assert_eq!(
                    Some(&text[at..end]),
                    doc.value.pointer("/metadata/name").and_then(Value::as_str)
                );
            }
            assert_eq!(docs.len(), 2);
        }
        assert!(!is_name_key("kubernetes.io/hostname: "));
        assert!(!is_name_key("\"kubernetes.io/hostname\": \""));
        assert!(is_name_key("metadata:\n  name: "));
        assert!(is_name_key("- name: \""));
    }

    #[test]
    fn value_span_finds_a_keys_value_in_json_and_yaml() {
        let json = "{\"a\": \"{\\\"nodeName\\\":\\\"n1\\\"}\", \"hostnodeName\": \"n1\", \"nodeName\": \"n10\", \"nodeName\":\"n1\"}";
        let yaml = "spec:\n  xnodeName: n1\n  nodeName: n10\n  nodeName: 'n1'\n";
        for text in [json, yaml] {
            let span = value_span(text, 0, text.len(), "nodeName", "n1").expect("found");
            assert_eq!(&text[span.start..span.end], "n1", "{text}");
            assert!(
                text[..span.start].ends_with(['"', '\'']),
                "{text}: {span:?}"
            );
            assert!(span.start > text.find("n10").unwrap(), "{text}");
        }
        assert_eq!(value_span("nodeName: n1", 3, 2, "nodeName", "n1"), None);
        assert_eq!(value_span("nodeName: n12", 0, 13, "nodeName", "n1"), None);
    }

    #[test]
    fn yaml_documents_dispatch_on_kind_and_skip_others() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: s}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  selector: {}\n  template: {spec: {containers: [{name: c}]}}\n---\n";
        let (m, d) = read_manifests(&SourceFile::new("m.yaml", text));
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(m.len(), 1);
        assert!(matches!(m[0], Manifest::Deployment(_)));
    }

    #[test]
    fn bad_documents_are_diagnostics_with_a_span() {
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: many}\n";
        let (m, d) = read_manifests(&SourceFile::new("m.yaml", text));
        assert!(m.is_empty());
        let diag = d.iter().next().unwrap();
        assert_eq!(diag.code.id, "E0202");
        assert_eq!(diag.primary.as_ref().unwrap().span, Span::new(54, 57));
    }

    #[test]
    fn json_lists_flatten_and_hpa_v1_reads() {
        let text = r#"{"kind":"List","apiVersion":"v1","items":[{"apiVersion":"autoscaling/v1","kind":"HorizontalPodAutoscaler","metadata":{"name":"h"},"spec":{"maxReplicas":4,"scaleTargetRef":{"kind":"Deployment","name":"d"}}}]}"#;
        let (m, d) = read_manifests(&SourceFile::new("m.json", text));
        assert!(d.is_empty(), "{d:?}");
        assert!(matches!(m[0], Manifest::HorizontalPodAutoscaler(_)));
        let keda = "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: s}\nspec:\n  scaleTargetRef: {name: d}\n  maxReplicaCount: 6\n  triggers: [{type: cron, metadata: {}}]\n  fallback: {failureThreshold: 3, replicas: 1}\n";
        let (m, d) = read_manifests(&SourceFile::new("so.yaml", keda));
        assert!(d.is_empty(), "{d:?}");
        assert!(matches!(m[0], Manifest::ScaledObject(_)));
    }

    #[test]
    fn garbage_never_panics() {
        for text in [
            "{",
            "[1,2",
            ": : :",
            "- [",
            "\u{0}\u{1}",
            "kind: List\nitems: 3",
            "---\n---\n",
        ] {
            let _ = read_manifests(&SourceFile::new("x", text));
        }
    }
}
