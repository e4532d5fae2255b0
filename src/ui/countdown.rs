//! Countdowns as people read them, and when the screen next needs redrawing for them.
//! Pure functions of two wall-clock times: no egui, no clock of their own.
//!
//! Times shown to the second are read on whole seconds of the wall clock (both ends cut to
//! the second), so every countdown and stopwatch on screen changes at the same instant: one
//! redraw a second however many profiles count down, instead of one per deadline.

use std::time::Duration;

use chrono::SubsecRound;

use crate::arcgis::Instant;

/// `t` without its fraction of a second.
fn whole_second(t: Instant) -> Instant {
    t.trunc_subsecs(0)
}

/// How long until the wall clock reaches its next whole second (never zero, at most one
/// second): when anything shown to the second next changes.
pub fn to_next_second(now: Instant) -> Duration {
    let into_second = now - whole_second(now);
    let left = 1000 - into_second.num_milliseconds().clamp(0, 999);
    Duration::from_millis(u64::try_from(left).unwrap_or(1000))
}

/// The time left until `deadline`, as short text: `24:13` under an hour (minutes:seconds),
/// `3 h 12 m` under two days, `14 d` beyond; `expired` once it has passed.
pub fn remaining(deadline: Instant, now: Instant) -> String {
    let seconds = (whole_second(deadline) - whole_second(now)).num_seconds();
    if seconds <= 0 {
        return "expired".to_owned();
    }
    let (minutes, hours, days) = (seconds / 60, seconds / 3600, seconds / 86_400);
    if hours < 1 {
        format!("{minutes}:{:02}", seconds % 60)
    } else if days < 2 {
        format!("{hours} h {} m", minutes % 60)
    } else {
        format!("{days} d")
    }
}

/// How much of the span from `start` to `deadline` is still left at `now`, from 1.0 (all)
/// to 0.0 (expired), for a progress bar.
pub fn fraction_left(start: Instant, deadline: Instant, now: Instant) -> f32 {
    let total = (deadline - start).num_milliseconds();
    if total <= 0 {
        return 0.0;
    }
    let left = (deadline - now).num_milliseconds().clamp(0, total);
    // Precision loss is irrelevant for a progress bar.
    #[allow(clippy::cast_precision_loss)]
    let fraction = left as f32 / total as f32;
    fraction
}

/// What a countdown means for the person: the colour of its bar and text says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Urgency {
    /// Plenty of time: nothing to think about.
    Plenty,
    /// Close to the end, where TokenDesk renews it by itself.
    RenewingSoon,
    /// About to end without a renewal in sight: the person should act (sign in again).
    ActNow,
    /// Ended.
    Expired,
}

impl Urgency {
    /// A few words for people (next to the colour, never instead of it).
    pub fn words(self) -> &'static str {
        match self {
            Self::Plenty => "plenty of time",
            Self::RenewingSoon => "renewing soon",
            Self::ActNow => "act now",
            Self::Expired => "expired",
        }
    }
}

/// Which kind of deadline a countdown runs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deadline {
    /// An access token: renewed 5 minutes or a fifth of its life before it ends.
    AccessToken,
    /// A refresh token: exchanged a day or a fifth of its life before it ends; when it
    /// ends, the person must sign in again.
    RefreshToken,
}

/// What the countdown from `start` to `deadline` means at `now`. `failing`: renewals are
/// failing (the engine retries), so the end is not taken care of.
pub fn urgency(
    kind: Deadline,
    start: Instant,
    deadline: Instant,
    now: Instant,
    failing: bool,
) -> Urgency {
    let left = deadline - now;
    if left <= chrono::TimeDelta::zero() {
        return Urgency::Expired;
    }
    let life = (deadline - start).max(chrono::TimeDelta::zero());
    let (renew_window, act_window) = match kind {
        Deadline::AccessToken => (
            (life / 5).max(chrono::TimeDelta::minutes(5)),
            chrono::TimeDelta::minutes(1),
        ),
        Deadline::RefreshToken => (
            (life / 5).max(chrono::TimeDelta::days(1)),
            chrono::TimeDelta::hours(1),
        ),
    };
    if left <= act_window || (failing && left <= renew_window) {
        Urgency::ActNow
    } else if left <= renew_window {
        Urgency::RenewingSoon
    } else {
        Urgency::Plenty
    }
}

/// How long until the countdown to `deadline` next changes its text: the next whole second
/// of the wall clock ([`to_next_second`]); `None` once it reads `expired`.
pub fn next_change(deadline: Instant, now: Instant) -> Option<Duration> {
    (whole_second(deadline) > whole_second(now)).then(|| to_next_second(now))
}

/// The earliest of several optional redraw delays.
pub fn earliest(delays: impl IntoIterator<Item = Option<Duration>>) -> Option<Duration> {
    delays.into_iter().flatten().min()
}

