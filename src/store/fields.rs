//! The small typed values a profile is made of: its id and name, the kind of site, the way
//! in, and the settings that travel with token requests. Each one validates itself; the
//! rules that tie several fields together live in [`super::profile`].

use std::fmt;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::arcgis::generate_token::ClientBinding;
use crate::arcgis::probe;
use crate::arcgis::time::Expiration;

/// A profile's stable identity: 32 lowercase hex digits, generated once. Secrets are filed
/// under it, so renaming a profile keeps them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ProfileId(String);

impl ProfileId {
    const LEN: usize = 32;

    /// A new random id.
    pub fn generate() -> Self {
        Self(format!("{:032x}", rand::random::<u128>()))
    }

    /// Reads an id as written by [`ProfileId::as_str`].
    pub fn parse(text: &str) -> Result<Self, InvalidProfileId> {
        if looks_like_id(text) {
            Ok(Self(text.to_owned()))
        } else {
            Err(InvalidProfileId(text.to_owned()))
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// 32 lowercase hex digits: the shape of a [`ProfileId`].
pub(super) fn looks_like_id(text: &str) -> bool {
    text.len() == ProfileId::LEN && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

impl fmt::Display for ProfileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for ProfileId {
    type Error = InvalidProfileId;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<ProfileId> for String {
    fn from(id: ProfileId) -> Self {
        id.0
    }
}

/// Text that is not a profile id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a profile id (32 lowercase hex digits)")]
pub struct InvalidProfileId(String);

/// What kind of site a profile signs in to.
///
/// Coarser than [`probe::FoundKind`] (what `probe` found): a profile only needs to know
/// portal or server; [`SiteKind::from`] maps one onto the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SiteKind {
    /// ArcGIS Online (`*.arcgis.com`).
    ArcgisOnline,
    /// An ArcGIS Enterprise portal.
    EnterprisePortal,
    /// An ArcGIS Server site (stand-alone, or federated but used directly).
    ArcgisServer,
}

impl SiteKind {
    /// A portal (ArcGIS Online or Enterprise), as opposed to a server.
    pub fn is_portal(self) -> bool {
        !matches!(self, Self::ArcgisServer)
    }

    /// The name to show people.
    pub fn label(self) -> &'static str {
        match self {
            Self::ArcgisOnline => "ArcGIS Online",
            Self::EnterprisePortal => "ArcGIS Enterprise portal",
            Self::ArcgisServer => "ArcGIS Server",
        }
    }
}

/// How a profile signs in: the one method a profile uses.
///
/// Not the same list as [`probe::OfferedMethod`], which says what a *site offers*: a site
/// may offer `federated_via_portal`, which is not a profile's own method (that profile is
/// one for the owning portal). [`SignInMethod::from_offered`] is the one mapping between
/// the two.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignInMethod {
    /// OAuth 2.0 authorization code with PKCE through the system browser and a loopback
    /// redirect.
    BrowserPkce,
    /// OAuth 2.0 authorization code with the out-of-band redirect: the person pastes the code.
    OutOfBand,
    /// A long-lived API key.
    ApiKey,
    /// OAuth 2.0 client credentials (client id and client secret).
    AppCredentials,
    /// Portal `generateToken` with a user name and password.
    PortalPassword,
    /// ArcGIS Server `generateToken` with a user name and password.
    ServerPassword,
}

impl SignInMethod {
    /// The name to show people.
    pub fn label(self) -> &'static str {
        match self {
            Self::BrowserPkce => "browser sign-in (OAuth PKCE)",
            Self::OutOfBand => "out-of-band code (OAuth)",
            Self::ApiKey => "API key",
            Self::AppCredentials => "app credentials (client id and secret)",
            Self::PortalPassword => "portal user name and password",
            Self::ServerPassword => "ArcGIS Server user name and password",
        }
    }

    /// The credential a person types in for this method, if any (the browser methods have
    /// none).
    pub fn credential(self) -> Option<crate::remedy::Credential> {
        use crate::remedy::Credential;
        match self {
            Self::BrowserPkce | Self::OutOfBand => None,
            Self::ApiKey => Some(Credential::ApiKey),
            Self::AppCredentials => Some(Credential::ClientSecret),
            Self::PortalPassword | Self::ServerPassword => Some(Credential::Password),
        }
    }

    /// Works with this kind of site.
    pub fn works_with(self, kind: SiteKind) -> bool {
        match self {
            Self::ServerPassword => !kind.is_portal(),
            _ => kind.is_portal(),
        }
    }

    /// Needs an OAuth `client_id`.
    pub fn needs_client_id(self) -> bool {
        matches!(
            self,
            Self::BrowserPkce | Self::OutOfBand | Self::AppCredentials
        )
    }

    /// Signs in through OAuth authorize, and so needs a redirect URI.
    pub fn uses_redirect(self) -> bool {
        matches!(self, Self::BrowserPkce | Self::OutOfBand)
    }

    /// Signs in through `generateToken` with a user name and password.
    pub fn uses_password(self) -> bool {
        matches!(self, Self::PortalPassword | Self::ServerPassword)
    }
}

impl From<probe::FoundKind> for SiteKind {
    /// The profile kind for a site `probe` found: every kind of server (federated,
    /// stand-alone, unsecured) is an [`SiteKind::ArcgisServer`].
    fn from(found: probe::FoundKind) -> Self {
        match found {
            probe::FoundKind::ArcgisOnline => Self::ArcgisOnline,
            probe::FoundKind::EnterprisePortal => Self::EnterprisePortal,
            probe::FoundKind::FederatedServer
            | probe::FoundKind::StandaloneServer
            | probe::FoundKind::UnsecuredServer => Self::ArcgisServer,
        }
    }
}

impl SignInMethod {
    /// The profile method for a method a site offers (as `probe` reports it), or `None`
    /// for [`probe::OfferedMethod::FederatedViaPortal`]: a federated server is reached by
    /// signing in to its owning portal, with a profile for that portal.
    pub fn from_offered(offered: probe::OfferedMethod) -> Option<Self> {
        use probe::OfferedMethod as Offered;
        match offered {
            Offered::BrowserPkce => Some(Self::BrowserPkce),
            Offered::OutOfBand => Some(Self::OutOfBand),
            Offered::ApiKey => Some(Self::ApiKey),
            Offered::AppCredentials => Some(Self::AppCredentials),
            Offered::PasswordGenerateToken => Some(Self::PortalPassword),
            Offered::ServerGenerateToken => Some(Self::ServerPassword),
            Offered::FederatedViaPortal => None,
        }
    }
}

/// The header a token is sent in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum PreferredHeader {
    /// `Authorization: Bearer <token>`.
    #[default]
    Authorization,
    /// `X-Esri-Authorization: Bearer <token>` (when a web tier's own authentication, e.g.
    /// IWA, takes the `Authorization` header).
    #[serde(rename = "X-Esri-Authorization")]
    XEsriAuthorization,
}

