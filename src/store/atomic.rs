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
    sync_dir(dir)
}

/// Makes the rename itself durable (Unix; elsewhere the rename is all we can do).
fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}
