//! The seed: organisation settings, token lifetimes, users, apps, API key credentials and
//! faults, read from TOML (`--config FILE`) or built in. `assets/demo-portal.example.toml`
//! is the built-in default written out, with comments.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::faults::FaultRule;
use super::secret::SeedSecret;

/// The out-of-band redirect URI: the code is shown on a page instead of redirected.
pub const OOB: &str = "urn:ietf:wg:oauth:2.0:oob";

/// Everything the demo portal starts from.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DemoConfig {
    /// Where to listen; only loopback addresses are accepted. Port 0 picks a free port.
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// Organisation settings as `portals/self` reports them.
    #[serde(default)]
    pub org: OrgConfig,
    /// Token lifetimes and their limits.
    #[serde(default)]
    pub lifetimes: Lifetimes,
    /// Switches for behaviour that is unconfirmed or differs between deployments.
    #[serde(default)]
    pub behaviour: Behaviour,
    /// Portal users (OAuth sign-in and portal `generateToken`).
    #[serde(default)]
    pub users: Vec<UserConfig>,
    /// Users of the stand-alone server (`/gis`), which has its own identity store.
    #[serde(default)]
    pub server_users: Vec<ServerUserConfig>,
    /// Registered OAuth apps.
    #[serde(default)]
    pub apps: Vec<AppConfig>,
    /// API key credentials (items with two key slots).
    #[serde(default)]
    pub api_key_credentials: Vec<ApiKeyCredentialConfig>,
    /// Faults active from the start (more can be added through `/__admin/faults`).
    #[serde(default)]
    pub faults: Vec<FaultRule>,
    /// The sample feature service's made-up points (`…/rest/services/Demo/FeatureServer`).
    #[serde(default)]
    pub feature_service: FeatureServiceConfig,
}

/// Organisation settings.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct OrgConfig {
    /// Organisation ID (`portals/self` `id`, users' `orgId`).
    pub id: String,
    /// Organisation name.
    pub name: String,
    /// `true` for an Enterprise portal, `false` to look like ArcGIS Online.
    pub is_portal: bool,
    /// Organisation short name.
    pub url_key: String,
    /// Base of the organisation URL (`https://<urlKey>.<customBaseUrl>`).
    pub custom_base_url: String,
    /// Portal version string (`currentVersion`).
    pub current_version: String,
    /// HTTPS-only organisation. The demo portal serves HTTPS only, so this only shows up in
    /// `portals/self` and in the `ssl` fields of token responses.
    pub all_ssl: bool,
    /// Organisation cap on token lifetimes in minutes (`-1` = no organisation cap).
    pub max_token_expiration_minutes: i64,
    /// `authorizedCrossOriginDomains` in `portals/self`.
    pub authorized_cross_origin_domains: Vec<String>,
}

impl Default for OrgConfig {
    fn default() -> Self {
        Self {
            id: "TokenDeskDemoOrg".into(),
            name: "TokenDesk Demo Organisation".into(),
            is_portal: true,
            url_key: "tokendesk".into(),
            custom_base_url: "127.0.0.1".into(),
            current_version: "11.3".into(),
            all_ssl: true,
            max_token_expiration_minutes: -1,
            authorized_cross_origin_domains: Vec::new(),
        }
    }
}

/// Token lifetimes. `expiration` values sent by clients are minutes; values above a
/// maximum are clamped, never refused.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Lifetimes {
    /// OAuth access tokens from the code, refresh and exchange grants (ArcGIS: 1800).
    pub access_token_seconds: i64,
    /// Refresh token lifetime when `authorize` gets no `expiration`.
    pub refresh_token_default_minutes: i64,
    /// Refresh token maximum (ArcGIS: 129600 = 90 days).
    pub refresh_token_max_minutes: i64,
    /// Implicit-flow and `client_credentials` app tokens: default.
    pub app_token_default_minutes: i64,
    /// Implicit-flow and `client_credentials` app tokens: maximum (20160 = 14 days).
    pub app_token_max_minutes: i64,
    /// Portal `generateToken`: default.
    pub generate_token_default_minutes: i64,
    /// Portal `generateToken`: maximum.
    pub generate_token_max_minutes: i64,
    /// Stand-alone server tokens: default (`shortLivedTokenValidity`).
    pub server_token_default_minutes: i64,
    /// Stand-alone server tokens: maximum (token manager `longTimeout`).
    pub server_token_max_minutes: i64,
    /// How long an authorization code or a sign-in page stays usable.
    pub authorization_code_seconds: i64,
}

