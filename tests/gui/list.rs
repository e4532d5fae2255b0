//! The profile list at scale and what the window remembers, on the real app with the host
//! played by the test: profiles and states go in as the host's events, the commands the
//! window sends are recorded.

use std::sync::Arc;
use std::sync::mpsc::{Sender, channel};

use chrono::{TimeDelta, Utc};
use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use tokendesk::clock::SystemClock;
use tokendesk::engine::{Deadlines, ProfileStatus, TokenState};
use tokendesk::store::{Profile, ProfileDraft, ProfileId, SignInMethod, SiteKind};
use tokendesk::ui::settings::Settings;
use tokendesk::ui::{Command, Event, NoticeLevel, TokenDeskApp};

use crate::common::gui::Sent;

/// The settings the window handed over last.
fn last_settings(sent: &Sent) -> Option<Settings> {
    sent.commands()
        .iter()
        .rev()
        .find_map(|command| match command {
            Command::ApplySettings(settings) => Some(settings.clone()),
            _ => None,
        })
}

fn profile(name: &str, url: &str) -> Profile {
    let mut draft = ProfileDraft::new(
        name,
        SiteKind::EnterprisePortal,
        url,
        SignInMethod::BrowserPkce,
    );
    draft.client_id = Some("app".to_owned());
    draft.validate(ProfileId::generate()).unwrap()
}

/// `count` profiles `portal-0001`…, every other one on `maps.example.org`.
fn profiles(count: usize) -> Vec<Profile> {
    (1..=count)
        .map(|i| {
            let host = if i % 2 == 0 {
                "maps.example.org"
            } else {
                "gis.example.com"
            };
            profile(&format!("portal-{i:04}"), &format!("https://{host}/portal"))
        })
        .collect()
}

/// The app with `list` signed in (30-minute tokens), `settings` as read from the file.
fn window(list: &[Profile], settings: Settings) -> (Harness<'static, TokenDeskApp>, Sent) {
    let (harness, sent, events) = window_with_events(list, settings);
    // What was sent stays to be read after the sender is gone.
    drop(events);
    (harness, sent)
}

/// [`window`], and the host's side of the events channel for more events.
fn window_with_events(
    list: &[Profile],
    settings: Settings,
) -> (Harness<'static, TokenDeskApp>, Sent, Sender<Event>) {
    let sent = Sent::default();
    let (events, received) = channel();
    feed(&events, list);
    let sink = sent.clone();
    let harness = Harness::builder()
        .with_size(egui::vec2(1000.0, 700.0))
        .build_eframe(move |cc| {
            cc.egui_ctx
                .all_styles_mut(|style| style.animation_time = 0.0);
            TokenDeskApp::new(Arc::new(SystemClock), Box::new(sink), received)
                .with_settings(settings)
        });
    (harness, sent, events)
}

fn feed(events: &Sender<Event>, list: &[Profile]) {
    events.send(Event::Ready { session_only: None }).unwrap();
    events.send(Event::Profiles(list.to_vec())).unwrap();
    let now = Utc::now();
    for (i, profile) in list.iter().enumerate() {
        let user = format!("analyst{i}");
        events
            .send(Event::Status {
                profile: profile.id().clone(),
                status: ProfileStatus {
                    state: TokenState::Valid,
                    user: Some(user),
                    deadlines: Deadlines {
                        access_expires_at: Some(now + TimeDelta::minutes(30)),
                        refresh_expires_at: Some(now + TimeDelta::days(14)),
                        last_refresh_at: Some(now),
                    },
                },
            })
            .unwrap();
    }
}

