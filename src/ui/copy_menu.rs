//! The copy menu of a profile with a valid token: one button for the preferred header and a
//! menu with every [`Format`] (the keyboard shortcuts are in [`super::app`]). The host
//! renders the format with `output::render` and puts it on the clipboard through
//! `output::clipboard`; nothing here touches the token.

use eframe::egui::{RichText, Ui};

use crate::output::{Format, Issuer};
use crate::store::{Profile, ProfileId};

/// The person asked for `profile`'s token in `format`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyRequest {
    /// Whose token.
    pub profile: ProfileId,
    /// In which format.
    pub format: Format,
}

/// The formats offered for `profile`'s tokens, in menu order.
pub fn formats_for(profile: &Profile) -> Vec<Format> {
    let issuer = Issuer::of(profile);
    Format::ALL
        .into_iter()
        .filter(|format| {
            issuer
                .as_ref()
                .is_none_or(|issuer| format.applies_to(issuer))
        })
        .collect()
}

/// Draws "Copy <header>" and the "Copy as" menu for `profile`; when its tokens are bound to
/// a Referer, says that every copy carries it.
pub fn copy_menu_ui(ui: &mut Ui, profile: &Profile) -> Option<CopyRequest> {
    let mut chosen = None;
    ui.horizontal(|ui| {
        let header = Format::header(profile.header());
        if ui
            .button(format!("Copy {} header", profile.header().name()))
            .on_hover_text("Ctrl+C")
            .clicked()
        {
            chosen = Some(header);
        }
        ui.menu_button("Copy as…", |ui| {
            for format in formats_for(profile) {
                let mut button = ui.button(format.label());
                if format == Format::Token {
                    button = button.on_hover_text("Ctrl+Shift+C");
                }
                if button.clicked() {
                    chosen = Some(format);
                    ui.close();
                }
            }
        });
    });
    if let Some(referer) = profile.bound_referer() {
        ui.label(
            RichText::new(format!(
                "This token only works with Referer {referer}: every copy includes it."
            ))
            .small()
            .weak(),
        );
    }
    chosen.map(|format| CopyRequest {
        profile: profile.id().clone(),
        format,
    })
}
