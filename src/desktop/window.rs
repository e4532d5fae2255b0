//! The native window: title, application id and icon (from [`crate::identity`], shared with
//! `packaging/`), the size remembered in the settings (else a fixed default), the glow
//! renderer.

use eframe::egui;

pub use crate::identity::APP_ID;
use crate::identity::{APP_NAME, ICON_PNG};

/// The window's default inner size, in points.
pub const DEFAULT_SIZE: [f32; 2] = [1100.0, 720.0];

/// The window options; `size`: the inner size remembered from the last run, in points.
pub fn native_options(size: Option<[u32; 2]>) -> eframe::NativeOptions {
    // Remembered sizes are whole points within the settings' range: exact as f32.
    #[allow(clippy::cast_precision_loss)]
    let size = size.map_or(DEFAULT_SIZE, |[w, h]| [w as f32, h as f32]);
    let mut viewport = egui::ViewportBuilder::default()
        .with_title(APP_NAME)
        .with_app_id(APP_ID)
        .with_inner_size(size)
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
