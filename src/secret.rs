//! A redacting wrapper for secrets (tokens, passwords, client secrets, API keys).
//!
//! `Debug` prints `[redacted]`, so a secret cannot leak through a log line, a panic message
//! or a `{:?}` of a larger struct. There is deliberately no `Display`: with one,
//! `format!("Bearer {token}")` would compile and silently send "[redacted]"; without it, every
//! use of the value is an explicit, greppable call to [`Secret::expose`]. Modelled on
//! cargo-credential's `Secret<T>`.

use std::fmt;
use std::marker::PhantomData;

use serde::{Deserialize, Deserializer};

/// What a secret is for. A role is a type, so a refresh token cannot be sent where an access
/// token (or a password where a PKCE verifier) belongs: the compiler refuses the mix-up.
pub mod role {
    /// A secret of no particular role (client secrets, API keys, codes, keyring values).
    #[derive(Debug)]
    pub enum Any {}
    /// An access token (a portal, server or app token), sent with requests.
    #[derive(Debug)]
    pub enum AccessToken {}
    /// An OAuth refresh token, sent only to the portal's token endpoint.
    #[derive(Debug)]
    pub enum RefreshToken {}
    /// A user's password, sent only to a `generateToken` endpoint.
    #[derive(Debug)]
    pub enum Password {}
    /// A PKCE code verifier, sent only with the code it was made for.
    #[derive(Debug)]
    pub enum PkceVerifier {}
}

/// An access token.
pub type AccessToken = Secret<String, role::AccessToken>;
/// An OAuth refresh token.
pub type RefreshToken = Secret<String, role::RefreshToken>;
/// A user's password.
pub type Password = Secret<String, role::Password>;
/// A PKCE code verifier.
pub type PkceVerifier = Secret<String, role::PkceVerifier>;

/// A value that must never be printed. Reach it only through [`Secret::expose`]. `R` says
/// what it is for ([`role`]); a value changes role only by being unwrapped and wrapped again,
/// in plain sight.
///
/// It cannot be formatted with `{}`:
///
/// ```compile_fail
/// let token = tokendesk::secret::Secret::<String>::new("abc".to_owned());
/// let header = format!("Bearer {token}");
/// ```
///
/// and a refresh token is not an access token:
///
/// ```compile_fail
/// use tokendesk::secret::{AccessToken, RefreshToken};
/// fn send(token: &AccessToken) {}
/// let refresh = RefreshToken::new("rt".to_owned());
/// send(&refresh);
/// ```
pub struct Secret<T, R = role::Any> {
    value: T,
    role: PhantomData<fn() -> R>,
}

impl<T, R> Secret<T, R> {
    /// Wraps a secret value.
    pub fn new(value: T) -> Self {
        Self {
            value,
            role: PhantomData,
        }
    }

    /// The secret value itself. Every call site is a place where the secret leaves its box;
    /// keep them few and obvious (a request body, the keyring, the clipboard).
    pub fn expose(&self) -> &T {
        &self.value
    }

    /// Unwraps the secret value, consuming the wrapper.
    pub fn expose_owned(self) -> T {
        self.value
    }
}

impl<T: Clone, R> Clone for Secret<T, R> {
    fn clone(&self) -> Self {
        Self::new(self.value.clone())
    }
}

impl<T: PartialEq, R> PartialEq for Secret<T, R> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<T: Eq, R> Eq for Secret<T, R> {}

impl<T: Default, R> Default for Secret<T, R> {
    fn default() -> Self {
        Self::new(T::default())
    }
}

impl<T, R> From<T> for Secret<T, R> {
    fn from(value: T) -> Self {
        Self::new(value)
    }
}

impl<R> From<&str> for Secret<String, R> {
    fn from(value: &str) -> Self {
        Self::new(value.to_owned())
    }
}

impl<T, R> fmt::Debug for Secret<T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Secrets can be read from wire responses; they deliberately do not implement `Serialize`,
/// so a secret can never end up in a serialised profile or JSON output by accident.
impl<'de, T: Deserialize<'de>, R> Deserialize<'de> for Secret<T, R> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Self::new)
    }
}

#[cfg(test)]
mod tests {
    use super::Secret;

    #[derive(Debug)]
    struct Holder {
        token: Secret<String>,
    }

    #[test]
    fn debug_never_shows_the_value() {
        let secret = Secret::new("hunter2".to_owned());
        assert_eq!(format!("{secret:?}"), "[redacted]");
        let holder = Holder { token: secret };
        assert!(!format!("{holder:?}").contains("hunter2"));
        assert_eq!(holder.token.expose(), "hunter2");
    }

    #[test]
    fn expose_returns_the_value() {
        let secret: Secret<String> = "abc".into();
        assert_eq!(secret.expose(), "abc");
        assert_eq!(secret.expose_owned(), "abc");
    }

    #[test]
    fn a_secret_deserialises_from_a_json_string() {
        let secret: Secret<String> = serde_json::from_str("\"tok\"").unwrap();
        assert_eq!(secret.expose(), "tok");
    }
}
