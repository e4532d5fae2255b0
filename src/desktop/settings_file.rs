//! The desktop app's settings file, `settings.toml` in the config directory: read once
//! before the window opens, written (atomically, mode 0600) by the host when a setting
//! changes. It never holds a secret; eframe's own storage is not used, so nothing of the
//! window's memory (text fields, dialogs) is ever written to disk.

use std::io;

use crate::store::{Paths, write_private_file};
use crate::ui::settings::Settings;

/// The saved settings, or the defaults when there is no file yet or it cannot be read (a
/// warning is logged, naming the file).
pub fn load(paths: &Paths) -> Settings {
    let file = paths.settings_file();
    match std::fs::read_to_string(&file) {
        Ok(text) => Settings::from_toml(&text),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Settings::default(),
        Err(err) => {
            tracing::warn!(file = %file.display(), %err, "the settings file could not be read; using the defaults");
            Settings::default()
        }
    }
}

/// Writes the settings file; blocking (call it off the async threads).
pub fn save(paths: &Paths, settings: &Settings) -> io::Result<()> {
    let text = settings.to_toml().map_err(io::Error::other)?;
    write_private_file(&paths.settings_file(), text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::theme::ThemeChoice;

    #[test]
    fn saved_settings_are_loaded_again_from_a_private_file() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::under(dir.path());
        assert_eq!(load(&paths), Settings::default());
        let settings = Settings {
            clipboard_clear_secs: 12,
            refresh_margin_minutes: 7,
            theme: ThemeChoice::Light,
            close_to_tray: false,
            start_at_login: false,
            header_files: Default::default(),
            store: None,
            window_size: Some([900, 600]),
            selected_profile: Some("0123456789abcdef0123456789abcdef".to_owned()),
        };
        save(&paths, &settings).unwrap();
        assert_eq!(load(&paths), settings);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(paths.settings_file())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn the_machines_choice_of_storage_tier_survives_the_window_saving_its_settings() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::under(dir.path());
        crate::store::tiers::save_machine_choice(&paths, Some(crate::store::StoreTier::Kernel))
            .unwrap();
        let mut settings = load(&paths);
        settings.refresh_margin_minutes = 9;
        save(&paths, &settings).unwrap();
        assert_eq!(
            crate::store::tiers::machine_choice(&paths).unwrap(),
            Some(crate::store::StoreTier::Kernel)
        );
        assert_eq!(load(&paths).refresh_margin_minutes, 9);
    }
}
