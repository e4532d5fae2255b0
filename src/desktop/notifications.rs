//! Desktop notifications (`org.freedesktop.Notifications` over zbus) before a person is
//! needed: a session that ends within a day and could not be exchanged for a new one, an API
//! key that ends within 30, 7 and 1 days, renewal that keeps failing, a sign-in that is
//! needed. One notification per event — never a storm: [`Notifier`] remembers what it said,
//! and says it again only after the profile was fine in between.
//!
//! [`Notifier::observe`] and [`Notifier::due`] are pure (events and a time in, notices out);
//! [`show`] hands a notice to the desktop's notification daemon on the host's runtime.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use chrono::TimeDelta;

use crate::arcgis::Instant;
use crate::auth::api_key::Expiry;
use crate::engine::TokenState;
use crate::store::{ProfileId, SignInMethod};
use crate::ui::Event;
use crate::ui::remedy::with_remedy;

/// How long before a session (refresh token) ends its notice comes.
pub const SESSION_END_WARNING: TimeDelta = TimeDelta::days(1);
/// How many failed renewals in a row count as "failing for a while".
pub const FAILING_AFTER_ATTEMPTS: u32 = 3;
/// How often the host asks [`Notifier::due`] whether an API key crossed one of its warning
/// days (30, 7, 1) with nothing else happening: the days are whole, so an hour late is on
/// time, and a hidden TokenDesk wakes for it 24 times a day.
pub const DUE_EVERY: Duration = Duration::from_secs(3600);

/// One notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The profile it is about.
    pub profile: ProfileId,
    /// The headline.
    pub summary: String,
    /// What happened and what to do.
    pub body: String,
}

/// Decides which events deserve a notification, once each.
#[derive(Debug, Default)]
pub struct Notifier {
    names: HashMap<ProfileId, String>,
    /// The API-key profiles.
    api_keys: HashSet<ProfileId>,
    /// When each API-key profile's key ends, when known.
    key_ends: HashMap<ProfileId, Instant>,
    said: HashSet<(ProfileId, String)>,
}

impl Notifier {
    /// The notices `event` calls for at `now` (most events: none).
    pub fn observe(&mut self, event: &Event, now: Instant) -> Vec<Notice> {
        match event {
            Event::Profiles(list) => {
                self.names = list
                    .iter()
                    .map(|profile| (profile.id().clone(), profile.name().to_owned()))
                    .collect();
                self.api_keys = list
                    .iter()
                    .filter(|profile| profile.sign_in() == SignInMethod::ApiKey)
                    .map(|profile| profile.id().clone())
                    .collect();
                self.key_ends.retain(|id, _| self.api_keys.contains(id));
                Vec::new()
            }
            Event::Status { profile, status } if self.api_keys.contains(profile) => {
                match status.deadlines.access_expires_at {
                    Some(ends) => self.key_ends.insert(profile.clone(), ends),
                    None => self.key_ends.remove(profile),
                };
                let mut notices = self
                    .key_notice(profile, now)
                    .into_iter()
                    .collect::<Vec<_>>();
                if let TokenState::NeedsSignIn { reason, remedy } = &status.state {
                    let name = self.name(profile);
                    let remedy = remedy.clone().map(|remedy| remedy.for_profile(&name));
                    notices.extend(self.once(profile, "sign-in", || Notice {
                        profile: profile.clone(),
                        summary: format!("TokenDesk: {name} needs a new API key"),
                        body: with_remedy(reason, remedy.as_ref()),
                    }));
                } else {
                    self.said
                        .retain(|(id, kind)| id != profile || kind != "sign-in");
                }
                notices
            }
            Event::Status { profile, status } => {
                let name = self.name(profile);
                let mut notices = Vec::new();
                match &status.state {
                    TokenState::NeedsSignIn { reason, remedy } => {
                        let remedy = remedy.clone().map(|remedy| remedy.for_profile(&name));
                        notices.extend(self.once(profile, "sign-in", || Notice {
                            profile: profile.clone(),
                            summary: format!("TokenDesk: sign in to {name} again"),
                            body: with_remedy(reason, remedy.as_ref()),
                        }));
                    }
                    TokenState::RefreshFailing {
                        attempts,
                        last_error,
                        remedy,
                        ..
                    } if *attempts >= FAILING_AFTER_ATTEMPTS => {
                        let remedy = remedy.clone().map(|remedy| remedy.for_profile(&name));
                        notices.extend(self.once(profile, "failing", || Notice {
                            profile: profile.clone(),
                            summary: format!("TokenDesk: renewing {name}'s token keeps failing"),
                            body: with_remedy(
                                &format!("{attempts} tries in a row failed: {last_error}"),
                                remedy.as_ref(),
                            ),
                        }));
                    }
                    TokenState::Valid | TokenState::Refreshing => {
                        // Fine again: the next trouble is a new event. Only a renewed token
                        // says so — every retry of a failing renewal passes through
                        // Refreshing, and each one would otherwise notify again.
                        if status.state == TokenState::Valid {
                            self.said.retain(|(id, kind)| {
                                id != profile || !(kind == "sign-in" || kind == "failing")
                            });
                        }
                        // The engine exchanges a refresh token for a new one within its last
                        // day; a session still ending within a day after a renewal in that
                        // day could not be exchanged (the portal keeps its end), and only that
                        // needs a person.
                        if let Some(ends) = status.deadlines.refresh_expires_at
                            && ends > now
                            && ends - now <= SESSION_END_WARNING
                            && status
                                .deadlines
                                .last_refresh_at
                                .is_some_and(|renewed| ends - renewed <= SESSION_END_WARNING)
                        {
                            let key = format!("session-ends:{}", ends.timestamp());
                            let left = ends - now;
                            notices.extend(self.once(profile, &key, || Notice {
                                profile: profile.clone(),
                                summary: format!("TokenDesk: {name}'s session ends soon"),
                                body: format!(
                                    "The session of {name} ends in {} (at {} UTC); sign in again \
                                     before then to keep its tokens coming.",
                                    crate::arcgis::time::span(left),
                                    ends.format("%Y-%m-%d %H:%M")
                                ),
                            }));
                        }
                    }
                    _ => {}
                }
                notices
            }
            _ => Vec::new(),
        }
    }

