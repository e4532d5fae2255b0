//! The app's screens driven through egui_kittest (AccessKit queries, no display): the
//! profile editor, the delete confirmation, the token reveal and the settings. Every
//! harness run also checks that each interactive widget has an accessible name
//! (egui_kittest does so after every `run()`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use eframe::egui;
use egui::Key;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use tokendesk::secret::Secret;
use tokendesk::store::{ProfileId, SignInMethod, SiteKind};
use tokendesk::ui::delete_confirm::{DeleteChoice, delete_confirm_ui};
use tokendesk::ui::editor::{EditorAction, editor_ui};
use tokendesk::ui::editor_form::{EditorForm, EditorMode, ProbeState};
use tokendesk::ui::reveal::{Reveal, RevealRequest, reveal_ui};
use tokendesk::ui::settings::{Settings, settings_ui};
use tokendesk::ui::theme::ThemeChoice;

/// The editor with the names of other profiles and what it asked for last.
struct EditorHarness {
    form: EditorForm,
    taken: Vec<String>,
    actions: Vec<EditorAction>,
}

fn editor(form: EditorForm, taken: &[&str]) -> Harness<'static, EditorHarness> {
    let state = EditorHarness {
        form,
        taken: taken.iter().map(|s| (*s).to_owned()).collect(),
        actions: Vec::new(),
    };
    Harness::builder()
        .with_size(egui::vec2(900.0, 800.0))
        .build_ui_state(
            |ui, state: &mut EditorHarness| {
                ui.ctx()
                    .global_style_mut(|style| style.animation_time = 0.0);
                if let Some(action) = editor_ui(ui, &mut state.form, &state.taken) {
                    state.actions.push(action);
                }
            },
            state,
        )
}

fn type_into(harness: &mut Harness<'_, EditorHarness>, label: &str, text: &str) {
    harness.get_by_label(label).focus();
    harness.run();
    harness.get_by_label(label).type_text(text);
    harness.run();
}

#[test]
fn a_profile_added_through_the_editor_is_saved_with_what_was_typed() {
    let mut harness = editor(EditorForm::add(), &[]);
    harness.run();
    type_into(&mut harness, "Name", "work");
    type_into(
        &mut harness,
        "Portal or server URL",
        "https://gis.example.com/portal",
    );
    type_into(&mut harness, "Client ID", "abc123");
    assert!(
        harness.query_by_label("Referer").is_none(),
        "the referer waits under Advanced"
    );
    harness.get_by_label("Advanced").click();
    harness.run();
    type_into(&mut harness, "Referer", "https://app.example.com");
    harness.get_by_label("X-Esri-Authorization").click();
    harness.run();
    harness.get_by_label("Save").click();
    harness.run();

    let [EditorAction::Save { mode, draft }] = harness.state().actions.as_slice() else {
        panic!("expected one Save, got {:?}", harness.state().actions);
    };
    assert_eq!(*mode, EditorMode::Add);
    assert_eq!(draft.name, "work");
    assert_eq!(draft.url, "https://gis.example.com/portal");
    assert_eq!(draft.sign_in, SignInMethod::BrowserPkce);
    assert_eq!(draft.client_id.as_deref(), Some("abc123"));
    assert_eq!(draft.referer.as_deref(), Some("https://app.example.com"));
    assert_eq!(draft.header.name(), "X-Esri-Authorization");
}

#[test]
fn save_on_an_incomplete_form_shows_the_error_next_to_the_field_and_saves_nothing() {
    let mut harness = editor(EditorForm::add(), &[]);
    harness.run();
    type_into(&mut harness, "Name", "has space");
    assert!(
        harness
            .query_by_label_contains("profile name `has space` is not allowed")
            .is_some(),
        "the name's error shows once the name was typed"
    );
    harness.get_by_label("Name").focus();
    harness.run();
    for _ in 0.."has space".len() {
        harness.key_press(Key::Backspace);
    }
    harness.run();
    type_into(&mut harness, "Name", "work");
    harness.get_by_label("Save").click();
    harness.run();
    assert!(harness.state().actions.is_empty());
    assert!(
        harness
            .query_by_label_contains("the URL is empty")
            .is_some()
    );
}

