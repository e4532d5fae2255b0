//! `tokendesk login NAME [--no-browser] [--timeout SECONDS]`: signs a profile in through the
//! browser (PKCE, loopback listener) or out of band (the code pasted on stdin). Progress and
//! the sign-in address go to stderr; Ctrl-C cancels cleanly (exit 3, listener closed).
//!
//! Credential profiles (password, API key, app credentials) instead read their secret at a
//! no-echo prompt or from stdin: `login NAME [--username U] [--remember-password]
//! [--expires YYYY-MM-DD]` (see [`super::credentials`]).

use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use tokio::io::BufReader;
use tokio_util::sync::CancellationToken;

use super::Outcome;
use super::context::{self, engine_failure};
use super::credentials::{self, CredentialArgs};
use crate::auth::{Browser, DEFAULT_TIMEOUT, ManualBrowser, Progress, SystemBrowser, oob};
use crate::engine::SignInRequest;
use crate::store::SignInMethod;

/// Arguments of `tokendesk login`.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The profile.
    pub name: String,
    /// Do not open a browser; only print the sign-in address.
    #[arg(long)]
    pub no_browser: bool,
    /// How long to wait for the browser (or the pasted code), in seconds (default 300).
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: Option<u64>,
    /// Password profiles without a user name: the user to sign in as.
    #[arg(long, value_name = "NAME")]
    pub username: Option<String>,
    #[command(flatten)]
    pub credentials: CredentialArgs,
}

/// Signs the profile in and stores the session in the keyring.
pub async fn run(args: LoginArgs) -> Outcome {
    let (profile, engine) = match context::profile_and_engine(&args.name).await {
        Ok(found) => found,
        Err(outcome) => return outcome,
    };
    if let Err(outcome) =
        credentials::check_fits(&profile, &args.credentials, args.username.is_some())
    {
        return outcome;
    }
    if !profile.sign_in().uses_redirect() {
        return credentials::enter(&profile, &engine, &args.credentials, args.username).await;
    }
    let browser: Arc<dyn Browser> = if args.no_browser {
        Arc::new(ManualBrowser)
    } else {
        Arc::new(SystemBrowser)
    };
    let portal = profile.url().to_owned();
    let name = args.name.clone();
    let pasted = (profile.sign_in() == SignInMethod::OutOfBand)
        .then(|| oob::lines(BufReader::new(tokio::io::stdin())));
    let cancel = CancellationToken::new();
    let on_interrupt = {
        let cancel = cancel.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                cancel.cancel();
            }
        })
    };
    let request = SignInRequest {
        browser,
        progress: Arc::new(move |step: Progress| show(&name, &portal, step)),
        cancel,
        timeout: args.timeout.map_or(DEFAULT_TIMEOUT, Duration::from_secs),
        pasted,
    };
    let result = engine.sign_in(&profile, request).await;
    on_interrupt.abort();
    match result {
        Ok(user) => {
            eprintln!("Signed in to {} as {}", profile.url(), user.username);
            Outcome::ok()
        }
        Err(err) => engine_failure(&err),
    }
}

/// The port the loopback listener of this sign-in waits on, once it is known (for the
/// port-forwarding hint when no browser opens).
static LISTENING_PORT: std::sync::atomic::AtomicU16 = std::sync::atomic::AtomicU16::new(0);
/// Whether the browser failed to open (said before or after the listener is announced).
static BROWSER_FAILED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// One line for a machine without a browser (an SSH session, a headless box): how the
/// browser of another computer can reach this one's loopback listener, or the other way in.
pub fn headless_hint(name: &str, port: u16) -> String {
    format!(
        "No browser here? On your own computer run `ssh -L {port}:127.0.0.1:{port} THIS-HOST` \
         and open the address there, or sign in with the out-of-band code page: \
         `tokendesk profile add … --method oob` (then `tokendesk login {name}`)."
    )
}

/// Prints a sign-in step on stderr.
fn show(name: &str, portal: &str, step: Progress) {
    match step {
        Progress::WaitingForBrowser {
            authorize_url,
            listening_on,
        } => {
            LISTENING_PORT.store(listening_on.port(), std::sync::atomic::Ordering::Relaxed);
            eprintln!(
                "Sign in to {portal} in your browser. If no browser opened, open this address:\n\n  \
                 {authorize_url}\n\nWaiting for the browser on {listening_on} (Ctrl-C cancels)…"
            );
            if BROWSER_FAILED.load(std::sync::atomic::Ordering::Relaxed) {
                eprintln!("{}", headless_hint(name, listening_on.port()));
            }
        }
        Progress::WaitingForPastedCode { authorize_url } => eprintln!(
            "Open this address, sign in to {portal} and approve; then paste the code the portal \
             shows here and press Enter:\n\n  {authorize_url}\n"
        ),
        Progress::BrowserDidNotOpen { reason, .. } => {
            eprintln!("The browser did not open ({reason}); open the address by hand.");
            BROWSER_FAILED.store(true, std::sync::atomic::Ordering::Relaxed);
            // The listener may have been announced first (then its port is known now).
            let port = LISTENING_PORT.load(std::sync::atomic::Ordering::Relaxed);
            if port != 0 {
                eprintln!("{}", headless_hint(name, port));
            }
        }
        Progress::AnswerRefused { reason } => eprintln!("{reason}"),
        Progress::ExchangingCode => eprintln!("Signing in…"),
        Progress::ReadingUser => {}
    }
}
