//! `[patches.NAME]`: a change to an object mlspec generates, for what no key covers.
//!
//! A patch names its target (`kind` and `name`, or `pods`: every pod template of a workload)
//! and says what to change: `merge` (a JSON merge patch, in Kubernetes' own field names),
//! `remove` (JSON pointers) or `delete` (the whole object). The `merge` table is kept as the
//! spanned tree the user wrote, so the patch stage can point at any line of it.

use schemars::JsonSchema;

use super::read::{Fields, Sp};
use super::tree::{Node, Value};
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::source::Span;

/// `[patches.NAME]`: change a generated object where no key covers what you need. Patches
/// apply in name order, after generation and before verification: the patched objects are
/// checked against the Kubernetes schemas, the API server's rules and the bundle's own
/// references, and a patch that weakens a secure default is a named warning.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Patch {
    /// The kind of the object to patch, as Kubernetes names it (`Deployment`, `Service`,
    /// `NetworkPolicy`); with `name`.
    #[schemars(extend("enum" = crate::kinds::ALL.iter().map(|k| k.name).collect::<Vec<_>>()))]
    pub kind: Option<Sp<String>>,
    /// The name of the object to patch (`mlspec build` prints every object's name); with
    /// `kind`.
    #[schemars(extend("examples" = ["sentiment"]))]
    pub name: Option<Sp<String>>,
    /// Patch every pod template of a workload instead of one object: `serve`, `jobs.NAME` or
    /// `schedules.NAME`. `merge` and `remove` are then relative to the pod template
    /// (`metadata`, `spec`).
    #[schemars(extend("examples" = ["serve", "jobs.backfill"]))]
    pub pods: Option<Sp<String>>,
    /// A JSON merge patch (RFC 7386) in Kubernetes' field names: tables merge key by key, other
    /// values replace. Lists of named items merge by name as `kubectl patch` does (containers,
    /// env, ports, volumes, volumeMounts; tolerations by `key`), so one entry can be added or
    /// changed without restating the list.
    #[schemars(with = "Option<crate::schema::PatchMerge>")]
    pub merge: Option<Node>,
    /// JSON pointers (RFC 6901) of fields to remove, applied before `merge`; in a list of
    /// named items a segment may be the item's name (`/spec/containers/server/workingDir`).
    #[schemars(extend("examples" = [["/spec/template/spec/topologySpreadConstraints"]]))]
    pub remove: Option<Vec<Sp<String>>>,
    /// `true` removes the object from the bundle.
    pub delete: Option<Sp<bool>>,
    /// The patch's `[patches.NAME]` key.
    #[schemars(skip)]
    pub span: Span,
}

/// What a patch applies to.
#[derive(Debug, Clone, PartialEq)]
pub enum Target<'a> {
    /// One object, by kind and name.
    Object {
        kind: &'a Sp<String>,
        name: &'a Sp<String>,
    },
    /// Every pod template of the workload at this spec path (`serve`, `jobs.NAME`).
    Pods(&'a Sp<String>),
}

impl Patch {
    pub fn read(f: &mut Fields, d: &mut Diagnostics) -> Patch {
        let path = f.path().to_string();
        // A key given with a wrong type is reported as such, not as missing.
        let asks = ["merge", "remove", "delete"].iter().any(|k| f.has(k));
        let merge = f.entry("merge").and_then(|e| match &e.node.value {
            Value::Table(_) => Some(e.node.clone()),
            _ => {
                d.push(super::read::wrong_type(
                    &format!("{path}.merge"),
                    "a table of Kubernetes fields",
                    &e.node,
                ));
                None
            }
        });
        let remove = f.strings(d, "remove").map(|list| {
            list.into_iter()
                .filter(|p| pointer_syntax(&path, p, d))
                .collect()
        });
        let p = Patch {
            kind: f.string(d, "kind"),
            name: f.string(d, "name"),
            pods: f.string(d, "pods"),
            merge,
            remove,
            delete: f.bool(d, "delete"),
            span: f.span(),
        };
        p.check(&path, f.span(), asks, d);
        p
    }

