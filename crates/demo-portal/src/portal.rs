//! Portal Sharing API endpoints other than OAuth: the root, `info`, `generateToken` (user
//! credentials and federated-server tokens), `portals/self`, `community/self`,
//! `community/users/{username}` and a token-protected sample item.

use axum::http::Method;
use axum::response::Response;
use serde_json::{Value, json};

use super::Shared;
use super::config::UserConfig;
use super::guard::{self, TokenCheck};
use super::request::{Format, Req};
use super::respond::{self, envelope_a};
use super::store::{Audience, Subject};
use super::{oauth, signin};

/// ID of the sample item (owned by the first seed user, private: needs a user token).
pub const SAMPLE_ITEM_ID: &str = "7d0c0ffee0de4d3e8a5e0000000000d1";

/// Routes a portal request.
pub fn handle(shared: &Shared, req: &Req) -> Response {
    let endpoint = req.endpoint_lower();
    match endpoint.as_str() {
        "" => root(shared, req),
        "info" => info(shared, req),
        "generatetoken" => generate_token(shared, req),
        "oauth2/authorize" => signin::authorize(shared, req),
        "oauth2/signin" => signin::signin(shared, req),
        "oauth2/token" => oauth::token(shared, req),
        "oauth2/revoketoken" => oauth::revoke(shared, req),
        "oauth2/validateappaccess" => oauth::validate_app_access(shared, req),
        "portals/self" => portals_self(shared, req),
        "community/self" => community_self(shared, req),
        _ => {
            if let Some(name) = req.endpoint.strip_prefix("community/users/") {
                return community_user(shared, req, name);
            }
            if let Some(rest) = req.endpoint.strip_prefix("content/items/") {
                return sample_item(shared, req, rest);
            }
            respond::not_found(req)
        }
    }
}

/// The Sharing API root: `{"currentVersion": …}`. A token, if given, must be good (498
/// otherwise): the JS SDK checks portal tokens this way.
fn root(shared: &Shared, req: &Req) -> Response {
    if let TokenCheck::Invalid = guard::check(shared, req, &[Audience::Portal]) {
        return respond::invalid_token(req);
    }
    let body = json!({"currentVersion": shared.config.org.current_version});
    respond::json(req, Format::Html, &body)
}

fn info(shared: &Shared, req: &Req) -> Response {
    let urls = &shared.urls;
    respond::json(
        req,
        Format::Html,
        &json!({
            "owningSystemUrl": urls.portal_root,
            "authInfo": {
                "tokenServicesUrl": format!("{}/generateToken", urls.sharing_rest),
                "isTokenBasedSecurity": true,
            },
        }),
    )
}

fn generate_error(req: &Req, details: &[&str]) -> Response {
    let body = envelope_a(400, None, "Unable to generate token.", details);
    respond::error(req, Format::Html, 400, &body)
}

/// `generateToken` (POST only): a portal token for username/password, or with `token` +
/// `serverUrl` (any letter case) a token for the federated server.
fn generate_token(shared: &Shared, req: &Req) -> Response {
    if req.method != Method::POST {
        return respond::post_only(req, "Unable to generate token.");
    }
    if let Some(server_url) = req.params.get_any_case("serverUrl") {
        return federated_server_token(shared, req, server_url);
    }
    let (username, password) = match guard::credentials(req) {
        Ok(credentials) => credentials,
        Err(missing) => return generate_error(req, &missing),
    };
    // Case-sensitive user name here, unlike OAuth sign-in.
    let Some(user) = shared
        .config
        .users
        .iter()
        .find(|u| u.username == username && u.password.expose() == password)
    else {
        return generate_error(req, &["Invalid username or password."]);
    };
    let subject = Subject::User(user.username.clone());
    let outcome = guard::issue(
        shared,
        req,
        subject,
        Audience::Portal,
        generate_limits(shared),
    );
    issued(shared, req, outcome)
}