impl Default for Lifetimes {
    fn default() -> Self {
        Self {
            access_token_seconds: 1800,
            refresh_token_default_minutes: 20160,
            refresh_token_max_minutes: 129_600,
            app_token_default_minutes: 120,
            app_token_max_minutes: 20160,
            generate_token_default_minutes: 60,
            generate_token_max_minutes: 20160,
            server_token_default_minutes: 60,
            server_token_max_minutes: 1440,
            authorization_code_seconds: 600,
        }
    }
}

/// Behaviour switches.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Behaviour {
    /// Answer errors with their 4xx status instead of HTTP 200 + error envelope.
    pub modern_errors: bool,
    /// A registered `http(s)://127.0.0.1/…`, `localhost` or `[::1]` redirect URI matches the
    /// same URI on any port (RFC 8252; unverified against the real service).
    pub loopback_any_port: bool,
    /// Stand-alone server `tokens/generateToken` also answers GET (token manager `allowHttpGet`).
    pub server_allow_http_get: bool,
    /// The authorization-code grant leaves `refresh_token_expires_in` out, as in the captured
    /// answer F01 (the refresh token still ends `expiration` minutes after sign-in).
    pub code_grant_without_refresh_expiry: bool,
    /// `exchange_refresh_token` gives a new refresh token that ends when the old one would
    /// have (a session that cannot be lengthened): the client has to sign in again before it
    /// ends, and should be told in time.
    pub exchange_keeps_refresh_expiry: bool,
}

impl Default for Behaviour {
    fn default() -> Self {
        Self {
            modern_errors: false,
            loopback_any_port: true,
            server_allow_http_get: false,
            code_grant_without_refresh_expiry: false,
            exchange_keeps_refresh_expiry: false,
        }
    }
}

/// The sample feature service: how many made-up points it has, the seed they are drawn from,
/// and the most features one query answers.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct FeatureServiceConfig {
    /// Seed of the generator that draws the points: the same seed gives the same features.
    pub seed: u64,
    /// Number of points (at most [`FeatureServiceConfig::MAX_FEATURES`]; more are cut).
    pub feature_count: u32,
    /// The layer's `maxRecordCount`: the most features one query page answers (at least 1).
    /// Smaller than `feature_count` so that clients have to page. The ArcGIS API for Python
    /// fetches by `objectIds` in chunks of 200 and assumes a page holds them all, so values
    /// below 200 make it miss features, as it would against such a real server.
    pub max_record_count: u32,
}

impl FeatureServiceConfig {
    /// The most points the demo portal generates (they are kept in memory).
    pub const MAX_FEATURES: u32 = 100_000;
}

impl Default for FeatureServiceConfig {
    fn default() -> Self {
        Self {
            seed: 4326,
            feature_count: 350,
            max_record_count: 200,
        }
    }
}

/// A portal user.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct UserConfig {
    /// User name (case-sensitive for `generateToken`, not for OAuth sign-in).
    pub username: String,
    /// Password.
    pub password: SeedSecret,
    /// Display name.
    pub full_name: String,
    /// E-mail address.
    pub email: String,
    /// `org_admin`, `org_publisher` or `org_user`.
    pub role: String,
}

/// A user of the stand-alone server.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ServerUserConfig {
    /// User name (case-sensitive).
    pub username: String,
    /// Password.
    pub password: SeedSecret,
    /// May use `admin/generateToken`.
    #[serde(default)]
    pub admin: bool,
}

