//! URL normalisation: turns what people paste (a portal home page, a service URL, a bare
//! host…) into the roots the protocol needs, and says whether it is a portal, a server or
//! cannot be told from the URL alone.
//!
//! * Portal: the base (`https://host/portal`, `https://www.arcgis.com`) and its Sharing REST
//!   root `{base}/sharing/rest`.
//! * Server: the root (`https://host/arcgis`) under which `rest/info`, `tokens/generateToken`
//!   and `admin/generateToken` live.
//!
//! Plain `http://` is refused except for loopback addresses (tokens travel with every
//! request). An input without a scheme is read as `https://` and the caller is told so
//! ([`ParsedUrl::assumed_https`]).

use std::fmt;

use url::{Host, Url};

/// Why a pasted URL cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    /// Nothing (or only whitespace) was given.
    #[error("the URL is empty: give a portal or server address such as https://www.arcgis.com")]
    Empty,
    /// The text is not a URL at all.
    #[error(
        "`{input}` is not a valid URL ({reason}): give an address such as https://gis.example.com/portal"
    )]
    Invalid {
        /// The text as given (trimmed).
        input: String,
        /// What the URL parser objected to.
        reason: String,
    },
    /// A scheme other than https/http.
    #[error("`{scheme}://` is not supported: ArcGIS portals and servers are reached over https://")]
    UnsupportedScheme {
        /// The scheme found.
        scheme: String,
    },
    /// `http://` to a host that is not loopback.
    #[error(
        "plain http:// to {host} is refused: tokens would travel unencrypted. Use https://{host}/… \
         (plain http is accepted only for 127.0.0.1, ::1 and localhost)"
    )]
    InsecureHttp {
        /// The host of the refused URL.
        host: String,
    },
    /// `https://user:password@host`.
    #[error(
        "the URL contains a user name or password: remove it (https://user:pass@… is never sent); \
         TokenDesk asks for credentials when signing in"
    )]
    CredentialsInUrl,
    /// The URL names a server where a portal was required.
    #[error(
        "{url} is an ArcGIS Server URL, not a portal: give the portal address (…/portal or https://www.arcgis.com)"
    )]
    NotAPortal {
        /// The server root found.
        url: String,
    },
    /// The URL names a portal where a server was required.
    #[error(
        "{url} is a portal URL, not an ArcGIS Server: give the server address (…/arcgis or a …/rest/services URL)"
    )]
    NotAServer {
        /// The portal root found.
        url: String,
    },
}

/// A portal (ArcGIS Online or Enterprise): its base URL, from which the Sharing REST root
/// `{base}/sharing/rest` is derived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalUrl {
    base: Url,
}

/// An ArcGIS Server site root, e.g. `https://host/arcgis`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerUrl {
    root: Url,
}

/// What a URL points at, as far as the URL alone can tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SiteUrl {
    /// A portal (the path had `/sharing`, `/home`, `/apps`, ended in `/portal`, or the host
    /// is `*.arcgis.com` with no path).
    Portal(PortalUrl),
    /// An ArcGIS Server (the path had `/rest`, `/tokens`, `/admin`, `/manager`, `/services`
    /// or ended in `/arcgis` or `/server`).
    Server(ServerUrl),
    /// Could be either (a bare host, an unknown web-adaptor name): ask the site.
    Ambiguous(AmbiguousUrl),
}

/// A base URL that may be a portal base or a server root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmbiguousUrl {
    base: Url,
}

impl AmbiguousUrl {
    /// The base as text (no trailing slash).
    pub fn base(&self) -> &str {
        trimmed(&self.base)
    }

    /// This base read as a portal base.
    pub fn as_portal(&self) -> PortalUrl {
        PortalUrl {
            base: self.base.clone(),
        }
    }

    /// This base read as a server root.
    pub fn as_server(&self) -> ServerUrl {
        ServerUrl {
            root: self.base.clone(),
        }
    }
}

/// The result of [`parse_site_url`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedUrl {
    /// What the URL points at.
    pub site: SiteUrl,
    /// The input had no scheme and `https://` was assumed.
    pub assumed_https: bool,
}

