//! Demo portal OAuth 2.0: authorize / sign-in pages, the four grants, revocation, API keys.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::demo::*;
use serde_json::{Value, json};
use tokendesk_demo_portal::DemoConfig;

fn token_url(demo: &Demo) -> String {
    demo.sharing("oauth2/token")
}

async fn exchange(demo: &Demo, code: &str, redirect: &str, verifier: &str) -> Value {
    demo.post(
        &token_url(demo),
        &[
            ("client_id", APP),
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect),
            ("code_verifier", verifier),
            ("f", "json"),
        ],
    )
    .await
}

async fn refresh(demo: &Demo, refresh_token: &str) -> Value {
    demo.post(
        &token_url(demo),
        &[
            ("client_id", APP),
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("f", "json"),
        ],
    )
    .await
}

async fn exchange_refresh(demo: &Demo, refresh_token: &str) -> Value {
    demo.post(
        &token_url(demo),
        &[
            ("client_id", APP),
            ("grant_type", "exchange_refresh_token"),
            ("refresh_token", refresh_token),
            ("redirect_uri", LOOPBACK),
            ("f", "json"),
        ],
    )
    .await
}

fn s(value: &Value) -> &str {
    value.as_str().unwrap()
}

#[tokio::test]
async fn a_pkce_s256_sign_in_returns_tokens_with_arcgis_lifetimes_and_echoes_the_state() {
    let demo = Demo::start().await;
    let state = r#"{"id":"abc","originalUrl":"https://test.com"}"#;
    let query = [
        ("client_id", APP),
        ("response_type", "code"),
        ("redirect_uri", LOOPBACK),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
        ("expiration", "20160"),
        ("state", state),
    ];
    let location = demo.sign_in(&query, "analyst", "tokendesk-demo").await;
    assert!(
        location.starts_with("http://127.0.0.1:48213/callback?code="),
        "{location}"
    );
    assert_eq!(query_param(&location, "state").as_deref(), Some(state));
    let code = query_param(&location, "code").unwrap();

    let tokens = exchange(&demo, &code, LOOPBACK, VERIFIER).await;
    assert_eq!(tokens["expires_in"], 1800);
    assert_eq!(tokens["username"], "analyst");
    assert_eq!(tokens["ssl"], true);
    let refresh_in = tokens["refresh_token_expires_in"].as_i64().unwrap();
    assert!(
        (1_209_590..=1_209_600).contains(&refresh_in),
        "{refresh_in}"
    );
    assert!(tokens["refresh_token"].is_string());

    let me = demo.community_self(s(&tokens["access_token"])).await;
    assert_eq!(me["username"], "analyst");
    assert_eq!(me["fullName"], "Demo Analyst");
    assert_eq!(me["role"], "org_publisher");
}

#[tokio::test]
async fn plain_pkce_accepts_the_verifier_itself_as_challenge() {
    let demo = Demo::start().await;
    let query = [
        ("client_id", APP),
        ("response_type", "code"),
        ("redirect_uri", LOOPBACK),
        ("code_challenge", VERIFIER),
        ("code_challenge_method", "plain"),
    ];
    let location = demo.sign_in(&query, "analyst", "tokendesk-demo").await;
    let code = query_param(&location, "code").unwrap();
    let tokens = exchange(&demo, &code, LOOPBACK, VERIFIER).await;
    assert!(tokens["access_token"].is_string(), "{tokens}");
}

#[tokio::test]
async fn a_reused_authorization_code_is_refused() {
    let demo = Demo::start().await;
    let code = demo.pkce_code(&[]).await;
    let first = exchange(&demo, &code, LOOPBACK, VERIFIER).await;
    assert!(first["access_token"].is_string());
    let second = exchange(&demo, &code, LOOPBACK, VERIFIER).await;
    assert_eq!(error_code(&second), Some(400), "{second}");
    assert_eq!(second["error"]["error"], "invalid_request");
    assert!(second.get("access_token").is_none());
}

#[tokio::test]
async fn a_wrong_code_verifier_is_refused_and_burns_the_code() {
    let demo = Demo::start().await;
    let code = demo.pkce_code(&[]).await;
    let wrong = exchange(&demo, &code, LOOPBACK, &"B".repeat(43)).await;
    assert_eq!(wrong["error"]["error_description"], "Invalid code_verifier");
    let retry = exchange(&demo, &code, LOOPBACK, VERIFIER).await;
    assert_eq!(
        retry["error"]["error_description"],
        "Invalid authorization code"
    );
}

