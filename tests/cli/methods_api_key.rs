#![cfg(feature = "system-tests")]
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! API key profiles through the CLI against `tokendesk demo-portal`, with the real
//! throw-away keyring: the key read from stdin (never an argument), checked against the
//! portal, handed out as the token, its expiry shown in days; expired and legacy keys.
//!
//!     scripts/with-test-session cargo test --features system-tests --test cli methods_api_key::

use crate::common::cli::Cli;
use crate::common::methods::{
    FEDERATED_SERVICE, add_portal_profile, assert_invalid_token, assert_served, call, mint_api_key,
    piped,
};
use tokendesk::store::SecretKind;

const LEGACY_KEY: &str = "AAPKtokendeskDemoLegacyKeyThatNeverExpires0000000000";

#[tokio::test]
async fn an_api_key_piped_on_stdin_is_checked_kept_in_the_keyring_and_handed_out_as_the_token() {
    let cli = Cli::start(&[]).await;
    let key = mint_api_key(&cli, 2).await;
    let add = add_portal_profile(&cli, "maps", &["--method", "api-key"], &format!("{key}\n")).await;
    add.ok()
        .says(&["API key stored", "TokenDesk demo API key credentials"]);
    assert!(!add.stderr.contains(&key), "{add}");

    let token = cli.token("maps", &[]).await;
    assert_eq!(token, key, "the key is the token");
    assert_served(&call(&cli, FEDERATED_SERVICE, &token, None).await);
    let stored = cli
        .keyring_secret("maps", SecretKind::ApiKey)
        .await
        .unwrap();
    assert!(stored.contains(&key), "the key is in the keyring");

    // Slot 2 of the demo credential expires 30 days after start-up: a countdown in days,
    // with the 30-day warning, and the slot.
    let status = cli.status("maps").await;
    assert_eq!(status["state"], "valid", "{status}");
    assert_eq!(status["api_key"]["slot"], 2, "{status}");
    assert_eq!(status["api_key"]["kind"], "credential", "{status}");
    let days = status["api_key"]["expires_in_days"].as_i64().unwrap();
    assert!((29..=30).contains(&days), "{status}");
    assert!(
        status["warning"].as_str().unwrap().contains("expires in"),
        "{status}"
    );
    let text = cli.run(&["status", "maps"]).await;
    text.ok();
    assert!(text.stdout.contains("slot 2"), "{text}");
    assert!(text.stdout.contains(&format!("(in {days} days)")), "{text}");
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn an_api_key_given_as_an_argument_is_refused_as_a_usage_error() {
    let cli = Cli::start(&[]).await;
    let key = mint_api_key(&cli, 1).await;
    let ca = cli.ca.to_str().unwrap().to_owned();
    let run = cli
        .run(&[
            "profile",
            "add",
            "maps",
            "--url",
            &cli.portal_url,
            "--ca-file",
            &ca,
            "--method",
            "api-key",
            &key,
        ])
        .await;
    run.expect_code(2);
    let list = cli.run(&["profile", "list"]).await;
    assert!(
        !list.stdout.contains("maps"),
        "no profile was added: {list}"
    );
}

#[tokio::test]
async fn an_expired_api_key_gets_a_clear_message_and_exit_code_3() {
    let cli = Cli::start(&[]).await;
    let key = mint_api_key(&cli, 2).await;
    add_portal_profile(&cli, "maps", &["--method", "api-key"], &key)
        .await
        .ok();
    // 31 days later on the portal: the slot-2 key has expired there.
    cli.advance_portal_clock(31 * 24 * 3600).await;
    assert_invalid_token(&call(&cli, FEDERATED_SERVICE, &key, None).await);

    let run = cli.run(&["token", "maps", "--check"]).await;
    run.expect_code(3)
        .says(&["API key", "no longer valid", "tokendesk login maps"]);
    assert!(run.stdout.is_empty(), "{run}");

    // Entering the dead key again is refused by the portal, just as clearly.
    let again = piped(&cli, &["login", "maps"], &key).await;
    again
        .expect_code(3)
        .says(&["refused the API key", "login maps"]);
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn an_entered_expiry_date_in_the_past_is_refused_and_one_within_a_week_warns() {
    let cli = Cli::start(&[]).await;
    let key = mint_api_key(&cli, 1).await;
    let past = add_portal_profile(
        &cli,
        "old",
        &["--method", "api-key", "--expires", "2020-01-31"],
        &key,
    )
    .await;
    past.expect_code(3).says(&["expired", "2020-01-31"]);

    let soon = (chrono::Utc::now() + chrono::Duration::days(5))
        .format("%Y-%m-%d")
        .to_string();
    add_portal_profile(
        &cli,
        "soon",
        &["--method", "api-key", "--expires", &soon],
        &key,
    )
    .await
    .ok()
    .says(&["warning", "expires in 5 days"]);
    let status = cli.status("soon").await;
    assert_eq!(status["api_key"]["expires_in_days"], 5, "{status}");
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn a_legacy_key_is_shown_as_never_expiring_but_retired_on_arcgis_online() {
    let cli = Cli::start(&[]).await;
    cli.secret(LEGACY_KEY);
    add_portal_profile(&cli, "legacy", &["--method", "api-key"], LEGACY_KEY)
        .await
        .ok()
        .says(&["legacy", "June 2026"]);
    let status = cli.run(&["status", "legacy"]).await;
    status.ok();
    assert!(
        status.stdout.contains("never (legacy AAPK key)"),
        "{status}"
    );
    assert!(
        status.stdout.contains("no longer works on ArcGIS Online"),
        "{status}"
    );
    let json = cli.status("legacy").await;
    assert_eq!(json["api_key"]["retired"], true, "{json}");
    cli.assert_no_secret_leaked();
}
