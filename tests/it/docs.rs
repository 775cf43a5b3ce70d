//! docs/accelerators.md and docs/jobs.md stay true: every spec on the pages builds as shown, the
//! providers' table lists every provider of the catalog, and the variables docs/jobs.md names are
//! the ones a JobSet of slices gets.

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