impl PreferredHeader {
    /// The header name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Authorization => "Authorization",
            Self::XEsriAuthorization => "X-Esri-Authorization",
        }
    }
}

/// The lifetime asked for refresh tokens (`expiration`, minutes; `-1` in the file = never).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct TokenLifetime(Expiration);

impl TokenLifetime {
    /// Two weeks, the ArcGIS default for refresh tokens.
    pub const DEFAULT_MINUTES: u32 = 20_160;

    /// A lifetime in minutes (at least one).
    pub fn minutes(minutes: u32) -> Result<Self, InvalidLifetime> {
        if minutes == 0 {
            return Err(InvalidLifetime(0));
        }
        Ok(Self(Expiration::Minutes(minutes)))
    }

    /// A refresh token that does not expire (the portal's own maximum still applies).
    pub fn never() -> Self {
        Self(Expiration::Never)
    }

    /// The value to send as `expiration`.
    pub fn expiration(self) -> Expiration {
        self.0
    }
}

impl Default for TokenLifetime {
    fn default() -> Self {
        Self(Expiration::Minutes(Self::DEFAULT_MINUTES))
    }
}

impl TryFrom<i64> for TokenLifetime {
    type Error = InvalidLifetime;
    fn try_from(minutes: i64) -> Result<Self, Self::Error> {
        match minutes {
            -1 => Ok(Self::never()),
            _ => Self::minutes(u32::try_from(minutes).map_err(|_| InvalidLifetime(minutes))?),
        }
    }
}

impl From<TokenLifetime> for i64 {
    fn from(lifetime: TokenLifetime) -> Self {
        match lifetime.0 {
            Expiration::Minutes(minutes) => i64::from(minutes),
            Expiration::Never => -1,
        }
    }
}

/// A refresh-token lifetime that is neither a positive number of minutes nor -1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "expiration {0} is not a refresh-token lifetime: give minutes (1 to {max}, e.g. 20160 for two \
     weeks) or -1 for a token that does not expire",
    max = u32::MAX
)]
pub struct InvalidLifetime(i64);

/// What a `generateToken` token is bound to (`client=…`). Written in the file as
/// `"referer"`, `"requestip"` or `"ip:ADDRESS"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum TokenBinding {
    /// `client=referer`, with the profile's `referer`.
    Referer,
    /// `client=ip&ip=ADDRESS`.
    Ip(IpAddr),
    /// `client=requestip`: the address the request comes from.
    RequestIp,
}

