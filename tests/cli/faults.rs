#![cfg(feature = "system-tests")]
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Faults on the portal's token endpoint (injected through the demo portal's admin API):
//! `tokendesk token --refresh` fails with exit 4 and a clear message, sends a bounded number
//! of requests, and once the fault is gone works again without a new sign-in.
//!
//!     scripts/with-test-session cargo test --features system-tests --test cli faults::

use std::time::Duration;

use crate::common::cli::{Cli, TOKEN_PATH};
use serde_json::{Value, json};

/// Token requests one failing invocation may send (retries with backoff are fine, a loop not).
const MAX_REQUESTS_PER_INVOCATION: u64 = 5;

/// Signs in, makes every token request meet `fault`, and checks the failure and the recovery.
async fn fails_with_exit_4_then_recovers(fault: Value, words: &[&str]) {
    let cli = Cli::start(&[]).await;
    cli.signed_in("demo").await;
    let before = cli.token("demo", &[]).await;
    let mut rule = fault;
    rule["path"] = json!(TOKEN_PATH);
    rule["count"] = json!(1000);
    cli.add_fault(rule).await;
    cli.reset_request_counts().await;

    let run = cli.run(&["token", "demo", "--refresh"]).await;
    run.expect_code(4).says_one_of(words);
    run.says_one_of(&["127.0.0.1", "portal"]);
    assert!(!run.said().contains("panicked"), "{run}");
    assert!(run.stdout.is_empty(), "no token on stdout: {run}");
    assert!(
        run.took < Duration::from_secs(60),
        "gives up in time: {run}"
    );
    let requests = cli.requests_to(TOKEN_PATH).await;
    assert!(
        (1..=MAX_REQUESTS_PER_INVOCATION).contains(&requests),
        "one invocation sent {requests} token requests"
    );

    // The session survives the failure.
    let status = cli.status("demo").await;
    let state = status["state"].as_str().unwrap();
    assert!(
        !matches!(state, "signed_out" | "needs_sign_in"),
        "a portal fault must not lose the session: {status}"
    );

    // The access token from before is still good for half an hour: a plain `token` hands it
    // out while the endpoint fails, without asking the failing endpoint again.
    cli.reset_request_counts().await;
    let meanwhile = cli.token("demo", &[]).await;
    cli.assert_token_works(&meanwhile).await;
    assert_eq!(
        cli.requests_to(TOKEN_PATH).await,
        0,
        "a still-valid token needs no renewal, even while renewals fail"
    );

    cli.clear_faults().await;
    let after = cli.token("demo", &["--refresh"]).await;
    assert_ne!(after, before);
    cli.assert_token_works(&after).await;
    let status = cli.status("demo").await;
    assert_eq!(status["state"], "valid", "{status}");
    assert_eq!(
        cli.browser_visits(),
        1,
        "no new sign-in: {}",
        cli.browser_log()
    );
    cli.refresh_token("demo").await;
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn an_http_500_html_page_from_the_token_endpoint_exits_4_then_recovers() {
    fails_with_exit_4_then_recovers(
        json!({"kind": "http_error", "status": 500}),
        &["500", "server error"],
    )
    .await;
}

#[tokio::test]
async fn a_dropped_connection_on_the_token_endpoint_exits_4_then_recovers() {
    fails_with_exit_4_then_recovers(
        json!({"kind": "drop_connection"}),
        &["connection", "network", "closed", "reach"],
    )
    .await;
}

#[tokio::test]
async fn malformed_json_from_the_token_endpoint_exits_4_then_recovers() {
    fails_with_exit_4_then_recovers(
        json!({"kind": "malformed_json"}),
        &[
            "json",
            "malformed",
            "unexpected",
            "invalid",
            "not understand",
            "unreadable",
            "parse",
            "decode",
        ],
    )
    .await;
}

#[tokio::test]
async fn a_delayed_token_answer_is_waited_for_once_and_used() {
    let cli = Cli::start(&[]).await;
    cli.signed_in("demo").await;
    let before = cli.token("demo", &[]).await;
    cli.add_fault(json!({
        "path": TOKEN_PATH, "kind": "delay", "millis": 3000, "count": 1
    }))
    .await;
    cli.reset_request_counts().await;
    let run = cli.run(&["token", "demo", "--refresh"]).await;
    run.ok();
    let token = run.single_line();
    assert_ne!(token, before);
    assert!(run.took >= Duration::from_secs(3), "{run}");
    cli.assert_token_works(&token).await;
    assert_eq!(
        cli.requests_to(TOKEN_PATH).await,
        1,
        "a slow answer is waited for, not raced with a second request"
    );
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn a_single_fault_does_not_lose_the_session_and_the_next_call_succeeds() {
    let cli = Cli::start(&[]).await;
    cli.signed_in("demo").await;
    cli.add_fault(json!({
        "path": TOKEN_PATH, "kind": "http_error", "status": 502, "count": 1
    }))
    .await;
    // One fault: this call may retry and succeed (exit 0) or give up (exit 4) — never 3.
    let first = cli.run(&["token", "demo", "--refresh"]).await;
    assert!(
        matches!(first.code, Some(0 | 4)),
        "exit 0 or 4, not {first}"
    );
    let token = cli.token("demo", &["--refresh"]).await;
    cli.assert_token_works(&token).await;
    assert_eq!(cli.browser_visits(), 1);
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn a_token_answer_cut_short_after_the_token_shows_the_token_in_no_message_or_log() {
    let cli = Cli::start(&[]).await;
    cli.signed_in("demo").await;
    let proxy = crate::common::cli::proxy::TruncatingProxy::start(
        &cli.origin,
        cli.http.clone(),
        cli.home.path(),
    );
    let through_proxy = format!("{}/portal/sharing/rest", proxy.origin);
    cli.repoint_profile("demo", &through_proxy, &proxy.ca).await;
    // Through the proxy, renewal works as before.
    let token = cli.token("demo", &["--refresh"]).await;
    cli.assert_token_works(&token).await;

    proxy.truncate_token_answers(true);
    let run = cli.run(&["token", "demo", "--refresh"]).await;
    run.expect_code(4);
    assert!(run.stdout.is_empty(), "{run}");
    let cut = proxy.cut_tokens();
    assert!(!cut.is_empty(), "the renewal's answer was cut short");
    for token in &cut {
        cli.secret(token);
    }
    // The failure is also what status reports.
    let status = cli.status("demo").await;
    assert!(!status["message"].is_null(), "{status}");
    cli.run(&["status", "demo"]).await.ok();
    cli.assert_no_secret_leaked();

    proxy.truncate_token_answers(false);
    let after = cli.token("demo", &["--refresh"]).await;
    cli.assert_token_works(&after).await;
}

#[tokio::test]
async fn a_failing_code_exchange_ends_login_with_exit_4_and_leaves_the_profile_signed_out() {
    let cli = Cli::start(&[]).await;
    cli.add_profile("demo", &[]).await;
    cli.add_fault(json!({
        "path": TOKEN_PATH, "kind": "http_error", "status": 500, "count": 1000
    }))
    .await;
    cli.reset_request_counts().await;
    let run = cli.run(&["login", "demo", "--timeout", "60"]).await;
    run.expect_code(4).says(&["500"]);
    assert!(run.took < Duration::from_secs(60), "{run}");
    let requests = cli.requests_to(TOKEN_PATH).await;
    assert!(
        (1..=MAX_REQUESTS_PER_INVOCATION).contains(&requests),
        "login sent {requests} token requests"
    );
    assert_eq!(cli.browser_visits(), 1, "one visit to the browser");
    let status = cli.status("demo").await;
    assert_eq!(status["state"], "signed_out", "{status}");

    cli.clear_faults().await;
    cli.login("demo").await;
    let token = cli.token("demo", &[]).await;
    cli.assert_token_works(&token).await;
    cli.refresh_token("demo").await;
    cli.assert_no_secret_leaked();
}

/// Real time has to pass here (the CLI has no clock to advance): the 20-second access token
/// must come due for renewal on its own.
#[tokio::test]
async fn token_processes_in_a_row_share_the_backoff_instead_of_each_hitting_a_failing_portal() {
    let cli = Cli::start(&["--access-token-seconds", "20"]).await;
    cli.signed_in("demo").await;
    let status = cli.status("demo").await;
    let expires = crate::common::cli::status_time(&status, "access_expires_at");
    // Wait (bounded) until the token is inside its renewal margin: 20 % of 20 s = 4 s.
    let due = expires - chrono::Duration::seconds(3);
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    while chrono::Utc::now() < due {
        assert!(
            chrono::Utc::now() < expires + chrono::Duration::seconds(30),
            "bounded"
        );
        tick.tick().await;
    }
    cli.add_fault(json!({
        "path": TOKEN_PATH, "kind": "http_error", "status": 500, "count": 1000
    }))
    .await;
    cli.reset_request_counts().await;
    for _ in 0..10 {
        let run = cli.run(&["token", "demo"]).await;
        assert!(
            matches!(run.code, Some(0 | 4)),
            "a still-valid token or a portal error: {run}"
        );
    }
    let requests = cli.requests_to(TOKEN_PATH).await;
    assert!(
        (1..=4).contains(&requests),
        "10 processes in a row sent {requests} token requests: the backoff is shared"
    );
    let status = cli.status("demo").await;
    assert!(
        !matches!(
            status["state"].as_str(),
            Some("signed_out" | "needs_sign_in")
        ),
        "{status}"
    );
    cli.clear_faults().await;
    // The shared backoff may still hold for a few seconds (the message says until when);
    // once it ends, the next command renews against the healed portal.
    let healed_by = chrono::Utc::now() + chrono::Duration::seconds(60);
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    let token = loop {
        tick.tick().await;
        let run = cli.run(&["token", "demo", "--refresh"]).await;
        if run.code == Some(0) {
            break run.single_line();
        }
        assert!(
            run.stderr.contains("waits before asking the portal again"),
            "only the backoff may hold a renewal back: {run}"
        );
        assert!(chrono::Utc::now() < healed_by, "the backoff ended: {run}");
    };
    cli.assert_token_works(&token).await;
    cli.assert_no_secret_leaked();
}
