//! `mlspec build`: compile specs into one bundle on stdout or in a file (atomically; through a
//! link, or in place on a device or pipe), or one file per object under `--out-dir`
//! (`out_dir.rs`); with `--check` say whether that is stale.

use std::path::Path;

use mlspec::document::Document;
use mlspec::emit;

use super::args::BuildArgs;
use super::check::{Want, compile_all};
use super::report::{self, Reporter};
use super::{EXIT_INPUT, EXIT_OK, EXIT_USAGE, io};

pub fn run(a: &BuildArgs, out: &Reporter) -> i32 {
    let mut options = a.compile.options();
    let want = Want {
        rendered: true,
        objects: a.cluster.inventory.is_some(),
        annotate: a.annotate,
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
    let outcome = match compile_all(&a.specs, &catalog, &options, want, out) {
        Ok(o) => o,
        Err(code) => return code,
    };
    if outcome.errors > 0 {
        out.summary(&format!(
            "error: could not build: {}\n",
            report::summary(outcome.errors, outcome.warnings)
        ));
        return EXIT_INPUT;
    }
    let mut docs = outcome.rendered;
    let twice = emit::duplicates(docs.iter().map(|d| d.id.as_str()));
    if !twice.is_empty() {
        report::eprint(&format!(
            "error: two specs generate the same object{}: {}\n  help: give the apps different names or namespaces\n",
            if twice.len() == 1 { "" } else { "s" },
            twice.join(", ")
        ));
        return EXIT_INPUT;
    }
    emit::order(&mut docs);
    // Placement meets the objects in bundle order, as `kubectl apply -f` of the bundle would.
    let mut objects = outcome.objects;
    objects.sort_by_key(Document::rank);
    if let Err(code) = super::place::fits(cluster.as_ref(), &options.lint, &objects, out) {
        return code;
    }
    if let Some(dir) = &a.out_dir {
        return super::out_dir::run(dir, &docs, &outcome.apps, a.check);
    }
    let yaml = emit::join(&docs);
    drop(docs);
    let done = match (&a.output, a.check) {
        (None, _) => io::print_stdout(&yaml),
        (Some(path), true) => return check_file(path, &yaml),
        (Some(path), false) => io::write_output(path, &yaml),
    };
    match done {
        Ok(()) => EXIT_OK,
        Err(e) => {
            report::usage_error(&e);
            EXIT_USAGE
        }
    }
}

/// `-o FILE --check`: 0 when FILE holds exactly the bundle, 1 when it is stale or missing, 2
/// when FILE is not something a bundle is compared with.
fn check_file(path: &Path, yaml: &str) -> i32 {
    let stale = |why: &str| {
        report::eprint(&format!(
            "error: `{}` {why}: rebuild it with `mlspec build … -o {}`\n",
            path.display(),
            path.display()
        ));
        EXIT_INPUT
    };
    let usage = |msg: String| {
        report::usage_error(&msg);
        EXIT_USAGE
    };
    let file = match io::target(path) {
        Ok(io::Target::File(p)) => p,
        Ok(io::Target::Stdout) => {
            return usage("--check compares the bundle with a file; `-o -` is stdout".into());
        }
        Ok(io::Target::InPlace(_)) => {
            return usage(format!(
                "`{}` is not a regular file: --check compares the bundle with a file",
                path.display()
            ));
        }
        Err(e) => return usage(e),
    };
    match std::fs::read(&file) {
        Ok(bytes) if bytes == yaml.as_bytes() => EXIT_OK,
        Ok(_) => stale("is stale"),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => stale("does not exist"),
        Err(e) => usage(format!(
            "cannot read `{}`: {}",
            path.display(),
            io::io_reason(&e)
        )),
    }
}
