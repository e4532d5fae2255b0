#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../common/mod.rs"]
mod common;

mod chromium;
mod demo_portal;
mod flows;
mod loopback;
mod system_browser;
