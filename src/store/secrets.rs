//! Secrets by profile id and kind, behind the [`SecretStore`] trait: the OS keyring
//! ([`super::KeyringStore`]) or process memory ([`super::MemoryStore`], session-only mode
//! and tests). Never a file: there is deliberately no file-backed store.
//!
//! In the keyring each secret is one entry: service [`SERVICE`], user `<profile id>:<kind>`
//! (e.g. `3f2a…:refresh_token`). An access token is stored together with its expiry and the
//! user it was issued to, as one small JSON value ([`super::AccessTokenRecord`]).
//!
//! Keyring calls block (a locked keyring can wait on an unlock prompt): async code calls them
//! through [`super::AsyncSecrets`], which adds a timeout.

use std::fmt;
use std::time::Duration;

use super::fields::ProfileId;
use crate::remedy::Remedy;
use crate::secret::Secret;

/// The keyring service name of every TokenDesk entry.
pub const SERVICE: &str = "tokendesk";

/// What a secret is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SecretKind {
    /// An OAuth refresh token.
    RefreshToken,
    /// An access token with its expiry and user ([`super::AccessTokenRecord`]).
    AccessToken,
    /// An OAuth app's client secret.
    ClientSecret,
    /// A password (portal or server password sign-in).
    Password,
    /// An API key.
    ApiKey,
    /// Tokens for federated servers, obtained with the profile's portal token: one value
    /// per profile, a small JSON map by server (`crate::engine::ServerTokens`).
    ServerTokens,
}

impl SecretKind {
    /// Every kind, for deleting all secrets of a profile.
    pub const ALL: [Self; 6] = [
        Self::RefreshToken,
        Self::AccessToken,
        Self::ClientSecret,
        Self::Password,
        Self::ApiKey,
        Self::ServerTokens,
    ];

    /// The kind as written in the keyring user name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RefreshToken => "refresh_token",
            Self::AccessToken => "access_token",
            Self::ClientSecret => "client_secret",
            Self::Password => "password",
            Self::ApiKey => "api_key",
            Self::ServerTokens => "server_tokens",
        }
    }

    /// The name to show people.
    pub fn label(self) -> &'static str {
        match self {
            Self::RefreshToken => "refresh token",
            Self::AccessToken => "access token",
            Self::ClientSecret => "client secret",
            Self::Password => "password",
            Self::ApiKey => "API key",
            Self::ServerTokens => "federated server tokens",
        }
    }
}

/// The keyring user name of a secret: `<profile id>:<kind>`.
pub fn keyring_user(profile: &ProfileId, kind: SecretKind) -> String {
    format!("{profile}:{}", kind.as_str())
}

/// Which secret an operation was about, for messages ("the refresh token of profile …").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretTarget {
    /// The profile.
    pub profile: ProfileId,
    /// One kind, or `None` for all of the profile's secrets.
    pub kind: Option<SecretKind>,
}

impl fmt::Display for SecretTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            Some(kind) => write!(f, "the {} of profile {}", kind.label(), self.profile),
            None => write!(f, "the secrets of profile {}", self.profile),
        }
    }
}

/// What was being done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretAction {
    /// Reading.
    Get,
    /// Storing.
    Set,
    /// Deleting.
    Delete,
}

impl fmt::Display for SecretAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Get => "reading",
            Self::Set => "storing",
            Self::Delete => "deleting",
        })
    }
}

/// A secret operation failed. No variant carries a secret value.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The keyring is locked or refused access.
    #[error("the keyring is locked or refused access while {action} {target} ({detail})")]
    Locked {
        /// What was being done.
        action: SecretAction,
        /// Which secret.
        target: SecretTarget,
        /// What the keyring said.
        detail: String,
    },
    /// The keyring did not answer in time (often: an unlock prompt is open).
    #[error(
        "the keyring did not answer within {} s while {action} {target}: it may be waiting for \
         you to unlock it (an unlock prompt may be open)",
        .waited.as_secs_f32()
    )]
    Timeout {
        /// What was being done.
        action: SecretAction,
        /// Which secret.
        target: SecretTarget,
        /// How long we waited.
        waited: Duration,
    },
    /// Several keyring entries match one secret.
    #[error(
        "the keyring holds {count} entries for {target} (service `{SERVICE}`, user `{user}`): \
         delete them in your passwords app"
    )]
    Ambiguous {
        /// Which secret.
        target: SecretTarget,
        /// The keyring user name.
        user: String,
        /// How many entries matched.
        count: usize,
    },
    /// The stored value is not in the form TokenDesk wrote.
    #[error("{target} in the keyring is unreadable ({problem}); a new sign-in replaces it")]
    BadValue {
        /// Which secret.
        target: SecretTarget,
        /// What is wrong with it (never the value).
        problem: String,
    },
    /// Any other keyring failure.
    #[error("the keyring failed while {action} {target}: {detail}")]
    Failed {
        /// What was being done.
        action: SecretAction,
        /// Which secret.
        target: SecretTarget,
        /// What the keyring said.
        detail: String,
    },
}

impl SecretError {
    /// What a person must do about it, if anything beyond what the message says.
    pub fn remedy(&self) -> Option<Remedy> {
        match self {
            Self::Locked { .. } | Self::Timeout { .. } => Some(Remedy::UnlockKeyring),
            Self::Ambiguous { .. } | Self::BadValue { .. } => {
                Some(Remedy::SignIn { profile: None })
            }
            Self::Failed { .. } => None,
        }
    }
}

/// Where secrets are kept. Calls may block: see [`super::AsyncSecrets`].
pub trait SecretStore: Send + Sync + fmt::Debug {
    /// The secret, or `None` when there is none.
    fn get(
        &self,
        profile: &ProfileId,
        kind: SecretKind,
    ) -> Result<Option<Secret<String>>, SecretError>;

    /// Stores the secret, replacing any previous one.
    fn set(
        &self,
        profile: &ProfileId,
        kind: SecretKind,
        value: &Secret<String>,
    ) -> Result<(), SecretError>;

    /// Deletes the secret; `true` if there was one.
    fn delete(&self, profile: &ProfileId, kind: SecretKind) -> Result<bool, SecretError>;

    /// Deletes every secret of the profile. Tries every kind, then reports the first
    /// failure.
    fn delete_all(&self, profile: &ProfileId) -> Result<(), SecretError> {
        let mut first_error = None;
        for kind in SecretKind::ALL {
            if let Err(err) = self.delete(profile, kind) {
                first_error.get_or_insert(err);
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Whether secrets outlive this process (the OS keyring) or not (session-only mode,
    /// which the app must show).
    fn is_persistent(&self) -> bool;
}
