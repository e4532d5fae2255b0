//! The sign-in flows' own rules, without a portal: what happens before the browser answers
//! (port taken, no paste, timeout, cancellation).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokendesk::arcgis::time::Expiration;
use tokendesk::arcgis::{ArcGisClient, ClientOptions, PortalUrl};
use tokendesk::auth::{
    Browser, LoopbackRedirect, ManualBrowser, Progress, SignInError, SignInOptions, oob, pkce,
};
use tokendesk::secret::Secret;
use tokio::sync::mpsc;
use url::Url;

/// Remembers what it was asked to open and shows nothing.
#[derive(Default)]
struct RecordingBrowser {
    opened: Mutex<Vec<Url>>,
}

impl Browser for RecordingBrowser {
    fn open(&self, url: &Url) -> io::Result<()> {
        self.opened.lock().unwrap().push(url.clone());
        Ok(())
    }
}

/// Blocks in `open` until released (30 s at most), like a launcher that hangs.
struct HangingBrowser {
    release: Mutex<std::sync::mpsc::Receiver<()>>,
}

impl Browser for HangingBrowser {
    fn open(&self, _url: &Url) -> io::Result<()> {
        let _ = self
            .release
            .lock()
            .unwrap()
            .recv_timeout(Duration::from_secs(30));
        Ok(())
    }
}

fn options(browser: Arc<RecordingBrowser>) -> (SignInOptions, mpsc::UnboundedReceiver<Progress>) {
    // Nothing here reaches the portal: every test ends before a code could be exchanged.
    let client = ArcGisClient::new(&ClientOptions::default()).unwrap();
    let portal = PortalUrl::parse("https://portal.invalid/portal").unwrap();
    let mut options = SignInOptions::new(client, portal, "app-id", Expiration::Minutes(20160));
    options.browser = browser;
    let (progress, steps) = mpsc::unbounded_channel();
    options.progress = Arc::new(progress);
    (options, steps)
}

#[tokio::test]
async fn a_taken_fixed_port_fails_the_sign_in_before_any_browser_opens() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let browser = Arc::new(RecordingBrowser::default());
    let (options, _steps) = options(Arc::clone(&browser));

    let result = pkce::sign_in(&options, &LoopbackRedirect::fixed(port, "/cb")).await;

    assert!(
        matches!(result, Err(SignInError::PortInUse { port: p }) if p == port),
        "{result:?}"
    );
    assert!(browser.opened.lock().unwrap().is_empty());
}

#[tokio::test(start_paused = true)]
async fn an_out_of_band_sign_in_without_a_paste_times_out_after_the_configured_time() {
    let browser = Arc::new(RecordingBrowser::default());
    let (mut options, mut steps) = options(Arc::clone(&browser));
    options.timeout = Duration::from_secs(120);
    let (_paste, pasted) = mpsc::channel::<Secret<String>>(1);
    let started = tokio::time::Instant::now();

    let result = oob::sign_in(&options, pasted).await;

    assert_eq!(started.elapsed(), Duration::from_secs(120));
    match result {
        Err(err @ SignInError::TimedOut { .. }) => {
            assert!(err.to_string().contains("within 2 minutes"), "{err}");
        }
        other => panic!("expected TimedOut, got {other:?}"),
    }
    let opened = browser.opened.lock().unwrap().clone();
    assert_eq!(opened.len(), 1);
    assert_eq!(
        steps.recv().await,
        Some(Progress::WaitingForPastedCode {
            authorize_url: opened[0].clone()
        })
    );
}

#[tokio::test]
async fn cancelling_an_out_of_band_sign_in_ends_it_at_once() {
    let (options, _steps) = options(Arc::new(RecordingBrowser::default()));
    let (_paste, pasted) = mpsc::channel::<Secret<String>>(1);
    let cancel = options.cancel.clone();
    let flow = tokio::spawn(async move { oob::sign_in(&options, pasted).await });

    cancel.cancel();

    let result = tokio::time::timeout(Duration::from_secs(10), flow)
        .await
        .expect("cancellation must end the sign-in promptly")
        .unwrap();
    assert!(matches!(result, Err(SignInError::Cancelled)), "{result:?}");
}

