//! The [`View`]: everything the screens draw, filled in by the host through [`Event`]s.
//! Holds no secret: the host never sends a token, only states, deadlines and names.

use std::time::Duration;

use url::Url;

use crate::arcgis::Instant;
use crate::auth::Progress;
use crate::engine::ProfileStatus;
use crate::store::{Profile, ProfileId};

/// How many activity lines are kept per profile (older ones are dropped).
pub const ACTIVITY_LIMIT: usize = 200;

/// What the host tells the screens.
#[derive(Debug, Clone)]
pub enum Event {
    /// The secret store is open (the keyring, or session memory when `session_only` says
    /// why there is no keyring); commands can now run.
    Ready {
        /// `Some(why)`: no keyring, so secrets live only as long as the window.
        session_only: Option<String>,
    },
    /// The app runs against the built-in demo portal.
    DemoPortal(DemoInfo),
    /// Whether the tray icon is up (`why` not: no status-notifier host is running, said
    /// once); with it, closing the window keeps TokenDesk renewing in the background.
    Tray {
        /// The icon is in the panel.
        available: bool,
        /// Why not, when not.
        why: Option<String>,
    },
    /// A profile's header file was written (`Some`) or removed (`None`).
    HeaderFile {
        /// The profile.
        profile: ProfileId,
        /// Where the file is.
        path: Option<std::path::PathBuf>,
    },
    /// Bring the window back (the tray's *Open TokenDesk*, a second `tokendesk`).
    ShowWindow,
    /// Bring the window back with this profile selected (a notification's action, the tray's
    /// *Sign in*).
    OpenProfile(ProfileId),
    /// Hide the window when it is shown, show it when hidden (a click on the tray icon).
    ToggleWindow,
    /// End TokenDesk (the tray's *Quit*): the window closes for real.
    Quit,
    /// The profiles, as the profiles file holds them (replaces the list).
    Profiles(Vec<Profile>),
    /// A profile's state or deadlines changed.
    Status {
        /// The profile.
        profile: ProfileId,
        /// The new status.
        status: ProfileStatus,
    },
    /// Who is signed in (community/self, portals/self).
    User {
        /// The profile.
        profile: ProfileId,
        /// The user.
        user: UserInfo,
    },
    /// A line for the profile's activity log (never a secret).
    Activity {
        /// The profile.
        profile: ProfileId,
        /// When.
        at: Instant,
        /// What happened.
        message: String,
    },
    /// A sign-in started.
    SignInStarted {
        /// The profile.
        profile: ProfileId,
        /// When.
        at: Instant,
        /// Out of band: the person pastes a code.
        out_of_band: bool,
    },
    /// A step of a sign-in in progress.
    SignInProgress {
        /// The profile.
        profile: ProfileId,
        /// The step.
        progress: Progress,
    },
    /// A sign-in ended: `Ok` signed in, `Err` what went wrong and what to do.
    SignInFinished {
        /// The profile.
        profile: ProfileId,
        /// The outcome.
        result: Result<(), String>,
    },
    /// An answer for the editor, dialogs and token tools ([`super::screens::Screens`]).
    Screens(super::screen_event::ScreenEvent),
    /// Something the person should read (a copy done, a failure with what to do).
    Notice {
        /// How serious.
        level: NoticeLevel,
        /// The text.
        text: String,
    },
}

/// How serious a notice is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeLevel {
    /// Done as asked.
    Info,
    /// Something failed; the text says what to do.
    Error,
}

/// How long an [`NoticeLevel::Info`] notice stays; errors stay until dismissed.
pub const INFO_NOTICE_TIME: Duration = Duration::from_secs(6);

/// A notice in the banner area.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// Identifies the notice (for dismissing).
    pub id: u64,
    /// How serious.
    pub level: NoticeLevel,
    /// The text.
    pub text: String,
    /// When it was first drawn.
    pub shown_at: Option<Instant>,
}

/// The built-in demo portal and what to sign in with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoInfo {
    /// The portal's address.
    pub portal_url: String,
    /// What to enter where, one line each (demo accounts and secrets only).
    pub hints: Vec<String>,
}

/// The signed-in user as the portal describes them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserInfo {
    /// The user name.
    pub username: String,
    /// Display name.
    pub full_name: Option<String>,
    /// Role (`org_admin`, `org_publisher`, `org_user` or a custom role id).
    pub role: Option<String>,
    /// Organisation name (portals/self), else its id.
    pub organisation: Option<String>,
}

