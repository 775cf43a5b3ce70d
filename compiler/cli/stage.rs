//! Writing files so that a failure changes nothing: each new text is staged in a hidden file
//! beside its target and renamed into place; a `Transaction` of several such changes (and of
//! removals, and the folders made for them) is undone as a whole when any step fails.
//!
//! Every step goes through a [`Disk`], so tests can make any write, rename or link fail (a full
//! disk, a lost permission) and check that nothing was left changed.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use tempfile::TempPath;

use super::io::io_reason;

/// The file-system operations a change is made of.
pub trait Disk {
    fn write(&self, file: &mut File, bytes: &[u8]) -> io::Result<()>;
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()>;
    /// A second name for a file; fails with `AlreadyExists` when `to` exists.
    fn hard_link(&self, from: &Path, to: &Path) -> io::Result<()>;
    fn create_dir(&self, path: &Path) -> io::Result<()>;
    fn remove_file(&self, path: &Path) -> io::Result<()>;
}

/// The real file system.
pub struct RealDisk;

impl Disk for RealDisk {
    fn write(&self, file: &mut File, bytes: &[u8]) -> io::Result<()> {
        file.write_all(bytes)
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        std::fs::rename(from, to)
    }

    fn hard_link(&self, from: &Path, to: &Path) -> io::Result<()> {
        std::fs::hard_link(from, to)
    }

    fn create_dir(&self, path: &Path) -> io::Result<()> {
        std::fs::create_dir(path)
    }

    fn remove_file(&self, path: &Path) -> io::Result<()> {
        std::fs::remove_file(path)
    }
}

/// The folder a path is in (`.` for a bare name).
pub fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// A new text written and synced beside its target, not yet in place. Dropped, it is deleted.
pub struct Staged {
    target: PathBuf,
    temp: TempPath,
}

/// Write `bytes` to a hidden file in `target`'s folder. A new file gets the permissions the
/// umask leaves (as any file a program creates); a file that replaces another keeps that one's
/// mode, and its owner and group when mlspec may set them (it runs as root).
pub fn stage(disk: &dyn Disk, target: &Path, bytes: &[u8]) -> Result<Staged, String> {
    let cannot = |e: &io::Error| format!("cannot write `{}`: {}", target.display(), io_reason(e));
    let old = std::fs::symlink_metadata(target)
        .ok()
        .filter(std::fs::Metadata::is_file);
    let mut builder = tempfile::Builder::new();
    builder.prefix(".mlspec-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Created with at most the old mode (less the umask): never briefly more open than it.
        let mode = old
            .as_ref()
            .map_or(0o666, |m| m.permissions().mode() & 0o7777);
        builder.permissions(std::fs::Permissions::from_mode(mode));
    }
    let mut tmp = builder
        .tempfile_in(parent(target))
        .map_err(|e| cannot(&e))?;
    disk.write(tmp.as_file_mut(), bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| cannot(&e))?;
    if let Some(old) = &old {
        keep_mode(tmp.as_file(), old).map_err(|e| cannot(&e))?;
    }
    Ok(Staged {
        target: target.to_path_buf(),
        temp: tmp.into_temp_path(),
    })
}

/// Give a staged file the mode (exactly, the umask aside) and, where allowed, the owner of the
/// file it replaces.
#[cfg(unix)]
fn keep_mode(file: &File, old: &std::fs::Metadata) -> io::Result<()> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let new = file.metadata()?;
    if (new.uid(), new.gid()) != (old.uid(), old.gid()) {
        // Only root may give a file away; anyone else writes it as their own, as an editor does.
        let _ = std::os::unix::fs::fchown(file, Some(old.uid()), Some(old.gid()));
    }
    file.set_permissions(std::fs::Permissions::from_mode(
        old.permissions().mode() & 0o7777,
    ))
}

#[cfg(not(unix))]
fn keep_mode(file: &File, old: &std::fs::Metadata) -> io::Result<()> {
    file.set_permissions(old.permissions())
}

impl Staged {
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Rename the staged file over its target: the target is the old file or the whole new one,
    /// never a part of it.
    pub fn persist(self, disk: &dyn Disk) -> Result<(), String> {
        let Staged { target, mut temp } = self;
        disk.rename(&temp, &target)
            .map_err(|e| format!("cannot write `{}`: {}", target.display(), io_reason(&e)))?;
        temp.disable_cleanup(true);
        Ok(())
    }
}

/// What a transaction did, so that it can be undone.
enum Done {
    /// A folder it made.
    Folder(PathBuf),
    /// A file it wrote where none was.
    Created(PathBuf),
    /// A file it replaced or removed; the old one is kept under another name until the end.
    Kept { target: PathBuf, old: TempPath },
}

/// Changes to several files that succeed or are undone together.
pub struct Transaction<'d> {
    disk: &'d dyn Disk,
    done: Vec<Done>,
}

impl<'d> Transaction<'d> {
    pub fn new(disk: &'d dyn Disk) -> Self {
        Transaction {
            disk,
            done: Vec::new(),
        }
    }

