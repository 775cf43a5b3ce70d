//! The only place that touches the file system: read inputs, write outputs atomically.

use std::io::Write;
use std::path::{Path, PathBuf};

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
/// file is either the old one or the complete new one, never half-written. A new file gets the
/// umask's permissions, a replaced one keeps its mode (`stage`).
pub fn write_atomic(path: &Path, text: &str) -> Result<(), String> {
    let disk = super::stage::RealDisk;
    super::stage::stage(&disk, path, text.as_bytes())?.persist(&disk)
}

/// What `-o PATH` (and `init`'s FILE) names once symbolic links are followed.
pub enum Target {
    /// `-`: standard output.
    Stdout,
    /// A regular file, existing or not, at this path (a link's final target): written
    /// atomically there, so a link stays a link.
    File(PathBuf),
    /// A character device or a FIFO (`/dev/null`, `/dev/stdout` on a pipe): written in place,
    /// as a shell's `>` would; it cannot be replaced by a file.
    InPlace(PathBuf),
}

/// Where output for `path` goes, or why it cannot go there (a folder, a block device, a
/// socket, a loop of links).
pub fn target(path: &Path) -> Result<Target, String> {
    if path.as_os_str() == "-" {
        return Ok(Target::Stdout);
    }
    let name = path.display();
    let resolved = resolve_links(path)?;
    match std::fs::metadata(&resolved) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Target::File(resolved)),
        Err(e) => Err(format!("cannot write `{name}`: {}", io_reason(&e))),
        Ok(m) => kind_of(path, &resolved, &m),
    }
}

#[cfg(unix)]
fn kind_of(path: &Path, resolved: &Path, m: &std::fs::Metadata) -> Result<Target, String> {
    use std::os::unix::fs::FileTypeExt;
    let t = m.file_type();
    let refused = |what: &str| {
        Err(format!(
            "`{}` is {what}: output goes to a file, a character device such as /dev/null, a pipe, or `-` (stdout)",
            path.display()
        ))
    };
    if t.is_file() {
        Ok(Target::File(resolved.to_path_buf()))
    } else if t.is_char_device() || t.is_fifo() {
        // `/dev/stdout` is a link to a link (`/proc/self/fd/1`) whose target is no path:
        // write through the name as given, which the kernel resolves.
        Ok(Target::InPlace(path.to_path_buf()))
    } else if t.is_dir() {
        refused("a directory")
    } else if t.is_block_device() {
        refused("a block device")
    } else {
        refused("a socket")
    }
}

#[cfg(not(unix))]
fn kind_of(path: &Path, resolved: &Path, m: &std::fs::Metadata) -> Result<Target, String> {
    if m.is_dir() {
        return Err(format!(
            "`{}` is a directory: output goes to a file",
            path.display()
        ));
    }
    Ok(Target::File(resolved.to_path_buf()))
}

/// `path` with each symbolic link replaced by what it points to (relative to the link's own
/// folder), up to a final path that is not a link or does not exist; `/proc`'s magic links,
/// whose targets are no paths (`pipe:[1234]`), stop the walk where they are.
fn resolve_links(path: &Path) -> Result<PathBuf, String> {
    let mut at = path.to_path_buf();
    for _ in 0..40 {
        let is_link = std::fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_symlink());
        let Some(text) = std::fs::read_link(&at).ok().filter(|_| is_link) else {
            return Ok(at);
        };
        let next = super::stage::parent(&at).join(text);
        if std::fs::symlink_metadata(&next).is_err() && std::fs::metadata(&at).is_ok() {
            // The kernel follows it, but its text names nothing: a magic link.
            return Ok(at);
        }
        at = next;
    }
    Err(format!(
        "cannot write `{}`: too many levels of symbolic links",
        path.display()
    ))
}

/// Write the product to where `-o PATH` points: stdout, a file (atomically), or a device or
/// pipe (in place).
pub fn write_output(path: &Path, text: &str) -> Result<(), String> {
    match target(path)? {
        Target::Stdout => print_stdout(text),
        Target::File(p) => write_atomic(&p, text),
        Target::InPlace(p) => {
            let cannot =
                |e: std::io::Error| format!("cannot write `{}`: {}", p.display(), io_reason(&e));
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .truncate(true)
                .open(&p)
                .map_err(cannot)?;
            match f.write_all(text.as_bytes()).and_then(|()| f.flush()) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                r => r.map_err(cannot),
            }
        }
    }
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
