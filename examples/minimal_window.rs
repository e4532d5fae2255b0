//! The baseline for `scripts/bench-gui`: the smallest eframe window with the same renderer
//! (glow), features and size as TokenDesk's, showing one label and nothing else.
//!
//!     cargo run --release --example minimal_window

use eframe::egui;

struct Minimal;

impl eframe::App for Minimal {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        egui::CentralPanel::default().show(ui, |ui| {
            ui.label("A minimal eframe window");
        });
    }
}

fn main() -> eframe::Result {
    let options = eframe::NativeOptions {
        renderer: eframe::Renderer::Glow,
        viewport: egui::ViewportBuilder::default()
            .with_title("Minimal eframe window")
            .with_inner_size(tokendesk::desktop::DEFAULT_SIZE),
        ..Default::default()
    };
    eframe::run_native(
        "Minimal eframe window",
        options,
        Box::new(|_cc| Ok(Box::new(Minimal))),
    )
}
