//! A platform team's own catalog: a folder with any of `FILES` (`accelerators.toml`,
//! `providers.toml`, `runtimes.toml`, `sources.toml`, `models.toml`) in the built-in files' format, whose entries add to the built-in ones or replace them by name
//! (`--stdlib DIR`, or `[app] stdlib = "DIR"` in a spec). Entries get the checks built-in ones
//! get (`check`), each problem a diagnostic (E0010, or a W02xx warning that leaves the entry
//! usable) pointing into the user's file.
//!
//! Pure: the CLI reads the folder and hands the files here.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;

use super::Catalog;
use super::check::{self, Problem};
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::source::{SourceFile, Span};
use crate::spec::tree;
use crate::verify::origin;

/// The files a user catalog may hold, in the order they are layered.
pub const FILES: [&str; 5] = [
    "accelerators.toml",
    "providers.toml",
    "runtimes.toml",
    "sources.toml",
    "models.toml",
];

/// `base` with the entries of `files` added or replacing its own, and each file's diagnostics
/// (in the order of `files`). A file with errors adds nothing.
pub fn extend(base: &Catalog, files: &[SourceFile]) -> (Catalog, Vec<Diagnostics>) {
    let mut catalog = base.clone();
    let mut diags: Vec<Diagnostics> = files.iter().map(|_| Diagnostics::default()).collect();
    let kind = |f: &SourceFile| {
        std::path::Path::new(&f.name)
            .file_name()
            .and_then(|n| n.to_str())
            .map(str::to_string)
    };
    for (i, file) in files.iter().enumerate() {
        if !kind(file).is_some_and(|k| FILES.contains(&k.as_str())) {
            diags[i].push(
                Diagnostic::new(
                    &codes::E0010,
                    format!("`{}` is not a catalog file mlspec reads", file.name),
                )
                .at(Span::file_start(), "this file")
                .help(format!(
                    "a user catalog holds {} (any of them); move other files out of the folder",
                    FILES.map(|f| format!("`{f}`")).join(", ")
                )),
            );
        }
    }
    // In FILES' order: accelerators first, as a provider or a runtime's starter may name one
    // the same catalog adds.
    for name in FILES {
        for (file, d) in files.iter().zip(diags.iter_mut()) {
            if kind(file).as_deref() != Some(name) {
                continue;
            }
            let c = &mut catalog;
            match name {
                "accelerators.toml" => {
                    layer(
                        c,
                        file,
                        d,
                        |n, a, _| check::accelerator(n, a),
                        |c| &mut c.accelerators,
                    );
                }
                "providers.toml" => layer(c, file, d, check::provider, |c| &mut c.providers),
                "sources.toml" => layer(c, file, d, check::source, |c| &mut c.sources),
                "models.toml" => layer(c, file, d, super::models::check_entry, |c| &mut c.models),
                _ => layer(c, file, d, check::runtime, |c| &mut c.runtimes),
            }
        }
    }
    (catalog, diags)
}

/// Add one file's entries to `catalog` when they parse and pass `check`; else report why.
fn layer<T: DeserializeOwned>(
    catalog: &mut Catalog,
    file: &SourceFile,
    diags: &mut Diagnostics,
    check: fn(&str, &T, &Catalog) -> Vec<Problem>,
    table: fn(&mut Catalog) -> &mut BTreeMap<String, T>,
) {
    if let Some(entries) = entries::<T>(file, diags) {
        let problems = entries
            .iter()
            .flat_map(|(n, e)| check(n, e, catalog))
            .collect();
        if report(file, problems, diags) {
            table(catalog).extend(entries);
        }
    }
}

/// The file's entries, or a diagnostic at the place serde stopped.
fn entries<T: DeserializeOwned>(
    file: &SourceFile,
    diags: &mut Diagnostics,
) -> Option<BTreeMap<String, T>> {
    match toml::from_str(&file.text) {
        Ok(entries) => Some(entries),
        Err(e) => {
            let span = e.span().map_or(Span::file_start(), Span::from);
            diags.push(
                Diagnostic::new(
                    &codes::E0010,
                    format!("`{}`: {}", file.name, e.message().trim_end()),
                )
                .at(span, "here")
                .help("entries have the built-in catalog's keys; `mlspec stdlib show NAME` prints one to start from"),
            );
            None
        }
    }
}

/// Turn problems into diagnostics on their keys; whether none was an error (warnings leave the
/// entries usable).
fn report(file: &SourceFile, problems: Vec<Problem>, diags: &mut Diagnostics) -> bool {
    if problems.is_empty() {
        return true;
    }
    let usable = problems.iter().all(|p| p.code.id != codes::E0010.id);
    let mut scratch = Diagnostics::default();
    let root = tree::parse(&file.text, &mut scratch);
    for p in problems {
        let span = origin::find(&root, &p.path)
            .or_else(|| origin::find(&root, p.path.split('.').next().unwrap_or_default()))
            .unwrap_or_else(Span::file_start);
        diags.push(
            Diagnostic::new(p.code, p.message)
                .at(span, "in this entry")
                .help(p.help),
        );
    }
    usable
}

#[cfg(test)]
mod tests {
    use super::*;

    const GPU: &str = r#"[acme-x1]
description = "Acme X1 inference card"
resource = "acme.com/x1"
memory = "32Gi"
max_per_node = 4
node_selector = { "acme.com/card" = "x1" }
tolerations = ["acme.com/x1:NoSchedule"]
"#;

    #[test]
    fn entries_are_added_and_replace_by_name() {
        let base = Catalog::builtin().expect("stdlib");
        let l4 = GPU.replace("[acme-x1]", "[nvidia-l4]");
        let files = [SourceFile::new(
            "team/accelerators.toml",
            format!("{GPU}\n{l4}"),
        )];
        let (c, diags) = extend(&base, &files);
        assert!(diags.iter().all(Diagnostics::is_empty), "{diags:?}");
        assert_eq!(
            c.accelerator("acme-x1").map(|a| a.resource.as_str()),
            Some("acme.com/x1")
        );
        assert_eq!(
            c.accelerator("nvidia-l4").map(|a| a.resource.as_str()),
            Some("acme.com/x1")
        );
        assert!(c.accelerator("nvidia-t4").is_some(), "the rest stays");
    }

    #[test]
    fn a_bad_value_points_at_its_key_and_adds_nothing() {
        let base = Catalog::builtin().expect("stdlib");
        let text = GPU.replace("\"32Gi\"", "\"32 GB\"");
        let files = [SourceFile::new("accelerators.toml", text.clone())];
        let (c, diags) = extend(&base, &files);
        assert!(c.accelerator("acme-x1").is_none());
        let d = diags[0].iter().next().expect("a diagnostic");
        assert_eq!(d.code.id, "E0010");
        let span = d.primary.as_ref().expect("a span").span;
        assert_eq!(&text[span.start..span.end], "\"32 GB\"");
    }

    #[test]
    fn an_unknown_key_is_reported_where_it_is() {
        let base = Catalog::builtin().expect("stdlib");
        let text = GPU.replace("memory =", "memroy =");
        let files = [SourceFile::new("accelerators.toml", text.clone())];
        let (_, diags) = extend(&base, &files);
        let d = diags[0].iter().next().expect("a diagnostic");
        assert!(d.message.contains("memroy"), "{}", d.message);
        let span = d.primary.as_ref().expect("a span").span;
        assert!(text[span.start..].starts_with("memroy"), "{span:?}");
    }
}
