//! API key profiles: the key is the token. It is handed out as it is (no lock, no network,
//! nothing to renew) until it expires; then — or when the portal refuses it — the person
//! has to enter a new one.

use chrono::DateTime;

use super::error::EngineError;
use super::lifecycle::{Engine, FreshToken};
use super::state::{Deadlines, ProfileStatus, TokenState};
use crate::arcgis::info::portal_self;
use crate::arcgis::{ErrorKind, Instant};
use crate::auth::api_key::{Expiry, KeyGeneration};
use crate::secret::AccessToken;
use crate::store::{ApiKeyRecord, Profile, SecretKind};

/// The `expires_at` of a [`FreshToken`] for a key that does not expire (or whose expiry is
/// unknown): 9999-12-31T23:59:59Z.
pub fn no_expiry() -> Instant {
    DateTime::from_timestamp(253_402_300_799, 0).unwrap_or(DateTime::<chrono::Utc>::MAX_UTC)
}

impl Engine {
    /// The stored API key of an API key profile.
    async fn read_api_key(&self, profile: &Profile) -> Result<Option<ApiKeyRecord>, EngineError> {
        let value = self
            .secrets()
            .get(profile.id(), SecretKind::ApiKey)
            .await
            .map_err(|source| EngineError::Secrets {
                profile: profile.name().to_owned(),
                source,
            })?;
        value
            .map(|value| {
                ApiKeyRecord::from_secret(&value).map_err(|err| EngineError::BadRecord {
                    profile: profile.name().to_owned(),
                    problem: err.to_string(),
                })
            })
            .transpose()
    }

    /// How the stored API key's expiry reads now (countdown in days, warnings, legacy key),
    /// or `None` when no key is stored.
    pub async fn api_key_expiry(&self, profile: &Profile) -> Result<Option<Expiry>, EngineError> {
        Ok(self.read_api_key(profile).await?.map(|record| {
            Expiry::at(
                KeyGeneration::of(record.key.expose()),
                record.expires_at,
                self.clock().now(),
            )
        }))
    }

    /// The kind of the stored API key and its slot (`AAPT` keys), or `None` without a key.
    pub async fn api_key_generation(
        &self,
        profile: &Profile,
    ) -> Result<Option<KeyGeneration>, EngineError> {
        Ok(self
            .read_api_key(profile)
            .await?
            .map(|record| KeyGeneration::of(record.key.expose())))
    }

    /// The status of an API key profile: signed out without a key, sign-in needed once it
    /// has expired, else valid.
    pub(super) async fn api_key_status(
        &self,
        profile: &Profile,
    ) -> Result<ProfileStatus, EngineError> {
        let Some(record) = self.read_api_key(profile).await? else {
            return Ok(ProfileStatus::signed_out());
        };
        let expiry = Expiry::at(
            KeyGeneration::of(record.key.expose()),
            record.expires_at,
            self.clock().now(),
        );
        let state = match expiry {
            Expiry::Expired { .. } => TokenState::NeedsSignIn {
                reason: format!("the API key expired ({})", expiry.describe()),
                remedy: expiry.remedy(),
            },
            _ => TokenState::Valid,
        };
        Ok(ProfileStatus {
            state,
            user: record.owner,
            deadlines: Deadlines {
                access_expires_at: record.expires_at,
                refresh_expires_at: None,
                last_refresh_at: Some(record.entered_at),
            },
        })
    }

    /// The key, while it has not expired; with `check`, only if the portal still takes it.
    pub(super) async fn api_key_token(
        &self,
        profile: &Profile,
        check: bool,
    ) -> Result<FreshToken, EngineError> {
        let Some(record) = self.read_api_key(profile).await? else {
            return Err(EngineError::NotSignedIn {
                profile: profile.name().to_owned(),
            });
        };
        let now = self.clock().now();
        let expiry = Expiry::at(
            KeyGeneration::of(record.key.expose()),
            record.expires_at,
            now,
        );
        if let Expiry::Expired { .. } = expiry {
            return Err(EngineError::ApiKeyExpired {
                profile: profile.name().to_owned(),
                expiry: format!("it expired on {}", expiry.describe()),
            });
        }
        // The key is handed out (and checked) where an access token goes.
        let token = AccessToken::new(record.key.expose_owned());
        if check && let Some(portal) = profile.portal_url() {
            let client = self.client(profile)?;
            match portal_self(&client, &portal, Some(&token), now).await {
                Ok(_) => {}
                Err(err) if err.kind() == ErrorKind::InvalidToken => {
                    return Err(EngineError::ApiKeyExpired {
                        profile: profile.name().to_owned(),
                        expiry: format!(
                            "the portal refuses it ({err}) — it has expired, or was revoked or \
                             regenerated on the portal"
                        ),
                    });
                }
                Err(source) => {
                    return Err(EngineError::Portal {
                        profile: profile.name().to_owned(),
                        source,
                    });
                }
            }
        }
        Ok(FreshToken {
            token,
            expires_at: record.expires_at.unwrap_or_else(no_expiry),
            username: record.owner,
            renewed: None,
            warning: expiry.warning(profile.name()),
        })
    }
}
