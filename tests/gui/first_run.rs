//! The first-run screen (no profile yet) and the paths it leads to, counted in decisions: a
//! decision is a choice the person makes (a button pressed, a form given); what the browser
//! asks on the portal's own page is the portal's, played by the stand-in browser.

use std::sync::mpsc::{Sender, channel};
use std::sync::{Arc, Mutex};

use crate::common::browser::{Click, PlayingBrowser};
use crate::common::engine::{PASSWORD, Rig, USER};
use crate::common::gui::Sent;
use eframe::egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use tokendesk::auth::Browser;
use tokendesk::clock::{Clock, SystemClock};
use tokendesk::desktop::{DEFAULT_SIZE, Host, HostConfig, SecretsChoice, Setup};
use tokendesk::engine::TokenState;
use tokendesk::output::clipboard::{ClipboardBackend, MemoryClipboard};
use tokendesk::store::{MemoryStore, ProfileStore, SecretStore, SignInMethod};
use tokendesk::ui::{Command, Event, TokenDeskApp};
use tokendesk_demo_portal::DemoConfig;

/// The window with no profile, its host replaced by a recorder (it is told the store is
/// open, and nothing else).
fn first_run_window() -> (Harness<'static, TokenDeskApp>, Sent, Sender<Event>) {
    let recorder = Sent::default();
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
    let commands = recorder.commands();
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
            .commands()
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

/// The window over an empty profiles file, the real host against the in-process demo portal,
/// a browser that signs in as the demo analyst.
pub(super) struct FirstRun {
    pub(super) app: Harness<'static, TokenDeskApp>,
    pub(super) rig: Rig,
    _runtime: tokio::runtime::Runtime,
    pub(super) decisions: usize,
}

impl FirstRun {
    pub(super) fn start() -> Self {
        Self::with_profiles(false)
    }

    /// Like [`FirstRun::start`]; with `one`, the profiles file holds the rig's profile for
    /// the demo portal (signed out) before the window opens.
    pub(super) fn with_profiles(one: bool) -> Self {
        Self::with_portal(DemoConfig::default(), one)
    }

    /// Like [`FirstRun::with_profiles`], against a demo portal set up as `config` says.
    pub(super) fn with_portal(config: DemoConfig, one: bool) -> Self {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let store: Arc<dyn SecretStore> = Arc::new(MemoryStore::new());
        let mut rig = runtime.block_on(Rig::start(config, 20160, Arc::clone(&store)));
        if one {
            let (mut profiles, _) = ProfileStore::open(&rig.paths).unwrap();
            let mut draft = rig.profile.draft();
            draft.redirect_uri = None;
            rig.profile = profiles.add(draft).unwrap();
        }
        let (browser, _shown) = runtime.block_on(async {
            PlayingBrowser::new(rig.portal.ca_pem(), USER, PASSWORD, Click::SignIn)
        });
        let clock: Arc<dyn Clock> = rig.clock.clone();
        let config = HostConfig {
            clock: Arc::clone(&clock),
            browser: Arc::new(browser),
            clipboard: Box::new(|| {
                Ok(Box::new(MemoryClipboard::default()) as Box<dyn ClipboardBackend>)
            }),
            ..HostConfig::new(
                Setup::Profiles(rig.paths.clone()),
                SecretsChoice::Given(store),
            )
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
            crate::common::gui::step_until(&mut app, move |h| h.state().view().ready
                && (!one || !h.state().view().profiles.is_empty())),
            "timed out waiting for the host"
        );
        Self {
            app,
            rig,
            _runtime: runtime,
            decisions: 0,
        }
    }

    pub(super) fn type_into(&mut self, label: &str, text: &str) {
        self.app.get_by_label(label).focus();
        self.app.run();
        self.app.get_by_label(label).type_text(text);
        self.app.run();
    }

    /// Replaces the text of the field `label` with `text`.
    pub(super) fn replace_text(&mut self, label: &str, text: &str) {
        self.app.get_by_label(label).focus();
        self.app.run();
        self.app
            .key_press_modifiers(eframe::egui::Modifiers::COMMAND, eframe::egui::Key::A);
        self.app.run();
        self.app.get_by_label(label).type_text(text);
        self.app.run();
    }

    /// A decision: pressing `label` (a button).
    pub(super) fn press(&mut self, label: &str) {
        self.app.get_by_role_and_label(Role::Button, label).click();
        self.app.run();
        self.decisions += 1;
    }

    pub(super) fn wait(
        &mut self,
        what: &str,
        done: impl Fn(&Harness<'static, TokenDeskApp>) -> bool,
    ) {
        assert!(
            crate::common::gui::step_until(&mut self.app, done),
            "timed out waiting for {what}"
        );
    }

    /// "My organisation's portal or server", `url` pasted (with the demo's private CA under
    /// Advanced: it is this test portal's, a real site's certificate needs none) and
    /// checked: what Check found.
    fn organisation(&mut self, url: &str) {
        self.press("My organisation's portal or server");
        self.type_into("Portal or server URL", url);
        self.app.get_by_label("Advanced").click();
        self.app.run();
        let ca = self.rig.profile.ca_file().unwrap().display().to_string();
        self.type_into("CA file", &ca);
        self.press("Check");
        self.wait("the check", |h| {
            h.query_by_label_contains("kind and sign-in method filled in")
                .is_some()
        });
    }

    /// Save, then wait for the profile in the list; the saved profile.
    fn save(&mut self) -> tokendesk::store::Profile {
        self.press("Save");
        self.wait("the saved profile", |h| {
            !h.state().view().profiles.is_empty()
        });
        let (profiles, _) = ProfileStore::open(&self.rig.paths).unwrap();
        profiles.list()[0].clone()
    }

    pub(super) fn wait_signed_in(&mut self, profile: &tokendesk::store::Profile) {
        let id = profile.id().clone();
        self.wait("the sign-in", |h| {
            h.state()
                .view()
                .profile(&id)
                .is_some_and(|p| p.status.state == TokenState::Valid)
        });
    }
}

#[test]
fn the_arcgis_online_path_starts_at_www_arcgis_com_recognises_online_at_check_and_keeps_to_arcgis_com_addresses()
 {
    // The demo portal plays ArcGIS Online (portals/self says isPortal false, multitenant): the
    // stand-in for the organisation's address on arcgis.com. An ArcGIS Online profile only
    // takes *.arcgis.com addresses (an Online token goes nowhere else), so the stand-in is
    // recognised but not saved.
    let mut online = DemoConfig::default();
    online.org.is_portal = false;
    let mut run = FirstRun::with_portal(online, false);
    run.press("ArcGIS Online");
    let url_field = |run: &FirstRun| {
        run.app
            .get_by_label("Portal or server URL")
            .accesskit_node()
            .value()
    };
    assert_eq!(
        url_field(&run).as_deref(),
        Some("https://www.arcgis.com"),
        "ArcGIS Online starts from its address"
    );
    run.app
        .get_by_label_contains("paste your organisation's address");
    let stand_in = run.rig.portal.urls().portal_root.clone();
    run.replace_text("Portal or server URL", &stand_in);
    assert_eq!(url_field(&run).as_deref(), Some(stand_in.as_str()));
    run.app.get_by_label("Advanced").click();
    run.app.run();
    let ca = run.rig.profile.ca_file().unwrap().display().to_string();
    run.type_into("CA file", &ca);
    run.press("Check");
    run.wait("the check", |h| {
        h.query_by_label_contains("ArcGIS Online 11.3: kind and sign-in method filled in")
            .is_some()
    });
    // Browser sign-in chosen for the person; the client ID is the one thing asked.
    run.app
        .get_by_label_contains("browser sign-in (OAuth with PKCE)");
    run.type_into("Client ID", "tokendesk-demo");
    run.press("Save");
    run.wait("the address rule", |h| {
        h.query_by_label_contains("127.0.0.1 is not an ArcGIS Online address (*.arcgis.com)")
            .is_some()
    });
    let (profiles, _) = ProfileStore::open(&run.rig.paths).unwrap();
    assert!(profiles.list().is_empty(), "nothing was saved");
    assert_eq!(run.decisions, 3, "choice, Check, Save");
}

#[test]
fn the_portal_path_takes_an_address_and_a_client_id_and_signs_in() {
    let mut run = FirstRun::start();
    let portal = run.rig.portal.urls().portal_root.clone();
    run.organisation(&portal);
    // The name came from the address; only the client ID is asked.
    assert!(run.app.query_by_label("User name").is_none());
    run.type_into("Client ID", "tokendesk-demo");
    let saved = run.save();
    assert_eq!(saved.name(), "127-0-0-1");
    assert_eq!(saved.sign_in(), SignInMethod::BrowserPkce);
    run.press("Sign in");
    run.wait_signed_in(&saved);
    assert_eq!(
        run.decisions, 4,
        "choice, Check, Save with the client ID, Sign in"
    );
}

#[test]
fn the_server_path_asks_no_client_id_and_signs_in_with_the_password_prompt() {
    let mut run = FirstRun::start();
    let server = run.rig.portal.standalone_server_url();
    run.organisation(&server);
    assert!(
        run.app.query_by_label("Client ID").is_none(),
        "a server's password sign-in needs no client ID"
    );
    let saved = run.save();
    assert_eq!(saved.sign_in(), SignInMethod::ServerPassword);
    assert_eq!(saved.kind(), tokendesk::store::SiteKind::ArcgisServer);
    run.press("Sign in");
    run.type_into("User name", USER);
    run.type_into("Password", PASSWORD);
    run.app
        .get_all_by_role_and_label(Role::Button, "Sign in")
        .last()
        .unwrap()
        .click();
    run.decisions += 1;
    run.wait_signed_in(&saved);
    assert_eq!(
        run.decisions, 5,
        "choice, Check, Save, Sign in, the password given"
    );
}

#[test]
fn a_map_service_url_leads_to_a_profile_for_its_portal() {
    let mut run = FirstRun::start();
    let service = format!(
        "{}/Demo/FeatureServer",
        run.rig.portal.federated_server_url()
    );
    run.organisation(&service);
    let portal = run.rig.portal.urls().portal_root.clone();
    assert_eq!(
        run.app
            .get_by_label("Portal or server URL")
            .accesskit_node()
            .value()
            .as_deref(),
        Some(portal.as_str()),
        "the service's owning portal replaces the service URL"
    );
    run.type_into("Client ID", "tokendesk-demo");
    let saved = run.save();
    assert_eq!(saved.sign_in(), SignInMethod::BrowserPkce);
    assert_eq!(saved.url(), portal.trim_end_matches('/'));
    run.press("Sign in");
    run.wait_signed_in(&saved);
}

#[test]
fn a_team_file_from_the_administrator_sets_the_profile_up_and_it_signs_in() {
    let mut run = FirstRun::start();
    // The administrator's export of the demo portal's profile (CA inside).
    let mut admin = ProfileStore::open(&tokendesk::store::Paths::under(
        &run.rig.paths.data_dir().join("admin"),
    ))
    .unwrap()
    .0;
    let mut draft = run.rig.profile.draft();
    draft.name = "our-portal".to_owned();
    let profile = admin.add(draft).unwrap();
    let text = tokendesk::store::team_file::export(&[profile]).unwrap();
    let file = run.rig.paths.data_dir().join("team.toml");
    std::fs::write(&file, text).unwrap();

    run.press("Open a profile file from my administrator");
    run.type_into("Profile file (file path)", file.to_str().unwrap());
    run.press("Show what it adds");
    run.wait("the preview", |h| {
        h.query_by_label_contains("our-portal — ").is_some()
    });
    run.press("Import");
    run.wait("the imported profile", |h| {
        !h.state().view().profiles.is_empty()
    });
    let (profiles, _) = ProfileStore::open(&run.rig.paths).unwrap();
    let saved = profiles.get("our-portal").unwrap().clone();
    run.press("Sign in");
    run.wait_signed_in(&saved);
    assert_eq!(
        run.decisions, 4,
        "choice, Show (with the file), Import, Sign in"
    );
}

#[test]
fn a_check_that_fails_for_want_of_the_sites_ca_opens_advanced_at_the_ca_file() {
    let mut run = FirstRun::start();
    let portal = run.rig.portal.urls().portal_root.clone();
    run.press("My organisation's portal or server");
    run.type_into("Portal or server URL", &portal);
    assert!(run.app.query_by_label("CA file").is_none());
    run.press("Check");
    run.wait("the failed check", |h| {
        h.query_by_label_contains("as CA file under Advanced")
            .is_some()
    });
    run.app.get_by_label("CA file");
}

#[test]
fn a_client_id_the_portal_does_not_know_is_refused_before_saving() {
    let mut run = FirstRun::start();
    let portal = run.rig.portal.urls().portal_root.clone();
    run.organisation(&portal);
    run.type_into("Client ID", "no-such-app");
    run.press("Save");
    run.wait("the portal's verdict", |h| {
        h.query_by_label_contains("does not know the client ID `no-such-app`")
            .is_some()
    });
    assert!(!run.rig.paths.profiles_file().exists(), "nothing was saved");
}
