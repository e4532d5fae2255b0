#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../common/mod.rs"]
mod common;

mod fixtures;
mod oauth;
mod request_shapes;
mod urls;
