//! The profile editor (add, edit, duplicate): in front only what everyone must answer —
//! name, URL (with a Check button that probes it through the host, off the UI thread, and
//! fills in kind and method), kind, method, client ID and the user name of password methods;
//! redirect URI, token binding, referer, preferred header, lifetime and CA file under
//! *Advanced*, filled with their defaults (the section opens by itself when one of them has
//! the error). The error of a field stays right under it. The CA file picker is run by the
//! host too (the native dialog blocks). The form's state and rules are in
//! [`super::editor_form`].

use eframe::egui;
use std::path::PathBuf;

use eframe::egui::{Response, RichText, Ui};

use super::editor_form::{
    BindingChoice, EditorForm, EditorMode, Field, FormError, LifetimeUnit, ProbeState,
    lifetime_label, uses_lifetime,
};
use crate::store::{PreferredHeader, ProfileDraft, SignInMethod, SiteKind};

/// What the editor asks the host to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditorAction {
    /// Probe `url` (trusting `ca_file` too) and answer with [`EditorForm::probe_finished`].
    Check {
        /// The URL as typed.
        url: String,
        /// The CA file typed in the form, if any.
        ca_file: Option<PathBuf>,
    },
    /// Open the native file dialog for a CA file; put the choice in [`EditorForm::ca_file`].
    PickCaFile,
    /// Save the checked settings (add, or update the profile of an [`EditorMode::Edit`]);
    /// on failure put the message in [`EditorForm::save_error`].
    Save {
        /// Add or update.
        mode: EditorMode,
        /// Settings that passed [`EditorForm::check`].
        draft: ProfileDraft,
    },
    /// Close without saving.
    Cancel,
    /// Open the portal's page where OAuth credentials are created.
    OpenInBrowser(url::Url),
    /// Copy this text (the request for the administrator; no secret in it).
    CopyText(String),
}

const KINDS: [SiteKind; 3] = [
    SiteKind::ArcgisOnline,
    SiteKind::EnterprisePortal,
    SiteKind::ArcgisServer,
];

/// Draws the editor; `taken` are the names of the other profiles.
pub fn editor_ui(ui: &mut Ui, form: &mut EditorForm, taken: &[String]) -> Option<EditorAction> {
    let mut action = None;
    ui.heading(match form.mode {
        EditorMode::Add => "New profile",
        EditorMode::Edit(_) => "Edit profile",
        EditorMode::Duplicate => "Duplicate profile",
    });
    if let Some(intro) = form.intro {
        ui.label(intro);
        ui.add_space(4.0);
    }
    let error = form.visible_error(taken);
    egui::Grid::new("profile_editor")
        .num_columns(2)
        .spacing([12.0, 8.0])
        .show(ui, |ui| {
            site_rows(ui, form, error.as_ref(), &mut action);
            method_rows(ui, form, error.as_ref());
        });
    if form.method.needs_client_id() {
        client_id_help(ui, form, &mut action);
    }
    ui.add_space(4.0);
    // A Check that failed for want of the site's CA opens Advanced too: the CA file is there.
    let needs_ca = matches!(&form.probe, ProbeState::Failed(message)
        if message.contains(super::remedy::TRUST_CA_FILE));
    let advanced_error = needs_ca || error.as_ref().is_some_and(|e| is_advanced(e.field));
    let advanced = egui::CollapsingHeader::new("Advanced")
        .id_salt("editor_advanced")
        .default_open(false)
        .open(advanced_error.then_some(true))
        .show(ui, |ui| {
            egui::Grid::new("profile_editor_advanced")
                .num_columns(2)
                .spacing([12.0, 8.0])
                .show(ui, |ui| {
                    advanced_rows(ui, form, error.as_ref(), &mut action);
                });
        });
    if advanced.body_returned.is_none() {
        // Closed: what it holds (the defaults, until changed) in one line.
        ui.label(RichText::new(advanced_summary(form)).small().weak());
    }
    ui.add_space(8.0);
    if let Some(message) = &form.save_error {
        error_label(ui, message);
    }
    ui.horizontal(|ui| {
        if ui.button("Save").clicked() {
            form.save_attempted = true;
            if let Ok(draft) = form.check(taken) {
                action = Some(EditorAction::Save {
                    mode: form.mode.clone(),
                    draft,
                });
            }
        }
        if ui.button("Cancel").clicked() {
            action = Some(EditorAction::Cancel);
        }
    });
    action
}

