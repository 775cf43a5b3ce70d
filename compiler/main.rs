//! The `mlspec` binary: parse arguments, run one subcommand, map the outcome to an exit code.
//!
//! Exit codes: 0 success, 1 the input is wrong or does not fit, 2 mlspec was used wrongly.

#![allow(clippy::disallowed_methods)]

mod cli;

fn main() {
    std::process::exit(cli::run());
}