#[test]
fn a_name_another_profile_uses_is_refused_inline() {
    let mut harness = editor(EditorForm::add(), &["Work"]);
    harness.run();
    type_into(&mut harness, "Name", "work");
    assert!(
        harness
            .query_by_label_contains("a profile named `work` exists already")
            .is_some()
    );
}

#[test]
fn check_asks_the_host_to_probe_and_the_answer_fills_in_kind_and_method() {
    let mut harness = editor(EditorForm::add(), &[]);
    harness.run();
    type_into(
        &mut harness,
        "Portal or server URL",
        "https://127.0.0.1:7443/gis/rest/services",
    );
    harness.get_by_label("Check").click();
    // The spinner under the URL animates while the host probes: step, not run.
    harness.run_steps(3);
    let [EditorAction::Check { url, ca_file }] = harness.state().actions.as_slice() else {
        panic!("expected one Check, got {:?}", harness.state().actions);
    };
    assert_eq!(url, "https://127.0.0.1:7443/gis/rest/services");
    assert_eq!(ca_file, &None);
    assert!(
        harness
            .query_by_label_contains("Checking https://127.0.0.1:7443")
            .is_some()
    );

    let report = tokendesk::arcgis::probe::ProbeReport {
        input: url.clone(),
        assumed_https: false,
        kind: tokendesk::arcgis::probe::FoundKind::StandaloneServer,
        root: "https://127.0.0.1:7443/gis".into(),
        version: Some("11.3".into()),
        token_service_url: None,
        https_only: None,
        supports_oauth: None,
        owning_portal: None,
        sign_in_methods: vec![tokendesk::arcgis::probe::OfferedMethod::ServerGenerateToken],
    };
    let url = url.clone();
    harness.state_mut().form.probe_finished(&url, Ok(report));
    harness.run();
    let form = &harness.state().form;
    assert_eq!(form.kind, SiteKind::ArcgisServer);
    assert_eq!(form.method, SignInMethod::ServerPassword);
    assert!(matches!(form.probe, ProbeState::Found(_)));
    assert!(harness.query_by_label("User name").is_some());
    assert!(harness.query_by_label("Client ID").is_none());
}

#[test]
fn a_failed_check_says_what_happened_under_the_url() {
    let mut harness = editor(EditorForm::add(), &[]);
    harness.run();
    type_into(
        &mut harness,
        "Portal or server URL",
        "https://nowhere.invalid",
    );
    harness.get_by_label("Check").click();
    // The spinner under the URL animates while the host probes: step, not run.
    harness.run_steps(3);
    harness.state_mut().form.probe_finished(
        "https://nowhere.invalid",
        Err("could not reach nowhere.invalid: check the address".into()),
    );
    harness.run();
    assert!(
        harness
            .query_by_label_contains("could not reach nowhere.invalid")
            .is_some()
    );
}

#[test]
fn the_ca_file_button_asks_the_host_for_the_file_dialog() {
    let mut harness = editor(EditorForm::add(), &[]);
    harness.run();
    harness.get_by_label("Advanced").click();
    harness.run();
    harness.get_by_label("Choose…").click();
    harness.run();
    assert_eq!(harness.state().actions, vec![EditorAction::PickCaFile]);
}

#[test]
fn cancel_closes_the_editor_without_saving() {
    let mut harness = editor(EditorForm::add(), &[]);
    harness.run();
    harness.get_by_label("Cancel").click();
    harness.run();
    assert_eq!(harness.state().actions, vec![EditorAction::Cancel]);
}

fn delete_harness() -> Harness<'static, Option<DeleteChoice>> {
    Harness::builder()
        .with_size(egui::vec2(600.0, 400.0))
        .build_ui_state(
            |ui, choice: &mut Option<DeleteChoice>| {
                ui.ctx()
                    .global_style_mut(|style| style.animation_time = 0.0);
                if choice.is_none() {
                    *choice = delete_confirm_ui(ui, "work");
                }
            },
            None,
        )
}

