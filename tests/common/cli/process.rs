//! Running `tokendesk`: an [`Invocation`] (command line and environment), a [`Running`]
//! process whose outputs are read as they come, and the [`Run`] it ends in.

use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::process::{Child, Command};
use tokio::sync::watch;
use tokio::time::timeout;

use super::{BOUND, Cli};

/// What one finished `tokendesk` run gave.
#[derive(Debug, Clone)]
pub struct Run {
    /// The command line after `tokendesk`, for messages.
    pub args: Vec<String>,
    /// Exit code (None: killed by a signal).
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub took: Duration,
}

impl Run {
    /// Asserts the exit code, showing the whole run otherwise.
    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(self.code, Some(code), "unexpected exit code: {self}");
        self
    }

    /// Asserts exit 0.
    pub fn ok(&self) -> &Self {
        self.expect_code(0)
    }

    /// The stderr in lower case (messages are checked case-insensitively).
    pub fn said(&self) -> String {
        self.stderr.to_lowercase()
    }

    /// Asserts stderr contains every one of `words` (case-insensitive).
    pub fn says(&self, words: &[&str]) -> &Self {
        let said = self.said();
        for word in words {
            assert!(
                said.contains(&word.to_lowercase()),
                "stderr should mention {word:?}: {self}"
            );
        }
        self
    }

    /// Asserts stderr contains at least one of `words` (case-insensitive).
    pub fn says_one_of(&self, words: &[&str]) -> &Self {
        let said = self.said();
        assert!(
            words.iter().any(|w| said.contains(&w.to_lowercase())),
            "stderr should mention one of {words:?}: {self}"
        );
        self
    }

    /// stdout must be exactly one line (with its newline); returns it.
    pub fn single_line(&self) -> String {
        let line = self
            .stdout
            .strip_suffix('\n')
            .unwrap_or_else(|| panic!("stdout must end with one newline: {self}"));
        assert!(
            !line.is_empty() && !line.contains('\n') && !line.contains('\r'),
            "stdout must be exactly one line: {self}"
        );
        line.to_owned()
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The test output only ever sees test secrets of a throw-away portal.
        write!(
            f,
            "`tokendesk {}` → exit {:?} after {:?}\n--- stdout ---\n{}--- stderr ---\n{}",
            self.args.join(" "),
            self.code,
            self.took,
            self.stdout,
            self.stderr
        )
    }
}

/// A `tokendesk` command about to run.
pub struct Invocation<'a> {
    pub(super) cli: &'a Cli,
    pub(super) command: Command,
    pub(super) args: Vec<String>,
}

impl<'a> Invocation<'a> {
    /// Sets an environment variable of the child.
    pub fn env(mut self, name: &str, value: impl AsRef<std::ffi::OsStr>) -> Self {
        self.command.env(name, value);
        self
    }

    /// The stand-in browser's action: approve | deny | ignore | tamper-state.
    pub fn browser(self, action: &str) -> Self {
        self.env("TOKENDESK_TEST_BROWSER_ACTION", action)
    }

    /// Runs the child in `dir`.
    pub fn current_dir(mut self, dir: &std::path::Path) -> Self {
        self.command.current_dir(dir);
        self
    }

    /// Keeps stdin open as a pipe (write with [`Running::write_stdin`]).
    pub fn piped_stdin(mut self) -> Self {
        self.command.stdin(Stdio::piped());
        self
    }

    /// Starts the process; its outputs are read as they come.
    pub fn spawn(mut self) -> Running<'a> {
        let started = Instant::now();
        let mut child = self.command.spawn().unwrap();
        let (stdout_tx, stdout) = watch::channel(String::new());
        let (stderr_tx, stderr) = watch::channel(String::new());
        let readers = vec![
            tokio::spawn(pump(child.stdout.take().unwrap(), stdout_tx)),
            tokio::spawn(pump(child.stderr.take().unwrap(), stderr_tx)),
        ];
        Running {
            cli: self.cli,
            args: self.args,
            child,
            stdout,
            stderr,
            readers,
            started,
        }
    }

    /// Runs to the end (bounded) and records the outputs.
    pub async fn run(self) -> Run {
        self.spawn().finish().await
    }
}

/// Appends everything read to the watched text.
async fn pump(mut from: impl tokio::io::AsyncRead + Unpin, to: watch::Sender<String>) {
    let mut buffer = [0u8; 4096];
    loop {
        match from.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => to.send_modify(|text| text.push_str(&String::from_utf8_lossy(&buffer[..n]))),
        }
    }
}

