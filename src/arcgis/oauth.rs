//! OAuth 2.0 on the portal: PKCE, the authorize URL, the redirect the browser comes back
//! with, the token grants (`oauth2/token`) and `oauth2/revokeToken`.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use url::Url;

use super::error::{ApiMessage, ArcGisError, Cause, ErrorKind};
use super::http::{ArcGisClient, Call, FromWire};
use super::time::{
    AnswerTime, Expiration, Instant, MAX_ACCESS_LIFETIME, MAX_REFRESH_LIFETIME, WireNumber,
    after_seconds, lifetime_in_seconds,
};
use super::url::PortalUrl;
use crate::secret::{AccessToken, PkceVerifier, RefreshToken, Secret};

/// The out-of-band redirect URI: the portal shows the code on a page instead of redirecting.
pub const OOB_REDIRECT_URI: &str = "urn:ietf:wg:oauth:2.0:oob";

/// A PKCE pair: the secret verifier and its S256 challenge.
#[derive(Debug, Clone)]
pub struct Pkce {
    verifier: PkceVerifier,
    challenge: String,
}

impl Pkce {
    /// A fresh pair: the verifier is base64url of 32 random bytes (43 characters), as
    /// rest-js makes it.
    pub fn generate() -> Self {
        Self::from_verifier(random_base64url(32))
    }

    /// The pair for a given verifier.
    pub fn from_verifier(verifier: impl Into<String>) -> Self {
        let verifier = verifier.into();
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        Self {
            verifier: Secret::new(verifier),
            challenge,
        }
    }

    /// The verifier, sent only in the code exchange.
    pub fn verifier(&self) -> &PkceVerifier {
        &self.verifier
    }

    /// `code_challenge` for `code_challenge_method=S256`.
    pub fn challenge(&self) -> &str {
        &self.challenge
    }
}

/// A random, URL-safe `state` value (base64url of 32 random bytes).
pub fn random_state() -> String {
    random_base64url(32)
}

fn random_base64url(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buffer);
    URL_SAFE_NO_PAD.encode(buffer)
}

/// Where the portal sends the browser after sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedirectUri {
    /// `http://127.0.0.1:PORT/PATH` — a loopback listener of this app.
    Loopback {
        /// The listener's port.
        port: u16,
        /// The path, e.g. `/callback` (a leading `/` is added when missing).
        path: String,
    },
    /// `urn:ietf:wg:oauth:2.0:oob` — the portal shows the code for the user to paste.
    OutOfBand,
}

impl fmt::Display for RedirectUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Loopback { port, path } => {
                let path = path.trim_start_matches('/');
                write!(f, "http://127.0.0.1:{port}/{path}")
            }
            Self::OutOfBand => f.write_str(OOB_REDIRECT_URI),
        }
    }
}

/// What goes into the authorize URL (`response_type=code`, PKCE S256).
#[derive(Debug, Clone)]
pub struct AuthorizeRequest<'a> {
    /// The app's client ID.
    pub client_id: &'a str,
    /// Where the browser comes back.
    pub redirect_uri: &'a RedirectUri,
    /// The refresh token's lifetime (minutes; `Never` = `-1`).
    pub expiration: Expiration,
    /// The CSRF `state`, checked when the browser comes back.
    pub state: &'a str,
    /// The PKCE pair; only its challenge goes into the URL.
    pub pkce: &'a Pkce,
}

/// The URL to open in the browser: `{portal}/sharing/rest/oauth2/authorize?…`.
pub fn authorize_url(portal: &PortalUrl, request: &AuthorizeRequest<'_>) -> Url {
    let mut url = portal.endpoint("oauth2/authorize");
    url.query_pairs_mut()
        .append_pair("client_id", request.client_id)
        .append_pair("response_type", "code")
        .append_pair("expiration", &request.expiration.to_param())
        .append_pair("redirect_uri", &request.redirect_uri.to_string())
        .append_pair("state", request.state)
        .append_pair("code_challenge_method", "S256")
        .append_pair("code_challenge", request.pkce.challenge());
    url
}

