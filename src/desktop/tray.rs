//! The tray icon: a StatusNotifierItem (the freedesktop/KDE protocol that GNOME's AppIndicator
//! extension, KDE, XFCE, LXQt, Waybar and others show) through `ksni`, on the host's runtime.
//!
//! The icon says at a glance whether everything is fine (`Active`) or a profile needs a
//! person (`NeedsAttention`: renewal failing, sign-in needed, an error). Its menu lists every
//! profile with its state and how long its token has left, each with *Copy header* and
//! *Sign in*, then *Open TokenDesk* and *Quit*. The model follows the host's events
//! ([`TrayModel::observe`]); a minute tick keeps the countdowns in the labels current.
//!
//! Where no status-notifier host runs, [`start`] says why (once, in the window) and TokenDesk
//! behaves as without a tray: closing the window ends it.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::{mpsc, watch};

use crate::arcgis::Instant;
use crate::clock::Clock;
use crate::engine::{ProfileStatus, TokenState};
use crate::output::Format;
use crate::store::{Profile, ProfileId};
use crate::ui::{Command, Event};

/// The tray's id on the bus (the application id).
pub const TRAY_ID: &str = "io.github.tokendesk.TokenDesk";

/// How often the labels' countdowns are brought up to date (they count in minutes).
const RELABEL_EVERY: Duration = Duration::from_secs(60);

/// One profile as the tray shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrayRow {
    /// The profile.
    pub id: ProfileId,
    /// Its name.
    pub name: String,
    /// The header format it prefers.
    pub header: Format,
    /// Its status, once known.
    pub status: Option<ProfileStatus>,
}

impl TrayRow {
    /// Whether a person must act (renewal failing, sign-in needed, an error).
    pub fn needs_attention(&self) -> bool {
        self.status.as_ref().is_some_and(|status| {
            matches!(
                status.state,
                TokenState::RefreshFailing { .. }
                    | TokenState::NeedsSignIn { .. }
                    | TokenState::Error { .. }
            )
        })
    }

    /// `name — state, 29 min left`.
    pub fn label(&self, now: Instant) -> String {
        let Some(status) = &self.status else {
            return format!("{} — …", self.name);
        };
        let state = match &status.state {
            TokenState::Valid => "signed in".to_owned(),
            other => other.to_string(),
        };
        let left = status
            .deadlines
            .access_expires_at
            .filter(|_| matches!(status.state, TokenState::Valid | TokenState::Refreshing))
            .map(|at| format!(", {}", time_left(at - now)))
            .unwrap_or_default();
        format!("{} — {state}{left}", self.name)
    }
}

/// `29 min left`, `2 h 5 min left`, `3 days left`, `expired`.
fn time_left(left: chrono::TimeDelta) -> String {
    let minutes = left.num_minutes();
    if left <= chrono::TimeDelta::zero() {
        "expired".to_owned()
    } else if minutes < 1 {
        "under a minute left".to_owned()
    } else if minutes < 60 {
        format!("{minutes} min left")
    } else if minutes < 48 * 60 {
        format!("{} h {} min left", minutes / 60, minutes % 60)
    } else {
        format!("{} days left", minutes / (24 * 60))
    }
}

/// What the tray shows, following the host's events.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrayModel {
    /// The profiles, in file order.
    pub rows: Vec<TrayRow>,
}

impl TrayModel {
    /// Folds a host event in; `true` when the tray must be redrawn.
    pub fn observe(&mut self, event: &Event) -> bool {
        match event {
            Event::Profiles(list) => {
                let old = std::mem::take(&mut self.rows);
                self.rows = list.iter().map(|profile| row(profile, &old)).collect();
                true
            }
            Event::Status { profile, status } => {
                match self.rows.iter_mut().find(|row| &row.id == profile) {
                    Some(row) if row.status.as_ref() != Some(status) => {
                        row.status = Some(status.clone());
                        true
                    }
                    _ => false,
                }
            }
            _ => false,
        }
    }

    /// Whether any profile needs a person.
    pub fn needs_attention(&self) -> bool {
        self.rows.iter().any(TrayRow::needs_attention)
    }
}