#[test]
fn deleting_asks_first_and_deletes_on_confirmation() {
    let mut harness = delete_harness();
    harness.run();
    assert!(
        harness
            .query_by_label_contains("Delete profile work?")
            .is_some()
    );
    harness.get_by_label("Delete work").click();
    harness.run();
    assert_eq!(*harness.state(), Some(DeleteChoice::Delete));
}

#[test]
fn escape_or_cancel_keeps_the_profile() {
    let mut harness = delete_harness();
    harness.run();
    harness.key_press(Key::Escape);
    harness.run();
    assert_eq!(*harness.state(), Some(DeleteChoice::Cancel));

    let mut harness = delete_harness();
    harness.run();
    harness.get_by_label("Cancel").click();
    harness.run();
    assert_eq!(*harness.state(), Some(DeleteChoice::Cancel));
}

struct RevealHarness {
    reveal: Reveal,
    profile: ProfileId,
    now: DateTime<Utc>,
    requests: Vec<RevealRequest>,
}

#[test]
fn the_token_is_masked_until_reveal_and_masked_again_after_thirty_seconds() {
    let start = Utc.timestamp_opt(1_700_000_000, 0).unwrap();
    let state = RevealHarness {
        reveal: Reveal::default(),
        profile: ProfileId::generate(),
        now: start,
        requests: Vec::new(),
    };
    let mut harness = Harness::new_ui_state(
        |ui, state: &mut RevealHarness| {
            if let Some(request) = reveal_ui(ui, &mut state.reveal, &state.profile, state.now) {
                state.requests.push(request);
            }
        },
        state,
    );
    harness.run();
    assert!(harness.query_by_label_contains("tok-abc").is_none());
    harness.get_by_label("Reveal").click();
    harness.run();
    let profile = harness.state().profile.clone();
    assert_eq!(
        harness.state().requests,
        vec![RevealRequest(profile.clone())]
    );

    harness
        .state_mut()
        .reveal
        .show(profile, Secret::new("tok-abc".into()), start);
    harness.run();
    assert!(harness.query_by_label("tok-abc").is_some());
    assert!(
        harness
            .query_by_label_contains("hidden again in 30 s")
            .is_some()
    );

    harness.state_mut().now = start + TimeDelta::seconds(29);
    harness.run();
    assert!(
        harness
            .query_by_label_contains("hidden again in 1 s")
            .is_some()
    );

    harness.state_mut().now = start + TimeDelta::seconds(30);
    harness.run();
    assert!(harness.query_by_label("tok-abc").is_none());
    assert!(harness.query_by_label("Reveal").is_some());
}

#[test]
fn changing_a_setting_reports_the_change() {
    let mut harness = Harness::new_ui_state(
        |ui, state: &mut (Settings, u32)| {
            if settings_ui(ui, &mut state.0) {
                state.1 += 1;
            }
        },
        (Settings::default(), 0),
    );
    harness.run();
    assert_eq!(harness.state().1, 0);
    harness.get_by_label("Dark").click();
    harness.run();
    assert_eq!(harness.state().0.theme, ThemeChoice::Dark);
    assert_eq!(harness.state().1, 1);
}

#[test]
fn every_widget_of_the_editor_has_an_accessible_name_whatever_the_method() {
    use tokendesk::ui::editor_form::BindingChoice;
    for (kind, method) in [
        (SiteKind::EnterprisePortal, SignInMethod::BrowserPkce),
        (SiteKind::EnterprisePortal, SignInMethod::OutOfBand),
        (SiteKind::ArcgisOnline, SignInMethod::ApiKey),
        (SiteKind::ArcgisOnline, SignInMethod::AppCredentials),
        (SiteKind::EnterprisePortal, SignInMethod::PortalPassword),
        (SiteKind::ArcgisServer, SignInMethod::ServerPassword),
    ] {
        let mut form = EditorForm::add();
        form.set_kind(kind);
        form.method = method;
        form.binding = BindingChoice::Ip;
        form.save_attempted = true;
        let mut harness = editor(form, &[]);
        harness.run();
        let unnamed = harness.unnamed_widgets();
        assert!(unnamed.is_empty(), "{method:?}: {unnamed:#?}");
        assert!(
            harness.query_by_label("Save").is_some(),
            "{method:?}: the editor was drawn"
        );
    }
}

