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
    /// Will it fit? Replay kube-scheduler over a node inventory at steady state, maximum scale
    /// and mid-rollout
    Place(PlaceArgs),
    /// Print the long explanation of a diagnostic code (or list every code)
    Explain(ExplainArgs),
}

/// Where to place: the cluster, what already runs on it, and how the scheduler scores.
#[derive(Debug, Args)]
pub struct ClusterArgs {
    /// Nodes: `kubectl get nodes -o json|yaml`, or a TOML list of node pools
    #[arg(long, value_name = "FILE")]
    pub inventory: Option<PathBuf>,
    /// Running pods whose requests hold node capacity: `kubectl get pods -A -o json|yaml`
    #[arg(long, value_name = "FILE", requires = "inventory")]
    pub existing: Option<PathBuf>,
    /// Scoring: `spread` (LeastAllocated, the default scheduler) or `binpack` (MostAllocated)
    #[arg(long, value_enum, default_value_t = StrategyArg::Spread, requires = "inventory")]
    pub strategy: StrategyArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StrategyArg {
    Spread,
    Binpack,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct PlaceArgs {
    /// mlspec specs (.toml, compiled first) or Kubernetes manifests (.yaml, .yml, .json)
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Merge `[overlays.ENV]` over each spec input
    #[arg(long, value_name = "ENV")]
    pub env: Option<String>,
    /// `text`, a table for people, or `json`, DESIGN.md's report contract
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
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
    /// Also fail (exit 1) when the bundle does not fit the inventory
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Spec files (app.toml)
    #[arg(required = true, value_name = "SPEC")]
    pub specs: Vec<PathBuf>,
    /// Merge `[overlays.ENV]` over each spec
    #[arg(long, value_name = "ENV")]
    pub env: Option<String>,
    /// Also fail (exit 1) when the specs do not fit the inventory
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A code such as E0101, or its name (invalid-name); omit to list every code
    pub code: Option<String>,
}
