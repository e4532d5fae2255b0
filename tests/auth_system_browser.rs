#![cfg(feature = "system-tests")]
//! The PKCE sign-in through the real [`SystemBrowser`] (the `open` crate, which runs
//! `xdg-open URL` on Linux) with tests/browser/xdg-open first on PATH: the stand-in plays the
//! browser against the demo portal. Needs python3 (standard library only).
//!
//! The stand-in is configured through the environment, which a test cannot change in its own
//! process (`set_var` is unsafe, and unsafe code is forbidden), so each test runs itself again
//! as a child process with PATH and the `TOKENDESK_TEST_*` variables set; the child starts the
//! demo portal, writes its CA where `TOKENDESK_TEST_CA` points, and signs in.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokendesk::arcgis::time::Expiration;
use tokendesk::arcgis::{ArcGisClient, ClientOptions, PortalUrl};
use tokendesk::auth::{
    LoopbackRedirect, SignIn, SignInError, SignInOptions, SystemBrowser, oob, pkce,
};
use tokendesk::demo_portal::{DemoConfig, DemoPortal, SeedSecret};
use tokendesk::secret::Secret;
use tokio::sync::mpsc;

const USER: &str = "analyst";
/// Not the contract's password: that one equals the app's client ID, which rightly appears
/// in the log, so the no-password check needs a value of its own.
const PASSWORD: &str = "stand-in-test-password-7Qx";

/// Set in the child: the test body runs there.
const CHILD: &str = "TOKENDESK_TEST_SYSTEM_BROWSER_CHILD";

/// Runs `test` again in a child process with the stand-in on PATH and `action`; returns the
/// stand-in's log once it has finished.
fn run_in_child(test: &str, action: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("browser.log");
    let stand_ins = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    let path = std::env::join_paths(
        std::iter::once(stand_ins).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    let output = Command::new(std::env::current_exe().unwrap())
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .env("PATH", path)
        .env("TOKENDESK_TEST_CA", dir.path().join("ca.pem"))
        .env("TOKENDESK_TEST_USER", USER)
        .env("TOKENDESK_TEST_PASSWORD", PASSWORD)
        .env("TOKENDESK_TEST_BROWSER_ACTION", action)
        .env("TOKENDESK_TEST_BROWSER_LOG", &log)
        .env(
            "TOKENDESK_TEST_BROWSER_CODE_OUT",
            dir.path().join("code.txt"),
        )
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "child failed:\n{stdout}\n{stderr}");
    assert!(
        stdout.contains("1 passed"),
        "the child ran no test:\n{stdout}"
    );
    // The stand-in runs detached; it writes `done:` after the listener's page arrived.
    let text = wait_for_line(&log, "done:");
    assert!(
        !text.contains(PASSWORD),
        "the browser log must not show the password"
    );
    text
}

/// The file's text once a line starts with `prefix` (bounded: 30 s).
fn wait_for_line(file: &Path, prefix: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        if text.lines().any(|l| l.starts_with(prefix)) {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "no `{prefix}` line in {file:?}:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The child's part: a demo portal, its CA where the stand-in reads it, and sign-in options
/// with the system browser; `flow` signs in with them.
fn sign_in_in_child<F, Fut>(timeout: Duration, flow: F) -> Result<SignIn, SignInError>
where
    F: FnOnce(SignInOptions) -> Fut,
    Fut: Future<Output = Result<SignIn, SignInError>>,
{
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let mut config = DemoConfig::default();
        let user = config
            .users
            .iter_mut()
            .find(|u| u.username == USER)
            .unwrap();
        user.password = SeedSecret::new(PASSWORD);
        let portal = DemoPortal::start(config).await.unwrap();
        let ca: PathBuf = std::env::var_os("TOKENDESK_TEST_CA").unwrap().into();
        std::fs::File::create(&ca)
            .unwrap()
            .write_all(portal.ca_pem().as_bytes())
            .unwrap();
        let client = ArcGisClient::new(&ClientOptions {
            ca_file: Some(ca),
            ..ClientOptions::default()
        })
        .unwrap();
        let url = PortalUrl::parse(portal.portal_url()).unwrap();
        let mut options =
            SignInOptions::new(client, url, "tokendesk-demo", Expiration::Minutes(60));
        options.browser = Arc::new(SystemBrowser);
        options.timeout = timeout;
        flow(options).await
    })
}

/// A PKCE sign-in on any port, in the child.
fn pkce_in_child(timeout: Duration) -> Result<SignIn, SignInError> {
    sign_in_in_child(timeout, |options| async move {
        pkce::sign_in(&options, &LoopbackRedirect::any_port("/")).await
    })
}

