//! Signing in with the credential methods — API key, app credentials, user name + password —
//! and re-issuing their tokens. What a person enters travels in a [`Credentials`] (secrets
//! in [`Secret`]s), built the same way by the CLI and the desktop app, and goes to
//! [`Engine::sign_in_with`].
//!
//! What is kept (keyring only):
//! * API key: the key with its expiry and owner ([`ApiKeyRecord`]); nothing else — a key is
//!   handed out as it is and cannot be renewed.
//! * App credentials: the client secret, plus a session without refresh token
//!   ([`SessionRecord::credentials`], `reissue`) and the app token.
//! * Password: the password only when the person asked to remember it (then the token is
//!   re-issued before it expires), the session and the token.
//!
//! A refused credential is final: one request per person's action, no automatic retry (a
//! password tried again and again can lock the account).

use chrono::NaiveDate;

use super::error::EngineError;
use super::lifecycle::Engine;
use super::record::{SessionRecord, notes_warning};
use crate::arcgis::generate_token::{ClientBinding, PasswordTokenRequest};
use crate::arcgis::time::Expiration;
use crate::arcgis::{ArcGisClient, ArcGisError, ErrorKind, Instant};
use crate::auth::api_key::{self, Expiry, KeyGeneration};
use crate::auth::password::TokenSite;
use crate::auth::{app_credentials, password};
use crate::remedy::Warning;
use crate::secret::{Password, Secret};
use crate::store::{AccessTokenRecord, ApiKeyRecord, Profile, SecretKind, SignInMethod};

/// What a person enters to sign a credential-method profile in.
#[derive(Debug, Clone)]
pub enum Credentials {
    /// For an API key profile: the key, and its expiry date when the person knows it (else
    /// the portal's answer is used, when it says).
    ApiKey {
        /// The key.
        key: Secret<String>,
        /// The last day the key works (UTC), if entered.
        expires_on: Option<NaiveDate>,
    },
    /// For an app-credentials profile: the client secret.
    ClientSecret(Secret<String>),
    /// For a password profile: the password, and whether to keep it in the keyring so the
    /// token can be re-issued before it expires.
    Password {
        /// The user name, when the profile has none.
        username: Option<String>,
        /// The password.
        password: Password,
        /// Keep the password in the keyring.
        remember: bool,
    },
}

/// A finished credential sign-in.
#[derive(Debug, Clone)]
pub struct CredentialSignIn {
    /// Who the token acts as, in words (`analyst`, `app tokendesk-demo-app`, `app "Maps"`).
    pub who: String,
    /// When the token (or key) expires, when known.
    pub expires_at: Option<Instant>,
    /// Something to tell the person (an API key expiring soon, a retired legacy key).
    pub warning: Option<Warning>,
}

impl Engine {
    /// Signs a credential-method profile in with what the person entered, and stores the
    /// result (replacing what was stored). Exactly one credential request: a refused one
    /// fails with [`EngineError::CredentialsRefused`] and is never retried.
    pub async fn sign_in_with(
        &self,
        profile: &Profile,
        credentials: Credentials,
    ) -> Result<CredentialSignIn, EngineError> {
        match (profile.sign_in(), credentials) {
            (SignInMethod::ApiKey, Credentials::ApiKey { key, expires_on }) => {
                self.enter_api_key(profile, key, expires_on).await
            }
            (SignInMethod::AppCredentials, Credentials::ClientSecret(secret)) => {
                self.sign_in_app(profile, secret).await
            }
            (
                SignInMethod::PortalPassword | SignInMethod::ServerPassword,
                Credentials::Password {
                    username,
                    password,
                    remember,
                },
            ) => {
                self.sign_in_password(profile, username, password, remember)
                    .await
            }
            (method, _) => Err(EngineError::WrongCredentials {
                profile: profile.name().to_owned(),
                method,
            }),
        }
    }

    async fn enter_api_key(
        &self,
        profile: &Profile,
        key: Secret<String>,
        expires_on: Option<NaiveDate>,
    ) -> Result<CredentialSignIn, EngineError> {
        let now = self.clock().now();
        let entered = expires_on.and_then(api_key::end_of_day);
        let check = match profile.portal_url() {
            Some(portal) => {
                let client = self.client(profile)?;
                Some(
                    api_key::check(&client, &portal, &key, now)
                        .await
                        .map_err(|source| refused(profile, "API key", source))?,
                )
            }
            None => None,
        };
        let owner = check.as_ref().map(|c| c.owner.describe());
        let expires_at = entered.or_else(|| check.as_ref().and_then(|c| c.expires_at));
        let generation = KeyGeneration::of(key.expose());
        let expiry = Expiry::at(generation, expires_at, now);
        if let Expiry::Expired { .. } = expiry {
            return Err(EngineError::ApiKeyExpired {
                profile: profile.name().to_owned(),
                expiry: expiry.describe(),
            });
        }
        let record = ApiKeyRecord {
            key,
            expires_at,
            owner: owner.clone(),
            entered_at: now,
        };
        self.replace_secrets(profile, &[(SecretKind::ApiKey, record.to_secret())])
            .await?;
        Ok(CredentialSignIn {
            who: owner.unwrap_or_else(|| "an API key (not checked)".to_owned()),
            expires_at,
            warning: expiry.warning(profile.name()),
        })
    }

