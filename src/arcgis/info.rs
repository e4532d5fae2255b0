//! Read-only description endpoints: portal `info`, `portals/self`, `community/self`, and
//! ArcGIS Server `rest/info`. No secrets are sent except an optional token (in the body).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::ArcGisError;
use super::http::{ArcGisClient, Call, wire_is_typed};
use super::time::Instant;
use super::url::{PortalUrl, ServerUrl};
use crate::secret::AccessToken;

/// `authInfo` of portal `info` and server `rest/info`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthInfo {
    /// Token-based security is on (absent = false: a public server).
    #[serde(default)]
    pub is_token_based_security: bool,
    /// The token service (portal `generateToken`, or a server's `…/tokens/`). The JS SDK
    /// also reads the spelling `tokenServiceUrl`; accepted too.
    #[serde(default, alias = "tokenServiceUrl")]
    pub token_services_url: Option<String>,
    /// Default lifetime of short-lived server tokens, in minutes.
    #[serde(default)]
    pub short_lived_token_validity: Option<u32>,
}

/// Portal `sharing/rest/info`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PortalInfo {
    /// The portal's own base URL, e.g. `https://www.arcgis.com`.
    #[serde(default)]
    pub owning_system_url: Option<String>,
    /// Token settings.
    #[serde(default)]
    pub auth_info: AuthInfo,
}

/// A version that arrives as a string (`"5.4"`, ArcGIS Online) or a number (`10.61`,
/// servers and some Enterprise portals); kept as its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Version(pub String);

impl<'de> Deserialize<'de> for Version {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::String(text) => Ok(Self(text)),
            Value::Number(number) => Ok(Self(number.to_string())),
            // Named by its kind, never quoted: the value may hold anything, a token too.
            other => Err(serde::de::Error::custom(format!(
                "a version must be a string or a number, not {}",
                match other {
                    Value::Null => "null",
                    Value::Bool(_) => "true or false",
                    Value::Array(_) => "an array",
                    _ => "an object",
                }
            ))),
        }
    }
}

/// A user as `community/self` (top level) and `portals/self` (`user`) describe it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PortalUser {
    /// The user name, verbatim (a rest-js mock has a leading space: kept as given).
    pub username: String,
    /// Display name.
    #[serde(default)]
    pub full_name: Option<String>,
    /// `org_admin`, `org_publisher`, `org_user` or a custom role ID.
    #[serde(default)]
    pub role: Option<String>,
    /// E-mail address.
    #[serde(default)]
    pub email: Option<String>,
    /// Organisation ID.
    #[serde(default)]
    pub org_id: Option<String>,
    /// Privileges such as `portal:user:createItem`.
    #[serde(default)]
    pub privileges: Vec<String>,
}

/// Portal `portals/self` (the fields TokenDesk uses; all optional because Enterprise
/// portals and anonymous calls leave many out).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PortalSelf {
    /// Organisation ID.
    #[serde(default)]
    pub id: Option<String>,
    /// Organisation name.
    #[serde(default)]
    pub name: Option<String>,
    /// `false` on ArcGIS Online, `true` on ArcGIS Enterprise.
    #[serde(default)]
    pub is_portal: Option<bool>,
    /// `multitenant` (ArcGIS Online) / `singletenant` (Enterprise).
    #[serde(default)]
    pub portal_mode: Option<String>,
    /// e.g. `ArcGIS Online`.
    #[serde(default)]
    pub portal_name: Option<String>,
    /// Organisation short name.
    #[serde(default)]
    pub url_key: Option<String>,
    /// e.g. `maps.arcgis.com`.
    #[serde(default)]
    pub custom_base_url: Option<String>,
    /// The organisation is HTTPS-only.
    #[serde(default, rename = "allSSL")]
    pub all_ssl: Option<bool>,
    /// OAuth sign-in is available.
    #[serde(default, rename = "supportsOAuth")]
    pub supports_oauth: Option<bool>,
    /// REST API version.
    #[serde(default)]
    pub current_version: Option<Version>,
    /// Maximum token lifetime in minutes (`-1` = default).
    #[serde(default)]
    pub max_token_expiration_minutes: Option<i64>,
    /// The signed-in user, for user tokens.
    #[serde(default)]
    pub user: Option<PortalUser>,
    /// The app, for app tokens (key spelling UNCONFIRMED, so kept as raw JSON).
    #[serde(default)]
    pub app_info: Option<Value>,
}

