//! The app's token tools and profile management, end to end through egui_kittest: the real
//! app and host against the in-process demo portal, session memory for secrets, an
//! in-memory clipboard, and the portal's clock as the app's clock. Copy every format and
//! check the exact clipboard text; the clipboard cleared after the delay (or left alone when
//! the person copied something else); add a profile through the editor with Check; delete
//! one with confirmation.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Instant;

use crate::common::engine::Rig;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use tokendesk::clock::Clock;
use tokendesk::desktop::{DEFAULT_SIZE, Host, HostConfig, SecretsChoice, Setup};
use tokendesk::engine::TokenState;
use tokendesk::output::clipboard::{ClipboardBackend, MemoryClipboard};
use tokendesk::output::{Format, Issuer, TokenContext, render};
use tokendesk::secret::AccessToken;
use tokendesk::store::{
    MemoryStore, ProfileDraft, ProfileStore, SecretKind, SecretStore, SignInMethod, TokenLifetime,
};
use tokendesk::ui::TokenDeskApp;
use tokendesk_demo_portal::DemoConfig;

/// The app over the rig's profile (signed in when asked), with an in-memory clipboard.
struct Tokens {
    harness: Harness<'static, TokenDeskApp>,
    rig: Rig,
    runtime: tokio::runtime::Runtime,
    clipboard: MemoryClipboard,
}

impl Tokens {
    fn start(signed_in: bool) -> Self {
        Self::with_profile(signed_in, |_| {})
    }

    /// Like [`Tokens::start`], with the rig's profile settings changed by `edit` first.
    fn with_profile(signed_in: bool, edit: impl FnOnce(&mut ProfileDraft)) -> Self {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let store: Arc<dyn SecretStore> = Arc::new(MemoryStore::new());
        let mut rig =
            runtime.block_on(Rig::start(DemoConfig::default(), 20160, Arc::clone(&store)));
        let (mut profiles, _) = ProfileStore::open(&rig.paths).unwrap();
        // The file gives the profile its own id: the rig signs that one in.
        let mut settings = rig.profile.draft();
        edit(&mut settings);
        rig.profile = profiles.add(settings).unwrap();
        if signed_in {
            runtime.block_on(async { rig.sign_in(&rig.engine()).await });
        }
        let clipboard = MemoryClipboard::default();
        let backend = clipboard.clone();
        let clock: Arc<dyn Clock> = rig.clock.clone();
        let config = HostConfig {
            clock: Arc::clone(&clock),
            clipboard: Box::new(move || Ok(Box::new(backend) as Box<dyn ClipboardBackend>)),
            ..HostConfig::new(
                Setup::Profiles(rig.paths.clone()),
                SecretsChoice::Given(store),
            )
        };
        // The host's events (renewals, copies) wake the window from its own threads, so a
        // frame may need a few more steps to settle than the default allows.
        let harness = Harness::builder()
            .with_size(eframe::egui::vec2(DEFAULT_SIZE[0], DEFAULT_SIZE[1]))
            .with_max_steps(32)
            .build_eframe(move |cc| {
                cc.egui_ctx
                    .all_styles_mut(|style| style.animation_time = 0.0);
                let (host, events) = Host::start(config, cc.egui_ctx.clone()).unwrap();
                TokenDeskApp::new(clock, Box::new(host), events)
            });
        let mut tokens = Self {
            harness,
            rig,
            runtime,
            clipboard,
        };
        let id = tokens.rig.profile.id().clone();
        let want = if signed_in {
            TokenState::Valid
        } else {
            TokenState::SignedOut
        };
        // Signed in, wait for the user's details too: they arrive a moment later and add
        // lines to the card, and a click aimed at a widget before that lands on another.
        tokens.wait("the profile's state", |app| {
            app.view().ready
                && app
                    .view()
                    .profile(&id)
                    .is_some_and(|p| p.status.state == want && (!signed_in || p.user.is_some()))
        });
        tokens
    }