#[test]
fn the_api_key_prompt_refuses_a_malformed_expiry_date_and_hands_over_the_key_once() {
    use tokendesk::engine::Credentials;
    use tokendesk::ui::secret_prompt::{PromptAction, SecretPrompt, secret_prompt_ui};

    let profile = tokendesk::store::ProfileDraft::new(
        "maps",
        SiteKind::ArcgisOnline,
        "https://myorg.maps.arcgis.com",
        SignInMethod::ApiKey,
    )
    .validate(ProfileId::generate())
    .unwrap();
    let prompt = SecretPrompt::for_profile(&profile).unwrap();
    let mut harness = Harness::builder()
        .with_size(egui::vec2(700.0, 500.0))
        .build_ui_state(
            |ui, state: &mut (SecretPrompt, Vec<PromptAction>)| {
                ui.ctx()
                    .global_style_mut(|style| style.animation_time = 0.0);
                if let Some(action) = secret_prompt_ui(ui, &mut state.0) {
                    state.1.push(action);
                }
            },
            (prompt, Vec::new()),
        );
    harness.run();
    harness.get_by_label("API key").type_text("AAPTxyz");
    harness.get_by_label("Expires on (optional)").focus();
    harness.run();
    harness
        .get_by_label("Expires on (optional)")
        .type_text("next week");
    harness.run();
    harness.get_by_label("Sign in").click();
    harness.run();
    assert!(harness.query_by_label_contains("is not a date").is_some());
    assert!(harness.state().1.is_empty());

    harness.get_by_label("Expires on (optional)").focus();
    harness.run();
    for _ in 0.."next week".len() {
        harness.key_press(Key::Backspace);
    }
    harness
        .get_by_label("Expires on (optional)")
        .type_text("2027-01-31");
    harness.run();
    harness.get_by_label("Sign in").click();
    // The prompt's spinner turns while the host signs in: step, not run.
    harness.run_steps(3);
    let [PromptAction::SignIn { credentials, .. }] = harness.state().1.as_slice() else {
        panic!("expected one SignIn, got {:?}", harness.state().1);
    };
    let Credentials::ApiKey { key, expires_on } = credentials else {
        panic!("expected an API key, got {credentials:?}");
    };
    assert_eq!(key.expose(), "AAPTxyz");
    assert_eq!(expires_on.unwrap().to_string(), "2027-01-31");
}

#[test]
fn the_editor_shows_only_name_url_kind_method_and_client_id_until_advanced_is_opened() {
    let mut harness = editor(EditorForm::add(), &[]);
    harness.run();
    for front in [
        "Name",
        "Portal or server URL",
        "Kind of site",
        "Sign-in method",
        "Client ID",
    ] {
        harness.get_by_label(front);
    }
    for advanced in [
        "Redirect URI",
        "Referer",
        "CA file",
        "Refresh-token lifetime",
    ] {
        assert!(
            harness.query_by_label(advanced).is_none(),
            "{advanced} waits under Advanced"
        );
    }
    harness.get_by_label_contains("redirect http://127.0.0.1/ (any port)");
    harness.get_by_label_contains("Redirect URI to register: http://127.0.0.1");
    harness.get_by_label("What is a client ID?");
    harness.get_by_label("Advanced").click();
    harness.run();
    for advanced in [
        "Redirect URI",
        "Referer",
        "CA file",
        "Refresh-token lifetime",
    ] {
        harness.get_by_label(advanced);
    }
}

#[test]
fn an_error_in_an_advanced_setting_opens_advanced_and_shows_next_to_its_field() {
    let mut form = EditorForm::add();
    form.name = "work".to_owned();
    form.url = "https://gis.example.com/portal".to_owned();
    form.client_id = "abc".to_owned();
    form.ca_file = "relative/ca.pem".to_owned();
    let mut harness = editor(form, &[]);
    harness.run();
    harness.get_by_label("Save").click();
    harness.run();
    assert!(harness.state().actions.is_empty(), "nothing saved");
    harness.get_by_label("CA file");
    harness.get_by_label_contains("relative path");
}
