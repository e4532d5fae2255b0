//! The first-run screen (no profile yet) and the paths it leads to, counted in decisions: a
//! decision is a choice the person makes (a button pressed, a form given); what the browser
//! asks on the portal's own page is the portal's, played by the stand-in browser.

use std::sync::mpsc::{Sender, channel};
use std::sync::{Arc, Mutex};

use crate::common::browser::{Click, PlayingBrowser};
use crate::common::engine::{PASSWORD, Rig, USER};
use eframe::egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use tokendesk::auth::Browser;
use tokendesk::clock::{Clock, SystemClock};
use tokendesk::desktop::{DEFAULT_SIZE, Host, HostConfig, SecretsChoice, Setup};
use tokendesk::engine::TokenState;
use tokendesk::output::clipboard::{ClipboardBackend, MemoryClipboard};
use tokendesk::store::{MemoryStore, ProfileStore, SecretStore, SignInMethod};
use tokendesk::ui::{Command, CommandSink, Event, TokenDeskApp};
use tokendesk_demo_portal::DemoConfig;

/// Records the window's commands instead of running them.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<Command>>>);

impl CommandSink for Recorder {
    fn send(&self, command: Command) {
        self.0.lock().unwrap().push(command);
    }
}

/// The window with no profile, its host replaced by a recorder (it is told the store is
/// open, and nothing else).
fn first_run_window() -> (Harness<'static, TokenDeskApp>, Recorder, Sender<Event>) {
    let recorder = Recorder::default();
    let (events, receiver) = channel();
    events.send(Event::Ready { session_only: None }).unwrap();
    let sink = recorder.clone();
    let mut harness = Harness::builder()
        .with_size(eframe::egui::vec2(DEFAULT_SIZE[0], DEFAULT_SIZE[1]))
        .build_eframe(move |cc| {
            cc.egui_ctx
                .all_styles_mut(|style| style.animation_time = 0.0);
            TokenDeskApp::new(Arc::new(SystemClock), Box::new(sink), receiver)
        });
    harness.run();
    (harness, recorder, events)
}

const CHOICES: [&str; 4] = [
    "ArcGIS Online",
    "My organisation's portal or server",
    "Open a profile file from my administrator",
    "Try the demo portal",
];

#[test]
fn with_no_profile_the_window_opens_on_four_plain_choices() {
    let (mut harness, _, _events) = first_run_window();
    harness.get_by_label("Welcome to TokenDesk");
    for choice in CHOICES {
        harness.get_by_role_and_label(Role::Button, choice);
    }
    let unnamed = harness.unnamed_widgets();
    assert!(unnamed.is_empty(), "{unnamed:#?}");

    harness
        .get_by_role_and_label(Role::Button, "Open a profile file from my administrator")
        .click();
    harness.run();
    harness.get_by_label("Import a profile file");
    harness.get_by_label("Close").click();
    harness.run();

    harness
        .get_by_role_and_label(Role::Button, "ArcGIS Online")
        .click();
    harness.run();
    harness.get_by_label_contains("Keep www.arcgis.com");
    harness.get_by_label("Check");
    assert!(
        harness.query_by_label("Redirect URI").is_none(),
        "advanced settings stay folded"
    );
}

