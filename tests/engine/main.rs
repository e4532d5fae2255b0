#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../common/mod.rs"]
mod common;

mod credentials;
mod lifecycle;
mod pace;
mod servers;
mod soak;
mod storms;
