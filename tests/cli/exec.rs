#![cfg(feature = "system-tests")]
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `tokendesk token --json` and `tokendesk exec` against `tokendesk demo-portal`, with the
//! real throw-away keyring: the JSON object's exact fields, the command's environment and its
//! private header file (renewed while it runs, gone afterwards), exit codes and signals, and
//! no token in any process's arguments.
//!
//!     scripts/with-test-session cargo test --features system-tests --test cli exec::

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use crate::common::cli::Cli;
use crate::common::methods::{FEDERATED_SERVICE, add_app_profile};

/// The documented fields of `token --json`, no more, no fewer.
const FIELDS: [&str; 10] = [
    "expires",
    "expires_ms",
    "header",
    "kind",
    "profile",
    "referer",
    "site",
    "token",
    "url",
    "user",
];

/// Parses `token --json` output strictly: one line, one object, exactly [`FIELDS`], each of
/// its documented type.
fn strict(stdout: &str) -> Value {
    let line = stdout
        .strip_suffix('\n')
        .expect("one line ending in a newline");
    assert!(!line.contains('\n'), "one line: {stdout}");
    let value: Value = serde_json::from_str(line).unwrap();
    let object = value.as_object().expect("an object");
    let keys: BTreeSet<&str> = object.keys().map(String::as_str).collect();
    assert_eq!(keys, FIELDS.into_iter().collect(), "{value}");
    assert!(
        value["profile"].is_string() && value["site"].is_string(),
        "{value}"
    );
    assert!(
        ["user", "app", "api_key", "server", "none"].contains(&value["kind"].as_str().unwrap()),
        "{value}"
    );
    for nullable_text in ["referer", "url", "user"] {
        let field = &value[nullable_text];
        assert!(
            field.is_null() || field.is_string(),
            "{nullable_text}: {value}"
        );
    }
    if value["kind"] == "none" {
        for absent in ["token", "expires", "expires_ms", "header"] {
            assert!(value[absent].is_null(), "{absent}: {value}");
        }
        return value;
    }
    let token = value["token"].as_str().unwrap();
    let expires = chrono::DateTime::parse_from_rfc3339(value["expires"].as_str().unwrap()).unwrap();
    assert_eq!(
        expires.timestamp_millis(),
        value["expires_ms"].as_i64().unwrap()
    );
    let header = value["header"].as_object().unwrap();
    assert_eq!(header.len(), 2, "{value}");
    assert!(["Authorization", "X-Esri-Authorization"].contains(&header["name"].as_str().unwrap()));
    assert_eq!(header["value"], format!("Bearer {token}"));
    value
}

