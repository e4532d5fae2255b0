//! `tokendesk token NAME --for URL` and `header NAME --for URL`: the token that works at a
//! service URL (the profile's own, a federated server token, or none needed), through
//! [`crate::engine::Engine::token_for`]. stdout carries the token (or the header) and
//! nothing else; a one-line note on stderr says which token it is.
//!
//! A server without token security needs no token: exit 0, **nothing** on stdout, and
//! stderr says so (so `TOKEN=$(tokendesk token NAME --for URL)` gives an empty token, which
//! such a server ignores). A site where the profile's tokens do not work exits 3 with the
//! profile to add.

use super::context::{self, engine_failure};
use super::remedy::{print_warning, with_remedy};
use super::{Exit, Outcome};
use crate::arcgis::Instant;
use crate::clock::rfc3339;
use crate::engine::{
    FailureClass, FreshToken, ServiceAccess, ServiceToken, ServiceTokenError, ServiceTokenKind,
};
use crate::secret::AccessToken;
use crate::store::Profile;

/// A token to print: the profile's own, or a federated server token.
pub struct Printed {
    /// The token.
    pub token: AccessToken,
    /// When it expires.
    pub expires_at: Instant,
    /// The user it belongs to, when known.
    pub user: Option<String>,
    /// For a federated server token: the server root it works on (and only there).
    pub server: Option<String>,
    /// The profile's own token (which carries the profile's Referer binding, if any).
    own: bool,
}

impl Printed {
    /// The profile's own token.
    pub fn own(token: FreshToken) -> Self {
        Self {
            token: token.token,
            expires_at: token.expires_at,
            user: token.username,
            server: None,
            own: true,
        }
    }

    /// The same kind of token, renewed.
    pub fn renewed(&self, token: AccessToken, expires_at: Instant) -> Self {
        Self {
            token,
            expires_at,
            user: self.user.clone(),
            server: self.server.clone(),
            own: self.own,
        }
    }

    /// The `Referer` this token only works with: the profile's, for its own token when its
    /// tokens are referer-bound (server tokens are not bound).
    pub fn bound_referer<'a>(&self, profile: &'a Profile) -> Option<&'a str> {
        profile.bound_referer().filter(|_| self.own)
    }
}

/// The token for `url` with `profile`'s sign-in, or `None` when no token is needed (the
/// stderr note is printed here).
pub async fn token_for(
    name: &str,
    url: &str,
    force: bool,
) -> Result<(Profile, Option<Printed>), Outcome> {
    let (profile, found) = token_or_public(name, url, force).await?;
    Ok((profile, found.ok()))
}

/// [`token_for`], saying which server needs no token: `Err(server root)` then.
pub async fn token_or_public(
    name: &str,
    url: &str,
    force: bool,
) -> Result<(Profile, Result<Printed, String>), Outcome> {
    let (profile, engine) = context::profile_and_engine(name).await?;
    match engine.token_for(&profile, url, force).await {
        Ok(ServiceAccess::NotNeeded { server }) => {
            eprintln!(
                "tokendesk: {server} has no token security: no token needed (no token is handed out)"
            );
            Ok((profile, Err(server)))
        }
        Ok(ServiceAccess::Token(token)) => {
            if let Some(warning) = &token.warning {
                print_warning(warning);
            }
            eprintln!("tokendesk: {}", note(&profile, &token));
            let server = match &token.kind {
                ServiceTokenKind::Own(_) => None,
                ServiceTokenKind::FederatedServer { server } => Some(server.clone()),
            };
            Ok((
                profile,
                Ok(Printed {
                    own: server.is_none(),
                    token: token.token,
                    expires_at: token.expires_at,
                    user: token.username,
                    server,
                }),
            ))
        }
        Err(err) => Err(failure(&err)),
    }
}

fn note(profile: &Profile, token: &ServiceToken) -> String {
    let until = rfc3339(token.expires_at);
    match &token.kind {
        ServiceTokenKind::Own(reason) => format!(
            "the token of profile `{}` ({}): {}; valid until {until}",
            profile.name(),
            profile.url(),
            reason.describe()
        ),
        ServiceTokenKind::FederatedServer { server } => format!(
            "a server token for {server} (federated with {}), {}; valid until {until}, and only on that server",
            profile.url(),
            if token.cached {
                "reused from the keyring"
            } else {
                "just issued by the portal"
            }
        ),
    }
}

fn failure(err: &ServiceTokenError) -> Outcome {
    if let ServiceTokenError::Engine(engine) = err {
        return engine_failure(engine);
    }
    let exit = match err.class() {
        None => Exit::Usage,
        Some(FailureClass::SignInNeeded) => Exit::SignInNeeded,
        Some(FailureClass::Network) => Exit::Network,
        Some(FailureClass::Local) => Exit::Failure,
    };
    Outcome::fail(exit, with_remedy(&err.to_string(), err.remedy().as_ref()))
}