#[test]
fn a_client_id_is_asked_with_what_it_is_where_to_get_it_and_a_request_to_copy() {
    let (mut harness, recorder, _events) = first_run_window();
    harness
        .get_by_role_and_label(Role::Button, "My organisation's portal or server")
        .click();
    harness.run();
    harness.get_by_label_contains("Paste any address you use");
    harness.get_by_label("Portal or server URL").focus();
    harness.run();
    harness
        .get_by_label("Portal or server URL")
        .type_text("https://gis.example.com/portal");
    harness.run();
    harness.get_by_label("What is a client ID?");
    harness.get_by_label_contains("Redirect URI to register: http://127.0.0.1");
    harness
        .get_by_label("Open the portal's Content page")
        .click();
    harness.run();
    harness
        .get_by_label("Copy request for my administrator")
        .click();
    harness.run();
    let commands = recorder.0.lock().unwrap();
    let opened = commands.iter().find_map(|c| match c {
        Command::OpenInBrowser(url) => Some(url.to_string()),
        _ => None,
    });
    assert_eq!(
        opened.as_deref(),
        Some("https://gis.example.com/portal/home/content.html")
    );
    let request = commands
        .iter()
        .find_map(|c| match c {
            Command::CopyPlainText(text) => Some(text.clone()),
            _ => None,
        })
        .expect("the request was copied");
    for part in [
        "https://gis.example.com/portal",
        "public app (user sign-in in the browser, PKCE)",
        "Redirect URI(s) to register: http://127.0.0.1",
    ] {
        assert!(
            request.contains(part),
            "the request names {part}: {request}"
        );
    }
}

/// A browser that plays the demo analyst once the demo's CA is known (the demo writes it
/// when the window starts it).
#[derive(Clone, Default)]
struct LateBrowser(Arc<Mutex<Option<PlayingBrowser>>>);

impl Browser for LateBrowser {
    fn open(&self, url: &url::Url) -> std::io::Result<()> {
        match self.0.lock().unwrap().as_ref() {
            Some(browser) => browser.open(url),
            None => Err(std::io::Error::other("the test browser is not ready")),
        }
    }
}

#[test]
fn the_demo_path_reaches_a_copied_authorization_header_in_three_decisions() {
    let mut decisions = 0;

    // Decision 1, on the first-run screen.
    let (mut first, recorder, _events) = first_run_window();
    first
        .get_by_role_and_label(Role::Button, "Try the demo portal")
        .click();
    first.run();
    decisions += 1;
    assert!(
        recorder
            .0
            .lock()
            .unwrap()
            .iter()
            .any(|c| matches!(c, Command::TryDemo)),
        "the window asks for the demo"
    );

    // That opens `tokendesk --demo`: this window, with its demo-browser profile selected.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let browser = LateBrowser::default();
    let clipboard = MemoryClipboard::default();
    let backend = clipboard.clone();
    let config = HostConfig {
        browser: Arc::new(browser.clone()),
        clipboard: Box::new(move || Ok(Box::new(backend) as Box<dyn ClipboardBackend>)),
        ..HostConfig::new(
            Setup::Demo,
            SecretsChoice::Given(Arc::new(MemoryStore::new())),
        )
    };
    let mut demo = Harness::builder()
        .with_size(eframe::egui::vec2(DEFAULT_SIZE[0], DEFAULT_SIZE[1]))
        .with_max_steps(32)
        .build_eframe(move |cc| {
            cc.egui_ctx
                .all_styles_mut(|style| style.animation_time = 0.0);
            let (host, events) = Host::start(config, cc.egui_ctx.clone()).unwrap();
            TokenDeskApp::new(Arc::new(SystemClock), Box::new(host), events)
        });
    assert!(
        crate::common::gui::step_until(&mut demo, |h| h.state().selected().is_some()),
        "timed out waiting for the demo profiles"
    );
    let selected = demo.state().selected().unwrap().clone();
    let shown = demo.state().view().profile(&selected).unwrap();
    assert_eq!(shown.profile.sign_in(), SignInMethod::BrowserPkce);
    let ca = std::fs::read_to_string(shown.profile.ca_file().unwrap()).unwrap();
    let (playing, _shown) =
        runtime.block_on(async { PlayingBrowser::new(&ca, USER, PASSWORD, Click::SignIn) });
    *browser.0.lock().unwrap() = Some(playing);

    // Decision 2: Sign in (the portal's page is the browser's).
    demo.get_by_label("Sign in").click();
    decisions += 1;
    assert!(
        crate::common::gui::step_until(&mut demo, |h| {
            let p = h.state().view().profile(&selected).unwrap();
            p.status.state == TokenState::Valid && p.user.is_some()
        }),
        "timed out waiting for the demo sign-in"
    );

    // Decision 3: copy the header.
    demo.get_by_label("Copy Authorization header").click();
    decisions += 1;
    let copied = clipboard.clone();
    assert!(
        crate::common::gui::step_until(&mut demo, move |_| {
            copied
                .content()
                .is_some_and(|c| c.expose().starts_with("Authorization: Bearer "))
        }),
        "timed out waiting for the copied header"
    );
    assert!(decisions <= 3, "{decisions} decisions");
    drop(runtime);
}