fn generate_limits(shared: &Shared) -> (i64, i64) {
    let l = &shared.config.lifetimes;
    (
        l.generate_token_default_minutes,
        l.generate_token_max_minutes,
    )
}

/// The `generateToken` answer: `{"token","expires","ssl"}`, or the error detail.
fn issued(
    shared: &Shared,
    req: &Req,
    outcome: Result<(String, chrono::DateTime<chrono::Utc>), &'static str>,
) -> Response {
    match outcome {
        Ok((token, expires)) => respond::json(
            req,
            Format::Html,
            &json!({"token": token, "expires": expires.timestamp_millis(), "ssl": shared.config.org.all_ssl}),
        ),
        Err(detail) => generate_error(req, &[detail]),
    }
}

/// Federated-server token: the portal token must be a user's; `serverUrl` may be the
/// federated server's root, any URL under it, or the bare origin (which both servers share,
/// so an origin means the federated one).
fn federated_server_token(shared: &Shared, req: &Req, server_url: &str) -> Response {
    let found = match guard::check(shared, req, &[Audience::Portal]) {
        TokenCheck::Missing => {
            return generate_error(
                req,
                &["Unable to get 'token' from the request or cookie, for server token."],
            );
        }
        TokenCheck::Invalid => return respond::invalid_token(req),
        TokenCheck::Valid(found) => found,
    };
    let Subject::User(username) = &found.subject else {
        return respond::permission_denied(req);
    };
    if !names_federated_server(shared, server_url) {
        return generate_error(
            req,
            &["The serverUrl is not a server federated with this portal."],
        );
    }
    let subject = Subject::User(username.clone());
    let outcome = guard::issue(
        shared,
        req,
        subject,
        Audience::FederatedServer,
        generate_limits(shared),
    );
    issued(shared, req, outcome)
}

fn names_federated_server(shared: &Shared, server_url: &str) -> bool {
    let Ok(given) = url::Url::parse(server_url) else {
        return false;
    };
    let Ok(root) = url::Url::parse(&shared.urls.federated_root) else {
        return false;
    };
    let same_origin = given.scheme().eq_ignore_ascii_case(root.scheme())
        && given.host() == root.host()
        && given.port_or_known_default() == root.port_or_known_default();
    let path = given.path().trim_end_matches('/').to_ascii_lowercase();
    let root_path = root.path().trim_end_matches('/');
    same_origin
        && (path.is_empty() || path == root_path || path.starts_with(&format!("{root_path}/")))
}

/// `portals/self`: organisation fields always; `user` for user tokens, `appInfo` for app
/// tokens and API keys.
/// `currentVersion` of `portals/self`: a string on ArcGIS Online (`"2025.1"`), a number on
/// Enterprise portals (`11.3`), as the real ones give it (§6 of the protocol notes).
fn current_version(org: &super::config::OrgConfig) -> Value {
    match org.current_version.parse::<f64>() {
        Ok(number) if org.is_portal => json!(number),
        _ => json!(org.current_version),
    }
}

