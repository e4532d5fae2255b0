//! Tokens for a service URL: [`Engine::token_for`] (one profile, the CLI's
//! `token NAME --for URL`) and [`Engine::token_for_url`] (any of several profiles, the
//! desktop app's "token for a service URL" box).
//!
//! The decision is [`crate::auth::federation`]'s; this file adds the profile's tokens and
//! the cache of federated-server tokens: one keyring value per profile
//! ([`ServerTokens`], next to its session), read and written under the profile's
//! cross-process lock. A cached token is handed out while it is outside its renewal margin
//! (the rule access tokens follow) and belongs to the portal token's user; else the portal
//! token is traded for a new one. A valid cached token is found without any request, not
//! even `rest/info`.

use super::error::{EngineError, FailureClass, class_of};
use super::lifecycle::{Engine, FreshToken};
use super::server_record::{ServerTokenEntry, ServerTokens};
use crate::arcgis::url::UrlError;
use crate::arcgis::{
    ArcGisClient, ArcGisError, ErrorKind, Instant, PortalUrl, ServerUrl, SiteUrl, parse_site_url,
};
use crate::auth::federation::{
    HomeSite, OwnTokenReason, Refusal, Route, locate, route, route_by_url, server_key, server_token,
};
use crate::remedy::{Remedy, Warning};
use crate::secret::AccessToken;
use crate::store::{Profile, SecretKind, SignInMethod};

/// Which token a service URL gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceTokenKind {
    /// The profile's own token (portal or server token), and why it works there.
    Own(OwnTokenReason),
    /// A token for a server federated with the profile's portal.
    FederatedServer {
        /// The server root.
        server: String,
    },
}

/// A token for a service URL.
#[derive(Debug, Clone)]
pub struct ServiceToken {
    /// What kind of token this is.
    pub kind: ServiceTokenKind,
    /// The token.
    pub token: AccessToken,
    /// When it expires.
    pub expires_at: Instant,
    /// The user it belongs to, when known.
    pub username: Option<String>,
    /// A federated server token taken from the cache (no request was made for it).
    pub cached: bool,
    /// Something the person should know although a token came back.
    pub warning: Option<Warning>,
}

/// What a service URL needs.
#[derive(Debug, Clone)]
pub enum ServiceAccess {
    /// The server has no token security: no token needed.
    NotNeeded {
        /// The server root.
        server: String,
    },
    /// This token works there.
    Token(ServiceToken),
}

/// [`Engine::token_for_url`]'s answer: what the URL needs, and whose token it is.
#[derive(Debug, Clone)]
pub struct UrlAccess {
    /// The profile whose token it is (`None` when no token is needed).
    pub profile: Option<String>,
    /// What the URL needs.
    pub access: ServiceAccess,
}

/// Why no token for a service URL could be given.
#[derive(Debug, thiserror::Error)]
pub enum ServiceTokenError {
    /// The URL (or the profile's own) cannot be used.
    #[error("{url}: {source}")]
    BadUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        source: UrlError,
    },
    /// The profile's tokens do not work there; the refusal says what does.
    #[error("profile `{profile}` ({site}) cannot give a token for {url}: {refusal}{held}")]
    Refused {
        /// The profile name.
        profile: String,
        /// The profile's site.
        site: String,
        /// The URL asked about.
        url: String,
        /// Why, and what to do.
        refusal: Box<Refusal>,
        /// Which servers the profile's federated server tokens are for, as a sentence (or
        /// empty): they work only there.
        held: String,
    },
    /// No profile's tokens work there (the desktop app's question).
    #[error("no profile can give a token for {url}: {}", .reasons.join("; "))]
    NoProfile {
        /// The URL asked about.
        url: String,
        /// Each profile's refusal, as a sentence.
        reasons: Vec<String>,
        /// What to do: the first refusal's remedy, or find out what the site needs.
        remedy: Option<Remedy>,
    },
    /// Reading the site (its `rest/info`) failed.
    #[error("finding out which token {url} needs failed: {source}")]
    Site {
        /// The URL asked about.
        url: String,
        /// What failed, where, what ArcGIS said, what to do.
        source: ArcGisError,
    },
    /// The portal did not give a server token.
    #[error(
        "profile `{profile}`: getting a token for the federated server {server} failed: {source}"
    )]
    ServerToken {
        /// The profile name.
        profile: String,
        /// The server root.
        server: String,
        /// What the portal said.
        source: ArcGisError,
    },
    /// The profile's own token could not be had (not signed in, portal down, keyring…).
    #[error(transparent)]
    Engine(#[from] EngineError),
}

