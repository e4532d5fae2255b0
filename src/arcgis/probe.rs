//! `probe`: what kind of ArcGIS site a URL points at, and which sign-in methods can work
//! there. Reads only public endpoints (portal `info` + `portals/self`, server `rest/info`).

use serde::Serialize;

use super::error::{ArcGisError, ErrorKind};
use super::http::ArcGisClient;
use super::info::{PortalInfo, PortalSelf, ServerInfo, portal_info, portal_self, server_info};
use super::time::Instant;
use super::url::{ParsedUrl, PortalUrl, ServerUrl, SiteUrl};

/// The kind of site found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FoundKind {
    /// ArcGIS Online (`portals/self` says `isPortal: false`, or a `*.arcgis.com` host).
    ArcgisOnline,
    /// An ArcGIS Enterprise portal.
    EnterprisePortal,
    /// An ArcGIS Server federated with a portal (`owningSystemUrl`).
    FederatedServer,
    /// A stand-alone, token-secured ArcGIS Server.
    StandaloneServer,
    /// An ArcGIS Server without token-based security.
    UnsecuredServer,
}

impl FoundKind {
    /// A phrase for people.
    pub fn describe(self) -> &'static str {
        match self {
            Self::ArcgisOnline => "ArcGIS Online",
            Self::EnterprisePortal => "ArcGIS Enterprise portal",
            Self::FederatedServer => "ArcGIS Server, federated with a portal",
            Self::StandaloneServer => "ArcGIS Server, stand-alone (token-secured)",
            Self::UnsecuredServer => "ArcGIS Server without token security",
        }
    }
}

/// A way to sign in that can work at the site: what the site *offers*. (Which of them a
/// saved profile uses is the profile's business, a layer above.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OfferedMethod {
    /// OAuth in the system browser with PKCE and a loopback redirect.
    BrowserPkce,
    /// OAuth with an out-of-band code the user pastes.
    OutOfBand,
    /// An API key.
    ApiKey,
    /// App credentials (client ID + secret, `client_credentials`).
    AppCredentials,
    /// User name + password at the portal's `generateToken`.
    PasswordGenerateToken,
    /// User name + password at the server's own `tokens/generateToken`.
    ServerGenerateToken,
    /// Sign in to the owning portal; its token is traded for a server token.
    FederatedViaPortal,
}

impl OfferedMethod {
    /// A phrase for people.
    pub fn describe(self) -> &'static str {
        match self {
            Self::BrowserPkce => "browser sign-in (OAuth with PKCE)",
            Self::OutOfBand => "out-of-band code (OAuth, paste the code shown by the portal)",
            Self::ApiKey => "API key",
            Self::AppCredentials => "app credentials (client ID + client secret)",
            Self::PasswordGenerateToken => "user name + password (portal generateToken)",
            Self::ServerGenerateToken => "user name + password (server tokens/generateToken)",
            Self::FederatedViaPortal => "sign in to the owning portal (federated server token)",
        }
    }
}

/// What `probe` found. Serialised as the documented `tokendesk probe --json` object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProbeReport {
    /// The URL as given.
    pub input: String,
    /// The input had no scheme; `https://` was assumed.
    pub assumed_https: bool,
    /// The site kind.
    pub kind: FoundKind,
    /// The normalised root: the Sharing REST root of a portal, else the server root.
    pub root: String,
    /// The site's version (`currentVersion`), when it says.
    pub version: Option<String>,
    /// The token service (`authInfo.tokenServicesUrl`).
    pub token_service_url: Option<String>,
    /// HTTPS-only organisation (`allSSL`); `None` when the site does not say (servers).
    pub https_only: Option<bool>,
    /// Whether the portal supports OAuth (`supportsOAuth`); `None` for servers.
    pub supports_oauth: Option<bool>,
    /// A federated server's owning portal (`owningSystemUrl`).
    pub owning_portal: Option<String>,
    /// Sign-in methods that can work here, best first. Empty for unsecured servers.
    pub sign_in_methods: Vec<OfferedMethod>,
}