#[test]
fn the_system_browser_signs_in_through_the_xdg_open_stand_in() {
    const NAME: &str = "the_system_browser_signs_in_through_the_xdg_open_stand_in";
    if std::env::var_os(CHILD).is_some() {
        let sign_in = pkce_in_child(Duration::from_secs(60)).unwrap();
        assert_eq!(sign_in.user.username, USER);
        assert!(sign_in.tokens.refresh_token.is_some());
        return;
    }
    let log = run_in_child(NAME, "approve");
    assert!(log.contains("clicked 'Sign In'"), "{log}");
    assert!(log.contains("redirected to http://127.0.0.1:"), "{log}");
    assert!(log.contains("code=%5Bredacted%5D"), "{log}");
    assert!(log.contains("done: page 200 'Signed in"), "{log}");
}

#[test]
fn denying_in_the_system_browser_ends_the_sign_in_as_denied() {
    const NAME: &str = "denying_in_the_system_browser_ends_the_sign_in_as_denied";
    if std::env::var_os(CHILD).is_some() {
        match pkce_in_child(Duration::from_secs(60)) {
            Err(SignInError::Denied { description }) => {
                assert!(description.contains("denied"), "{description}");
            }
            other => panic!("expected Denied, got {other:?}"),
        }
        return;
    }
    let log = run_in_child(NAME, "deny");
    assert!(log.contains("clicked 'Deny'"), "{log}");
    assert!(log.contains("error=access_denied"), "{log}");
    assert!(log.contains("done: page 400 'Sign-in failed"), "{log}");
}

#[test]
fn an_answer_with_a_tampered_state_is_refused_and_the_sign_in_ends_in_state_mismatch() {
    const NAME: &str =
        "an_answer_with_a_tampered_state_is_refused_and_the_sign_in_ends_in_state_mismatch";
    if std::env::var_os(CHILD).is_some() {
        // Real processes, real time: a short wait keeps the test quick.
        match pkce_in_child(Duration::from_secs(5)) {
            Err(SignInError::StateMismatch { answers: 1, .. }) => {}
            other => panic!("expected StateMismatch, got {other:?}"),
        }
        return;
    }
    let log = run_in_child(NAME, "tamper-state");
    assert!(log.contains("tampered with the redirect's state"), "{log}");
    assert!(log.contains("state=tampered"), "{log}");
    assert!(log.contains("done: page 400 'Sign-in failed"), "{log}");
}

#[test]
fn an_out_of_band_sign_in_takes_the_code_the_stand_in_copied_from_the_approval_page() {
    const NAME: &str =
        "an_out_of_band_sign_in_takes_the_code_the_stand_in_copied_from_the_approval_page";
    if std::env::var_os(CHILD).is_some() {
        let code_file: PathBuf = std::env::var_os("TOKENDESK_TEST_BROWSER_CODE_OUT")
            .unwrap()
            .into();
        let sign_in = sign_in_in_child(Duration::from_secs(60), |options| async move {
            let (paste, pasted) = mpsc::channel(1);
            // The person copies the title line from the browser and pastes it.
            tokio::task::spawn_blocking(move || {
                let line = wait_for_line(&code_file, "SUCCESS code=");
                paste.blocking_send(Secret::new(line)).unwrap();
            });
            oob::sign_in(&options, pasted).await
        })
        .unwrap();
        assert_eq!(sign_in.user.username, USER);
        return;
    }
    let log = run_in_child(NAME, "approve");
    assert!(log.contains("redirect_uri=urn"), "{log}");
    assert!(
        log.contains("done: approval page shown: SUCCESS code=[redacted]"),
        "{log}"
    );
}

#[test]
fn a_browser_left_alone_on_the_sign_in_page_ends_the_sign_in_with_timed_out() {
    const NAME: &str = "a_browser_left_alone_on_the_sign_in_page_ends_the_sign_in_with_timed_out";
    if std::env::var_os(CHILD).is_some() {
        match pkce_in_child(Duration::from_secs(3)) {
            Err(SignInError::TimedOut { after }) => assert_eq!(after, Duration::from_secs(3)),
            other => panic!("expected TimedOut, got {other:?}"),
        }
        return;
    }
    let log = run_in_child(NAME, "ignore");
    assert!(log.contains("page 200: 'Sign In'"), "{log}");
    assert!(log.contains("done: left the page open"), "{log}");
}