impl TokenBinding {
    /// Reads `referer`, `requestip` or `ip:ADDRESS`.
    pub fn parse(text: &str) -> Result<Self, InvalidBinding> {
        let invalid = || InvalidBinding(text.to_owned());
        match text.trim() {
            "referer" => Ok(Self::Referer),
            "requestip" => Ok(Self::RequestIp),
            other => {
                let address = other.strip_prefix("ip:").ok_or_else(invalid)?;
                address.trim().parse().map(Self::Ip).map_err(|_| invalid())
            }
        }
    }

    /// The `generateToken` binding, given the profile's referer (needed for
    /// [`TokenBinding::Referer`]; profile validation guarantees it is there).
    pub fn to_client_binding(self, referer: Option<&str>) -> Option<ClientBinding> {
        match self {
            Self::Referer => referer.map(|r| ClientBinding::Referer(r.to_owned())),
            Self::Ip(ip) => Some(ClientBinding::Ip(ip)),
            Self::RequestIp => Some(ClientBinding::RequestIp),
        }
    }
}

impl fmt::Display for TokenBinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Referer => f.write_str("referer"),
            Self::Ip(ip) => write!(f, "ip:{ip}"),
            Self::RequestIp => f.write_str("requestip"),
        }
    }
}

impl TryFrom<String> for TokenBinding {
    type Error = InvalidBinding;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<TokenBinding> for String {
    fn from(binding: TokenBinding) -> Self {
        binding.to_string()
    }
}

/// Text that is not a token binding.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a token binding: use `referer` (with a referer set), `requestip`, or \
     `ip:ADDRESS` such as ip:203.0.113.7"
)]
pub struct InvalidBinding(String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_are_distinct_and_read_back() {
        let (a, b) = (ProfileId::generate(), ProfileId::generate());
        assert_ne!(a, b);
        assert_eq!(ProfileId::parse(a.as_str()).unwrap(), a);
        assert!(ProfileId::parse("demo").is_err());
        assert!(ProfileId::parse(&a.as_str().to_uppercase()).is_err());
    }

    #[test]
    fn minus_one_minutes_means_a_refresh_token_that_never_expires() {
        assert_eq!(TokenLifetime::try_from(-1).unwrap(), TokenLifetime::never());
        assert_eq!(
            TokenLifetime::try_from(120).unwrap().expiration(),
            Expiration::Minutes(120)
        );
        assert_eq!(i64::from(TokenLifetime::never()), -1);
        let zero = TokenLifetime::try_from(0).unwrap_err().to_string();
        assert!(
            zero.contains("-1 for a token that does not expire"),
            "{zero}"
        );
        assert!(TokenLifetime::try_from(-5).is_err());
    }

    #[test]
    fn token_bindings_read_and_write_their_file_form() {
        for text in ["referer", "requestip", "ip:203.0.113.7", "ip:::1"] {
            assert_eq!(TokenBinding::parse(text).unwrap().to_string(), text);
        }
        let bad = TokenBinding::parse("ip:nowhere").unwrap_err().to_string();
        assert!(bad.contains("ip:ADDRESS"), "{bad}");
    }

    #[test]
    fn the_server_password_method_is_the_only_one_for_servers() {
        assert!(SignInMethod::ServerPassword.works_with(SiteKind::ArcgisServer));
        assert!(!SignInMethod::ServerPassword.works_with(SiteKind::EnterprisePortal));
        assert!(!SignInMethod::BrowserPkce.works_with(SiteKind::ArcgisServer));
        assert!(SignInMethod::ApiKey.works_with(SiteKind::ArcgisOnline));
    }

    #[test]
    fn every_method_a_probed_site_offers_maps_to_a_profile_method_that_works_there() {
        use probe::FoundKind as Found;
        use probe::OfferedMethod as Offered;
        let offers = [
            (Found::ArcgisOnline, Offered::BrowserPkce),
            (Found::ArcgisOnline, Offered::OutOfBand),
            (Found::ArcgisOnline, Offered::ApiKey),
            (Found::ArcgisOnline, Offered::AppCredentials),
            (Found::EnterprisePortal, Offered::PasswordGenerateToken),
            (Found::StandaloneServer, Offered::ServerGenerateToken),
        ];
        for (found, offered) in offers {
            let method = SignInMethod::from_offered(offered)
                .unwrap_or_else(|| panic!("{offered:?} has no profile method"));
            assert!(
                method.works_with(SiteKind::from(found)),
                "{offered:?} at {found:?} became {method:?}, which does not work there"
            );
        }
    }

    #[test]
    fn a_federated_server_is_a_server_profile_reached_through_its_portal() {
        assert_eq!(
            SiteKind::from(probe::FoundKind::FederatedServer),
            SiteKind::ArcgisServer
        );
        assert_eq!(
            SignInMethod::from_offered(probe::OfferedMethod::FederatedViaPortal),
            None
        );
    }
}
