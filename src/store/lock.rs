//! A cross-process lock on a file of its own (std `File::try_lock`, `flock` on Linux),
//! waited for with a bound: `File::lock` has no timeout, so [`FileLock::acquire`] retries
//! `try_lock` until its deadline and then names the file in its error.
//!
//! The lock belongs to the open file description, so two `File`s in one process exclude
//! each other too, and the operating system frees it when the holder dies.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How often a waiting [`FileLock::acquire`] tries again.
const RETRY_EVERY: Duration = Duration::from_millis(25);

/// An exclusive lock, held until this value is dropped.
#[derive(Debug)]
pub struct FileLock {
    // Dropping the file closes it, which releases the lock.
    _file: File,
    path: PathBuf,
}

/// Why a lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another holder kept the lock for the whole wait.
    #[error(
        "gave up after {:.1} s waiting for the lock on {path}: another TokenDesk process \
         (the desktop app or a CLI command) is holding it. Try again when it has finished; if no \
         TokenDesk process is running, the lock is held by something else that opened {path}",
        .waited.as_secs_f64()
    )]
    Timeout {
        /// The lock file.
        path: PathBuf,
        /// How long we waited.
        waited: Duration,
    },
    /// The lock file could not be opened or locked.
    #[error("cannot lock {path}: {source}. Check that the directory exists and is writable")]
    Io {
        /// The lock file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
}

impl FileLock {
    /// Takes the exclusive lock on `path` (created, mode 0600, if missing), waiting at most
    /// `timeout` for another holder to let go.
    pub fn acquire(path: &Path, timeout: Duration) -> Result<Self, LockError> {
        let io_error = |source| LockError::Io {
            path: path.to_owned(),
            source,
        };
        let file = open_lock_file(path).map_err(io_error)?;
        let started = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => {
                    return Ok(Self {
                        _file: file,
                        path: path.to_owned(),
                    });
                }
                Err(TryLockError::WouldBlock) => {}
                Err(TryLockError::Error(source)) => return Err(io_error(source)),
            }
            let waited = started.elapsed();
            if waited >= timeout {
                return Err(LockError::Timeout {
                    path: path.to_owned(),
                    waited,
                });
            }
            std::thread::sleep(RETRY_EVERY.min(timeout - waited));
        }
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn open_lock_file(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lock_timeout_says_how_long_in_seconds_a_person_can_read() {
        let err = LockError::Timeout {
            path: PathBuf::from("/tmp/profiles.lock"),
            waited: Duration::from_micros(10_004_321),
        };
        let message = err.to_string();
        assert!(
            message.starts_with("gave up after 10.0 s waiting for the lock on /tmp/profiles.lock"),
            "{message}"
        );
    }
}
