//! Countdowns as people read them, and when the screen next needs redrawing for them.
//! Pure functions of two wall-clock times: no egui, no clock of their own.
//!
//! A countdown reads to the minute while there is time ([`SECONDS_SHOWN_UNDER`] or more
//! left), and to the second only near its end, where a person may have to act: a window
//! whose countdowns all have time is redrawn once a minute, not once a second (a redraw is a
//! whole frame, and with software OpenGL each costs a few milliseconds of CPU).
//!
//! Minutes are read on whole minutes of the wall clock and seconds on whole seconds (both
//! ends cut), so all countdowns on screen change at the same instant: one redraw serves
//! every profile, however many count down.

use std::time::Duration;

use chrono::{DurationRound, SubsecRound, TimeDelta};

use crate::arcgis::Instant;

/// `t` without its fraction of a second.
fn whole_second(t: Instant) -> Instant {
    t.trunc_subsecs(0)
}

/// Under this much time left, a countdown reads to the second (`4:59`); from it up, to the
/// minute (`24 min`). Access tokens are renewed at least this long before their end, so a
/// countdown that reaches it is one the person may have to watch.
pub const SECONDS_SHOWN_UNDER: TimeDelta = TimeDelta::minutes(5);

/// `t` cut to its minute.
fn whole_minute(t: Instant) -> Instant {
    t.duration_trunc(TimeDelta::minutes(1)).unwrap_or(t)
}

/// Whole seconds from `now` to `deadline`, both cut to the second.
fn seconds_left(deadline: Instant, now: Instant) -> TimeDelta {
    whole_second(deadline) - whole_second(now)
}

/// Whole minutes from `now` to `deadline`, both cut to the minute of the wall clock.
fn minutes_left(deadline: Instant, now: Instant) -> i64 {
    (whole_minute(deadline) - whole_minute(now)).num_minutes()
}

/// How long until the wall clock reaches its next whole minute (never zero, at most a
/// minute).
pub fn to_next_minute(now: Instant) -> Duration {
    let into_minute = (now - whole_minute(now))
        .num_milliseconds()
        .clamp(0, 59_999);
    Duration::from_millis(u64::try_from(60_000 - into_minute).unwrap_or(60_000))
}

/// How long until the wall clock reaches its next whole second (never zero, at most one
/// second): when anything shown to the second next changes.
pub fn to_next_second(now: Instant) -> Duration {
    let into_second = now - whole_second(now);
    let left = 1000 - into_second.num_milliseconds().clamp(0, 999);
    Duration::from_millis(u64::try_from(left).unwrap_or(1000))
}

