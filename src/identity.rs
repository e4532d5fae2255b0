//! Who the desktop app is to the desktop: the app id that ties its window to the desktop entry,
//! the AppStream metainfo and the icon (Wayland `app_id`, X11 `WM_CLASS`), the window title, and
//! the window icon.
//!
//! `packaging/linux/` uses the same id for its file names and `Icon=` (`tests/packaging_files.rs`
//! checks that they agree). The desktop app sets it with `ViewportBuilder::with_app_id(APP_ID)`,
//! `with_title(APP_NAME)` and `with_icon(eframe::icon_data::from_png_bytes(ICON_PNG)?)`.
//!
//! eframe 0.37 hands the app id to Wayland only. On X11 the window class (`WM_CLASS`) is the
//! binary's name, `tokendesk` (winit's default), so the desktop entry says
//! `StartupWMClass=tokendesk`; `scripts/test-package` checks the installed app's window for both
//! its title and that class.

/// The reverse-DNS application id (desktop entry, metainfo, icon and window class name).
pub const APP_ID: &str = "io.github.tokendesk.TokenDesk";

/// The name people see: the window title and the desktop entry's `Name`.
pub const APP_NAME: &str = "TokenDesk";

/// The app icon as a 256 × 256 PNG (rendered from `assets/icons/tokendesk.svg`).
pub const ICON_PNG: &[u8] = include_bytes!("../assets/icons/tokendesk-256.png");
