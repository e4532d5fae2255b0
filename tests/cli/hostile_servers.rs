#![cfg(feature = "system-tests")]
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Sites that try to hurt the client, played by the demo portal's faults: an answer that never
//! ends must not make `probe`, an app-credentials `login` or `token --refresh` read it into
//! memory; each ends with a clear error.
//!
//!     scripts/with-test-session cargo test --features system-tests --test cli hostile_servers::

use serde_json::json;

use crate::common::cli::Cli;
use crate::common::cli::process::Run;
use crate::common::methods::{APP, APP_SECRET, TOKEN_PATH, add_portal_profile, piped};

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
    cli.secret(APP_SECRET);
    add_portal_profile(
        &cli,
        "app",
        &["--method", "app-credentials", "--client-id", APP],
        APP_SECRET,
    )
    .await
    .ok();
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
