//! The ArcGIS Server sites: `/server` (federated with the portal: its tokens come from
//! the portal's `generateToken`), `/gis` (stand-alone: its own users, `tokens/generateToken`
//! and `admin/generateToken`), each with a token-protected `Demo/MapServer` and
//! `Demo/FeatureServer` ([`feature_service`](super::feature_service)), and `/public` (no
//! token security: `rest/info` without `authInfo`, the same services open to all).
//!
//! The federated server accepts portal tokens and server tokens issued for it; the
//! stand-alone server accepts only its own tokens.

use axum::http::Method;
use axum::response::Response;
use serde_json::{Value, json};

use super::Shared;
use super::feature_service;
use super::guard::{self, TokenCheck};
use super::request::{Format, Req, Site};
use super::respond::{self, envelope_a};
use super::store::{Audience, Subject};

const VERSION: f64 = 11.3;
const FULL_VERSION: &str = "11.3.0";

/// Routes a request to either server site.
pub fn handle(shared: &Shared, req: &Req) -> Response {
    let endpoint = req.endpoint_lower();
    let standalone = req.site == Site::StandaloneServer;
    match endpoint.as_str() {
        "rest/info" => info(shared, req),
        "rest/services" => directory(shared, req),
        "tokens" | "tokens/generatetoken" if standalone => generate_token(shared, req),
        "admin/generatetoken" if standalone => admin_generate_token(shared, req),
        e if e == "rest/services/demo/mapserver"
            || e.starts_with("rest/services/demo/mapserver/") =>
        {
            demo_service(
                shared,
                req,
                &endpoint["rest/services/demo/mapserver".len()..],
            )
        }
        e if e == "rest/services/demo/featureserver"
            || e.starts_with("rest/services/demo/featureserver/") =>
        {
            match refusal(shared, req) {
                Some(refused) => refused,
                None => feature_service::handle(
                    shared,
                    req,
                    &endpoint["rest/services/demo/featureserver".len()..],
                ),
            }
        }
        _ => respond::not_found(req),
    }
}

fn accepted(site: Site) -> &'static [Audience] {
    match site {
        Site::StandaloneServer => &[Audience::StandaloneServer],
        _ => &[Audience::Portal, Audience::FederatedServer],
    }
}

fn info(shared: &Shared, req: &Req) -> Response {
    let urls = &shared.urls;
    let body = match req.site {
        Site::PublicServer => json!({
            "currentVersion": VERSION,
            "fullVersion": FULL_VERSION,
            "soapUrl": format!("{}/services", urls.public_root),
            "secureSoapUrl": null,
        }),
        Site::StandaloneServer => json!({
            "currentVersion": VERSION,
            "fullVersion": FULL_VERSION,
            "soapUrl": format!("{}/services", urls.standalone_root),
            "secureSoapUrl": null,
            "authInfo": {
                "isTokenBasedSecurity": true,
                // The bare `…/tokens/`, as real stand-alone servers advertise it (§1.2).
                "tokenServicesUrl": format!("{}/tokens/", urls.standalone_root),
                "shortLivedTokenValidity": shared.config.lifetimes.server_token_default_minutes,
            },
        }),
        _ => json!({
            "currentVersion": VERSION,
            "fullVersion": FULL_VERSION,
            "owningSystemUrl": urls.portal_root,
            "authInfo": {
                "isTokenBasedSecurity": true,
                "tokenServicesUrl": format!("{}/generateToken", urls.sharing_rest),
            },
        }),
    };
    respond::json(req, Format::Html, &body)
}

/// `rest/services`: lists the demo service; a token, if given, must be good (498 otherwise),
/// which is how the JS SDK checks a server token.
fn directory(shared: &Shared, req: &Req) -> Response {
    if req.site != Site::PublicServer
        && let TokenCheck::Invalid = guard::check(shared, req, accepted(req.site))
    {
        return respond::invalid_token(req);
    }
    respond::json(
        req,
        Format::Html,
        &json!({
            "currentVersion": VERSION,
            "folders": [],
            "services": [
                {"name": "Demo", "type": "MapServer"},
                {"name": "Demo", "type": "FeatureServer"},
            ],
        }),
    )
}

