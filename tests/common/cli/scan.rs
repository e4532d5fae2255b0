//! Looking for secrets: in files, and in the command lines of running processes.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::{BOUND, Cli, exe};

/// Every file below `dir` (recursively; none when it does not exist).
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut todo = vec![dir.to_owned()];
    while let Some(dir) = todo.pop() {
        let Ok(read) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in read.flatten() {
            let path = entry.path();
            if path.is_dir() {
                todo.push(path);
            } else {
                found.push(path);
            }
        }
    }
    found
}

/// Does `haystack` contain `needle`?
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// Samples the command lines of every process that runs `tokendesk` or the stand-in browser,
/// on a thread, until [`CmdlineSampler::stop`].
pub struct CmdlineSampler {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<BTreeSet<String>>,
}

impl CmdlineSampler {
    /// Starts sampling /proc/*/cmdline (bounded to [`BOUND`]).
    pub fn start() -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut seen = BTreeSet::new();
            let deadline = Instant::now() + BOUND;
            while !flag.load(Ordering::SeqCst) && Instant::now() < deadline {
                for entry in std::fs::read_dir("/proc").unwrap().flatten() {
                    let Ok(raw) = std::fs::read(entry.path().join("cmdline")) else {
                        continue;
                    };
                    let line = String::from_utf8_lossy(&raw).replace('\0', " ");
                    if line.contains(exe()) || line.contains("tests/browser/xdg-open") {
                        seen.insert(line);
                    }
                }
                // The sampling cadence, not a synchronisation: the thread runs until stopped.
                std::thread::sleep(Duration::from_millis(3));
            }
            seen
        });
        Self { stop, thread }
    }

    /// Stops sampling; returns every distinct command line seen.
    pub fn stop(self) -> BTreeSet<String> {
        self.stop.store(true, Ordering::SeqCst);
        self.thread.join().unwrap()
    }
}

impl Cli {
    /// Asserts no recorded secret appears in any of `cmdlines`.
    pub fn assert_no_secret_in(&self, cmdlines: &BTreeSet<String>) {
        let secrets = self.secrets.lock().unwrap().clone();
        for line in cmdlines {
            for secret in &secrets {
                assert!(
                    !line.contains(secret.as_str()),
                    "a secret ({}…) appears in a process's arguments: {}",
                    &secret[..4],
                    line.replace(secret.as_str(), "[the secret]")
                );
            }
        }
    }
}
