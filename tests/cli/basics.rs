//! The binary starts, documents itself and refuses unknown flags.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};

fn tokendesk(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tokendesk"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn help_lists_the_probe_command_and_the_exit_codes() {
    let output = tokendesk(&["--help"]);
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("probe"), "{text}");
    assert!(text.contains("Exit codes"), "{text}");
}

#[test]
fn probe_help_documents_json_and_ca_file() {
    let output = tokendesk(&["probe", "--help"]);
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("--json"), "{text}");
    assert!(text.contains("--ca-file <FILE>"), "{text}");
}

#[test]
fn version_prints_the_package_version() {
    let output = tokendesk(&["--version"]);
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        text.trim(),
        format!("tokendesk {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn an_unknown_flag_exits_2_with_a_usage_message() {
    let output = tokendesk(&["--no-such-flag"]);
    assert_eq!(output.status.code(), Some(2));
    let text = String::from_utf8(output.stderr).unwrap();
    assert!(text.contains("--no-such-flag"), "{text}");
}

#[test]
fn probe_without_a_url_exits_2() {
    let output = tokendesk(&["probe"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn logs_written_to_a_pipe_carry_no_terminal_colour_codes() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_tokendesk"))
        .args(["probe", "https://127.0.0.1:1/portal"])
        .env("TOKENDESK_LOG", "debug")
        .env_remove("HTTPS_PROXY")
        .env_remove("https_proxy")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(4));
    let text = String::from_utf8(output.stderr).unwrap();
    assert!(text.contains("DEBUG"), "debug logs are on: {text}");
    assert!(!text.contains('\u{1b}'), "no ANSI escape codes: {text:?}");
}

#[test]
fn a_reader_that_closed_the_pipe_ends_listing_and_showing_quietly_with_exit_0() {
    let home = tempfile::tempdir().unwrap();
    let run = |args: &[&str], stdout: std::process::Stdio| {
        Command::new(env!("CARGO_BIN_EXE_tokendesk"))
            .args(args)
            .env("TOKENDESK_CONFIG_DIR", home.path().join("config"))
            .env("TOKENDESK_DATA_DIR", home.path().join("data"))
            .stdout(stdout)
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap()
    };
    let added = run(
        &[
            "profile",
            "add",
            "gis",
            "--url",
            "https://gis.example.com/portal",
            "--client-id",
            "app",
            // No portal to ask about the app: tests never reach the internet.
            "--no-check",
        ],
        std::process::Stdio::null(),
    );
    assert_eq!(added.status.code(), Some(0), "{added:?}");
    for args in [
        &["profile", "list"][..],
        &["profile", "list", "--json"],
        &["profile", "show", "gis"],
    ] {
        // A pipe whose reading end is already closed: every write to it fails at once.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let output = run(args, writer.into());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}
