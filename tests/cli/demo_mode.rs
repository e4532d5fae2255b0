//! `tokendesk --demo`: the demo portal with a guide for a person; the commands the guide
//! suggests work against it, and Ctrl+C (SIGINT) stops it cleanly and removes its CA file.
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![cfg(unix)]

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::time::timeout;

const BOUND: Duration = Duration::from_secs(30);

fn tokendesk() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tokendesk"));
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Without a display `--demo` serves the command-line guide tested here.
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("HTTPS_PROXY")
        .env_remove("https_proxy")
        .kill_on_drop(true);
    command
}

/// Reads the guide up to its last line, "Press Ctrl+C to stop." (bounded).
async fn guide(child: &mut Child) -> Vec<String> {
    let mut reader = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut lines = Vec::new();
    timeout(BOUND, async {
        while let Some(line) = reader.next_line().await.unwrap() {
            let done = line == "Press Ctrl+C to stop.";
            lines.push(line);
            if done {
                break;
            }
        }
    })
    .await
    .expect("the guide did not end within the bound");
    lines
}

fn value_after<'a>(lines: &'a [String], key: &str) -> &'a str {
    lines
        .iter()
        .find_map(|line| line.trim().strip_prefix(key))
        .unwrap_or_else(|| panic!("no line starting with {key:?} in {lines:#?}"))
        .trim()
}

#[tokio::test]
async fn demo_mode_shows_the_sites_and_accounts_and_its_probe_suggestion_works() {
    let mut demo = tokendesk().arg("--demo").spawn().unwrap();
    let lines = guide(&mut demo).await;

    let portal = value_after(&lines, "portal ").to_owned();
    let ca = PathBuf::from(value_after(&lines, "ca "));
    assert!(portal.starts_with("https://127.0.0.1:"), "{portal}");
    assert!(ca.is_file(), "the CA file {} should exist", ca.display());
    assert!(
        lines.iter().any(|l| l.contains("analyst / tokendesk-demo")),
        "{lines:#?}"
    );

    // The suggested probe command, as printed (with this binary's own path).
    let suggestion = value_after(&lines, concat!(env!("CARGO_BIN_EXE_tokendesk"), " probe "));
    let args: Vec<&str> = suggestion.split_whitespace().collect();
    let probe = tokendesk()
        .arg("probe")
        .args(&args)
        .arg("--json")
        .output()
        .await
        .unwrap();
    assert!(
        probe.status.success(),
        "probe failed: {}",
        String::from_utf8_lossy(&probe.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&probe.stdout).unwrap();
    assert_eq!(report["kind"], "enterprise_portal");

    // Ctrl+C stops it with exit 0 and takes the CA file with it.
    let pid = demo.id().unwrap().to_string();
    let kill = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = timeout(BOUND, demo.wait())
        .await
        .expect("no exit after SIGINT")
        .unwrap();
    assert!(status.success(), "exit status {status:?}");
    assert!(!ca.exists(), "the CA file should be removed on exit");
}

#[tokio::test]
async fn demo_mode_cannot_be_combined_with_a_subcommand() {
    let output = tokendesk()
        .args(["--demo", "probe", "https://127.0.0.1:1/portal"])
        .output()
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}
