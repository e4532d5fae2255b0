//! The HTTP client (reqwest over rustls) and the one place where a request is sent and its
//! response becomes a typed value or an [`ArcGisError`].
//!
//! * Redirects are never followed: every call here is either a token call (secrets in the
//!   body must not be re-posted to another address) or a read that must answer at the
//!   normalised URL; a 3xx becomes an error that names the target.
//! * Connect and total timeouts; `HTTPS_PROXY` / `NO_PROXY` are honoured because reqwest
//!   reads them from the environment unless told otherwise, and nothing here tells it to.
//! * A custom CA file (PEM, one or more certificates) is *added* to the platform roots
//!   (reqwest's `tls_certs_merge` → rustls-platform-verifier `new_with_extra_roots`).
//! * Every request is a form-encoded POST with `f=json`; secrets go only into the body.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::TimeDelta;
use reqwest::header::{DATE, LOCATION, REFERER};
use serde::de::DeserializeOwned;
use serde_json::Value;
use url::Url;

use super::error::{ArcGisError, Cause, ErrorKind, find_envelope, kind_for_status};
use super::time::{AnswerTime, Instant, span};

/// How to build an [`ArcGisClient`].
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// A PEM file with one or more CA certificates to trust in addition to the system roots.
    pub ca_file: Option<PathBuf>,
    /// Time allowed to establish a connection (TCP + TLS).
    pub connect_timeout: Duration,
    /// Time allowed for a whole request, from sending to the last byte of the answer.
    pub timeout: Duration,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            ca_file: None,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
        }
    }
}

/// The protocol client: one connection pool, shared by all calls.
#[derive(Debug, Clone)]
pub struct ArcGisClient {
    http: reqwest::Client,
}

/// One request: where it goes, what it is for, and its form fields (`f=json` is added).
/// Deliberately not `Debug`: the form holds exposed secrets.
pub(crate) struct Call<'a> {
    /// The endpoint.
    pub url: Url,
    /// The site to name in errors (a portal's Sharing REST root or a server root).
    pub site: &'a str,
    /// The step to name in errors, e.g. "exchanging the authorization code".
    pub step: &'static str,
    /// Form fields. Secret values are exposed into this list and nowhere else.
    pub form: Vec<(&'static str, String)>,
    /// A `Referer` header, for flows that bind tokens to a referer.
    pub referer: Option<&'a str>,
}

/// A typed response built from its wire shape. `time` turns relative lifetimes into instants
/// and moves the site's absolute times onto this computer's clock.
pub trait FromWire: Sized {
    /// The JSON shape on the wire.
    type Wire: DeserializeOwned;
    /// Builds the typed value; `Err` says what is missing or malformed.
    fn from_wire(wire: Self::Wire, time: &AnswerTime) -> Result<Self, String>;
    /// For a token answer: when the token ends, on this computer's clock. A token that
    /// arrives with less than [`MIN_TOKEN_LIFETIME`] left is refused as a whole
    /// ([`ErrorKind::ImplausibleLifetime`]): taking it would only start the next renewal.
    fn token_ends_at(&self) -> Option<Instant> {
        None
    }
}

/// The least life a new token must have to be taken. Real tokens last 30 minutes or more;
/// the demo portal's shortest test tokens last 20 seconds.
pub const MIN_TOKEN_LIFETIME: TimeDelta = TimeDelta::seconds(10);

/// Implements [`FromWire`] for types whose wire shape is the typed value itself.
macro_rules! wire_is_typed {
    ($($ty:ty),* $(,)?) => {
        $(impl $crate::arcgis::http::FromWire for $ty {
            type Wire = $ty;
            fn from_wire(
                wire: $ty,
                _time: &$crate::arcgis::time::AnswerTime,
            ) -> Result<Self, String> {
                Ok(wire)
            }
        })*
    };
}
pub(crate) use wire_is_typed;

