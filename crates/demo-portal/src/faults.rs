//! Fault injection and request counting, so client tests can see how they cope with a
//! misbehaving portal and count the requests they make.
//!
//! A rule names an endpoint by path pattern (the canonical path: `/portal/sharing/rest/…`,
//! `/server/rest/…`, `/gis/…`, whichever spelling the client used; `*` matches any run of
//! characters) and applies to the next `count` requests there.

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// What to do instead of (or before) the normal answer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultKind {
    /// Answer with this HTTP status (500, 502, …) and an HTML body, as a failing proxy would.
    HttpError {
        /// The status code.
        status: u16,
    },
    /// Wait this long, then answer normally.
    Delay {
        /// Milliseconds.
        millis: u64,
    },
    /// Close the connection without a complete response.
    DropConnection,
    /// Answer HTTP 200 with a truncated JSON body.
    MalformedJson,
    /// Answer the site's 498 "invalid token" error whatever the request.
    InvalidToken,
    /// Answer `generateToken`'s "Invalid username or password." error whatever the request,
    /// as after the password was changed on the site.
    BadCredentials,
    /// Answer HTTP 200 with this JSON text instead of the normal answer, as a hostile or
    /// broken site would (for example a server whose `rest/info` advertises a token service
    /// on another host).
    Answer {
        /// The body, sent as `application/json`.
        body: String,
    },
    /// Answer HTTP 200 `application/json` with a chunked body that does not end (it stops
    /// after [`ENDLESS_BODY_BYTES`] or when the client hangs up), as a hostile site would to
    /// make a client read without limit.
    EndlessBody,
}

/// Where an [`FaultKind::EndlessBody`] gives up: 64 GiB, far beyond what any client should
/// read, but still a bound.
pub const ENDLESS_BODY_BYTES: u64 = 64 * 1024 * 1024 * 1024;

/// One fault rule. (Unknown keys are ignored here: serde cannot refuse them next to the
/// flattened `kind`.)
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct FaultRule {
    /// Canonical path pattern, `*` = any run of characters.
    pub path: String,
    /// The fault.
    #[serde(flatten)]
    pub kind: FaultKind,
    /// How many of the next matching requests get it.
    #[serde(default = "one")]
    pub count: u32,
}

fn one() -> u32 {
    1
}

/// Active fault rules and per-endpoint request counts.
#[derive(Debug, Default)]
pub struct Faults {
    inner: Mutex<FaultsInner>,
}

#[derive(Debug, Default)]
struct FaultsInner {
    rules: Vec<FaultRule>,
    counts: BTreeMap<String, u64>,
}

impl Faults {
    /// Starts with the given rules.
    pub fn new(rules: Vec<FaultRule>) -> Self {
        Self {
            inner: Mutex::new(FaultsInner {
                rules,
                counts: BTreeMap::new(),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FaultsInner> {
        // A panic while holding this lock cannot leave the data inconsistent (plain inserts).
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Counts a request to `path` and takes the first matching fault, if any.
    pub fn on_request(&self, path: &str) -> Option<FaultKind> {
        let mut inner = self.lock();
        *inner.counts.entry(path.to_string()).or_default() += 1;
        let index = inner
            .rules
            .iter()
            .position(|rule| rule.count > 0 && glob_matches(&rule.path, path))?;
        let rule = &mut inner.rules[index];
        rule.count -= 1;
        let kind = rule.kind.clone();
        if rule.count == 0 {
            inner.rules.remove(index);
        }
        Some(kind)
    }

    /// Adds rules after the existing ones.
    pub fn add(&self, rules: Vec<FaultRule>) {
        self.lock().rules.extend(rules);
    }

    /// Removes every rule.
    pub fn clear(&self) {
        self.lock().rules.clear();
    }

    /// The rules still active.
    pub fn rules(&self) -> Vec<FaultRule> {
        self.lock().rules.clone()
    }

    /// Requests seen per canonical path.
    pub fn counts(&self) -> BTreeMap<String, u64> {
        self.lock().counts.clone()
    }

    /// Forgets the request counts.
    pub fn reset_counts(&self) {
        self.lock().counts.clear();
    }
}

/// `*` matches any run of characters (including `/`); everything else literally.
fn glob_matches(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let [first, middle @ .., last] = parts.as_slice() else {
        return pattern == text;
    };
    if parts.len() == 1 {
        return pattern == text;
    }
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_patterns_match_literally_except_for_stars() {
        assert!(glob_matches("/a/b", "/a/b"));
        assert!(!glob_matches("/a/b", "/a/bc"));
        assert!(glob_matches("/a/*", "/a/b/c"));
        assert!(glob_matches("*/token", "/portal/sharing/rest/oauth2/token"));
        assert!(glob_matches(
            "/p*/oauth2/*",
            "/portal/sharing/rest/oauth2/token"
        ));
        assert!(!glob_matches("/server/*", "/gis/rest/info"));
        assert!(glob_matches("*", ""));
    }

    #[test]
    fn a_fault_applies_to_exactly_count_requests_and_every_request_is_counted() {
        let faults = Faults::new(vec![FaultRule {
            path: "/x".into(),
            kind: FaultKind::MalformedJson,
            count: 2,
        }]);
        assert_eq!(faults.on_request("/x"), Some(FaultKind::MalformedJson));
        assert_eq!(faults.on_request("/y"), None);
        assert_eq!(faults.on_request("/x"), Some(FaultKind::MalformedJson));
        assert_eq!(faults.on_request("/x"), None);
        assert_eq!(faults.counts().get("/x"), Some(&3));
        assert!(faults.rules().is_empty());
    }
}
