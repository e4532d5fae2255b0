//! The profile model: [`ProfileDraft`] is what a person fills in (and what the file holds),
//! [`Profile`] is a draft that passed [`ProfileDraft::validate`] and got an id. A profile
//! holds no secret, by construction: secrets live in [`super::secrets`], filed under the id.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::fields::{
    PreferredHeader, ProfileId, SignInMethod, SiteKind, TokenBinding, TokenLifetime, looks_like_id,
};
use super::redirect::RedirectUri;
use crate::arcgis::url::{PortalUrl, ServerUrl, UrlError};

/// The `Referer` password tokens are bound to when the profile gives none.
pub const DEFAULT_REFERER: &str = "tokendesk";

/// The longest profile name.
pub const MAX_NAME_LEN: usize = 64;

/// The settings of a profile, as a person gives them. Strings are checked and normalised by
/// [`ProfileDraft::validate`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileDraft {
    /// A unique name (letters, digits, `-`, `_`, `.`; compared without regard to case).
    pub name: String,
    /// What kind of site this is.
    pub kind: SiteKind,
    /// The portal or server URL; stored normalised (portal base or server root).
    pub url: String,
    /// How to sign in.
    pub sign_in: SignInMethod,
    /// The OAuth client id (browser, out-of-band and app-credential sign-in).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The OAuth redirect URI; when absent, browser sign-in uses any-port loopback
    /// `http://127.0.0.1/` and out-of-band uses the OOB URN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<RedirectUri>,
    /// The refresh-token lifetime asked for.
    #[serde(default)]
    pub expiration: TokenLifetime,
    /// A PEM file of CA certificates to trust for this site (absolute path).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
    /// The `Referer` to send (and to bind generateToken tokens to).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referer: Option<String>,
    /// The user name for password sign-in (asked for when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// What a generateToken token is bound to (password sign-in only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_binding: Option<TokenBinding>,
    /// The header tokens are sent in.
    #[serde(default)]
    pub header: PreferredHeader,
    /// ArcGIS Server password sign-in as a server administrator (`admin/generateToken`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub server_admin: bool,
}

/// How a validated profile signs in, with exactly the settings that way uses: a method
/// cannot carry a field it does not use, so no code has to ask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// OAuth in the system browser, PKCE, a loopback redirect.
    Browser {
        /// The OAuth client id.
        client_id: String,
        /// The loopback redirect (a fixed port or any port).
        redirect: RedirectUri,
    },
    /// OAuth with the code pasted from the portal's page.
    OutOfBand {
        /// The OAuth client id.
        client_id: String,
    },
    /// An API key, entered by the person.
    ApiKey,
    /// App credentials (`client_credentials`).
    AppCredentials {
        /// The OAuth client id (the secret lives in the keyring).
        client_id: String,
    },
    /// User name and password at the portal's `generateToken`.
    PortalPassword {
        /// The user name (asked for when absent).
        username: Option<String>,
        /// What the tokens are bound to, when chosen.
        binding: Option<TokenBinding>,
    },
    /// User name and password at the server's `generateToken`.
    ServerPassword {
        /// The user name (asked for when absent).
        username: Option<String>,
        /// What the tokens are bound to, when chosen.
        binding: Option<TokenBinding>,
        /// As a server administrator (`admin/generateToken`).
        admin: bool,
    },
}

impl Access {
    /// The method, without its settings.
    pub fn method(&self) -> SignInMethod {
        match self {
            Self::Browser { .. } => SignInMethod::BrowserPkce,
            Self::OutOfBand { .. } => SignInMethod::OutOfBand,
            Self::ApiKey => SignInMethod::ApiKey,
            Self::AppCredentials { .. } => SignInMethod::AppCredentials,
            Self::PortalPassword { .. } => SignInMethod::PortalPassword,
            Self::ServerPassword { .. } => SignInMethod::ServerPassword,
        }
    }
}

