//! The demo portal's handling of requests: `tokendesk_demo_portal::InProcessPortal` runs each
//! request through the same dispatcher as the HTTPS server (path normalisation, query and
//! form parameters, `f`, tokens from parameters and headers, `client`/`referer`/`ip`,
//! `expiration`, the sign-in page and form, the `oauth2/token` grants, `generateToken`, …),
//! on a fresh portal with the built-in seed.
//!
//! The input is up to four requests as text, separated by a line `~~~`: each is
//! `METHOD TARGET` on its first line, then `Name: value` header lines, an empty line and
//! the body (a form, for POST). `{{name}}` in a request stands for the last value the portal
//! handed out under that name in an earlier answer (`oauth_state`, `code`, `access_token`,
//! `refresh_token`, `token`, as JSON fields or redirect parameters), so that a sequence can
//! sign in, exchange the code and use or refresh the tokens. A request that is not valid
//! (bad method, target or header) is skipped. Checked besides "never panics": an answer
//! that says it is JSON is well-formed JSON.
#![no_main]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::OnceLock;

use axum::body::Body;
use axum::http::{Request, header};
use libfuzzer_sys::fuzz_target;
use tokendesk_demo_portal::{DemoConfig, InProcessPortal};

/// Everything the dispatcher may read of a body (the server reads at most 1 MiB).
const MAX_ANSWER: usize = 16 * 1024 * 1024;
const MAX_REQUESTS: usize = 4;
/// The names whose values later requests can use as `{{name}}`.
const HANDED_OUT: [&str; 5] = [
    "oauth_state",
    "code",
    "access_token",
    "refresh_token",
    "token",
];

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("a tokio runtime")
    })
}

/// The request in `text`, or `None` when it is not one.
fn request(text: &[u8]) -> Option<Request<Body>> {
    let (head, body) = match find(text, b"\n\n") {
        Some(at) => (&text[..at], &text[at + 2..]),
        None => (text, &text[text.len()..]),
    };
    let head = std::str::from_utf8(head).ok()?;
    let mut lines = head.lines();
    let (method, target) = lines.next()?.split_once(' ')?;
    let mut builder = Request::builder().method(method).uri(target);
    for line in lines {
        let (name, value) = line.split_once(':')?;
        builder = builder.header(name.trim(), value.trim());
    }
    builder.body(Body::from(body.to_vec())).ok()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// `text` with every `{{name}}` replaced by the value handed out under `name` (in one pass:
/// a value is never searched for placeholders itself).
fn substitute(text: &[u8], values: &HashMap<&'static str, String>) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = find(rest, b"{{") {
        out.extend_from_slice(&rest[..at]);
        rest = &rest[at..];
        let known = values.iter().find(|(name, _)| {
            rest[2..].starts_with(name.as_bytes()) && rest[2 + name.len()..].starts_with(b"}}")
        });
        match known {
            Some((name, value)) => {
                out.extend_from_slice(value.as_bytes());
                rest = &rest[name.len() + 4..];
            }
            None => {
                out.extend_from_slice(b"{{");
                rest = &rest[2..];
            }
        }
    }
    out.extend_from_slice(rest);
    out
}

/// Remembers the values an answer hands out: `"name":"value"` in its body (JSON, or the
/// sign-in page's `oAuthInfo`) and `name=value` in its `Location`.
fn remember(values: &mut HashMap<&'static str, String>, location: Option<&str>, body: &[u8]) {
    let text = String::from_utf8_lossy(body);
    for name in HANDED_OUT {
        let key = format!("\"{name}\":\"");
        if let Some(at) = text.find(&key) {
            let rest = &text[at + key.len()..];
            if let Some(end) = rest.find('"') {
                values.insert(name, rest[..end].to_owned());
            }
        }
    }
    if let Some(location) = location {
        let params = location.split_once(['?', '#']).map_or("", |(_, p)| p);
        for (key, value) in url::form_urlencoded::parse(params.as_bytes()) {
            if let Some(name) = HANDED_OUT.iter().find(|name| **name == key) {
                values.insert(name, value.into_owned());
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let peer = SocketAddr::from(([127, 0, 0, 1], 50_000));
    let portal = InProcessPortal::new(DemoConfig::default());
    let mut values = HashMap::new();
    runtime().block_on(async {
        for text in data.requests().take(MAX_REQUESTS) {
            let Some(request) = request(&substitute(text, &values)) else {
                continue;
            };
            let answer = portal.answer(request, peer).await;
            let headers = answer.headers();
            let json = headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|ct| ct.starts_with("application/json"));
            let location = headers
                .get(header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let body = axum::body::to_bytes(answer.into_body(), MAX_ANSWER)
                .await
                .expect("the answer's body");
            if json {
                if let Err(err) = serde_json::from_slice::<serde_json::Value>(&body) {
                    panic!("a JSON answer that is not JSON ({err}): {body:?}");
                }
            }
            remember(&mut values, location.as_deref(), &body);
        }
    });
});

/// Splitting the input into requests at lines `~~~`.
trait Requests {
    fn requests(&self) -> impl Iterator<Item = &[u8]>;
}

impl Requests for [u8] {
    fn requests(&self) -> impl Iterator<Item = &[u8]> {
        let mut rest = Some(self);
        std::iter::from_fn(move || {
            let text = rest?;
            match find(text, b"\n~~~\n") {
                Some(at) => {
                    rest = Some(&text[at + 5..]);
                    Some(&text[..at])
                }
                None => {
                    rest = None;
                    Some(text)
                }
            }
        })
    }
}
