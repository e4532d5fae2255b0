//! Every recorded ArcGIS answer in `tests/fixtures/arcgis/` goes through the same decoding
//! path as a live answer and comes out as the right typed value or error kind. A fixture
//! added to the directory without an expectation here fails the suite.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::Path;

use chrono::{DateTime, Duration};
use tokendesk::arcgis::apps::{AppAccess, RegisteredApp};
use tokendesk::arcgis::error::ErrorKind;
use tokendesk::arcgis::generate_token::GeneratedToken;
use tokendesk::arcgis::http::{FromWire, decode};
use tokendesk::arcgis::info::{PortalInfo, PortalSelf, PortalUser, ServerInfo};
use tokendesk::arcgis::oauth::{OAuthTokens, RedirectGrant, Revoked, parse_redirect};
use tokendesk::arcgis::{ArcGisError, Instant};

const SITE: &str = "https://portal.example.com/portal/sharing/rest";
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/arcgis");

fn now() -> Instant {
    DateTime::from_timestamp(1_700_000_000, 0).unwrap()
}

fn body(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(FIXTURES).join(name)).unwrap()
}

fn ok<T: FromWire>(name: &str) -> T {
    ok_at(name, now())
}

/// [`ok`] at another time: a captured token is decoded as if it had just arrived.
fn ok_at<T: FromWire>(name: &str, now: Instant) -> T {
    match decode::<T>(200, &body(name), SITE, "testing a fixture", now) {
        Ok(value) => value,
        Err(err) => panic!("{name}: {err}"),
    }
}

/// An hour before the epoch milliseconds `millis`: when a token ending then arrived.
fn hour_before(millis: i64) -> Instant {
    DateTime::from_timestamp_millis(millis).unwrap() - chrono::TimeDelta::hours(1)
}

/// Decodes as `T` and expects an error; error fixtures fail whatever type is asked for.
fn err<T: FromWire + std::fmt::Debug>(name: &str) -> ArcGisError {
    decode::<T>(200, &body(name), SITE, "testing a fixture", now()).unwrap_err()
}

/// The fixtures every test below covers; compared with the directory listing.
const COVERED: &[&str] = &[
    "F01-oauth-token-authorization-code.json",
    "F02-oauth-token-pkce-code-exchange.json",
    "F03-oauth-token-exchange-refresh-token.json",
    "F04-oauth-token-refresh-token-grant.json",
    "F05-oauth-token-client-credentials.json",
    "F06-api-key-client-credentials.json",
    "F07-oauth-error-invalid-client-id.json",
    "F08-oauth-error-refresh-token-expired.json",
    "F09-generate-token-success-enterprise.json",
    "F10-generate-token-bad-credentials.json",
    "F11-generate-token-missing-params.json",
    "F12-generate-token-serverurl-without-token.json",
    "F13-invalid-token-portal.json",
    "F14a-token-required-portal.json",
    "F14b-token-required-server.json",
    "F15-permission-denied.json",
    "F16-ssl-required.json",
    "F17-portal-info-agol.json",
    "F18a-server-info-federated.json",
    "F18b-server-info-standalone.json",
    "F19a-server-admin-generate-token.json",
    "F19b-server-admin-error.json",
    "F20a-community-self.json",
    "F20b-portals-self-with-user.json",
    "F20c-validate-app-access.json",
    "F20d-revoke-token-success.json",
    "F20e-platform-self-no-signed-in-user.json",
    "F20f-registered-app-info.json",
    "redirects.txt",
];

#[test]
fn every_fixture_in_the_directory_has_an_expectation_here() {
    let on_disk: BTreeSet<String> = std::fs::read_dir(FIXTURES)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name != "SOURCES.md")
        .collect();
    let covered: BTreeSet<String> = COVERED.iter().map(|s| (*s).to_owned()).collect();
    assert_eq!(on_disk, covered);
}

#[test]
fn f01_an_authorization_code_answer_gives_access_and_refresh_tokens() {
    let tokens: OAuthTokens = ok("F01-oauth-token-authorization-code.json");
    assert_eq!(tokens.access_token.expose(), "token");
    assert_eq!(tokens.expires_at, now() + Duration::seconds(1800));
    assert_eq!(tokens.refresh_token.unwrap().expose(), "refreshToken");
    assert_eq!(tokens.refresh_token_expires_at, None);
    assert_eq!(tokens.username.as_deref(), Some("Casey"));
    assert!(tokens.ssl);
}