#[test]
fn the_portal_path_takes_an_address_and_a_client_id_and_signs_in() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let store: Arc<dyn SecretStore> = Arc::new(MemoryStore::new());
    let rig = runtime.block_on(Rig::start(DemoConfig::default(), 20160, Arc::clone(&store)));
    let (browser, _shown) = runtime.block_on(async {
        PlayingBrowser::new(rig.portal.ca_pem(), USER, PASSWORD, Click::SignIn)
    });
    let clock: Arc<dyn Clock> = rig.clock.clone();
    let paths = rig.paths.clone();
    let config = HostConfig {
        clock: Arc::clone(&clock),
        browser: Arc::new(browser),
        clipboard: Box::new(|| {
            Ok(Box::new(MemoryClipboard::default()) as Box<dyn ClipboardBackend>)
        }),
        ..HostConfig::new(Setup::Profiles(paths.clone()), SecretsChoice::Given(store))
    };
    let mut app = Harness::builder()
        .with_size(eframe::egui::vec2(DEFAULT_SIZE[0], DEFAULT_SIZE[1]))
        .with_max_steps(32)
        .build_eframe(move |cc| {
            cc.egui_ctx
                .all_styles_mut(|style| style.animation_time = 0.0);
            let (host, events) = Host::start(config, cc.egui_ctx.clone()).unwrap();
            TokenDeskApp::new(clock, Box::new(host), events)
        });
    assert!(
        crate::common::gui::step_until(&mut app, |h| h.state().view().ready),
        "timed out waiting for the host"
    );
    let type_into = |app: &mut Harness<'static, TokenDeskApp>, label: &str, text: &str| {
        app.get_by_label(label).focus();
        app.run();
        app.get_by_label(label).type_text(text);
        app.run();
    };
    let mut decisions = 0;
    app.get_by_role_and_label(Role::Button, "My organisation's portal or server")
        .click();
    app.run();
    decisions += 1;
    // A private CA is this portal's: it travels in Advanced (or in a team file).
    let portal = rig.portal.urls().portal_root.clone();
    type_into(&mut app, "Portal or server URL", &portal);
    app.get_by_label("Advanced").click();
    app.run();
    let ca = rig.profile.ca_file().unwrap().display().to_string();
    type_into(&mut app, "CA file", &ca);
    app.get_by_label("Check").click();
    decisions += 1;
    assert!(
        crate::common::gui::step_until(&mut app, |h| h
            .query_by_label_contains("kind and sign-in method filled in")
            .is_some()),
        "timed out waiting for the check"
    );
    // The name came from the address; only the client ID is asked.
    type_into(&mut app, "Client ID", "tokendesk-demo");
    app.get_by_label("Save").click();
    decisions += 1;
    assert!(
        crate::common::gui::step_until(&mut app, |h| !h.state().view().profiles.is_empty()),
        "timed out waiting for the saved profile"
    );
    let (profiles, _) = ProfileStore::open(&paths).unwrap();
    let saved = profiles.list()[0].clone();
    assert_eq!(saved.name(), "127-0-0-1");
    assert_eq!(saved.sign_in(), SignInMethod::BrowserPkce);
    app.get_by_label("Sign in").click();
    decisions += 1;
    let id = saved.id().clone();
    assert!(
        crate::common::gui::step_until(&mut app, |h| h
            .state()
            .view()
            .profile(&id)
            .is_some_and(|p| p.status.state == TokenState::Valid)),
        "timed out waiting for the sign-in"
    );
    assert_eq!(decisions, 4, "choice, address, client ID, sign in");
}