/// Reads a pasted portal, server or service URL. See the module docs for the rules.
pub fn parse_site_url(input: &str) -> Result<ParsedUrl, UrlError> {
    let (url, assumed_https) = parse_checked(input)?;
    let segments: Vec<&str> = url
        .path_segments()
        .map(|segments| segments.filter(|s| !s.is_empty()).collect())
        .unwrap_or_default();
    let site = classify(&url, &segments);
    Ok(ParsedUrl {
        site,
        assumed_https,
    })
}

/// Parses a URL that must be usable for HTTPS calls (scheme, loopback and host checks),
/// assuming `https://` when no scheme is given. Query and fragment are dropped.
fn parse_checked(input: &str) -> Result<(Url, bool), UrlError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(UrlError::Empty);
    }
    let assumed_https = !trimmed.contains("://");
    let text = if assumed_https {
        format!("https://{trimmed}")
    } else {
        trimmed.to_owned()
    };
    let mut url = Url::parse(&text).map_err(|err| UrlError::Invalid {
        input: trimmed.to_owned(),
        reason: err.to_string(),
    })?;
    check_usable(&url, trimmed)?;
    url.set_query(None);
    url.set_fragment(None);
    Ok((url, assumed_https))
}

/// Scheme, credentials and host checks shared by pasted and advertised URLs.
fn check_usable(url: &Url, input: &str) -> Result<(), UrlError> {
    let host = match url.host() {
        Some(host) => host,
        None if matches!(url.scheme(), "http" | "https") => {
            return Err(UrlError::Invalid {
                input: input.to_owned(),
                reason: "no host name".to_owned(),
            });
        }
        None => {
            return Err(UrlError::UnsupportedScheme {
                scheme: url.scheme().to_owned(),
            });
        }
    };
    if let Host::Domain(domain) = &host {
        let valid = domain
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'));
        if !valid {
            return Err(UrlError::Invalid {
                input: input.to_owned(),
                reason: format!("`{domain}` is not a host name"),
            });
        }
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&host) => {}
        "http" => {
            return Err(UrlError::InsecureHttp {
                host: host_and_port(url),
            });
        }
        other => {
            return Err(UrlError::UnsupportedScheme {
                scheme: other.to_owned(),
            });
        }
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(UrlError::CredentialsInUrl);
    }
    Ok(())
}

fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => ip.is_loopback(),
        Host::Domain(domain) => domain.eq_ignore_ascii_case("localhost"),
    }
}