#[test]
fn f02_a_pkce_code_exchange_gives_a_two_week_refresh_token() {
    let tokens: OAuthTokens = ok("F02-oauth-token-pkce-code-exchange.json");
    assert_eq!(tokens.refresh_token.unwrap().expose(), "refresh_token");
    assert_eq!(
        tokens.refresh_token_expires_at,
        Some(now() + Duration::seconds(1_209_600))
    );
    assert_eq!(tokens.username.as_deref(), Some("c@sey"));
}

#[test]
fn f03_an_exchanged_refresh_token_expires_after_the_remaining_seconds() {
    let tokens: OAuthTokens = ok("F03-oauth-token-exchange-refresh-token.json");
    assert!(tokens.access_token.expose().starts_with("2zad9ZAe"));
    assert!(
        tokens
            .refresh_token
            .unwrap()
            .expose()
            .starts_with("dVZ6FwUv")
    );
    assert_eq!(
        tokens.refresh_token_expires_at,
        Some(now() + Duration::seconds(7199))
    );
    assert_eq!(tokens.username.as_deref(), Some("hhkaos2"));
}

#[test]
fn f04_a_refresh_grant_gives_no_refresh_token_and_keeps_the_username_verbatim() {
    let tokens: OAuthTokens = ok("F04-oauth-token-refresh-token-grant.json");
    assert_eq!(tokens.access_token.expose(), "newToken");
    assert_eq!(tokens.expires_at, now() + Duration::seconds(60));
    assert_eq!(tokens.username.as_deref(), Some(" c@sey"));
    assert!(tokens.refresh_token.is_none());
    assert!(!tokens.ssl, "a missing ssl counts as false");
}

#[test]
fn f05_client_credentials_give_neither_refresh_token_nor_username() {
    let tokens: OAuthTokens = ok("F05-oauth-token-client-credentials.json");
    assert!(tokens.refresh_token.is_none());
    assert!(tokens.username.is_none());
    assert!(tokens.ssl);
}

#[test]
fn f06_an_api_key_from_client_credentials_is_an_access_token() {
    let tokens: OAuthTokens = ok("F06-api-key-client-credentials.json");
    assert!(tokens.access_token.expose().starts_with("AAPT"));
    assert_eq!(tokens.expires_at, now() + Duration::seconds(1800));
    assert!(!format!("{tokens:?}").contains("AAPT"), "Debug must redact");
}

fn assert_kind(err: &ArcGisError, kind: ErrorKind, mentions: &[&str]) {
    assert_eq!(err.kind(), kind, "{err}");
    let message = err.to_string();
    assert!(message.contains(SITE), "{message}");
    assert!(message.contains("testing a fixture"), "{message}");
    for text in mentions {
        assert!(message.contains(text), "`{text}` missing from: {message}");
    }
}

#[test]
fn f07_an_invalid_client_id_is_an_invalid_client() {
    let err = err::<OAuthTokens>("F07-oauth-error-invalid-client-id.json");
    assert_kind(
        &err,
        ErrorKind::InvalidClient,
        &["400", "invalid_client_id", "Invalid client_id"],
    );
}

#[test]
fn f08_an_expired_refresh_token_is_an_invalid_grant_not_an_invalid_token() {
    let err = err::<OAuthTokens>("F08-oauth-error-refresh-token-expired.json");
    assert_kind(
        &err,
        ErrorKind::InvalidGrant,
        &["498", "refresh_token expired"],
    );
}

#[test]
fn f09_a_generated_token_expires_at_the_epoch_milliseconds_given() {
    let fixture = "F09-generate-token-success-enterprise.json";
    let token: GeneratedToken = ok_at(fixture, hour_before(1_494_541_135_122));
    assert_eq!(token.token.expose(), "MYTOKEN");
    assert_eq!(token.expires_at.timestamp_millis(), 1_494_541_135_122);
    assert_eq!(token.ssl, Some(false));
    assert!(token.notes.is_empty(), "{:?}", token.notes);
    // Read years later, the same answer is a token that arrived already expired.
    let late = err::<GeneratedToken>(fixture);
    assert_kind(&late, ErrorKind::ImplausibleLifetime, &["already expired"]);
}

