//! What the ArcGIS client puts on the wire, checked against a local HTTPS server: the exact
//! parameters and units of every grant and generateToken variant, form encoding with
//! `f=json`, no secret in a query string, the Referer header, no redirects followed, the
//! custom CA file, and how broken answers are classified.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::https::{Canned, Recorded, TestServer};
use chrono::{DateTime, Duration};
use tokendesk::arcgis::generate_token::{
    ClientBinding, FederatedTokenRequest, PasswordTokenRequest, admin_generate_token,
    federated_server_token, portal_generate_token, server_generate_token,
};
use tokendesk::arcgis::info::{community_self, portal_info, portal_self, server_info};
use tokendesk::arcgis::oauth::{Grant, RedirectUri, TokenTypeHint, request_token, revoke_token};
use tokendesk::arcgis::time::Expiration;
use tokendesk::arcgis::url::token_service_endpoint;
use tokendesk::arcgis::{ArcGisClient, ClientOptions, ErrorKind, Instant, PortalUrl, ServerUrl};
use tokendesk::secret::Secret;

const TOKEN_PATH: &str = "/portal/sharing/rest/oauth2/token";
const F02: &str = include_str!("../fixtures/arcgis/F02-oauth-token-pkce-code-exchange.json");
/// Fixture F09's shape (a generateToken answer), expiring an hour after [`now`]: the
/// captured one ended in 2017, and a token that arrives expired is refused.
const F09: &str = r#"{"token":"MYTOKEN","expires":1700003600000,"ssl":false}"#;

fn now() -> Instant {
    DateTime::from_timestamp(1_700_000_000, 0).unwrap()
}

fn client(server: &TestServer) -> ArcGisClient {
    ArcGisClient::new(&ClientOptions {
        ca_file: Some(server.ca_file().to_owned()),
        ..ClientOptions::default()
    })
    .unwrap()
}

fn portal(server: &TestServer) -> PortalUrl {
    PortalUrl::parse(&server.url("/portal/home")).unwrap()
}

fn arcgis_server(server: &TestServer) -> ServerUrl {
    ServerUrl::parse(&server.url("/arcgis/rest/services")).unwrap()
}

