//! The browser sign-in flows end to end against the in-process demo portal over HTTPS, with
//! a test browser that plays the user (tests/common/browser.rs).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::browser::{Click, NoBrowser, PlayingBrowser, Shown};
use tokendesk::arcgis::info::portal_self;
use tokendesk::arcgis::oauth::{Grant, request_token};
use tokendesk::arcgis::time::Expiration;
use tokendesk::arcgis::{ArcGisClient, ClientOptions, PortalUrl};
use tokendesk::auth::{
    Browser, LoopbackRedirect, Progress, SignIn, SignInError, SignInOptions, oob, pkce,
};
use tokendesk::secret::Secret;
use tokendesk_demo_portal::{AppConfig, DemoConfig, DemoPortal, RunningDemoPortal};
use tokio::sync::mpsc;

const APP: &str = "tokendesk-demo";
const USER: &str = "analyst";
const PASSWORD: &str = "tokendesk-demo";
/// Bound on every wait in these tests.
const BOUND: Duration = Duration::from_secs(60);

struct Portal {
    running: RunningDemoPortal,
    _ca_file: tempfile::NamedTempFile,
    client: ArcGisClient,
    url: PortalUrl,
    progress: Arc<Mutex<Vec<Progress>>>,
}

impl Portal {
    async fn start(config: DemoConfig) -> Self {
        let running = DemoPortal::start(config).await.unwrap();
        let mut ca_file = tempfile::NamedTempFile::new().unwrap();
        ca_file.write_all(running.ca_pem().as_bytes()).unwrap();
        let client = ArcGisClient::new(&ClientOptions {
            ca_file: Some(ca_file.path().to_owned()),
            ..ClientOptions::default()
        })
        .unwrap();
        let url = PortalUrl::parse(running.portal_url()).unwrap();
        Self {
            running,
            _ca_file: ca_file,
            client,
            url,
            progress: Arc::default(),
        }
    }

    async fn default() -> Self {
        Self::start(DemoConfig::default()).await
    }

    /// Sign-in options for the demo app with `browser`; progress is collected.
    fn options(&self, browser: Arc<dyn Browser>) -> SignInOptions {
        let mut options = SignInOptions::new(
            self.client.clone(),
            self.url.clone(),
            APP,
            Expiration::Minutes(120),
        );
        options.browser = browser;
        options.timeout = BOUND;
        let progress = Arc::clone(&self.progress);
        options.progress = Arc::new(move |p: Progress| progress.lock().unwrap().push(p));
        options
    }

    fn browser(
        &self,
        click: Click,
    ) -> (
        PlayingBrowser,
        mpsc::UnboundedReceiver<Result<Shown, String>>,
    ) {
        PlayingBrowser::new(self.running.ca_pem(), USER, PASSWORD, click)
    }

    fn progress(&self) -> Vec<Progress> {
        self.progress.lock().unwrap().clone()
    }
}

async fn within<T>(future: impl Future<Output = T>) -> T {
    tokio::time::timeout(BOUND, future)
        .await
        .expect("the sign-in did not finish in time")
}

async fn next_shown(shown: &mut mpsc::UnboundedReceiver<Result<Shown, String>>) -> Shown {
    within(shown.recv()).await.unwrap().unwrap()
}

/// The tokens work on the portal's protected endpoints, and the refresh token is live.
async fn assert_tokens_work(portal: &Portal, sign_in: &SignIn) {
    let now = chrono::Utc::now();
    let described = portal_self(
        &portal.client,
        &portal.url,
        Some(&sign_in.tokens.access_token),
        now,
    )
    .await
    .unwrap();
    assert_eq!(described.user.unwrap().username, USER);
    let refresh_token = sign_in
        .tokens
        .refresh_token
        .as_ref()
        .expect("a refresh token");
    let refreshed = request_token(
        &portal.client,
        &portal.url,
        APP,
        &Grant::RefreshToken { refresh_token },
        now,
    )
    .await
    .unwrap();
    assert_ne!(
        refreshed.access_token.expose(),
        sign_in.tokens.access_token.expose()
    );
}

