//! The app's settings (clipboard delay, refresh margin, theme) and their screen. They hold
//! no secret and persist through eframe's storage as JSON under [`Settings::STORAGE_KEY`].

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
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            clipboard_clear_secs: Self::DEFAULT_CLIPBOARD_CLEAR_SECS,
            refresh_margin_minutes: Self::DEFAULT_REFRESH_MARGIN_MINUTES,
            theme: ThemeChoice::System,
        }
    }
}

impl Settings {
    /// The key under which the settings are kept in eframe's storage.
    pub const STORAGE_KEY: &'static str = "tokendesk.settings";
    /// The default clipboard delay.
    pub const DEFAULT_CLIPBOARD_CLEAR_SECS: u32 = 30;
    /// The longest clipboard delay offered (10 minutes).
    pub const MAX_CLIPBOARD_CLEAR_SECS: u32 = 600;
    /// The default refresh margin (the engine's own: at most 5 minutes ahead).
    pub const DEFAULT_REFRESH_MARGIN_MINUTES: u32 = 5;
    /// The largest refresh margin offered.
    pub const MAX_REFRESH_MARGIN_MINUTES: u32 = 60;

    /// The settings kept in `storage`, or the defaults when there are none or they cannot
    /// be read (a warning is logged; the settings hold nothing worth stopping for).
    pub fn load(storage: Option<&dyn eframe::Storage>) -> Self {
        let Some(text) = storage.and_then(|s| s.get_string(Self::STORAGE_KEY)) else {
            return Self::default();
        };
        match serde_json::from_str::<Self>(&text) {
            Ok(settings) => settings.clamped(),
            Err(err) => {
                tracing::warn!(%err, "the saved settings could not be read; using the defaults");
                Self::default()
            }
        }
    }

    /// Keeps the settings in `storage`.
    pub fn save(&self, storage: &mut dyn eframe::Storage) {
        match serde_json::to_string(self) {
            Ok(text) => storage.set_string(Self::STORAGE_KEY, text),
            Err(err) => tracing::warn!(%err, "the settings could not be saved"),
        }
    }

    fn clamped(mut self) -> Self {
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
        });
    *settings != before
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use eframe::Storage as _;

    use super::*;

    #[derive(Default)]
    struct MapStorage(HashMap<String, String>);

    impl eframe::Storage for MapStorage {
        fn get_string(&self, key: &str) -> Option<String> {
            self.0.get(key).cloned()
        }
        fn set_string(&mut self, key: &str, value: String) {
            self.0.insert(key.to_owned(), value);
        }
        fn remove_string(&mut self, key: &str) {
            self.0.remove(key);
        }
        fn flush(&mut self) {}
    }

    #[test]
    fn settings_read_back_what_was_saved() {
        let mut storage = MapStorage::default();
        let settings = Settings {
            clipboard_clear_secs: 0,
            refresh_margin_minutes: 10,
            theme: ThemeChoice::Dark,
        };
        settings.save(&mut storage);
        assert_eq!(Settings::load(Some(&storage)), settings);
        assert!(storage.0[Settings::STORAGE_KEY].contains("\"dark\""));
    }

    #[test]
    fn missing_or_unreadable_settings_give_the_defaults() {
        assert_eq!(Settings::load(None), Settings::default());
        assert_eq!(Settings::default().clipboard_clear_secs, 30);
        let mut storage = MapStorage::default();
        storage.set_string(Settings::STORAGE_KEY, "{not json".into());
        assert_eq!(Settings::load(Some(&storage)), Settings::default());
        storage.set_string(Settings::STORAGE_KEY, r#"{"theme":"light"}"#.into());
        assert_eq!(Settings::load(Some(&storage)).theme, ThemeChoice::Light);
        assert_eq!(Settings::load(Some(&storage)).clipboard_clear_secs, 30);
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
