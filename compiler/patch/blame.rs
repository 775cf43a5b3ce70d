//! Verify findings on patched objects, as the patch's errors.
//!
//! The generated bundle verified clean before any patch applied, so whatever verify finds after
//! is a patch's doing. A finding is put on the patch value that set the value at fault, or one
//! it depends on (the pod labels a selector missed); else on the `delete` that removed what it
//! refers to; else on the first patch of its object. An unknown field gets a "did you mean" from
//! the kind's schema.

use serde_json::Value;

use super::{Applied, describe, near, patch_path};
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::document::{Document, Origin};
use crate::spec::Spec;
use crate::values::suggest::suggest;
use crate::verify::{KubeVersion, Located, Rule, schema};

/// Each finding as an error at the patch responsible (E0313 schema, E0314 API-server rule,
/// E0315 reference).
pub fn findings(
    spec: &Spec,
    docs: &[Document],
    applied: &Applied,
    found: &[Located],
    version: KubeVersion,
) -> Diagnostics {
    let mut out = Diagnostics::default();
    for l in found {
        let Some(doc) = docs.get(l.object) else {
            continue;
        };
        if l.finding.rule == Rule::Schema && unknown_fields(spec, doc, l, version, &mut out) {
            continue;
        }
        let Some(origin) = culprit(docs, applied, l) else {
            continue;
        };
        let patch = patch_path(spec, origin.patch);
        let what = describe(&doc.value);
        let at = if l.finding.pointer.is_empty() {
            String::new()
        } else {
            format!(" at `{}`", l.finding.pointer)
        };
        let (code, message, help) = match l.finding.rule {
            Rule::Schema => (
                &codes::E0313,
                format!(
                    "`{patch}` makes {what} fail the Kubernetes {version} schema{at}: {}",
                    l.finding.message
                ),
                format!(
                    "write what the schema expects there (`kubectl explain {}`)",
                    explain_path(doc, &l.finding.pointer)
                ),
            ),
            Rule::Api => (
                &codes::E0314,
                format!(
                    "`{patch}` makes {what} break a rule of the Kubernetes {version} API server{at}: {}",
                    l.finding.message
                ),
                "change the patch so the object keeps the rule, or drop that part of it"
                    .to_string(),
            ),
            Rule::Reference => (
                &codes::E0315,
                format!(
                    "after `{patch}`, {what} refers to nothing{at}: {}",
                    l.finding.message
                ),
                "keep the names and labels other objects of the bundle select (`app.kubernetes.io/name`, `app.kubernetes.io/instance`); add new ones beside them"
                    .to_string(),
            ),
        };
        out.push(
            Diagnostic::new(code, message)
                .at(origin.span, "the patch that does it")
                .help(help),
        );
    }
    out
}

/// The patch value a finding is about.
fn culprit(docs: &[Document], applied: &Applied, l: &Located) -> Option<Origin> {
    let on = |object: usize, pointer: &str| near(&docs.get(object)?.origins, pointer);
    on(l.object, &l.finding.pointer)
        .or_else(|| {
            l.finding
                .related
                .iter()
                .find_map(|(object, pointer)| on(*object, pointer))
        })
        .or_else(|| {
            (l.finding.rule == Rule::Reference)
                .then(|| applied.deleted.first().map(|(_, o)| *o))
                .flatten()
        })
        .or_else(|| docs.get(l.object)?.origins.values().next().copied())
        .or_else(|| applied.deleted.first().map(|(_, o)| *o))
        .or_else(|| {
            docs.iter()
                .flat_map(|d| d.origins.values())
                .min_by_key(|o| o.patch)
                .copied()
        })
}

/// A schema finding on an object that holds fields its schema does not know: one E0313 per
/// such field, at the patch value that set it, with the closest field the schema has.
fn unknown_fields(
    spec: &Spec,
    doc: &Document,
    l: &Located,
    version: KubeVersion,
    out: &mut Diagnostics,
) -> bool {
    let Some(Value::Object(held)) = doc.value.pointer(&l.finding.pointer) else {
        return false;
    };
    let Some((definition, fields)) = schema::fields_at(&doc.value, version, &l.finding.pointer)
    else {
        return false;
    };
    let mut any = false;
    for key in held.keys().filter(|k| !fields.contains(k)) {
        let pointer = format!("{}/{}", l.finding.pointer, super::merge::escape(key));
        let Some(origin) = near(&doc.origins, &pointer) else {
            continue;
        };
        let of = definition
            .as_deref()
            .map_or_else(|| "the object there".to_string(), |n| format!("`{n}`"));
        let help = match suggest(key, &fields) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!(
                "the fields of {of} are listed by `kubectl explain {}`",
                explain_path(doc, &l.finding.pointer)
            ),
        };
        out.push(
            Diagnostic::new(
                &codes::E0313,
                format!(
                    "`{}` sets `{key}`, which is not a field of {of} in the Kubernetes {version} schema (at `{pointer}` in {})",
                    patch_path(spec, origin.patch),
                    describe(&doc.value)
                ),
            )
            .at(origin.span, "unknown field")
            .help(help),
        );
        any = true;
    }
    any
}

/// `deployment.spec.template.spec.containers` for `/spec/template/spec/containers/0`: the
/// argument `kubectl explain` takes.
fn explain_path(doc: &Document, pointer: &str) -> String {
    let mut out = doc.kind().to_ascii_lowercase();
    for segment in crate::pointer::segments(pointer) {
        if segment.parse::<usize>().is_err() {
            out.push('.');
            out.push_str(&crate::pointer::unescape(segment));
        }
    }
    out
}
