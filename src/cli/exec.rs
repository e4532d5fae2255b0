//! `tokendesk exec NAME [--for URL] -- COMMAND [ARGS…]`: runs COMMAND with the profile's
//! token in its environment and in a header file that stays fresh while it runs.
//!
//! * The environment ([`Handout::environment`]): `ARCGIS_TOKEN`, `ARCGIS_HOST`,
//!   `ARCGIS_TOKEN_EXPIRES`, `ARCGIS_REFERER` when bound, `ARCGIS_API_KEY` for API keys. A
//!   running process cannot see its environment change, so these are the token at the start.
//! * `GDAL_HTTP_HEADER_FILE`: a file (0600) in a private directory under `$XDG_RUNTIME_DIR`
//!   (or a private temporary directory), never in the working directory, holding the header
//!   line and the `Referer` line when bound. GDAL reads it before every request. While
//!   COMMAND runs, the token is renewed ahead of its expiry (through the engine, so under the
//!   same lock and backoff as every other process) and the file is replaced atomically. It is
//!   removed when COMMAND ends; the directories of `exec` runs that were killed are removed
//!   by the next one.
//! * The token is never in COMMAND's arguments. COMMAND's exit code is TokenDesk's (128 + N
//!   when a signal N ended it; 127 when it cannot be found, 126 when it cannot be run).
//!   SIGINT, SIGTERM and SIGHUP are passed on to it. A profile that needs a sign-in fails
//!   before COMMAND starts, with exit 3 and what to do.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;

use super::context::{self, engine_failure};
use super::for_url::{self, Printed};
use super::fresh::fresh;
use super::handout::Handout;
use super::remedy::print_warning;
use super::{Exit, Outcome};
use crate::arcgis::Instant;
use crate::clock::rfc3339;
use crate::engine::{Engine, ServiceAccess};
use crate::secret::AccessToken;
use crate::store::{Profile, write_private_file};

/// Arguments of `tokendesk exec`.
#[derive(Debug, Args)]
pub struct ExecArgs {
    /// The profile.
    pub name: String,
    /// The token for this service URL instead (see `token --for`).
    #[arg(long = "for", value_name = "URL")]
    pub for_url: Option<String>,
    /// Do not write a header file (no GDAL_HTTP_HEADER_FILE); the environment only.
    #[arg(long)]
    pub no_header_file: bool,
    /// The command to run and its arguments, after `--`.
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<OsString>,
}

/// The longest wait between two looks at the token while COMMAND runs.
const MAX_LOOK: Duration = Duration::from_secs(15);

/// Runs COMMAND as described in the module docs.
pub async fn run(args: ExecArgs) -> Outcome {
    let Some((program, arguments)) = args.command.split_first() else {
        return Outcome::fail(Exit::Usage, "no command to run was given after `--`");
    };
    let (profile, found) = match first_token(&args).await {
        Ok(found) => found,
        Err(outcome) => return outcome,
    };
    let mut current = found.as_ref().ok().map(|t| (t.token.clone(), t.expires_at));
    let handout = Handout {
        profile: &profile,
        token: found.as_ref().ok(),
        url: args.for_url.as_deref(),
        public_site: found.as_ref().err().map(String::as_str),
    };
    let header_file = match (&current, args.no_header_file) {
        (Some(_), false) => match HeaderFile::create(&handout.header_file()) {
            Ok(file) => Some(file),
            Err(err) => {
                return Outcome::fail(
                    Exit::Failure,
                    format!(
                        "could not write the header file for the command: {err}; nothing was run"
                    ),
                );
            }
        },
        _ => None,
    };
    // Watched before COMMAND starts: a signal that arrives early must reach it, not end
    // TokenDesk (and leave COMMAND running with a header file nobody removes).
    let mut signals = Signals::new();
    let mut command = tokio::process::Command::new(program);
    command.args(arguments).envs(handout.environment());
    if let Some(file) = &header_file {
        command.env("GDAL_HTTP_HEADER_FILE", file.path());
    }
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(err) => return not_started(program, &err),
    };
    // Renewing needs the engine; a profile whose token is an API key (or a server that
    // needs none) has nothing to renew.
    let renews = header_file.is_some() && handout.kind() != "api_key";
    let engine = if renews {
        context::profile_and_engine(&args.name)
            .await
            .ok()
            .map(|(_, e)| e)
    } else {
        None
    };
    let mut failing = false;
    let status = loop {
        let wait = match (&engine, &current) {
            (Some(_), Some((_, expires_at))) => look_after(*expires_at),
            _ => Duration::MAX,
        };
        tokio::select! {
            status = child.wait() => break status,
            signal = signals.next() => forward(&child, signal),
            () = tokio::time::sleep(wait) => {
                let (Some(engine), Some(file)) = (&engine, &header_file) else { continue };
                match renewed(engine, &profile, args.for_url.as_deref()).await {
                    Ok((token, expires_at)) => {
                        failing = false;
                        if current.as_ref().is_none_or(|(old, _)| old.expose() != token.expose()) {
                            let Ok(first) = &found else { continue };
                            let printed = first.renewed(token.clone(), expires_at);
                            let fresh = Handout { token: Some(&printed), ..handout_of(&handout) };
                            if let Err(err) = file.replace(&fresh.header_file()) {
                                eprintln!("tokendesk: warning: could not renew the header file: {err}");
                            }
                        }
                        current = Some((token, expires_at));
                    }
                    Err(message) if !failing => {
                        failing = true;
                        let until = current.as_ref().map(|(_, at)| rfc3339(*at)).unwrap_or_default();
                        eprintln!("tokendesk: warning: renewing the token for the running command failed: {message}. The header file keeps the current token, valid until {until}; TokenDesk keeps trying.");
                    }
                    Err(_) => {}
                }
            }
        }
    };
    drop(header_file);
    match status {
        Ok(status) => Outcome::passthrough(exit_code(&status), None),
        Err(err) => Outcome::fail(
            Exit::Failure,
            format!("could not wait for the command: {err}"),
        ),
    }
}

