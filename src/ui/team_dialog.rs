//! *Export…* and *Import…*: team profile files in the window (the format is
//! `crate::store::team_file`). Export picks profiles and a file; import takes a file, asks
//! the host what it would add (checked in full as `profile add` checks), shows that, and
//! imports on confirmation — replacing profiles of the same name only when ticked. Pure
//! drawing: the host reads and writes the files.

use std::path::PathBuf;

use eframe::egui::{self, Id, RichText, Ui};

use crate::store::ProfileId;

/// What the dialog asks the host to do (answered with [`TeamFileAnswer`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TeamFileCommand {
    /// Write these profiles to `file`.
    Export {
        /// The profiles, in the list's order.
        profiles: Vec<ProfileId>,
        /// Where.
        file: PathBuf,
    },
    /// Read `file` and say what importing it would do; nothing is written.
    Preview(PathBuf),
    /// Import `file` (all of its profiles or none).
    Import {
        /// The team file.
        file: PathBuf,
        /// Replace profiles of the same name.
        replace: bool,
    },
}

/// What an import would do, one line per profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportPreview {
    /// "work — ArcGIS Enterprise portal, browser sign-in, https://…", one per profile.
    pub lines: Vec<String>,
    /// The names that exist already.
    pub clashes: Vec<String>,
}

/// The host's answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TeamFileAnswer {
    /// The export finished: what was written, or why not.
    Exported(Result<String, String>),
    /// What importing `file` would do, or why it cannot be imported.
    Preview {
        /// The file read.
        file: PathBuf,
        /// The plan, or the reason (nothing was changed).
        result: Result<ImportPreview, String>,
    },
    /// The import finished: the profiles added, or why not (nothing was changed).
    Imported(Result<Vec<ProfileId>, String>),
}

/// The dialog's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TeamDialog {
    /// Exporting.
    Export {
        /// Ticked profiles.
        chosen: Vec<ProfileId>,
        /// The file path as typed.
        file: String,
        /// The outcome of the last try.
        outcome: Option<Result<String, String>>,
    },
    /// Importing.
    Import {
        /// The file path as typed.
        file: String,
        /// What the host said the file would add (for this path).
        preview: Option<(PathBuf, Result<ImportPreview, String>)>,
        /// Replace profiles of the same name.
        replace: bool,
        /// Why the import failed.
        failed: Option<String>,
        /// Waiting for the host.
        busy: bool,
    },
}

/// What the person did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TeamAction {
    /// Ask the host.
    Command(TeamFileCommand),
    /// Close the dialog.
    Close,
}

impl TeamDialog {
    /// Export, with every profile ticked.
    pub fn export(profiles: Vec<ProfileId>) -> Self {
        Self::Export {
            chosen: profiles,
            file: String::new(),
            outcome: None,
        }
    }

    /// Import, with an empty path.
    pub fn import() -> Self {
        Self::Import {
            file: String::new(),
            preview: None,
            replace: false,
            failed: None,
            busy: false,
        }
    }

    /// Folds the host's answer in; `Some` with the added profiles once an import is done
    /// (the dialog then closes).
    pub fn answer(&mut self, answer: TeamFileAnswer) -> Option<Vec<ProfileId>> {
        match (self, answer) {
            (Self::Export { outcome, .. }, TeamFileAnswer::Exported(result)) => {
                *outcome = Some(result);
                None
            }
            (Self::Import { preview, busy, .. }, TeamFileAnswer::Preview { file, result }) => {
                *preview = Some((file, result));
                *busy = false;
                None
            }
            (Self::Import { failed, busy, .. }, TeamFileAnswer::Imported(result)) => {
                *busy = false;
                match result {
                    Ok(added) => Some(added),
                    Err(message) => {
                        *failed = Some(message);
                        None
                    }
                }
            }
            _ => None,
        }
    }
}

/// Draws the dialog over `profiles` (id, name); the person's action, if any.
pub fn team_dialog_ui(
    ui: &mut Ui,
    dialog: &mut TeamDialog,
    profiles: &[(ProfileId, String)],
) -> Option<TeamAction> {
    let mut action = None;
    let modal = egui::Modal::new(Id::unique("team_file_dialog")).show(ui.ctx(), |ui| {
        ui.set_max_width(460.0);
        action = match dialog {
            TeamDialog::Export {
                chosen,
                file,
                outcome,
            } => export_ui(ui, chosen, file, outcome, profiles),
            TeamDialog::Import {
                file,
                preview,
                replace,
                failed,
                busy,
            } => import_ui(ui, file, preview, replace, failed, busy),
        };
    });
    if action.is_none() && modal.should_close() {
        action = Some(TeamAction::Close);
    }
    action
}

