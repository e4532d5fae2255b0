#![cfg(feature = "system-tests")]
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `tokendesk snippet NAME FORMAT` against `tokendesk demo-portal`, with the real throw-away
//! keyring: the printed snippet runs as is, and bad formats are usage errors that list the
//! choices.
//!
//!     scripts/with-test-session cargo test --features system-tests --test cli snippet::

use std::process::Stdio;
use std::time::Duration;

use crate::common::cli::Cli;
use serde_json::Value;
use tokio::io::AsyncWriteExt;

/// Runs a shell snippet with `bash -s` (the snippet on stdin); returns stdout.
async fn bash(snippet: &str) -> String {
    let mut child = tokio::process::Command::new("bash")
        .arg("-s")
        .env_remove("CURL_CA_BUNDLE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(snippet.as_bytes()).await.unwrap();
    drop(stdin);
    let output = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("the snippet did not finish within 60 s")
        .unwrap();
    assert!(
        output.status.success(),
        "{snippet}\nexited {}",
        output.status
    );
    String::from_utf8(output.stdout).unwrap()
}

#[tokio::test]
async fn the_curl_snippet_trusts_the_profiles_ca_and_reads_the_signed_in_user() {
    let cli = Cli::start(&[]).await;
    cli.signed_in("demo").await;
    let run = cli.run(&["snippet", "demo", "curl"]).await;
    run.ok();
    assert!(run.stdout.contains("--cacert "), "{run}");
    let me: Value = serde_json::from_str(&bash(&run.stdout).await).unwrap();
    assert_eq!(me["username"], "analyst", "{me}");
}

#[tokio::test]
async fn the_js_credential_carries_the_user_and_an_expiry_in_epoch_milliseconds() {
    let cli = Cli::start(&[]).await;
    cli.signed_in("demo").await;
    let run = cli.run(&["snippet", "demo", "js-credential"]).await;
    run.ok();
    let credential: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(credential["userId"], "analyst");
    assert_eq!(credential["server"], cli.portal_url.trim_end_matches('/'));
    let expires = credential["expires"].as_i64().unwrap();
    let in_ms = expires - chrono::Utc::now().timestamp_millis();
    assert!((60_000..=7_200_000).contains(&in_ms), "expires {expires}");
    cli.assert_token_works(credential["token"].as_str().unwrap())
        .await;
}

#[tokio::test]
async fn an_unknown_format_is_a_usage_error_that_lists_the_formats() {
    let cli = Cli::start(&[]).await;
    cli.add_profile("demo", &[]).await;
    cli.run(&["snippet", "demo", "wget"])
        .await
        .expect_code(2)
        .says(&["unknown format `wget`", "curl", "js-credential"]);
}
