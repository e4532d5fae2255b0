//! What the engine keeps in the keyring for a signed-in profile, and nothing anywhere else:
//!
//! * under [`SecretKind::AccessToken`]: the [`AccessTokenRecord`] (token, expiry, user);
//! * under [`SecretKind::RefreshToken`]: a [`SessionRecord`], one small JSON value holding the
//!   refresh token and what renewal needs — when the refresh token was issued and when it
//!   expires (for the 20 % rule), the redirect URI used at sign-in (the
//!   `exchange_refresh_token` grant needs it; for any-port loopback it includes the port),
//!   when the access token was last renewed, and the failure state every process shares
//!   (attempts, next retry, last error, or "sign in again").
//!
//! The non-secret facts sit in the same keyring value as the refresh token, so they can never
//! disagree with it and nothing about a session is written to a file.
//!
//! Sessions of the credential methods (app credentials, user name + password) have no refresh
//! token: `refresh_token` is `None`, and `reissue` says whether the engine can ask for a new
//! token with stored credentials (a client secret, a remembered password) or the person must
//! sign in again once the token expires.

use serde::{Deserialize, Serialize};

use crate::arcgis::Instant;
use crate::arcgis::oauth::RedirectUri as WireRedirect;
use crate::remedy::{Remedy, Warning};
use crate::secret::{RefreshToken, Secret};
use crate::store::RedirectUri;

/// A signed-in session as kept under [`crate::store::SecretKind::RefreshToken`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// The refresh token; `None` for the credential methods, which have none.
    pub refresh_token: Option<RefreshToken>,
    /// Credential methods: a new token can be asked for with stored credentials (app
    /// credentials, a remembered password). Always `false` for OAuth sessions.
    pub reissue: bool,
    /// When the current refresh token's lifetime started (for the 20 % rule).
    pub refresh_issued_at: Instant,
    /// When the refresh token expires; `None`: it does not.
    pub refresh_expires_at: Option<Instant>,
    /// Whether exchanging the refresh token gives it a new lifetime. `false` once an exchange
    /// came back with the old expiry: exchanging again cannot help, so the token is only used
    /// for `refresh_token` grants until it ends.
    pub exchange_extends: bool,
    /// The redirect URI used at sign-in, exactly as sent (with the listener's port); `None`
    /// for the credential methods.
    pub redirect_uri: Option<WireRedirect>,
    /// The user the session belongs to.
    pub username: Option<String>,
    /// When the current access token was obtained.
    pub renewed_at: Instant,
    /// How renewal is doing, shared by every process.
    pub health: Health,
}

/// How a session's renewal is doing. Exactly one of these holds; every text is plain words,
/// never a secret.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Health {
    /// No failure since the last success.
    #[default]
    Good,
    /// Renewal failed and is retried with backoff.
    Failing {
        /// Failures in a row.
        failures: u32,
        /// When the next automatic attempt may happen.
        next_retry_at: Option<Instant>,
        /// The last failure.
        last_error: String,
        /// What a person can do about it, if anything.
        remedy: Option<Remedy>,
    },
    /// Renewal stopped on something retrying cannot fix (a client id, a CA file…); an
    /// explicit renewal still tries again.
    Stopped {
        /// What failed.
        reason: String,
        /// What to fix.
        remedy: Option<Remedy>,
    },
    /// The grant is dead (invalid, expired or revoked): nothing renews until a sign-in.
    SignInNeeded {
        /// Why.
        reason: String,
        /// What to do (sign in, or enter a credential again).
        remedy: Option<Remedy>,
    },
}

impl Health {
    /// Failures in a row so far (0 unless failing).
    pub fn failures(&self) -> u32 {
        match self {
            Self::Failing { failures, .. } => *failures,
            _ => 0,
        }
    }

    /// When the next automatic attempt may happen, while failing.
    pub fn next_retry_at(&self) -> Option<Instant> {
        match self {
            Self::Failing { next_retry_at, .. } => *next_retry_at,
            _ => None,
        }
    }

    /// Nothing renews by itself: stopped, or a sign-in is needed.
    pub fn halted(&self) -> bool {
        matches!(self, Self::Stopped { .. } | Self::SignInNeeded { .. })
    }
}

