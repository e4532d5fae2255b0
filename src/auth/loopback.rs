//! The redirect listener of the browser sign-in: a tiny HTTP server on 127.0.0.1 that waits
//! for the portal to send the browser back to `http://127.0.0.1:PORT/PATH?code=…&state=…`.
//!
//! * Binds 127.0.0.1 only: a fixed port from the profile's redirect URI, or port 0 for
//!   any-port loopback (RFC 8252). A taken fixed port is [`SignInError::PortInUse`].
//! * Serves only the redirect path; other paths get 404 (`/favicon.ico` too, silently).
//! * **State first.** Any answer whose `state` differs from this sign-in's is refused with a
//!   failure page and the listener *keeps waiting*. Failing the flow instead would let any
//!   local process or web page abort a legitimate sign-in with one request; accepting it
//!   would allow login CSRF / code injection. So only an answer carrying the right state
//!   can end the flow — with a code, or with the portal's error (`access_denied` and
//!   others). Foreign answers are counted and reported ([`super::Progress::AnswerRefused`]);
//!   if nothing valid arrives in time, the flow ends with [`SignInError::StateMismatch`].
//! * Every answer is judged by the waiting flow (handlers only forward the query and send
//!   back the page the flow chose), so an answer that arrives before the flow starts
//!   waiting is kept, and one that arrives after it ended gets an "already ended" page.
//! * Ends on the first valid answer, on timeout, or on cancellation, and shuts the server
//!   down at once (letting the last page reach the browser).
//! * **Bounded connections.** A request's head must arrive within [`HEADER_TIMEOUT`], a
//!   connection lasts at most [`CONNECTION_LIFETIME`] and serves one request, and at most
//!   [`MAX_CONNECTIONS`] are open at once (more are closed as they arrive): slow or idle
//!   connections cannot pile up until the process runs out of file descriptors. This is why
//!   the listener has its own accept loop over hyper rather than `axum::serve`, which offers
//!   neither a header timeout nor a cap.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, mpsc, oneshot};
use tokio::task::{JoinHandle, JoinSet};
use tokio_util::sync::CancellationToken;

use super::page::Page;
use super::{Progress, ProgressSink, SignInError};
use crate::arcgis::ErrorKind;
use crate::arcgis::error::Cause;
use crate::arcgis::oauth::{RedirectGrant, RedirectUri, parse_redirect};
use crate::arcgis::{ArcGisError, Instant};
use crate::clock::Clock;
use crate::secret::Secret;

/// Where the listener takes the browser's answer: a loopback redirect URI, with a fixed
/// port or any free one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoopbackRedirect {
    /// The port; `None` picks a free one (the portal must allow any-port loopback).
    pub port: Option<u16>,
    /// The path, e.g. `/` or `/callback`.
    pub path: String,
}

impl LoopbackRedirect {
    /// `http://127.0.0.1:PORT/PATH`, as registered with the portal.
    pub fn fixed(port: u16, path: impl Into<String>) -> Self {
        Self {
            port: Some(port),
            path: path.into(),
        }
    }

    /// `http://127.0.0.1:<any free port>/PATH` (the app registers `http://127.0.0.1/PATH`).
    pub fn any_port(path: impl Into<String>) -> Self {
        Self {
            port: None,
            path: path.into(),
        }
    }

    /// The path with exactly one leading `/`.
    fn normalised_path(&self) -> String {
        format!("/{}", self.path.trim_start_matches('/'))
    }
}

/// How long a closing listener may take to hand its last page to the browser.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// The time a connection has to send a whole request head; a browser needs milliseconds.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// The longest a connection stays open, whatever it does.
pub const CONNECTION_LIFETIME: Duration = Duration::from_secs(30);

/// Connections open at once; further ones are closed as they arrive.
pub const MAX_CONNECTIONS: usize = 64;
/// Answers queued for the waiting flow; more stray requests simply wait their turn.
const QUEUE: usize = 16;

