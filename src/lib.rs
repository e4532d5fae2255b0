//! TokenDesk: a credential manager for ArcGIS.
//!
//! The layers, top to bottom (dependencies point down only; see the README's
//! "Architecture" section):
//!
//! | module         | what it is                                                           |
//! |----------------|----------------------------------------------------------------------|
//! | [`cli`]        | the command line (clap): parses, calls the layers below, prints       |
//! | [`arcgis`]     | the ArcGIS wire protocol: URLs, typed requests/responses, errors      |
//! | [`demo_portal`]| an independent HTTPS emulator of ArcGIS portal and server endpoints   |
//! | [`engine`]     | the token lifecycle: renewal schedule, backoff, failure handling      |
//! | [`secret`]     | `Secret<T>`: redacting wrapper for tokens, passwords and secrets      |
//! | [`store`]      | profiles (`profiles.toml`) and secrets (OS keyring or session memory)  |
//!
//! Still to come, each with its own issue: `ui/` (egui screens), `engine/` (the token
//! lifecycle), `auth/` (one file per way in) and `output/` (copy formats and the clipboard).

pub mod arcgis;
pub mod cli;
pub mod demo_portal;
pub mod engine;
pub mod secret;
pub mod store;
