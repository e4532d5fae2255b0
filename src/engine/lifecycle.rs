//! [`Engine`]: the one place that changes a profile's tokens.
//!
//! Every read-decide-renew-write happens under the profile's cross-process lock
//! (`<data dir>/locks/<profile id>.lock`): take the lock, re-read the keyring (another
//! process may have renewed meanwhile — then its result is used), consult
//! [`schedule::plan`], run the `refresh_token` or `exchange_refresh_token` grant, write the
//! keyring (the new refresh token first: after an exchange the old one is dead), release.
//! Failures are classified by [`schedule::after_failure`]; passing ones are backed off with
//! [`Backoff`], and the next allowed attempt is kept in the keyring so every process (the
//! desktop app, any number of CLI commands) honours the same backoff.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use chrono::TimeDelta;

use super::clients::Clients;
use super::error::EngineError;
use super::record::{Health, SessionRecord, notes_warning};
use super::schedule::{self, AfterFailure, Backoff, Lifetime, Plan, Renewal};
use super::state::ProfileStatus;
use crate::arcgis::info::{community_self, portal_self_as, server_services};
use crate::arcgis::oauth::{Grant, OAuthTokens, request_token};
use crate::arcgis::{ArcGisClient, ArcGisError, ErrorKind, Instant, PortalUrl};
use crate::clock::{Clock, rfc3339};
use crate::remedy::{Credential, Remedy, Warning};
use crate::secret::AccessToken;
use crate::store::{
    AccessTokenRecord, AsyncSecrets, FileLock, Paths, Profile, SecretKind, SignInMethod,
};

/// How long an operation waits for another process's renewal by default (longer than one
/// HTTP request may take).
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(60);

/// A forced renewal (or one for a rejected token) that meets a backoff window ending within
/// this time waits for the window to pass and then tries once; a longer window fails at once
/// with a message saying when the next try will be.
const WAIT_OUT_BACKOFF: TimeDelta = TimeDelta::seconds(5);

/// What the caller wants from [`Engine::obtain`].
#[derive(Debug, Clone)]
pub enum Want {
    /// A token that is good now: the stored one, or a renewed one when the plan says so.
    Fresh,
    /// A token obtained after `after` (a forced renewal; a renewal by another process after
    /// that moment counts).
    RenewedAfter {
        /// The moment the request was made.
        after: Instant,
    },
    /// A token other than this one, which a service rejected (498).
    Replacing(AccessToken),
}

/// What renewal happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenewalKind {
    /// `refresh_token` grant: a new access token.
    Refreshed,
    /// `exchange_refresh_token` grant: a new access token and a new refresh token.
    Exchanged,
    /// A new token asked for with stored credentials (app credentials, a remembered
    /// password).
    Reissued,
}

/// A token handed out.
#[derive(Debug, Clone)]
pub struct FreshToken {
    /// The access token.
    pub token: AccessToken,
    /// When it expires.
    pub expires_at: Instant,
    /// The user it belongs to.
    pub username: Option<String>,
    /// The renewal this call made over the network, if any.
    pub renewed: Option<RenewalKind>,
    /// Something the person should know although a token came back (a failed renewal while
    /// the stored token is still good, a session that needs a sign-in soon).
    pub warning: Option<Warning>,
}

impl FreshToken {
    fn stored(access: &AccessTokenRecord, username: Option<&String>) -> Self {
        Self {
            token: access.token.clone(),
            expires_at: access.expires_at,
            username: access.username.clone().or_else(|| username.cloned()),
            renewed: None,
            warning: None,
        }
    }
}

/// When a profile next needs the engine's attention (for the runner).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// A renewal is due now.
    Now,
    /// Nothing to do until then.
    At(Instant),
    /// Nothing will happen by itself (signed out, sign-in needed, stopped).
    Idle,
}

/// What [`Engine::look`] saw: the profile's status and when it next needs the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Look {
    /// The state, user and deadlines.
    pub status: ProfileStatus,
    /// When a renewal is due.
    pub due: Due,
}

