//! Signing a profile in and out through the engine: the auth flows run with the profile's
//! settings, and their result is stored (under the profile's lock) as the session the engine
//! keeps fresh; a sign-in that replaces a session revokes the replaced refresh token (best
//! effort: a failure is logged as a warning). Sign-out revokes the refresh token on the
//! portal, then deletes the profile's secrets — even when the revocation fails.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::error::EngineError;
use super::lifecycle::Engine;
use super::record::SessionRecord;
use crate::arcgis::oauth::{TokenTypeHint, revoke_token};
use crate::arcgis::time::Expiration;
use crate::auth::{
    Browser, LoopbackRedirect, ProgressSink, SignIn, SignInOptions, SignedInUser, oob, pkce,
};
use crate::secret::Secret;
use crate::store::{AccessTokenRecord, Profile, RedirectUri, SecretKind, SignInMethod};

/// What a sign-in needs from the caller (the CLI or the desktop app).
pub struct SignInRequest {
    /// Shows the sign-in page (the system browser, or nothing for `--no-browser`).
    pub browser: Arc<dyn Browser>,
    /// Hears what is happening (the address to open by hand, above all).
    pub progress: Arc<dyn ProgressSink>,
    /// Cancels the sign-in (Ctrl-C, a Cancel button).
    pub cancel: CancellationToken,
    /// How long to wait for the browser or the pasted code.
    pub timeout: Duration,
    /// Out-of-band sign-in: the pasted text (lines from stdin, a dialog).
    pub pasted: Option<mpsc::Receiver<Secret<String>>>,
}

/// A finished sign-out.
#[derive(Debug)]
pub struct SignedOut {
    /// Whether a session was stored.
    pub had_session: bool,
    /// Why revoking the refresh token on the portal failed, if it did (the secrets were
    /// deleted anyway).
    pub revoke_failed: Option<String>,
}

impl Engine {
    /// Signs the profile in (browser PKCE or out-of-band, as the profile says) and stores the
    /// session. A session stored before is replaced, and its refresh token revoked on the
    /// portal once the new one is stored (a failed revocation is only a warning).
    pub async fn sign_in(
        &self,
        profile: &Profile,
        request: SignInRequest,
    ) -> Result<SignedInUser, EngineError> {
        let (client, portal) = self.connection(profile)?;
        let mut options = SignInOptions::new(
            client,
            portal,
            profile.client_id().unwrap_or_default(),
            profile.expiration().expiration(),
        );
        options.timeout = request.timeout;
        options.cancel = request.cancel;
        options.browser = request.browser;
        options.progress = request.progress;
        options.clock = Arc::clone(self.clock());
        let sign_in_error = |source| EngineError::SignIn {
            profile: profile.name().to_owned(),
            source,
        };
        let redirect = profile
            .redirect_uri()
            .cloned()
            .unwrap_or(RedirectUri::OutOfBand);
        let result = match (profile.sign_in(), &redirect) {
            (SignInMethod::OutOfBand, _) | (_, RedirectUri::OutOfBand) => {
                let pasted = request.pasted.unwrap_or_else(|| mpsc::channel(1).1);
                oob::sign_in(&options, pasted).await
            }
            (_, RedirectUri::Loopback { port, path }) => {
                pkce::sign_in(&options, &LoopbackRedirect::fixed(*port, path)).await
            }
            (_, RedirectUri::LoopbackAnyPort { path }) => {
                pkce::sign_in(&options, &LoopbackRedirect::any_port(path)).await
            }
        };
        let signed_in = result.map_err(sign_in_error)?;
        self.store_sign_in(profile, &signed_in).await?;
        Ok(signed_in.user)
    }