    pub fn disk(&self) -> &'d dyn Disk {
        self.disk
    }

    /// Make `dir` and any missing folder above it.
    pub fn create_dirs(&mut self, dir: &Path) -> Result<(), String> {
        let mut missing = Vec::new();
        let mut at = Some(dir);
        while let Some(p) = at.filter(|p| !p.as_os_str().is_empty()) {
            if std::fs::symlink_metadata(p).is_ok() {
                break;
            }
            missing.push(p.to_path_buf());
            at = p.parent();
        }
        for p in missing.into_iter().rev() {
            match self.disk.create_dir(&p) {
                Ok(()) => self.done.push(Done::Folder(p)),
                // Another build made it meanwhile: it is not this one's to remove.
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => {
                    return Err(format!(
                        "cannot create `{}`: {}",
                        p.display(),
                        io_reason(&e)
                    ));
                }
            }
        }
        Ok(())
    }

    /// Put a staged file in place, keeping the file it replaces until the end.
    pub fn put(&mut self, staged: Staged) -> Result<(), String> {
        let target = staged.target().to_path_buf();
        if std::fs::symlink_metadata(&target).is_err() {
            staged.persist(self.disk)?;
            self.done.push(Done::Created(target));
            return Ok(());
        }
        let (old, moved) = self.keep(&target)?;
        match staged.persist(self.disk) {
            Ok(()) => {
                self.done.push(Done::Kept { target, old });
                Ok(())
            }
            // Linked aside, the target is untouched: dropping `old` deletes the second name.
            Err(e) if !moved => Err(e),
            // Renamed aside: `rollback` renames it back.
            Err(e) => {
                self.done.push(Done::Kept { target, old });
                Err(e)
            }
        }
    }

    /// Remove a file, keeping it aside until the end.
    pub fn remove(&mut self, target: &Path) -> Result<(), String> {
        let (old, moved) = self.keep(target)?;
        let unlinked = if moved {
            Ok(())
        } else {
            self.disk.remove_file(target)
        };
        self.done.push(Done::Kept {
            target: target.to_path_buf(),
            old,
        });
        unlinked.map_err(|e| format!("cannot remove `{}`: {}", target.display(), io_reason(&e)))
    }

    /// A second, hidden name for `target` in its folder (a hard link, so the target stays in
    /// place), or, where the file system has no hard links, `target` renamed to it; whether it
    /// was renamed.
    fn keep(&self, target: &Path) -> Result<(TempPath, bool), String> {
        let cannot = |e: io::Error| {
            format!(
                "cannot keep a copy of `{}` until the build is done: {}",
                target.display(),
                io_reason(&e)
            )
        };
        let mut aside = tempfile::Builder::new();
        aside.prefix(".mlspec-old-");
        let disk = self.disk;
        match aside.make_in(parent(target), |p| disk.hard_link(target, p)) {
            Ok(kept) => Ok((kept.into_temp_path(), false)),
            Err(e)
                if matches!(e.kind(), io::ErrorKind::Unsupported)
                    || e.raw_os_error() == Some(1) =>
            {
                let kept = aside
                    .make_in(parent(target), |p| match std::fs::symlink_metadata(p) {
                        Ok(_) => Err(io::ErrorKind::AlreadyExists.into()),
                        Err(_) => disk.rename(target, p),
                    })
                    .map_err(cannot)?;
                Ok((kept.into_temp_path(), true))
            }
            Err(e) => Err(cannot(e)),
        }
    }

    /// Undo everything, newest first; what could not be restored, one line each.
    pub fn rollback(mut self) -> Vec<String> {
        let mut problems = Vec::new();
        while let Some(step) = self.done.pop() {
            let (path, result) = match step {
                Done::Folder(p) => {
                    let r = std::fs::remove_dir(&p);
                    (p, r)
                }
                Done::Created(p) => {
                    let r = self.disk.remove_file(&p);
                    (p, r)
                }
                Done::Kept { target, mut old } => {
                    // Renamed back (or, still linked in place, renamed onto itself: then `old`
                    // is deleted when dropped). Not restored: keep it, it is the only copy.
                    let r = self.disk.rename(&old, &target);
                    if r.is_err() {
                        old.disable_cleanup(true);
                    }
                    (target, r)
                }
            };
            if let Err(e) = result {
                problems.push(format!(
                    "cannot restore `{}`: {}",
                    path.display(),
                    io_reason(&e)
                ));
            }
        }
        problems
    }

    /// Keep every change: delete the old files kept aside. What could not be deleted, one line
    /// each (hidden `.mlspec-old-*` files a later build ignores).
    pub fn finish(self) -> Vec<String> {
        let mut problems = Vec::new();
        for step in self.done {
            if let Done::Kept { old, .. } = step {
                let shown = old.display().to_string();
                if let Err(e) = old.close()
                    && e.kind() != io::ErrorKind::NotFound
                {
                    problems.push(format!("cannot delete `{shown}`: {}", io_reason(&e)));
                }
            }
        }
        problems
    }
}
