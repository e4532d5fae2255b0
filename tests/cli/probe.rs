//! `tokendesk probe`, run as the built binary against the local HTTPS test server for each
//! kind of site, in text and `--json`, plus the failure exits.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Output;

use crate::common::https::TestServer;
use serde_json::{Value, json};

/// Runs `tokendesk ARGS…` off the async runtime (the test server keeps serving meanwhile).
/// Proxy variables of the machine are cleared so that requests go to 127.0.0.1 directly.
async fn tokendesk(args: Vec<String>) -> Output {
    tokendesk_with_env(args, Vec::new()).await
}

async fn tokendesk_with_env(args: Vec<String>, env: Vec<(&'static str, String)>) -> Output {
    tokio::task::spawn_blocking(move || {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_tokendesk"));
        command.args(&args).env_remove("TOKENDESK_LOG");
        for name in PROXY_VARIABLES {
            command.env_remove(name);
        }
        command.envs(env).output().unwrap()
    })
    .await
    .unwrap()
}

const PROXY_VARIABLES: [&str; 8] = [
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
];

async fn probe(url: &str, ca_file: &Path, json: bool) -> Output {
    let mut args = vec![
        "probe".to_owned(),
        url.to_owned(),
        "--ca-file".to_owned(),
        ca_file.display().to_string(),
    ];
    if json {
        args.push("--json".to_owned());
    }
    tokendesk(args).await
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

fn assert_success(output: &Output) {
    assert_eq!(
        output.status.code(),
        Some(0),
        "stdout: {}\nstderr: {}",
        stdout(output),
        stderr(output)
    );
}

fn portal_info(server: &TestServer, prefix: &str) {
    server.respond_json(
        &format!("{prefix}/sharing/rest/info"),
        &json!({
            "owningSystemUrl": server.url(prefix),
            "authInfo": {
                "tokenServicesUrl": server.url(&format!("{prefix}/sharing/rest/generateToken")),
                "isTokenBasedSecurity": true
            }
        })
        .to_string(),
    );
}

fn online_like(server: &TestServer) {
    portal_info(server, "/portal");
    server.respond_json(
        "/portal/sharing/rest/portals/self",
        r#"{"isPortal":false,"portalMode":"multitenant","currentVersion":"2025.3","allSSL":true,"supportsOAuth":true,"urlKey":"demo","customBaseUrl":"maps.arcgis.com"}"#,
    );
}

fn enterprise(server: &TestServer) {
    portal_info(server, "/portal");
    server.respond_json(
        "/portal/sharing/rest/portals/self",
        r#"{"isPortal":true,"portalMode":"singletenant","currentVersion":11.3,"allSSL":false,"supportsOAuth":true}"#,
    );
}

fn federated(server: &TestServer) {
    server.respond_json(
        "/server/rest/info",
        &json!({
            "currentVersion": 11.3,
            "fullVersion": "11.3.0",
            "owningSystemUrl": server.url("/portal"),
            "authInfo": {
                "isTokenBasedSecurity": true,
                "tokenServicesUrl": server.url("/portal/sharing/rest/generateToken")
            }
        })
        .to_string(),
    );
}

fn standalone(server: &TestServer) {
    server.respond_json(
        "/gis/rest/info",
        &json!({
            "currentVersion": 10.61,
            "fullVersion": "10.6.1",
            "authInfo": {
                "isTokenBasedSecurity": true,
                "tokenServicesUrl": server.url("/gis/tokens/"),
                "shortLivedTokenValidity": 120
            }
        })
        .to_string(),
    );
}

fn unsecured(server: &TestServer) {
    server.respond_json(
        "/open/rest/info",
        r#"{"currentVersion":11.1,"fullVersion":"11.1.0"}"#,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_online_like_portal_is_reported_with_every_online_sign_in_method() {
    let server = TestServer::start().await;
    online_like(&server);
    let output = probe(&server.url("/portal/home/"), server.ca_file(), false).await;
    assert_success(&output);
    let text = stdout(&output);
    assert!(
        text.starts_with(&server.url("/portal/sharing/rest")),
        "{text}"
    );
    for expected in [
        "kind:            ArcGIS Online",
        "version:         2025.3",
        "HTTPS only:      yes",
        "browser sign-in (OAuth with PKCE)",
        "out-of-band code",
        "API key",
        "app credentials",
        "user name + password (portal generateToken)",
    ] {
        assert!(
            text.contains(expected),
            "`{expected}` missing from:\n{text}"
        );
    }
    assert!(
        text.contains(&format!(
            "token service:   {}",
            server.url("/portal/sharing/rest/generateToken")
        )),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_online_like_portal_as_json_is_the_documented_object() {
    let server = TestServer::start().await;
    online_like(&server);
    let input = server.url("/portal/home/");
    let output = probe(&input, server.ca_file(), true).await;
    assert_success(&output);
    let mut got: Value = serde_json::from_str(&stdout(&output)).unwrap();
    let recommendation = got
        .as_object_mut()
        .unwrap()
        .remove("recommendation")
        .unwrap();
    assert_eq!(recommendation["kind"], "online", "{recommendation}");
    assert_eq!(recommendation["method"], "browser", "{recommendation}");
    assert_eq!(recommendation["url"], server.url("/portal"));
    assert_eq!(recommendation["needs_client_id"], true);
    assert_eq!(
        recommendation["command"],
        format!(
            "tokendesk profile add NAME --from-probe {input} --client-id YOUR_CLIENT_ID --ca-file {}",
            server.ca_file().display()
        )
    );
    assert_eq!(
        got,
        json!({
            "input": input,
            "assumed_https": false,
            "kind": "arcgis_online",
            "root": server.url("/portal/sharing/rest"),
            "version": "2025.3",
            "token_service_url": server.url("/portal/sharing/rest/generateToken"),
            "https_only": true,
            "supports_oauth": true,
            "owning_portal": null,
            "sign_in_methods": [
                "browser_pkce", "out_of_band", "api_key", "app_credentials",
                "password_generate_token"
            ]
        })
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_enterprise_portal_is_reported_with_its_numeric_version_and_no_https_only() {
    let server = TestServer::start().await;
    enterprise(&server);
    let output = probe(&server.url("/portal"), server.ca_file(), false).await;
    assert_success(&output);
    let text = stdout(&output);
    assert!(
        text.contains("kind:            ArcGIS Enterprise portal"),
        "{text}"
    );
    assert!(text.contains("version:         11.3"), "{text}");
    assert!(text.contains("HTTPS only:      no"), "{text}");
    for expected in [
        "recommended profile:",
        "kind:          ArcGIS Enterprise portal",
        &format!("URL:           {}", server.url("/portal")),
        "sign-in:       browser sign-in (OAuth PKCE)",
        "why:           ArcGIS Enterprise portal — browser sign-in",
        &format!(
            "add it with:   tokendesk profile add NAME --from-probe {}",
            server.url("/portal")
        ),
    ] {
        assert!(
            text.contains(expected),
            "`{expected}` missing from:\n{text}"
        );
    }

    let output = probe(&server.url("/portal"), server.ca_file(), true).await;
    assert_success(&output);
    let got: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(got["kind"], "enterprise_portal");
    assert_eq!(got["version"], "11.3");
    assert_eq!(got["https_only"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_federated_server_is_reported_with_its_owning_portal() {
    let server = TestServer::start().await;
    federated(&server);
    let input = server.url("/server/rest/services/Hosted/Parks/FeatureServer/0?f=json");
    let output = probe(&input, server.ca_file(), false).await;
    assert_success(&output);
    let text = stdout(&output);
    assert!(text.starts_with(&server.url("/server")), "{text}");
    assert!(
        text.contains("kind:            ArcGIS Server, federated with a portal"),
        "{text}"
    );
    assert!(
        text.contains(&format!("owning portal:   {}", server.url("/portal"))),
        "{text}"
    );
    assert!(text.contains("sign in to the owning portal"), "{text}");
    assert!(
        text.contains("HTTPS only:      not stated by the site"),
        "{text}"
    );

    let output = probe(&input, server.ca_file(), true).await;
    assert_success(&output);
    let mut got: Value = serde_json::from_str(&stdout(&output)).unwrap();
    let recommendation = got
        .as_object_mut()
        .unwrap()
        .remove("recommendation")
        .unwrap();
    assert_eq!(recommendation["kind"], "enterprise", "{recommendation}");
    assert_eq!(
        recommendation["url"],
        server.url("/portal"),
        "{recommendation}"
    );
    assert_eq!(recommendation["method"], "browser", "{recommendation}");
    let why = recommendation["why"].as_str().unwrap();
    assert!(
        why.contains("federated with the portal") && why.contains("--for URL"),
        "{why}"
    );
    assert_eq!(
        got,
        json!({
            "input": input,
            "assumed_https": false,
            "kind": "federated_server",
            "root": server.url("/server"),
            "version": "11.3.0",
            "token_service_url": server.url("/portal/sharing/rest/generateToken"),
            "https_only": null,
            "supports_oauth": null,
            "owning_portal": server.url("/portal"),
            "sign_in_methods": ["federated_via_portal"]
        })
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stand_alone_secured_server_offers_its_own_generate_token() {
    let server = TestServer::start().await;
    standalone(&server);
    let input = server.url("/gis/rest/services/Folder/Svc/MapServer");
    let output = probe(&input, server.ca_file(), false).await;
    assert_success(&output);
    let text = stdout(&output);
    assert!(
        text.contains("kind:            ArcGIS Server, stand-alone (token-secured)"),
        "{text}"
    );
    assert!(text.contains("version:         10.6.1"), "{text}");
    assert!(
        text.contains("user name + password (server tokens/generateToken)"),
        "{text}"
    );

    let output = probe(&input, server.ca_file(), true).await;
    assert_success(&output);
    let got: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(got["kind"], "standalone_server");
    assert_eq!(got["token_service_url"], server.url("/gis/tokens/"));
    assert_eq!(got["sign_in_methods"], json!(["server_generate_token"]));
    assert_eq!(got["recommendation"]["kind"], "server");
    assert_eq!(got["recommendation"]["method"], "server-password");
    assert_eq!(got["recommendation"]["url"], server.url("/gis"));
    assert_eq!(got["recommendation"]["needs_client_id"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unsecured_server_needs_no_sign_in() {
    let server = TestServer::start().await;
    unsecured(&server);
    let input = server.url("/open/rest/services");
    let output = probe(&input, server.ca_file(), false).await;
    assert_success(&output);
    let text = stdout(&output);
    assert!(
        text.contains("kind:            ArcGIS Server without token security"),
        "{text}"
    );
    assert!(text.contains("sign-in:         not needed"), "{text}");
    assert!(text.contains("token service:   none"), "{text}");

    let output = probe(&input, server.ca_file(), true).await;
    assert_success(&output);
    let got: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(got["kind"], "unsecured_server");
    assert_eq!(got["sign_in_methods"], json!([]));
    assert_eq!(got["token_service_url"], Value::Null);
    assert_eq!(got["recommendation"], Value::Null);
    assert!(text.contains("recommended profile: none"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ambiguous_url_that_is_not_a_portal_is_probed_as_a_server() {
    let server = TestServer::start().await;
    standalone(&server);
    let output = probe(&server.url("/gis"), server.ca_file(), true).await;
    assert_success(&output);
    let got: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(got["kind"], "standalone_server");
    assert_eq!(got["root"], server.url("/gis"));
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/gis/sharing/rest/info", "/gis/rest/info"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_portal_error_envelope_exits_4_with_the_arcgis_message() {
    let server = TestServer::start().await;
    server.respond_json(
        "/portal/sharing/rest/info",
        include_str!("../fixtures/arcgis/F16-ssl-required.json"),
    );
    let output = probe(&server.url("/portal"), server.ca_file(), false).await;
    assert_eq!(output.status.code(), Some(4));
    let message = stderr(&output);
    assert!(message.contains("reading the portal's info"), "{message}");
    assert!(message.contains("SSL Required"), "{message}");
    assert!(stdout(&output).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_site_exits_4_and_says_where_and_what_to_check() {
    let server = TestServer::start().await;
    let url = format!(
        "https://127.0.0.1:{}/portal",
        crate::common::https::unused_port()
    );
    let output = probe(&url, server.ca_file(), false).await;
    assert_eq!(output.status.code(), Some(4));
    let message = stderr(&output);
    assert!(message.contains("reading the portal's info"), "{message}");
    assert!(message.contains("127.0.0.1"), "{message}");
    assert!(message.contains("network connection"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_certificate_exits_4_and_suggests_ca_file() {
    let server = TestServer::start().await;
    enterprise(&server);
    let output = tokendesk(vec!["probe".to_owned(), server.url("/portal")]).await;
    assert_eq!(output.status.code(), Some(4));
    assert!(stderr(&output).contains("--ca-file"), "{}", stderr(&output));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_url_exits_2_without_touching_the_network() {
    for url in ["http://gis.example.com/portal", "ftp://gis.example.com", ""] {
        let output = tokendesk(vec!["probe".to_owned(), url.to_owned()]).await;
        assert_eq!(output.status.code(), Some(2), "{url}: {}", stderr(&output));
        assert!(
            stderr(&output).starts_with("tokendesk: "),
            "{}",
            stderr(&output)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_ca_file_exits_2() {
    let output = tokendesk(vec![
        "probe".to_owned(),
        "https://127.0.0.1:9/portal".to_owned(),
        "--ca-file".to_owned(),
        "/nonexistent/ca.pem".to_owned(),
    ])
    .await;
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("reading the CA file"),
        "{}",
        stderr(&output)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_url_without_scheme_is_probed_over_https_and_says_so() {
    let server = TestServer::start().await;
    enterprise(&server);
    let bare = server
        .url("/portal")
        .trim_start_matches("https://")
        .to_owned();
    let output = probe(&bare, server.ca_file(), false).await;
    assert_success(&output);
    assert!(stdout(&output).starts_with("note: no scheme given, https:// assumed"));
    let output = probe(&bare, server.ca_file(), true).await;
    let got: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(got["assumed_https"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_proxy_from_the_environment_is_used() {
    let server = TestServer::start().await;
    enterprise(&server);
    let proxy = crate::common::https::RecordingProxy::start().await;
    let args = vec![
        "probe".to_owned(),
        server.url("/portal"),
        "--ca-file".to_owned(),
        server.ca_file().display().to_string(),
    ];
    let output = tokendesk_with_env(args, vec![("HTTPS_PROXY", proxy.url())]).await;
    assert_eq!(output.status.code(), Some(4), "{}", stderr(&output));
    assert_eq!(
        proxy.lines(),
        [format!("CONNECT 127.0.0.1:{} HTTP/1.1", server.addr.port())]
    );
    assert!(
        server.requests().is_empty(),
        "the request went around the proxy"
    );
    assert!(
        stderr(&output).contains("HTTPS_PROXY"),
        "{}",
        stderr(&output)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_proxy_from_the_environment_bypasses_the_proxy() {
    let server = TestServer::start().await;
    enterprise(&server);
    let proxy = crate::common::https::RecordingProxy::start().await;
    let args = vec![
        "probe".to_owned(),
        server.url("/portal"),
        "--ca-file".to_owned(),
        server.ca_file().display().to_string(),
    ];
    let env = vec![
        ("HTTPS_PROXY", proxy.url()),
        ("NO_PROXY", "127.0.0.1".to_owned()),
    ];
    let output = tokendesk_with_env(args, env).await;
    assert_success(&output);
    assert!(proxy.lines().is_empty(), "{:?}", proxy.lines());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_portal_that_refuses_anonymous_portals_self_is_still_reported_as_a_portal() {
    let server = TestServer::start().await;
    portal_info(&server, "/portal");
    server.respond_json(
        "/portal/sharing/rest/portals/self",
        include_str!("../fixtures/arcgis/F14a-token-required-portal.json"),
    );
    let output = probe(&server.url("/portal"), server.ca_file(), true).await;
    assert_success(&output);
    let got: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(got["kind"], "enterprise_portal");
    assert_eq!(got["version"], Value::Null);
    assert_eq!(got["https_only"], Value::Null);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bare_host_where_nothing_answers_suggests_adding_the_web_adaptor_name() {
    let server = TestServer::start().await;
    let output = probe(&server.url(""), server.ca_file(), false).await;
    assert_eq!(output.status.code(), Some(4));
    let message = stderr(&output);
    assert!(message.contains("HTTP 404"), "{message}");
    assert!(message.contains("web adaptor name"), "{message}");
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/sharing/rest/info", "/rest/info"]);
}

/// `profile add NAME --from-probe URL EXTRA…` in a throw-away config dir, then
/// `profile show NAME --json`.
async fn add_from_probe(server: &TestServer, url: &str, extra: &[&str]) -> (Output, Option<Value>) {
    let home = tempfile::tempdir().unwrap();
    let env = vec![
        (
            "TOKENDESK_CONFIG_DIR",
            home.path().join("config").display().to_string(),
        ),
        (
            "TOKENDESK_DATA_DIR",
            home.path().join("data").display().to_string(),
        ),
        (
            "TOKENDESK_CACHE_DIR",
            home.path().join("cache").display().to_string(),
        ),
    ];
    let mut args: Vec<String> = ["profile", "add", "probed", "--from-probe", url, "--ca-file"]
        .iter()
        .map(ToString::to_string)
        .collect();
    args.push(server.ca_file().display().to_string());
    args.extend(extra.iter().map(ToString::to_string));
    let added = tokendesk_with_env(args, env.clone()).await;
    if added.status.code() != Some(0) {
        return (added, None);
    }
    let shown = tokendesk_with_env(
        ["profile", "show", "probed", "--json"]
            .iter()
            .map(ToString::to_string)
            .collect(),
        env,
    )
    .await;
    assert_success(&shown);
    (added, Some(serde_json::from_str(&stdout(&shown)).unwrap()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn from_probe_fills_kind_url_and_method_of_an_enterprise_portal_and_says_why() {
    let server = TestServer::start().await;
    enterprise(&server);
    let url = server.url("/portal/home/index.html");
    let (added, profile) = add_from_probe(&server, &url, &["--client-id", "my-app"]).await;
    assert_success(&added);
    assert!(
        stderr(&added).contains("browser sign-in"),
        "{}",
        stderr(&added)
    );
    let profile = profile.unwrap();
    assert_eq!(profile["kind"], "enterprise", "{profile}");
    assert_eq!(profile["url"], server.url("/portal"), "{profile}");
    assert_eq!(profile["method"], "browser", "{profile}");
    assert_eq!(profile["client_id"], "my-app", "{profile}");

    let (added, profile) =
        add_from_probe(&server, &url, &["--client-id", "my-app", "--method", "oob"]).await;
    assert_success(&added);
    assert_eq!(
        profile.unwrap()["method"],
        "oob",
        "flags override the probe"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn from_probe_on_a_federated_service_adds_a_profile_for_its_owning_portal() {
    let server = TestServer::start().await;
    federated(&server);
    let url = server.url("/server/rest/services/Hosted/Parks/FeatureServer/0");
    let (added, profile) = add_from_probe(&server, &url, &["--client-id", "my-app"]).await;
    assert_success(&added);
    let profile = profile.unwrap();
    assert_eq!(profile["kind"], "enterprise", "{profile}");
    assert_eq!(profile["url"], server.url("/portal"), "{profile}");
    assert!(stderr(&added).contains("--for URL"), "{}", stderr(&added));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn from_probe_on_servers_adds_a_server_password_profile_or_says_none_is_needed() {
    let server = TestServer::start().await;
    standalone(&server);
    unsecured(&server);
    let (added, profile) = add_from_probe(
        &server,
        &server.url("/gis/rest/services/Folder/Svc/MapServer"),
        &[],
    )
    .await;
    assert_success(&added);
    let profile = profile.unwrap();
    assert_eq!(profile["kind"], "server", "{profile}");
    assert_eq!(profile["method"], "server-password", "{profile}");
    assert_eq!(profile["url"], server.url("/gis"), "{profile}");

    let (refused, profile) = add_from_probe(&server, &server.url("/open/rest/services"), &[]).await;
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(profile.is_none());
    assert!(
        stderr(&refused).contains("no profile is needed"),
        "{}",
        stderr(&refused)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn from_probe_with_an_unreachable_site_exits_4_and_adds_nothing() {
    let server = TestServer::start().await;
    let (failed, profile) =
        add_from_probe(&server, &server.url("/nothing/rest/services"), &[]).await;
    assert_eq!(failed.status.code(), Some(4), "{}", stderr(&failed));
    assert!(profile.is_none());
}