    /// The notices that have come due at `now` with nothing else happening: API keys that
    /// crossed one of their warning days since the last look.
    pub fn due(&mut self, now: Instant) -> Vec<Notice> {
        let mut keys: Vec<ProfileId> = self.key_ends.keys().cloned().collect();
        keys.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        keys.iter()
            .filter_map(|profile| self.key_notice(profile, now))
            .collect()
    }

    /// The notice for an API key within one of its warning days (30, 7, 1), once per day
    /// crossed; a key first seen within 7 days gets the 7-day notice, not the 30-day one too.
    fn key_notice(&mut self, profile: &ProfileId, now: Instant) -> Option<Notice> {
        let ends = *self.key_ends.get(profile)?;
        let expiry = Expiry::dated(ends, now);
        let Expiry::Ahead {
            warning: Some(days),
            ..
        } = expiry
        else {
            return None;
        };
        let name = self.name(profile);
        let key = format!("api-key:{}:{days}", ends.timestamp());
        self.once(profile, &key, || {
            let remedy = expiry.remedy().map(|remedy| remedy.for_profile(&name));
            Notice {
                profile: profile.clone(),
                summary: format!("TokenDesk: {name}'s API key expires soon"),
                body: with_remedy(
                    &format!(
                        "The API key of {name} expires in {} (at {} UTC); scripts and layers \
                         using it stop working then.",
                        crate::arcgis::time::span(ends - now),
                        ends.format("%Y-%m-%d %H:%M")
                    ),
                    remedy.as_ref(),
                ),
            }
        })
    }

    fn name(&self, profile: &ProfileId) -> String {
        self.names
            .get(profile)
            .cloned()
            .unwrap_or_else(|| "a profile".to_owned())
    }

    fn once(
        &mut self,
        profile: &ProfileId,
        kind: &str,
        notice: impl FnOnce() -> Notice,
    ) -> Option<Notice> {
        self.said
            .insert((profile.clone(), kind.to_owned()))
            .then(notice)
    }
}

/// The action a notification offers: open the profile it is about in the window.
const OPEN_ACTION: &str = "default";

