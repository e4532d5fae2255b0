//! [`AccessTokenRecord`]: an access token with its expiry and the user it was issued to,
//! kept as one keyring value (a small JSON object) so the three never disagree.

use serde::{Deserialize, Serialize};

use crate::arcgis::time::Instant;
use crate::secret::{AccessToken, Secret};

/// An access token as kept under [`super::SecretKind::AccessToken`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessTokenRecord {
    /// The token.
    pub token: AccessToken,
    /// When it expires (UTC).
    pub expires_at: Instant,
    /// The user it was issued to, when known.
    pub username: Option<String>,
}

/// The JSON form. Only built for the moment of (de)serialising.
#[derive(Serialize, Deserialize)]
struct Wire {
    token: String,
    expires_at: Instant,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    username: Option<String>,
}

/// A stored value that is not an access-token record. Says where the JSON broke, never what
/// it holds.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an access-token record (JSON error at line {line}, column {column})")]
pub struct NotARecord {
    line: usize,
    column: usize,
}

impl From<serde_json::Error> for NotARecord {
    fn from(err: serde_json::Error) -> Self {
        Self {
            line: err.line(),
            column: err.column(),
        }
    }
}

impl AccessTokenRecord {
    /// The value to store: `{"token":…,"expires_at":"…","username":…}`.
    pub fn to_secret(&self) -> Secret<String> {
        let wire = Wire {
            token: self.token.expose().clone(),
            expires_at: self.expires_at,
            username: self.username.clone(),
        };
        // Serialising strings and a timestamp into JSON cannot fail.
        Secret::new(serde_json::to_string(&wire).unwrap_or_default())
    }

    /// Reads a value written by [`AccessTokenRecord::to_secret`].
    pub fn from_secret(value: &Secret<String>) -> Result<Self, NotARecord> {
        let wire: Wire = serde_json::from_str(value.expose()).map_err(NotARecord::from)?;
        Ok(Self {
            token: Secret::new(wire.token),
            expires_at: wire.expires_at,
            username: wire.username,
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;

    #[test]
    fn a_record_round_trips_through_its_stored_value() {
        let record = AccessTokenRecord {
            token: Secret::new("tok-123".to_owned()),
            expires_at: DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
            username: Some("analyst".to_owned()),
        };
        let stored = record.to_secret();
        assert!(stored.expose().contains("\"expires_at\""));
        assert_eq!(AccessTokenRecord::from_secret(&stored).unwrap(), record);
    }

    #[test]
    fn an_unreadable_value_is_reported_without_its_content() {
        let value = Secret::new("{\"token\": 42, \"leak\": \"sekrit-value\"}".to_owned());
        let err = AccessTokenRecord::from_secret(&value)
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 1"), "{err}");
        assert!(!err.contains("sekrit") && !err.contains("42"), "{err}");
    }

    #[test]
    fn debug_of_a_record_hides_the_token() {
        let record = AccessTokenRecord {
            token: Secret::new("tok-123".to_owned()),
            expires_at: DateTime::from_timestamp(0, 0).unwrap(),
            username: None,
        };
        assert!(!format!("{record:?}").contains("tok-123"));
    }
}
