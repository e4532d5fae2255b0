//! The first-run screen, shown while there is no profile: the four real choices, large and
//! plain. Each leads to the fewest questions: ArcGIS Online and "my organisation's site" open
//! the editor with only the address to give (Check finds the rest; a client ID is asked for
//! only when the method needs one, with help), the profile file opens *Import…*, and the demo
//! opens the built-in demo portal.

use eframe::egui::{self, RichText, Ui};

/// What the person chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstRunChoice {
    /// Sign in to ArcGIS Online.
    ArcgisOnline,
    /// Their organisation's portal or server, by any URL they use.
    Organisation,
    /// A team profile file from their administrator.
    ProfileFile,
    /// The built-in demo portal.
    Demo,
}

/// The choices, in order: label, one line of explanation.
pub const CHOICES: [(FirstRunChoice, &str, &str); 4] = [
    (
        FirstRunChoice::ArcgisOnline,
        "ArcGIS Online",
        "Your organisation's account on arcgis.com.",
    ),
    (
        FirstRunChoice::Organisation,
        "My organisation's portal or server",
        "Paste any address you use: a portal, a server, a map service or a web map.",
    ),
    (
        FirstRunChoice::ProfileFile,
        "Open a profile file from my administrator",
        "A .toml file that sets everything up for your organisation.",
    ),
    (
        FirstRunChoice::Demo,
        "Try the demo portal",
        "A practice portal on this computer, with an account ready to use.",
    ),
];

/// The line above the editor for the organisation's site.
pub const ORGANISATION_INTRO: &str = "Paste any address you use — a portal, a server, a map \
    service or a web map — and press Check: TokenDesk finds out how to sign in there.";

/// The line above the editor for ArcGIS Online.
pub const ONLINE_INTRO: &str = "Keep www.arcgis.com, or paste your organisation's address \
    (e.g. https://myorg.maps.arcgis.com), and press Check.";

/// Draws the screen; the choice made, if any.
pub fn first_run_ui(ui: &mut Ui) -> Option<FirstRunChoice> {
    let mut chosen = None;
    ui.add_space(16.0);
    ui.label(RichText::new("Welcome to TokenDesk").heading().strong());
    ui.label("Where do you sign in?");
    ui.add_space(12.0);
    let width = ui.available_width().min(520.0);
    for (choice, label, line) in CHOICES {
        let button = egui::Button::new(RichText::new(label).size(18.0).strong())
            .min_size(egui::vec2(width, 44.0));
        if ui.add(button).clicked() {
            chosen = Some(choice);
        }
        ui.label(RichText::new(line).weak());
        ui.add_space(10.0);
    }
    chosen
}
