//! `mlspec build --out-dir DIR`: read what DIR holds, then change it as one transaction — every
//! new text staged beside its target, then renamed into place, files no longer built removed —
//! or with `--check` print how DIR differs. `emit::gitops` decides; this file does the IO.
//!
//! Everything in the way is found before the first write, a failure at any step (a full disk)
//! puts every file back, and a lock file in DIR makes concurrent builds take turns. Links are
//! never followed out of DIR: a link where mlspec would write is in the way. Only regular files
//! that start with `gitops::HEADER` are ever overwritten, and only those at paths of the layout
//! are removed.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use mlspec::emit::Rendered;
use mlspec::emit::gitops::{self, Changes, Found, KUSTOMIZATION, Plan};

use super::io::{MAX_INPUT_BYTES, io_reason};
use super::stage::{Disk, RealDisk, Transaction, stage};
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
    if check {
        return match scan(dir) {
            Ok(found) => {
                let changes = gitops::changes(&plan, &found);
                report_stale(dir, &plan, &found, &changes)
            }
            Err(e) => {
                report::usage_error(&e);
                EXIT_USAGE
            }
        };
    }
    build(&RealDisk, dir, &plan)
}

/// What a build did or why it did nothing.
enum Outcome {
    /// Written; the files removed.
    Done(Vec<String>),
    /// Something is in the way; nothing was written.
    Blocked(Changes),
}

/// Change DIR to the plan under its lock, or leave it as it was.
fn build(disk: &dyn Disk, dir: &Path, plan: &Plan) -> i32 {
    if let Err(e) = is_folder(dir) {
        report::usage_error(&e);
        return EXIT_USAGE;
    }
    let mut made = Transaction::new(disk);
    let outcome = made.create_dirs(dir).and_then(|()| {
        let lock = Lock::take(dir)?;
        let outcome = update(disk, dir, plan);
        drop(lock);
        outcome
    });
    match outcome {
        Ok(Outcome::Done(removed)) => {
            made.finish();
            for path in removed {
                report::eprint(&format!(
                    "removed `{}`: mlspec no longer builds it\n",
                    dir.join(path).display()
                ));
            }
            EXIT_OK
        }
        Ok(Outcome::Blocked(changes)) => {
            made.rollback();
            let mut out = String::new();
            for b in &changes.blocked {
                out.push_str(&format!(
                    "error: `{}` is in the way: it {}\n",
                    dir.join(&b.path).display(),
                    b.why
                ));
            }
            out.push_str(
                "  help: move or delete it (nothing was written), or build into another --out-dir\n",
            );
            report::eprint(&out);
            EXIT_INPUT
        }
        Err(e) => {
            let problems = made.rollback();
            report::usage_error(&e);
            if problems.is_empty() {
                report::eprint(&format!(
                    "  note: `{}` is as it was before this build\n",
                    dir.display()
                ));
            }
            for p in problems {
                report::usage_error(&p);
            }
            EXIT_USAGE
        }
    }
}

/// Under the lock: scan, plan, then stage every new text and put it in place, or undo it all.
fn update(disk: &dyn Disk, dir: &Path, plan: &Plan) -> Result<Outcome, String> {
    let found = scan(dir)?;
    let changes = gitops::changes(plan, &found);
    if !changes.blocked.is_empty() {
        return Ok(Outcome::Blocked(changes));
    }
    let mut tx = Transaction::new(disk);
    match apply(&mut tx, dir, plan, &changes) {
        Ok(()) => {
            for p in tx.finish() {
                report::eprint(&format!("warning: {p}\n"));
            }
            remove_emptied(dir, &changes.remove);
            Ok(Outcome::Done(changes.remove))
        }
        Err(e) => {
            let problems = tx.rollback();
            if problems.is_empty() {
                Err(e)
            } else {
                Err(format!("{e}\n{}", problems.join("\n")))
            }
        }
    }
}