/// An elapsed time as `0:07` or `1:02:03`.
pub fn elapsed(since: Instant, now: Instant) -> String {
    let seconds = (whole_second(now) - whole_second(since))
        .num_seconds()
        .max(0);
    let (h, m, s) = (seconds / 3600, (seconds / 60) % 60, seconds % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

#[cfg(test)]
mod urgency_tests {
    use super::{Deadline, Urgency, urgency};
    use chrono::{TimeDelta, TimeZone, Utc};

    #[test]
    fn an_access_token_goes_from_plenty_to_renewing_soon_to_act_now_to_expired() {
        let start = Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap();
        let end = start + TimeDelta::minutes(30);
        let at = |left: TimeDelta| urgency(Deadline::AccessToken, start, end, end - left, false);
        assert_eq!(at(TimeDelta::minutes(20)), Urgency::Plenty);
        assert_eq!(at(TimeDelta::minutes(5)), Urgency::RenewingSoon);
        assert_eq!(at(TimeDelta::seconds(30)), Urgency::ActNow);
        assert_eq!(at(TimeDelta::zero()), Urgency::Expired);
    }

    #[test]
    fn failing_renewals_near_the_end_ask_the_person_to_act() {
        let start = Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap();
        let end = start + TimeDelta::minutes(30);
        let now = end - TimeDelta::minutes(4);
        assert_eq!(
            urgency(Deadline::AccessToken, start, end, now, true),
            Urgency::ActNow
        );
    }

    #[test]
    fn a_refresh_token_asks_for_action_in_its_last_hour() {
        let start = Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap();
        let end = start + TimeDelta::days(14);
        let at = |left: TimeDelta| urgency(Deadline::RefreshToken, start, end, end - left, false);
        assert_eq!(at(TimeDelta::days(5)), Urgency::Plenty);
        assert_eq!(at(TimeDelta::hours(20)), Urgency::RenewingSoon);
        assert_eq!(at(TimeDelta::minutes(30)), Urgency::ActNow);
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, TimeDelta};

    use super::*;

    fn t(ms: i64) -> Instant {
        DateTime::from_timestamp_millis(1_800_000_000_000 + ms).unwrap()
    }

    #[test]
    fn under_an_hour_shows_minutes_and_seconds() {
        assert_eq!(remaining(t(1_453_000), t(0)), "24:13");
        assert_eq!(remaining(t(59_000), t(0)), "0:59");
    }

    #[test]
    fn under_two_days_shows_hours_and_minutes() {
        let deadline = t(0) + TimeDelta::hours(3) + TimeDelta::minutes(12) + TimeDelta::seconds(5);
        assert_eq!(remaining(deadline, t(0)), "3 h 12 m");
        assert_eq!(remaining(t(0) + TimeDelta::hours(47), t(0)), "47 h 0 m");
    }

    #[test]
    fn two_days_or_more_shows_days() {
        assert_eq!(remaining(t(0) + TimeDelta::days(14), t(0)), "14 d");
    }

    #[test]
    fn a_passed_deadline_reads_expired() {
        assert_eq!(remaining(t(0), t(0)), "expired");
        assert_eq!(remaining(t(0), t(5_000)), "expired");
    }

    #[test]
    fn the_next_redraw_comes_at_the_next_whole_second_of_the_clock() {
        assert_eq!(
            next_change(t(10_250), t(400)),
            Some(Duration::from_millis(600))
        );
        assert_eq!(next_change(t(10_900), t(0)), Some(Duration::from_secs(1)));
        assert_eq!(next_change(t(0), t(0)), None);
        assert_eq!(
            next_change(t(900), t(100)),
            None,
            "it already reads expired"
        );
        assert_eq!(to_next_second(t(999)), Duration::from_millis(1));
    }

    #[test]
    fn countdowns_with_different_fractions_of_a_second_change_together() {
        // Deadlines 0.1 s and 0.7 s into a second: both texts change at whole seconds of the
        // clock, so one redraw serves both.
        let (a, b) = (t(60_100), t(90_700));
        for now_ms in [0, 250, 999] {
            assert_eq!(remaining(a, t(now_ms)), "1:00");
            assert_eq!(remaining(b, t(now_ms)), "1:30");
        }
        assert_eq!(remaining(a, t(1_000)), "0:59");
        assert_eq!(remaining(b, t(1_000)), "1:29");
        assert_eq!(next_change(a, t(250)), next_change(b, t(250)));
    }

    #[test]
    fn the_progress_bar_empties_as_the_deadline_nears() {
        assert!((fraction_left(t(0), t(100_000), t(25_000)) - 0.75).abs() < 1e-6);
        assert!(fraction_left(t(0), t(100_000), t(200_000)).abs() < 1e-6);
        assert!((fraction_left(t(0), t(100_000), t(-5)) - 1.0).abs() < 1e-6);
    }

    #[test]
    fn elapsed_time_reads_like_a_stopwatch() {
        assert_eq!(elapsed(t(0), t(7_000)), "0:07");
        assert_eq!(elapsed(t(0), t(3_723_000)), "1:02:03");
    }

    #[test]
    fn the_earliest_delay_wins() {
        let delays = [
            None,
            Some(Duration::from_millis(300)),
            Some(Duration::from_secs(1)),
        ];
        assert_eq!(earliest(delays), Some(Duration::from_millis(300)));
        assert_eq!(earliest([None, None]), None);
    }
}
