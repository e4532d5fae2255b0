//! Handing tokens out: every copy format (raw token, headers, curl, PowerShell, Python,
//! ArcGIS API for Python, environment variables, the JavaScript SDK credential) as pure
//! functions, and the system clipboard with sensitive-content hints and auto-clear.
//!
//! * [`render`] turns a [`Format`] and a [`TokenContext`] into the text to copy or print.
//! * [`clipboard`] puts that text on the clipboard and clears it again after a delay, but only
//!   if the clipboard still holds it.

pub mod clipboard;
mod formats;
mod quote;
mod token_context;

pub use formats::{Format, UnknownFormat, render};
pub use token_context::{Issuer, TokenContext};
