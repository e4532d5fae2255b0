//! Demo portal REST: generateToken (user and federated-server tokens), identity endpoints,
//! the two servers, token transports and bindings.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::demo::*;
use serde_json::{Value, json};

fn s(value: &Value) -> &str {
    value.as_str().unwrap()
}

fn service(demo: &Demo, root: &str) -> String {
    demo.url(&format!("{root}/rest/services/Demo/MapServer"))
}

async fn get_with_token(demo: &Demo, url: &str, token: &str) -> Value {
    demo.get(url, &[("f", "json"), ("token", token)]).await
}

#[tokio::test]
async fn generate_token_answers_token_expires_in_ms_and_ssl_and_clamps_expiration() {
    let demo = Demo::start().await;
    let before = chrono::Utc::now().timestamp_millis();
    let body = demo.generate_token(&[("expiration", "9999999")]).await;
    let keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["expires", "ssl", "token"], "{body}");
    let expires = body["expires"].as_i64().unwrap();
    let max = 20160 * 60 * 1000;
    assert!(
        expires > before + max - 60_000 && expires <= before + max + 60_000,
        "{body}"
    );
    assert_eq!(
        demo.community_self(s(&body["token"])).await["username"],
        "analyst"
    );
}

#[tokio::test]
async fn generate_token_compares_the_user_name_case_sensitively() {
    let demo = Demo::start().await;
    let body = demo
        .post(
            &demo.sharing("generateToken"),
            &[
                ("username", "Analyst"),
                ("password", "tokendesk-demo"),
                ("f", "json"),
            ],
        )
        .await;
    assert_eq!(body, fixture("F10-generate-token-bad-credentials.json"));
}

#[tokio::test]
async fn generate_token_lists_missing_parameters_and_refuses_get() {
    let demo = Demo::start().await;
    let body = demo
        .post(&demo.sharing("generateToken"), &[("f", "json")])
        .await;
    assert_eq!(body, fixture("F11-generate-token-missing-params.json"));
    let get = demo
        .get(
            &demo.sharing("generateToken"),
            &[
                ("username", "analyst"),
                ("password", "tokendesk-demo"),
                ("f", "json"),
            ],
        )
        .await;
    assert!(
        get.get("token").is_none() && get["error"].is_object(),
        "{get}"
    );
}

#[tokio::test]
async fn a_referer_bound_token_needs_exactly_that_referer_header() {
    let demo = Demo::start().await;
    let referer = "@esri/arcgis-rest-js";
    let body = demo
        .generate_token(&[("client", "referer"), ("referer", referer)])
        .await;
    let token = s(&body["token"]);
    let url = demo.sharing("community/self");
    let with = |r: Option<&'static str>| {
        let mut request = demo
            .client
            .get(&url)
            .query(&[("f", "json"), ("token", token)]);
        if let Some(r) = r {
            request = request.header("referer", r);
        }
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    assert_eq!(with(Some(referer)).await["username"], "analyst");
    assert_eq!(
        with(Some("http")).await,
        fixture("F13-invalid-token-portal.json")
    );
    assert_eq!(with(None).await, fixture("F13-invalid-token-portal.json"));
}

#[tokio::test]
async fn ip_bound_tokens_work_only_from_that_address() {
    let demo = Demo::start().await;
    let own = demo.generate_token(&[("client", "requestip")]).await;
    assert_eq!(
        demo.community_self(s(&own["token"])).await["username"],
        "analyst"
    );
    let other = demo
        .generate_token(&[("client", "ip"), ("ip", "10.1.2.3")])
        .await;
    assert_eq!(
        error_code(&demo.community_self(s(&other["token"])).await),
        Some(498)
    );
    let missing = demo.generate_token(&[("client", "referer")]).await;
    assert_eq!(error_code(&missing), Some(400), "{missing}");
}

#[tokio::test]
async fn generate_token_tokens_expire_with_the_portal_clock() {
    let demo = Demo::start().await;
    let body = demo.generate_token(&[("expiration", "5")]).await;
    demo.advance(299).await;
    assert_eq!(
        demo.community_self(s(&body["token"])).await["username"],
        "analyst"
    );
    demo.advance(2).await;
    assert_eq!(
        error_code(&demo.community_self(s(&body["token"])).await),
        Some(498)
    );
}