/// The handout without its token, to put a renewed one in.
fn handout_of<'a>(handout: &Handout<'a>) -> Handout<'a> {
    Handout {
        profile: handout.profile,
        token: None,
        url: handout.url,
        public_site: handout.public_site,
    }
}

/// The token before COMMAND starts: the profile's, or the one for `--for`; `Err(server)` when
/// that server needs none. A failure (sign-in needed: exit 3) ends `exec` before COMMAND.
async fn first_token(args: &ExecArgs) -> Result<(Profile, Result<Printed, String>), Outcome> {
    match &args.for_url {
        Some(url) => for_url::token_or_public(&args.name, url, false).await,
        None => {
            let (profile, token) = fresh(&args.name, false, false).await?;
            Ok((profile, Ok(Printed::own(token))))
        }
    }
}

/// The token now, renewed by the engine when its plan says so.
async fn renewed(
    engine: &Engine,
    profile: &Profile,
    url: Option<&str>,
) -> Result<(AccessToken, Instant), String> {
    match url {
        None => {
            let token = engine
                .fresh_token(profile, false)
                .await
                .map_err(|err| engine_failure(&err).message.unwrap_or_default())?;
            if let Some(warning) = &token.warning {
                print_warning(warning);
            }
            Ok((token.token, token.expires_at))
        }
        Some(url) => match engine.token_for(profile, url, false).await {
            Ok(ServiceAccess::Token(token)) => Ok((token.token, token.expires_at)),
            Ok(ServiceAccess::NotNeeded { server }) => Err(format!(
                "{server} no longer asks for a token, so there is nothing to renew"
            )),
            Err(err) => Err(err.to_string()),
        },
    }
}

/// How long to wait before looking at the token again: a quarter of its remaining life,
/// between one second and [`MAX_LOOK`]. The engine renews once a fifth of the lifetime is
/// left, so the looks close in on that moment and never miss it.
fn look_after(expires_at: Instant) -> Duration {
    let left = (expires_at - chrono::Utc::now())
        .to_std()
        .unwrap_or_default();
    (left / 4).clamp(Duration::from_secs(1), MAX_LOOK)
}

/// The exit code for COMMAND's status: its code, or 128 + the signal that ended it.
fn exit_code(status: &std::process::ExitStatus) -> u8 {
    if let Some(code) = status.code() {
        return u8::try_from(code & 0xff).unwrap_or(1);
    }
    #[cfg(unix)]
    if let Some(signal) = std::os::unix::process::ExitStatusExt::signal(status) {
        return u8::try_from(128 + (signal & 0x7f)).unwrap_or(1);
    }
    1
}

