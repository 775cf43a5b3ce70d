//! Command-line arguments (clap derive): one struct per subcommand.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "mlspec",
    version,
    about = "Compile a short TOML spec of an ML application into validated Kubernetes manifests",
    after_help = "Exit codes: 0 success, 1 the input is wrong, 2 mlspec was used wrongly.\nRun `mlspec explain CODE` for the long form of a diagnostic."
)]
pub struct Cli {
    /// When to colour diagnostics
    #[arg(long, value_enum, default_value_t = Color::Auto, global = true)]
    pub color: Color,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    /// Colour on a terminal, unless NO_COLOR is set
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Compile specs into one multi-document YAML bundle (stdout, or -o FILE)
    Build(BuildArgs),
    /// Validate specs without writing anything: exit 0, or 1 with diagnostics
    Check(CheckArgs),
    /// Print the long explanation of a diagnostic code (or list every code)
    Explain(ExplainArgs),
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Spec files (app.toml)
    #[arg(required = true, value_name = "SPEC")]
    pub specs: Vec<PathBuf>,
    /// Merge `[overlays.ENV]` over each spec
    #[arg(long, value_name = "ENV")]
    pub env: Option<String>,
    /// Write the bundle to FILE (atomically) instead of stdout
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Do not write: exit 1 if FILE (-o) differs from what would be written
    #[arg(long, requires = "output")]
    pub check: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Spec files (app.toml)
    #[arg(required = true, value_name = "SPEC")]
    pub specs: Vec<PathBuf>,
    /// Merge `[overlays.ENV]` over each spec
    #[arg(long, value_name = "ENV")]
    pub env: Option<String>,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A code such as E0101, or its name (invalid-name); omit to list every code
    pub code: Option<String>,
}