fn host_and_port(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

/// Path segments that mark a portal or a server; the first one found decides, and the
/// segments before it are the base/root.
fn marker(segment: &str) -> Option<bool> {
    const PORTAL: [&str; 4] = ["sharing", "home", "apps", "portaladmin"];
    const SERVER: [&str; 5] = ["rest", "tokens", "admin", "manager", "services"];
    let lower = segment.to_ascii_lowercase();
    if PORTAL.contains(&lower.as_str()) {
        Some(true)
    } else if SERVER.contains(&lower.as_str()) {
        Some(false)
    } else {
        None
    }
}

fn classify(url: &Url, segments: &[&str]) -> SiteUrl {
    for (index, segment) in segments.iter().enumerate() {
        if let Some(is_portal) = marker(segment) {
            let base = with_path(url, &segments[..index]);
            return if is_portal {
                SiteUrl::Portal(PortalUrl { base })
            } else {
                SiteUrl::Server(ServerUrl { root: base })
            };
        }
    }
    let base = with_path(url, segments);
    match segments {
        [] if is_arcgis_online_host(url) => SiteUrl::Portal(PortalUrl { base }),
        [only] if only.eq_ignore_ascii_case("portal") => SiteUrl::Portal(PortalUrl { base }),
        [only] if only.eq_ignore_ascii_case("arcgis") || only.eq_ignore_ascii_case("server") => {
            SiteUrl::Server(ServerUrl { root: base })
        }
        _ => SiteUrl::Ambiguous(AmbiguousUrl { base }),
    }
}

fn with_path(url: &Url, segments: &[&str]) -> Url {
    let mut base = url.clone();
    base.set_path(&segments.join("/"));
    base
}

/// `arcgis.com` or any `*.arcgis.com` host (organisation URLs, `www`, dev/qa variants).
fn is_arcgis_online_host(url: &Url) -> bool {
    url.host_str()
        .is_some_and(|host| host == "arcgis.com" || host.ends_with(".arcgis.com"))
}

/// `url` as text without a trailing `/`.
fn trimmed(url: &Url) -> &str {
    url.as_str().trim_end_matches('/')
}

/// `{base}/{relative}` as a URL. `relative` is a constant path from this crate.
fn join(base: &Url, relative: &str) -> Url {
    let mut url = base.clone();
    let path = format!("{}/{}", url.path().trim_end_matches('/'), relative);
    url.set_path(&path);
    url
}

impl PortalUrl {
    /// Reads a portal URL; a bare host or unknown path is taken as the portal base, a server
    /// URL is refused.
    pub fn parse(input: &str) -> Result<Self, UrlError> {
        match parse_site_url(input)?.site {
            SiteUrl::Portal(portal) => Ok(portal),
            SiteUrl::Ambiguous(ambiguous) => Ok(ambiguous.as_portal()),
            SiteUrl::Server(server) => Err(UrlError::NotAPortal {
                url: server.root().to_owned(),
            }),
        }
    }

    /// The portal base as text, e.g. `https://gis.example.com/portal` (no trailing slash).
    pub fn base(&self) -> &str {
        trimmed(&self.base)
    }

    /// The Sharing REST root, e.g. `https://gis.example.com/portal/sharing/rest`.
    pub fn sharing_rest(&self) -> String {
        format!("{}/sharing/rest", self.base())
    }

    /// `{sharing/rest}/{relative}`, e.g. `endpoint("oauth2/token")`.
    pub fn endpoint(&self, relative: &str) -> Url {
        join(&self.base, &format!("sharing/rest/{relative}"))
    }

    /// The host (lower case), e.g. `www.arcgis.com`.
    pub fn host(&self) -> &str {
        self.base.host_str().unwrap_or_default()
    }

    /// The host is `arcgis.com` or a `*.arcgis.com` organisation / environment host.
    pub fn is_arcgis_online_host(&self) -> bool {
        is_arcgis_online_host(&self.base)
    }
}

impl ServerUrl {
    /// Reads a server or service URL; a bare host or unknown path is taken as the server
    /// root, a portal URL is refused.
    pub fn parse(input: &str) -> Result<Self, UrlError> {
        match parse_site_url(input)?.site {
            SiteUrl::Server(server) => Ok(server),
            SiteUrl::Ambiguous(ambiguous) => Ok(ambiguous.as_server()),
            SiteUrl::Portal(portal) => Err(UrlError::NotAServer {
                url: portal.sharing_rest(),
            }),
        }
    }

    /// The server root as text, e.g. `https://host/arcgis` (no trailing slash).
    pub fn root(&self) -> &str {
        trimmed(&self.root)
    }

    /// `{root}/{relative}`, e.g. `endpoint("rest/info")`.
    pub fn endpoint(&self, relative: &str) -> Url {
        join(&self.root, relative)
    }

    /// The host (lower case).
    pub fn host(&self) -> &str {
        self.root.host_str().unwrap_or_default()
    }
}

impl SiteUrl {
    /// The normalised root to show: the Sharing REST root of a portal, the server root, or
    /// the base of an ambiguous URL.
    pub fn root(&self) -> String {
        match self {
            Self::Portal(portal) => portal.sharing_rest(),
            Self::Server(server) => server.root().to_owned(),
            Self::Ambiguous(ambiguous) => ambiguous.base().to_owned(),
        }
    }
}

impl fmt::Display for PortalUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.sharing_rest())
    }
}

impl fmt::Display for ServerUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.root())
    }
}

/// The endpoint to POST to for a token service URL as advertised in `authInfo`: the bare
/// `…/tokens/` form some servers advertise gets `generateToken` appended; the same
/// https / loopback rules as pasted URLs apply.
pub fn token_service_endpoint(advertised: &str) -> Result<Url, UrlError> {
    let trimmed_input = advertised.trim();
    let mut url = Url::parse(trimmed_input).map_err(|err| UrlError::Invalid {
        input: trimmed_input.to_owned(),
        reason: err.to_string(),
    })?;
    check_usable(&url, trimmed_input)?;
    url.set_query(None);
    url.set_fragment(None);
    let path = url.path().trim_end_matches('/').to_owned();
    if path.to_ascii_lowercase().ends_with("/tokens") {
        url.set_path(&format!("{path}/generateToken"));
    } else {
        url.set_path(&path);
    }
    Ok(url)
}
