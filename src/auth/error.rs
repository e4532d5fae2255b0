//! [`SignInError`]: every way a browser sign-in can end without tokens, each message saying
//! what happened, with what to do as a [`Remedy`]. Messages never contain a secret (the code, the verifier
//! and the tokens only travel in [`crate::secret::Secret`]).

use std::net::SocketAddr;
use std::time::Duration;

use crate::arcgis::ArcGisError;
use crate::remedy::Remedy;

/// Why a sign-in ended without tokens.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// The portal refused a step (the redirect's error, the code exchange, `community/self`)
    /// or could not be reached; the wrapped error names the portal, the step and what
    /// ArcGIS said.
    #[error(transparent)]
    Portal(#[from] ArcGisError),
    /// The user declined in the browser (`error=access_denied`).
    #[error(
        "The sign-in was declined in the browser (the portal said: \"{description}\"). \
         Nothing was saved. Start the sign-in again and choose Sign In on the portal's page to \
         give TokenDesk access."
    )]
    Denied {
        /// The portal's `error_description`.
        description: String,
    },
    /// No valid answer arrived in time.
    #[error(
        "The sign-in timed out: no answer came back from the browser within {after}, so it was \
         stopped. Start it again and finish signing in within that time (if no browser window \
         opens, open the sign-in address TokenDesk shows by hand).", after = human(*after)
    )]
    TimedOut {
        /// The time that was allowed.
        after: Duration,
    },
    /// Only answers with a foreign `state` arrived before the time ran out.
    #[error(
        "The browser came back {answers} time(s) with an answer that does not belong to this \
         sign-in (its state differs, as with a stale tab or a forged request); each was refused, \
         and no valid answer arrived within {after}. Old sign-in tabs may still be open; close \
         them.", after = human(*after)
    )]
    StateMismatch {
        /// How many foreign answers were refused.
        answers: usize,
        /// The time that was allowed.
        after: Duration,
    },
    /// The sign-in was cancelled (by the user or the application).
    #[error("The sign-in was cancelled before it finished; nothing was saved.")]
    Cancelled,
    /// The out-of-band code entry was closed without a usable code.
    #[error(
        "No authorization code was entered, so the sign-in was stopped; a sign-in needs the \
         request approved in the browser, then you paste the code the portal shows."
    )]
    NoCodeEntered,
    /// The fixed port of the redirect URI is taken.
    #[error(
        "Port {port} on 127.0.0.1 is already in use, so TokenDesk cannot receive the browser's \
         answer at the profile's redirect URI. Close the program that uses the port (or another \
         sign-in still waiting there), or change the profile's redirect URI to another registered \
         port or to any-port loopback."
    )]
    PortInUse {
        /// The port.
        port: u16,
    },
    /// The loopback listener could not start or stopped unexpectedly.
    #[error(
        "TokenDesk could not listen on {addr} for the browser's answer: {source}. Check that the \
         loopback interface (127.0.0.1) is up and not blocked by a firewall, or use the \
         out-of-band sign-in, where you paste the code yourself."
    )]
    Listener {
        /// The address.
        addr: SocketAddr,
        /// What the operating system said.
        source: std::io::Error,
    },
}

impl SignInError {
    /// What a person must do about it, if anything beyond what the message says.
    pub fn remedy(&self) -> Option<Remedy> {
        match self {
            Self::Portal(err) => err.remedy(),
            Self::Denied { .. }
            | Self::TimedOut { .. }
            | Self::StateMismatch { .. }
            | Self::Cancelled
            | Self::NoCodeEntered => Some(Remedy::SignIn { profile: None }),
            Self::PortInUse { .. } | Self::Listener { .. } => None,
        }
    }
}

/// A duration as people say it: "5 minutes", "90 seconds", "1 minute 30 seconds".
fn human(duration: Duration) -> String {
    let secs = duration.as_secs();
    let (minutes, seconds) = (secs / 60, secs % 60);
    let unit = |n: u64, one: &str| format!("{n} {one}{}", if n == 1 { "" } else { "s" });
    match (minutes, seconds) {
        (0, s) => unit(s, "second"),
        (m, 0) => unit(m, "minute"),
        (m, s) => format!("{} {}", unit(m, "minute"), unit(s, "second")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(human(Duration::from_secs(300)), "5 minutes");
        assert_eq!(human(Duration::from_secs(60)), "1 minute");
        assert_eq!(human(Duration::from_secs(1)), "1 second");
        assert_eq!(human(Duration::from_secs(90)), "1 minute 30 seconds");
    }
}
