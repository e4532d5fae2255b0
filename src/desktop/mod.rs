//! The desktop app's host: runs the engine on a tokio runtime (background threads), executes
//! the screens' [`crate::ui::Command`]s and sends [`crate::ui::Event`]s back, waking the
//! window with `request_repaint`. The screens ([`crate::ui`]) never do I/O themselves; the
//! host may use every layer below it (engine, store, auth, arcgis, output) and the `ui`
//! types it carries, never the `cli`.
//!
//! Files, lowest first (a file imports only files above it in this table; no two import
//! each other):
//!
//! | file              | purpose                                                              |
//! |-------------------|----------------------------------------------------------------------|
//! | [`autostart`]     | the XDG autostart entry that starts TokenDesk hidden at login         |
//! | `events`          | `Events`: the channel back to the window, which it wakes; notices    |
//! | [`settings_file`] | `settings.toml`: the app's settings, read before the window opens    |
//! | `window`          | the native window: title, app id, size, renderer                     |
//! | `clipboard`       | the clipboard service: copy with sensitive hints, clear after a delay |
//! | [`host_config`]   | [`HostConfig`]: where profiles and secrets come from; clock, browser, clipboard |
//! | `user_info`       | who is signed in: the user a sign-in read, or community/self; portals/self |
//! | `demo`            | `--demo`: the in-process demo portal and its ready-made profiles      |
//! | `handlers/`       | one file per concern: sign-in, profiles, probe, tokens, settings      |
//! | `dispatch`        | the async loop: secrets, profiles, one engine runner per profile; routes commands to handlers |
//! | [`notifications`] | desktop notifications before a person is needed, once per event       |
//! | [`single_instance`] | one window per user: a second `tokendesk` shows the first one's      |
//! | [`tray`]          | the tray icon (StatusNotifierItem): worst state, menu per profile     |
//! | [`host`]          | [`Host`]: the runtime, the command channel and the tray icon         |

pub mod autostart;
mod clipboard;
mod demo;
mod dispatch;
mod events;
mod handlers;
pub mod host;
pub mod host_config;
pub mod notifications;
pub mod settings_file;
pub mod single_instance;
pub mod tray;
mod user_info;
mod window;

use std::process::ExitCode;
use std::sync::Arc;

pub use clipboard::{ClipboardOpener, system_clipboard};
pub use host::Host;
pub use host_config::{HostConfig, KeyringOpener, SecretsChoice, Setup};
pub use window::{APP_ID, DEFAULT_SIZE, native_options};

use crate::auth::SystemBrowser;
use crate::clock::{Clock, SystemClock};
use crate::store::{MemoryStore, Paths};
use crate::ui::TokenDeskApp;
use crate::ui::settings::Settings;

/// Opens the window: the user's profiles over the OS keyring, or (`demo`) the built-in demo
/// portal with ready-made profiles in a throw-away directory and session memory.
pub fn run(demo: bool, hidden: bool) -> ExitCode {
    // One window per user (the demo is a world of its own and may run beside it).
    let instance = if demo {
        None
    } else {
        match single_instance::claim_or_show() {
            Ok(single_instance::Claim::Shown) => {
                eprintln!("TokenDesk is already running; its window was brought to the front.");
                return ExitCode::SUCCESS;
            }
            Ok(single_instance::Claim::First(instance)) => Some(instance),
            Err(err) => {
                tracing::warn!(%err, "going on without the single-instance lock");
                None
            }
        }
    };
    // The demo keeps its settings in its throw-away directory: it starts from the defaults.
    let (config, settings) = if demo {
        let config = HostConfig::new(
            Setup::Demo,
            SecretsChoice::Given(Arc::new(MemoryStore::new())),
        );
        (config, Settings::default())
    } else {
        match Paths::from_env() {
            Ok(paths) => {
                let mut settings = settings_file::load(&paths);
                settings.start_at_login =
                    autostart::default_dir().is_some_and(|dir| autostart::is_enabled(&dir));
                (
                    HostConfig {
                        tray: true,
                        notifications: true,
                        instance,
                        autostart_dir: autostart::default_dir(),
                        ..HostConfig::new(Setup::Profiles(paths), SecretsChoice::Keyring)
                    },
                    settings,
                )
            }
            Err(err) => {
                eprintln!("tokendesk: {err}");
                return ExitCode::from(1);
            }
        }
    };
    let result = eframe::run_native(
        "TokenDesk",
        native_options(settings.window_size),
        Box::new(move |cc| {
            let clock: Arc<dyn Clock> = Arc::new(SystemClock);
            let config = HostConfig {
                clock: Arc::clone(&clock),
                browser: Arc::new(SystemBrowser),
                ..config
            };
            let (host, events) = Host::start(config, cc.egui_ctx.clone())?;
            Ok(Box::new(
                TokenDeskApp::new(clock, Box::new(host), events)
                    .with_settings(settings)
                    .starting_hidden(hidden),
            ))
        }),
    );
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!(
                "tokendesk: could not open the window: {err}. Is a graphical session running \
                 (DISPLAY or WAYLAND_DISPLAY)? The command line works without one: see \
                 `tokendesk --help`."
            );
            ExitCode::from(1)
        }
    }
}

/// Whether a graphical session seems to be there (on Linux and the BSDs: `DISPLAY` or
/// `WAYLAND_DISPLAY`; elsewhere always).
pub fn display_available() -> bool {
    if cfg!(all(
        unix,
        not(any(
            target_os = "macos",
            target_os = "ios",
            target_os = "android"
        ))
    )) {
        ["DISPLAY", "WAYLAND_DISPLAY"]
            .iter()
            .any(|name| std::env::var_os(name).is_some_and(|v| !v.is_empty()))
    } else {
        true
    }
}