/// Make the app folders, stage every new or changed file (nothing is in place yet, so a full
/// disk stops here with DIR unchanged), rename them into place with each app's and the top
/// kustomization last, then remove what is no longer built.
fn apply(tx: &mut Transaction, dir: &Path, plan: &Plan, changes: &Changes) -> Result<(), String> {
    for folder in &changes.folders {
        tx.create_dirs(&dir.join(folder))?;
    }
    let mut writes: Vec<&String> = changes.create.iter().chain(&changes.update).collect();
    writes.sort_by_key(|p| (p.as_str() == KUSTOMIZATION, p.ends_with(KUSTOMIZATION)));
    let mut staged = Vec::new();
    for path in writes {
        let text = plan.get(path).map_or("", String::as_str);
        staged.push(stage(tx.disk(), &dir.join(path), text.as_bytes())?);
    }
    for s in staged {
        tx.put(s)?;
    }
    for path in &changes.remove {
        tx.remove(&dir.join(path))?;
    }
    Ok(())
}

/// Remove an app folder the removals left empty (never DIR itself).
fn remove_emptied(dir: &Path, removed: &[String]) {
    for path in removed {
        if let Some((folder, _)) = path.split_once('/') {
            let folder = dir.join(folder);
            if std::fs::read_dir(&folder).is_ok_and(|mut e| e.next().is_none()) {
                let _ = std::fs::remove_dir(&folder);
            }
        }
    }
}

/// DIR is a folder, or nothing yet.
fn is_folder(dir: &Path) -> Result<(), String> {
    match std::fs::metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!(
            "cannot read `{}`: {}",
            dir.display(),
            io_reason(&e)
        )),
        Ok(m) if !m.is_dir() => Err(format!(
            "`{}` is not a directory: --out-dir needs a folder (it is created if missing)",
            dir.display()
        )),
        Ok(_) => Ok(()),
    }
}

/// The lock file builds into one DIR take turns on. It is removed when the build ends; a
/// build that waited on a removed one takes the new one instead.
const LOCK: &str = ".mlspec.lock";

/// The lock held for a build; `None` in a folder no one can write to (a read-only checkout),
/// where a build that changes nothing still succeeds and one that would change something fails
/// at its first write, leaving the folder as it was.
struct Lock(Option<(PathBuf, File)>);

impl Lock {
    fn take(dir: &Path) -> Result<Lock, String> {
        let path = dir.join(LOCK);
        let cannot = |e: std::io::Error| {
            format!(
                "cannot lock `{}` for this build: {}",
                dir.display(),
                io_reason(&e)
            )
        };
        // Each round is one other build finishing; bounded so a broken file system cannot
        // keep this busy.
        for _ in 0..10_000 {
            if std::fs::symlink_metadata(&path).is_ok_and(|m| !m.is_file()) {
                return Err(format!(
                    "`{}` is not a file: mlspec locks DIR with it; remove it",
                    path.display()
                ));
            }
            let opened = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path);
            let file = match opened {
                Ok(f) => f,
                Err(e) if read_only(&e) => return Ok(Lock(None)),
                Err(e) => return Err(cannot(e)),
            };
            file.lock().map_err(cannot)?;
            let held = file.metadata().map_err(cannot)?;
            if std::fs::symlink_metadata(&path).is_ok_and(|now| same_file(&held, &now)) {
                return Ok(Lock(Some((path, file))));
            }
        }
        Err(format!(
            "cannot lock `{}`: its lock file keeps changing",
            dir.display()
        ))
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Removed while still held, so no build can take a lock on a file about to vanish.
        if let Some((path, _)) = &self.0 {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// A folder mlspec may not write to at all.
fn read_only(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem
    )
}

#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    (a.dev(), a.ino()) == (b.dev(), b.ino())
}

#[cfg(not(unix))]
fn same_file(_: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    b.is_file()
}

/// What DIR holds where mlspec writes: each entry of DIR and, in each real folder of it, each
/// `.yaml` entry, by plan-relative path, never following a link. Hidden names are skipped:
/// mlspec never writes them (its lock and staged files are hidden). A missing DIR is empty.
fn scan(dir: &Path) -> Result<BTreeMap<String, Found>, String> {
    let mut out = BTreeMap::new();
    is_folder(dir)?;
    if std::fs::metadata(dir).is_err() {
        return Ok(out);
    }
    for (name, path, kind) in entries(dir)? {
        if kind == Found::Folder {
            for (file, path, kind) in entries(&path)? {
                if file.ends_with(".yaml") {
                    out.insert(format!("{name}/{file}"), classify(&path, kind)?);
                }
            }
            out.insert(name, Found::Folder);
        } else {
            let found = if name.ends_with(".yaml") {
                classify(&path, kind)?
            } else {
                kind
            };
            out.insert(name, found);
        }
    }
    Ok(out)
}