/// The token lifecycle of every profile, over one secret store and one lock directory.
#[derive(Clone)]
pub struct Engine {
    secrets: AsyncSecrets,
    lock_dir: PathBuf,
    clock: Arc<dyn Clock>,
    backoff: Backoff,
    lock_timeout: Duration,
    /// The longest renewal margin, in seconds; shared by the engine's clones, so the desktop
    /// app's setting reaches its runner.
    renewal_margin_secs: Arc<AtomicI64>,
    /// One HTTP client per trust setting, shared by the engine's clones.
    clients: Clients,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("secrets", &self.secrets)
            .field("lock_dir", &self.lock_dir)
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// An engine over `secrets`, locking in `<data dir>/locks`, telling time by `clock`.
    pub fn new(secrets: AsyncSecrets, paths: &Paths, clock: Arc<dyn Clock>) -> Self {
        Self {
            secrets,
            lock_dir: paths.data_dir().join("locks"),
            clock,
            backoff: Backoff::default(),
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
            renewal_margin_secs: Arc::new(AtomicI64::new(
                schedule::DEFAULT_RENEWAL_MARGIN.num_seconds(),
            )),
            clients: Clients::default(),
        }
    }

    /// Sets how long before expiry access tokens are renewed at the latest (at least one
    /// second), for this engine and its clones.
    pub fn set_renewal_margin(&self, margin: TimeDelta) {
        self.renewal_margin_secs
            .store(margin.num_seconds().max(1), Ordering::Relaxed);
    }

    /// The longest renewal margin (default [`schedule::DEFAULT_RENEWAL_MARGIN`]).
    pub fn renewal_margin(&self) -> TimeDelta {
        TimeDelta::seconds(self.renewal_margin_secs.load(Ordering::Relaxed))
    }

    /// The HTTP clients, one per trust setting.
    pub fn clients(&self) -> &Clients {
        &self.clients
    }

    /// The same engine with another backoff.
    pub fn with_backoff(self, backoff: Backoff) -> Self {
        Self { backoff, ..self }
    }

    /// The same engine with another lock timeout.
    pub fn with_lock_timeout(self, lock_timeout: Duration) -> Self {
        Self {
            lock_timeout,
            ..self
        }
    }

    /// The clock the engine tells time by.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// The secret store.
    pub fn secrets(&self) -> &AsyncSecrets {
        &self.secrets
    }

    /// The profile's state, user and deadlines, from the keyring (no network, no lock).
    pub async fn status(&self, profile: &Profile) -> Result<ProfileStatus, EngineError> {
        Ok(self.look(profile).await?.status)
    }

    /// The stored access token as it is, without renewing (no network). Read under the
    /// lock, so it is never caught between a renewal's two keyring writes.
    pub async fn stored_token(
        &self,
        profile: &Profile,
    ) -> Result<Option<AccessTokenRecord>, EngineError> {
        if profile.sign_in() == SignInMethod::ApiKey {
            return match self.api_key_token(profile, false).await {
                Ok(key) => Ok(Some(AccessTokenRecord {
                    token: key.token,
                    expires_at: key.expires_at,
                    username: key.username,
                })),
                Err(EngineError::NotSignedIn { .. } | EngineError::ApiKeyExpired { .. }) => {
                    Ok(None)
                }
                Err(err) => Err(err),
            };
        }
        let _lock = self.lock(profile).await?;
        Ok(self.read(profile).await?.1)
    }

    /// When the profile next needs a renewal (no network, no lock).
    pub async fn due(&self, profile: &Profile) -> Result<Due, EngineError> {
        Ok(self.look(profile).await?.due)
    }

    /// The profile's status and when it next needs a renewal, from one read of the keyring
    /// (no network, no lock): what a runner looks at on each turn.
    pub async fn look(&self, profile: &Profile) -> Result<Look, EngineError> {
        if profile.sign_in() == SignInMethod::ApiKey {
            return Ok(Look {
                status: self.api_key_status(profile).await?,
                due: Due::Idle,
            });
        }
        let (session, access) = self.read(profile).await?;
        let now = self.clock.now();
        let status = ProfileStatus::from_stored(session.as_ref(), access.as_ref(), now);
        let due = match &session {
            Some(session) if !session.health.halted() => {
                match plan_for(session, access.as_ref(), now, self.renewal_margin()) {
                    Plan::Wait { until } => Due::At(until),
                    Plan::SignInNeeded { .. } => Due::Idle,
                    Plan::Renew | Plan::ExchangeRefreshToken => {
                        match session.health.next_retry_at() {
                            Some(at) if at > now => Due::At(at),
                            _ => Due::Now,
                        }
                    }
                }
            }
            // Signed out, or stopped: nothing happens by itself.
            _ => Due::Idle,
        };
        Ok(Look { status, due })
    }

