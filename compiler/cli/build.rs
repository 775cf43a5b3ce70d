//! `mlspec build`: compile specs into one bundle on stdout or in a file (atomically), or with
//! `--check` say whether that file is stale.

use mlspec::diagnostics::render::Style;
use mlspec::emit;
use mlspec::generate::Object;

use super::args::BuildArgs;
use super::check::compile_all;
use super::{EXIT_INPUT, EXIT_OK, EXIT_USAGE, io, report};

pub fn run(a: &BuildArgs, style: Style) -> i32 {
    let options = a.compile.options();
    let outcome = match compile_all(&a.specs, &options, style) {
        Ok(o) => o,
        Err(code) => return code,
    };
    if outcome.errors > 0 {
        report::eprint(&format!(
            "error: could not build: {}\n",
            report::summary(outcome.errors, outcome.warnings)
        ));
        return EXIT_INPUT;
    }
    let mut objects: Vec<Object> = outcome.objects;
    let twice = emit::duplicates(&objects);
    if !twice.is_empty() {
        report::eprint(&format!(
            "error: two specs generate the same object{}: {}\n  help: give the apps different names or namespaces\n",
            if twice.len() == 1 { "" } else { "s" },
            twice.join(", ")
        ));
        return EXIT_INPUT;
    }
    emit::order(&mut objects);
    if let Err(code) = super::place::fits(&a.cluster, &objects, style) {
        return code;
    }
    let yaml = match emit::yaml(&objects) {
        Ok(y) => y,
        Err(e) => {
            report::usage_error(&format!("internal error: {e}"));
            return EXIT_INPUT;
        }
    };
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
