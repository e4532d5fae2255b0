//! What the answer targets share: the clock, the statuses, the decoding checks and the
//! token marker.

use chrono::DateTime;
use serde_json::Value;
use tokendesk::arcgis::error::{Cause, find_envelope};
use tokendesk::arcgis::http::{FromWire, decode};
use tokendesk::arcgis::{ArcGisError, Instant};

const SITE: &str = "https://portal.example.com/portal/sharing/rest";
const STEP: &str = "fuzzing an answer";
/// Stands in for every token value, so that a leak can be recognised.
pub const MARKER: &str = "FuzzTokenMarker7q3xZ";
/// The second status each body is decoded with, picked by the body's length.
const STATUSES: [u16; 11] = [400, 401, 403, 404, 429, 498, 499, 500, 502, 503, 200];

/// The fixed "now" every answer is decoded at.
pub fn now() -> Instant {
    DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default()
}

/// Runs `check_all(status, body, marked)` for HTTP 200 and one more status, on the body as
/// it is and on the body with its token values replaced by [`MARKER`].
pub fn run(body: &[u8], check_all: impl Fn(u16, &[u8], bool)) {
    let other = STATUSES[body.len() % STATUSES.len()];
    for status in [200, other] {
        check_all(status, body, false);
    }
    if let Some(marked) = mark_tokens(body) {
        for status in [200, other] {
            check_all(status, &marked, true);
        }
    }
}

/// Decodes `body` as `R` and checks what came out; `shown` checks a decoded answer and
/// gives the text it may show (its `Debug` for types that hold a secret).
pub fn check<R: FromWire>(status: u16, body: &[u8], marked: bool, shown: impl Fn(&R) -> String) {
    match decode::<R>(status, body, SITE, STEP, now()) {
        Ok(answer) => {
            assert!(status < 400, "an answer decoded from HTTP {status}");
            let value: Value = serde_json::from_slice(body).expect("decoded from a non-JSON body");
            assert!(
                find_envelope(&value, status).is_none(),
                "decoded an answer from an error envelope"
            );
            let text = shown(&answer);
            assert!(
                !(marked && text.contains(MARKER)),
                "a decoded answer shows a token: {text}"
            );
        }
        Err(err) => check_error(&err, marked),
    }
}

fn check_error(err: &ArcGisError, marked: bool) {
    let text = err.to_string();
    let _ = err.remedy();
    if marked && !matches!(err.cause(), Cause::Api(_)) {
        assert!(
            !text.contains(MARKER),
            "an error message shows a token: {text}"
        );
    }
}

/// The body with the values of `"access_token"`, `"refresh_token"` and `"token"` replaced by
/// [`MARKER`] (up to their closing quote, or to the end of a body cut short); `None` when the
/// body does not start like JSON, holds no such value, or holds the marker already.
pub fn mark_tokens(body: &[u8]) -> Option<Vec<u8>> {
    let first = body.iter().find(|b| !b.is_ascii_whitespace())?;
    if !matches!(first, b'{' | b'[') || contains(body, MARKER.as_bytes()) {
        return None;
    }
    let mut out = Vec::with_capacity(body.len() + MARKER.len());
    let mut rest = body;
    let mut found = false;
    while let Some((key_end, name_len)) = next_key(rest) {
        // `rest[..key_end]` ends with the key and its closing quote.
        let after_key = &rest[key_end..];
        let skip = after_key
            .iter()
            .take_while(|b| b.is_ascii_whitespace() || **b == b':')
            .count();
        let after_colon = &after_key[skip..];
        if name_len > 0 && after_key[..skip].contains(&b':') && after_colon.first() == Some(&b'"') {
            let value = &after_colon[1..];
            let len = value
                .iter()
                .position(|b| *b == b'"' || *b == b'\\')
                .unwrap_or(value.len());
            if len > 0 {
                out.extend_from_slice(&rest[..key_end + skip + 1]);
                out.extend_from_slice(MARKER.as_bytes());
                rest = &value[len..];
                found = true;
                continue;
            }
        }
        out.extend_from_slice(&rest[..key_end]);
        rest = &rest[key_end..];
    }
    out.extend_from_slice(rest);
    found.then_some(out)
}

/// The end of the next `"access_token"`, `"refresh_token"` or `"token"` in `text` (after its
/// closing quote), and the key's length.
fn next_key(text: &[u8]) -> Option<(usize, usize)> {
    ["\"access_token\"", "\"refresh_token\"", "\"token\""]
        .iter()
        .filter_map(|key| find(text, key.as_bytes()).map(|at| (at + key.len(), key.len())))
        .min()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    find(haystack, needle).is_some()
}
