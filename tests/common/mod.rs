//! The test kit, shared by every integration-test binary (`tests/<layer>/main.rs` includes it
//! as `mod common`): one place for the demo-portal rigs, the playing browser, the CLI
//! process helpers and the demo's names and passwords.
//!
//! | module     | what it gives a test                                                              |
//! |------------|-----------------------------------------------------------------------------------|
//! | [`demo`]   | the demo's constants, the in-process demo portal with a client that trusts its CA  |
//! | [`browser`]| a browser played in-process: fetches the sign-in page, posts the form, follows on  |
//! | [`engine`] | an engine against the in-process demo portal (`Rig`), signed in by the browser      |
//! | [`cli`]    | the `tokendesk` binary against `tokendesk demo-portal`, with the real keyring       |
//! | [`methods`]| the CLI rig's profiles for API keys, app credentials and passwords                 |
//! | [`stand_in`]| a stand-in `xdg-open` first on PATH, and tests re-run in a child process          |
//! | [`gui`]    | bounded stepping of a whole-app kittest harness                                     |
//! | [`bus`]    | a private session bus with no services on it (no keyring answers)                   |
//! | [`https`]  | a local HTTPS server with canned answers that records every request               |
//! | [`panel`]  | a desktop panel played by the test (status-notifier watcher and host), the window via xdotool |
//!
//! Every binary uses a part of the kit only, so unused items are allowed here (and only here).

#![allow(dead_code, unused_imports, clippy::unwrap_used, clippy::expect_used)]

pub mod browser;
pub mod bus;
pub mod cli;
pub mod demo;
pub mod engine;
pub mod gui;
pub mod https;
pub mod methods;
pub mod panel;
pub mod stand_in;

/// The harness's name for the test `name` in the module at `module_path` (pass
/// `module_path!()`): `module::name`, as `--exact` wants it when a test re-runs itself in a
/// child process.
pub fn harness_name(module_path: &str, name: &str) -> String {
    match module_path.split_once("::") {
        Some((_, module)) => format!("{module}::{name}"),
        None => name.to_owned(),
    }
}

/// The Python of `target/official-clients/venv` (the official ArcGIS API for Python, set up
/// by `scripts/setup-official-clients`).
pub fn venv_python() -> std::path::PathBuf {
    let python = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/official-clients/venv/bin/python");
    assert!(
        python.exists(),
        "{} not found: run scripts/setup-official-clients",
        python.display()
    );
    python
}
