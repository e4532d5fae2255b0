#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../common/mod.rs"]
mod common;

mod official_clients;
mod output_clipboard_x11;
mod output_snippets;
mod packaging;
