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
use crate::remedy::Remedy;
use crate::secret::Secret;
use crate::store::RedirectUri;

/// A signed-in session as kept under [`crate::store::SecretKind::RefreshToken`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// The refresh token; `None` for the credential methods, which have none.
    pub refresh_token: Option<Secret<String>>,
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
    /// The redirect URI used at sign-in, exactly as sent (with the listener's port); empty for
    /// the credential methods.
    pub redirect_uri: String,
    /// The user the session belongs to.
    pub username: Option<String>,
    /// When the current access token was obtained.
    pub renewed_at: Instant,
    /// Renewal failures in a row (shared by every process).
    pub failures: u32,
    /// When the next automatic attempt may happen, after a failure.
    pub next_retry_at: Option<Instant>,
    /// The last failure, in plain words (never a secret).
    pub last_error: Option<String>,
    /// Set when the grant is dead (invalid, expired or revoked): why a sign-in is needed.
    pub needs_sign_in: Option<String>,
    /// Set when renewal stopped on something retrying cannot fix: what to fix.
    pub stopped: Option<String>,
    /// What a person must do about the recorded failure (`last_error` or `stopped`), if
    /// anything.
    pub remedy: Option<Remedy>,
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
            redirect_uri: self.redirect_uri.clone(),
            username: self.username.clone(),
            renewed_at: self.renewed_at,
            failures: self.failures,
            next_retry_at: self.next_retry_at,
            last_error: self.last_error.clone(),
            needs_sign_in: self.needs_sign_in.clone(),
            stopped: self.stopped.clone(),
            remedy: self.remedy.clone(),
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
            redirect_uri: wire.redirect_uri,
            username: wire.username,
            renewed_at: wire.renewed_at,
            failures: wire.failures,
            next_retry_at: wire.next_retry_at,
            last_error: wire.last_error,
            needs_sign_in: wire.needs_sign_in,
            stopped: wire.stopped,
            remedy: wire.remedy,
        })
    }

    /// The stored redirect URI as the wire protocol sends it.
    pub fn wire_redirect(&self) -> Option<WireRedirect> {
        match RedirectUri::parse(&self.redirect_uri).ok()? {
            RedirectUri::Loopback { port, path } => Some(WireRedirect::Loopback { port, path }),
            RedirectUri::OutOfBand => Some(WireRedirect::OutOfBand),
            RedirectUri::LoopbackAnyPort { .. } => None,
        }
    }

    /// A new session of a credential method (no refresh token) signed in at `now`.
    pub fn credentials(username: Option<String>, reissue: bool, now: Instant) -> Self {
        Self {
            refresh_token: None,
            reissue,
            refresh_issued_at: now,
            refresh_expires_at: None,
            exchange_extends: false,
            redirect_uri: String::new(),
            username,
            renewed_at: now,
            failures: 0,
            next_retry_at: None,
            last_error: None,
            needs_sign_in: None,
            stopped: None,
            remedy: None,
        }
    }

    /// Clears every failure mark after a success.
    pub fn clear_failures(&mut self) {
        self.failures = 0;
        self.next_retry_at = None;
        self.last_error = None;
        self.needs_sign_in = None;
        self.stopped = None;
        self.remedy = None;
    }
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
            redirect_uri: "http://127.0.0.1:53111/".to_owned(),
            username: Some("analyst".to_owned()),
            renewed_at: t,
            failures: 0,
            next_retry_at: None,
            last_error: None,
            needs_sign_in: None,
            stopped: None,
            remedy: None,
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
    fn a_credential_session_without_a_refresh_token_round_trips() {
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let record = SessionRecord::credentials(Some("analyst".to_owned()), true, now);
        let stored = record.to_secret();
        assert_eq!(SessionRecord::from_secret(&stored).unwrap(), record);
        assert!(record.wire_redirect().is_none());
    }

    #[test]
    fn the_stored_redirect_keeps_the_listener_port_for_the_exchange_grant() {
        assert_eq!(
            record().wire_redirect(),
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
