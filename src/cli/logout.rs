//! `tokendesk logout NAME`: revokes the refresh token on the portal and deletes the
//! profile's secrets; exit 0 even when the revocation failed (with a warning).

use clap::Args;

use super::Outcome;
use super::context::{self, engine_failure, find, profiles};

/// Arguments of `tokendesk logout`.
#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// The profile.
    pub name: String,
}

/// Signs the profile out.
pub async fn run(args: LogoutArgs) -> Outcome {
    let paths = match context::paths() {
        Ok(paths) => paths,
        Err(outcome) => return outcome,
    };
    let profile = match profiles(&paths).and_then(|store| find(&store, &args.name)) {
        Ok(profile) => profile,
        Err(outcome) => return outcome,
    };
    let engine = match context::engine(&paths).await {
        Ok(engine) => engine,
        Err(outcome) => return outcome,
    };
    match engine.sign_out(&profile).await {
        Ok(done) => {
            if let Some(why) = done.revoke_failed {
                eprintln!(
                    "tokendesk: warning: revoking the refresh token on the portal failed ({why}); \
                     the secrets were deleted from the keyring anyway"
                );
            }
            if done.had_session {
                eprintln!("Signed out of {}", profile.name());
            } else {
                eprintln!("{} was not signed in; nothing to do", profile.name());
            }
            Outcome::ok()
        }
        Err(err) => engine_failure(&err),
    }
}
