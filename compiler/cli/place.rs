//! `mlspec place`, and the `--inventory` check of `build` and `check`: load the cluster, turn
//! the inputs into Kubernetes objects, simulate the scheduler, report.

use std::path::Path;
use std::sync::Arc;

use mlspec::compile;
use mlspec::diagnostics::Diagnostics;
use mlspec::diagnostics::lint::{self, Levels};
use mlspec::document::Document;
use mlspec::inventory::{self, ExistingPod, Inventory};
use mlspec::place::{self, Manifest, Report, Strategy};
use mlspec::stdlib::Catalog;

use super::args::{ClusterArgs, Format, PlaceArgs, StrategyArg};
use super::io::{self, ReadError};
use super::progress;
use super::report::{self, Reporter};
use super::{EXIT_INPUT, EXIT_OK, EXIT_USAGE};

/// The cluster to place on.
pub struct Cluster {
    /// The inventory file's name, where what does not fit is reported.
    pub name: String,
    /// Shared with the compiles that check selectors against it (`Options::inventory`).
    pub inventory: Arc<Inventory>,
    pub existing: Vec<ExistingPod>,
    pub strategy: Strategy,
    /// Whose scheduler's words to report in.
    pub k8s_version: mlspec::verify::KubeVersion,
}

/// Read `--inventory` and `--existing`, printing their diagnostics; the command line's lint
/// `levels` apply to the warnings about them. `Ok(None)` without `--inventory`; `Err` is an
/// exit code.
pub fn load(
    args: &ClusterArgs,
    catalog: &Catalog,
    options: &mlspec::Options,
    out: &Reporter,
) -> Result<Option<Cluster>, i32> {
    let levels = &options.lint;
    let Some(path) = &args.inventory else {
        return Ok(None);
    };
    let size = std::fs::metadata(path).map_or(0, |m| m.len());
    let spinner = progress::step(
        size > progress::LARGE_INPUT_BYTES,
        format!("reading {} ({} MB)", path.display(), size / 1_000_000),
    );
    let source = read(path, out)?;
    let (inventory, diags) = inventory::parse(&source, catalog);
    spinner.finish_and_clear();
    let (errors, _) = out.diagnostics(&source, diags.iter());
    let existing = match &args.existing {
        Some(p) => {
            let pods = read(p, out)?;
            let (existing, mut d) = inventory::parse_existing(&pods);
            // Against an inventory that is itself wrong, every pod could look misplaced.
            if let Some(inv) = inventory.as_ref().filter(|_| errors == 0) {
                d.extend(inventory::unknown_nodes(&pods, &existing, inv));
            }
            let d = lint::apply(d, &Levels::default(), levels);
            if out.diagnostics(&pods, d.iter()).0 > 0 {
                return Err(EXIT_INPUT);
            }
            existing
        }
        None => Vec::new(),
    };
    match inventory {
        Some(inventory) if errors == 0 => Ok(Some(Cluster {
            name: source.name.clone(),
            inventory: Arc::new(inventory),
            existing,
            strategy: match args.strategy {
                StrategyArg::Spread => Strategy::Spread,
                StrategyArg::Binpack => Strategy::Binpack,
            },
            k8s_version: options.k8s_version,
        })),
        _ => Err(EXIT_INPUT),
    }
}

fn read(path: &Path, out: &Reporter) -> Result<mlspec::source::SourceFile, i32> {
    match io::read_source(path) {
        Ok(s) => Ok(s),
        Err(ReadError::Io(msg)) => {
            report::usage_error(&msg);
            Err(EXIT_USAGE)
        }
        Err(ReadError::NotText(boxed)) => {
            let (source, diag) = *boxed;
            out.diagnostics(&source, [&diag]);
            Err(EXIT_INPUT)
        }
    }
}

/// The objects as placement reads them, and W0082 for those it does not place. The objects have
/// no file of their own, so the warnings point at none.
pub fn manifests(objects: &[Document]) -> (Vec<Manifest>, Diagnostics) {
    let (manifests, found) = place::manifests::from_objects(objects);
    let mut d = Diagnostics::default();
    for mut x in found {
        x.primary = None;
        d.push(x);
    }
    (manifests, d)
}

pub fn simulate(cluster: &Cluster, manifests: &[Manifest]) -> Report {
    let options = place::Options {
        strategy: cluster.strategy,
        k8s_version: cluster.k8s_version,
    };
    let nodes = cluster.inventory.nodes.len();
    let spinner = progress::step(
        nodes > progress::LARGE_CLUSTER_NODES,
        format!("placing {} workloads on {nodes} nodes", manifests.len()),
    );
    let report = place::simulate(&cluster.inventory, &cluster.existing, manifests, &options);
    spinner.finish_and_clear();
    report
}

