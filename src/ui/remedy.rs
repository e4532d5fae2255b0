//! A [`Remedy`] in the window's words: what to press or choose. Pure functions; every error
//! and state the window shows goes through [`with_remedy`].

use crate::remedy::{self, KeyTrouble, OtherStore, ProfileToAdd, Remedy, Warning};

/// What the window says about a private CA; the editor opens *Advanced* (where the CA file
/// is) when a Check fails with it.
pub const TRUST_CA_FILE: &str = "If the site uses a private or self-signed CA, choose that \
                                 CA's certificate (PEM) as CA file under Advanced in Edit \
                                 profile.";

/// The remedy as a sentence naming what to press or choose in the window.
pub fn what_to_do(remedy: &Remedy) -> String {
    let on = |profile: &Option<String>| match profile {
        Some(name) => format!(" on {name}"),
        None => String::new(),
    };
    match remedy {
        Remedy::SignIn { profile } => format!("Press Sign in{}.", on(profile)),
        Remedy::EnterCredential {
            profile,
            credential,
        } => format!("Enter the {credential} again with Sign in{}.", on(profile)),
        Remedy::ReplaceApiKey { profile, why } => match why {
            KeyTrouble::Expired => format!(
                "Create a new API key on the portal and enter it with Sign in{}.",
                on(profile)
            ),
            KeyTrouble::ExpiresSoon => format!(
                "Create a new key on the portal and enter it with Sign in{} before then.",
                on(profile)
            ),
            KeyTrouble::Retired => format!(
                "Create an API key credential (AAPT… key) on the portal and enter its key with \
                 Sign in{}.",
                on(profile)
            ),
        },
        Remedy::GiveUsername { profile } => format!(
            "Enter the user name when Sign in{} asks for it, or in Edit profile.",
            on(profile)
        ),
        Remedy::GiveApiKeyExpiry { .. } => {
            "Enter the key's expiry date next to the key when you press Sign in.".to_owned()
        }
        Remedy::TrustCaFile { .. } => TRUST_CA_FILE.to_owned(),
        Remedy::CheckAppRegistration { .. } => "Check the client ID in Edit profile, and the app \
                                                registered on the portal (client secret, \
                                                redirect URIs)."
            .to_owned(),
        Remedy::UnlockKeyring => "Unlock your keyring (log in to the desktop again, or unlock the \
                                  `login` keyring in your passwords app; answer an unlock prompt \
                                  if one is open), then do again what you did."
            .to_owned(),
        Remedy::StartKeyring => "TokenDesk keeps secrets in memory until it closes (session-only \
                                 mode). To keep them, start gnome-keyring or KWallet and open \
                                 TokenDesk again."
            .to_owned(),
        Remedy::UseOtherStore {
            store: OtherStore::Kernel,
        } => "Start gnome-keyring or KWallet, or start TokenDesk with TOKENDESK_STORE=kernel (the \
              kernel's key store, kept until a reboot)."
            .to_owned(),
        Remedy::UseOtherStore {
            store: OtherStore::EncryptedFile,
        } => "Start gnome-keyring or KWallet, or start TokenDesk with \
              TOKENDESK_STORE=encrypted-file and TOKENDESK_PASSPHRASE_FILE (a \
              passphrase-protected file)."
            .to_owned(),
        Remedy::CheckPassphrase => "Start TokenDesk again with the right passphrase in the file \
                                    TOKENDESK_PASSPHRASE_FILE names."
            .to_owned(),
        Remedy::CheckNetwork => "Check the address and your network connection (and the proxy \
                                 settings, if you use a proxy)."
            .to_owned(),
        Remedy::CheckClocks => "Check this computer's date, time and time zone settings; if \
                                they are right, ask the site's administrator to check the \
                                site's clock and its token lifetime settings."
            .to_owned(),
        Remedy::TryLater { at: Some(at) } => format!(
            "TokenDesk tries again at {}; Refresh now tries at once.",
            at.with_timezone(&chrono::Local).format("%H:%M:%S")
        ),
        Remedy::TryLater { at: None } => "Try again in a few minutes.".to_owned(),
        Remedy::AddProfile { kind, url } => match kind {
            ProfileToAdd::Portal => format!(
                "Add a profile for {url} with New profile (it needs the client ID of an app \
                 registered on that portal), then press Sign in."
            ),
            ProfileToAdd::Server => format!(
                "Add a profile for {url} with New profile (kind ArcGIS Server), then press Sign in."
            ),
        },
        Remedy::ProbeSite { url } => format!(
            "Enter {} under New profile and press Check: it says which kind of profile the site \
             needs.",
            url.as_deref().unwrap_or("the address")
        ),
        Remedy::ListProfiles => "The list on the left shows the profiles there are.".to_owned(),
        Remedy::TokenForServiceUrl { .. } => "Once the portal's profile is signed in, Find token \
                                              gets a server token for any service of this server."
            .to_owned(),
    }
}

/// A warning, then what to do about it in the window.
pub fn warning_text(warning: &Warning) -> String {
    with_remedy(&warning.text, warning.remedy.as_ref())
}

/// What happened, then what to do about it in the window.
pub fn with_remedy(text: &str, remedy: Option<&Remedy>) -> String {
    remedy::join(text, remedy.map(what_to_do).as_deref())
}