/// A registered OAuth app.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AppConfig {
    /// The app ID (`client_id`).
    pub client_id: String,
    /// Client secret of a confidential app; absent for public (PKCE) apps.
    #[serde(default)]
    pub client_secret: Option<SeedSecret>,
    /// App title (`appInfo.appTitle`).
    pub title: String,
    /// Owner of the app (`appInfo.appOwner`).
    pub owner: String,
    /// Registered redirect URIs; `urn:ietf:wg:oauth:2.0:oob` and `*` host wildcards allowed.
    #[serde(default)]
    pub redirect_uris: Vec<String>,
}

/// An API key credential: an app item holding up to two API keys, each with an expiry.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyCredentialConfig {
    /// The credential's `client_id`.
    pub client_id: String,
    /// The credential's client secret (needed to mint, regenerate and invalidate keys).
    pub client_secret: SeedSecret,
    /// Title.
    pub title: String,
    /// Owner (a portal user name).
    pub owner: String,
    /// Days from start-up until key slot 1 expires (at most 365); absent = slot unused.
    #[serde(default)]
    pub slot1_expires_in_days: Option<i64>,
    /// Days from start-up until key slot 2 expires (at most 365); absent = slot unused.
    #[serde(default)]
    pub slot2_expires_in_days: Option<i64>,
    /// A legacy API key (`AAPK…`) of this credential, valid from start-up and never expiring.
    #[serde(default)]
    pub legacy_key: Option<SeedSecret>,
}

/// Why the seed could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("could not read the demo portal seed file {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not a valid seed.
    #[error(
        "the demo portal seed file {path} is not valid: {source}\n(see assets/demo-portal.example.toml for the format)"
    )]
    Parse {
        /// The file.
        path: String,
        /// What TOML said.
        source: Box<toml::de::Error>,
    },
}

fn default_listen() -> SocketAddr {
    SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0)
}

impl DemoConfig {
    /// Parses a seed from TOML text; `origin` names the source in error messages.
    pub fn from_toml(text: &str, origin: &str) -> Result<Self, ConfigError> {
        toml::from_str(text).map_err(|source| ConfigError::Parse {
            path: origin.to_string(),
            source: Box::new(source),
        })
    }

    /// `requested` minutes (absent or not positive → `default`), clamped to `max` and to the
    /// organisation's `max_token_expiration_minutes`: too long is shortened, never refused.
    pub fn clamp_minutes(&self, requested: Option<i64>, default: i64, max: i64) -> i64 {
        let wanted = requested.filter(|m| *m > 0).unwrap_or(default).min(max);
        match self.org.max_token_expiration_minutes {
            cap if cap > 0 => wanted.min(cap),
            _ => wanted,
        }
    }

    /// Reads a seed file.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_toml(&text, &path.display().to_string())
    }
}

