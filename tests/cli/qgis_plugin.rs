#![cfg(feature = "system-tests")]
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The QGIS plugin (`integrations/qgis/tokendesk/`) in a real, headless QGIS (Debian's
//! `qgis` + `python3-qgis`, 3.22): `integrations/qgis/tests/harness.py` starts QGIS offscreen
//! with a throw-away profile folder and auth database, loads the plugin from the repository
//! and checks one scenario against `tokendesk demo-portal` through the profiles of this
//! test's world. The harness prints `RESULT {json}` (figures, never a token) and exits 1
//! with `FAILED: …` when a check does not hold.
//!
//!     scripts/with-test-session cargo nextest run --features system-tests --test cli qgis_plugin::

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::cli::process::Run;
use crate::common::cli::{Cli, PASSWORD, USER, exe};
use crate::common::methods::{add_portal_profile, piped};

/// Debian's Python, the one `python3-qgis` installs into (not a pyenv or venv one).
const PYTHON: &str = "/usr/bin/python3";

fn plugin_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("integrations/qgis")
}

/// Runs the harness on `scenario` for `profile`, with `tokendesk` on PATH or not; returns
/// the run (recorded for the secret scan) and the `RESULT` object.
async fn harness(
    cli: &Cli,
    scenario: &str,
    profile: &str,
    tokendesk_on_path: bool,
) -> (Run, Value) {
    harness_with(cli, scenario, profile, tokendesk_on_path, &[]).await
}

/// [`harness`] with more environment variables for the harness.
async fn harness_with(
    cli: &Cli,
    scenario: &str,
    profile: &str,
    tokendesk_on_path: bool,
    env: &[(&str, &Path)],
) -> (Run, Value) {
    assert!(
        Path::new(PYTHON).exists(),
        "{PYTHON} not found: install Debian's qgis and python3-qgis (scripts/test-all does)"
    );
    let home = cli.home.path().join(format!("qgis-{scenario}"));
    std::fs::create_dir_all(&home).unwrap();
    let empty = cli.home.path().join("empty-bin");
    std::fs::create_dir_all(&empty).unwrap();
    let bin_dir = Path::new(exe()).parent().unwrap().to_owned();
    let path = if tokendesk_on_path {
        std::env::join_paths(
            std::iter::once(bin_dir)
                .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
        )
        .unwrap()
    } else {
        // Nothing but an empty directory: no `tokendesk` anywhere (not even an installed one).
        empty.into_os_string()
    };
    let script = plugin_dir().join("tests/harness.py");
    // The kit appends the tokendesk binary as an argument; the harness ignores it and finds
    // `tokendesk` on PATH like the plugin does in QGIS.
    let mut invocation = cli
        .tokendesk_via(&[PYTHON, script.to_str().unwrap(), scenario], &[])
        .env("PATH", path)
        .env("HARNESS_HOME", &home)
        .env("DEMO_ORIGIN", &cli.origin)
        .env("DEMO_CA", &cli.ca)
        .env("PROFILE", profile);
    for (name, value) in env {
        invocation = invocation.env(name, value);
    }
    let run = invocation.run().await;
    let result = run
        .stdout
        .lines()
        .find_map(|line| line.strip_prefix("RESULT "))
        .map(|json| serde_json::from_str::<Value>(json).unwrap())
        .unwrap_or_else(|| panic!("the harness prints a RESULT line: {run}"));
    (run, result)
}

