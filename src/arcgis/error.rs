//! The one error type of the protocol client.
//!
//! Every failure — an ArcGIS error envelope (all variants of the protocol reference §2.3),
//! an HTTP error status, a non-JSON body, a network or TLS failure, a refused browser
//! redirect — becomes an [`ArcGisError`] that says *where* (site), *during what* (step) and
//! *what ArcGIS said*, carries *what to do* as a [`Remedy`] ([`ArcGisError::remedy`]), and
//! that callers branch on through [`ArcGisError::kind`].

use std::fmt;

use serde::Deserialize;
use serde_json::Value;

use crate::remedy::{Credential, Remedy};

/// What went wrong, for callers to branch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// 498: the token is invalid, expired, revoked, or bound to another referer / IP.
    InvalidToken,
    /// 499 (or "no signed in user"): the resource needs a token and none was sent.
    TokenRequired,
    /// 403: the token is valid but lacks the privilege.
    NoPermission,
    /// Wrong user name or password.
    BadCredentials,
    /// The authorization code or refresh token is invalid, used or expired.
    InvalidGrant,
    /// The client ID (or secret) is not known to this portal.
    InvalidClient,
    /// The organisation accepts HTTPS only.
    SslRequired,
    /// The user declined the sign-in in the browser (`error=access_denied`).
    AccessDenied,
    /// The browser came back with a `state` that does not belong to this sign-in.
    StateMismatch,
    /// ArcGIS refused the request for another reason (missing parameters, bad request…).
    Rejected,
    /// The site failed or is overloaded (HTTP 5xx, 429, 503, or such a code in the body).
    ServerError,
    /// The site could not be reached (DNS, refused connection, timeout, proxy).
    Network,
    /// The TLS handshake failed (untrusted or wrong certificate).
    Tls,
    /// The answer was not what this endpoint returns (HTML, malformed JSON, a redirect…).
    UnexpectedResponse,
    /// The site gave a token that was already expired, or nearly, when it arrived: its clock
    /// (or this computer's) or its token lifetime setting is wrong.
    ImplausibleLifetime,
    /// A local setting is unusable (CA file unreadable or without certificates).
    LocalSetup,
}

impl ErrorKind {
    /// What it means, in plain words (what to do is [`ErrorKind::remedy`]).
    pub fn advice(self) -> &'static str {
        match self {
            Self::InvalidToken => {
                "The token is invalid, expired or revoked (or was issued for another referer)."
            }
            Self::TokenRequired => "This resource needs a token.",
            Self::NoPermission => {
                "The signed-in account lacks the privilege for this; ask an administrator or use another account."
            }
            Self::BadCredentials => {
                "The user name or the password is wrong (generateToken compares the user name case-sensitively)."
            }
            Self::InvalidGrant => {
                "The authorization code or refresh token is no longer valid; a new browser sign-in is needed."
            }
            Self::InvalidClient => {
                "The portal does not accept the client ID (or client secret) of the app."
            }
            Self::SslRequired => "This organisation accepts HTTPS only; use an https:// URL.",
            Self::AccessDenied => "The sign-in was declined in the browser.",
            Self::StateMismatch => "The browser's answer does not belong to this sign-in.",
            Self::Rejected => "ArcGIS refused the request; see its message above.",
            Self::ServerError => "The site is failing or overloaded.",
            Self::Network => "The site could not be reached.",
            Self::Tls => {
                "The site's certificate is not trusted (it may be signed by a private or \
                 self-signed CA)."
            }
            Self::UnexpectedResponse => {
                "This does not look like the ArcGIS endpoint expected; check the URL."
            }
            Self::ImplausibleLifetime => {
                "The site's clock (or this computer's) or the site's token lifetime setting \
                 looks wrong."
            }
            Self::LocalSetup => "Check the file path and that it holds PEM certificates.",
        }
    }

    /// What a person must do about it, if anything beyond [`ErrorKind::advice`].
    pub fn remedy(self) -> Option<Remedy> {
        match self {
            Self::InvalidToken
            | Self::TokenRequired
            | Self::InvalidGrant
            | Self::AccessDenied
            | Self::StateMismatch => Some(Remedy::SignIn { profile: None }),
            Self::BadCredentials => Some(Remedy::EnterCredential {
                profile: None,
                credential: Credential::Password,
            }),
            Self::InvalidClient => Some(Remedy::CheckAppRegistration { profile: None }),
            Self::ServerError => Some(Remedy::TryLater { at: None }),
            Self::Network => Some(Remedy::CheckNetwork),
            Self::Tls => Some(Remedy::TrustCaFile { profile: None }),
            Self::ImplausibleLifetime => Some(Remedy::CheckClocks),
            Self::NoPermission
            | Self::SslRequired
            | Self::Rejected
            | Self::UnexpectedResponse
            | Self::LocalSetup => None,
        }
    }
}

