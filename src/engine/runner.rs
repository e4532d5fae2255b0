//! The background runner for long-running hosts (the desktop app; the soak test): one tokio
//! task per profile that renews when the plan says, backs off on failure, and takes
//! commands. Every renewal goes through [`Engine::obtain`], so it shares the lock, the
//! keyring and the backoff with any CLI process.
//!
//! A runner reads the keyring once per turn ([`Engine::look`]) and then waits by the wall
//! clock for the earliest of: the renewal it planned, the next deadline of its status (a
//! session that ends by itself), a command, and the host's [`Pace`] — how often to look for
//! changes other processes made (a `tokendesk login` in a terminal). Between those it wakes
//! only to read the wall clock against its deadline ([`CLOCK_CHECK`], a timer and no I/O), so
//! a laptop that slept through a deadline acts within seconds of waking while a hidden
//! window's runners cost nothing between renewals.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use super::error::EngineError;
use super::lifecycle::{Due, Engine, FreshToken, Look, RenewalKind, Want};
use super::schedule::Backoff;
use super::state::{ProfileStatus, TokenState};
use crate::arcgis::Instant;
use crate::remedy::{Remedy, Warning};
use crate::secret::AccessToken;
use crate::store::{Profile, ProfileId};

/// How often a waiting runner reads the wall clock against its deadline. Its timers run on
/// the monotonic clock, which stands still while a laptop sleeps; the wall clock does not, so
/// a deadline slept through is acted on within this long of waking. Costs a timer, never a
/// keyring read.
pub const CLOCK_CHECK: Duration = Duration::from_secs(15);

/// The shortest time between two scheduled renewals of one profile, whatever the schedule
/// says: a site that hands out tokens that are (nearly) expired on arrival, or a plan gone
/// wrong, never makes the runner send a request after each answer. (Renewals the person
/// asks for are not held back.)
pub const MIN_RENEWAL_GAP: Duration = Duration::from_secs(10);

/// How often a host's runners look at the keyring for changes made by other processes when
/// nothing of their own is due. One `Pace` is shared by all the runners of a host: changing it
/// (or [`Pace::look_now`]) makes each of them look at once.
#[derive(Debug, Clone)]
pub struct Pace {
    every: Arc<watch::Sender<Duration>>,
}

impl Pace {
    /// While a person watches (the window open): a sign-in made in a terminal shows within
    /// seconds.
    pub const WATCHING: Duration = Duration::from_secs(15);
    /// While nobody watches (the window hidden in the tray): changes made elsewhere show
    /// within minutes, and showing the window or opening the tray's menu looks at once.
    pub const BACKGROUND: Duration = Duration::from_secs(300);

    /// A pace of looking every `every` (at least one second).
    pub fn new(every: Duration) -> Self {
        let (sender, _) = watch::channel(every.max(Duration::from_secs(1)));
        Self {
            every: Arc::new(sender),
        }
    }

    /// Looks every `every` from now on; the runners look at once when it changed.
    pub fn set(&self, every: Duration) {
        let every = every.max(Duration::from_secs(1));
        self.every.send_if_modified(|now| {
            let changed = *now != every;
            *now = every;
            changed
        });
    }

    /// The current pace.
    pub fn every(&self) -> Duration {
        *self.every.borrow()
    }

    /// Makes every runner look at the keyring now (someone is about to read the states).
    pub fn look_now(&self) {
        self.every.send_modify(|_| ());
    }

    fn subscribe(&self) -> watch::Receiver<Duration> {
        self.every.subscribe()
    }
}

