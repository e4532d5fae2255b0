//! The desktop app driven through egui_kittest (AccessKit, no display): the real host and
//! engine against the in-process demo portal, an in-process browser that signs in as the
//! demo analyst, session memory for secrets, and the portal's clock as the app's clock (so
//! moving the portal's time moves the countdowns).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use crate::common::browser::{Click, NoBrowser, PlayingBrowser, Shown};
use crate::common::engine::{PASSWORD, Rig, USER};
#[cfg(feature = "system-tests")]
use crate::common::panel::{Killed, Panel, visible_windows};
use eframe::egui::Key;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use tokendesk::auth::Browser;
use tokendesk::clock::Clock;
use tokendesk::desktop::{ClipboardOpener, DEFAULT_SIZE, Host, HostConfig, SecretsChoice, Setup};
use tokendesk::engine::TokenState;
use tokendesk::output::clipboard::{ClipboardBackend, MemoryClipboard};
use tokendesk::store::{
    KeyringUnavailable, MemoryStore, Paths, Profile, ProfileId, ProfileStore, SecretKind,
    SecretStore, SignInMethod,
};
use tokendesk::ui::{Command, ProfileView, SignInPhase, TokenDeskApp};
use tokendesk_demo_portal::DemoConfig;
use tokio::sync::mpsc;

/// Bound on every wait.
const BOUND: Duration = Duration::from_secs(20);

/// The browser the app opens sign-in pages with.
enum Browsing {
    /// Signs in as the demo analyst and approves.
    Approves,
    /// Cannot open anything (no launcher, no display).
    Fails,
}

/// The app under test with the portal it talks to.
struct Gui {
    harness: Harness<'static, TokenDeskApp>,
    rig: Rig,
    runtime: tokio::runtime::Runtime,
    store: Arc<dyn SecretStore>,
    profile: Profile,
    /// What the in-process browser ended on, page by page.
    shown: Option<mpsc::UnboundedReceiver<Result<Shown, String>>>,
    /// The app's clipboard.
    clipboard: MemoryClipboard,
}

impl Gui {
    /// The app over a profiles file holding one signed-out profile for the demo portal that
    /// signs in with `method`.
    fn start(method: SignInMethod, browsing: Browsing) -> Self {
        Self::start_with(method, browsing, false, false)
    }

    /// [`Gui::start`], with the tray icon when `tray` and notifications when `notifications`.
    fn start_with(
        method: SignInMethod,
        browsing: Browsing,
        tray: bool,
        notifications: bool,
    ) -> Self {
        Self::start_on(DemoConfig::default(), method, browsing, tray, notifications)
    }

    /// [`Gui::start_with`], against a demo portal set up as `portal` says.
    fn start_on(
        portal: DemoConfig,
        method: SignInMethod,
        browsing: Browsing,
        tray: bool,
        notifications: bool,
    ) -> Self {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let store: Arc<dyn SecretStore> = Arc::new(MemoryStore::new());
        let rig = runtime.block_on(Rig::start(portal, 20160, Arc::clone(&store)));
        let (mut profiles, _) = ProfileStore::open(&rig.paths).unwrap();
        let mut draft = rig.profile.draft();
        draft.sign_in = method;
        draft.redirect_uri = None;
        let profile = profiles.add(draft).unwrap();
        let (browser, shown): (Arc<dyn Browser>, _) = match browsing {
            Browsing::Approves => {
                let (browser, shown) = runtime.block_on(async {
                    PlayingBrowser::new(rig.portal.ca_pem(), USER, PASSWORD, Click::SignIn)
                });
                (Arc::new(browser), Some(shown))
            }
            Browsing::Fails => (Arc::new(NoBrowser), None),
        };
        let clock: Arc<dyn Clock> = rig.clock.clone();
        let clipboard = MemoryClipboard::default();
        let config = HostConfig {
            clock: Arc::clone(&clock),
            browser,
            clipboard: memory_clipboard(clipboard.clone()),
            tray,
            notifications,
            autostart_dir: Some(rig.paths.config_dir().join("autostart")),
            ..HostConfig::new(
                Setup::Profiles(rig.paths.clone()),
                SecretsChoice::Given(Arc::clone(&store)),
            )
        };
        let mut gui = Self {
            harness: app(config, clock),
            rig,
            runtime,
            store,
            profile,
            shown,
            clipboard,
        };
        let id = gui.profile.id().clone();
        gui.wait_until("the profile to be listed", |app| {
            app.view().ready && app.view().profile(&id).is_some()
        });
        gui
    }

    /// The profile as the app shows it.
    fn shown_profile<'a>(app: &'a TokenDeskApp, id: &ProfileId) -> &'a ProfileView {
        app.view().profile(id).unwrap()
    }

    /// Steps the app until `done` holds ([`crate::common::gui::step_until`]).
    fn wait_until(&mut self, what: &str, done: impl Fn(&TokenDeskApp) -> bool) {
        let settled = crate::common::gui::step_until(&mut self.harness, |h| done(h.state()));
        assert!(
            settled,
            "timed out waiting for {what}; the app shows {:#?}",
            self.harness.state().view().profiles
        );
    }

    fn step(&mut self) {
        self.harness.step();
    }

    /// The clipboard's text (a token, in most tests: compare it, never print it).
    fn clipboard_text(&self) -> Option<String> {
        self.clipboard.content().map(|text| text.expose().clone())
    }

    fn state(&self) -> TokenState {
        Self::shown_profile(self.harness.state(), self.profile.id())
            .status
            .state
            .clone()
    }

    /// Presses Sign in and waits until the session is valid and the user's details shown.
    fn sign_in(&mut self) {
        self.harness.get_by_label("Sign in").click();
        let id = self.profile.id().clone();
        self.wait_until("the user's details", |app| {
            let shown = Self::shown_profile(app, &id);
            shown.status.state == TokenState::Valid && shown.user.is_some()
        });
    }
}