    /// A token for the CLI: the stored one while the plan says so, else renewed under the
    /// lock. `force` renews now (a renewal by another process since this call started counts).
    pub async fn fresh_token(
        &self,
        profile: &Profile,
        force: bool,
    ) -> Result<FreshToken, EngineError> {
        let want = if force {
            Want::RenewedAfter {
                after: self.clock.now(),
            }
        } else {
            Want::Fresh
        };
        self.obtain(profile, want).await
    }

    /// A service rejected `rejected` (498): renew at once, unless another process already has.
    pub async fn token_rejected(
        &self,
        profile: &Profile,
        rejected: &AccessToken,
    ) -> Result<FreshToken, EngineError> {
        self.obtain(profile, Want::Replacing(rejected.clone()))
            .await
    }

    /// A fresh token (renewed now when `force`) checked with the portal (`community/self`);
    /// a 498 there renews at once and the new token is checked again.
    pub async fn checked_token(
        &self,
        profile: &Profile,
        force: bool,
    ) -> Result<FreshToken, EngineError> {
        if profile.sign_in() == SignInMethod::ApiKey {
            return self.api_key_token(profile, true).await;
        }
        let token = self.fresh_token(profile, force).await?;
        match self.verify(profile, &token.token).await {
            Ok(()) => Ok(token),
            Err(err) if err.kind() == ErrorKind::InvalidToken => {
                tracing::info!(
                    profile = profile.name(),
                    "the portal rejected the token (498); renewing"
                );
                let renewed = self.token_rejected(profile, &token.token).await?;
                self.verify(profile, &renewed.token)
                    .await
                    .map_err(|source| portal_error(profile, source))?;
                Ok(renewed)
            }
            Err(source) => Err(portal_error(profile, source)),
        }
    }

    /// Asks the site whether `token` is still good: `community/self` for OAuth sign-ins,
    /// `portals/self` for app and password tokens (app tokens have no user), a server's
    /// `rest/services`; with the `Referer` a referer-bound token needs.
    async fn verify(&self, profile: &Profile, token: &AccessToken) -> Result<(), ArcGisError> {
        let client = match self.client(profile) {
            Ok(client) => client,
            Err(EngineError::Stopped { source, .. }) => return Err(source),
            Err(_) => return Ok(()),
        };
        let now = self.clock.now();
        let referer = profile.bound_referer();
        match (profile.portal_url(), profile.server_url()) {
            (Some(portal), _) if profile.sign_in().uses_redirect() => {
                community_self(&client, &portal, token, now)
                    .await
                    .map(|_| ())
            }
            (Some(portal), _) => portal_self_as(&client, &portal, Some(token), referer, now)
                .await
                .map(|_| ()),
            (None, Some(server)) => server_services(&client, &server, token, referer, now)
                .await
                .map(|_| ()),
            (None, None) => Ok(()),
        }
    }

    /// The core: under the lock, re-read, decide, renew if needed, write. Every renewal
    /// honours the backoff window shared in the session record: before its end no request is
    /// made. A plain request ([`Want::Fresh`]) then gets the stored token while it is still
    /// valid (with a warning) and else fails at once; a forced renewal or a rejected token
    /// waits out a short window (without holding the lock) and then tries once, and fails at
    /// once on a longer one.
    pub async fn obtain(&self, profile: &Profile, want: Want) -> Result<FreshToken, EngineError> {
        if profile.sign_in() == SignInMethod::ApiKey {
            let checked = matches!(want, Want::Replacing(_));
            return self.api_key_token(profile, checked).await;
        }
        if matches!(want, Want::Fresh)
            && let Some(token) = self.still_good(profile).await?
        {
            return Ok(token);
        }
        match self.obtain_locked(profile, &want).await {
            Err(EngineError::BackingOff { next_try_at, .. })
                if !matches!(want, Want::Fresh)
                    && next_try_at - self.clock.now() <= WAIT_OUT_BACKOFF =>
            {
                let wait = (next_try_at - self.clock.now())
                    .to_std()
                    .unwrap_or_default();
                tracing::info!(
                    profile = profile.name(),
                    ?wait,
                    "waiting for the end of the renewal backoff"
                );
                tokio::time::sleep(wait).await;
                self.obtain_locked(profile, &want).await
            }
            result => result,
        }
    }

