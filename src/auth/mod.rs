//! Signing in: one file per way in, each a flow over [`crate::arcgis`] that ends in a
//! [`SignIn`] (tokens plus the user they belong to) or a [`SignInError`].
//!
//! | file          | purpose                                                                  |
//! |---------------|--------------------------------------------------------------------------|
//! | [`pkce`]      | browser sign-in with PKCE and a loopback redirect (the default)          |
//! | [`oob`]       | the same with `urn:ietf:wg:oauth:2.0:oob`: the user pastes the code      |
//! | [`api_key`]   | API keys: kind and slot, the portal's check, expiry countdown/warnings   |
//! | [`app_credentials`] | `client_credentials`: an app token from client id + secret         |
//! | [`password`]  | user name + password: portal, server and admin `generateToken`           |
//! | [`loopback`]  | the redirect listener on 127.0.0.1 (state check, pages, timeout, cancel) |
//! | [`browser`]   | opening the sign-in page: [`Browser`], [`SystemBrowser`], [`ManualBrowser`] |
//! | `page`        | the small HTML pages the listener answers the browser with               |
//! | `error`       | [`SignInError`]                                                          |
//! | [`federation`]| which token works at a service URL; federated-server token exchange      |
//!
//! The flows take everything from outside as inputs ([`SignInOptions`]): the HTTP client,
//! the browser, the clock, a cancellation token and a [`ProgressSink`] through which the CLI
//! or the desktop app shows what is happening (the address to open by hand, above all).
//! They store nothing: keeping the tokens is the caller's business.

pub mod api_key;
pub mod app_credentials;
pub mod browser;
mod error;
pub mod federation;
pub mod loopback;
pub mod oob;
mod page;
pub mod password;
pub mod pkce;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use url::Url;

pub use browser::{Browser, ManualBrowser, SystemBrowser};
pub use error::SignInError;
pub use loopback::LoopbackRedirect;

use crate::arcgis::info::{PortalUser, community_self};
use crate::arcgis::oauth::{
    AuthorizeRequest, Grant, OAuthTokens, Pkce, RedirectUri, authorize_url, random_state,
    request_token,
};
use crate::arcgis::time::Expiration;
use crate::arcgis::{ArcGisClient, PortalUrl};
use crate::clock::{Clock, SystemClock};
use crate::secret::Secret;

/// How long the flows wait for the browser (or the pasted code) unless told otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// How long the flows wait for the browser launcher ([`Browser::open`]) before they go on
/// without it and report [`Progress::BrowserDidNotOpen`].
pub const BROWSER_OPEN_LIMIT: Duration = Duration::from_secs(10);

/// A finished sign-in: the tokens and the user they belong to.
#[derive(Debug, Clone)]
pub struct SignIn {
    /// Access token, refresh token and their expiry times.
    pub tokens: OAuthTokens,
    /// The signed-in user, as `community/self` describes them with the new access token.
    pub user: SignedInUser,
    /// The redirect URI the code was issued for, exactly as sent (with the listener's port);
    /// the `exchange_refresh_token` grant must send it again.
    pub redirect_uri: RedirectUri,
}

/// The signed-in user (from `community/self`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedInUser {
    /// The user name, verbatim.
    pub username: String,
    /// Display name.
    pub full_name: Option<String>,
    /// `org_admin`, `org_publisher`, `org_user` or a custom role ID.
    pub role: Option<String>,
    /// Organisation ID.
    pub org_id: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
}

impl From<PortalUser> for SignedInUser {
    fn from(user: PortalUser) -> Self {
        Self {
            username: user.username,
            full_name: user.full_name,
            role: user.role,
            org_id: user.org_id,
            email: user.email,
        }
    }
}

/// What a sign-in is doing, for the person watching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// The loopback listener is up and the browser should show the sign-in page; show the
    /// address too, so it can be opened by hand.
    WaitingForBrowser {
        /// The sign-in page.
        authorize_url: Url,
        /// Where the browser's answer is expected (127.0.0.1:PORT).
        listening_on: SocketAddr,
    },
    /// The out-of-band sign-in waits for the code the portal shows after approval.
    WaitingForPastedCode {
        /// The sign-in page.
        authorize_url: Url,
    },
    /// The browser could not be opened; the user has to open the address by hand.
    BrowserDidNotOpen {
        /// The sign-in page.
        authorize_url: Url,
        /// Why (what the launcher said).
        reason: String,
    },
    /// An answer was refused and the flow keeps waiting: a request with a foreign `state`
    /// on the listener, or pasted text without a usable code.
    AnswerRefused {
        /// Why, in words for the user.
        reason: String,
    },
    /// The code arrived and is being exchanged for tokens.
    ExchangingCode,
    /// Tokens arrived; reading the user (`community/self`).
    ReadingUser,
}

/// Where progress goes: a closure, a channel, or anything else that can take it.
pub trait ProgressSink: Send + Sync {
    /// Called for every step; must not block.
    fn report(&self, progress: Progress);
}

impl<F: Fn(Progress) + Send + Sync> ProgressSink for F {
    fn report(&self, progress: Progress) {
        self(progress);
    }
}

impl ProgressSink for mpsc::UnboundedSender<Progress> {
    fn report(&self, progress: Progress) {
        // A receiver that has gone away no longer wants progress.
        let _ = self.send(progress);
    }
}