impl Gui {
    /// Presses *Refresh now* on the profile and waits until it was renewed (or renewing it
    /// failed).
    #[cfg(feature = "system-tests")]
    fn refresh_now(&mut self) {
        let id = self.profile.id().clone();
        let before = Self::shown_profile(self.harness.state(), &id)
            .status
            .deadlines
            .last_refresh_at;
        self.harness.get_by_label("Refresh now").click();
        self.wait_until("the renewal", |app| {
            let shown = Self::shown_profile(app, &id);
            shown.status.deadlines.last_refresh_at != before
                || !matches!(
                    shown.status.state,
                    TokenState::Valid | TokenState::Refreshing
                )
        });
    }
}

/// The app's clipboard: `clipboard` (tests look at a clone).
fn memory_clipboard(clipboard: MemoryClipboard) -> ClipboardOpener {
    Box::new(move || Ok(Box::new(clipboard) as Box<dyn ClipboardBackend>))
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

fn assert_every_widget_is_labelled(harness: &Harness<'static, TokenDeskApp>, screen: &str) {
    let unnamed = harness.unnamed_widgets();
    assert!(
        unnamed.is_empty(),
        "on the {screen} screen, widgets without an accessible label: {unnamed:#?}"
    );
}

/// Whether a text reads minutes:seconds (`29:59`).
fn is_whole_minutes(text: &str) -> bool {
    text.strip_suffix(" min")
        .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

/// The list row's countdown (`29 min`): the text that reads whole minutes.
fn countdown_text(harness: &Harness<'static, TokenDeskApp>) -> String {
    let texts: Vec<String> = harness
        .get_all_by(|node| node.value().is_some_and(|text| is_whole_minutes(&text)))
        .filter_map(|node| node.accesskit_node().value())
        .collect();
    assert!(!texts.is_empty());
    texts[0].clone()
}

#[test]
fn signing_in_through_the_browser_shows_the_user_and_a_ticking_countdown_and_signing_out_clears_it()
{
    let mut gui = Gui::start(SignInMethod::BrowserPkce, Browsing::Approves);
    let id = gui.profile.id().clone();
    gui.harness
        .get_by_label("Signed out. Press Sign in to get a token.");
    assert_every_widget_is_labelled(&gui.harness, "signed-out");

    gui.sign_in();
    gui.harness.get_by_label("Demo Analyst (analyst)");
    gui.harness.get_by_label_contains("org_publisher");
    assert_eq!(
        gui.runtime
            .block_on(gui.rig.count("/portal/sharing/rest/community/self")),
        1,
        "the window shows the user the sign-in read, without a second community/self"
    );
    gui.harness
        .get_by_label("Signed in. The token is renewed before it expires.");
    gui.harness.get_by_label("Sign out");
    gui.harness.get_by_label("Refresh now");
    assert_every_widget_is_labelled(&gui.harness, "signed-in");

    let before = countdown_text(&gui.harness);
    assert!(before == "29 min" || before == "30 min", "{before}");
    gui.runtime.block_on(gui.rig.advance(600));
    gui.step();
    let after = countdown_text(&gui.harness);
    assert!(after == "19 min" || after == "20 min", "{after}");

    gui.harness.get_by_label("Sign out").click();
    gui.wait_until("the sign-out", |app| {
        Gui::shown_profile(app, &id).status.state == TokenState::SignedOut
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
fn an_out_of_band_sign_in_takes_the_code_pasted_into_the_dialog() {
    let mut gui = Gui::start(SignInMethod::OutOfBand, Browsing::Approves);
    let id = gui.profile.id().clone();
    gui.harness.get_by_label("Sign in").click();
    gui.wait_until("the code dialog", |app| {
        Gui::shown_profile(app, &id)
            .sign_in
            .as_ref()
            .is_some_and(|wait| wait.phase == SignInPhase::WaitingForCode)
    });
    gui.harness.get_by_label("Paste the sign-in code");
    assert_every_widget_is_labelled(&gui.harness, "out-of-band dialog");

    let mut shown = gui.shown.take().unwrap();
    let page = gui
        .runtime
        .block_on(async { tokio::time::timeout(BOUND, shown.recv()).await })
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(page.title.starts_with("SUCCESS code="), "{page:?}");
    gui.harness.get_by_label("Code from the portal").focus();
    gui.harness.run();
    gui.harness
        .get_by_label("Code from the portal")
        .type_text(&page.title);
    gui.harness.run();
    gui.harness.get_by_label("Submit code").click();
    gui.wait_until("the user's details", |app| {
        let shown = Gui::shown_profile(app, &id);
        shown.status.state == TokenState::Valid && shown.user.is_some()
    });
    assert!(
        gui.harness
            .query_by_label("Paste the sign-in code")
            .is_none()
    );
    gui.harness.get_by_label("Demo Analyst (analyst)");
}

#[test]
fn when_the_browser_does_not_open_the_wait_shows_the_address_to_copy_and_escape_cancels_it() {
    let mut gui = Gui::start(SignInMethod::BrowserPkce, Browsing::Fails);
    let id = gui.profile.id().clone();
    gui.harness.get_by_label("Sign in").click();
    gui.wait_until("the browser failure", |app| {
        Gui::shown_profile(app, &id)
            .sign_in
            .as_ref()
            .is_some_and(|wait| wait.browser_failed.is_some() && wait.url.is_some())
    });
    gui.harness
        .get_by_label_contains("The browser did not open");
    gui.harness
        .get_by_label_contains("Waiting for you to sign in in the browser");
    assert_every_widget_is_labelled(&gui.harness, "sign-in wait");

    let address = Gui::shown_profile(gui.harness.state(), &id)
        .sign_in
        .as_ref()
        .and_then(|wait| wait.url.clone())
        .unwrap();
    gui.harness.get_by_label("Copy address").click();
    gui.wait_until("the address to be copied", |app| {
        app.view()
            .notices
            .iter()
            .any(|n| n.text.contains("Copied the address"))
    });
    assert_eq!(gui.clipboard_text(), Some(address.to_string()));

    gui.harness.key_press(Key::Escape);
    gui.wait_until("the sign-in to end", |app| {
        Gui::shown_profile(app, &id).sign_in.is_none()
    });
    assert_eq!(gui.state(), TokenState::SignedOut);
    assert!(
        Gui::shown_profile(gui.harness.state(), &id)
            .sign_in_error
            .is_none(),
        "a cancelled sign-in is no failure"
    );
    gui.harness.get_by_label("Sign in");
}

#[test]
fn after_the_profiles_file_changes_a_reload_lists_added_profiles_and_drops_removed_ones() {
    let mut gui = Gui::start(SignInMethod::BrowserPkce, Browsing::Approves);
    let (mut profiles, _) = ProfileStore::open(&gui.rig.paths).unwrap();
    let mut draft = gui.profile.draft();
    draft.name = "second".to_owned();
    let second = profiles.add(draft).unwrap();
    profiles.remove(gui.profile.id()).unwrap();

    gui.harness.state().send(Command::ReloadProfiles);
    let (first, added) = (gui.profile.id().clone(), second.id().clone());
    gui.wait_until("the new list", |app| {
        app.view().profile(&added).is_some() && app.view().profile(&first).is_none()
    });
    assert_eq!(gui.harness.state().selected(), Some(&added));
    gui.harness
        .get_by_label("Signed out. Press Sign in to get a token.");
}

#[test]
fn the_demo_opens_with_one_ready_made_profile_per_sign_in_method_and_the_first_selected() {
    let config = HostConfig {
        clipboard: memory_clipboard(MemoryClipboard::default()),
        ..HostConfig::new(
            Setup::Demo,
            SecretsChoice::Given(Arc::new(MemoryStore::new())),
        )
    };
    let mut harness = app(config, Arc::new(tokendesk::clock::SystemClock));
    assert!(
        crate::common::gui::step_until(&mut harness, |h| !h.state().view().profiles.is_empty()),
        "timed out waiting for the demo profiles"
    );
    let methods: Vec<SignInMethod> = harness
        .state()
        .view()
        .profiles
        .iter()
        .map(|p| p.profile.sign_in())
        .collect();
    assert_eq!(
        methods,
        [
            SignInMethod::BrowserPkce,
            SignInMethod::OutOfBand,
            SignInMethod::PortalPassword,
            SignInMethod::AppCredentials,
            SignInMethod::ApiKey,
            SignInMethod::ServerPassword,
        ]
    );
    let first = harness.state().view().profiles[0].profile.id().clone();
    assert_eq!(harness.state().selected(), Some(&first));
    harness.get_by_label(
        "Demo mode: a practice portal on this computer. Nothing is kept when TokenDesk closes.",
    );
    assert!(
        harness
            .query_by_label_contains("demo-app: client secret demo-app-secret")
            .is_none(),
        "the credentials wait under Details"
    );
    harness.get_by_label("Details").click();
    harness.run();
    harness.get_by_label_contains("demo-app: client secret demo-app-secret");
    harness.get_by_label("Sign in");
    assert_every_widget_is_labelled(&harness, "demo");
}

#[test]
fn without_a_keyring_the_app_says_it_runs_in_session_only_mode() {
    let dir = tempfile::tempdir().unwrap();
    let config = HostConfig {
        clipboard: memory_clipboard(MemoryClipboard::default()),
        ..HostConfig::new(
            Setup::Profiles(Paths::under(dir.path())),
            SecretsChoice::Open(Box::new(|| {
                Err(KeyringUnavailable::NoSessionBus {
                    detail: "no DBUS_SESSION_BUS_ADDRESS".to_owned(),
                })
            })),
        )
    };
    let clock: Arc<dyn Clock> = Arc::new(tokendesk::clock::SystemClock);
    let mut harness = app(config, clock);
    assert!(
        crate::common::gui::step_until(&mut harness, |h| h.state().view().ready),
        "timed out waiting for the host"
    );
    harness.get_by_label("Sign-ins last until TokenDesk closes, because no keyring is running.");
    assert!(
        harness
            .query_by_label_contains("no DBUS_SESSION_BUS_ADDRESS")
            .is_none(),
        "the technical reason waits under Details"
    );
    harness.get_by_label("Details").click();
    harness.run();
    harness.get_by_label_contains("no DBUS_SESSION_BUS_ADDRESS");
    assert_every_widget_is_labelled(&harness, "session-only");
}

#[test]
fn a_changed_setting_is_written_to_a_private_settings_file_but_the_starting_ones_are_not() {
    let mut gui = Gui::start(SignInMethod::BrowserPkce, Browsing::Approves);
    let paths = gui.rig.paths.clone();
    assert!(
        !paths.settings_file().exists(),
        "the starting settings are not written back"
    );
    gui.harness.get_by_label("Settings").click();
    gui.harness.run();
    gui.harness.get_by_label("Dark").click();
    let file = paths.settings_file();
    gui.wait_until("the settings file", |_| {
        tokendesk::desktop::settings_file::load(&paths).theme
            == tokendesk::ui::theme::ThemeChoice::Dark
    });
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("theme = \"dark\""), "{text}");
    assert!(text.contains("clipboard_clear_secs = 30"), "{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the settings file is private");
    }
}

#[test]
fn a_kept_header_file_holds_the_current_header_is_rewritten_after_each_renewal_and_goes_when_turned_off()
 {
    let mut gui = Gui::start(SignInMethod::BrowserPkce, Browsing::Approves);
    gui.sign_in();
    let id = gui.profile.id().clone();
    gui.harness.get_by_label("Keep a header file").click();
    gui.wait_until("the header file", |app| {
        Gui::shown_profile(app, &id).header_file.is_some()
    });
    let path = Gui::shown_profile(gui.harness.state(), &id)
        .header_file
        .clone()
        .unwrap();
    let stored_token = |gui: &Gui| {
        let stored = gui
            .store
            .get(&id, SecretKind::AccessToken)
            .unwrap()
            .expect("a token");
        let record: serde_json::Value = serde_json::from_str(stored.expose()).unwrap();
        record["token"].as_str().unwrap().to_owned()
    };
    let first = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        first,
        format!("Authorization: Bearer {}\n", stored_token(&gui))
    );
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the header file is private");
    }
    // 25 minutes on, the token is renewed ahead of its end; the file follows.
    gui.runtime.block_on(gui.rig.advance(25 * 60));
    gui.harness.get_by_label("Refresh now").click();
    gui.wait_until("the header file to follow the renewal", |_| {
        std::fs::read_to_string(&path).is_ok_and(|text| text != first)
    });
    let second = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        second,
        format!("Authorization: Bearer {}\n", stored_token(&gui))
    );
    gui.harness.get_by_label("Keep a header file").click();
    gui.wait_until("the header file to go", |_| !path.exists());
}

