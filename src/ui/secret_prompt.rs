//! The sign-in prompt of the credential methods: the API key (with its expiry date when the
//! person knows it), the client secret of app credentials, or the user name and password
//! (with "remember password"). Typed text is masked, handed over once as
//! [`Credentials`] (secrets in [`Secret`]s) and cleared from the form at once.

use chrono::NaiveDate;
use eframe::egui;
use eframe::egui::{RichText, Ui};

use crate::engine::Credentials;
use crate::secret::Secret;
use crate::store::{Profile, ProfileId, SignInMethod};

/// The prompt's state while it is open. Holds what is typed until Sign in or Cancel. Its
/// `Debug` leaves the typed secret out.
pub struct SecretPrompt {
    profile: ProfileId,
    profile_name: String,
    method: SignInMethod,
    /// The user name is asked because the profile has none.
    ask_username: bool,
    username: String,
    secret: String,
    expires_on: String,
    remember: bool,
    error: Option<String>,
    /// A sign-in with these credentials is under way (the host answers with
    /// [`SecretPrompt::failed`] or closes the prompt).
    pending: bool,
    /// The first field still has to take the keyboard focus.
    focus_first: bool,
}

/// What the person did in the prompt.
#[derive(Debug)]
pub enum PromptAction {
    /// Sign `profile` in with these credentials.
    SignIn {
        /// The profile.
        profile: ProfileId,
        /// What was entered.
        credentials: Credentials,
    },
    /// Close the prompt.
    Cancel,
}

impl std::fmt::Debug for SecretPrompt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretPrompt")
            .field("profile", &self.profile)
            .field("profile_name", &self.profile_name)
            .field("method", &self.method)
            .field("username", &self.username)
            .field("secret", &"[redacted]")
            .field("pending", &self.pending)
            .finish_non_exhaustive()
    }
}

impl SecretPrompt {
    /// A prompt for `profile`, or `None` when its method takes no typed secret (OAuth).
    pub fn for_profile(profile: &Profile) -> Option<Self> {
        let method = profile.sign_in();
        if !matches!(
            method,
            SignInMethod::ApiKey
                | SignInMethod::AppCredentials
                | SignInMethod::PortalPassword
                | SignInMethod::ServerPassword
        ) {
            return None;
        }
        Some(Self {
            profile: profile.id().clone(),
            profile_name: profile.name().to_owned(),
            method,
            ask_username: method.uses_password() && profile.username().is_none(),
            username: String::new(),
            secret: String::new(),
            expires_on: String::new(),
            remember: false,
            error: None,
            pending: false,
            focus_first: true,
        })
    }

    /// The profile the prompt is for.
    pub fn profile(&self) -> &ProfileId {
        &self.profile
    }

    /// The sign-in failed (wrong password, refused key…): show why and let the person try
    /// again. The message never holds the secret.
    pub fn failed(&mut self, message: String) {
        self.pending = false;
        self.error = Some(message);
    }

    fn secret_label(&self) -> &'static str {
        match self.method {
            SignInMethod::ApiKey => "API key",
            SignInMethod::AppCredentials => "Client secret",
            _ => "Password",
        }
    }

    /// The credentials typed, or what is missing. Clears the typed secret on success.
    fn take(&mut self) -> Result<Credentials, String> {
        if self.secret.is_empty() {
            return Err(format!("Enter the {}.", self.secret_label().to_lowercase()));
        }
        if self.ask_username && self.username.trim().is_empty() {
            return Err("Enter the user name.".to_owned());
        }
        let credentials = match self.method {
            SignInMethod::ApiKey => Credentials::ApiKey {
                key: Secret::new(self.secret.trim().to_owned()),
                expires_on: parse_date(&self.expires_on)?,
            },
            SignInMethod::AppCredentials => {
                Credentials::ClientSecret(Secret::new(self.secret.trim().to_owned()))
            }
            _ => Credentials::Password {
                username: self.ask_username.then(|| self.username.trim().to_owned()),
                password: Secret::new(self.secret.clone()),
                remember: self.remember,
            },
        };
        self.secret.clear();
        Ok(credentials)
    }
}

