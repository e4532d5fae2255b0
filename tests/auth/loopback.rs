//! The redirect listener of the browser sign-in, driven with reqwest as the "browser":
//! codes, states, portal errors, pages, timeout, cancellation, binding.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokendesk::auth::loopback::{
    HEADER_TIMEOUT, Listener, LoopbackRedirect, MAX_CONNECTIONS, Wait,
};
use tokendesk::auth::{Progress, SignInError};
use tokendesk::clock::SystemClock;
use tokendesk::secret::Secret;
use tokio_util::sync::CancellationToken;

const STATE: &str = "the-state-this-sign-in-sent";
const SITE: &str = "https://portal.example/portal/sharing/rest";

/// Everything a wait needs, owned by the test.
struct Waiting {
    cancel: CancellationToken,
    progress: Arc<Mutex<Vec<Progress>>>,
    timeout: Duration,
}

impl Waiting {
    fn new() -> Self {
        Self {
            cancel: CancellationToken::new(),
            progress: Arc::new(Mutex::new(Vec::new())),
            timeout: Duration::from_secs(300),
        }
    }

    /// Runs the wait in a task; its result comes back through the handle.
    fn spawn(
        &self,
        listener: Listener,
    ) -> tokio::task::JoinHandle<Result<Secret<String>, SignInError>> {
        let cancel = self.cancel.clone();
        let progress = Arc::clone(&self.progress);
        let timeout = self.timeout;
        tokio::spawn(async move {
            let sink = move |p: Progress| progress.lock().unwrap().push(p);
            listener
                .wait_for_code(&Wait {
                    state: STATE,
                    site: SITE,
                    timeout,
                    cancel: &cancel,
                    clock: &SystemClock,
                    progress: &sink,
                })
                .await
        })
    }

