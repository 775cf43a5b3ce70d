//! What each fuzz target checks, on any bytes. Shared by the fuzz targets (`fuzz_targets/`) and
//! by `cargo test` (`tests/it/fuzz.rs`), which runs every saved crash in `fuzz/regressions/` and
//! every seed input through the same checks. A check panics when the property breaks.

use std::sync::OnceLock;

use mlspec::diagnostics::Diagnostics;
use mlspec::diagnostics::render::{Style, human};
use mlspec::inventory::{self, Inventory};
use mlspec::place::{self, Options as PlaceOptions, Strategy};
use mlspec::source::SourceFile;
use mlspec::stdlib::Catalog;
use mlspec::values::cron::parse_cron;
use mlspec::values::duration::{format_duration, parse_duration};
use mlspec::values::image::parse_image;
use mlspec::values::percent::{parse_int_or_percent, parse_percent};
use mlspec::values::quantity::Quantity;
use mlspec::{Options, compile as compile_spec, emit};

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| Catalog::builtin().expect("the built-in catalog loads"))
}

/// Every diagnostic renders against its file: its spans are in bounds.
fn render_all(diags: &Diagnostics, source: &SourceFile) {
    for d in diags.iter() {
        human(d, Some(source), Style::plain());
    }
}

/// The spec parser and the whole compiler. A spec without errors emits YAML, and no spec ever
/// produces an internal error (E03xx): whatever the checks accept, the verify stage accepts.
pub fn compile(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let source = SourceFile::new("app.toml", text);
    let out = compile_spec(&source, catalog(), &Options::default());
    render_all(&out.diagnostics, &source);
    if let Some(d) = out
        .diagnostics
        .iter()
        .find(|d| d.code.id.starts_with("E03"))
    {
        panic!(
            "an accepted spec generated objects the verify stage rejects:\n{}",
            human(d, Some(&source), Style::plain())
        );
    }
    if !out.diagnostics.has_errors() {
        emit::yaml(&out.objects).expect("accepted objects serialize");
    }
}

/// The inventory reader: TOML pools, or a NodeList / List as JSON or YAML, auto-detected.
pub fn inventory(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The name only labels diagnostics: the format is detected from the text.
    let source = SourceFile::new("inventory", text);
    let (inv, diags) = inventory::parse(&source, catalog());
    render_all(&diags, &source);
    if let Some(inv) = inv {
        assert!(
            inv.nodes.iter().all(|n| !n.name.is_empty()),
            "a node without a name was accepted"
        );
    }
}

/// The running-pods reader (`kubectl get pods -A -o json|yaml`).
pub fn existing(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let source = SourceFile::new("pods.json", text);
    let (pods, diags) = inventory::parse_existing(&source);
    render_all(&diags, &source);
    render_all(
        &inventory::unknown_nodes(&source, &pods, cluster()),
        &source,
    );
    assert!(
        pods.iter().all(|p| !p.node.is_empty()),
        "a pod on no node holds resources"
    );
}

const POOLS: &str = r#"
[[pool]]
name = "cpu"
count = 3
cpu = "8"
memory = "32Gi"
zones = ["a", "b"]

[[pool]]
name = "gpu"
count = 1
cpu = "48"
memory = "192Gi"
accelerator = "nvidia-l4"
gpus = 4
zones = ["a"]
"#;

fn cluster() -> &'static Inventory {
    static INV: OnceLock<Inventory> = OnceLock::new();
    INV.get_or_init(|| {
        let (inv, diags) = inventory::parse(&SourceFile::new("pools.toml", POOLS), catalog());
        assert!(diags.is_empty(), "{diags:?}");
        inv.expect("the fuzz cluster parses")
    })
}

/// The manifest reader of `mlspec place` and the simulation behind it, on a small fixed cluster
/// (CPU nodes in two zones, a tainted GPU node): the report's counts add up, per moment placed +
/// unplaced = pods, and feasible exactly when nothing is unplaced.
pub fn place(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let source = SourceFile::new("manifests.yaml", text);
    let (manifests, diags) = place::read_manifests(&source);
    render_all(&diags, &source);
    let strategy = if data.len().is_multiple_of(2) {
        Strategy::Spread
    } else {
        Strategy::Binpack
    };
    let report = place::simulate(
        cluster(),
        &[],
        &manifests,
        &PlaceOptions {
            strategy,
            ..Default::default()
        },
    );
    let json = report.to_json();
    let moments = json["moments"].as_object().expect("moments");
    for (name, m) in moments {
        let n = |k: &str| m[k].as_u64().expect("a count");
        assert_eq!(n("placed") + n("unplaced"), n("pods"), "{name}: {m}");
        assert_eq!(
            m["feasible"].as_bool(),
            Some(n("unplaced") == 0),
            "{name}: {m}"
        );
    }
    report.to_text();
}

/// Kubernetes quantities, cron schedules, image references, durations and percentages: what
/// parses formats back into text that parses to the same value.
pub fn values(data: &[u8]) {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(q) = Quantity::parse(s) {
        let text = q.to_string();
        match Quantity::parse(&text) {
            Ok(again) => assert_eq!(again, q, "{s:?} does not survive formatting as {text:?}"),
            Err(e) => panic!("{s:?} formats as {text:?}, which does not parse: {e}"),
        }
        q.milli_ceil();
        q.units_ceil();
    }
    if let Ok(d) = parse_duration(s) {
        let text = format_duration(d);
        assert_eq!(
            parse_duration(&text).ok(),
            Some(d),
            "{s:?} formats as {text:?}"
        );
    }
    let _ = parse_cron(s);
    let _ = parse_image(s);
    let _ = parse_percent(s);
    let _ = parse_int_or_percent(s);
}
