#![cfg(feature = "system-tests")]
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Many `tokendesk token` processes at once: the cross-process lock keeps every one of them
//! working and the profile signed in.
//!
//!     scripts/with-test-session cargo test --features system-tests --test cli concurrency::

use crate::common::cli::{Cli, TOKEN_PATH};
use futures_util::future::join_all;

const PROCESSES: usize = 20;

/// Starts `PROCESSES` × `tokendesk ARGS` at once (see [`mixed_at_once`]).
async fn all_at_once(cli: &Cli, args: &[&str]) -> Vec<String> {
    mixed_at_once(cli, &vec![args; PROCESSES]).await
}

/// Starts one `tokendesk` per entry of `commands` at once; asserts each exits 0 with one
/// token line that the portal accepts right after; returns the tokens.
async fn mixed_at_once(cli: &Cli, commands: &[&[&str]]) -> Vec<String> {
    let running: Vec<_> = commands
        .iter()
        .map(|args| cli.tokendesk(args).spawn())
        .collect();
    let runs = join_all(running.into_iter().map(|r| r.finish())).await;
    let mut tokens = Vec::new();
    for run in &runs {
        run.ok();
        tokens.push(run.single_line());
    }
    for token in &tokens {
        cli.assert_token_works(token).await;
    }
    tokens
}

/// The profile is still signed in: a plain `token` works and status says valid.
async fn still_signed_in(cli: &Cli) {
    let token = cli.token("demo", &[]).await;
    cli.assert_token_works(&token).await;
    let status = cli.status("demo").await;
    assert_eq!(status["state"], "valid", "{status}");
    assert_eq!(
        cli.browser_visits(),
        1,
        "nobody signed in again: {}",
        cli.browser_log()
    );
}

