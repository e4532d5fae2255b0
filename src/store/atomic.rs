//! Private files written atomically: a temporary file in the same directory, fsync, rename
//! over the target, fsync of the directory. Readers see the old or the new content, never a
//! mix, and a crash leaves no half-written file. Files are mode 0600 and directories we
//! create are 0700 (Unix).

use std::fs::DirBuilder;
use std::io::{self, Write};
use std::path::Path;

/// Creates `dir` and its missing parents; the ones created get mode 0700.
pub(super) fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Writes a private file (mode 0600) atomically, creating its directory (mode 0700) when
/// missing: for small files other layers keep, such as the desktop app's settings.
pub fn write_private_file(path: &Path, contents: &[u8]) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        create_private_dir(dir)?;
    }
    write_atomically(path, contents)
}

/// Replaces `path` with `contents` atomically, leaving it with mode 0600. The temporary
/// file is named `.<file name>.<random>.tmp` and removed if anything fails.
pub(super) fn write_atomically(path: &Path, contents: &[u8]) -> io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path has no directory"))?;
    let prefix = format!(
        ".{}.",
        path.file_name().unwrap_or_default().to_string_lossy()
    );
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600));
    let mut temp = builder.tempfile_in(dir)?;
    temp.write_all(contents)?;
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|err| err.error)?;
    remove_stale_temporaries(dir, &prefix, std::time::SystemTime::now());
    sync_dir(dir)
}

/// How old another writer's temporary file must be before it counts as left behind: a
/// write takes milliseconds, so one this old belongs to a process that was killed.
const STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(60);

/// Removes `.<file name>.*.tmp` files in `dir` that are older than [`STALE_AFTER`]: what a
/// writer killed between creating its temporary file and the rename left behind. Best
/// effort: a file that cannot be read or removed is left as it is.
fn remove_stale_temporaries(dir: &Path, prefix: &str, now: std::time::SystemTime) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with(prefix) && name.ends_with(".tmp")) {
            continue;
        }
        let stale = entry
            .metadata()
            .and_then(|meta| meta.modified())
            .ok()
            .and_then(|modified| now.duration_since(modified).ok())
            .is_some_and(|age| age >= STALE_AFTER);
        if stale && std::fs::remove_file(entry.path()).is_ok() {
            tracing::info!(file = %entry.path().display(), "removed a temporary file a killed writer left behind");
        }
    }
}

/// Makes the rename itself durable (Unix; elsewhere the rename is all we can do).
fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_removes_temporaries_a_killed_writer_left_but_not_a_fresh_one_nor_other_files() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("profiles.toml");
        let left = dir.path().join(".profiles.toml.AbC123.tmp");
        let fresh = dir.path().join(".profiles.toml.XyZ789.tmp");
        let other = dir.path().join(".settings.toml.QrS456.tmp");
        for file in [&left, &fresh, &other] {
            std::fs::write(file, b"half").unwrap();
        }
        let an_hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        for file in [&left, &other] {
            std::fs::File::options()
                .write(true)
                .open(file)
                .unwrap()
                .set_modified(an_hour_ago)
                .unwrap();
        }

        write_atomically(&target, b"name = 1").unwrap();

        assert_eq!(std::fs::read(&target).unwrap(), b"name = 1");
        assert!(
            !left.exists(),
            "the stale temporary of this file is removed"
        );
        assert!(
            fresh.exists(),
            "a writer that may still be running keeps its file"
        );
        assert!(
            other.exists(),
            "another file's temporaries are that file's business"
        );
    }
}
