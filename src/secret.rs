//! A redacting wrapper for secrets (tokens, passwords, client secrets, API keys).
//!
//! `Debug` prints `[redacted]`, so a secret cannot leak through a log line, a panic message
//! or a `{:?}` of a larger struct. There is deliberately no `Display`: with one,
//! `format!("Bearer {token}")` would compile and silently send "[redacted]"; without it, every
//! use of the value is an explicit, greppable call to [`Secret::expose`]. Modelled on
//! cargo-credential's `Secret<T>`.

use std::fmt;

use serde::{Deserialize, Deserializer};

/// A value that must never be printed. Reach it only through [`Secret::expose`].
///
/// It cannot be formatted with `{}`:
///
/// ```compile_fail
/// let token = tokendesk::secret::Secret::new("abc".to_owned());
/// let header = format!("Bearer {token}");
/// ```
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    /// Wraps a secret value.
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// The secret value itself. Every call site is a place where the secret leaves its box;
    /// keep them few and obvious (a request body, the keyring, the clipboard).
    pub fn expose(&self) -> &T {
        &self.0
    }

    /// Unwraps the secret value, consuming the wrapper.
    pub fn expose_owned(self) -> T {
        self.0
    }
}

impl<T> From<T> for Secret<T> {
    fn from(value: T) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret<String> {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Secrets can be read from wire responses; they deliberately do not implement `Serialize`,
/// so a secret can never end up in a serialised profile or JSON output by accident.
impl<'de, T: Deserialize<'de>> Deserialize<'de> for Secret<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Secret)
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