/// One request to the redirect path: its query, and where to send the page for it.
struct Answer {
    query: String,
    reply: oneshot::Sender<Page>,
}

#[derive(Clone)]
struct Route {
    path: String,
    answers: mpsc::Sender<Answer>,
}

/// A bound, serving redirect listener. Dropping it stops the server.
pub struct Listener {
    addr: SocketAddr,
    path: String,
    answers: mpsc::Receiver<Answer>,
    shutdown: CancellationToken,
    server: JoinHandle<()>,
}

/// What [`Listener::wait_for_code`] needs to judge answers and to know when to stop.
pub struct Wait<'a> {
    /// The `state` this sign-in sent in the authorize URL.
    pub state: &'a str,
    /// The portal (for error messages).
    pub site: &'a str,
    /// How long to wait for a valid answer.
    pub timeout: Duration,
    /// Ends the wait with [`SignInError::Cancelled`].
    pub cancel: &'a CancellationToken,
    /// Anchors times in redirect parsing.
    pub clock: &'a dyn Clock,
    /// Hears about refused answers.
    pub progress: &'a dyn ProgressSink,
}

impl Listener {
    /// Binds 127.0.0.1 (the fixed port, or any free one) and starts serving.
    pub async fn bind(redirect: &LoopbackRedirect) -> Result<Self, SignInError> {
        let wanted = SocketAddr::from((Ipv4Addr::LOCALHOST, redirect.port.unwrap_or(0)));
        let listener = TcpListener::bind(wanted).await.map_err(|source| {
            match (source.kind(), redirect.port) {
                (std::io::ErrorKind::AddrInUse, Some(port)) => SignInError::PortInUse { port },
                _ => SignInError::Listener {
                    addr: wanted,
                    source,
                },
            }
        })?;
        let addr = listener
            .local_addr()
            .map_err(|source| SignInError::Listener {
                addr: wanted,
                source,
            })?;
        let path = redirect.normalised_path();
        let (sender, answers) = mpsc::channel(QUEUE);
        let router = Router::new().fallback(handle).with_state(Route {
            path: path.clone(),
            answers: sender,
        });
        let shutdown = CancellationToken::new();
        let server = tokio::spawn(serve(listener, router, shutdown.clone()));
        tracing::debug!(%addr, %path, "sign-in listener started");
        Ok(Self {
            addr,
            path,
            answers,
            shutdown,
            server,
        })
    }

    /// The bound address (127.0.0.1 and the actual port).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The redirect URI to send in the authorize URL and the code exchange, with the
    /// actual port.
    pub fn redirect_uri(&self) -> RedirectUri {
        RedirectUri::Loopback {
            port: self.addr.port(),
            path: self.path.clone(),
        }
    }

    /// Waits for the browser to come back with this sign-in's state, answers it with a
    /// page, shuts the listener down and returns the authorization code — or the reason
    /// the sign-in ended ([`SignInError::Denied`], a portal error, timeout, cancellation).
    pub async fn wait_for_code(mut self, wait: &Wait<'_>) -> Result<Secret<String>, SignInError> {
        let deadline = tokio::time::sleep(wait.timeout);
        tokio::pin!(deadline);
        let mut refused = 0usize;
        let result = loop {
            let answer = tokio::select! {
                biased;
                () = wait.cancel.cancelled() => break Err(SignInError::Cancelled),
                () = &mut deadline => break Err(match refused {
                    0 => SignInError::TimedOut { after: wait.timeout },
                    answers => SignInError::StateMismatch { answers, after: wait.timeout },
                }),
                answer = self.answers.recv() => answer,
            };
            let Some(Answer { query, reply }) = answer else {
                break Err(SignInError::Listener {
                    addr: self.addr,
                    source: std::io::Error::other("the listener stopped unexpectedly"),
                });
            };
            match judge(&query, wait.state, wait.site, wait.clock.now()) {
                Judgement::Refused(reason) => {
                    refused += 1;
                    tracing::warn!(%reason, "refused an answer on the sign-in listener");
                    // The browser may already have gone away; nothing to do then.
                    let _ = reply.send(refused_page(reason.clone()));
                    wait.progress.report(Progress::AnswerRefused { reason });
                }
                Judgement::Final(result) => {
                    let _ = reply.send(page_for(&result));
                    break result;
                }
            }
        };
        self.close().await;
        result
    }

