//! The desktop app driven through egui_kittest (AccessKit, no display): the real host and
//! engine against the in-process demo portal, an in-process browser that signs in as the
//! demo analyst, session memory for secrets, and the portal's clock as the app's clock (so
//! moving the portal's time moves the countdowns).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support_browser;
mod support_demo;
mod support_engine;

use std::sync::Arc;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use support_browser::{Click, PlayingBrowser};
use support_engine::{PASSWORD, Rig, USER};
use tokendesk::clock::Clock;
use tokendesk::demo_portal::DemoConfig;
use tokendesk::desktop::{DEFAULT_SIZE, Host, HostConfig, SecretsChoice, Setup};
use tokendesk::engine::TokenState;
use tokendesk::store::{
    KeyringUnavailable, MemoryStore, Paths, Profile, ProfileStore, SecretKind, SecretStore,
};
use tokendesk::ui::TokenDeskApp;

/// Bound on every wait.
const BOUND: Duration = Duration::from_secs(60);

/// The app under test with the portal it talks to.
struct Gui {
    harness: Harness<'static, TokenDeskApp>,
    rig: Rig,
    runtime: tokio::runtime::Runtime,
    store: Arc<dyn SecretStore>,
    profile: Profile,
}

impl Gui {
    /// The app over a profiles file holding the rig's profile, signed out.
    fn start() -> Self {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let store: Arc<dyn SecretStore> = Arc::new(MemoryStore::new());
        let rig = runtime.block_on(Rig::start(DemoConfig::default(), 20160, Arc::clone(&store)));
        let (mut profiles, _) = ProfileStore::open(&rig.paths).unwrap();
        let profile = profiles.add(rig.profile.settings().clone()).unwrap();
        let (browser, _shown) = runtime.block_on(async {
            PlayingBrowser::new(rig.portal.ca_pem(), USER, PASSWORD, Click::SignIn)
        });
        let clock: Arc<dyn Clock> = rig.clock.clone();
        let config = HostConfig {
            clock: Arc::clone(&clock),
            browser: Arc::new(browser),
            ..HostConfig::new(
                Setup::Profiles(rig.paths.clone()),
                SecretsChoice::Given(Arc::clone(&store)),
            )
        };
        let harness = app(config, clock);
        Self {
            harness,
            rig,
            runtime,
            store,
            profile,
        }
    }

    fn state(&self) -> TokenState {
        self.harness
            .state()
            .view()
            .profile(self.profile.id())
            .map(|p| p.status.state.clone())
            .unwrap_or(TokenState::SignedOut)
    }
}

/// The real app and host, in a harness with the window's default size and no animations.
fn app(config: HostConfig, clock: Arc<dyn Clock>) -> Harness<'static, TokenDeskApp> {
    Harness::builder()
        .with_size(eframe::egui::vec2(DEFAULT_SIZE[0], DEFAULT_SIZE[1]))
        .build_eframe(move |cc| {
            cc.egui_ctx
                .all_styles_mut(|style| style.animation_time = 0.0);
            let (host, events) = Host::start(config, cc.egui_ctx.clone()).unwrap();
            TokenDeskApp::new(clock, Box::new(host), events)
        })
}

/// Steps the app until `done` holds (the host works on its own threads; its events arrive
/// between frames). Polls with a short pause, bounded by [`BOUND`].
fn wait_until(
    harness: &mut Harness<'static, TokenDeskApp>,
    what: &str,
    done: impl Fn(&TokenDeskApp) -> bool,
) {
    let deadline = Instant::now() + BOUND;
    loop {
        harness.step();
        if done(harness.state()) {
            harness.run();
            return;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn assert_every_widget_is_labelled(harness: &Harness<'static, TokenDeskApp>, screen: &str) {
    let unnamed = harness.unnamed_widgets();
    assert!(
        unnamed.is_empty(),
        "on the {screen} screen, widgets without an accessible label: {unnamed:#?}"
    );
}

/// Whether a text reads minutes:seconds (`29:59`).
fn is_minutes_seconds(text: &str) -> bool {
    let parts: Vec<&str> = text.split(':').collect();
    parts.len() == 2
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
        && parts[1].len() == 2
}

/// The list row's countdown (`29:59`): the text that reads minutes:seconds.
fn countdown_text(harness: &Harness<'static, TokenDeskApp>) -> String {
    let texts: Vec<String> = harness
        .get_all_by(|node| node.value().is_some_and(|text| is_minutes_seconds(&text)))
        .filter_map(|node| node.accesskit_node().value())
        .collect();
    assert!(!texts.is_empty());
    texts[0].clone()
}

#[test]
fn signing_in_through_the_browser_shows_the_user_and_a_ticking_countdown_and_signing_out_clears_it()
{
    let mut gui = Gui::start();
    let id = gui.profile.id().clone();
    wait_until(&mut gui.harness, "the profile to be listed", |app| {
        app.view().ready && app.view().profile(&id).is_some()
    });
    gui.harness
        .get_by_label("Signed out. Press Sign in to get a token.");
    assert_every_widget_is_labelled(&gui.harness, "signed-out");

    gui.harness.get_by_label("Sign in").click();
    wait_until(&mut gui.harness, "the user's details", |app| {
        app.view()
            .profile(&id)
            .is_some_and(|p| p.status.state == TokenState::Valid && p.user.is_some())
    });
    gui.harness.get_by_label("Demo Analyst (analyst)");
    gui.harness
        .get_by_label("Signed in. The token is renewed before it expires.");
    gui.harness.get_by_label("Sign out");
    gui.harness.get_by_label("Refresh now");
    assert_every_widget_is_labelled(&gui.harness, "signed-in");

    let before = countdown_text(&gui.harness);
    assert!(before.starts_with("29:") || before == "30:00", "{before}");
    gui.runtime.block_on(gui.rig.advance(600));
    gui.harness.step();
    let after = countdown_text(&gui.harness);
    assert!(after.starts_with("19:") || after == "20:00", "{after}");

    gui.harness.get_by_label("Sign out").click();
    wait_until(&mut gui.harness, "the sign-out", |app| {
        app.view()
            .profile(&id)
            .is_some_and(|p| p.status.state == TokenState::SignedOut)
    });
    assert_eq!(gui.state(), TokenState::SignedOut);
    assert!(
        gui.store
            .get(&id, SecretKind::RefreshToken)
            .unwrap()
            .is_none()
    );
    gui.harness.get_by_label("Sign in");
}

#[test]
fn without_a_keyring_the_app_says_it_runs_in_session_only_mode() {
    let dir = tempfile::tempdir().unwrap();
    let config = HostConfig::new(
        Setup::Profiles(Paths::under(dir.path())),
        SecretsChoice::Open(Box::new(|| {
            Err(KeyringUnavailable::NoSessionBus {
                detail: "no DBUS_SESSION_BUS_ADDRESS".to_owned(),
            })
        })),
    );
    let clock: Arc<dyn Clock> = Arc::new(tokendesk::clock::SystemClock);
    let mut harness = app(config, clock);
    wait_until(&mut harness, "the host to be ready", |app| app.view().ready);
    harness.get_by_label("Session-only mode: tokens are kept in memory only");
    harness.get_by_label_contains("no DBUS_SESSION_BUS_ADDRESS");
    assert_every_widget_is_labelled(&harness, "session-only");
}