/// The token guard of the sample services: `None` lets the request through (a good token, or
/// the public site, which ignores tokens); otherwise the site's 499 (no token) or 498 (a bad
/// one, or one for another site).
fn refusal(shared: &Shared, req: &Req) -> Option<Response> {
    if req.site == Site::PublicServer {
        return None;
    }
    match guard::check(shared, req, accepted(req.site)) {
        TokenCheck::Missing => Some(respond::token_required(req)),
        TokenCheck::Invalid => Some(respond::invalid_token(req)),
        TokenCheck::Valid(_) => None,
    }
}

fn demo_service(shared: &Shared, req: &Req, below: &str) -> Response {
    if let Some(refused) = refusal(shared, req) {
        return refused;
    }
    let body = match below.trim_matches('/') {
        "" => json!({
            "currentVersion": VERSION,
            "serviceDescription": "TokenDesk demo map service",
            "mapName": "Demo",
            "description": "A token-protected sample service of the TokenDesk demo portal.",
            "spatialReference": {"wkid": 4326, "latestWkid": 4326},
            "singleFusedMapCache": false,
            "layers": [{"id": 0, "name": "Demo points", "parentLayerId": -1, "defaultVisibility": true, "subLayerIds": null, "geometryType": "esriGeometryPoint"}],
            "tables": [],
            "capabilities": "Map,Query,Data",
        }),
        "0" => json!({
            "currentVersion": VERSION,
            "id": 0,
            "name": "Demo points",
            "type": "Feature Layer",
            "geometryType": "esriGeometryPoint",
            "fields": [{"name": "OBJECTID", "type": "esriFieldTypeOID", "alias": "OBJECTID"}],
            "capabilities": "Map,Query,Data",
        }),
        _ => return respond::not_found(req),
    };
    respond::json(req, Format::Html, &body)
}

fn server_user<'a>(
    shared: &'a Shared,
    req: &Req,
) -> Result<&'a super::config::ServerUserConfig, Vec<&'static str>> {
    let (username, password) = guard::credentials(req)?;
    shared
        .config
        .server_users
        .iter()
        .find(|u| u.username == username && u.password.expose() == password)
        .ok_or_else(|| vec!["Invalid username or password."])
}

fn issue_server_token(
    shared: &Shared,
    req: &Req,
    username: &str,
) -> Result<(String, i64), &'static str> {
    let l = &shared.config.lifetimes;
    let limits = (l.server_token_default_minutes, l.server_token_max_minutes);
    let subject = Subject::User(username.to_string());
    let (token, expires) = guard::issue(shared, req, subject, Audience::StandaloneServer, limits)?;
    Ok((token, expires.timestamp_millis()))
}

/// `tokens/generateToken`: POST with the credentials in the body (GET and credentials in the
/// query string only with `server_allow_http_get`).
fn generate_token(shared: &Shared, req: &Req) -> Response {
    let allow_get = shared.config.behaviour.server_allow_http_get;
    if req.method != Method::POST && !allow_get {
        return respond::post_only(req, "Unable to generate token.");
    }
    let fail = |details: &[&str]| {
        let body = envelope_a(400, None, "Unable to generate token.", details);
        respond::error(req, Format::Html, 400, &body)
    };
    if !allow_get && req.in_query(&["username", "password"]) {
        return fail(&["Credentials must be sent in the body of an HTTP POST request."]);
    }
    let user = match server_user(shared, req) {
        Ok(user) => user,
        Err(details) => return fail(&details),
    };
    match issue_server_token(shared, req, &user.username) {
        Ok((token, expires)) => respond::json(
            req,
            Format::Html,
            &json!({"token": token, "expires": expires}),
        ),
        Err(detail) => fail(&[detail]),
    }
}

/// `admin/generateToken`: administrators only; `expires` is a string; errors in the admin
/// API's `{"status":"error","messages":[…],"code":n}` shape.
fn admin_generate_token(shared: &Shared, req: &Req) -> Response {
    let fail = |code: u16, messages: &[&str]| {
        let body: Value = json!({"status": "error", "messages": messages, "code": code});
        respond::error(req, Format::Html, code, &body)
    };
    let user = match server_user(shared, req) {
        Ok(user) => user,
        Err(details) => return fail(400, &details),
    };
    if !user.admin {
        return fail(403, &["The user is not an administrator of this server."]);
    }
    match issue_server_token(shared, req, &user.username) {
        Ok((token, expires)) => respond::json(
            req,
            Format::Html,
            &json!({"token": token, "expires": expires.to_string()}),
        ),
        Err(detail) => fail(400, &[detail]),
    }
}
