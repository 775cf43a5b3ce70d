//! Patch stage: the spec's `[patches.NAME]` on the generated documents, after `generate` and
//! before `verify`.
//!
//! Each patch finds its target — an object by kind and name, or every pod template of a
//! workload — and applies `remove`, then `merge` ([`merge`]), or deletes the object. Every value
//! a patch sets is recorded in the document's `origins`, so `--annotate` names the patch's line
//! and a verify finding on a patched value is the patch's error ([`blame`]), not mlspec's. A
//! patch may not change what mlspec files an object by (E0311); one that weakens a secure
//! default is the warning of that relaxation ([`weaken`]); one that changes nothing is W0060.

pub mod blame;
pub mod merge;
pub mod weaken;

use std::collections::BTreeMap;

use serde_json::Value;

use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::document::{Document, Origin};
use crate::kinds;
use crate::spec::patch::{Patch, Target};
use crate::spec::read::Sp;
use crate::spec::{Spec, read::join};
use crate::values::suggest::suggest;
use crate::verify::origin;

use merge::Patcher;

/// What the patch stage did besides editing documents: the objects it deleted.
#[derive(Debug, Clone, Default)]
pub struct Applied {
    /// Each deleted object's id (`Kind/namespace/name`) and the `delete` that removed it.
    pub deleted: Vec<(String, Origin)>,
}

/// Values mlspec files an object by: its identity, and the labels that say which app and
/// section it belongs to (`--out-dir` folders, diagnostics' origins).
const IDENTITY: &[&str] = &[
    "/apiVersion",
    "/kind",
    "/metadata/name",
    "/metadata/namespace",
    "/metadata/labels/app.kubernetes.io~1part-of",
    "/metadata/labels/app.kubernetes.io~1instance",
    "/metadata/labels/app.kubernetes.io~1component",
];

/// Apply every patch of `spec`, in name order, to `docs`.
pub fn apply(spec: &Spec, docs: &mut Vec<Document>, d: &mut Diagnostics) -> Applied {
    let mut applied = Applied::default();
    // Each touched document as it was generated, for the identity and relaxation checks.
    let mut before: BTreeMap<usize, Value> = BTreeMap::new();
    let mut doomed: BTreeMap<usize, Origin> = BTreeMap::new();
    for (index, (name, patch)) in spec.patches.iter().enumerate() {
        let Some(target) = patch.target() else {
            continue;
        };
        let path = join("patches", &name.v);
        let targets = find(&path, &target, docs, d);
        if targets.is_empty() {
            continue;
        }
        if let Some(del) = patch.delete.as_ref().filter(|del| del.v) {
            for (i, _) in targets {
                doomed.entry(i).or_insert(Origin {
                    span: del.span,
                    patch: index,
                });
            }
            continue;
        }
        let mut errors = Vec::new();
        let mut changed = false;
        for (i, base) in &targets {
            let doc = &mut docs[*i];
            let was = doc.value.clone();
            before.entry(*i).or_insert_with(|| was.clone());
            edit(patch, &path, index, base, doc, &mut errors);
            changed |= doc.value != was;
        }
        let failed = !errors.is_empty();
        for e in errors {
            d.push(e);
        }
        if !changed && !failed {
            let what: Vec<String> = targets
                .iter()
                .map(|(i, _)| describe(&docs[*i].value))
                .collect();
            d.push(
                Diagnostic::new(
                    &codes::W0060,
                    format!(
                        "`{path}` changes nothing: {} already {} what it sets",
                        what.join(", "),
                        if what.len() == 1 { "has" } else { "have" }
                    ),
                )
                .at(name.span, "a patch with no effect")
                .help("remove the patch, or set what the generated object lacks (`mlspec build` prints it)"),
            );
        }
    }
    for (i, was) in &before {
        identity(spec, was, &docs[*i], d);
    }
    weaken::check(spec, docs, &before, &doomed, d);
    for (i, origin) in doomed.iter().rev() {
        let doc = docs.remove(*i);
        applied.deleted.push((doc.id(), *origin));
    }
    applied.deleted.reverse();
    applied
}

/// `remove`, then `merge`, on one target (`base` is the object's root or a pod template).
fn edit(
    patch: &Patch,
    path: &str,
    index: usize,
    base: &str,
    doc: &mut Document,
    errors: &mut Vec<Diagnostic>,
) {
    let kind = doc.kind().to_string();
    let mut p = Patcher {
        kind: &kind,
        patch: index,
        origins: &mut doc.origins,
        errors,
    };
    for (i, pointer) in patch.remove.iter().flatten().enumerate() {
        let at = format!("{path}.remove[{i}]");
        p.remove(&mut doc.value, base, &pointer.v, &at, pointer.span);
    }
    if let Some(node) = &patch.merge
        && let Some(target) = doc.value.pointer_mut(base)
    {
        p.merge(target, node, base, &format!("{path}.merge"), node.span);
    }
}

