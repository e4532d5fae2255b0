#![cfg(feature = "system-tests")]
//! The PKCE sign-in through the real [`SystemBrowser`] with tests/browser-chromium/xdg-open
//! first on PATH: a real, headless Chromium (Debian's `chromium`, driven by playwright-core)
//! opens the sign-in page, a "person" types the user name and password and clicks, and
//! Chromium follows the portal's redirect to TokenDesk's loopback listener.
//! Needs `scripts/setup-browser-tests` (Debian's chromium, node and the npm packages).
//! How the tests run themselves again as a child with the stand-in's environment:
//! tests/common/stand_in.rs.
//!
//! [`SystemBrowser`]: tokendesk::auth::SystemBrowser

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::common::harness_name;
use crate::common::stand_in::{StandIn, USER, is_child, pkce_in_child, run_in_child};
use tokendesk::auth::SignInError;

/// How long the child waits for Chromium's answer: starting Chromium on a busy machine
/// takes seconds, not minutes.
const SIGN_IN_WITHIN: Duration = Duration::from_secs(60);

/// tests/browser-chromium/xdg-open: after the listener's page it takes a screenshot and
/// closes Chromium before it writes `done:`.
fn chromium_stand_in() -> StandIn {
    let stand_in = StandIn::in_tests("browser-chromium", Duration::from_secs(60));
    let npm = std::env::var_os("TOKENDESK_BROWSER_NPM").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("target/browser-chromium"),
        PathBuf::from,
    );
    assert!(
        npm.join("node_modules/playwright-core").is_dir(),
        "no playwright-core under {npm:?}: run scripts/setup-browser-tests first"
    );
    assert!(
        Path::new("/usr/bin/chromium").exists(),
        "no /usr/bin/chromium: install the Debian package 'chromium' \
         (apt-get install --no-install-recommends chromium)"
    );
    stand_in
}

/// Where the stand-in saves its screenshot of the last page for `test` (kept under
/// target/tmp for a person to look at); any older one is removed first.
fn fresh_screenshot_path(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("auth_chromium");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{test}.png"));
    let _ = std::fs::remove_file(&file);
    file
}

/// Runs `test` in a child with the Chromium stand-in doing `action`; returns its log and
/// checks that it saved a PNG screenshot.
fn run_with_chromium(test: &str, action: &str) -> String {
    let stand_in = chromium_stand_in();
    let screenshot = fresh_screenshot_path(test);
    let extra = [(
        "TOKENDESK_TEST_BROWSER_SCREENSHOT",
        OsString::from(&screenshot),
    )];
    let log = run_in_child(
        &stand_in,
        &harness_name(module_path!(), test),
        action,
        &extra,
    );
    let png = std::fs::read(&screenshot)
        .unwrap_or_else(|err| panic!("no screenshot at {screenshot:?} ({err}):\n{log}"));
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n"),
        "{screenshot:?} is no PNG"
    );
    log
}

#[test]
fn signing_in_in_headless_chromium_ends_signed_in_on_the_loopback_success_page() {
    const NAME: &str =
        "signing_in_in_headless_chromium_ends_signed_in_on_the_loopback_success_page";
    if is_child() {
        let sign_in = pkce_in_child(SIGN_IN_WITHIN).unwrap();
        assert_eq!(sign_in.user.username, USER);
        assert!(sign_in.tokens.refresh_token.is_some());
        return;
    }
    let log = run_with_chromium(NAME, "approve");
    assert!(log.contains("page 200: \"Sign In\""), "{log}");
    assert!(log.contains("typed the user name and password"), "{log}");
    assert!(log.contains("clicked 'Sign In'"), "{log}");
    assert!(log.contains("redirect to http://127.0.0.1:"), "{log}");
    assert!(log.contains("code=%5Bredacted%5D"), "{log}");
    let done = log.lines().find(|l| l.starts_with("done:")).unwrap();
    assert!(
        done.starts_with("done: page 200 'Signed in — TokenDesk' at http://127.0.0.1:"),
        "{log}"
    );
    assert!(
        done.contains("You can close this tab and return to TokenDesk."),
        "{log}"
    );
}

#[test]
fn denying_in_headless_chromium_ends_the_sign_in_as_denied() {
    const NAME: &str = "denying_in_headless_chromium_ends_the_sign_in_as_denied";
    if is_child() {
        match pkce_in_child(SIGN_IN_WITHIN) {
            Err(SignInError::Denied { description }) => {
                assert!(description.contains("denied"), "{description}");
            }
            other => panic!("expected Denied, got {other:?}"),
        }
        return;
    }
    let log = run_with_chromium(NAME, "deny");
    assert!(log.contains("clicked 'Deny'"), "{log}");
    assert!(!log.contains("typed the user name"), "{log}");
    assert!(log.contains("error=access_denied"), "{log}");
    let done = log.lines().find(|l| l.starts_with("done:")).unwrap();
    assert!(
        done.starts_with("done: page 400 'Sign-in failed — TokenDesk'"),
        "{log}"
    );
    assert!(done.contains("You declined the sign-in"), "{log}");
}
