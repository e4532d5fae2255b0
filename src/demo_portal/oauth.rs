//! Portal OAuth 2.0: `oauth2/authorize` (HTML sign-in page), `oauth2/signin` (the page's
//! form), `oauth2/token` (four grants plus `suspend_session`), `oauth2/revokeToken` and
//! `oauth2/validateAppAccess`.
//!
//! Token-endpoint errors use envelope B with HTTP 200 (4xx with `modern_errors`). Where the
//! protocol reference marks a body UNCONFIRMED, the choice is `invalid_request` with a plain
//! description (`Invalid authorization code`, `Invalid redirect_uri`, `Invalid code_verifier`)
//! and `invalid_client` / `Invalid client_secret` for a wrong secret.

use axum::http::{Method, StatusCode};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::Shared;
use super::config::AppConfig;
use super::guard::{self, TokenCheck};
use super::request::{Format, Req};
use super::respond::{self, envelope_a, envelope_b, escape};
use super::store::{
    AccessToken, Audience, AuthCode, Binding, Challenge, PendingSignIn, RefreshToken, ResponseType,
    Subject, TokenProblem, random_string,
};

const OOB: &str = "urn:ietf:wg:oauth:2.0:oob";
const DENIED: &str = "The user has denied your request.";

/// `oauth2/authorize`: validates the app and redirect URI and shows the sign-in page.
pub fn authorize(shared: &Shared, req: &Req) -> Response {
    let p = &req.params;
    let Some(app) = p.get("client_id").and_then(|id| find_app(shared, id)) else {
        return error_page(
            "Invalid client_id",
            "The app (client_id) is not registered with this portal.",
        );
    };
    let Some(redirect_uri) = p
        .get("redirect_uri")
        .filter(|uri| redirect_allowed(shared, app, uri))
    else {
        return error_page(
            "Invalid redirect_uri",
            "The redirect_uri is missing or not registered for this app (Error 400).",
        );
    };
    let response_type = match p.get("response_type") {
        Some("code") => ResponseType::Code,
        Some("token") => ResponseType::Token,
        _ => {
            return error_page(
                "Invalid response_type",
                "response_type must be code or token.",
            );
        }
    };
    let challenge = match (p.get("code_challenge"), p.get("code_challenge_method")) {
        (None, _) => None,
        (Some(c), Some("S256")) => Some(Challenge::S256(c.to_string())),
        (Some(c), Some("plain") | None) => Some(Challenge::Plain(c.to_string())),
        (Some(_), Some(_)) => {
            return error_page(
                "Invalid code_challenge_method",
                "code_challenge_method must be S256 or plain.",
            );
        }
    };
    let pending = PendingSignIn {
        client_id: app.client_id.clone(),
        redirect_uri: redirect_uri.to_string(),
        response_type,
        state: p.get("state").map(str::to_string),
        expiration: p.get("expiration").and_then(|e| e.parse().ok()),
        challenge,
        expires: shared.clock.now()
            + Duration::seconds(shared.config.lifetimes.authorization_code_seconds),
    };
    let oauth_state = shared.store.add_pending(pending, shared.clock.now());
    sign_in_page(shared, req, &oauth_state, app, &[])
}

/// `oauth2/signin`: the sign-in form's target (also what the Python API posts to).
pub fn signin(shared: &Shared, req: &Req) -> Response {
    let p = &req.params;
    let now = shared.clock.now();
    let Some((oauth_state, pending)) = p
        .get("oauth_state")
        .and_then(|s| shared.store.pending(s, now).map(|pending| (s, pending)))
    else {
        return error_page(
            "Sign-in expired",
            "This sign-in page is no longer valid. Start the sign-in again from the app.",
        );
    };
    let Some(app) = find_app(shared, &pending.client_id) else {
        return error_page("Invalid client_id", "The app is no longer registered.");
    };
    if p.has("cancel") || p.get("authorize") == Some("false") {
        shared.store.remove_pending(oauth_state);
        let mut fields = vec![("error", "access_denied"), ("error_description", DENIED)];
        return finish(&pending, &mut fields, "Access denied");
    }
    let user = shared.config.users.iter().find(|u| {
        p.get("username")
            .is_some_and(|name| name.eq_ignore_ascii_case(&u.username))
            && p.get("password") == Some(u.password.expose())
    });
    let Some(user) = user else {
        return sign_in_page(
            shared,
            req,
            oauth_state,
            app,
            &["Invalid username or password."],
        );
    };
    shared.store.remove_pending(oauth_state);
    tracing::debug!(client_id = %app.client_id, username = %user.username, "demo portal sign-in");
    match pending.response_type {
        ResponseType::Code => {
            let code = shared.store.add_code(
                AuthCode {
                    client_id: pending.client_id.clone(),
                    redirect_uri: pending.redirect_uri.clone(),
                    challenge: pending.challenge.clone(),
                    username: user.username.clone(),
                    refresh_minutes: refresh_minutes(shared, pending.expiration),
                    expires: now
                        + Duration::seconds(shared.config.lifetimes.authorization_code_seconds),
                },
                now,
            );
            finish(&pending, &mut vec![("code", code.as_str())], "SUCCESS")
        }
        ResponseType::Token => {
            let requested = p
                .get("expiration")
                .and_then(|e| e.parse().ok())
                .or(pending.expiration);
            let subject = Subject::User(user.username.clone());
            let (token, minutes) = app_lifetime_token(shared, subject, requested, true);
            let expires_in = (minutes * 60).to_string();
            let ssl = shared.config.org.all_ssl.to_string();
            let mut fields = vec![
                ("access_token", token.as_str()),
                ("expires_in", expires_in.as_str()),
                ("username", user.username.as_str()),
                ("ssl", ssl.as_str()),
                ("persist", "false"),
            ];
            finish(&pending, &mut fields, "SUCCESS")
        }
    }
}

