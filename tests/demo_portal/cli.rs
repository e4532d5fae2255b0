//! `tokendesk demo-portal` as a real process: the printed contract lines, the CA file, use
//! over HTTPS, and a clean exit on SIGTERM.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Stdio;
use std::time::Duration;

use crate::common::demo::client_for;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::time::timeout;

const BOUND: Duration = Duration::from_secs(30);

fn demo_portal(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tokendesk"));
    command
        .arg("demo-portal")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    command
}

/// Reads stdout lines until `ready` (bounded).
async fn lines_until_ready(child: &mut Child) -> Vec<String> {
    let stdout = child.stdout.take().unwrap();
    let mut reader = BufReader::new(stdout).lines();
    let mut lines = Vec::new();
    timeout(BOUND, async {
        while let Some(line) = reader.next_line().await.unwrap() {
            let done = line == "ready";
            lines.push(line);
            if done {
                break;
            }
        }
    })
    .await
    .expect("no `ready` line within the bound");
    lines
}

fn sigterm(child: &Child) {
    let pid = child.id().unwrap().to_string();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(status.success());
}

#[cfg(unix)]
#[tokio::test]
async fn the_binary_prints_the_contract_lines_serves_https_and_exits_0_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let ca_path = dir.path().join("ca.pem");
    let ca_arg = ca_path.to_str().unwrap();
    let mut child = demo_portal(&[
        "--listen",
        "127.0.0.1:0",
        "--ca-out",
        ca_arg,
        "--access-token-seconds",
        "20",
    ])
    .spawn()
    .unwrap();
    let lines = lines_until_ready(&mut child).await;
    assert_eq!(lines.len(), 5, "{lines:?}");
    let portal = lines[0].strip_prefix("portal https://127.0.0.1:").unwrap();
    let port = portal.strip_suffix("/portal/sharing/rest").unwrap();
    assert!(port.parse::<u16>().unwrap() > 0);
    assert_eq!(
        lines[1],
        format!("federated-server https://127.0.0.1:{port}/server/rest/services")
    );
    assert_eq!(
        lines[2],
        format!("standalone-server https://127.0.0.1:{port}/gis/rest/services")
    );
    assert_eq!(lines[3], format!("ca {ca_arg}"));
    assert_eq!(lines[4], "ready");

    let pem = std::fs::read_to_string(&ca_path).unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
    let client = client_for(&pem);
    let sharing = format!("https://127.0.0.1:{port}/portal/sharing/rest");
    let token: Value = client
        .post(format!("{sharing}/generateToken"))
        .form(&[
            ("username", "analyst"),
            ("password", "tokendesk-demo"),
            ("f", "json"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let me: Value = client
        .get(format!("{sharing}/community/self"))
        .query(&[("f", "json"), ("token", token["token"].as_str().unwrap())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["username"], "analyst");
    let app: Value = client
        .post(format!("{sharing}/oauth2/token"))
        .form(&[
            ("client_id", "tokendesk-demo-app"),
            ("client_secret", "demo-app-secret"),
            ("grant_type", "client_credentials"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(app["access_token"].is_string(), "{app}");

    sigterm(&child);
    let status = timeout(BOUND, child.wait())
        .await
        .expect("no exit after SIGTERM")
        .unwrap();
    assert_eq!(status.code(), Some(0));
}

#[tokio::test]
async fn a_broken_seed_file_is_reported_with_its_name_and_exit_code_1() {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("seed.toml");
    std::fs::write(&seed, "[org]\nnmae = 1\n").unwrap();
    let output = timeout(
        BOUND,
        demo_portal(&["--config", seed.to_str().unwrap()]).output(),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("seed.toml") && stderr.contains("nmae"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
}

#[tokio::test]
async fn a_non_loopback_listen_address_is_a_usage_error() {
    let output = timeout(BOUND, demo_portal(&["--listen", "0.0.0.0:0"]).output())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("loopback"));
}

#[cfg(unix)]
#[tokio::test]
async fn the_example_seed_file_starts_the_portal() {
    let seed = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/demo-portal.example.toml"
    );
    let mut child = demo_portal(&["--config", seed]).spawn().unwrap();
    let lines = lines_until_ready(&mut child).await;
    assert_eq!(lines.len(), 4, "{lines:?}");
    sigterm(&child);
    let status = timeout(BOUND, child.wait()).await.unwrap().unwrap();
    assert_eq!(status.code(), Some(0));
}
