//! The settings the window chose: put in force (the engine's renewal margin, clipboard delay) and, when
//! they changed, written to `settings.toml` off the async threads.

use crate::desktop::clipboard::TokenClipboard;
use crate::desktop::events::{Events, notice_error};
use crate::desktop::settings_file;
use crate::engine::Engine;
use crate::store::Paths;
use crate::ui::settings::Settings;

/// Puts `chosen` in force; `current` holds the settings in force (`None` until the window
/// sends the ones it started with, read from the file: only a change is written back).
pub(in crate::desktop) fn apply(
    current: &mut Option<Settings>,
    chosen: Settings,
    engine: &Engine,
    clipboard: &TokenClipboard,
    paths: &Paths,
    autostart_dir: Option<&std::path::Path>,
    events: &Events,
) {
    engine.set_renewal_margin(chrono::TimeDelta::minutes(i64::from(
        chosen.refresh_margin_minutes,
    )));
    let delay = chosen
        .clipboard_clear_after()
        .unwrap_or(std::time::Duration::ZERO);
    clipboard.set_delay(delay);
    let changed = current.as_ref().is_some_and(|s| *s != chosen);
    let login_changed = current
        .as_ref()
        .is_some_and(|s| s.start_at_login != chosen.start_at_login);
    if let (true, Some(dir)) = (login_changed, autostart_dir) {
        set_autostart(dir.to_owned(), chosen.start_at_login, events.clone());
    }
    *current = Some(chosen.clone());
    if changed {
        save(paths.clone(), events.clone(), chosen);
    }
}

/// Writes or removes the autostart entry off the async threads; a failure is a notice.
fn set_autostart(dir: std::path::PathBuf, enabled: bool, events: Events) {
    tokio::spawn(async move {
        let shown = dir.display().to_string();
        let done = tokio::task::spawn_blocking(move || {
            let program = std::env::current_exe()?;
            crate::desktop::autostart::set(&dir, enabled, &program)
        })
        .await;
        let failure = match done {
            Ok(Ok(())) => return,
            Ok(Err(err)) => err.to_string(),
            Err(err) => err.to_string(),
        };
        notice_error(
            &events,
            format!(
                "Starting TokenDesk at login could not be {} in {shown}: {failure}. Check that \
                 the folder is writable.",
                if enabled { "set up" } else { "turned off" }
            ),
        );
    });
}

/// Writes the settings file off the async threads; a failure is a notice in the window
/// (the settings stay in force for this run).
fn save(paths: Paths, events: Events, settings: Settings) {
    tokio::spawn(async move {
        let file = paths.settings_file();
        let saved =
            tokio::task::spawn_blocking(move || settings_file::save(&paths, &settings)).await;
        let failure = match saved {
            Ok(Ok(())) => return,
            Ok(Err(err)) => err.to_string(),
            Err(err) => err.to_string(),
        };
        notice_error(
            &events,
            format!(
                "The settings could not be saved to {}: {failure}. They apply until TokenDesk \
                 closes; check that the folder is writable.",
                file.display()
            ),
        );
    });
}