/// (name, path, what it is without reading it) of each entry whose name is UTF-8 and not
/// hidden: a regular file is `Foreign` until `classify` reads its header.
fn entries(dir: &Path) -> Result<Vec<(String, PathBuf, Found)>, String> {
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
        let kind = kind(&entry.file_type().map_err(cannot)?);
        out.push((name, entry.path(), kind));
    }
    Ok(out)
}

/// What a directory entry is, from its own type (a link is a link, whatever it points to).
fn kind(t: &std::fs::FileType) -> Found {
    if t.is_symlink() {
        return Found::Special("a symbolic link");
    }
    if t.is_dir() {
        return Found::Folder;
    }
    if t.is_file() {
        return Found::Foreign;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return Found::Special("a FIFO");
        }
        if t.is_socket() {
            return Found::Special("a socket");
        }
    }
    Found::Special("a device")
}

/// A regular file is mlspec's (with its text) when it starts with the header.
fn classify(path: &Path, kind: Found) -> Result<Found, String> {
    if kind != Found::Foreign {
        return Ok(kind);
    }
    let cannot = |e: std::io::Error| format!("cannot read `{}`: {}", path.display(), io_reason(&e));
    let mut file = File::open(path).map_err(cannot)?;
    let mut head = Vec::with_capacity(gitops::HEADER.len());
    (&mut file)
        .take(gitops::HEADER.len() as u64)
        .read_to_end(&mut head)
        .map_err(cannot)?;
    if head != gitops::HEADER.as_bytes() {
        return Ok(Found::Foreign);
    }
    file.take(MAX_INPUT_BYTES)
        .read_to_end(&mut head)
        .map_err(cannot)?;
    Ok(Found::Owned(String::from_utf8_lossy(&head).into_owned()))
}