fn parse_date(text: &str) -> Result<Option<NaiveDate>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| {
            format!(
                "`{text}` is not a date: give the key's last day as YYYY-MM-DD, or leave it empty"
            )
        })
}

/// Draws the prompt as a modal window.
pub fn secret_prompt_ui(ui: &mut Ui, prompt: &mut SecretPrompt) -> Option<PromptAction> {
    let mut action = None;
    let modal = egui::Modal::new(egui::Id::unique("secret_prompt")).show(ui.ctx(), |ui| {
        ui.set_max_width(420.0);
        ui.heading(format!("Sign in to {}", prompt.profile_name));
        ui.label(RichText::new(format!("Sign-in method: {}", prompt.method.label())).weak());
        ui.add_space(6.0);
        egui::Grid::new("secret_prompt_grid")
            .num_columns(2)
            .spacing([12.0, 8.0])
            .show(ui, |ui| fields_ui(ui, prompt));
        if let Some(error) = &prompt.error {
            ui.label(RichText::new(error).color(ui.visuals().error_fg_color));
        }
        ui.add_space(6.0);
        ui.horizontal(|ui| {
            let sign_in = ui.add_enabled(!prompt.pending, egui::Button::new("Sign in"));
            let enter = ui.input(|input| input.key_pressed(egui::Key::Enter));
            if sign_in.clicked() || (enter && !prompt.pending) {
                match prompt.take() {
                    Ok(credentials) => {
                        prompt.pending = true;
                        prompt.error = None;
                        action = Some(PromptAction::SignIn {
                            profile: prompt.profile.clone(),
                            credentials,
                        });
                    }
                    Err(message) => prompt.error = Some(message),
                }
            }
            if ui.button("Cancel").clicked() {
                action = Some(PromptAction::Cancel);
            }
            if prompt.pending {
                super::theme::spinner(ui);
            }
        });
    });
    if action.is_none() && modal.should_close() && !prompt.pending {
        action = Some(PromptAction::Cancel);
    }
    if matches!(action, Some(PromptAction::Cancel)) {
        prompt.secret.clear();
    }
    action
}

fn fields_ui(ui: &mut Ui, prompt: &mut SecretPrompt) {
    let focus_first = std::mem::take(&mut prompt.focus_first);
    if prompt.ask_username {
        let label = ui.label("User name");
        let edit = ui
            .text_edit_singleline(&mut prompt.username)
            .labelled_by(label.id);
        if focus_first {
            edit.request_focus();
        }
        ui.end_row();
    }
    let label = ui.label(prompt.secret_label());
    let edit = ui
        .add(egui::TextEdit::singleline(&mut prompt.secret).password(true))
        .labelled_by(label.id);
    if focus_first && !prompt.ask_username {
        edit.request_focus();
    }
    ui.end_row();
    match prompt.method {
        SignInMethod::ApiKey => {
            let label = ui.label("Expires on (optional)");
            ui.add(egui::TextEdit::singleline(&mut prompt.expires_on).hint_text("YYYY-MM-DD"))
                .labelled_by(label.id);
            ui.end_row();
        }
        SignInMethod::PortalPassword | SignInMethod::ServerPassword => {
            ui.label("");
            ui.checkbox(&mut prompt.remember, "Remember password")
                .on_hover_text(
                    "Keep the password in the system keyring so TokenDesk can get a new token \
                     before this one expires. Otherwise you are asked again at expiry.",
                );
            ui.end_row();
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{ProfileDraft, SiteKind};

    #[test]
    fn the_prompts_debug_output_never_shows_the_typed_secret() {
        let profile = ProfileDraft::new(
            "gis",
            SiteKind::EnterprisePortal,
            "https://gis.example.com/portal",
            SignInMethod::PortalPassword,
        )
        .validate(ProfileId::generate())
        .unwrap();
        let mut prompt = SecretPrompt::for_profile(&profile).unwrap();
        prompt.secret = "hunter2-typed".to_owned();
        let printed = format!("{prompt:?}");
        assert!(!printed.contains("hunter2-typed"), "{printed}");
        assert!(printed.contains("[redacted]"), "{printed}");
    }
}
