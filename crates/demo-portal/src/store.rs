//! Everything the portal has issued: pending sign-ins, authorization codes, access tokens,
//! refresh tokens and API keys. One lock, never held across an `.await`.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, MutexGuard};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};

/// Which site a token is good for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// The portal (and, as in ArcGIS Enterprise, its federated server).
    Portal,
    /// The federated server only (a server token from the portal's `generateToken`).
    FederatedServer,
    /// The stand-alone server only.
    StandaloneServer,
}

/// Who a token speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// A user.
    User(String),
    /// An app (`client_credentials`), by client ID.
    App(String),
    /// An API key of an API key credential.
    ApiKey {
        /// The credential's client ID.
        client_id: String,
        /// Key slot, 1 or 2; 0 for a legacy (`AAPK…`) key.
        slot: u8,
    },
}

/// What a `generateToken` token is bound to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Binding {
    /// Usable from anywhere.
    None,
    /// Only with exactly this `Referer` header.
    Referer(String),
    /// Only from this client address.
    Ip(IpAddr),
}

/// An issued access token (or API key).
#[derive(Debug, Clone)]
pub struct AccessToken {
    /// Who it speaks for.
    pub subject: Subject,
    /// Where it is accepted.
    pub audience: Audience,
    /// When it stops working.
    pub expires: DateTime<Utc>,
    /// The OAuth grant family (code → refresh → exchange) it came from, if any.
    pub family: Option<u64>,
    /// Referer / IP binding.
    pub binding: Binding,
    /// Whether `revokeToken` can revoke it (OAuth user tokens only).
    pub revocable: bool,
}

/// An issued refresh token.
#[derive(Debug, Clone)]
pub struct RefreshToken {
    /// The app it was issued to.
    pub client_id: String,
    /// The user.
    pub username: String,
    /// When it stops working; `None` = never (`expiration=-1`).
    pub expires: Option<DateTime<Utc>>,
    /// The lifetime it was issued with (the clamped `expiration`, minutes); `None` = never.
    /// An exchange gives the new refresh token this same lifetime, counted from the exchange.
    pub lifetime_minutes: Option<i64>,
    /// Its grant family.
    pub family: u64,
}

/// A PKCE code challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Challenge {
    /// `S256`: unpadded base64url of SHA-256 of the verifier.
    S256(String),
    /// `plain`: the verifier itself.
    Plain(String),
}

/// The OAuth response type asked for at `authorize`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseType {
    /// Authorization code (PKCE or not).
    Code,
    /// Implicit: the access token in the redirect fragment.
    Token,
}

/// A sign-in page that has been shown and not yet completed (`oauth_state`).
#[derive(Debug, Clone)]
pub struct PendingSignIn {
    /// App.
    pub client_id: String,
    /// Redirect URI as given at `authorize`.
    pub redirect_uri: String,
    /// Code or token.
    pub response_type: ResponseType,
    /// The client's `state`, echoed back.
    pub state: Option<String>,
    /// `expiration` from `authorize`, minutes.
    pub expiration: Option<i64>,
    /// PKCE challenge.
    pub challenge: Option<Challenge>,
    /// When the page stops being usable.
    pub expires: DateTime<Utc>,
}

/// An authorization code, single-use.
#[derive(Debug, Clone)]
pub struct AuthCode {
    /// The app it was issued to.
    pub client_id: String,
    /// The redirect URI it was issued for; the token request must repeat it exactly.
    pub redirect_uri: String,
    /// PKCE challenge.
    pub challenge: Option<Challenge>,
    /// The user who signed in.
    pub username: String,
    /// Refresh token lifetime in minutes; `None` = never expires.
    pub refresh_minutes: Option<i64>,
    /// When the code stops being usable.
    pub expires: DateTime<Utc>,
}

/// Why a token is not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProblem {
    /// Never issued, revoked, or for another site.
    Unknown,
    /// Past its expiry.
    Expired,
}

#[derive(Debug, Default)]
struct Inner {
    pending: HashMap<String, PendingSignIn>,
    codes: HashMap<String, AuthCode>,
    access: HashMap<String, AccessToken>,
    refresh: HashMap<String, RefreshToken>,
    api_keys: HashMap<(String, u8), String>,
    next_family: u64,
}

/// The issued-credential store.
#[derive(Debug, Default)]
pub struct Store {
    inner: Mutex<Inner>,
}

