//! `tokendesk logout NAME`: revokes the refresh token on the portal and deletes the
//! profile's secrets; exit 0 even when the revocation failed (with a warning).

use clap::Args;

use super::Outcome;
use super::context::{self, engine_failure};

/// Arguments of `tokendesk logout`.
#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// The profile.
    pub name: String,
}

/// Signs the profile out.
pub async fn run(args: LogoutArgs) -> Outcome {
    let (profile, engine) = match context::profile_and_engine(&args.name).await {
        Ok(found) => found,
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