/// A validated profile with its stable id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    id: ProfileId,
    name: String,
    kind: SiteKind,
    /// Normalised: the portal base or the server root.
    url: String,
    access: Access,
    expiration: TokenLifetime,
    ca_file: Option<PathBuf>,
    referer: Option<String>,
    header: PreferredHeader,
}

/// Why a profile's settings cannot be used. Each message names the field and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileError {
    /// The name is empty, too long or has characters outside the allowed set.
    #[error(
        "profile name `{0}` is not allowed: use 1 to {MAX_NAME_LEN} letters, digits, `-`, `_` or \
         `.`, starting with a letter or digit (e.g. `my-portal`)"
    )]
    BadName(String),
    /// The name has the shape of a profile id, so it could be confused with one.
    #[error("profile name `{0}` looks like a profile id (32 hex digits): choose another name")]
    NameLooksLikeId(String),
    /// Another profile has this name already.
    #[error("a profile named `{0}` exists already: choose another name, or change that profile")]
    DuplicateName(String),
    /// The URL is unusable for this kind of site.
    #[error("the URL of profile `{name}` cannot be used: {source}")]
    BadUrl {
        /// The profile name.
        name: String,
        /// What is wrong with it.
        source: UrlError,
    },
    /// The kind is ArcGIS Online but the host is not an ArcGIS Online host.
    #[error(
        "{host} is not an ArcGIS Online address (*.arcgis.com): an organisation's own portal \
         is of the kind ArcGIS Enterprise portal"
    )]
    NotArcgisOnline {
        /// The host given.
        host: String,
    },
    /// The sign-in method does not exist for this kind of site.
    #[error("{method} does not work with an {kind}: {hint}", method = .method.label(), kind = .kind.label())]
    MethodNotForKind {
        /// The method chosen.
        method: SignInMethod,
        /// The kind of site.
        kind: SiteKind,
        /// Which methods do.
        hint: &'static str,
    },
    /// An OAuth method without a client id.
    #[error(
        "{method} needs a client_id: give the client id of an OAuth app registered on the portal",
        method = .0.label()
    )]
    MissingClientId(SignInMethod),
    /// A redirect URI that does not match the method.
    #[error("{method} cannot use redirect URI {uri}: {hint}", method = .method.label())]
    RedirectMismatch {
        /// The method chosen.
        method: SignInMethod,
        /// The redirect given.
        uri: RedirectUri,
        /// What to use instead.
        hint: &'static str,
    },
    /// A setting given for a method that does not use it.
    #[error("{field} is not used by {method}: remove it", method = .method.label())]
    NotUsedByMethod {
        /// The field.
        field: &'static str,
        /// The method chosen.
        method: SignInMethod,
    },
    /// An empty, blank or multi-line value where text is needed.
    #[error(
        "{field} is empty or has spaces or line breaks around or inside it: give the value alone"
    )]
    BadText {
        /// The field.
        field: &'static str,
    },
    /// Token binding `referer` without a referer.
    #[error(
        "token binding `referer` needs a referer: set referer (e.g. https://myapp.example.com)"
    )]
    BindingWithoutReferer,
    /// A relative CA file path.
    #[error("ca_file {0} is a relative path: give an absolute path to the PEM file")]
    RelativeCaFile(PathBuf),
}

impl ProfileDraft {
    /// A draft with only the required settings; the rest take their defaults.
    pub fn new(name: &str, kind: SiteKind, url: &str, sign_in: SignInMethod) -> Self {
        Self {
            name: name.to_owned(),
            kind,
            url: url.to_owned(),
            sign_in,
            client_id: None,
            redirect_uri: None,
            expiration: TokenLifetime::default(),
            ca_file: None,
            referer: None,
            username: None,
            token_binding: None,
            header: PreferredHeader::default(),
            server_admin: false,
        }
    }

