//! Demo portal cross-cutting behaviour (§7): path spellings, `f`, error statuses, fault
//! injection, request counts, the admin clock, start-up and shutdown.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::common::demo::*;
use serde_json::{Value, json};
use tokendesk_demo_portal::{DemoConfig, DemoPortal, DemoPortalError, FaultKind, FaultRule};

async fn counts(demo: &Demo) -> Value {
    demo.get(&format!("{}/requests", demo.portal.admin_url()), &[])
        .await["counts"]
        .clone()
}

#[tokio::test]
async fn every_portal_endpoint_answers_under_both_spellings_and_with_a_trailing_slash() {
    let demo = Demo::start().await;
    for base in ["/portal/sharing/rest", "/portal/sharing"] {
        for suffix in ["", "/"] {
            let info = demo
                .get(&demo.url(&format!("{base}/info{suffix}")), &[("f", "json")])
                .await;
            assert!(info["authInfo"].is_object(), "{base}/info{suffix}");
            let token = demo
                .post(
                    &demo.url(&format!("{base}/generateToken{suffix}")),
                    &[
                        ("username", "analyst"),
                        ("password", "tokendesk-demo"),
                        ("f", "json"),
                    ],
                )
                .await;
            assert!(token["token"].is_string(), "{base}/generateToken{suffix}");
            let app = demo
                .post(
                    &demo.url(&format!("{base}/oauth2/token{suffix}")),
                    &[
                        ("client_id", "tokendesk-demo-app"),
                        ("client_secret", "demo-app-secret"),
                        ("grant_type", "client_credentials"),
                    ],
                )
                .await;
            assert!(
                app["access_token"].is_string(),
                "{base}/oauth2/token{suffix}"
            );
            let (status, page) = {
                let response = demo
                    .client
                    .get(demo.url(&format!("{base}/oauth2/authorize{suffix}")))
                    .query(&[
                        ("client_id", APP),
                        ("response_type", "code"),
                        ("redirect_uri", OOB),
                    ])
                    .send()
                    .await
                    .unwrap();
                (response.status(), response.text().await.unwrap())
            };
            assert_eq!(status, 200);
            assert!(
                page.contains(&format!("action=\"{base}/oauth2/signin\"")),
                "{page}"
            );
        }
    }
    let counted = counts(&demo).await;
    assert_eq!(counted["/portal/sharing/rest/info"], 4, "{counted}");
    assert_eq!(counted["/portal/sharing/rest/oauth2/token"], 4);
}

