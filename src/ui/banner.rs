//! The banners above everything: session-only mode (no keyring: said out loud, never a
//! silent fallback), demo mode, the keyring being opened, and notices until dismissed.

use eframe::egui::{self, RichText};

use super::view::{NoticeLevel, View};

/// Draws the banners; a dismissed notice's id is returned.
pub fn banner_ui(ui: &mut egui::Ui, view: &View) -> Option<u64> {
    if !view.ready {
        ui.horizontal(|ui| {
            super::theme::spinner(ui);
            ui.label("Opening the keyring… (your desktop may ask you to unlock it)");
        });
    }
    if let Some(why) = &view.session_only {
        let warn = ui.visuals().warn_fg_color;
        ui.label(
            RichText::new("Session-only mode: tokens are kept in memory only")
                .color(warn)
                .strong(),
        );
        ui.label(format!(
            "TokenDesk could not use the keyring, so sign-ins last until you close this window. \
             Why: {why}"
        ));
    }
    if let Some(demo) = &view.demo {
        ui.label(RichText::new("Demo mode").strong());
        ui.label(format!(
            "A local demo portal runs at {}. Nothing is kept after you close this window.",
            demo.portal_url
        ));
        for hint in &demo.hints {
            ui.label(RichText::new(hint).small());
        }
    }
    let mut dismissed = None;
    for notice in &view.notices {
        ui.horizontal(|ui| {
            let colour = match notice.level {
                NoticeLevel::Info => ui.visuals().text_color(),
                NoticeLevel::Error => ui.visuals().error_fg_color,
            };
            ui.colored_label(colour, &notice.text);
            if ui.small_button("Dismiss").clicked() {
                dismissed = Some(notice.id);
            }
        });
    }
    dismissed
}

/// Whether there is any banner to show (the panel is left out otherwise).
pub fn has_banner(view: &View) -> bool {
    !view.ready || view.session_only.is_some() || view.demo.is_some() || !view.notices.is_empty()
}