#[tokio::test]
async fn token_json_is_one_object_with_exactly_the_documented_fields_for_each_kind_of_token() {
    let cli = Cli::start(&[]).await;
    cli.signed_in("demo").await;
    let run = cli.run(&["token", "demo", "--json"]).await;
    run.ok();
    let user = strict(&run.stdout);
    assert_eq!(user["kind"], "user");
    assert_eq!(user["profile"], "demo");
    assert_eq!(user["user"], "analyst");
    assert_eq!(
        user["site"],
        cli.portal_url.trim_end_matches("/sharing/rest")
    );
    assert!(user["url"].is_null() && user["referer"].is_null());
    cli.secret(user["token"].as_str().unwrap());
    cli.assert_token_works(user["token"].as_str().unwrap())
        .await;
    let left = chrono::DateTime::parse_from_rfc3339(user["expires"].as_str().unwrap())
        .unwrap()
        .to_utc()
        - chrono::Utc::now();
    assert!(left.num_minutes() > 20, "{user}");

    let service = format!("{}{FEDERATED_SERVICE}", cli.origin);
    let run = cli
        .run(&["token", "demo", "--json", "--for", &service])
        .await;
    run.ok();
    let server = strict(&run.stdout);
    assert_eq!(server["kind"], "server");
    assert_eq!(server["url"], service.as_str());
    assert_eq!(server["site"], format!("{}/server", cli.origin));
    cli.secret(server["token"].as_str().unwrap());

    let public = format!("{}/public/rest/services/Demo/MapServer", cli.origin);
    let run = cli
        .run(&["token", "demo", "--json", "--for", &public])
        .await;
    run.ok();
    let none = strict(&run.stdout);
    assert_eq!(none["kind"], "none");
    assert_eq!(none["site"], format!("{}/public", cli.origin));

    add_app_profile(&cli, "app").await;
    let run = cli.run(&["token", "app", "--json"]).await;
    run.ok();
    let app = strict(&run.stdout);
    assert_eq!(app["kind"], "app");
    assert!(app["user"].is_null(), "{app}");
    cli.secret(app["token"].as_str().unwrap());

    let run = cli.run(&["token", "nobody", "--json"]).await;
    run.expect_code(2);
    assert!(run.stdout.is_empty(), "{run}");
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn exec_gives_the_command_the_token_in_its_environment_and_a_private_header_file_it_removes()
{
    let cli = Cli::start(&[]).await;
    cli.signed_in("demo").await;
    let work = tempfile::tempdir().unwrap();
    let script = r#"printf '%s\n' "$ARCGIS_TOKEN" "$ARCGIS_HOST" "$ARCGIS_TOKEN_EXPIRES" "$GDAL_HTTP_HEADER_FILE" "${ARCGIS_API_KEY-unset}" "${ARCGIS_REFERER-unset}"; stat -c '%a' "$GDAL_HTTP_HEADER_FILE" "$(dirname "$GDAL_HTTP_HEADER_FILE")"; cat "$GDAL_HTTP_HEADER_FILE""#;
    let run = cli
        .tokendesk(&["exec", "demo", "--", "sh", "-c", script])
        .current_dir(work.path())
        .run()
        .await;
    run.ok();
    let lines: Vec<&str> = run.stdout.lines().collect();
    let [
        token,
        host,
        expires,
        file,
        api_key,
        referer,
        file_mode,
        dir_mode,
        header,
    ] = lines.as_slice()
    else {
        panic!("{run}");
    };
    cli.secret(token);
    cli.assert_token_works(token).await;
    assert_eq!(*host, cli.portal_url.trim_end_matches("/sharing/rest"));
    assert!(
        chrono::DateTime::parse_from_rfc3339(expires).is_ok(),
        "{expires}"
    );
    assert_eq!((*api_key, *referer), ("unset", "unset"));
    assert_eq!((*file_mode, *dir_mode), ("600", "700"));
    assert_eq!(*header, format!("Authorization: Bearer {token}"));
    let file = Path::new(file);
    assert!(
        file.is_absolute() && !file.starts_with(work.path()),
        "{file:?}"
    );
    let runtime = std::env::var_os("XDG_RUNTIME_DIR").unwrap();
    assert!(
        file.starts_with(runtime),
        "{file:?} is under $XDG_RUNTIME_DIR"
    );
    assert!(
        !file.exists(),
        "the header file is removed when the command ends"
    );
    assert!(!file.parent().unwrap().exists(), "and its directory");
    assert!(
        std::fs::read_dir(work.path()).unwrap().next().is_none(),
        "nothing is written to the working directory"
    );
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn exec_passes_the_commands_exit_code_through_and_fails_with_3_before_running_it_without_a_sign_in()
 {
    let cli = Cli::start(&[]).await;
    cli.signed_in("demo").await;
    cli.run(&["exec", "demo", "--", "sh", "-c", "exit 7"])
        .await
        .expect_code(7);
    cli.run(&["exec", "demo", "--", "true"]).await.ok();
    cli.run(&["exec", "demo", "--", "no-such-command-tokendesk"])
        .await
        .expect_code(127)
        .says(&["command not found: no-such-command-tokendesk"]);

    cli.run(&["logout", "demo"]).await.ok();
    let marker = tempfile::tempdir().unwrap().keep().join("ran");
    let touch = format!("touch {}", marker.display());
    let run = cli.run(&["exec", "demo", "--", "sh", "-c", &touch]).await;
    run.expect_code(3).says(&["tokendesk login demo"]);
    assert!(!marker.exists(), "the command must not run without a token");
}

#[tokio::test]
async fn exec_passes_sigterm_and_sigint_on_to_the_command() {
    let cli = Cli::start(&[]).await;
    cli.signed_in("demo").await;
    // The command traps the signal and exits with its own code: TokenDesk passed it on.
    for (signal, code) in [("TERM", 42), ("INT", 43)] {
        let script = format!(
            "trap 'exit {code}' {signal}; echo ready; i=0; while [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done"
        );
        let mut running = cli
            .tokendesk(&["exec", "demo", "--", "sh", "-c", &script])
            .spawn();
        running
            .wait_stdout("ready", |out| out.contains("ready"))
            .await;
        running.signal(signal);
        running.finish().await.expect_code(code);
    }
    // A command the signal ends: 128 + 15.
    let mut running = cli
        .tokendesk(&[
            "exec",
            "demo",
            "--",
            "sh",
            "-c",
            "echo ready; exec sleep 60",
        ])
        .spawn();
    running
        .wait_stdout("ready", |out| out.contains("ready"))
        .await;
    running.signal("TERM");
    running.finish().await.expect_code(143);
}

#[tokio::test]
async fn exec_renews_the_header_file_while_the_command_runs_and_no_token_is_ever_in_a_command_line()
{
    let cli = Cli::start(&["--access-token-seconds", "20"]).await;
    cli.signed_in("demo").await;
    // Reads the header file, waits past the first token's life, reads it again.
    let script = r#"cat "$GDAL_HTTP_HEADER_FILE"; echo ready; i=0; while [ $i -lt 260 ]; do sleep 0.1; i=$((i+1)); done; cat "$GDAL_HTTP_HEADER_FILE""#;
    let mut running = cli
        .tokendesk(&["exec", "demo", "--", "sh", "-c", script])
        .spawn();
    let first = running
        .wait_stdout("ready", |out| out.contains("ready"))
        .await;
    let cmdlines = all_command_lines();
    let run = running.finish().await;
    run.ok();
    let headers: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("Authorization: Bearer "))
        .collect();
    let [before, after] = headers.as_slice() else {
        panic!("{run}");
    };
    assert!(first.contains(before), "{first}");
    assert_ne!(
        before, after,
        "the header file was renewed while the command ran"
    );
    let fresh = after.trim_start_matches("Authorization: Bearer ");
    cli.secret(before.trim_start_matches("Authorization: Bearer "));
    cli.secret(fresh);
    cli.assert_token_works(fresh).await;
    let old = before.trim_start_matches("Authorization: Bearer ");
    for line in &cmdlines {
        assert!(!line.contains(old), "a token in a command line: {line}");
    }
    assert!(
        cmdlines.iter().any(|l| l.contains("exec demo")),
        "the scan saw the exec process: {cmdlines:?}"
    );
    cli.assert_no_secret_leaked();
}

/// Every process's command line, now.
fn all_command_lines() -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        if let Ok(raw) = std::fs::read(entry.path().join("cmdline")) {
            seen.insert(String::from_utf8_lossy(&raw).replace('\0', " "));
        }
    }
    seen
}