/// A sign-in whose page is open: what [`pkce`] and [`oob`] keep for the rest of the flow.
struct Started {
    /// The PKCE pair; its verifier goes with the code exchange.
    pkce: Pkce,
    /// The `state` sent in the authorize URL; the answer must carry it back.
    state: String,
    /// The sign-in page.
    authorize_url: Url,
}

/// Everything a browser sign-in needs besides the redirect choice.
#[derive(Clone)]
pub struct SignInOptions {
    /// The protocol client (with the profile's CA file, if any).
    pub client: ArcGisClient,
    /// The portal.
    pub portal: PortalUrl,
    /// The app's client ID.
    pub client_id: String,
    /// The refresh token's lifetime (the profile's `expiration`, minutes).
    pub expiration: Expiration,
    /// How long to wait for the browser's answer (or the pasted code).
    pub timeout: Duration,
    /// Cancels the sign-in at any step.
    pub cancel: CancellationToken,
    /// Shows the sign-in page.
    pub browser: Arc<dyn Browser>,
    /// Hears what is happening.
    pub progress: Arc<dyn ProgressSink>,
    /// Supplies "now" for token lifetimes.
    pub clock: Arc<dyn Clock>,
}

impl SignInOptions {
    /// Options with the defaults: [`DEFAULT_TIMEOUT`], a fresh cancellation token, the
    /// system browser, no progress reporting, the system clock.
    pub fn new(
        client: ArcGisClient,
        portal: PortalUrl,
        client_id: impl Into<String>,
        expiration: Expiration,
    ) -> Self {
        Self {
            client,
            portal,
            client_id: client_id.into(),
            expiration,
            timeout: DEFAULT_TIMEOUT,
            cancel: CancellationToken::new(),
            browser: Arc::new(SystemBrowser),
            progress: Arc::new(|_: Progress| {}),
            clock: Arc::new(SystemClock),
        }
    }

    /// [`SignInError::Cancelled`] when the sign-in was cancelled before it started.
    fn not_cancelled(&self) -> Result<(), SignInError> {
        if self.cancel.is_cancelled() {
            return Err(SignInError::Cancelled);
        }
        Ok(())
    }

    /// The steps every redirect flow starts with: a fresh PKCE pair and `state`, the
    /// authorize URL for `redirect_uri`, and the browser opened on it.
    async fn start(&self, redirect_uri: &RedirectUri) -> Started {
        let pkce = Pkce::generate();
        let state = random_state();
        let authorize_url = authorize_url(
            &self.portal,
            &AuthorizeRequest {
                client_id: &self.client_id,
                redirect_uri,
                expiration: self.expiration,
                state: &state,
                pkce: &pkce,
            },
        );
        self.open_browser(&authorize_url).await;
        Started {
            pkce,
            state,
            authorize_url,
        }
    }

    /// Opens `url` in the browser off the async threads; a failure is reported, not
    /// returned, because the user can still open the address by hand. A launcher that has
    /// not returned after [`BROWSER_OPEN_LIMIT`] (or the sign-in's timeout, if shorter)
    /// counts as failed, so a hung launcher cannot hold the sign-in.
    async fn open_browser(&self, url: &Url) {
        let browser = Arc::clone(&self.browser);
        let target = url.clone();
        let limit = BROWSER_OPEN_LIMIT.min(self.timeout);
        let opening = tokio::task::spawn_blocking(move || browser.open(&target));
        let reason = match tokio::time::timeout(limit, opening).await {
            Ok(Ok(Ok(()))) => return,
            Ok(Ok(Err(err))) => err.to_string(),
            Ok(Err(err)) => format!("the browser launcher failed: {err}"),
            Err(_) => format!(
                "the browser launcher did not return within {:.1} s",
                limit.as_secs_f64()
            ),
        };
        tracing::warn!(%reason, "the browser did not open; the user has to open the sign-in page by hand");
        self.progress.report(Progress::BrowserDidNotOpen {
            authorize_url: url.clone(),
            reason,
        });
    }

    /// Exchanges the code (with the PKCE verifier and the same redirect URI) and reads the
    /// user with the new access token. Cancellable at each step.
    async fn finish(
        &self,
        code: &Secret<String>,
        redirect_uri: &RedirectUri,
        pkce: &Pkce,
    ) -> Result<SignIn, SignInError> {
        self.progress.report(Progress::ExchangingCode);
        let grant = Grant::AuthorizationCode {
            code,
            redirect_uri,
            code_verifier: pkce.verifier(),
        };
        let exchange = request_token(
            &self.client,
            &self.portal,
            &self.client_id,
            &grant,
            self.clock.now(),
        );
        let tokens = self.cancellable(exchange).await??;
        self.progress.report(Progress::ReadingUser);
        let user = community_self(
            &self.client,
            &self.portal,
            &tokens.access_token,
            self.clock.now(),
        );
        let user = self.cancellable(user).await??;
        tracing::info!(username = %user.username, "signed in");
        Ok(SignIn {
            tokens,
            user: user.into(),
            redirect_uri: redirect_uri.clone(),
        })
    }

    /// Runs `step` unless the sign-in is cancelled first.
    async fn cancellable<T>(&self, step: impl Future<Output = T>) -> Result<T, SignInError> {
        tokio::select! {
            biased;
            () = self.cancel.cancelled() => Err(SignInError::Cancelled),
            value = step => Ok(value),
        }
    }
}
