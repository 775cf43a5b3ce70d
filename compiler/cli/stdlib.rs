//! `mlspec stdlib list|show`: what the catalog holds (accelerators, runtimes, providers, model
//! sources, model architectures) — built
//! in, and from `--stdlib DIR`.

use std::fmt::Write as _;

use mlspec::stdlib::{Catalog, show};
use mlspec::values::suggest::suggest;

use super::EXIT_USAGE;
use super::args::{StdlibArgs, StdlibCommand};
use super::report::{self, Reporter};

pub fn run(a: &StdlibArgs, out: &Reporter) -> i32 {
    let (catalog, user) =
        match super::catalog::load_with_files(a.stdlib.as_deref(), &Default::default(), out) {
            Ok(loaded) => loaded,
            Err(code) => return code,
        };
    let user_files = || user.iter().map(|f| (f.name.as_str(), f.text.as_str()));
    let origin = |name: &str| {
        entry_in(user_files(), name).map_or("built-in".to_string(), |(path, _)| path.to_string())
    };
    let text = match &a.command {
        StdlibCommand::List { markdown: true } => show::markdown(&catalog),
        StdlibCommand::List { markdown: false } => list(&catalog, &origin),
        StdlibCommand::Show { name } => match entry_in(user_files().chain(show::BUILTIN), name) {
            Some((path, entry)) => format!("# {path}\n{entry}\n"),
            None => {
                let names = catalog
                    .accelerators
                    .keys()
                    .chain(catalog.runtimes.keys())
                    .chain(catalog.providers.keys())
                    .chain(catalog.sources.keys())
                    .chain(catalog.models.keys());
                let hint = suggest(name, names)
                    .map_or(String::new(), |s| format!(" (did you mean `{s}`?)"));
                report::usage_error(&format!(
                    "the catalog has no entry `{name}`{hint}; `mlspec stdlib list` shows them all"
                ));
                return EXIT_USAGE;
            }
        },
    };
    super::help::print(&text)
}

/// The first of `files` (path, text) that holds an entry `name`: its path and the entry's text.
fn entry_in<'a>(
    files: impl IntoIterator<Item = (&'a str, &'a str)>,
    name: &str,
) -> Option<(&'a str, &'a str)> {
    files
        .into_iter()
        .find_map(|(path, text)| Some((path, show::entry(text, name)?)))
}

/// Five tables: accelerators, runtimes, providers, model sources, models; one line per entry.
fn list(c: &Catalog, origin: &dyn Fn(&str) -> String) -> String {
    let mut rows = vec![[
        "accelerator".to_string(),
        "resource".into(),
        "memory".into(),
        "per node".into(),
        "MIG / topologies".into(),
        "from".into(),
    ]];
    for (name, a) in &c.accelerators {
        let shapes: Vec<&String> = if a.mig.is_empty() {
            a.all_topologies()
        } else {
            a.mig.iter().collect()
        };
        rows.push([
            name.clone(),
            a.resource.clone(),
            a.memory.clone(),
            a.max_per_node.to_string(),
            if shapes.is_empty() {
                "-".into()
            } else {
                shapes
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            },
            origin(name),
        ]);
    }
    let mut out = table(&rows);
    out.push('\n');
    let mut rows = vec![[
        "runtime".to_string(),
        "ports".into(),
        "readiness".into(),
        "startup".into(),
        "description".into(),
        "from".into(),
    ]];
    for (name, r) in &c.runtimes {
        let ports: Vec<String> = r
            .ports
            .iter()
            .map(|p| format!("{}:{}", p.name, p.port))
            .collect();
        rows.push([
            name.clone(),
            ports.join(" "),
            r.health.readiness.clone().unwrap_or_else(|| "-".into()),
            r.startup_timeout.clone(),
            r.description.clone(),
            origin(name),
        ]);
    }
    out.push_str(&table(&rows));
    out.push('\n');
    let mut rows = vec![[
        "provider".to_string(),
        "pool label".into(),
        "accelerator labels".into(),
        "description".into(),
        "from".into(),
    ]];
    for (name, p) in &c.providers {
        let accs: Vec<&str> = p.accelerators.keys().map(String::as_str).collect();
        rows.push([
            name.clone(),
            p.pool_label.clone().unwrap_or_else(|| "-".into()),
            if accs.is_empty() {
                "-".into()
            } else {
                accs.join(" ")
            },
            p.description.clone(),
            origin(name),
        ]);
    }
    out.push_str(&table(&rows));
    out.push('\n');
    let mut rows = vec![[
        "source".to_string(),
        "downloader".into(),
        "description".into(),
        "from".into(),
    ]];
    for (name, s) in &c.sources {
        rows.push([
            format!("{name}://"),
            s.image.clone(),
            s.description.clone(),
            origin(name),
        ]);
    }
    out.push_str(&table(&rows));
    out.push('\n');
    let mut rows = vec![[
        "model".to_string(),
        "parameters".into(),
        "layers".into(),
        "KV heads".into(),
        "context".into(),
        "weights".into(),
        "from".into(),
    ]];
    for (name, m) in &c.models {
        rows.push([
            name.clone(),
            m.active_parameters.as_ref().map_or_else(
                || m.parameters.clone(),
                |a| format!("{} ({a} active)", m.parameters),
            ),
            m.layers.to_string(),
            match m.kv_lora_rank {
                Some(r) => format!("MLA {r}"),
                None => format!("{} × {}", m.kv_heads, m.head_dim),
            },
            m.max_context.to_string(),
            m.quantization.clone().unwrap_or_else(|| m.dtype.clone()),
            origin(name),
        ]);
    }
    out.push_str(&table(&rows));
    out
}

/// Columns padded to their widest cell (in characters); the last column unpadded.
fn table<const N: usize>(rows: &[[String; N]]) -> String {
    let widths: Vec<usize> = (0..N)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == N {
                line.push_str(cell);
            } else {
                let _ = write!(line, "{cell:<w$}  ", w = widths[i]);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