/// What `oauth2/authorize` says about an app before anyone signs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppCheck {
    /// The portal showed its sign-in page: it knows the client ID and takes the redirect.
    Known,
    /// The portal says "Invalid client_id": no app with this ID is registered there.
    UnknownClientId,
    /// The portal knows the app but not this redirect URI.
    RedirectNotRegistered,
    /// The answer says neither (a portal that words its pages otherwise): nothing known.
    Unclear,
}

/// Asks the portal's `oauth2/authorize` page about `client_id` and `redirect_uri`, as a
/// browser would before signing in (nothing is signed in; the page's pending sign-in simply
/// expires). Reads the page's words: ArcGIS shows "Invalid client_id" or "Invalid
/// redirect_uri" on an error page, and its sign-in page otherwise.
pub async fn check_app(
    client: &ArcGisClient,
    portal: &PortalUrl,
    client_id: &str,
    redirect_uri: &RedirectUri,
) -> Result<AppCheck, ArcGisError> {
    let pkce = Pkce::generate();
    let state = random_state();
    let url = authorize_url(
        portal,
        &AuthorizeRequest {
            client_id,
            redirect_uri,
            expiration: Expiration::Minutes(20_160),
            state: &state,
            pkce: &pkce,
        },
    );
    let (status, body) = client
        .get_page(url, portal.base(), "checking the app registration")
        .await?;
    let page = String::from_utf8_lossy(&body).to_ascii_lowercase();
    Ok(if page.contains("invalid client_id") {
        AppCheck::UnknownClientId
    } else if page.contains("invalid redirect_uri") {
        AppCheck::RedirectNotRegistered
    } else if (200..300).contains(&status) && page.contains("oauth_state") {
        AppCheck::Known
    } else {
        AppCheck::Unclear
    })
}

/// Tokens from `oauth2/token` (or an implicit-flow fragment), with absolute expiry times.
#[derive(Debug, Clone)]
pub struct OAuthTokens {
    /// The access token.
    pub access_token: AccessToken,
    /// When it expires (`now + expires_in`).
    pub expires_at: Instant,
    /// The user, for user grants (absent for `client_credentials`); verbatim.
    pub username: Option<String>,
    /// Whether the token may only be used over HTTPS (missing = false, as rest-js reads it).
    pub ssl: bool,
    /// A refresh token (only `authorization_code` and `exchange_refresh_token` grants).
    pub refresh_token: Option<RefreshToken>,
    /// When the refresh token expires (`now + refresh_token_expires_in`); `None` when not
    /// said or when it does not expire.
    pub refresh_token_expires_at: Option<Instant>,
    /// What was odd about the answer and how it was taken (a lifetime clamped, the site's
    /// clock off); for the activity log.
    pub notes: Vec<String>,
}

/// The wire shape of a token answer.
#[derive(Debug, Deserialize)]
pub struct OAuthTokensWire {
    access_token: AccessToken,
    expires_in: WireNumber,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    ssl: Option<bool>,
    #[serde(default)]
    refresh_token: Option<RefreshToken>,
    #[serde(default)]
    refresh_token_expires_in: Option<WireNumber>,
}

impl FromWire for OAuthTokens {
    type Wire = OAuthTokensWire;

    fn from_wire(wire: OAuthTokensWire, time: &AnswerTime) -> Result<Self, String> {
        let access = lifetime_in_seconds(time.now, &wire.expires_in, MAX_ACCESS_LIFETIME, "token")
            .ok_or_else(|| format!("expires_in {} is not a lifetime", wire.expires_in))?;
        // Negative or unreadable: the refresh token does not expire (after `expiration=-1`).
        let refresh = wire.refresh_token_expires_in.as_ref().and_then(|seconds| {
            lifetime_in_seconds(time.now, seconds, MAX_REFRESH_LIFETIME, "refresh token")
        });
        let mut notes: Vec<String> = [access.clamped]
            .into_iter()
            .chain([refresh.as_ref().and_then(|r| r.clamped.clone())])
            .flatten()
            .collect();
        notes.extend(time.skew_note());
        Ok(Self {
            access_token: wire.access_token,
            expires_at: access.ends_at,
            username: wire.username,
            ssl: wire.ssl.unwrap_or(false),
            refresh_token: wire.refresh_token,
            refresh_token_expires_at: refresh.map(|r| r.ends_at),
            notes,
        })
    }

