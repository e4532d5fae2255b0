//! `tokendesk demo-portal`: runs the HTTPS demo portal until SIGINT/SIGTERM.
//!
//! Prints, on stdout, one line per site, `ca FILE` when `--ca-out` is given, then `ready`
//! (the demo portal contract in the README).

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use clap::Args;

use super::{Exit, Outcome};
use tokendesk_demo_portal::{ConfigError, DemoConfig, DemoPortal, DemoPortalError};

/// Arguments of `tokendesk demo-portal`.
#[derive(Debug, Args)]
pub struct DemoPortalArgs {
    /// Address to listen on (loopback only); port 0 picks a free port.
    /// Default: the seed file's `listen`, else 127.0.0.1:0.
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// Write the CA certificate (PEM) that clients must trust to this file.
    #[arg(long, value_name = "FILE")]
    pub ca_out: Option<PathBuf>,
    /// Seed file (TOML): users, apps, API key credentials, lifetimes, faults.
    /// Default: the built-in seed (see assets/demo-portal.example.toml).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Lifetime of OAuth access tokens in seconds (ArcGIS: 1800).
    #[arg(long, value_name = "SECONDS")]
    pub access_token_seconds: Option<i64>,
    /// Lifetime of refresh tokens in minutes (sets both the default and the maximum).
    #[arg(long, value_name = "MINUTES")]
    pub refresh_token_minutes: Option<i64>,
    /// Answer errors with their 4xx status codes instead of HTTP 200 + error JSON.
    #[arg(long)]
    pub modern_errors: bool,
}

impl DemoPortalArgs {
    /// The seed: `--config` or the built-in default, with the command-line overrides applied.
    fn seed(&self) -> Result<DemoConfig, ConfigError> {
        let mut config = match &self.config {
            Some(path) => DemoConfig::from_file(path)?,
            None => DemoConfig::default(),
        };
        if let Some(listen) = self.listen {
            config.listen = listen;
        }
        if let Some(seconds) = self.access_token_seconds {
            config.lifetimes.access_token_seconds = seconds;
        }
        if let Some(minutes) = self.refresh_token_minutes {
            config.lifetimes.refresh_token_default_minutes = minutes;
            config.lifetimes.refresh_token_max_minutes = minutes;
        }
        config.behaviour.modern_errors |= self.modern_errors;
        Ok(config)
    }
}

/// Runs the demo portal until a termination signal.
pub async fn run(args: DemoPortalArgs) -> Outcome {
    let config = match args.seed() {
        Ok(config) => config,
        Err(err) => return Outcome::fail(Exit::Failure, err.to_string()),
    };
    serve(config, args.ca_out.as_deref(), Announce::ContractLines).await
}

/// `tokendesk --demo`: the built-in demo portal with a short guide for a person, its CA
/// certificate in a temporary file that is removed again on exit.
pub async fn run_demo_mode() -> Outcome {
    let dir = std::env::temp_dir().join(format!("tokendesk-demo-{}", std::process::id()));
    if let Err(err) = std::fs::create_dir_all(&dir) {
        return Outcome::fail(
            Exit::Failure,
            format!("could not create {}: {err}", dir.display()),
        );
    }
    let ca_path = dir.join("ca.pem");
    let outcome = serve(DemoConfig::default(), Some(&ca_path), Announce::Guide).await;
    let _ = std::fs::remove_dir_all(&dir);
    outcome
}

/// What to print once the portal is up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Announce {
    /// The machine-readable lines of the demo portal contract, then `ready`.
    ContractLines,
    /// A short guide for a person trying TokenDesk out.
    Guide,
}