    /// Steps the app until `done` holds; the host answers between frames. Bounded.
    fn wait(&mut self, what: &str, done: impl Fn(&TokenDeskApp) -> bool) {
        self.wait_for(what, |harness| done(harness.state()));
    }

    fn wait_for(&mut self, what: &str, done: impl Fn(&Harness<'static, TokenDeskApp>) -> bool) {
        assert!(
            crate::common::gui::step_until(&mut self.harness, done),
            "timed out waiting for {what}"
        );
    }

    /// Opens the "Copy as…" menu (again, if a repaint closed it) and picks `format`.
    fn copy_as(&mut self, format: Format) {
        let deadline = Instant::now() + crate::common::gui::BOUND;
        while self.harness.query_by_label(format.label()).is_none() {
            assert!(Instant::now() < deadline, "the Copy as… menu did not open");
            self.harness.get_by_label("Copy as…").click();
            // Host events may arrive meanwhile: step rather than wait for a still frame.
            self.harness.run_steps(2);
        }
        self.harness.get_by_label(format.label()).click();
    }

    fn clipboard_text(&self) -> Option<String> {
        self.clipboard.content().map(|text| text.expose().clone())
    }

    /// What `format` must put on the clipboard for the stored token.
    fn expected(&self, format: Format) -> String {
        let access = self
            .rig
            .store
            .get(self.rig.profile.id(), SecretKind::AccessToken)
            .unwrap()
            .unwrap();
        let record = tokendesk::store::AccessTokenRecord::from_secret(&access).unwrap();
        let portal = self.rig.portal_url();
        let mut context = TokenContext::new(&record.token, Issuer::Portal(portal.clone()));
        context.expires = Some(record.expires_at);
        context.user_id = record.username.as_deref();
        context.ca_file = self.rig.profile.ca_file();
        render(format, &context).expose().clone()
    }

    fn token(&self) -> AccessToken {
        let access = self
            .rig
            .store
            .get(self.rig.profile.id(), SecretKind::AccessToken)
            .unwrap()
            .unwrap();
        tokendesk::store::AccessTokenRecord::from_secret(&access)
            .unwrap()
            .token
    }
}

#[test]
fn every_copy_format_puts_the_exact_text_on_the_clipboard_marked_sensitive() {
    let mut app = Tokens::start(true);
    let token = app.token().expose().clone();
    app.harness
        .get_by_label("Copy Authorization header")
        .click();
    let want = format!("Authorization: Bearer {token}");
    let clipboard = app.clipboard.clone();
    app.wait_for("the header copy", move |_| {
        clipboard.content().is_some_and(|c| c.expose() == &want)
    });
    // The clipboard's status line comes with the host's answer and moves the widgets below
    // it: let it arrive before the next click.
    app.wait_for("the clipboard status line", |h| {
        h.query_by_label_contains("the clipboard clears in")
            .is_some()
    });
    assert!(app.clipboard.is_sensitive());

    for format in Format::ALL {
        app.clipboard.copy_from_elsewhere("something else");
        app.copy_as(format);
        let want = app.expected(format);
        let clipboard = app.clipboard.clone();
        app.wait_for(format.name(), move |_| {
            clipboard.content().is_some_and(|c| c.expose() == &want)
        });
        let text = app.clipboard_text().unwrap();
        // (No token in the message: a failure names the format only.)
        if matches!(format, Format::Gdal | Format::ArcGisPythonExec) {
            // The tool forms run `tokendesk exec`, which hands the tool a token that stays
            // fresh: no copy of today's token in them.
            assert!(
                text.contains("tokendesk exec") && !text.contains(&token),
                "{} should run tokendesk exec without a copy of the token",
                format.name()
            );
        } else {
            assert!(
                text.contains(&token),
                "{} does not carry the token",
                format.name()
            );
        }
    }
    assert_eq!(app.expected(Format::Token), token);
    assert_eq!(app.expected(Format::Query), format!("token={token}"));
}

#[test]
fn the_clipboard_is_cleared_after_the_delay_but_left_alone_once_the_person_copied_something_else() {
    let mut app = Tokens::start(true);
    let token = app.token().expose().clone();
    app.copy_as(Format::Token);
    let want = token.clone();
    let clipboard = app.clipboard.clone();
    app.wait_for("the token on the clipboard", move |_| {
        clipboard.content().is_some_and(|c| c.expose() == &want)
    });
    app.wait_for("the clearing countdown", |h| {
        h.query_by_label_contains("the clipboard clears in 30 s")
            .is_some()
    });
    app.runtime.block_on(app.rig.advance(10));
    app.wait_for("the countdown to move", |h| {
        h.query_by_label_contains("the clipboard clears in 20 s")
            .is_some()
    });
    assert_eq!(app.clipboard_text().as_deref(), Some(token.as_str()));

    app.runtime.block_on(app.rig.advance(21));
    let clipboard = app.clipboard.clone();
    app.wait_for("the clipboard to be cleared", move |h| {
        clipboard.content().is_none() && h.query_by_label_contains("the clipboard clears").is_none()
    });

    app.harness
        .get_by_label("Copy Authorization header")
        .click();
    let clipboard = app.clipboard.clone();
    app.wait_for("the header on the clipboard", move |_| {
        clipboard.content().is_some()
    });
    app.clipboard.copy_from_elsewhere("the person's own text");
    app.runtime.block_on(app.rig.advance(31));
    app.wait_for("the clearing time to pass", |h| {
        h.query_by_label_contains("the clipboard clears").is_none()
    });
    assert_eq!(
        app.clipboard_text().as_deref(),
        Some("the person's own text")
    );
}

#[test]
fn a_profile_added_through_the_editor_with_check_is_saved_and_listed() {
    let mut app = Tokens::start(false);
    app.harness.get_by_label("New profile").click();
    app.harness.run();
    let type_into = |app: &mut Tokens, label: &str, text: &str| {
        app.harness.get_by_label(label).focus();
        app.harness.run();
        app.harness.get_by_label(label).type_text(text);
        app.harness.run();
    };
    type_into(&mut app, "Name", "second");
    let portal = app.rig.portal.urls().portal_root.clone();
    type_into(&mut app, "Portal or server URL", &portal);
    let ca = app.rig.profile.ca_file().unwrap().display().to_string();
    app.harness.get_by_label("Advanced").click();
    app.harness.run();
    type_into(&mut app, "CA file", &ca);
    app.harness.get_by_label("Check").click();
    app.wait_for("the check", |h| {
        h.query_by_label_contains("kind and sign-in method filled in")
            .is_some()
    });
    type_into(&mut app, "Client ID", "tokendesk-demo");
    app.harness.get_by_label("Save").click();
    app.wait("the new profile in the list", |app| {
        app.view()
            .profiles
            .iter()
            .any(|p| p.profile.name() == "second")
    });

    let (profiles, _) = ProfileStore::open(&app.rig.paths).unwrap();
    let saved = profiles.get("second").unwrap();
    assert_eq!(saved.sign_in(), SignInMethod::BrowserPkce);
    assert_eq!(saved.client_id(), Some("tokendesk-demo"));
    assert_eq!(saved.ca_file(), app.rig.profile.ca_file());
    assert_eq!(app.harness.state().selected(), Some(saved.id()));
    assert!(
        app.harness.query_by_label("Save").is_none(),
        "the editor closed"
    );
}

#[test]
fn deleting_a_signed_in_profile_asks_first_then_removes_it_and_its_secrets() {
    let mut app = Tokens::start(true);
    let id = app.rig.profile.id().clone();
    app.harness.get_by_label("Delete…").click();
    app.harness.run();
    app.harness.get_by_label("Cancel").click();
    app.harness.run();
    assert!(app.harness.state().view().profile(&id).is_some());

    app.harness.get_by_label("Delete…").click();
    app.harness.run();
    app.harness.get_by_label("Delete demo").click();
    app.wait("the profile to go", |app| app.view().profile(&id).is_none());
    let (profiles, _) = ProfileStore::open(&app.rig.paths).unwrap();
    assert!(profiles.list().is_empty());
    for kind in [SecretKind::AccessToken, SecretKind::RefreshToken] {
        assert!(app.rig.store.get(&id, kind).unwrap().is_none(), "{kind:?}");
    }
}

#[test]
fn a_password_profile_signs_in_through_the_prompt_and_its_referer_bound_token_is_copied_with_the_referer()
 {
    let referer = "https://app.example.com";
    let mut app = Tokens::with_profile(false, |draft| {
        draft.sign_in = SignInMethod::PortalPassword;
        draft.client_id = None;
        draft.redirect_uri = None;
        draft.username = Some(crate::common::engine::USER.to_owned());
        draft.referer = Some(referer.to_owned());
        draft.expiration = TokenLifetime::minutes(60).unwrap();
    });
    let id = app.rig.profile.id().clone();
    app.harness.get_by_label("Sign in").click();
    app.harness.run();
    app.harness.get_by_label("Password").focus();
    app.harness.run();
    app.harness
        .get_by_label("Password")
        .type_text(crate::common::engine::PASSWORD);
    app.harness.get_by_label("Remember password").click();
    app.harness.run();
    let buttons = app.harness.get_all_by_label("Sign in").count();
    assert_eq!(buttons, 2, "the card's button and the prompt's");
    app.harness
        .get_all_by_label("Sign in")
        .last()
        .unwrap()
        .click();
    app.wait("the password sign-in", |app| {
        app.view()
            .profile(&id)
            .is_some_and(|p| p.status.state == TokenState::Valid)
    });
    assert!(
        app.harness.query_by_label("Password").is_none(),
        "the prompt closed"
    );
    assert!(
        app.rig
            .store
            .get(&id, SecretKind::Password)
            .unwrap()
            .is_some(),
        "remembered"
    );

    app.harness.get_by_label_contains("every copy includes it");
    app.harness
        .get_by_label("Copy Authorization header")
        .click();
    let token = app.token().expose().clone();
    let want = format!("Authorization: Bearer {token}\nReferer: {referer}");
    let clipboard = app.clipboard.clone();
    app.wait_for("the header with its Referer", move |_| {
        clipboard.content().is_some_and(|c| c.expose() == &want)
    });
}

#[test]
fn the_service_url_box_finds_the_federated_server_token_and_copies_it() {
    let mut app = Tokens::start(true);
    let portal_token = app.token().expose().clone();
    let service = format!(
        "{}/server/rest/services/SampleWorldCities/MapServer",
        app.rig.portal.urls().origin
    );
    app.harness.get_by_label("Token for a service URL").click();
    app.harness.run();
    app.harness.get_by_label("Service URL").focus();
    app.harness.run();
    app.harness.get_by_label("Service URL").type_text(&service);
    app.harness.run();
    app.harness.get_by_label("Find token").click();
    app.wait_for("the answer", |h| {
        h.query_by_label_contains("a server token for").is_some()
    });
    app.harness.get_by_label("Copy token").click();
    let clipboard = app.clipboard.clone();
    app.wait_for("the server token on the clipboard", move |_| {
        clipboard.content().is_some()
    });
    let copied = app.clipboard_text().unwrap();
    assert_ne!(copied, portal_token, "a server token, not the portal's");
    assert!(!copied.is_empty());
}

#[test]
fn ctrl_c_copies_the_preferred_header_and_ctrl_shift_c_the_raw_token() {
    use eframe::egui::{Key, Modifiers};
    let mut app = Tokens::start(true);
    let token = app.token().expose().clone();
    app.harness
        .key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::C);
    let want = token.clone();
    let clipboard = app.clipboard.clone();
    app.wait_for("the raw token", move |_| {
        clipboard.content().is_some_and(|c| c.expose() == &want)
    });
    app.harness.key_press_modifiers(Modifiers::COMMAND, Key::C);
    let want = format!("Authorization: Bearer {token}");
    let clipboard = app.clipboard.clone();
    app.wait_for("the header", move |_| {
        clipboard.content().is_some_and(|c| c.expose() == &want)
    });
}