    fn token_ends_at(&self) -> Option<Instant> {
        Some(self.expires_at)
    }
}

/// A grant for `oauth2/token`.
#[derive(Debug, Clone)]
pub enum Grant<'a> {
    /// `authorization_code`: the code from the redirect, with the PKCE verifier.
    AuthorizationCode {
        /// The code.
        code: &'a Secret<String>,
        /// The same redirect URI as in the authorize URL.
        redirect_uri: &'a RedirectUri,
        /// The PKCE verifier.
        code_verifier: &'a PkceVerifier,
    },
    /// `refresh_token`: a new access token only.
    RefreshToken {
        /// The refresh token.
        refresh_token: &'a RefreshToken,
    },
    /// `exchange_refresh_token`: a new access token and a new refresh token (the old one dies).
    ExchangeRefreshToken {
        /// The refresh token to trade in.
        refresh_token: &'a RefreshToken,
        /// The app's redirect URI (required by the portal).
        redirect_uri: &'a RedirectUri,
    },
    /// `client_credentials`: an app token (no refresh token, no user name).
    ClientCredentials {
        /// The app's client secret.
        client_secret: &'a Secret<String>,
        /// The token's lifetime (minutes); the portal's default when `None`.
        expiration: Option<Expiration>,
    },
}

impl Grant<'_> {
    fn step(&self) -> &'static str {
        match self {
            Self::AuthorizationCode { .. } => "exchanging the authorization code",
            Self::RefreshToken { .. } => "refreshing the access token",
            Self::ExchangeRefreshToken { .. } => "exchanging the refresh token",
            Self::ClientCredentials { .. } => "getting an app token (client credentials)",
        }
    }

    fn form(&self, client_id: &str) -> Vec<(&'static str, String)> {
        let mut form = vec![("client_id", client_id.to_owned())];
        match self {
            Self::AuthorizationCode {
                code,
                redirect_uri,
                code_verifier,
            } => form.extend([
                ("grant_type", "authorization_code".to_owned()),
                ("code", code.expose().clone()),
                ("redirect_uri", redirect_uri.to_string()),
                ("code_verifier", code_verifier.expose().clone()),
            ]),
            Self::RefreshToken { refresh_token } => form.extend([
                ("grant_type", "refresh_token".to_owned()),
                ("refresh_token", refresh_token.expose().clone()),
            ]),
            Self::ExchangeRefreshToken {
                refresh_token,
                redirect_uri,
            } => form.extend([
                ("grant_type", "exchange_refresh_token".to_owned()),
                ("refresh_token", refresh_token.expose().clone()),
                ("redirect_uri", redirect_uri.to_string()),
            ]),
            Self::ClientCredentials {
                client_secret,
                expiration,
            } => {
                form.extend([
                    ("grant_type", "client_credentials".to_owned()),
                    ("client_secret", client_secret.expose().clone()),
                ]);
                if let Some(expiration) = expiration {
                    form.push(("expiration", expiration.to_param()));
                }
            }
        }
        form
    }
}

/// `POST {portal}/sharing/rest/oauth2/token` with `grant`. `now` anchors `expires_in`.
pub async fn request_token(
    client: &ArcGisClient,
    portal: &PortalUrl,
    client_id: &str,
    grant: &Grant<'_>,
    now: Instant,
) -> Result<OAuthTokens, ArcGisError> {
    let site = portal.sharing_rest();
    let call = Call {
        url: portal.endpoint("oauth2/token"),
        site: &site,
        step: grant.step(),
        form: grant.form(client_id),
        referer: None,
    };
    client.post(call, now).await
}

/// Which kind of token is being revoked (`token_type_hint`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenTypeHint {
    /// An access token.
    AccessToken,
    /// A refresh token (revoking it also revokes the access tokens issued from it).
    RefreshToken,
}

/// `{"success": true|false}` of `revokeToken`.
#[derive(Debug, Deserialize)]
pub struct RevokeWire {
    success: bool,
}

