//! `mlspec check`: compile every spec, print the diagnostics, write nothing.

use std::path::PathBuf;

use mlspec::diagnostics::render::Style;
use mlspec::generate::Object;
use mlspec::source::SourceFile;
use mlspec::stdlib::Catalog;
use mlspec::{Compiled, Options, compile};

use super::args::CheckArgs;
use super::io::{self, ReadError};
use super::{EXIT_INPUT, EXIT_OK, EXIT_USAGE, report};

pub struct Outcome {
    pub objects: Vec<Object>,
    pub errors: usize,
    pub warnings: usize,
}

/// Read and compile every spec, printing diagnostics as they come. `Err` is an exit code for a
/// usage problem (an unreadable file, a broken catalog).
pub fn compile_all(paths: &[PathBuf], options: &Options, style: Style) -> Result<Outcome, i32> {
    let catalog = Catalog::builtin().map_err(|e| {
        report::usage_error(&format!(
            "internal error: the built-in catalog is broken: {e}"
        ));
        EXIT_USAGE
    })?;
    let mut out = Outcome {
        objects: Vec::new(),
        errors: 0,
        warnings: 0,
    };
    let mut unreadable = false;
    for read in compile_each(paths, &catalog, options) {
        let (source, compiled) = match read {
            Ok(done) => done,
            Err(ReadError::Io(msg)) => {
                report::usage_error(&msg);
                unreadable = true;
                continue;
            }
            Err(ReadError::NotText(boxed)) => {
                let (source, diag) = *boxed;
                let (e, w) = report::diagnostics(&source, [&diag], style);
                out.errors += e;
                out.warnings += w;
                continue;
            }
        };
        let (e, w) = report::diagnostics(&source, compiled.diagnostics.iter(), style);
        out.errors += e;
        out.warnings += w;
        out.objects.extend(compiled.objects);
    }
    if unreadable {
        return Err(EXIT_USAGE);
    }
    Ok(out)
}

/// Read and compile every spec, on every core: the specs are independent and the compiler is
/// pure, so the results (in input order) are the same as one by one.
fn compile_each(
    paths: &[PathBuf],
    catalog: &Catalog,
    options: &Options,
) -> Vec<Result<(SourceFile, Compiled), ReadError>> {
    let one = |path: &PathBuf| {
        io::read_source(path).map(|source| {
            let compiled = compile(&source, catalog, options);
            (source, compiled)
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

pub fn run(a: &CheckArgs, style: Style) -> i32 {
    let options = a.compile.options();
    match compile_all(&a.specs, &options, style) {
        Err(code) => code,
        Ok(o) if o.errors > 0 => {
            report::eprint(&format!(
                "error: {}\n",
                report::summary(o.errors, o.warnings)
            ));
            EXIT_INPUT
        }
        Ok(o) => match super::place::fits(&a.cluster, &o.objects, style) {
            Ok(()) => EXIT_OK,
            Err(code) => code,
        },
    }
}