#[test]
fn the_start_at_login_setting_writes_an_autostart_entry_that_starts_hidden_and_removes_it_again() {
    let mut gui = Gui::start(SignInMethod::BrowserPkce, Browsing::Approves);
    let entry = gui
        .rig
        .paths
        .config_dir()
        .join("autostart")
        .join(tokendesk::desktop::autostart::ENTRY);
    gui.harness.get_by_label("Settings").click();
    gui.harness.run();
    assert!(!entry.exists());
    gui.harness
        .get_by_label("Start TokenDesk hidden in the tray")
        .click();
    gui.wait_until("the autostart entry", |_| entry.is_file());
    let text = std::fs::read_to_string(&entry).unwrap();
    let exec = text
        .lines()
        .find_map(|line| line.strip_prefix("Exec="))
        .unwrap_or_else(|| panic!("an Exec line: {text}"));
    assert!(exec.ends_with(" --hidden"), "it starts hidden: {exec}");
    assert!(text.contains("Type=Application"), "{text}");
    gui.harness
        .get_by_label("Start TokenDesk hidden in the tray")
        .click();
    gui.wait_until("the autostart entry to go", |_| !entry.exists());
}

/// A menu entry read over D-Bus: its id, label and children.
#[cfg(feature = "system-tests")]
#[derive(Debug)]
struct MenuEntry {
    id: i32,
    label: String,
    children: Vec<MenuEntry>,
}