/// POST, form-encoded, `f=json`, nothing in the query string.
fn assert_form_post(request: &Recorded) {
    assert_eq!(request.method, "POST");
    assert_eq!(
        request.query, None,
        "nothing may travel in the query string"
    );
    assert_eq!(
        request.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(request.field("f"), Some("json"));
}

fn secret<R>(value: &str) -> Secret<String, R> {
    Secret::new(value.to_owned())
}

#[tokio::test]
async fn the_authorization_code_grant_sends_code_verifier_and_redirect_uri_in_the_body() {
    let server = TestServer::start_at(now()).await;
    server.respond_json(TOKEN_PATH, F02);
    let redirect = RedirectUri::Loopback {
        port: 53682,
        path: "/callback".to_owned(),
    };
    let grant = Grant::AuthorizationCode {
        code: &secret("the-code"),
        redirect_uri: &redirect,
        code_verifier: &secret("the-verifier"),
    };
    let tokens = request_token(&client(&server), &portal(&server), "app-id", &grant, now())
        .await
        .unwrap();

    let request = server.only_request_to(TOKEN_PATH);
    assert_form_post(&request);
    assert_eq!(
        request.field_names(),
        [
            "client_id",
            "grant_type",
            "code",
            "redirect_uri",
            "code_verifier",
            "f"
        ]
    );
    assert_eq!(request.field("client_id"), Some("app-id"));
    assert_eq!(request.field("grant_type"), Some("authorization_code"));
    assert_eq!(request.field("code"), Some("the-code"));
    assert_eq!(
        request.field("redirect_uri"),
        Some("http://127.0.0.1:53682/callback")
    );
    assert_eq!(request.field("code_verifier"), Some("the-verifier"));
    assert_eq!(tokens.expires_at, now() + Duration::seconds(1800));
    assert_eq!(
        tokens.refresh_token_expires_at,
        Some(now() + Duration::seconds(1_209_600))
    );
}

#[tokio::test]
async fn the_refresh_token_grant_sends_only_client_id_and_refresh_token() {
    let server = TestServer::start_at(now()).await;
    server.respond_json(
        TOKEN_PATH,
        include_str!("../fixtures/arcgis/F04-oauth-token-refresh-token-grant.json"),
    );
    let grant = Grant::RefreshToken {
        refresh_token: &secret("rt-1"),
    };
    let tokens = request_token(&client(&server), &portal(&server), "app-id", &grant, now())
        .await
        .unwrap();
    let request = server.only_request_to(TOKEN_PATH);
    assert_form_post(&request);
    assert_eq!(
        request.field_names(),
        ["client_id", "grant_type", "refresh_token", "f"]
    );
    assert_eq!(request.field("grant_type"), Some("refresh_token"));
    assert_eq!(request.field("refresh_token"), Some("rt-1"));
    assert!(tokens.refresh_token.is_none());
    assert_eq!(tokens.expires_at, now() + Duration::seconds(60));
}

#[tokio::test]
async fn the_exchange_refresh_token_grant_sends_the_redirect_uri_too() {
    let server = TestServer::start_at(now()).await;
    server.respond_json(
        TOKEN_PATH,
        include_str!("../fixtures/arcgis/F03-oauth-token-exchange-refresh-token.json"),
    );
    let grant = Grant::ExchangeRefreshToken {
        refresh_token: &secret("rt-old"),
        redirect_uri: &RedirectUri::OutOfBand,
    };
    let tokens = request_token(&client(&server), &portal(&server), "app-id", &grant, now())
        .await
        .unwrap();
    let request = server.only_request_to(TOKEN_PATH);
    assert_form_post(&request);
    assert_eq!(
        request.field_names(),
        [
            "client_id",
            "grant_type",
            "refresh_token",
            "redirect_uri",
            "f"
        ]
    );
    assert_eq!(request.field("grant_type"), Some("exchange_refresh_token"));
    assert_eq!(request.field("refresh_token"), Some("rt-old"));
    assert_eq!(
        request.field("redirect_uri"),
        Some("urn:ietf:wg:oauth:2.0:oob")
    );
    assert!(tokens.refresh_token.is_some());
    assert_eq!(
        tokens.refresh_token_expires_at,
        Some(now() + Duration::seconds(7199))
    );
}

#[tokio::test]
async fn the_client_credentials_grant_sends_the_secret_in_the_body_and_expiration_in_minutes() {
    let server = TestServer::start_at(now()).await;
    server.respond_json(
        TOKEN_PATH,
        include_str!("../fixtures/arcgis/F05-oauth-token-client-credentials.json"),
    );
    let grant = Grant::ClientCredentials {
        client_secret: &secret("app-secret"),
        expiration: Some(Expiration::from_duration(std::time::Duration::from_secs(
            2 * 3600,
        ))),
    };
    request_token(&client(&server), &portal(&server), "app-id", &grant, now())
        .await
        .unwrap();
    let request = server.only_request_to(TOKEN_PATH);
    assert_form_post(&request);
    assert_eq!(
        request.field_names(),
        [
            "client_id",
            "grant_type",
            "client_secret",
            "expiration",
            "f"
        ]
    );
    assert_eq!(request.field("grant_type"), Some("client_credentials"));
    assert_eq!(request.field("client_secret"), Some("app-secret"));
    assert_eq!(request.field("expiration"), Some("120"));
}

#[tokio::test]
async fn revoke_token_posts_auth_token_client_id_and_hint() {
    let server = TestServer::start_at(now()).await;
    let path = "/portal/sharing/rest/oauth2/revokeToken";
    server.respond_json(
        path,
        include_str!("../fixtures/arcgis/F20d-revoke-token-success.json"),
    );
    revoke_token(
        &client(&server),
        &portal(&server),
        "app-id",
        &secret::<tokendesk::secret::role::RefreshToken>("rt-9"),
        TokenTypeHint::RefreshToken,
        now(),
    )
    .await
    .unwrap();
    let request = server.only_request_to(path);
    assert_form_post(&request);
    assert_eq!(
        request.field_names(),
        ["client_id", "auth_token", "token_type_hint", "f"]
    );
    assert_eq!(request.field("auth_token"), Some("rt-9"));
    assert_eq!(request.field("token_type_hint"), Some("refresh_token"));
}

#[tokio::test]
async fn revoke_token_answered_with_success_false_is_an_error() {
    let server = TestServer::start_at(now()).await;
    server.respond_json(
        "/portal/sharing/rest/oauth2/revokeToken",
        r#"{"success": false}"#,
    );
    let err = revoke_token(
        &client(&server),
        &portal(&server),
        "app-id",
        &secret::<tokendesk::secret::role::RefreshToken>("rt-9"),
        TokenTypeHint::AccessToken,
        now(),
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnexpectedResponse);
    assert!(err.to_string().contains("revoking the token"), "{err}");
}

fn password_request(client: ClientBinding) -> PasswordTokenRequest {
    PasswordTokenRequest {
        username: "analyst".to_owned(),
        password: secret("tokendesk-demo"),
        client,
        expiration: Expiration::Minutes(60),
    }
}

#[tokio::test]
async fn portal_generate_token_with_a_referer_sends_it_as_field_and_header() {
    let server = TestServer::start_at(now()).await;
    let path = "/portal/sharing/rest/generateToken";
    server.respond_json(path, F09);
    let request = password_request(ClientBinding::Referer("https://app.example.com".to_owned()));
    let token = portal_generate_token(&client(&server), &portal(&server), &request, now())
        .await
        .unwrap();
    let recorded = server.only_request_to(path);
    assert_form_post(&recorded);
    assert_eq!(
        recorded.field_names(),
        [
            "username",
            "password",
            "client",
            "referer",
            "expiration",
            "f"
        ]
    );
    assert_eq!(recorded.field("username"), Some("analyst"));
    assert_eq!(recorded.field("password"), Some("tokendesk-demo"));
    assert_eq!(recorded.field("client"), Some("referer"));
    assert_eq!(recorded.field("referer"), Some("https://app.example.com"));
    assert_eq!(recorded.field("expiration"), Some("60"));
    assert_eq!(recorded.header("referer"), Some("https://app.example.com"));
    assert_eq!(token.expires_at.timestamp_millis(), 1_700_003_600_000);
    assert_eq!(token.ssl, Some(false));
}

#[tokio::test]
async fn portal_generate_token_bound_to_an_ip_sends_client_ip_and_no_referer_header() {
    let server = TestServer::start_at(now()).await;
    let path = "/portal/sharing/rest/generateToken";
    server.respond_json(path, F09);
    let request = password_request(ClientBinding::Ip("192.0.2.7".parse().unwrap()));
    portal_generate_token(&client(&server), &portal(&server), &request, now())
        .await
        .unwrap();
    let recorded = server.only_request_to(path);
    assert_form_post(&recorded);
    assert_eq!(recorded.field("client"), Some("ip"));
    assert_eq!(recorded.field("ip"), Some("192.0.2.7"));
    assert_eq!(recorded.header("referer"), None);
}

#[tokio::test]
async fn portal_generate_token_bound_to_the_request_ip_sends_client_requestip() {
    let server = TestServer::start_at(now()).await;
    let path = "/portal/sharing/rest/generateToken";
    server.respond_json(path, F09);
    let request = password_request(ClientBinding::RequestIp);
    portal_generate_token(&client(&server), &portal(&server), &request, now())
        .await
        .unwrap();
    let recorded = server.only_request_to(path);
    assert_form_post(&recorded);
    assert_eq!(
        recorded.field_names(),
        ["username", "password", "client", "expiration", "f"]
    );
    assert_eq!(recorded.field("client"), Some("requestip"));
}

#[tokio::test]
async fn a_federated_server_token_trades_the_portal_token_with_server_url() {
    let server = TestServer::start_at(now()).await;
    let path = "/portal/sharing/rest/generateToken";
    server.respond_json(path, F09);
    let token_service = token_service_endpoint(&server.url(path)).unwrap();
    let request = FederatedTokenRequest {
        token_service: &token_service,
        portal_token: &secret("portal-token"),
        server: &arcgis_server(&server),
        expiration: Some(Expiration::Minutes(90)),
        referer: None,
    };
    federated_server_token(&client(&server), &request, now())
        .await
        .unwrap();
    let recorded = server.only_request_to(path);
    assert_form_post(&recorded);
    assert_eq!(
        recorded.field_names(),
        ["token", "serverUrl", "expiration", "f"]
    );
    assert_eq!(recorded.field("token"), Some("portal-token"));
    assert_eq!(
        recorded.field("serverUrl"),
        Some(server.url("/arcgis").as_str())
    );
    assert_eq!(recorded.field("expiration"), Some("90"));
}

#[tokio::test]
async fn a_stand_alone_server_token_goes_to_the_advertised_tokens_url_plus_generate_token() {
    let server = TestServer::start_at(now()).await;
    let path = "/arcgis/tokens/generateToken";
    server.respond_json(path, r#"{"token":"server-token","expires":1700003600000}"#);
    let token_service = token_service_endpoint(&server.url("/arcgis/tokens/")).unwrap();
    let request = password_request(ClientBinding::Referer("tokendesk".to_owned()));
    let token = server_generate_token(&client(&server), &token_service, &request, now())
        .await
        .unwrap();
    let recorded = server.only_request_to(path);
    assert_form_post(&recorded);
    assert_eq!(recorded.field("client"), Some("referer"));
    assert_eq!(recorded.field("expiration"), Some("60"));
    assert_eq!(recorded.header("referer"), Some("tokendesk"));
    assert_eq!(token.expires_at, now() + Duration::hours(1));
    assert_eq!(token.ssl, None);
}

#[tokio::test]
async fn the_admin_generate_token_accepts_expires_as_a_string() {
    let server = TestServer::start_at(now()).await;
    let path = "/arcgis/admin/generateToken";
    // F19a's shape (the documentation's example gives a date in 2396), an hour after now.
    server.respond_json(
        path,
        r#"{"token":"sakjfhkjsdhfkjsdhf","expires":"1700003600000"}"#,
    );
    let request = password_request(ClientBinding::RequestIp);
    let token = admin_generate_token(&client(&server), &arcgis_server(&server), &request, now())
        .await
        .unwrap();
    let recorded = server.only_request_to(path);
    assert_form_post(&recorded);
    assert_eq!(recorded.field("username"), Some("analyst"));
    assert_eq!(token.expires_at.timestamp_millis(), 1_700_003_600_000);
}

#[tokio::test]
async fn info_calls_post_f_json_and_send_a_token_only_in_the_body() {
    let server = TestServer::start_at(now()).await;
    server.respond_json(
        "/portal/sharing/rest/info",
        include_str!("../fixtures/arcgis/F17-portal-info-agol.json"),
    );
    server.respond_json(
        "/portal/sharing/rest/portals/self",
        include_str!("../fixtures/arcgis/F20b-portals-self-with-user.json"),
    );
    server.respond_json(
        "/portal/sharing/rest/community/self",
        include_str!("../fixtures/arcgis/F20a-community-self.json"),
    );
    server.respond_json(
        "/arcgis/rest/info",
        include_str!("../fixtures/arcgis/F18b-server-info-standalone.json"),
    );
    let client = client(&server);
    let portal = portal(&server);
    portal_info(&client, &portal, now()).await.unwrap();
    let me = portal_self(&client, &portal, Some(&secret("user-token")), now())
        .await
        .unwrap();
    let user = community_self(&client, &portal, &secret("user-token"), now())
        .await
        .unwrap();
    server_info(&client, &arcgis_server(&server), now())
        .await
        .unwrap();

    assert_eq!(me.user.unwrap().username, "c@sey");
    assert_eq!(user.username, "jsmith");
    let requests = server.requests();
    assert_eq!(requests.len(), 4);
    for request in &requests {
        assert_form_post(request);
    }
    assert_eq!(requests[0].field_names(), ["f"]);
    assert_eq!(requests[1].field("token"), Some("user-token"));
    assert_eq!(requests[2].field("token"), Some("user-token"));
}

#[tokio::test]
async fn token_calls_do_not_follow_redirects() {
    let server = TestServer::start_at(now()).await;
    for status in [301, 302, 307, 308] {
        server.respond(
            TOKEN_PATH,
            Canned::redirect(status, &server.url("/elsewhere/oauth2/token")),
        );
        server.respond_json("/elsewhere/oauth2/token", F02);
        let grant = Grant::RefreshToken {
            refresh_token: &secret("rt-1"),
        };
        let err = request_token(&client(&server), &portal(&server), "app-id", &grant, now())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnexpectedResponse);
        let message = err.to_string();
        assert!(message.contains("redirect"), "{message}");
        assert!(message.contains("/elsewhere/oauth2/token"), "{message}");
    }
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.path != "/elsewhere/oauth2/token"),
        "a redirect was followed"
    );
}

