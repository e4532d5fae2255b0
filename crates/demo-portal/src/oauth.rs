//! Portal OAuth 2.0 token endpoints: `oauth2/token` (four grants plus `suspend_session`, and
//! API keys through `client_credentials` + `apiToken`), `oauth2/revokeToken` and
//! `oauth2/validateAppAccess`. The HTML side (`authorize`, `signin`) is in `signin.rs`.
//!
//! Token-endpoint errors use envelope B with HTTP 200 (4xx with `modern_errors`). Where the
//! protocol reference marks a body UNCONFIRMED, the choice is `invalid_request` with a plain
//! description (`Invalid authorization code`, `Invalid redirect_uri`, `Invalid code_verifier`)
//! and `invalid_client` / `Invalid client_secret` for a wrong secret.

use axum::http::Method;
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::Shared;
use super::config::AppConfig;
use super::guard::{self, TokenCheck};
use super::redirect::redirect_allowed;
use super::request::{Format, Req};
use super::respond::{self, envelope_a, envelope_b};
use super::store::{
    AccessToken, Audience, Binding, Challenge, RefreshToken, Subject, TokenProblem, random_string,
};

/// `oauth2/token`.
pub fn token(shared: &Shared, req: &Req) -> Response {
    let outcome = match req.params.get("grant_type") {
        Some("authorization_code") => code_grant(shared, req),
        Some("refresh_token") => refresh_grant(shared, req),
        Some("exchange_refresh_token") => exchange_grant(shared, req),
        Some("client_credentials") => client_credentials(shared, req),
        Some("suspend_session") => Ok(json!({"success": true})),
        Some(_) => Err(oauth_error(
            400,
            "unsupported_grant_type",
            "Unsupported grant_type",
        )),
        None => Err(oauth_error(
            400,
            "invalid_request",
            "grant_type not specified",
        )),
    };
    match outcome {
        Ok(body) => respond::json(req, Format::Json, &body),
        Err((code, body)) => respond::error(req, Format::Json, code, &body),
    }
}

type Outcome = Result<Value, (u16, Value)>;

fn oauth_error(code: u16, error: &str, description: &str) -> (u16, Value) {
    (code, envelope_b(code, error, description))
}

fn invalid_client() -> (u16, Value) {
    oauth_error(400, "invalid_client_id", "Invalid client_id")
}

fn wrong_secret() -> (u16, Value) {
    oauth_error(400, "invalid_client", "Invalid client_secret")
}

fn required<'a>(req: &'a Req, name: &str) -> Result<&'a str, (u16, Value)> {
    req.params
        .get(name)
        .ok_or_else(|| oauth_error(400, "invalid_request", &format!("{name} not specified")))
}

fn requesting_app<'a>(shared: &'a Shared, req: &Req) -> Result<&'a AppConfig, (u16, Value)> {
    let client_id = required(req, "client_id")?;
    find_app(shared, client_id).ok_or_else(invalid_client)
}

fn code_grant(shared: &Shared, req: &Req) -> Outcome {
    let app = requesting_app(shared, req)?;
    let code = required(req, "code")?;
    let redirect_uri = required(req, "redirect_uri")?;
    let bad_code = || oauth_error(400, "invalid_request", "Invalid authorization code");
    // Taking the code consumes it, whatever happens next: codes are single-use.
    let grant = shared.store.take_code(code).ok_or_else(bad_code)?;
    let now = shared.clock.now();
    if grant.client_id != app.client_id || grant.expires <= now {
        return Err(bad_code());
    }
    if grant.redirect_uri != redirect_uri {
        return Err(oauth_error(400, "invalid_request", "Invalid redirect_uri"));
    }
    let secret_given = req.params.get("client_secret");
    if let (Some(given), Some(expected)) = (secret_given, &app.client_secret)
        && given != expected.expose()
    {
        return Err(wrong_secret());
    }
    match &grant.challenge {
        Some(challenge) => {
            let verifier = req.params.get("code_verifier").unwrap_or_default();
            let expected = match challenge {
                Challenge::S256(c) | Challenge::Plain(c) => c,
            };
            let computed = match challenge {
                Challenge::S256(_) => URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())),
                Challenge::Plain(_) => verifier.to_string(),
            };
            if verifier.is_empty() || &computed != expected {
                return Err(oauth_error(400, "invalid_request", "Invalid code_verifier"));
            }
        }
        None if app.client_secret.is_some() && secret_given.is_none() => {
            return Err(wrong_secret());
        }
        None => {}
    }
    let family = shared.store.new_family();
    let refresh_expires = grant.refresh_minutes.map(|m| now + Duration::minutes(m));
    let refresh_token = shared.store.add_refresh(RefreshToken {
        client_id: app.client_id.clone(),
        username: grant.username.clone(),
        expires: refresh_expires,
        lifetime_minutes: grant.refresh_minutes,
        family,
    });
    let mut body = user_access(shared, &grant.username, family);
    insert_refresh(shared, &mut body, &refresh_token, refresh_expires);
    if shared.config.behaviour.code_grant_without_refresh_expiry {
        body.remove("refresh_token_expires_in");
    }
    Ok(Value::Object(body))
}

