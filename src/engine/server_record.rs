//! [`ServerTokens`]: a profile's federated-server tokens, by server, as one keyring value
//! (a small JSON object) under [`crate::store::SecretKind::ServerTokens`], next to the
//! profile's session. Never in a file.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use chrono::TimeDelta;

use super::schedule::renewal_margin;
use crate::arcgis::Instant;
use crate::secret::{AccessToken, Secret};

/// One server's token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerTokenEntry {
    /// The token.
    pub token: AccessToken,
    /// When TokenDesk received it.
    pub issued_at: Instant,
    /// When it expires.
    pub expires_at: Instant,
    /// The portal user it was issued to (a token of another user is never reused).
    pub username: Option<String>,
}

impl ServerTokenEntry {
    /// Still good to hand out at `now` for `username`: same user, and not yet within the
    /// renewal margin of its expiry (the rule access tokens follow, see
    /// [`super::schedule`]; `margin` is the longest one).
    pub fn usable(&self, username: Option<&str>, now: Instant, margin: TimeDelta) -> bool {
        let margin = renewal_margin(
            (self.expires_at - self.issued_at).max(chrono::TimeDelta::zero()),
            margin,
        );
        self.username.as_deref() == username && now < self.expires_at - margin
    }
}

/// A profile's server tokens, keyed by server root (see
/// [`crate::auth::federation::server_key`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerTokens {
    /// By server root.
    pub servers: BTreeMap<String, ServerTokenEntry>,
}

#[derive(Serialize, Deserialize)]
struct WireEntry {
    token: String,
    issued_at: Instant,
    expires_at: Instant,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    username: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct Wire {
    servers: BTreeMap<String, WireEntry>,
}

/// A stored value that is not a server-token record (says where the JSON broke, never what
/// it holds).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a server-token record (JSON error at line {line}, column {column})")]
pub struct NotServerTokens {
    line: usize,
    column: usize,
}

impl ServerTokens {
    /// The value to store.
    pub fn to_secret(&self) -> Secret<String> {
        let wire = Wire {
            servers: self
                .servers
                .iter()
                .map(|(server, entry)| {
                    let wire = WireEntry {
                        token: entry.token.expose().clone(),
                        issued_at: entry.issued_at,
                        expires_at: entry.expires_at,
                        username: entry.username.clone(),
                    };
                    (server.clone(), wire)
                })
                .collect(),
        };
        // Strings and timestamps always serialise.
        Secret::new(serde_json::to_string(&wire).unwrap_or_default())
    }

    /// Reads a value written by [`ServerTokens::to_secret`].
    pub fn from_secret(value: &Secret<String>) -> Result<Self, NotServerTokens> {
        let wire: Wire = serde_json::from_str(value.expose()).map_err(|err| NotServerTokens {
            line: err.line(),
            column: err.column(),
        })?;
        let servers = wire
            .servers
            .into_iter()
            .map(|(server, entry)| {
                let entry = ServerTokenEntry {
                    token: Secret::new(entry.token),
                    issued_at: entry.issued_at,
                    expires_at: entry.expires_at,
                    username: entry.username,
                };
                (server, entry)
            })
            .collect();
        Ok(Self { servers })
    }

    /// Drops the tokens that expired before `now`.
    pub fn prune(&mut self, now: Instant) {
        self.servers.retain(|_, entry| entry.expires_at > now);
    }
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;
    use crate::engine::schedule::DEFAULT_RENEWAL_MARGIN;

    fn t(seconds: i64) -> Instant {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
    }

    fn entry(until: i64) -> ServerTokenEntry {
        ServerTokenEntry {
            token: Secret::new("server-tok".to_owned()),
            issued_at: t(0),
            expires_at: t(until),
            username: Some("analyst".to_owned()),
        }
    }

    #[test]
    fn server_tokens_round_trip_through_their_stored_value() {
        let mut tokens = ServerTokens::default();
        tokens
            .servers
            .insert("https://host/server".to_owned(), entry(3600));
        let stored = tokens.to_secret();
        assert_eq!(ServerTokens::from_secret(&stored).unwrap(), tokens);
        assert!(!format!("{tokens:?}").contains("server-tok"));
    }

    #[test]
    fn a_server_token_is_renewed_within_the_access_token_margin_and_never_reused_for_another_user()
    {
        let hour = entry(3600);
        assert!(hour.usable(Some("analyst"), t(3000), DEFAULT_RENEWAL_MARGIN));
        assert!(!hour.usable(Some("analyst"), t(3300), DEFAULT_RENEWAL_MARGIN));
        assert!(!hour.usable(Some("portaladmin"), t(10), DEFAULT_RENEWAL_MARGIN));
    }

    #[test]
    fn an_unreadable_value_is_reported_without_its_content() {
        let err = ServerTokens::from_secret(&Secret::new(
            "{\"servers\": 7, \"x\": \"leak-me\"}".to_owned(),
        ))
        .unwrap_err()
        .to_string();
        assert!(err.contains("line 1") && !err.contains("leak-me"), "{err}");
    }
}
