#![cfg(feature = "system-tests")]
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! User name + password profiles through the CLI against `tokendesk demo-portal`, with the
//! real throw-away keyring: portal `generateToken`, the stand-alone server's
//! `tokens/generateToken` and `admin/generateToken`; a remembered password re-issues the
//! token, a forgotten one asks for a sign-in; a wrong password is tried exactly once; tokens
//! bound to a Referer and what happens without it.
//!
//!     scripts/with-test-session cargo test --features system-tests --test cli methods_password::

use crate::common::cli::{Cli, PASSWORD, USER};
use crate::common::methods::{
    FEDERATED_SERVICE, GENERATE_TOKEN, SERVER_ADMIN, SERVER_ADMIN_PASSWORD, SERVER_PASSWORD,
    SERVER_USER, STANDALONE_SERVICE, add_portal_profile, assert_invalid_token, assert_served, call,
    piped,
};
use tokendesk::store::SecretKind;

const REFERER: &str = "https://maps.example.com";

/// A portal password profile for analyst, bound to [`REFERER`].
async fn password_profile(cli: &Cli, name: &str) {
    add_portal_profile(
        cli,
        name,
        &[
            "--method",
            "password",
            "--username",
            USER,
            "--referer",
            REFERER,
        ],
        "",
    )
    .await
    .ok()
    .says(&[&format!("tokendesk login {name}")]);
}