#[tokio::test]
async fn cancelling_a_pkce_sign_in_while_it_waits_for_the_browser_ends_it_and_frees_the_port() {
    let (options, mut steps) = options(Arc::new(RecordingBrowser::default()));
    let cancel = options.cancel.clone();
    let flow =
        tokio::spawn(
            async move { pkce::sign_in(&options, &LoopbackRedirect::any_port("/")).await },
        );
    let Some(Progress::WaitingForBrowser { listening_on, .. }) = steps.recv().await else {
        panic!("the flow must report that it waits for the browser");
    };

    cancel.cancel();

    let result = tokio::time::timeout(Duration::from_secs(10), flow)
        .await
        .expect("cancellation must end the sign-in promptly")
        .unwrap();
    assert!(matches!(result, Err(SignInError::Cancelled)), "{result:?}");
    assert!(
        std::net::TcpStream::connect(listening_on).is_err(),
        "the listener must be gone"
    );
}

#[tokio::test]
async fn an_already_cancelled_sign_in_opens_no_browser_and_binds_no_port() {
    let browser = Arc::new(RecordingBrowser::default());
    let (options, _steps) = options(Arc::clone(&browser));
    options.cancel.cancel();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();

    // A taken port would fail the bind: Cancelled shows nothing was tried.
    let result = pkce::sign_in(&options, &LoopbackRedirect::fixed(port, "/")).await;
    assert!(matches!(result, Err(SignInError::Cancelled)), "{result:?}");
    let (_paste, pasted) = mpsc::channel::<Secret<String>>(1);
    let result = oob::sign_in(&options, pasted).await;
    assert!(matches!(result, Err(SignInError::Cancelled)), "{result:?}");
    assert!(browser.opened.lock().unwrap().is_empty());
}

#[tokio::test]
async fn with_the_manual_browser_the_address_is_reported_for_the_user_to_open() {
    let (mut options, mut steps) = options(Arc::new(RecordingBrowser::default()));
    options.browser = Arc::new(ManualBrowser);
    let cancel = options.cancel.clone();
    let flow =
        tokio::spawn(
            async move { pkce::sign_in(&options, &LoopbackRedirect::any_port("/")).await },
        );

    let first = steps.recv().await;
    let Some(Progress::WaitingForBrowser { authorize_url, .. }) = first else {
        panic!("expected the address first, got {first:?}");
    };
    assert!(
        authorize_url.path().ends_with("/oauth2/authorize"),
        "{authorize_url}"
    );
    cancel.cancel();
    let result = flow.await.unwrap();
    assert!(matches!(result, Err(SignInError::Cancelled)), "{result:?}");
}

#[tokio::test]
async fn a_browser_launcher_that_hangs_is_reported_and_the_sign_in_still_ends_on_time() {
    let (release, parked) = std::sync::mpsc::channel();
    let (mut options, mut steps) = options(Arc::new(RecordingBrowser::default()));
    options.browser = Arc::new(HangingBrowser {
        release: Mutex::new(parked),
    });
    options.timeout = Duration::from_millis(300);
    let (_paste, pasted) = mpsc::channel::<Secret<String>>(1);

    let result = tokio::time::timeout(Duration::from_secs(10), oob::sign_in(&options, pasted))
        .await
        .expect("a hanging browser launcher must not hold the sign-in");
    release.send(()).unwrap();

    assert!(
        matches!(result, Err(SignInError::TimedOut { .. })),
        "{result:?}"
    );
    match steps.recv().await {
        Some(Progress::BrowserDidNotOpen { reason, .. }) => {
            assert!(reason.contains("did not return within 0.3 s"), "{reason}");
        }
        other => panic!("expected BrowserDidNotOpen first, got {other:?}"),
    }
}
