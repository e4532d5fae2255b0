//! How often a runner reads the keyring while nothing is due: once per look at the host's
//! [`Pace`], never between, at once when told to look or when the wall clock jumps (a laptop
//! that slept). Run on tokio's paused clock with a wall clock that follows it, so the minutes
//! pass in no time and every count is exact; the keyring is a memory store that counts reads.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use tokio::sync::mpsc;

use tokendesk::clock::Clock;
use tokendesk::engine::{EngineEvent, Pace, Runner, SessionRecord, TokenState};
use tokendesk::secret::{AccessToken, Secret};
use tokendesk::store::{
    AccessTokenRecord, AsyncSecrets, MemoryStore, Paths, Profile, ProfileDraft, ProfileId,
    SecretError, SecretKind, SecretStore, SignInMethod, SiteKind,
};

/// A wall clock that runs with tokio's (paused) clock, plus whatever the test adds to it: a
/// jump forward is what a laptop waking from sleep looks like.
struct FollowingClock {
    start: DateTime<Utc>,
    since: tokio::time::Instant,
    jumped_secs: AtomicI64,
}

impl FollowingClock {
    fn new() -> Self {
        Self {
            start: DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
            since: tokio::time::Instant::now(),
            jumped_secs: AtomicI64::new(0),
        }
    }

    fn jump(&self, by: TimeDelta) {
        self.jumped_secs
            .fetch_add(by.num_seconds(), Ordering::SeqCst);
    }
}

impl Clock for FollowingClock {
    fn now(&self) -> DateTime<Utc> {
        self.start
            + TimeDelta::from_std(self.since.elapsed()).unwrap()
            + TimeDelta::seconds(self.jumped_secs.load(Ordering::SeqCst))
    }
}

/// A memory keyring that counts reads.
#[derive(Debug, Default)]
struct CountingStore {
    inner: MemoryStore,
    reads: AtomicUsize,
}

impl CountingStore {
    fn reads(&self) -> usize {
        self.reads.load(Ordering::SeqCst)
    }
}

impl SecretStore for CountingStore {
    fn get(
        &self,
        profile: &ProfileId,
        kind: SecretKind,
    ) -> Result<Option<Secret<String>>, SecretError> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        self.inner.get(profile, kind)
    }

    fn set(
        &self,
        profile: &ProfileId,
        kind: SecretKind,
        value: &Secret<String>,
    ) -> Result<(), SecretError> {
        self.inner.set(profile, kind, value)
    }

    fn delete(&self, profile: &ProfileId, kind: SecretKind) -> Result<bool, SecretError> {
        self.inner.delete(profile, kind)
    }

    fn is_persistent(&self) -> bool {
        false
    }
}

/// Reads per look of a signed-in (non-API-key) profile: its session and its access token.
const READS_PER_LOOK: usize = 2;

struct Bench {
    store: Arc<CountingStore>,
    clock: Arc<FollowingClock>,
    runner: Runner,
    events: mpsc::UnboundedReceiver<EngineEvent>,
    _dir: tempfile::TempDir,
}

impl Bench {
    /// The events the runner reported since the last look, as their `Debug` text.
    fn seen(&mut self) -> Vec<String> {
        let mut seen = Vec::new();
        while let Ok(event) = self.events.try_recv() {
            seen.push(format!("{event:?}"));
        }
        seen
    }
}

/// A runner over a password session whose access token is good for another `hours`, looking
/// for changes at `pace`; returns once its first look published the session as valid.
async fn runner_with_a_session_good_for(hours: i64, pace: &Pace) -> Bench {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(FollowingClock::new());
    let store = Arc::new(CountingStore::default());
    // Port 9 on this machine: a renewal attempt fails at once, without leaving it.
    let mut draft = ProfileDraft::new(
        "paced",
        SiteKind::EnterprisePortal,
        "https://127.0.0.1:9/portal",
        SignInMethod::PortalPassword,
    );
    draft.username = Some("analyst".to_owned());
    let profile: Profile = draft.validate(ProfileId::generate()).unwrap();
    let now = clock.now();
    let session = SessionRecord::credentials(Some("analyst".to_owned()), true, now);
    store
        .set(profile.id(), SecretKind::RefreshToken, &session.to_secret())
        .unwrap();
    let access = AccessTokenRecord {
        token: AccessToken::new("paced-token".to_owned()),
        expires_at: now + TimeDelta::hours(hours),
        username: Some("analyst".to_owned()),
    };
    store
        .set(profile.id(), SecretKind::AccessToken, &access.to_secret())
        .unwrap();
    let engine = tokendesk::engine::Engine::new(
        AsyncSecrets::new(Arc::clone(&store) as Arc<dyn SecretStore>),
        &Paths::under(dir.path()),
        Arc::clone(&clock) as Arc<dyn Clock>,
    );
    let (sender, mut events) = mpsc::unbounded_channel();
    let runner = Runner::spawn_paced(Arc::new(engine), profile, sender, pace);
    match events.recv().await {
        Some(EngineEvent::StateChanged { status, .. }) => {
            assert_eq!(status.state, TokenState::Valid, "{status:?}");
        }
        other => panic!("the first look published {other:?}"),
    }
    Bench {
        store,
        clock,
        runner,
        events,
        _dir: dir,
    }
}