/// What an ArcGIS error envelope said, whatever its variant.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiMessage {
    /// The HTTP status of the response.
    pub http_status: u16,
    /// `code` (498, 499, 403, 400…), when present.
    pub code: Option<i64>,
    /// `messageCode` (`GWM_0003`, `OAUTH_0066`…), when present.
    pub message_code: Option<String>,
    /// The OAuth error code (`invalid_client_id`, `invalid_request`, `access_denied`…).
    pub oauth_error: Option<String>,
    /// `message`, `error_description`, or the admin API's first message.
    pub message: Option<String>,
    /// `details` (array or single string) and further admin messages.
    pub details: Vec<String>,
}

impl fmt::Display for ApiMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ArcGIS said")?;
        if let Some(code) = self.code {
            write!(f, " {code}")?;
        }
        if let Some(message_code) = &self.message_code {
            write!(f, " {message_code}")?;
        }
        if let Some(oauth) = &self.oauth_error {
            write!(f, " {oauth}")?;
        }
        match &self.message {
            Some(message) => write!(f, ": \"{message}\"")?,
            None => f.write_str(": (no message)")?,
        }
        let extra: Vec<&String> = self
            .details
            .iter()
            .filter(|d| Some(*d) != self.message.as_ref())
            .collect();
        if !extra.is_empty() {
            let joined: Vec<&str> = extra.iter().map(|d| d.as_str()).collect();
            write!(f, " ({})", joined.join("; "))?;
        }
        if self.http_status != 200 {
            write!(f, " [HTTP {}]", self.http_status)?;
        }
        Ok(())
    }
}

/// Why the call failed, in the words of whoever failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cause {
    /// An ArcGIS error envelope (or a redirect carrying `error=`).
    Api(ApiMessage),
    /// An HTTP error status without a recognisable envelope.
    Http {
        /// The status code.
        status: u16,
        /// The start of the body, when it is text (HTML error pages).
        excerpt: String,
    },
    /// A transport failure, as the HTTP library reported it.
    Transport(String),
    /// A body or redirect that does not fit what the endpoint returns.
    Unexpected(String),
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Api(message) => message.fmt(f),
            Self::Http { status, excerpt } if excerpt.is_empty() => write!(f, "HTTP {status}"),
            Self::Http { status, excerpt } => write!(f, "HTTP {status}: \"{excerpt}\""),
            Self::Transport(text) | Self::Unexpected(text) => f.write_str(text),
        }
    }
}

/// A failed ArcGIS call: which site, which step, what was said, and (via the kind) what to do.
/// The text never names a command or a button: surfaces render [`ArcGisError::remedy`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{step} at {site} failed: {cause}. {advice}", advice = self.kind.advice())]
pub struct ArcGisError {
    kind: ErrorKind,
    site: String,
    step: &'static str,
    cause: Box<Cause>,
}

impl ArcGisError {
    /// An error of the given kind.
    pub fn new(kind: ErrorKind, site: impl Into<String>, step: &'static str, cause: Cause) -> Self {
        Self {
            kind,
            site: site.into(),
            step,
            cause: Box::new(cause),
        }
    }

    /// An error from an ArcGIS envelope, classified from its content.
    pub fn from_api(site: impl Into<String>, step: &'static str, message: ApiMessage) -> Self {
        Self::new(classify(&message), site, step, Cause::Api(message))
    }

    /// What went wrong, for callers to branch on.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// What a person must do about it, if anything.
    pub fn remedy(&self) -> Option<Remedy> {
        self.kind.remedy()
    }

    /// The site (host or root) the call went to.
    pub fn site(&self) -> &str {
        &self.site
    }

    /// The step, e.g. "exchanging the authorization code".
    pub fn step(&self) -> &'static str {
        self.step
    }

    /// What failed, in the words of whoever failed.
    pub fn cause(&self) -> &Cause {
        &self.cause
    }
}

/// Classifies an ArcGIS error message. Order matters: OAuth codes and well-known texts
/// first, then the numeric code, then the HTTP status.
fn classify(message: &ApiMessage) -> ErrorKind {
    let texts: Vec<String> = message
        .message
        .iter()
        .chain(message.details.iter())
        .map(|t| t.to_ascii_lowercase())
        .collect();
    let says = |needle: &str| texts.iter().any(|t| t.contains(needle));

    if let Some(oauth) = message.oauth_error.as_deref() {
        match oauth {
            "access_denied" => return ErrorKind::AccessDenied,
            "invalid_grant" => return ErrorKind::InvalidGrant,
            "invalid_client" | "invalid_client_id" | "unauthorized_client" => {
                return ErrorKind::InvalidClient;
            }
            // Real portals send `invalid_request` for expired/invalid refresh tokens and
            // codes (rest-js mocks); other invalid_request bodies are UNCONFIRMED.
            "invalid_request"
                if says("refresh_token")
                    || says("code_verifier")
                    || says("authorization code")
                    || says("invalid code") =>
            {
                return ErrorKind::InvalidGrant;
            }
            _ => {}
        }
    }
    if says("ssl required") {
        return ErrorKind::SslRequired;
    }
    if says("invalid username or password") || says("invalid credentials") {
        return ErrorKind::BadCredentials;
    }
    if says("invalid client_id") || says("invalid client id") || says("invalid client_secret") {
        return ErrorKind::InvalidClient;
    }
    // "No signed in user found." (platformSelf, OAUTH_0066): a sign-in is needed.
    if message.message_code.as_deref() == Some("OAUTH_0066") {
        return ErrorKind::TokenRequired;
    }
    message
        .code
        .and_then(|code| u16::try_from(code).ok())
        .and_then(kind_for_status)
        .or_else(|| kind_for_status(message.http_status))
        .unwrap_or(ErrorKind::Rejected)
}

