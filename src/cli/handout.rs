//! A token handed to another program: the object `token --json` prints, and the environment
//! and header file `exec` gives its command. One description, so the three agree.
//!
//! The JSON object (documented in the README; scripts and plugins rely on its names):
//!
//! | field        | value                                                                  |
//! |--------------|------------------------------------------------------------------------|
//! | `profile`    | the profile's name                                                     |
//! | `token`      | the token; `null` when the `--for` URL needs none                      |
//! | `expires`    | its expiry, RFC 3339 UTC with milliseconds; `null` when no token        |
//! | `expires_ms` | the same in epoch milliseconds                                          |
//! | `header`     | `{"name", "value"}`: the profile's preferred header, value `Bearer …`   |
//! | `referer`    | the `Referer` the token only works with, else `null`                    |
//! | `site`       | the portal (base URL) or server (root) that the token is for            |
//! | `url`        | the `--for` URL, else `null`                                            |
//! | `user`       | the user the token acts as, when known                                  |
//! | `kind`       | `user`, `app`, `api_key`, `server`, or `none` (no token needed)         |

use serde_json::{Value, json};

use super::for_url::Printed;
use crate::clock::rfc3339;
use crate::output::Issuer;
use crate::store::{Profile, SignInMethod};

/// What `token --json` and `exec` know about the token they hand out.
pub struct Handout<'a> {
    /// The profile it comes from.
    pub profile: &'a Profile,
    /// The token; `None` when the `--for` URL needs no token.
    pub token: Option<&'a Printed>,
    /// The `--for` URL, if any.
    pub url: Option<&'a str>,
    /// The site the token is for when no token was needed (the public server's root).
    pub public_site: Option<&'a str>,
}

impl Handout<'_> {
    /// The kind of token: `user`, `app`, `api_key`, `server` or `none`.
    pub fn kind(&self) -> &'static str {
        let Some(token) = self.token else {
            return "none";
        };
        if token.server.is_some() || self.profile.server_url().is_some() {
            return "server";
        }
        match self.profile.sign_in() {
            SignInMethod::ApiKey => "api_key",
            SignInMethod::AppCredentials => "app",
            _ => "user",
        }
    }

    /// The portal base URL or server root the token is for.
    pub fn site(&self) -> String {
        if let Some(server) = self.token.and_then(|t| t.server.as_deref()) {
            return server.to_owned();
        }
        if let Some(site) = self.public_site {
            return site.to_owned();
        }
        match Issuer::of(self.profile) {
            Some(Issuer::Portal(portal)) => portal.base().to_owned(),
            Some(Issuer::Server(server)) => server.root().to_owned(),
            None => self.profile.url().to_owned(),
        }
    }

    /// The `Referer` the token only works with.
    pub fn referer(&self) -> Option<&str> {
        self.token.and_then(|t| t.bound_referer(self.profile))
    }

    /// The header line without its end: `Authorization: Bearer <token>`.
    pub fn header_line(&self) -> Option<String> {
        let token = self.token?;
        Some(format!(
            "{}: Bearer {}",
            self.profile.header().name(),
            token.token.expose()
        ))
    }

    /// The `token --json` object.
    pub fn json(&self) -> Value {
        let token = self.token;
        json!({
            "profile": self.profile.name(),
            "token": token.map(|t| t.token.expose().clone()),
            "expires": token.map(|t| {
                t.expires_at
                    .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
            }),
            "expires_ms": token.map(|t| t.expires_at.timestamp_millis()),
            "header": token.map(|t| json!({
                "name": self.profile.header().name(),
                "value": format!("Bearer {}", t.token.expose()),
            })),
            "referer": self.referer(),
            "site": self.site(),
            "url": self.url,
            "user": token.and_then(|t| t.user.clone()),
            "kind": self.kind(),
        })
    }

    /// The content of a GDAL header file: the header line, and the `Referer` line when the
    /// token is bound to one; empty when no token is needed.
    pub fn header_file(&self) -> String {
        let mut text = String::new();
        if let Some(line) = self.header_line() {
            text.push_str(&line);
            text.push('\n');
        }
        if let Some(referer) = self.referer() {
            text.push_str("Referer: ");
            text.push_str(referer);
            text.push('\n');
        }
        text
    }

    /// The environment `exec` gives its command (the header file's variable aside):
    /// `ARCGIS_HOST` always; `ARCGIS_TOKEN` and `ARCGIS_TOKEN_EXPIRES` with a token;
    /// `ARCGIS_REFERER` when bound; `ARCGIS_API_KEY` for API-key profiles.
    pub fn environment(&self) -> Vec<(&'static str, String)> {
        let mut vars = vec![("ARCGIS_HOST", self.site())];
        if let Some(token) = self.token {
            vars.push(("ARCGIS_TOKEN", token.token.expose().clone()));
            vars.push(("ARCGIS_TOKEN_EXPIRES", rfc3339(token.expires_at)));
            if self.kind() == "api_key" {
                vars.push(("ARCGIS_API_KEY", token.token.expose().clone()));
            }
        }
        if let Some(referer) = self.referer() {
            vars.push(("ARCGIS_REFERER", referer.to_owned()));
        }
        vars
    }
}
