//! [`EngineError`]: every way an engine operation can fail, each naming the profile (and
//! portal), the step and what ArcGIS or the system said, with what to do as a [`Remedy`]
//! ([`EngineError::remedy`]). No variant carries a secret; no text names a command or a
//! button.

use crate::arcgis::{ArcGisError, ErrorKind, Instant};
use crate::auth::SignInError;
use crate::remedy::{Credential, KeyTrouble, Remedy};
use crate::store::{LockError, SecretError, SignInMethod};

/// Why an engine operation failed.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The profile has no stored session.
    #[error("profile `{profile}` is not signed in (no session in the keyring)")]
    NotSignedIn {
        /// The profile name.
        profile: String,
    },
    /// The session cannot be renewed any more.
    #[error("profile `{profile}` ({portal}) needs a new sign-in: {reason}")]
    SignInNeeded {
        /// The profile name.
        profile: String,
        /// The portal.
        portal: String,
        /// Why (expired or revoked refresh token, what ArcGIS said).
        reason: String,
    },
    /// The portal failed or could not be reached; the session is kept and retried later.
    #[error("profile `{profile}`: {source}")]
    Portal {
        /// The profile name.
        profile: String,
        /// What failed, where, what ArcGIS said, what to do.
        source: ArcGisError,
    },
    /// A renewal was asked for while renewals back off after failures (the window every
    /// process shares); no request was sent.
    #[error(
        "profile `{profile}` ({portal}): renewing the token failed {attempts} time(s) in a row, so TokenDesk waits before asking the portal again; no request was sent now. The next try will be at {next} (in {seconds_left} s). The portal said last: {last_error}",
        next = crate::clock::rfc3339(*.next_try_at)
    )]
    BackingOff {
        /// The profile name.
        profile: String,
        /// The portal.
        portal: String,
        /// Failures in a row.
        attempts: u32,
        /// When the next renewal may be tried.
        next_try_at: Instant,
        /// Seconds from the failed call to `next_try_at`, rounded up.
        seconds_left: i64,
        /// The last failure, in plain words (never a secret).
        last_error: String,
    },
    /// Renewal stopped on something retrying cannot fix (client id, CA file…).
    #[error("profile `{profile}`: renewal stopped: {source}")]
    Stopped {
        /// The profile name.
        profile: String,
        /// What failed and what to fix.
        source: ArcGisError,
    },
    /// The sign-in did not complete.
    #[error("profile `{profile}`: {source}")]
    SignIn {
        /// The profile name.
        profile: String,
        /// Why.
        source: SignInError,
    },
    /// The keyring failed.
    #[error("profile `{profile}`: {source}")]
    Secrets {
        /// The profile name.
        profile: String,
        /// What the keyring said and what to do.
        source: SecretError,
    },
    /// The stored session is unreadable.
    #[error(
        "profile `{profile}`: the session stored in the keyring is unreadable ({problem}); a new sign-in replaces it"
    )]
    BadRecord {
        /// The profile name.
        profile: String,
        /// What is wrong (never the value).
        problem: String,
    },
    /// The cross-process lock could not be taken.
    #[error("profile `{profile}`: {source}")]
    Lock {
        /// The profile name.
        profile: String,
        /// Why.
        source: LockError,
    },
    /// The site refused what the person entered (a wrong password, client secret or API
    /// key). Never retried automatically: one request per action.
    #[error(
        "profile `{profile}`: the site refused the {what}: {source}{retry}",
        retry = if *.what == "password" {
            " Nothing was retried: TokenDesk makes one attempt per action, so it never locks the \
             account."
        } else {
            ""
        }
    )]
    CredentialsRefused {
        /// The profile name.
        profile: String,
        /// What was refused: `password`, `client secret`, `API key`.
        what: &'static str,
        /// What the site said.
        source: ArcGisError,
    },
    /// The profile's API key has expired (or the portal refuses it).
    #[error("profile `{profile}`: the API key is no longer valid: {expiry}")]
    ApiKeyExpired {
        /// The profile name.
        profile: String,
        /// When it expired, or what the portal said.
        expiry: String,
    },
    /// A password profile without a user name, and none was given.
    #[error("profile `{profile}` has no user name")]
    NoUsername {
        /// The profile name.
        profile: String,
    },
    /// Credentials of another kind than the profile's method takes.
    #[error(
        "profile `{profile}` uses {method}; the credentials given are for another method",
        method = .method.label()
    )]
    WrongCredentials {
        /// The profile name.
        profile: String,
        /// The profile's method.
        method: SignInMethod,
    },
    /// The operation does not exist for the profile's sign-in method (e.g. browser sign-in
    /// for a password profile).
    #[error(
        "profile `{profile}` uses {method}, which does not sign in through the browser but with its credentials",
        method = .method.label()
    )]
    UnsupportedMethod {
        /// The profile name.
        profile: String,
        /// The method.
        method: SignInMethod,
    },
    /// A local file or directory could not be used.
    #[error("profile `{profile}`: cannot {action}: {source}")]
    Io {
        /// The profile name.
        profile: String,
        /// What was being done.
        action: String,
        /// What the operating system said.
        source: std::io::Error,
    },
}

