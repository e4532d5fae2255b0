//! The "delete this profile?" confirmation: a modal that says what deleting does (sign out,
//! the profile's secrets removed from the keyring) and offers Delete or Cancel. Escape and
//! a click outside cancel.

use eframe::egui;
use eframe::egui::{Id, RichText, Ui};

/// What the person chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeleteChoice {
    /// Delete the profile.
    Delete,
    /// Keep it.
    Cancel,
}

/// Draws the confirmation for the profile `name`; `Some` once the person chose.
pub fn delete_confirm_ui(ui: &mut Ui, name: &str) -> Option<DeleteChoice> {
    let mut choice = None;
    let modal = egui::Modal::new(Id::unique("delete_profile_confirm")).show(ui.ctx(), |ui| {
        ui.set_max_width(380.0);
        ui.heading(format!("Delete profile {name}?"));
        ui.label(
            "TokenDesk signs this profile out (revoking its refresh token where the portal \
             allows) and removes its settings and its secrets from the keyring. This cannot be \
             undone.",
        );
        ui.add_space(8.0);
        ui.horizontal(|ui| {
            let delete = egui::Button::new(
                RichText::new(format!("Delete {name}")).color(ui.visuals().error_fg_color),
            );
            if ui.add(delete).clicked() {
                choice = Some(DeleteChoice::Delete);
            }
            if ui.button("Cancel").clicked() {
                choice = Some(DeleteChoice::Cancel);
            }
        });
    });
    if choice.is_none() && modal.should_close() {
        choice = Some(DeleteChoice::Cancel);
    }
    choice
}
