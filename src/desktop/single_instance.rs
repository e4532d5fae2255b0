//! One TokenDesk window per user: the first `tokendesk` holds a lock in the private runtime
//! directory (`$XDG_RUNTIME_DIR/tokendesk/instance.lock`) and listens on a Unix socket beside
//! it; a second `tokendesk` (or `tokendesk show`) finds the lock taken, asks the first one over
//! the socket to show its window, and exits.
//!
//! Hand-written over std's Unix sockets and the project's file lock rather than a crate: the
//! protocol is one line each way, and the lock and the private directory are the ones `exec`
//! already uses.

use std::io::{self, BufRead, BufReader, Write};
use std::path::PathBuf;
use std::time::Duration;

use crate::store::{FileLock, LockError};

/// The request a second instance sends.
const SHOW: &str = "show";
/// The answer of the first.
const SHOWN: &str = "shown";
/// How long a second instance waits for the first one's answer.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(5);

/// What claiming the instance gave.
#[derive(Debug)]
pub enum Claim {
    /// This process is the first: keep the guard for its whole life and serve the listener.
    First(FirstInstance),
    /// Another process is running and showed its window.
    Shown,
}

/// The first instance's lock and listener.
#[derive(Debug)]
pub struct FirstInstance {
    /// Held for the process's life: others see it taken.
    pub lock: FileLock,
    /// Requests from later instances.
    #[cfg(unix)]
    pub listener: std::os::unix::net::UnixListener,
}

/// Why the instance could not be claimed.
#[derive(Debug, thiserror::Error)]
pub enum ClaimError {
    /// The runtime directory or the socket failed.
    #[error("the single-instance lock in {} failed: {source}", .dir.display())]
    Io {
        /// The directory.
        dir: PathBuf,
        /// What failed.
        source: io::Error,
    },
    /// Another TokenDesk holds the lock but did not answer.
    #[error(
        "another TokenDesk is running (it holds {}) but did not answer the request to show its \
         window",
        .lock.display()
    )]
    NoAnswer {
        /// The lock file.
        lock: PathBuf,
    },
}

/// Claims the instance, or asks the running one to show its window.
#[cfg(unix)]
pub fn claim_or_show() -> Result<Claim, ClaimError> {
    use std::os::unix::net::{UnixListener, UnixStream};
    let dir = crate::store::paths::private_runtime_dir().map_err(|source| ClaimError::Io {
        dir: std::env::temp_dir(),
        source,
    })?;
    let io_error = |source| ClaimError::Io {
        dir: dir.clone(),
        source,
    };
    let lock_path = dir.join("instance.lock");
    let socket = dir.join("instance.sock");
    match FileLock::acquire(&lock_path, Duration::ZERO) {
        Ok(lock) => {
            // The lock proves no other instance listens: a socket file left by a killed one
            // is stale.
            match std::fs::remove_file(&socket) {
                Err(err) if err.kind() != io::ErrorKind::NotFound => return Err(io_error(err)),
                _ => {}
            }
            let listener = UnixListener::bind(&socket).map_err(io_error)?;
            Ok(Claim::First(FirstInstance { lock, listener }))
        }
        Err(LockError::Timeout { .. }) => {
            let ask = || -> io::Result<bool> {
                let mut stream = UnixStream::connect(&socket)?;
                stream.set_read_timeout(Some(ANSWER_TIMEOUT))?;
                stream.write_all(format!("{SHOW}\n").as_bytes())?;
                let mut answer = String::new();
                BufReader::new(stream).read_line(&mut answer)?;
                Ok(answer.trim() == SHOWN)
            };
            match ask() {
                Ok(true) => Ok(Claim::Shown),
                Ok(false) | Err(_) => Err(ClaimError::NoAnswer { lock: lock_path }),
            }
        }
        Err(LockError::Io { source, .. }) => Err(io_error(source)),
    }
}

/// Other platforms: every `tokendesk` is a window of its own (no single-instance support yet).
#[cfg(not(unix))]
pub fn claim_or_show() -> Result<Claim, ClaimError> {
    Err(ClaimError::Io {
        dir: std::env::temp_dir(),
        source: io::Error::other("single instance is not supported on this platform yet"),
    })
}

/// Serves later instances' requests until the listener fails: each `show` calls `show` and
/// is answered. Runs on the host's runtime.
#[cfg(unix)]
pub async fn serve(listener: std::os::unix::net::UnixListener, show: impl Fn() + Send + 'static) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
    if let Err(err) = listener.set_nonblocking(true) {
        tracing::warn!(%err, "the single-instance socket cannot be served");
        return;
    }
    let listener = match tokio::net::UnixListener::from_std(listener) {
        Ok(listener) => listener,
        Err(err) => {
            tracing::warn!(%err, "the single-instance socket cannot be served");
            return;
        }
    };
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            return;
        };
        let (read, mut write) = stream.into_split();
        let mut line = String::new();
        let mut reader = tokio::io::BufReader::new(read);
        // A peer that says nothing within the bound is dropped.
        let read = tokio::time::timeout(ANSWER_TIMEOUT, reader.read_line(&mut line)).await;
        if matches!(read, Ok(Ok(_))) && line.trim() == SHOW {
            show();
            let _ = write.write_all(format!("{SHOWN}\n").as_bytes()).await;
        }
    }
}
