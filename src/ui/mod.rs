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
//! | [`editor`]       | the profile editor (add, edit, duplicate; Check; CA file picker)     |
//! | [`editor_form`]  | the editor's form state and how it maps onto a `ProfileDraft`        |
//! | [`first_run`]    | the first-run screen: ArcGIS Online, my organisation, a profile file, the demo |
//! | [`icons`]        | the kinds of site as vector drawings (globe, building, server rack)  |
//! | [`delete_confirm`] | "delete this profile?"                                             |
//! | [`copy_menu`]    | the copy button and menu (every `output::Format`)                    |
//! | [`clipboard_status`] | "copied … · the clipboard clears in 12 s"                        |
//! | [`remedy`]       | a `Remedy` as what to press or choose in the window                  |
//! | [`reveal`]       | the token masked unless Reveal, masked again after 30 s              |
//! | [`activity_log`] | the per-profile activity log                                         |
//! | [`settings`]     | clipboard delay, refresh margin, theme (kept without secrets)        |
//! | [`secret_prompt`] | API key / client secret / password entry, "remember password"       |
//! | [`screen_event`] | the host's answers to the editor, dialogs and token tools            |
//! | [`screens`]      | the state of the editor, dialogs and token tools; the host's answers |
//! | [`service_url`]  | the "token for a service URL" box                                    |
//! | [`team_dialog`]  | *Export…* and *Import…* of team profile files                        |

pub mod activity_log;
pub mod app;
mod banner;
pub mod clipboard_status;
pub mod copy_menu;
pub mod countdown;
pub mod delete_confirm;
pub mod editor;
pub mod editor_form;
pub mod first_run;
pub mod icons;
mod oob_dialog;
mod profile_card;
mod profile_list;
pub mod remedy;
pub mod reveal;
pub mod screen_event;
pub mod screens;
pub mod secret_prompt;
pub mod service_url;
pub mod settings;
mod sign_in_wait;
pub mod team_dialog;
pub mod theme;
pub mod view;

pub use app::TokenDeskApp;
pub use view::{
    ActivityEntry, DemoInfo, Event, Notice, NoticeLevel, ProfileView, SignInPhase, SignInWait,
    UserInfo, View,
};

use std::path::PathBuf;

use crate::engine::Credentials;
use crate::output::Format;
use crate::secret::Secret;
use crate::store::{ProfileDraft, ProfileId};
use editor_form::EditorMode;
use settings::Settings;

/// What the screens ask the host to do. Extend freely: the host matches every variant.
#[derive(Debug)]
pub enum Command {
    /// Sign the profile in (browser or out-of-band, as the profile says).
    SignIn(ProfileId),
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
    /// Copy the profile's token in this format (through the clipboard with auto-clear).
    Copy {
        /// Whose token.
        profile: ProfileId,
        /// The format.
        format: Format,
    },
    /// Fetch the profile's token to show it (answered with `ScreenEvent::Revealed`).
    Reveal(ProfileId),
    /// Probe a URL for the editor (answered with `ScreenEvent::ProbeFinished`).
    CheckSite {
        /// The URL as typed.
        url: String,
        /// A CA file to trust too.
        ca_file: Option<PathBuf>,
    },
    /// Open the native file dialog for a CA file (answered with `ScreenEvent::CaFilePicked`).
    PickCaFile,
    /// Add (or, for `EditorMode::Edit`, update) a profile.
    SaveProfile {
        /// Add or update.
        mode: EditorMode,
        /// The checked settings.
        draft: ProfileDraft,
    },
    /// Sign the profile out and delete it with its secrets.
    DeleteProfile(ProfileId),
    /// Sign a credential-method profile in with what the person typed.
    SignInWith {
        /// The profile.
        profile: ProfileId,
        /// The API key, client secret or password.
        credentials: Credentials,
    },
    /// Read the profiles file again (after it changed): runners follow.
    ReloadProfiles,
    /// The settings changed: apply the clipboard delay.
    ApplySettings(Settings),
    /// Find which profile's token works at a service URL (answered with
    /// `ScreenEvent::ServiceUrl`).
    FindServiceToken(String),
    /// Copy the token that works at a service URL, in this format.
    CopyServiceToken {
        /// The service URL.
        url: String,
        /// The format.
        format: Format,
    },
    /// Export, preview or import a team profile file (answered with
    /// `ScreenEvent::TeamFile`).
    TeamFile(team_dialog::TeamFileCommand),
    /// Open the built-in demo portal in a window of its own (the first-run screen's choice).
    TryDemo,
    /// The window was shown (`true`) or hidden in the tray (`false`): the engine looks for
    /// changes made elsewhere often while someone watches, rarely while nobody does.
    WindowShown(bool),
    /// Someone is about to read the states (the tray's menu opens): look at them now.
    LookNow,
}

/// Where the screens send their commands (the host's channel; a `Vec` in unit tests).
pub trait CommandSink {
    /// Hands `command` to the host; must not block.
    fn send(&self, command: Command);
}
