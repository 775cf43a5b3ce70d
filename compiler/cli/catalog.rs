//! The catalog a command compiles with: the built-in one, then `--stdlib DIR` over it, then a
//! spec's own `[app] stdlib = "DIR"` over that (the most specific wins).

use std::path::{Path, PathBuf};

use mlspec::diagnostics::lint::{self, Levels};
use mlspec::diagnostics::{Diagnostic, Diagnostics, codes};
use mlspec::source::SourceFile;
use mlspec::stdlib::{Catalog, user};

use super::io::{self, ReadError};
use super::report::{self, Reporter};
use super::{EXIT_INPUT, EXIT_USAGE};

/// The `.toml` files of a catalog folder, by name.
fn read_dir(dir: &Path) -> Result<Vec<SourceFile>, String> {
    let shown = dir.display();
    let entries = std::fs::read_dir(dir).map_err(|e| {
        format!(
            "cannot read the catalog folder `{shown}`: {}",
            io::io_reason(&e)
        )
    })?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml") && p.is_file())
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(format!(
            "the catalog folder `{shown}` holds none of {}",
            user::FILES.map(|f| format!("`{f}`")).join(", ")
        ));
    }
    paths
        .iter()
        .map(|p| match io::read_source(p) {
            Ok(s) => Ok(s),
            Err(ReadError::Io(msg)) => Err(msg),
            Err(ReadError::NotText(_)) => Err(format!("`{}` is not UTF-8 text", p.display())),
        })
        .collect()
}

/// The built-in catalog with `--stdlib DIR` over it, its diagnostics reported (its warnings at
/// the command line's lint `levels`). `Err` is an exit code.
pub fn load(dir: Option<&Path>, levels: &Levels, out: &Reporter) -> Result<Catalog, i32> {
    load_with_files(dir, levels, out).map(|(catalog, _)| catalog)
}

/// The command line's lint levels applied to a catalog file's diagnostics: no spec owns it, so
/// no `[lint]` applies (a spec that loads a catalog cannot silence what is said about it).
fn leveled(diags: Diagnostics, levels: &Levels) -> Diagnostics {
    lint::apply(diags, &Levels::default(), levels)
}

/// [`load`], and the user catalog's files it read.
pub fn load_with_files(
    dir: Option<&Path>,
    levels: &Levels,
    out: &Reporter,
) -> Result<(Catalog, Vec<SourceFile>), i32> {
    let builtin = Catalog::builtin().map_err(|e| {
        report::usage_error(&format!(
            "internal error: the built-in catalog is broken: {e}"
        ));
        EXIT_USAGE
    })?;
    let Some(dir) = dir else {
        return Ok((builtin, Vec::new()));
    };
    let files = read_dir(dir).map_err(|e| {
        report::usage_error(&e);
        EXIT_USAGE
    })?;
    let (catalog, diags) = user::extend(&builtin, &files);
    let errors: usize = files
        .iter()
        .zip(diags)
        .map(|(f, d)| out.diagnostics(f, leveled(d, levels).iter()).0)
        .sum();
    if errors > 0 {
        return Err(EXIT_INPUT);
    }
    Ok((catalog, files))
}

/// The catalog a spec names itself (`[app] stdlib`), as far as it could be read.
#[derive(Default)]
pub struct SpecCatalog {
    /// The built-in (and `--stdlib`) catalog with the spec's folder over it, when the spec names
    /// one and it can be used.
    pub own: Option<Catalog>,
    /// The folder's files, each with its diagnostics.
    pub files: Vec<(SourceFile, Diagnostics)>,
    /// Why the folder cannot be read, on the spec's `stdlib` value.
    pub unreadable: Option<Diagnostic>,
}

impl SpecCatalog {
    /// The spec names a catalog that cannot be used.
    pub fn failed(&self) -> bool {
        self.unreadable.is_some() || self.files.iter().any(|(_, d)| d.has_errors())
    }
}

/// The catalog a spec names itself (`[app] stdlib`, a folder relative to the spec) over `base`;
/// empty when it names none.
pub fn for_spec(base: &Catalog, source: &SourceFile, path: &Path, levels: &Levels) -> SpecCatalog {
    let Some((dir, span)) = mlspec::spec::app::stdlib_of(&source.text) else {
        return SpecCatalog::default();
    };
    let full = path.parent().unwrap_or(Path::new(".")).join(&dir);
    match read_dir(&full) {
        Ok(files) => {
            let (catalog, diags) = user::extend(base, &files);
            let diags = diags.into_iter().map(|d| leveled(d, levels));
            let mut out = SpecCatalog {
                own: Some(catalog),
                files: files.into_iter().zip(diags).collect(),
                unreadable: None,
            };
            if out.failed() {
                out.own = None;
            }
            out
        }
        Err(e) => SpecCatalog {
            unreadable: Some(
                Diagnostic::new(&codes::E0010, e)
                    .at(span, "this folder")
                    .help(format!(
                        "`[app] stdlib` is a folder, relative to this spec, holding any of {}",
                        mlspec::stdlib::user::FILES
                            .map(|f| format!("`{f}`"))
                            .join(", ")
                    )),
            ),
            ..SpecCatalog::default()
        },
    }
}