    /// The stored token when it is good and nothing is due, read without taking the lock:
    /// the common case of `token` (scripts and plugins call it in loops). Each keyring item is
    /// written whole, so a read never sees half a renewal; anything else (a renewal due, a
    /// failure recorded, no session) goes the locked way.
    pub async fn still_good(&self, profile: &Profile) -> Result<Option<FreshToken>, EngineError> {
        let (session, access) = self.read(profile).await?;
        let (Some(session), Some(access)) = (session, access) else {
            return Ok(None);
        };
        let now = self.clock.now();
        let healthy = matches!(session.health, Health::Good);
        let plan = plan_for(&session, Some(&access), now, self.renewal_margin());
        Ok(
            (healthy && access.expires_at > now && matches!(plan, Plan::Wait { .. }))
                .then(|| FreshToken::stored(&access, session.username.as_ref())),
        )
    }

    /// One pass of [`Engine::obtain`], under the lock.
    async fn obtain_locked(
        &self,
        profile: &Profile,
        want: &Want,
    ) -> Result<FreshToken, EngineError> {
        let _lock = self.lock(profile).await?;
        let now = self.clock.now();
        let (session, access) = self.read(profile).await?;
        let Some(session) = session else {
            return Err(EngineError::NotSignedIn {
                profile: profile.name().to_owned(),
            });
        };
        let valid = access.as_ref().filter(|a| a.expires_at > now);
        if let Health::SignInNeeded { reason, .. } = &session.health {
            return Err(self.sign_in_needed(profile, reason.clone()));
        }
        let plan = plan_for(&session, access.as_ref(), now, self.renewal_margin());
        let stored = |warning: Option<Warning>| {
            valid.map(|a| FreshToken {
                warning,
                ..FreshToken::stored(a, session.username.as_ref())
            })
        };
        if let Plan::SignInNeeded { .. } = plan {
            let reason = expired_reason(&session);
            if matches!(want, Want::Fresh)
                && let Some(token) = stored(Some(Warning::new(
                    format!(
                        "{reason}; this token still works until it expires, then a new sign-in \
                         is needed"
                    ),
                    Some(Remedy::sign_in(profile.name())),
                )))
            {
                return Ok(token);
            }
            return Err(self.sign_in_needed(profile, reason));
        }
        let satisfied = match (want, plan) {
            (Want::Fresh, Plan::Wait { .. }) => true,
            (Want::RenewedAfter { after }, _) => session.renewed_at > *after,
            (Want::Replacing(rejected), _) => {
                valid.is_some_and(|a| a.token.expose() != rejected.expose())
            }
            _ => false,
        };
        if satisfied && let Some(token) = stored(None) {
            return Ok(token);
        }
        if let Some(next_try_at) = session.health.next_retry_at().filter(|at| *at > now) {
            let paused = self.backing_off(profile, &session, next_try_at, now);
            if matches!(want, Want::Fresh)
                && let Some(token) = stored(Some(Warning::new(
                    format!(
                        "{paused} The stored token still works until {} and was used.",
                        valid.map_or_else(String::new, |a| rfc3339(a.expires_at))
                    ),
                    paused.remedy(),
                )))
            {
                return Ok(token);
            }
            return Err(paused);
        }
        if session.refresh_token.is_none() && !session.reissue {
            return Err(self.cannot_renew(profile, &session, want).await?);
        }
        match self.renew(profile, &session, kind_for(plan), now).await {
            Ok(token) => Ok(token),
            Err(err) if matches!(want, Want::Fresh) => match (&err, stored(None)) {
                (EngineError::Portal { .. }, Some(token)) => Ok(FreshToken {
                    warning: Some(Warning::new(
                        format!(
                            "{err} The stored token still works until {} and was used.",
                            rfc3339(token.expires_at)
                        ),
                        err.remedy(),
                    )),
                    ..token
                }),
                _ => Err(err),
            },
            Err(err) => Err(err),
        }
    }

    /// The failure for a renewal of a session that has nothing to renew with (a password
    /// that was not remembered). A token the site refused is dead: the session is marked as
    /// needing a sign-in. Call with the lock held.
    async fn cannot_renew(
        &self,
        profile: &Profile,
        session: &SessionRecord,
        want: &Want,
    ) -> Result<EngineError, EngineError> {
        if !matches!(want, Want::Replacing(_)) {
            return Ok(self.sign_in_needed(
                profile,
                "a new token needs the password, which was not remembered".to_owned(),
            ));
        }
        let reason = "the site refused the token, and it cannot be renewed without the \
                      password (it was not remembered)"
            .to_owned();
        let mut dead = session.clone();
        dead.health = Health::SignInNeeded {
            reason: reason.clone(),
            remedy: Some(Remedy::EnterCredential {
                profile: None,
                credential: Credential::Password,
            }),
        };
        self.write_session(profile, &dead).await?;
        Ok(self.sign_in_needed(profile, reason))
    }