    /// Checks every setting (and how they fit together), normalises the URL, fills in the
    /// method's default redirect URI and gives the profile `id`.
    pub fn validate(mut self, id: ProfileId) -> Result<Profile, ProfileError> {
        check_name(&self.name)?;
        self.url = normalised_url(&self.name, self.kind, &self.url)?;
        let method = self.sign_in;
        if !method.works_with(self.kind) {
            let hint = if self.kind.is_portal() {
                "portals take browser, out-of-band, API key, app credentials or portal password sign-in"
            } else {
                "ArcGIS Server sites take server user name and password sign-in"
            };
            return Err(ProfileError::MethodNotForKind {
                method,
                kind: self.kind,
                hint,
            });
        }
        match (&self.client_id, method.needs_client_id()) {
            (Some(client_id), true) => check_text("client_id", client_id)?,
            (None, true) => return Err(ProfileError::MissingClientId(method)),
            (Some(_), false) => return Err(not_used("client_id", method)),
            (None, false) => {}
        }
        self.redirect_uri = redirect_for(method, self.redirect_uri.take())?;
        if let Some(username) = &self.username {
            if !method.uses_password() {
                return Err(not_used("username", method));
            }
            check_text("username", username)?;
        }
        if let Some(referer) = &self.referer {
            check_text("referer", referer)?;
        }
        if let Some(binding) = self.token_binding {
            if !method.uses_password() {
                return Err(not_used("token_binding", method));
            }
            if binding == TokenBinding::Referer && self.referer.is_none() {
                return Err(ProfileError::BindingWithoutReferer);
            }
        }
        if self.server_admin && method != SignInMethod::ServerPassword {
            return Err(not_used("server_admin", method));
        }
        if let Some(ca_file) = &self.ca_file
            && !ca_file.is_absolute()
        {
            return Err(ProfileError::RelativeCaFile(ca_file.clone()));
        }
        let access = match method {
            SignInMethod::BrowserPkce => Access::Browser {
                client_id: self.client_id.unwrap_or_default(),
                redirect: self.redirect_uri.unwrap_or(RedirectUri::LoopbackAnyPort {
                    path: "/".to_owned(),
                }),
            },
            SignInMethod::OutOfBand => Access::OutOfBand {
                client_id: self.client_id.unwrap_or_default(),
            },
            SignInMethod::ApiKey => Access::ApiKey,
            SignInMethod::AppCredentials => Access::AppCredentials {
                client_id: self.client_id.unwrap_or_default(),
            },
            SignInMethod::PortalPassword => Access::PortalPassword {
                username: self.username,
                binding: self.token_binding,
            },
            SignInMethod::ServerPassword => Access::ServerPassword {
                username: self.username,
                binding: self.token_binding,
                admin: self.server_admin,
            },
        };
        Ok(Profile {
            id,
            name: self.name,
            kind: self.kind,
            url: self.url,
            access,
            expiration: self.expiration,
            ca_file: self.ca_file,
            referer: self.referer,
            header: self.header,
        })
    }
}

fn not_used(field: &'static str, method: SignInMethod) -> ProfileError {
    ProfileError::NotUsedByMethod { field, method }
}

fn check_name(name: &str) -> Result<(), ProfileError> {
    let mut chars = name.chars();
    let starts_well = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !starts_well || !rest_ok || name.len() > MAX_NAME_LEN {
        return Err(ProfileError::BadName(name.to_owned()));
    }
    if looks_like_id(&name.to_ascii_lowercase()) {
        return Err(ProfileError::NameLooksLikeId(name.to_owned()));
    }
    Ok(())
}

/// Text that must be given as is: not empty, no surrounding whitespace, no control
/// characters (line breaks would break headers and forms).
fn check_text(field: &'static str, value: &str) -> Result<(), ProfileError> {
    if value.is_empty() || value.trim() != value || value.chars().any(char::is_control) {
        return Err(ProfileError::BadText { field });
    }
    Ok(())
}

fn normalised_url(name: &str, kind: SiteKind, url: &str) -> Result<String, ProfileError> {
    let bad_url = |source| ProfileError::BadUrl {
        name: name.to_owned(),
        source,
    };
    if !kind.is_portal() {
        return Ok(ServerUrl::parse(url).map_err(bad_url)?.root().to_owned());
    }
    let portal = PortalUrl::parse(url).map_err(bad_url)?;
    if kind == SiteKind::ArcgisOnline && !portal.is_arcgis_online_host() {
        return Err(ProfileError::NotArcgisOnline {
            host: portal.host().to_owned(),
        });
    }
    Ok(portal.base().to_owned())
}

