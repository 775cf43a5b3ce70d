//! Verify stage: generated objects against Kubernetes' own rules, before anything is written.
//!
//! Two checks, both in process and offline:
//! - [`schema`]: each object against the strict JSON schema of its kind for the target
//!   Kubernetes version (vendored under `schemas/k8s/<version>/`, embedded in the binary);
//! - [`rules`]: what the API server enforces in code and the schemas cannot say (name formats
//!   and lengths, quantity formats, GPU request = limit, Job restart policy, selectors that match
//!   their template) and the references a bundle must resolve within itself (Service, Ingress,
//!   HPA, PDB and NetworkPolicy targets, ConfigMaps and ServiceAccounts a pod uses).
//!
//! Every earlier stage already refused what a user can get wrong, so a finding here is a bug in
//! mlspec's generators. [`origin`] points it at the part of the user's file the value came from.

pub mod ephemeral;
pub mod origin;
pub mod rules;
pub mod schema;
pub mod strings;

use std::fmt;
use std::str::FromStr;

use serde_json::Value;

use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::document::Document;
use crate::generate::Object;
use crate::source::SourceFile;

/// A Kubernetes minor version mlspec can target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum KubeVersion {
    V1_33,
    V1_34,
    V1_35,
    V1_36,
    #[default]
    V1_37,
}

impl KubeVersion {
    /// Every supported version, oldest first.
    pub const ALL: [KubeVersion; 5] = [
        KubeVersion::V1_33,
        KubeVersion::V1_34,
        KubeVersion::V1_35,
        KubeVersion::V1_36,
        KubeVersion::V1_37,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn minor(self) -> u32 {
        33 + self as u32
    }
}

impl fmt::Display for KubeVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "1.{}", self.minor())
    }
}

impl FromStr for KubeVersion {
    type Err = String;

    /// `1.35`, `v1.35` or a patch release such as `1.35.2`.
    fn from_str(s: &str) -> Result<Self, String> {
        let bare = s.strip_prefix('v').unwrap_or(s);
        let mut parts = bare.split('.');
        let major = parts.next();
        let minor = parts.next().and_then(|m| m.parse::<u32>().ok());
        let patch_ok =
            parts.next().is_none_or(|p| p.parse::<u32>().is_ok()) && parts.next().is_none();
        let supported = || {
            let list: Vec<String> = Self::ALL.iter().map(ToString::to_string).collect();
            list.join(", ")
        };
        match (major, minor) {
            (Some("1"), Some(m)) if patch_ok => Self::ALL
                .into_iter()
                .find(|v| v.minor() == m)
                .ok_or_else(|| {
                    format!(
                        "Kubernetes {s} is not supported; choose one of {}",
                        supported()
                    )
                }),
            _ => Err(format!(
                "`{s}` is not a Kubernetes version such as 1.37; choose one of {}",
                supported()
            )),
        }
    }
}

/// Which check a finding comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// The kind's JSON schema.
    Schema,
    /// A rule the API server enforces in code.
    Api,
    /// A reference the bundle must resolve within itself (a selector, a name).
    Reference,
}

/// One problem in one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: Rule,
    /// JSON pointer into the object (`/spec/template/spec/containers/0/image`), or empty.
    pub pointer: String,
    pub message: String,
    /// The other values the finding depends on, as (object index, JSON pointer): the pod
    /// labels a selector failed to match, the volumes a mount failed to find. A finding is a
    /// patch's fault when a patch set its value or one of these.
    pub related: Vec<(usize, String)>,
}

/// A finding with the object it is about (an index into the checked documents).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    pub object: usize,
    /// `Kind namespace/name`, for messages.
    pub id: String,
    pub finding: Finding,
}

/// Objects as the JSON documents the checks read (and a test may edit).
pub fn documents(objects: &[Document]) -> Vec<Value> {
    objects.iter().map(|o| o.value.clone()).collect()
}

/// Verify a bundle's objects, as compiled.
pub fn verify(objects: &[Document], version: KubeVersion) -> Vec<Located> {
    let docs: Vec<&Value> = objects.iter().map(|d| &d.value).collect();
    check(&docs, version)
}

