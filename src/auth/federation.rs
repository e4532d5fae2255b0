//! Tokens for other sites than the profile's own: which token works at a service URL, and
//! the federated-server token exchange.
//!
//! Given the site a profile signs in to ([`HomeSite`]) and any service URL, [`route_by_url`]
//! decides what the URL alone settles (the portal itself, an ArcGIS Online hosted service,
//! the profile's own server), [`locate`] reads the server's `rest/info` for the rest, and
//! [`route`] decides from that: a federated server token, no token at all, or a refusal
//! that says which profile is needed instead. [`server_token`] trades a portal token for a
//! server token at the portal's token service (`generateToken` with `serverUrl`).
//!
//! The rules follow ArcGIS REST JS's `getToken(url)` (protocol reference §6.1): the portal
//! token on the portal and, for ArcGIS Online, on every `*.arcgis.com` host of the same
//! environment; a federated server (its `owningSystemUrl` is the profile's portal) gets a
//! server token from the portal; anything else needs its own profile. Nothing is stored here.

use std::fmt;

use url::Url;

use crate::remedy::{ProfileToAdd, Remedy};

use crate::arcgis::generate_token::{
    FederatedTokenRequest, GeneratedToken, federated_server_token,
};
use crate::arcgis::info::{ServerInfo, server_info};
use crate::arcgis::{ArcGisClient, ArcGisError, ErrorKind, Instant, PortalUrl, ServerUrl, SiteUrl};
use crate::secret::AccessToken;

/// The site a profile signs in to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HomeSite {
    /// A portal (ArcGIS Online or Enterprise).
    Portal(PortalUrl),
    /// An ArcGIS Server site.
    Server(ServerUrl),
}

/// What a service URL turned out to be, after reading the site where needed.
#[derive(Debug, Clone)]
pub enum Located {
    /// A portal (its Sharing API, home pages…).
    Portal(PortalUrl),
    /// An ArcGIS Server and what its `rest/info` says.
    Server(ServerUrl, ServerInfo),
}

/// Why the profile's own (portal) token is the right one for a URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnTokenReason {
    /// The URL is on the profile's portal itself.
    OnThePortal,
    /// An ArcGIS Online hosted service (`*.arcgis.com`, same environment): ArcGIS Online
    /// tokens work there directly.
    ArcgisOnlineHosted,
    /// The URL is on the profile's own ArcGIS Server.
    OnTheServer,
    /// A server federated with the profile's portal, and the profile's token is an app
    /// token or API key: those are not traded for server tokens (only user tokens are); they
    /// are sent to federated servers as they are, as ArcGIS REST JS's managers do.
    AppTokenOnFederatedServer,
}

impl OwnTokenReason {
    /// A phrase for people.
    pub fn describe(self) -> &'static str {
        match self {
            Self::OnThePortal => "the URL is on the profile's portal itself",
            Self::ArcgisOnlineHosted => {
                "the URL is an ArcGIS Online hosted service, which takes ArcGIS Online tokens directly"
            }
            Self::OnTheServer => "the URL is on the profile's own ArcGIS Server",
            Self::AppTokenOnFederatedServer => {
                "the URL is on a server federated with the profile's portal, which takes the \
                 profile's app token or API key as it is"
            }
        }
    }
}

/// Which token works at a URL, for one profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// The profile's own token.
    OwnToken(OwnTokenReason),
    /// A server token for this federated server, from the profile's portal.
    FederatedServer {
        /// The server.
        server: ServerUrl,
        /// The profile's portal's token service (never an address the server advertises).
        token_service: Url,
    },
    /// The server has no token security.
    NotNeeded {
        /// The server.
        server: ServerUrl,
    },
    /// This profile's tokens do not work there.
    Refused(Refusal),
}

/// Why a profile's tokens do not work at a URL; [`Refusal::remedy`] says what to do instead.
/// The `Display` text leaves out the profile's name (the caller adds it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The URL is on another portal.
    OtherPortal {
        /// That portal's base URL.
        portal: String,
    },
    /// A stand-alone, token-secured server: it has its own users and token service.
    StandaloneServer {
        /// The server root.
        server: String,
    },
    /// A server federated with another portal.
    FederatedElsewhere {
        /// The server root.
        server: String,
        /// Its owning portal (`owningSystemUrl`).
        owner: String,
    },
    /// A server profile asked about another site.
    OtherServer {
        /// The site the URL is on (server root or portal).
        site: String,
    },
}