fn redirect_for(
    method: SignInMethod,
    given: Option<RedirectUri>,
) -> Result<Option<RedirectUri>, ProfileError> {
    let mismatch = |uri, hint| ProfileError::RedirectMismatch { method, uri, hint };
    match (method, given) {
        (SignInMethod::BrowserPkce, None) => Ok(Some(RedirectUri::LoopbackAnyPort {
            path: "/".to_owned(),
        })),
        (SignInMethod::BrowserPkce, Some(uri)) if uri.is_loopback() => Ok(Some(uri)),
        (SignInMethod::BrowserPkce, Some(uri)) => Err(mismatch(
            uri,
            "browser sign-in needs a loopback redirect (http://127.0.0.1:PORT/path or http://127.0.0.1/path); \
             choose out-of-band sign-in to paste a code",
        )),
        (SignInMethod::OutOfBand, None | Some(RedirectUri::OutOfBand)) => {
            Ok(Some(RedirectUri::OutOfBand))
        }
        (SignInMethod::OutOfBand, Some(uri)) => Err(mismatch(
            uri,
            "out-of-band sign-in uses urn:ietf:wg:oauth:2.0:oob; choose browser sign-in for a loopback redirect",
        )),
        (_, None) => Ok(None),
        (_, Some(_)) => Err(not_used("redirect_uri", method)),
    }
}

impl Profile {
    /// The stable id secrets are filed under.
    pub fn id(&self) -> &ProfileId {
        &self.id
    }

    /// The unique name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The kind of site.
    pub fn kind(&self) -> SiteKind {
        self.kind
    }

    /// The normalised URL: the portal base (`https://host/portal`, `https://www.arcgis.com`)
    /// or the server root (`https://host/arcgis`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The portal, for portal kinds.
    pub fn portal_url(&self) -> Option<PortalUrl> {
        self.kind
            .is_portal()
            .then(|| PortalUrl::parse(&self.url).ok())
            .flatten()
    }

    /// The server, for the ArcGIS Server kind.
    pub fn server_url(&self) -> Option<ServerUrl> {
        (!self.kind.is_portal())
            .then(|| ServerUrl::parse(&self.url).ok())
            .flatten()
    }

    /// How to sign in.
    pub fn sign_in(&self) -> SignInMethod {
        self.access.method()
    }

    /// How to sign in, with the settings of that way.
    pub fn access(&self) -> &Access {
        &self.access
    }

    /// The OAuth client id.
    pub fn client_id(&self) -> Option<&str> {
        match &self.access {
            Access::Browser { client_id, .. }
            | Access::OutOfBand { client_id }
            | Access::AppCredentials { client_id } => Some(client_id),
            _ => None,
        }
    }

    /// The OAuth redirect URI (always present for browser and out-of-band sign-in).
    pub fn redirect_uri(&self) -> Option<&RedirectUri> {
        match &self.access {
            Access::Browser { redirect, .. } => Some(redirect),
            Access::OutOfBand { .. } => Some(&RedirectUri::OutOfBand),
            _ => None,
        }
    }

    /// The refresh-token lifetime to ask for.
    pub fn expiration(&self) -> TokenLifetime {
        self.expiration
    }

    /// Extra CA certificates to trust.
    pub fn ca_file(&self) -> Option<&Path> {
        self.ca_file.as_deref()
    }

    /// The `Referer` to send.
    pub fn referer(&self) -> Option<&str> {
        self.referer.as_deref()
    }

    /// The user name for password sign-in.
    pub fn username(&self) -> Option<&str> {
        match &self.access {
            Access::PortalPassword { username, .. } | Access::ServerPassword { username, .. } => {
                username.as_deref()
            }
            _ => None,
        }
    }

