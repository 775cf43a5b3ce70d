//! The documentation stays true: every spec on docs/accelerators.md and docs/jobs.md builds as
//! shown, the providers' table lists every provider of the catalog, the variables docs/jobs.md
//! names are the ones a JobSet of slices gets, README.md stays a front door (at most 25,000
//! bytes), and every relative link of README.md and docs/ reaches a file (and a heading).

use std::collections::BTreeSet;
use std::path::Path;

use mlspec::compile_str;

use crate::support::{catalog, root};

fn page(name: &str) -> String {
    std::fs::read_to_string(root().join("docs").join(name)).expect("the page")
}

/// Every ```toml block of a page that is a whole spec (it starts with `[app]`).
fn specs(text: &str) -> Vec<String> {
    text.split("```toml\n")
        .skip(1)
        .filter_map(|b| b.split_once("```").map(|(spec, _)| spec.to_string()))
        .filter(|spec| spec.starts_with("[app]"))
        .collect()
}

#[test]
fn every_spec_on_the_pages_builds() {
    for name in ["accelerators.md", "jobs.md"] {
        let text = page(name);
        let found = specs(&text);
        assert!(found.len() >= 2, "{name} shows specs");
        for spec in found {
            let (objects, d) = compile_str(&spec);
            assert!(!d.has_errors(), "{name}:\n{spec}\n{d:?}");
            assert!(!objects.is_empty(), "{name}: {spec}");
        }
    }
}

#[test]
fn the_providers_table_lists_every_provider() {
    let text = page("accelerators.md");
    for name in catalog().providers.keys() {
        assert!(
            text.contains(&format!("| `{name}` |")),
            "docs/accelerators.md does not describe provider `{name}`"
        );
    }
}

#[test]
fn the_jobset_variables_are_the_ones_written() {
    let text = page("jobs.md");
    let jobset = &catalog().defaults.jobset;
    for var in jobset
        .slice_env
        .keys()
        .chain(std::iter::once(&jobset.slice_index_env))
    {
        assert!(text.contains(&format!("`{var}`")), "docs/jobs.md: {var}");
    }
    assert!(text.contains(&jobset.slice_index_label));
    assert!(text.contains(&format!("name: {}", jobset.replicated_job)));
}

/// README.md is the front door: what mlspec is, two commands, a short tour, links. The
/// reference lives in docs/.
#[test]
fn the_readme_reads_in_one_sitting() {
    let size = std::fs::metadata(root().join("README.md"))
        .expect("README.md")
        .len();
    assert!(
        size <= 25_000,
        "README.md is {size} bytes; move reference material to a page of docs/"
    );
}

/// Every relative link of README.md and docs/*.md names a file or folder that exists, and a
/// `#fragment` into a Markdown file names one of its headings, slugged as GitHub does.
#[test]
fn every_relative_link_resolves() {
    let mut checked = 0;
    for (page, text) in crate::support::markdown_pages() {
        let dir = root().join(&page);
        let dir = dir.parent().expect("a page is in a folder");
        for target in links(&text) {
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let (path, fragment) = target.split_once('#').unwrap_or((&target, ""));
            let file = if path.is_empty() {
                root().join(&page)
            } else {
                dir.join(path)
            };
            assert!(file.exists(), "{page}: the link `{target}` names no file");
            if !fragment.is_empty() {
                assert!(
                    file.extension().is_some_and(|e| e == "md"),
                    "{page}: `{target}` has a fragment but is not Markdown"
                );
                let anchors = anchors(&file);
                assert!(
                    anchors.contains(fragment),
                    "{page}: `{target}` names no heading of {}; it has {anchors:#?}",
                    file.display()
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 50, "only {checked} relative links checked");
}

/// The targets of the inline links `[text](target)` of a page, outside code blocks and spans.
fn links(markdown: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut fenced = false;
    for line in markdown.lines() {
        if line.starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        // Code spans are not links: drop them, keeping the text between them.
        let prose: String = line.split('`').step_by(2).collect::<Vec<_>>().join("");
        let mut rest = prose.as_str();
        while let Some(i) = rest.find("](") {
            rest = &rest[i + 2..];
            let end = rest.find(')').unwrap_or(rest.len());
            out.push(rest[..end].to_string());
            rest = &rest[end..];
        }
    }
    out
}

/// The anchors GitHub gives a Markdown file's headings: lowercased, every character but
/// letters, digits, `-`, `_` and spaces dropped, spaces made hyphens; a repeated slug gets
/// `-1`, `-2`, … in order.
fn anchors(file: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(file).expect("a readable page");
    let mut seen = BTreeSet::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.starts_with("```") {
            fenced = !fenced;
            continue;
        }
        let Some(heading) = line.trim_start_matches('#').strip_prefix(' ') else {
            continue;
        };
        if fenced || !line.starts_with('#') {
            continue;
        }
        let slug: String = heading
            .trim()
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ' '))
            .map(|c| if c == ' ' { '-' } else { c })
            .collect();
        let mut unique = slug.clone();
        let mut n = 0;
        while seen.contains(&unique) {
            n += 1;
            unique = format!("{slug}-{n}");
        }
        seen.insert(unique);
    }
    seen
}
