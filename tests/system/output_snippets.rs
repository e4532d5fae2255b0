#![cfg(feature = "system-tests")]
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The copy formats work when pasted: each snippet is run by the real tool it is written for
//! (curl, bash, Python `requests`, the ArcGIS API for Python from
//! `target/official-clients/venv`) against the in-process demo portal over HTTPS, trusting
//! only the CA file the snippet names. The tokens are bound to a Referer full of quotes, `$`
//! and spaces, so a snippet that drops the Referer or quotes it wrongly is refused (498).
//!
//! Snippets go to the interpreter on stdin, never as an argument.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use crate::common::demo::Demo;
use tokendesk::arcgis::{PortalUrl, ServerUrl};
use tokendesk::output::{Format, Issuer, TokenContext, render};
use tokendesk::secret::{AccessToken, Secret};
use tokendesk::store::PreferredHeader;
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

/// How long one snippet may run (the Python API imports slowly).
const SNIPPET_LIMIT: Duration = Duration::from_secs(120);
/// A Referer that breaks any snippet that does not quote it for its language.
const REFERER: &str = r#"https://app.example.com/it's $HOME "quoted" \path"#;

struct Setup {
    demo: Demo,
    _dir: tempfile::TempDir,
    ca_file: PathBuf,
}

async fn setup() -> Setup {
    let demo = Demo::start().await;
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("demo ca's.pem");
    std::fs::write(&ca_file, demo.portal.ca_pem()).unwrap();
    Setup {
        demo,
        _dir: dir,
        ca_file,
    }
}

/// A portal token for analyst, bound to [`REFERER`].
async fn portal_token(demo: &Demo) -> AccessToken {
    let answer = demo
        .generate_token(&[("client", "referer"), ("referer", REFERER)])
        .await;
    Secret::new(answer["token"].as_str().expect("no token").to_owned())
}

/// Runs `program args…` with `script` on stdin and no inherited CA settings; returns stdout
/// (asserting success).
async fn run(program: &Path, args: &[&str], script: &Secret<String>) -> String {
    let mut child = Command::new(program)
        .args(args)
        .env_remove("REQUESTS_CA_BUNDLE")
        .env_remove("SSL_CERT_FILE")
        .env_remove("CURL_CA_BUNDLE")
        .env_remove("ESRI_API_KEY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|err| panic!("cannot start {}: {err}", program.display()));
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(script.expose().as_bytes()).await.unwrap();
    drop(stdin);
    let output = tokio::time::timeout(SNIPPET_LIMIT, child.wait_with_output())
        .await
        .unwrap_or_else(|_| {
            panic!(
                "{} did not finish within {SNIPPET_LIMIT:?}",
                program.display()
            )
        })
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{} failed ({}):\nstdout: {stdout}\nstderr: {}",
        program.display(),
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

fn bash() -> PathBuf {
    PathBuf::from("bash")
}

fn portal_context<'a>(
    token: &'a AccessToken,
    portal: &'a PortalUrl,
    ca_file: &'a Path,
) -> TokenContext<'a> {
    let mut ctx = TokenContext::new(token, Issuer::Portal(portal.clone()));
    ctx.referer = Some(REFERER);
    ctx.ca_file = Some(ca_file);
    ctx
}

#[tokio::test(flavor = "multi_thread")]
async fn the_curl_command_reads_the_signed_in_user_with_either_header() {
    let setup = setup().await;
    let token = portal_token(&setup.demo).await;
    let portal = PortalUrl::parse(setup.demo.portal.portal_url()).unwrap();
    for header in [
        PreferredHeader::Authorization,
        PreferredHeader::XEsriAuthorization,
    ] {
        let mut ctx = portal_context(&token, &portal, &setup.ca_file);
        ctx.header = header;
        let out = run(&bash(), &["-s"], &render(Format::Curl, &ctx)).await;
        let user: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(user["username"], "analyst", "{header:?}: {out}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn without_the_referer_the_same_curl_command_is_refused() {
    let setup = setup().await;
    let token = portal_token(&setup.demo).await;
    let portal = PortalUrl::parse(setup.demo.portal.portal_url()).unwrap();
    let mut ctx = portal_context(&token, &portal, &setup.ca_file);
    ctx.referer = None;
    let out = run(&bash(), &["-s"], &render(Format::Curl, &ctx)).await;
    let answer: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(answer["error"]["code"], 498, "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_curl_command_for_a_stand_alone_server_token_opens_its_protected_service() {
    let setup = setup().await;
    let answer = setup
        .demo
        .post(
            &setup.demo.url("/gis/tokens/generateToken"),
            &[
                ("username", "analyst"),
                ("password", "tokendesk-demo"),
                ("client", "referer"),
                ("referer", REFERER),
                ("f", "json"),
            ],
        )
        .await;
    let token = Secret::new(answer["token"].as_str().expect("no token").to_owned());
    let server = ServerUrl::parse(&setup.demo.portal.urls().standalone_root).unwrap();
    let service = format!(
        "{}/Demo/MapServer",
        setup.demo.portal.standalone_server_url()
    );
    let mut ctx = TokenContext::new(&token, Issuer::Server(server.clone()));
    ctx.url = Some(&service);
    ctx.referer = Some(REFERER);
    ctx.ca_file = Some(&setup.ca_file);
    let out = run(&bash(), &["-s"], &render(Format::Curl, &ctx)).await;
    let service: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(service.get("error").is_none(), "{out}");
    assert!(
        service.get("layers").is_some() || service.get("mapName").is_some(),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_export_lines_set_the_token_and_referer_in_bash_unchanged() {
    let token = Secret::from(r#"to'k$en "x" \n"#);
    let portal = PortalUrl::parse("https://gis.example.com/portal").unwrap();
    let mut ctx = TokenContext::new(&token, Issuer::Portal(portal.clone()));
    ctx.referer = Some(REFERER);
    let script = format!(
        "{}\nprintf '%s|%s' \"$ARCGIS_TOKEN\" \"$ARCGIS_REFERER\"\n",
        render(Format::ShellExport, &ctx).expose()
    );
    let out = run(&bash(), &["-s"], &Secret::new(script)).await;
    assert_eq!(out, format!("{}|{REFERER}", token.expose()));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_python_requests_snippet_reads_the_signed_in_user() {
    let setup = setup().await;
    let token = portal_token(&setup.demo).await;
    let portal = PortalUrl::parse(setup.demo.portal.portal_url()).unwrap();
    let ctx = portal_context(&token, &portal, &setup.ca_file);
    let out = run(
        &crate::common::venv_python(),
        &["-"],
        &render(Format::PythonRequests, &ctx),
    )
    .await;
    assert!(out.contains("'username': 'analyst'"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_arcgis_python_gis_snippet_signs_in_with_the_token() {
    let setup = setup().await;
    let token = portal_token(&setup.demo).await;
    let portal = PortalUrl::parse(setup.demo.portal.portal_url()).unwrap();
    let ctx = portal_context(&token, &portal, &setup.ca_file);
    let out = run(
        &crate::common::venv_python(),
        &["-"],
        &render(Format::ArcGisPython, &ctx),
    )
    .await;
    assert!(out.contains("username:analyst"), "{out}");
}