fn portals_self(shared: &Shared, req: &Req) -> Response {
    let org = &shared.config.org;
    let mut body = json!({
        "id": org.id,
        "name": org.name,
        "isPortal": org.is_portal,
        "portalMode": if org.is_portal { "singletenant" } else { "multitenant" },
        "portalName": if org.is_portal { "ArcGIS Enterprise" } else { "ArcGIS Online" },
        "portalHostname": shared.urls.portal_root.trim_start_matches("https://"),
        "urlKey": org.url_key,
        "customBaseUrl": org.custom_base_url,
        "currentVersion": current_version(org),
        "allSSL": org.all_ssl,
        "supportsOAuth": true,
        "maxTokenExpirationMinutes": org.max_token_expiration_minutes,
        "authorizedCrossOriginDomains": org.authorized_cross_origin_domains,
        "authorizedCrossOriginNoCorsDomains": [],
        "helperServices": {
            "geometry": {"url": format!("{}/rest/services/Utilities/Geometry/GeometryServer", shared.urls.federated_root)},
            "printTask": {"url": format!("{}/rest/services/Utilities/PrintingTools/GPServer/Export%20Web%20Map%20Task", shared.urls.federated_root)},
            "geocode": [],
        },
    });
    let extra = match guard::check(shared, req, &[Audience::Portal]) {
        TokenCheck::Missing => None,
        TokenCheck::Invalid => return respond::invalid_token(req),
        TokenCheck::Valid(found) => match &found.subject {
            Subject::User(username) => {
                find_user(shared, username).map(|u| ("user", user_json(shared, u)))
            }
            Subject::App(client_id) => Some(("appInfo", app_info(shared, client_id))),
            Subject::ApiKey { client_id, slot } => {
                let mut info = app_info(shared, client_id);
                if let (Some(expires), Some(obj)) =
                    (key_expiry(shared, client_id, *slot), info.as_object_mut())
                {
                    obj.insert(format!("apiToken{slot}ExpirationDate"), expires.into());
                }
                Some(("appInfo", info))
            }
        },
    };
    if let (Some((key, value)), Some(obj)) = (extra, body.as_object_mut()) {
        obj.insert(key.into(), value);
    }
    respond::json(req, Format::Html, &body)
}

fn app_info(shared: &Shared, client_id: &str) -> Value {
    let (title, owner) = shared
        .config
        .apps
        .iter()
        .find(|a| a.client_id == client_id)
        .map(|a| (a.title.clone(), a.owner.clone()))
        .or_else(|| {
            shared
                .config
                .api_key_credentials
                .iter()
                .find(|c| c.client_id == client_id)
                .map(|c| (c.title.clone(), c.owner.clone()))
        })
        .unwrap_or_default();
    json!({
        "appId": client_id,
        "appOwner": owner,
        "appTitle": title,
        "itemId": item_id_for(client_id),
        "orgId": shared.config.org.id,
        "privileges": ["portal:user:viewOrgItems"],
    })
}

/// The expiry (epoch ms) of an API key credential's key slot, as the registered app's
/// `apiToken{1,2}ExpirationDate` says it (protocol §4); `None` for legacy keys (slot 0).
fn key_expiry(shared: &Shared, client_id: &str, slot: u8) -> Option<i64> {
    let credential = shared
        .config
        .api_key_credentials
        .iter()
        .find(|c| c.client_id == client_id)?;
    let days = match slot {
        1 => credential.slot1_expires_in_days?,
        2 => credential.slot2_expires_in_days?,
        _ => return None,
    };
    Some((shared.started + chrono::Duration::days(days.min(365))).timestamp_millis())
}

