//! [`Screens`]: the state of the editor, the dialogs and the token tools around the profile
//! card (copy menu, reveal, clipboard line, activity log, secret prompt, settings), and
//! [`ScreenEvent`]: what the host answers to their commands. The app owns one `Screens` and
//! calls it from its layout; each screen's drawing lives in its own file.

use eframe::egui::{self, RichText, Ui};

use super::activity_log::activity_log_ui;
use super::clipboard_status::{ClipboardStatus, clipboard_status_ui};
use super::copy_menu::copy_menu_ui;
use super::delete_confirm::{DeleteChoice, delete_confirm_ui};
use super::editor::{EditorAction, editor_ui};
use super::editor_form::EditorForm;
use super::first_run::{FirstRunChoice, ONLINE_INTRO, ORGANISATION_INTRO, first_run_ui};
use super::reveal::{Reveal, reveal_ui};
use super::secret_prompt::{PromptAction, SecretPrompt, secret_prompt_ui};
use super::service_url::{ServiceUrlAction, ServiceUrlBox, service_url_ui};
use super::settings::{Settings, settings_ui};
use super::team_dialog::{TeamAction, TeamDialog, team_dialog_ui};
use super::view::{ProfileView, View};
use super::{Command, profile_list};
use crate::arcgis::Instant;
use crate::store::ProfileId;

pub use super::screen_event::ScreenEvent;

/// The state of the screens around the profile list and card.
#[derive(Debug, Default)]
pub struct Screens {
    /// The settings (the app applies and saves them).
    pub settings: Settings,
    editor: Option<EditorForm>,
    deleting: Option<(ProfileId, String)>,
    settings_open: bool,
    reveal: Reveal,
    clipboard: Option<ClipboardStatus>,
    prompt: Option<SecretPrompt>,
    select: Option<ProfileId>,
    service_url: ServiceUrlBox,
    team: Option<TeamDialog>,
}

impl Screens {
    /// Screens with these settings.
    pub fn new(settings: Settings) -> Self {
        Self {
            settings,
            ..Self::default()
        }
    }

    /// Whether the editor takes the central panel.
    pub fn editing(&self) -> bool {
        self.editor.is_some()
    }

    /// The profile to select, once (after one was saved).
    pub fn take_selection(&mut self) -> Option<ProfileId> {
        self.select.take()
    }