    fn refusals(&self) -> usize {
        self.progress
            .lock()
            .unwrap()
            .iter()
            .filter(|p| matches!(p, Progress::AnswerRefused { .. }))
            .count()
    }
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// GET `path_and_query` on the listener: (status, body).
async fn visit(addr: SocketAddr, path_and_query: &str) -> (u16, String) {
    let response = browser()
        .get(format!("http://{addr}{path_and_query}"))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

async fn any_port() -> Listener {
    Listener::bind(&LoopbackRedirect::any_port("/callback"))
        .await
        .unwrap()
}

fn is_closed(addr: SocketAddr) -> bool {
    TcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_err()
}

#[tokio::test]
async fn the_browser_coming_back_with_our_state_gives_the_code_and_a_success_page() {
    let listener = any_port().await;
    let addr = listener.local_addr();
    // The browser may come back before the flow starts waiting: its answer is kept.
    let visit = tokio::spawn(async move {
        let response = browser()
            .get(format!(
                "http://{addr}/callback?code=the-code&state={STATE}"
            ))
            .send()
            .await
            .unwrap();
        let headers = response.headers().clone();
        (
            response.status().as_u16(),
            headers,
            response.text().await.unwrap(),
        )
    });
    let waiting = Waiting::new();
    let code = waiting.spawn(listener).await.unwrap().unwrap();
    assert_eq!(code.expose(), "the-code");
    let (status, headers, body) = visit.await.unwrap();
    assert_eq!(status, 200);
    assert!(
        body.contains("You can close this tab and return to TokenDesk."),
        "{body}"
    );
    assert!(
        !body.contains("the-code"),
        "the page must not repeat the code"
    );
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .starts_with("default-src 'none'")
    );
    assert!(
        is_closed(addr),
        "the listener must stop once the flow has its answer"
    );
}

#[tokio::test]
async fn an_answer_with_a_foreign_state_gets_a_failure_page_and_the_listener_keeps_waiting() {
    let listener = any_port().await;
    let addr = listener.local_addr();
    let waiting = Waiting::new();
    let wait = waiting.spawn(listener);

    let (status, body) = visit(addr, "/callback?code=forged&state=someone-else").await;
    assert_eq!(status, 400);
    assert!(body.contains("does not belong to the sign-in"), "{body}");
    assert!(body.contains("keeps waiting"), "{body}");
    let (status, body) = visit(addr, "/callback?code=forged").await;
    assert_eq!(status, 400);
    assert!(body.contains("has no state"), "{body}");
    assert!(
        !wait.is_finished(),
        "a stray answer must not end the sign-in"
    );

    let (status, _) = visit(addr, &format!("/callback?code=real&state={STATE}")).await;
    assert_eq!(status, 200);
    assert_eq!(wait.await.unwrap().unwrap().expose(), "real");
    assert_eq!(waiting.refusals(), 2);
}

#[tokio::test]
async fn a_stray_access_denied_without_our_state_cannot_abort_the_sign_in() {
    let listener = any_port().await;
    let addr = listener.local_addr();
    let waiting = Waiting::new();
    let wait = waiting.spawn(listener);

    let (status, _) = visit(addr, "/callback?error=access_denied&state=forged").await;
    assert_eq!(status, 400);
    let (status, _) = visit(addr, &format!("/callback?code=real&state={STATE}")).await;
    assert_eq!(status, 200);
    assert_eq!(wait.await.unwrap().unwrap().expose(), "real");
}

#[tokio::test]
async fn access_denied_with_our_state_ends_the_sign_in_as_denied_with_the_portals_words() {
    let listener = any_port().await;
    let addr = listener.local_addr();
    let wait = Waiting::new().spawn(listener);

    let (status, body) = visit(
        addr,
        &format!(
            "/callback?error=access_denied&error_description=The%20user%20has%20denied%20your%20request.&state={STATE}"
        ),
    )
    .await;
    assert_eq!(status, 400);
    assert!(body.contains("You declined the sign-in"), "{body}");
    assert!(body.contains("The user has denied your request"), "{body}");
    match wait.await.unwrap() {
        Err(err @ SignInError::Denied { .. }) => {
            let message = err.to_string();
            assert!(message.contains("declined in the browser"), "{message}");
            assert!(
                message.contains("The user has denied your request"),
                "{message}"
            );
            assert!(message.contains("Start the sign-in again"), "{message}");
        }
        other => panic!("expected Denied, got {other:?}"),
    }
    assert!(is_closed(addr));
}

#[tokio::test]
async fn another_redirect_error_ends_the_sign_in_with_the_portals_message() {
    let listener = any_port().await;
    let addr = listener.local_addr();
    let wait = Waiting::new().spawn(listener);

    let (status, body) = visit(
        addr,
        &format!("/callback?error=sign_in_failed&error_description=Request%20failed&state={STATE}"),
    )
    .await;
    assert_eq!(status, 400);
    assert!(body.contains("Request failed"), "{body}");
    match wait.await.unwrap() {
        Err(SignInError::Portal(err)) => {
            let message = err.to_string();
            assert!(message.contains("sign_in_failed"), "{message}");
            assert!(message.contains("Request failed"), "{message}");
            assert!(message.contains("portal.example"), "{message}");
        }
        other => panic!("expected a portal error, got {other:?}"),
    }
}

#[tokio::test]
async fn other_paths_get_404_and_do_not_disturb_the_wait() {
    let listener = any_port().await;
    let addr = listener.local_addr();
    let waiting = Waiting::new();
    let wait = waiting.spawn(listener);

    assert_eq!(visit(addr, "/favicon.ico").await.0, 404);
    assert_eq!(
        visit(addr, &format!("/elsewhere?code=x&state={STATE}"))
            .await
            .0,
        404
    );
    assert_eq!(visit(addr, "/").await.0, 404);
    assert!(!wait.is_finished());
    assert_eq!(waiting.refusals(), 0, "other paths are not answers at all");

    assert_eq!(
        visit(addr, &format!("/callback?code=c&state={STATE}"))
            .await
            .0,
        200
    );
    assert_eq!(wait.await.unwrap().unwrap().expose(), "c");
}

#[tokio::test(start_paused = true)]
async fn without_an_answer_the_wait_ends_after_the_configured_time_and_the_listener_closes() {
    let listener = any_port().await;
    let addr = listener.local_addr();
    let mut waiting = Waiting::new();
    waiting.timeout = Duration::from_secs(90);
    let started = tokio::time::Instant::now();
    let result = waiting.spawn(listener).await.unwrap();
    // Paused time jumps to the next timer: the wait ended exactly at its deadline.
    assert_eq!(started.elapsed(), Duration::from_secs(90));
    match result {
        Err(err @ SignInError::TimedOut { .. }) => {
            let message = err.to_string();
            assert!(message.contains("within 1 minute 30 seconds"), "{message}");
            assert!(message.contains("open the sign-in address"), "{message}");
        }
        other => panic!("expected TimedOut, got {other:?}"),
    }
    assert!(is_closed(addr));
}

#[tokio::test]
async fn when_only_foreign_answers_came_before_the_deadline_the_sign_in_ends_in_state_mismatch() {
    let listener = any_port().await;
    let addr = listener.local_addr();
    let waiting = Waiting::new();
    let wait = waiting.spawn(listener);
    assert_eq!(visit(addr, "/callback?code=x&state=stale-tab").await.0, 400);
    // The refused answer has been judged (its page came back); now let the 5 minutes pass.
    tokio::time::pause();
    match wait.await.unwrap() {
        Err(err @ SignInError::StateMismatch { answers: 1, .. }) => {
            let message = err.to_string();
            assert!(
                message.contains("does not belong to this sign-in"),
                "{message}"
            );
            assert!(message.contains("within 5 minutes"), "{message}");
        }
        other => panic!("expected StateMismatch, got {other:?}"),
    }
}

#[tokio::test]
async fn cancelling_ends_the_wait_at_once_and_closes_the_listener() {
    let listener = any_port().await;
    let addr = listener.local_addr();
    let waiting = Waiting::new();
    let wait = waiting.spawn(listener);
    waiting.cancel.cancel();
    let result = tokio::time::timeout(Duration::from_secs(10), wait)
        .await
        .expect("cancellation must end the wait promptly")
        .unwrap();
    match result {
        Err(err @ SignInError::Cancelled) => {
            assert!(err.to_string().contains("cancelled"));
        }
        other => panic!("expected Cancelled, got {other:?}"),
    }
    assert!(is_closed(addr));
}

#[tokio::test]
async fn the_listener_binds_127_0_0_1_only() {
    let listener = any_port().await;
    let addr = listener.local_addr();
    assert_eq!(addr.ip(), Ipv4Addr::LOCALHOST);
    assert_ne!(addr.port(), 0);
    assert!(TcpStream::connect(addr).is_ok());
    // The whole of 127/8 reaches this machine on Linux; a socket bound to 0.0.0.0 would
    // answer on 127.0.0.2 too, one bound to 127.0.0.1 does not.
    let other = SocketAddr::from(([127, 0, 0, 2], addr.port()));
    assert!(is_closed(other), "nothing may answer on {other}");
    let v6 = SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, addr.port()));
    assert!(is_closed(v6), "nothing may answer on {v6}");
}

