#![cfg(feature = "system-tests")]
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Sites that try to hurt the client, played by the demo portal's faults: an answer that never
//! ends must not make `probe`, an app-credentials `login` or `token --refresh` read it into
//! memory; each ends with a clear error. Tokens that arrive already expired (or a portal
//! clock two hours behind) must not make repeated commands send a request each.
//!
//!     scripts/with-test-session cargo test --features system-tests --test cli hostile_servers::

use serde_json::json;

use crate::common::cli::Cli;
use crate::common::cli::process::Run;
use crate::common::methods::{
    APP_SECRET, GENERATE_TOKEN, TOKEN_PATH, add_app_profile, add_portal_profile, piped,
};

/// The memory a command may use while a site streams an endless answer at it.
const MEMORY_CEILING_KIB: u64 = 64 * 1024;

/// Runs `tokendesk ARGS` while every request matching `path` meets an endless body, and checks
/// the peak memory and the message.
/// `stdin`, when given, is piped in and closed (a secret the command reads).
async fn meets_an_endless_body(cli: &Cli, path: &str, args: &[&str], stdin: Option<&str>) -> Run {
    cli.add_fault(json!({"path": path, "kind": "endless_body", "count": 1000}))
        .await;
    let mut running = cli.tokendesk(args).piped_stdin().spawn();
    if let Some(text) = stdin {
        running.write_stdin(text).await;
    }
    drop(running.child.stdin.take());
    let (run, peak_kib) = running.finish_with_peak_memory().await;
    cli.clear_faults().await;
    assert!(
        peak_kib < MEMORY_CEILING_KIB,
        "`tokendesk {}` peaked at {} MiB while reading an endless answer: {run}",
        args.join(" "),
        peak_kib / 1024
    );
    assert!(
        !matches!(run.code, Some(0) | Some(101) | None),
        "an endless answer is an error, not a success or a crash: {run}"
    );
    run.says(&["larger than", "MiB"]);
    assert!(!run.said().contains("panicked"), "{run}");
    assert!(run.stdout.is_empty(), "nothing on stdout: {run}");
    run
}

#[tokio::test]
async fn probe_stops_reading_an_endless_answer_and_says_it_is_too_large() {
    let cli = Cli::start(&[]).await;
    let ca = cli.ca.to_str().unwrap().to_owned();
    meets_an_endless_body(
        &cli,
        "*",
        &["probe", &cli.portal_url, "--ca-file", &ca],
        None,
    )
    .await;
}

#[tokio::test]
async fn an_app_credentials_login_stops_reading_an_endless_token_answer() {
    let cli = Cli::start(&[]).await;
    add_app_profile(&cli, "app").await;
    meets_an_endless_body(&cli, TOKEN_PATH, &["login", "app"], Some(APP_SECRET)).await;
    // Once the site behaves, the same login works.
    piped(&cli, &["login", "app"], APP_SECRET).await.ok();
}

#[tokio::test]
async fn token_refresh_stops_reading_an_endless_token_answer_and_keeps_the_session() {
    let cli = Cli::start(&[]).await;
    cli.signed_in("demo").await;
    let run = meets_an_endless_body(&cli, TOKEN_PATH, &["token", "demo", "--refresh"], None).await;
    run.expect_code(4);
    let after = cli.token("demo", &["--refresh"]).await;
    cli.assert_token_works(&after).await;
}

/// Token requests that repeated commands may send to a site whose tokens arrive dead: the
/// one that meets it; the backoff it records holds every later command back.
const A_HANDFUL: u64 = 2;

#[tokio::test]
async fn repeated_token_commands_against_tokens_that_arrive_expired_send_one_request_and_say_why() {
    let cli = Cli::start(&[]).await;
    add_app_profile(&cli, "app").await;
    cli.add_fault(json!({
        "path": TOKEN_PATH,
        "kind": "answer",
        "body": r#"{"access_token":"already-dead-token-0123456789","expires_in":0}"#,
        "count": 100000,
    }))
    .await;
    cli.reset_request_counts().await;

    let first = cli.run(&["token", "app", "--refresh"]).await;
    first
        .expect_code(4)
        .says(&["already expired", "clock", "timedatectl"]);
    for _ in 0..10 {
        let again = cli.run(&["token", "app", "--refresh"]).await;
        again.expect_code(4);
        assert!(again.stdout.is_empty(), "{again}");
        // A plain `token` still hands out the token of the sign-in, which is good.
        let plain = cli.run(&["token", "app"]).await;
        plain.ok();
        assert_ne!(plain.stdout.trim(), "already-dead-token-0123456789");
    }
    let requests = cli.requests_to(TOKEN_PATH).await;
    assert!(
        (1..=A_HANDFUL).contains(&requests),
        "21 commands sent {requests} token requests"
    );
    let status = cli.status("app").await;
    assert_eq!(status["state"], "refresh_failing", "{status}");
    let message = status["message"].as_str().unwrap_or_default();
    assert!(message.contains("already expired"), "{status}");
}

#[tokio::test]
async fn a_portal_clock_two_hours_behind_is_reported_at_login_and_its_tokens_still_last_an_hour() {
    let cli = Cli::start(&[]).await;
    cli.advance_portal_clock(-2 * 3600).await;
    add_portal_profile(
        &cli,
        "pw",
        &[
            "--method",
            "password",
            "--username",
            crate::common::cli::USER,
        ],
        "",
    )
    .await
    .ok();
    cli.reset_request_counts().await;
    piped(
        &cli,
        &["login", "pw", "--remember-password"],
        crate::common::cli::PASSWORD,
    )
    .await
    .ok()
    .says(&["signed in", "2 h 0 min behind"]);
    for _ in 0..10 {
        cli.token("pw", &[]).await;
    }
    assert_eq!(
        cli.requests_to(GENERATE_TOKEN).await,
        1,
        "the login's token is used, not re-issued at every command"
    );
    let status = cli.status("pw").await;
    assert_eq!(status["state"], "valid", "{status}");
    let left = crate::common::cli::status_time(&status, "access_expires_at") - chrono::Utc::now();
    assert!((55..=60).contains(&left.num_minutes()), "{status}");
}