/// The documents a patch applies to, each with the pointer its changes are relative to.
fn find(
    path: &str,
    target: &Target,
    docs: &[Document],
    d: &mut Diagnostics,
) -> Vec<(usize, String)> {
    match target {
        Target::Object { kind, name } => {
            let found: Vec<(usize, String)> = docs
                .iter()
                .enumerate()
                .filter(|(_, doc)| doc.kind() == kind.v && doc.name() == name.v)
                .map(|(i, _)| (i, String::new()))
                .collect();
            if found.is_empty() {
                d.push(no_object(path, kind, name, docs));
            }
            found
        }
        Target::Pods(section) => {
            let mut found = Vec::new();
            for (i, doc) in docs.iter().enumerate() {
                if origin::section(&doc.value).as_deref() != Some(section.v.as_str()) {
                    continue;
                }
                for t in kinds::templates(doc.kind()) {
                    if doc.value.pointer(t).is_some() {
                        found.push((i, (*t).to_string()));
                    }
                }
            }
            if found.is_empty() {
                d.push(no_workload(path, section, docs));
            }
            found
        }
    }
}

fn no_object(path: &str, kind: &Sp<String>, name: &Sp<String>, docs: &[Document]) -> Diagnostic {
    let of_kind: Vec<&str> = docs
        .iter()
        .filter(|doc| doc.kind() == kind.v)
        .map(Document::name)
        .collect();
    let d = Diagnostic::new(
        &codes::E0310,
        format!(
            "`{path}` patches {} `{}`, which this spec does not generate",
            kind.v, name.v
        ),
    );
    if of_kind.is_empty() {
        let mut kinds: Vec<&str> = docs.iter().map(Document::kind).collect();
        kinds.dedup();
        let help = match suggest(&kind.v, &kinds) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("the spec generates: {}", ticks(&kinds)),
        };
        return d.at(kind.span, "no object of this kind").help(help);
    }
    let help = match suggest(&name.v, &of_kind) {
        Some(s) => format!("did you mean `{s}`?"),
        None => format!("its {} objects are: {}", kind.v, ticks(&of_kind)),
    };
    d.at(name.span, format!("no {} of this name", kind.v))
        .help(help)
}

fn no_workload(path: &str, section: &Sp<String>, docs: &[Document]) -> Diagnostic {
    let mut sections: Vec<String> = docs
        .iter()
        .filter(|doc| !kinds::templates(doc.kind()).is_empty())
        .filter_map(|doc| origin::section(&doc.value))
        .collect();
    sections.dedup();
    let help = match suggest(&section.v, &sections) {
        Some(s) => format!("did you mean `{s}`?"),
        None => format!("the workloads with pods are: {}", ticks(&sections)),
    };
    Diagnostic::new(
        &codes::E0310,
        format!(
            "`{path}.pods` names `{}`, which is not a workload of this spec",
            section.v
        ),
    )
    .at(section.span, "no such workload")
    .help(help)
}

fn ticks<S: AsRef<str>>(items: &[S]) -> String {
    items
        .iter()
        .map(|i| format!("`{}`", i.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A patch that changed what the object is filed by (E0311): one error per patch value that
/// did, naming every such field it changed.
fn identity(spec: &Spec, was: &Value, doc: &Document, d: &mut Diagnostics) {
    let mut by_origin: BTreeMap<(usize, usize), (Origin, Vec<String>)> = BTreeMap::new();
    for pointer in IDENTITY {
        if was.pointer(pointer) == doc.value.pointer(pointer) {
            continue;
        }
        let Some(origin) = near(&doc.origins, pointer) else {
            continue;
        };
        let field = crate::pointer::unescape(pointer.trim_start_matches('/'));
        by_origin
            .entry((origin.span.start, origin.span.end))
            .or_insert((origin, Vec::new()))
            .1
            .push(format!("`{}`", field.replacen('/', ".", 2)));
    }
    for (origin, fields) in by_origin.into_values() {
        d.push(
            Diagnostic::new(
                &codes::E0311,
                format!(
                    "`{}` changes {} of {}, which mlspec names and files the object by",
                    patch_path(spec, origin.patch),
                    fields.join(", "),
                    describe(was)
                ),
            )
            .at(origin.span, "changes the object's identity")
            .help("set names and namespaces with `[app]` and the section's keys; add labels beside mlspec's instead of changing them"),
        );
    }
}

/// `patches.NAME` of the patch at `index`.
pub(crate) fn patch_path(spec: &Spec, index: usize) -> String {
    spec.patches
        .get(index)
        .map_or_else(|| "patches".to_string(), |(n, _)| join("patches", &n.v))
}

/// `Deployment ml/name`, for messages.
pub(crate) fn describe(v: &Value) -> String {
    let text = |p: &str| v.pointer(p).and_then(Value::as_str).unwrap_or("?");
    match v.pointer("/metadata/namespace").and_then(Value::as_str) {
        Some(ns) => format!("{} {ns}/{}", text("/kind"), text("/metadata/name")),
        None => format!("{} {}", text("/kind"), text("/metadata/name")),
    }
}

/// The origin of the patched value at `pointer`, or above it, or else the first one under it:
/// the patch responsible for what is at `pointer`.
pub(crate) fn near(origins: &BTreeMap<String, Origin>, pointer: &str) -> Option<Origin> {
    let mut at = pointer;
    loop {
        if let Some(o) = origins.get(at) {
            return Some(*o);
        }
        match at.rfind('/') {
            Some(i) => at = &at[..i],
            None => break,
        }
    }
    let under = format!("{pointer}/");
    origins
        .range(under.clone()..)
        .next()
        .filter(|(k, _)| k.starts_with(&under))
        .map(|(_, o)| *o)
}
