//! The state of one profile's tokens, in words a person understands, with the UTC deadlines
//! behind it and what to do (a [`Remedy`]) where something is wrong. Derived from what the keyring holds ([`super::record`]) and the current time;
//! the runner adds the live states (signing in, refreshing).

use std::fmt;

use crate::arcgis::Instant;
use crate::remedy::{Credential, Remedy};
use crate::store::AccessTokenRecord;

use super::record::{Health, SessionRecord};

/// Where a profile's tokens stand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenState {
    /// No session is stored.
    SignedOut,
    /// A session is stored and keeps itself fresh.
    Valid,
    /// A renewal is under way.
    Refreshing,
    /// Renewals fail; the engine backs off and tries again.
    RefreshFailing {
        /// Failures in a row.
        attempts: u32,
        /// When the next attempt happens.
        next_retry_at: Option<Instant>,
        /// The last failure, in plain words.
        last_error: String,
        /// What to do about it, if anything beyond waiting for the next try.
        remedy: Option<Remedy>,
    },
    /// The session cannot be renewed: the person must sign in again.
    NeedsSignIn {
        /// Why.
        reason: String,
        /// What to do: sign in, enter a credential again, replace an API key…
        remedy: Option<Remedy>,
    },
    /// Renewal stopped on something retrying cannot fix.
    Error {
        /// What happened.
        message: String,
        /// What to fix, when known.
        remedy: Option<Remedy>,
    },
}

impl TokenState {
    /// The machine name (`status --json`): `signed_out`, `valid`, `refreshing`,
    /// `refresh_failing`, `needs_sign_in`, `error`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::SignedOut => "signed_out",
            Self::Valid => "valid",
            Self::Refreshing => "refreshing",
            Self::RefreshFailing { .. } => "refresh_failing",
            Self::NeedsSignIn { .. } => "needs_sign_in",
            Self::Error { .. } => "error",
        }
    }

    /// The details behind the state, if any (for `message` in `status --json`).
    pub fn message(&self) -> Option<String> {
        match self {
            Self::RefreshFailing {
                attempts,
                last_error,
                ..
            } => Some(format!(
                "renewal failed {attempts} time(s) in a row; retrying with backoff. Last error: {last_error}"
            )),
            Self::NeedsSignIn { reason, .. } => Some(reason.clone()),
            Self::Error { message, .. } => Some(message.clone()),
            _ => None,
        }
    }

    /// What a person must do, where something is wrong. A failing renewal that needs nothing
    /// but time says when the next try happens.
    pub fn remedy(&self) -> Option<Remedy> {
        match self {
            Self::RefreshFailing {
                next_retry_at,
                remedy,
                ..
            } => match remedy {
                None | Some(Remedy::TryLater { .. }) => {
                    Some(Remedy::TryLater { at: *next_retry_at })
                }
                Some(other) => Some(other.clone()),
            },
            Self::NeedsSignIn { remedy, .. } | Self::Error { remedy, .. } => remedy.clone(),
            Self::SignedOut | Self::Valid | Self::Refreshing => None,
        }
    }
}

impl fmt::Display for TokenState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SignedOut => f.write_str("signed out"),
            Self::Valid => f.write_str("signed in, token kept fresh"),
            Self::Refreshing => f.write_str("renewing the token"),
            Self::RefreshFailing { attempts, .. } => {
                write!(f, "renewal failing ({attempts} attempt(s)), retrying")
            }
            Self::NeedsSignIn { .. } => f.write_str("sign-in needed"),
            Self::Error { .. } => f.write_str("error"),
        }
    }
}

/// The UTC deadlines behind a state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Deadlines {
    /// When the current access token expires.
    pub access_expires_at: Option<Instant>,
    /// When the refresh token expires (`None`: unknown, or it does not).
    pub refresh_expires_at: Option<Instant>,
    /// When the access token was last obtained.
    pub last_refresh_at: Option<Instant>,
}

/// A profile's state, user and deadlines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileStatus {
    /// The state.
    pub state: TokenState,
    /// The signed-in user, when known.
    pub user: Option<String>,
    /// The deadlines.
    pub deadlines: Deadlines,
}

impl ProfileStatus {
    /// A profile without a session.
    pub fn signed_out() -> Self {
        Self {
            state: TokenState::SignedOut,
            user: None,
            deadlines: Deadlines::default(),
        }
    }

