//! The command-line layer: the only code that reads files, the environment or the terminal, and
//! the only code that prints. One file per subcommand.

mod args;
mod build;
mod catalog;
mod check;
mod explain;
mod help;
mod init;
mod io;
mod memory;
mod out_dir;
mod place;
mod progress;
mod report;
mod schema;
mod stage;
mod stdlib;

use clap::Parser;
use report::Reporter;

use args::Format;
pub use args::{Cli, Command};

pub const EXIT_OK: i32 = 0;
pub const EXIT_INPUT: i32 = 1;
pub const EXIT_USAGE: i32 = 2;

/// Run the CLI and return the process exit code.
pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version are "errors" that print to stdout and exit 0.
            let _ = e.print();
            return if e.use_stderr() { EXIT_USAGE } else { EXIT_OK };
        }
    };
    let style = report::style(cli.color);
    match &cli.command {
        Command::Build(a) => reported(Reporter::new(a.format, style, false), |r| build::run(a, r)),
        Command::Check(a) => reported(Reporter::new(a.format, style, true), |r| check::run(a, r)),
        Command::Place(a) => reported(Reporter::new(a.format, style, false), |r| place::run(a, r)),
        Command::Memory(a) => {
            reported(Reporter::new(a.format, style, false), |r| memory::run(a, r))
        }
        Command::Explain(a) => explain::run(a),
        Command::Init(a) => reported(Reporter::new(Format::Human, style, false), |r| {
            init::run(a, r)
        }),
        Command::Completions(a) => help::completions(a.shell),
        Command::Man => help::man(),
        Command::Schema(a) => reported(Reporter::new(Format::Human, style, false), |r| {
            schema::run(a, r)
        }),
        Command::Stdlib(a) => reported(Reporter::new(Format::Human, style, false), |r| {
            stdlib::run(a, r)
        }),
    }
}

/// Run a command that reports diagnostics, then write what the reporter collected (the JSON
/// array or SARIF log), whatever the command's outcome.
fn reported(reporter: Reporter, command: impl FnOnce(&Reporter) -> i32) -> i32 {
    let code = command(&reporter);
    match reporter.finish() {
        Ok(()) => code,
        Err(e) => {
            report::usage_error(&format!(
                "internal error: cannot write the diagnostics: {e}"
            ));
            EXIT_USAGE
        }
    }
}