    /// What generateToken tokens are bound to.
    pub fn token_binding(&self) -> Option<TokenBinding> {
        match &self.access {
            Access::PortalPassword { binding, .. } | Access::ServerPassword { binding, .. } => {
                *binding
            }
            _ => None,
        }
    }

    /// The header tokens are sent in.
    pub fn header(&self) -> PreferredHeader {
        self.header
    }

    /// Server password sign-in as an administrator (`admin/generateToken`).
    pub fn server_admin(&self) -> bool {
        matches!(self.access, Access::ServerPassword { admin: true, .. })
    }

    /// What this profile's `generateToken` tokens are bound to: the profile's binding, by
    /// default `referer` with the profile's referer (and `requestip` when there is none).
    /// `None` for methods that do not use `generateToken`.
    pub fn password_binding(&self) -> Option<TokenBinding> {
        if !self.sign_in().uses_password() {
            return None;
        }
        Some(match (self.token_binding(), self.referer()) {
            (Some(binding), _) => binding,
            (None, Some(_)) => TokenBinding::Referer,
            (None, None) => TokenBinding::RequestIp,
        })
    }

    /// The `Referer` this profile's tokens only work with, if they are referer-bound
    /// (password sign-in with the `referer` binding): every use of such a token must send
    /// it, or the site answers 498.
    pub fn bound_referer(&self) -> Option<&str> {
        match self.password_binding() {
            Some(TokenBinding::Referer) => self.referer(),
            _ => None,
        }
    }

    /// The settings as a person gives them (and the file holds them), to edit and validate
    /// again (see [`super::ProfileStore::update`]).
    pub fn draft(&self) -> ProfileDraft {
        let (client_id, redirect_uri, username, token_binding, server_admin) = match &self.access {
            Access::Browser {
                client_id,
                redirect,
            } => (
                Some(client_id.clone()),
                Some(redirect.clone()),
                None,
                None,
                false,
            ),
            Access::OutOfBand { client_id } => (
                Some(client_id.clone()),
                Some(RedirectUri::OutOfBand),
                None,
                None,
                false,
            ),
            Access::ApiKey => (None, None, None, None, false),
            Access::AppCredentials { client_id } => {
                (Some(client_id.clone()), None, None, None, false)
            }
            Access::PortalPassword { username, binding } => {
                (None, None, username.clone(), *binding, false)
            }
            Access::ServerPassword {
                username,
                binding,
                admin,
            } => (None, None, username.clone(), *binding, *admin),
        };
        ProfileDraft {
            name: self.name.clone(),
            kind: self.kind,
            url: self.url.clone(),
            sign_in: self.sign_in(),
            client_id,
            redirect_uri,
            expiration: self.expiration,
            ca_file: self.ca_file.clone(),
            referer: self.referer.clone(),
            username,
            token_binding,
            header: self.header,
            server_admin,
        }
    }

