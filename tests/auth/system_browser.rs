#![cfg(feature = "system-tests")]
//! The PKCE sign-in through the real [`SystemBrowser`] (the `open` crate, which runs
//! `xdg-open URL` on Linux) with tests/browser/xdg-open first on PATH: the stand-in plays the
//! browser against the demo portal. Needs python3 (standard library only). How the tests run
//! themselves again as a child with the stand-in's environment: tests/common/stand_in.rs.
//!
//! [`SystemBrowser`]: tokendesk::auth::SystemBrowser

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::time::Duration;

use crate::common::harness_name;
use crate::common::stand_in::{
    StandIn, USER, is_child, pkce_in_child, run_in_child, sign_in_in_child, wait_for_line,
};
use tokendesk::auth::{SignInError, oob};
use tokendesk::secret::Secret;
use tokio::sync::mpsc;

/// tests/browser/xdg-open: it is done as soon as the listener's page has arrived.
fn python_stand_in() -> StandIn {
    StandIn::in_tests("browser", Duration::from_secs(30))
}

#[test]
fn the_system_browser_signs_in_through_the_xdg_open_stand_in() {
    const NAME: &str = "the_system_browser_signs_in_through_the_xdg_open_stand_in";
    if is_child() {
        let sign_in = pkce_in_child(Duration::from_secs(60)).unwrap();
        assert_eq!(sign_in.user.username, USER);
        assert!(sign_in.tokens.refresh_token.is_some());
        return;
    }
    let log = run_in_child(
        &python_stand_in(),
        &harness_name(module_path!(), NAME),
        "approve",
        &[],
    );
    assert!(log.contains("clicked 'Sign In'"), "{log}");
    assert!(log.contains("redirected to http://127.0.0.1:"), "{log}");
    assert!(log.contains("code=%5Bredacted%5D"), "{log}");
    assert!(log.contains("done: page 200 'Signed in"), "{log}");
}

#[test]
fn denying_in_the_system_browser_ends_the_sign_in_as_denied() {
    const NAME: &str = "denying_in_the_system_browser_ends_the_sign_in_as_denied";
    if is_child() {
        match pkce_in_child(Duration::from_secs(60)) {
            Err(SignInError::Denied { description }) => {
                assert!(description.contains("denied"), "{description}");
            }
            other => panic!("expected Denied, got {other:?}"),
        }
        return;
    }
    let log = run_in_child(
        &python_stand_in(),
        &harness_name(module_path!(), NAME),
        "deny",
        &[],
    );
    assert!(log.contains("clicked 'Deny'"), "{log}");
    assert!(log.contains("error=access_denied"), "{log}");
    assert!(log.contains("done: page 400 'Sign-in failed"), "{log}");
}

#[test]
fn an_answer_with_a_tampered_state_is_refused_and_the_sign_in_ends_in_state_mismatch() {
    const NAME: &str =
        "an_answer_with_a_tampered_state_is_refused_and_the_sign_in_ends_in_state_mismatch";
    if is_child() {
        // Real processes, real time: a short wait keeps the test quick.
        match pkce_in_child(Duration::from_secs(5)) {
            Err(SignInError::StateMismatch { answers: 1, .. }) => {}
            other => panic!("expected StateMismatch, got {other:?}"),
        }
        return;
    }
    let log = run_in_child(
        &python_stand_in(),
        &harness_name(module_path!(), NAME),
        "tamper-state",
        &[],
    );
    assert!(log.contains("tampered with the redirect's state"), "{log}");
    assert!(log.contains("state=tampered"), "{log}");
    assert!(log.contains("done: page 400 'Sign-in failed"), "{log}");
}

#[test]
fn an_out_of_band_sign_in_takes_the_code_the_stand_in_copied_from_the_approval_page() {
    const NAME: &str =
        "an_out_of_band_sign_in_takes_the_code_the_stand_in_copied_from_the_approval_page";
    if is_child() {
        let code_file: PathBuf = std::env::var_os("TOKENDESK_TEST_BROWSER_CODE_OUT")
            .unwrap()
            .into();
        let sign_in = sign_in_in_child(Duration::from_secs(60), |options| async move {
            let (paste, pasted) = mpsc::channel(1);
            // The person copies the title line from the browser and pastes it.
            tokio::task::spawn_blocking(move || {
                let line = wait_for_line(&code_file, "SUCCESS code=", Duration::from_secs(30));
                paste.blocking_send(Secret::new(line)).unwrap();
            });
            oob::sign_in(&options, pasted).await
        })
        .unwrap();
        assert_eq!(sign_in.user.username, USER);
        return;
    }
    let log = run_in_child(
        &python_stand_in(),
        &harness_name(module_path!(), NAME),
        "approve",
        &[],
    );
    assert!(log.contains("redirect_uri=urn"), "{log}");
    assert!(
        log.contains("done: approval page shown: SUCCESS code=[redacted]"),
        "{log}"
    );
}

#[test]
fn a_browser_left_alone_on_the_sign_in_page_ends_the_sign_in_with_timed_out() {
    const NAME: &str = "a_browser_left_alone_on_the_sign_in_page_ends_the_sign_in_with_timed_out";
    if is_child() {
        match pkce_in_child(Duration::from_secs(3)) {
            Err(SignInError::TimedOut { after }) => assert_eq!(after, Duration::from_secs(3)),
            other => panic!("expected TimedOut, got {other:?}"),
        }
        return;
    }
    let log = run_in_child(
        &python_stand_in(),
        &harness_name(module_path!(), NAME),
        "ignore",
        &[],
    );
    assert!(log.contains("page 200: 'Sign In'"), "{log}");
    assert!(log.contains("done: left the page open"), "{log}");
}
