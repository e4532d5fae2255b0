//! The look: the theme preference (system, light, dark) and the colours of the status badges.

use eframe::egui::{self, Color32};

use super::countdown::Urgency;
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

/// The colour of a state's badge and headline in the light or the dark theme: darker shades
/// on light, lighter ones on dark, each above a 4.5:1 contrast with egui's panel colours.
pub fn state_colour(state: &TokenState, dark: bool) -> Color32 {
    match (state, dark) {
        (TokenState::Valid, false) => Color32::from_rgb(0x1b, 0x6e, 0x34),
        (TokenState::Valid, true) => Color32::from_rgb(0x5c, 0xc8, 0x7c),
        (TokenState::Refreshing, false) => Color32::from_rgb(0x1c, 0x5a, 0xa6),
        (TokenState::Refreshing, true) => Color32::from_rgb(0x7c, 0xb4, 0xf5),
        (TokenState::RefreshFailing { .. }, false) => Color32::from_rgb(0x8f, 0x4e, 0x00),
        (TokenState::RefreshFailing { .. }, true) => Color32::from_rgb(0xf4, 0xb2, 0x4a),
        (TokenState::NeedsSignIn { .. } | TokenState::Error { .. }, false) => {
            Color32::from_rgb(0xa3, 0x1f, 0x1f)
        }
        (TokenState::NeedsSignIn { .. } | TokenState::Error { .. }, true) => {
            Color32::from_rgb(0xf2, 0x8b, 0x82)
        }
        (TokenState::SignedOut, false) => Color32::from_gray(90),
        (TokenState::SignedOut, true) => Color32::from_gray(170),
    }
}

/// The colour of a countdown's text (on the window's background) for what it means, in the
/// light or the dark theme: darker shades on light, lighter ones on dark, each well above a
/// 4.5:1 contrast with egui's panel colours.
pub fn urgency_text_colour(urgency: Urgency, dark: bool) -> Color32 {
    match (urgency, dark) {
        (Urgency::Plenty, false) => Color32::from_rgb(0x1b, 0x6e, 0x34),
        (Urgency::Plenty, true) => Color32::from_rgb(0x6f, 0xd3, 0x8c),
        (Urgency::RenewingSoon, false) => Color32::from_rgb(0x1c, 0x5a, 0xa6),
        (Urgency::RenewingSoon, true) => Color32::from_rgb(0x7c, 0xb4, 0xf5),
        (Urgency::ActNow, false) => Color32::from_rgb(0x8f, 0x4e, 0x00),
        (Urgency::ActNow, true) => Color32::from_rgb(0xf4, 0xb2, 0x4a),
        (Urgency::Expired, false) => Color32::from_rgb(0xa3, 0x1f, 0x1f),
        (Urgency::Expired, true) => Color32::from_rgb(0xf2, 0x8b, 0x82),
    }
}

/// The fill of a countdown's progress bar for what it means: light fills under the dark text
/// of the light theme, deep ones under the light text of the dark theme.
pub fn urgency_fill_colour(urgency: Urgency, dark: bool) -> Color32 {
    match (urgency, dark) {
        (Urgency::Plenty, false) => Color32::from_rgb(0xa8, 0xdd, 0xb5),
        (Urgency::Plenty, true) => Color32::from_rgb(0x1f, 0x6b, 0x3a),
        (Urgency::RenewingSoon, false) => Color32::from_rgb(0xb3, 0xd1, 0xf5),
        (Urgency::RenewingSoon, true) => Color32::from_rgb(0x23, 0x55, 0x94),
        (Urgency::ActNow, false) => Color32::from_rgb(0xf7, 0xd0, 0x8a),
        (Urgency::ActNow, true) => Color32::from_rgb(0x8a, 0x55, 0x0c),
        (Urgency::Expired, false) => Color32::from_rgb(0xf2, 0xb8, 0xb5),
        (Urgency::Expired, true) => Color32::from_rgb(0x8c, 0x25, 0x25),
    }
}

/// The text drawn on a countdown's bar: near-black on the light theme's fills, near-white
/// on the dark theme's (egui's own grey text would be faint on a coloured fill).
pub fn bar_text_colour(dark: bool) -> Color32 {
    if dark {
        Color32::from_gray(245)
    } else {
        Color32::from_gray(20)
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

#[cfg(test)]
mod urgency_colour_tests {
    use super::{urgency_fill_colour, urgency_text_colour};
    use crate::ui::countdown::Urgency;
    use eframe::egui::{Color32, Visuals};

    /// WCAG 2 contrast ratio of two colours.
    fn contrast(a: Color32, b: Color32) -> f32 {
        let luminance = |c: Color32| {
            let channel = |v: u8| {
                let v = f32::from(v) / 255.0;
                if v <= 0.039_28 {
                    v / 12.92
                } else {
                    ((v + 0.055) / 1.055).powf(2.4)
                }
            };
            0.2126 * channel(c.r()) + 0.7152 * channel(c.g()) + 0.0722 * channel(c.b())
        };
        let (x, y) = (luminance(a) + 0.05, luminance(b) + 0.05);
        x.max(y) / x.min(y)
    }

    const ALL: [Urgency; 4] = [
        Urgency::Plenty,
        Urgency::RenewingSoon,
        Urgency::ActNow,
        Urgency::Expired,
    ];

    #[test]
    fn countdown_colours_are_readable_in_the_light_and_the_dark_theme() {
        for (visuals, dark) in [(Visuals::light(), false), (Visuals::dark(), true)] {
            for urgency in ALL {
                let text = urgency_text_colour(urgency, dark);
                let on_panel = contrast(text, visuals.panel_fill);
                assert!(
                    on_panel >= 4.5,
                    "{urgency:?} text, dark={dark}: {on_panel:.2}"
                );
                let fill = urgency_fill_colour(urgency, dark);
                let on_bar = contrast(super::bar_text_colour(dark), fill);
                let on_track = contrast(super::bar_text_colour(dark), visuals.extreme_bg_color);
                assert!(on_track >= 4.5, "track, dark={dark}: {on_track:.2}");
                assert!(on_bar >= 4.5, "{urgency:?} bar, dark={dark}: {on_bar:.2}");
            }
        }
    }

    #[test]
    fn state_colours_are_readable_in_the_light_and_the_dark_theme() {
        use crate::engine::TokenState;
        let states = [
            TokenState::Valid,
            TokenState::Refreshing,
            TokenState::RefreshFailing {
                attempts: 1,
                next_retry_at: None,
                last_error: String::new(),
                remedy: None,
            },
            TokenState::Error {
                message: String::new(),
                remedy: None,
            },
            TokenState::SignedOut,
        ];
        for (visuals, dark) in [(Visuals::light(), false), (Visuals::dark(), true)] {
            for state in &states {
                let on_panel = contrast(super::state_colour(state, dark), visuals.panel_fill);
                assert!(on_panel >= 4.5, "{state:?}, dark={dark}: {on_panel:.2}");
            }
        }
    }

    #[test]
    fn each_meaning_has_its_own_colour() {
        for dark in [false, true] {
            let colours: std::collections::HashSet<_> = ALL
                .iter()
                .map(|u| urgency_text_colour(*u, dark).to_array())
                .collect();
            assert_eq!(colours.len(), 4);
        }
    }
}
