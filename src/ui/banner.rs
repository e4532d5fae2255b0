//! The banners above everything: session-only mode (no keyring: said out loud, never a
//! silent fallback), demo mode, the keyring being opened; and the notices, in a strip at the
//! bottom of the window until they go or are dismissed — below everything, so a notice that
//! comes or goes never moves a button under the pointer.

use eframe::egui::{self, RichText};

use super::view::{NoticeLevel, View};

/// The demo banner's one line (the portal's address and the demo credentials are under
/// *Details*).
pub const DEMO_SENTENCE: &str =
    "Demo mode: a practice portal on this computer. Nothing is kept when TokenDesk closes.";

/// What session-only mode means for the person, in one sentence; the technical reason goes
/// under *Details*. The host's reason is text: the two cases that are a choice, not a
/// missing keyring, are told apart by the words the host uses for them.
pub fn session_only_sentence(why: &str) -> &'static str {
    if why.contains("memory tier was chosen") {
        "Sign-ins last until TokenDesk closes, because keeping them in memory only was chosen."
    } else if why.contains("encrypted-file tier was chosen") {
        "Sign-ins last until TokenDesk closes, because the encrypted secrets file cannot be \
         opened from the window."
    } else {
        "Sign-ins last until TokenDesk closes, because no keyring is running."
    }
}

/// Draws the banners.
pub fn banner_ui(ui: &mut egui::Ui, view: &View) {
    if !view.ready {
        ui.horizontal(|ui| {
            super::theme::spinner(ui);
            ui.label("Opening the keyring… (your desktop may ask you to unlock it)");
        });
    }
    if let Some(why) = &view.session_only {
        let warn = ui.visuals().warn_fg_color;
        ui.label(
            RichText::new(session_only_sentence(why))
                .color(warn)
                .strong(),
        );
        egui::CollapsingHeader::new("Details")
            .id_salt("session_only_details")
            .default_open(false)
            .show(ui, |ui| {
                ui.label(format!(
                    "TokenDesk keeps tokens in memory only (session-only mode). Why: {why}"
                ));
            });
    }
    if let Some(demo) = &view.demo {
        ui.label(DEMO_SENTENCE);
        egui::CollapsingHeader::new("Details")
            .id_salt("demo_details")
            .default_open(false)
            .show(ui, |ui| {
                ui.label(format!("The demo portal runs at {}.", demo.portal_url));
                for hint in &demo.hints {
                    ui.label(RichText::new(hint).small());
                }
            });
    }
}

/// Draws the notices, oldest first; a dismissed notice's id is returned.
pub fn notices_ui(ui: &mut egui::Ui, view: &View) -> Option<u64> {
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
    !view.ready || view.session_only.is_some() || view.demo.is_some()
}

#[cfg(test)]
mod tests {
    use super::session_only_sentence;

    #[test]
    fn a_missing_keyring_is_said_as_what_it_means_for_sign_ins() {
        let why = "Platform failure: zbus error: Failed to connect to address unix:path=/run/x";
        assert_eq!(
            session_only_sentence(why),
            "Sign-ins last until TokenDesk closes, because no keyring is running."
        );
    }

    #[test]
    fn a_chosen_memory_tier_is_not_blamed_on_the_keyring() {
        let why = "the memory tier was chosen (TOKENDESK_STORE or settings.toml)";
        assert!(!session_only_sentence(why).contains("keyring"));
    }
}