#[tokio::test]
async fn a_federated_server_token_is_issued_for_any_spelling_of_the_server_url_and_works_only_there()
 {
    let demo = Demo::start().await;
    let portal_token = demo.generate_token(&[]).await;
    let portal_token = s(&portal_token["token"]);
    let origin = demo.portal.urls().origin.clone();
    let root = demo.portal.urls().federated_root.clone();
    let resource = format!("{root}/rest/services/Demo/MapServer");
    for (name, value) in [
        ("serverUrl", root.as_str()),
        ("serverURL", origin.as_str()),
        ("serverurl", resource.as_str()),
    ] {
        let body = demo
            .post(
                &demo.sharing("generateToken"),
                &[("token", portal_token), (name, value), ("f", "json")],
            )
            .await;
        let token = s(&body["token"]);
        assert!(body["expires"].is_i64(), "{body}");
        let ok = get_with_token(&demo, &service(&demo, "/server"), token).await;
        assert_eq!(ok["mapName"], "Demo", "{name}={value}: {ok}");
        let elsewhere = get_with_token(&demo, &service(&demo, "/gis"), token).await;
        assert_eq!(elsewhere["error"]["message"], "Invalid Token");
        assert_eq!(error_code(&demo.community_self(token).await), Some(498));
    }
    let standalone = demo
        .post(
            &demo.sharing("generateToken"),
            &[
                ("token", portal_token),
                ("serverUrl", &demo.portal.urls().standalone_root),
                ("f", "json"),
            ],
        )
        .await;
    assert_eq!(error_code(&standalone), Some(400), "{standalone}");
}

#[tokio::test]
async fn a_server_url_without_a_portal_token_gets_the_arcgis_error() {
    let demo = Demo::start().await;
    let body = demo
        .post(
            &demo.sharing("generateToken"),
            &[
                ("serverUrl", &demo.portal.urls().federated_root),
                ("f", "json"),
            ],
        )
        .await;
    assert_eq!(
        body,
        fixture("F12-generate-token-serverurl-without-token.json")
    );
}

#[tokio::test]
async fn info_and_the_root_describe_the_portal_and_its_token_service() {
    let demo = Demo::start().await;
    let urls = demo.portal.urls().clone();
    let info = demo.get(&demo.sharing("info"), &[("f", "json")]).await;
    assert_eq!(
        info,
        json!({
            "owningSystemUrl": urls.portal_root,
            "authInfo": {
                "tokenServicesUrl": format!("{}/generateToken", urls.sharing_rest),
                "isTokenBasedSecurity": true,
            },
        })
    );
    let root = demo
        .get(&format!("{}/", urls.sharing_rest), &[("f", "json")])
        .await;
    assert_eq!(root, json!({"currentVersion": "11.3"}));
}

#[tokio::test]
async fn portals_self_has_the_organisation_fields_and_the_user_for_user_tokens() {
    let demo = Demo::start().await;
    let anonymous = demo
        .get(&demo.sharing("portals/self"), &[("f", "json")])
        .await;
    for key in [
        "isPortal",
        "urlKey",
        "customBaseUrl",
        "currentVersion",
        "allSSL",
        "supportsOAuth",
        "maxTokenExpirationMinutes",
        "authorizedCrossOriginDomains",
        "helperServices",
        "portalName",
    ] {
        assert!(anonymous.get(key).is_some(), "portals/self lacks {key}");
    }
    assert_eq!(anonymous["isPortal"], true);
    assert_eq!(anonymous["portalName"], "ArcGIS Enterprise");
    // A number on Enterprise, as real portals give it.
    assert_eq!(anonymous["currentVersion"], json!(11.3));
    assert!(anonymous.get("user").is_none() && anonymous.get("appInfo").is_none());
    let token = demo.generate_token(&[]).await;
    let signed_in = get_with_token(&demo, &demo.sharing("portals/self"), s(&token["token"])).await;
    assert_eq!(signed_in["user"]["username"], "analyst");
    let bad = get_with_token(&demo, &demo.sharing("portals/self"), "nonsense").await;
    assert_eq!(bad, fixture("F13-invalid-token-portal.json"));
}

