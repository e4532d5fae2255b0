//! Desktop notifications (`org.freedesktop.Notifications`, through `notify-rust`) before a
//! person is needed: a session that ends within a day and could not be exchanged for a new
//! one, renewal that keeps failing, a sign-in that is needed. One notification per event — never a storm: [`Notifier`] remembers what it
//! said, and says it again only after the profile was fine in between.
//!
//! [`Notifier::observe`] is pure (events and a time in, notices out); [`show`] hands a notice
//! to the desktop's notification daemon on the host's runtime.

use std::collections::{HashMap, HashSet};

use chrono::TimeDelta;

use crate::arcgis::Instant;
use crate::engine::TokenState;
use crate::store::ProfileId;
use crate::ui::Event;
use crate::ui::remedy::with_remedy;

/// How long before a session (refresh token) ends its notice comes.
pub const SESSION_END_WARNING: TimeDelta = TimeDelta::days(1);
/// How many failed renewals in a row count as "failing for a while".
pub const FAILING_AFTER_ATTEMPTS: u32 = 3;

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
                Vec::new()
            }
            Event::Status { profile, status } => {
                let name = self
                    .names
                    .get(profile)
                    .cloned()
                    .unwrap_or_else(|| "a profile".to_owned());
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
                        // Fine again: the next trouble is a new event.
                        self.said.retain(|(id, kind)| {
                            id != profile || !(kind == "sign-in" || kind == "failing")
                        });
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

/// Shows `notice` through the desktop's notification daemon; a missing daemon is logged, not
/// an error (the window and the tray say the same).
pub async fn show(notice: Notice) {
    #[cfg(all(
        unix,
        not(any(target_os = "macos", target_os = "ios", target_os = "android"))
    ))]
    {
        let shown = notify_rust::Notification::new()
            .appname("TokenDesk")
            .summary(&notice.summary)
            .body(&notice.body)
            .icon(super::tray::TRAY_ID)
            .show_async()
            .await;
        if let Err(err) = shown {
            tracing::info!(%err, "no notification daemon took the notice");
        }
    }
    #[cfg(not(all(
        unix,
        not(any(target_os = "macos", target_os = "ios", target_os = "android"))
    )))]
    {
        tracing::info!(summary = %notice.summary, "notifications are not shown on this platform yet");
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
    fn renewal_failing_is_said_after_three_tries_once() {
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
        assert!(notifier.observe(&failing(1), now()).is_empty());
        assert!(notifier.observe(&failing(2), now()).is_empty());
        assert_eq!(notifier.observe(&failing(3), now()).len(), 1);
        assert!(notifier.observe(&failing(4), now()).is_empty());
    }
}
