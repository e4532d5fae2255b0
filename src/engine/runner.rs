//! The background runner for long-running hosts (the desktop app; the soak test): one tokio
//! task per profile that renews when the plan says, backs off on failure, and takes
//! commands. Every renewal goes through [`Engine::obtain`], so it shares the lock, the
//! keyring and the backoff with any CLI process.
//!
//! Waits are computed from the injected wall clock and capped at [`MAX_WAIT`], so a laptop
//! that slept through a deadline acts within seconds of waking.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::error::EngineError;
use super::lifecycle::{Due, Engine, FreshToken, RenewalKind, Want};
use super::schedule::Backoff;
use super::state::{ProfileStatus, TokenState};
use crate::arcgis::Instant;
use crate::remedy::{Remedy, Warning};
use crate::secret::AccessToken;
use crate::store::{Profile, ProfileId};

/// The longest single wait: the deadline is looked at again at least this often.
pub const MAX_WAIT: Duration = Duration::from_secs(15);

/// The shortest time between two scheduled renewals of one profile, whatever the schedule
/// says: a site that hands out tokens that are (nearly) expired on arrival, or a plan gone
/// wrong, never makes the runner send a request after each answer. (Renewals the person
/// asks for are not held back.)
pub const MIN_RENEWAL_GAP: Duration = Duration::from_secs(10);

/// What a runner can be told.
#[derive(Debug)]
pub enum RunnerCommand {
    /// Renew now.
    RefreshNow,
    /// A service rejected this token (498): renew at once.
    TokenRejected(AccessToken),
    /// Sign out (revoke, delete the secrets); the runner keeps watching.
    SignOut,
    /// A new session was stored (a sign-in): read it and plan again now.
    SessionChanged,
    /// End the runner.
    Stop,
}

/// What a runner reports. Never carries a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineEvent {
    /// The profile's state (or deadlines) changed.
    StateChanged {
        /// The profile.
        profile: ProfileId,
        /// The new status.
        status: ProfileStatus,
    },
    /// Something happened worth a line in the activity log.
    Activity {
        /// The profile.
        profile: ProfileId,
        /// When.
        at: Instant,
        /// What happened, in plain words.
        message: String,
        /// What to do about it, if anything.
        remedy: Option<Remedy>,
        /// The renewal this was, if any.
        renewal: Option<RenewalKind>,
    },
}

/// A running profile runner.
pub struct Runner {
    commands: mpsc::Sender<RunnerCommand>,
    task: JoinHandle<()>,
}

impl Runner {
    /// Starts a runner for `profile`; events go to `events`.
    pub fn spawn(
        engine: Arc<Engine>,
        profile: Profile,
        events: mpsc::UnboundedSender<EngineEvent>,
    ) -> Self {
        let (commands, receiver) = mpsc::channel(16);
        let task = tokio::spawn(
            Task {
                engine,
                profile,
                events,
                last: None,
                local_failures: 0,
                last_scheduled: None,
            }
            .run(receiver),
        );
        Self { commands, task }
    }

    /// Sends a command; `false` if the runner has ended.
    pub async fn send(&self, command: RunnerCommand) -> bool {
        self.commands.send(command).await.is_ok()
    }

    /// Stops the runner and waits for it to end.
    pub async fn stop(self) {
        let _ = self.commands.send(RunnerCommand::Stop).await;
        let _ = self.task.await;
    }
}

struct Task {
    engine: Arc<Engine>,
    profile: Profile,
    events: mpsc::UnboundedSender<EngineEvent>,
    last: Option<ProfileStatus>,
    /// Failures in a row seen by this runner, so that even a keyring that cannot record the
    /// shared backoff never makes it spin.
    local_failures: u32,
    /// When this runner last started a scheduled renewal (monotonic: the floor must hold
    /// even when the wall clock jumps).
    last_scheduled: Option<tokio::time::Instant>,
}

