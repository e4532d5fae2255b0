#![cfg(feature = "system-tests")]
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `tokendesk token|header NAME --for URL` as a black box against `tokendesk demo-portal`,
//! with the real throw-away keyring: federated server tokens (issued, used, cached in the
//! keyring), the portal itself, a stand-alone server (refused, explained) and a public one.
//!
//!     scripts/with-test-session cargo test --features system-tests --test cli federation::

use crate::common::cli::Cli;
use crate::common::methods::{add_app_profile, assert_served, call};
use serde_json::Value;
use tokendesk::store::SecretKind;

const GENERATE_TOKEN: &str = "/portal/sharing/rest/generateToken";

fn service(cli: &Cli, site: &str) -> String {
    format!("{}/{site}/rest/services/Demo/MapServer", cli.origin)
}

async fn get_with_token(cli: &Cli, url: &str, token: Option<&str>) -> Value {
    let mut query = vec![("f", "json")];
    if let Some(token) = token {
        query.push(("token", token));
    }
    cli.http
        .get(url)
        .query(&query)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn token_for_a_federated_service_prints_a_server_token_that_works_there_and_is_reused() {
    let cli = Cli::start(&[]).await;
    cli.signed_in("demo").await;
    let url = service(&cli, "server");
    cli.reset_request_counts().await;

    let run = cli.run(&["token", "demo", "--for", &url]).await;
    run.ok().says(&["server token for", "just issued"]);
    let server_token = run.single_line();
    assert_eq!(cli.requests_to(GENERATE_TOKEN).await, 1);
    let answer = get_with_token(&cli, &url, Some(&server_token)).await;
    assert!(answer.get("error").is_none(), "{answer}");
    assert_ne!(server_token, cli.token("demo", &[]).await);
    let stored = cli.keyring_secret("demo", SecretKind::ServerTokens).await;
    assert!(
        stored.is_some_and(|value| value.contains(&server_token)),
        "the server token is kept in the keyring"
    );

    let again = cli.run(&["token", "demo", "--for", &url]).await;
    again.ok().says(&["reused"]);
    assert_eq!(again.single_line(), server_token);
    assert_eq!(
        cli.requests_to(GENERATE_TOKEN).await,
        1,
        "no second token request"
    );

    let header = cli.run(&["header", "demo", "--for", &url]).await;
    header.ok();
    assert_eq!(
        header.single_line(),
        format!("Authorization: Bearer {server_token}")
    );

    let forced = cli
        .run(&["token", "demo", "--for", &url, "--refresh"])
        .await;
    forced.ok();
    assert_ne!(forced.single_line(), server_token);
    assert_eq!(cli.requests_to(GENERATE_TOKEN).await, 2);

    // Signing out deletes the server tokens with the rest.
    let id = cli.profile_id("demo");
    cli.run(&["logout", "demo"]).await.ok();
    let left = Cli::secrets_left(id).await;
    assert!(left.is_empty(), "secrets left behind: {left:?}");
    let after = cli.run(&["token", "demo", "--for", &url]).await;
    after.expect_code(3);
    assert!(after.stdout.is_empty(), "{after}");
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn the_server_token_is_refused_on_the_stand_alone_server_and_tokendesk_explains_whose_it_is()
{
    let cli = Cli::start(&[]).await;
    cli.signed_in("demo").await;
    let server_token = cli
        .run(&["token", "demo", "--for", &service(&cli, "server")])
        .await
        .single_line();
    let standalone = service(&cli, "gis");
    let answer = get_with_token(&cli, &standalone, Some(&server_token)).await;
    assert_eq!(answer["error"]["code"], 498, "{answer}");

    let run = cli.run(&["token", "demo", "--for", &standalone]).await;
    run.expect_code(3).says(&[
        "stand-alone",
        "498",
        &format!(
            "tokendesk profile add NAME --kind server --url {}/gis",
            cli.origin
        ),
        &format!("belong to {}/server", cli.origin),
    ]);
    assert!(run.stdout.is_empty(), "{run}");
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn the_portal_itself_gets_the_portal_token_and_a_public_server_needs_none() {
    let cli = Cli::start(&[]).await;
    cli.signed_in("demo").await;
    let portal_token = cli.token("demo", &[]).await;
    let on_portal = format!("{}/community/self", cli.portal_url);
    let run = cli.run(&["token", "demo", "--for", &on_portal]).await;
    run.ok().says(&["portal itself"]);
    assert_eq!(run.single_line(), portal_token);

    let public = service(&cli, "public");
    cli.reset_request_counts().await;
    for command in ["token", "header"] {
        let run = cli.run(&[command, "demo", "--for", &public]).await;
        run.ok().says(&["no token needed"]);
        assert!(run.stdout.is_empty(), "{run}");
    }
    assert_eq!(cli.requests_to(GENERATE_TOKEN).await, 0);
    let answer = get_with_token(&cli, &public, None).await;
    assert!(answer.get("error").is_none(), "{answer}");

    let bad = cli
        .run(&["token", "demo", "--for", "ftp://example.com/x"])
        .await;
    bad.expect_code(2);
    let both = cli
        .run(&["token", "demo", "--for", &public, "--check"])
        .await;
    both.expect_code(2);
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn an_app_credentials_profile_sends_its_app_token_to_the_federated_server_as_it_is() {
    let cli = Cli::start(&[]).await;
    add_app_profile(&cli, "app").await;
    let app_token = cli.token("app", &[]).await;
    cli.reset_request_counts().await;
    let run = cli
        .run(&["token", "app", "--for", &service(&cli, "server")])
        .await;
    run.ok().says(&["app token or API key"]);
    assert_eq!(run.single_line(), app_token);
    assert_eq!(cli.requests_to(GENERATE_TOKEN).await, 0);
    assert_served(
        &call(
            &cli,
            "/server/rest/services/Demo/MapServer",
            &app_token,
            None,
        )
        .await,
    );
    cli.assert_no_secret_leaked();
}