/// What a sign-in in progress is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInPhase {
    /// Starting the listener, opening the browser.
    Starting,
    /// Waiting for the person to sign in in the browser.
    WaitingForBrowser,
    /// Waiting for the code to be pasted (out of band).
    WaitingForCode,
    /// Exchanging the code for tokens.
    Exchanging,
    /// Reading the signed-in user.
    ReadingUser,
}

/// A sign-in in progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInWait {
    /// When it started.
    pub started_at: Instant,
    /// Out of band (paste the code).
    pub out_of_band: bool,
    /// What it is doing.
    pub phase: SignInPhase,
    /// The sign-in page (to open or copy by hand), once known.
    pub url: Option<Url>,
    /// Why the browser did not open, if it did not.
    pub browser_failed: Option<String>,
    /// The last answer refused (foreign `state`, pasted text without a code).
    pub refused: Option<String>,
}

/// A line of a profile's activity log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityEntry {
    /// When.
    pub at: Instant,
    /// What happened.
    pub message: String,
}

/// One profile as the screens show it.
#[derive(Debug, Clone)]
pub struct ProfileView {
    /// The settings.
    pub profile: Profile,
    /// State and deadlines (signed out until the host says otherwise).
    pub status: ProfileStatus,
    /// The signed-in user, once read.
    pub user: Option<UserInfo>,
    /// A sign-in in progress.
    pub sign_in: Option<SignInWait>,
    /// The last sign-in failure, until the next sign-in starts.
    pub sign_in_error: Option<String>,
    /// The activity log, oldest first.
    pub activity: Vec<ActivityEntry>,
    /// The header file kept fresh for this profile, when there is one.
    pub header_file: Option<std::path::PathBuf>,
}

impl ProfileView {
    fn new(profile: Profile) -> Self {
        Self {
            profile,
            status: ProfileStatus::signed_out(),
            user: None,
            sign_in: None,
            sign_in_error: None,
            activity: Vec::new(),
            header_file: None,
        }
    }
}

/// Everything the screens draw.
#[derive(Debug, Clone, Default)]
pub struct View {
    /// Whether the secret store is open (until then, the app says it is opening the keyring).
    pub ready: bool,
    /// `Some(why)`: no keyring; secrets live only in memory, for this session.
    pub session_only: Option<String>,
    /// The demo portal, in `--demo` mode.
    pub demo: Option<DemoInfo>,
    /// The profiles, in file order.
    pub profiles: Vec<ProfileView>,
    /// Notices until dismissed.
    pub notices: Vec<Notice>,
    next_notice: u64,
    /// The window's life beside the tray.
    pub window: WindowLife,
}

/// The window's life beside the tray: whether closing it only hides it, whether it is
/// hidden, and what the host asked of it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WindowLife {
    /// The tray icon is up, so a closed window can come back from it.
    pub tray: bool,
    /// The window is hidden (closed to the tray): nothing is drawn, nothing repaints.
    pub hidden: bool,
    /// The host asked to show the window again (done at the next frame).
    pub show_requested: bool,
    /// The host asked to hide the window in the tray (done at the next frame).
    pub hide_requested: bool,
    /// The host asked to end TokenDesk.
    pub quitting: bool,
    /// The window was told to close for real (once).
    pub closing: bool,
    /// Started with `--hidden`: hide as soon as the tray icon is up.
    pub start_hidden: bool,
    /// The host asked to select this profile (taken at the next frame).
    pub open_profile: Option<ProfileId>,
    /// Whether the host was last told the window is hidden.
    pub told_hidden: bool,
}

impl View {
    /// The profile with this id.
    pub fn profile(&self, id: &ProfileId) -> Option<&ProfileView> {
        self.profiles.iter().find(|p| p.profile.id() == id)
    }

    fn profile_mut(&mut self, id: &ProfileId) -> Option<&mut ProfileView> {
        self.profiles.iter_mut().find(|p| p.profile.id() == id)
    }

    /// Adds a notice.
    pub fn notify(&mut self, level: NoticeLevel, text: impl Into<String>) {
        self.next_notice += 1;
        self.notices.push(Notice {
            id: self.next_notice,
            level,
            text: text.into(),
            shown_at: None,
        });
    }

