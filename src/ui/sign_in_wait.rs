//! A sign-in in progress: a spinner with the elapsed time, the sign-in address to copy or
//! open again (and why the browser did not open, when it did not), and Cancel.

use eframe::egui::{self, RichText};

use super::Command;
use super::countdown;
use super::view::{SignInPhase, SignInWait};
use crate::arcgis::Instant;
use crate::store::ProfileId;

/// Draws the wait; button presses go to `commands`.
pub fn sign_in_wait_ui(
    ui: &mut egui::Ui,
    profile: &ProfileId,
    wait: &SignInWait,
    now: Instant,
    commands: &mut Vec<Command>,
) {
    ui.horizontal(|ui| {
        super::theme::spinner(ui);
        ui.label(format!(
            "{} {}",
            phase_text(wait),
            countdown::elapsed(wait.started_at, now)
        ));
    });
    if let Some(reason) = &wait.browser_failed {
        ui.colored_label(
            ui.visuals().warn_fg_color,
            format!(
                "The browser did not open ({reason}). Open the address below in a browser yourself: \
                 copy it with the button."
            ),
        );
    }
    if let Some(refused) = &wait.refused {
        ui.colored_label(ui.visuals().warn_fg_color, refused);
    }
    if let Some(url) = &wait.url {
        ui.add_space(4.0);
        ui.label(RichText::new("Sign-in address").weak());
        ui.add(egui::Label::new(RichText::new(url.as_str()).monospace().small()).truncate())
            .on_hover_text(url.as_str());
    }
    ui.horizontal(|ui| {
        if let Some(url) = &wait.url {
            if ui.button("Copy address").clicked() {
                commands.push(Command::CopyPlainText(url.to_string()));
            }
            if ui.button("Open in browser").clicked() {
                commands.push(Command::OpenInBrowser(url.clone()));
            }
        }
        if ui.button("Cancel").clicked() {
            commands.push(Command::CancelSignIn(profile.clone()));
        }
    });
}

fn phase_text(wait: &SignInWait) -> &'static str {
    match wait.phase {
        SignInPhase::Starting => "Starting the sign-in…",
        SignInPhase::WaitingForBrowser => "Waiting for you to sign in in the browser…",
        SignInPhase::WaitingForCode => "Waiting for the code from the portal…",
        SignInPhase::Exchanging => "Signing in…",
        SignInPhase::ReadingUser => "Reading your user details…",
    }
}