/// ArcGIS Server `rest/info`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerInfo {
    /// e.g. `10.61`.
    #[serde(default)]
    pub current_version: Option<Version>,
    /// e.g. `10.6.1`.
    #[serde(default)]
    pub full_version: Option<String>,
    /// The owning portal's base URL: present only when the server is federated.
    #[serde(default)]
    pub owning_system_url: Option<String>,
    /// Token settings; absent on a public, unsecured server.
    #[serde(default)]
    pub auth_info: Option<AuthInfo>,
}

/// ArcGIS Server `rest/services` (the folder listing; only its presence matters here).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServicesDirectory {
    /// e.g. `11.3`.
    #[serde(default)]
    pub current_version: Option<Version>,
}

wire_is_typed!(
    PortalInfo,
    PortalSelf,
    PortalUser,
    ServerInfo,
    ServicesDirectory
);

fn token_field(token: Option<&AccessToken>) -> Vec<(&'static str, String)> {
    token
        .map(|t| vec![("token", t.expose().clone())])
        .unwrap_or_default()
}

/// `POST {portal}/sharing/rest/info`.
pub async fn portal_info(
    client: &ArcGisClient,
    portal: &PortalUrl,
    now: Instant,
) -> Result<PortalInfo, ArcGisError> {
    let site = portal.sharing_rest();
    let call = Call {
        url: portal.endpoint("info"),
        site: &site,
        step: "reading the portal's info",
        form: Vec::new(),
        referer: None,
    };
    client.post(call, now).await
}

/// `POST {portal}/sharing/rest/portals/self`, anonymously or with a token.
pub async fn portal_self(
    client: &ArcGisClient,
    portal: &PortalUrl,
    token: Option<&AccessToken>,
    now: Instant,
) -> Result<PortalSelf, ArcGisError> {
    portal_self_as(client, portal, token, None, now).await
}

/// [`portal_self`] sending a `Referer` too: the one a referer-bound token needs (without
/// it such a token gets 498).
pub async fn portal_self_as(
    client: &ArcGisClient,
    portal: &PortalUrl,
    token: Option<&AccessToken>,
    referer: Option<&str>,
    now: Instant,
) -> Result<PortalSelf, ArcGisError> {
    let site = portal.sharing_rest();
    let call = Call {
        url: portal.endpoint("portals/self"),
        site: &site,
        step: "reading the portal's description (portals/self)",
        form: token_field(token),
        referer,
    };
    client.post(call, now).await
}

/// `POST {server}/rest/services` with a token (and the `Referer` a referer-bound token
/// needs): a 498 there means the token is no longer good on this server.
pub async fn server_services(
    client: &ArcGisClient,
    server: &ServerUrl,
    token: &AccessToken,
    referer: Option<&str>,
    now: Instant,
) -> Result<ServicesDirectory, ArcGisError> {
    let call = Call {
        url: server.endpoint("rest/services"),
        site: server.root(),
        step: "checking the token on the server (rest/services)",
        form: token_field(Some(token)),
        referer,
    };
    client.post(call, now).await
}

/// `POST {portal}/sharing/rest/community/self`: the user a token belongs to.
pub async fn community_self(
    client: &ArcGisClient,
    portal: &PortalUrl,
    token: &AccessToken,
    now: Instant,
) -> Result<PortalUser, ArcGisError> {
    let site = portal.sharing_rest();
    let call = Call {
        url: portal.endpoint("community/self"),
        site: &site,
        step: "reading the signed-in user (community/self)",
        form: token_field(Some(token)),
        referer: None,
    };
    client.post(call, now).await
}

/// `POST {server}/rest/info`.
pub async fn server_info(
    client: &ArcGisClient,
    server: &ServerUrl,
    now: Instant,
) -> Result<ServerInfo, ArcGisError> {
    let call = Call {
        url: server.endpoint("rest/info"),
        site: server.root(),
        step: "reading the server's info (rest/info)",
        form: Vec::new(),
        referer: None,
    };
    client.post(call, now).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_that_is_neither_text_nor_a_number_is_refused_without_quoting_its_value() {
        let body = br#"{"currentVersion": {"token": "secret-token-value"}}"#;
        let now = chrono::Utc::now();
        let err =
            crate::arcgis::http::decode::<PortalSelf>(200, body, "site", "step", now).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("not an object"), "{text}");
        assert!(!text.contains("secret-token-value"), "{text}");
        let version: Version = serde_json::from_str("10.61").unwrap();
        assert_eq!(version, Version("10.61".to_owned()));
    }
}