    /// Stops taking answers and shuts the server down, letting pages in flight finish
    /// (bounded by [`CLOSE_GRACE`]).
    async fn close(mut self) {
        self.answers.close();
        self.shutdown.cancel();
        if tokio::time::timeout(CLOSE_GRACE, &mut self.server)
            .await
            .is_err()
        {
            self.server.abort();
        }
        tracing::debug!(addr = %self.addr, "sign-in listener stopped");
    }
}

/// Accepts connections until `shutdown`, each under the bounds of the module docs; on
/// shutdown, lets the connections still open finish their answer (the close grace bounds it).
async fn serve(listener: TcpListener, router: Router, shutdown: CancellationToken) {
    let permits = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let mut connections = JoinSet::new();
    loop {
        let accepted = tokio::select! {
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        while connections.try_join_next().is_some() {}
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(err) => {
                // Out of file descriptors or a connection reset before it was taken: wait a
                // moment (connections close meanwhile) instead of spinning.
                tracing::debug!(%err, "the sign-in listener could not take a connection");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(permit) = Arc::clone(&permits).try_acquire_owned() else {
            tracing::debug!("the sign-in listener has too many connections; closing a new one");
            drop(stream);
            continue;
        };
        let service = TowerToHyperService::new(router.clone());
        let closing = shutdown.clone();
        connections.spawn(async move {
            let _permit = permit;
            let connection = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .keep_alive(false)
                .serve_connection(TokioIo::new(stream), service);
            tokio::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                () = tokio::time::sleep(CONNECTION_LIFETIME) => {}
                () = closing.cancelled() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(CLOSE_GRACE, connection).await;
                }
            }
        });
    }
    while connections.join_next().await.is_some() {}
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// What an answer means for the flow.
enum Judgement {
    /// Not this sign-in's answer: refuse it and keep waiting.
    Refused(String),
    /// This sign-in's answer: the code or the reason it failed.
    Final(Result<Secret<String>, SignInError>),
}

const REDIRECT_STEP: &str = "reading the sign-in redirect";

/// Judges the query of a request to the redirect path: `state` first, then the code or
/// the portal's error.
fn judge(query: &str, expected_state: &str, site: &str, now: Instant) -> Judgement {
    let state = url::form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == "state")
        .map(|(_, value)| value.into_owned());
    match state.as_deref() {
        Some(state) if state == expected_state => {}
        Some(_) => {
            return Judgement::Refused(
                "This answer does not belong to the sign-in TokenDesk is waiting for (its state \
                 differs): it may come from an older sign-in tab or from another site."
                    .to_owned(),
            );
        }
        None => {
            return Judgement::Refused(
                "This answer has no state, so it cannot belong to the sign-in TokenDesk is \
                 waiting for."
                    .to_owned(),
            );
        }
    }
    Judgement::Final(match parse_redirect(&format!("?{query}"), site, now) {
        Ok(redirect) => match redirect.grant {
            RedirectGrant::Code(code) => Ok(code),
            RedirectGrant::Implicit(_) => Err(SignInError::Portal(ArcGisError::new(
                ErrorKind::UnexpectedResponse,
                site,
                REDIRECT_STEP,
                Cause::Unexpected(
                    "the portal sent an access token (implicit flow) instead of an \
                     authorization code"
                        .to_owned(),
                ),
            ))),
        },
        Err(err) => Err(redirect_error(err)),
    })
}