    /// The failure for a renewal asked for before the shared backoff window ends.
    fn backing_off(
        &self,
        profile: &Profile,
        session: &SessionRecord,
        next_try_at: Instant,
        now: Instant,
    ) -> EngineError {
        tracing::info!(profile = profile.name(), next_try_at = %rfc3339(next_try_at), "renewal is backing off; no request sent");
        EngineError::BackingOff {
            profile: profile.name().to_owned(),
            portal: profile.url().to_owned(),
            attempts: session.health.failures(),
            next_try_at,
            seconds_left: (next_try_at - now + TimeDelta::milliseconds(999)).num_seconds(),
            last_error: match &session.health {
                Health::Failing { last_error, .. } if !last_error.is_empty() => last_error.clone(),
                _ => "nothing was recorded".to_owned(),
            },
        }
    }

    /// Runs the grant and writes the result; on failure, records it for every process.
    /// Call with the lock held.
    async fn renew(
        &self,
        profile: &Profile,
        session: &SessionRecord,
        kind: RenewalKind,
        now: Instant,
    ) -> Result<FreshToken, EngineError> {
        let Some(refresh_token) = &session.refresh_token else {
            let result = self.reissue(profile, session, now).await?;
            return self
                .after_renewal(
                    profile,
                    session,
                    RenewalKind::Reissued,
                    now,
                    result.map(|(access, notes)| {
                        let mut next = session.clone();
                        next.clear_failures();
                        next.renewed_at = self.clock.now();
                        (next, access, notes)
                    }),
                )
                .await;
        };
        let (client, portal) = self.connection(profile)?;
        let client_id = profile.client_id().unwrap_or_default();
        let redirect = session.redirect_uri.clone();
        let kind = match (&redirect, kind) {
            (None, RenewalKind::Exchanged) => RenewalKind::Refreshed,
            (_, kind) => kind,
        };
        let grant = match (&redirect, kind) {
            (Some(redirect_uri), RenewalKind::Exchanged) => Grant::ExchangeRefreshToken {
                refresh_token,
                redirect_uri,
            },
            _ => Grant::RefreshToken { refresh_token },
        };
        tracing::info!(profile = profile.name(), ?kind, "renewing the token");
        let result = request_token(&client, &portal, client_id, &grant, now)
            .await
            .map(|tokens| {
                let notes = tokens.notes.clone();
                let (next, access) = renewed_session(session, tokens, self.clock.now());
                (next, access, notes)
            });
        self.after_renewal(profile, session, kind, now, result)
            .await
    }

    /// Writes a renewal's result, or records its failure for every process. Call with the
    /// lock held.
    async fn after_renewal(
        &self,
        profile: &Profile,
        session: &SessionRecord,
        kind: RenewalKind,
        now: Instant,
        result: Result<(SessionRecord, AccessTokenRecord, Vec<String>), ArcGisError>,
    ) -> Result<FreshToken, EngineError> {
        match result {
            Ok((next, access, notes)) => {
                self.write_session(profile, &next).await?;
                self.write_access(profile, &access).await?;
                Ok(FreshToken {
                    renewed: Some(kind),
                    warning: notes_warning(notes),
                    ..FreshToken::stored(&access, next.username.as_ref())
                })
            }
            Err(source) => {
                let mut failed = session.clone();
                let failures = session.health.failures().saturating_add(1);
                let error = match schedule::after_failure(source.kind()) {
                    after @ (AfterFailure::Retry | AfterFailure::RetryRarely) => {
                        let backoff = match after {
                            AfterFailure::RetryRarely => Backoff::RARE,
                            _ => self.backoff,
                        };
                        let delay = backoff.delay(failures, rand::random::<f64>());
                        failed.health = Health::Failing {
                            failures,
                            next_retry_at: Some(
                                now + TimeDelta::from_std(delay).unwrap_or(TimeDelta::MAX),
                            ),
                            last_error: source.to_string(),
                            remedy: source.remedy(),
                        };
                        tracing::warn!(profile = profile.name(), attempts = failures, ?delay, error = %source, "renewal failed; backing off");
                        portal_error(profile, source)
                    }
                    AfterFailure::SignInNeeded => {
                        let reason = match kind {
                            RenewalKind::Reissued => format!(
                                "the site refused the stored credentials ({source}); they are not \
                                 tried again until you sign in"
                            ),
                            _ => format!("the portal refused the refresh token ({source})"),
                        };
                        failed.health = Health::SignInNeeded {
                            reason: reason.clone(),
                            remedy: source.remedy(),
                        };
                        tracing::warn!(profile = profile.name(), error = %source, "the session is no longer valid");
                        self.sign_in_needed(profile, reason)
                    }
                    AfterFailure::Stop => {
                        failed.health = Health::Stopped {
                            reason: source.to_string(),
                            remedy: source.remedy(),
                        };
                        tracing::warn!(profile = profile.name(), error = %source, "renewal stopped");
                        EngineError::Stopped {
                            profile: profile.name().to_owned(),
                            source,
                        }
                    }
                };
                self.write_session(profile, &failed).await?;
                Err(error)
            }
        }
    }