impl Default for Pace {
    fn default() -> Self {
        Self::new(Self::WATCHING)
    }
}

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
    /// Starts a runner for `profile` that looks for changes at [`Pace::WATCHING`]; events go
    /// to `events`.
    pub fn spawn(
        engine: Arc<Engine>,
        profile: Profile,
        events: mpsc::UnboundedSender<EngineEvent>,
    ) -> Self {
        Self::spawn_paced(engine, profile, events, &Pace::default())
    }

    /// Starts a runner for `profile` that looks for changes at the host's `pace`.
    pub fn spawn_paced(
        engine: Arc<Engine>,
        profile: Profile,
        events: mpsc::UnboundedSender<EngineEvent>,
        pace: &Pace,
    ) -> Self {
        let pace = pace.subscribe();
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
            .run(receiver, pace),
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
    async fn run(
        mut self,
        mut commands: mpsc::Receiver<RunnerCommand>,
        mut pace: watch::Receiver<Duration>,
    ) {
        loop {
            let wait = self.turn().await;
            let Some(command) = self.wait(wait, &mut commands, &mut pace).await else {
                continue;
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

    /// One look at the keyring: publishes the status, renews when due, and returns how long
    /// until the next look by the wall clock (at the latest).
    async fn turn(&mut self) -> Duration {
        let look = match self.engine.look(&self.profile).await {
            Ok(look) => look,
            Err(err) => {
                self.set_state(TokenState::Error {
                    message: err.to_string(),
                    remedy: err.remedy(),
                });
                self.note(
                    Warning::new(format!("reading the session failed: {err}"), err.remedy()),
                    None,
                );
                return self.backoff();
            }
        };
        let Look { status, due } = look;
        let now = self.engine.clock().now();
        let changes = status_changes_in(&status, now);
        self.publish(status);
        let wait = match due {
            Due::Now => match self.renewal_floor() {
                Some(wait) => wait,
                None => {
                    self.last_scheduled = Some(tokio::time::Instant::now());
                    self.set_state(TokenState::Refreshing);
                    let result = self.engine.obtain(&self.profile, Want::Fresh).await;
                    self.after(result, "scheduled renewal")
                }
            },
            Due::At(at) => until(at, now),
            Due::Idle => Duration::MAX,
        };
        changes.map_or(wait, |changes| wait.min(changes))
    }

    /// Waits up to `wait` by the wall clock, or until the host's pace says to look for changes
    /// made elsewhere; `None` then (look again), else the command that came first.
    async fn wait(
        &self,
        wait: Duration,
        commands: &mut mpsc::Receiver<RunnerCommand>,
        pace: &mut watch::Receiver<Duration>,
    ) -> Option<Option<RunnerCommand>> {
        if wait.is_zero() {
            return None;
        }
        let clock = self.engine.clock();
        let started = tokio::time::Instant::now();
        let wall_started = clock.now();
        // `None`: nothing of its own is due (an idle profile waits for the pace alone).
        let deadline = chrono::TimeDelta::from_std(wait)
            .ok()
            .and_then(|wait| wall_started.checked_add_signed(wait));
        let mut pace_alive = true;
        loop {
            let look_every = *pace.borrow_and_update();
            let since = started.elapsed();
            let wall_now = clock.now();
            let left = deadline.map_or(Duration::MAX, |deadline| until(deadline, wall_now));
            if left.is_zero() || since >= look_every {
                return None;
            }
            let nap = left.min(look_every - since).min(CLOCK_CHECK);
            tokio::select! {
                command = commands.recv() => return Some(command),
                changed = pace.changed(), if pace_alive => {
                    if changed.is_ok() {
                        return None;
                    }
                    // The host let go of its pace: keep the last one.
                    pace_alive = false;
                }
                () = tokio::time::sleep(nap) => {}
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

/// How long until `status` changes by itself — a token or session reaching its end — with
/// nothing renewed (`None`: never).
fn status_changes_in(status: &ProfileStatus, now: Instant) -> Option<Duration> {
    let deadlines = &status.deadlines;
    [deadlines.access_expires_at, deadlines.refresh_expires_at]
        .into_iter()
        .flatten()
        .filter(|at| *at > now)
        .min()
        .map(|at| until(at, now))
}

/// The wall-clock time from `now` until `at` (zero if past).
fn until(at: Instant, now: Instant) -> Duration {
    (at - now).to_std().unwrap_or(Duration::ZERO)
}
