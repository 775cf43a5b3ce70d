//! `mlspec completions SHELL` and `mlspec man`: generated from the same clap definition as the
//! parser, so they never drift from the real flags.

use clap::CommandFactory;

use super::args::Cli;
use super::{EXIT_OK, EXIT_USAGE, io, report};

pub fn completions(shell: clap_complete::Shell) -> i32 {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "mlspec", &mut script);
    print(&String::from_utf8_lossy(&script))
}

pub fn man() -> i32 {
    let mut page = Vec::new();
    if let Err(e) = clap_mangen::Man::new(Cli::command()).render(&mut page) {
        report::usage_error(&format!("cannot render the man page: {e}"));
        return EXIT_USAGE;
    }
    print(&String::from_utf8_lossy(&page))
}

/// Print a generated text to stdout: exit 0, or 2 when stdout cannot be written.
pub(super) fn print(text: &str) -> i32 {
    match io::print_stdout(text) {
        Ok(()) => EXIT_OK,
        Err(e) => {
            report::usage_error(&e);
            EXIT_USAGE
        }
    }
}