impl ServiceTokenError {
    /// What a person must do about it, if anything beyond what the message says.
    pub fn remedy(&self) -> Option<Remedy> {
        match self {
            Self::BadUrl { .. } => None,
            Self::Refused { refusal, .. } => Some(refusal.remedy()),
            Self::NoProfile { remedy, .. } => remedy.clone(),
            Self::Site { source, .. } => source.remedy(),
            Self::ServerToken {
                profile, source, ..
            } => source.remedy().map(|remedy| remedy.for_profile(profile)),
            Self::Engine(err) => err.remedy(),
        }
    }

    /// How to treat the failure; `None` for a usage error (a malformed URL).
    pub fn class(&self) -> Option<FailureClass> {
        match self {
            Self::BadUrl { .. } => None,
            Self::Refused { .. } | Self::NoProfile { .. } => Some(FailureClass::SignInNeeded),
            Self::Site { source, .. } | Self::ServerToken { source, .. } => {
                Some(class_of(source.kind()))
            }
            Self::Engine(err) => Some(err.class()),
        }
    }
}

impl Engine {
    /// The engine's HTTP client for the profile's CA file (sites of one deployment share
    /// their CA).
    fn client_for(&self, profile: &Profile, url: &str) -> Result<ArcGisClient, ServiceTokenError> {
        self.clients()
            .for_ca_file(profile.ca_file())
            .map_err(|source| ServiceTokenError::Site {
                url: url.trim().to_owned(),
                source,
            })
    }

    /// Which token of `profile` works at `url`, and that token: the profile's own (on its
    /// portal or server, an ArcGIS Online hosted service, or — for app-credentials and API
    /// key profiles — a federated server), a federated server token (cached; `force` gets a
    /// new one), or none needed. A site where this profile's tokens
    /// do not work is a [`ServiceTokenError::Refused`] that names the profile to add.
    pub async fn token_for(
        &self,
        profile: &Profile,
        url: &str,
        force: bool,
    ) -> Result<ServiceAccess, ServiceTokenError> {
        let parsed = parse_site_url(url).map_err(|source| ServiceTokenError::BadUrl {
            url: url.trim().to_owned(),
            source,
        })?;
        let home = home_site(profile)?;
        let decided = match route_by_url(&home, &parsed.site) {
            Some(decided) => decided,
            None => {
                if let (SiteUrl::Server(server), false) = (&parsed.site, force)
                    && let Some(token) = self.cached(profile, server).await?
                {
                    return Ok(ServiceAccess::Token(token));
                }
                let client = self.client_for(profile, url)?;
                let located = locate(&client, &parsed.site, self.clock().now())
                    .await
                    .map_err(|source| ServiceTokenError::Site {
                        url: url.trim().to_owned(),
                        source,
                    })?;
                route(&home, &located)
            }
        };
        let decided = match decided {
            Route::FederatedServer { .. }
                if matches!(
                    profile.sign_in(),
                    SignInMethod::ApiKey | SignInMethod::AppCredentials
                ) =>
            {
                Route::OwnToken(OwnTokenReason::AppTokenOnFederatedServer)
            }
            other => other,
        };
        match decided {
            Route::OwnToken(reason) => {
                let token = self.fresh_token(profile, force).await?;
                Ok(ServiceAccess::Token(own(reason, token)))
            }
            Route::NotNeeded { server } => Ok(ServiceAccess::NotNeeded {
                server: server.root().to_owned(),
            }),
            Route::FederatedServer {
                server,
                token_service,
            } => {
                let token = self
                    .federated(profile, &server, &token_service, url, force)
                    .await?;
                Ok(ServiceAccess::Token(token))
            }
            Route::Refused(refusal) => Err(self.refused(profile, url, refusal).await),
        }
    }