impl ArcGisClient {
    /// Builds the client. Fails (kind [`ErrorKind::LocalSetup`]) when the CA file cannot be
    /// read or holds no certificate.
    pub fn new(options: &ClientOptions) -> Result<Self, ArcGisError> {
        let mut builder = reqwest::Client::builder()
            .user_agent(concat!("tokendesk/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(options.connect_timeout)
            .timeout(options.timeout);
        if let Some(path) = &options.ca_file {
            builder = builder.tls_certs_merge(read_ca_file(path)?);
        }
        let http = builder.build().map_err(|err| {
            ArcGisError::new(
                ErrorKind::LocalSetup,
                "this computer",
                "setting up the HTTPS client",
                Cause::Transport(error_chain(&err)),
            )
        })?;
        Ok(Self { http })
    }

    /// Sends `call` as a form POST with `f=json` and decodes the answer.
    pub(crate) async fn post<R: FromWire>(
        &self,
        call: Call<'_>,
        now: Instant,
    ) -> Result<R, ArcGisError> {
        let Call {
            url,
            site,
            step,
            mut form,
            referer,
        } = call;
        form.push(("f", "json".to_owned()));
        tracing::debug!(url = %url, step, "ArcGIS request");
        let mut request = self.http.post(url).form(&form);
        if let Some(referer) = referer {
            request = request.header(REFERER, referer);
        }
        let response = request
            .send()
            .await
            .map_err(|err| transport_error(&err, site, step))?;
        let status = response.status();
        if status.is_redirection() {
            let location = response
                .headers()
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("(no Location header)")
                .to_owned();
            return Err(ArcGisError::new(
                ErrorKind::UnexpectedResponse,
                site,
                step,
                Cause::Unexpected(format!(
                    "the site answered with a redirect (HTTP {}) to {location}; requests are \
                     never forwarded to another address. If the site has moved, use its new URL",
                    status.as_u16()
                )),
            ));
        }
        let time = AnswerTime {
            now,
            site_now: response
                .headers()
                .get(DATE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| chrono::DateTime::parse_from_rfc2822(v).ok())
                .map(|at| at.to_utc()),
        };
        let body = read_capped(response, site, step).await?;
        decode_at(status.as_u16(), &body, site, step, &time)
    }
}

impl ArcGisClient {
    /// GETs a page (HTML; no `f=json`), redirects not followed: its status and its body
    /// (at most [`MAX_ANSWER_BYTES`]).
    pub(crate) async fn get_page(
        &self,
        url: url::Url,
        site: &str,
        step: &'static str,
    ) -> Result<(u16, Vec<u8>), ArcGisError> {
        tracing::debug!(url = %url, step, "ArcGIS page");
        let response = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|err| transport_error(&err, site, step))?;
        let status = response.status().as_u16();
        let body = read_capped(response, site, step).await?;
        Ok((status, body))
    }
}

/// The most of an answer that is ever read: 4 MiB.
///
/// ArcGIS answers to the calls made here are small: a token answer is under 2 KiB and the
/// largest, a big organisation's `portals/self`, is a few hundred KiB. Without a cap a hostile
/// or broken site streaming an endless body would be read into memory until the process dies
/// (the total timeout bounds the time, not the bytes).
pub const MAX_ANSWER_BYTES: usize = 4 * 1024 * 1024;

/// Reads the body chunk by chunk, refusing it as soon as it passes [`MAX_ANSWER_BYTES`]
/// (or announces more in `Content-Length`): memory stays bounded whatever the site sends.
async fn read_capped(
    mut response: reqwest::Response,
    site: &str,
    step: &'static str,
) -> Result<Vec<u8>, ArcGisError> {
    let too_large = |what: String| {
        ArcGisError::new(
            ErrorKind::UnexpectedResponse,
            site,
            step,
            Cause::Unexpected(format!(
                "{what}; ArcGIS answers here are far smaller, so the rest was not read. The \
                 address may not be an ArcGIS site, or the site (or a proxy in between) is \
                 misbehaving"
            )),
        )
    };
    let limit_text = || format!("{} MiB", MAX_ANSWER_BYTES / (1024 * 1024));
    if let Some(length) = response.content_length()
        && length > MAX_ANSWER_BYTES as u64
    {
        return Err(too_large(format!(
            "the answer announces {length} bytes, more than the {} TokenDesk reads",
            limit_text()
        )));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|err| transport_error(&err, site, step))?
    {
        if body.len() + chunk.len() > MAX_ANSWER_BYTES {
            return Err(too_large(format!(
                "the answer is larger than the {} TokenDesk reads",
                limit_text()
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Turns an HTTP status and body into `R` or the right error. Public so that recorded
/// bodies (fixtures) go through exactly the path live answers take.
pub fn decode<R: FromWire>(
    status: u16,
    body: &[u8],
    site: &str,
    step: &'static str,
    now: Instant,
) -> Result<R, ArcGisError> {
    decode_at(status, body, site, step, &AnswerTime::local(now))
}

/// [`decode`] with the site's time of the answer (its `Date` header) as well.
pub fn decode_at<R: FromWire>(
    status: u16,
    body: &[u8],
    site: &str,
    step: &'static str,
    time: &AnswerTime,
) -> Result<R, ArcGisError> {
    let value: Value = match serde_json::from_slice(body) {
        Ok(value) => value,
        Err(err) => {
            if status >= 400 {
                return Err(http_status_error(status, body, site, step));
            }
            return Err(ArcGisError::new(
                ErrorKind::UnexpectedResponse,
                site,
                step,
                Cause::Unexpected(if looks_like_json(body) {
                    format!(
                        "the answer is cut-off or malformed JSON ({err}); its {} bytes are not \
                         shown because they may hold a token",
                        body.len()
                    )
                } else {
                    format!(
                        "the answer is not JSON ({err}); it starts with \"{}\"",
                        excerpt(body)
                    )
                }),
            ));
        }
    };
    if let Some(message) = find_envelope(&value, status) {
        return Err(ArcGisError::from_api(site, step, message));
    }
    if status >= 400 {
        return Err(http_status_error(status, body, site, step));
    }
    let unexpected = |what: String| {
        ArcGisError::new(
            ErrorKind::UnexpectedResponse,
            site,
            step,
            Cause::Unexpected(format!(
                "the JSON answer is not what this endpoint returns: {what}"
            )),
        )
    };
    let wire =
        serde_json::from_value::<R::Wire>(value).map_err(|err| unexpected(err.to_string()))?;
    let typed = R::from_wire(wire, time).map_err(unexpected)?;
    if let Some(ends_at) = typed.token_ends_at()
        && ends_at - time.now < MIN_TOKEN_LIFETIME
    {
        return Err(ArcGisError::new(
            ErrorKind::ImplausibleLifetime,
            site,
            step,
            Cause::Unexpected(short_lived(ends_at, time)),
        ));
    }
    Ok(typed)
}

/// Says how short-lived a token was, and the site's clock when that explains it.
fn short_lived(ends_at: Instant, time: &AnswerTime) -> String {
    let left = ends_at - time.now;
    let what = if left <= TimeDelta::zero() {
        format!(
            "the token it gave had already expired when it arrived (it ended {} before this \
             computer's time)",
            span(-left)
        )
    } else {
        format!(
            "the token it gave lasts only {} s, too short to use",
            left.num_seconds()
        )
    };
    match time.skew_note() {
        Some(skew) => format!("{what}; {skew}"),
        None => what,
    }
}

fn http_status_error(status: u16, body: &[u8], site: &str, step: &'static str) -> ArcGisError {
    // A 404 page or similar without an envelope: probably not the endpoint meant.
    let kind = kind_for_status(status).unwrap_or(ErrorKind::UnexpectedResponse);
    ArcGisError::new(
        kind,
        site,
        step,
        Cause::Http {
            status,
            excerpt: excerpt(body),
        },
    )
}

/// A short, single-line view of a body: an HTML page's `<title>`, else its first characters.
///
/// A body that starts like JSON is never quoted (the excerpt is empty): a token answer cut
/// short (`{"access_token":"…`) would otherwise put the token into an error message, a log
/// line or the status shown to the person.
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    if looks_like_json(body) {
        return String::new();
    }
    let lower = text.to_ascii_lowercase();
    let shown = match (lower.find("<title>"), lower.find("</title>")) {
        (Some(start), Some(end)) if start + 7 <= end => &text[start + 7..end],
        _ => &text,
    };
    let collapsed: String = shown.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut short: String = collapsed.chars().take(120).collect();
    if collapsed.chars().count() > 120 {
        short.push('…');
    }
    short
}

/// Whether a body starts like a JSON document (after white space).
fn looks_like_json(body: &[u8]) -> bool {
    body.iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| matches!(b, b'{' | b'['))
}

fn read_ca_file(path: &Path) -> Result<Vec<reqwest::Certificate>, ArcGisError> {
    let site = path.display().to_string();
    let step = "reading the CA file";
    let setup = |text: String| {
        ArcGisError::new(
            ErrorKind::LocalSetup,
            site.clone(),
            step,
            Cause::Unexpected(text),
        )
    };
    let pem = std::fs::read(path).map_err(|err| setup(format!("cannot read it: {err}")))?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem)
        .map_err(|err| setup(format!("it is not PEM: {}", error_chain(&err))))?;
    if certs.is_empty() {
        return Err(setup(
            "it holds no PEM certificate (-----BEGIN CERTIFICATE-----)".to_owned(),
        ));
    }
    Ok(certs)
}

fn transport_error(err: &reqwest::Error, site: &str, step: &'static str) -> ArcGisError {
    let text = error_chain(err);
    let kind = if is_tls_failure(err) {
        ErrorKind::Tls
    } else {
        ErrorKind::Network
    };
    let text = if err.is_timeout() {
        format!("timed out ({text})")
    } else {
        text
    };
    ArcGisError::new(kind, site, step, Cause::Transport(text))
}

/// The error and all its sources, joined by `: `.
fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![err.to_string()];
    let mut source = err.source();
    while let Some(inner) = source {
        let text = inner.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = inner.source();
    }
    parts.join(": ")
}

/// Whether a rustls error sits anywhere in the chain. `io::Error::source` skips the error
/// it wraps, so wrapped errors are looked at through `get_ref` as well.
fn is_tls_failure(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(err);
    while let Some(inner) = current {
        if inner.downcast_ref::<rustls::Error>().is_some() {
            return true;
        }
        if let Some(io) = inner.downcast_ref::<std::io::Error>()
            && io.get_ref().is_some_and(|wrapped| is_tls_failure(wrapped))
        {
            return true;
        }
        current = inner.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arcgis::oauth::OAuthTokens;

    fn now() -> Instant {
        chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap()
    }

    #[test]
    fn a_token_answer_cut_short_never_shows_the_token_in_the_error() {
        let token = "SECRETtoken0123456789abcdefSECRET";
        for body in [
            format!("{{\"access_token\":\"{token}\""),
            format!("  [{{\"access_token\":\"{token}\""),
        ] {
            let err = decode::<OAuthTokens>(200, body.as_bytes(), "site", "refreshing", now())
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::UnexpectedResponse);
            let shown = format!("{err} {err:?}");
            assert!(!shown.contains(token), "{shown}");
            assert!(shown.contains("not shown"), "{shown}");
            let failed = decode::<OAuthTokens>(500, body.as_bytes(), "site", "refreshing", now())
                .unwrap_err();
            let shown = format!("{failed} {failed:?}");
            assert!(!shown.contains(token), "{shown}");
        }
    }

    #[test]
    fn an_html_error_page_is_shown_by_its_title() {
        let body = b"<html><head><title>Service Unavailable</title></head><body>x</body></html>";
        let err = decode::<OAuthTokens>(200, body, "site", "refreshing", now()).unwrap_err();
        assert!(err.to_string().contains("Service Unavailable"), "{err}");
    }
}
