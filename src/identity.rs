//! Who the desktop app is to the desktop: the app id that ties its window to the desktop entry,
//! the AppStream metainfo and the icon (Wayland `app_id`, X11 `WM_CLASS`), the window title, and
//! the window icon.
//!
//! `packaging/linux/` uses the same id for its file names and `Icon=` (`tests/packaging.rs`
//! checks that they agree). `crate::desktop::native_options` gives the window this id, title and
//! icon.
//!
//! eframe 0.37 hands the app id to Wayland only. On X11 the window class (`WM_CLASS`) is the
//! binary's name, `tokendesk` (winit's default), so the desktop entry says
//! `StartupWMClass=tokendesk`; `scripts/test-package` checks the installed app's window for both
//! its title and that class.

/// The reverse-DNS application id (desktop entry, metainfo, icon names; the Wayland app id).
pub const APP_ID: &str = "io.github.tokendesk.TokenDesk";

/// The name people see: the window title and the desktop entry's `Name`.
pub const APP_NAME: &str = "TokenDesk";

/// The app icon as a 256 × 256 PNG (rendered from `assets/icons/tokendesk.svg`).
pub const ICON_PNG: &[u8] = include_bytes!("../assets/icons/tokendesk-256.png");