impl Refusal {
    /// What to do instead: add a profile for the site that can give a token there, or (for
    /// a server profile asked about another site) find out what that site needs.
    pub fn remedy(&self) -> Remedy {
        match self {
            Self::OtherPortal { portal } | Self::FederatedElsewhere { owner: portal, .. } => {
                Remedy::AddProfile {
                    kind: ProfileToAdd::Portal,
                    url: portal.clone(),
                }
            }
            Self::StandaloneServer { server } => Remedy::AddProfile {
                kind: ProfileToAdd::Server,
                url: server.clone(),
            },
            Self::OtherServer { site } => Remedy::ProbeSite {
                url: Some(site.clone()),
            },
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::OtherPortal { portal } => write!(
                f,
                "the URL is on another portal ({portal}), which does not accept this profile's \
                 tokens: a profile for that portal is needed"
            ),
            Self::StandaloneServer { server } => write!(
                f,
                "{server} is a stand-alone ArcGIS Server, not federated with this profile's \
                 site, so it refuses this profile's tokens (and any federated server token) \
                 with 498 Invalid Token. It has its own users and token service: a profile for \
                 it is needed"
            ),
            Self::FederatedElsewhere { server, owner } => write!(
                f,
                "{server} is federated with the portal {owner}, not with this profile's site, so \
                 its tokens come from {owner} only: a profile for {owner} is needed"
            ),
            Self::OtherServer { site } => write!(
                f,
                "the URL is on {site}, not on this profile's server, and a server's tokens work \
                 only on that server: a profile for {site} is needed"
            ),
        }
    }
}

/// What the URL alone settles, without asking any site: `None` when the server must be read.
pub fn route_by_url(home: &HomeSite, site: &SiteUrl) -> Option<Route> {
    match (home, site) {
        (HomeSite::Portal(home), SiteUrl::Portal(portal)) => Some(if same_portal(home, portal) {
            Route::OwnToken(OwnTokenReason::OnThePortal)
        } else {
            Route::Refused(Refusal::OtherPortal {
                portal: portal.base().to_owned(),
            })
        }),
        (HomeSite::Portal(home), SiteUrl::Ambiguous(ambiguous))
            if same_portal(home, &ambiguous.as_portal()) =>
        {
            Some(Route::OwnToken(OwnTokenReason::OnThePortal))
        }
        (HomeSite::Portal(home), SiteUrl::Server(server))
            if home.is_arcgis_online_host()
                && online_environment(server.host()) == online_environment(home.host()) =>
        {
            Some(Route::OwnToken(OwnTokenReason::ArcgisOnlineHosted))
        }
        (HomeSite::Server(home), SiteUrl::Server(server)) => Some(if same_root(home, server) {
            Route::OwnToken(OwnTokenReason::OnTheServer)
        } else {
            Route::Refused(Refusal::OtherServer {
                site: server.root().to_owned(),
            })
        }),
        (HomeSite::Server(home), SiteUrl::Ambiguous(ambiguous))
            if same_root(home, &ambiguous.as_server()) =>
        {
            Some(Route::OwnToken(OwnTokenReason::OnTheServer))
        }
        (HomeSite::Server(_), SiteUrl::Portal(portal)) => {
            Some(Route::Refused(Refusal::OtherServer {
                site: portal.base().to_owned(),
            }))
        }
        _ => None,
    }
}

/// Reads what the URL points at: a server's `rest/info`; a URL that could be either is read
/// as a server first and taken as a portal when no server answers there.
pub async fn locate(
    client: &ArcGisClient,
    site: &SiteUrl,
    now: Instant,
) -> Result<Located, ArcGisError> {
    match site {
        SiteUrl::Portal(portal) => Ok(Located::Portal(portal.clone())),
        SiteUrl::Server(server) => Ok(Located::Server(
            server.clone(),
            server_info(client, server, now).await?,
        )),
        SiteUrl::Ambiguous(ambiguous) => {
            let server = ambiguous.as_server();
            match server_info(client, &server, now).await {
                Ok(info) => Ok(Located::Server(server, info)),
                Err(err) if err.kind() == ErrorKind::UnexpectedResponse => {
                    Ok(Located::Portal(ambiguous.as_portal()))
                }
                Err(err) => Err(err),
            }
        }
    }
}

