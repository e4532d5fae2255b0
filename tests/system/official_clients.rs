#![cfg(feature = "system-tests")]
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The demo portal is judged by the official ArcGIS clients: the ArcGIS API for Python and
//! ArcGIS REST JS must sign in to it with a password, trusting its CA, and read the
//! signed-in user — exactly as they would against a real ArcGIS Enterprise portal — and a
//! wrong password must be refused with the portal's own message.
//!
//! Each test starts the real binary (`tokendesk demo-portal --listen 127.0.0.1:0 --ca-out …`),
//! waits for its `ready` line and runs one client script from `tests/official/`.
//! The clients come from `scripts/setup-official-clients` (Python venv and npm packages under
//! `target/official-clients/`, or the directories named by `TOKENDESK_OFFICIAL_VENV` and
//! `TOKENDESK_OFFICIAL_NPM`); when they are missing the tests fail and say so.
//! What each client sends and needs from the portal: `tests/official/README.md`.
//! REST JS's `ApplicationCredentialsManager` and `ApiKeyManager` also call the federated
//! server's protected service, side by side with the TokenDesk CLI's app-credentials and
//! API key profiles (that test uses the CLI harness and the throw-away keyring).

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use crate::common::cli::Cli;
use crate::common::methods::{
    APP, APP_SECRET, FEDERATED_SERVICE, add_portal_profile, assert_served, call, mint_api_key,
};

/// How long the demo portal may take to print `ready`.
const PORTAL_START_LIMIT: Duration = Duration::from_secs(30);
/// How long a client script may take; the scripts bound themselves to `CLIENT_OWN_LIMIT_SECS`.
const CLIENT_LIMIT: Duration = Duration::from_secs(120);
const CLIENT_OWN_LIMIT_SECS: &str = "60";
const USERNAME: &str = "analyst";
const PASSWORD: &str = "tokendesk-demo";
const WRONG_PASSWORD: &str = "not-the-password";

/// A running `tokendesk demo-portal`, killed when dropped.
struct DemoPortal {
    child: Child,
    /// The Sharing REST root printed on the `portal` line, `https://127.0.0.1:PORT/portal/sharing/rest`.
    sharing_rest: String,
    ca_file: PathBuf,
    _dir: tempfile::TempDir,
}

impl DemoPortal {
    fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let ca_file = dir.path().join("ca.pem");
        let mut child = Command::new(env!("CARGO_BIN_EXE_tokendesk"))
            .args(["demo-portal", "--listen", "127.0.0.1:0", "--ca-out"])
            .arg(&ca_file)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("cannot start `tokendesk demo-portal`");
        let lines = stdout_lines(child.stdout.take().unwrap());

        let deadline = Instant::now() + PORTAL_START_LIMIT;
        let mut printed = Vec::new();
        loop {
            match lines.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(line) if line.trim() == "ready" => break,
                Ok(line) => printed.push(line),
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!(
                        "the demo portal did not print `ready` within {PORTAL_START_LIMIT:?}; it printed {printed:?}"
                    );
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let status = child.wait().unwrap();
                    panic!(
                        "the demo portal exited ({status}) before printing `ready`; it printed {printed:?}"
                    );
                }
            }
        }
        let sharing_rest = printed
            .iter()
            .find_map(|line| line.strip_prefix("portal "))
            .unwrap_or_else(|| panic!("no `portal <url>` line before `ready`; printed {printed:?}"))
            .trim()
            .to_owned();
        assert!(
            printed
                .iter()
                .any(|line| line.trim() == format!("ca {}", ca_file.display())),
            "no `ca {}` line before `ready`; printed {printed:?}",
            ca_file.display()
        );
        assert!(
            ca_file.is_file(),
            "the demo portal did not write its CA to {}",
            ca_file.display()
        );
        DemoPortal {
            child,
            sharing_rest,
            ca_file,
            _dir: dir,
        }
    }

    /// The portal URL as people type it for Enterprise: the web adaptor, `https://host:port/portal`.
    fn web_adaptor_url(&self) -> String {
        self.sharing_rest
            .trim_end_matches('/')
            .strip_suffix("/sharing/rest")
            .unwrap_or_else(|| {
                panic!(
                    "the portal URL {} does not end in /sharing/rest",
                    self.sharing_rest
                )
            })
            .to_owned()
    }
}

