//! The only place that touches the file system: read inputs, write outputs atomically.

use std::io::Write;
use std::path::Path;

use mlspec::diagnostics::{Diagnostic, codes};
use mlspec::source::SourceFile;

/// Inputs larger than this are refused before they are read whole.
pub const MAX_INPUT_BYTES: u64 = 256 * 1024 * 1024;

/// Why an input could not be used.
pub enum ReadError {
    /// Not readable at all: a usage problem (exit 2).
    Io(String),
    /// Read, but not text: a diagnostic about the input (exit 1).
    NotText(Box<(SourceFile, Diagnostic)>),
}

pub fn read_source(path: &Path) -> Result<SourceFile, ReadError> {
    let name = path.display().to_string();
    let meta = std::fs::metadata(path)
        .map_err(|e| ReadError::Io(format!("cannot read `{name}`: {}", io_reason(&e))))?;
    if meta.is_dir() {
        return Err(ReadError::Io(format!(
            "cannot read `{name}`: it is a directory"
        )));
    }
    if meta.len() > MAX_INPUT_BYTES {
        return Err(ReadError::Io(format!(
            "cannot read `{name}`: it is {} bytes, over the {MAX_INPUT_BYTES}-byte limit for inputs",
            meta.len()
        )));
    }
    let bytes = std::fs::read(path)
        .map_err(|e| ReadError::Io(format!("cannot read `{name}`: {}", io_reason(&e))))?;
    match String::from_utf8(bytes) {
        Ok(text) => Ok(SourceFile::new(name, text)),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let diag = Diagnostic::new(
                &codes::E0005,
                format!("`{name}` is not UTF-8 text (invalid byte at offset {at})"),
            )
            .help("specs are UTF-8 TOML files; check that this is the file you meant");
            Err(ReadError::NotText(Box::new((
                SourceFile::new(name, String::new()),
                diag,
            ))))
        }
    }
}

/// The spec name a folder given as an input stands for.
pub const SPEC_FILE: &str = "app.toml";

/// Inputs as spec files: a folder stands for every `app.toml` below it (hidden folders skipped),
/// sorted, so `mlspec build apps --out-dir deploy` needs no shell glob (a pre-commit hook has
/// none). Files are kept as given.
pub fn expand_specs(inputs: &[std::path::PathBuf]) -> Result<Vec<std::path::PathBuf>, String> {
    let mut out = Vec::new();
    for input in inputs {
        if !input.is_dir() {
            out.push(input.clone());
            continue;
        }
        let before = out.len();
        find_specs(input, &mut out)?;
        if out.len() == before {
            return Err(format!(
                "no `{SPEC_FILE}` under the folder `{}`: give spec files, or a folder that holds some",
                input.display()
            ));
        }
        out[before..].sort();
    }
    Ok(out)
}

fn find_specs(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> Result<(), String> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read `{}`: {}", dir.display(), io_reason(&e)))?;
    for entry in entries {
        let entry =
            entry.map_err(|e| format!("cannot read `{}`: {}", dir.display(), io_reason(&e)))?;
        let path = entry.path();
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        let kind = entry
            .file_type()
            .map_err(|e| format!("cannot read `{}`: {}", path.display(), io_reason(&e)))?;
        if kind.is_dir() && !hidden {
            find_specs(&path, out)?;
        } else if kind.is_file() && entry.file_name() == SPEC_FILE {
            out.push(path);
        }
    }
    Ok(())
}

pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}

/// Write `text` to `path` through a temporary file in the same directory and a rename, so the
/// file is either the old one or the complete new one, never half-written.
pub fn write_atomic(path: &Path, text: &str) -> Result<(), String> {
    let name = path.display();
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".mlspec-")
        .tempfile_in(dir)
        .map_err(|e| format!("cannot write `{name}`: {}", io_reason(&e)))?;
    tmp.write_all(text.as_bytes())
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| format!("cannot write `{name}`: {}", io_reason(&e)))?;
    tmp.persist(path)
        .map_err(|e| format!("cannot write `{name}`: {}", io_reason(&e.error)))?;
    Ok(())
}

/// Write to stdout; a closed pipe (`mlspec build … | head`) is not an error.
pub fn print_stdout(text: &str) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(format!("cannot write to stdout: {e}")),
    }
}