    /// The HTTP client (with the profile's CA file) and the portal of an OAuth profile.
    pub(super) fn connection(
        &self,
        profile: &Profile,
    ) -> Result<(ArcGisClient, PortalUrl), EngineError> {
        let unsupported = || EngineError::UnsupportedMethod {
            profile: profile.name().to_owned(),
            method: profile.sign_in(),
        };
        if !profile.sign_in().uses_redirect() {
            return Err(unsupported());
        }
        let portal = profile.portal_url().ok_or_else(unsupported)?;
        Ok((self.client(profile)?, portal))
    }

    fn sign_in_needed(&self, profile: &Profile, reason: String) -> EngineError {
        EngineError::SignInNeeded {
            profile: profile.name().to_owned(),
            portal: profile.url().to_owned(),
            reason,
        }
    }

    /// Takes the profile's cross-process lock (off the async threads: the wait blocks).
    pub(super) async fn lock(&self, profile: &Profile) -> Result<FileLock, EngineError> {
        let dir = self.lock_dir.clone();
        let path = dir.join(format!("{}.lock", profile.id()));
        let timeout = self.lock_timeout;
        let name = profile.name().to_owned();
        let io_error = |source| EngineError::Io {
            profile: name.clone(),
            action: format!("create the lock directory {}", dir.display()),
            source,
        };
        create_private_dir(&dir).map_err(io_error)?;
        let task = tokio::task::spawn_blocking(move || FileLock::acquire(&path, timeout));
        match task.await {
            Ok(result) => result.map_err(|source| EngineError::Lock {
                profile: profile.name().to_owned(),
                source,
            }),
            Err(join) => Err(EngineError::Io {
                profile: profile.name().to_owned(),
                action: "wait for the profile lock".to_owned(),
                source: std::io::Error::other(join.to_string()),
            }),
        }
    }

    /// The stored session and access token.
    pub(super) async fn read(
        &self,
        profile: &Profile,
    ) -> Result<(Option<SessionRecord>, Option<AccessTokenRecord>), EngineError> {
        let secrets_error = |source| EngineError::Secrets {
            profile: profile.name().to_owned(),
            source,
        };
        let bad = |problem: String| EngineError::BadRecord {
            profile: profile.name().to_owned(),
            problem,
        };
        // Both at once: each is a round trip to the keyring, and `token` waits for them.
        let (session, access) = tokio::join!(
            self.secrets.get(profile.id(), SecretKind::RefreshToken),
            self.secrets.get(profile.id(), SecretKind::AccessToken),
        );
        let session = session
            .map_err(secrets_error)?
            .map(|value| SessionRecord::from_secret(&value).map_err(|e| bad(e.to_string())))
            .transpose()?;
        let access = access
            .map_err(secrets_error)?
            .map(|value| AccessTokenRecord::from_secret(&value).map_err(|e| bad(e.to_string())))
            .transpose()?;
        Ok((session, access))
    }

    pub(super) async fn write_session(
        &self,
        profile: &Profile,
        session: &SessionRecord,
    ) -> Result<(), EngineError> {
        self.secrets
            .set(profile.id(), SecretKind::RefreshToken, session.to_secret())
            .await
            .map_err(|source| EngineError::Secrets {
                profile: profile.name().to_owned(),
                source,
            })
    }

