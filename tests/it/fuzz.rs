//! The fuzz targets' checks (`fuzz/checks.rs`) under `cargo test`: every input a fuzzer ever
//! crashed (saved in `fuzz/regressions/TARGET/`) and every seed the fuzzers start from must pass
//! them, so a fixed crash stays fixed without a fuzzing toolchain.

use crate::support::root;

#[path = "../../fuzz/checks.rs"]
mod checks;

/// Files under `dir` (relative to the repository) whose names end with one of `suffixes`.
fn files(dir: &str, suffixes: &[&str]) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root().join(dir)];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.filter_map(Result::ok) {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if suffixes.is_empty()
                || suffixes.iter().any(|s| p.to_string_lossy().ends_with(s))
            {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn run(check: fn(&[u8]), inputs: &[std::path::PathBuf]) -> usize {
    for p in inputs {
        let data = std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        let outcome = std::panic::catch_unwind(|| check(&data));
        assert!(outcome.is_ok(), "{} fails its fuzz check", p.display());
    }
    inputs.len()
}

fn regressions(target: &str) -> Vec<std::path::PathBuf> {
    files(&format!("fuzz/regressions/{target}"), &[])
}

#[test]
fn compile_check_holds_for_seeds_and_regressions() {
    let mut inputs = files("examples", &["app.toml"]);
    inputs.extend(files("tests/bad", &[".toml"]));
    inputs.extend(regressions("compile"));
    assert!(run(checks::compile, &inputs) > 60);
}

#[test]
fn inventory_check_holds_for_seeds_and_regressions() {
    let mut inputs = files("examples", &["inventory.toml", "nodes.json"]);
    inputs.extend(files(
        "tests/place",
        &["nodes.json", "nodes.yaml", "pools.toml"],
    ));
    inputs.extend(regressions("inventory"));
    assert!(run(checks::inventory, &inputs) > 100);
}

#[test]
fn existing_check_holds_for_seeds_and_regressions() {
    let mut inputs = files("tests/place", &["pods.json"]);
    inputs.extend(regressions("existing"));
    assert!(run(checks::existing, &inputs) > 20);
}

#[test]
fn place_check_holds_for_seeds_and_regressions() {
    let mut inputs = files("tests/place", &["manifests.yaml"]);
    inputs.extend(regressions("place"));
    assert!(run(checks::place, &inputs) > 100);
}

#[test]
fn values_check_holds_for_seeds_and_regressions() {
    let mut inputs = files("fuzz/seeds/values", &[]);
    inputs.extend(regressions("values"));
    assert!(run(checks::values, &inputs) > 20);
}

#[test]
fn outdir_check_holds_for_seeds_and_regressions() {
    let mut inputs = files("fuzz/seeds/outdir", &[]);
    inputs.extend(regressions("outdir"));
    assert!(run(checks::outdir, &inputs) >= 4);
}

#[test]
fn catalog_check_holds_for_seeds_and_regressions() {
    let mut inputs = files("stdlib", &[".toml"]);
    inputs.extend(files("tests/stdlib/platform", &[".toml"]));
    inputs.extend(regressions("catalog"));
    assert!(run(checks::catalog_file, &inputs) >= 8);
}

#[test]
fn seed_specs_reach_the_emit_step() {
    // The compile check's strongest clauses (no internal error, the YAML serializes) only run for
    // specs without errors: every example is one, so the seeds exercise them.
    let examples = files("examples", &["app.toml"]);
    assert!(examples.len() >= 5);
    for p in examples {
        let text = std::fs::read_to_string(&p).expect("an example");
        let (objects, diags) = mlspec::compile_str(&text);
        assert!(
            !diags.has_errors() && !objects.is_empty(),
            "{}",
            p.display()
        );
    }
}
