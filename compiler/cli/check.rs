//! `mlspec check`: compile every spec, print the diagnostics, write nothing.

use std::path::PathBuf;

use mlspec::diagnostics::{Diagnostic, Diagnostics};
use mlspec::document::Document;
use mlspec::emit::{self, Rendered};
use mlspec::source::SourceFile;
use mlspec::stdlib::Catalog;
use mlspec::{Compiled, Options, compile};

use super::args::CheckArgs;
use super::io::{self, ReadError};
use super::report::{self, Reporter};
use super::{EXIT_INPUT, EXIT_OK, EXIT_USAGE};

/// What the caller needs of each spec's objects besides its diagnostics.
#[derive(Debug, Clone, Copy)]
pub struct Want {
    /// Each object as its YAML document (made on the worker that compiled it).
    pub rendered: bool,
    /// The objects themselves (for placement); otherwise they are dropped early.
    pub objects: bool,
    /// Each rendered value with a comment saying where it came from (`build --annotate`).
    pub annotate: bool,
}

pub struct Outcome {
    pub objects: Vec<Document>,
    pub rendered: Vec<Rendered>,
    /// (spec, app name) for every spec whose objects were rendered, in input order.
    pub apps: Vec<(String, String)>,
    /// Each spec's servers' memory accounts, in input order (`mlspec memory`).
    pub memory: Vec<(String, Vec<mlspec::memory::Assessment>)>,
    pub errors: usize,
    pub warnings: usize,
}

/// A spec read and compiled, and its objects rendered when asked, after the files of the
/// catalog it names itself (`[app] stdlib`) with their diagnostics.
type Done = (
    SourceFile,
    Compiled,
    Result<Vec<Rendered>, String>,
    Vec<(SourceFile, Diagnostics)>,
);

/// Read and compile every spec (on every core), then print each one's diagnostics in input
/// order. `Err` is an exit code for a usage problem (an unreadable file, a broken catalog).
pub fn compile_all(
    paths: &[PathBuf],
    catalog: &Catalog,
    options: &Options,
    want: Want,
    out: &Reporter,
) -> Result<Outcome, i32> {
    let mut outcome = Outcome {
        objects: Vec::new(),
        rendered: Vec::new(),
        apps: Vec::new(),
        memory: Vec::new(),
        errors: 0,
        warnings: 0,
    };
    let paths = io::expand_specs(paths).map_err(|e| {
        report::usage_error(&e);
        EXIT_USAGE
    })?;
    let mut unreadable = false;
    let bar = super::progress::specs(paths.len());
    let mut results = compile_each(&paths, catalog, options, want, &bar);
    bar.finish_and_clear();
    link(&mut results, &options.lint);
    for read in results {
        let (source, compiled, rendered, catalog_files) = match read {
            Ok(done) => done,
            Err(ReadError::Io(msg)) => {
                report::usage_error(&msg);
                unreadable = true;
                continue;
            }
            Err(ReadError::NotText(boxed)) => {
                let (source, diag) = *boxed;
                let (e, w) = out.diagnostics(&source, [&diag]);
                outcome.errors += e;
                outcome.warnings += w;
                continue;
            }
        };
        for (file, diags) in &catalog_files {
            let (e, w) = out.diagnostics(file, diags.iter());
            outcome.errors += e;
            outcome.warnings += w;
        }
        let (e, w) = out.diagnostics(&source, compiled.diagnostics.iter());
        outcome.errors += e;
        outcome.warnings += w;
        outcome.objects.extend(compiled.objects);
        if !compiled.memory.is_empty() {
            outcome.memory.push((source.name.clone(), compiled.memory));
        }
        match rendered {
            Ok(docs) => {
                if let Some(d) = docs.first() {
                    outcome.apps.push((source.name.clone(), d.app.clone()));
                }
                outcome.rendered.extend(docs);
            }
            Err(e) => {
                report::usage_error(&format!("internal error: {e}"));
                return Err(EXIT_INPUT);
            }
        }
    }
    if unreadable {
        return Err(EXIT_USAGE);
    }
    Ok(outcome)
}