impl Default for DemoConfig {
    /// The built-in seed: the demo portal contract's users, apps and passwords.
    fn default() -> Self {
        let oob = OOB.to_owned();
        Self {
            listen: default_listen(),
            org: OrgConfig::default(),
            lifetimes: Lifetimes::default(),
            behaviour: Behaviour::default(),
            users: vec![
                UserConfig {
                    username: "analyst".into(),
                    password: SeedSecret::new("tokendesk-demo"),
                    full_name: "Demo Analyst".into(),
                    email: "analyst@tokendesk.invalid".into(),
                    role: "org_publisher".into(),
                },
                UserConfig {
                    username: "portaladmin".into(),
                    password: SeedSecret::new("tokendesk-admin"),
                    full_name: "Demo Portal Administrator".into(),
                    email: "portaladmin@tokendesk.invalid".into(),
                    role: "org_admin".into(),
                },
            ],
            server_users: vec![
                ServerUserConfig {
                    username: "analyst".into(),
                    password: SeedSecret::new("tokendesk-demo"),
                    admin: false,
                },
                ServerUserConfig {
                    username: "portaladmin".into(),
                    password: SeedSecret::new("tokendesk-admin"),
                    admin: true,
                },
            ],
            apps: vec![
                AppConfig {
                    client_id: "tokendesk-demo".into(),
                    client_secret: None,
                    title: "TokenDesk (demo)".into(),
                    owner: "portaladmin".into(),
                    redirect_uris: vec![
                        "http://127.0.0.1/".into(),
                        "http://localhost/".into(),
                        oob.clone(),
                    ],
                },
                AppConfig {
                    client_id: "tokendesk-demo-app".into(),
                    client_secret: Some(SeedSecret::new("demo-app-secret")),
                    title: "TokenDesk demo app (app credentials)".into(),
                    owner: "portaladmin".into(),
                    redirect_uris: vec![oob.clone()],
                },
                // The built-in client IDs the ArcGIS API for Python signs in with: `pythonapi`
                // (2.4: implicit flow, redirect to the portal's own origin; code flow with the
                // out-of-band URI as fallback), then `arcgisonline`, and `arcgispro` (OOB).
                AppConfig {
                    client_id: "pythonapi".into(),
                    client_secret: None,
                    title: "ArcGIS API for Python (built-in)".into(),
                    owner: "portaladmin".into(),
                    redirect_uris: vec![
                        "https://127.0.0.1/".into(),
                        "https://localhost/".into(),
                        oob.clone(),
                    ],
                },
                AppConfig {
                    client_id: "arcgisonline".into(),
                    client_secret: None,
                    title: "ArcGIS Online (built-in)".into(),
                    owner: "portaladmin".into(),
                    redirect_uris: vec![
                        "https://127.0.0.1/".into(),
                        "https://localhost/".into(),
                        oob.clone(),
                    ],
                },
                AppConfig {
                    client_id: "arcgispro".into(),
                    client_secret: None,
                    title: "ArcGIS Pro (built-in)".into(),
                    owner: "portaladmin".into(),
                    redirect_uris: vec![oob],
                },
            ],
            api_key_credentials: vec![ApiKeyCredentialConfig {
                client_id: "tokendesk-demo-apikeys".into(),
                client_secret: SeedSecret::new("demo-apikey-secret"),
                title: "TokenDesk demo API key credentials".into(),
                owner: "analyst".into(),
                slot1_expires_in_days: Some(365),
                slot2_expires_in_days: Some(30),
                legacy_key: Some(SeedSecret::new(
                    "AAPKtokendeskDemoLegacyKeyThatNeverExpires0000000000",
                )),
            }],
            faults: Vec::new(),
            feature_service: FeatureServiceConfig::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_seed_file_is_the_built_in_default() {
        let text = include_str!("../../../assets/demo-portal.example.toml");
        let parsed = DemoConfig::from_toml(text, "demo-portal.example.toml").unwrap();
        assert_eq!(parsed, DemoConfig::default());
    }

    #[test]
    fn an_unknown_key_in_the_seed_is_refused_with_the_file_name() {
        let err = DemoConfig::from_toml("[org]\nnmae = \"x\"\n", "seed.toml").unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("seed.toml") && text.contains("nmae"),
            "{text}"
        );
    }

    #[test]
    fn faults_in_the_seed_parse_with_their_kind() {
        let text =
            "[[faults]]\npath = \"/gis/*\"\nkind = \"http_error\"\nstatus = 502\ncount = 2\n";
        let config = DemoConfig::from_toml(text, "seed.toml").unwrap();
        assert_eq!(
            config.faults,
            vec![FaultRule {
                path: "/gis/*".into(),
                kind: super::super::faults::FaultKind::HttpError { status: 502 },
                count: 2
            }]
        );
    }

    #[test]
    fn too_long_expirations_are_clamped_and_the_org_cap_applies() {
        let mut config = DemoConfig::default();
        assert_eq!(config.clamp_minutes(Some(999_999), 120, 20160), 20160);
        assert_eq!(config.clamp_minutes(None, 120, 20160), 120);
        assert_eq!(config.clamp_minutes(Some(-1), 120, 20160), 120);
        config.org.max_token_expiration_minutes = 60;
        assert_eq!(config.clamp_minutes(Some(600), 120, 20160), 60);
    }
}
