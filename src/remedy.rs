//! [`Remedy`]: what a person must do so that something that failed can work, as data.
//!
//! The library layers (`arcgis`, `auth`, `store`, `engine`) say *what* happened in their
//! messages and hand the remedy alongside (`remedy()` on their errors and states); each
//! surface says it in its own words: the command line as the command to run
//! (`crate::cli::remedy`), the window as what to press or choose (`crate::ui::remedy`).
//! This module depends on nothing above it, and no remedy ever carries a secret.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A moment in UTC (the same type as `crate::arcgis::Instant`, named here so that this module
/// depends on nothing of the crate).
pub type Instant = chrono::DateTime<chrono::Utc>;

/// What a person must do. Variants about one profile carry its name when the code that made
/// the remedy knew it; [`Remedy::for_profile`] fills it in further up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "remedy", rename_all = "snake_case")]
pub enum Remedy {
    /// Sign the profile in again (its session is gone, refused or expired).
    SignIn {
        /// The profile, when known.
        profile: Option<String>,
    },
    /// Enter a credential again (the site refused it, or it was not remembered).
    EnterCredential {
        /// The profile, when known.
        profile: Option<String>,
        /// Which credential.
        credential: Credential,
    },
    /// Create a new API key on the portal and enter it.
    ReplaceApiKey {
        /// The profile, when known.
        profile: Option<String>,
        /// Why the key has to be replaced.
        why: KeyTrouble,
    },
    /// Give the user name a password profile signs in as.
    GiveUsername {
        /// The profile, when known.
        profile: Option<String>,
    },
    /// Give the API key's expiry date (the portal did not say it).
    GiveApiKeyExpiry {
        /// The profile, when known.
        profile: Option<String>,
    },
    /// Trust the CA that signed the site's certificate (a private or self-signed CA).
    TrustCaFile {
        /// The profile, when known.
        profile: Option<String>,
    },
    /// Check the app registered on the portal: client ID, client secret, redirect URIs.
    CheckAppRegistration {
        /// The profile, when known.
        profile: Option<String>,
    },
    /// Unlock the OS keyring (or answer its unlock prompt) and try again.
    UnlockKeyring,
    /// Make an OS keyring reachable (start gnome-keyring or KWallet, run inside the desktop
    /// session); until then only a session in memory is possible.
    StartKeyring,
    /// Keep secrets in another storage tier (or make the OS keyring reachable).
    UseOtherStore {
        /// The tier to suggest.
        store: OtherStore,
    },
    /// Give the passphrase of the encrypted secrets file again (it did not open the file).
    CheckPassphrase,
    /// Check the address, the network connection and the proxy settings.
    CheckNetwork,
    /// Check this computer's clock; if it is right, the site's administrator should check
    /// the site's clock and its token lifetime settings.
    CheckClocks,
    /// Try again later; when the next automatic try happens, if known.
    TryLater {
        /// The next automatic try.
        at: Option<Instant>,
    },
    /// Add a profile for another site, which can give a token there.
    AddProfile {
        /// Which kind of profile.
        kind: ProfileToAdd,
        /// The site's URL (portal base URL or server root).
        url: String,
    },
    /// Find out which kind of profile a site needs (probe it).
    ProbeSite {
        /// The site, when known.
        url: Option<String>,
    },
    /// See which profiles exist.
    ListProfiles,
    /// Get a server token for a service URL with the profile of the server's portal.
    TokenForServiceUrl {
        /// The portal's profile, when known.
        profile: Option<String>,
    },
}

/// A credential a person types in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Credential {
    /// A user's password.
    Password,
    /// An app's client secret.
    ClientSecret,
    /// An API key.
    ApiKey,
}

impl fmt::Display for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Password => "password",
            Self::ClientSecret => "client secret",
            Self::ApiKey => "API key",
        })
    }
}

/// A storage tier to suggest when the OS keyring cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OtherStore {
    /// The Linux kernel's key store: no D-Bus needed; gone after a reboot.
    Kernel,
    /// A passphrase-protected file.
    EncryptedFile,
}

/// Why an API key has to be replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyTrouble {
    /// It has expired, or the portal refuses it.
    Expired,
    /// It expires soon.
    ExpiresSoon,
    /// It is a legacy key (AAPK…), which ArcGIS retired.
    Retired,
}

/// The kind of profile to add for another site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProfileToAdd {
    /// A portal (ArcGIS Online or Enterprise): it needs the client ID of an app registered
    /// there.
    Portal,
    /// A stand-alone ArcGIS Server: its own users, no client ID.
    Server,
}

