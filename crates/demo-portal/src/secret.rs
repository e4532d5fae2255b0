//! A string that must never reach a log: passwords and client secrets from the seed file.

use serde::{Deserialize, Serialize};

/// A seed secret (password, client secret). `Debug` and `Display` print `[redacted]`;
/// reading it is the visible call [`SeedSecret::expose`].
#[derive(Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(transparent)]
pub struct SeedSecret(String);

impl SeedSecret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself; call only to compare or to hand it to the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SeedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

impl std::fmt::Display for SeedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_secret_never_prints_its_value() {
        let secret = SeedSecret::new("tokendesk-demo");
        assert_eq!(format!("{secret:?} {secret}"), "[redacted] [redacted]");
        assert_eq!(secret.expose(), "tokendesk-demo");
    }
}