fn row(profile: &Profile, old: &[TrayRow]) -> TrayRow {
    TrayRow {
        id: profile.id().clone(),
        name: profile.name().to_owned(),
        header: Format::header(profile.header()),
        status: old
            .iter()
            .find(|row| row.id == *profile.id())
            .and_then(|row| row.status.clone()),
    }
}

/// What the tray's menu asks of the window.
pub type ToWindow = Arc<dyn Fn(Event) + Send + Sync>;

/// The running tray; dropping it takes the icon away.
pub struct TrayHandle {
    #[cfg(all(
        unix,
        not(any(target_os = "macos", target_os = "ios", target_os = "android"))
    ))]
    handle: ksni::Handle<TokenDeskTray>,
}

impl Drop for TrayHandle {
    fn drop(&mut self) {
        #[cfg(all(
            unix,
            not(any(target_os = "macos", target_os = "ios", target_os = "android"))
        ))]
        {
            // Unregisters; what it awaits is not needed (the process is ending or the icon
            // simply goes away).
            drop(self.handle.shutdown());
        }
    }
}

/// Shared model the host's event observer writes and the tray reads.
pub type SharedModel = Arc<Mutex<TrayModel>>;

/// Starts the tray icon. `commands` reach the host (copy, sign in); `to_window` shows the
/// window or ends the app; `changed` wakes the tray when the model changed. `Err(why)` when
/// no status-notifier host answers (or on a platform without one).
pub async fn start(
    model: SharedModel,
    mut changed: watch::Receiver<()>,
    commands: mpsc::UnboundedSender<Command>,
    to_window: ToWindow,
    clock: Arc<dyn Clock>,
) -> Result<TrayHandle, String> {
    #[cfg(all(
        unix,
        not(any(target_os = "macos", target_os = "ios", target_os = "android"))
    ))]
    {
        use ksni::TrayMethods;
        let tray = TokenDeskTray {
            model: Arc::clone(&model),
            commands,
            to_window,
            clock,
        };
        let handle = tray.spawn().await.map_err(|err| {
            // The D-Bus reason is for whoever reads the log; the window says what it means.
            tracing::info!(%err, "no status-notifier host took the tray icon");
            "No tray is running in this desktop, so closing the window ends TokenDesk.".to_owned()
        })?;
        let updater = handle.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(RELABEL_EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    changed = changed.changed() => if changed.is_err() { break },
                    _ = tick.tick() => {}
                }
                // Re-reading the model is what `update` triggers (a new layout is sent).
                if updater.update(|_| ()).await.is_none() {
                    break;
                }
            }
        });
        Ok(TrayHandle { handle })
    }
    #[cfg(not(all(
        unix,
        not(any(target_os = "macos", target_os = "ios", target_os = "android"))
    )))]
    {
        let _ = (model, changed, commands, to_window, clock);
        Err("TokenDesk has no tray icon on this platform yet.".to_owned())
    }
}

#[cfg(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
))]
struct TokenDeskTray {
    model: SharedModel,
    commands: mpsc::UnboundedSender<Command>,
    to_window: ToWindow,
    clock: Arc<dyn Clock>,
}

#[cfg(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
))]
impl TokenDeskTray {
    fn model(&self) -> TrayModel {
        self.model
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn send(&self, command: Command) {
        if self.commands.send(command).is_err() {
            tracing::warn!("the host has stopped; a command from the tray was dropped");
        }
    }
}

/// A label as a menu shows it: a single `_` would be taken for an access key.
#[cfg(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
))]
fn menu_text(text: &str) -> String {
    text.replace('_', "__")
}

#[cfg(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
))]
impl ksni::Tray for TokenDeskTray {
    fn id(&self) -> String {
        TRAY_ID.to_owned()
    }

    fn title(&self) -> String {
        "TokenDesk".to_owned()
    }

    fn icon_name(&self) -> String {
        TRAY_ID.to_owned()
    }

    fn status(&self) -> ksni::Status {
        if self.model().needs_attention() {
            ksni::Status::NeedsAttention
        } else {
            ksni::Status::Active
        }
    }

