//! Command-line arguments (clap derive): one struct per subcommand.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use mlspec::Options;
use mlspec::diagnostics::lint::{Level, Levels, Target};
use mlspec::verify::KubeVersion;

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
    /// Compile specs into one multi-document YAML bundle (stdout, -o FILE), or a file per object
    /// (--out-dir DIR)
    Build(BuildArgs),
    /// Validate specs without writing anything: exit 0, or 1 with diagnostics
    Check(CheckArgs),
    /// Will it fit? Replay kube-scheduler over a node inventory at steady state, maximum scale
    /// and mid-rollout
    Place(PlaceArgs),
    /// Will the model fit the GPUs? Each LLM server's weights, overheads and KV cache per GPU
    Memory(MemoryArgs),
    /// Print the long explanation of a diagnostic code (or list every code)
    Explain(ExplainArgs),
    /// Write a commented starter app.toml that builds as it is
    Init(InitArgs),
    /// Print a shell completion script: `mlspec completions bash > /etc/bash_completion.d/mlspec`
    Completions(CompletionsArgs),
    /// Print the man page (roff): `mlspec man > ~/.local/share/man/man1/mlspec.1`
    Man,
    /// Print the JSON Schema of the spec, for editors: `mlspec schema > mlspec.schema.json`
    Schema(SchemaArgs),
    /// What the catalog holds: `mlspec stdlib list`, `mlspec stdlib show nvidia-l4`
    Stdlib(StdlibArgs),
}