/// A fresh random string: unpadded base64url of 32 random bytes, after `prefix`.
pub fn random_string(prefix: &str) -> String {
    let bytes: [u8; 32] = rand::random();
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

impl Store {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Every critical section is a handful of map operations that cannot panic halfway.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Remembers a shown sign-in page; returns its `oauth_state`. Pages past their expiry
    /// are forgotten here (clients abandon pages: the Python API opens one just to probe).
    pub fn add_pending(&self, pending: PendingSignIn, now: DateTime<Utc>) -> String {
        let key = random_string("");
        let mut inner = self.lock();
        inner.pending.retain(|_, p| p.expires > now);
        inner.pending.insert(key.clone(), pending);
        key
    }

    /// The sign-in page for `oauth_state`, if still usable.
    pub fn pending(&self, oauth_state: &str, now: DateTime<Utc>) -> Option<PendingSignIn> {
        let mut inner = self.lock();
        match inner.pending.get(oauth_state) {
            Some(p) if p.expires > now => Some(p.clone()),
            Some(_) => {
                inner.pending.remove(oauth_state);
                None
            }
            None => None,
        }
    }

    /// Forgets a sign-in page (completed or denied).
    pub fn remove_pending(&self, oauth_state: &str) {
        self.lock().pending.remove(oauth_state);
    }

    /// Issues an authorization code (and forgets codes past their expiry).
    pub fn add_code(&self, code: AuthCode, now: DateTime<Utc>) -> String {
        let key = random_string("");
        let mut inner = self.lock();
        inner.codes.retain(|_, c| c.expires > now);
        inner.codes.insert(key.clone(), code);
        key
    }

    /// Takes (consumes) an authorization code: a second call with the same code finds nothing.
    pub fn take_code(&self, code: &str) -> Option<AuthCode> {
        self.lock().codes.remove(code)
    }

    /// A new grant family ID.
    pub fn new_family(&self) -> u64 {
        let mut inner = self.lock();
        inner.next_family += 1;
        inner.next_family
    }

    /// Issues an access token.
    pub fn add_access(&self, token: AccessToken) -> String {
        let key = random_string("");
        self.lock().access.insert(key.clone(), token);
        key
    }

    /// Registers a token whose string is given (legacy API keys from the seed).
    pub fn add_access_as(&self, key: &str, token: AccessToken) {
        self.lock().access.insert(key.to_string(), token);
    }

    /// Looks up an access token or API key.
    pub fn access(&self, token: &str, now: DateTime<Utc>) -> Result<AccessToken, TokenProblem> {
        let inner = self.lock();
        match inner.access.get(token) {
            Some(t) if t.expires > now => Ok(t.clone()),
            Some(_) => Err(TokenProblem::Expired),
            None => Err(TokenProblem::Unknown),
        }
    }

    /// Issues a refresh token.
    pub fn add_refresh(&self, token: RefreshToken) -> String {
        let key = random_string("");
        self.lock().refresh.insert(key.clone(), token);
        key
    }

    /// Looks up a refresh token.
    pub fn refresh(&self, token: &str, now: DateTime<Utc>) -> Result<RefreshToken, TokenProblem> {
        let inner = self.lock();
        match inner.refresh.get(token) {
            Some(t) if t.expires.is_none_or(|e| e > now) => Ok(t.clone()),
            Some(_) => Err(TokenProblem::Expired),
            None => Err(TokenProblem::Unknown),
        }
    }

    /// Kills a grant family: its refresh tokens and every access token issued from them.
    pub fn revoke_family(&self, family: u64) {
        let mut inner = self.lock();
        inner.refresh.retain(|_, t| t.family != family);
        inner.access.retain(|_, t| t.family != Some(family));
    }

    /// Revokes what `revokeToken` may revoke: a refresh token (with its family) or an OAuth
    /// user access token. Anything else is left alone, as on the real service.
    pub fn revoke(&self, token: &str) {
        let family = self.lock().refresh.get(token).map(|t| t.family);
        if let Some(family) = family {
            self.revoke_family(family);
            return;
        }
        let mut inner = self.lock();
        if inner.access.get(token).is_some_and(|t| t.revocable) {
            inner.access.remove(token);
        }
    }

    /// The current key in an API key slot.
    pub fn api_key(&self, client_id: &str, slot: u8) -> Option<String> {
        self.lock()
            .api_keys
            .get(&(client_id.to_string(), slot))
            .cloned()
    }

    /// Stores a new key in a slot, invalidating the one it replaces.
    pub fn set_api_key(&self, client_id: &str, slot: u8, key: String, token: AccessToken) {
        let mut inner = self.lock();
        if let Some(old) = inner
            .api_keys
            .insert((client_id.to_string(), slot), key.clone())
        {
            inner.access.remove(&old);
        }
        inner.access.insert(key, token);
    }

    /// Invalidates the key in a slot.
    pub fn invalidate_api_key(&self, client_id: &str, slot: u8) {
        let mut inner = self.lock();
        if let Some(old) = inner.api_keys.remove(&(client_id.to_string(), slot)) {
            inner.access.remove(&old);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user_token(family: Option<u64>, now: DateTime<Utc>) -> AccessToken {
        AccessToken {
            subject: Subject::User("analyst".into()),
            audience: Audience::Portal,
            expires: now + chrono::Duration::minutes(30),
            family,
            binding: Binding::None,
            revocable: true,
        }
    }

    #[test]
    fn revoking_a_refresh_token_kills_its_family_but_not_other_tokens() {
        let store = Store::default();
        let now = Utc::now();
        let family = store.new_family();
        let refresh = store.add_refresh(RefreshToken {
            client_id: "c".into(),
            username: "analyst".into(),
            expires: None,
            lifetime_minutes: None,
            family,
        });
        let child = store.add_access(user_token(Some(family), now));
        let other = store.add_access(user_token(None, now));
        store.revoke(&refresh);
        assert_eq!(
            store.refresh(&refresh, now).err(),
            Some(TokenProblem::Unknown)
        );
        assert_eq!(store.access(&child, now).err(), Some(TokenProblem::Unknown));
        assert!(store.access(&other, now).is_ok());
    }

    #[test]
    fn an_authorization_code_can_be_taken_only_once() {
        let store = Store::default();
        let code = store.add_code(
            AuthCode {
                client_id: "c".into(),
                redirect_uri: "r".into(),
                challenge: None,
                username: "analyst".into(),
                refresh_minutes: Some(10),
                expires: Utc::now() + chrono::Duration::minutes(1),
            },
            Utc::now(),
        );
        assert!(store.take_code(&code).is_some());
        assert!(store.take_code(&code).is_none());
    }
}
