//! What a copy format needs to know about a token besides the token itself.

use std::path::Path;

use chrono::{DateTime, Utc};

use crate::arcgis::{PortalUrl, ServerUrl};
use crate::secret::AccessToken;
use crate::store::{PreferredHeader, Profile};

/// The site that issued a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Issuer {
    /// A portal (ArcGIS Online or Enterprise): portal tokens, OAuth tokens, API keys.
    Portal(PortalUrl),
    /// An ArcGIS Server site (stand-alone, or a federated server's own token).
    Server(ServerUrl),
}

impl Issuer {
    /// The site of a profile; `None` if its URL no longer parses (profiles are validated when
    /// saved, so only a hand-edited file gets there).
    pub fn of(profile: &Profile) -> Option<Self> {
        profile
            .portal_url()
            .map(Self::Portal)
            .or_else(|| profile.server_url().map(Self::Server))
    }
}

/// A token and everything the formats need to make a working snippet of it.
///
/// Build it with [`TokenContext::new`] and set the optional fields that apply.
#[derive(Debug, Clone)]
pub struct TokenContext<'a> {
    /// The access token.
    pub token: &'a AccessToken,
    /// The site that issued it.
    pub issuer: Issuer,
    /// The request URL the snippets call; `None` means a call that shows the token works
    /// (a portal's `community/self`, a server's `rest/services`).
    pub url: Option<&'a str>,
    /// The Referer the token is bound to (`client=referer`); every format carries it.
    pub referer: Option<&'a str>,
    /// The header snippets send the token in.
    pub header: PreferredHeader,
    /// When the token expires, if known.
    pub expires: Option<DateTime<Utc>>,
    /// The user the token belongs to (none for app and API-key tokens).
    pub user_id: Option<&'a str>,
    /// The token may only travel over HTTPS (`ssl` in the token answer).
    pub ssl: bool,
    /// A PEM file with the CA that signs the site's certificate (private CAs).
    pub ca_file: Option<&'a Path>,
    /// The profile the token comes from: the tool formats run `tokendesk exec` with it, so
    /// the tool gets a token that stays fresh instead of this copy.
    pub profile: Option<&'a str>,
}

impl<'a> TokenContext<'a> {
    /// A context with only the token and its issuer: no Referer, the `Authorization` header,
    /// no known expiry or user, `ssl` true, no CA file.
    pub fn new(token: &'a AccessToken, issuer: Issuer) -> Self {
        Self {
            token,
            issuer,
            url: None,
            referer: None,
            header: PreferredHeader::default(),
            expires: None,
            user_id: None,
            ssl: true,
            ca_file: None,
            profile: None,
        }
    }

    /// A context with what `profile` says about its tokens: its site, the Referer when its
    /// tokens are bound to one (`token_binding = "referer"`), its preferred header and its CA
    /// file. The caller adds what comes with the token (expiry, user) and, if it likes, a URL.
    /// `None` if the profile's URL no longer parses.
    pub fn for_profile(token: &'a AccessToken, profile: &'a Profile) -> Option<Self> {
        let mut ctx = Self::new(token, Issuer::of(profile)?);
        ctx.referer = profile.bound_referer();
        ctx.header = profile.header();
        ctx.ca_file = profile.ca_file();
        ctx.profile = Some(profile.name());
        Some(ctx)
    }

    /// The URL the request snippets call, with `f=json` added when it has no `f` parameter
    /// (ArcGIS answers HTML otherwise).
    pub fn request_url(&self) -> String {
        let url = match (self.url, &self.issuer) {
            (Some(url), _) => url.to_owned(),
            (None, Issuer::Portal(portal)) => portal.endpoint("community/self").to_string(),
            (None, Issuer::Server(server)) => server.endpoint("rest/services").to_string(),
        };
        with_f_json(url)
    }

    /// The `server` of a JavaScript SDK credential: the Sharing REST root of a portal, the
    /// `rest/services` root of a server.
    pub fn sdk_server(&self) -> String {
        match &self.issuer {
            Issuer::Portal(portal) => portal.sharing_rest(),
            Issuer::Server(server) => format!("{}/rest/services", server.root()),
        }
    }
}

fn with_f_json(url: String) -> String {
    match url::Url::parse(&url) {
        Ok(mut parsed) if !parsed.query_pairs().any(|(name, _)| name == "f") => {
            parsed.query_pairs_mut().append_pair("f", "json");
            parsed.to_string()
        }
        _ => url,
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::secret::Secret;
    use crate::store::{ProfileDraft, ProfileId, SignInMethod, SiteKind, TokenBinding};

    fn profile(method: SignInMethod, kind: SiteKind, url: &str) -> ProfileDraft {
        let mut draft = ProfileDraft::new("work", kind, url, method);
        draft.referer = Some("https://app.example.com".into());
        draft.header = PreferredHeader::XEsriAuthorization;
        draft.ca_file = Some("/etc/ca.pem".into());
        draft
    }

    #[test]
    fn a_referer_bound_password_profile_gives_its_referer_header_and_ca_file() {
        let mut draft = profile(
            SignInMethod::ServerPassword,
            SiteKind::ArcgisServer,
            "https://gis.example.com/server",
        );
        draft.username = Some("analyst".into());
        draft.token_binding = Some(TokenBinding::Referer);
        let profile = draft.validate(ProfileId::generate()).unwrap();
        let token = Secret::from("t");
        let ctx = TokenContext::for_profile(&token, &profile).unwrap();
        assert!(
            matches!(&ctx.issuer, Issuer::Server(s) if s.root() == "https://gis.example.com/server")
        );
        assert_eq!(ctx.referer, Some("https://app.example.com"));
        assert_eq!(ctx.header, PreferredHeader::XEsriAuthorization);
        assert_eq!(ctx.ca_file, Some(Path::new("/etc/ca.pem")));
    }

    #[test]
    fn an_oauth_profile_referer_does_not_bind_its_tokens() {
        let mut draft = profile(
            SignInMethod::BrowserPkce,
            SiteKind::EnterprisePortal,
            "https://gis.example.com/portal",
        );
        draft.client_id = Some("abc".into());
        let profile = draft.validate(ProfileId::generate()).unwrap();
        let token = Secret::from("t");
        let ctx = TokenContext::for_profile(&token, &profile).unwrap();
        assert!(
            matches!(&ctx.issuer, Issuer::Portal(p) if p.base() == "https://gis.example.com/portal")
        );
        assert_eq!(ctx.referer, None);
    }
}