/// How long a shown notification's action is listened for (a notification the daemon keeps
/// is acted on within a day or forgotten).
const ACTION_BOUND: Duration = Duration::from_secs(24 * 3600);

/// Shows `notice` through the desktop's notification daemon, and calls `open` with its
/// profile when the person clicks it (the daemon's default action) within a day. A missing
/// daemon is logged, not an error (the window and the tray say the same).
pub async fn show(notice: Notice, open: impl FnOnce(ProfileId) + Send + 'static) {
    #[cfg(all(
        unix,
        not(any(target_os = "macos", target_os = "ios", target_os = "android"))
    ))]
    {
        let daemon = match daemon::Daemon::connect().await {
            Ok(daemon) => daemon,
            Err(err) => {
                tracing::info!(%err, "no notification daemon can be reached");
                return;
            }
        };
        match daemon.show(&notice, OPEN_ACTION).await {
            Ok(shown) => match tokio::time::timeout(ACTION_BOUND, shown.clicked()).await {
                Ok(Ok(true)) => open(notice.profile),
                Ok(Ok(false)) => {}
                Ok(Err(err)) => {
                    tracing::info!(%err, "stopped listening for a notification's click");
                }
                Err(_) => {
                    tracing::debug!("a notification was neither clicked nor closed within a day");
                }
            },
            Err(err) => {
                tracing::info!(%err, summary = %notice.summary, "no notification daemon took the notice");
            }
        }
    }
    #[cfg(not(all(
        unix,
        not(any(target_os = "macos", target_os = "ios", target_os = "android"))
    )))]
    {
        let _ = open;
        tracing::info!(summary = %notice.summary, "notifications are not shown on this platform yet");
    }
}

/// `org.freedesktop.Notifications` over zbus, written here rather than through a crate: the
/// daemon tells a notification's click and close only to the connection that showed it, so
/// showing and listening must share one connection — and `notify-rust`, which does that,
/// panics inside its listener on a D-Bus error and subscribes only after the notification is
/// already on screen (a quick click is lost).
#[cfg(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
))]
mod daemon {
    use std::collections::HashMap;

    use futures_util::StreamExt;

    use super::Notice;