impl Remedy {
    /// The same remedy, naming `name` where it is about a profile whose name was not known
    /// where the remedy was made.
    #[must_use]
    pub fn for_profile(mut self, name: &str) -> Self {
        match &mut self {
            Self::SignIn { profile }
            | Self::EnterCredential { profile, .. }
            | Self::ReplaceApiKey { profile, .. }
            | Self::GiveUsername { profile }
            | Self::GiveApiKeyExpiry { profile }
            | Self::TrustCaFile { profile }
            | Self::CheckAppRegistration { profile }
            | Self::TokenForServiceUrl { profile } => {
                profile.get_or_insert_with(|| name.to_owned());
            }
            Self::UnlockKeyring
            | Self::StartKeyring
            | Self::UseOtherStore { .. }
            | Self::CheckPassphrase
            | Self::CheckNetwork
            | Self::CheckClocks
            | Self::TryLater { .. }
            | Self::AddProfile { .. }
            | Self::ProbeSite { .. }
            | Self::ListProfiles => {}
        }
        self
    }

    /// The profile the remedy is about, when it names one.
    pub fn profile(&self) -> Option<&str> {
        match self {
            Self::SignIn { profile }
            | Self::EnterCredential { profile, .. }
            | Self::ReplaceApiKey { profile, .. }
            | Self::GiveUsername { profile }
            | Self::GiveApiKeyExpiry { profile }
            | Self::TrustCaFile { profile }
            | Self::CheckAppRegistration { profile }
            | Self::TokenForServiceUrl { profile } => profile.as_deref(),
            _ => None,
        }
    }

    /// A sign-in for `profile`.
    pub fn sign_in(profile: &str) -> Self {
        Self::SignIn {
            profile: Some(profile.to_owned()),
        }
    }
}

/// A sentence saying what happened, with what to do about it (a warning that does not stop
/// the operation, e.g. an API key that expires soon).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// What happened, in plain words (no command, no button).
    pub text: String,
    /// What to do, if anything.
    pub remedy: Option<Remedy>,
}

impl Warning {
    /// A warning with a remedy.
    pub fn new(text: impl Into<String>, remedy: Option<Remedy>) -> Self {
        Self {
            text: text.into(),
            remedy,
        }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Joins what happened and what to do into one text: `text`, a full stop if it has none,
/// then `advice`.
pub fn join(text: &str, advice: Option<&str>) -> String {
    let Some(advice) = advice.filter(|a| !a.is_empty()) else {
        return text.to_owned();
    };
    let text = text.trim_end();
    if text.is_empty() {
        return advice.to_owned();
    }
    if text.ends_with(['.', '!', '?']) {
        format!("{text} {advice}")
    } else {
        format!("{text}. {advice}")
    }
}

/// A lenient reader for a stored remedy: one this version does not know reads as `None`
/// rather than making the whole stored value unreadable.
pub fn deserialize_lenient<'de, D>(deserializer: D) -> Result<Option<Remedy>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let value = Option::<serde_json::Value>::deserialize(deserializer)?;
    Ok(value.and_then(|value| serde_json::from_value(value).ok()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_remedy_made_without_a_profile_takes_the_callers_profile_and_keeps_its_own() {
        let filled = Remedy::SignIn { profile: None }.for_profile("demo");
        assert_eq!(filled, Remedy::sign_in("demo"));
        assert_eq!(
            Remedy::sign_in("mine").for_profile("other").profile(),
            Some("mine")
        );
        assert_eq!(Remedy::ListProfiles.for_profile("x"), Remedy::ListProfiles);
    }

    #[test]
    fn what_happened_and_what_to_do_join_with_one_full_stop() {
        assert_eq!(join("it failed", Some("Do this.")), "it failed. Do this.");
        assert_eq!(join("it failed.", Some("Do this.")), "it failed. Do this.");
        assert_eq!(join("it failed", None), "it failed");
    }

    #[test]
    fn a_stored_remedy_this_version_does_not_know_reads_as_none() {
        #[derive(Deserialize)]
        struct Stored {
            #[serde(default, deserialize_with = "deserialize_lenient")]
            remedy: Option<Remedy>,
        }
        let known: Stored =
            serde_json::from_str(r#"{"remedy":{"remedy":"sign_in","profile":"a"}}"#).unwrap();
        assert_eq!(known.remedy, Some(Remedy::sign_in("a")));
        let unknown: Stored = serde_json::from_str(r#"{"remedy":{"remedy":"fly"}}"#).unwrap();
        assert_eq!(unknown.remedy, None);
    }
}
