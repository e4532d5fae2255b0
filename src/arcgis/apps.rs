//! Registered OAuth apps as the portal describes them: `oauth2/validateAppAccess` and the
//! registered-app JSON (`oauth2/apps/<client_id>`, `registeredAppInfo`).

use serde::Deserialize;

use super::http::wire_is_typed;
use crate::secret::Secret;

/// `oauth2/validateAppAccess`: whether a user token may use an app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppAccess {
    /// The user may use the app.
    pub valid: bool,
    /// The app is usable by view-only user types.
    #[serde(default)]
    pub view_only_user_type_app: bool,
}

/// A registered app (client ID, secret, type, redirect URIs, API-key slots).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisteredApp {
    /// The item ID of the app.
    pub item_id: String,
    /// The client ID.
    #[serde(rename = "client_id")]
    pub client_id: String,
    /// The client secret (present for the app's owner).
    #[serde(default, rename = "client_secret")]
    pub client_secret: Option<Secret<String>>,
    /// `apikey`, `browser`, `native`, `server` or `multiple`.
    pub app_type: String,
    /// Registered redirect URIs.
    #[serde(default, rename = "redirect_uris")]
    pub redirect_uris: Vec<String>,
    /// Referrers API keys of this app are limited to.
    #[serde(default)]
    pub http_referrers: Vec<String>,
    /// Privileges granted to the app's API keys.
    #[serde(default)]
    pub privileges: Vec<String>,
    /// API key slot 1 is active.
    #[serde(default)]
    pub api_token1_active: bool,
    /// API key slot 2 is active.
    #[serde(default)]
    pub api_token2_active: bool,
}

wire_is_typed!(AppAccess, RegisteredApp);
