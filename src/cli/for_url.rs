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
    /// The profile's own token (which carries the profile's Referer binding, if any).
    own: bool,
}

impl Printed {
    /// The profile's own token.
    pub fn own(token: FreshToken) -> Self {
        Self {
            token: token.token,
            own: true,
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
    let (profile, engine) = context::profile_and_engine(name).await?;
    match engine.token_for(&profile, url, force).await {
        Ok(ServiceAccess::NotNeeded { server }) => {
            eprintln!(
                "tokendesk: {server} has no token security: no token needed (nothing printed on stdout)"
            );
            Ok((profile, None))
        }
        Ok(ServiceAccess::Token(token)) => {
            if let Some(warning) = &token.warning {
                print_warning(warning);
            }
            eprintln!("tokendesk: {}", note(&profile, &token));
            let own = matches!(token.kind, ServiceTokenKind::Own(_));
            Ok((
                profile,
                Some(Printed {
                    token: token.token,
                    own,
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
