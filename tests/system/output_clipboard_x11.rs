#![cfg(feature = "system-tests")]
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The real clipboard (arboard) under the session's Xvfb, read with `xclip` like another
//! application would: copied text is readable, cleared after the delay, and left alone when
//! something else was copied meanwhile.
//!
//! arboard connects to the display named by `DISPLAY`, which `scripts/with-test-session`
//! leaves unset (it offers `TOKENDESK_TEST_DISPLAY` instead) and which a test cannot set for
//! itself; so the outer test runs this same test binary again with `DISPLAY` set, asking for
//! the inner test only.

use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokendesk::clock::ManualClock;
use tokendesk::output::clipboard::{Arboard, SecureClipboard, Tick};
use tokendesk::secret::Secret;
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

const INNER: &str = "the_real_clipboard_under_the_display_is_cleared_only_while_it_holds_our_text";
/// How long one xclip call or the inner test may take.
const LIMIT: Duration = Duration::from_secs(60);

#[tokio::test]
async fn the_x11_clipboard_is_readable_cleared_after_the_delay_and_left_alone_after_another_copy() {
    let display = std::env::var("TOKENDESK_TEST_DISPLAY").expect(
        "TOKENDESK_TEST_DISPLAY is not set: run under scripts/with-test-session (it starts Xvfb)",
    );
    let output = tokio::time::timeout(
        LIMIT,
        Command::new(std::env::current_exe().unwrap())
            .args([
                &crate::common::harness_name(module_path!(), INNER),
                "--exact",
                "--ignored",
                "--nocapture",
            ])
            .env("DISPLAY", &display)
            .kill_on_drop(true)
            .output(),
    )
    .await
    .expect("the inner clipboard test did not finish in time")
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "inner test failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// What `xclip -selection clipboard -o` reads; `None` when the clipboard is empty.
async fn xclip_read() -> Option<String> {
    let output = tokio::time::timeout(
        LIMIT,
        Command::new("xclip")
            .args(["-selection", "clipboard", "-o"])
            .kill_on_drop(true)
            .output(),
    )
    .await
    .expect("xclip -o hung")
    .expect("cannot run xclip (Debian package xclip)");
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

#[tokio::test]
#[ignore = "run by the outer test with DISPLAY set to the test Xvfb"]
async fn the_real_clipboard_under_the_display_is_cleared_only_while_it_holds_our_text() {
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let mut clipboard = SecureClipboard::new(
        Arboard::open().unwrap(),
        clock.clone(),
        Duration::from_secs(30),
    );

    // Copied → readable by another application; cleared once the delay has passed.
    clipboard.copy(&Secret::from("Bearer first-token")).unwrap();
    assert_eq!(xclip_read().await.as_deref(), Some("Bearer first-token"));
    clock.advance(chrono::Duration::seconds(29));
    assert_eq!(clipboard.tick().unwrap(), Tick::Waiting);
    assert_eq!(xclip_read().await.as_deref(), Some("Bearer first-token"));
    clock.advance(chrono::Duration::seconds(1));
    assert_eq!(clipboard.tick().unwrap(), Tick::Cleared);
    assert_eq!(xclip_read().await.unwrap_or_default(), "");

    // Another application copies meanwhile → left alone.
    clipboard
        .copy(&Secret::from("Bearer second-token"))
        .unwrap();
    let mut other = Command::new("xclip")
        .args(["-selection", "clipboard", "-i", "-quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("cannot run xclip (Debian package xclip)");
    let mut stdin = other.stdin.take().unwrap();
    stdin.write_all(b"the user's own text").await.unwrap();
    drop(stdin);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while xclip_read().await.as_deref() != Some("the user's own text") {
        assert!(
            tokio::time::Instant::now() < deadline,
            "xclip -i did not take the clipboard within 10 s"
        );
        tokio::task::yield_now().await;
    }
    clock.advance(chrono::Duration::seconds(30));
    assert_eq!(clipboard.tick().unwrap(), Tick::LeftAlone);
    assert_eq!(xclip_read().await.as_deref(), Some("the user's own text"));
    other.kill().await.unwrap();
}