/// Verify objects as JSON documents: each against its schema, then the API-server rules over
/// those that read back as a kind mlspec emits (a document that does not has already failed its
/// schema).
pub fn verify_documents(docs: &[Value], version: KubeVersion) -> Vec<Located> {
    let docs: Vec<&Value> = docs.iter().collect();
    check(&docs, version)
}

fn check(docs: &[&Value], version: KubeVersion) -> Vec<Located> {
    let mut out = Vec::new();
    let mut typed = Vec::new();
    for (i, doc) in docs.iter().enumerate() {
        let mut found = Vec::new();
        schema::check(doc, version, &mut found);
        match Object::from_json((*doc).clone()) {
            Ok(o) => typed.push((i, o)),
            // The schema accepts what the API server would read, so this is rare: a number
            // where the typed object wants a string (a quantity written as `2`), say.
            Err(e) if found.is_empty() => found.push(Finding {
                rule: Rule::Schema,
                pointer: String::new(),
                message: format!("the object does not read back as a {}: {e}", kind_of(doc)),
                related: Vec::new(),
            }),
            Err(_) => {}
        }
        out.extend(found.into_iter().map(|finding| Located {
            object: i,
            id: describe(doc),
            finding,
        }));
    }
    let complete = typed.len() == docs.len();
    for (i, finding) in rules::check(&typed, complete) {
        out.push(Located {
            object: i,
            id: describe(docs[i]),
            finding,
        });
    }
    out.sort_by(|a, b| (a.object, &a.finding.pointer).cmp(&(b.object, &b.finding.pointer)));
    out
}

/// Findings as diagnostics (E0300 for a schema, E0301 for an API-server rule): each names the
/// object and the JSON path, says it is mlspec's fault, and points at the part of the user's
/// file the value came from where [`origin`] can tell.
pub fn diagnostics(
    source: &SourceFile,
    docs: &[Value],
    found: &[Located],
    version: KubeVersion,
) -> Diagnostics {
    let mut out = Diagnostics::default();
    for l in found {
        let (code, what) = match l.finding.rule {
            Rule::Schema => (&codes::E0300, format!("the Kubernetes {version} schema")),
            Rule::Api | Rule::Reference => (
                &codes::E0301,
                format!("the Kubernetes {version} API server"),
            ),
        };
        let at = if l.finding.pointer.is_empty() {
            String::new()
        } else {
            format!(" at `{}`", l.finding.pointer)
        };
        let mut d = Diagnostic::new(
            code,
            format!(
                "internal error: the generated {}{at} would be rejected by {what}: {}",
                l.id, l.finding.message
            ),
        )
        .help(
            "this is a bug in mlspec, not in your spec; nothing was written. Please report it \
             with this spec and `mlspec --version`; `--k8s-version` picks another target",
        );
        let origin = docs
            .get(l.object)
            .and_then(|doc| origin::locate(source, doc, &l.finding.pointer));
        if let Some((span, path)) = origin {
            d = d.at(span, format!("the value came from `{path}`"));
        }
        out.push(d);
    }
    out
}

fn kind_of(doc: &Value) -> &str {
    doc.get("kind").and_then(Value::as_str).unwrap_or("?")
}

/// `Deployment team/name`, read from a document that may be malformed.
fn describe(doc: &Value) -> String {
    let text = |p: &str| doc.pointer(p).and_then(Value::as_str).unwrap_or("?");
    match doc.pointer("/metadata/namespace").and_then(Value::as_str) {
        Some(ns) => format!("{} {ns}/{}", text("/kind"), text("/metadata/name")),
        None => format!("{} {}", text("/kind"), text("/metadata/name")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_in_every_usual_spelling() {
        assert_eq!("1.33".parse(), Ok(KubeVersion::V1_33));
        assert_eq!("v1.35".parse(), Ok(KubeVersion::V1_35));
        assert_eq!("1.37.2".parse(), Ok(KubeVersion::V1_37));
        assert_eq!(KubeVersion::default().to_string(), "1.37");
        let old = "1.32".parse::<KubeVersion>().unwrap_err();
        assert!(
            old.contains("not supported") && old.contains("1.33, 1.34"),
            "{old}"
        );
        assert!("2.0".parse::<KubeVersion>().is_err());
        assert!("1.x".parse::<KubeVersion>().is_err());
        assert!("1.35.2.1".parse::<KubeVersion>().is_err());
    }
}
