//! TokenDesk: a credential manager for ArcGIS.
//!
//! The layers, top to bottom (dependencies point down only; see the README's
//! "Architecture" section):
//!
//! | module         | what it is                                                           |
//! |----------------|----------------------------------------------------------------------|
//! | [`cli`]        | the command line (clap): parses, calls the layers below, prints       |
//! | [`auth`]       | sign-in flows (browser PKCE with a loopback listener, out-of-band)    |
//! | [`arcgis`]     | the ArcGIS wire protocol: URLs, typed requests/responses, errors      |
//! | (`tokendesk_demo_portal`) | the demo portal, its own crate in `crates/demo-portal/`: it cannot see these modules |
//! | [`engine`]     | the token lifecycle: state, renewal under a cross-process lock, runner |
//! | [`identity`]   | the desktop app's id, name and icon (shared with `packaging/`)        |
//! | [`clock`]      | the injected wall clock                                               |
//! | [`output`]     | copy formats (headers, curl, Python…) and the clipboard with auto-clear |
//! | [`remedy`]     | `Remedy`: what a person must do, as data; each surface words it      |
//! | [`secret`]     | `Secret<T>`: redacting wrapper for tokens, passwords and secrets      |
//! | [`store`]      | profiles (`profiles.toml`) and secrets (OS keyring or session memory)  |
//!
//! Still to come, with its own issue: `ui/` (egui screens).

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
