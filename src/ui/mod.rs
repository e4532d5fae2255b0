//! The desktop app's screens (egui). Draws state and returns [`Command`]s; never does I/O
//! (no tokio, no keyring, no clipboard, no files). The host ([`crate::desktop`]) executes the
//! commands and sends [`Event`]s back, which [`View::apply`] folds into the [`View`] the
//! screens draw.
//!
//! | file             | purpose                                                              |
//! |------------------|----------------------------------------------------------------------|
//! | [`app`]          | [`app::TokenDeskApp`]: the `eframe::App`; panels, dialogs, shortcuts |
//! | [`view`]         | [`View`] and what it is made of: profiles, statuses, users, sign-ins  |
//! | [`countdown`]    | pure formatting of countdowns (`24:13`, `3 h 12 m`, `14 d`), repaint timing |
//! | `profile_list`   | the left panel: one row per profile with a status badge and countdown |
//! | `profile_card`   | the selected profile: portal, user, token deadlines, buttons          |
//! | `sign_in_wait`   | a sign-in in progress: spinner, elapsed time, URL to copy, Cancel     |
//! | `oob_dialog`     | the out-of-band sign-in: paste the code the portal shows             |
//! | `banner`         | session-only mode (no keyring), demo mode, host notices              |
//! | [`theme`]        | the theme preference and the status colours                         |

pub mod app;
mod banner;
pub mod countdown;
mod oob_dialog;
mod profile_card;
mod profile_list;
mod sign_in_wait;
pub mod theme;
pub mod view;

pub use app::TokenDeskApp;
pub use view::{
    ActivityEntry, CopiedStatus, DemoInfo, Event, Notice, NoticeLevel, ProfileView, SignInPhase,
    SignInWait, UserInfo, View,
};

use crate::secret::Secret;
use crate::store::ProfileId;

/// What the screens ask the host to do. Extend freely: the host matches every variant.
#[derive(Debug)]
pub enum Command {
    /// Sign the profile in (browser or out-of-band, as the profile says).
    SignIn(ProfileId),
    /// Sign a credential-method profile in (API key, app credentials, password) with what
    /// the person entered.
    SignInWith {
        /// The profile.
        profile: ProfileId,
        /// What was entered (secrets stay in `Secret`s).
        credentials: crate::engine::Credentials,
    },
    /// Cancel the profile's sign-in in progress.
    CancelSignIn(ProfileId),
    /// The code pasted into the out-of-band dialog.
    SubmitPastedCode {
        /// The profile signing in.
        profile: ProfileId,
        /// What was pasted.
        code: Secret<String>,
    },
    /// Open a (non-secret) address in the browser: the sign-in page, again.
    OpenInBrowser(url::Url),
    /// Sign the profile out (revoke, delete its secrets).
    SignOut(ProfileId),
    /// Renew the profile's access token now.
    RefreshNow(ProfileId),
    /// Copy a text that is not a secret (a sign-in address) to the clipboard.
    CopyPlainText(String),
    /// Copy the profile's token, fresh, in this format (the clipboard clears it later).
    Copy {
        /// Whose token.
        profile: ProfileId,
        /// How to write it.
        format: crate::output::Format,
    },
    /// Read the profiles file again (after it changed).
    ReloadProfiles,
    /// Clear copied tokens after this delay from now on (zero: never).
    SetClipboardDelay(std::time::Duration),
}

/// Where the screens send their commands (the host's channel; a `Vec` in unit tests).
pub trait CommandSink {
    /// Hands `command` to the host; must not block.
    fn send(&self, command: Command);
}
