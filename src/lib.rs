//! TokenDesk: a credential manager for ArcGIS.
//!
//! The layers, top to bottom (dependencies point down only; see the README's
//! "Architecture" section):
//!
//! | module         | what it is                                                            |
//! |----------------|-----------------------------------------------------------------------|
//! | [`ui`]         | the egui screens: draw state, return `Command`s; no I/O               |
//! | [`desktop`]    | the window's host: runs the screens' commands on a tokio runtime      |
//! | [`cli`]        | the command line (clap): parses, calls the layers below, prints       |
//! | [`engine`]     | the token lifecycle: state, renewal under a cross-process lock, runner |
//! | [`auth`]       | sign-in flows (browser PKCE with a loopback listener, out-of-band…)   |
//! | [`output`]     | copy formats (headers, curl, Python…) and the clipboard with auto-clear |
//! | [`store`]      | profiles (`profiles.toml`) and secrets (OS keyring or session memory)  |
//! | [`arcgis`]     | the ArcGIS wire protocol: URLs, typed requests/responses, errors      |
//! | [`remedy`]     | `Remedy`: what a person must do, as data; `cli` and `ui` word it      |
//! | [`identity`]   | the desktop app's id, name and icon (shared with `packaging/`)        |
//! | [`clock`]      | the injected wall clock                                               |
//! | [`secret`]     | `Secret<T>`: redacting wrapper for tokens, passwords and secrets      |
//!
//! The demo portal is a crate of its own (`tokendesk_demo_portal`, in `crates/demo-portal/`):
//! it does not depend on this crate, so it cannot use [`arcgis`].
//!
//! The library layers (`engine`, `auth`, `store`, `arcgis`) never speak a surface's
//! language: their messages say what happened, and what to do travels as a [`remedy::Remedy`]
//! that `cli` renders as a command and `ui` as what to press.

pub mod arcgis;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod desktop;
pub mod engine;
pub mod identity;
pub mod output;
pub mod remedy;
pub mod secret;
pub mod store;
pub mod ui;

#[cfg(test)]
mod remedy_surfaces_tests;