/// The JSON form, only built while (de)serialising.
#[derive(Serialize, Deserialize)]
struct Wire {
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    reissue: bool,
    refresh_issued_at: Instant,
    #[serde(default)]
    refresh_expires_at: Option<Instant>,
    #[serde(default = "yes")]
    exchange_extends: bool,
    #[serde(default)]
    redirect_uri: String,
    #[serde(default)]
    username: Option<String>,
    renewed_at: Instant,
    #[serde(default)]
    failures: u32,
    #[serde(default)]
    next_retry_at: Option<Instant>,
    #[serde(default)]
    last_error: Option<String>,
    #[serde(default)]
    needs_sign_in: Option<String>,
    #[serde(default)]
    stopped: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::remedy::deserialize_lenient"
    )]
    remedy: Option<Remedy>,
}

fn yes() -> bool {
    true
}

/// A stored value that is not a session record; says where the JSON broke, never what it holds.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a TokenDesk session record (JSON error at line {line}, column {column})")]
pub struct NotASession {
    line: usize,
    column: usize,
}

impl SessionRecord {
    /// The value to store in the keyring.
    pub fn to_secret(&self) -> Secret<String> {
        let wire = Wire {
            refresh_token: self.refresh_token.as_ref().map(|t| t.expose().clone()),
            reissue: self.reissue,
            refresh_issued_at: self.refresh_issued_at,
            refresh_expires_at: self.refresh_expires_at,
            exchange_extends: self.exchange_extends,
            redirect_uri: self
                .redirect_uri
                .as_ref()
                .map_or_else(String::new, ToString::to_string),
            username: self.username.clone(),
            renewed_at: self.renewed_at,
            failures: self.health.failures(),
            next_retry_at: self.health.next_retry_at(),
            last_error: match &self.health {
                Health::Failing { last_error, .. } => Some(last_error.clone()),
                _ => None,
            },
            needs_sign_in: match &self.health {
                Health::SignInNeeded { reason, .. } => Some(reason.clone()),
                _ => None,
            },
            stopped: match &self.health {
                Health::Stopped { reason, .. } => Some(reason.clone()),
                _ => None,
            },
            remedy: match &self.health {
                Health::Good => None,
                Health::Failing { remedy, .. }
                | Health::Stopped { remedy, .. }
                | Health::SignInNeeded { remedy, .. } => remedy.clone(),
            },
        };
        // Strings, numbers and timestamps always serialise.
        Secret::new(serde_json::to_string(&wire).unwrap_or_default())
    }

    /// Reads a value written by [`SessionRecord::to_secret`].
    pub fn from_secret(value: &Secret<String>) -> Result<Self, NotASession> {
        let wire: Wire = serde_json::from_str(value.expose()).map_err(|err| NotASession {
            line: err.line(),
            column: err.column(),
        })?;
        Ok(Self {
            refresh_token: wire.refresh_token.map(Secret::new),
            reissue: wire.reissue,
            refresh_issued_at: wire.refresh_issued_at,
            refresh_expires_at: wire.refresh_expires_at,
            exchange_extends: wire.exchange_extends,
            redirect_uri: stored_redirect(&wire.redirect_uri),
            username: wire.username,
            renewed_at: wire.renewed_at,
            health: match (wire.needs_sign_in, wire.stopped) {
                (Some(reason), _) => Health::SignInNeeded {
                    reason,
                    remedy: wire.remedy,
                },
                (None, Some(reason)) => Health::Stopped {
                    reason,
                    remedy: wire.remedy,
                },
                (None, None) if wire.failures > 0 => Health::Failing {
                    failures: wire.failures,
                    next_retry_at: wire.next_retry_at,
                    last_error: wire.last_error.unwrap_or_default(),
                    remedy: wire.remedy,
                },
                (None, None) => Health::Good,
            },
        })
    }

    /// A new session of a credential method (no refresh token) signed in at `now`.
    pub fn credentials(username: Option<String>, reissue: bool, now: Instant) -> Self {
        Self {
            refresh_token: None,
            reissue,
            refresh_issued_at: now,
            refresh_expires_at: None,
            exchange_extends: false,
            redirect_uri: None,
            username,
            renewed_at: now,
            health: Health::Good,
        }
    }

    /// Clears every failure mark after a success.
    pub fn clear_failures(&mut self) {
        self.health = Health::Good;
    }
}

