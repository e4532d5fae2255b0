//! The per-profile activity log: what happened and when (sign-ins, renewals, errors), as
//! the host reports it ([`super::view::ActivityEntry`], kept in the profile's view). Never
//! holds a secret: the engine's and the host's messages carry none.

use chrono::{DateTime, Local, Utc};
use eframe::egui;
use eframe::egui::{RichText, Ui};

use super::view::ActivityEntry;

/// Draws `entries` (oldest first), newest on top, in a scroll area of at most `max_height`.
pub fn activity_log_ui(ui: &mut Ui, entries: &[ActivityEntry], max_height: f32) {
    if entries.is_empty() {
        ui.label(RichText::new("Nothing happened yet in this session.").weak());
        return;
    }
    egui::ScrollArea::vertical()
        .id_salt("activity_log")
        .max_height(max_height)
        .auto_shrink([false, true])
        .show(ui, |ui| {
            egui::Grid::new("activity_grid")
                .num_columns(2)
                .striped(true)
                .show(ui, |ui| {
                    for entry in entries.iter().rev() {
                        ui.label(RichText::new(local_time(entry.at)).monospace().weak());
                        ui.label(&entry.message);
                        ui.end_row();
                    }
                });
        });
}

/// `2026-11-22 14:03:07` in the local time zone.
fn local_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&Local)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}