/// A running `tokendesk` process.
pub struct Running<'a> {
    cli: &'a Cli,
    args: Vec<String>,
    pub child: Child,
    stdout: watch::Receiver<String>,
    stderr: watch::Receiver<String>,
    readers: Vec<tokio::task::JoinHandle<()>>,
    started: Instant,
}

impl Running<'_> {
    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id().unwrap()
    }

    /// Waits (bounded) until stderr satisfies `done`; returns stderr so far.
    pub async fn wait_stderr(&mut self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let command = self.args.join(" ");
        wait_for_output(&mut self.stderr, "stderr", &command, what, done).await
    }

    /// Waits (bounded) until stdout satisfies `done`; returns stdout so far.
    pub async fn wait_stdout(&mut self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let command = self.args.join(" ");
        wait_for_output(&mut self.stdout, "stdout", &command, what, done).await
    }

    /// Writes to the child's stdin (see [`Invocation::piped_stdin`]).
    pub async fn write_stdin(&mut self, text: &str) {
        let stdin = self.child.stdin.as_mut().expect("stdin is piped");
        stdin.write_all(text.as_bytes()).await.unwrap();
        stdin.flush().await.unwrap();
    }

    /// Sends a signal (`INT`, `TERM`) with kill(1).
    pub fn signal(&self, name: &str) {
        let status = std::process::Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.pid().to_string())
            .status()
            .unwrap();
        assert!(status.success(), "kill -{name}");
    }

    /// Like [`Running::finish`], and also gives the process's peak resident memory in KiB.
    ///
    /// The peak (`VmHWM` in `/proc/PID/status`, a high-water mark kept by the kernel) is read
    /// every 20 ms until the exit; since it only grows, what the last reading misses is at
    /// most 20 ms of growth.
    pub async fn finish_with_peak_memory(mut self) -> (Run, u64) {
        let status_file = format!("/proc/{}/status", self.pid());
        let mut peak = 0;
        let mut ticks = tokio::time::interval(Duration::from_millis(20));
        let sampled = timeout(BOUND, async {
            loop {
                tokio::select! {
                    status = self.child.wait() => return status,
                    _ = ticks.tick() => {
                        if let Some(kib) = high_water_mark_kib(&status_file) {
                            peak = peak.max(kib);
                        }
                    }
                }
            }
        })
        .await;
        assert!(
            sampled.is_ok(),
            "`tokendesk {}` did not end within {BOUND:?}",
            self.args.join(" ")
        );
        (self.finish().await, peak)
    }

    /// Waits for the exit (bounded; killed and failed beyond), collects and records outputs.
    pub async fn finish(self) -> Run {
        self.finish_within(BOUND).await
    }

    /// [`Running::finish`] with another bound, for commands that run long on purpose.
    pub async fn finish_within(mut self, bound: Duration) -> Run {
        // Held open until the exit, as a terminal's would be (tokio's `wait` closes it).
        let _stdin = self.child.stdin.take();
        let status = match timeout(bound, self.child.wait()).await {
            Ok(status) => status.unwrap(),
            Err(_) => {
                let _ = self.child.kill().await;
                panic!(
                    "`tokendesk {}` did not end within {bound:?}; stderr:\n{}",
                    self.args.join(" "),
                    self.stderr.borrow().as_str()
                );
            }
        };
        for reader in self.readers.drain(..) {
            timeout(BOUND, reader)
                .await
                .expect("outputs close after the exit")
                .unwrap();
        }
        let run = Run {
            args: self.args.clone(),
            code: status.code(),
            stdout: self.stdout.borrow().clone(),
            stderr: self.stderr.borrow().clone(),
            took: self.started.elapsed(),
        };
        self.cli.record_run(&run);
        run
    }
}

/// `VmHWM` of a `/proc/PID/status` file, in KiB; `None` once the process is gone.
fn high_water_mark_kib(status_file: &str) -> Option<u64> {
    let text = std::fs::read_to_string(status_file).ok()?;
    let line = text.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Waits (bounded) until the watched output satisfies `done`; returns it so far.
async fn wait_for_output(
    receiver: &mut watch::Receiver<String>,
    stream: &str,
    command: &str,
    what: &str,
    done: impl Fn(&str) -> bool,
) -> String {
    let found = timeout(BOUND, async {
        loop {
            if done(&receiver.borrow_and_update()) {
                return true;
            }
            if receiver.changed().await.is_err() {
                return done(&receiver.borrow());
            }
        }
    })
    .await;
    let text = receiver.borrow().clone();
    assert!(
        matches!(found, Ok(true)),
        "`tokendesk {command}`: {stream} never showed {what}:\n{text}"
    );
    text
}