/// The profile names the list shows (its rows laid out this frame; the card's heading is a
/// label, a row's name a button).
fn names_shown(harness: &Harness<'static, TokenDeskApp>) -> Vec<String> {
    let mut names: Vec<String> = harness
        .query_all_by(|node| {
            node.role() == egui::accesskit::Role::Button
                && node.label().is_some_and(|l| l.starts_with("portal-"))
        })
        .filter_map(|node| node.accesskit_node().label())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Clears the filter box (when it holds something), types `text` into it and returns the
/// names then shown.
fn filter_by(harness: &mut Harness<'static, TokenDeskApp>, text: &str) -> Vec<String> {
    if harness.query_by_label("Clear").is_some() {
        harness.get_by_label("Clear").click();
        harness.run();
    }
    harness.get_by_label("Filter").focus();
    harness.run();
    harness.get_by_label("Filter").type_text(text);
    harness.run();
    names_shown(harness)
}

#[test]
fn eight_profiles_have_no_filter_box_and_nine_have_one() {
    let (mut harness, _) = window(&profiles(8), Settings::default());
    harness.run();
    assert!(harness.query_by_label("Filter").is_none());
    let (mut harness, _) = window(&profiles(9), Settings::default());
    harness.run();
    harness.get_by_label("Filter");
}

#[test]
fn the_filter_box_keeps_the_profiles_whose_name_address_or_user_holds_the_text() {
    let (mut harness, _) = window(&profiles(12), Settings::default());
    harness.run();
    assert_eq!(names_shown(&harness).len(), 12);

    assert_eq!(filter_by(&mut harness, "0011"), ["portal-0011"]);
    let shown = filter_by(&mut harness, "MAPS.example");
    assert_eq!(shown.len(), 6, "{shown:?}");
    assert!(
        shown
            .iter()
            .all(|name| name.ends_with(['0', '2', '4', '6', '8'])),
        "{shown:?}"
    );
    assert_eq!(filter_by(&mut harness, "analyst3"), ["portal-0004"]);
    assert!(filter_by(&mut harness, "nowhere").is_empty());
    harness.get_by_label_contains("No profile matches");
}

#[test]
fn a_thousand_profiles_lay_out_only_the_rows_in_view() {
    let (mut harness, _) = window(&profiles(1000), Settings::default());
    harness.run();
    let shown = names_shown(&harness);
    assert!(
        (5..40).contains(&shown.len()),
        "{} rows laid out: {:?}…",
        shown.len(),
        shown.first()
    );
    assert_eq!(shown[0], "portal-0001");
}

#[test]
fn the_selected_profile_and_the_window_size_are_kept_and_the_next_start_selects_it_again() {
    let list = profiles(3);
    let (mut harness, sent) = window(&list, Settings::default());
    harness.run();
    assert_eq!(harness.state().selected(), Some(list[0].id()));
    assert!(
        last_settings(&sent)
            .is_some_and(|s| s.selected_profile.is_none() && s.window_size.is_none()),
        "the starting selection and size are not written back"
    );
    harness.get_by_label("portal-0003").click();
    harness.run();
    assert_eq!(harness.state().selected(), Some(list[2].id()));
    let kept = last_settings(&sent).expect("the settings handed to the host");
    assert_eq!(
        kept.selected_profile.as_deref(),
        Some(list[2].id().as_str())
    );
    assert_eq!(
        kept.window_size, None,
        "the starting size is not written back"
    );
    // A resize right after the click is written a second after the click at the earliest.
    harness.set_size(egui::vec2(900.0, 640.0));
    let resized = sent.clone();
    assert!(
        crate::common::gui::step_until(&mut harness, move |_| {
            last_settings(&resized).is_some_and(|s| s.window_size.is_some())
        }),
        "the new size was never handed over"
    );
    let kept = last_settings(&sent).unwrap();
    assert_eq!(kept.window_size, Some([900, 640]), "a resized window is");
    assert_eq!(
        kept.selected_profile.as_deref(),
        Some(list[2].id().as_str())
    );

    // The next start, with the settings file as the host wrote it.
    let reread = Settings::from_toml(&kept.to_toml().unwrap());
    let (mut harness, _) = window(&list, reread);
    harness.run();
    assert_eq!(harness.state().selected(), Some(list[2].id()));
}

#[test]
fn a_remembered_profile_that_is_gone_leaves_the_first_selected() {
    let list = profiles(3);
    let settings = Settings {
        selected_profile: Some(ProfileId::generate().as_str().to_owned()),
        ..Settings::default()
    };
    let (mut harness, _) = window(&list, settings);
    harness.run();
    assert_eq!(harness.state().selected(), Some(list[0].id()));
}

#[test]
fn each_row_and_the_card_show_the_kind_of_site_as_a_drawing_named_for_screen_readers() {
    let list = vec![
        profile("portal-0001", "https://gis.example.com/portal"),
        profile("portal-0002", "https://maps.example.org/portal"),
    ];
    let (mut harness, _) = window(&list, Settings::default());
    harness.run();
    let drawings = harness
        .query_all_by(|node| {
            node.role() == egui::accesskit::Role::Image
                && node.label().as_deref() == Some("ArcGIS Enterprise portal")
        })
        .count();
    assert_eq!(drawings, 3, "two rows and the card");
}

/// Every button with a name, and where it is.
fn buttons(harness: &Harness<'static, TokenDeskApp>) -> Vec<(String, egui::Rect)> {
    let mut found: Vec<(String, egui::Rect)> = harness
        .query_all_by(|node| node.role() == egui::accesskit::Role::Button)
        .filter_map(|node| Some((node.accesskit_node().label()?, node.rect())))
        .filter(|(label, _)| label != "Dismiss")
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.min.y.total_cmp(&b.1.min.y)));
    found
}

#[test]
fn a_notice_that_comes_and_goes_moves_no_button_of_the_list_or_the_card() {
    let list = profiles(3);
    let (mut harness, _, events) = window_with_events(&list, Settings::default());
    harness.run();
    let before = buttons(&harness);
    assert!(
        before.iter().any(|(label, _)| label == "Sign in again")
            || before.iter().any(|(label, _)| label.starts_with("Copy")),
        "the card's buttons are there: {before:?}"
    );
    events
        .send(Event::Notice {
            level: NoticeLevel::Info,
            text: "Header copied for portal-0001".to_owned(),
        })
        .unwrap();
    harness.run();
    assert!(
        harness
            .query_by_label("Header copied for portal-0001")
            .is_some()
    );
    assert_eq!(buttons(&harness), before, "with the notice shown");
    harness.get_by_label("Dismiss").click();
    harness.run();
    assert!(
        harness
            .query_by_label("Header copied for portal-0001")
            .is_none()
    );
    assert_eq!(buttons(&harness), before, "after the notice went");
}