/// The time left until `deadline`, as short text: `4:13` (minutes:seconds) under
/// [`SECONDS_SHOWN_UNDER`], `24 min` under an hour, `3 h 12 m` under two days, `14 d`
/// beyond; `expired` once it has passed.
pub fn remaining(deadline: Instant, now: Instant) -> String {
    let seconds = seconds_left(deadline, now);
    if seconds <= TimeDelta::zero() {
        return "expired".to_owned();
    }
    if seconds < SECONDS_SHOWN_UNDER {
        let seconds = seconds.num_seconds();
        return format!("{}:{:02}", seconds / 60, seconds % 60);
    }
    let minutes = minutes_left(deadline, now);
    let (hours, days) = (minutes / 60, minutes / 1440);
    if hours < 1 {
        format!("{minutes} min")
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

/// How long until the countdown to `deadline` next changes its text; `None` once it reads
/// `expired`. Near the end, the next whole second of the wall clock ([`to_next_second`]);
/// before, the next whole minute ([`to_next_minute`]) or the second it starts reading to the
/// second, whichever comes first.
pub fn next_change(deadline: Instant, now: Instant) -> Option<Duration> {
    let seconds = seconds_left(deadline, now);
    if seconds <= TimeDelta::zero() {
        return None;
    }
    if seconds < SECONDS_SHOWN_UNDER {
        return Some(to_next_second(now));
    }
    // `seconds_left` drops under the bound once the clock passes this whole second.
    let to_seconds = (whole_second(deadline) - SECONDS_SHOWN_UNDER + TimeDelta::seconds(1) - now)
        .to_std()
        .unwrap_or(Duration::from_secs(1));
    Some(to_next_minute(now).min(to_seconds))
}

/// The earliest of several optional redraw delays.
pub fn earliest(delays: impl IntoIterator<Item = Option<Duration>>) -> Option<Duration> {
    delays.into_iter().flatten().min()
}

/// How long ago `since` was, to the minute (read on whole minutes of the wall clock, as
/// countdowns are): `under a minute`, `7 min`, `2 h 5 m`, `3 d`.
pub fn ago(since: Instant, now: Instant) -> String {
    let minutes = (whole_minute(now) - whole_minute(since))
        .num_minutes()
        .max(0);
    let (hours, days) = (minutes / 60, minutes / 1440);
    if minutes < 1 {
        "under a minute".to_owned()
    } else if hours < 1 {
        format!("{minutes} min")
    } else if days < 2 {
        format!("{hours} h {} m", minutes % 60)
    } else {
        format!("{days} d")
    }
}

/// An elapsed time as `0:07` or `1:02:03`, for a stopwatch (a sign-in being waited for).
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
    fn the_last_five_minutes_read_to_the_second() {
        assert_eq!(remaining(t(299_000), t(0)), "4:59");
        assert_eq!(remaining(t(59_000), t(0)), "0:59");
    }

    #[test]
    fn from_five_minutes_up_to_an_hour_a_countdown_reads_in_whole_minutes() {
        // t(0) is a whole minute of the clock.
        assert_eq!(remaining(t(1_453_000), t(0)), "24 min");
        assert_eq!(remaining(t(300_000), t(0)), "5 min");
        assert_eq!(remaining(t(3_599_000), t(0)), "59 min");
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
    fn near_its_end_a_countdown_is_redrawn_at_the_next_whole_second_of_the_clock() {
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
    fn a_countdown_with_time_left_is_redrawn_at_the_next_whole_minute_of_the_clock() {
        // t(0) is a whole minute of the clock; t(20_000) is 20 s into it.
        let deadline = t(0) + TimeDelta::minutes(24);
        assert_eq!(
            next_change(deadline, t(20_000)),
            Some(Duration::from_secs(40))
        );
        assert_eq!(remaining(deadline, t(20_000)), "24 min");
        assert_eq!(remaining(deadline, t(59_999)), "24 min");
        assert_eq!(remaining(deadline, t(60_000)), "23 min");
        assert_eq!(to_next_minute(t(59_999)), Duration::from_millis(1));
    }

    #[test]
    fn a_countdown_is_redrawn_the_second_it_starts_reading_to_the_second() {
        // 5 min 10 s left, 20 s into the clock's minute: the switch to seconds comes first.
        let deadline = t(330_000);
        assert_eq!(remaining(deadline, t(20_000)), "5 min");
        assert_eq!(
            next_change(deadline, t(20_000)),
            Some(Duration::from_secs(11))
        );
        assert_eq!(remaining(deadline, t(30_999)), "5 min");
        assert_eq!(remaining(deadline, t(31_000)), "4:59");
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
    fn countdowns_in_minutes_change_together_at_the_clocks_whole_minute() {
        // Ten deadlines spread over a minute: one redraw (at the clock's next minute) serves
        // them all.
        let now = t(20_000);
        let changes: std::collections::BTreeSet<_> = (0..10)
            .map(|i| next_change(t(1_200_000 + i * 6_000), now))
            .collect();
        assert_eq!(changes.len(), 1, "{changes:?}");
    }

    #[test]
    fn the_progress_bar_empties_as_the_deadline_nears() {
        assert!((fraction_left(t(0), t(100_000), t(25_000)) - 0.75).abs() < 1e-6);
        assert!(fraction_left(t(0), t(100_000), t(200_000)).abs() < 1e-6);
        assert!((fraction_left(t(0), t(100_000), t(-5)) - 1.0).abs() < 1e-6);
    }

    #[test]
    fn how_long_ago_reads_to_the_minute() {
        assert_eq!(ago(t(0), t(30_000)), "under a minute");
        assert_eq!(ago(t(0), t(7 * 60_000)), "7 min");
        assert_eq!(ago(t(0), t(125 * 60_000)), "2 h 5 m");
        assert_eq!(ago(t(0), t(3 * 86_400_000)), "3 d");
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