#[test]
fn f10_wrong_credentials_are_bad_credentials() {
    let err = err::<GeneratedToken>("F10-generate-token-bad-credentials.json");
    assert_kind(
        &err,
        ErrorKind::BadCredentials,
        &["Unable to generate token.", "Invalid username or password."],
    );
}

#[test]
fn f11_missing_parameters_are_a_rejected_request_listing_every_detail() {
    let err = err::<GeneratedToken>("F11-generate-token-missing-params.json");
    assert_kind(
        &err,
        ErrorKind::Rejected,
        &[
            "'username' must be specified.",
            "'password' must be specified.",
        ],
    );
}

#[test]
fn f12_a_server_url_without_a_portal_token_is_a_rejected_request() {
    let err = err::<GeneratedToken>("F12-generate-token-serverurl-without-token.json");
    assert_kind(&err, ErrorKind::Rejected, &["Unable to get 'token'"]);
}

#[test]
fn f13_code_498_is_an_invalid_token() {
    let err = err::<PortalSelf>("F13-invalid-token-portal.json");
    assert_kind(&err, ErrorKind::InvalidToken, &["498", "Invalid token."]);
}

#[test]
fn f14a_the_portal_token_required_with_gwm_0003_is_token_required() {
    let err = err::<PortalSelf>("F14a-token-required-portal.json");
    assert_kind(
        &err,
        ErrorKind::TokenRequired,
        &["499", "GWM_0003", "Token Required"],
    );
}

#[test]
fn f14b_the_server_token_required_is_token_required() {
    let err = err::<ServerInfo>("F14b-token-required-server.json");
    assert_kind(&err, ErrorKind::TokenRequired, &["499", "Token Required"]);
}

#[test]
fn f15_code_403_with_gwm_0003_is_no_permission() {
    let err = err::<PortalSelf>("F15-permission-denied.json");
    assert_kind(
        &err,
        ErrorKind::NoPermission,
        &["403", "GWM_0003", "do not have permissions"],
    );
}

#[test]
fn f16_ssl_required_is_its_own_kind() {
    let err = err::<GeneratedToken>("F16-ssl-required.json");
    assert_kind(
        &err,
        ErrorKind::SslRequired,
        &["403", "SSL Required", "https://"],
    );
}

#[test]
fn f17_the_arcgis_online_portal_info_names_its_token_service() {
    let info: PortalInfo = ok("F17-portal-info-agol.json");
    assert_eq!(
        info.owning_system_url.as_deref(),
        Some("https://www.arcgis.com")
    );
    assert!(info.auth_info.is_token_based_security);
    assert_eq!(
        info.auth_info.token_services_url.as_deref(),
        Some("https://www.arcgis.com/sharing/rest/generateToken")
    );
}

#[test]
fn f18a_a_federated_server_names_its_owning_portal() {
    let info: ServerInfo = ok("F18a-server-info-federated.json");
    assert_eq!(info.current_version.unwrap().0, "10.61");
    assert_eq!(
        info.owning_system_url.as_deref(),
        Some("https://pnp00035.esri.com/portal")
    );
    assert_eq!(
        info.auth_info.unwrap().token_services_url.as_deref(),
        Some("https://pnp00035.esri.com/portal/sharing/rest/generateToken")
    );
}

#[test]
fn f18b_a_stand_alone_server_has_its_own_token_service_and_short_token_validity() {
    let info: ServerInfo = ok("F18b-server-info-standalone.json");
    assert_eq!(info.full_version.as_deref(), Some("10.6.1"));
    assert!(info.owning_system_url.is_none());
    let auth = info.auth_info.unwrap();
    assert!(auth.is_token_based_security);
    assert_eq!(
        auth.token_services_url.as_deref(),
        Some("https://geo.stantec.com/arcgis/tokens/")
    );
    assert_eq!(auth.short_lived_token_validity, Some(120));
}

#[test]
fn f19a_the_admin_token_expires_given_as_a_string_is_read() {
    let fixture = "F19a-server-admin-generate-token.json";
    let token: GeneratedToken = ok_at(fixture, hour_before(13_472_658_353_687));
    assert!(token.token.expose().starts_with("sakjfh"));
    assert_eq!(token.expires_at.timestamp_millis(), 13_472_658_353_687);
    assert_eq!(token.ssl, None);
}

