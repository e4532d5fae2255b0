//! Checking the token a request presents, and issuing `generateToken`-style tokens
//! (portal, federated server, stand-alone server): credentials, binding (`client=referer|ip|
//! requestip`) and clamped `expiration`.

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};

use super::Shared;
use super::request::Req;
use super::store::{AccessToken, Audience, Binding, Subject};

/// The outcome of checking a request's token.
#[derive(Debug)]
pub enum TokenCheck {
    /// No token at all (→ 499).
    Missing,
    /// A token that is unknown, expired, revoked, for another site, or used from the wrong
    /// Referer / address (→ 498).
    Invalid,
    /// A good token.
    Valid(AccessToken),
}

/// Checks the request's token against the audiences this endpoint accepts.
pub fn check(shared: &Shared, req: &Req, accepted: &[Audience]) -> TokenCheck {
    let Some(token) = req.token() else {
        return TokenCheck::Missing;
    };
    let Ok(found) = shared.store.access(&token, shared.clock.now()) else {
        return TokenCheck::Invalid;
    };
    if !accepted.contains(&found.audience) || !binding_holds(&found.binding, req) {
        return TokenCheck::Invalid;
    }
    TokenCheck::Valid(found)
}

fn binding_holds(binding: &Binding, req: &Req) -> bool {
    match binding {
        Binding::None => true,
        // Exact string match: clients send non-URL referers such as `http` or
        // `@esri/arcgis-rest-js`, and the real comparison rule is unconfirmed.
        Binding::Referer(expected) => req.referer() == Some(expected.as_str()),
        Binding::Ip(ip) => *ip == req.peer,
    }
}

/// The binding asked for by `client` (+ `referer` / `ip`); `Err` holds the error detail.
/// Without `client` the token is not bound.
pub fn requested_binding(req: &Req) -> Result<Binding, &'static str> {
    match req
        .params
        .get("client")
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("referer") => req
            .params
            .get("referer")
            .map(|r| Binding::Referer(r.to_string()))
            .ok_or("'referer' must be specified."),
        Some("ip") => req
            .params
            .get("ip")
            .and_then(|ip| ip.parse::<IpAddr>().ok())
            .map(Binding::Ip)
            .ok_or("'ip' must be specified."),
        Some("requestip") => Ok(Binding::Ip(req.peer)),
        _ => Ok(Binding::None),
    }
}

/// `username` and `password` from the request; `Err` lists what is missing, in the
/// ArcGIS wording.
pub fn credentials(req: &Req) -> Result<(&str, &str), Vec<&'static str>> {
    match (req.params.get("username"), req.params.get("password")) {
        (Some(username), Some(password)) => Ok((username, password)),
        (username, password) => Err([
            username
                .is_none()
                .then_some("'username' must be specified."),
            password
                .is_none()
                .then_some("'password' must be specified."),
        ]
        .into_iter()
        .flatten()
        .collect()),
    }
}

/// Issues a `generateToken`-style token for `subject`, valid at `audience`, bound as the
/// request's `client` asks, for `expiration` minutes clamped to `[default, max]`.
/// Returns the token and its expiry; `Err` holds the error detail.
pub fn issue(
    shared: &Shared,
    req: &Req,
    subject: Subject,
    audience: Audience,
    (default_minutes, max_minutes): (i64, i64),
) -> Result<(String, DateTime<Utc>), &'static str> {
    let binding = requested_binding(req)?;
    let minutes = shared.config.clamp_minutes(
        req.params.get("expiration").and_then(|e| e.parse().ok()),
        default_minutes,
        max_minutes,
    );
    let expires = shared.clock.now() + Duration::minutes(minutes);
    let token = shared.store.add_access(AccessToken {
        subject,
        audience,
        expires,
        family: None,
        binding,
        revocable: false,
    });
    Ok((token, expires))
}