#[tokio::test]
async fn a_code_is_bound_to_its_redirect_uri_and_its_client_id() {
    let demo = Demo::start().await;
    let code = demo.pkce_code(&[]).await;
    let other_redirect = exchange(&demo, &code, "http://127.0.0.1:48213/other", VERIFIER).await;
    assert_eq!(
        other_redirect["error"]["error_description"],
        "Invalid redirect_uri"
    );

    let code = demo.pkce_code(&[]).await;
    let other_client = demo
        .post(
            &token_url(&demo),
            &[
                ("client_id", "arcgispro"),
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", LOOPBACK),
                ("code_verifier", VERIFIER),
            ],
        )
        .await;
    assert_eq!(error_code(&other_client), Some(400), "{other_client}");
    assert!(other_client.get("access_token").is_none());
}

#[tokio::test]
async fn an_unregistered_redirect_uri_gets_an_html_error_page_and_no_redirect() {
    let demo = Demo::start().await;
    for redirect in [
        "https://evil.example/callback",
        "http://evil.example:48213/",
        "file:///tmp/x",
    ] {
        let (status, page) = demo
            .authorize(&[
                ("client_id", APP),
                ("response_type", "code"),
                ("redirect_uri", redirect),
            ])
            .await;
        assert_eq!(status, 400, "{redirect}");
        assert!(page.contains("Invalid redirect_uri"), "{page}");
        assert!(!page.contains("oAuthInfo"));
    }
}

