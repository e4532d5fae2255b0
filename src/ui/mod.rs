//! The desktop app's screens: egui only. Each screen draws state and returns what the
//! person asked for; the host (`desktop`) does the work off the UI thread. No I/O here.
//!
//! | file                 | purpose                                                            |
//! |----------------------|--------------------------------------------------------------------|
//! | [`editor`]           | the profile editor (add, edit, duplicate; Check; CA file picker)   |
//! | [`editor_form`]      | the editor's form state and how it maps onto a `ProfileDraft`      |
//! | [`delete_confirm`]   | "delete this profile?"                                             |
//! | [`clipboard_status`] | "copied … · the clipboard clears in 12 s"                          |
//! | [`reveal`]           | the token masked unless Reveal, masked again after 30 s            |
//! | [`activity_log`]     | the per-profile activity log                                       |
//! | [`settings`]         | clipboard delay, refresh margin, theme                             |

pub mod activity_log;
pub mod clipboard_status;
pub mod delete_confirm;
pub mod editor;
pub mod editor_form;
pub mod reveal;
pub mod settings;