#[cfg(feature = "system-tests")]
impl MenuEntry {
    /// From a dbusmenu layout node `(id, properties, children)`.
    fn from_value(value: &zbus::zvariant::Value<'_>) -> Self {
        use zbus::zvariant::Value;
        let value = match value {
            Value::Value(inner) => inner.as_ref(),
            other => other,
        };
        let Value::Structure(node) = value else {
            panic!("a layout node is a structure: {value:?}");
        };
        let fields = node.fields();
        let Value::I32(id) = fields[0] else {
            panic!("an id: {:?}", fields[0]);
        };
        let label = match &fields[1] {
            Value::Dict(props) => props
                .get::<&str, Value<'_>>(&"label")
                .ok()
                .flatten()
                .and_then(|label| match label {
                    Value::Str(text) => Some(text.to_string()),
                    Value::Value(inner) => match inner.as_ref() {
                        Value::Str(text) => Some(text.to_string()),
                        _ => None,
                    },
                    _ => None,
                })
                .unwrap_or_default(),
            other => panic!("properties: {other:?}"),
        };
        let children = match &fields[2] {
            Value::Array(children) => children.iter().map(Self::from_value).collect(),
            other => panic!("children: {other:?}"),
        };
        Self {
            id,
            label,
            children,
        }
    }
}