fn site_rows(
    ui: &mut Ui,
    form: &mut EditorForm,
    error: Option<&FormError>,
    action: &mut Option<EditorAction>,
) {
    text_row(ui, form, Field::Name, "Name", "e.g. work-portal", error);

    let label = ui.label("Portal or server URL");
    ui.vertical(|ui| {
        ui.horizontal(|ui| {
            let edit = ui
                .add(
                    egui::TextEdit::singleline(&mut form.url)
                        .hint_text("https://gis.example.com/portal"),
                )
                .labelled_by(label.id);
            if edit.changed() {
                form.touch(Field::Url);
            }
            let checking = matches!(form.probe, ProbeState::Checking(_));
            let check = ui
                .add_enabled(
                    !checking && !form.url.trim().is_empty(),
                    egui::Button::new("Check"),
                )
                .on_hover_text("Ask the site what it is and how to sign in there");
            if check.clicked() {
                form.probe = ProbeState::Checking(form.url.clone());
                *action = Some(EditorAction::Check {
                    url: form.url.clone(),
                    ca_file: optional_path(&form.ca_file),
                });
            }
        });
        probe_line(ui, &form.probe);
        field_error(ui, error, Field::Url);
    });
    ui.end_row();

    let label = ui.label("Kind of site");
    let mut kind = form.kind;
    let combo = egui::ComboBox::from_id_salt("editor_kind")
        .selected_text(kind.label())
        .show_ui(ui, |ui| {
            for choice in KINDS {
                ui.selectable_value(&mut kind, choice, choice.label());
            }
        });
    combo.response.labelled_by(label.id);
    if kind != form.kind {
        form.set_kind(kind);
        form.touch(Field::Kind);
    }
    ui.end_row();
}

fn method_rows(ui: &mut Ui, form: &mut EditorForm, error: Option<&FormError>) {
    let label = ui.label("Sign-in method");
    ui.vertical(|ui| {
        let mut method = form.method;
        let methods = form.methods_for_kind();
        let combo = egui::ComboBox::from_id_salt("editor_method")
            .selected_text(method.label())
            .show_ui(ui, |ui| {
                for choice in methods {
                    ui.selectable_value(&mut method, choice, choice.label());
                }
            });
        combo.response.labelled_by(label.id);
        if method != form.method {
            form.method = method;
            form.touch(Field::Method);
        }
        field_error(ui, error, Field::Method);
    });
    ui.end_row();

    if form.method.needs_client_id() {
        text_row(
            ui,
            form,
            Field::ClientId,
            "Client ID",
            "the OAuth app's client ID",
            error,
        );
    }
    if form.method.uses_password() {
        text_row(
            ui,
            form,
            Field::Username,
            "User name",
            "leave empty to be asked at sign-in",
            error,
        );
    }
    if form.method == SignInMethod::ServerPassword {
        ui.label("");
        ui.checkbox(&mut form.server_admin, "Sign in as a server administrator")
            .on_hover_text("Use the server's admin/generateToken (primary site administrator)");
        ui.end_row();
    }
}

/// What a client ID is and where it comes from, in two sentences; the redirect URI(s) to
/// register; the portal's page for OAuth credentials; and the request to copy for the
/// administrator.
fn client_id_help(ui: &mut Ui, form: &EditorForm, action: &mut Option<EditorAction>) {
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.label(RichText::new("What is a client ID?").strong());
        ui.label(
            "It names the app your organisation registered on its portal so that TokenDesk may \
             sign you in there. Your portal's administrator creates it once for everyone \
             (Content > New item > Developer credentials > OAuth credentials) and gives you the \
             ID.",
        );
        let redirects = form.redirect_uris();
        if !redirects.is_empty() {
            ui.label(format!(
                "Redirect URI to register: {}",
                redirects.join(", ")
            ));
        }
        ui.horizontal_wrapped(|ui| {
            if let Some(page) = form.credentials_page()
                && ui
                    .button("Open the portal's Content page")
                    .on_hover_text(page.as_str())
                    .clicked()
            {
                *action = Some(EditorAction::OpenInBrowser(page));
            }
            if ui.button("Copy request for my administrator").clicked() {
                *action = Some(EditorAction::CopyText(form.administrator_request()));
            }
        });
    });
}

