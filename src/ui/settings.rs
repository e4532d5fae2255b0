//! The app's settings (clipboard delay, refresh margin, theme) and their screen. They hold
//! no secret; the host keeps them as TOML in `settings.toml` in the config directory
//! (`desktop::settings_file`), written atomically with mode 0600 like every config file.

use eframe::egui;
use serde::{Deserialize, Serialize};

use super::theme::ThemeChoice;

/// The settings a person can change. No secret, by construction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Seconds after a copy when the clipboard is cleared (if it still holds our text);
    /// 0 = never.
    pub clipboard_clear_secs: u32,
    /// How long before expiry an access token is renewed, in minutes (short-lived tokens:
    /// when a fifth of their lifetime is left, if that is shorter).
    pub refresh_margin_minutes: u32,
    /// The colour theme.
    pub theme: ThemeChoice,
    /// Closing the window keeps TokenDesk renewing in the tray (when a tray is there);
    /// *Quit* in the tray's menu ends it.
    pub close_to_tray: bool,
    /// Start TokenDesk hidden in the tray at login (an autostart entry; its presence is the
    /// truth, so this is not saved in the settings file).
    #[serde(skip)]
    pub start_at_login: bool,
    /// The profiles (by id) whose header file TokenDesk keeps fresh.
    #[serde(default, skip_serializing_if = "std::collections::BTreeSet::is_empty")]
    pub header_files: std::collections::BTreeSet<String>,
    /// Where secrets are kept on this machine (`store = "kernel"`…; read by every TokenDesk
    /// process, written by `tokendesk store migrate`); kept as it is when the window saves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store: Option<crate::store::StoreTier>,
    /// The window's inner size when it was last resized, in whole points (width, height);
    /// the next start opens at this size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_size: Option<[u32; 2]>,
    /// The profile (by id) selected last; the next start selects it again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selected_profile: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            clipboard_clear_secs: Self::DEFAULT_CLIPBOARD_CLEAR_SECS,
            refresh_margin_minutes: Self::DEFAULT_REFRESH_MARGIN_MINUTES,
            theme: ThemeChoice::System,
            close_to_tray: true,
            start_at_login: false,
            header_files: Default::default(),
            store: None,
            window_size: None,
            selected_profile: None,
        }
    }
}

impl Settings {
    /// The default clipboard delay.
    pub const DEFAULT_CLIPBOARD_CLEAR_SECS: u32 = 30;
    /// The longest clipboard delay offered (10 minutes).
    pub const MAX_CLIPBOARD_CLEAR_SECS: u32 = 600;
    /// The default refresh margin (the engine's own: at most 5 minutes ahead).
    pub const DEFAULT_REFRESH_MARGIN_MINUTES: u32 = 5;
    /// The largest refresh margin offered.
    pub const MAX_REFRESH_MARGIN_MINUTES: u32 = 60;

    /// The settings in `text` (the settings file), or the defaults when it cannot be read
    /// (a warning is logged; the settings hold nothing worth stopping for). Settings left
    /// out take their defaults; values out of range are brought into it.
    pub fn from_toml(text: &str) -> Self {
        match toml::from_str::<Self>(text) {
            Ok(settings) => settings.clamped(),
            Err(err) => {
                tracing::warn!(%err, "the saved settings could not be read; using the defaults");
                Self::default()
            }
        }
    }

    /// The settings as the settings file holds them.
    pub fn to_toml(&self) -> Result<String, toml::ser::Error> {
        Ok(format!(
            "# TokenDesk desktop app settings (no secrets). Written by the app; safe to edit.\n{}",
            toml::to_string(self)?
        ))
    }

    /// The smallest and largest window size remembered, in points.
    pub const WINDOW_SIZE_RANGE: ([u32; 2], [u32; 2]) = ([720, 480], [8192, 8192]);

    fn clamped(mut self) -> Self {
        let ([min_w, min_h], [max_w, max_h]) = Self::WINDOW_SIZE_RANGE;
        self.window_size = self
            .window_size
            .map(|[w, h]| [w.clamp(min_w, max_w), h.clamp(min_h, max_h)]);
        self.clipboard_clear_secs = self
            .clipboard_clear_secs
            .min(Self::MAX_CLIPBOARD_CLEAR_SECS);
        self.refresh_margin_minutes = self
            .refresh_margin_minutes
            .clamp(1, Self::MAX_REFRESH_MARGIN_MINUTES);
        self
    }

    /// The clipboard delay as a duration; `None` = never cleared.
    pub fn clipboard_clear_after(&self) -> Option<std::time::Duration> {
        (self.clipboard_clear_secs > 0)
            .then(|| std::time::Duration::from_secs(u64::from(self.clipboard_clear_secs)))
    }
}

