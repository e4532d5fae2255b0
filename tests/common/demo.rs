//! Helpers for the demo portal's integration tests: start a portal in-process and talk to it
//! over real HTTPS with plain reqwest, trusting only its generated CA.
#![allow(clippy::unwrap_used, clippy::expect_used)] // not every test file uses every helper

use reqwest::redirect::Policy;
use reqwest::{Certificate, Client, Response};
use serde_json::{Value, json};
use tokendesk_demo_portal::{DemoConfig, DemoPortal, FaultRule, RunningDemoPortal};

/// PKCE test vector (protocol reference, Essentials 13–14).
pub const VERIFIER: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
pub const CHALLENGE: &str = "DwBzhbb51LfusnSGBa_hqYSgo7-j8BTQnip4TOnlzRo";
pub const OOB: &str = "urn:ietf:wg:oauth:2.0:oob";
pub const APP: &str = "tokendesk-demo";
pub const LOOPBACK: &str = "http://127.0.0.1:48213/callback";

/// A running portal plus an HTTPS client that trusts its CA and does not follow redirects.
pub struct Demo {
    pub portal: RunningDemoPortal,
    pub client: Client,
}

/// A client trusting only `ca_pem`, not following redirects.
pub fn client_for(ca_pem: &str) -> Client {
    let ca = Certificate::from_pem(ca_pem.as_bytes()).unwrap();
    Client::builder()
        .tls_certs_only([ca])
        .redirect(Policy::none())
        .build()
        .unwrap()
}

impl Demo {
    pub async fn start() -> Self {
        Self::with(DemoConfig::default()).await
    }

    pub async fn with(config: DemoConfig) -> Self {
        let portal = DemoPortal::start(config).await.unwrap();
        let client = client_for(portal.ca_pem());
        Self { portal, client }
    }

    /// `…/portal/sharing/rest/<path>`
    pub fn sharing(&self, path: &str) -> String {
        format!("{}/{path}", self.portal.portal_url())
    }

    /// `https://127.0.0.1:PORT<path>`
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.portal.urls().origin)
    }

    pub async fn post_raw(&self, url: &str, form: &[(&str, &str)]) -> Response {
        self.client.post(url).form(form).send().await.unwrap()
    }

    /// POSTs a form and parses the JSON answer (asserting HTTP 200).
    pub async fn post(&self, url: &str, form: &[(&str, &str)]) -> Value {
        let response = self.post_raw(url, form).await;
        assert_eq!(response.status(), 200, "POST {url}");
        response.json().await.unwrap()
    }

    /// GETs with query parameters and parses the JSON answer (asserting HTTP 200).
    pub async fn get(&self, url: &str, query: &[(&str, &str)]) -> Value {
        let response = self.client.get(url).query(query).send().await.unwrap();
        assert_eq!(response.status(), 200, "GET {url}");
        response.json().await.unwrap()
    }

    /// Moves the portal's clock forward through the admin endpoint.
    pub async fn advance(&self, seconds: i64) {
        let response = self
            .client
            .post(format!("{}/clock/advance", self.portal.admin_url()))
            .json(&json!({ "seconds": seconds }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }

    pub async fn add_fault(&self, rule: Value) {
        let response = self
            .client
            .post(format!("{}/faults", self.portal.admin_url()))
            .json(&rule)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    }

    pub async fn add_faults(&self, rules: &[FaultRule]) {
        self.add_fault(serde_json::to_value(rules).unwrap()).await;
    }

    /// GET `oauth2/authorize`: returns (HTTP status, page HTML).
    pub async fn authorize(&self, query: &[(&str, &str)]) -> (u16, String) {
        let response = self
            .client
            .get(self.sharing("oauth2/authorize"))
            .query(query)
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }

    /// POST `oauth2/signin` with the page's `oauth_state`: returns the raw response.
    pub async fn signin(&self, oauth_state: &str, fields: &[(&str, &str)]) -> Response {
        let mut form = vec![("oauth_state", oauth_state)];
        form.extend_from_slice(fields);
        self.post_raw(&self.sharing("oauth2/signin"), &form).await
    }

    /// Full browser-like sign-in: authorize → sign-in page → form post. Returns the
    /// redirect `Location` (or, for the out-of-band URI, the approval page HTML).
    pub async fn sign_in(&self, query: &[(&str, &str)], user: &str, password: &str) -> String {
        let (status, page) = self.authorize(query).await;
        assert_eq!(status, 200, "{page}");
        let state = oauth_state(&page);
        let response = self
            .signin(
                &state,
                &[
                    ("username", user),
                    ("password", password),
                    ("authorize", "true"),
                ],
            )
            .await;
        if response.status() == 302 {
            location(&response)
        } else {
            response.text().await.unwrap()
        }
    }

    /// A PKCE (S256) sign-in of `analyst` with a loopback redirect; returns the code.
    pub async fn pkce_code(&self, extra: &[(&str, &str)]) -> String {
        let mut query = vec![
            ("client_id", APP),
            ("response_type", "code"),
            ("redirect_uri", LOOPBACK),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ];
        query.extend_from_slice(extra);
        let location = self.sign_in(&query, "analyst", "tokendesk-demo").await;
        query_param(&location, "code").unwrap()
    }

    /// PKCE sign-in and code exchange; returns the token response.
    pub async fn pkce_tokens(&self, extra: &[(&str, &str)]) -> Value {
        let code = self.pkce_code(extra).await;
        self.post(
            &self.sharing("oauth2/token"),
            &[
                ("client_id", APP),
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", LOOPBACK),
                ("code_verifier", VERIFIER),
                ("f", "json"),
            ],
        )
        .await
    }

    /// `community/self` with a token (as the `token` parameter).
    pub async fn community_self(&self, token: &str) -> Value {
        self.get(
            &self.sharing("community/self"),
            &[("f", "json"), ("token", token)],
        )
        .await
    }

    /// Portal `generateToken` for analyst.
    pub async fn generate_token(&self, extra: &[(&str, &str)]) -> Value {
        let mut form = vec![
            ("username", "analyst"),
            ("password", "tokendesk-demo"),
            ("f", "json"),
        ];
        form.extend_from_slice(extra);
        self.post(&self.sharing("generateToken"), &form).await
    }
}

/// The `oauth_state` inside `var oAuthInfo = {…};`, found the way the Python API does.
pub fn oauth_state(page: &str) -> String {
    let start = page.find("var oAuthInfo = ").expect("no oAuthInfo") + "var oAuthInfo = ".len();
    let end = start + page[start..].find("};").expect("no end of oAuthInfo") + 1;
    let info: Value = serde_json::from_str(&page[start..end]).unwrap();
    info["oauth_state"].as_str().unwrap().to_string()
}

pub fn location(response: &Response) -> String {
    response
        .headers()
        .get("location")
        .expect("no Location header")
        .to_str()
        .unwrap()
        .to_string()
}

/// A parameter from a URL's query string.
pub fn query_param(url: &str, name: &str) -> Option<String> {
    let parsed = url::Url::parse(url).unwrap();
    parsed
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// A parameter from a URL's fragment.
pub fn fragment_param(url: &str, name: &str) -> Option<String> {
    let parsed = url::Url::parse(url).unwrap();
    url::form_urlencoded::parse(parsed.fragment()?.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// The `error.code` of an error envelope.
pub fn error_code(body: &Value) -> Option<i64> {
    body["error"]["code"].as_i64()
}

/// A response body from `tests/fixtures/arcgis/`.
pub fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/arcgis/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}