/// The portal confirmed the revocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Revoked;

impl FromWire for Revoked {
    type Wire = RevokeWire;

    fn from_wire(wire: RevokeWire, _time: &AnswerTime) -> Result<Self, String> {
        if wire.success {
            Ok(Self)
        } else {
            Err("the portal answered success:false (unable to revoke the token)".to_owned())
        }
    }
}

/// `POST {portal}/sharing/rest/oauth2/revokeToken`. The portal reports success even for
/// unknown or expired tokens.
pub async fn revoke_token<R>(
    client: &ArcGisClient,
    portal: &PortalUrl,
    client_id: &str,
    token: &Secret<String, R>,
    hint: TokenTypeHint,
    now: Instant,
) -> Result<Revoked, ArcGisError> {
    let site = portal.sharing_rest();
    let hint = match hint {
        TokenTypeHint::AccessToken => "access_token",
        TokenTypeHint::RefreshToken => "refresh_token",
    };
    let call = Call {
        url: portal.endpoint("oauth2/revokeToken"),
        site: &site,
        step: "revoking the token",
        form: vec![
            ("client_id", client_id.to_owned()),
            ("auth_token", token.expose().clone()),
            ("token_type_hint", hint.to_owned()),
        ],
        referer: None,
    };
    client.post(call, now).await
}

/// What the browser came back with.
#[derive(Debug, Clone)]
pub enum RedirectGrant {
    /// `?code=…` (authorization code / PKCE).
    Code(Secret<String>),
    /// `#access_token=…` (implicit flow, deprecated; parsed for completeness).
    Implicit(OAuthTokens),
}

/// A successful redirect: the grant and the `state` it carried.
#[derive(Debug, Clone)]
pub struct Redirect {
    /// The code or tokens.
    pub grant: RedirectGrant,
    /// The `state` parameter, decoded.
    pub state: Option<String>,
    /// `persist` of implicit-flow fragments, when present.
    pub persist: Option<bool>,
}

const REDIRECT_STEP: &str = "reading the sign-in redirect";

impl Redirect {
    /// Checks that the redirect carries the `state` this sign-in sent.
    pub fn check_state(&self, expected: &str, site: &str) -> Result<(), ArcGisError> {
        if self.state.as_deref() == Some(expected) {
            return Ok(());
        }
        Err(ArcGisError::new(
            ErrorKind::StateMismatch,
            site,
            REDIRECT_STEP,
            Cause::Unexpected(match &self.state {
                Some(_) => "the redirect's state differs from the one sent".to_owned(),
                None => "the redirect has no state".to_owned(),
            }),
        ))
    }
}