#[test]
fn f19a_read_today_its_expiry_in_2396_is_clamped_to_a_year_with_a_note() {
    let token: GeneratedToken = ok("F19a-server-admin-generate-token.json");
    assert_eq!(token.expires_at - now(), chrono::TimeDelta::days(366));
    let note = token.notes.join(" ");
    assert!(note.contains("until 2396-"), "{note}");
    assert!(note.contains("longer than ArcGIS ever gives"), "{note}");
}

#[test]
fn f19b_the_admin_status_error_envelope_with_498_is_an_invalid_token() {
    let err = err::<GeneratedToken>("F19b-server-admin-error.json");
    assert_kind(
        &err,
        ErrorKind::InvalidToken,
        &["498", "Invalid token, ClientID does not match."],
    );
}

#[test]
fn f20a_community_self_gives_the_user() {
    let user: PortalUser = ok("F20a-community-self.json");
    assert_eq!(user.username, "jsmith");
    assert_eq!(user.full_name.as_deref(), Some("John Smith"));
    assert_eq!(user.role.as_deref(), Some("org_publisher"));
}

#[test]
fn f20b_portals_self_with_a_user_token_has_the_user() {
    let this: PortalSelf = ok("F20b-portals-self-with-user.json");
    assert_eq!(this.user.unwrap().username, "c@sey");
    assert_eq!(this.is_portal, None);
}

#[test]
fn f20c_validate_app_access_says_valid() {
    let access: AppAccess = ok("F20c-validate-app-access.json");
    assert!(access.valid);
    assert!(!access.view_only_user_type_app);
}

#[test]
fn f20d_revoke_token_success_is_revoked() {
    let _: Revoked = ok("F20d-revoke-token-success.json");
}

#[test]
fn f20e_no_signed_in_user_without_an_error_wrapper_is_token_required() {
    let err = err::<PortalSelf>("F20e-platform-self-no-signed-in-user.json");
    assert_kind(
        &err,
        ErrorKind::TokenRequired,
        &["OAUTH_0066", "No signed in user found."],
    );
}

#[test]
fn f20f_a_registered_app_keeps_its_client_secret_redacted() {
    let app: RegisteredApp = ok("F20f-registered-app-info.json");
    assert_eq!(app.client_id, "EiwLuFlkNwE2Ifye");
    assert_eq!(app.app_type, "apikey");
    assert_eq!(
        app.client_secret.as_ref().unwrap().expose(),
        "dc7526de9ece482dba4704618fd3de81"
    );
    assert_eq!(app.privileges, ["premium:user:geocode:temporary"]);
    assert!(app.api_token1_active);
    assert!(!app.api_token2_active);
    assert!(!format!("{app:?}").contains("dc7526de"));
}

/// The redirect fixture that follows the `# <label>` comment line.
fn redirect(label: &str) -> String {
    let text = String::from_utf8(body("redirects.txt")).unwrap();
    let mut lines = text.lines();
    lines
        .find(|line| line.starts_with("# ") && line[2..].starts_with(label))
        .unwrap_or_else(|| panic!("no fixture {label}"));
    lines.next().unwrap().to_owned()
}

const FIXTURE_STATE: &str =
    r#"{"id":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","originalUrl":"https://test.com"}"#;

#[test]
fn r1_a_pkce_redirect_gives_the_code_and_the_decoded_state() {
    let input = format!("http://127.0.0.1:53682/callback{}", redirect("R1"));
    let result = parse_redirect(&input, SITE, now()).unwrap();
    assert_eq!(result.state.as_deref(), Some(FIXTURE_STATE));
    match &result.grant {
        RedirectGrant::Code(code) => assert_eq!(code.expose(), "auth_code"),
        other => panic!("expected a code, got {other:?}"),
    }
    result.check_state(FIXTURE_STATE, SITE).unwrap();
    let mismatch = result.check_state("another-state", SITE).unwrap_err();
    assert_eq!(mismatch.kind(), ErrorKind::StateMismatch);
}

#[test]
fn r1_the_bare_query_string_is_accepted_too() {
    let result = parse_redirect(&redirect("R1"), SITE, now()).unwrap();
    assert!(matches!(result.grant, RedirectGrant::Code(_)));
}

#[test]
fn r2_a_declined_sign_in_is_access_denied_with_the_portal_description() {
    let err = parse_redirect(&redirect("R2"), SITE, now()).unwrap_err();
    assert_kind_redirect(&err);
}