    /// The state that the stored session and access token mean at `now`.
    pub fn from_stored(
        session: Option<&SessionRecord>,
        access: Option<&AccessTokenRecord>,
        now: Instant,
    ) -> Self {
        let Some(session) = session else {
            return Self::signed_out();
        };
        let deadlines = Deadlines {
            access_expires_at: access.map(|a| a.expires_at),
            refresh_expires_at: session.refresh_expires_at,
            last_refresh_at: Some(session.renewed_at),
        };
        let sign_in = Remedy::SignIn { profile: None };
        let state = if let Health::SignInNeeded { reason, remedy } = &session.health {
            TokenState::NeedsSignIn {
                reason: reason.clone(),
                remedy: Some(remedy.clone().unwrap_or(sign_in)),
            }
        } else if session.refresh_expires_at.is_some_and(|at| at <= now) {
            TokenState::NeedsSignIn {
                reason: "the refresh token has expired".to_owned(),
                remedy: Some(sign_in),
            }
        } else if session.refresh_token.is_none()
            && !session.reissue
            && access.is_none_or(|a| a.expires_at <= now)
        {
            TokenState::NeedsSignIn {
                reason: "the token has expired and the password was not remembered".to_owned(),
                remedy: Some(Remedy::EnterCredential {
                    profile: None,
                    credential: Credential::Password,
                }),
            }
        } else if let Health::Stopped { reason, remedy } = &session.health {
            TokenState::Error {
                message: reason.clone(),
                remedy: remedy.clone(),
            }
        } else if let Health::Failing {
            failures,
            next_retry_at,
            last_error,
            remedy,
        } = &session.health
        {
            TokenState::RefreshFailing {
                attempts: *failures,
                next_retry_at: *next_retry_at,
                last_error: last_error.clone(),
                remedy: remedy.clone(),
            }
        } else {
            TokenState::Valid
        };
        Self {
            state,
            user: session
                .username
                .clone()
                .or_else(|| access.and_then(|a| a.username.clone())),
            deadlines,
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;
    use crate::secret::Secret;

    fn t(seconds: i64) -> Instant {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
    }

    fn session() -> SessionRecord {
        SessionRecord {
            refresh_token: Some(Secret::new("rt".to_owned())),
            reissue: false,
            refresh_issued_at: t(0),
            refresh_expires_at: Some(t(100)),
            exchange_extends: true,
            redirect_uri: Some(crate::arcgis::oauth::RedirectUri::OutOfBand),
            username: Some("analyst".to_owned()),
            renewed_at: t(0),
            health: crate::engine::record::Health::Good,
        }
    }

    #[test]
    fn a_password_session_without_a_remembered_password_needs_sign_in_once_its_token_expired() {
        let session = SessionRecord::credentials(Some("analyst".to_owned()), false, t(0));
        let access = AccessTokenRecord {
            token: Secret::new("tok".to_owned()),
            expires_at: t(60),
            username: Some("analyst".to_owned()),
        };
        let now_valid = ProfileStatus::from_stored(Some(&session), Some(&access), t(30));
        assert_eq!(now_valid.state, TokenState::Valid);
        let later = ProfileStatus::from_stored(Some(&session), Some(&access), t(60));
        assert_eq!(later.state.name(), "needs_sign_in");
        assert!(later.state.message().unwrap().contains("not remembered"));
        let mut remembered = session;
        remembered.reissue = true;
        let renewing = ProfileStatus::from_stored(Some(&remembered), Some(&access), t(60));
        assert_eq!(renewing.state, TokenState::Valid);
    }

    #[test]
    fn the_stored_session_says_which_state_a_profile_is_in() {
        assert_eq!(
            ProfileStatus::from_stored(None, None, t(0)).state,
            TokenState::SignedOut
        );
        let valid = ProfileStatus::from_stored(Some(&session()), None, t(10));
        assert_eq!(valid.state.name(), "valid");
        assert_eq!(valid.user.as_deref(), Some("analyst"));
        assert_eq!(valid.deadlines.refresh_expires_at, Some(t(100)));
        let expired = ProfileStatus::from_stored(Some(&session()), None, t(100));
        assert_eq!(expired.state.name(), "needs_sign_in");

        let mut failing = session();
        failing.health = Health::Failing {
            failures: 2,
            next_retry_at: None,
            last_error: "HTTP 502".to_owned(),
            remedy: None,
        };
        let state = ProfileStatus::from_stored(Some(&failing), None, t(10)).state;
        assert_eq!(state.name(), "refresh_failing");
        assert!(state.message().unwrap().contains("HTTP 502"));

        let mut stopped = failing.clone();
        stopped.health = Health::Stopped {
            reason: "invalid client id".to_owned(),
            remedy: None,
        };
        assert_eq!(
            ProfileStatus::from_stored(Some(&stopped), None, t(10))
                .state
                .name(),
            "error"
        );
        let mut dead = stopped;
        dead.health = Health::SignInNeeded {
            reason: "revoked".to_owned(),
            remedy: None,
        };
        assert_eq!(
            ProfileStatus::from_stored(Some(&dead), None, t(10))
                .state
                .name(),
            "needs_sign_in"
        );
    }
}