    async fn sign_in_app(
        &self,
        profile: &Profile,
        secret: Secret<String>,
    ) -> Result<CredentialSignIn, EngineError> {
        let now = self.clock().now();
        let (access, notes) = self
            .issue_app_token(profile, &secret, now)
            .await
            .map_err(|source| refused(profile, "client secret", source))?;
        let session = SessionRecord::credentials(None, true, now);
        self.replace_secrets(
            profile,
            &[
                (SecretKind::ClientSecret, secret),
                (SecretKind::RefreshToken, session.to_secret()),
                (SecretKind::AccessToken, access.to_secret()),
            ],
        )
        .await?;
        Ok(CredentialSignIn {
            who: app_name(profile),
            expires_at: Some(access.expires_at),
            warning: notes_warning(notes),
        })
    }

    async fn sign_in_password(
        &self,
        profile: &Profile,
        username: Option<String>,
        password: Password,
        remember: bool,
    ) -> Result<CredentialSignIn, EngineError> {
        let Some(username) = profile.username().map(str::to_owned).or(username) else {
            return Err(EngineError::NoUsername {
                profile: profile.name().to_owned(),
            });
        };
        let now = self.clock().now();
        let (access, notes) = self
            .issue_password_token(profile, &username, &password, now)
            .await
            .map_err(|source| refused(profile, "password", source))?;
        let session = SessionRecord::credentials(Some(username.clone()), remember, now);
        let mut secrets = vec![
            (SecretKind::RefreshToken, session.to_secret()),
            (SecretKind::AccessToken, access.to_secret()),
        ];
        if remember {
            // Kept as the keyring's plain value; it is a password again when read back.
            secrets.push((SecretKind::Password, Secret::new(password.expose_owned())));
        }
        self.replace_secrets(profile, &secrets).await?;
        Ok(CredentialSignIn {
            who: username,
            expires_at: Some(access.expires_at),
            warning: notes_warning(notes),
        })
    }

    /// Whether the profile's token is renewed without the person (OAuth sessions, app
    /// credentials, a remembered password); `false` for API keys, a password that was not
    /// remembered, and profiles that are not signed in.
    pub async fn renews_by_itself(&self, profile: &Profile) -> Result<bool, EngineError> {
        if profile.sign_in() == SignInMethod::ApiKey {
            return Ok(false);
        }
        Ok(self
            .read(profile)
            .await?
            .0
            .is_some_and(|session| session.refresh_token.is_some() || session.reissue))
    }

    /// Under the profile's lock: deletes every secret of the profile, then stores
    /// `secrets`.
    async fn replace_secrets(
        &self,
        profile: &Profile,
        secrets: &[(SecretKind, Secret<String>)],
    ) -> Result<(), EngineError> {
        let _lock = self.lock(profile).await?;
        let keyring_error = |source| EngineError::Secrets {
            profile: profile.name().to_owned(),
            source,
        };
        self.secrets()
            .delete_all(profile.id())
            .await
            .map_err(keyring_error)?;
        for (kind, value) in secrets {
            self.secrets()
                .set(profile.id(), *kind, value.clone())
                .await
                .map_err(keyring_error)?;
        }
        Ok(())
    }

    /// A new token with the stored credentials of a session without refresh token (app
    /// credentials, a remembered password). The outer error: the credentials are missing
    /// or unreadable; the inner one: what the site said. Call with the lock held.
    pub(super) async fn reissue(
        &self,
        profile: &Profile,
        session: &SessionRecord,
        now: Instant,
    ) -> Result<Result<(AccessTokenRecord, Vec<String>), ArcGisError>, EngineError> {
        let (kind, what) = match profile.sign_in() {
            SignInMethod::AppCredentials => (SecretKind::ClientSecret, "client secret"),
            _ => (SecretKind::Password, "remembered password"),
        };
        let stored = self
            .secrets()
            .get(profile.id(), kind)
            .await
            .map_err(|source| EngineError::Secrets {
                profile: profile.name().to_owned(),
                source,
            })?;
        let Some(secret) = stored.filter(|_| session.reissue) else {
            return Err(EngineError::SignInNeeded {
                profile: profile.name().to_owned(),
                portal: profile.url().to_owned(),
                reason: format!("the token cannot be renewed: there is no {what} in the keyring"),
            });
        };
        tracing::info!(
            profile = profile.name(),
            "re-issuing the token with stored credentials"
        );
        Ok(match profile.sign_in() {
            SignInMethod::AppCredentials => self.issue_app_token(profile, &secret, now).await,
            _ => {
                let username = session
                    .username
                    .clone()
                    .or_else(|| profile.username().map(str::to_owned))
                    .unwrap_or_default();
                let password = Password::new(secret.expose().clone());
                self.issue_password_token(profile, &username, &password, now)
                    .await
            }
        })
    }

