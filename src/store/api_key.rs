//! [`ApiKeyRecord`]: an API key with its expiry (entered, or learned from the portal) and
//! whom the portal says it belongs to, kept as one keyring value under
//! [`super::SecretKind::ApiKey`] (a small JSON object), like [`super::AccessTokenRecord`].

use serde::{Deserialize, Serialize};

use super::access_token::NotARecord;
use crate::arcgis::time::Instant;
use crate::secret::Secret;

/// An API key as kept in the keyring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyRecord {
    /// The key.
    pub key: Secret<String>,
    /// When it expires; `None`: unknown, or a legacy key that never expires.
    pub expires_at: Option<Instant>,
    /// Whom the portal said the key belongs to, in words (e.g. `app "Maps"`), if checked.
    pub owner: Option<String>,
    /// When the key was entered.
    pub entered_at: Instant,
}

#[derive(Serialize, Deserialize)]
struct Wire {
    key: String,
    #[serde(default)]
    expires_at: Option<Instant>,
    #[serde(default)]
    owner: Option<String>,
    entered_at: Instant,
}

impl ApiKeyRecord {
    /// The value to store.
    pub fn to_secret(&self) -> Secret<String> {
        let wire = Wire {
            key: self.key.expose().clone(),
            expires_at: self.expires_at,
            owner: self.owner.clone(),
            entered_at: self.entered_at,
        };
        // Strings and timestamps always serialise.
        Secret::new(serde_json::to_string(&wire).unwrap_or_default())
    }

    /// Reads a value written by [`ApiKeyRecord::to_secret`].
    pub fn from_secret(value: &Secret<String>) -> Result<Self, NotARecord> {
        let wire: Wire = serde_json::from_str(value.expose()).map_err(NotARecord::from)?;
        Ok(Self {
            key: Secret::new(wire.key),
            expires_at: wire.expires_at,
            owner: wire.owner,
            entered_at: wire.entered_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;

    #[test]
    fn an_api_key_record_round_trips_and_never_shows_the_key() {
        let t = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let record = ApiKeyRecord {
            key: Secret::new("AAPTsekrit-key".to_owned()),
            expires_at: Some(t),
            owner: Some("app \"Maps\"".to_owned()),
            entered_at: t,
        };
        assert_eq!(
            ApiKeyRecord::from_secret(&record.to_secret()).unwrap(),
            record
        );
        assert!(!format!("{record:?}").contains("sekrit"));
        let err = ApiKeyRecord::from_secret(&Secret::new("{\"key\": \"AAPTsekrit\"".to_owned()))
            .unwrap_err()
            .to_string();
        assert!(!err.contains("sekrit") && err.contains("line 1"), "{err}");
    }
}
