//! The native window: title, application id (the `.desktop` file's `StartupWMClass`),
//! a fixed default size (the Xvfb end-to-end test clicks by position), the glow renderer.

use eframe::egui;

/// The application id (Wayland app id, X11 WM_CLASS).
pub const APP_ID: &str = "io.github.tokendesk.TokenDesk";

/// The window's default inner size, in points.
pub const DEFAULT_SIZE: [f32; 2] = [1100.0, 720.0];

/// The window options.
pub fn native_options() -> eframe::NativeOptions {
    eframe::NativeOptions {
        renderer: eframe::Renderer::Glow,
        viewport: egui::ViewportBuilder::default()
            .with_title("TokenDesk")
            .with_app_id(APP_ID)
            .with_inner_size(DEFAULT_SIZE)
            .with_min_inner_size([720.0, 480.0]),
        ..Default::default()
    }
}