fn assert_is_analyst(sign_in: &SignIn) {
    assert_eq!(sign_in.user.username, USER);
    assert_eq!(sign_in.user.full_name.as_deref(), Some("Demo Analyst"));
    assert_eq!(sign_in.user.role.as_deref(), Some("org_publisher"));
    // expiration=120 minutes on the authorize URL sets the refresh token's lifetime.
    let refresh_left = sign_in.tokens.refresh_token_expires_at.unwrap() - chrono::Utc::now();
    assert!(
        (7000..=7200).contains(&refresh_left.num_seconds()),
        "refresh token lifetime {refresh_left}"
    );
}

#[tokio::test]
async fn a_pkce_sign_in_on_any_port_returns_working_tokens_and_the_user() {
    let portal = Portal::default().await;
    let (browser, mut shown) = portal.browser(Click::SignIn);
    let options = portal.options(Arc::new(browser.clone()));

    let sign_in = within(pkce::sign_in(&options, &LoopbackRedirect::any_port("/")))
        .await
        .unwrap();

    assert_is_analyst(&sign_in);
    let page = next_shown(&mut shown).await;
    assert_eq!(page.url.host_str(), Some("127.0.0.1"));
    assert_eq!(page.status, 200);
    assert!(
        page.text
            .contains("You can close this tab and return to TokenDesk."),
        "{page:?}"
    );
    let opened = browser.opened();
    assert_eq!(opened.len(), 1);
    let query: Vec<(String, String)> = opened[0].query_pairs().into_owned().collect();
    let param = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(param("response_type"), Some("code"));
    assert_eq!(param("code_challenge_method"), Some("S256"));
    assert_eq!(param("expiration"), Some("120"));
    let progress = portal.progress();
    let Some(Progress::WaitingForBrowser {
        authorize_url,
        listening_on,
    }) = progress.first()
    else {
        panic!("the first step shows the address: {progress:?}");
    };
    assert_eq!(authorize_url, &opened[0]);
    assert_eq!(
        param("redirect_uri"),
        Some(format!("http://127.0.0.1:{}/", listening_on.port()).as_str())
    );
    assert!(progress.contains(&Progress::ExchangingCode));
    assert!(progress.contains(&Progress::ReadingUser));
    assert_tokens_work(&portal, &sign_in).await;
}

#[tokio::test]
async fn a_pkce_sign_in_on_a_fixed_registered_port_completes() {
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = free.local_addr().unwrap().port();
    drop(free);
    // A portal that knows only this exact redirect URI (no any-port loopback).
    let mut config = DemoConfig::default();
    config.behaviour.loopback_any_port = false;
    let app: &mut AppConfig = config.apps.iter_mut().find(|a| a.client_id == APP).unwrap();
    app.redirect_uris = vec![format!("http://127.0.0.1:{port}/callback")];
    let portal = Portal::start(config).await;
    let (browser, mut shown) = portal.browser(Click::SignIn);
    let options = portal.options(Arc::new(browser));

    let sign_in = within(pkce::sign_in(
        &options,
        &LoopbackRedirect::fixed(port, "/callback"),
    ))
    .await
    .unwrap();

    assert_is_analyst(&sign_in);
    let page = next_shown(&mut shown).await;
    assert_eq!(page.url.port(), Some(port));
    assert_eq!(page.url.path(), "/callback");
    assert_tokens_work(&portal, &sign_in).await;
}

#[tokio::test]
async fn pressing_deny_ends_the_sign_in_cleanly_with_a_clear_message() {
    let portal = Portal::default().await;
    let (browser, mut shown) = portal.browser(Click::Deny);
    let options = portal.options(Arc::new(browser));

    let result = within(pkce::sign_in(&options, &LoopbackRedirect::any_port("/"))).await;

    match result {
        Err(err @ SignInError::Denied { .. }) => {
            let message = err.to_string();
            assert!(message.contains("declined in the browser"), "{message}");
            assert!(
                message.contains("The user has denied your request"),
                "{message}"
            );
        }
        other => panic!("expected Denied, got {other:?}"),
    }
    let page = next_shown(&mut shown).await;
    assert_eq!(page.status, 400);
    assert!(page.text.contains("You declined the sign-in"), "{page:?}");
    assert!(!portal.progress().contains(&Progress::ExchangingCode));
}