/// Which token works at a located site, for a profile signed in to `home`.
pub fn route(home: &HomeSite, located: &Located) -> Route {
    let (server, info) = match located {
        Located::Portal(portal) => {
            return route_by_url(home, &SiteUrl::Portal(portal.clone())).unwrap_or(Route::Refused(
                Refusal::OtherPortal {
                    portal: portal.base().to_owned(),
                },
            ));
        }
        Located::Server(server, info) => (server, info),
    };
    if let Some(route) = route_by_url(home, &SiteUrl::Server(server.clone())) {
        return route;
    }
    let secured = info
        .auth_info
        .as_ref()
        .is_some_and(|auth| auth.is_token_based_security);
    let root = server.root().to_owned();
    match (&info.owning_system_url, home) {
        (None, _) if !secured => Route::NotNeeded {
            server: server.clone(),
        },
        (None, _) => Route::Refused(Refusal::StandaloneServer { server: root }),
        // The trade always happens at the profile's own portal, never at the token service
        // the server advertises: a server that names this portal as its owner but advertises
        // a token service elsewhere would otherwise receive the portal token (ArcGIS REST JS
        // likewise trades at the portal's own endpoint).
        (Some(owner), HomeSite::Portal(portal)) if owned_by(owner, portal) => {
            Route::FederatedServer {
                server: server.clone(),
                token_service: portal.endpoint("generateToken"),
            }
        }
        (Some(owner), _) => Route::Refused(Refusal::FederatedElsewhere {
            server: root,
            owner: owner.trim_end_matches('/').to_owned(),
        }),
    }
}

/// Trades `portal_token` for a token for `server` at the portal's `token_service`
/// (`generateToken` with `token` + `serverUrl`; the portal's default lifetime).
pub async fn server_token(
    client: &ArcGisClient,
    token_service: &Url,
    server: &ServerUrl,
    portal_token: &AccessToken,
    referer: Option<&str>,
    now: Instant,
) -> Result<GeneratedToken, ArcGisError> {
    let request = FederatedTokenRequest {
        token_service,
        portal_token,
        server,
        expiration: None,
        referer,
    };
    federated_server_token(client, &request, now).await
}

/// The key a server's cached token is filed under: its root, host in lower case (the
/// `url` crate lowers it), path compared without regard to case.
pub fn server_key(server: &ServerUrl) -> String {
    server.root().to_ascii_lowercase()
}

/// Two portal URLs name the same portal: both ArcGIS Online in one environment (an
/// organisation URL and `www.arcgis.com` are one portal), or the same base ignoring the
/// scheme and letter case.
pub fn same_portal(a: &PortalUrl, b: &PortalUrl) -> bool {
    if a.is_arcgis_online_host() && b.is_arcgis_online_host() {
        return online_environment(a.host()) == online_environment(b.host());
    }
    without_scheme(a.base()).eq_ignore_ascii_case(without_scheme(b.base()))
}

fn same_root(a: &ServerUrl, b: &ServerUrl) -> bool {
    without_scheme(a.root()).eq_ignore_ascii_case(without_scheme(b.root()))
}

/// `owningSystemUrl` names this portal.
fn owned_by(owner: &str, portal: &PortalUrl) -> bool {
    PortalUrl::parse(owner).is_ok_and(|owner| same_portal(&owner, portal))
}

fn without_scheme(url: &str) -> &str {
    url.split_once("://").map_or(url, |(_, rest)| rest)
}