    #[zbus::proxy(
        interface = "org.freedesktop.Notifications",
        default_service = "org.freedesktop.Notifications",
        default_path = "/org/freedesktop/Notifications"
    )]
    trait Notifications {
        #[allow(clippy::too_many_arguments)]
        fn notify(
            &self,
            app_name: &str,
            replaces_id: u32,
            app_icon: &str,
            summary: &str,
            body: &str,
            actions: &[&str],
            hints: HashMap<&str, zbus::zvariant::Value<'_>>,
            expire_timeout: i32,
        ) -> zbus::Result<u32>;

        #[zbus(signal)]
        fn action_invoked(&self, id: u32, action_key: String) -> zbus::Result<()>;

        #[zbus(signal)]
        fn notification_closed(&self, id: u32, reason: u32) -> zbus::Result<()>;
    }

    /// A connection to the session's notification daemon.
    pub(super) struct Daemon {
        proxy: NotificationsProxy<'static>,
    }

    /// A notification on screen, and the signals that say what became of it.
    pub(super) struct Shown {
        id: u32,
        action: &'static str,
        actions: ActionInvokedStream,
        closes: NotificationClosedStream,
    }

    impl Daemon {
        pub(super) async fn connect() -> zbus::Result<Self> {
            let connection = zbus::Connection::session().await?;
            Ok(Self {
                proxy: NotificationsProxy::new(&connection).await?,
            })
        }

        /// Shows `notice` with `action` as its default action (a click on it). Listening
        /// starts before it is shown.
        pub(super) async fn show(
            &self,
            notice: &Notice,
            action: &'static str,
        ) -> zbus::Result<Shown> {
            let actions = self.proxy.receive_action_invoked().await?;
            let closes = self.proxy.receive_notification_closed().await?;
            let id = self
                .proxy
                .notify(
                    "TokenDesk",
                    0,
                    super::super::tray::TRAY_ID,
                    &notice.summary,
                    &notice.body,
                    &[action, "Open in TokenDesk"],
                    HashMap::new(),
                    -1,
                )
                .await?;
            Ok(Shown {
                id,
                action,
                actions,
                closes,
            })
        }
    }

    impl Shown {
        /// Whether the notification was clicked (`true`), or closed or acted on otherwise
        /// (`false`).
        pub(super) async fn clicked(mut self) -> zbus::Result<bool> {
            loop {
                tokio::select! {
                    invoked = self.actions.next() => {
                        let Some(invoked) = invoked else { return Ok(false) };
                        let args = invoked.args()?;
                        if *args.id() == self.id {
                            return Ok(args.action_key() == self.action);
                        }
                    }
                    closed = self.closes.next() => {
                        let Some(closed) = closed else { return Ok(false) };
                        if *closed.args()?.id() == self.id {
                            return Ok(false);
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Deadlines, ProfileStatus};
    use crate::remedy::Remedy;

    fn now() -> Instant {
        chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap()
    }

    fn status(state: TokenState, refresh_ends_in: TimeDelta) -> Event {
        renewed_at(state, refresh_ends_in, now())
    }

    fn renewed_at(state: TokenState, refresh_ends_in: TimeDelta, renewed: Instant) -> Event {
        Event::Status {
            profile: ProfileId::parse("0123456789abcdef0123456789abcdef").unwrap(),
            status: ProfileStatus {
                state,
                user: None,
                deadlines: Deadlines {
                    refresh_expires_at: Some(now() + refresh_ends_in),
                    last_refresh_at: Some(renewed),
                    ..Deadlines::default()
                },
            },
        }
    }

    fn needs_sign_in() -> TokenState {
        TokenState::NeedsSignIn {
            reason: "the portal refused the session".into(),
            remedy: Some(Remedy::SignIn { profile: None }),
        }
    }

    #[test]
    fn a_sign_in_needed_is_said_once_until_the_profile_was_fine_again() {
        let mut notifier = Notifier::default();
        let first = notifier.observe(&status(needs_sign_in(), TimeDelta::days(3)), now());
        assert_eq!(first.len(), 1, "{first:?}");
        assert!(first[0].body.contains("refused"), "{first:?}");
        for _ in 0..5 {
            assert!(
                notifier
                    .observe(&status(needs_sign_in(), TimeDelta::days(3)), now())
                    .is_empty()
            );
        }
        notifier.observe(&status(TokenState::Valid, TimeDelta::days(3)), now());
        assert_eq!(
            notifier
                .observe(&status(needs_sign_in(), TimeDelta::days(3)), now())
                .len(),
            1
        );
    }

    #[test]
    fn a_session_within_its_last_day_is_not_said_before_a_renewal_in_that_day_failed_to_move_its_end()
     {
        let mut notifier = Notifier::default();
        // Last renewed two days ago: the engine has not tried to exchange it yet.
        let not_yet = renewed_at(
            TokenState::Valid,
            TimeDelta::hours(20),
            now() - TimeDelta::days(2),
        );
        assert!(notifier.observe(&not_yet, now()).is_empty());
    }

    #[test]
    fn a_session_that_ends_within_a_day_is_said_once_and_a_later_one_not_before_its_time() {
        let mut notifier = Notifier::default();
        assert!(
            notifier
                .observe(&status(TokenState::Valid, TimeDelta::days(2)), now())
                .is_empty()
        );
        let soon = status(TokenState::Valid, TimeDelta::hours(20));
        let said = notifier.observe(&soon, now());
        assert_eq!(said.len(), 1, "{said:?}");
        assert!(said[0].body.contains("20 h"), "{}", said[0].body);
        assert!(notifier.observe(&soon, now()).is_empty());
    }

    #[test]
    fn renewal_failing_is_said_after_three_tries_once_though_each_retry_passes_through_refreshing()
    {
        let mut notifier = Notifier::default();
        let failing = |attempts| {
            status(
                TokenState::RefreshFailing {
                    attempts,
                    next_retry_at: None,
                    last_error: "the portal did not answer".into(),
                    remedy: Some(Remedy::CheckNetwork),
                },
                TimeDelta::days(3),
            )
        };
        let retrying = status(TokenState::Refreshing, TimeDelta::days(3));
        let mut said = 0;
        for attempts in 1..=6 {
            said += notifier.observe(&retrying, now()).len();
            said += notifier.observe(&failing(attempts), now()).len();
            assert_eq!(said, usize::from(attempts >= 3), "after {attempts} tries");
        }
        // Renewed: fine again, so failing three times more is news again.
        assert!(
            notifier
                .observe(&status(TokenState::Valid, TimeDelta::days(3)), now())
                .is_empty()
        );
        for attempts in 1..=3 {
            said += notifier.observe(&retrying, now()).len();
            said += notifier.observe(&failing(attempts), now()).len();
        }
        assert_eq!(said, 2);
    }

    fn api_key_profile() -> (crate::store::Profile, Event) {
        let draft = crate::store::ProfileDraft::new(
            "field-maps",
            crate::store::SiteKind::ArcgisOnline,
            "https://www.arcgis.com",
            SignInMethod::ApiKey,
        );
        let profile = draft.validate(ProfileId::generate()).unwrap();
        let list = Event::Profiles(vec![profile.clone()]);
        (profile, list)
    }

    fn key_status(profile: &crate::store::Profile, ends: Instant) -> Event {
        Event::Status {
            profile: profile.id().clone(),
            status: ProfileStatus {
                state: TokenState::Valid,
                user: None,
                deadlines: Deadlines {
                    access_expires_at: Some(ends),
                    last_refresh_at: Some(now() - TimeDelta::days(60)),
                    ..Deadlines::default()
                },
            },
        }
    }

    #[test]
    fn an_api_key_is_said_once_at_30_7_and_1_days_before_its_end_as_the_days_pass() {
        let mut notifier = Notifier::default();
        let (profile, list) = api_key_profile();
        notifier.observe(&list, now());
        let ends = now() + TimeDelta::days(40);
        assert!(
            notifier
                .observe(&key_status(&profile, ends), now())
                .is_empty()
        );

        let mut said = Vec::new();
        // Every hour for 40 days, as the host looks.
        for hour in 0..(40 * 24) {
            said.extend(notifier.due(now() + TimeDelta::hours(hour)));
        }
        let summaries: Vec<&str> = said.iter().map(|n| n.summary.as_str()).collect();
        assert_eq!(said.len(), 3, "{summaries:?}");
        assert!(said[0].body.contains("30 days"), "{}", said[0].body);
        assert!(said[1].body.contains("7 days"), "{}", said[1].body);
        assert!(said[2].body.contains("1 day"), "{}", said[2].body);
        assert!(
            said.iter()
                .all(|n| n.summary.contains("field-maps") && n.body.contains("Sign in")),
            "{said:?}"
        );
    }

    #[test]
    fn an_api_key_first_seen_within_its_last_week_is_said_once_not_for_each_day_passed() {
        let mut notifier = Notifier::default();
        let (profile, list) = api_key_profile();
        notifier.observe(&list, now());
        let status = key_status(&profile, now() + TimeDelta::days(6));
        let said = notifier.observe(&status, now());
        assert_eq!(said.len(), 1, "{said:?}");
        assert!(said[0].body.contains("6 days"), "{}", said[0].body);
        assert!(notifier.observe(&status, now()).is_empty());
        assert!(notifier.due(now() + TimeDelta::hours(1)).is_empty());
    }

    #[test]
    fn a_new_key_that_replaced_the_old_one_gets_its_own_warnings_in_their_time() {
        let mut notifier = Notifier::default();
        let (profile, list) = api_key_profile();
        notifier.observe(&list, now());
        let old = key_status(&profile, now() + TimeDelta::days(6));
        assert_eq!(notifier.observe(&old, now()).len(), 1);
        let new = key_status(&profile, now() + TimeDelta::days(365));
        assert!(notifier.observe(&new, now()).is_empty());
        assert!(notifier.due(now() + TimeDelta::days(334)).is_empty());
        let said = notifier.due(now() + TimeDelta::days(335) + TimeDelta::hours(1));
        assert_eq!(said.len(), 1, "{said:?}");
        assert!(said[0].body.contains("29 days"), "{}", said[0].body);
    }
}