/// For `build` and `check --inventory` (the cluster `load`ed before the specs were compiled
/// against it): `Err(exit code)` (after printing why) when the objects do not fit it, or a
/// warning about them is denied; `Ok` without a cluster.
pub fn fits(
    cluster: Option<&Cluster>,
    levels: &Levels,
    objects: &[Document],
    out: &Reporter,
) -> Result<(), i32> {
    let Some(cluster) = cluster else {
        return Ok(());
    };
    let (manifests, d) = manifests(objects);
    let at = mlspec::source::SourceFile::new(cluster.name.clone(), String::new());
    let d = lint::apply(d, &Levels::default(), levels);
    if out.diagnostics(&at, d.iter()).0 > 0 {
        out.summary("error: a denied warning about placing the bundle\n");
        return Err(EXIT_INPUT);
    }
    let report = simulate(cluster, &manifests);
    if report.feasible() {
        return Ok(());
    }
    if out.format == Format::Human {
        report::eprint(&report.to_text());
        report::eprint("\n");
    }
    verdict(cluster, &report, out);
    out.summary("error: the bundle does not fit the inventory\n");
    Err(EXIT_INPUT)
}

/// What does not fit is also a diagnostic (E0205) on the inventory, after the table for
/// people, or alone in the machine formats.
fn verdict(cluster: &Cluster, report: &Report, out: &Reporter) {
    let at = mlspec::source::SourceFile::new(cluster.name.clone(), String::new());
    out.diagnostics(&at, place::verdict::diagnostics(report).iter());
}

pub fn run(a: &PlaceArgs, out: &Reporter) -> i32 {
    let catalog =
        match super::catalog::load(a.compile.stdlib.as_deref(), &a.compile.lint.levels(), out) {
            Ok(c) => c,
            Err(code) => return code,
        };
    if a.cluster.inventory.is_none() {
        report::usage_error(
            "`mlspec place` needs `--inventory FILE` (kubectl get nodes -o json, or node pools in TOML)",
        );
        return EXIT_USAGE;
    }
    let mut options = a.compile.options();
    let cluster = match load(&a.cluster, &catalog, &options, out) {
        Ok(Some(c)) => c,
        Ok(None) => return EXIT_USAGE,
        Err(code) => return code,
    };
    // Specs are compiled against the cluster: a selector no node carries is W0080.
    options.inventory = Some(cluster.inventory.clone());
    let mut all: Vec<Manifest> = Vec::new();
    let mut errors = 0;
    for path in &a.inputs {
        let source = match read(path, out) {
            Ok(s) => s,
            Err(code) => return code,
        };
        if is_spec(path) {
            let spec_catalog = super::catalog::for_spec(&catalog, &source, path, &options.lint);
            for (file, diags) in &spec_catalog.files {
                errors += out.diagnostics(file, diags.iter()).0;
            }
            errors += out.diagnostics(&source, spec_catalog.unreadable.iter()).0;
            let own = spec_catalog.own;
            let compiled = compile(&source, own.as_ref().unwrap_or(&catalog), &options);
            errors += out.diagnostics(&source, compiled.diagnostics.iter()).0;
            let (m, d) = manifests(&compiled.objects);
            let d = lint::apply(d, &Levels::default(), &options.lint);
            errors += out.diagnostics(&source, d.iter()).0;
            all.extend(m);
        } else {
            let (m, mut d) = place::read_manifests(&source);
            d.extend(place::reach::manifest_diagnostics(
                &source,
                &cluster.inventory,
            ));
            let d = lint::apply(d, &Levels::default(), &options.lint);
            errors += out.diagnostics(&source, d.iter()).0;
            all.extend(m);
        }
    }
    if errors > 0 {
        out.summary(&format!("error: {}\n", report::summary(errors, 0)));
        return EXIT_INPUT;
    }
    let report = simulate(&cluster, &all);
    let text = match a.format {
        // Names come from the manifests: nothing in them may act on the terminal.
        Format::Human | Format::Sarif | Format::Github => {
            mlspec::source::escaped(&report.to_text()).into_owned()
        }
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&report.to_json()).unwrap_or_default();
            s.push('\n');
            s
        }
    };
    if let Err(e) = io::print_stdout(&text) {
        report::usage_error(&e);
        return EXIT_USAGE;
    }
    verdict(&cluster, &report, out);
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