/// Parses what the portal appended to the redirect URI: a whole URL
/// (`http://127.0.0.1:PORT/cb?code=…`), or just its `?query` / `#fragment`. Errors
/// (`error=access_denied`, `error=sign_in_failed`…) become an [`ArcGisError`].
pub fn parse_redirect(input: &str, site: &str, now: Instant) -> Result<Redirect, ArcGisError> {
    let unexpected = |text: &str| {
        ArcGisError::new(
            ErrorKind::UnexpectedResponse,
            site,
            REDIRECT_STEP,
            Cause::Unexpected(text.to_owned()),
        )
    };
    let input = input.trim();
    // The fragment when it holds parameters, else the query; a `?` inside the fragment
    // (after the `#`) does not start a query.
    let params_text = match (input.find('?'), input.find('#')) {
        (_, Some(hash)) if input[hash + 1..].contains('=') => &input[hash + 1..],
        (Some(question), Some(hash)) if question < hash => &input[question + 1..hash],
        (Some(question), None) => &input[question + 1..],
        _ => return Err(unexpected("the redirect carries no parameters")),
    };
    let params: Vec<(String, String)> = url::form_urlencoded::parse(params_text.as_bytes())
        .into_owned()
        .collect();
    let get = |name: &str| {
        params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, v)| v.clone())
    };
    let state = get("state");
    if let Some(error) = get("error") {
        let description = get("error_description");
        let message = ApiMessage {
            http_status: 200,
            message_code: get("message_code"),
            oauth_error: Some(error),
            message: description,
            ..ApiMessage::default()
        };
        return Err(ArcGisError::from_api(site, REDIRECT_STEP, message));
    }
    let persist = get("persist").map(|v| v == "true");
    if let Some(code) = get("code") {
        return Ok(Redirect {
            grant: RedirectGrant::Code(Secret::new(code)),
            state,
            persist,
        });
    }
    if let Some(access_token) = get("access_token") {
        let expires_in = get("expires_in")
            .and_then(|v| v.parse::<i64>().ok())
            .ok_or_else(|| unexpected("the implicit-flow redirect has no valid expires_in"))?;
        let expires_at = after_seconds(now, expires_in)
            .ok_or_else(|| unexpected("the implicit-flow redirect has no valid expires_in"))?;
        let tokens = OAuthTokens {
            access_token: Secret::new(access_token),
            expires_at,
            username: get("username"),
            // `ssl` is the string "true"; missing counts as false.
            ssl: get("ssl").is_some_and(|v| v == "true"),
            refresh_token: None,
            refresh_token_expires_at: None,
            notes: Vec::new(),
        };
        return Ok(Redirect {
            grant: RedirectGrant::Implicit(tokens),
            state,
            persist,
        });
    }
    Err(unexpected(
        "the redirect has neither a code, an access token nor an error",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arcgis::http::decode;

    fn now() -> Instant {
        chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap()
    }

    fn tokens(expires_in: &str) -> Result<OAuthTokens, ArcGisError> {
        let body = format!(
            r#"{{"access_token":"at","expires_in":{expires_in},"refresh_token":"rt","refresh_token_expires_in":"1209599"}}"#
        );
        decode::<OAuthTokens>(200, body.as_bytes(), "site", "testing", now())
    }

    #[test]
    fn expires_in_sent_as_a_numeric_string_or_a_float_is_taken_and_rounded() {
        for expires_in in ["1800", "\"1800\"", "1800.4", "\"1799.5\""] {
            let tokens = tokens(expires_in).unwrap();
            assert_eq!(
                (tokens.expires_at - now()).num_seconds(),
                1800,
                "{expires_in}"
            );
            let refresh_left = tokens.refresh_token_expires_at.unwrap() - now();
            assert_eq!(refresh_left.num_seconds(), 1_209_599);
            assert!(tokens.notes.is_empty(), "{:?}", tokens.notes);
        }
    }

    #[test]
    fn an_expires_in_of_a_hundred_years_is_clamped_to_a_year_and_said_in_a_note() {
        let tokens = tokens("3155760000").unwrap();
        assert_eq!(tokens.expires_at - now(), MAX_ACCESS_LIFETIME);
        assert!(
            tokens.notes[0].contains("3155760000 seconds"),
            "{:?}",
            tokens.notes
        );
    }

    #[test]
    fn a_token_that_arrives_with_expires_in_0_is_refused_as_implausible() {
        for expires_in in ["0", "\"3\""] {
            let err = tokens(expires_in).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::ImplausibleLifetime, "{err}");
            assert_eq!(err.remedy(), Some(crate::remedy::Remedy::CheckClocks));
        }
        let err = tokens("\"soon\"").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnexpectedResponse, "{err}");
    }

    const SITE: &str = "https://portal.example/sharing/rest";

    #[test]
    fn a_question_mark_inside_the_fragment_does_not_start_a_query_and_does_not_panic() {
        let now = chrono::Utc::now();
        for input in ["http://127.0.0.1:5000/cb#done?code", "#?", "a#b?c=1"] {
            match parse_redirect(input, SITE, now) {
                Err(err) => assert_eq!(err.kind(), ErrorKind::UnexpectedResponse, "{input}"),
                Ok(redirect) => panic!("{input} gave {redirect:?}"),
            }
        }
        let redirect = parse_redirect("http://127.0.0.1:5000/cb?code=Q9#top", SITE, now).unwrap();
        assert!(matches!(redirect.grant, RedirectGrant::Code(code) if code.expose() == "Q9"));
    }
}
