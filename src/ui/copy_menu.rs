//! The copy menu of a profile with a valid token: one button for the preferred header, a
//! menu with every [`Format`], and the keyboard shortcuts (Ctrl+C the preferred header,
//! Ctrl+Shift+C the raw token). The host renders the format with `output::render` and puts
//! it on the clipboard through `output::clipboard`; nothing here touches the token.

use eframe::egui;
use eframe::egui::{Event, Key, RichText, Ui};

use crate::output::{Format, Issuer};
use crate::store::{PreferredHeader, Profile, ProfileId};

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
    let portal = profile.portal_url();
    let server = profile.server_url();
    let issuer = match (&portal, &server) {
        (Some(portal), _) => Some(Issuer::Portal(portal)),
        (None, Some(server)) => Some(Issuer::Server(server)),
        (None, None) => None,
    };
    Format::ALL
        .into_iter()
        .filter(|format| issuer.is_none_or(|issuer| format.applies_to(issuer)))
        .collect()
}

/// Draws "Copy <header>" and the "Copy as" menu for `profile`; `referer` is the Referer its
/// tokens are bound to, if any (every format then carries it, and the menu says so).
pub fn copy_menu_ui(ui: &mut Ui, profile: &Profile, referer: Option<&str>) -> Option<CopyRequest> {
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
    if let Some(referer) = referer {
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

/// The copy shortcut pressed this frame, if any: Ctrl+Shift+C the raw token, Ctrl+C the
/// `preferred` header. Ignored while a text field has the keyboard (Ctrl+C copies its
/// selection there). App-wide: the app calls it once per frame for the selected profile.
pub fn copy_shortcut(ctx: &egui::Context, preferred: PreferredHeader) -> Option<Format> {
    if ctx.egui_wants_keyboard_input() {
        return None;
    }
    ctx.input(|input| {
        input.events.iter().find_map(|event| match event {
            // egui-winit turns Ctrl+C into `Copy`; Ctrl+Shift+C stays a key press.
            Event::Copy => Some(Format::header(preferred)),
            Event::Key {
                key: Key::C,
                pressed: true,
                modifiers,
                ..
            } if modifiers.command && modifiers.shift && !modifiers.alt => Some(Format::Token),
            Event::Key {
                key: Key::C,
                pressed: true,
                modifiers,
                ..
            } if modifiers.command_only() => Some(Format::header(preferred)),
            _ => None,
        })
    })
}
