//! The portal's HTML sign-in: `oauth2/authorize` shows the page (with the
//! `var oAuthInfo = {…};` the Python API scrapes), `oauth2/signin` takes its form and
//! finishes with a redirect (code in the query, implicit token in the fragment), an
//! out-of-band approval page (`<title>SUCCESS code=…</title>`), or the page again with a
//! message.

use axum::http::StatusCode;
use axum::response::Response;
use chrono::Duration;
use serde_json::json;

use super::Shared;
use super::config::AppConfig;
use super::config::OOB;
use super::oauth::{app_lifetime_token, find_app};
use super::redirect::redirect_allowed;
use super::request::Req;
use super::respond::{self, escape};
use super::store::{AuthCode, Challenge, PendingSignIn, ResponseType, Subject};

/// Word for word fixture R2's `error_description` (no full stop).
const DENIED: &str = "The user has denied your request";

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