    /// Stamps new notices with `now` and drops info notices shown for
    /// [`INFO_NOTICE_TIME`]; returns when the next one goes.
    pub fn expire_notices(&mut self, now: Instant) -> Option<Duration> {
        let keep = chrono::Duration::from_std(INFO_NOTICE_TIME).unwrap_or(chrono::Duration::MAX);
        for notice in &mut self.notices {
            notice.shown_at.get_or_insert(now);
        }
        self.notices.retain(|n| {
            n.level == NoticeLevel::Error || n.shown_at.is_none_or(|at| now - at < keep)
        });
        self.notices
            .iter()
            .filter(|n| n.level == NoticeLevel::Info)
            .filter_map(|n| n.shown_at)
            .filter_map(|at| (at + keep - now).to_std().ok())
            .min()
    }

    /// Removes the notice with this id.
    pub fn dismiss(&mut self, id: u64) {
        self.notices.retain(|n| n.id != id);
    }

    /// Folds an event from the host into the view.
    pub fn apply(&mut self, event: Event) {
        match event {
            Event::Ready { session_only } => {
                self.ready = true;
                self.session_only = session_only;
            }
            Event::DemoPortal(info) => self.demo = Some(info),
            Event::Tray { available, why } => {
                self.window.tray = available;
                if !available {
                    // Nowhere to come back from: the window stays.
                    self.window.start_hidden = false;
                }
                if let Some(why) = why {
                    self.notify(NoticeLevel::Info, why);
                }
            }
            Event::HeaderFile { profile, path } => {
                if let Some(view) = self.profile_mut(&profile) {
                    view.header_file = path;
                }
            }
            Event::ShowWindow => self.window.show_requested = true,
            Event::OpenProfile(id) => {
                self.window.show_requested = true;
                self.window.open_profile = Some(id);
            }
            Event::ToggleWindow if self.window.hidden => self.window.show_requested = true,
            Event::ToggleWindow => self.window.hide_requested = true,
            Event::Quit => self.window.quitting = true,
            Event::Profiles(list) => self.set_profiles(list),
            Event::Status { profile, status } => {
                if let Some(view) = self.profile_mut(&profile) {
                    if status.user.is_none() || status.user != view.user_name() {
                        view.user = None;
                    }
                    view.status = status;
                }
            }
            Event::User { profile, user } => {
                if let Some(view) = self.profile_mut(&profile) {
                    view.user = Some(user);
                }
            }
            Event::Activity {
                profile,
                at,
                message,
            } => {
                if let Some(view) = self.profile_mut(&profile) {
                    view.activity.push(ActivityEntry { at, message });
                    let excess = view.activity.len().saturating_sub(ACTIVITY_LIMIT);
                    view.activity.drain(..excess);
                }
            }
            Event::SignInStarted {
                profile,
                at,
                out_of_band,
            } => {
                if let Some(view) = self.profile_mut(&profile) {
                    view.sign_in_error = None;
                    view.sign_in = Some(SignInWait {
                        started_at: at,
                        out_of_band,
                        phase: SignInPhase::Starting,
                        url: None,
                        browser_failed: None,
                        refused: None,
                    });
                }
            }
            Event::SignInProgress { profile, progress } => {
                if let Some(wait) = self.profile_mut(&profile).and_then(|v| v.sign_in.as_mut()) {
                    wait.advance(progress);
                }
            }
            Event::SignInFinished { profile, result } => {
                if let Some(view) = self.profile_mut(&profile) {
                    view.sign_in = None;
                    view.sign_in_error = result.err();
                }
            }
            Event::Notice { level, text } => self.notify(level, text),
            // The app hands these to its `Screens` before the view sees them.
            Event::Screens(_) => {}
        }
    }

    /// Replaces the profile list, keeping what is known about profiles that stay.
    fn set_profiles(&mut self, list: Vec<Profile>) {
        let mut old = std::mem::take(&mut self.profiles);
        self.profiles = list
            .into_iter()
            .map(
                |profile| match old.iter().position(|v| v.profile.id() == profile.id()) {
                    Some(index) => {
                        let mut view = old.swap_remove(index);
                        view.profile = profile;
                        view
                    }
                    None => ProfileView::new(profile),
                },
            )
            .collect();
    }
}

impl ProfileView {
    fn user_name(&self) -> Option<String> {
        self.user.as_ref().map(|u| u.username.clone())
    }
}

