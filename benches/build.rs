//! One app built a thousand times in a loop, in process: compile (parse, resolve, validate,
//! generate, verify against the Kubernetes 1.37 schemas and API rules) and emit YAML, for each
//! shipped example. The first build pays for loading the catalog and compiling the schema
//! validators; the loop shows the steady cost per build and that it does not creep up (no state
//! grows from one build to the next).
//!
//! `cargo bench --bench build`; `cargo bench --bench build -- 10000` for a longer loop.

#![allow(clippy::disallowed_methods)] // a benchmark reads its inputs itself

use std::time::Instant;

use mlspec::source::SourceFile;
use mlspec::stdlib::Catalog;
use mlspec::{Options, compile, emit};

fn main() {
    let loops: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1000);
    let catalog = Catalog::builtin().expect("the built-in catalog");
    let options = Options::default();
    let mut examples: Vec<_> = std::fs::read_dir("examples")
        .expect("run from the repository root")
        .filter_map(Result::ok)
        .map(|e| e.path().join("app.toml"))
        .filter(|p| p.exists())
        .collect();
    examples.sort();
    for path in examples {
        let text = std::fs::read_to_string(&path).expect("an example");
        let source = SourceFile::new(path.display().to_string(), text);
        let build = || {
            let out = compile(&source, &catalog, &options);
            assert!(!out.diagnostics.has_errors(), "{}", path.display());
            emit::yaml(&out.objects).expect("YAML").len()
        };
        let start = Instant::now();
        let bytes = build();
        let first = start.elapsed();
        let start = Instant::now();
        let mut halves = [0.0; 2];
        for i in 0..loops {
            let t = Instant::now();
            std::hint::black_box(build());
            halves[usize::from(i >= loops / 2)] += t.elapsed().as_secs_f64();
        }
        let total = start.elapsed();
        let half = (loops / 2).max(1) as f64;
        println!(
            "{:<32} {bytes:>6} bytes: first {:>6.2} ms, then {loops} builds in {:>7.1} ms = {:>5.0} µs each (first half {:.0} µs, second half {:.0} µs)",
            path.display(),
            first.as_secs_f64() * 1e3,
            total.as_secs_f64() * 1e3,
            total.as_secs_f64() * 1e6 / loops as f64,
            halves[0] * 1e6 / half,
            halves[1] * 1e6 / half,
        );
    }
}