/// Completes a sign-in: redirect with the fields (query for code, fragment for token), or
/// for the out-of-band URI an approval page `<title>SUCCESS code=…</title>`.
fn finish<'a>(
    pending: &'a PendingSignIn,
    fields: &mut Vec<(&'a str, &'a str)>,
    outcome: &str,
) -> Response {
    if let Some(state) = &pending.state {
        fields.push(("state", state.as_str()));
    }
    if pending.redirect_uri == OOB {
        let detail = fields
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" ");
        let code = fields.iter().find(|(k, _)| *k == "code").map(|(_, v)| *v);
        let title = match code {
            Some(code) => format!("SUCCESS code={code}"),
            None => format!("{outcome} {detail}"),
        };
        // The Python API parses `var oAuthInfo` on this page too (and treats a `messages` key
        // as a failed sign-in), so the page carries one without `messages`.
        let info = json!({"client_id": pending.client_id, "locale": "en"}).to_string();
        let body = match code {
            Some(code) => format!(
                "<script>var oAuthInfo = {info};</script>\n<h1>Sign-in complete</h1>\n<p>Copy this code into the application:</p>\n<input id=\"code\" readonly value=\"{}\">",
                escape(code)
            ),
            None => format!("<h1>{}</h1>", escape(outcome)),
        };
        return respond::html(StatusCode::OK, &title, &body);
    }
    let encoded = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields.iter())
        .finish()
        .replace('+', "%20");
    let location = match pending.response_type {
        ResponseType::Token => format!("{}#{encoded}", pending.redirect_uri),
        ResponseType::Code if pending.redirect_uri.contains('?') => {
            format!("{}&{encoded}", pending.redirect_uri)
        }
        ResponseType::Code => format!("{}?{encoded}", pending.redirect_uri),
    };
    respond::redirect(&location)
}

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
        family,
    });
    let mut body = user_access(shared, &grant.username, family);
    insert_refresh(shared, &mut body, &refresh_token, refresh_expires);
    Ok(Value::Object(body))
}

fn refresh_grant(shared: &Shared, req: &Req) -> Outcome {
    let app = requesting_app(shared, req)?;
    let refresh = live_refresh(shared, req, app)?;
    Ok(Value::Object(user_access(
        shared,
        &refresh.username,
        refresh.family,
    )))
}

fn exchange_grant(shared: &Shared, req: &Req) -> Outcome {
    let app = requesting_app(shared, req)?;
    let redirect_uri = required(req, "redirect_uri")?;
    if !redirect_allowed(shared, app, redirect_uri) {
        return Err(oauth_error(400, "invalid_request", "Invalid redirect_uri"));
    }
    let old = live_refresh(shared, req, app)?;
    // The old refresh token and every access token issued from it stop working; the new
    // refresh token keeps the old one's expiry.
    shared.store.revoke_family(old.family);
    let family = shared.store.new_family();
    let refresh_token = shared.store.add_refresh(RefreshToken {
        family,
        ..old.clone()
    });
    let mut body = user_access(shared, &old.username, family);
    insert_refresh(shared, &mut body, &refresh_token, old.expires);
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
fn app_lifetime_token(
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

fn find_app<'a>(shared: &'a Shared, client_id: &str) -> Option<&'a AppConfig> {
    shared.config.apps.iter().find(|a| a.client_id == client_id)
}

/// Refresh-token lifetime for an `authorize` `expiration`: `-1` = never expires (unless the
/// organisation caps lifetimes), otherwise clamped to the maximum.
fn refresh_minutes(shared: &Shared, requested: Option<i64>) -> Option<i64> {
    let l = &shared.config.lifetimes;
    if requested == Some(-1) && shared.config.org.max_token_expiration_minutes <= 0 {
        return None;
    }
    Some(shared.config.clamp_minutes(
        requested,
        l.refresh_token_default_minutes,
        l.refresh_token_max_minutes,
    ))
}