#[tokio::test]
async fn community_self_needs_a_token_and_community_users_lists_privileges() {
    let demo = Demo::start().await;
    let none = demo
        .get(&demo.sharing("community/self"), &[("f", "json")])
        .await;
    assert_eq!(none, fixture("F14a-token-required-portal.json"));
    let admin = demo
        .post(
            &demo.sharing("generateToken"),
            &[
                ("username", "portaladmin"),
                ("password", "tokendesk-admin"),
                ("f", "json"),
            ],
        )
        .await;
    let user = get_with_token(
        &demo,
        &demo.sharing("community/users/analyst"),
        s(&admin["token"]),
    )
    .await;
    assert_eq!(user["username"], "analyst");
    assert_eq!(user["role"], "org_publisher");
    assert!(user["privileges"].as_array().is_some_and(|p| !p.is_empty()));
    let me = demo.community_self(s(&admin["token"])).await;
    assert_eq!(me["role"], "org_admin");
    assert!(
        me["privileges"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| s(p).contains(":admin:"))
    );
    let unknown = demo
        .get(&demo.sharing("community/users/nobody"), &[("f", "json")])
        .await;
    assert_eq!(error_code(&unknown), Some(400));
}

#[tokio::test]
async fn the_sample_item_needs_a_user_token() {
    let demo = Demo::start().await;
    let item = demo.sharing("content/items/7d0c0ffee0de4d3e8a5e0000000000d1");
    assert_eq!(
        demo.get(&item, &[("f", "json")]).await,
        fixture("F14a-token-required-portal.json")
    );
    let user = demo.generate_token(&[]).await;
    assert_eq!(
        get_with_token(&demo, &item, s(&user["token"])).await["owner"],
        "analyst"
    );
    let app = demo
        .post(
            &demo.sharing("oauth2/token"),
            &[
                ("client_id", "tokendesk-demo-app"),
                ("client_secret", "demo-app-secret"),
                ("grant_type", "client_credentials"),
            ],
        )
        .await;
    assert_eq!(
        get_with_token(&demo, &item, s(&app["access_token"])).await,
        fixture("F15-permission-denied.json")
    );
}

#[tokio::test]
async fn tokens_are_accepted_as_parameter_form_field_and_both_bearer_headers() {
    let demo = Demo::start().await;
    let token = demo.generate_token(&[]).await;
    let token = s(&token["token"]);
    let url = demo.sharing("community/self");
    let query = demo.community_self(token).await;
    let form = demo.post(&url, &[("f", "json"), ("token", token)]).await;
    let mut headers = Vec::new();
    for header in ["Authorization", "X-Esri-Authorization"] {
        let response = demo
            .client
            .get(&url)
            .query(&[("f", "json")])
            .header(header, format!("Bearer {token}"))
            .header("referer", "http")
            .send()
            .await
            .unwrap();
        headers.push(response.json::<Value>().await.unwrap());
    }
    for body in [&query, &form, &headers[0], &headers[1]] {
        assert_eq!(body["username"], "analyst", "{body}");
    }
}

#[tokio::test]
async fn server_info_advertises_the_right_token_services() {
    let demo = Demo::start().await;
    let urls = demo.portal.urls().clone();
    let federated = demo
        .get(&demo.url("/server/rest/info"), &[("f", "json")])
        .await;
    assert_eq!(federated["owningSystemUrl"], json!(urls.portal_root));
    assert_eq!(
        federated["authInfo"]["tokenServicesUrl"],
        json!(format!("{}/generateToken", urls.sharing_rest))
    );
    let standalone = demo
        .get(&demo.url("/gis/rest/info"), &[("f", "json")])
        .await;
    assert!(standalone.get("owningSystemUrl").is_none());
    assert_eq!(
        standalone["authInfo"]["tokenServicesUrl"],
        json!(format!("{}/tokens/", urls.standalone_root)),
        "the bare …/tokens/ that real stand-alone servers advertise"
    );
    assert_eq!(standalone["authInfo"]["isTokenBasedSecurity"], true);
    assert!(standalone["currentVersion"].is_number() && standalone["secureSoapUrl"].is_null());
}

#[tokio::test]
async fn secured_services_answer_499_without_a_token_and_498_with_a_bad_one() {
    let demo = Demo::start().await;
    for root in ["/server", "/gis"] {
        let none = demo.get(&service(&demo, root), &[("f", "json")]).await;
        assert_eq!(none, fixture("F14b-token-required-server.json"));
        let bad = get_with_token(&demo, &service(&demo, root), "nonsense").await;
        assert_eq!(
            bad,
            json!({"error": {"code": 498, "message": "Invalid Token", "details": []}})
        );
    }
}