/// The settings under *Advanced*.
fn is_advanced(field: Field) -> bool {
    matches!(
        field,
        Field::Redirect | Field::Binding | Field::Referer | Field::Lifetime | Field::CaFile
    )
}

/// One line that says what *Advanced* holds now, so the defaults show while it is closed.
fn advanced_summary(form: &EditorForm) -> String {
    let mut parts = Vec::new();
    if form.method == SignInMethod::BrowserPkce {
        let redirect = match form.redirect.trim() {
            "" => "http://127.0.0.1/ (any port)",
            given => given,
        };
        parts.push(format!("redirect {redirect}"));
    }
    parts.push(format!("{} header", form.header.name()));
    if uses_lifetime(form.method) {
        let lifetime = match form.lifetime_unit {
            LifetimeUnit::Never => "never".to_owned(),
            unit => format!("{} {}", form.lifetime_amount.trim(), unit.label()),
        };
        parts.push(format!(
            "{}: {lifetime}",
            lifetime_label(form.method).to_lowercase()
        ));
    }
    parts.push(match form.ca_file.trim() {
        "" => "system certificates".to_owned(),
        file => format!("CA file {file}"),
    });
    if !form.referer.trim().is_empty() {
        parts.push(format!("referer {}", form.referer.trim()));
    }
    parts.join(" · ")
}

fn advanced_rows(
    ui: &mut Ui,
    form: &mut EditorForm,
    error: Option<&FormError>,
    action: &mut Option<EditorAction>,
) {
    if form.method.uses_redirect() {
        let label = ui.label("Redirect URI");
        ui.vertical(|ui| {
            let edit = ui
                .add(
                    egui::TextEdit::singleline(&mut form.redirect)
                        .hint_text("http://127.0.0.1/ (any free port)"),
                )
                .labelled_by(label.id);
            if edit.changed() {
                form.touch(Field::Redirect);
            }
            if let Some(line) = form.redirect_hint() {
                ui.label(RichText::new(line).small().weak());
            }
            field_error(ui, error, Field::Redirect);
        });
        ui.end_row();
    }
    if form.method.uses_password() {
        binding_row(ui, form, error);
    }
    token_rows(ui, form, error, action);
}

fn binding_row(ui: &mut Ui, form: &mut EditorForm, error: Option<&FormError>) {
    let label = ui.label("Token bound to");
    ui.vertical(|ui| {
        let mut binding = form.binding;
        let combo = egui::ComboBox::from_id_salt("editor_binding")
            .selected_text(binding.label())
            .show_ui(ui, |ui| {
                for choice in BindingChoice::ALL {
                    ui.selectable_value(&mut binding, choice, choice.label());
                }
            });
        combo.response.labelled_by(label.id);
        if binding != form.binding {
            form.binding = binding;
            form.touch(Field::Binding);
        }
        if form.binding == BindingChoice::Ip {
            let edit = ui
                .add(egui::TextEdit::singleline(&mut form.binding_ip).hint_text("203.0.113.7"))
                .accessible_name("Bound IP address");
            if edit.changed() {
                form.touch(Field::Binding);
            }
        }
        field_error(ui, error, Field::Binding);
    });
    ui.end_row();
}

