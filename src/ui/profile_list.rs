//! The left panel: one row per profile — kind icon, name, user, status badge and a live
//! countdown to the access token's expiry. Clicking a row selects the profile.

use eframe::egui::{self, RichText};

use super::countdown;
use super::icons::kind_icon_ui;
use super::theme::{SIGNING_IN_BADGE, busy_colour, state_badge, state_colour, urgency_text_colour};
use super::view::{ProfileView, View};
use crate::arcgis::Instant;
use crate::engine::TokenState;
use crate::store::ProfileId;

/// From how many profiles on the list has a filter box.
pub const FILTER_FROM: usize = 9;

/// The height of one row (two lines and the separator), fixed so that only the rows in view
/// are laid out: a thousand profiles cost what a screenful does.
const ROW_HEIGHT: f32 = 52.0;

/// Draws the list; a click changes `selected`. With more than eight profiles a filter box
/// above it keeps the rows whose name, address, user or kind holds `filter` (any case).
pub fn profile_list_ui(
    ui: &mut egui::Ui,
    view: &View,
    selected: &mut Option<ProfileId>,
    filter: &mut String,
    now: Instant,
) {
    ui.heading("Profiles");
    ui.add_space(4.0);
    if view.profiles.is_empty() {
        ui.label("No profiles yet.");
        return;
    }
    if view.profiles.len() >= FILTER_FROM {
        ui.horizontal(|ui| {
            let label = ui.label("Filter");
            let clear_width = if filter.is_empty() { 0.0 } else { 48.0 };
            let edit = egui::TextEdit::singleline(filter)
                .hint_text("name, address or user")
                .desired_width((ui.available_width() - clear_width).max(60.0));
            ui.add(edit)
                .labelled_by(label.id)
                .on_hover_text("Shows the profiles whose name, address, user or kind holds this");
            if !filter.is_empty()
                && ui
                    .small_button("Clear")
                    .on_hover_text("Clear the filter")
                    .clicked()
            {
                filter.clear();
            }
        });
        ui.add_space(4.0);
    } else {
        filter.clear();
    }
    let needle = filter.trim().to_lowercase();
    let shown: Vec<&ProfileView> = view
        .profiles
        .iter()
        .filter(|profile| needle.is_empty() || matches_filter(profile, &needle))
        .collect();
    if shown.is_empty() {
        ui.label(RichText::new(format!("No profile matches \"{}\".", filter.trim())).weak());
        return;
    }
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show_rows(ui, ROW_HEIGHT, shown.len(), |ui, rows| {
            for profile in &shown[rows] {
                let width = ui.available_width();
                ui.allocate_ui_with_layout(
                    egui::vec2(width, ROW_HEIGHT),
                    egui::Layout::top_down(egui::Align::Min),
                    |ui| {
                        ui.set_min_size(egui::vec2(width, ROW_HEIGHT));
                        ui.set_max_height(ROW_HEIGHT);
                        row_ui(ui, profile, selected, now);
                        ui.separator();
                    },
                );
            }
        });
}

/// Whether a profile's name, address, user or kind holds `needle` (lower case).
fn matches_filter(view: &ProfileView, needle: &str) -> bool {
    let profile = &view.profile;
    [
        Some(profile.name()),
        Some(profile.url()),
        view.status.user.as_deref(),
        Some(profile.kind().label()),
    ]
    .into_iter()
    .flatten()
    .any(|text| text.to_lowercase().contains(needle))
}

fn row_ui(ui: &mut egui::Ui, view: &ProfileView, selected: &mut Option<ProfileId>, now: Instant) {
    let id = view.profile.id();
    let is_selected = selected.as_ref() == Some(id);
    ui.horizontal(|ui| {
        kind_icon_ui(ui, view.profile.kind(), 18.0);
        let name = ui.selectable_label(is_selected, RichText::new(view.profile.name()).strong());
        if name.clicked() {
            *selected = Some(id.clone());
        }
    });
    ui.horizontal(|ui| {
        let state = &view.status.state;
        // A sign-in the window is waiting for wins over what the engine last said; it is
        // the window's own state (the engine knows of it only when it ends).
        let (badge, colour) = if view.sign_in.is_some() {
            (SIGNING_IN_BADGE, busy_colour())
        } else {
            (
                state_badge(state),
                state_colour(state, ui.visuals().dark_mode),
            )
        };
        ui.label(RichText::new(badge).color(colour).small());
        if let Some(user) = &view.status.user {
            ui.label(RichText::new(user).small().weak());
        }
        if let Some(deadline) = view.status.deadlines.access_expires_at
            && view.sign_in.is_none()
            && counts_down(state)
        {
            let start = view.status.deadlines.last_refresh_at.unwrap_or(now);
            let failing = matches!(state, TokenState::RefreshFailing { .. });
            let urgency = countdown::urgency(
                countdown::Deadline::AccessToken,
                start,
                deadline,
                now,
                failing,
            );
            let colour = urgency_text_colour(urgency, ui.visuals().dark_mode);
            ui.label(
                RichText::new(countdown::remaining(deadline, now))
                    .small()
                    .monospace()
                    .color(colour),
            )
            .on_hover_text(format!(
                "time left on the access token: {}",
                urgency.words()
            ));
        }
    });
}

/// Whether a state has a live token worth a countdown.
pub fn counts_down(state: &TokenState) -> bool {
    matches!(
        state,
        TokenState::Valid | TokenState::Refreshing | TokenState::RefreshFailing { .. }
    )
}
