#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../common/mod.rs"]
mod common;

mod background;
mod basics;
mod concurrency;
mod demo_mode;
mod exec;
mod exec_tools;
mod faults;
mod federation;
mod hostile_servers;
mod login;
mod methods_api_key;
mod methods_app_credentials;
mod methods_password;
mod no_keyring;
mod probe;
mod qgis_plugin;
mod secrets_scan;
mod snippet;
mod store_tiers;
mod team_files;
mod tokens;