/// What the listener does with the query of one request to its redirect path, without a
/// listener: the verdict (`None`: refused, the flow keeps waiting; `Some`: the flow ends with
/// this code or error) and the HTML page the browser gets for it.
///
/// Public only for the fuzz targets in `fuzz/`, a crate of their own that can reach nothing
/// private: the browser's answer is the one input of a sign-in that any local process or web
/// page can send, so it is fuzzed through exactly the code [`Listener::wait_for_code`] runs.
/// Hidden from the documentation; not part of the API.
#[doc(hidden)]
pub fn judge_answer(
    query: &str,
    expected_state: &str,
    site: &str,
    now: Instant,
) -> (Option<Result<Secret<String>, SignInError>>, String) {
    match judge(query, expected_state, site, now) {
        Judgement::Refused(reason) => (None, refused_page(reason).render()),
        Judgement::Final(result) => {
            let page = page_for(&result).render();
            (Some(result), page)
        }
    }
}

/// The page for an answer that does not belong to this sign-in.
fn refused_page(reason: String) -> Page {
    Page::failure(
        reason,
        "TokenDesk keeps waiting for the sign-in it started. Finish signing in in the tab \
         TokenDesk opened most recently, or start the sign-in again.",
    )
}

/// The portal's redirect error as a [`SignInError`]: `access_denied` becomes
/// [`SignInError::Denied`] with its description.
pub(crate) fn redirect_error(err: ArcGisError) -> SignInError {
    if err.kind() != ErrorKind::AccessDenied {
        return SignInError::Portal(err);
    }
    let description = match err.cause() {
        Cause::Api(message) => message.message.clone(),
        _ => None,
    };
    SignInError::Denied {
        description: description.unwrap_or_else(|| "access denied".to_owned()),
    }
}

/// The page the browser gets for the flow's final answer.
fn page_for(result: &Result<Secret<String>, SignInError>) -> Page {
    match result {
        Ok(_) => Page::Success,
        Err(SignInError::Denied { description }) => Page::failure(
            format!("You declined the sign-in (the portal said: \"{description}\")."),
            "Nothing was saved. Return to TokenDesk and start the sign-in again if this was a \
             mistake.",
        ),
        Err(err) => Page::failure(
            format!("The portal sent the browser back with an error: {err}"),
            "Return to TokenDesk; it shows what to do next.",
        ),
    }
}

/// Every request: the redirect path is forwarded to the flow, everything else is 404.
async fn handle(State(route): State<Route>, method: Method, uri: Uri) -> Response {
    if uri.path() == "/favicon.ico" {
        return StatusCode::NOT_FOUND.into_response();
    }
    if uri.path() != route.path {
        return page_response(
            StatusCode::NOT_FOUND,
            &Page::failure(
                "There is nothing at this address.",
                "TokenDesk only listens here for the answer of a sign-in.",
            ),
        );
    }
    if method != Method::GET {
        return StatusCode::METHOD_NOT_ALLOWED.into_response();
    }
    let (reply, page) = oneshot::channel();
    let answer = Answer {
        query: uri.query().unwrap_or_default().to_owned(),
        reply,
    };
    let ended = || {
        Page::failure(
            "This sign-in has already ended.",
            "Return to TokenDesk; start the sign-in again there if you still need to sign in.",
        )
    };
    if route.answers.send(answer).await.is_err() {
        return page_response(StatusCode::GONE, &ended());
    }
    let page = page.await.unwrap_or_else(|_| ended());
    let status = StatusCode::from_u16(page.status()).unwrap_or(StatusCode::BAD_REQUEST);
    page_response(status, &page)
}

fn page_response(status: StatusCode, page: &Page) -> Response {
    let mut response = (status, page.render()).into_response();
    let headers = response.headers_mut();
    let set = [
        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
        (header::CACHE_CONTROL, "no-store"),
        (header::REFERRER_POLICY, "no-referrer"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'",
        ),
        (header::CONNECTION, "close"),
    ];
    for (name, value) in set {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}