/// A stable 32-hex-digit item ID derived from a client ID.
fn item_id_for(client_id: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(client_id.as_bytes())
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `community/self`: the token's user (499 without a token, 403 for app tokens).
fn community_self(shared: &Shared, req: &Req) -> Response {
    match guard::check(shared, req, &[Audience::Portal]) {
        TokenCheck::Missing => respond::token_required(req),
        TokenCheck::Invalid => respond::invalid_token(req),
        TokenCheck::Valid(found) => match &found.subject {
            Subject::User(username) => match find_user(shared, username) {
                Some(user) => respond::json(req, Format::Html, &user_json(shared, user)),
                None => respond::invalid_token(req),
            },
            _ => respond::permission_denied(req),
        },
    }
}

/// `community/users/{username}`: a user's profile (a bad token still gets 498).
fn community_user(shared: &Shared, req: &Req, username: &str) -> Response {
    if let TokenCheck::Invalid = guard::check(shared, req, &[Audience::Portal]) {
        return respond::invalid_token(req);
    }
    match shared
        .config
        .users
        .iter()
        .find(|u| u.username.eq_ignore_ascii_case(username))
    {
        Some(user) => respond::json(req, Format::Html, &user_json(shared, user)),
        None => {
            let body = envelope_a(400, Some("COM_0003"), "User not found.", &[]);
            respond::error(req, Format::Html, 400, &body)
        }
    }
}

/// `content/items/{id}` and `content/items/{id}/data`: a private item of the first user.
fn sample_item(shared: &Shared, req: &Req, rest: &str) -> Response {
    let (id, data) = match rest.split_once('/') {
        Some((id, "data")) => (id, true),
        Some(_) => return respond::not_found(req),
        None => (rest, false),
    };
    if id != SAMPLE_ITEM_ID {
        let body = envelope_a(
            400,
            Some("CONT_0001"),
            "Item does not exist or is inaccessible.",
            &[],
        );
        return respond::error(req, Format::Html, 400, &body);
    }
    let found = match guard::check(shared, req, &[Audience::Portal]) {
        TokenCheck::Missing => return respond::token_required(req),
        TokenCheck::Invalid => return respond::invalid_token(req),
        TokenCheck::Valid(found) => found,
    };
    if !matches!(found.subject, Subject::User(_)) {
        return respond::permission_denied(req);
    }
    let owner = shared
        .config
        .users
        .first()
        .map(|u| u.username.clone())
        .unwrap_or_default();
    let body = if data {
        json!({"operationalLayers": [{"id": "demo", "title": "Demo points", "url": format!("{}/rest/services/Demo/MapServer/0", shared.urls.federated_root)}], "version": "2.31"})
    } else {
        json!({
            "id": SAMPLE_ITEM_ID,
            "owner": owner,
            "title": "TokenDesk demo web map",
            "type": "Web Map",
            "access": "private",
            "orgId": shared.config.org.id,
            "created": shared.started.timestamp_millis(),
            "modified": shared.started.timestamp_millis(),
        })
    };
    respond::json(req, Format::Html, &body)
}

fn find_user<'a>(shared: &'a Shared, username: &str) -> Option<&'a UserConfig> {
    shared.config.users.iter().find(|u| u.username == username)
}

/// The user object of `community/self`, `community/users/{name}` and `portals/self` `user`.
/// No `roleId`: the ArcGIS API for Python would then query `portals/self/roles`, which the
/// demo portal does not serve (built-in roles only).
fn user_json(shared: &Shared, user: &UserConfig) -> Value {
    let (first, last) = user
        .full_name
        .split_once(' ')
        .unwrap_or((&user.full_name, ""));
    let privileges: &[&str] = match user.role.as_str() {
        "org_admin" => &[
            "portal:admin:viewUsers",
            "portal:admin:updateUsers",
            "portal:admin:viewItems",
            "portal:publisher:publishFeatures",
            "portal:user:createItem",
            "portal:user:shareToGroup",
        ],
        "org_publisher" => &[
            "portal:publisher:publishFeatures",
            "portal:user:createItem",
            "portal:user:shareToGroup",
        ],
        _ => &["portal:user:createItem"],
    };
    let started = shared.started.timestamp_millis();
    json!({
        "username": user.username,
        "id": item_id_for(&user.username),
        "fullName": user.full_name,
        "firstName": first,
        "lastName": last,
        "email": user.email,
        "orgId": shared.config.org.id,
        "role": user.role,
        "privileges": privileges,
        "userType": "both",
        "userLicenseTypeId": "creatorUT",
        "level": "2",
        "access": "org",
        "storageUsage": 0,
        "storageQuota": 2_199_023_255_552_u64,
        "culture": "en",
        "cultureFormat": "us",
        "region": "",
        "units": "metric",
        "thumbnail": null,
        "description": null,
        "created": started,
        "modified": started,
        "lastLogin": shared.clock.now().timestamp_millis(),
        "mfaEnabled": false,
        "disabled": false,
        "provider": "arcgis",
        "groups": [],
    })
}