#[tokio::test]
async fn curl_with_the_header_file_reaches_a_federated_servers_protected_layer_through_for() {
    let cli = Cli::start(&[]).await;
    cli.signed_in("demo").await;
    let service = format!("{}/server/rest/services/Demo/FeatureServer/0", cli.origin);
    let script = r#"curl --silent --show-error --fail-with-body --cacert "$CA" -H @"$GDAL_HTTP_HEADER_FILE" "$SERVICE?f=json""#;
    let run = cli
        .tokendesk(&["exec", "demo", "--for", &service, "--", "sh", "-c", script])
        .env("CA", &cli.ca)
        .env("SERVICE", &service)
        .run()
        .await;
    run.ok();
    let answer: Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(answer.get("error").is_none(), "{answer}");
    assert_eq!(answer["geometryType"], "esriGeometryPoint", "{answer}");
    // And without the header the service refuses: the header file is what got it in.
    let bare = cli
        .tokendesk(&[
            "exec",
            "demo",
            "--for",
            &service,
            "--",
            "sh",
            "-c",
            r#"curl --silent --cacert "$CA" "$SERVICE?f=json""#,
        ])
        .env("CA", &cli.ca)
        .env("SERVICE", &service)
        .run()
        .await;
    assert!(
        bare.stdout.contains("499") || bare.stdout.contains("Token Required"),
        "{bare}"
    );
}