#[tokio::test]
async fn a_wrong_password_keeps_the_sign_in_waiting_until_it_is_cancelled() {
    let portal = Portal::default().await;
    let (browser, mut shown) = PlayingBrowser::new(
        portal.running.ca_pem(),
        USER,
        "not-the-password",
        Click::SignIn,
    );
    let options = portal.options(Arc::new(browser));
    let cancel = options.cancel.clone();
    let flow =
        tokio::spawn(
            async move { pkce::sign_in(&options, &LoopbackRedirect::any_port("/")).await },
        );

    // The portal shows its sign-in page again, with the message; the flow keeps waiting.
    let page = next_shown(&mut shown).await;
    assert_eq!(page.title, "Sign In");
    assert_eq!(
        page.alerts,
        vec!["Invalid username or password.".to_owned()]
    );
    assert!(!flow.is_finished());

    cancel.cancel();
    match within(flow).await.unwrap() {
        Err(SignInError::Cancelled) => {}
        other => panic!("expected Cancelled, got {other:?}"),
    }
}

#[tokio::test]
async fn when_no_browser_opens_the_address_is_reported_and_opening_it_by_hand_completes_the_sign_in()
 {
    let portal = Portal::default().await;
    let mut options = portal.options(Arc::new(NoBrowser));
    let (progress, mut steps) = mpsc::unbounded_channel();
    options.progress = Arc::new(progress);
    let flow =
        tokio::spawn(
            async move { pkce::sign_in(&options, &LoopbackRedirect::any_port("/")).await },
        );

    // The person reads the address from the progress report and opens it themselves.
    let address = within(async {
        while let Some(step) = steps.recv().await {
            if let Progress::BrowserDidNotOpen {
                authorize_url,
                reason,
            } = step
            {
                return (authorize_url, reason);
            }
        }
        panic!("the flow ended without reporting that the browser did not open");
    })
    .await;
    assert!(address.1.contains("no display"), "{}", address.1);
    let (by_hand, _) = portal.browser(Click::SignIn);
    let page = within(by_hand.visit(address.0)).await.unwrap();
    assert_eq!(page.status, 200);

    let sign_in = within(flow).await.unwrap().unwrap();
    assert_is_analyst(&sign_in);
}

#[tokio::test]
async fn an_out_of_band_sign_in_takes_the_pasted_title_line_and_returns_working_tokens() {
    let portal = Portal::default().await;
    let (browser, mut shown) = portal.browser(Click::SignIn);
    let options = portal.options(Arc::new(browser.clone()));
    let (paste, pasted) = mpsc::channel(4);
    let flow = tokio::spawn(async move { oob::sign_in(&options, pasted).await });

    let page = next_shown(&mut shown).await;
    assert!(page.title.starts_with("SUCCESS code="), "{page:?}");
    // A first paste that is no code is refused; the flow waits for the next one.
    paste
        .send(Secret::new("I approved it".to_owned()))
        .await
        .unwrap();
    paste
        .send(Secret::new(format!("  {}\n", page.title)))
        .await
        .unwrap();

    let sign_in = within(flow).await.unwrap().unwrap();
    assert_is_analyst(&sign_in);
    let opened = browser.opened();
    assert!(
        opened[0]
            .query_pairs()
            .any(|(k, v)| k == "redirect_uri" && v == "urn:ietf:wg:oauth:2.0:oob"),
        "{opened:?}"
    );
    let refused = portal
        .progress()
        .iter()
        .filter(|p| matches!(p, Progress::AnswerRefused { .. }))
        .count();
    assert_eq!(refused, 1);
    assert_tokens_work(&portal, &sign_in).await;
}

#[tokio::test]
async fn an_out_of_band_sign_in_whose_code_entry_closes_ends_with_no_code_entered() {
    let portal = Portal::default().await;
    let (browser, mut shown) = portal.browser(Click::SignIn);
    let options = portal.options(Arc::new(browser));
    let (paste, pasted) = mpsc::channel::<Secret<String>>(1);
    let flow = tokio::spawn(async move { oob::sign_in(&options, pasted).await });

    next_shown(&mut shown).await;
    drop(paste);
    match within(flow).await.unwrap() {
        Err(err @ SignInError::NoCodeEntered) => {
            assert!(err.to_string().contains("paste the code"), "{err}");
        }
        other => panic!("expected NoCodeEntered, got {other:?}"),
    }
}