#[tokio::test]
async fn without_the_ca_file_the_handshake_fails_as_a_tls_error_that_suggests_ca_file() {
    let server = TestServer::start_at(now()).await;
    server.respond_json(
        "/portal/sharing/rest/info",
        include_str!("../fixtures/arcgis/F17-portal-info-agol.json"),
    );
    let without = ArcGisClient::new(&ClientOptions::default()).unwrap();
    let err = portal_info(&without, &portal(&server), now())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Tls, "{err}");
    assert_eq!(
        err.remedy(),
        Some(tokendesk::remedy::Remedy::TrustCaFile { profile: None }),
        "{err}"
    );
    assert!(server.requests().is_empty());

    portal_info(&client(&server), &portal(&server), now())
        .await
        .unwrap();
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_ca_file_with_several_certificates_is_read_whole() {
    let server = TestServer::start_at(now()).await;
    server.respond_json(
        "/portal/sharing/rest/info",
        include_str!("../fixtures/arcgis/F17-portal-info-agol.json"),
    );
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle.pem");
    let other_key = rcgen::KeyPair::generate().unwrap();
    let other = rcgen::CertificateParams::new(vec!["other.example".to_owned()])
        .unwrap()
        .self_signed(&other_key)
        .unwrap();
    let ours = std::fs::read_to_string(server.ca_file()).unwrap();
    std::fs::write(&bundle, format!("{}\n{ours}", other.pem())).unwrap();
    let client = ArcGisClient::new(&ClientOptions {
        ca_file: Some(bundle),
        ..ClientOptions::default()
    })
    .unwrap();
    portal_info(&client, &portal(&server), now()).await.unwrap();
}

