//! The desktop app's settings file, `settings.toml`: `Settings::from_toml` (what
//! `tokendesk::desktop::settings_file::load` does with the file's text), then writing the
//! settings back with `to_toml`.
//!
//! Checked besides "never panics": every value read is within the range the settings screen
//! offers; what is written reads back as the same settings.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tokendesk::ui::settings::Settings;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let settings = Settings::from_toml(text);
    assert!(settings.clipboard_clear_secs <= Settings::MAX_CLIPBOARD_CLEAR_SECS);
    assert!((1..=Settings::MAX_REFRESH_MARGIN_MINUTES).contains(&settings.refresh_margin_minutes));
    let written = settings.to_toml().expect("settings read cannot be written");
    assert_eq!(
        Settings::from_toml(&written),
        settings,
        "written:\n{written}"
    );
});