/// The kind a status says by itself (as `code` in an envelope or as the HTTP status):
/// 498 / 499 as ArcGIS uses them, 401 = sign-in needed, 403 = not allowed, 429 / 5xx =
/// failing or overloaded. Other statuses say nothing definite.
pub(crate) fn kind_for_status(status: u16) -> Option<ErrorKind> {
    match status {
        498 => Some(ErrorKind::InvalidToken),
        401 | 499 => Some(ErrorKind::TokenRequired),
        403 => Some(ErrorKind::NoPermission),
        429 | 500..=599 => Some(ErrorKind::ServerError),
        _ => None,
    }
}

/// `details`: an array of strings, a single string (old Server generateToken) or null.
#[derive(Debug, Default, Deserialize)]
#[serde(untagged)]
enum Details {
    Many(Vec<Value>),
    One(String),
    #[default]
    None,
}

impl Details {
    fn into_strings(self) -> Vec<String> {
        match self {
            Self::Many(values) => values
                .into_iter()
                .map(|v| match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                })
                .collect(),
            Self::One(text) => vec![text],
            Self::None => Vec::new(),
        }
    }
}

/// The fields any envelope variant may carry (A, B inside `error`; C, E and bare at top level).
#[derive(Debug, Default, Deserialize)]
struct EnvelopeFields {
    #[serde(default)]
    code: Option<Value>,
    #[serde(default, rename = "messageCode")]
    message_code: Option<String>,
    #[serde(default)]
    error: Option<Value>,
    #[serde(default)]
    error_description: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    messages: Option<Vec<String>>,
    #[serde(default)]
    details: Option<Details>,
}

fn code_number(code: Option<&Value>) -> Option<i64> {
    match code? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

impl EnvelopeFields {
    fn into_message(self, http_status: u16) -> ApiMessage {
        let oauth_error = match &self.error {
            Some(Value::String(s)) => Some(s.clone()),
            _ => None,
        };
        let mut details = self.details.unwrap_or_default().into_strings();
        let mut messages = self.messages.unwrap_or_default().into_iter();
        let message = self
            .message
            .or(self.error_description)
            .or_else(|| messages.next());
        details.extend(messages);
        ApiMessage {
            http_status,
            code: code_number(self.code.as_ref()),
            message_code: self.message_code,
            oauth_error,
            message,
            details,
        }
    }
}

/// Finds an error envelope in a JSON body, if there is one:
///
/// * A / B / D: `{"error": {...}}` (REST, OAuth, old generateToken with string `details`);
/// * RFC 6749 style `{"error": "invalid_grant", "error_description": ...}`;
/// * C: `{"status": "error", "messages": [...], "code": 498}` (Server admin API);
/// * E: `{"status": "failure", "code": 500, "message": ..., "details": null}`;
/// * a bare `{"code": 400, "messageCode": ..., "message": ...}` without a wrapper (the
///   `platformSelf` doc example F20e; whether live bodies are wrapped is UNCONFIRMED, so both
///   are accepted). A bare `code` counts only when it is ≥ 400 and a message comes with it.
pub fn find_envelope(body: &Value, http_status: u16) -> Option<ApiMessage> {
    let object = body.as_object()?;
    if let Some(inner) = object.get("error") {
        return match inner {
            Value::Object(_) => serde_json::from_value::<EnvelopeFields>(inner.clone())
                .ok()
                .map(|fields| fields.into_message(http_status)),
            Value::String(_) => serde_json::from_value::<EnvelopeFields>(body.clone())
                .ok()
                .map(|fields| fields.into_message(http_status)),
            _ => Some(ApiMessage {
                http_status,
                message: Some(inner.to_string()),
                ..ApiMessage::default()
            }),
        };
    }
    let status = object.get("status").and_then(Value::as_str);
    let bare_error = code_number(object.get("code")).is_some_and(|code| code >= 400)
        && (object.contains_key("message") || object.contains_key("messageCode"));
    if matches!(status, Some("error" | "failure")) || bare_error {
        return serde_json::from_value::<EnvelopeFields>(body.clone())
            .ok()
            .map(|fields| fields.into_message(http_status));
    }
    None
}