#[test]
fn a_ca_file_without_certificates_is_a_local_setup_error() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "not a certificate\n").unwrap();
    for path in [empty, dir.path().join("missing.pem")] {
        let err = ArcGisClient::new(&ClientOptions {
            ca_file: Some(path.clone()),
            ..ClientOptions::default()
        })
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::LocalSetup, "{err}");
        assert!(err.to_string().contains("CA file"), "{err}");
    }
}

#[tokio::test]
async fn an_unreachable_site_is_a_network_error() {
    let port = crate::common::https::unused_port();
    let portal = PortalUrl::parse(&format!("https://127.0.0.1:{port}/portal")).unwrap();
    let client = ArcGisClient::new(&ClientOptions::default()).unwrap();
    let err = portal_info(&client, &portal, now()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Network, "{err}");
    assert!(
        err.to_string().contains("reading the portal's info"),
        "{err}"
    );
}

#[tokio::test]
async fn http_500_with_an_html_page_is_a_server_error_quoting_the_page_title() {
    let server = TestServer::start_at(now()).await;
    server.respond(
        TOKEN_PATH,
        Canned::status(
            500,
            "text/html",
            "<html><head><title>Internal Server Error</title></head><body>boom</body></html>",
        ),
    );
    let grant = Grant::RefreshToken {
        refresh_token: &secret("rt-1"),
    };
    let err = request_token(&client(&server), &portal(&server), "app-id", &grant, now())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ServerError);
    let message = err.to_string();
    assert!(message.contains("HTTP 500"), "{message}");
    assert!(message.contains("Internal Server Error"), "{message}");
    assert!(message.contains("refreshing the access token"), "{message}");
}