/// The link stage over every spec that built: what it finds joins each spec's diagnostics, and a
/// spec it gives an error (a denied warning too) writes nothing.
fn link(results: &mut [Result<Done, ReadError>], cli: &mlspec::diagnostics::lint::Levels) {
    let found = {
        let units: Vec<&mlspec::link::Unit> = results
            .iter()
            .filter_map(|r| r.as_ref().ok()?.1.link.as_ref())
            .collect();
        mlspec::link::check(&units, cli)
    };
    let mut found = found.into_iter();
    for (_, compiled, rendered, _) in results.iter_mut().filter_map(|r| r.as_mut().ok()) {
        if compiled.link.is_none() {
            continue;
        }
        let Some(more) = found.next().filter(|d| !d.is_empty()) else {
            continue;
        };
        let mut all = std::mem::take(&mut compiled.diagnostics);
        all.extend(more);
        compiled.diagnostics = all.sorted();
        if compiled.diagnostics.has_errors() {
            compiled.objects.clear();
            *rendered = Ok(Vec::new());
        }
    }
}

/// Read and compile every spec, on every core: the specs are independent and the compiler is
/// pure, so the results (in input order) are the same as one by one.
fn compile_each(
    paths: &[PathBuf],
    catalog: &Catalog,
    options: &Options,
    want: Want,
    bar: &indicatif::ProgressBar,
) -> Vec<Result<Done, ReadError>> {
    let one = |path: &PathBuf| {
        bar.inc(1);
        io::read_source(path).map(|source| {
            let spec_catalog = super::catalog::for_spec(catalog, &source, path, &options.lint);
            if spec_catalog.failed() {
                return not_compiled(source, spec_catalog.unreadable, spec_catalog.files);
            }
            let files = spec_catalog.files;
            let own = spec_catalog.own;
            let catalog = own.as_ref().unwrap_or(catalog);
            let mut compiled = compile(&source, catalog, options);
            let rendered = if want.annotate {
                let annotator = mlspec::provenance::Annotator::new(&source, catalog)
                    .with_origins(&compiled.origins);
                compiled
                    .objects
                    .iter()
                    .map(|o| annotator.render(o))
                    .collect()
            } else if want.rendered {
                compiled.objects.iter().map(emit::render).collect()
            } else {
                Ok(Vec::new())
            };
            if !want.objects {
                compiled.objects = Vec::new();
            }
            (source, compiled, rendered, files)
        })
    };
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    if threads < 2 || paths.len() < 2 {
        return paths.iter().map(one).collect();
    }
    let chunk = paths.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let workers: Vec<_> = paths
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(one).collect::<Vec<_>>()))
            .collect();
        workers
            .into_iter()
            .flat_map(|w| {
                w.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

/// A spec left uncompiled because the catalog it names cannot be used: the catalog's
/// diagnostics, or one on the spec's `stdlib` value.
fn not_compiled(
    source: SourceFile,
    diag: Option<Diagnostic>,
    files: Vec<(SourceFile, Diagnostics)>,
) -> Done {
    let mut diagnostics = Diagnostics::default();
    if let Some(d) = diag {
        diagnostics.push(d);
    }
    let compiled = Compiled {
        objects: Vec::new(),
        diagnostics,
        memory: Vec::new(),
        link: None,
        origins: Vec::new(),
    };
    (source, compiled, Ok(Vec::new()), files)
}

pub fn run(a: &CheckArgs, out: &Reporter) -> i32 {
    let mut options = a.compile.options();
    let want = Want {
        rendered: false,
        objects: a.cluster.inventory.is_some(),
        annotate: false,
    };
    let catalog = match super::catalog::load(a.compile.stdlib.as_deref(), &options.lint, out) {
        Ok(c) => c,
        Err(code) => return code,
    };
    // The specs are compiled against the inventory (W0080), then placed on it.
    let cluster = match super::place::load(&a.cluster, &catalog, &options, out) {
        Ok(c) => c,
        Err(code) => return code,
    };
    options.inventory = cluster.as_ref().map(|c| c.inventory.clone());
    match compile_all(&a.specs, &catalog, &options, want, out) {
        Err(code) => code,
        Ok(o) if o.errors > 0 => {
            out.summary(&format!(
                "error: {}\n",
                report::summary(o.errors, o.warnings)
            ));
            EXIT_INPUT
        }
        Ok(o) => match super::place::fits(cluster.as_ref(), &options.lint, &o.objects, out) {
            Ok(()) => EXIT_OK,
            Err(code) => code,
        },
    }
}