    /// Folds a host answer into the screens.
    pub fn apply(&mut self, event: ScreenEvent, now: Instant) {
        match event {
            ScreenEvent::ProbeFinished { url, result } => {
                if let Some(form) = &mut self.editor {
                    form.probe_finished(&url, result);
                }
            }
            ScreenEvent::CaFilePicked(Some(path)) => {
                if let Some(form) = &mut self.editor {
                    form.ca_file = path.display().to_string();
                    form.touch(super::editor_form::Field::CaFile);
                }
            }
            ScreenEvent::CaFilePicked(None) => {}
            ScreenEvent::ProfileSaved(id) => {
                self.editor = None;
                self.select = Some(id);
            }
            ScreenEvent::SaveFailed(message) => {
                if let Some(form) = &mut self.editor {
                    form.save_error = Some(message);
                }
            }
            ScreenEvent::TeamFile(answer) => {
                let added = self.team.as_mut().and_then(|dialog| dialog.answer(answer));
                if let Some(added) = added {
                    self.team = None;
                    self.select = added.into_iter().next();
                }
            }
            ScreenEvent::ServiceUrl { url, answer } => self.service_url.answer(&url, answer),
            ScreenEvent::Copied(status) => self.clipboard = Some(status),
            ScreenEvent::ClipboardDone => self.clipboard = None,
            ScreenEvent::Revealed { profile, token } => self.reveal.show(profile, token, now),
            ScreenEvent::CredentialSignIn { profile, result } => {
                let open = self
                    .prompt
                    .as_ref()
                    .is_some_and(|p| p.profile() == &profile);
                match (result, open) {
                    (Ok(()), true) => self.prompt = None,
                    (Err(message), true) => {
                        if let Some(prompt) = &mut self.prompt {
                            prompt.failed(message);
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    /// Opens *Import…* (the first-run screen's "profile file" choice too).
    pub fn open_import(&mut self) {
        self.team = Some(TeamDialog::import());
    }

    /// The buttons above the profile list: New profile, Import…, Export…, Settings.
    pub fn toolbar_ui(&mut self, ui: &mut Ui, view: &View) {
        ui.horizontal_wrapped(|ui| {
            if ui.button("New profile").clicked() {
                self.editor = Some(EditorForm::add());
            }
            if ui.button("Import…").clicked() {
                self.open_import();
            }
            let any = !view.profiles.is_empty();
            if ui.add_enabled(any, egui::Button::new("Export…")).clicked() {
                let all = view.profiles.iter().map(|p| p.profile.id().clone());
                self.team = Some(TeamDialog::export(all.collect()));
            }
            if ui.button("Settings").clicked() {
                self.settings_open = true;
            }
        });
    }

    /// The "token for a service URL" box (with the clipboard line when no card shows it).
    pub fn service_url_ui(&mut self, ui: &mut Ui, now: Instant, commands: &mut Vec<Command>) {
        egui::CollapsingHeader::new("Token for a service URL")
            .default_open(false)
            .show(ui, |ui| {
                let action = service_url_ui(ui, &mut self.service_url, now);
                match action {
                    Some(ServiceUrlAction::Find(url)) => {
                        commands.push(Command::FindServiceToken(url));
                    }
                    Some(ServiceUrlAction::Copy { url, format }) => {
                        commands.push(Command::CopyServiceToken { url, format });
                    }
                    None => {}
                }
            });
    }

    /// Sign-in of a credential method opens the secret prompt instead of going to the host
    /// (which needs what the person types).
    pub fn route(&mut self, commands: &mut Vec<Command>, view: &View) {
        commands.retain(|command| {
            let Command::SignIn(id) = command else {
                return true;
            };
            match view
                .profile(id)
                .and_then(|p| SecretPrompt::for_profile(&p.profile))
            {
                Some(prompt) => {
                    self.prompt = Some(prompt);
                    false
                }
                None => true,
            }
        });
    }

    /// The editor in the central panel (while [`Screens::editing`]).
    pub fn editor_ui(&mut self, ui: &mut Ui, view: &View, commands: &mut Vec<Command>) {
        let Some(form) = &mut self.editor else {
            return;
        };
        let editing = match &form.mode {
            super::editor_form::EditorMode::Edit(id) => Some(id.clone()),
            _ => None,
        };
        let taken: Vec<String> = view
            .profiles
            .iter()
            .filter(|p| Some(p.profile.id()) != editing.as_ref())
            .map(|p| p.profile.name().to_owned())
            .collect();
        let action = egui::ScrollArea::vertical()
            .show(ui, |ui| editor_ui(ui, form, &taken))
            .inner;
        match action {
            Some(EditorAction::Cancel) => self.editor = None,
            Some(EditorAction::Check { url, ca_file }) => {
                commands.push(Command::CheckSite { url, ca_file });
            }
            Some(EditorAction::PickCaFile) => commands.push(Command::PickCaFile),
            Some(EditorAction::OpenInBrowser(url)) => commands.push(Command::OpenInBrowser(url)),
            Some(EditorAction::CopyText(text)) => commands.push(Command::CopyPlainText(text)),
            Some(EditorAction::Save { mode, draft }) => {
                commands.push(Command::SaveProfile { mode, draft });
            }
            None => {}
        }
    }

    /// Under the profile card: edit/duplicate/delete, the copy menu and the token (when
    /// there is a valid one), the clipboard line, and the activity log.
    /// "Keep a header file": the setting, and the file's path with a copy button once written.
    fn header_file_ui(&mut self, ui: &mut Ui, view: &ProfileView, commands: &mut Vec<Command>) {
        let id = view.profile.id().as_str().to_owned();
        let mut keep = self.settings.header_files.contains(&id);
        let toggled = ui
            .checkbox(&mut keep, "Keep a header file")
            .on_hover_text(
                "A file that always holds a fresh header line, for GDAL_HTTP_HEADER_FILE \
                 and other tools; it goes when TokenDesk ends",
            )
            .changed();
        if toggled {
            if keep {
                self.settings.header_files.insert(id);
            } else {
                self.settings.header_files.remove(&id);
            }
            commands.push(Command::ApplySettings(self.settings.clone()));
        }
        if let Some(path) = view.header_file.as_ref().filter(|_| keep) {
            ui.horizontal(|ui| {
                let shown = path.display().to_string();
                ui.label(RichText::new(&shown).monospace().small());
                if ui.small_button("Copy path").clicked() {
                    commands.push(Command::CopyPlainText(shown));
                }
            });
        }
    }

    pub fn card_ui(
        &mut self,
        ui: &mut Ui,
        view: &ProfileView,
        all: &View,
        now: Instant,
        commands: &mut Vec<Command>,
    ) {
        let profile = &view.profile;
        // A token that has not expired; API keys without an expiry have no deadline.
        let live = profile_list::counts_down(&view.status.state)
            && view
                .status
                .deadlines
                .access_expires_at
                .is_none_or(|at| at > now);
        if live && view.sign_in.is_none() {
            ui.add_space(8.0);
            ui.label(RichText::new("Copy or reveal the token").strong());
            if let Some(request) = copy_menu_ui(ui, profile) {
                commands.push(Command::Copy {
                    profile: request.profile,
                    format: request.format,
                });
            }
            if let Some(request) = reveal_ui(ui, &mut self.reveal, profile.id(), now) {
                commands.push(Command::Reveal(request.0));
            }
            self.header_file_ui(ui, view, commands);
        } else {
            // Signed out or expired meanwhile: nothing to show, nothing to keep.
            self.reveal.hide();
        }
        if let Some(status) = &self.clipboard {
            clipboard_status_ui(ui, status, now);
        }
        ui.add_space(8.0);
        ui.horizontal(|ui| {
            if ui.button("Edit").clicked() {
                self.editor = Some(EditorForm::edit(profile));
            }
            if ui.button("Duplicate").clicked() {
                let taken: Vec<String> = all
                    .profiles
                    .iter()
                    .map(|p| p.profile.name().to_owned())
                    .collect();
                self.editor = Some(EditorForm::duplicate(profile, &taken));
            }
            if ui.button("Delete…").clicked() {
                self.deleting = Some((profile.id().clone(), profile.name().to_owned()));
            }
        });
        ui.add_space(8.0);
        egui::CollapsingHeader::new("Activity")
            .default_open(true)
            .show(ui, |ui| activity_log_ui(ui, &view.activity, 180.0));
    }

    /// The first-run screen (no profile yet): the four choices.
    pub fn first_run_ui(&mut self, ui: &mut Ui, commands: &mut Vec<Command>) {
        match first_run_ui(ui) {
            Some(FirstRunChoice::ArcgisOnline) => {
                self.editor = Some(EditorForm::guided(
                    crate::store::SiteKind::ArcgisOnline,
                    "https://www.arcgis.com",
                    ONLINE_INTRO,
                ));
            }
            Some(FirstRunChoice::Organisation) => {
                self.editor = Some(EditorForm::guided(
                    crate::store::SiteKind::EnterprisePortal,
                    "",
                    ORGANISATION_INTRO,
                ));
            }
            Some(FirstRunChoice::ProfileFile) => self.open_import(),
            Some(FirstRunChoice::Demo) => commands.push(Command::TryDemo),
            None => {}
        }
    }

    /// The team file dialog (*Export…*, *Import…*), when open.
    pub fn team_ui(&mut self, ui: &mut Ui, view: &View, commands: &mut Vec<Command>) {
        let Some(dialog) = &mut self.team else {
            return;
        };
        let profiles: Vec<_> = view
            .profiles
            .iter()
            .map(|p| (p.profile.id().clone(), p.profile.name().to_owned()))
            .collect();
        match team_dialog_ui(ui, dialog, &profiles) {
            Some(TeamAction::Command(command)) => commands.push(Command::TeamFile(command)),
            Some(TeamAction::Close) => self.team = None,
            None => {}
        }
    }

    /// The modal dialogs: delete confirmation, settings, secret prompt. Returns `true` when
    /// the settings changed (the app applies and saves them).
    pub fn dialogs_ui(&mut self, ui: &mut Ui, commands: &mut Vec<Command>) -> bool {
        if let Some((id, name)) = self.deleting.clone() {
            match delete_confirm_ui(ui, &name) {
                Some(DeleteChoice::Delete) => {
                    commands.push(Command::DeleteProfile(id));
                    self.deleting = None;
                }
                Some(DeleteChoice::Cancel) => self.deleting = None,
                None => {}
            }
        }
        if let Some(prompt) = &mut self.prompt {
            match secret_prompt_ui(ui, prompt) {
                Some(PromptAction::SignIn {
                    profile,
                    credentials,
                }) => commands.push(Command::SignInWith {
                    profile,
                    credentials,
                }),
                Some(PromptAction::Cancel) => self.prompt = None,
                None => {}
            }
        }
        let mut changed = false;
        if self.settings_open {
            let modal =
                egui::Modal::new(egui::Id::unique("settings_dialog")).show(ui.ctx(), |ui| {
                    ui.heading("Settings");
                    changed = settings_ui(ui, &mut self.settings);
                    ui.add_space(8.0);
                    ui.button("Close").clicked()
                });
            if modal.inner || modal.should_close() {
                self.settings_open = false;
            }
        }
        if changed {
            commands.push(Command::ApplySettings(self.settings.clone()));
        }
        changed
    }
}