/// The outcome when COMMAND could not be started: 127 not found, 126 not runnable.
fn not_started(program: &std::ffi::OsStr, err: &std::io::Error) -> Outcome {
    let name = program.to_string_lossy();
    let (code, what) = match err.kind() {
        std::io::ErrorKind::NotFound => (127, format!("command not found: {name}")),
        std::io::ErrorKind::PermissionDenied => {
            (126, format!("command cannot be run: {name} ({err})"))
        }
        _ => (126, format!("could not start {name}: {err}")),
    };
    Outcome::passthrough(code, Some(what))
}

/// The header file of one `exec` run and its private directory, removed on drop.
struct HeaderFile {
    dir: tempfile::TempDir,
    path: PathBuf,
}

impl HeaderFile {
    /// Creates `exec-<pid>-<random>/headers` (0600 in a 0700 directory) with `text`.
    fn create(text: &str) -> std::io::Result<Self> {
        let base = crate::store::paths::private_runtime_dir()?;
        remove_abandoned(&base);
        let dir = tempfile::Builder::new()
            .prefix(&format!("exec-{}-", std::process::id()))
            .tempdir_in(&base)?;
        #[cfg(unix)]
        std::fs::set_permissions(
            dir.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o700),
        )?;
        let path = dir.path().join("headers");
        write_private_file(&path, text.as_bytes())?;
        Ok(Self { dir, path })
    }

    fn path(&self) -> &Path {
        &self.path
    }

    /// Replaces the file's content atomically (readers see the old or the new file).
    fn replace(&self, text: &str) -> std::io::Result<()> {
        write_private_file(&self.path, text.as_bytes())
    }
}

impl Drop for HeaderFile {
    fn drop(&mut self) {
        // The TempDir removes the directory; the explicit removal first makes a failure
        // visible in the logs.
        if let Err(err) = std::fs::remove_file(&self.path) {
            tracing::warn!(%err, path = %self.path.display(), "could not remove the header file");
        }
        tracing::debug!(dir = %self.dir.path().display(), "header file removed");
    }
}

/// Removes the directories of `exec` runs whose process is gone (killed before it could
/// clean up). Only where `/proc` tells which processes exist.
fn remove_abandoned(base: &Path) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix("exec-")
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// The signals passed on to COMMAND: SIGINT, SIGTERM and SIGHUP (each `None` when it
/// could not be watched).
#[cfg(unix)]
struct Signals {
    interrupt: Option<tokio::signal::unix::Signal>,
    terminate: Option<tokio::signal::unix::Signal>,
    hangup: Option<tokio::signal::unix::Signal>,
}

#[cfg(unix)]
impl Signals {
    fn new() -> Self {
        use tokio::signal::unix::{SignalKind, signal};
        Self {
            interrupt: signal(SignalKind::interrupt()).ok(),
            terminate: signal(SignalKind::terminate()).ok(),
            hangup: signal(SignalKind::hangup()).ok(),
        }
    }

    /// The next signal TokenDesk receives.
    async fn next(&mut self) -> rustix::process::Signal {
        use rustix::process::Signal;
        tokio::select! {
            () = arrival(&mut self.interrupt) => Signal::INT,
            () = arrival(&mut self.terminate) => Signal::TERM,
            () = arrival(&mut self.hangup) => Signal::HUP,
        }
    }
}

/// Resolves when `stream` delivers a signal; never when it cannot.
#[cfg(unix)]
async fn arrival(stream: &mut Option<tokio::signal::unix::Signal>) {
    if let Some(stream) = stream
        && stream.recv().await.is_some()
    {
        return;
    }
    std::future::pending().await
}

/// Passes `signal` on to COMMAND.
#[cfg(unix)]
fn forward(child: &tokio::process::Child, signal: rustix::process::Signal) {
    let pid = child
        .id()
        .and_then(|pid| i32::try_from(pid).ok())
        .and_then(rustix::process::Pid::from_raw);
    if let Some(pid) = pid {
        let _ = rustix::process::kill_process(pid, signal);
    }
}

/// Without Unix signals, nothing is passed on (Ctrl+C reaches the console's processes).
#[cfg(not(unix))]
struct Signals;

#[cfg(not(unix))]
impl Signals {
    fn new() -> Self {
        Self
    }

    async fn next(&mut self) {
        std::future::pending().await
    }
}

#[cfg(not(unix))]
fn forward(_child: &tokio::process::Child, _signal: ()) {}
