//! The "token for a service URL" box: paste any ArcGIS service URL, TokenDesk says which
//! profile's token works there (the portal's own, a federated server token it fetches, or
//! none because the service is public) and copies the right one, with its own countdown.
//! The host answers a [`ServiceUrlAction::Find`] with [`ServiceUrlBox::answer`].

use chrono::{DateTime, Utc};
use eframe::egui;
use eframe::egui::{RichText, Ui};

use crate::output::Format;

/// What the host found for a URL. Holds no token: the host keeps it and copies it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceUrlAnswer {
    /// This profile's token works there.
    Token {
        /// The profile name.
        profile: String,
        /// Which token, in words ("the portal's own token", "a server token for …").
        what: String,
        /// When it expires.
        expires_at: DateTime<Utc>,
    },
    /// The service needs no token.
    NotNeeded {
        /// The server root.
        server: String,
    },
    /// No token could be found; what happened and what to do.
    Failed(String),
}

/// What the box asks of the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceUrlAction {
    /// Find which token works at this URL (then call [`ServiceUrlBox::answer`]).
    Find(String),
    /// Copy the token found for the box's URL in this format.
    Copy {
        /// The service URL.
        url: String,
        /// The format.
        format: Format,
    },
}

/// The box's state.
#[derive(Debug, Clone, Default)]
pub struct ServiceUrlBox {
    url: String,
    /// The URL being looked up, while the host works.
    finding: Option<String>,
    answer: Option<(String, ServiceUrlAnswer)>,
}

impl ServiceUrlBox {
    /// The host's answer for `url`; dropped when the person asked about another URL since.
    pub fn answer(&mut self, url: &str, answer: ServiceUrlAnswer) {
        if self.finding.as_deref() == Some(url) {
            self.finding = None;
            self.answer = Some((url.to_owned(), answer));
        }
    }
}

/// Draws the box.
pub fn service_url_ui(
    ui: &mut Ui,
    state: &mut ServiceUrlBox,
    now: DateTime<Utc>,
) -> Option<ServiceUrlAction> {
    let mut action = None;
    ui.horizontal(|ui| {
        let edit = ui
            .add(
                egui::TextEdit::singleline(&mut state.url)
                    .hint_text("https://host/server/rest/services/…/FeatureServer/0")
                    .desired_width(360.0),
            )
            .accessible_name("Service URL");
        let enter = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        let url = state.url.trim().to_owned();
        let find = ui.add_enabled(
            !url.is_empty() && state.finding.is_none(),
            egui::Button::new("Find token"),
        );
        if (find.clicked() || enter) && !url.is_empty() && state.finding.is_none() {
            state.finding = Some(url.clone());
            action = Some(ServiceUrlAction::Find(url));
        }
    });
    if let Some(url) = &state.finding {
        ui.horizontal(|ui| {
            super::theme::spinner(ui);
            ui.label(format!("Finding which token works at {url}…"));
        });
        return action;
    }
    let Some((url, answer)) = &state.answer else {
        return action;
    };
    match answer {
        ServiceUrlAnswer::NotNeeded { server } => {
            ui.label(format!("{server} is public: its services need no token."));
        }
        ServiceUrlAnswer::Failed(message) => {
            ui.label(RichText::new(message).color(ui.visuals().error_fg_color));
        }
        ServiceUrlAnswer::Token {
            profile,
            what,
            expires_at,
        } => {
            let left = *expires_at - now;
            if left <= chrono::TimeDelta::zero() {
                ui.label(format!(
                    "The token found for {url} has expired: press Find token again."
                ));
                return action;
            }
            ui.label(format!(
                "Profile {profile}: {what}, expires in {}",
                super::countdown::remaining(*expires_at, now)
            ));
            let into_second = left - chrono::TimeDelta::seconds(left.num_seconds());
            let wait = into_second.to_std().ok().filter(|d| !d.is_zero());
            ui.ctx()
                .request_repaint_after(wait.unwrap_or(std::time::Duration::from_secs(1)));
            let mut chosen = None;
            ui.horizontal(|ui| {
                if ui.button("Copy token").clicked() {
                    chosen = Some(Format::Token);
                }
                ui.menu_button("Copy for this URL as…", |ui| {
                    for format in Format::ALL {
                        if ui.button(format.label()).clicked() {
                            chosen = Some(format);
                            ui.close();
                        }
                    }
                });
            });
            if let Some(format) = chosen {
                action = Some(ServiceUrlAction::Copy {
                    url: url.clone(),
                    format,
                });
            }
        }
    }
    action
}