impl SignInWait {
    fn advance(&mut self, progress: Progress) {
        match progress {
            Progress::WaitingForBrowser { authorize_url, .. } => {
                self.phase = SignInPhase::WaitingForBrowser;
                self.url = Some(authorize_url);
            }
            Progress::WaitingForPastedCode { authorize_url } => {
                self.phase = SignInPhase::WaitingForCode;
                self.url = Some(authorize_url);
            }
            Progress::BrowserDidNotOpen {
                authorize_url,
                reason,
            } => {
                self.url = Some(authorize_url);
                self.browser_failed = Some(reason);
            }
            Progress::AnswerRefused { reason } => self.refused = Some(reason),
            Progress::ExchangingCode => self.phase = SignInPhase::Exchanging,
            Progress::ReadingUser => self.phase = SignInPhase::ReadingUser,
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;
    use crate::store::{ProfileDraft, SignInMethod, SiteKind};

    fn t(seconds: i64) -> Instant {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
    }

    fn profile(name: &str) -> Profile {
        let mut draft = ProfileDraft::new(
            name,
            SiteKind::EnterprisePortal,
            "https://gis.example.com/portal",
            SignInMethod::BrowserPkce,
        );
        draft.client_id = Some("app".to_owned());
        draft.validate(ProfileId::generate()).unwrap()
    }

    fn url() -> Url {
        Url::parse("https://gis.example.com/portal/sharing/rest/oauth2/authorize").unwrap()
    }

    #[test]
    fn a_sign_in_shows_its_steps_and_ends_with_the_failure_in_words() {
        let one = profile("one");
        let id = one.id().clone();
        let mut view = View::default();
        view.apply(Event::Profiles(vec![one]));
        view.apply(Event::SignInStarted {
            profile: id.clone(),
            at: t(0),
            out_of_band: false,
        });
        view.apply(Event::SignInProgress {
            profile: id.clone(),
            progress: Progress::BrowserDidNotOpen {
                authorize_url: url(),
                reason: "no display".to_owned(),
            },
        });
        let wait = view.profile(&id).unwrap().sign_in.clone().unwrap();
        assert_eq!(wait.url, Some(url()));
        assert_eq!(wait.browser_failed.as_deref(), Some("no display"));
        view.apply(Event::SignInFinished {
            profile: id.clone(),
            result: Err("the portal refused".to_owned()),
        });
        let shown = view.profile(&id).unwrap();
        assert!(shown.sign_in.is_none());
        assert_eq!(shown.sign_in_error.as_deref(), Some("the portal refused"));
    }

    #[test]
    fn a_new_profile_list_keeps_what_is_known_about_profiles_that_stay() {
        let (one, two) = (profile("one"), profile("two"));
        let mut view = View::default();
        view.apply(Event::Profiles(vec![one.clone()]));
        view.apply(Event::Activity {
            profile: one.id().clone(),
            at: t(0),
            message: "signed in as analyst".to_owned(),
        });
        view.apply(Event::Profiles(vec![two.clone(), one.clone()]));
        assert_eq!(view.profiles[0].profile.id(), two.id());
        assert_eq!(view.profile(one.id()).unwrap().activity.len(), 1);
    }

    #[test]
    fn the_activity_log_keeps_only_the_latest_lines() {
        let one = profile("one");
        let mut view = View::default();
        view.apply(Event::Profiles(vec![one.clone()]));
        for n in 0..(ACTIVITY_LIMIT + 5) {
            view.apply(Event::Activity {
                profile: one.id().clone(),
                at: t(0),
                message: format!("line {n}"),
            });
        }
        let log = &view.profile(one.id()).unwrap().activity;
        assert_eq!(log.len(), ACTIVITY_LIMIT);
        assert_eq!(log[0].message, "line 5");
    }

    #[test]
    fn info_notices_go_after_a_while_and_errors_stay() {
        let mut view = View::default();
        view.notify(NoticeLevel::Info, "copied");
        view.notify(NoticeLevel::Error, "failed");
        assert_eq!(view.expire_notices(t(0)), Some(INFO_NOTICE_TIME));
        assert_eq!(view.expire_notices(t(7)), None);
        let left: Vec<&str> = view.notices.iter().map(|n| n.text.as_str()).collect();
        assert_eq!(left, ["failed"]);
    }
}