#[tokio::test]
async fn the_qgis_plugin_adds_the_protected_feature_layer_with_the_profiles_auth_configuration_and_reads_all_350_features()
 {
    let cli = Cli::start(&[]).await;
    cli.signed_in("demo").await;
    let (run, result) = harness(&cli, "layer", "demo", true).await;
    run.ok();
    assert_eq!(result["config_name"], "demo", "{result}");
    assert_eq!(result["config_method"], "EsriToken", "{result}");
    assert_eq!(result["layer_valid"], true, "{result}");
    assert_eq!(result["layer_authcfg"], true, "{result}");
    assert_eq!(result["feature_count"], 350, "{result}");
    assert_eq!(result["features_read"], 350, "{result}");
    assert_eq!(result["service_layers"], 1, "{result}");
    assert_eq!(result["public_feature_count"], 350, "{result}");
    let menu = result["menu_profiles"].to_string();
    assert!(menu.contains("demo — signed in, analyst"), "{result}");
    assert!(menu.contains("(shared with QGIS)"), "{result}");
    // The plugin's token is the profile's current one: record it, then search every output
    // and TokenDesk file for it (the harness searched QGIS's home).
    cli.run(&["token", "demo", "--json"]).await.ok();
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn the_qgis_plugin_renews_the_auth_configuration_before_a_30_second_token_expires_and_the_layer_keeps_loading()
 {
    let cli = Cli::start(&["--access-token-seconds", "30"]).await;
    cli.signed_in("demo").await;
    let (run, result) = harness(&cli, "renewal", "demo", true).await;
    run.ok();
    assert!(
        result["first_token_life_s"].as_f64().unwrap() <= 30.0,
        "{result}"
    );
    let before_expiry = result["renewed_before_expiry_s"].as_f64().unwrap();
    assert!(
        before_expiry > 0.0,
        "renewed before the first token expired: {result}"
    );
    assert_eq!(result["old_token_refused"], true, "{result}");
    assert_eq!(result["features_after_renewal"], 350, "{result}");
    assert_eq!(result["features_after_reload"], 350, "{result}");
    cli.run(&["token", "demo", "--json"]).await.ok();
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn a_profile_without_a_session_shows_the_sign_in_remedy_in_the_qgis_message_bar() {
    let cli = Cli::start(&[]).await;
    cli.add_profile("fresh", &[]).await;
    let (run, result) = harness(&cli, "no-session", "fresh", true).await;
    run.ok();
    let message = result["message"].as_str().unwrap();
    assert!(message.contains("not signed in"), "{result}");
    assert!(message.contains("Run `tokendesk login fresh`"), "{result}");
    assert!(!run.stdout.contains("Traceback"), "{run}");
    assert!(
        result["menu_profiles"]
            .to_string()
            .contains("fresh — signed out"),
        "{result}"
    );
}

#[tokio::test]
async fn without_tokendesk_on_path_the_qgis_plugin_says_so_in_plain_words_without_a_traceback() {
    let cli = Cli::start(&[]).await;
    let (run, result) = harness(&cli, "missing", "demo", false).await;
    run.ok();
    let message = result["message"].as_str().unwrap();
    assert!(
        message.starts_with("TokenDesk not found: the `tokendesk` command is not on PATH."),
        "{result}"
    );
    assert!(message.contains("Settings"), "{result}");
    assert!(
        !run.stdout.contains("Traceback") && !run.stderr.contains("Traceback"),
        "{run}"
    );
}

#[tokio::test]
async fn the_qgis_plugins_parsing_renewal_timing_and_uris_pass_their_unit_tests() {
    let run = tokio::process::Command::new(PYTHON)
        .args([
            "-m",
            "unittest",
            "discover",
            "-s",
            "tests",
            "-p",
            "test_*.py",
            "-v",
        ])
        .current_dir(plugin_dir())
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    assert!(stderr.contains("\nOK"), "{stderr}");
}

#[tokio::test]
async fn the_zip_from_build_qgis_plugin_installs_into_a_qgis_profile_and_qgis_loads_it() {
    let cli = Cli::start(&[]).await;
    cli.signed_in("demo").await;
    let zip = cli.home.path().join("tokendesk-qgis.zip");
    let built = tokio::process::Command::new(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/build-qgis-plugin"),
    )
    .arg(&zip)
    .output()
    .await
    .unwrap();
    assert!(built.status.success(), "{built:?}");
    // What QGIS's Install from ZIP does: extract it into the profile's python/plugins.
    let plugins = cli.home.path().join("profile/python/plugins");
    std::fs::create_dir_all(&plugins).unwrap();
    let listed = tokio::process::Command::new(PYTHON)
        .args(["-m", "zipfile", "-l"])
        .arg(&zip)
        .output()
        .await
        .unwrap();
    let listing = String::from_utf8_lossy(&listed.stdout);
    let mut names: Vec<&str> = listing
        .lines()
        .skip(1)
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "tokendesk/__init__.py",
            "tokendesk/core.py",
            "tokendesk/icon.svg",
            "tokendesk/metadata.txt",
            "tokendesk/plugin.py",
            "tokendesk/runner.py",
        ],
        "{listing}"
    );
    let extracted = tokio::process::Command::new(PYTHON)
        .args(["-m", "zipfile", "-e"])
        .arg(&zip)
        .arg(&plugins)
        .status()
        .await
        .unwrap();
    assert!(extracted.success());
    let (run, result) = harness_with(
        &cli,
        "installed",
        "demo",
        true,
        &[("PLUGINS_DIR", &plugins)],
    )
    .await;
    run.ok();
    assert_eq!(result["name"], "TokenDesk", "{result}");
    assert_eq!(result["qgis_minimum"], "3.22", "{result}");
    assert_eq!(result["menu_title"], "TokenDesk", "{result}");
    assert!(
        result["menu_profiles"]
            .to_string()
            .contains("demo — signed in, analyst"),
        "{result}"
    );
}

#[tokio::test]
async fn a_referer_bound_token_reaches_the_layer_with_its_referer_in_the_layer_source() {
    let cli = Cli::start(&[]).await;
    let referer = "https://maps.example.com";
    add_portal_profile(
        &cli,
        "pw",
        &[
            "--method",
            "password",
            "--username",
            USER,
            "--referer",
            referer,
        ],
        "",
    )
    .await
    .ok();
    piped(&cli, &["login", "pw"], PASSWORD).await.ok();
    let (run, result) = harness(&cli, "referer", "pw", true).await;
    run.ok();
    assert_eq!(result["layer_referer"], referer, "{result}");
    assert_eq!(result["layer_valid"], true, "{result}");
    assert_eq!(result["features_read"], 350, "{result}");
    assert_eq!(
        result["without_referer_valid"], false,
        "the token is bound: without its Referer the layer does not load: {result}"
    );
    cli.run(&["token", "pw", "--json"]).await.ok();
    cli.assert_no_secret_leaked();
}