#[tokio::test]
async fn the_standalone_server_issues_its_own_tokens_by_post_only() {
    let demo = Demo::start().await;
    let url = demo.url("/gis/tokens/generateToken");
    let creds = [
        ("username", "analyst"),
        ("password", "tokendesk-demo"),
        ("f", "json"),
    ];
    let body = demo.post(&url, &creds).await;
    let token = s(&body["token"]);
    assert!(body["expires"].is_i64());
    assert_eq!(
        get_with_token(&demo, &service(&demo, "/gis"), token).await["mapName"],
        "Demo"
    );
    let on_federated = get_with_token(&demo, &service(&demo, "/server"), token).await;
    assert_eq!(error_code(&on_federated), Some(498));
    assert_eq!(error_code(&demo.community_self(token).await), Some(498));

    let get = demo.get(&url, &creds).await;
    assert!(get.get("token").is_none(), "GET must be refused: {get}");
    let in_query = demo
        .client
        .post(&url)
        .query(&creds)
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert!(
        in_query.get("token").is_none(),
        "credentials in the query: {in_query}"
    );
    let bad = demo
        .post(
            &url,
            &[("username", "analyst"), ("password", "x"), ("f", "json")],
        )
        .await;
    assert_eq!(bad, fixture("F10-generate-token-bad-credentials.json"));
    let bare = demo.post(&demo.url("/gis/tokens/"), &creds).await;
    assert!(bare["token"].is_string());
}

#[tokio::test]
async fn portal_tokens_work_on_the_federated_server_but_not_on_the_standalone_one() {
    let demo = Demo::start().await;
    let token = demo.generate_token(&[]).await;
    let token = s(&token["token"]);
    assert_eq!(
        get_with_token(&demo, &service(&demo, "/server"), token).await["mapName"],
        "Demo"
    );
    let standalone = get_with_token(&demo, &service(&demo, "/gis"), token).await;
    assert_eq!(standalone["error"]["message"], "Invalid Token");
}

#[tokio::test]
async fn the_admin_token_endpoint_is_for_administrators_and_answers_expires_as_a_string() {
    let demo = Demo::start().await;
    let url = demo.url("/gis/admin/generateToken");
    let body = demo
        .post(
            &url,
            &[
                ("username", "portaladmin"),
                ("password", "tokendesk-admin"),
                ("client", "requestip"),
                ("f", "json"),
            ],
        )
        .await;
    let expires: i64 = s(&body["expires"]).parse().unwrap();
    assert!(expires > chrono::Utc::now().timestamp_millis());
    assert_eq!(
        get_with_token(&demo, &service(&demo, "/gis"), s(&body["token"])).await["mapName"],
        "Demo"
    );
    let analyst = demo
        .post(
            &url,
            &[
                ("username", "analyst"),
                ("password", "tokendesk-demo"),
                ("f", "json"),
            ],
        )
        .await;
    assert_eq!(analyst["status"], "error");
    assert!(analyst["messages"].is_array() && analyst["code"].is_number());
}

