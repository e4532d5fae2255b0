//! The native window: title, application id and icon (from [`crate::identity`], shared with
//! `packaging/`), a fixed default size (the Xvfb end-to-end test clicks by position), the glow
//! renderer.

use eframe::egui;

pub use crate::identity::APP_ID;
use crate::identity::{APP_NAME, ICON_PNG};

/// The window's default inner size, in points.
pub const DEFAULT_SIZE: [f32; 2] = [1100.0, 720.0];

/// The window options.
pub fn native_options() -> eframe::NativeOptions {
    let mut viewport = egui::ViewportBuilder::default()
        .with_title(APP_NAME)
        .with_app_id(APP_ID)
        .with_inner_size(DEFAULT_SIZE)
        .with_min_inner_size([720.0, 480.0]);
    match eframe::icon_data::from_png_bytes(ICON_PNG) {
        Ok(icon) => viewport = viewport.with_icon(icon),
        // Only a broken build could get here; the window still opens, with the default icon.
        Err(err) => tracing::warn!("the built-in window icon could not be decoded: {err}"),
    }
    eframe::NativeOptions {
        renderer: eframe::Renderer::Glow,
        viewport,
        ..Default::default()
    }
}