async fn serve(config: DemoConfig, ca_out: Option<&Path>, announce: Announce) -> Outcome {
    // Listen for signals before announcing `ready`: a SIGTERM right after `ready` must stop
    // the portal cleanly, not kill the process.
    let termination = match Termination::listen() {
        Ok(termination) => termination,
        Err(err) => {
            return Outcome::fail(
                Exit::Failure,
                format!("could not listen for signals: {err}"),
            );
        }
    };

    let portal = match DemoPortal::start(config).await {
        Ok(portal) => portal,
        Err(err @ DemoPortalError::NotLoopback(_)) => {
            return Outcome::fail(Exit::Usage, err.to_string());
        }
        Err(err) => return Outcome::fail(Exit::Failure, err.to_string()),
    };
    let mut lines = portal.site_lines();
    if let Some(path) = ca_out {
        if let Err(err) = std::fs::write(path, portal.ca_pem()) {
            let _ = portal.shutdown().await;
            return Outcome::fail(
                Exit::Failure,
                format!(
                    "could not write the demo portal's CA certificate to {}: {err}",
                    path.display()
                ),
            );
        }
        lines.push(format!("ca {}", path.display()));
    }
    lines.push("ready".to_string());
    let lines = match announce {
        Announce::ContractLines => lines,
        Announce::Guide => guide(&portal.urls().portal_root, &lines, ca_out),
    };
    if let Err(err) = print_lines(&lines) {
        let _ = portal.shutdown().await;
        return Outcome::fail(Exit::Failure, format!("could not write to stdout: {err}"));
    }

    termination.wait().await;
    tracing::info!("demo portal stopping");
    match portal.shutdown().await {
        Ok(()) => Outcome::ok(),
        Err(err) => Outcome::fail(Exit::Failure, err.to_string()),
    }
}

/// The text `tokendesk --demo` shows: the sites, the demo accounts, and what to try.
fn guide(portal_root: &str, contract_lines: &[String], ca_out: Option<&Path>) -> Vec<String> {
    let ca = ca_out.map(|p| p.display().to_string()).unwrap_or_default();
    // The commands are shown with this binary's own path, so they can be pasted as they are.
    let exe = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "tokendesk".to_string());
    let mut lines = vec![
        "TokenDesk demo: a local ArcGIS portal and two ArcGIS Servers are running on this \
         computer (HTTPS, 127.0.0.1 only)."
            .to_string(),
        "No graphical session was found (DISPLAY and WAYLAND_DISPLAY are unset), so the \
         desktop app cannot open; the command line works against this portal."
            .to_string(),
        String::new(),
    ];
    lines.extend(
        contract_lines
            .iter()
            .filter(|line| *line != "ready")
            .map(|line| format!("  {line}")),
    );
    lines.extend([
        String::new(),
        "Demo accounts: analyst / tokendesk-demo, portaladmin / tokendesk-admin.".to_string(),
        "Try, in another terminal (the profile is yours to remove afterwards):".to_string(),
        format!("  {exe} probe {portal_root} --ca-file {ca}"),
        format!(
            "  {exe} profile add demo --url {portal_root} --client-id tokendesk-demo --ca-file {ca}"
        ),
        format!("  {exe} login demo"),
        format!("  {exe} header demo"),
        format!("  {exe} profile remove demo"),
        String::new(),
        "Press Ctrl+C to stop.".to_string(),
    ]);
    lines
}

fn print_lines(lines: &[String]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    for line in lines {
        writeln!(out, "{line}")?;
    }
    out.flush()
}

/// SIGINT and SIGTERM (Ctrl-C only where there is no SIGTERM), listened for from creation.
struct Termination {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
}

impl Termination {
    fn listen() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self {
                term: signal(SignalKind::terminate())?,
                int: signal(SignalKind::interrupt())?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(Self {})
        }
    }

    /// Resolves when one of the signals arrives.
    async fn wait(mut self) {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.term.recv() => {}
                _ = self.int.recv() => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(extra: &[&str]) -> DemoPortalArgs {
        #[derive(clap::Parser)]
        struct Wrapper {
            #[command(flatten)]
            args: DemoPortalArgs,
        }
        let argv = std::iter::once("demo-portal").chain(extra.iter().copied());
        <Wrapper as clap::Parser>::parse_from(argv).args
    }

    #[test]
    fn without_options_the_seed_is_the_built_in_default() {
        assert_eq!(args(&[]).seed().unwrap(), DemoConfig::default());
    }

    #[test]
    fn command_line_overrides_change_the_seed() {
        let seed = args(&[
            "--listen",
            "127.0.0.1:7443",
            "--access-token-seconds",
            "20",
            "--refresh-token-minutes",
            "5",
            "--modern-errors",
        ])
        .seed()
        .unwrap();
        assert_eq!(seed.listen.port(), 7443);
        assert_eq!(seed.lifetimes.access_token_seconds, 20);
        assert_eq!(seed.lifetimes.refresh_token_default_minutes, 5);
        assert_eq!(seed.lifetimes.refresh_token_max_minutes, 5);
        assert!(seed.behaviour.modern_errors);
    }
}
