//! The browser's answer to the loopback sign-in listener (`http://127.0.0.1:PORT/PATH?…`):
//! its query, judged by `tokendesk::auth::loopback::judge_answer` exactly as the waiting
//! sign-in does (state first, then the code or the portal's error), and the page the browser
//! gets; plus `tokendesk::arcgis::oauth::parse_redirect` on the input as a pasted redirect
//! (a whole URL, a `?query` or a `#fragment`), as the out-of-band and implicit flows read it.
//!
//! The input is the query (UTF-8; what a browser sends is ASCII). The sign-in waits for the
//! state of the redirect fixtures. Checked besides "never panics": the flow ends only on an
//! answer whose first `state` is this sign-in's, and with the first `code` it carries; the
//! page is the listener's HTML with everything from the query escaped (no tag but its own).
#![no_main]

use chrono::DateTime;
use libfuzzer_sys::fuzz_target;
use tokendesk::arcgis::Instant;
use tokendesk::arcgis::oauth::{RedirectGrant, parse_redirect};
use tokendesk::auth::loopback::judge_answer;

/// The state of the fixtures' redirects (`shared/fixtures/arcgis/redirects.txt`), decoded.
const STATE: &str =
    r#"{"id":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","originalUrl":"https://test.com"}"#;
const SITE: &str = "https://portal.example.com/portal/sharing/rest";
/// The tags the listener's pages are made of.
const TAGS: [&str; 16] = [
    "<!DOCTYPE html>",
    "<html ",
    "</html>",
    "<head>",
    "</head>",
    "<meta ",
    "<title>",
    "</title>",
    "<style>",
    "</style>",
    "<body>",
    "</body>",
    "<h1>",
    "</h1>",
    "<p>",
    "</p>",
];

fn now() -> Instant {
    DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default()
}

fn first(query: &str, name: &str) -> Option<String> {
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let query = input.strip_prefix('?').unwrap_or(input);
    let (verdict, page) = judge_answer(query, STATE, SITE, now());
    let ours = first(query, "state").as_deref() == Some(STATE);
    assert_eq!(
        verdict.is_some(),
        ours,
        "judged without looking at the state"
    );
    if let Some(Ok(code)) = &verdict {
        if !query.contains('#') {
            assert_eq!(first(query, "code").as_ref(), Some(code.expose()));
        }
    }
    for (at, _) in page.match_indices('<') {
        let rest = &page[at..];
        assert!(
            TAGS.iter().any(|tag| rest.starts_with(tag)),
            "a tag the listener does not write: {}",
            &rest[..rest.len().min(40)]
        );
    }
    let _ = verdict.map(|result| result.map_err(|err| err.to_string()));

    match parse_redirect(input, SITE, now()) {
        Ok(redirect) => {
            if let RedirectGrant::Implicit(tokens) = &redirect.grant {
                assert!(tokens.expires_at >= now());
            }
            let _ = redirect.check_state(STATE, SITE);
        }
        Err(err) => {
            let _ = (err.to_string(), err.remedy());
        }
    }
});