#[tokio::test]
async fn twenty_concurrent_forced_refreshes_all_succeed_and_the_profile_stays_signed_in() {
    let cli = Cli::start(&[]).await;
    cli.signed_in("demo").await;
    cli.reset_request_counts().await;
    all_at_once(&cli, &["token", "demo", "--refresh"]).await;
    let requests = cli.requests_to(TOKEN_PATH).await;
    assert!(
        (1..=PROCESSES as u64).contains(&requests),
        "at most one token request per process, got {requests}"
    );
    still_signed_in(&cli).await;
    cli.refresh_token("demo").await;
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn twenty_concurrent_checks_after_the_access_token_expired_all_get_a_working_token() {
    let cli = Cli::start(&["--access-token-seconds", "20"]).await;
    cli.signed_in("demo").await;
    let old = cli.token("demo", &[]).await;
    // Past the access token's expiry on the portal: every process finds it rejected at once.
    cli.advance_portal_clock(60).await;
    cli.assert_token_refused(&old).await;
    cli.reset_request_counts().await;
    let tokens = all_at_once(&cli, &["token", "demo", "--check"]).await;
    let requests = cli.requests_to(TOKEN_PATH).await;
    assert!(
        (1..=PROCESSES as u64).contains(&requests),
        "at most one renewal per process, got {requests}"
    );
    assert!(
        tokens.iter().all(|t| *t != old),
        "nobody hands out the dead token"
    );
    still_signed_in(&cli).await;
    cli.refresh_token("demo").await;
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn twenty_concurrent_refreshes_with_a_short_lived_refresh_token_keep_the_session() {
    // A refresh token of 2 minutes is always "near its end": an engine that exchanges it
    // (which invalidates the old one) must do so under the lock, once.
    let cli = Cli::start(&[
        "--access-token-seconds",
        "20",
        "--refresh-token-minutes",
        "2",
    ])
    .await;
    cli.signed_in("demo").await;
    let before = cli.refresh_token("demo").await;
    all_at_once(&cli, &["token", "demo", "--refresh"]).await;
    still_signed_in(&cli).await;
    let refresh_token = cli.refresh_token("demo").await;
    if refresh_token != before {
        assert!(
            !cli.refresh_token_works(&before).await,
            "an exchange happened: the old refresh token is dead"
        );
    }
    assert!(
        cli.refresh_token_works(&refresh_token).await,
        "the refresh token in the keyring is the live one"
    );
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn a_token_process_killed_while_refreshing_leaves_no_lock_behind() {
    let cli = Cli::start(&[]).await;
    cli.signed_in("demo").await;
    // The refresh hangs on the portal long enough to kill the process in the middle of it.
    cli.add_fault(serde_json::json!({
        "path": TOKEN_PATH, "kind": "delay", "millis": 30000, "count": 1
    }))
    .await;
    cli.reset_request_counts().await;
    let stuck = cli.tokendesk(&["token", "demo", "--refresh"]).spawn();
    let deadline = std::time::Instant::now() + crate::common::cli::BOUND;
    let mut tick = tokio::time::interval(std::time::Duration::from_millis(20));
    while cli.requests_to(TOKEN_PATH).await == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the refresh never started"
        );
        tick.tick().await;
    }
    stuck.signal("KILL");
    let killed = stuck.finish().await;
    assert_eq!(killed.code, None, "killed by the signal: {killed}");

    // The next process gets the lock at once and renews.
    let run = cli.run(&["token", "demo", "--refresh"]).await;
    run.ok();
    assert!(
        run.took < std::time::Duration::from_secs(15),
        "no wait on a dead process's lock: {run}"
    );
    cli.assert_token_works(&run.single_line()).await;
    still_signed_in(&cli).await;
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn logout_during_a_slow_refresh_leaves_the_profile_signed_out() {
    let cli = Cli::start(&[]).await;
    cli.signed_in("demo").await;
    let id = cli.profile_id("demo");
    cli.add_fault(serde_json::json!({
        "path": TOKEN_PATH, "kind": "delay", "millis": 3000, "count": 1
    }))
    .await;
    cli.reset_request_counts().await;
    let refreshing = cli.tokendesk(&["token", "demo", "--refresh"]).spawn();
    let deadline = std::time::Instant::now() + crate::common::cli::BOUND;
    let mut tick = tokio::time::interval(std::time::Duration::from_millis(20));
    while cli.requests_to(TOKEN_PATH).await == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the refresh never started"
        );
        tick.tick().await;
    }
    // The refresh is on the wire; the person signs out meanwhile.
    let logout = cli.run(&["logout", "demo"]).await;
    logout.ok();
    let refreshed = refreshing.finish().await;
    assert!(
        matches!(refreshed.code, Some(0 | 3)),
        "the refresh either finished first or found the profile signed out: {refreshed}"
    );
    let left = Cli::secrets_left(id).await;
    assert!(
        left.is_empty(),
        "a refresh finishing after logout must not bring secrets back: {left:?}"
    );
    cli.run(&["token", "demo"]).await.expect_code(3);
    let status = cli.status("demo").await;
    assert_eq!(status["state"], "signed_out", "{status}");
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn nineteen_token_processes_during_one_forced_refresh_all_get_a_working_token() {
    let cli = Cli::start(&[]).await;
    cli.signed_in("demo").await;
    let mut commands: Vec<&[&str]> = vec![&["token", "demo"]; PROCESSES - 1];
    commands.insert(PROCESSES / 2, &["token", "demo", "--refresh"]);
    mixed_at_once(&cli, &commands).await;
    still_signed_in(&cli).await;
    cli.refresh_token("demo").await;
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn twenty_concurrent_refreshes_meeting_a_few_portal_errors_never_lose_the_session() {
    let cli = Cli::start(&[]).await;
    cli.signed_in("demo").await;
    cli.add_fault(serde_json::json!({
        "path": TOKEN_PATH, "kind": "http_error", "status": 503, "count": 5
    }))
    .await;
    cli.reset_request_counts().await;
    let running: Vec<_> = (0..PROCESSES)
        .map(|_| cli.tokendesk(&["token", "demo", "--refresh"]).spawn())
        .collect();
    let runs = join_all(running.into_iter().map(|r| r.finish())).await;
    for run in &runs {
        match run.code {
            Some(0) => cli.assert_token_works(&run.single_line()).await,
            Some(4) => assert!(run.stdout.is_empty(), "{run}"),
            _ => panic!("a portal error is exit 4, never a lost session: {run}"),
        }
    }
    let requests = cli.requests_to(TOKEN_PATH).await;
    assert!(
        requests <= 3 * PROCESSES as u64,
        "{requests} token requests from {PROCESSES} processes"
    );
    // The processes share one backoff, so they may not have used up every injected error.
    // Once the portal has recovered and the shared backoff window has passed (a forced
    // refresh during it exits 4 and sends nothing), the same session renews: nothing was lost.
    cli.clear_faults().await;
    let deadline = std::time::Instant::now() + crate::common::cli::BOUND;
    let mut tick = tokio::time::interval(std::time::Duration::from_millis(500));
    let token = loop {
        tick.tick().await;
        let run = cli.tokendesk(&["token", "demo", "--refresh"]).run().await;
        if run.code == Some(0) {
            break run.single_line();
        }
        assert_eq!(
            run.code,
            Some(4),
            "only backing off, never a lost session: {run}"
        );
        assert!(
            std::time::Instant::now() < deadline,
            "still backing off at the bound: {run}"
        );
    };
    cli.assert_token_works(&token).await;
    still_signed_in(&cli).await;
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn status_answers_promptly_while_another_process_is_in_a_slow_refresh() {
    let cli = Cli::start(&[]).await;
    cli.signed_in("demo").await;
    cli.add_fault(serde_json::json!({
        "path": TOKEN_PATH, "kind": "delay", "millis": 12000, "count": 1
    }))
    .await;
    cli.reset_request_counts().await;
    let refreshing = cli.tokendesk(&["token", "demo", "--refresh"]).spawn();
    let deadline = std::time::Instant::now() + crate::common::cli::BOUND;
    let mut tick = tokio::time::interval(std::time::Duration::from_millis(20));
    while cli.requests_to(TOKEN_PATH).await == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the refresh never started"
        );
        tick.tick().await;
    }
    let status = cli.run(&["status", "demo", "--json"]).await;
    status.ok();
    assert!(
        status.took < std::time::Duration::from_secs(6),
        "status is read-only and does not wait for a 12 s refresh: {status}"
    );
    let shown: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    assert!(
        matches!(shown["state"].as_str(), Some("valid" | "refreshing")),
        "{shown}"
    );
    let refreshed = refreshing.finish().await;
    refreshed.ok();
    cli.assert_token_works(&refreshed.single_line()).await;
    cli.assert_no_secret_leaked();
}