/// Whether `uri` is registered for `app`: exact match, `*.` host wildcards, a registered
/// path ending in `/` covering the paths below it, and (switch, default on) any port on a
/// loopback host registered without a port.
pub fn redirect_allowed(shared: &Shared, app: &AppConfig, uri: &str) -> bool {
    let any_port = shared.config.behaviour.loopback_any_port;
    app.redirect_uris
        .iter()
        .any(|registered| redirect_matches(registered, uri, any_port))
}

fn redirect_matches(registered: &str, given: &str, loopback_any_port: bool) -> bool {
    if registered == given {
        return true;
    }
    if registered == OOB || given == OOB {
        return false;
    }
    let (Ok(r), Ok(g)) = (url::Url::parse(registered), url::Url::parse(given)) else {
        return false;
    };
    if r.scheme() != g.scheme() || g.scheme() == "file" {
        return false;
    }
    let (Some(rh), Some(gh)) = (r.host_str(), g.host_str()) else {
        return false;
    };
    let host_ok = rh.eq_ignore_ascii_case(gh)
        || rh.strip_prefix('*').is_some_and(|suffix| {
            suffix.starts_with('.')
                && gh
                    .to_ascii_lowercase()
                    .ends_with(&suffix.to_ascii_lowercase())
        });
    let loopback = matches!(gh, "127.0.0.1" | "localhost" | "[::1]");
    let port_ok = r.port_or_known_default() == g.port_or_known_default()
        || (loopback_any_port && loopback && r.port().is_none());
    let path_ok =
        r.path() == g.path() || (r.path().ends_with('/') && g.path().starts_with(r.path()));
    let query_ok = r.query().is_none() || r.query() == g.query();
    host_ok && port_ok && path_ok && query_ok
}

/// The HTML sign-in page with `var oAuthInfo = {…};` (what the Python API scrapes) and a
/// form posting to `oauth2/signin` with Sign In and Deny buttons.
fn sign_in_page(
    shared: &Shared,
    req: &Req,
    oauth_state: &str,
    app: &AppConfig,
    messages: &[&str],
) -> Response {
    let info = json!({
        "oauth_state": oauth_state,
        "client_id": app.client_id,
        "appTitle": app.title,
        "orgName": shared.config.org.name,
        "locale": "en",
        "messages": messages,
    });
    // One line of JSON, with `</` escaped so it cannot close the script element.
    let info = info.to_string().replace("</", "<\\/");
    let message_html: String = messages
        .iter()
        .map(|m| format!("<p class=\"error\" role=\"alert\">{}</p>\n", escape(m)))
        .collect();
    let body = format!(
        "<script>var oAuthInfo = {info};</script>\n\
<h1>Sign in to {org}</h1>\n<p>{app} would like to access your account.</p>\n{message_html}\
<form id=\"oauth\" method=\"post\" action=\"{base}/oauth2/signin\">\n\
<input type=\"hidden\" name=\"oauth_state\" value=\"{state}\">\n\
<label>Username <input type=\"text\" name=\"username\" autocomplete=\"username\"></label>\n\
<label>Password <input type=\"password\" name=\"password\" autocomplete=\"current-password\"></label>\n\
<button type=\"submit\" id=\"signIn\" name=\"authorize\" value=\"true\">Sign In</button>\n\
<button type=\"submit\" id=\"deny\" name=\"cancel\" value=\"true\" formnovalidate>Deny</button>\n\
</form>",
        org = escape(&shared.config.org.name),
        app = escape(&app.title),
        base = escape(&req.base),
        state = escape(oauth_state),
    );
    respond::html(StatusCode::OK, "Sign In", &body)
}

fn error_page(title: &str, text: &str) -> Response {
    respond::html(
        StatusCode::BAD_REQUEST,
        title,
        &format!(
            "<h1>Error 400: {}</h1>\n<p>{}</p>",
            escape(title),
            escape(text)
        ),
    )
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

    #[test]
    fn loopback_redirects_match_any_port_only_when_switched_on() {
        let reg = "http://127.0.0.1/";
        assert!(redirect_matches(
            reg,
            "http://127.0.0.1:53124/callback",
            true
        ));
        assert!(!redirect_matches(
            reg,
            "http://127.0.0.1:53124/callback",
            false
        ));
        assert!(!redirect_matches(reg, "http://evil.example:53124/", true));
        assert!(!redirect_matches(reg, "https://127.0.0.1:53124/", true));
        assert!(redirect_matches(
            "https://*.arcgis.com",
            "https://x.arcgis.com",
            false
        ));
        assert!(!redirect_matches(
            "https://*.arcgis.com",
            "https://arcgis.com.evil",
            false
        ));
        assert!(!redirect_matches(OOB, "http://127.0.0.1/", true));
        assert!(redirect_matches(OOB, OOB, false));
        assert!(!redirect_matches(
            "http://localhost:8080/a",
            "http://localhost:8080/ab",
            true
        ));
    }
}
