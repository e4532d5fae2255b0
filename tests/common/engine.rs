//! A rig for engine tests: the in-process demo portal, a profile pointing at it (trusting its
//! CA), a temp data dir for the locks, one secret store shared by every engine, and the
//! portal's own clock as the engine's clock (so moving the portal's time moves TokenDesk's).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokendesk::arcgis::info::community_self;
use tokendesk::arcgis::{ArcGisClient, ArcGisError, ClientOptions, PortalUrl};
use tokendesk::auth::{Progress, SignedInUser};
use tokendesk::clock::Clock;
use tokendesk::engine::{Engine, SessionRecord, SignInRequest};
use tokendesk::secret::{AccessToken, Secret};
use tokendesk::store::{
    AsyncSecrets, Paths, Profile, ProfileDraft, ProfileId, SecretKind, SecretStore, SignInMethod,
    SiteKind, TokenLifetime,
};
use tokendesk_demo_portal::{DemoConfig, DemoPortal, RunningDemoPortal};
use tokio_util::sync::CancellationToken;

use crate::common::browser::{Click, PlayingBrowser};

pub const APP: &str = "tokendesk-demo";
pub const USER: &str = "analyst";
pub const PASSWORD: &str = "tokendesk-demo";
pub const TOKEN_PATH: &str = "/portal/sharing/rest/oauth2/token";
/// Bound on every wait.
pub const BOUND: Duration = Duration::from_secs(60);

/// The portal's clock, as TokenDesk's injected clock.
pub struct PortalClock(pub tokendesk_demo_portal::DemoClock);

impl Clock for PortalClock {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.now()
    }
}

pub struct Rig {
    pub portal: RunningDemoPortal,
    _ca: tempfile::NamedTempFile,
    _dir: tempfile::TempDir,
    pub paths: Paths,
    pub store: Arc<dyn SecretStore>,
    pub profile: Profile,
    pub clock: Arc<PortalClock>,
    pub client: ArcGisClient,
    admin: reqwest::Client,
}

impl Rig {
    /// A portal with `config`, a profile asking for refresh tokens of `minutes`, and `store`.
    pub async fn start(config: DemoConfig, minutes: u32, store: Arc<dyn SecretStore>) -> Self {
        let portal = DemoPortal::start(config).await.unwrap();
        let mut ca = tempfile::NamedTempFile::new().unwrap();
        ca.write_all(portal.ca_pem().as_bytes()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::under(dir.path());
        let mut draft = ProfileDraft::new(
            "demo",
            SiteKind::EnterprisePortal,
            &portal.urls().portal_root,
            SignInMethod::BrowserPkce,
        );
        draft.client_id = Some(APP.to_owned());
        draft.ca_file = Some(ca.path().to_owned());
        draft.expiration = TokenLifetime::minutes(minutes).unwrap();
        let profile = draft.validate(ProfileId::generate()).unwrap();
        let client = ArcGisClient::new(&ClientOptions {
            ca_file: Some(ca.path().to_owned()),
            ..ClientOptions::default()
        })
        .unwrap();
        let admin = crate::common::demo::client_for(portal.ca_pem());
        let clock = Arc::new(PortalClock(portal.clock().clone()));
        Self {
            portal,
            _ca: ca,
            _dir: dir,
            paths,
            store,
            profile,
            clock,
            client,
            admin,
        }
    }

    /// A separate engine (as another process would have) over the shared store, lock dir
    /// and clock.
    pub fn engine(&self) -> Engine {
        Engine::new(
            AsyncSecrets::new(Arc::clone(&self.store)),
            &self.paths,
            self.clock.clone(),
        )
    }

    /// Signs in through `engine` with a browser that approves, then resets the counts.
    pub async fn sign_in(&self, engine: &Engine) -> SignedInUser {
        let (browser, _shown) =
            PlayingBrowser::new(self.portal.ca_pem(), USER, PASSWORD, Click::SignIn);
        let request = SignInRequest {
            browser: Arc::new(browser),
            progress: Arc::new(|_: Progress| {}),
            cancel: CancellationToken::new(),
            timeout: BOUND,
            pasted: None,
        };
        let user = tokio::time::timeout(BOUND, engine.sign_in(&self.profile, request))
            .await
            .expect("the sign-in did not finish in time")
            .unwrap();
        self.reset_counts().await;
        user
    }

    /// The stored session record.
    pub fn session(&self) -> Option<SessionRecord> {
        self.store
            .get(self.profile.id(), SecretKind::RefreshToken)
            .unwrap()
            .map(|value| SessionRecord::from_secret(&value).unwrap())
    }

    pub fn portal_url(&self) -> PortalUrl {
        PortalUrl::parse(self.portal.portal_url()).unwrap()
    }

    /// Whether the portal accepts `token` (community/self).
    pub async fn check(&self, token: &AccessToken) -> Result<String, ArcGisError> {
        community_self(&self.client, &self.portal_url(), token, self.clock.now())
            .await
            .map(|user| user.username)
    }

    /// Moves the portal's (and so TokenDesk's) clock.
    pub async fn advance(&self, seconds: i64) {
        self.admin_post("clock/advance", json!({ "seconds": seconds }))
            .await;
    }

    pub async fn add_fault(&self, rule: Value) {
        self.admin_post("faults", rule).await;
    }

    async fn admin_post(&self, path: &str, body: Value) {
        let response = self
            .admin
            .post(format!("{}/{path}", self.portal.admin_url()))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }

    /// How many requests reached `path` since the last reset.
    pub async fn count(&self, path: &str) -> u64 {
        let counts: Value = self
            .admin
            .get(format!("{}/requests", self.portal.admin_url()))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        counts["counts"][path].as_u64().unwrap_or(0)
    }

    pub async fn token_requests(&self) -> u64 {
        self.count(TOKEN_PATH).await
    }

    pub async fn reset_counts(&self) {
        let response = self
            .admin
            .delete(format!("{}/requests", self.portal.admin_url()))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
}

impl Rig {
    /// The rig's profile turned into a credential profile of `method` (app credentials with
    /// the demo's confidential app, or a password profile for analyst bound to the request
    /// IP), asking for tokens of `minutes`.
    pub fn credential_profile(&self, method: SignInMethod, minutes: u32) -> Profile {
        let mut draft = self.profile.draft();
        draft.sign_in = method;
        draft.redirect_uri = None;
        draft.expiration = TokenLifetime::minutes(minutes).unwrap();
        if method == SignInMethod::AppCredentials {
            draft.client_id = Some("tokendesk-demo-app".to_owned());
        } else {
            draft.client_id = None;
            draft.username = Some(USER.to_owned());
            draft.token_binding = Some(tokendesk::store::TokenBinding::RequestIp);
        }
        draft.validate(ProfileId::generate()).unwrap()
    }
}

/// A bare listener on 127.0.0.1 that only counts connections: the "foreign" address a hostile
/// site advertises, which must never be contacted.
pub struct CountingListener {
    /// Its port.
    pub port: u16,
    connections: Arc<std::sync::atomic::AtomicUsize>,
    accept: tokio::task::JoinHandle<()>,
}

impl CountingListener {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let connections = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = connections.clone();
        let accept = tokio::spawn(async move {
            while let Ok((_stream, _)) = listener.accept().await {
                counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
        });
        Self {
            port,
            connections,
            accept,
        }
    }

    /// Connections so far.
    pub fn connections(&self) -> usize {
        self.connections.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Drop for CountingListener {
    fn drop(&mut self) {
        self.accept.abort();
    }
}
