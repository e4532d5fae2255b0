//! "ArcGIS tokens" from `generateToken`: the portal's (user name + password, or a portal
//! token traded for a federated server's token), a stand-alone server's
//! `tokens/generateToken`, and the Server administrator's `admin/generateToken`.
//!
//! All take `expiration` in minutes and answer `{"token", "expires": epoch ms, "ssl"?}`.

use std::net::IpAddr;

use serde::Deserialize;
use url::Url;

use super::error::ArcGisError;
use super::http::{ArcGisClient, Call, FromWire};
use super::time::{AnswerTime, EpochMillis, Expiration, Instant};
use super::url::{PortalUrl, ServerUrl};
use crate::secret::{AccessToken, Password};

/// What a generated token is bound to (`client=`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientBinding {
    /// `client=referer&referer=…`: the token works only with this `Referer` header, which is
    /// also sent on the request itself.
    Referer(String),
    /// `client=ip&ip=…`.
    Ip(IpAddr),
    /// `client=requestip`: the address the request comes from.
    RequestIp,
}

impl ClientBinding {
    fn push_fields(&self, form: &mut Vec<(&'static str, String)>) {
        match self {
            Self::Referer(referer) => {
                form.push(("client", "referer".to_owned()));
                form.push(("referer", referer.clone()));
            }
            Self::Ip(ip) => {
                form.push(("client", "ip".to_owned()));
                form.push(("ip", ip.to_string()));
            }
            Self::RequestIp => form.push(("client", "requestip".to_owned())),
        }
    }

    fn referer_header(&self) -> Option<&str> {
        match self {
            Self::Referer(referer) => Some(referer),
            Self::Ip(_) | Self::RequestIp => None,
        }
    }
}

/// A user-name + password token request.
#[derive(Debug, Clone)]
pub struct PasswordTokenRequest {
    /// User name (compared case-sensitively by generateToken).
    pub username: String,
    /// Password.
    pub password: Password,
    /// What the token is bound to.
    pub client: ClientBinding,
    /// Requested lifetime (minutes); sites clamp it to their maximum.
    pub expiration: Expiration,
}

impl PasswordTokenRequest {
    fn form(&self) -> Vec<(&'static str, String)> {
        let mut form = vec![
            ("username", self.username.clone()),
            ("password", self.password.expose().clone()),
        ];
        self.client.push_fields(&mut form);
        form.push(("expiration", self.expiration.to_param()));
        form
    }
}

/// A token from `generateToken`.
#[derive(Debug, Clone)]
pub struct GeneratedToken {
    /// The token.
    pub token: AccessToken,
    /// When it expires (`expires`, epoch ms).
    pub expires_at: Instant,
    /// Whether it may only be used over HTTPS; not sent by every server (UNCONFIRMED for
    /// Server tokens), hence optional.
    pub ssl: Option<bool>,
    /// What was odd about the answer and how it was taken (the site's clock off, so
    /// `expires` was moved onto this computer's clock; a lifetime clamped); for the
    /// activity log.
    pub notes: Vec<String>,
}

/// The wire shape of a generateToken answer.
#[derive(Debug, Deserialize)]
pub struct GeneratedTokenWire {
    token: AccessToken,
    expires: EpochMillis,
    #[serde(default)]
    ssl: Option<bool>,
}

impl FromWire for GeneratedToken {
    type Wire = GeneratedTokenWire;

    fn from_wire(wire: GeneratedTokenWire, time: &AnswerTime) -> Result<Self, String> {
        let life = wire.expires.access_lifetime(time).ok_or_else(|| {
            format!(
                "expires {} is not an epoch time in milliseconds",
                wire.expires
            )
        })?;
        let mut notes: Vec<String> = life.clamped.into_iter().collect();
        if let Some(skew) = time.skew_note() {
            notes.push(format!(
                "{skew}; the token's expiry was moved onto this computer's clock"
            ));
        }
        Ok(Self {
            token: wire.token,
            expires_at: life.ends_at,
            ssl: wire.ssl,
            notes,
        })
    }

    fn token_ends_at(&self) -> Option<Instant> {
        Some(self.expires_at)
    }
}

/// `POST {portal}/sharing/rest/generateToken` with user name and password.
pub async fn portal_generate_token(
    client: &ArcGisClient,
    portal: &PortalUrl,
    request: &PasswordTokenRequest,
    now: Instant,
) -> Result<GeneratedToken, ArcGisError> {
    let site = portal.sharing_rest();
    let call = Call {
        url: portal.endpoint("generateToken"),
        site: &site,
        step: "signing in with user name and password (generateToken)",
        form: request.form(),
        referer: request.client.referer_header(),
    };
    client.post(call, now).await
}

/// A federated server's token, traded for a portal token at the portal's token service
/// (the server's advertised `tokenServicesUrl`, see [`super::url::token_service_endpoint`]).
#[derive(Debug, Clone)]
pub struct FederatedTokenRequest<'a> {
    /// The portal's generateToken endpoint.
    pub token_service: &'a Url,
    /// A valid portal token.
    pub portal_token: &'a AccessToken,
    /// The server the token is for (its root is sent as `serverUrl`).
    pub server: &'a ServerUrl,
    /// Requested lifetime in minutes (the portal's default when `None`).
    pub expiration: Option<Expiration>,
    /// A referer, if the portal token is bound to one.
    pub referer: Option<&'a str>,
}

/// `POST {tokenServicesUrl}` with `token` + `serverUrl`: a token for a federated server.
pub async fn federated_server_token(
    client: &ArcGisClient,
    request: &FederatedTokenRequest<'_>,
    now: Instant,
) -> Result<GeneratedToken, ArcGisError> {
    let mut form = vec![
        ("token", request.portal_token.expose().clone()),
        ("serverUrl", request.server.root().to_owned()),
    ];
    if let Some(expiration) = request.expiration {
        form.push(("expiration", expiration.to_param()));
    }
    if let Some(referer) = request.referer {
        form.push(("referer", referer.to_owned()));
    }
    let site = request.token_service.as_str().to_owned();
    let call = Call {
        url: request.token_service.clone(),
        site: &site,
        step: "getting a token for the federated server",
        form,
        referer: request.referer,
    };
    client.post(call, now).await
}

/// `POST {token service}` of a stand-alone server (its advertised `tokenServicesUrl`,
/// normalised with [`super::url::token_service_endpoint`]; usually
/// `{root}/tokens/generateToken`).
pub async fn server_generate_token(
    client: &ArcGisClient,
    token_service: &Url,
    request: &PasswordTokenRequest,
    now: Instant,
) -> Result<GeneratedToken, ArcGisError> {
    let site = token_service.as_str().to_owned();
    let call = Call {
        url: token_service.clone(),
        site: &site,
        step: "signing in to the server (tokens/generateToken)",
        form: request.form(),
        referer: request.client.referer_header(),
    };
    client.post(call, now).await
}

/// `POST {root}/admin/generateToken`: a token for the Server Administrator API.
pub async fn admin_generate_token(
    client: &ArcGisClient,
    server: &ServerUrl,
    request: &PasswordTokenRequest,
    now: Instant,
) -> Result<GeneratedToken, ArcGisError> {
    let call = Call {
        url: server.endpoint("admin/generateToken"),
        site: server.root(),
        step: "signing in to the server administrator (admin/generateToken)",
        form: request.form(),
        referer: request.client.referer_header(),
    };
    client.post(call, now).await
}
