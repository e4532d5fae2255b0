//! The selected profile's card, read from the top: the name, who is signed in (large), the
//! state in plain words, the access- and refresh-token deadlines as countdowns with progress
//! bars and the last renewal, the buttons Sign in / Sign out / Refresh now / Cancel; then,
//! small, what the profile is made of (site, address, sign-in method).

use chrono::{Local, TimeDelta};
use eframe::egui::{self, RichText};

use super::Command;
use super::countdown;
use super::countdown::{Deadline, Urgency};
use super::icons::kind_icon_ui;
use super::profile_list::counts_down;
use super::remedy::with_remedy;
use super::sign_in_wait::sign_in_wait_ui;
use super::theme::{bar_text_colour, state_colour, urgency_fill_colour};
use super::view::ProfileView;
use crate::arcgis::Instant;
use crate::engine::TokenState;
use crate::store::SignInMethod;

/// Draws the card of `view`; button presses go to `commands`.
pub fn profile_card_ui(
    ui: &mut egui::Ui,
    view: &ProfileView,
    now: Instant,
    commands: &mut Vec<Command>,
) {
    let profile = &view.profile;
    // Who and how it stands first, large; what the profile is made of after, small.
    ui.horizontal(|ui| {
        kind_icon_ui(ui, profile.kind(), 26.0);
        ui.heading(profile.name());
    });
    if let Some(user) = user_line(view) {
        ui.horizontal(|ui| {
            ui.label(RichText::new("Signed in as").weak());
            ui.label(RichText::new(user).size(17.0).strong());
        });
        let about: Vec<&str> = view
            .user
            .as_ref()
            .map(|u| {
                [u.role.as_deref(), u.organisation.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect()
            })
            .unwrap_or_default();
        if !about.is_empty() {
            ui.label(RichText::new(about.join(" · ")).weak());
        }
    }
    ui.add_space(8.0);

    let state = view.status.state.clone();
    if view.sign_in.is_none() {
        state_ui(ui, view, &state);
        ui.add_space(8.0);
    }

    if let Some(wait) = &view.sign_in {
        sign_in_wait_ui(ui, view.profile.id(), wait, now, commands);
    } else {
        if counts_down(&state) {
            deadlines_ui(ui, view, now);
            ui.add_space(8.0);
        }
        buttons_ui(ui, view, &state, commands);
    }
}

/// What the profile is made of, small, under everything else on the card.
pub fn profile_facts_ui(ui: &mut egui::Ui, view: &ProfileView) {
    let profile = &view.profile;
    ui.add_space(12.0);
    ui.separator();
    egui::Grid::new("profile-facts")
        .num_columns(2)
        .spacing([16.0, 4.0])
        .show(ui, |ui| {
            fact(ui, "Site", profile.kind().label());
            fact(ui, "Address", profile.url());
            fact(ui, "Sign-in method", profile.sign_in().label());
        });
}

fn fact(ui: &mut egui::Ui, name: &str, value: &str) {
    ui.label(RichText::new(name).weak().small());
    ui.label(RichText::new(value).small());
    ui.end_row();
}

/// "Demo Analyst (analyst)", or the user name alone.
fn user_line(view: &ProfileView) -> Option<String> {
    match (&view.user, &view.status.user) {
        (Some(user), _) => Some(match &user.full_name {
            Some(full) if !full.is_empty() => format!("{full} ({})", user.username),
            _ => user.username.clone(),
        }),
        (None, Some(name)) => Some(name.clone()),
        (None, None) => None,
    }
}

/// The state in plain words; a failure says what happened and what to do.
fn state_ui(ui: &mut egui::Ui, view: &ProfileView, state: &TokenState) {
    let headline = match state {
        TokenState::SignedOut => "Signed out. Press Sign in to get a token.".to_owned(),
        TokenState::Valid => "Signed in. The token is renewed before it expires.".to_owned(),
        other => format!("{}.", capitalised(&other.to_string())),
    };
    let dark = ui.visuals().dark_mode;
    ui.label(
        RichText::new(headline)
            .color(state_colour(state, dark))
            .strong(),
    );
    if let Some(details) = state.message() {
        ui.label(with_remedy(&details, state.remedy().as_ref()));
    }
    if let Some(error) = &view.sign_in_error {
        ui.colored_label(
            state_colour(
                &TokenState::Error {
                    message: String::new(),
                    remedy: None,
                },
                dark,
            ),
            format!("The last sign-in failed: {error}"),
        );
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Access- and refresh-token expiry as countdowns with progress bars, and the last renewal.
fn deadlines_ui(ui: &mut egui::Ui, view: &ProfileView, now: Instant) {
    let deadlines = &view.status.deadlines;
    egui::Grid::new("profile-deadlines")
        .num_columns(2)
        .spacing([16.0, 6.0])
        .show(ui, |ui| {
            if let Some(expires) = deadlines.access_expires_at {
                let start = deadlines.last_refresh_at.unwrap_or(now);
                let failing = matches!(view.status.state, TokenState::RefreshFailing { .. });
                let urgency =
                    countdown::urgency(Deadline::AccessToken, start, expires, now, failing);
                countdown_row(ui, "Access token", (start, expires, now), urgency);
            }
            if let Some(expires) = deadlines.refresh_expires_at {
                let minutes = i64::from(view.profile.expiration());
                let start = if minutes > 0 {
                    expires - TimeDelta::minutes(minutes)
                } else {
                    deadlines.last_refresh_at.unwrap_or(now)
                };
                let failing = matches!(view.status.state, TokenState::RefreshFailing { .. });
                let urgency =
                    countdown::urgency(Deadline::RefreshToken, start, expires, now, failing);
                countdown_row(ui, "Refresh token", (start, expires, now), urgency);
            }
            if let Some(at) = deadlines.last_refresh_at {
                ui.label(RichText::new("Last renewed").weak());
                ui.label(format!(
                    "{} ({} ago)",
                    at.with_timezone(&Local).format("%H:%M:%S"),
                    countdown::ago(at, now)
                ));
                ui.end_row();
            }
        });
}

/// A countdown with its progress bar, coloured by what it means (the words say it too, for
/// whoever does not see the colour).
fn countdown_row(
    ui: &mut egui::Ui,
    name: &str,
    (start, expires, now): (Instant, Instant, Instant),
    urgency: Urgency,
) {
    let left = countdown::remaining(expires, now);
    let dark = ui.visuals().dark_mode;
    let text = match urgency {
        Urgency::Plenty => format!("{left} left"),
        Urgency::Expired => "expired".to_owned(),
        other => format!("{left} left · {}", other.words()),
    };
    ui.label(RichText::new(name).weak());
    ui.add(
        egui::ProgressBar::new(countdown::fraction_left(start, expires, now))
            .desired_width(260.0)
            .fill(urgency_fill_colour(urgency, dark))
            .text(RichText::new(text).color(bar_text_colour(dark))),
    )
    .on_hover_text(format!(
        "expires {}",
        expires.with_timezone(&Local).format("%Y-%m-%d %H:%M:%S")
    ));
    ui.end_row();
}

fn buttons_ui(
    ui: &mut egui::Ui,
    view: &ProfileView,
    state: &TokenState,
    commands: &mut Vec<Command>,
) {
    let id = view.profile.id();
    let has_session = !matches!(state, TokenState::SignedOut);
    ui.horizontal(|ui| {
        let sign_in = if has_session {
            "Sign in again"
        } else {
            "Sign in"
        };
        if ui.button(sign_in).clicked() {
            commands.push(Command::SignIn(id.clone()));
        }
        if has_session && ui.button("Sign out").clicked() {
            commands.push(Command::SignOut(id.clone()));
        }
        // An API key is handed out as it is: there is nothing to renew.
        let renewable = view.profile.sign_in() != SignInMethod::ApiKey;
        if counts_down(state) && renewable && ui.button("Refresh now").clicked() {
            commands.push(Command::RefreshNow(id.clone()));
        }
    });
}