fn assert_kind_redirect(err: &ArcGisError) {
    assert_eq!(err.kind(), ErrorKind::AccessDenied);
    let message = err.to_string();
    assert!(message.contains("access_denied"), "{message}");
    assert!(
        message.contains("The user has denied your request"),
        "{message}"
    );
    assert!(
        message.contains("reading the sign-in redirect"),
        "{message}"
    );
}

#[test]
fn r3_an_implicit_fragment_gives_a_token_with_its_lifetime_user_and_ssl() {
    let result = parse_redirect(&redirect("R3"), SITE, now()).unwrap();
    assert_eq!(result.state.as_deref(), Some(FIXTURE_STATE));
    assert_eq!(result.persist, Some(true));
    match result.grant {
        RedirectGrant::Implicit(tokens) => {
            assert_eq!(tokens.access_token.expose(), "token");
            assert_eq!(tokens.expires_at, now() + Duration::seconds(86_400));
            assert_eq!(tokens.username.as_deref(), Some("c@sey"));
            assert!(tokens.ssl);
        }
        other => panic!("expected implicit tokens, got {other:?}"),
    }
}

#[test]
fn other_redirect_errors_are_reported_with_their_code() {
    let err = parse_redirect(
        "?error=sign_in_failed&error_description=Request%20failed&state=x",
        SITE,
        now(),
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Rejected);
    assert!(err.to_string().contains("sign_in_failed"), "{err}");
    assert!(err.to_string().contains("Request failed"), "{err}");
}

#[test]
fn a_redirect_without_parameters_is_unexpected() {
    let err = parse_redirect("http://127.0.0.1:5000/callback", SITE, now()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnexpectedResponse);
}

// Envelope variants of the protocol reference §2.3 that have no fixture file.

fn decode_err(status: u16, text: &str) -> ArcGisError {
    decode::<GeneratedToken>(status, text.as_bytes(), SITE, "testing a fixture", now()).unwrap_err()
}

#[test]
fn variant_d_details_as_a_single_string_is_read() {
    let err = decode_err(
        200,
        r#"{"error":{"code":201,"message":"Exception in generating token","details":"Client ID is required for long expiration tokens"}}"#,
    );
    assert_kind(
        &err,
        ErrorKind::Rejected,
        &[
            "201",
            "Exception in generating token",
            "Client ID is required",
        ],
    );
}

#[test]
fn variant_e_billing_status_failure_with_null_details_is_a_server_error() {
    let err = decode_err(
        200,
        r#"{"code":500,"message":"Billing error","status":"failure","details":null}"#,
    );
    assert_kind(&err, ErrorKind::ServerError, &["500", "Billing error"]);
}

#[test]
fn an_rfc_style_oauth_error_string_is_read() {
    let err = decode_err(
        400,
        r#"{"error":"invalid_grant","error_description":"Invalid authorization code"}"#,
    );
    assert_kind(
        &err,
        ErrorKind::InvalidGrant,
        &["invalid_grant", "Invalid authorization code"],
    );
}

#[test]
fn an_html_page_with_status_200_is_an_unexpected_response() {
    let err = decode_err(
        200,
        "<html><head><title>ArcGIS Portal Directory</title></head></html>",
    );
    assert_kind(
        &err,
        ErrorKind::UnexpectedResponse,
        &["not JSON", "ArcGIS Portal Directory"],
    );
}

#[test]
fn http_503_and_429_without_json_are_server_errors() {
    for status in [503, 429] {
        let err = decode_err(status, "Service Unavailable");
        assert_kind(&err, ErrorKind::ServerError, &[&format!("HTTP {status}")]);
    }
}

#[test]
fn json_that_lacks_the_expected_fields_is_an_unexpected_response() {
    let err = decode_err(200, r#"{"hello":"world"}"#);
    assert_kind(&err, ErrorKind::UnexpectedResponse, &["token"]);
}

#[test]
fn http_401_without_an_envelope_means_a_sign_in_is_needed_and_403_means_not_allowed() {
    let err = decode_err(401, "<html><title>401 Unauthorized</title></html>");
    assert_kind(
        &err,
        ErrorKind::TokenRequired,
        &["HTTP 401", "401 Unauthorized"],
    );
    let err = decode_err(403, "Forbidden");
    assert_kind(&err, ErrorKind::NoPermission, &["HTTP 403"]);
    let err = decode_err(404, "<html><title>404 Not Found</title></html>");
    assert_kind(&err, ErrorKind::UnexpectedResponse, &["HTTP 404"]);
}