    pub(super) async fn write_access(
        &self,
        profile: &Profile,
        access: &AccessTokenRecord,
    ) -> Result<(), EngineError> {
        self.secrets
            .set(profile.id(), SecretKind::AccessToken, access.to_secret())
            .await
            .map_err(|source| EngineError::Secrets {
                profile: profile.name().to_owned(),
                source,
            })
    }
}

/// A moment as RFC 3339 UTC, to the second.
fn portal_error(profile: &Profile, source: ArcGisError) -> EngineError {
    EngineError::Portal {
        profile: profile.name().to_owned(),
        source,
    }
}

fn kind_for(plan: Plan) -> RenewalKind {
    match plan {
        Plan::ExchangeRefreshToken => RenewalKind::Exchanged,
        _ => RenewalKind::Refreshed,
    }
}

/// Why a session whose plan says "sign in" needs one.
fn expired_reason(session: &SessionRecord) -> String {
    if session.refresh_token.is_some() {
        "the refresh token has expired".to_owned()
    } else {
        "the token has expired, and without a remembered password it cannot be re-issued".to_owned()
    }
}

/// What to do about a stored session at `now`. An exchange that did not extend the refresh
/// token's life is not tried again (it cannot help): the token then serves `refresh_token`
/// grants until it ends. Sessions without refresh token are re-issued with stored
/// credentials, or used until they expire.
pub(super) fn plan_for(
    session: &SessionRecord,
    access: Option<&AccessTokenRecord>,
    now: Instant,
    margin: TimeDelta,
) -> Plan {
    let access = access.map(|a| Lifetime {
        issued_at: session.renewed_at.min(a.expires_at),
        expires_at: a.expires_at,
    });
    if session.refresh_token.is_none() {
        let renewal = if session.reissue {
            Renewal::Reissue
        } else {
            Renewal::Impossible
        };
        return schedule::plan(access, renewal, now, margin);
    }
    let refresh = session.refresh_expires_at.map(|expires_at| Lifetime {
        issued_at: session.refresh_issued_at,
        expires_at,
    });
    if session.exchange_extends {
        return schedule::plan(access, Renewal::RefreshToken(refresh), now, margin);
    }
    match refresh {
        Some(r) if r.expires_at <= now => Plan::SignInNeeded {
            usable_until: access.map(|a| a.expires_at).filter(|at| *at > now),
        },
        _ => schedule::plan(access, Renewal::RefreshToken(None), now, margin),
    }
}

/// How much later an exchanged refresh token must expire to count as a new lifetime (the
/// portal says the remaining lifetime in whole seconds, so equal expiries differ a little).
const EXTENSION_SLACK: TimeDelta = TimeDelta::seconds(30);

/// The session and access token after a successful grant at `now`.
pub(super) fn renewed_session(
    session: &SessionRecord,
    tokens: OAuthTokens,
    now: Instant,
) -> (SessionRecord, AccessTokenRecord) {
    let mut next = session.clone();
    next.clear_failures();
    next.renewed_at = now;
    if let Some(username) = &tokens.username {
        next.username = Some(username.clone());
    }
    if let Some(refresh_token) = tokens.refresh_token {
        let extends = match (tokens.refresh_token_expires_at, session.refresh_expires_at) {
            (Some(new), Some(old)) => new > old + EXTENSION_SLACK,
            _ => true,
        };
        next.refresh_token = Some(refresh_token);
        next.refresh_expires_at = tokens.refresh_token_expires_at;
        if extends {
            next.refresh_issued_at = now;
        }
        next.exchange_extends = extends;
    }
    let access = AccessTokenRecord {
        token: tokens.access_token,
        expires_at: tokens.expires_at,
        username: next.username.clone(),
    };
    (next, access)
}

