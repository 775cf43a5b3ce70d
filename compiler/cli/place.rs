//! `mlspec place`, and the `--inventory` check of `build` and `check`: load the cluster, turn
//! the inputs into Kubernetes objects, simulate the scheduler, report.

use std::path::Path;

use mlspec::compile;
use mlspec::diagnostics::render::Style;
use mlspec::generate::Object;
use mlspec::inventory::{self, ExistingPod, Inventory};
use mlspec::place::{self, Manifest, Report, Strategy};
use mlspec::stdlib::Catalog;

use super::args::{ClusterArgs, PlaceArgs, ReportFormat, StrategyArg};
use super::io::{self, ReadError};
use super::{EXIT_INPUT, EXIT_OK, EXIT_USAGE, report};

/// The cluster to place on.
pub struct Cluster {
    pub inventory: Inventory,
    pub existing: Vec<ExistingPod>,
    pub strategy: Strategy,
}

/// Read `--inventory` and `--existing`, printing their diagnostics. `Ok(None)` without
/// `--inventory`; `Err` is an exit code.
pub fn load(args: &ClusterArgs, catalog: &Catalog, style: Style) -> Result<Option<Cluster>, i32> {
    let Some(path) = &args.inventory else {
        return Ok(None);
    };
    let source = read(path, style)?;
    let (inventory, diags) = inventory::parse(&source, catalog);
    let (errors, _) = report::diagnostics(&source, diags.iter(), style);
    let existing = match &args.existing {
        Some(p) => {
            let pods = read(p, style)?;
            let (existing, d) = inventory::parse_existing(&pods);
            if report::diagnostics(&pods, d.iter(), style).0 > 0 {
                return Err(EXIT_INPUT);
            }
            existing
        }
        None => Vec::new(),
    };
    match inventory {
        Some(inventory) if errors == 0 => Ok(Some(Cluster {
            inventory,
            existing,
            strategy: match args.strategy {
                StrategyArg::Spread => Strategy::Spread,
                StrategyArg::Binpack => Strategy::Binpack,
            },
        })),
        _ => Err(EXIT_INPUT),
    }
}

fn read(path: &Path, style: Style) -> Result<mlspec::source::SourceFile, i32> {
    match io::read_source(path) {
        Ok(s) => Ok(s),
        Err(ReadError::Io(msg)) => {
            report::usage_error(&msg);
            Err(EXIT_USAGE)
        }
        Err(ReadError::NotText(boxed)) => {
            let (source, diag) = *boxed;
            report::diagnostics(&source, [&diag], style);
            Err(EXIT_INPUT)
        }
    }
}

pub fn manifests(objects: &[Object]) -> Vec<Manifest> {
    place::manifests::from_objects(objects).0
}

pub fn simulate(cluster: &Cluster, manifests: &[Manifest]) -> Report {
    let options = place::Options {
        strategy: cluster.strategy,
    };
    place::simulate(&cluster.inventory, &cluster.existing, manifests, &options)
}

/// For `build` and `check --inventory`: `Err(exit code)` (after printing why) when the
/// inventory cannot be used or the objects do not fit it; `Ok` without `--inventory`.
pub fn fits(args: &ClusterArgs, objects: &[Object], style: Style) -> Result<(), i32> {
    if args.inventory.is_none() {
        return Ok(());
    }
    let catalog = Catalog::builtin().map_err(|_| EXIT_USAGE)?;
    let Some(cluster) = load(args, &catalog, style)? else {
        return Ok(());
    };
    let report = simulate(&cluster, &manifests(objects));
    if report.feasible() {
        return Ok(());
    }
    report::eprint(&report.to_text());
    report::eprint("error: the bundle does not fit the inventory\n");
    Err(EXIT_INPUT)
}

pub fn run(a: &PlaceArgs, style: Style) -> i32 {
    let catalog = match Catalog::builtin() {
        Ok(c) => c,
        Err(e) => {
            report::usage_error(&format!(
                "internal error: the built-in catalog is broken: {e}"
            ));
            return EXIT_USAGE;
        }
    };
    if a.cluster.inventory.is_none() {
        report::usage_error(
            "`mlspec place` needs `--inventory FILE` (kubectl get nodes -o json, or node pools in TOML)",
        );
        return EXIT_USAGE;
    }
    let cluster = match load(&a.cluster, &catalog, style) {
        Ok(Some(c)) => c,
        Ok(None) => return EXIT_USAGE,
        Err(code) => return code,
    };
    let mut all: Vec<Manifest> = Vec::new();
    let mut errors = 0;
    let options = a.compile.options();
    for path in &a.inputs {
        let source = match read(path, style) {
            Ok(s) => s,
            Err(code) => return code,
        };
        if is_spec(path) {
            let compiled = compile(&source, &catalog, &options);
            errors += report::diagnostics(&source, compiled.diagnostics.iter(), style).0;
            all.extend(manifests(&compiled.objects));
        } else {
            let (m, d) = place::read_manifests(&source);
            errors += report::diagnostics(&source, d.iter(), style).0;
            all.extend(m);
        }
    }
    if errors > 0 {
        report::eprint(&format!("error: {}\n", report::summary(errors, 0)));
        return EXIT_INPUT;
    }
    let report = simulate(&cluster, &all);
    let text = match a.format {
        ReportFormat::Text => report.to_text(),
        ReportFormat::Json => {
            let mut s = serde_json::to_string_pretty(&report.to_json()).unwrap_or_default();
            s.push('\n');
            s
        }
    };
    if let Err(e) = io::print_stdout(&text) {
        report::usage_error(&e);
        return EXIT_USAGE;
    }
    if report.feasible() {
        EXIT_OK
    } else {
        EXIT_INPUT
    }
}

fn is_spec(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
}
