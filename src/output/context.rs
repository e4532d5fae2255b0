//! What a copy format needs to know about a token besides the token itself.

use std::path::Path;

use chrono::{DateTime, Utc};

use crate::arcgis::{PortalUrl, ServerUrl};
use crate::secret::Secret;
use crate::store::PreferredHeader;

/// The site that issued a token.
#[derive(Debug, Clone, Copy)]
pub enum Issuer<'a> {
    /// A portal (ArcGIS Online or Enterprise): portal tokens, OAuth tokens, API keys.
    Portal(&'a PortalUrl),
    /// An ArcGIS Server site (stand-alone, or a federated server's own token).
    Server(&'a ServerUrl),
}

/// A token and everything the formats need to make a working snippet of it.
///
/// Build it with [`TokenContext::new`] and set the optional fields that apply.
#[derive(Debug, Clone, Copy)]
pub struct TokenContext<'a> {
    /// The access token.
    pub token: &'a Secret<String>,
    /// The site that issued it.
    pub issuer: Issuer<'a>,
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
}

impl<'a> TokenContext<'a> {
    /// A context with only the token and its issuer: no Referer, the `Authorization` header,
    /// no known expiry or user, `ssl` true, no CA file.
    pub fn new(token: &'a Secret<String>, issuer: Issuer<'a>) -> Self {
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
        }
    }

    /// The URL the request snippets call, with `f=json` added when it has no `f` parameter
    /// (ArcGIS answers HTML otherwise).
    pub fn request_url(&self) -> String {
        let url = match (self.url, self.issuer) {
            (Some(url), _) => url.to_owned(),
            (None, Issuer::Portal(portal)) => portal.endpoint("community/self").to_string(),
            (None, Issuer::Server(server)) => server.endpoint("rest/services").to_string(),
        };
        with_f_json(url)
    }

    /// The `server` of a JavaScript SDK credential: the Sharing REST root of a portal, the
    /// `rest/services` root of a server.
    pub fn sdk_server(&self) -> String {
        match self.issuer {
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