    /// The target, when the patch names exactly one (`read` reported the rest).
    pub fn target(&self) -> Option<Target<'_>> {
        match (&self.kind, &self.name, &self.pods) {
            (Some(kind), Some(name), None) => Some(Target::Object { kind, name }),
            (None, None, Some(pods)) => Some(Target::Pods(pods)),
            _ => None,
        }
    }

    /// Whether any of the patch's keys or values lies in `extent` (an overlay's).
    pub fn touches(&self, extent: Span) -> bool {
        let meets = |s: Span| s.start < extent.end && extent.start < s.end;
        let strings = [&self.kind, &self.name, &self.pods];
        strings.into_iter().flatten().any(|v| meets(v.span))
            || self.remove.iter().flatten().any(|v| meets(v.span))
            || self.delete.as_ref().is_some_and(|v| meets(v.span))
            || self.merge.as_ref().is_some_and(|m| meets(m.extent()))
    }

    /// Whether the patch removes its object from the bundle.
    pub fn deletes(&self) -> bool {
        self.delete.as_ref().is_some_and(|d| d.v)
    }

    /// The keys that must come together, and those that exclude each other.
    fn check(&self, path: &str, span: Span, asks: bool, d: &mut Diagnostics) {
        let head = Span::new(span.start, span.start + 1);
        let object = self.kind.as_ref().or(self.name.as_ref());
        match (&self.pods, object) {
            (Some(pods), Some(other)) => d.push(
                Diagnostic::new(
                    &codes::E0007,
                    format!("`{path}` names both `pods` and an object (`kind`/`name`)"),
                )
                .at(pods.span, "every pod template of a workload")
                .also(other.span, "one object")
                .help("a patch has one target: write two patches for two targets"),
            ),
            (None, None) => d.push(
                Diagnostic::new(&codes::E0004, format!("`{path}` names no target"))
                    .at(head, "`kind` and `name`, or `pods`, is missing here")
                    .help("add `kind = \"Deployment\"` and `name = \"…\"` (an object `mlspec build` prints), or `pods = \"serve\"`"),
            ),
            (None, Some(_)) => {
                for (key, has) in [("kind", &self.kind), ("name", &self.name)] {
                    if has.is_none() {
                        d.push(
                            Diagnostic::new(
                                &codes::E0004,
                                format!("`{path}.{key}` is required with `kind`/`name`"),
                            )
                            .at(head, format!("`{key}` is missing here"))
                            .help("name the object by both its kind and its name"),
                        );
                    }
                }
            }
            (Some(_), None) => {}
        }
        let edits = self.merge.is_some() || self.remove.is_some();
        match &self.delete {
            Some(del) if del.v && edits => d.push(
                Diagnostic::new(
                    &codes::E0007,
                    format!("`{path}.delete` removes the object that `merge`/`remove` change"),
                )
                .at(del.span, "deletes the object")
                .help("keep `delete = true` alone, or drop it to change the object"),
            ),
            Some(del) if del.v && self.pods.is_some() => d.push(
                Diagnostic::new(
                    &codes::E0007,
                    format!("`{path}.delete` cannot remove pod templates"),
                )
                .at(del.span, "with `pods`")
                .help("delete one object by `kind` and `name`; a workload's pods go with its section"),
            ),
            Some(del) if del.v => {}
            _ if !asks => d.push(
                Diagnostic::new(&codes::E0004, format!("`{path}` changes nothing"))
                    .at(head, "`merge`, `remove` or `delete` is missing here")
                    .help("add `merge = { … }` with the fields to set, `remove = [\"/json/pointer\"]`, or `delete = true`"),
            ),
            _ => {}
        }
    }
}

/// Whether a `remove` entry is written as a JSON pointer; reports it otherwise.
fn pointer_syntax(path: &str, p: &Sp<String>, d: &mut Diagnostics) -> bool {
    if p.v.starts_with('/') {
        return true;
    }
    let hint = format!("/{}", p.v.replace('.', "/"));
    d.push(
        Diagnostic::new(
            &codes::E0312,
            format!(
                "`{path}.remove` holds `{}`, which is not a JSON pointer",
                p.v
            ),
        )
        .at(p.span, "not a JSON pointer")
        .help(format!(
            "write the path from the object's top, each field after a `/`: `{hint}`"
        )),
    );
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::tree;

    fn read(text: &str) -> (Patch, Diagnostics) {
        let mut d = Diagnostics::default();
        let root = tree::parse(text, &mut d);
        let mut f = Fields::new(&root, "patches.p", &mut d).expect("table");
        let p = Patch::read(&mut f, &mut d);
        f.finish(&mut d);
        (p, d)
    }

    fn codes(d: &Diagnostics) -> Vec<&'static str> {
        d.iter().map(|x| x.code.id).collect()
    }

    #[test]
    fn a_patch_names_one_target_and_something_to_do() {
        let (p, d) = read("pods = \"serve\"\nmerge = { spec = { hostname = \"a\" } }\n");
        assert!(d.is_empty(), "{d:?}");
        assert!(matches!(p.target(), Some(Target::Pods(s)) if s.v == "serve"));
        let (p, d) = read("kind = \"Service\"\nname = \"a\"\ndelete = true\n");
        assert!(d.is_empty(), "{d:?}");
        assert!(p.deletes() && matches!(p.target(), Some(Target::Object { .. })));

        let (_, d) = read("kind = \"Service\"\npods = \"serve\"\nremove = [\"/a\"]\n");
        assert_eq!(codes(&d), ["E0007"]);
        let (_, d) = read("kind = \"Service\"\nremove = [\"/a\"]\n");
        assert_eq!(codes(&d), ["E0004"]);
        let (_, d) = read("pods = \"serve\"\n");
        assert_eq!(codes(&d), ["E0004"]);
        let (_, d) = read("pods = \"serve\"\ndelete = true\n");
        assert_eq!(codes(&d), ["E0007"]);
        let (_, d) = read("kind = \"Service\"\nname = \"a\"\ndelete = true\nremove = [\"/a\"]\n");
        assert_eq!(codes(&d), ["E0007"]);
    }

    #[test]
    fn remove_takes_json_pointers_and_merge_a_table() {
        let (p, d) = read("pods = \"serve\"\nremove = [\"spec.hostname\", \"/spec/x\"]\n");
        assert_eq!(codes(&d), ["E0312"]);
        assert!(d.iter().any(|x| {
            x.help
                .as_deref()
                .is_some_and(|h| h.contains("`/spec/hostname`"))
        }));
        assert_eq!(p.remove.map(|r| r.len()), Some(1));
        let (_, d) = read("pods = \"serve\"\nmerge = [1]\n");
        assert_eq!(codes(&d), ["E0003"]);
    }
}
