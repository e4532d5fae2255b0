//! The look: the theme preference (system, light, dark) and the colours of the status badges.

use eframe::egui::{self, Color32};

use crate::engine::TokenState;

/// The theme a person chose in the settings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThemeChoice {
    /// Follow the operating system.
    #[default]
    System,
    /// Always light.
    Light,
    /// Always dark.
    Dark,
}

impl ThemeChoice {
    /// Every choice, in menu order.
    pub const ALL: [Self; 3] = [Self::System, Self::Light, Self::Dark];

    /// The name to show people.
    pub fn label(self) -> &'static str {
        match self {
            Self::System => "System",
            Self::Light => "Light",
            Self::Dark => "Dark",
        }
    }

    /// Makes egui use this theme.
    pub fn apply(self, ctx: &egui::Context) {
        ctx.set_theme(match self {
            Self::System => egui::ThemePreference::System,
            Self::Light => egui::ThemePreference::Light,
            Self::Dark => egui::ThemePreference::Dark,
        });
    }
}

/// The badge of a profile whose sign-in the window is waiting for.
pub const SIGNING_IN_BADGE: &str = "Signing in";

/// The colour of work under way (a sign-in, a renewal).
pub fn busy_colour() -> Color32 {
    Color32::from_rgb(0x2f, 0x7e, 0xd8)
}

/// The colour of a state's badge, readable on light and dark backgrounds.
pub fn state_colour(state: &TokenState) -> Color32 {
    match state {
        TokenState::Valid => Color32::from_rgb(0x2e, 0x9d, 0x4f),
        TokenState::Refreshing => busy_colour(),
        TokenState::RefreshFailing { .. } => Color32::from_rgb(0xd9, 0x8c, 0x1c),
        TokenState::NeedsSignIn { .. } | TokenState::Error { .. } => {
            Color32::from_rgb(0xd0, 0x3b, 0x3b)
        }
        TokenState::SignedOut => Color32::GRAY,
    }
}

/// A short badge text for a state (the list has little room; the card says more).
pub fn state_badge(state: &TokenState) -> &'static str {
    match state {
        TokenState::SignedOut => "Signed out",
        TokenState::Valid => "Signed in",
        TokenState::Refreshing => "Renewing",
        TokenState::RefreshFailing { .. } => "Retrying",
        TokenState::NeedsSignIn { .. } => "Sign-in needed",
        TokenState::Error { .. } => "Error",
    }
}

/// How often the spinner moves: ten frames a second while something waits, instead of
/// egui's spinner that redraws every frame (a full core under software rendering).
const SPINNER_STEP: std::time::Duration = std::time::Duration::from_millis(100);

/// A quiet spinner: a quarter-filled circle that turns, redrawn ten times a second.
pub fn spinner(ui: &mut egui::Ui) {
    const PHASES: [&str; 4] = ["◐", "◓", "◑", "◒"];
    let step = ui.input(|input| input.time) / SPINNER_STEP.as_secs_f64();
    // Truncation is the point: the phase index of the current step.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let phase = (step as u64 % 4) as usize;
    ui.label(egui::RichText::new(PHASES[phase]).monospace().size(16.0));
    ui.ctx().request_repaint_after(SPINNER_STEP);
}