#[cfg(feature = "system-tests")]
#[test]
fn the_tray_icon_shows_each_profile_with_its_state_copies_its_header_and_closing_the_window_hides_it_until_open_or_quit()
 {
    crate::common::cli::in_test_session();
    use zbus::zvariant::{OwnedObjectPath, Value};
    // A real status-notifier watcher from Debian on the test session's bus; the test plays
    // the panel.
    let bus_runtime = tokio::runtime::Runtime::new().unwrap();
    let panel = bus_runtime.block_on(Panel::on_session_bus());
    let bus = panel.bus.clone();

    let mut gui = Gui::start_with(SignInMethod::BrowserPkce, Browsing::Approves, true, false);
    gui.sign_in();
    gui.wait_until("the tray icon to be up", |app| app.view().window.tray);

    let started = std::time::Instant::now();
    let (service, path) = loop {
        if let Some(item) = bus_runtime.block_on(panel.first_item()) {
            break item;
        }
        assert!(
            started.elapsed() < BOUND,
            "TokenDesk's item never registered"
        );
        gui.step();
    };
    let (id, status, menu_path): (String, String, OwnedObjectPath) = bus_runtime.block_on(async {
        let proxy = zbus::Proxy::new(
            &bus,
            service.as_str(),
            path.as_str(),
            "org.kde.StatusNotifierItem",
        )
        .await
        .unwrap();
        (
            proxy.get_property("Id").await.unwrap(),
            proxy.get_property("Status").await.unwrap(),
            proxy.get_property("Menu").await.unwrap(),
        )
    });
    assert_eq!(id, "io.github.tokendesk.TokenDesk");
    assert_eq!(
        status, "Active",
        "everything is fine, so the icon is not asking for attention"
    );

    let name = gui.profile.name().to_owned();
    let layout = |runtime: &tokio::runtime::Runtime| -> MenuEntry {
        runtime.block_on(async {
            let proxy = zbus::Proxy::new(
                &bus,
                service.as_str(),
                menu_path.as_str(),
                "com.canonical.dbusmenu",
            )
            .await
            .unwrap();
            let reply = proxy
                .call_method("GetLayout", &(0_i32, -1_i32, Vec::<String>::new()))
                .await
                .unwrap();
            type Node = (
                i32,
                std::collections::HashMap<String, zbus::zvariant::OwnedValue>,
                Vec<zbus::zvariant::OwnedValue>,
            );
            let (_revision, (id, _, children)): (u32, Node) = reply.body().deserialize().unwrap();
            MenuEntry {
                id,
                label: String::new(),
                children: children
                    .iter()
                    .map(|child| MenuEntry::from_value(child))
                    .collect(),
            }
        })
    };
    // The menu follows the host's events: wait until the profile shows as signed in.
    let started = std::time::Instant::now();
    let entry = loop {
        let root = layout(&bus_runtime);
        let found = root
            .children
            .into_iter()
            .find(|entry| entry.label.starts_with(&name) && entry.label.contains("signed in"));
        if let Some(entry) = found {
            break entry;
        }
        assert!(
            started.elapsed() < BOUND,
            "the menu never showed {name} signed in"
        );
        gui.step();
    };
    assert!(
        entry.label.contains("min left"),
        "with its countdown: {}",
        entry.label
    );
    let root = layout(&bus_runtime);
    let labels: Vec<&str> = root.children.iter().map(|e| e.label.as_str()).collect();
    assert!(
        labels.contains(&"Open TokenDesk") && labels.contains(&"Quit"),
        "{labels:?}"
    );

    let copy = entry
        .children
        .iter()
        .find(|child| child.label == "Copy header")
        .unwrap_or_else(|| panic!("Copy header under {}: {entry:?}", entry.label));
    assert_eq!(gui.clipboard_text(), None);
    bus_runtime.block_on(async {
        let proxy = zbus::Proxy::new(
            &bus,
            service.as_str(),
            menu_path.as_str(),
            "com.canonical.dbusmenu",
        )
        .await
        .unwrap();
        let _: () = proxy
            .call("Event", &(copy.id, "clicked", Value::from(0_i32), 0_u32))
            .await
            .unwrap();
    });
    let started = std::time::Instant::now();
    while gui.clipboard_text().is_none() {
        assert!(
            started.elapsed() < BOUND,
            "Copy header never reached the clipboard"
        );
        gui.step();
    }
    let copied = gui.clipboard_text().unwrap();
    let stored = gui
        .store
        .get(gui.profile.id(), SecretKind::AccessToken)
        .unwrap()
        .expect("a token is stored");
    let record: serde_json::Value = serde_json::from_str(stored.expose()).unwrap();
    let token = record["token"].as_str().unwrap();
    assert!(
        copied == format!("Authorization: Bearer {token}"),
        "the clipboard holds the profile's header ({} chars)",
        copied.len()
    );

    // Closing the window hides it (the engine keeps renewing); activating the icon brings
    // it back; Quit ends the app for real.
    let close = |gui: &mut Gui| {
        gui.harness
            .input_mut()
            .viewports
            .entry(eframe::egui::ViewportId::ROOT)
            .or_default()
            .events
            .push(eframe::egui::ViewportEvent::Close);
        gui.step();
    };
    close(&mut gui);
    assert!(
        gui.harness.state().view().window.hidden,
        "closed to the tray"
    );
    let commands = &gui.harness.output().viewport_output[&eframe::egui::ViewportId::ROOT].commands;
    assert!(
        commands.contains(&eframe::egui::ViewportCommand::CancelClose)
            && commands.contains(&eframe::egui::ViewportCommand::Visible(false)),
        "the close is cancelled and the window hidden: {commands:?}"
    );
    bus_runtime.block_on(async {
        let proxy = zbus::Proxy::new(
            &bus,
            service.as_str(),
            path.as_str(),
            "org.kde.StatusNotifierItem",
        )
        .await
        .unwrap();
        let _: () = proxy.call("Activate", &(0_i32, 0_i32)).await.unwrap();
    });
    gui.wait_until("the window to come back", |app| !app.view().window.hidden);
    let quit = layout(&bus_runtime)
        .children
        .into_iter()
        .find(|entry| entry.label == "Quit")
        .unwrap();
    bus_runtime.block_on(async {
        let proxy = zbus::Proxy::new(
            &bus,
            service.as_str(),
            menu_path.as_str(),
            "com.canonical.dbusmenu",
        )
        .await
        .unwrap();
        let _: () = proxy
            .call("Event", &(quit.id, "clicked", Value::from(0_i32), 0_u32))
            .await
            .unwrap();
    });
    gui.wait_until("Quit to close the window for real", |app| {
        app.view().window.quitting && app.view().window.closing
    });
}