    async fn store_sign_in(
        &self,
        profile: &Profile,
        signed_in: &SignIn,
    ) -> Result<(), EngineError> {
        let now = self.clock().now();
        let tokens = &signed_in.tokens;
        let Some(refresh_token) = tokens.refresh_token.clone() else {
            return Err(EngineError::SignInNeeded {
                profile: profile.name().to_owned(),
                portal: profile.url().to_owned(),
                reason: "the portal gave no refresh token, so the session could not be kept"
                    .to_owned(),
            });
        };
        let session = SessionRecord {
            refresh_token: Some(refresh_token),
            reissue: false,
            refresh_issued_at: now,
            // A code grant answer may not say when the refresh token ends (fixture F01's
            // shape): it ends the `expiration` the sign-in asked for after now (protocol
            // reference §7 item 7). Unknown, it would never be exchanged and die silently.
            refresh_expires_at: tokens.refresh_token_expires_at.or(
                match profile.expiration().expiration() {
                    Expiration::Minutes(minutes) => {
                        Some(now + chrono::TimeDelta::minutes(i64::from(minutes)))
                    }
                    Expiration::Never => None,
                },
            ),
            exchange_extends: true,
            redirect_uri: Some(signed_in.redirect_uri.clone()),
            username: Some(signed_in.user.username.clone()),
            renewed_at: now,
            health: crate::engine::record::Health::Good,
        };
        let access = AccessTokenRecord {
            token: tokens.access_token.clone(),
            expires_at: tokens.expires_at,
            username: Some(signed_in.user.username.clone()),
        };
        let replaced = {
            let _lock = self.lock(profile).await?;
            // An unreadable old record is simply replaced; there is nothing to revoke then.
            let previous = self.read(profile).await.ok().and_then(|(old, _)| old);
            self.write_session(profile, &session).await?;
            self.write_access(profile, &access).await?;
            previous.and_then(|old| old.refresh_token).filter(|old| {
                Some(old.expose()) != session.refresh_token.as_ref().map(Secret::expose)
            })
        };
        if let Some(old) = replaced
            && let Err(reason) = self
                .revoke(profile, &old, TokenTypeHint::RefreshToken)
                .await
        {
            tracing::warn!(profile = profile.name(), %reason, "signed in, but revoking the replaced refresh token failed; it stays valid on the portal until it expires");
        }
        Ok(())
    }

    /// Revokes `token` on the profile's portal; on failure, says why in plain words.
    async fn revoke<R>(
        &self,
        profile: &Profile,
        token: &Secret<String, R>,
        hint: TokenTypeHint,
    ) -> Result<(), String> {
        let (client, portal) = self.connection(profile).map_err(|err| err.to_string())?;
        revoke_token(
            &client,
            &portal,
            profile.client_id().unwrap_or_default(),
            token,
            hint,
            self.clock().now(),
        )
        .await
        .map(|_| ())
        .map_err(|err| err.to_string())
    }

    /// Revokes the refresh token on the portal (best effort), then deletes every secret of
    /// the profile. Credential-method tokens (app, generateToken, API keys) cannot be revoked
    /// by the client: their secrets are only deleted.
    pub async fn sign_out(&self, profile: &Profile) -> Result<SignedOut, EngineError> {
        let _lock = self.lock(profile).await?;
        let stored = self.read(profile).await;
        let (refresh, access) = match &stored {
            // App and generateToken tokens cannot be revoked: nothing to send for them.
            _ if !profile.sign_in().uses_redirect() => (None, None),
            Ok((Some(session), _)) => (session.refresh_token.clone(), None),
            Ok((None, Some(access))) => (None, Some(access.token.clone())),
            _ => (None, None),
        };
        // An API key profile keeps its key alone, without session or token.
        let had_api_key = profile.sign_in() == SignInMethod::ApiKey
            && self
                .secrets()
                .get(profile.id(), SecretKind::ApiKey)
                .await
                .is_ok_and(|key| key.is_some());
        let had_session = !matches!(stored, Ok((None, None))) || had_api_key;
        let mut revoke_failed = None;
        let revoked = match (&refresh, &access) {
            (Some(token), _) => Some(
                self.revoke(profile, token, TokenTypeHint::RefreshToken)
                    .await,
            ),
            (None, Some(token)) => Some(
                self.revoke(profile, token, TokenTypeHint::AccessToken)
                    .await,
            ),
            (None, None) => None,
        };
        if let Some(Err(reason)) = revoked {
            tracing::warn!(profile = profile.name(), %reason, "revoking the refresh token failed; deleting the secrets anyway");
            revoke_failed = Some(reason);
        }
        self.secrets()
            .delete_all(profile.id())
            .await
            .map_err(|source| EngineError::Secrets {
                profile: profile.name().to_owned(),
                source,
            })?;
        Ok(SignedOut {
            had_session,
            revoke_failed,
        })
    }
}