fn path_field(ui: &mut Ui, label: &str, file: &mut String) -> bool {
    let label = ui.label(label);
    let field = egui::TextEdit::singleline(file)
        .hint_text("/home/you/team-profiles.toml")
        .desired_width(f32::INFINITY);
    ui.add(field).labelled_by(label.id).changed()
}

fn export_ui(
    ui: &mut Ui,
    chosen: &mut Vec<ProfileId>,
    file: &mut String,
    outcome: &mut Option<Result<String, String>>,
    profiles: &[(ProfileId, String)],
) -> Option<TeamAction> {
    ui.heading("Export profiles");
    ui.label(
        "A team profile file holds the sites, sign-in methods, client IDs and CA certificates \
         of the profiles you tick — never a password, key, secret, token or user name. Hand it \
         to your team; each person imports it and signs in as themselves.",
    );
    ui.add_space(6.0);
    for (id, name) in profiles {
        let mut ticked = chosen.contains(id);
        if ui.checkbox(&mut ticked, name.as_str()).changed() {
            if ticked {
                chosen.push(id.clone());
            } else {
                chosen.retain(|c| c != id);
            }
        }
    }
    ui.add_space(6.0);
    if path_field(ui, "Save as (file path)", file) {
        *outcome = None;
    }
    match outcome {
        Some(Ok(done)) => {
            ui.label(
                RichText::new(done.as_str()).color(super::theme::state_colour(
                    &crate::engine::TokenState::Valid,
                    ui.visuals().dark_mode,
                )),
            );
        }
        Some(Err(why)) => {
            ui.colored_label(ui.visuals().error_fg_color, why.as_str());
        }
        None => {}
    }
    let mut action = None;
    ui.horizontal(|ui| {
        let ready = !chosen.is_empty() && !file.trim().is_empty();
        if ui.add_enabled(ready, egui::Button::new("Export")).clicked() {
            let ordered = profiles
                .iter()
                .filter(|(id, _)| chosen.contains(id))
                .map(|(id, _)| id.clone())
                .collect();
            action = Some(TeamAction::Command(TeamFileCommand::Export {
                profiles: ordered,
                file: PathBuf::from(file.trim()),
            }));
        }
        if ui.button("Close").clicked() {
            action = Some(TeamAction::Close);
        }
    });
    action
}

fn import_ui(
    ui: &mut Ui,
    file: &mut String,
    preview: &mut Option<(PathBuf, Result<ImportPreview, String>)>,
    replace: &mut bool,
    failed: &mut Option<String>,
    busy: &mut bool,
) -> Option<TeamAction> {
    ui.heading("Import a profile file");
    ui.label(
        "Your administrator may give you a TokenDesk profile file (.toml): it sets up the \
         profiles for your organisation's sites. Nothing is changed until you press Import.",
    );
    ui.add_space(6.0);
    if path_field(ui, "Profile file (file path)", file) {
        *preview = None;
        *failed = None;
    }
    let path = PathBuf::from(file.trim());
    let current = preview.as_ref().filter(|(shown, _)| *shown == path);
    let mut action = None;
    match current.map(|(_, result)| result) {
        None => {
            ui.horizontal(|ui| {
                let ready = !file.trim().is_empty() && !*busy;
                if ui
                    .add_enabled(ready, egui::Button::new("Show what it adds"))
                    .clicked()
                {
                    *busy = true;
                    action = Some(TeamAction::Command(TeamFileCommand::Preview(path.clone())));
                }
                if ui.button("Close").clicked() {
                    action = Some(TeamAction::Close);
                }
            });
        }
        Some(Err(why)) => {
            ui.colored_label(ui.visuals().error_fg_color, why.as_str());
            if ui.button("Close").clicked() {
                action = Some(TeamAction::Close);
            }
        }
        Some(Ok(plan)) => {
            ui.label(RichText::new("This file adds:").strong());
            for line in &plan.lines {
                ui.label(format!("• {line}"));
            }
            if !plan.clashes.is_empty() {
                ui.colored_label(
                    ui.visuals().warn_fg_color,
                    format!(
                        "You have a profile called {} already.",
                        plan.clashes.join(", ")
                    ),
                );
                ui.checkbox(
                    replace,
                    "Replace profiles of the same name (they keep their sign-in)",
                );
            }
            if let Some(why) = failed {
                ui.colored_label(ui.visuals().error_fg_color, why.as_str());
            }
            ui.horizontal(|ui| {
                let ready = (plan.clashes.is_empty() || *replace) && !*busy;
                if ui.add_enabled(ready, egui::Button::new("Import")).clicked() {
                    *busy = true;
                    action = Some(TeamAction::Command(TeamFileCommand::Import {
                        file: path.clone(),
                        replace: *replace,
                    }));
                }
                if ui.button("Close").clicked() {
                    action = Some(TeamAction::Close);
                }
            });
        }
    }
    action
}