#[tokio::test]
async fn f_defaults_to_html_and_pjson_is_indented() {
    let demo = Demo::start().await;
    let html = demo.client.get(demo.sharing("info")).send().await.unwrap();
    assert!(
        html.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let text = html.text().await.unwrap();
    assert!(
        text.contains("<title>ArcGIS Portal Directory</title>")
            && text.contains("tokenServicesUrl")
    );
    let pjson = demo
        .client
        .get(demo.sharing("info"))
        .query(&[("f", "pjson")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(pjson.contains("\n  \"authInfo\""), "{pjson}");
    let json = demo
        .client
        .get(demo.sharing("info"))
        .query(&[("f", "json")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!json.contains('\n'));
}

#[tokio::test]
async fn errors_come_with_http_200_unless_modern_errors_is_switched_on() {
    let classic = Demo::start().await;
    let response = classic
        .client
        .get(classic.sharing("community/self"))
        .query(&[("f", "json"), ("token", "bad")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let mut config = DemoConfig::default();
    config.behaviour.modern_errors = true;
    let modern = Demo::with(config).await;
    let response = modern
        .client
        .get(modern.sharing("community/self"))
        .query(&[("f", "json"), ("token", "bad")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 498);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["message"], "Invalid token.");
    let missing = modern
        .client
        .get(modern.url("/gis/rest/services/Demo/MapServer"))
        .query(&[("f", "json")])
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 499);
}

#[tokio::test]
async fn an_http_error_fault_answers_html_with_that_status_for_count_requests_only() {
    let demo = Demo::start().await;
    demo.add_fault(json!({"path": "/portal/sharing/rest/oauth2/token", "kind": "http_error", "status": 502, "count": 2}))
        .await;
    let form = [
        ("client_id", "tokendesk-demo-app"),
        ("client_secret", "demo-app-secret"),
        ("grant_type", "client_credentials"),
    ];
    for url in [
        demo.sharing("oauth2/token"),
        demo.url("/portal/sharing/oauth2/token/"),
    ] {
        let response = demo.post_raw(&url, &form).await;
        assert_eq!(response.status(), 502);
        assert!(
            response
                .text()
                .await
                .unwrap()
                .contains("<h1>502 Bad Gateway</h1>")
        );
    }
    let third = demo.post(&demo.sharing("oauth2/token"), &form).await;
    assert!(third["access_token"].is_string());
    assert_eq!(counts(&demo).await["/portal/sharing/rest/oauth2/token"], 3);
}

#[tokio::test]
async fn a_malformed_json_fault_sends_a_body_that_does_not_parse() {
    let demo = Demo::start().await;
    demo.add_faults(&[FaultRule {
        path: "/portal/sharing/rest/info".into(),
        kind: FaultKind::MalformedJson,
        count: 1,
    }])
    .await;
    let response = demo
        .client
        .get(demo.sharing("info"))
        .query(&[("f", "json")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");
}

#[tokio::test]
async fn a_drop_connection_fault_fails_the_request_and_the_next_one_succeeds() {
    let demo = Demo::start().await;
    demo.add_fault(json!({"path": "/gis/rest/info", "kind": "drop_connection"}))
        .await;
    let url = demo.url("/gis/rest/info?f=json");
    let outcome = match demo.client.get(&url).send().await {
        Err(err) => Err(err),
        Ok(response) => response.bytes().await.map(|_| ()),
    };
    assert!(
        outcome.is_err(),
        "the dropped connection must surface as an error"
    );
    let next = demo.get(&url, &[]).await;
    assert!(next["authInfo"].is_object());
}

#[tokio::test]
async fn a_delay_fault_holds_the_answer_back_and_then_answers_normally() {
    let demo = Demo::start().await;
    demo.add_fault(json!({"path": "/server/*", "kind": "delay", "millis": 400}))
        .await;
    let started = Instant::now();
    let info = demo
        .get(&demo.url("/server/rest/info"), &[("f", "json")])
        .await;
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert!(info["owningSystemUrl"].is_string());
}

#[tokio::test]
async fn an_invalid_token_fault_answers_498_even_for_a_good_token() {
    let demo = Demo::start().await;
    let token = demo.generate_token(&[]).await;
    let token = token["token"].as_str().unwrap();
    demo.add_fault(json!({"path": "*/community/self", "kind": "invalid_token"}))
        .await;
    let faulted = demo.community_self(token).await;
    assert_eq!(
        faulted,
        json!({"error": {"code": 498, "message": "Invalid token.", "details": []}})
    );
    assert_eq!(demo.community_self(token).await["username"], "analyst");
}

#[tokio::test]
async fn faults_from_the_seed_are_active_from_the_start_and_can_be_listed_and_cleared() {
    let config = DemoConfig {
        faults: vec![
            FaultRule {
                path: "/gis/rest/info".into(),
                kind: FaultKind::HttpError { status: 500 },
                count: 1,
            },
            FaultRule {
                path: "/server/rest/info".into(),
                kind: FaultKind::HttpError { status: 500 },
                count: 5,
            },
        ],
        ..DemoConfig::default()
    };
    let demo = Demo::with(config).await;
    let response = demo
        .client
        .get(demo.url("/gis/rest/info"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 500);
    let admin = format!("{}/faults", demo.portal.admin_url());
    let listed = demo.get(&admin, &[]).await;
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["path"], "/server/rest/info");
    demo.client.delete(&admin).send().await.unwrap();
    let response = demo
        .client
        .get(demo.url("/server/rest/info"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn the_admin_clock_reports_its_offset_and_bad_admin_bodies_are_refused() {
    let demo = Demo::start().await;
    demo.advance(90).await;
    let clock = demo
        .get(&format!("{}/clock", demo.portal.admin_url()), &[])
        .await;
    assert_eq!(clock["offset_seconds"], 90);
    assert_eq!(demo.portal.clock().offset_seconds(), 90);
    let bad = demo
        .client
        .post(format!("{}/clock/advance", demo.portal.admin_url()))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let reset = demo
        .client
        .delete(format!("{}/requests", demo.portal.admin_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), 200);
    assert_eq!(counts(&demo).await, json!({}));
}

#[tokio::test]
async fn the_portal_refuses_to_listen_on_a_non_loopback_address() {
    let config = DemoConfig {
        listen: "0.0.0.0:0".parse::<SocketAddr>().unwrap(),
        ..DemoConfig::default()
    };
    let err = DemoPortal::start(config).await.err().unwrap();
    assert!(matches!(err, DemoPortalError::NotLoopback(_)));
    assert!(err.to_string().contains("loopback"));
}

#[tokio::test]
async fn the_server_certificate_is_valid_for_localhost_too() {
    let demo = Demo::start().await;
    let port = demo.portal.addr().port();
    let info = demo
        .get(
            &format!("https://localhost:{port}/portal/sharing/rest/info"),
            &[("f", "json")],
        )
        .await;
    assert!(info["authInfo"].is_object());
}

#[tokio::test]
async fn after_shutdown_the_port_no_longer_answers() {
    let demo = Demo::start().await;
    let url = demo.sharing("info");
    assert!(demo.client.get(&url).send().await.is_ok());
    let ca = demo.portal.ca_pem().to_string();
    assert!(client_for(&ca).get(&url).send().await.is_ok());
    demo.portal.shutdown().await.unwrap();
    let fresh = client_for(&ca).get(&url).send().await;
    assert!(fresh.is_err());
}

/// A log sink for one test thread.
#[derive(Clone, Default)]
struct LogBuffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Set in the child process that [`the_debug_request_log_names_parameters_but_never_shows_secret_values`]
/// runs its check in.
const LOG_CHILD: &str = "TOKENDESK_TEST_LOG_CHILD";

/// The log check runs in a child process of its own, with a process-wide subscriber: a
/// thread-scoped one can miss events while the other tests of this binary register the same
/// call sites on other threads (tracing caches their interest process-wide).
#[test]
fn the_debug_request_log_names_parameters_but_never_shows_secret_values() {
    if std::env::var_os(LOG_CHILD).is_some() {
        return debug_log_check_in_child();
    }
    let name = crate::common::harness_name(
        module_path!(),
        "the_debug_request_log_names_parameters_but_never_shows_secret_values",
    );
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([name.as_str(), "--exact", "--nocapture", "--test-threads=1"])
        .env(LOG_CHILD, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "the child failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn debug_log_check_in_child() {
    let buffer = LogBuffer::default();
    let sink = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let token = runtime.block_on(async {
        let demo = Demo::start().await;
        let token = demo.generate_token(&[]).await;
        let token = token["token"].as_str().unwrap().to_string();
        demo.community_self(&token).await;
        demo.post(
            &demo.sharing("oauth2/token"),
            &[
                ("client_id", "tokendesk-demo-app"),
                ("client_secret", "demo-app-secret"),
                ("grant_type", "client_credentials"),
            ],
        )
        .await;
        token
    });
    let log = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    assert!(
        log.contains("/portal/sharing/rest/generateToken") && log.contains("\"password\""),
        "{log}"
    );
    for secret in ["tokendesk-demo", "demo-app-secret", token.as_str()] {
        assert!(!log.contains(secret), "the log shows a secret value");
    }
}

#[tokio::test]
async fn a_shutdown_handle_stops_the_portal_from_elsewhere() {
    let demo = Demo::start().await;
    let url = demo.sharing("info");
    let ca = demo.portal.ca_pem().to_string();
    let handle = demo.portal.shutdown_handle();
    handle.shutdown();
    // Shutting down again waits for the server task, which the handle already stopped.
    tokio::time::timeout(Duration::from_secs(10), demo.portal.shutdown())
        .await
        .expect("the server task did not end")
        .unwrap();
    assert!(client_for(&ca).get(&url).send().await.is_err());
}