    async fn issue_app_token(
        &self,
        profile: &Profile,
        secret: &Secret<String>,
        now: Instant,
    ) -> Result<(AccessTokenRecord, Vec<String>), ArcGisError> {
        let client = self.client(profile).map_err(local_setup)?;
        let portal = profile
            .portal_url()
            .ok_or_else(|| local_setup(unsupported(profile)))?;
        let minutes = token_minutes(profile);
        let tokens = app_credentials::issue(
            &client,
            &portal,
            profile.client_id().unwrap_or_default(),
            secret,
            minutes,
            now,
        )
        .await?;
        let access = AccessTokenRecord {
            token: tokens.access_token,
            expires_at: tokens.expires_at,
            username: None,
        };
        Ok((access, tokens.notes))
    }

    async fn issue_password_token(
        &self,
        profile: &Profile,
        username: &str,
        secret: &Password,
        now: Instant,
    ) -> Result<(AccessTokenRecord, Vec<String>), ArcGisError> {
        let client = self.client(profile).map_err(local_setup)?;
        let binding = profile
            .password_binding()
            .and_then(|b| b.to_client_binding(profile.referer()))
            .unwrap_or(ClientBinding::RequestIp);
        let request = PasswordTokenRequest {
            username: username.to_owned(),
            password: secret.clone(),
            client: binding,
            expiration: token_minutes(profile),
        };
        let portal = profile.portal_url();
        let server = profile.server_url();
        let site = match (&portal, &server) {
            (Some(portal), _) => TokenSite::Portal(portal),
            (None, Some(server)) if profile.server_admin() => TokenSite::ServerAdmin(server),
            (None, Some(server)) => TokenSite::Server(server),
            (None, None) => return Err(local_setup(unsupported(profile))),
        };
        let token = password::issue(&client, site, &request, now).await?;
        let access = AccessTokenRecord {
            token: token.token,
            expires_at: token.expires_at,
            username: Some(username.to_owned()),
        };
        Ok((access, token.notes))
    }

    /// The HTTP client with the profile's CA file (shared: one per trust setting).
    pub(super) fn client(&self, profile: &Profile) -> Result<ArcGisClient, EngineError> {
        self.clients()
            .for_ca_file(profile.ca_file())
            .map_err(|source| EngineError::Stopped {
                profile: profile.name().to_owned(),
                source,
            })
    }
}

/// The lifetime asked for credential-method tokens: the profile's `expiration` minutes (a
/// "never" set elsewhere asks for two weeks, the usual maximum).
fn token_minutes(profile: &Profile) -> Expiration {
    match profile.expiration().expiration() {
        Expiration::Never => Expiration::Minutes(crate::store::TokenLifetime::DEFAULT_MINUTES),
        minutes => minutes,
    }
}

/// The app a profile's app token acts as, in words.
pub(super) fn app_name(profile: &Profile) -> String {
    format!("app {}", profile.client_id().unwrap_or_default())
}

fn unsupported(profile: &Profile) -> EngineError {
    EngineError::UnsupportedMethod {
        profile: profile.name().to_owned(),
        method: profile.sign_in(),
    }
}

/// A local failure as the site-less error a token request returns.
fn local_setup(err: EngineError) -> ArcGisError {
    match err {
        EngineError::Stopped { source, .. } => source,
        other => ArcGisError::new(
            ErrorKind::LocalSetup,
            "this computer",
            "preparing the token request",
            crate::arcgis::error::Cause::Unexpected(other.to_string()),
        ),
    }
}

/// A sign-in failure: a refused credential becomes [`EngineError::CredentialsRefused`]; the
/// rest keeps its class (network, portal, local).
fn refused(profile: &Profile, what: &'static str, source: ArcGisError) -> EngineError {
    match source.kind() {
        ErrorKind::BadCredentials
        | ErrorKind::InvalidClient
        | ErrorKind::InvalidToken
        | ErrorKind::TokenRequired => EngineError::CredentialsRefused {
            profile: profile.name().to_owned(),
            what,
            source,
        },
        // The credentials were right, but the account may not do this (e.g. a user who
        // is not a server administrator at admin/generateToken).
        ErrorKind::NoPermission => EngineError::CredentialsRefused {
            profile: profile.name().to_owned(),
            what: "account (it lacks the privilege)",
            source,
        },
        _ => EngineError::Portal {
            profile: profile.name().to_owned(),
            source,
        },
    }
}