    /// The desktop app's question: which of `profiles` has a token that works at `url`, and
    /// that token (or "none needed"). Profiles are tried in order; the first whose token
    /// works there answers. When none does, the failure of a profile that should work (not
    /// signed in, portal down…) is returned before the refusals, which come back together
    /// as [`ServiceTokenError::NoProfile`].
    pub async fn token_for_url(
        &self,
        profiles: &[Profile],
        url: &str,
    ) -> Result<UrlAccess, ServiceTokenError> {
        let mut reasons = Vec::new();
        let mut remedy = None;
        let mut first_failure = None;
        for profile in profiles {
            match self.token_for(profile, url, false).await {
                Ok(access @ ServiceAccess::NotNeeded { .. }) => {
                    return Ok(UrlAccess {
                        profile: None,
                        access,
                    });
                }
                Ok(access) => {
                    return Ok(UrlAccess {
                        profile: Some(profile.name().to_owned()),
                        access,
                    });
                }
                Err(err @ ServiceTokenError::BadUrl { .. }) => return Err(err),
                Err(err @ ServiceTokenError::Refused { .. }) => {
                    remedy = remedy.or_else(|| err.remedy());
                    reasons.push(err.to_string());
                }
                Err(err) => {
                    first_failure.get_or_insert(err);
                }
            }
        }
        if let Some(err) = first_failure {
            return Err(err);
        }
        if reasons.is_empty() {
            reasons.push("there are no profiles yet".to_owned());
            remedy = Some(Remedy::ProbeSite {
                url: Some(url.trim().to_owned()),
            });
        }
        Err(ServiceTokenError::NoProfile {
            url: url.trim().to_owned(),
            reasons,
            remedy,
        })
    }

    /// A cached, usable token for `server` (no request; the portal token is read to know
    /// its user, and renewed first if that is due).
    async fn cached(
        &self,
        profile: &Profile,
        server: &ServerUrl,
    ) -> Result<Option<ServiceToken>, ServiceTokenError> {
        let tokens = self.read_server_tokens(profile).await?;
        if !tokens.servers.contains_key(&server_key(server)) {
            return Ok(None);
        }
        let portal = self.fresh_token(profile, false).await?;
        let _lock = self.lock(profile).await?;
        let tokens = self.read_server_tokens(profile).await?;
        let now = self.clock().now();
        Ok(tokens
            .servers
            .get(&server_key(server))
            .filter(|entry| entry.usable(portal.username.as_deref(), now, self.renewal_margin()))
            .map(|entry| from_entry(server, entry, true)))
    }

    /// A federated server token: cached, or traded for the portal token. A portal token the
    /// token service rejects (498) is renewed once and the trade tried again.
    async fn federated(
        &self,
        profile: &Profile,
        server: &ServerUrl,
        token_service: &url::Url,
        url: &str,
        force: bool,
    ) -> Result<ServiceToken, ServiceTokenError> {
        let portal = self.fresh_token(profile, false).await?;
        match self
            .trade(profile, server, token_service, url, &portal, force)
            .await
        {
            Err(ServiceTokenError::ServerToken { source, .. })
                if source.kind() == ErrorKind::InvalidToken =>
            {
                tracing::info!(
                    profile = profile.name(),
                    "the portal rejected its own token for a server token (498); renewing"
                );
                let renewed = self.token_rejected(profile, &portal.token).await?;
                self.trade(profile, server, token_service, url, &renewed, true)
                    .await
            }
            result => result,
        }
    }