impl Drop for DemoPortal {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Forwards each stdout line to a channel and keeps draining the pipe afterwards, so the
/// portal never blocks or fails writing to stdout once nobody listens.
fn stdout_lines(stdout: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let _ = tx.send(line);
        }
    });
    rx
}

/// A directory prepared by `scripts/setup-official-clients`: from `var`, else `target/official-clients/<name>`.
fn official_dir(var: &str, name: &str, must_contain: &str) -> PathBuf {
    let dir = std::env::var_os(var).map(PathBuf::from).unwrap_or_else(|| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("target")
            .join("official-clients")
            .join(name)
    });
    assert!(
        dir.join(must_contain).exists(),
        "{} not found: run scripts/setup-official-clients (or point {var} at a prepared directory)",
        dir.join(must_contain).display()
    );
    dir
}

/// The federated server's token-protected sample service, next to the portal.
fn protected_service_url(sharing_rest: &str) -> String {
    sharing_rest.replace(
        "/portal/sharing/rest",
        "/server/rest/services/Demo/MapServer",
    )
}

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("official")
        .join(name)
}

/// A client command with the credentials in its environment (never in its arguments) and
/// no inherited CA settings, so only the CA handed over explicitly can make TLS work.
fn client_command(program: &Path, ca_file: &Path, url: &str, password: &str) -> Command {
    let mut command = Command::new(program);
    command
        .env("TOKENDESK_PORTAL_URL", url)
        .env("TOKENDESK_USERNAME", USERNAME)
        .env("TOKENDESK_PASSWORD", password)
        .env("TOKENDESK_CA_FILE", ca_file)
        .env("TOKENDESK_TIMEOUT", CLIENT_OWN_LIMIT_SECS)
        .env_remove("REQUESTS_CA_BUNDLE")
        .env_remove("CURL_CA_BUNDLE")
        .env_remove("SSL_CERT_FILE")
        .env_remove("NODE_EXTRA_CA_CERTS")
        .env_remove("NODE_TLS_REJECT_UNAUTHORIZED")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// `GIS(url, "analyst", password, ca_bundles=<the demo CA>)` with the official Python API.
fn run_python(portal: &DemoPortal, url: &str, password: &str) -> Finished {
    let venv = official_dir("TOKENDESK_OFFICIAL_VENV", "venv", "bin/python");
    let mut command = client_command(
        &venv.join("bin").join("python"),
        &portal.ca_file,
        url,
        password,
    );
    command.arg(script("python_signin.py"));
    run_bounded(
        command,
        &format!("the ArcGIS API for Python signing in to {url}"),
    )
}

/// `node tests/official/SCRIPT` with REST JS installed, the portal's Sharing REST root, its
/// CA and `password` in the environment.
fn rest_js_command(
    sharing_rest: &str,
    ca_file: &Path,
    script_name: &str,
    password: &str,
) -> Command {
    let npm = official_dir(
        "TOKENDESK_OFFICIAL_NPM",
        "npm",
        "node_modules/@esri/arcgis-rest-request",
    );
    let mut command = client_command(Path::new("node"), ca_file, sharing_rest, password);
    // Node reads extra CAs only at start-up; set them here rather than let the script re-run itself.
    command
        .arg(script(script_name))
        .current_dir(&npm)
        .env("NODE_EXTRA_CA_CERTS", ca_file)
        .env("NODE_PATH", npm.join("node_modules"))
        .env("TOKENDESK_OFFICIAL_NPM", &npm);
    command
}

/// `ArcGISIdentityManager.signIn({username, password, portal})` + `getUser()` with REST JS.
fn run_rest_js(portal: &DemoPortal, password: &str) -> Finished {
    let command = rest_js_command(
        &portal.sharing_rest,
        &portal.ca_file,
        "rest_js_signin.mjs",
        password,
    );
    let url = &portal.sharing_rest;
    run_bounded(command, &format!("ArcGIS REST JS signing in to {url}"))
}

/// REST JS's `ApplicationCredentialsManager` (`mode` `app-credentials`) or `ApiKeyManager`
/// (`api-key`: `api_key`, else a key minted with the credential) calling the federated
/// server's protected `Demo/MapServer`.
fn run_rest_js_app_auth(
    portal: &DemoPortal,
    mode: &str,
    client_id: &str,
    secret: &str,
    api_key: Option<&str>,
) -> Finished {
    run_rest_js_app_auth_at(
        &portal.sharing_rest,
        &portal.ca_file,
        mode,
        client_id,
        secret,
        api_key,
    )
}

/// [`run_rest_js_app_auth`] against any demo portal (its Sharing REST root and CA).
fn run_rest_js_app_auth_at(
    sharing_rest: &str,
    ca_file: &Path,
    mode: &str,
    client_id: &str,
    secret: &str,
    api_key: Option<&str>,
) -> Finished {
    let mut command = rest_js_command(sharing_rest, ca_file, "rest_js_app_auth.mjs", "");
    let service = protected_service_url(sharing_rest);
    command
        .env("TOKENDESK_MODE", mode)
        .env("TOKENDESK_SERVICE_URL", &service)
        .env("TOKENDESK_CLIENT_ID", client_id)
        .env("TOKENDESK_CLIENT_SECRET", secret);
    if let Some(key) = api_key {
        command.env("TOKENDESK_API_KEY", key);
    }
    run_bounded(
        command,
        &format!("ArcGIS REST JS ({mode}) calling {service}"),
    )
}

/// What a client run left behind, with a description for failure messages.
struct Finished {
    what: String,
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

/// Runs `command` to completion, failing the test if it takes longer than [`CLIENT_LIMIT`].
fn run_bounded(mut command: Command, what: &str) -> Finished {
    let child = command.spawn().unwrap_or_else(|err| {
        panic!("cannot start {what}: {err} (is it installed? see scripts/setup-official-clients)")
    });
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(CLIENT_LIMIT) {
        Ok(output) => {
            let output = output.unwrap();
            Finished {
                what: what.to_owned(),
                status: output.status,
                stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            }
        }
        Err(_) => {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
            panic!("{what} did not finish within {CLIENT_LIMIT:?} (killed pid {pid})");
        }
    }
}

fn assert_signed_in_as_analyst(finished: &Finished) {
    let Finished {
        what,
        status,
        stdout,
        stderr,
    } = finished;
    assert!(
        status.success(),
        "{what} failed ({status}).\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(
        stdout
            .lines()
            .any(|line| line == format!("username={USERNAME}")),
        "{what} did not report `username={USERNAME}`.\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
}

fn assert_refused_as_bad_credentials(finished: &Finished) {
    let Finished {
        what,
        status,
        stdout,
        stderr,
    } = finished;
    assert!(
        !status.success() && !stdout.contains("username="),
        "{what} with a wrong password should fail, but it ended {status}.\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(
        stderr.contains("Invalid username or password."),
        "{what} with a wrong password failed, but not with the portal's `Invalid username or password.`.\nstderr:\n{stderr}"
    );
}

#[test]
fn the_arcgis_api_for_python_signs_in_to_the_demo_portal_with_a_password() {
    let portal = DemoPortal::start();
    assert_signed_in_as_analyst(&run_python(&portal, &portal.web_adaptor_url(), PASSWORD));
}

#[test]
fn the_arcgis_api_for_python_also_signs_in_when_given_the_sharing_rest_url() {
    let portal = DemoPortal::start();
    assert_signed_in_as_analyst(&run_python(&portal, &portal.sharing_rest, PASSWORD));
}

#[test]
fn the_arcgis_api_for_python_is_refused_with_a_wrong_password() {
    let portal = DemoPortal::start();
    assert_refused_as_bad_credentials(&run_python(
        &portal,
        &portal.web_adaptor_url(),
        WRONG_PASSWORD,
    ));
}

#[test]
fn arcgis_rest_js_signs_in_to_the_demo_portal_with_a_password_and_reads_the_user() {
    let portal = DemoPortal::start();
    assert_signed_in_as_analyst(&run_rest_js(&portal, PASSWORD));
}

#[test]
fn arcgis_rest_js_is_refused_with_a_wrong_password() {
    let portal = DemoPortal::start();
    assert_refused_as_bad_credentials(&run_rest_js(&portal, WRONG_PASSWORD));
}

fn assert_service_answered(finished: &Finished, manager: &str) {
    let Finished {
        what,
        status,
        stdout,
        stderr,
    } = finished;
    assert!(
        status.success(),
        "{what} failed ({status}).\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    for line in [
        format!("manager={manager}"),
        "service=Demo".to_owned(),
        "token_reused=true".to_owned(),
    ] {
        assert!(
            stdout.lines().any(|l| l == line),
            "{what} did not print `{line}`.\nstdout:\n{stdout}\nstderr:\n{stderr}"
        );
    }
}

fn assert_refused_with(finished: &Finished, words: &str) {
    let Finished {
        what,
        status,
        stdout,
        stderr,
    } = finished;
    assert!(
        !status.success() && !stdout.contains("service="),
        "{what} should fail, but it ended {status}.\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(
        stderr.contains(words),
        "{what} failed, but not with `{words}`.\nstderr:\n{stderr}"
    );
}

#[test]
fn arcgis_rest_js_application_credentials_manager_calls_the_protected_service_with_an_app_token() {
    let portal = DemoPortal::start();
    let finished = run_rest_js_app_auth(
        &portal,
        "app-credentials",
        "tokendesk-demo-app",
        "demo-app-secret",
        None,
    );
    assert_service_answered(&finished, "ApplicationCredentialsManager");
}

#[test]
fn arcgis_rest_js_application_credentials_manager_is_refused_with_a_wrong_client_secret() {
    let portal = DemoPortal::start();
    let finished = run_rest_js_app_auth(
        &portal,
        "app-credentials",
        "tokendesk-demo-app",
        "not-the-secret",
        None,
    );
    assert_refused_with(&finished, "Invalid client_secret");
}

#[test]
fn arcgis_rest_js_api_key_manager_calls_the_protected_service_with_a_minted_key() {
    let portal = DemoPortal::start();
    let finished = run_rest_js_app_auth(
        &portal,
        "api-key",
        "tokendesk-demo-apikeys",
        "demo-apikey-secret",
        None,
    );
    assert_service_answered(&finished, "ApiKeyManager");
}

#[test]
fn arcgis_rest_js_api_key_manager_works_with_the_legacy_key_and_a_made_up_key_gets_498() {
    let portal = DemoPortal::start();
    let legacy = run_rest_js_app_auth(
        &portal,
        "api-key",
        "",
        "",
        Some("AAPKtokendeskDemoLegacyKeyThatNeverExpires0000000000"),
    );
    assert_service_answered(&legacy, "ApiKeyManager");
    let made_up = run_rest_js_app_auth(
        &portal,
        "api-key",
        "",
        "",
        Some("AAPTmadeUpKeyThatThePortalNeverIssued0xAT1_U48KuejH"),
    );
    assert_refused_with(&made_up, "code 498");
}

/// The same two ways in, side by side against one demo portal: REST JS's managers and the
/// TokenDesk CLI's `app-credentials` and `api-key` profiles each call the federated
/// server's protected service, with an app token and with the same API key.
#[tokio::test]
async fn app_credentials_and_an_api_key_work_on_the_protected_service_from_rest_js_and_the_tokendesk_cli()
 {
    let cli = Cli::start(&[]).await;
    cli.secret(APP_SECRET);
    let key = mint_api_key(&cli, 1).await;
    let (url, ca, js_key) = (cli.portal_url.clone(), cli.ca.clone(), key.clone());
    let (app, api_key) = tokio::task::spawn_blocking(move || {
        let app = run_rest_js_app_auth_at(&url, &ca, "app-credentials", APP, APP_SECRET, None);
        let api_key = run_rest_js_app_auth_at(&url, &ca, "api-key", "", "", Some(&js_key));
        (app, api_key)
    })
    .await
    .unwrap();
    assert_service_answered(&app, "ApplicationCredentialsManager");
    assert_service_answered(&api_key, "ApiKeyManager");

    add_portal_profile(
        &cli,
        "app",
        &["--method", "app-credentials", "--client-id", APP],
        APP_SECRET,
    )
    .await
    .ok();
    let app_token = cli.token("app", &[]).await;
    assert_served(&call(&cli, FEDERATED_SERVICE, &app_token, None).await);

    add_portal_profile(&cli, "key", &["--method", "api-key"], &format!("{key}\n"))
        .await
        .ok();
    let key_token = cli.token("key", &[]).await;
    assert_eq!(
        key_token, key,
        "an API key profile hands out the key itself"
    );
    assert_served(&call(&cli, FEDERATED_SERVICE, &key_token, None).await);
    cli.assert_no_secret_leaked();
}