/// Debian's notification daemon on a display of its own (it draws on X), on the test
/// session's bus.
#[cfg(feature = "system-tests")]
struct Dunst {
    display: String,
    _dunst: Killed,
    _xvfb: Killed,
    /// One notification daemon at a time on the session bus (the bus has one
    /// `org.freedesktop.Notifications`): held while this one runs, across test processes.
    _turn: tokendesk::store::FileLock,
}

#[cfg(feature = "system-tests")]
impl Dunst {
    fn start() -> Self {
        crate::common::cli::in_test_session();
        let runtime_dir =
            std::env::var_os("XDG_RUNTIME_DIR").expect("the test session's runtime dir");
        let turn = tokendesk::store::FileLock::acquire(
            &std::path::Path::new(&runtime_dir).join("notification-daemon.lock"),
            Duration::from_secs(300),
        )
        .expect("a turn with the notification daemon");
        let number = (std::process::id() % 400) + 500;
        let display = format!(":{number}");
        let xvfb = Killed(
            std::process::Command::new("Xvfb")
                .args([
                    display.as_str(),
                    "-screen",
                    "0",
                    "640x480x24",
                    "-nolisten",
                    "tcp",
                ])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .expect("Xvfb"),
        );
        let socket = std::path::PathBuf::from(format!("/tmp/.X11-unix/X{number}"));
        let started = std::time::Instant::now();
        while !socket.exists() {
            assert!(started.elapsed() < BOUND, "Xvfb never came up");
            std::thread::sleep(Duration::from_millis(20));
        }
        let dunst = Killed(
            std::process::Command::new("dunst")
                .env("DISPLAY", &display)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .expect("dunst (Debian: dunst)"),
        );
        let dunst = Self {
            display,
            _dunst: dunst,
            _xvfb: xvfb,
            _turn: turn,
        };
        let started = std::time::Instant::now();
        while dunst.count().is_none() {
            assert!(started.elapsed() < BOUND, "dunst never answered");
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(dunst.count(), Some(0));
        dunst
    }

    /// How many notifications dunst holds (waiting, shown and in its history).
    fn count(&self) -> Option<u32> {
        let out = self.ctl(&["count"])?;
        Some(
            out.lines()
                .filter_map(|line| line.rsplit(':').next()?.trim().parse::<u32>().ok())
                .sum(),
        )
    }

    /// `dunstctl ARGS…`: its stdout, `None` when it failed.
    fn ctl(&self, args: &[&str]) -> Option<String> {
        let out = std::process::Command::new("dunstctl")
            .args(args)
            .env("DISPLAY", &self.display)
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Steps `gui` until dunst holds `count` notifications (bounded).
    fn wait_for(&self, gui: &mut Gui, count: u32) {
        let started = std::time::Instant::now();
        while self.count() != Some(count) {
            assert!(
                started.elapsed() < BOUND,
                "dunst holds {:?} notifications, not {count}",
                self.count()
            );
            gui.step();
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

#[cfg(feature = "system-tests")]
#[test]
fn a_notification_daemon_gets_exactly_one_notice_when_a_sign_in_is_needed_and_none_for_a_session_that_was_exchanged_and_its_click_opens_the_profile()
 {
    let dunst = Dunst::start();
    let display = dunst.display.clone();
    let mut gui = Gui::start_with(SignInMethod::BrowserPkce, Browsing::Approves, false, true);
    gui.sign_in();
    let id = gui.profile.id().clone();
    let refresh_ends = |app: &TokenDeskApp| {
        Gui::shown_profile(app, &id)
            .status
            .deadlines
            .refresh_expires_at
            .unwrap()
    };
    let ends = refresh_ends(gui.harness.state());
    // 20 hours before the session (the 14-day refresh token) ends, a renewal exchanges it for
    // a new one: nothing to tell anyone.
    let to_go = (ends - gui.rig.clock.now()).num_seconds() - 20 * 3600;
    gui.runtime.block_on(gui.rig.advance(to_go));
    gui.refresh_now();
    assert!(
        refresh_ends(gui.harness.state()) > ends,
        "the session was exchanged for a longer one"
    );
    assert_eq!(dunst.count(), Some(0), "an exchanged session is no news");

    // Past the new session's end: the next renewal needs a sign-in.
    let ends = refresh_ends(gui.harness.state());
    let past = (ends - gui.rig.clock.now()).num_seconds() + 3600;
    gui.runtime.block_on(gui.rig.advance(past));
    gui.harness.get_by_label("Refresh now").click();
    gui.wait_until("sign-in needed", |app| {
        matches!(
            Gui::shown_profile(app, &id).status.state,
            TokenState::NeedsSignIn { .. }
        )
    });
    dunst.wait_for(&mut gui, 1);
    for _ in 0..10 {
        gui.step();
    }

    // Clicking the notice opens its profile: with another profile selected meanwhile, the
    // click (dunst's default action) selects the one the notice is about again.
    let (mut profiles, _) = ProfileStore::open(&gui.rig.paths).unwrap();
    let mut draft = gui.profile.draft();
    draft.name = "second".to_owned();
    let second = profiles.add(draft).unwrap().id().clone();
    gui.harness.state().send(Command::ReloadProfiles);
    gui.wait_until("the second profile", |app| {
        app.view().profile(&second).is_some()
    });
    gui.harness.get_by_label("second").click();
    gui.wait_until("the second profile selected", |app| {
        app.selected() == Some(&second)
    });
    let clicked = std::process::Command::new("dunstctl")
        .args(["action", "0"])
        .env("DISPLAY", &display)
        .status()
        .unwrap();
    assert!(clicked.success());
    gui.wait_until("the notice's profile selected", |app| {
        app.selected() == Some(&id)
    });

    let close = std::process::Command::new("dunstctl")
        .arg("close-all")
        .env("DISPLAY", &display)
        .status()
        .unwrap();
    assert!(close.success());
    let history = std::process::Command::new("dunstctl")
        .arg("history")
        .env("DISPLAY", &display)
        .output()
        .unwrap();
    let history = String::from_utf8_lossy(&history.stdout);
    assert!(history.contains("sign in to demo again"), "{history}");
    assert_eq!(dunst.count(), Some(1), "exactly one notice for the sign-in");
}

#[cfg(feature = "system-tests")]
#[test]
fn a_notification_daemon_gets_exactly_one_notice_when_a_session_that_cannot_be_lengthened_nears_its_end()
 {
    let dunst = Dunst::start();
    // A portal whose exchanged refresh tokens keep the old end: the session cannot be
    // lengthened, so a person has to sign in again before it ends.
    let mut portal = DemoConfig::default();
    portal.behaviour.exchange_keeps_refresh_expiry = true;
    let mut gui = Gui::start_on(
        portal,
        SignInMethod::BrowserPkce,
        Browsing::Approves,
        false,
        true,
    );
    gui.sign_in();
    let id = gui.profile.id().clone();
    let ends = Gui::shown_profile(gui.harness.state(), &id)
        .status
        .deadlines
        .refresh_expires_at
        .unwrap();
    // Two days before the end: renewing says nothing.
    let to_go = (ends - gui.rig.clock.now()).num_seconds() - 2 * 86_400;
    gui.runtime.block_on(gui.rig.advance(to_go));
    gui.refresh_now();
    for _ in 0..10 {
        gui.step();
    }
    assert_eq!(dunst.count(), Some(0), "two days ahead is no news yet");

    // 20 hours before the end the exchange is tried, and the end does not move: one notice.
    gui.runtime.block_on(gui.rig.advance(28 * 3600));
    gui.refresh_now();
    let after = Gui::shown_profile(gui.harness.state(), &id)
        .status
        .deadlines
        .refresh_expires_at
        .unwrap();
    assert!(
        (after - ends).num_seconds().abs() <= 30,
        "the session's end stayed where it was"
    );
    dunst.wait_for(&mut gui, 1);
    // More renewals in its last day: no storm.
    for _ in 0..3 {
        gui.runtime.block_on(gui.rig.advance(3600));
        gui.refresh_now();
    }
    for _ in 0..10 {
        gui.step();
    }
    assert!(dunst.ctl(&["close-all"]).is_some());
    let history = dunst.ctl(&["history"]).unwrap_or_default();
    assert!(history.contains("session ends soon"), "{history}");
    assert_eq!(
        dunst.count(),
        Some(1),
        "exactly one notice for the session's end"
    );
}

#[cfg(feature = "system-tests")]
#[test]
fn a_notification_daemon_gets_one_notice_when_renewal_keeps_failing_and_another_only_after_it_worked_in_between()
 {
    let dunst = Dunst::start();
    let mut gui = Gui::start_with(SignInMethod::BrowserPkce, Browsing::Approves, false, true);
    gui.sign_in();
    let fail = |gui: &Gui, status: u16, times: u32| {
        gui.runtime.block_on(gui.rig.add_fault(serde_json::json!({
            "path": crate::common::engine::TOKEN_PATH,
            "kind": "http_error",
            "status": status,
            "count": times,
        })));
    };
    fn attempts(state: &TokenState) -> u32 {
        match state {
            TokenState::RefreshFailing { attempts, .. } => *attempts,
            _ => 0,
        }
    }
    // Lets the engine's backoff pass (the clock moved to the next try), presses *Refresh now*
    // and waits until the renewal failed for the `nth` time in a row.
    let fails_for_the = |gui: &mut Gui, nth: u32| {
        if let TokenState::RefreshFailing {
            next_retry_at: Some(at),
            ..
        } = gui.state()
        {
            let wait = (at - gui.rig.clock.now()).num_seconds() + 1;
            if wait > 0 {
                gui.runtime.block_on(gui.rig.advance(wait));
            }
        }
        gui.harness.get_by_label("Refresh now").click();
        let id = gui.profile.id().clone();
        gui.wait_until(&format!("failure {nth}"), |app| {
            attempts(&Gui::shown_profile(app, &id).status.state) == nth
        });
    };

    // Two failures in a row: no news yet (a passing hiccup).
    fail(&gui, 502, 5);
    fails_for_the(&mut gui, 1);
    fails_for_the(&mut gui, 2);
    for _ in 0..10 {
        gui.step();
    }
    assert_eq!(dunst.count(), Some(0), "two failures are no news yet");

    // The third: one notice; the fourth and fifth: no storm.
    fails_for_the(&mut gui, 3);
    dunst.wait_for(&mut gui, 1);
    fails_for_the(&mut gui, 4);
    fails_for_the(&mut gui, 5);
    for _ in 0..10 {
        gui.step();
    }
    assert_eq!(dunst.count(), Some(1), "one notice while it keeps failing");

    // It works again, then fails three times more: that is news again.
    if let TokenState::RefreshFailing {
        next_retry_at: Some(at),
        ..
    } = gui.state()
    {
        let wait = (at - gui.rig.clock.now()).num_seconds() + 1;
        gui.runtime.block_on(gui.rig.advance(wait.max(0)));
    }
    gui.refresh_now();
    assert_eq!(gui.state(), TokenState::Valid);
    // (Another error this time: dunst stacks a notice identical to one it holds.)
    fail(&gui, 503, 3);
    for nth in 1..=3 {
        fails_for_the(&mut gui, nth);
    }
    dunst.wait_for(&mut gui, 2);

    assert!(dunst.ctl(&["close-all"]).is_some());
    let history = dunst.ctl(&["history"]).unwrap_or_default();
    assert_eq!(
        history
            .matches("\"data\" : \"TokenDesk: renewing demo's token keeps failing\"")
            .count(),
        2,
        "two notices, each headed that renewal keeps failing: {history}"
    );
    assert_eq!(dunst.count(), Some(2));
    assert!(history.contains("3 tries in a row failed"), "{history}");
    assert!(
        history.contains("HTTP 502") && history.contains("HTTP 503"),
        "{history}"
    );
}

#[cfg(feature = "system-tests")]
#[test]
fn a_second_tokendesk_and_tokendesk_show_bring_the_running_window_back_from_the_tray_and_exit_at_once()
 {
    crate::common::cli::in_test_session();
    let display = std::env::var("TOKENDESK_TEST_DISPLAY").expect("the test session's display");
    let home = tempfile::tempdir().unwrap();
    let runtime_dir = home.path().join("runtime");
    std::fs::create_dir_all(&runtime_dir).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&runtime_dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    // A bus of this test's own, with Debian's status-notifier watcher and the test as the
    // panel, so that the window can be hidden in the tray.
    let bus_runtime = tokio::runtime::Runtime::new().unwrap();
    let panel = bus_runtime.block_on(Panel::on_private_bus());
    let address = panel.address.clone().unwrap();

    let tokendesk = |args: &[&str]| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_tokendesk"));
        command
            .args(args)
            .env("DISPLAY", &display)
            .env_remove("WAYLAND_DISPLAY")
            .env("DBUS_SESSION_BUS_ADDRESS", &address)
            .env("XDG_RUNTIME_DIR", &runtime_dir)
            .env("TOKENDESK_CONFIG_DIR", home.path().join("config"))
            .env("TOKENDESK_DATA_DIR", home.path().join("data"))
            .env("TOKENDESK_CACHE_DIR", home.path().join("cache"))
            .env("TOKENDESK_STORE", "memory")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        command
    };
    let first = Killed(tokendesk(&[]).spawn().unwrap());
    let pid = first.0.id();
    let wait_for = |what: &str, done: &dyn Fn() -> bool| {
        let started = std::time::Instant::now();
        while !done() {
            assert!(started.elapsed() < BOUND, "{what}");
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    wait_for("the first window to show", &|| {
        !visible_windows(&display, pid).is_empty()
    });
    let window = visible_windows(&display, pid).remove(0);
    wait_for("the tray icon to register", &|| {
        bus_runtime.block_on(panel.first_item()).is_some()
    });
    let item = bus_runtime.block_on(panel.first_item()).unwrap();
    for args in [&[][..], &["show"]] {
        // A click on the icon hides the window in the tray.
        bus_runtime.block_on(panel.click(&item));
        wait_for("the window to hide in the tray", &|| {
            visible_windows(&display, pid).is_empty()
        });
        let started = std::time::Instant::now();
        let second = tokendesk(args).output().unwrap();
        let took = started.elapsed();
        assert!(second.status.success(), "{second:?}");
        assert!(
            String::from_utf8_lossy(&second.stderr).contains("already running"),
            "{second:?}"
        );
        assert!(took < Duration::from_secs(10), "it exits at once: {took:?}");
        wait_for("the running window to come back", &|| {
            !visible_windows(&display, pid).is_empty()
        });
        assert_eq!(
            visible_windows(&display, pid),
            vec![window.clone()],
            "the same window, not a second one"
        );
    }
}