/// Draws the settings; `true` when one changed (the host applies and saves them).
pub fn settings_ui(ui: &mut egui::Ui, settings: &mut Settings) -> bool {
    let before = settings.clone();
    egui::Grid::new("settings")
        .num_columns(2)
        .spacing([12.0, 8.0])
        .show(ui, |ui| {
            let label = ui.label("Clear the clipboard after");
            ui.vertical(|ui| {
                ui.add(
                    egui::DragValue::new(&mut settings.clipboard_clear_secs)
                        .range(0..=Settings::MAX_CLIPBOARD_CLEAR_SECS)
                        .suffix(" s"),
                )
                .labelled_by(label.id);
                let note = if settings.clipboard_clear_secs == 0 {
                    "0 = never: a copied token stays on the clipboard".to_owned()
                } else {
                    "only if the clipboard still holds what TokenDesk put there".to_owned()
                };
                ui.label(egui::RichText::new(note).small().weak());
            });
            ui.end_row();

            let label = ui.label("Renew a token before it expires by");
            ui.vertical(|ui| {
                ui.add(
                    egui::DragValue::new(&mut settings.refresh_margin_minutes)
                        .range(1..=Settings::MAX_REFRESH_MARGIN_MINUTES)
                        .suffix(" min"),
                )
                .labelled_by(label.id);
                ui.label(
                    egui::RichText::new(
                        "or when a fifth of its lifetime is left, if that is shorter",
                    )
                    .small()
                    .weak(),
                );
            });
            ui.end_row();

            ui.label("Theme");
            ui.horizontal(|ui| {
                for theme in ThemeChoice::ALL {
                    ui.radio_value(&mut settings.theme, theme, theme.label());
                }
            });
            ui.end_row();

            ui.label("Closing the window");
            ui.vertical(|ui| {
                ui.checkbox(
                    &mut settings.close_to_tray,
                    "Keeps TokenDesk renewing in the tray",
                );
                ui.label(
                    egui::RichText::new("when a tray is there; Quit in the tray's menu ends it")
                        .small()
                        .weak(),
                );
            });
            ui.end_row();

            ui.label("At login");
            ui.checkbox(
                &mut settings.start_at_login,
                "Start TokenDesk hidden in the tray",
            );
            ui.end_row();
        });
    *settings != before
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_remembered_window_size_out_of_range_is_brought_into_it() {
        let tiny = Settings::from_toml("window_size = [10, 10]\n");
        assert_eq!(tiny.window_size, Some([720, 480]));
        let huge = Settings::from_toml("window_size = [100000, 900]\n");
        assert_eq!(huge.window_size, Some([8192, 900]));
    }

    #[test]
    fn settings_read_back_what_was_written() {
        let settings = Settings {
            clipboard_clear_secs: 0,
            refresh_margin_minutes: 10,
            theme: ThemeChoice::Dark,
            close_to_tray: false,
            start_at_login: false,
            header_files: Default::default(),
            store: None,
            window_size: Some([1280, 800]),
            selected_profile: Some("0123456789abcdef0123456789abcdef".to_owned()),
        };
        let text = settings.to_toml().unwrap();
        assert!(text.contains("theme = \"dark\""), "{text}");
        assert_eq!(Settings::from_toml(&text), settings);
    }

    #[test]
    fn missing_or_unreadable_settings_give_the_defaults() {
        assert_eq!(Settings::from_toml(""), Settings::default());
        assert_eq!(Settings::default().clipboard_clear_secs, 30);
        assert_eq!(Settings::from_toml("{not toml"), Settings::default());
        let partial = Settings::from_toml("theme = \"light\"");
        assert_eq!(partial.theme, ThemeChoice::Light);
        assert_eq!(partial.clipboard_clear_secs, 30);
    }

    #[test]
    fn values_out_of_range_are_brought_into_it() {
        let settings =
            Settings::from_toml("clipboard_clear_secs = 99999\nrefresh_margin_minutes = 0");
        assert_eq!(
            settings.clipboard_clear_secs,
            Settings::MAX_CLIPBOARD_CLEAR_SECS
        );
        assert_eq!(settings.refresh_margin_minutes, 1);
    }

    #[test]
    fn a_zero_delay_means_the_clipboard_is_never_cleared() {
        let mut settings = Settings::default();
        assert_eq!(
            settings.clipboard_clear_after(),
            Some(std::time::Duration::from_secs(30))
        );
        settings.clipboard_clear_secs = 0;
        assert_eq!(settings.clipboard_clear_after(), None);
    }
}
