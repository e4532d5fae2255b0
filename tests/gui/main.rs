#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../common/mod.rs"]
mod common;

mod app;
mod first_run;
mod list;
mod pace;
mod screens;
mod team_files;
mod tokens;
