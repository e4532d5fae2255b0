//! [`ScreenEvent`]: the host's answers to the commands of the editor, the dialogs and the
//! token tools. Plain data, below both [`super::view`] (which carries it in an `Event`) and
//! [`super::screens`] (which folds it into the screens' state).

use std::path::PathBuf;

use super::clipboard_status::ClipboardStatus;
use super::service_url::ServiceUrlAnswer;
use super::team_dialog::TeamFileAnswer;
use crate::arcgis::probe::ProbeReport;
use crate::secret::AccessToken;
use crate::store::ProfileId;

/// The host's answers to the screens' commands.
#[derive(Debug, Clone)]
pub enum ScreenEvent {
    /// The editor's Check finished for `url`.
    ProbeFinished {
        /// The URL checked.
        url: String,
        /// What was found, or what went wrong and what to do.
        result: Result<ProbeReport, String>,
    },
    /// The CA file dialog closed: the file chosen, or `None` when cancelled.
    CaFilePicked(Option<PathBuf>),
    /// The editor's profile was saved (the host also sends the new profile list).
    ProfileSaved(ProfileId),
    /// Saving failed: why, and what to do.
    SaveFailed(String),
    /// Text was copied to the clipboard.
    Copied(ClipboardStatus),
    /// The clipboard was cleared (or, if the person copied something else meanwhile, left
    /// alone); the status line goes away.
    ClipboardDone,
    /// The token to reveal, asked for with [`Command::Reveal`].
    Revealed {
        /// Whose.
        profile: ProfileId,
        /// The token (dropped from memory when masked again).
        token: AccessToken,
    },
    /// What the service URL box asked about.
    ServiceUrl {
        /// The URL.
        url: String,
        /// Which token works there.
        answer: ServiceUrlAnswer,
    },
    /// The host's answer to the team file dialog.
    TeamFile(TeamFileAnswer),
    /// A credential sign-in finished: `Err` says why (the prompt stays open to try again).
    CredentialSignIn {
        /// The profile.
        profile: ProfileId,
        /// The outcome.
        result: Result<(), String>,
    },
}