fn token_rows(
    ui: &mut Ui,
    form: &mut EditorForm,
    error: Option<&FormError>,
    action: &mut Option<EditorAction>,
) {
    text_row(
        ui,
        form,
        Field::Referer,
        "Referer",
        "e.g. https://myapp.example.com (optional)",
        error,
    );

    ui.label("Preferred header");
    ui.horizontal(|ui| {
        for header in [
            PreferredHeader::Authorization,
            PreferredHeader::XEsriAuthorization,
        ] {
            ui.radio_value(&mut form.header, header, header.name());
        }
    });
    ui.end_row();

    if uses_lifetime(form.method) {
        lifetime_row(ui, form, error);
    }

    let label = ui.label("CA file");
    ui.vertical(|ui| {
        ui.horizontal(|ui| {
            let edit = ui
                .add(
                    egui::TextEdit::singleline(&mut form.ca_file)
                        .hint_text("system certificates only"),
                )
                .labelled_by(label.id);
            if edit.changed() {
                form.touch(Field::CaFile);
            }
            if ui
                .button("Choose…")
                .on_hover_text(
                    "Pick a PEM file of CA certificates to trust for this site. If no dialog \
                     opens (no desktop portal), type the absolute path instead.",
                )
                .clicked()
            {
                *action = Some(EditorAction::PickCaFile);
            }
        });
        field_error(ui, error, Field::CaFile);
    });
    ui.end_row();
}

fn lifetime_row(ui: &mut Ui, form: &mut EditorForm, error: Option<&FormError>) {
    let label = ui.label(lifetime_label(form.method));
    ui.vertical(|ui| {
        ui.horizontal(|ui| {
            if form.lifetime_unit != LifetimeUnit::Never {
                let edit = ui
                    .add(egui::TextEdit::singleline(&mut form.lifetime_amount).desired_width(60.0))
                    .labelled_by(label.id);
                if edit.changed() {
                    form.touch(Field::Lifetime);
                }
            }
            let mut unit = form.lifetime_unit;
            let combo = egui::ComboBox::from_id_salt("editor_lifetime_unit")
                .selected_text(unit.label())
                .show_ui(ui, |ui| {
                    for &choice in LifetimeUnit::offered(form.method) {
                        ui.selectable_value(&mut unit, choice, choice.label());
                    }
                });
            combo.response.accessible_name("Lifetime unit");
            if unit != form.lifetime_unit {
                form.lifetime_unit = unit;
                form.touch(Field::Lifetime);
            }
        });
        field_error(ui, error, Field::Lifetime);
    });
    ui.end_row();
}

/// A label and a one-line text field for `field`, with its error under it.
fn text_row(
    ui: &mut Ui,
    form: &mut EditorForm,
    field: Field,
    label: &str,
    hint: &str,
    error: Option<&FormError>,
) {
    let label = ui.label(label);
    ui.vertical(|ui| {
        let value = match field {
            Field::Name => &mut form.name,
            Field::ClientId => &mut form.client_id,
            Field::Username => &mut form.username,
            _ => &mut form.referer,
        };
        let edit: Response = ui
            .add(egui::TextEdit::singleline(value).hint_text(hint))
            .labelled_by(label.id);
        if edit.changed() {
            form.touch(field);
        }
        field_error(ui, error, field);
    });
    ui.end_row();
}

fn probe_line(ui: &mut Ui, probe: &ProbeState) {
    match probe {
        ProbeState::Idle => {}
        ProbeState::Checking(url) => {
            ui.horizontal(|ui| {
                super::theme::spinner(ui);
                ui.label(format!("Checking {url}…"));
            });
        }
        ProbeState::Found(found) => {
            ui.label(RichText::new(found).small());
        }
        ProbeState::Failed(message) => error_label(ui, message),
    }
}

fn field_error(ui: &mut Ui, error: Option<&FormError>, field: Field) {
    if let Some(error) = error.filter(|error| error.field == field) {
        error_label(ui, &error.message);
    }
}

fn error_label(ui: &mut Ui, message: &str) {
    let color = ui.visuals().error_fg_color;
    ui.label(RichText::new(message).color(color));
}

fn optional_path(text: &str) -> Option<PathBuf> {
    let text = text.trim();
    (!text.is_empty()).then(|| PathBuf::from(text))
}