/// A stored redirect URI as it was sent: a concrete loopback address or the out-of-band URN
/// (an empty or any-port value, which was never sent, reads as none).
fn stored_redirect(text: &str) -> Option<WireRedirect> {
    match RedirectUri::parse(text).ok()? {
        RedirectUri::Loopback { port, path } => Some(WireRedirect::Loopback { port, path }),
        RedirectUri::OutOfBand => Some(WireRedirect::OutOfBand),
        RedirectUri::LoopbackAnyPort { .. } => None,
    }
}

/// What was odd about a token answer (a clamped lifetime, the site's clock off), as one
/// warning for the activity log and the command line; `None` when nothing was.
pub(super) fn notes_warning(notes: Vec<String>) -> Option<Warning> {
    if notes.is_empty() {
        return None;
    }
    let text = notes.join("; ");
    let mut chars = text.chars();
    let capitalised: String = chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default();
    Some(Warning::new(capitalised, None))
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;

    fn record() -> SessionRecord {
        let t = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        SessionRecord {
            refresh_token: Some(Secret::new("rt-sekrit".to_owned())),
            reissue: false,
            refresh_issued_at: t,
            refresh_expires_at: Some(t + chrono::TimeDelta::days(14)),
            exchange_extends: true,
            redirect_uri: Some(WireRedirect::Loopback {
                port: 53111,
                path: "/".to_owned(),
            }),
            username: Some("analyst".to_owned()),
            renewed_at: t,
            health: Health::Good,
        }
    }

    #[test]
    fn a_session_record_round_trips_through_its_keyring_value() {
        let record = record();
        assert_eq!(
            SessionRecord::from_secret(&record.to_secret()).unwrap(),
            record
        );
    }

    #[test]
    fn every_health_round_trips_and_a_record_of_the_older_shape_reads_with_the_dead_grant_first() {
        let t = DateTime::from_timestamp(1_800_000_100, 0).unwrap();
        for health in [
            Health::Good,
            Health::Failing {
                failures: 2,
                next_retry_at: Some(t),
                last_error: "HTTP 502".to_owned(),
                remedy: Some(Remedy::CheckNetwork),
            },
            Health::Stopped {
                reason: "invalid client id".to_owned(),
                remedy: None,
            },
            Health::SignInNeeded {
                reason: "revoked".to_owned(),
                remedy: Some(Remedy::SignIn { profile: None }),
            },
        ] {
            let record = SessionRecord { health, ..record() };
            assert_eq!(
                SessionRecord::from_secret(&record.to_secret()).unwrap(),
                record
            );
        }
        // Before the health was one value, a record could carry failures, a stop and a dead
        // grant at once: the dead grant wins, as it did when the state was read.
        let older = Secret::new(
            r#"{"refresh_issued_at":"2027-01-15T08:00:00Z","renewed_at":"2027-01-15T08:00:00Z",
                "failures":3,"last_error":"HTTP 500","stopped":"bad CA","needs_sign_in":"revoked"}"#
                .to_owned(),
        );
        assert!(matches!(
            SessionRecord::from_secret(&older).unwrap().health,
            Health::SignInNeeded { reason, .. } if reason == "revoked"
        ));
    }

    #[test]
    fn a_credential_session_without_a_refresh_token_round_trips() {
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let record = SessionRecord::credentials(Some("analyst".to_owned()), true, now);
        let stored = record.to_secret();
        assert_eq!(SessionRecord::from_secret(&stored).unwrap(), record);
        assert!(record.redirect_uri.is_none());
    }

    #[test]
    fn the_stored_redirect_keeps_the_listener_port_for_the_exchange_grant() {
        assert_eq!(
            record().redirect_uri,
            Some(WireRedirect::Loopback {
                port: 53111,
                path: "/".to_owned()
            })
        );
    }

    #[test]
    fn debug_and_errors_never_show_the_refresh_token() {
        assert!(!format!("{:?}", record()).contains("rt-sekrit"));
        let bad = Secret::new("{\"refresh_token\": \"rt-sekrit\"".to_owned());
        let err = SessionRecord::from_secret(&bad).unwrap_err().to_string();
        assert!(!err.contains("rt-sekrit"), "{err}");
    }
}
