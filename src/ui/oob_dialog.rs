//! The out-of-band sign-in dialog: the portal shows a code after approval; the person
//! pastes it here. The code is handed to the host as a secret and the field is cleared.

use eframe::egui;

use super::Command;
use super::view::{SignInPhase, SignInWait};
use crate::secret::Secret;
use crate::store::ProfileId;

/// Draws the dialog while `wait` waits for a pasted code; `code` is the text field.
pub fn oob_dialog_ui(
    ctx: &egui::Context,
    profile: &ProfileId,
    wait: &SignInWait,
    code: &mut String,
    commands: &mut Vec<Command>,
) {
    if !(wait.out_of_band && wait.phase == SignInPhase::WaitingForCode) {
        return;
    }
    egui::Modal::new(egui::Id::unique("oob-dialog")).show(ctx, |ui| {
        ui.set_max_width(520.0);
        ui.heading("Paste the sign-in code");
        ui.label(
            "Open the sign-in page, sign in and approve TokenDesk. The portal then shows a code: \
             copy it and paste it here.",
        );
        if let Some(refused) = &wait.refused {
            ui.colored_label(ui.visuals().warn_fg_color, refused);
        }
        if let Some(url) = &wait.url {
            ui.horizontal(|ui| {
                if ui.button("Open sign-in page").clicked() {
                    commands.push(Command::OpenInBrowser(url.clone()));
                }
                if ui.button("Copy address").clicked() {
                    commands.push(Command::CopyPlainText(url.to_string()));
                }
            });
        }
        ui.add_space(6.0);
        let label = ui.label("Code from the portal");
        let field = ui
            .add(egui::TextEdit::singleline(code).desired_width(f32::INFINITY))
            .labelled_by(label.id);
        let entered = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        ui.add_space(6.0);
        ui.horizontal(|ui| {
            let submit = ui.add_enabled(!code.trim().is_empty(), egui::Button::new("Submit code"));
            if (submit.clicked() || entered) && !code.trim().is_empty() {
                commands.push(Command::SubmitPastedCode {
                    profile: profile.clone(),
                    code: Secret::new(std::mem::take(code)),
                });
            }
            if ui.button("Cancel").clicked() {
                code.clear();
                commands.push(Command::CancelSignIn(profile.clone()));
            }
        });
    });
}