/// ArcGIS Online environment of an `arcgis.com` or `*.arcgis.com` host: `dev` (`devext`,
/// `mapsdevext`, `servicesdev`…), `qa` (`qaext`, `mapsqa`…) or production. Any other host,
/// `fakearcgis.com` included, is not ArcGIS Online.
fn online_environment(host: &str) -> Option<&'static str> {
    let lower = host.to_ascii_lowercase();
    let labels = if lower == "arcgis.com" {
        ""
    } else {
        lower.strip_suffix(".arcgis.com")?
    };
    Some(if labels.contains("dev") {
        "dev"
    } else if labels.contains("qa") {
        "qa"
    } else {
        "prod"
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arcgis::info::AuthInfo;
    use crate::arcgis::parse_site_url;

    fn portal(url: &str) -> HomeSite {
        HomeSite::Portal(PortalUrl::parse(url).unwrap())
    }

    fn site(url: &str) -> SiteUrl {
        parse_site_url(url).unwrap().site
    }

    fn server_at(url: &str, owner: Option<&str>, secured: bool) -> Located {
        let info = ServerInfo {
            owning_system_url: owner.map(str::to_owned),
            auth_info: secured.then(|| AuthInfo {
                is_token_based_security: true,
                token_services_url: Some(
                    "https://gis.example.com/portal/sharing/rest/generateToken".to_owned(),
                ),
                short_lived_token_validity: None,
            }),
            ..ServerInfo::default()
        };
        Located::Server(ServerUrl::parse(url).unwrap(), info)
    }

    #[test]
    fn a_url_on_the_portal_itself_takes_the_portal_token_without_asking_anything() {
        let home = portal("https://GIS.example.com/portal");
        let url = site("https://gis.example.com/portal/sharing/rest/content/items/abc");
        assert_eq!(
            route_by_url(&home, &url),
            Some(Route::OwnToken(OwnTokenReason::OnThePortal))
        );
    }

    #[test]
    fn arcgis_online_hosted_services_take_the_online_token_in_the_same_environment_only() {
        let home = portal("https://myorg.maps.arcgis.com");
        let hosted = site("https://services3.arcgis.com/abc/arcgis/rest/services/X/FeatureServer");
        assert_eq!(
            route_by_url(&home, &hosted),
            Some(Route::OwnToken(OwnTokenReason::ArcgisOnlineHosted))
        );
        let dev = site("https://servicesdev.arcgis.com/abc/arcgis/rest/services/X/FeatureServer");
        assert_eq!(route_by_url(&home, &dev), None);
    }

    #[test]
    fn a_server_federated_with_the_profiles_portal_gets_a_server_token_from_its_token_service() {
        let home = portal("https://gis.example.com/portal");
        let located = server_at(
            "https://gis.example.com/server/rest/services/A/MapServer",
            Some("https://GIS.example.com/portal/"),
            true,
        );
        let Route::FederatedServer {
            server,
            token_service,
        } = route(&home, &located)
        else {
            panic!("not a federated route");
        };
        assert_eq!(server.root(), "https://gis.example.com/server");
        assert_eq!(
            token_service.as_str(),
            "https://gis.example.com/portal/sharing/rest/generateToken"
        );
    }

    #[test]
    fn hosts_that_merely_end_in_arcgis_com_are_not_arcgis_online_and_get_no_online_token() {
        let home = portal("https://myorg.maps.arcgis.com");
        for url in [
            "https://fakearcgis.com/abc/arcgis/rest/services/X/FeatureServer",
            "https://services.evilarcgis.com/abc/arcgis/rest/services/X/FeatureServer",
            "https://arcgis.com.evil.example/abc/arcgis/rest/services/X/FeatureServer",
        ] {
            assert_ne!(
                route_by_url(&home, &site(url)),
                Some(Route::OwnToken(OwnTokenReason::ArcgisOnlineHosted)),
                "{url}"
            );
        }
        assert_eq!(
            route_by_url(
                &home,
                &site("https://services3.arcgis.com/abc/arcgis/rest/services/X/FeatureServer")
            ),
            Some(Route::OwnToken(OwnTokenReason::ArcgisOnlineHosted))
        );
    }

    #[test]
    fn a_federated_server_advertising_a_token_service_elsewhere_still_trades_at_the_portal() {
        let home = portal("https://gis.example.com/portal");
        let Located::Server(server, mut info) = server_at(
            "https://gis.example.com/server",
            Some("https://gis.example.com/portal"),
            true,
        ) else {
            unreachable!()
        };
        if let Some(auth) = info.auth_info.as_mut() {
            auth.token_services_url =
                Some("https://elsewhere.example/sharing/rest/generateToken".to_owned());
        }
        let Route::FederatedServer { token_service, .. } =
            route(&home, &Located::Server(server, info))
        else {
            panic!("not a federated route");
        };
        assert_eq!(
            token_service.as_str(),
            "https://gis.example.com/portal/sharing/rest/generateToken"
        );
    }

    #[test]
    fn other_servers_are_refused_with_the_profile_to_add_or_need_no_token() {
        let home = portal("https://gis.example.com/portal");
        let standalone = server_at("https://gis.example.com/gis", None, true);
        let Route::Refused(refusal) = route(&home, &standalone) else {
            panic!("a stand-alone server is refused");
        };
        assert_eq!(
            refusal.remedy(),
            Remedy::AddProfile {
                kind: ProfileToAdd::Server,
                url: "https://gis.example.com/gis".to_owned()
            },
            "{refusal}"
        );
        let elsewhere = server_at(
            "https://other.example.com/server",
            Some("https://other.example.com/portal"),
            true,
        );
        assert!(matches!(
            route(&home, &elsewhere),
            Route::Refused(Refusal::FederatedElsewhere { .. })
        ));
        let public = server_at("https://open.example.com/arcgis", None, false);
        assert!(matches!(route(&home, &public), Route::NotNeeded { .. }));
    }

    #[test]
    fn a_server_profile_takes_its_own_token_on_its_server_only() {
        let home = HomeSite::Server(ServerUrl::parse("https://host/gis").unwrap());
        assert_eq!(
            route_by_url(&home, &site("https://host/gis/rest/services/A/MapServer/0")),
            Some(Route::OwnToken(OwnTokenReason::OnTheServer))
        );
        assert!(matches!(
            route_by_url(&home, &site("https://host/server/rest/services")),
            Some(Route::Refused(Refusal::OtherServer { .. }))
        ));
    }
}