/// Creates `dir` (and its parents), private to the user where the platform allows.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;
    use crate::engine::schedule::DEFAULT_RENEWAL_MARGIN;
    use crate::secret::Secret;

    fn t(seconds: i64) -> Instant {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
    }

    fn session(refresh_for: i64) -> SessionRecord {
        SessionRecord {
            refresh_token: Some(Secret::new("rt".to_owned())),
            reissue: false,
            refresh_issued_at: t(0),
            refresh_expires_at: Some(t(refresh_for)),
            exchange_extends: true,
            redirect_uri: Some(crate::arcgis::oauth::RedirectUri::Loopback {
                port: 5000,
                path: "/".to_owned(),
            }),
            username: Some("analyst".to_owned()),
            renewed_at: t(0),
            health: crate::engine::record::Health::Good,
        }
    }

    fn access(until: i64) -> AccessTokenRecord {
        AccessTokenRecord {
            token: Secret::new("at".to_owned()),
            expires_at: t(until),
            username: None,
        }
    }

    fn tokens(refresh_for: Option<i64>, now: i64) -> OAuthTokens {
        OAuthTokens {
            access_token: Secret::new("new-at".to_owned()),
            expires_at: t(now + 20),
            username: Some("analyst".to_owned()),
            ssl: true,
            refresh_token: refresh_for.map(|_| Secret::new("new-rt".to_owned())),
            refresh_token_expires_at: refresh_for.map(t),
            notes: Vec::new(),
        }
    }

    #[test]
    fn an_exchange_that_gives_a_new_lifetime_starts_the_twenty_percent_rule_again() {
        let (next, access) = renewed_session(&session(120), tokens(Some(216), 96), t(96));
        assert!(next.exchange_extends);
        assert_eq!(next.refresh_issued_at, t(96));
        assert_eq!(next.refresh_expires_at, Some(t(216)));
        assert_eq!(access.expires_at, t(116));
        assert_eq!(
            plan_for(&next, Some(&access), t(97), DEFAULT_RENEWAL_MARGIN),
            Plan::Wait { until: t(112) }
        );
    }

    #[test]
    fn an_exchange_that_keeps_the_old_expiry_is_not_repeated() {
        let (next, access) = renewed_session(&session(120), tokens(Some(120), 96), t(96));
        assert!(!next.exchange_extends);
        assert_eq!(
            plan_for(&next, Some(&access), t(100), DEFAULT_RENEWAL_MARGIN),
            Plan::Wait { until: t(112) }
        );
        assert_eq!(
            plan_for(&next, Some(&access), t(112), DEFAULT_RENEWAL_MARGIN),
            Plan::Renew
        );
        assert!(matches!(
            plan_for(&next, Some(&access), t(120), DEFAULT_RENEWAL_MARGIN),
            Plan::SignInNeeded { .. }
        ));
    }

    #[test]
    fn a_refresh_grant_keeps_the_refresh_token_and_clears_failures() {
        let mut failing = session(1000);
        failing.health = Health::Failing {
            failures: 3,
            next_retry_at: Some(t(50)),
            last_error: "HTTP 500".to_owned(),
            remedy: None,
        };
        let (next, _) = renewed_session(&failing, tokens(None, 40), t(40));
        assert_eq!(next.refresh_token.unwrap().expose(), "rt");
        assert_eq!(next.refresh_expires_at, Some(t(1000)));
        assert_eq!(next.renewed_at, t(40));
        assert_eq!(next.health, Health::Good);
    }

    #[test]
    fn a_session_without_refresh_token_is_reissued_with_stored_credentials_or_used_until_it_ends() {
        let mut app = SessionRecord::credentials(None, true, t(0));
        assert_eq!(
            plan_for(&app, Some(&access(7200)), t(10), DEFAULT_RENEWAL_MARGIN),
            Plan::Wait { until: t(6900) }
        );
        assert_eq!(
            plan_for(&app, Some(&access(7200)), t(6900), DEFAULT_RENEWAL_MARGIN),
            Plan::Renew
        );
        app.reissue = false;
        assert_eq!(
            plan_for(&app, Some(&access(7200)), t(7000), DEFAULT_RENEWAL_MARGIN),
            Plan::Wait { until: t(7200) }
        );
        assert_eq!(
            plan_for(&app, Some(&access(7200)), t(7200), DEFAULT_RENEWAL_MARGIN),
            Plan::SignInNeeded { usable_until: None }
        );
        assert!(expired_reason(&app).contains("remembered password"));
    }

    #[test]
    fn the_access_lifetime_is_measured_from_its_last_renewal() {
        let stored = session(14 * 24 * 3600);
        assert_eq!(
            plan_for(&stored, Some(&access(1800)), t(10), DEFAULT_RENEWAL_MARGIN),
            Plan::Wait { until: t(1500) }
        );
        assert_eq!(
            plan_for(&stored, None, t(10), DEFAULT_RENEWAL_MARGIN),
            Plan::Renew
        );
    }
}