    fn tool_tip(&self) -> ksni::ToolTip {
        let model = self.model();
        let waiting = model
            .rows
            .iter()
            .filter(|row| row.needs_attention())
            .count();
        let description = match (model.rows.len(), waiting) {
            (0, _) => "No profiles yet".to_owned(),
            (_, 0) => "Everything is signed in or as you left it".to_owned(),
            (_, 1) => "1 profile needs you".to_owned(),
            (_, n) => format!("{n} profiles need you"),
        };
        ksni::ToolTip {
            title: "TokenDesk".to_owned(),
            description,
            icon_name: TRAY_ID.to_owned(),
            icon_pixmap: Vec::new(),
        }
    }

    fn activate(&mut self, _x: i32, _y: i32) {
        (self.to_window)(Event::ToggleWindow);
    }

    /// The panel is about to show the menu: ksni lays it out afresh (current countdowns), and
    /// the runners look at the keyring now, so a sign-in made in a terminal while the window
    /// was hidden shows at once (the layout is sent again as their states arrive).
    fn menu_about_to_show(&mut self) {
        let _ = self.commands.send(Command::LookNow);
    }

    fn menu(&self) -> Vec<ksni::MenuItem<Self>> {
        use ksni::menu::{StandardItem, SubMenu};
        let now = self.clock.now();
        let mut items: Vec<ksni::MenuItem<Self>> = Vec::new();
        for row in self.model().rows {
            let copy = {
                let (id, format) = (row.id.clone(), row.header);
                StandardItem {
                    label: "Copy header".to_owned(),
                    activate: Box::new(move |tray: &mut Self| {
                        tray.send(Command::Copy {
                            profile: id.clone(),
                            format,
                        });
                    }),
                    ..Default::default()
                }
            };
            let sign_in = {
                let id = row.id.clone();
                StandardItem {
                    label: "Sign in…".to_owned(),
                    activate: Box::new(move |tray: &mut Self| {
                        (tray.to_window)(Event::OpenProfile(id.clone()));
                        tray.send(Command::SignIn(id.clone()));
                    }),
                    ..Default::default()
                }
            };
            items.push(
                SubMenu {
                    label: menu_text(&row.label(now)),
                    submenu: vec![copy.into(), sign_in.into()],
                    ..Default::default()
                }
                .into(),
            );
        }
        if !items.is_empty() {
            items.push(ksni::MenuItem::Separator);
        }
        items.push(
            StandardItem {
                label: "Open TokenDesk".to_owned(),
                activate: Box::new(|tray: &mut Self| (tray.to_window)(Event::ShowWindow)),
                ..Default::default()
            }
            .into(),
        );
        items.push(
            StandardItem {
                label: "Quit".to_owned(),
                activate: Box::new(|tray: &mut Self| (tray.to_window)(Event::Quit)),
                ..Default::default()
            }
            .into(),
        );
        items
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Deadlines;

    fn status(state: TokenState, left_secs: i64, now: Instant) -> ProfileStatus {
        ProfileStatus {
            state,
            user: None,
            deadlines: Deadlines {
                access_expires_at: Some(now + chrono::TimeDelta::seconds(left_secs)),
                ..Deadlines::default()
            },
        }
    }

    #[test]
    fn a_label_names_the_profile_its_state_and_the_time_its_token_has_left() {
        let now = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let row = TrayRow {
            id: ProfileId::generate(),
            name: "agol".into(),
            header: Format::Bearer,
            status: Some(status(TokenState::Valid, 29 * 60 + 30, now)),
        };
        assert_eq!(row.label(now), "agol — signed in, 29 min left");
        let failing = TrayRow {
            status: Some(status(
                TokenState::NeedsSignIn {
                    reason: "refused".into(),
                    remedy: None,
                },
                100,
                now,
            )),
            ..row.clone()
        };
        assert_eq!(failing.label(now), "agol — sign-in needed");
        assert!(failing.needs_attention() && !row.needs_attention());
        assert_eq!(time_left(chrono::TimeDelta::minutes(125)), "2 h 5 min left");
        assert_eq!(time_left(chrono::TimeDelta::days(3)), "3 days left");
    }
}
