//! `mlspec build --out-dir DIR`: read what DIR holds, then write the planned files (each
//! atomically, only those that changed) and remove mlspec's files that are no longer built, or
//! with `--check` print how DIR differs. `emit::gitops` decides; this file does the IO.
//!
//! Only files that start with `gitops::HEADER` are ever overwritten or removed.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use mlspec::emit::Rendered;
use mlspec::emit::gitops::{self, Changes, Existing, Plan};

use super::io::{MAX_INPUT_BYTES, io_reason, write_atomic};
use super::{EXIT_INPUT, EXIT_OK, EXIT_USAGE, report};

/// Build into `dir`: `docs` in bundle order, `apps` the (spec, app) pairs.
pub fn run(dir: &Path, docs: &[Rendered], apps: &[(String, String)], check: bool) -> i32 {
    let shared = gitops::shared_folders(apps);
    if !shared.is_empty() {
        for (app, specs) in &shared {
            report::eprint(&format!(
                "error: the app `{app}` is built by more than one spec ({}), so they would share the folder `{}`\n  help: give each app its own `[app] name`\n",
                specs.join(", "),
                dir.join(app).display()
            ));
        }
        return EXIT_INPUT;
    }
    let plan = match gitops::plan(docs) {
        Ok(p) => p,
        Err(e) => {
            report::usage_error(&format!("internal error: {e}"));
            return EXIT_INPUT;
        }
    };
    let existing = match scan(dir) {
        Ok(e) => e,
        Err(e) => {
            report::usage_error(&e);
            return EXIT_USAGE;
        }
    };
    let changes = gitops::changes(&plan, &existing);
    if check {
        return report_stale(dir, &plan, &existing, &changes);
    }
    if !changes.blocked.is_empty() {
        for path in &changes.blocked {
            report::eprint(&format!(
                "error: `{}` is in the way: mlspec would write it, but it does not start with mlspec's header, so it is not mlspec's to replace\n",
                dir.join(path).display()
            ));
        }
        report::eprint(
            "  help: move or delete it (nothing was written), or build into another --out-dir\n",
        );
        return EXIT_INPUT;
    }
    match apply(dir, &plan, &changes) {
        Ok(()) => EXIT_OK,
        Err(e) => {
            report::usage_error(&e);
            EXIT_USAGE
        }
    }
}

/// Every `.yaml` entry of DIR and of its folders, one level down (where mlspec writes), by
/// plan-relative path. Hidden names are skipped: mlspec never writes them. A missing DIR is empty.
fn scan(dir: &Path) -> Result<BTreeMap<String, Existing>, String> {
    let mut out = BTreeMap::new();
    match std::fs::metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => {
            return Err(format!(
                "cannot read `{}`: {}",
                dir.display(),
                io_reason(&e)
            ));
        }
        Ok(m) if !m.is_dir() => {
            return Err(format!(
                "`{}` is not a directory: --out-dir needs a folder (it is created if missing)",
                dir.display()
            ));
        }
        Ok(_) => {}
    }
    for (name, path, is_dir) in entries(dir)? {
        if is_dir {
            for (file, path, _) in entries(&path)? {
                if file.ends_with(".yaml") {
                    out.insert(format!("{name}/{file}"), classify(&path)?);
                }
            }
        } else if name.ends_with(".yaml") {
            out.insert(name, classify(&path)?);
        }
    }
    Ok(out)
}

/// (name, path, is a real folder) of each entry whose name is UTF-8 and not hidden.
fn entries(dir: &Path) -> Result<Vec<(String, PathBuf, bool)>, String> {
    let cannot = |e: std::io::Error| format!("cannot read `{}`: {}", dir.display(), io_reason(&e));
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(cannot)? {
        let entry = entry.map_err(cannot)?;
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        if name.starts_with('.') {
            continue;
        }
        let is_dir = entry.file_type().map_err(cannot)?.is_dir();
        out.push((name, entry.path(), is_dir));
    }
    Ok(out)
}

/// mlspec's file (with its text) if it is a regular file that starts with the header.
fn classify(path: &Path) -> Result<Existing, String> {
    let cannot = |e: std::io::Error| format!("cannot read `{}`: {}", path.display(), io_reason(&e));
    if !std::fs::symlink_metadata(path).map_err(cannot)?.is_file() {
        return Ok(Existing::Foreign);
    }
    let mut file = std::fs::File::open(path).map_err(cannot)?;
    let mut head = Vec::with_capacity(gitops::HEADER.len());
    (&mut file)
        .take(gitops::HEADER.len() as u64)
        .read_to_end(&mut head)
        .map_err(cannot)?;
    if head != gitops::HEADER.as_bytes() {
        return Ok(Existing::Foreign);
    }
    file.take(MAX_INPUT_BYTES)
        .read_to_end(&mut head)
        .map_err(cannot)?;
    Ok(Existing::Owned(String::from_utf8_lossy(&head).into_owned()))
}

/// Write what is new or changed, then remove what is no longer built, and a folder that this
/// left empty.
fn apply(dir: &Path, plan: &Plan, changes: &Changes) -> Result<(), String> {
    let writes = changes.create.iter().chain(&changes.update);
    for (path, text) in writes.filter_map(|p| plan.get_key_value(p)) {
        let target = dir.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create `{}`: {}", parent.display(), io_reason(&e)))?;
        }
        write_atomic(&target, text)?;
    }
    for path in &changes.remove {
        let target = dir.join(path);
        std::fs::remove_file(&target)
            .map_err(|e| format!("cannot remove `{}`: {}", target.display(), io_reason(&e)))?;
        report::eprint(&format!(
            "removed `{}`: mlspec no longer builds it\n",
            target.display()
        ));
        if let Some(parent) = target.parent().filter(|p| *p != dir) {
            let empty = std::fs::read_dir(parent).is_ok_and(|mut e| e.next().is_none());
            if empty {
                std::fs::remove_dir(parent).map_err(|e| {
                    format!("cannot remove `{}`: {}", parent.display(), io_reason(&e))
                })?;
            }
        }
    }
    Ok(())
}

/// `--check`: exit 0 when DIR is exactly what a build would write; otherwise a unified diff of
/// each stale file, a line for each missing, foreign or removable file, and how to update.
fn report_stale(
    dir: &Path,
    plan: &Plan,
    existing: &BTreeMap<String, Existing>,
    changes: &Changes,
) -> i32 {
    if changes.is_empty() {
        return EXIT_OK;
    }
    let shown = |path: &str| dir.join(path).display().to_string();
    let mut out = format!("error: `{}` is out of date\n", dir.display());
    for path in &changes.update {
        let (Some(Existing::Owned(old)), Some(new)) = (existing.get(path), plan.get(path)) else {
            continue;
        };
        let name = shown(path);
        out.push_str(
            &similar::TextDiff::from_lines(old.as_str(), new.as_str())
                .unified_diff()
                .header(&name, &format!("{name} (as built)"))
                .to_string(),
        );
    }
    for path in &changes.create {
        out.push_str(&format!("missing: `{}`\n", shown(path)));
    }
    for path in &changes.blocked {
        out.push_str(&format!(
            "in the way: `{}` is not mlspec's (no header); move or delete it\n",
            shown(path)
        ));
    }
    for path in &changes.remove {
        out.push_str(&format!("would remove: `{}`\n", shown(path)));
    }
    out.push_str(&format!(
        "  help: run `mlspec build … --out-dir {}` to update it\n",
        dir.display()
    ));
    report::eprint(&out);
    EXIT_INPUT
}
