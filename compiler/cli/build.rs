//! `mlspec build`: compile specs into one bundle on stdout or in a file (atomically), or one
//! file per object under `--out-dir` (`out_dir.rs`); with `--check` say whether that is stale.

use mlspec::emit;
use mlspec::generate::Object;

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
    let catalog = match super::catalog::load(a.compile.stdlib.as_deref(), out) {
        Ok(c) => c,
        Err(code) => return code,
    };
    // The specs are compiled against the inventory (W0080), then placed on it.
    let cluster = match super::place::load(&a.cluster, &catalog, &options.lint, out) {
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
    objects.sort_by_key(Object::rank);
    if let Err(code) = super::place::fits(cluster.as_ref(), &options.lint, &objects, out) {
        return code;
    }
    if let Some(dir) = &a.out_dir {
        return super::out_dir::run(dir, &docs, &outcome.apps, a.check);
    }
    let yaml = emit::join(&docs);
    drop(docs);
    match (&a.output, a.check) {
        (None, _) => match io::print_stdout(&yaml) {
            Ok(()) => EXIT_OK,
            Err(e) => {
                report::usage_error(&e);
                EXIT_USAGE
            }
        },
        (Some(path), true) => {
            let current = std::fs::read_to_string(path).ok();
            if current.as_deref() == Some(yaml.as_str()) {
                EXIT_OK
            } else {
                let why = if current.is_none() {
                    "does not exist"
                } else {
                    "is stale"
                };
                report::eprint(&format!(
                    "error: `{}` {why}: rebuild it with `mlspec build … -o {}`\n",
                    path.display(),
                    path.display()
                ));
                EXIT_INPUT
            }
        }
        (Some(path), false) => match io::write_atomic(path, &yaml) {
            Ok(()) => EXIT_OK,
            Err(e) => {
                report::usage_error(&e);
                EXIT_USAGE
            }
        },
    }
}