#[tokio::test]
async fn a_python_style_implicit_sign_in_with_the_portal_origin_as_redirect_works() {
    let demo = Demo::start().await;
    let origin = demo.portal.urls().origin.clone();
    let query = [
        ("response_type", "token"),
        ("client_id", "pythonapi"),
        ("redirect_uri", origin.as_str()),
        ("state", "abcdefghijklmnopqrstuvwxyz0123"),
        ("expiration", "600"),
        ("allow_verification", "false"),
        ("style", "dark"),
        ("locale", "en-US"),
    ];
    let (_, abandoned) = demo.authorize(&query).await;
    let (status, page) = demo.authorize(&query).await;
    assert_eq!(status, 200);
    assert!(!page.contains("Invalid redirect_uri"));
    // The Python API takes the first line holding `{`, greedy to its last `}`.
    let line = page.lines().find(|l| l.contains('{')).unwrap();
    let json_text = &line[line.find('{').unwrap()..=line.rfind('}').unwrap()];
    let info: Value = serde_json::from_str(json_text).unwrap();
    assert_ne!(oauth_state(&abandoned), s(&info["oauth_state"]));
    let response = demo
        .post_raw(
            &demo.url("/portal/sharing/oauth2/signin"),
            &[
                ("expiration", "600"),
                ("oauth_state", s(&info["oauth_state"])),
                ("username", "analyst"),
                ("password", "tokendesk-demo"),
            ],
        )
        .await;
    assert_eq!(response.status(), 302);
    let location = location(&response);
    assert!(
        location.starts_with(&format!("{origin}#access_token=")),
        "{location}"
    );
    assert_eq!(
        fragment_param(&location, "state").as_deref(),
        Some("abcdefghijklmnopqrstuvwxyz0123")
    );
    let token = fragment_param(&location, "access_token").unwrap();
    let me = demo
        .client
        .get(demo.sharing("community/users/analyst"))
        .query(&[("f", "json")])
        .header("X-Esri-Authorization", format!("Bearer {token}"))
        .header("Referer", "http")
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert!(
        me["privileges"].is_array() && me.get("roleId").is_none(),
        "{me}"
    );
}

#[tokio::test]
async fn a_python_style_out_of_band_code_sign_in_carries_oauth_info_on_the_success_page() {
    let demo = Demo::start().await;
    let page = demo
        .sign_in(
            &[
                ("response_type", "code"),
                ("client_id", "pythonapi"),
                ("redirect_uri", OOB),
                ("expiration", "20160"),
            ],
            "analyst",
            "tokendesk-demo",
        )
        .await;
    let start = page.find("var oAuthInfo = {").unwrap();
    assert!(!page[start..].lines().next().unwrap().contains("messages"));
    let code_start = page.find("<title>SUCCESS code=").unwrap() + 20;
    let code = &page[code_start..code_start + page[code_start..].find("</title>").unwrap()];
    let tokens = demo
        .post(
            &demo.sharing("oauth2/token"),
            &[
                ("grant_type", "authorization_code"),
                ("client_id", "pythonapi"),
                ("code", code),
                ("redirect_uri", OOB),
                ("expiration", "20160"),
            ],
        )
        .await;
    assert_eq!(tokens["expires_in"], 1800, "{tokens}");
    assert!(tokens["refresh_token"].is_string());
}

#[tokio::test]
async fn the_sharing_root_checks_a_token_when_one_is_given() {
    let demo = Demo::start().await;
    let root = demo.portal.portal_url().to_string();
    let good = demo.generate_token(&[]).await;
    let ok = get_with_token(&demo, &root, s(&good["token"])).await;
    assert_eq!(ok["currentVersion"], "11.3");
    let bad = get_with_token(&demo, &root, "nonsense").await;
    assert_eq!(bad, fixture("F13-invalid-token-portal.json"));
}

#[tokio::test]
async fn an_online_like_seed_changes_only_the_organisation_data() {
    let mut config = tokendesk_demo_portal::DemoConfig::default();
    config.org.is_portal = false;
    config.org.current_version = "2025.1".into();
    config.org.custom_base_url = "maps.arcgis.com".into();
    let demo = Demo::with(config).await;
    let me = demo
        .get(&demo.sharing("portals/self"), &[("f", "json")])
        .await;
    assert_eq!(me["isPortal"], false);
    assert_eq!(me["portalName"], "ArcGIS Online");
    assert_eq!(me["portalMode"], "multitenant");
    assert_eq!(me["currentVersion"], "2025.1");
    assert!(demo.generate_token(&[]).await["token"].is_string());
}

#[tokio::test]
async fn arcgis_server_answers_json_as_text_plain_and_the_portal_as_application_json() {
    let demo = Demo::start().await;
    for (path, content_type) in [
        ("/gis/rest/info", "text/plain; charset=utf-8"),
        ("/server/rest/info", "text/plain; charset=utf-8"),
        ("/public/rest/info", "text/plain; charset=utf-8"),
        (
            "/portal/sharing/rest/info",
            "application/json; charset=utf-8",
        ),
    ] {
        let response = demo
            .client
            .get(demo.url(path))
            .query(&[("f", "json")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["content-type"], content_type, "{path}");
        let body: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
        assert!(body.is_object(), "{path}: {body}");
    }
}