/// Lets `span` pass on tokio's paused clock: the runtime runs every timer that falls due in
/// it, in order, waiting for each keyring read (a blocking task holds the clock).
async fn let_pass(span: Duration) {
    tokio::time::sleep(span).await;
}

#[tokio::test(start_paused = true)]
async fn a_runner_in_the_background_reads_the_keyring_once_per_pace_and_never_between() {
    let pace = Pace::new(Pace::BACKGROUND);
    let bench = runner_with_a_session_good_for(8, &pace).await;
    let first = bench.store.reads();
    assert_eq!(
        first, READS_PER_LOOK,
        "the first look reads session and token once"
    );

    let_pass(Pace::BACKGROUND - Duration::from_secs(1)).await;
    assert_eq!(
        bench.store.reads(),
        first,
        "nothing is read before the pace comes round, though the runner checks the clock \
         every {:?}",
        tokendesk::engine::runner::CLOCK_CHECK
    );

    // Half an hour more: one look per five minutes.
    let_pass(Duration::from_secs(30 * 60)).await;
    assert_eq!(bench.store.reads(), first + 6 * READS_PER_LOOK);
    bench.runner.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_runner_while_someone_watches_looks_every_fifteen_seconds() {
    let pace = Pace::default();
    assert_eq!(pace.every(), Pace::WATCHING);
    let bench = runner_with_a_session_good_for(8, &pace).await;
    let first = bench.store.reads();
    let_pass(Duration::from_secs(5 * 60) + Duration::from_millis(500)).await;
    assert_eq!(bench.store.reads(), first + 20 * READS_PER_LOOK);
    bench.runner.stop().await;
}

#[tokio::test(start_paused = true)]
async fn showing_the_window_or_opening_the_tray_menu_makes_every_runner_look_at_once() {
    let pace = Pace::new(Pace::BACKGROUND);
    let bench = runner_with_a_session_good_for(8, &pace).await;
    let first = bench.store.reads();

    pace.look_now();
    let_pass(Duration::from_millis(10)).await;
    assert_eq!(bench.store.reads(), first + READS_PER_LOOK);

    // The window shown: the watching pace, and a look now.
    pace.set(Pace::WATCHING);
    let_pass(Duration::from_millis(10)).await;
    assert_eq!(bench.store.reads(), first + 2 * READS_PER_LOOK);
    let_pass(Pace::WATCHING).await;
    assert_eq!(bench.store.reads(), first + 3 * READS_PER_LOOK);

    // Setting the pace it already has changes nothing.
    pace.set(Pace::WATCHING);
    let_pass(Duration::from_millis(10)).await;
    assert_eq!(bench.store.reads(), first + 3 * READS_PER_LOOK);
    bench.runner.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_runner_looks_within_the_clock_check_when_the_wall_clock_jumps_as_after_a_sleep() {
    let pace = Pace::new(Pace::BACKGROUND);
    let mut bench = runner_with_a_session_good_for(8, &pace).await;
    let first = bench.store.reads();

    // The laptop slept nine hours: the token ran out meanwhile, and the monotonic clock
    // the runner's timers use did not move.
    bench.clock.jump(TimeDelta::hours(9));
    let_pass(tokendesk::engine::runner::CLOCK_CHECK + Duration::from_millis(10)).await;
    assert!(
        bench.store.reads() > first,
        "the runner looked again within {:?} of waking",
        tokendesk::engine::runner::CLOCK_CHECK
    );
    // What it saw: the token is out (renewing it against the unreachable portal fails,
    // which the runner reports rather than keeps quiet).
    let seen = bench.seen();
    assert!(
        seen.iter().any(|event| event.contains("Refreshing")),
        "the runner set about renewing the expired token: {seen:?}"
    );
    bench.runner.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_renewal_due_by_the_wall_clock_is_not_held_back_by_a_slow_pace() {
    // Nobody watches and the pace is a day, but the token needs renewing within the hour:
    // the runner sets about it on time.
    let pace = Pace::new(Duration::from_secs(24 * 3600));
    let mut bench = runner_with_a_session_good_for(1, &pace).await;
    let_pass(Duration::from_secs(3600)).await;
    let seen = bench.seen();
    assert!(
        seen.iter().any(|event| event.contains("Refreshing")),
        "the runner set about the renewal within the token's life: {seen:?}"
    );
    bench.runner.stop().await;
}