/// Probes a parsed URL. An ambiguous URL is tried as a portal first, then as a server.
pub async fn probe(
    client: &ArcGisClient,
    input: &str,
    parsed: &ParsedUrl,
    now: Instant,
) -> Result<ProbeReport, ArcGisError> {
    let mut report = match &parsed.site {
        SiteUrl::Portal(portal) => probe_portal(client, portal, now).await?,
        SiteUrl::Server(server) => probe_server(client, server, now).await?,
        SiteUrl::Ambiguous(ambiguous) => {
            match probe_portal(client, &ambiguous.as_portal(), now).await {
                Ok(report) => report,
                Err(err) if is_not_this_endpoint(&err) => {
                    probe_server(client, &ambiguous.as_server(), now).await?
                }
                Err(err) => return Err(err),
            }
        }
    };
    report.input = input.trim().to_owned();
    report.assumed_https = parsed.assumed_https;
    Ok(report)
}

/// A 404 page or a non-ArcGIS answer: the URL may be the other kind of site.
fn is_not_this_endpoint(err: &ArcGisError) -> bool {
    err.kind() == ErrorKind::UnexpectedResponse
}

async fn probe_portal(
    client: &ArcGisClient,
    portal: &PortalUrl,
    now: Instant,
) -> Result<ProbeReport, ArcGisError> {
    let info = portal_info(client, portal, now).await?;
    // Some organisations refuse anonymous `portals/self`; the portal is still a portal,
    // only the details it would have told are unknown.
    let this = match portal_self(client, portal, None, now).await {
        Ok(this) => this,
        Err(err)
            if matches!(
                err.kind(),
                ErrorKind::TokenRequired | ErrorKind::NoPermission
            ) =>
        {
            tracing::debug!(%err, "anonymous portals/self refused");
            PortalSelf::default()
        }
        Err(err) => return Err(err),
    };
    Ok(portal_report(portal, &info, &this))
}

/// The report for a portal, from its `info` and anonymous `portals/self`.
fn portal_report(portal: &PortalUrl, info: &PortalInfo, this: &PortalSelf) -> ProbeReport {
    let online = this.is_portal == Some(false)
        || (this.is_portal.is_none() && portal.is_arcgis_online_host());
    let kind = if online {
        FoundKind::ArcgisOnline
    } else {
        FoundKind::EnterprisePortal
    };
    let mut methods = Vec::new();
    if this.supports_oauth != Some(false) {
        methods.extend([OfferedMethod::BrowserPkce, OfferedMethod::OutOfBand]);
    }
    // API keys: ArcGIS Online, and Enterprise 11.4+ (its version numbering is not the
    // product's, so Enterprise portals are offered it too and the portal decides).
    methods.push(OfferedMethod::ApiKey);
    if this.supports_oauth != Some(false) {
        methods.push(OfferedMethod::AppCredentials);
    }
    if info.auth_info.is_token_based_security {
        methods.push(OfferedMethod::PasswordGenerateToken);
    }
    ProbeReport {
        input: String::new(),
        assumed_https: false,
        kind,
        root: portal.sharing_rest(),
        version: this.current_version.as_ref().map(|v| v.0.clone()),
        token_service_url: info.auth_info.token_services_url.clone(),
        https_only: this.all_ssl,
        supports_oauth: this.supports_oauth,
        owning_portal: None,
        sign_in_methods: methods,
    }
}

async fn probe_server(
    client: &ArcGisClient,
    server: &ServerUrl,
    now: Instant,
) -> Result<ProbeReport, ArcGisError> {
    let info = server_info(client, server, now).await?;
    Ok(server_report(server, &info))
}

/// The report for a server, from its `rest/info`.
fn server_report(server: &ServerUrl, info: &ServerInfo) -> ProbeReport {
    let secured = info
        .auth_info
        .as_ref()
        .is_some_and(|auth| auth.is_token_based_security);
    let (kind, methods) = match (&info.owning_system_url, secured) {
        (Some(_), _) => (
            FoundKind::FederatedServer,
            vec![OfferedMethod::FederatedViaPortal],
        ),
        (None, true) => (
            FoundKind::StandaloneServer,
            vec![OfferedMethod::ServerGenerateToken],
        ),
        (None, false) => (FoundKind::UnsecuredServer, Vec::new()),
    };
    ProbeReport {
        input: String::new(),
        assumed_https: false,
        kind,
        root: server.root().to_owned(),
        version: info
            .full_version
            .clone()
            .or_else(|| info.current_version.as_ref().map(|v| v.0.clone())),
        token_service_url: info
            .auth_info
            .as_ref()
            .and_then(|auth| auth.token_services_url.clone()),
        https_only: None,
        supports_oauth: None,
        owning_portal: info.owning_system_url.clone(),
        sign_in_methods: methods,
    }
}
