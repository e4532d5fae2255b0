//! The left panel: one row per profile — kind icon, name, user, status badge and a live
//! countdown to the access token's expiry. Clicking a row selects the profile.

use eframe::egui::{self, RichText};

use super::countdown;
use super::theme::{SIGNING_IN_BADGE, busy_colour, state_badge, state_colour, urgency_text_colour};
use super::view::{ProfileView, View};
use crate::arcgis::Instant;
use crate::engine::TokenState;
use crate::store::{ProfileId, SiteKind};

/// The icon for a kind of site (glyphs the built-in fonts have without the emoji fonts).
pub fn kind_icon(kind: SiteKind) -> &'static str {
    match kind {
        SiteKind::ArcgisOnline => "◎",
        SiteKind::EnterprisePortal => "◆",
        SiteKind::ArcgisServer => "▣",
    }
}

/// Draws the list; a click changes `selected`.
pub fn profile_list_ui(
    ui: &mut egui::Ui,
    view: &View,
    selected: &mut Option<ProfileId>,
    now: Instant,
) {
    ui.heading("Profiles");
    ui.add_space(4.0);
    if view.profiles.is_empty() {
        ui.label("No profiles yet.");
        return;
    }
    egui::ScrollArea::vertical().show(ui, |ui| {
        for profile in &view.profiles {
            row_ui(ui, profile, selected, now);
            ui.separator();
        }
    });
}

fn row_ui(ui: &mut egui::Ui, view: &ProfileView, selected: &mut Option<ProfileId>, now: Instant) {
    let id = view.profile.id();
    let is_selected = selected.as_ref() == Some(id);
    ui.horizontal(|ui| {
        ui.label(
            RichText::new(kind_icon(view.profile.kind()))
                .monospace()
                .size(18.0),
        )
        .on_hover_text(view.profile.kind().label());
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
            (state_badge(state), state_colour(state))
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