/// How a caller should treat a failure (the CLI maps it to an exit code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureClass {
    /// The person must sign in (again): never signed in, grant dead, sign-in denied,
    /// cancelled or timed out.
    SignInNeeded,
    /// The network or the portal failed.
    Network,
    /// Something on this computer (keyring, lock, files, settings).
    Local,
}

impl EngineError {
    /// The profile the failure is about.
    pub fn profile(&self) -> &str {
        match self {
            Self::NotSignedIn { profile }
            | Self::SignInNeeded { profile, .. }
            | Self::Portal { profile, .. }
            | Self::BackingOff { profile, .. }
            | Self::Stopped { profile, .. }
            | Self::SignIn { profile, .. }
            | Self::Secrets { profile, .. }
            | Self::BadRecord { profile, .. }
            | Self::Lock { profile, .. }
            | Self::CredentialsRefused { profile, .. }
            | Self::ApiKeyExpired { profile, .. }
            | Self::NoUsername { profile }
            | Self::WrongCredentials { profile, .. }
            | Self::UnsupportedMethod { profile, .. }
            | Self::Io { profile, .. } => profile,
        }
    }

    /// What a person must do about it, if anything beyond what the message says; it names
    /// the profile.
    pub fn remedy(&self) -> Option<Remedy> {
        let remedy = match self {
            Self::NotSignedIn { .. } | Self::SignInNeeded { .. } | Self::BadRecord { .. } => {
                Some(Remedy::SignIn { profile: None })
            }
            Self::Portal { source, .. } | Self::Stopped { source, .. } => source.remedy(),
            Self::BackingOff { next_try_at, .. } => Some(Remedy::TryLater {
                at: Some(*next_try_at),
            }),
            Self::SignIn { source, .. } => source.remedy(),
            Self::Secrets { source, .. } => source.remedy(),
            Self::CredentialsRefused { what, .. } => Some(Remedy::EnterCredential {
                profile: None,
                credential: credential_named(what),
            }),
            Self::ApiKeyExpired { .. } => Some(Remedy::ReplaceApiKey {
                profile: None,
                why: KeyTrouble::Expired,
            }),
            Self::NoUsername { .. } => Some(Remedy::GiveUsername { profile: None }),
            Self::UnsupportedMethod { method, .. } => Some(match method.credential() {
                Some(credential) => Remedy::EnterCredential {
                    profile: None,
                    credential,
                },
                None => Remedy::SignIn { profile: None },
            }),
            Self::Lock { .. } | Self::WrongCredentials { .. } | Self::Io { .. } => None,
        };
        remedy.map(|remedy| remedy.for_profile(self.profile()))
    }

    /// How to treat this failure.
    pub fn class(&self) -> FailureClass {
        match self {
            Self::NotSignedIn { .. }
            | Self::SignInNeeded { .. }
            | Self::CredentialsRefused { .. }
            | Self::ApiKeyExpired { .. } => FailureClass::SignInNeeded,
            Self::BackingOff { .. } => FailureClass::Network,
            Self::Portal { source, .. } | Self::Stopped { source, .. } => class_of(source.kind()),
            Self::SignIn { source, .. } => match source {
                SignInError::Portal(err) if err.kind() == ErrorKind::InvalidGrant => {
                    FailureClass::SignInNeeded
                }
                SignInError::Portal(err) => class_of(err.kind()),
                SignInError::PortInUse { .. } | SignInError::Listener { .. } => FailureClass::Local,
                _ => FailureClass::SignInNeeded,
            },
            Self::Secrets { .. }
            | Self::BadRecord { .. }
            | Self::Lock { .. }
            | Self::UnsupportedMethod { .. }
            | Self::NoUsername { .. }
            | Self::WrongCredentials { .. }
            | Self::Io { .. } => FailureClass::Local,
        }
    }
}

/// The credential a refusal's `what` names (`password`, `client secret`, `API key`, or the
/// account behind a password).
fn credential_named(what: &str) -> Credential {
    if what.contains("client secret") {
        Credential::ClientSecret
    } else if what.contains("API key") {
        Credential::ApiKey
    } else {
        Credential::Password
    }
}

pub(super) fn class_of(kind: ErrorKind) -> FailureClass {
    match kind {
        ErrorKind::LocalSetup => FailureClass::Local,
        ErrorKind::AccessDenied | ErrorKind::StateMismatch => FailureClass::SignInNeeded,
        _ => FailureClass::Network,
    }
}
