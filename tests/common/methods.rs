//! What the credential-method CLI tests (`tests/cli_methods_*.rs`) share on top of
//! [`super::cli`]: running `tokendesk` with a secret piped on stdin, minting API keys on the
//! demo portal, and calling the protected services with chosen headers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};

use crate::common::cli::Cli;
use crate::common::cli::process::Run;

/// The demo portal's API key credential and its secret.
pub const KEY_APP: &str = "tokendesk-demo-apikeys";
pub const KEY_APP_SECRET: &str = "demo-apikey-secret";
/// The confidential app for client_credentials and its secret.
pub const APP: &str = "tokendesk-demo-app";
pub const APP_SECRET: &str = "demo-app-secret";
/// The stand-alone server's users (its own user store; the seed's passwords).
pub const SERVER_USER: &str = "analyst";
pub const SERVER_PASSWORD: &str = "tokendesk-demo";
pub const SERVER_ADMIN: &str = "portaladmin";
pub const SERVER_ADMIN_PASSWORD: &str = "tokendesk-admin";
/// Canonical request-count paths.
pub const GENERATE_TOKEN: &str = "/portal/sharing/rest/generateToken";
pub const TOKEN_PATH: &str = "/portal/sharing/rest/oauth2/token";

/// `tokendesk ARGS` with `stdin` piped in and then closed (as `printf %s … | tokendesk`).
pub async fn piped(cli: &Cli, args: &[&str], stdin: &str) -> Run {
    let mut running = cli.tokendesk(args).piped_stdin().spawn();
    running.write_stdin(stdin).await;
    drop(running.child.stdin.take());
    running.finish().await
}

/// `profile add NAME --url <portal> --ca-file <ca> EXTRA…` with `stdin` piped.
pub async fn add_portal_profile(cli: &Cli, name: &str, extra: &[&str], stdin: &str) -> Run {
    let ca = cli.ca.to_str().unwrap().to_owned();
    let mut args = vec![
        "profile",
        "add",
        name,
        "--url",
        &cli.portal_url,
        "--ca-file",
        &ca,
    ];
    args.extend_from_slice(extra);
    piped(cli, &args, stdin).await
}

/// `profile add NAME` of the demo's confidential app (app credentials), its secret piped in
/// and recorded as a secret; asserts success.
pub async fn add_app_profile(cli: &Cli, name: &str) {
    cli.secret(APP_SECRET);
    add_portal_profile(
        cli,
        name,
        &["--method", "app-credentials", "--client-id", APP],
        APP_SECRET,
    )
    .await
    .ok();
}

/// Mints (or reads) the demo credential's key in `slot` (1: a year, 2: 30 days).
pub async fn mint_api_key(cli: &Cli, slot: u8) -> String {
    cli.secret(KEY_APP_SECRET);
    let answer: Value = cli
        .http
        .post(format!("{}/oauth2/token", cli.portal_url))
        .form(&[
            ("client_id", KEY_APP),
            ("client_secret", KEY_APP_SECRET),
            ("grant_type", "client_credentials"),
            ("apiToken", &slot.to_string()),
            ("f", "json"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = answer["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("{answer}"));
    cli.secret(key);
    key.to_owned()
}

/// GETs `path` (under the origin, e.g. `/gis/rest/services/Demo/MapServer`) with `token` as
/// `Authorization: Bearer` and the given `Referer` (none when `None`); the JSON answer.
pub async fn call(cli: &Cli, path: &str, token: &str, referer: Option<&str>) -> Value {
    let mut request = cli
        .http
        .get(format!("{}{path}", cli.origin))
        .query(&[("f", "json")])
        .header("Authorization", format!("Bearer {token}"));
    if let Some(referer) = referer {
        request = request.header("Referer", referer);
    }
    request.send().await.unwrap().json().await.unwrap()
}

/// The federated server's protected service and the stand-alone server's.
pub const FEDERATED_SERVICE: &str = "/server/rest/services/Demo/MapServer";
pub const STANDALONE_SERVICE: &str = "/gis/rest/services/Demo/MapServer";

/// Asserts the answer is the service, not an error.
pub fn assert_served(answer: &Value) {
    assert!(
        answer.get("error").is_none(),
        "the service refuses: {answer}"
    );
    assert_eq!(answer["mapName"], "Demo", "{answer}");
}

/// Asserts the answer is a 498 error.
pub fn assert_invalid_token(answer: &Value) {
    assert_eq!(
        answer["error"]["code"],
        json!(498),
        "expected 498: {answer}"
    );
}
