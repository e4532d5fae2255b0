//! Who the desktop app is to the desktop: the app id that ties its window to the desktop entry,
//! the AppStream metainfo and the icon (Wayland `app_id`, X11 `WM_CLASS`), the window title, and
//! the window icon.
//!
//! `packaging/linux/` uses the same id for its file names, `Icon=` and `StartupWMClass=`
//! (`tests/system/packaging.rs` checks that they agree). `crate::desktop::native_options` gives the
//! window this id (eframe sets it as the Wayland `app_id` and as the X11 `WM_CLASS` class), title
//! and icon; `scripts/test-package` checks the installed app's window title and class.

/// The reverse-DNS application id (desktop entry, metainfo, icon; Wayland app id, X11 class).
pub const APP_ID: &str = "io.github.tokendesk.TokenDesk";

/// The name people see: the window title and the desktop entry's `Name`.
pub const APP_NAME: &str = "TokenDesk";

/// The app icon as a 256 × 256 PNG (rendered from `assets/icons/tokendesk.svg`).
pub const ICON_PNG: &[u8] = include_bytes!("../assets/icons/tokendesk-256.png");