    /// Whether this profile answers to `name_or_id`: its id, or its name in any case.
    pub fn is_called(&self, name_or_id: &str) -> bool {
        self.id.as_str() == name_or_id || self.name.eq_ignore_ascii_case(name_or_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_method_keeps_exactly_its_own_settings_and_the_draft_round_trips() {
        let portal = "https://gis.example.com/portal";
        let mut drafts = Vec::new();
        for method in [
            SignInMethod::BrowserPkce,
            SignInMethod::OutOfBand,
            SignInMethod::ApiKey,
            SignInMethod::AppCredentials,
            SignInMethod::PortalPassword,
        ] {
            let mut draft = ProfileDraft::new("p", SiteKind::EnterprisePortal, portal, method);
            if method.needs_client_id() {
                draft.client_id = Some("app".to_owned());
            }
            if method.uses_password() {
                draft.username = Some("analyst".to_owned());
                draft.referer = Some("https://app.example".to_owned());
                draft.token_binding = Some(TokenBinding::Referer);
            }
            drafts.push(draft);
        }
        let mut server = ProfileDraft::new(
            "s",
            SiteKind::ArcgisServer,
            "https://gis.example.com/arcgis",
            SignInMethod::ServerPassword,
        );
        server.server_admin = true;
        server.username = Some("siteadmin".to_owned());
        drafts.push(server);
        for draft in drafts {
            let profile = draft.clone().validate(ProfileId::generate()).unwrap();
            assert_eq!(profile.access().method(), draft.sign_in);
            assert_eq!(
                profile.client_id().is_some(),
                draft.sign_in.needs_client_id()
            );
            assert_eq!(profile.username().is_some(), draft.sign_in.uses_password());
            assert_eq!(
                profile.server_admin(),
                draft.sign_in == SignInMethod::ServerPassword
            );
            let again = profile.draft().validate(profile.id().clone()).unwrap();
            assert_eq!(again, profile, "{:?}", draft.sign_in);
        }
    }

    fn pkce(name: &str) -> ProfileDraft {
        let mut draft = ProfileDraft::new(
            name,
            SiteKind::EnterprisePortal,
            "https://gis.example.com/portal/home/",
            SignInMethod::BrowserPkce,
        );
        draft.client_id = Some("abc123".into());
        draft
    }

    #[test]
    fn a_valid_draft_gets_a_normalised_url_and_the_default_redirect() {
        let profile = pkce("work").validate(ProfileId::generate()).unwrap();
        assert_eq!(profile.url(), "https://gis.example.com/portal");
        assert_eq!(
            profile.redirect_uri(),
            Some(&RedirectUri::LoopbackAnyPort { path: "/".into() })
        );
        assert_eq!(
            profile.portal_url().unwrap().sharing_rest(),
            "https://gis.example.com/portal/sharing/rest"
        );
        assert!(profile.server_url().is_none());
    }

    #[test]
    fn names_outside_the_allowed_set_are_refused_with_the_rule() {
        for bad in ["", "-lead", "has space", "ünï", &"x".repeat(65)] {
            let err = pkce(bad).validate(ProfileId::generate()).unwrap_err();
            assert!(matches!(err, ProfileError::BadName(_)), "{bad:?}");
            assert!(err.to_string().contains("letters, digits"), "{err}");
        }
        let id_like = ProfileId::generate().to_string();
        assert!(matches!(
            pkce(&id_like).validate(ProfileId::generate()),
            Err(ProfileError::NameLooksLikeId(_))
        ));
    }

    #[test]
    fn browser_sign_in_without_a_client_id_says_what_to_give() {
        let mut draft = pkce("work");
        draft.client_id = None;
        let err = draft.validate(ProfileId::generate()).unwrap_err();
        assert_eq!(
            err,
            ProfileError::MissingClientId(SignInMethod::BrowserPkce)
        );
        assert!(err.to_string().contains("needs a client_id"));
    }

    #[test]
    fn redirects_must_fit_the_method() {
        let mut draft = pkce("work");
        draft.redirect_uri = Some(RedirectUri::OutOfBand);
        let err = draft.validate(ProfileId::generate()).unwrap_err();
        assert!(
            matches!(err, ProfileError::RedirectMismatch { .. }),
            "{err}"
        );

        let mut oob = pkce("work");
        oob.sign_in = SignInMethod::OutOfBand;
        let profile = oob.validate(ProfileId::generate()).unwrap();
        assert_eq!(profile.redirect_uri(), Some(&RedirectUri::OutOfBand));
    }

    #[test]
    fn server_profiles_take_only_server_password_sign_in() {
        let draft = ProfileDraft::new(
            "gis",
            SiteKind::ArcgisServer,
            "https://host/arcgis/rest/services",
            SignInMethod::BrowserPkce,
        );
        let err = draft.clone().validate(ProfileId::generate()).unwrap_err();
        assert!(
            err.to_string().contains("ArcGIS Server sites take"),
            "{err}"
        );

        let mut ok = draft;
        ok.sign_in = SignInMethod::ServerPassword;
        ok.username = Some("analyst".into());
        ok.token_binding = Some(TokenBinding::RequestIp);
        let profile = ok.validate(ProfileId::generate()).unwrap();
        assert_eq!(profile.url(), "https://host/arcgis");
        assert_eq!(profile.server_url().unwrap().root(), "https://host/arcgis");
    }

    #[test]
    fn a_server_url_for_a_portal_kind_is_refused() {
        let mut draft = pkce("work");
        draft.url = "https://host/arcgis/rest/services".into();
        let err = draft.validate(ProfileId::generate()).unwrap_err();
        assert!(matches!(
            err,
            ProfileError::BadUrl {
                source: UrlError::NotAPortal { .. },
                ..
            }
        ));
    }

    #[test]
    fn arcgis_online_profiles_need_an_arcgis_com_host() {
        let mut draft = pkce("agol");
        draft.kind = SiteKind::ArcgisOnline;
        let err = draft.clone().validate(ProfileId::generate()).unwrap_err();
        assert!(
            err.to_string().contains("ArcGIS Enterprise portal"),
            "{err}"
        );
        draft.url = "myorg.maps.arcgis.com".into();
        let profile = draft.validate(ProfileId::generate()).unwrap();
        assert_eq!(profile.url(), "https://myorg.maps.arcgis.com");
    }

    #[test]
    fn password_settings_are_refused_on_oauth_profiles_and_referer_binding_needs_a_referer() {
        let mut draft = pkce("work");
        draft.username = Some("analyst".into());
        let err = draft.validate(ProfileId::generate()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "username is not used by browser sign-in (OAuth PKCE): remove it"
        );

        let mut password = pkce("work");
        password.sign_in = SignInMethod::PortalPassword;
        password.client_id = None;
        password.token_binding = Some(TokenBinding::Referer);
        assert_eq!(
            password.clone().validate(ProfileId::generate()),
            Err(ProfileError::BindingWithoutReferer)
        );
        password.referer = Some("https://app.example.com".into());
        assert!(password.validate(ProfileId::generate()).is_ok());
    }

    #[test]
    fn blank_or_multi_line_values_are_refused_naming_the_field() {
        for bad in ["", " abc", "abc\n", "a\rb"] {
            let mut draft = pkce("work");
            draft.client_id = Some(bad.into());
            let err = draft.validate(ProfileId::generate()).unwrap_err();
            assert_eq!(err, ProfileError::BadText { field: "client_id" }, "{bad:?}");
            assert!(err.to_string().starts_with("client_id is empty"), "{err}");
        }
    }

    #[test]
    fn password_tokens_are_bound_to_the_profiles_referer_by_default() {
        let mut draft = pkce("pw");
        draft.sign_in = SignInMethod::PortalPassword;
        draft.client_id = None;
        draft.referer = Some("https://app.example.com".into());
        let profile = draft.clone().validate(ProfileId::generate()).unwrap();
        assert_eq!(profile.password_binding(), Some(TokenBinding::Referer));
        assert_eq!(profile.bound_referer(), Some("https://app.example.com"));

        draft.token_binding = Some(TokenBinding::RequestIp);
        let profile = draft.clone().validate(ProfileId::generate()).unwrap();
        assert_eq!(profile.bound_referer(), None);

        assert_eq!(
            pkce("oauth")
                .validate(ProfileId::generate())
                .unwrap()
                .bound_referer(),
            None
        );
    }

    #[test]
    fn only_server_password_profiles_can_sign_in_as_administrator() {
        let mut draft = pkce("admin");
        draft.server_admin = true;
        assert!(matches!(
            draft.validate(ProfileId::generate()),
            Err(ProfileError::NotUsedByMethod {
                field: "server_admin",
                ..
            })
        ));
    }

    #[test]
    fn a_relative_ca_file_is_refused() {
        let mut draft = pkce("work");
        draft.ca_file = Some("certs/ca.pem".into());
        assert!(matches!(
            draft.validate(ProfileId::generate()),
            Err(ProfileError::RelativeCaFile(_))
        ));
    }
}