fn refresh_grant(shared: &Shared, req: &Req) -> Outcome {
    let app = requesting_app(shared, req)?;
    let refresh = live_refresh(shared, req, app)?;
    let mut body = user_access(shared, &refresh.username, refresh.family);
    // Exactly fixture F04's keys (`access_token`, `expires_in`, `username`): a real portal's
    // refresh_token grant says nothing about `ssl`.
    body.remove("ssl");
    Ok(Value::Object(body))
}

fn exchange_grant(shared: &Shared, req: &Req) -> Outcome {
    let app = requesting_app(shared, req)?;
    let redirect_uri = required(req, "redirect_uri")?;
    if !redirect_allowed(shared, app, redirect_uri) {
        return Err(oauth_error(400, "invalid_request", "Invalid redirect_uri"));
    }
    let old = live_refresh(shared, req, app)?;
    // The old refresh token and every access token issued from it stop working; the new
    // refresh token gets the same lifetime (the `expiration` minutes it was issued with),
    // counted from now — the portal help's "same expiration (in minutes)", and a live
    // exchange after `expiration=120` answered `refresh_token_expires_in: 7199`.
    shared.store.revoke_family(old.family);
    let family = shared.store.new_family();
    let expires = if shared.config.behaviour.exchange_keeps_refresh_expiry {
        old.expires
    } else {
        old.lifetime_minutes
            .map(|minutes| shared.clock.now() + Duration::minutes(minutes))
    };
    let refresh_token = shared.store.add_refresh(RefreshToken {
        family,
        expires,
        ..old.clone()
    });
    let mut body = user_access(shared, &old.username, family);
    insert_refresh(shared, &mut body, &refresh_token, expires);
    Ok(Value::Object(body))
}

fn live_refresh(shared: &Shared, req: &Req, app: &AppConfig) -> Result<RefreshToken, (u16, Value)> {
    let token = required(req, "refresh_token")?;
    let invalid = || oauth_error(498, "invalid_request", "Invalid refresh_token");
    match shared.store.refresh(token, shared.clock.now()) {
        Ok(refresh) if refresh.client_id == app.client_id => Ok(refresh),
        Ok(_) | Err(TokenProblem::Unknown) => Err(invalid()),
        Err(TokenProblem::Expired) => {
            Err(oauth_error(498, "invalid_request", "refresh_token expired"))
        }
    }
}

/// Issues an OAuth user access token in `family` and returns the common response fields.
fn user_access(shared: &Shared, username: &str, family: u64) -> Map<String, Value> {
    let seconds = shared.config.lifetimes.access_token_seconds;
    let token = shared.store.add_access(AccessToken {
        subject: Subject::User(username.to_string()),
        audience: Audience::Portal,
        expires: shared.clock.now() + Duration::seconds(seconds),
        family: Some(family),
        binding: Binding::None,
        revocable: true,
    });
    let mut body = Map::new();
    body.insert("access_token".into(), token.into());
    body.insert("expires_in".into(), seconds.into());
    body.insert("username".into(), username.into());
    body.insert("ssl".into(), shared.config.org.all_ssl.into());
    body
}

fn insert_refresh(
    shared: &Shared,
    body: &mut Map<String, Value>,
    token: &str,
    expires: Option<chrono::DateTime<chrono::Utc>>,
) {
    body.insert("refresh_token".into(), token.into());
    // A refresh token that never expires (`expiration=-1`) gets no `refresh_token_expires_in`.
    if let Some(expires) = expires {
        let remaining = (expires - shared.clock.now()).num_seconds().max(0);
        body.insert("refresh_token_expires_in".into(), remaining.into());
    }
}

fn client_credentials(shared: &Shared, req: &Req) -> Outcome {
    let client_id = required(req, "client_id")?;
    if req.params.has("apiToken") {
        return api_key(shared, req, client_id);
    }
    let app = find_app(shared, client_id).ok_or_else(invalid_client)?;
    let secret = required(req, "client_secret")?;
    if app.client_secret.as_ref().map(|s| s.expose()) != Some(secret) {
        return Err(wrong_secret());
    }
    let requested = req.params.get("expiration").and_then(|e| e.parse().ok());
    let subject = Subject::App(app.client_id.clone());
    let (token, minutes) = app_lifetime_token(shared, subject, requested, false);
    Ok(json!({"access_token": token, "expires_in": minutes * 60, "ssl": shared.config.org.all_ssl}))
}

/// Issues an implicit-flow (user) or `client_credentials` (app) token: `requested` minutes
/// clamped to the app-token limits. Returns the token and its lifetime in minutes.
pub(super) fn app_lifetime_token(
    shared: &Shared,
    subject: Subject,
    requested: Option<i64>,
    revocable: bool,
) -> (String, i64) {
    let l = &shared.config.lifetimes;
    let minutes = shared.config.clamp_minutes(
        requested,
        l.app_token_default_minutes,
        l.app_token_max_minutes,
    );
    let token = shared.store.add_access(AccessToken {
        subject,
        audience: Audience::Portal,
        expires: shared.clock.now() + Duration::minutes(minutes),
        family: None,
        binding: Binding::None,
        revocable,
    });
    (token, minutes)
}