#[tokio::test]
async fn malformed_json_with_status_200_is_an_unexpected_response() {
    let server = TestServer::start_at(now()).await;
    server.respond_json(
        TOKEN_PATH,
        r#"{"access_token": "tok-abc-123", "expires_in": "#,
    );
    let grant = Grant::RefreshToken {
        refresh_token: &secret("rt-1"),
    };
    let err = request_token(&client(&server), &portal(&server), "app-id", &grant, now())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnexpectedResponse);
    let message = err.to_string();
    assert!(message.contains("malformed JSON"), "{message}");
    // A cut-off token answer is never quoted: the token would reach messages and logs.
    assert!(!message.contains("tok-abc-123"), "{message}");
}

#[tokio::test]
async fn an_error_envelope_with_status_200_is_classified_from_its_code() {
    let server = TestServer::start_at(now()).await;
    server.respond_json(
        "/portal/sharing/rest/portals/self",
        include_str!("../fixtures/arcgis/F13-invalid-token-portal.json"),
    );
    let err = portal_self(
        &client(&server),
        &portal(&server),
        Some(&secret("old-token")),
        now(),
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidToken);
    let message = err.to_string();
    assert!(message.contains("498"), "{message}");
    assert!(message.contains("Invalid token."), "{message}");
    assert!(!message.contains("old-token"), "{message}");
}