#[tokio::test]
async fn a_fixed_port_is_used_as_given_and_named_in_the_redirect_uri() {
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = free.local_addr().unwrap().port();
    drop(free);
    let listener = Listener::bind(&LoopbackRedirect::fixed(port, "callback"))
        .await
        .unwrap();
    assert_eq!(listener.local_addr().port(), port);
    assert_eq!(
        listener.redirect_uri().to_string(),
        format!("http://127.0.0.1:{port}/callback")
    );
}

#[tokio::test]
async fn a_fixed_port_already_in_use_is_reported_as_port_in_use() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    match Listener::bind(&LoopbackRedirect::fixed(port, "/")).await {
        Err(err @ SignInError::PortInUse { .. }) => {
            let message = err.to_string();
            assert!(message.contains(&format!("Port {port}")), "{message}");
            assert!(message.contains("already in use"), "{message}");
            assert!(message.contains("any-port loopback"), "{message}");
        }
        Err(other) => panic!("expected PortInUse, got {other:?}"),
        Ok(_) => panic!("binding a taken port must fail"),
    }
}

/// Reads from `stream` until the listener closes it; `true` when that happens within `bound`.
async fn closed_within(stream: &mut tokio::net::TcpStream, bound: Duration) -> bool {
    use tokio::io::AsyncReadExt;
    let mut buffer = [0u8; 1024];
    tokio::time::timeout(bound, async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await
    .is_ok()
}

#[tokio::test]
async fn a_connection_that_never_finishes_its_request_or_sends_nothing_is_closed_after_the_header_timeout()
 {
    use tokio::io::AsyncWriteExt;
    let listener = any_port().await;
    let addr = listener.local_addr();
    let waiting = Waiting::new();
    let flow = waiting.spawn(listener);
    // A slow-loris client: the start of a request head, never its end.
    let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /callback?code=x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        .await
        .unwrap();
    // An idle client: connects and says nothing.
    let mut idle = tokio::net::TcpStream::connect(addr).await.unwrap();
    let bound = HEADER_TIMEOUT + Duration::from_secs(5);
    assert!(
        closed_within(&mut slow, bound).await,
        "a half-sent request head kept its connection open"
    );
    assert!(
        closed_within(&mut idle, bound).await,
        "a silent connection stayed open"
    );
    // The sign-in is still waiting, and the real answer still ends it.
    let (status, _) = visit(addr, &format!("/callback?code=real&state={STATE}")).await;
    assert_eq!(status, 200);
    assert_eq!(flow.await.unwrap().unwrap().expose(), "real");
}

#[tokio::test]
async fn connections_beyond_the_cap_are_closed_as_they_arrive_and_the_sign_in_still_completes() {
    let listener = any_port().await;
    let addr = listener.local_addr();
    let waiting = Waiting::new();
    let flow = waiting.spawn(listener);
    let mut held = Vec::new();
    for _ in 0..MAX_CONNECTIONS {
        held.push(tokio::net::TcpStream::connect(addr).await.unwrap());
    }
    let mut closed = 0;
    for _ in 0..20 {
        let mut extra = tokio::net::TcpStream::connect(addr).await.unwrap();
        if closed_within(&mut extra, Duration::from_secs(5)).await {
            closed += 1;
        }
    }
    assert_eq!(
        closed, 20,
        "connections beyond {MAX_CONNECTIONS} must be closed at once"
    );
    // Once the silent ones time out, the browser's answer gets through.
    for stream in &mut held {
        assert!(closed_within(stream, HEADER_TIMEOUT + Duration::from_secs(5)).await);
    }
    let (status, _) = visit(addr, &format!("/callback?code=real&state={STATE}")).await;
    assert_eq!(status, 200);
    assert_eq!(flow.await.unwrap().unwrap().expose(), "real");
}