#[tokio::test]
async fn loopback_any_port_can_be_switched_off() {
    let mut config = DemoConfig::default();
    config.behaviour.loopback_any_port = false;
    let demo = Demo::with(config).await;
    let (status, _) = demo
        .authorize(&[
            ("client_id", APP),
            ("response_type", "code"),
            ("redirect_uri", LOOPBACK),
        ])
        .await;
    assert_eq!(status, 400);
    let (status, _) = demo
        .authorize(&[
            ("client_id", APP),
            ("response_type", "code"),
            ("redirect_uri", "http://127.0.0.1/"),
        ])
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn an_unknown_client_id_gets_an_error_page_at_authorize_and_the_invalid_client_id_error_at_token()
 {
    let demo = Demo::start().await;
    let (status, page) = demo
        .authorize(&[
            ("client_id", "nobody"),
            ("response_type", "code"),
            ("redirect_uri", OOB),
        ])
        .await;
    assert_eq!(status, 400);
    assert!(page.contains("Invalid client_id"));
    let body = demo
        .post(
            &token_url(&demo),
            &[
                ("client_id", "nobody"),
                ("grant_type", "refresh_token"),
                ("refresh_token", "x"),
            ],
        )
        .await;
    assert_eq!(body, fixture("F07-oauth-error-invalid-client-id.json"));
}

#[tokio::test]
async fn the_deny_button_redirects_with_access_denied_and_the_state() {
    let demo = Demo::start().await;
    let (_, page) = demo
        .authorize(&[
            ("client_id", APP),
            ("response_type", "code"),
            ("redirect_uri", LOOPBACK),
            ("state", "s-1"),
        ])
        .await;
    assert!(page.contains("name=\"cancel\"") && page.contains("Deny"));
    assert!(page.contains("action=\"/portal/sharing/rest/oauth2/signin\""));
    let response = demo
        .signin(&oauth_state(&page), &[("cancel", "true")])
        .await;
    assert_eq!(response.status(), 302);
    let location = location(&response);
    assert_eq!(
        query_param(&location, "error").as_deref(),
        Some("access_denied")
    );
    assert_eq!(
        query_param(&location, "error_description").as_deref(),
        Some("The user has denied your request"),
        "word for word fixture R2"
    );
    assert_eq!(query_param(&location, "state").as_deref(), Some("s-1"));
    assert!(query_param(&location, "code").is_none());
}

#[tokio::test]
async fn a_wrong_password_shows_the_page_again_with_a_message_and_user_names_ignore_case() {
    let demo = Demo::start().await;
    let (_, page) = demo
        .authorize(&[
            ("client_id", APP),
            ("response_type", "code"),
            ("redirect_uri", OOB),
        ])
        .await;
    let state = oauth_state(&page);
    let response = demo
        .signin(
            &state,
            &[
                ("username", "analyst"),
                ("password", "wrong"),
                ("authorize", "true"),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
    let again = response.text().await.unwrap();
    assert!(
        again.contains(r#""messages":["Invalid username or password."]"#),
        "{again}"
    );
    assert_eq!(oauth_state(&again), state);

    let response = demo
        .signin(
            &state,
            &[
                ("username", "ANALYST"),
                ("password", "tokendesk-demo"),
                ("authorize", "true"),
            ],
        )
        .await;
    let approval = response.text().await.unwrap();
    assert!(approval.contains("<title>SUCCESS code="), "{approval}");
}

#[tokio::test]
async fn the_out_of_band_flow_shows_the_code_in_the_page_title() {
    let demo = Demo::start().await;
    let page = demo
        .sign_in(
            &[
                ("client_id", APP),
                ("response_type", "code"),
                ("redirect_uri", OOB),
            ],
            "analyst",
            "tokendesk-demo",
        )
        .await;
    let start = page.find("<title>SUCCESS code=").unwrap() + "<title>SUCCESS code=".len();
    let code = &page[start..start + page[start..].find("</title>").unwrap()];
    let tokens = demo
        .post(
            &token_url(&demo),
            &[
                ("client_id", APP),
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", OOB),
            ],
        )
        .await;
    assert_eq!(tokens["username"], "analyst", "{tokens}");
}

#[tokio::test]
async fn the_implicit_flow_puts_a_clamped_token_in_the_fragment() {
    let demo = Demo::start().await;
    let location = demo
        .sign_in(
            &[
                ("client_id", APP),
                ("response_type", "token"),
                ("redirect_uri", LOOPBACK),
                ("expiration", "999999"),
                ("state", "st"),
            ],
            "analyst",
            "tokendesk-demo",
        )
        .await;
    assert!(location.contains('#'), "{location}");
    assert_eq!(
        fragment_param(&location, "expires_in").as_deref(),
        Some("1209600")
    );
    assert_eq!(
        fragment_param(&location, "username").as_deref(),
        Some("analyst")
    );
    assert_eq!(fragment_param(&location, "ssl").as_deref(), Some("true"));
    assert_eq!(fragment_param(&location, "state").as_deref(), Some("st"));
    let token = fragment_param(&location, "access_token").unwrap();
    assert_eq!(demo.community_self(&token).await["username"], "analyst");
}

#[tokio::test]
async fn a_refresh_token_grant_returns_only_a_new_access_token() {
    let demo = Demo::start().await;
    let tokens = demo.pkce_tokens(&[]).await;
    let refreshed = refresh(&demo, s(&tokens["refresh_token"])).await;
    assert_eq!(refreshed["expires_in"], 1800);
    assert_eq!(refreshed["username"], "analyst");
    // Exactly fixture F04's keys.
    let keys: Vec<&String> = refreshed.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["access_token", "expires_in", "username"],
        "{refreshed}"
    );
    assert_ne!(refreshed["access_token"], tokens["access_token"]);
    assert_eq!(
        demo.community_self(s(&refreshed["access_token"])).await["username"],
        "analyst"
    );
}

#[tokio::test]
async fn access_tokens_expire_when_the_clock_passes_their_lifetime() {
    let mut config = DemoConfig::default();
    config.lifetimes.access_token_seconds = 20;
    let demo = Demo::with(config).await;
    let tokens = demo.pkce_tokens(&[]).await;
    assert_eq!(tokens["expires_in"], 20);
    let token = s(&tokens["access_token"]);
    assert_eq!(demo.community_self(token).await["username"], "analyst");
    demo.advance(21).await;
    let expired = demo.community_self(token).await;
    assert_eq!(expired, fixture("F13-invalid-token-portal.json"));
}

#[tokio::test]
async fn an_expired_refresh_token_is_refused_with_the_arcgis_error() {
    let demo = Demo::start().await;
    let tokens = demo.pkce_tokens(&[("expiration", "10")]).await;
    let remaining = tokens["refresh_token_expires_in"].as_i64().unwrap();
    assert!((599..=600).contains(&remaining), "{tokens}");
    demo.advance(601).await;
    let body = refresh(&demo, s(&tokens["refresh_token"])).await;
    assert_eq!(body, fixture("F08-oauth-error-refresh-token-expired.json"));
}

#[tokio::test]
async fn exchanging_a_refresh_token_gives_a_fresh_window_of_the_same_lifetime_and_kills_the_old_tokens()
 {
    let demo = Demo::start().await;
    let tokens = demo.pkce_tokens(&[("expiration", "120")]).await;
    let old_refresh = s(&tokens["refresh_token"]).to_string();
    let from_refresh = refresh(&demo, &old_refresh).await;
    demo.advance(600).await;

    let exchanged = exchange_refresh(&demo, &old_refresh).await;
    let remaining = exchanged["refresh_token_expires_in"].as_i64().unwrap();
    // 120 minutes again, counted from the exchange (not the 6600 s the old token had left).
    assert!((7199..=7200).contains(&remaining), "{exchanged}");
    assert_eq!(exchanged["expires_in"], 1800);
    assert_eq!(exchanged["username"], "analyst");
    assert_ne!(exchanged["refresh_token"], tokens["refresh_token"]);

    let reuse = refresh(&demo, &old_refresh).await;
    assert_eq!(
        reuse["error"]["error_description"], "Invalid refresh_token",
        "{reuse}"
    );
    assert_eq!(reuse["error"]["code"], 498);
    for dead in [&tokens["access_token"], &from_refresh["access_token"]] {
        assert_eq!(error_code(&demo.community_self(s(dead)).await), Some(498));
    }
    assert_eq!(
        demo.community_self(s(&exchanged["access_token"])).await["username"],
        "analyst"
    );
    let again = refresh(&demo, s(&exchanged["refresh_token"])).await;
    assert!(again["access_token"].is_string());
}

#[tokio::test]
async fn an_exchange_without_redirect_uri_is_refused() {
    let demo = Demo::start().await;
    let tokens = demo.pkce_tokens(&[]).await;
    let body = demo
        .post(
            &token_url(&demo),
            &[
                ("client_id", APP),
                ("grant_type", "exchange_refresh_token"),
                ("refresh_token", s(&tokens["refresh_token"])),
            ],
        )
        .await;
    assert_eq!(
        body["error"]["error_description"],
        "redirect_uri not specified"
    );
    assert!(refresh(&demo, s(&tokens["refresh_token"])).await["access_token"].is_string());
}

#[tokio::test]
async fn revoking_a_refresh_token_stops_it_and_the_access_tokens_issued_from_it() {
    let demo = Demo::start().await;
    let tokens = demo.pkce_tokens(&[]).await;
    let revoke_url = demo.sharing("oauth2/revokeToken/");
    let body = demo
        .post(
            &revoke_url,
            &[
                ("client_id", APP),
                ("auth_token", s(&tokens["refresh_token"])),
                ("f", "json"),
            ],
        )
        .await;
    assert_eq!(body, json!({"success": true}));
    assert_eq!(
        refresh(&demo, s(&tokens["refresh_token"])).await["error"]["code"],
        498
    );
    assert_eq!(
        error_code(&demo.community_self(s(&tokens["access_token"])).await),
        Some(498)
    );

    let garbage = demo
        .post(
            &revoke_url,
            &[
                ("client_id", APP),
                ("auth_token", "nonsense"),
                ("f", "json"),
            ],
        )
        .await;
    assert_eq!(garbage, json!({"success": true}));
    let get = demo
        .get(&revoke_url, &[("auth_token", "x"), ("f", "json")])
        .await;
    assert!(
        get.get("success").is_none(),
        "revokeToken is POST only: {get}"
    );
}

#[tokio::test]
async fn revoking_an_access_token_stops_only_that_token() {
    let demo = Demo::start().await;
    let tokens = demo.pkce_tokens(&[]).await;
    let second = refresh(&demo, s(&tokens["refresh_token"])).await;
    demo.post(
        &demo.sharing("oauth2/revokeToken"),
        &[
            ("client_id", APP),
            ("auth_token", s(&tokens["access_token"])),
            ("f", "json"),
        ],
    )
    .await;
    assert_eq!(
        error_code(&demo.community_self(s(&tokens["access_token"])).await),
        Some(498)
    );
    assert_eq!(
        demo.community_self(s(&second["access_token"])).await["username"],
        "analyst"
    );
}

#[tokio::test]
async fn client_credentials_gives_a_clamped_app_token_without_refresh_token_or_username() {
    let demo = Demo::start().await;
    let body = demo
        .post(
            &token_url(&demo),
            &[
                ("client_id", "tokendesk-demo-app"),
                ("client_secret", "demo-app-secret"),
                ("grant_type", "client_credentials"),
                ("expiration", "99999"),
                ("f", "json"),
            ],
        )
        .await;
    assert_eq!(body["expires_in"], 20160 * 60);
    assert!(
        body.get("refresh_token").is_none() && body.get("username").is_none(),
        "{body}"
    );
    let token = s(&body["access_token"]);
    let me = demo
        .get(
            &demo.sharing("portals/self"),
            &[("f", "json"), ("token", token)],
        )
        .await;
    assert_eq!(me["appInfo"]["appId"], "tokendesk-demo-app");
    assert!(me.get("user").is_none());
    assert_eq!(error_code(&demo.community_self(token).await), Some(403));

    let wrong = demo
        .post(
            &token_url(&demo),
            &[
                ("client_id", "tokendesk-demo-app"),
                ("client_secret", "nope"),
                ("grant_type", "client_credentials"),
            ],
        )
        .await;
    assert_eq!(wrong["error"]["error"], "invalid_client");
}

#[tokio::test]
async fn api_keys_carry_their_slot_expire_with_the_item_and_can_be_regenerated_or_invalidated() {
    let demo = Demo::start().await;
    let mint = |slot: &'static str, regenerate: &'static str| {
        let demo = &demo;
        async move {
            demo.post(
                &token_url(demo),
                &[
                    ("client_id", "tokendesk-demo-apikeys"),
                    ("client_secret", "demo-apikey-secret"),
                    ("grant_type", "client_credentials"),
                    ("apiToken", slot),
                    ("regenerateApiToken", regenerate),
                    ("f", "json"),
                ],
            )
            .await
        }
    };
    let one = mint("1", "true").await;
    let key = s(&one["access_token"]).to_string();
    assert!(key.starts_with("AAPT"));
    assert_eq!(&key[key.len() - 10..key.len() - 9], "1");
    let expires_in = one["expires_in"].as_i64().unwrap();
    assert!(
        (365 * 86400 - 60..=365 * 86400).contains(&expires_in),
        "{one}"
    );
    let two = mint("2", "true").await;
    let key2 = s(&two["access_token"]).to_string();
    assert_eq!(&key2[key2.len() - 10..key2.len() - 9], "2");

    let me = demo
        .get(
            &demo.sharing("portals/self"),
            &[("f", "json"), ("token", &key)],
        )
        .await;
    assert_eq!(me["appInfo"]["appId"], "tokendesk-demo-apikeys");

    let same = mint("1", "false").await;
    assert_eq!(same["access_token"], one["access_token"]);
    let regenerated = mint("1", "true").await;
    assert_ne!(regenerated["access_token"], one["access_token"]);
    let old = demo
        .get(
            &demo.sharing("portals/self"),
            &[("f", "json"), ("token", &key)],
        )
        .await;
    assert_eq!(error_code(&old), Some(498));

    demo.post(
        &demo.sharing("oauth2/revokeToken"),
        &[
            ("client_id", "tokendesk-demo-apikeys"),
            ("client_secret", "demo-apikey-secret"),
            ("apiToken", "2"),
        ],
    )
    .await;
    let revoked = demo
        .get(
            &demo.sharing("portals/self"),
            &[("f", "json"), ("token", &key2)],
        )
        .await;
    assert_eq!(error_code(&revoked), Some(498));

    demo.advance(31 * 86400).await;
    let expired_slot = mint("2", "true").await;
    assert_eq!(error_code(&expired_slot), Some(400), "{expired_slot}");
}

#[tokio::test]
async fn a_legacy_api_key_from_the_seed_never_expires() {
    let demo = Demo::start().await;
    let key = "AAPKtokendeskDemoLegacyKeyThatNeverExpires0000000000";
    demo.advance(3 * 365 * 86400).await;
    let me = demo
        .get(
            &demo.sharing("portals/self"),
            &[("f", "json"), ("token", key)],
        )
        .await;
    assert_eq!(me["appInfo"]["appId"], "tokendesk-demo-apikeys", "{me}");
}