/// `--check`: exit 0 when DIR is exactly what a build would write; otherwise a unified diff of
/// each stale file, a line for each missing, foreign or removable file, and how to update.
fn report_stale(
    dir: &Path,
    plan: &Plan,
    found: &BTreeMap<String, Found>,
    changes: &Changes,
) -> i32 {
    if changes.is_empty() {
        return EXIT_OK;
    }
    let shown = |path: &str| dir.join(path).display().to_string();
    let mut out = format!("error: `{}` is out of date\n", dir.display());
    for path in &changes.update {
        let (Some(Found::Owned(old)), Some(new)) = (found.get(path), plan.get(path)) else {
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
    for b in &changes.blocked {
        out.push_str(&format!(
            "in the way: `{}` {}; move or delete it\n",
            shown(&b.path),
            b.why
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

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::io::Write;

    use super::*;

    /// A disk that fails its `fail_at`-th operation (counting from 0) as a full disk does: a
    /// write puts half its bytes down first. Every other operation is the real one.
    struct Full {
        ops: Cell<usize>,
        fail_at: usize,
    }

    impl Full {
        fn next(&self) -> bool {
            let n = self.ops.get();
            self.ops.set(n + 1);
            n == self.fail_at
        }
    }

    fn full() -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::StorageFull, "no space left on device")
    }

    impl Disk for Full {
        fn write(&self, file: &mut File, bytes: &[u8]) -> std::io::Result<()> {
            if self.next() {
                file.write_all(&bytes[..bytes.len() / 2])?;
                return Err(full());
            }
            file.write_all(bytes)
        }
        fn rename(&self, from: &Path, to: &Path) -> std::io::Result<()> {
            if self.next() {
                return Err(full());
            }
            std::fs::rename(from, to)
        }
        fn hard_link(&self, from: &Path, to: &Path) -> std::io::Result<()> {
            if self.next() {
                return Err(full());
            }
            std::fs::hard_link(from, to)
        }
        fn create_dir(&self, path: &Path) -> std::io::Result<()> {
            if self.next() {
                return Err(full());
            }
            std::fs::create_dir(path)
        }
        fn remove_file(&self, path: &Path) -> std::io::Result<()> {
            if self.next() {
                return Err(full());
            }
            std::fs::remove_file(path)
        }
    }

    /// Every entry under `root`, hidden ones included, with a file's text and mode.
    fn tree(root: &Path) -> BTreeMap<String, String> {
        fn walk(base: &Path, at: &Path, out: &mut BTreeMap<String, String>) {
            for e in std::fs::read_dir(at).expect("readable") {
                let path = e.expect("entry").path();
                let rel = path
                    .strip_prefix(base)
                    .expect("inside")
                    .display()
                    .to_string();
                if path.is_dir() {
                    out.insert(rel, "/".into());
                    walk(base, &path, out);
                } else {
                    #[cfg(unix)]
                    let mode = {
                        use std::os::unix::fs::PermissionsExt;
                        std::fs::metadata(&path).expect("stat").permissions().mode()
                    };
                    #[cfg(not(unix))]
                    let mode = 0;
                    let text = std::fs::read_to_string(&path).expect("read");
                    out.insert(rel, format!("{mode:o} {text}"));
                }
            }
        }
        let mut out = BTreeMap::new();
        walk(root, root, &mut out);
        out
    }

    fn plan(files: &[(&str, &str)]) -> Plan {
        files
            .iter()
            .map(|(p, t)| (p.to_string(), format!("{}{t}\n", gitops::HEADER)))
            .collect()
    }

    /// Item 4 of issue 21: a disk that fills up (or any step that fails) at any point of a
    /// build leaves DIR exactly as it was; once no step fails, DIR is the new plan.
    #[test]
    fn a_failure_at_any_step_leaves_the_folder_as_it_was() {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("deploy");
        let old = plan(&[
            ("kustomization.yaml", "top: [a, gone]"),
            ("a/kustomization.yaml", "a: 1"),
            ("a/deployment-a.yaml", "old a"),
            ("a/service-a.yaml", "same"),
            ("gone/kustomization.yaml", "gone"),
            ("gone/job-gone.yaml", "gone job"),
        ]);
        assert_eq!(build(&RealDisk, &out, &old), EXIT_OK);
        std::fs::write(out.join("README.md"), "hand-written\n").expect("write");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let p = out.join("a/deployment-a.yaml");
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o640)).expect("chmod");
        }
        let before = tree(dir.path());
        let new = plan(&[
            ("kustomization.yaml", "top: [a, b]"),
            ("a/kustomization.yaml", "a: 2"),
            ("a/deployment-a.yaml", "new a"),
            ("a/service-a.yaml", "same"),
            ("b/kustomization.yaml", "b"),
            ("b/deployment-b.yaml", "new b"),
        ]);
        let mut failures = 0;
        for fail_at in 0.. {
            let disk = Full {
                ops: Cell::new(0),
                fail_at,
            };
            let code = build(&disk, &out, &new);
            if code == EXIT_OK {
                break;
            }
            failures += 1;
            assert_eq!(code, EXIT_USAGE, "failing step {fail_at}");
            assert_eq!(tree(dir.path()), before, "failing step {fail_at}");
        }
        assert!(failures >= 10, "every step was tried: {failures}");
        let after = tree(dir.path());
        assert!(after["deploy/a/deployment-a.yaml"].starts_with("100640 "));
        assert!(after["deploy/b/deployment-b.yaml"].contains("new b"));
        assert!(!after.contains_key("deploy/gone"), "{after:?}");
        assert!(after.keys().all(|k| !k.contains("/.")), "{after:?}");
    }

    /// The same for a DIR that did not exist: it does not exist after a failure.
    #[test]
    fn a_failed_first_build_leaves_no_folder() {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("new/deploy");
        let new = plan(&[
            ("kustomization.yaml", "top: [a]"),
            ("a/kustomization.yaml", "a"),
        ]);
        for fail_at in 0..4 {
            let disk = Full {
                ops: Cell::new(0),
                fail_at,
            };
            assert_eq!(build(&disk, &out, &new), EXIT_USAGE);
            assert!(!dir.path().join("new").exists(), "failing step {fail_at}");
        }
    }
}