#[tokio::test]
async fn a_modern_4xx_with_a_json_envelope_keeps_the_envelope_classification() {
    let server = TestServer::start_at(now()).await;
    server.respond(
        TOKEN_PATH,
        Canned::status(
            400,
            "application/json",
            include_str!("../fixtures/arcgis/F07-oauth-error-invalid-client-id.json"),
        ),
    );
    let grant = Grant::RefreshToken {
        refresh_token: &secret("rt-1"),
    };
    let err = request_token(&client(&server), &portal(&server), "bad-id", &grant, now())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidClient);
    assert!(err.to_string().contains("HTTP 400"), "{err}");
}

#[tokio::test]
async fn a_site_that_never_answers_times_out_as_a_network_error() {
    // Accepts TCP connections and then says nothing (no TLS handshake, no HTTP answer).
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let client = ArcGisClient::new(&ClientOptions {
        ca_file: None,
        connect_timeout: std::time::Duration::from_millis(300),
        timeout: std::time::Duration::from_millis(600),
    })
    .unwrap();
    let portal = PortalUrl::parse(&format!("https://127.0.0.1:{port}/portal")).unwrap();
    let err = portal_info(&client, &portal, now()).await.unwrap_err();
    silent.abort();
    assert_eq!(err.kind(), ErrorKind::Network, "{err}");
    assert!(err.to_string().contains("timed out"), "{err}");
}

#[tokio::test]
async fn a_generate_token_answer_from_a_server_two_hours_behind_is_moved_onto_this_clock_by_its_date()
 {
    let server = TestServer::start_at(now() - Duration::hours(2)).await;
    let path = "/arcgis/admin/generateToken";
    // An hour on the server's clock, which is two hours behind.
    let expires = (now() - Duration::hours(1)).timestamp_millis();
    server.respond_json(path, &format!(r#"{{"token":"t","expires":{expires}}}"#));
    let request = password_request(ClientBinding::RequestIp);
    let token = admin_generate_token(&client(&server), &arcgis_server(&server), &request, now())
        .await
        .unwrap();
    assert_eq!(token.expires_at, now() + Duration::hours(1));
    let notes = token.notes.join(" ");
    assert!(notes.contains("2 h 0 min behind"), "{notes}");
}
