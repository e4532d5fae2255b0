//! Helpers for the system tests that sign in through the real [`SystemBrowser`] (the `open`
//! crate, which runs `xdg-open URL` on Linux) with a stand-in `xdg-open` first on PATH that
//! plays the browser against the demo portal: tests/browser/ (Python) or
//! tests/browser-chromium/ (headless Chromium).
//!
//! The stand-in is configured through the environment, which a test cannot change in its own
//! process (`set_var` is unsafe, and unsafe code is forbidden), so each test runs itself again
//! as a child process ([`run_in_child`]) with PATH and the `TOKENDESK_TEST_*` variables set;
//! the child ([`is_child`]) starts the demo portal, writes its CA where `TOKENDESK_TEST_CA`
//! points, and signs in ([`sign_in_in_child`], [`pkce_in_child`]).
#![allow(clippy::unwrap_used, clippy::expect_used)] // not every test file uses every helper

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokendesk::arcgis::time::Expiration;
use tokendesk::arcgis::{ArcGisClient, ClientOptions, PortalUrl};
use tokendesk::auth::{LoopbackRedirect, SignIn, SignInError, SignInOptions, SystemBrowser, pkce};
use tokendesk_demo_portal::{DemoConfig, DemoPortal, SeedSecret};

pub const USER: &str = "analyst";
/// Not the contract's password: that one equals the app's client ID, which rightly appears
/// in the log, so the no-password check needs a value of its own.
pub const PASSWORD: &str = "stand-in-test-password-7Qx";

/// Set in the child: the test body runs there.
const CHILD: &str = "TOKENDESK_TEST_SYSTEM_BROWSER_CHILD";

/// Whether this process is the child that [`run_in_child`] started.
pub fn is_child() -> bool {
    std::env::var_os(CHILD).is_some()
}

/// A stand-in browser: the folder holding its `xdg-open`, and how long it may take to write
/// its `done:` line once the child's sign-in has ended.
#[derive(Debug, Clone)]
pub struct StandIn {
    /// The folder put first on PATH.
    pub dir: PathBuf,
    /// Bound on the wait for the stand-in's `done:` line after the child has finished.
    pub finishes_within: Duration,
}

impl StandIn {
    /// The stand-in in `tests/NAME/` of this repository.
    pub fn in_tests(name: &str, finishes_within: Duration) -> Self {
        Self {
            dir: Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests")
                .join(name),
            finishes_within,
        }
    }
}

/// Runs `test` (its harness name, [`super::harness_name`]) again in a child process with `stand_in` first on PATH, the browser `action`
/// and the `extra` variables; returns the stand-in's log once it has written `done:`.
/// The stand-in may also copy the out-of-band code to `TOKENDESK_TEST_BROWSER_CODE_OUT`.
pub fn run_in_child(
    stand_in: &StandIn,
    test: &str,
    action: &str,
    extra: &[(&str, OsString)],
) -> String {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("browser.log");
    let path = std::env::join_paths(
        std::iter::once(stand_in.dir.clone())
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
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
        .envs(extra.iter().map(|(name, value)| (name, value)))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let browser_log = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        output.status.success(),
        "child failed:\n{stdout}\n{stderr}\nbrowser log:\n{browser_log}"
    );
    assert!(
        stdout.contains("1 passed"),
        "the child ran no test:\n{stdout}"
    );
    // The stand-in runs detached; it writes `done:` after the listener's page arrived.
    let text = wait_for_line(&log, "done:", stand_in.finishes_within);
    assert!(
        !text.contains(PASSWORD),
        "the browser log must not show the password"
    );
    text
}

/// The file's text once a line starts with `prefix` (bounded by `within`).
pub fn wait_for_line(file: &Path, prefix: &str, within: Duration) -> String {
    let deadline = Instant::now() + within;
    loop {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        if text.lines().any(|l| l.starts_with(prefix)) {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "no `{prefix}` line in {file:?} within {within:?}:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The child's part: a demo portal, its CA where the stand-in reads it, and sign-in options
/// with the system browser; `flow` signs in with them.
pub fn sign_in_in_child<F, Fut>(timeout: Duration, flow: F) -> Result<SignIn, SignInError>
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
pub fn pkce_in_child(timeout: Duration) -> Result<SignIn, SignInError> {
    sign_in_in_child(timeout, |options| async move {
        pkce::sign_in(&options, &LoopbackRedirect::any_port("/")).await
    })
}
