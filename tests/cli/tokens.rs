#![cfg(feature = "system-tests")]
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `tokendesk token|header|logout|status|profile` as a black box against
//! `tokendesk demo-portal`, with the real throw-away keyring.
//!
//!     scripts/with-test-session cargo test --features system-tests --test cli tokens::

use crate::common::cli::{APP, Cli};
use serde_json::Value;
use tokendesk::store::SecretKind;

#[tokio::test]
async fn token_prints_exactly_one_line_that_the_protected_service_and_community_self_accept() {
    let cli = Cli::start(&[]).await;
    cli.signed_in("demo").await;
    let run = cli.run(&["token", "demo"]).await;
    run.ok();
    let token = run.single_line();
    cli.assert_token_works(&token).await;
    let me = cli.community_self(&token).await;
    assert_eq!(me["fullName"], "Demo Analyst", "{me}");
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn header_prints_the_profiles_preferred_line_and_either_style_on_request() {
    let cli = Cli::start(&[]).await;
    cli.signed_in("demo").await;

    let default = cli.run(&["header", "demo"]).await;
    default.ok();
    let line = default.single_line();
    let token = line
        .strip_prefix("Authorization: Bearer ")
        .unwrap_or_else(|| panic!("bearer is the default style: {default}"));
    let answer = cli
        .service_with("Authorization", &format!("Bearer {token}"))
        .await;
    assert!(answer.get("error").is_none(), "{answer}");

    let esri = cli.run(&["header", "demo", "--style", "esri"]).await;
    esri.ok();
    let line = esri.single_line();
    let token = line
        .strip_prefix("X-Esri-Authorization: Bearer ")
        .unwrap_or_else(|| panic!("{esri}"));
    let answer = cli
        .service_with("X-Esri-Authorization", &format!("Bearer {token}"))
        .await;
    assert!(answer.get("error").is_none(), "{answer}");

    let bearer = cli.run(&["header", "demo", "--style", "bearer"]).await;
    bearer.ok();
    assert!(
        bearer.single_line().starts_with("Authorization: Bearer "),
        "{bearer}"
    );

    // A profile that prefers the Esri header prints it by default.
    cli.add_profile("esri", &["--header", "esri"]).await;
    cli.login("esri").await;
    let preferred = cli.run(&["header", "esri"]).await;
    preferred.ok();
    assert!(
        preferred
            .single_line()
            .starts_with("X-Esri-Authorization: Bearer "),
        "{preferred}"
    );
    let bad = cli.run(&["header", "demo", "--style", "basic"]).await;
    bad.expect_code(2);
    assert!(bad.stdout.is_empty(), "{bad}");
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn a_new_process_prints_a_valid_token_without_opening_any_browser() {
    let cli = Cli::start(&[]).await;
    cli.signed_in("demo").await;
    assert_eq!(cli.browser_visits(), 1);
    for _ in 0..3 {
        let token = cli.token("demo", &[]).await;
        cli.assert_token_works(&token).await;
    }
    let header = cli.run(&["header", "demo"]).await;
    header.ok();
    assert_eq!(
        cli.browser_visits(),
        1,
        "no sign-in after the first: {}",
        cli.browser_log()
    );
    let status = cli.status("demo").await;
    assert_eq!(status["state"], "valid", "{status}");
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn token_refresh_prints_a_new_token_that_works_and_keeps_the_session() {
    let cli = Cli::start(&[]).await;
    cli.signed_in("demo").await;
    let before = cli.token("demo", &[]).await;
    let refreshed = cli.token("demo", &["--refresh"]).await;
    assert_ne!(refreshed, before, "--refresh renews the token now");
    cli.assert_token_works(&refreshed).await;
    let after = cli.token("demo", &[]).await;
    cli.assert_token_works(&after).await;
    let status = cli.status("demo").await;
    assert_eq!(status["state"], "valid", "{status}");
    assert!(!status["last_refresh_at"].is_null(), "{status}");
    assert_eq!(cli.browser_visits(), 1);
    cli.refresh_token("demo").await;
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn after_the_refresh_token_is_revoked_token_refresh_exits_3_and_says_to_sign_in_again() {
    let cli = Cli::start(&[]).await;
    cli.signed_in("demo").await;
    let token = cli.token("demo", &[]).await;
    let refresh_token = cli.refresh_token("demo").await;
    cli.revoke(&refresh_token).await;
    cli.assert_token_refused(&token).await;

    let run = cli.run(&["token", "demo", "--refresh"]).await;
    run.expect_code(3)
        .says_one_of(&["sign in", "log in"])
        .says(&["login demo"]);
    assert!(run.stdout.is_empty(), "no token on stdout: {run}");

    let check = cli.run(&["token", "demo", "--check"]).await;
    check.expect_code(3).says_one_of(&["sign in", "log in"]);
    assert!(check.stdout.is_empty(), "no token on stdout: {check}");

    let status = cli.status("demo").await;
    assert_eq!(status["state"], "needs_sign_in", "{status}");
    // Known dead: the stored access token (killed with its refresh token) is not handed out.
    for args in [&["token", "demo"][..], &["header", "demo"]] {
        let run = cli.run(args).await;
        run.expect_code(3).says(&["login demo"]);
        assert!(run.stdout.is_empty(), "{run}");
    }

    // Signing in again brings the profile back.
    cli.login("demo").await;
    let token = cli.token("demo", &[]).await;
    cli.assert_token_works(&token).await;
    cli.refresh_token("demo").await;
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn token_check_renews_at_once_when_the_portal_rejects_the_token() {
    let cli = Cli::start(&[]).await;
    cli.signed_in("demo").await;
    let token = cli.token("demo", &[]).await;
    // The next check of the token gets the portal's 498.
    cli.add_fault(serde_json::json!({
        "path": "/portal/sharing/rest/community/self",
        "kind": "invalid_token",
        "count": 1
    }))
    .await;
    let renewed = cli.token("demo", &["--check"]).await;
    assert_ne!(renewed, token, "a 498 renews the token at once");
    cli.assert_token_works(&renewed).await;
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn logout_revokes_deletes_the_secrets_and_then_token_exits_3() {
    let cli = Cli::start(&[]).await;
    cli.signed_in("demo").await;
    let token = cli.token("demo", &[]).await;
    let refresh_token = cli.refresh_token("demo").await;

    assert!(cli.refresh_token_works(&refresh_token).await);
    let run = cli.run(&["logout", "demo"]).await;
    run.ok();
    assert!(
        !cli.refresh_token_works(&refresh_token).await,
        "logout revokes the refresh token on the portal"
    );
    cli.assert_token_refused(&token).await;
    for kind in [SecretKind::RefreshToken, SecretKind::AccessToken] {
        assert_eq!(
            cli.keyring_secret("demo", kind).await,
            None,
            "logout deletes the {kind:?}"
        );
    }
    let after = cli.run(&["token", "demo"]).await;
    after.expect_code(3).says(&["login demo"]);
    assert!(after.stdout.is_empty(), "{after}");
    let header = cli.run(&["header", "demo"]).await;
    header.expect_code(3);
    assert!(header.stdout.is_empty(), "{header}");
    let status = cli.status("demo").await;
    assert_eq!(status["state"], "signed_out", "{status}");
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn token_before_any_sign_in_exits_3() {
    let cli = Cli::start(&[]).await;
    cli.add_profile("demo", &[]).await;
    let run = cli.run(&["token", "demo"]).await;
    run.expect_code(3).says(&["login demo"]);
    assert!(run.stdout.is_empty(), "{run}");
    // Signing out what was never signed in is not an error.
    cli.run(&["logout", "demo"]).await.ok();
}

#[tokio::test]
async fn an_unknown_profile_is_a_usage_error_for_every_command() {
    let cli = Cli::start(&[]).await;
    cli.add_profile("demo", &[]).await;
    for args in [
        &["token", "nope"][..],
        &["header", "nope"],
        &["logout", "nope"],
        &["status", "nope"],
        &["status", "nope", "--json"],
        &["profile", "show", "nope"],
        &["profile", "remove", "nope"],
    ] {
        let run = cli.run(args).await;
        run.expect_code(2).says(&["nope"]);
        assert!(run.stdout.is_empty(), "{run}");
    }
}

/// The JSON values of an object, flattened to strings, for "is it shown somewhere".
fn shows(object: &Value, text: &str) -> bool {
    object
        .as_object()
        .unwrap()
        .values()
        .any(|v| v.as_str().is_some_and(|s| s.contains(text)) || v.to_string().contains(text))
}

#[tokio::test]
async fn profiles_round_trip_through_add_list_show_and_remove() {
    let cli = Cli::start(&[]).await;
    let add = cli
        .add_profile(
            "demo",
            &["--expiration", "600", "--referer", "https://app.test"],
        )
        .await;
    add.says(&["added profile demo"]);
    assert!(add.stdout.is_empty(), "messages go to stderr: {add}");
    cli.add_profile("other", &["--method", "oob"]).await;

    let ca = cli.ca.to_str().unwrap().to_owned();
    let duplicate = cli
        .run(&[
            "profile",
            "add",
            "demo",
            "--url",
            &cli.portal_url,
            "--client-id",
            APP,
            "--ca-file",
            &ca,
        ])
        .await;
    duplicate.expect_code(2).says(&["demo"]);

    let list = cli.run(&["profile", "list"]).await;
    list.ok();
    let line = list
        .stdout
        .lines()
        .find(|l| l.contains("demo"))
        .unwrap_or_else(|| panic!("{list}"));
    assert!(
        line.contains(&cli.portal_url) || line.contains(&cli.origin),
        "{list}"
    );
    assert!(line.contains("browser"), "the method is listed: {list}");
    assert!(
        line.to_lowercase().contains("enterprise"),
        "the kind: {list}"
    );
    assert_eq!(
        list.stdout.lines().filter(|l| l.contains("other")).count(),
        1
    );

    let json = cli.run(&["profile", "list", "--json"]).await;
    json.ok();
    let array: Value = serde_json::from_str(&json.stdout).unwrap();
    let array = array
        .as_array()
        .unwrap_or_else(|| panic!("an array: {json}"));
    assert_eq!(array.len(), 2, "{json}");
    let demo = array.iter().find(|p| p["name"] == "demo").unwrap();
    assert!(shows(demo, &cli.origin), "the URL: {demo}");

    let show = cli.run(&["profile", "show", "demo", "--json"]).await;
    show.ok();
    let shown: Value = serde_json::from_str(&show.stdout).unwrap();
    assert_eq!(shown["name"], "demo", "{shown}");
    for value in [APP, "https://app.test", "600", cli.ca.to_str().unwrap()] {
        assert!(shows(&shown, value), "show --json has {value}: {shown}");
    }
    let text = cli.run(&["profile", "show", "demo"]).await;
    text.ok();
    for value in [APP, "https://app.test", "600", "demo"] {
        assert!(text.stdout.contains(value), "show has {value}: {text}");
    }

    let status = cli.run(&["status", "--json"]).await;
    status.ok();
    let all: Value = serde_json::from_str(&status.stdout).unwrap();
    let profiles = all["profiles"]
        .as_array()
        .unwrap_or_else(|| panic!("{all}"));
    assert_eq!(profiles.len(), 2, "{all}");
    for profile in profiles {
        crate::common::cli::assert_status_shape(profile);
        assert_eq!(profile["state"], "signed_out", "{profile}");
        assert!(profile["user"].is_null(), "{profile}");
    }

    cli.run(&["profile", "remove", "other"]).await.ok();
    let list = cli.run(&["profile", "list", "--json"]).await;
    let array: Value = serde_json::from_str(&list.stdout).unwrap();
    assert_eq!(array.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(array[0]["name"], "demo");
    let gone = cli.run(&["profile", "show", "other"]).await;
    gone.expect_code(2);
}

#[tokio::test]
async fn removing_a_signed_in_profile_signs_out_first() {
    let cli = Cli::start(&[]).await;
    cli.signed_in("demo").await;
    let refresh_token = cli.refresh_token("demo").await;
    // The keyring entry's identity, before the profile goes.
    let id = cli.profile_id("demo");

    assert!(cli.refresh_token_works(&refresh_token).await);
    cli.run(&["profile", "remove", "demo"]).await.ok();
    assert!(
        !cli.refresh_token_works(&refresh_token).await,
        "remove revokes the refresh token"
    );
    let left = Cli::secrets_left(id).await;
    assert!(
        left.is_empty(),
        "remove deletes every secret, left: {left:?}"
    );
    let token = cli.run(&["token", "demo"]).await;
    token.expect_code(2);
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn an_expired_refresh_token_makes_token_refresh_exit_3_asking_to_sign_in() {
    let cli = Cli::start(&["--refresh-token-minutes", "2"]).await;
    cli.signed_in("demo").await;
    let status = cli.status("demo").await;
    let refresh_expires = crate::common::cli::status_time(&status, "refresh_expires_at");
    let now = chrono::Utc::now();
    assert!(
        refresh_expires > now && refresh_expires < now + chrono::Duration::minutes(3),
        "status shows the portal's 2-minute refresh token: {status}"
    );
    // Past the refresh token's end on the portal.
    cli.advance_portal_clock(5 * 60).await;
    let run = cli.run(&["token", "demo", "--refresh"]).await;
    run.expect_code(3)
        .says_one_of(&["sign in", "log in"])
        .says(&["login demo"]);
    assert!(run.stdout.is_empty(), "{run}");
    let status = cli.status("demo").await;
    assert_eq!(status["state"], "needs_sign_in", "{status}");
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn the_profiles_expiration_sets_the_refresh_tokens_lifetime() {
    let cli = Cli::start(&[]).await;
    cli.add_profile("ten-hours", &["--expiration", "600"]).await;
    cli.login("ten-hours").await;
    let status = cli.status("ten-hours").await;
    let expires = crate::common::cli::status_time(&status, "refresh_expires_at");
    let expected = chrono::Utc::now() + chrono::Duration::minutes(600);
    assert!(
        (expires - expected).num_seconds().abs() < 120,
        "refresh token for 600 minutes: {status}"
    );

    cli.add_profile("forever", &["--expiration", "-1"]).await;
    cli.login("forever").await;
    let status = cli.status("forever").await;
    assert_eq!(status["state"], "valid", "{status}");
    assert!(
        status["refresh_expires_at"].is_null(),
        "a refresh token that never expires has no expiry: {status}"
    );
    let token = cli.token("forever", &["--refresh"]).await;
    cli.assert_token_works(&token).await;
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn a_fixed_loopback_redirect_signs_in_on_that_port_and_path() {
    let cli = Cli::start(&[]).await;
    let port = Cli::free_port();
    let redirect = format!("http://127.0.0.1:{port}/callback");
    cli.add_profile("fixed", &["--redirect", &redirect]).await;
    cli.login("fixed").await;
    let log = cli.browser_log();
    assert!(
        log.contains(&format!("redirected to http://127.0.0.1:{port}/callback?")),
        "{log}"
    );
    let token = cli.token("fixed", &[]).await;
    cli.assert_token_works(&token).await;
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn a_profile_given_the_portal_home_url_signs_in_like_the_rest_url() {
    let cli = Cli::start(&[]).await;
    let home = format!("{}/portal", cli.origin);
    let ca = cli.ca.to_str().unwrap().to_owned();
    cli.run(&[
        "profile",
        "add",
        "home",
        "--url",
        &home,
        "--client-id",
        APP,
        "--ca-file",
        &ca,
    ])
    .await
    .ok();
    cli.login("home").await;
    let token = cli.token("home", &[]).await;
    cli.assert_token_works(&token).await;
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn with_the_portal_down_token_still_hands_out_a_valid_token_and_refresh_exits_4() {
    let mut cli = Cli::start(&[]).await;
    cli.signed_in("demo").await;
    let token = cli.token("demo", &[]).await;
    cli.stop_portal().await;

    let offline = cli.token("demo", &[]).await;
    assert_eq!(
        offline, token,
        "the stored, still-valid token needs no portal"
    );
    let run = cli.run(&["token", "demo", "--refresh"]).await;
    run.expect_code(4).says(&["127.0.0.1"]);
    assert!(run.stdout.is_empty(), "{run}");
    let status = cli.status("demo").await;
    let state = status["state"].as_str().unwrap();
    assert!(
        !matches!(state, "signed_out" | "needs_sign_in"),
        "an unreachable portal does not end the session: {status}"
    );

    let check = cli.run(&["token", "demo", "--check"]).await;
    check.expect_code(4).says(&["127.0.0.1"]);
    assert!(
        check.stdout.is_empty(),
        "--check cannot vouch for the token without the portal: {check}"
    );

    // Signing out still works: the local secrets go, with a warning about the revocation.
    let refresh_token = cli.refresh_token("demo").await;
    assert!(!refresh_token.is_empty());
    let logout = cli.run(&["logout", "demo"]).await;
    logout.ok().says_one_of(&["revok", "warn"]);
    assert_eq!(
        cli.keyring_secret("demo", SecretKind::RefreshToken).await,
        None
    );
    cli.run(&["token", "demo"]).await.expect_code(3);
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn two_profiles_on_one_portal_are_independent() {
    let cli = Cli::start(&[]).await;
    cli.signed_in("one").await;
    cli.signed_in("two").await;
    let one = cli.token("one", &[]).await;
    let two = cli.token("two", &[]).await;
    assert_ne!(one, two);
    cli.run(&["logout", "one"]).await.ok();
    cli.assert_token_refused(&one).await;
    cli.assert_token_works(&two).await;
    assert_eq!(cli.token("two", &[]).await, two);
    let status = cli.status("two").await;
    assert_eq!(status["state"], "valid", "{status}");
    cli.run(&["token", "one"]).await.expect_code(3);
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn removing_a_profile_while_the_portal_is_down_still_deletes_its_secrets() {
    let mut cli = Cli::start(&[]).await;
    cli.signed_in("demo").await;
    cli.refresh_token("demo").await;
    let id = cli.profile_id("demo");
    cli.stop_portal().await;
    let run = cli.run(&["profile", "remove", "demo"]).await;
    run.ok().says_one_of(&["revok", "warn"]);
    let left = Cli::secrets_left(id).await;
    assert!(left.is_empty(), "secrets left behind: {left:?}");
    cli.run(&["profile", "show", "demo"]).await.expect_code(2);
    cli.assert_no_secret_leaked();
}

/// Real time has to pass here: the CLI has no clock to advance. The loop samples `token`
/// once a second (bounded) while 20-second access tokens come and go.
#[tokio::test]
async fn with_20_second_access_tokens_every_token_handed_out_works_and_renewal_comes_before_expiry()
{
    let cli = Cli::start(&["--access-token-seconds", "20"]).await;
    cli.signed_in("demo").await;
    let mut current = cli.token("demo", &[]).await;
    let mut expires =
        crate::common::cli::status_time(&cli.status("demo").await, "access_expires_at");
    let mut renewals = 0;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(75);
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    while renewals < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "only {renewals} renewals in 75 s of 20-second tokens"
        );
        tick.tick().await;
        let token = cli.token("demo", &[]).await;
        cli.assert_token_works(&token).await;
        if token != current {
            let status = cli.status("demo").await;
            let renewed = crate::common::cli::status_time(&status, "last_refresh_at");
            assert!(
                renewed < expires,
                "the token was renewed at {renewed}, after it had expired at {expires}"
            );
            renewals += 1;
            current = token;
            expires = crate::common::cli::status_time(&status, "access_expires_at");
        }
    }
    assert_eq!(cli.browser_visits(), 1);
    cli.refresh_token("demo").await;
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn a_ca_file_that_went_missing_is_a_local_failure_naming_the_file() {
    let cli = Cli::start(&[]).await;
    let ca = cli.home.path().join("portal-ca-copy.pem");
    std::fs::copy(&cli.ca, &ca).unwrap();
    let ca_arg = ca.to_str().unwrap().to_owned();
    cli.run(&[
        "profile",
        "add",
        "demo",
        "--url",
        &cli.portal_url,
        "--client-id",
        APP,
        "--ca-file",
        &ca_arg,
    ])
    .await
    .ok();
    cli.login("demo").await;
    std::fs::remove_file(&ca).unwrap();
    let run = cli.run(&["token", "demo", "--refresh"]).await;
    run.expect_code(1).says(&["portal-ca-copy.pem"]);
    assert!(run.stdout.is_empty(), "{run}");
    let status = cli.status("demo").await;
    assert!(
        !matches!(
            status["state"].as_str(),
            Some("signed_out" | "needs_sign_in")
        ),
        "a missing local file does not end the session: {status}"
    );
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn profile_add_derives_the_kind_from_the_url_and_applies_the_contract_defaults() {
    let cli = Cli::start(&[]).await;
    let server = format!("{}/server/rest/services", cli.origin);
    for (name, url, kind) in [
        ("online", "https://www.arcgis.com", "online"),
        ("org", "https://myorg.maps.arcgis.com", "online"),
        ("enterprise", cli.portal_url.as_str(), "enterprise"),
        ("server", server.as_str(), "server"),
    ] {
        // A server signs in with user name and password: no OAuth app there.
        let app: &[&str] = if kind == "server" {
            &[]
        } else {
            &["--client-id", APP]
        };
        let mut args = vec!["profile", "add", name, "--url", url];
        args.extend_from_slice(app);
        cli.run(&args).await.ok();
        let show = cli.run(&["profile", "show", name, "--json"]).await;
        show.ok();
        let shown: Value = serde_json::from_str(&show.stdout).unwrap();
        assert!(
            shown["kind"].to_string().to_lowercase().contains(kind),
            "{name}: kind {kind}: {shown}"
        );
    }
    let show = cli.run(&["profile", "show", "enterprise", "--json"]).await;
    let shown: Value = serde_json::from_str(&show.stdout).unwrap();
    assert!(shows(&shown, "20160"), "default expiration 20160: {shown}");
    assert!(
        shown.to_string().to_lowercase().contains("browser"),
        "default method browser: {shown}"
    );
    for bad in [
        &["profile", "add", "bad", "--url", "not a url"][..],
        &[
            "profile",
            "add",
            "bad",
            "--url",
            &cli.portal_url,
            "--kind",
            "nonsense",
        ],
        &[
            "profile",
            "add",
            "bad",
            "--url",
            &cli.portal_url,
            "--header",
            "basic",
        ],
        &[
            "profile",
            "add",
            "bad",
            "--url",
            &cli.portal_url,
            "--method",
            "carrier-pigeon",
        ],
    ] {
        let run = cli.run(bad).await;
        run.expect_code(2);
        assert!(run.stdout.is_empty(), "{run}");
    }
    let list = cli.run(&["profile", "list", "--json"]).await;
    let array: Value = serde_json::from_str(&list.stdout).unwrap();
    assert_eq!(
        array.as_array().unwrap().len(),
        4,
        "nothing bad was added: {list}"
    );
}

/// Real time has to pass here: the access token must expire while no TokenDesk runs (a
/// laptop asleep), so the next process finds it past its end.
#[tokio::test]
async fn a_new_process_after_the_access_token_expired_refreshes_silently() {
    let cli = Cli::start(&["--access-token-seconds", "20"]).await;
    cli.signed_in("demo").await;
    let old = cli.token("demo", &[]).await;
    let expires = crate::common::cli::status_time(&cli.status("demo").await, "access_expires_at");
    // The CLI dates the expiry from when it asked, the portal from when it answered, so
    // under load the portal may still accept the token a moment after the CLI's expiry:
    // wait (bounded) until the CLI's expiry has passed and the portal refuses the old token.
    let mut tick = tokio::time::interval(std::time::Duration::from_millis(200));
    loop {
        assert!(
            chrono::Utc::now() < expires + chrono::Duration::seconds(60),
            "the portal still accepts the old token a minute after it expired"
        );
        if chrono::Utc::now() > expires && cli.community_self(&old).await["error"]["code"] == 498 {
            break;
        }
        tick.tick().await;
    }
    let token = cli.token("demo", &[]).await;
    assert_ne!(token, old);
    cli.assert_token_works(&token).await;
    let status = cli.status("demo").await;
    assert_eq!(status["state"], "valid", "{status}");
    assert_eq!(cli.browser_visits(), 1, "no sign-in: {}", cli.browser_log());
    cli.assert_no_secret_leaked();
}