impl Task {
    async fn run(mut self, mut commands: mpsc::Receiver<RunnerCommand>) {
        loop {
            self.publish_status().await;
            let wait = match self.engine.due(&self.profile).await {
                Ok(Due::Now) => match self.renewal_floor() {
                    Some(wait) => wait,
                    None => {
                        self.last_scheduled = Some(tokio::time::Instant::now());
                        self.set_state(TokenState::Refreshing);
                        let result = self.engine.obtain(&self.profile, Want::Fresh).await;
                        self.after(result, "scheduled renewal")
                    }
                },
                Ok(Due::At(at)) => until(at, self.engine.clock().now()),
                Ok(Due::Idle) => MAX_WAIT,
                Err(err) => {
                    self.note(
                        Warning::new(format!("reading the session failed: {err}"), err.remedy()),
                        None,
                    );
                    self.backoff()
                }
            };
            let command = tokio::select! {
                command = commands.recv() => command,
                () = tokio::time::sleep(wait.min(MAX_WAIT)) => continue,
            };
            match command {
                None | Some(RunnerCommand::Stop) => return,
                Some(RunnerCommand::RefreshNow) => {
                    self.set_state(TokenState::Refreshing);
                    let result = self.engine.fresh_token(&self.profile, true).await;
                    self.after(result, "renewal asked for");
                }
                Some(RunnerCommand::TokenRejected(token)) => {
                    self.set_state(TokenState::Refreshing);
                    let result = self.engine.token_rejected(&self.profile, &token).await;
                    self.after(result, "renewal after the token was rejected (498)");
                }
                // The loop's next turn reads the new session, publishes it and plans anew.
                Some(RunnerCommand::SessionChanged) => self.local_failures = 0,
                Some(RunnerCommand::SignOut) => match self.engine.sign_out(&self.profile).await {
                    Ok(done) => {
                        let note = done
                            .revoke_failed
                            .map(|why| format!(" (revoking on the portal failed: {why})"))
                            .unwrap_or_default();
                        self.activity(format!("signed out{note}"), None);
                    }
                    Err(err) => self.note(
                        Warning::new(format!("sign-out failed: {err}"), err.remedy()),
                        None,
                    ),
                },
            }
        }
    }

    /// Reports a renewal's outcome; returns how long to wait before looking again.
    fn after(&mut self, result: Result<FreshToken, EngineError>, what: &str) -> Duration {
        match result {
            Ok(token) => {
                self.local_failures = 0;
                if let Some(kind) = token.renewed {
                    let message = match kind {
                        RenewalKind::Refreshed => "access token renewed",
                        RenewalKind::Exchanged => "refresh token exchanged for a new one",
                        RenewalKind::Reissued => "token re-issued with the stored credentials",
                    };
                    self.activity(
                        format!("{message} ({what}); valid until {}", token.expires_at),
                        Some(kind),
                    );
                }
                if let Some(warning) = token.warning {
                    self.note(warning, None);
                }
                Duration::ZERO
            }
            Err(err) => {
                self.note(
                    Warning::new(format!("{what} failed: {err}"), err.remedy()),
                    None,
                );
                self.backoff()
            }
        }
    }

    /// How long until the next scheduled renewal may start ([`MIN_RENEWAL_GAP`]); `None`
    /// when it may start now.
    fn renewal_floor(&self) -> Option<Duration> {
        let since = self.last_scheduled?.elapsed();
        MIN_RENEWAL_GAP
            .checked_sub(since)
            .filter(|left| !left.is_zero())
    }

    fn backoff(&mut self) -> Duration {
        self.local_failures = self.local_failures.saturating_add(1);
        Backoff::default().delay(self.local_failures, rand::random::<f64>())
    }

    async fn publish_status(&mut self) {
        match self.engine.status(&self.profile).await {
            Ok(status) => self.publish(status),
            Err(err) => self.set_state(TokenState::Error {
                message: err.to_string(),
                remedy: err.remedy(),
            }),
        }
    }

    fn set_state(&mut self, state: TokenState) {
        let mut status = self.last.clone().unwrap_or_else(ProfileStatus::signed_out);
        status.state = state;
        self.publish(status);
    }

    fn publish(&mut self, status: ProfileStatus) {
        if self.last.as_ref() == Some(&status) {
            return;
        }
        self.last = Some(status.clone());
        let _ = self.events.send(EngineEvent::StateChanged {
            profile: self.profile.id().clone(),
            status,
        });
    }

    fn activity(&self, message: String, renewal: Option<RenewalKind>) {
        self.note(Warning::new(message, None), renewal);
    }

    /// An activity line with what to do about it.
    fn note(&self, note: Warning, renewal: Option<RenewalKind>) {
        let Warning {
            text: message,
            remedy,
        } = note;
        tracing::info!(profile = self.profile.name(), %message, "engine activity");
        let _ = self.events.send(EngineEvent::Activity {
            profile: self.profile.id().clone(),
            at: self.engine.clock().now(),
            message,
            remedy,
            renewal,
        });
    }
}

/// The wall-clock time from `now` until `at` (zero if past).
fn until(at: Instant, now: Instant) -> Duration {
    (at - now).to_std().unwrap_or(Duration::ZERO)
}