#[derive(Debug, Args)]
pub struct StdlibArgs {
    #[command(subcommand)]
    pub command: StdlibCommand,
    /// A folder with your own accelerators.toml and/or runtimes.toml, over the built-in ones
    #[arg(long, value_name = "DIR", global = true)]
    pub stdlib: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum StdlibCommand {
    /// Every accelerator and runtime, and where each comes from
    List {
        /// Markdown tables (what the catalog tables in docs/ hold)
        #[arg(long)]
        markdown: bool,
    },
    /// One entry as it is written in its catalog file
    Show {
        /// An accelerator or runtime name, e.g. nvidia-l4 or vllm
        name: String,
    },
}

#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Print the schema of the TOML node-pool inventory instead
    #[arg(long)]
    pub inventory: bool,
    /// Include a user catalog's accelerator and runtime names in the schema's choices
    #[arg(long, value_name = "DIR")]
    pub stdlib: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to write the spec
    #[arg(default_value = "app.toml", value_name = "FILE")]
    pub path: PathBuf,
    /// The serving runtime from the catalog: http, tf-serving, vllm
    #[arg(long, default_value = mlspec::stdlib::DEFAULT_RUNTIME, value_name = "RUNTIME")]
    pub runtime: String,
    /// An accelerator from the catalog (e.g. nvidia-l4); one device per replica
    #[arg(long, value_name = "ACCELERATOR")]
    pub accelerator: Option<String>,
    /// The app's name (a DNS label); default: the name of the spec's folder
    #[arg(long)]
    pub name: Option<String>,
    /// Overwrite FILE if it exists
    #[arg(long)]
    pub force: bool,
    /// A folder with your own accelerators.toml and/or runtimes.toml; the spec names it in
    /// `[app] stdlib`
    #[arg(long, value_name = "DIR")]
    pub stdlib: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete in
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
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

/// How specs are compiled: the overlay, the Kubernetes version and the lint levels.
#[derive(Debug, Args, Default)]
pub struct CompileArgs {
    /// Merge `[overlays.ENV]` over each spec
    #[arg(long, value_name = "ENV")]
    pub env: Option<String>,
    /// The target Kubernetes version (1.33 to 1.37): its schemas and rules verify the objects,
    /// and `place` reports in its scheduler's words
    #[arg(long, value_name = "VERSION", default_value_t = KubeVersion::default())]
    pub k8s_version: KubeVersion,
    /// A folder with your own accelerators.toml and/or runtimes.toml: entries add to the
    /// built-in catalog or replace entries of the same name (`mlspec stdlib list` shows them)
    #[arg(long, value_name = "DIR")]
    pub stdlib: Option<PathBuf>,
    /// The cloud provider (`mlspec stdlib list`: generic, gke, eks, eks-managed, aks, ...) for
    /// specs without `[app] provider`: whose node labels accelerator selectors use
    #[arg(long, value_name = "NAME")]
    pub provider: Option<String>,
    #[command(flatten)]
    pub lint: LintArgs,
}

impl CompileArgs {
    pub fn options(&self) -> Options {
        Options {
            env: self.env.clone(),
            lint: self.lint.levels(),
            k8s_version: self.k8s_version,
            provider: self.provider.clone(),
            inventory: None,
        }
    }
}

/// Lint levels for warnings, like clippy's; they win over the spec's `[lint]`.
#[derive(Debug, Args, Default)]
pub struct LintArgs {
    /// Make a warning an error (a code like W0002, its name, or `warnings` for all)
    #[arg(short = 'D', long = "deny", value_name = "LINT", value_parser = lint_target)]
    pub deny: Vec<Target>,
    /// Report a warning as a warning, whatever the spec's `[lint]` says
    #[arg(short = 'W', long = "warn", value_name = "LINT", value_parser = lint_target)]
    pub warn: Vec<Target>,
    /// Silence a warning
    #[arg(short = 'A', long = "allow", value_name = "LINT", value_parser = lint_target)]
    pub allow: Vec<Target>,
}

fn lint_target(s: &str) -> Result<Target, String> {
    Target::parse(s).ok_or_else(|| {
        let names: Vec<&str> = Target::names().collect();
        format!(
            "`{s}` names no warning; use a code or name from `mlspec explain`: {}",
            names.join(", ")
        )
    })
}

impl LintArgs {
    /// The command line's levels. A named lint beats `warnings`; for one lint, deny beats warn
    /// beats allow.
    pub fn levels(&self) -> Levels {
        let mut out = Levels::default();
        for (flag, level, targets) in [
            ("--allow", Level::Allow, &self.allow),
            ("--warn", Level::Warn, &self.warn),
            ("--deny", Level::Deny, &self.deny),
        ] {
            for t in targets {
                let name = match t {
                    Target::Warnings => "warnings",
                    Target::Code(c) => c,
                };
                out.set(*t, level, format!("`{flag} {name}`"));
            }
        }
        out
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StrategyArg {
    Spread,
    Binpack,
}

/// How diagnostics (and `place`'s report) are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people: the annotated source report on stderr (`text` is the same)
    #[value(alias = "text")]
    Human,
    /// One JSON array of diagnostics: code, severity, message, file, line, column, end, help
    Json,
    /// A SARIF 2.1.0 log, for GitHub code scanning and other SARIF viewers
    Sarif,
    /// GitHub Actions workflow commands (`::error file=…,line=…::…`) that annotate the diff
    Github,
}

#[derive(Debug, Args)]
pub struct PlaceArgs {
    /// mlspec specs (.toml, compiled first) or Kubernetes manifests (.yaml, .yml, .json)
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    #[command(flatten)]
    pub cluster: ClusterArgs,
    #[command(flatten)]
    pub compile: CompileArgs,
    /// The report: a table for people (`human`, or `text`), or DESIGN.md's JSON contract
    /// (`json`) on stdout. Diagnostics go to stderr in this format (`sarif`, `github`: the table
    /// on stdout, diagnostics and what does not fit as SARIF or workflow commands)
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Spec files, or folders that stand for every app.toml below them
    #[arg(required = true, value_name = "SPEC")]
    pub specs: Vec<PathBuf>,
    /// Write the bundle to FILE (atomically; through a symbolic link, which stays; in place on a
    /// device or pipe such as /dev/null) instead of stdout; `-` is stdout
    #[arg(short, long, value_name = "FILE", group = "target")]
    pub output: Option<PathBuf>,
    /// Write one file per object, DIR/APP/KIND-NAME.yaml, with kustomization.yaml files for
    /// Argo CD and Flux; remove the files mlspec wrote there before that are no longer built
    #[arg(long, value_name = "DIR", group = "target", conflicts_with = "output")]
    pub out_dir: Option<PathBuf>,
    /// Do not write: exit 1 if FILE (-o) or DIR (--out-dir) differs from what would be written
    #[arg(long, requires = "target")]
    pub check: bool,
    /// Add a comment to each generated value saying where it came from: a spec line
    /// (`# app.toml:12`), a catalog entry (`# stdlib runtime vllm`) or a default
    /// (`# stdlib defaults probes`), for review of what the compiler decided
    #[arg(long)]
    pub annotate: bool,
    /// How to write diagnostics, on stderr (stdout carries the bundle)
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    #[command(flatten)]
    pub compile: CompileArgs,
    /// Also fail (exit 1) when the bundle does not fit the inventory
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Spec files, or folders that stand for every app.toml below them
    #[arg(required = true, value_name = "SPEC")]
    pub specs: Vec<PathBuf>,
    /// How to write diagnostics: `human` on stderr; `json`, `sarif` and `github` on stdout
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    #[command(flatten)]
    pub compile: CompileArgs,
    /// Also fail (exit 1) when the specs do not fit the inventory
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

#[derive(Debug, Args)]
pub struct MemoryArgs {
    /// Spec files, or folders that stand for every app.toml below them
    #[arg(required = true, value_name = "SPEC")]
    pub specs: Vec<PathBuf>,
    /// The report: a few lines per server for people (`human`, or `text`), or a JSON array of
    /// one object per server (`json`), on stdout. Diagnostics go to stderr in this format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    #[command(flatten)]
    pub compile: CompileArgs,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A code such as E0101, or its name (invalid-name); omit to list every code
    pub code: Option<String>,
}