#[tokio::test]
async fn a_remembered_password_reissues_the_token_once_the_portal_no_longer_takes_it() {
    let cli = Cli::start(&[]).await;
    password_profile(&cli, "pw").await;
    piped(&cli, &["login", "pw", "--remember-password"], PASSWORD)
        .await
        .ok()
        .says(&["signed in", USER, "Referer: https://maps.example.com"]);
    assert_eq!(
        cli.keyring_secret("pw", SecretKind::Password)
            .await
            .as_deref(),
        Some(PASSWORD)
    );
    let first = cli.token("pw", &[]).await;
    assert_served(&call(&cli, FEDERATED_SERVICE, &first, Some(REFERER)).await);

    // The portal's default generateToken lifetime is 60 minutes: two hours later it is dead.
    cli.advance_portal_clock(2 * 3600).await;
    assert_invalid_token(&call(&cli, FEDERATED_SERVICE, &first, Some(REFERER)).await);
    cli.reset_request_counts().await;
    let second = cli.token("pw", &["--check"]).await;
    assert_eq!(cli.requests_to(GENERATE_TOKEN).await, 1, "one re-issue");
    assert_ne!(second, first);
    assert_served(&call(&cli, FEDERATED_SERVICE, &second, Some(REFERER)).await);
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn without_a_remembered_password_an_expired_token_asks_for_sign_in() {
    let cli = Cli::start(&[]).await;
    password_profile(&cli, "pw").await;
    piped(&cli, &["login", "pw"], PASSWORD).await.ok();
    assert_eq!(cli.keyring_secret("pw", SecretKind::Password).await, None);
    let token = cli.token("pw", &[]).await;
    assert_served(&call(&cli, FEDERATED_SERVICE, &token, Some(REFERER)).await);

    cli.advance_portal_clock(2 * 3600).await;
    cli.reset_request_counts().await;
    let run = cli.run(&["token", "pw", "--check"]).await;
    run.expect_code(3)
        .says(&["password", "not remembered", "tokendesk login pw"]);
    assert_eq!(
        cli.requests_to(GENERATE_TOKEN).await,
        0,
        "nothing to re-issue with"
    );
    let status = cli.status("pw").await;
    assert_eq!(status["state"], "needs_sign_in", "{status}");
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn a_wrong_password_is_sent_exactly_once_with_a_clear_message_and_nothing_kept() {
    let cli = Cli::start(&[]).await;
    password_profile(&cli, "pw").await;
    let wrong = "not-the-password-9Kd";
    cli.secret(wrong);
    cli.reset_request_counts().await;
    let run = piped(&cli, &["login", "pw", "--remember-password"], wrong).await;
    run.expect_code(3).says(&[
        "refused the password",
        "Invalid username or password",
        "Nothing was retried",
        "tokendesk login pw",
    ]);
    assert_eq!(
        cli.requests_to(GENERATE_TOKEN).await,
        1,
        "exactly one attempt"
    );
    let left = Cli::secrets_left(cli.profile_id("pw")).await;
    assert!(left.is_empty(), "the wrong password is not kept: {left:?}");
    // Later commands do not try again on their own.
    cli.run(&["token", "pw"]).await.expect_code(3);
    cli.run(&["token", "pw", "--check"]).await.expect_code(3);
    assert_eq!(cli.requests_to(GENERATE_TOKEN).await, 1);
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn a_referer_bound_token_fails_without_its_referer_and_tokendesk_says_how_to_send_it() {
    let cli = Cli::start(&[]).await;
    password_profile(&cli, "pw").await;
    piped(&cli, &["login", "pw"], PASSWORD).await.ok();

    let header = cli.run(&["header", "pw", "--with-referer"]).await;
    header.ok();
    let lines: Vec<&str> = header.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{header}");
    let token = lines[0].strip_prefix("Authorization: Bearer ").unwrap();
    assert_eq!(lines[1], format!("Referer: {REFERER}"), "{header}");
    assert_served(&call(&cli, FEDERATED_SERVICE, token, Some(REFERER)).await);
    assert_invalid_token(&call(&cli, FEDERATED_SERVICE, token, None).await);
    assert_invalid_token(
        &call(
            &cli,
            FEDERATED_SERVICE,
            token,
            Some("https://other.example.com"),
        )
        .await,
    );

    for args in [&["token", "pw"][..], &["header", "pw"][..]] {
        let run = cli.run(args).await;
        run.ok().says(&[
            "Referer: https://maps.example.com",
            "498",
            "tokendesk header pw --with-referer",
        ]);
        assert_eq!(run.stdout.lines().count(), 1, "{run}");
    }
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn a_standalone_server_token_comes_from_its_token_service_and_works_there() {
    let cli = Cli::start(&[]).await;
    cli.secret(SERVER_PASSWORD);
    let ca = cli.ca.to_str().unwrap().to_owned();
    let url = format!("{}/gis/rest/services", cli.origin);
    let add = [
        "profile",
        "add",
        "gis",
        "--url",
        &url,
        "--ca-file",
        &ca,
        "--username",
        SERVER_USER,
        "--binding",
        "requestip",
    ];
    cli.run(&add).await.ok();
    cli.reset_request_counts().await;
    piped(&cli, &["login", "gis"], SERVER_PASSWORD).await.ok();
    assert_eq!(cli.requests_to("/gis/tokens/generateToken").await, 1);
    let token = cli.token("gis", &["--check"]).await;
    assert_served(&call(&cli, STANDALONE_SERVICE, &token, None).await);
    // A stand-alone server's token is no good on the portal's federated server.
    assert_invalid_token(&call(&cli, FEDERATED_SERVICE, &token, None).await);
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn a_server_administrator_signs_in_through_admin_generate_token() {
    let cli = Cli::start(&[]).await;
    cli.secret(SERVER_ADMIN_PASSWORD);
    cli.secret(SERVER_PASSWORD);
    let ca = cli.ca.to_str().unwrap().to_owned();
    // A bare site URL is enough: --admin means an ArcGIS Server.
    let url = format!("{}/gis", cli.origin);
    for (name, user) in [("admin", SERVER_ADMIN), ("not-admin", SERVER_USER)] {
        let add = [
            "profile",
            "add",
            name,
            "--url",
            &url,
            "--ca-file",
            &ca,
            "--username",
            user,
            "--binding",
            "requestip",
            "--admin",
        ];
        cli.run(&add).await.ok();
    }
    cli.reset_request_counts().await;
    piped(&cli, &["login", "admin"], SERVER_ADMIN_PASSWORD)
        .await
        .ok()
        .says(&[SERVER_ADMIN]);
    assert_eq!(cli.requests_to("/gis/admin/generateToken").await, 1);
    let token = cli.token("admin", &[]).await;
    assert_served(&call(&cli, STANDALONE_SERVICE, &token, None).await);
    // A user who is not an administrator is refused there, clearly.
    piped(&cli, &["login", "not-admin"], SERVER_PASSWORD)
        .await
        .expect_code(3)
        .says(&["lacks the privilege", "not an administrator"]);
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn a_remembered_password_that_stopped_working_is_tried_once_and_not_again_until_login() {
    let cli = Cli::start(&[]).await;
    password_profile(&cli, "pw").await;
    piped(&cli, &["login", "pw", "--remember-password"], PASSWORD)
        .await
        .ok();
    // The password changes on the portal (the next generateToken answers "invalid"), and the
    // token expires there.
    cli.add_fault(
        serde_json::json!({"path": GENERATE_TOKEN, "kind": "bad_credentials", "count": 100}),
    )
    .await;
    cli.advance_portal_clock(2 * 3600).await;
    cli.reset_request_counts().await;
    let run = cli.run(&["token", "pw", "--check"]).await;
    run.expect_code(3).says(&[
        "stored credentials",
        "Invalid username or password",
        "login pw",
    ]);
    assert_eq!(cli.requests_to(GENERATE_TOKEN).await, 1, "one attempt");
    for args in [
        &["token", "pw"][..],
        &["token", "pw", "--check"],
        &["token", "pw", "--refresh"],
    ] {
        cli.run(args).await.expect_code(3);
    }
    assert_eq!(
        cli.requests_to(GENERATE_TOKEN).await,
        1,
        "never tried again on its own"
    );
    let status = cli.status("pw").await;
    assert_eq!(status["state"], "needs_sign_in", "{status}");

    // The person acts: a login with the right password works again.
    cli.clear_faults().await;
    piped(&cli, &["login", "pw", "--remember-password"], PASSWORD)
        .await
        .ok();
    let token = cli.token("pw", &["--check"]).await;
    assert_served(&call(&cli, FEDERATED_SERVICE, &token, Some(REFERER)).await);
    cli.assert_no_secret_leaked();
}