/// `client_credentials` + `apiToken=1|2` on an API key credential: the slot's key.
fn api_key(shared: &Shared, req: &Req, client_id: &str) -> Outcome {
    let credential = shared
        .config
        .api_key_credentials
        .iter()
        .find(|c| c.client_id == client_id)
        .ok_or_else(invalid_client)?;
    if req.params.get("client_secret") != Some(credential.client_secret.expose()) {
        return Err(wrong_secret());
    }
    let slot: u8 = match req.params.get("apiToken") {
        Some("1") => 1,
        Some("2") => 2,
        _ => {
            return Err(oauth_error(
                400,
                "invalid_request",
                "apiToken must be 1 or 2",
            ));
        }
    };
    let days = if slot == 1 {
        credential.slot1_expires_in_days
    } else {
        credential.slot2_expires_in_days
    };
    let Some(days) = days else {
        return Err(oauth_error(
            400,
            "invalid_request",
            &format!("API key slot {slot} has no expiration date set"),
        ));
    };
    let expires = shared.started + Duration::days(days.min(365));
    let now = shared.clock.now();
    if expires <= now {
        return Err(oauth_error(
            400,
            "invalid_request",
            &format!("API key slot {slot} has expired"),
        ));
    }
    let regenerate = req.params.get("regenerateApiToken") == Some("true");
    let key = match shared.store.api_key(client_id, slot) {
        Some(existing) if !regenerate => existing,
        _ => {
            let key = mint_api_key(slot);
            let record = AccessToken {
                subject: Subject::ApiKey {
                    client_id: client_id.to_string(),
                    slot,
                },
                audience: Audience::Portal,
                expires,
                family: None,
                binding: Binding::None,
                revocable: false,
            };
            shared
                .store
                .set_api_key(client_id, slot, key.clone(), record);
            key
        }
    };
    Ok(json!({"access_token": key, "expires_in": (expires - now).num_seconds()}))
}

/// An `AAPT…` key whose character at `len-10` is the slot digit (rest-js `slotForKey`).
fn mint_api_key(slot: u8) -> String {
    let tail = random_string("");
    let tail8: String = tail
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(8)
        .collect();
    format!("{}AT{slot}_{tail8:0<8}", random_string("AAPT"))
}

/// `oauth2/revokeToken` (POST only): always `{"success": true}`.
pub fn revoke(shared: &Shared, req: &Req) -> Response {
    if req.method != Method::POST {
        return respond::post_only(req, "Unable to revoke token.");
    }
    let p = &req.params;
    if let (Some(client_id), Some(secret), Some(slot)) = (
        p.get("client_id"),
        p.get("client_secret"),
        p.get("apiToken"),
    ) {
        let owns = shared
            .config
            .api_key_credentials
            .iter()
            .any(|c| c.client_id == client_id && c.client_secret.expose() == secret);
        if let (true, Ok(slot)) = (owns, slot.parse::<u8>()) {
            shared.store.invalidate_api_key(client_id, slot);
        }
    } else if let Some(token) = p.get("auth_token") {
        shared.store.revoke(token);
    }
    respond::json(req, Format::Json, &json!({"success": true}))
}

/// `oauth2/validateAppAccess`.
pub fn validate_app_access(shared: &Shared, req: &Req) -> Response {
    if req
        .params
        .get("client_id")
        .and_then(|id| find_app(shared, id))
        .is_none()
    {
        let body = envelope_a(400, Some("GWM_0007"), "Invalid request", &[]);
        return respond::error(req, Format::Json, 400, &body);
    }
    match guard::check(shared, req, &[Audience::Portal]) {
        TokenCheck::Valid(_) => respond::json(
            req,
            Format::Json,
            &json!({"valid": true, "viewOnlyUserTypeApp": false}),
        ),
        TokenCheck::Missing => respond::token_required(req),
        TokenCheck::Invalid => respond::invalid_token(req),
    }
}

pub(super) fn find_app<'a>(shared: &'a Shared, client_id: &str) -> Option<&'a AppConfig> {
    shared.config.apps.iter().find(|a| a.client_id == client_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pkce_test_vector_verifier_hashes_to_its_challenge() {
        let verifier = "A".repeat(43);
        assert_eq!(
            URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())),
            "DwBzhbb51LfusnSGBa_hqYSgo7-j8BTQnip4TOnlzRo"
        );
    }

    #[test]
    fn minted_api_keys_carry_their_slot_ten_characters_from_the_end() {
        for slot in [1u8, 2] {
            let key = mint_api_key(slot);
            assert!(key.starts_with("AAPT"));
            let digit = &key[key.len() - 10..key.len() - 9];
            assert_eq!(digit, slot.to_string());
        }
    }
}
