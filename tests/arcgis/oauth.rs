//! PKCE (the S256 test vector of the protocol reference), the authorize URL, and the
//! redirect URI forms.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;

use tokendesk::arcgis::PortalUrl;
use tokendesk::arcgis::oauth::{AuthorizeRequest, Pkce, RedirectUri, authorize_url, random_state};
use tokendesk::arcgis::time::Expiration;

/// Essentials 13/14: verifier = base64url of 32 zero bytes, and its S256 challenge.
const VECTOR_VERIFIER: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
const VECTOR_CHALLENGE: &str = "DwBzhbb51LfusnSGBa_hqYSgo7-j8BTQnip4TOnlzRo";

#[test]
fn the_s256_challenge_of_the_reference_verifier_matches_the_test_vector() {
    let pkce = Pkce::from_verifier(VECTOR_VERIFIER);
    assert_eq!(pkce.challenge(), VECTOR_CHALLENGE);
    assert_eq!(pkce.verifier().expose(), VECTOR_VERIFIER);
}

#[test]
fn a_generated_verifier_is_43_url_safe_characters_and_differs_each_time() {
    let a = Pkce::generate();
    let b = Pkce::generate();
    assert_eq!(a.verifier().expose().len(), 43);
    assert!(
        a.verifier()
            .expose()
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    );
    assert_ne!(a.verifier().expose(), b.verifier().expose());
    assert_eq!(
        Pkce::from_verifier(a.verifier().expose().clone()).challenge(),
        a.challenge()
    );
    assert!(!format!("{a:?}").contains(a.verifier().expose().as_str()));
}

#[test]
fn random_states_are_long_and_unique() {
    let a = random_state();
    assert!(a.len() >= 43);
    assert_ne!(a, random_state());
}

fn query(url: &url::Url) -> HashMap<String, String> {
    url.query_pairs().into_owned().collect()
}

#[test]
fn the_authorize_url_asks_for_a_code_with_pkce_s256_and_expiration_in_minutes() {
    let portal = PortalUrl::parse("https://www.arcgis.com").unwrap();
    let pkce = Pkce::from_verifier(VECTOR_VERIFIER);
    let redirect = RedirectUri::Loopback {
        port: 53682,
        path: "callback".to_owned(),
    };
    let url = authorize_url(
        &portal,
        &AuthorizeRequest {
            client_id: "clientIdBasicPKCE",
            redirect_uri: &redirect,
            expiration: Expiration::Minutes(20160),
            state: "state-123",
            pkce: &pkce,
        },
    );
    assert_eq!(
        url.as_str().split('?').next().unwrap(),
        "https://www.arcgis.com/sharing/rest/oauth2/authorize"
    );
    let params = query(&url);
    assert_eq!(params.len(), 7, "{params:?}");
    assert_eq!(params["client_id"], "clientIdBasicPKCE");
    assert_eq!(params["response_type"], "code");
    assert_eq!(params["expiration"], "20160");
    assert_eq!(params["redirect_uri"], "http://127.0.0.1:53682/callback");
    assert_eq!(params["state"], "state-123");
    assert_eq!(params["code_challenge_method"], "S256");
    assert_eq!(params["code_challenge"], VECTOR_CHALLENGE);
    assert!(
        !url.as_str().contains(VECTOR_VERIFIER),
        "the verifier never goes in the URL"
    );
}

#[test]
fn the_out_of_band_redirect_and_a_permanent_refresh_token_are_spelled_as_arcgis_expects() {
    let portal = PortalUrl::parse("https://gis.example.com/portal").unwrap();
    let pkce = Pkce::generate();
    let url = authorize_url(
        &portal,
        &AuthorizeRequest {
            client_id: "tokendesk-demo",
            redirect_uri: &RedirectUri::OutOfBand,
            expiration: Expiration::Never,
            state: "s",
            pkce: &pkce,
        },
    );
    let params = query(&url);
    assert_eq!(params["redirect_uri"], "urn:ietf:wg:oauth:2.0:oob");
    assert_eq!(params["expiration"], "-1");
    assert!(
        url.as_str()
            .starts_with("https://gis.example.com/portal/sharing/rest/oauth2/authorize?")
    );
}
