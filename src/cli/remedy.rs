//! A [`Remedy`] in the command line's words: the command to run or the flag to pass. Every
//! error and state the CLI prints goes through [`with_remedy`].

use crate::remedy::{self, KeyTrouble, OtherStore, ProfileToAdd, Remedy, Warning};

/// The remedy as a sentence naming the command to run.
pub fn sentence(remedy: &Remedy) -> String {
    let login = |profile: &Option<String>| {
        format!("tokendesk login {}", profile.as_deref().unwrap_or("NAME"))
    };
    match remedy {
        Remedy::SignIn { profile } => format!("Run `{}` to sign in again.", login(profile)),
        Remedy::EnterCredential {
            profile,
            credential,
        } => format!("Enter the {credential} again with `{}`.", login(profile)),
        Remedy::ReplaceApiKey { profile, why } => match why {
            KeyTrouble::Expired => format!(
                "Create a new API key on the portal and enter it with `{}`.",
                login(profile)
            ),
            KeyTrouble::ExpiresSoon => format!(
                "Create a new key on the portal and enter it with `{}` before then.",
                login(profile)
            ),
            KeyTrouble::Retired => format!(
                "Create an API key credential (AAPT… key) on the portal and enter its key with \
                 `{}`.",
                login(profile)
            ),
        },
        Remedy::GiveUsername { profile } => {
            format!("Give one with `{} --username NAME`.", login(profile))
        }
        Remedy::GiveApiKeyExpiry { .. } => {
            "Give it with --expires YYYY-MM-DD when you enter the key.".to_owned()
        }
        Remedy::TrustCaFile { .. } => "If it uses a private or self-signed CA, pass that CA's \
                                       certificate (PEM) with --ca-file FILE."
            .to_owned(),
        Remedy::CheckAppRegistration { .. } => "Check the client ID (and client secret) of the \
                                                app registered on this portal, and its redirect \
                                                URIs."
            .to_owned(),
        Remedy::UnlockKeyring => "Unlock your keyring (log in to the desktop again, or unlock the \
                                  `login` keyring in your passwords app; answer an unlock prompt \
                                  if one is open) and try again."
            .to_owned(),
        Remedy::StartKeyring => "Start or unlock gnome-keyring or KWallet (or run inside your \
                                 desktop session) and try again, or keep secrets elsewhere with \
                                 `--store kernel` or `--store encrypted-file`."
            .to_owned(),
        Remedy::UseOtherStore {
            store: OtherStore::Kernel,
        } => "Use `--store kernel` on this machine (or TOKENDESK_STORE=kernel), or start \
              gnome-keyring."
            .to_owned(),
        Remedy::UseOtherStore {
            store: OtherStore::EncryptedFile,
        } => "Use `--store encrypted-file` (a passphrase-protected file), or start gnome-keyring."
            .to_owned(),
        Remedy::CheckPassphrase => "Give the right passphrase (from TOKENDESK_PASSPHRASE_FILE, \
                                    or typed at the prompt) and run the command again."
            .to_owned(),
        Remedy::CheckNetwork => "Check the address and your network connection (and \
                                 HTTPS_PROXY / NO_PROXY if you use a proxy)."
            .to_owned(),
        Remedy::CheckClocks => "Check this computer's clock and time zone (timedatectl); if \
                                they are right, ask the site's administrator to check the \
                                site's clock and its token lifetime settings."
            .to_owned(),
        Remedy::TryLater { at: Some(at) } => {
            format!("Try again after {}.", crate::clock::rfc3339(*at))
        }
        Remedy::TryLater { at: None } => "Try again in a few minutes.".to_owned(),
        Remedy::AddProfile { kind, url } => {
            let add = match kind {
                ProfileToAdd::Portal => {
                    format!("tokendesk profile add NAME --url {url} --client-id YOUR_CLIENT_ID")
                }
                ProfileToAdd::Server => {
                    format!("tokendesk profile add NAME --kind server --url {url}")
                }
            };
            format!("To add one: `{add}`, then `tokendesk login NAME`.")
        }
        Remedy::ProbeSite { url } => format!(
            "`tokendesk probe {}` says which kind of profile to add.",
            url.as_deref().unwrap_or("URL")
        ),
        Remedy::ListProfiles => "`tokendesk profile list` shows the profiles there are.".to_owned(),
        Remedy::TokenForServiceUrl { profile } => format!(
            "Once the portal's profile is signed in, `tokendesk token {} --for URL` gets a server \
             token for any service of this server.",
            profile.as_deref().unwrap_or("NAME")
        ),
    }
}

/// A warning, then what to run about it.
pub fn warning_text(warning: &Warning) -> String {
    with_remedy(&warning.text, warning.remedy.as_ref())
}

/// Prints a warning on stderr, with what to run about it.
pub fn print_warning(warning: &Warning) {
    eprintln!("tokendesk: warning: {}", warning_text(warning));
}

/// What happened, then what to run about it.
pub fn with_remedy(text: &str, remedy: Option<&Remedy>) -> String {
    remedy::join(text, remedy.map(sentence).as_deref())
}
