#![cfg(feature = "system-tests")]
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! App-credential profiles (client_credentials) through the CLI against
//! `tokendesk demo-portal`, with the real throw-away keyring: the client secret read from
//! stdin and kept in the keyring, the app token re-issued when it is no longer good (there is
//! no refresh token), the configured `expiration`, and a wrong secret.
//!
//!     scripts/with-test-session cargo test --features system-tests --test cli methods_app_credentials::

use crate::common::cli::Cli;
use crate::common::methods::{
    APP, APP_SECRET, FEDERATED_SERVICE, TOKEN_PATH, add_portal_profile, assert_invalid_token,
    assert_served, call,
};
use tokendesk::store::SecretKind;

async fn app_profile(
    cli: &Cli,
    name: &str,
    minutes: &str,
    secret: &str,
) -> crate::common::cli::process::Run {
    cli.secret(APP_SECRET);
    add_portal_profile(
        cli,
        name,
        &[
            "--method",
            "app-credentials",
            "--client-id",
            APP,
            "--expiration",
            minutes,
        ],
        secret,
    )
    .await
}

#[tokio::test]
async fn an_app_token_is_issued_used_and_reissued_with_the_stored_secret_once_it_expired() {
    let cli = Cli::start(&[]).await;
    app_profile(&cli, "app", "2", APP_SECRET)
        .await
        .ok()
        .says(&["signed in", "app tokendesk-demo-app"]);
    assert_eq!(
        cli.keyring_secret("app", SecretKind::ClientSecret)
            .await
            .as_deref(),
        Some(APP_SECRET),
        "the client secret is kept in the keyring"
    );
    let first = cli.token("app", &[]).await;
    assert_served(&call(&cli, FEDERATED_SERVICE, &first, None).await);
    // The configured expiration (2 minutes) is what the portal gave.
    let status = cli.status("app").await;
    let expires = crate::common::cli::status_time(&status, "access_expires_at");
    let left = expires - chrono::Utc::now();
    assert!(
        left > chrono::Duration::seconds(60) && left <= chrono::Duration::seconds(120),
        "a 2-minute app token: {status}"
    );

    // Past its expiry on the portal: the check finds it dead and re-issues, one request.
    cli.advance_portal_clock(5 * 60).await;
    assert_invalid_token(&call(&cli, FEDERATED_SERVICE, &first, None).await);
    cli.reset_request_counts().await;
    let second = cli.token("app", &["--check"]).await;
    assert_eq!(
        cli.requests_to(TOKEN_PATH).await,
        1,
        "one client_credentials request"
    );
    assert_ne!(second, first);
    assert_served(&call(&cli, FEDERATED_SERVICE, &second, None).await);
    let status = cli.status("app").await;
    assert_eq!(status["state"], "valid", "{status}");
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn a_wrong_client_secret_gets_one_request_a_clear_message_and_nothing_stored() {
    let cli = Cli::start(&[]).await;
    let wrong = "wrong-client-secret-7Yq";
    cli.secret(wrong);
    cli.reset_request_counts().await;
    let run = app_profile(&cli, "app", "120", wrong).await;
    run.expect_code(3).says(&[
        "refused the client secret",
        "Invalid client_secret",
        "tokendesk login app",
    ]);
    assert_eq!(cli.requests_to(TOKEN_PATH).await, 1);
    let left = Cli::secrets_left(cli.profile_id("app")).await;
    assert!(left.is_empty(), "nothing is kept: {left:?}");
    cli.run(&["token", "app"]).await.expect_code(3);

    // The right secret, entered again with login, signs the profile in.
    let login = crate::common::methods::piped(&cli, &["login", "app"], APP_SECRET).await;
    login.ok();
    let token = cli.token("app", &[]).await;
    assert_served(&call(&cli, FEDERATED_SERVICE, &token, None).await);
    cli.assert_no_secret_leaked();
}
