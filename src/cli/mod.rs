//! The command line: parses arguments (clap), calls the layers below, prints.
//!
//! Every subcommand lives in its own file and exposes `XArgs` (its clap arguments) and
//! `async fn run(args) -> Outcome`. Exit codes mean something; see [`Exit`].

mod context;
mod credentials;
mod demo_portal;
mod exec;
mod exit;
mod for_url;
mod fresh;
mod from_probe;
pub mod generate_assets;
mod handout;
mod login;
mod logout;
mod probe;
mod profile;
pub(crate) mod remedy;
mod secret_input;
mod secret_store;
mod snippet;
mod status;
mod stdout;
mod team;
mod token;
mod words;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use exit::{Exit, Outcome};

/// TokenDesk: sign in to ArcGIS portals once, keep tokens fresh, copy them where they are needed.
#[derive(Debug, Parser)]
#[command(name = "tokendesk", version, about, propagate_version = true)]
#[command(
    after_help = "With no command, tokendesk opens the desktop app (it needs a graphical session).\n\
Exit codes: 0 ok, 1 local failure (e.g. no keyring), 2 usage error, 3 sign-in needed, 4 network or portal error, 5 wrong passphrase for the encrypted secrets file.\n\
Secrets: kept in the OS keyring, else (Linux, no keyring at all) the kernel's key store; --store or TOKENDESK_STORE chooses (keyring, kernel, encrypted-file).\n\
Logging: set TOKENDESK_LOG (e.g. TOKENDESK_LOG=debug); logs go to stderr and never contain secrets."
)]
pub struct Cli {
    /// Open the app with the built-in demo portal and ready-made profiles, offline (without
    /// a display: the demo portal with a guide for the command line).
    #[arg(long)]
    pub demo: bool,

    /// Start in the tray with the window hidden (for starting at login; the window stays
    /// when no tray is there).
    #[arg(long)]
    pub hidden: bool,

    /// Where secrets are kept: keyring (the OS keyring), kernel (the Linux kernel's key
    /// store, until a reboot) or encrypted-file (a passphrase-protected file; the passphrase
    /// from a prompt or TOKENDESK_PASSPHRASE_FILE). Default: TOKENDESK_STORE, then `store` in
    /// settings.toml, then the OS keyring or, where there is none, the kernel's key store.
    #[arg(long, global = true, value_name = "TIER", value_parser = parse_tier)]
    pub store: Option<crate::store::StoreTier>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Look at an ArcGIS URL and say what kind of site it is and how to sign in there.
    Probe(probe::ProbeArgs),
    /// Run the built-in HTTPS demo portal (ArcGIS Online/Enterprise and ArcGIS Server stand-in).
    DemoPortal(demo_portal::DemoPortalArgs),
    /// Add, list, show, remove, export or import profiles.
    Profile(profile::ProfileArgs),
    /// Sign a profile in (browser, a pasted code, or a password / API key / client secret).
    Login(login::LoginArgs),
    /// Sign a profile out: revoke its refresh token and delete its secrets.
    Logout(logout::LogoutArgs),
    /// Print a fresh access token (and nothing else) on stdout.
    Token(token::TokenArgs),
    /// Print a ready-made header with a fresh access token.
    Header(token::HeaderArgs),
    /// Print a fresh token as a snippet: curl, PowerShell, Python, GIS(), env line, JS credential…
    Snippet(snippet::SnippetArgs),
    /// Show each profile's state, user and token expiry.
    Status(status::StatusArgs),
    /// Run a command with a fresh token in its environment and in a header file
    /// (GDAL_HTTP_HEADER_FILE) that is kept fresh while it runs.
    Exec(exec::ExecArgs),
    /// Where secrets are kept (keyring, kernel, encrypted-file): show it, or move every
    /// profile's secrets to another tier.
    Store(secret_store::StoreArgs),
    /// Bring the TokenDesk window to the front (open it when TokenDesk is not running).
    Show,
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // clap prints help/version to stdout (exit 0) and usage errors to stderr (exit 2).
            let _ = err.print();
            return if err.use_stderr() {
                Exit::Usage.into()
            } else {
                Exit::Ok.into()
            };
        }
    };
    if cli.demo && cli.command.is_some() {
        eprintln!(
            "tokendesk: --demo opens the app (or the demo portal's guide) and takes no command; \
             for the demo portal alone run `tokendesk demo-portal`."
        );
        return Exit::Usage.into();
    }
    init_logging();
    context::set_store_flag(cli.store);

    let show = matches!(cli.command, Some(Command::Show));
    if show || cli.command.is_none() {
        if crate::desktop::display_available() {
            return crate::desktop::run(cli.demo, cli.hidden);
        }
        if show {
            eprintln!(
                "tokendesk: no graphical session was found (neither DISPLAY nor WAYLAND_DISPLAY \
                 is set), so there is no window to show."
            );
            return Exit::Failure.into();
        }
        if !cli.demo {
            eprintln!(
                "tokendesk: no graphical session was found (neither DISPLAY nor WAYLAND_DISPLAY \
                 is set), so the desktop app cannot open. Run it inside your desktop session, or \
                 use the command line: `tokendesk --help` lists everything."
            );
            return Exit::Failure.into();
        }
        // `--demo` without a display: the demo portal with a guide for the command line.
    }

    // The demo portal serves many connections: worker threads. Every other command does a
    // few requests in a row, where starting worker threads would cost more than it gives
    // (`token` is called in loops by scripts and plugins).
    let serves = matches!(cli.command, Some(Command::DemoPortal(_)) | None);
    let mut builder = if serves {
        tokio::runtime::Builder::new_multi_thread()
    } else {
        tokio::runtime::Builder::new_current_thread()
    };
    let runtime = match builder.enable_all().build() {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("tokendesk: could not start the async runtime: {err}");
            return Exit::Failure.into();
        }
    };
    let outcome = runtime.block_on(async move {
        match cli.command {
            Some(Command::Probe(args)) => probe::run(args).await,
            Some(Command::DemoPortal(args)) => demo_portal::run(args).await,
            Some(Command::Profile(args)) => profile::run(args).await,
            Some(Command::Login(args)) => login::run(args).await,
            Some(Command::Logout(args)) => logout::run(args).await,
            Some(Command::Token(args)) => token::run(args).await,
            Some(Command::Header(args)) => token::run_header(args).await,
            Some(Command::Snippet(args)) => snippet::run(args).await,
            Some(Command::Status(args)) => status::run(args).await,
            Some(Command::Exec(args)) => exec::run(args).await,
            Some(Command::Store(args)) => secret_store::run(args).await,
            Some(Command::Show) => Outcome::ok(),
            None => demo_portal::run_demo_mode().await,
        }
    });
    // A pending stdin read (out-of-band sign-in) must not keep the process alive.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    outcome.report()
}

fn parse_tier(text: &str) -> Result<crate::store::StoreTier, String> {
    text.parse()
        .map_err(|err: crate::store::tiers::UnknownTier| err.to_string())
}

/// Logs go to stderr, filtered by `TOKENDESK_LOG` (default: warnings only).
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("TOKENDESK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .try_init();
}