    /// Under the profile's lock: the cached token if usable (unless `force`), else a new
    /// one from the token service, written to the cache.
    async fn trade(
        &self,
        profile: &Profile,
        server: &ServerUrl,
        token_service: &url::Url,
        url: &str,
        portal: &FreshToken,
        force: bool,
    ) -> Result<ServiceToken, ServiceTokenError> {
        let _lock = self.lock(profile).await?;
        let now = self.clock().now();
        let mut tokens = self.read_server_tokens(profile).await?;
        let key = server_key(server);
        if !force
            && let Some(entry) = tokens.servers.get(&key).filter(|entry| {
                entry.usable(portal.username.as_deref(), now, self.renewal_margin())
            })
        {
            return Ok(from_entry(server, entry, true));
        }
        let client = self.client_for(profile, url)?;
        tracing::info!(
            profile = profile.name(),
            server = server.root(),
            "getting a federated server token"
        );
        let generated = server_token(
            &client,
            token_service,
            server,
            &portal.token,
            profile.referer(),
            now,
        )
        .await
        .map_err(|source| ServiceTokenError::ServerToken {
            profile: profile.name().to_owned(),
            server: server.root().to_owned(),
            source,
        })?;
        let entry = ServerTokenEntry {
            token: generated.token,
            issued_at: self.clock().now(),
            expires_at: generated.expires_at,
            username: portal.username.clone(),
        };
        let token = ServiceToken {
            warning: super::record::notes_warning(generated.notes),
            ..from_entry(server, &entry, false)
        };
        tokens.prune(now);
        tokens.servers.insert(key, entry);
        self.secrets()
            .set(profile.id(), SecretKind::ServerTokens, tokens.to_secret())
            .await
            .map_err(|source| EngineError::Secrets {
                profile: profile.name().to_owned(),
                source,
            })?;
        Ok(token)
    }

    /// The profile's cached server tokens (empty when there are none).
    async fn read_server_tokens(&self, profile: &Profile) -> Result<ServerTokens, EngineError> {
        let stored = self
            .secrets()
            .get(profile.id(), SecretKind::ServerTokens)
            .await
            .map_err(|source| EngineError::Secrets {
                profile: profile.name().to_owned(),
                source,
            })?;
        match stored {
            None => Ok(ServerTokens::default()),
            Some(value) => {
                ServerTokens::from_secret(&value).map_err(|err| EngineError::BadRecord {
                    profile: profile.name().to_owned(),
                    problem: err.to_string(),
                })
            }
        }
    }

    /// The refusal, with the servers the profile's own server tokens are for.
    async fn refused(&self, profile: &Profile, url: &str, refusal: Refusal) -> ServiceTokenError {
        let now = self.clock().now();
        let held = match self.read_server_tokens(profile).await {
            Ok(mut tokens) => {
                tokens.prune(now);
                let servers: Vec<&str> = tokens.servers.keys().map(String::as_str).collect();
                if servers.is_empty() {
                    String::new()
                } else {
                    format!(
                        ". This profile's federated server tokens belong to {} and work only there",
                        servers.join(", ")
                    )
                }
            }
            Err(_) => String::new(),
        };
        ServiceTokenError::Refused {
            profile: profile.name().to_owned(),
            site: profile.url().to_owned(),
            url: url.trim().to_owned(),
            refusal: Box::new(refusal),
            held,
        }
    }
}

fn own(reason: OwnTokenReason, token: FreshToken) -> ServiceToken {
    ServiceToken {
        kind: ServiceTokenKind::Own(reason),
        token: token.token,
        expires_at: token.expires_at,
        username: token.username,
        cached: false,
        warning: token.warning,
    }
}

fn from_entry(server: &ServerUrl, entry: &ServerTokenEntry, cached: bool) -> ServiceToken {
    ServiceToken {
        kind: ServiceTokenKind::FederatedServer {
            server: server.root().to_owned(),
        },
        token: entry.token.clone(),
        expires_at: entry.expires_at,
        username: entry.username.clone(),
        cached,
        warning: None,
    }
}

/// The site the profile signs in to.
fn home_site(profile: &Profile) -> Result<HomeSite, ServiceTokenError> {
    let bad = |source| ServiceTokenError::BadUrl {
        url: profile.url().to_owned(),
        source,
    };
    if profile.kind().is_portal() {
        PortalUrl::parse(profile.url())
            .map(HomeSite::Portal)
            .map_err(bad)
    } else {
        ServerUrl::parse(profile.url())
            .map(HomeSite::Server)
            .map_err(bad)
    }
}
