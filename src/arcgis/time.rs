//! Units, handled once: everything ArcGIS says about time becomes an [`Instant`].
//!
//! * `expiration` going out is always **minutes** ([`Expiration`]).
//! * `expires_in` / `refresh_token_expires_in` coming back are **seconds relative to now**;
//!   "now" is always a parameter (an injected clock supplies it), never read here.
//! * `expires` coming back is **epoch milliseconds**, a number or (Server admin API) a
//!   string ([`EpochMillis`]).
//! * Numbers are read leniently ([`WireNumber`]): a number, a float (rounded) or a string
//!   holding either. Lifetimes beyond what ArcGIS ever gives are clamped ([`Lifetimes`]) and
//!   the clamp is said in a note, never trusted silently.
//! * An absolute time from the site is on the *site's* clock; [`AnswerTime`] carries the
//!   site's `Date` header so that such times are moved onto this computer's clock when the
//!   two disagree ([`SKEW_TOLERANCE`]).

use chrono::{DateTime, TimeDelta, Utc};
use serde::Deserialize;

/// The one instant type of TokenDesk: a UTC wall-clock time.
///
/// Not [`std::time::Instant`], despite the name: that one is monotonic and stops while a
/// laptop sleeps, so deadlines computed with it come late after a suspend. Do not import
/// both into one file without renaming one.
pub type Instant = DateTime<Utc>;

/// A requested token lifetime, sent as the `expiration` parameter (minutes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiration {
    /// A lifetime in whole minutes.
    Minutes(u32),
    /// `-1`: a refresh token that does not expire (authorize only; the portal's
    /// `maxTokenExpirationMinutes` still applies).
    Never,
}

impl Expiration {
    /// The lifetime closest to `duration`, rounded up to whole minutes (at least one).
    pub fn from_duration(duration: std::time::Duration) -> Self {
        let minutes = duration.as_secs().div_ceil(60).max(1);
        Self::Minutes(u32::try_from(minutes).unwrap_or(u32::MAX))
    }

    /// The value of the `expiration` form/query parameter.
    pub fn to_param(self) -> String {
        match self {
            Self::Minutes(minutes) => minutes.to_string(),
            Self::Never => "-1".to_owned(),
        }
    }
}

/// The longest an access token of any kind lasts: a year (an API key's longest life; OAuth
/// and generateToken tokens are capped at two weeks, §7 of the protocol notes). A site
/// that says more is not believed.
pub const MAX_ACCESS_LIFETIME: TimeDelta = TimeDelta::days(366);

/// The longest a refresh token lasts: 90 days (129600 minutes, the documented maximum of
/// `expiration`).
pub const MAX_REFRESH_LIFETIME: TimeDelta = TimeDelta::days(90);

/// How far the site's clock may be from this computer's before times are corrected and the
/// difference is reported. The `Date` header has one-second resolution and an answer may
/// take seconds to arrive; two minutes leaves room for both.
pub const SKEW_TOLERANCE: TimeDelta = TimeDelta::minutes(2);

/// When an answer arrived: by this computer's clock, and by the site's (its `Date` header),
/// when it said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnswerTime {
    /// This computer's time when the answer arrived (the injected clock).
    pub now: Instant,
    /// The site's time, from the answer's `Date` header.
    pub site_now: Option<Instant>,
}

impl AnswerTime {
    /// An answer with no `Date` header (recorded bodies, redirects).
    pub fn local(now: Instant) -> Self {
        Self {
            now,
            site_now: None,
        }
    }

    /// How far the site's clock is ahead of this computer's (negative: behind), when the
    /// difference is beyond [`SKEW_TOLERANCE`].
    pub fn skew(&self) -> Option<TimeDelta> {
        let skew = self.site_now? - self.now;
        (skew.abs() > SKEW_TOLERANCE).then_some(skew)
    }

    /// A time the site gave on its own clock, moved onto this computer's clock.
    pub fn to_local(&self, on_site_clock: Instant) -> Instant {
        match self.skew() {
            Some(skew) => on_site_clock
                .checked_sub_signed(skew)
                .unwrap_or(on_site_clock),
            None => on_site_clock,
        }
    }

    /// A sentence on the skew, when there is one: "the site's clock is 2 h 0 min behind
    /// this computer's".
    pub fn skew_note(&self) -> Option<String> {
        let skew = self.skew()?;
        let side = if skew < TimeDelta::zero() {
            "behind"
        } else {
            "ahead of"
        };
        Some(format!(
            "the site's clock is {} {side} this computer's (by the Date of its answer)",
            span(skew.abs())
        ))
    }
}

/// A duration in words: "2 h 5 min", "45 s", "3 days 4 h". From a minute on it is rounded to
/// the nearest minute: a skew measured with the `Date` header's whole seconds and a request's
/// latency is 1 h 59 min 59 s as often as 2 h.
pub fn span(delta: TimeDelta) -> String {
    let mut seconds = delta.num_seconds().max(0);
    if seconds >= 60 {
        seconds = (seconds + 30) / 60 * 60;
    }
    let (days, hours, minutes) = (seconds / 86_400, seconds / 3600 % 24, seconds / 60 % 60);
    match (days, hours, minutes) {
        (0, 0, 0) => format!("{seconds} s"),
        (0, 0, m) => format!("{m} min"),
        (0, h, m) => format!("{h} h {m} min"),
        (1, h, _) => format!("1 day {h} h"),
        (d, h, _) => format!("{d} days {h} h"),
    }
}

/// A number as sites send it: a JSON integer, a float, or a string holding either
/// (`"1800"`, `"1800.5"`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum WireNumber {
    /// `1800`
    Integer(i64),
    /// `1800.5`, or an integer too large for `i64`.
    Float(f64),
    /// `"1800"`
    Text(String),
}

impl WireNumber {
    /// The value as a float; `None` for text that is not a number, NaN and infinities.
    pub fn value(&self) -> Option<f64> {
        let value = match self {
            #[allow(clippy::cast_precision_loss)] // lifetimes are far below 2^53
            Self::Integer(n) => *n as f64,
            Self::Float(f) => *f,
            Self::Text(text) => text.trim().parse::<f64>().ok()?,
        };
        value.is_finite().then_some(value)
    }
}

impl std::fmt::Display for WireNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Integer(n) => write!(f, "{n}"),
            Self::Float(x) => write!(f, "{x}"),
            Self::Text(text) => write!(f, "{text:?}"),
        }
    }
}

/// A lifetime read from an answer: where it ends, and a note when it had to be clamped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lifetimes {
    /// The end, on this computer's clock.
    pub ends_at: Instant,
    /// Set when the site said more than `max`: what it said and what was used instead.
    pub clamped: Option<String>,
}

/// `now + seconds` for a lenient `expires_in`: rounded, clamped to `max` with a note.
/// `None` for a negative or unreadable value.
pub fn lifetime_in_seconds(
    now: Instant,
    seconds: &WireNumber,
    max: TimeDelta,
    what: &str,
) -> Option<Lifetimes> {
    let value = seconds.value()?.round();
    if value < 0.0 {
        return None;
    }
    #[allow(clippy::cast_precision_loss)]
    let max_seconds = max.num_seconds() as f64;
    if value > max_seconds {
        return Some(Lifetimes {
            ends_at: now.checked_add_signed(max)?,
            clamped: Some(clamp_note(what, &format!("{seconds} seconds"), max)),
        });
    }
    #[allow(clippy::cast_possible_truncation)] // 0 ≤ value ≤ max_seconds
    let whole = value as i64;
    Some(Lifetimes {
        ends_at: after_seconds(now, whole)?,
        clamped: None,
    })
}

fn clamp_note(what: &str, said: &str, max: TimeDelta) -> String {
    format!(
        "the site said the {what} lasts {said}, longer than ArcGIS ever gives ({}); TokenDesk \
         counts with {} instead",
        span(max),
        span(max)
    )
}

/// `now + seconds`, for `expires_in` and `refresh_token_expires_in`.
///
/// Negative values mean "does not expire" for `refresh_token_expires_in` after a request
/// with `expiration=-1` (UNCONFIRMED what the portal sends there; the lenient reading is
/// used) and give `None`, as do values too large to represent.
pub fn after_seconds(now: Instant, seconds: i64) -> Option<Instant> {
    if seconds < 0 {
        return None;
    }
    now.checked_add_signed(TimeDelta::try_seconds(seconds)?)
}

/// An absolute `expires` value: epoch milliseconds as a JSON number (integer or float) or a
/// string (`"expires": "13472658353687"`, the Server admin API documentation example).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(transparent)]
pub struct EpochMillis(pub WireNumber);

impl EpochMillis {
    /// The instant on the site's clock, or `None` when the value is not a representable
    /// epoch time.
    pub fn to_instant(&self) -> Option<Instant> {
        let millis = self.0.value()?.round();
        #[allow(clippy::cast_precision_loss)]
        if !(i64::MIN as f64..=i64::MAX as f64).contains(&millis) {
            return None;
        }
        #[allow(clippy::cast_possible_truncation)] // checked to be in range just above
        DateTime::from_timestamp_millis(millis as i64)
    }

    /// The end of an access token, on this computer's clock: moved by the site's clock skew,
    /// and clamped to [`MAX_ACCESS_LIFETIME`] from now with a note.
    pub fn access_lifetime(&self, time: &AnswerTime) -> Option<Lifetimes> {
        let ends_at = time.to_local(self.to_instant()?);
        let latest = time.now.checked_add_signed(MAX_ACCESS_LIFETIME)?;
        if ends_at > latest {
            return Some(Lifetimes {
                ends_at: latest,
                clamped: Some(clamp_note(
                    "token",
                    &format!("until {}", ends_at.format("%Y-%m-%d")),
                    MAX_ACCESS_LIFETIME,
                )),
            });
        }
        Some(Lifetimes {
            ends_at,
            clamped: None,
        })
    }
}

impl std::fmt::Display for EpochMillis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Instant {
        DateTime::from_timestamp(1_700_000_000, 0).unwrap()
    }

    #[test]
    fn expiration_goes_out_in_minutes() {
        assert_eq!(Expiration::Minutes(20160).to_param(), "20160");
        assert_eq!(Expiration::Never.to_param(), "-1");
        let two_hours = std::time::Duration::from_secs(7200);
        assert_eq!(
            Expiration::from_duration(two_hours),
            Expiration::Minutes(120)
        );
        let a_bit = std::time::Duration::from_secs(61);
        assert_eq!(Expiration::from_duration(a_bit), Expiration::Minutes(2));
    }

    #[test]
    fn expires_in_is_seconds_after_the_given_now() {
        let at = after_seconds(now(), 1800).unwrap();
        assert_eq!((at - now()).num_seconds(), 1800);
        assert_eq!(after_seconds(now(), -1), None);
    }

    #[test]
    fn expires_is_epoch_milliseconds_as_number_or_string() {
        let number: EpochMillis = serde_json::from_str("1494541135122").unwrap();
        let text: EpochMillis = serde_json::from_str("\"1494541135122\"").unwrap();
        assert_eq!(number.to_instant(), text.to_instant());
        assert_eq!(
            number.to_instant().unwrap().timestamp_millis(),
            1_494_541_135_122
        );
        let junk: EpochMillis = serde_json::from_str("\"soon\"").unwrap();
        assert_eq!(junk.to_instant(), None);
        let float: EpochMillis = serde_json::from_str("1494541135122.4").unwrap();
        assert_eq!(float.to_instant(), number.to_instant());
        let huge: EpochMillis = serde_json::from_str("1e300").unwrap();
        assert_eq!(huge.to_instant(), None);
    }

    #[test]
    fn expires_in_is_read_from_integers_floats_and_number_strings() {
        let max = MAX_ACCESS_LIFETIME;
        for text in ["1800", "1800.4", "\"1800\"", "\" 1799.6 \""] {
            let seconds: WireNumber = serde_json::from_str(text).unwrap();
            let life = lifetime_in_seconds(now(), &seconds, max, "token").unwrap();
            assert_eq!((life.ends_at - now()).num_seconds(), 1800, "{text}");
            assert_eq!(life.clamped, None, "{text}");
        }
        for text in ["\"soon\"", "-5", "\"\""] {
            let seconds: WireNumber = serde_json::from_str(text).unwrap();
            assert_eq!(
                lifetime_in_seconds(now(), &seconds, max, "token"),
                None,
                "{text}"
            );
        }
    }

    #[test]
    fn a_lifetime_beyond_what_arcgis_gives_is_clamped_with_a_note() {
        let century: WireNumber = serde_json::from_str("3155760000").unwrap();
        let life = lifetime_in_seconds(now(), &century, MAX_ACCESS_LIFETIME, "token").unwrap();
        assert_eq!(life.ends_at - now(), MAX_ACCESS_LIFETIME);
        let note = life.clamped.unwrap();
        assert!(
            note.contains("3155760000 seconds") && note.contains("366 days"),
            "{note}"
        );
        let far: EpochMillis = serde_json::from_str("4102444800000").unwrap(); // 2100
        let life = far.access_lifetime(&AnswerTime::local(now())).unwrap();
        assert_eq!(life.ends_at - now(), MAX_ACCESS_LIFETIME);
        assert!(life.clamped.unwrap().contains("until 2100-01-01"));
    }

    #[test]
    fn a_site_clock_two_hours_behind_is_reported_and_its_times_are_moved_onto_this_clock() {
        let time = AnswerTime {
            now: now(),
            site_now: Some(now() - TimeDelta::hours(2)),
        };
        assert_eq!(time.skew(), Some(-TimeDelta::hours(2)));
        let on_site = now() - TimeDelta::hours(2) + TimeDelta::minutes(60);
        assert_eq!(time.to_local(on_site), now() + TimeDelta::minutes(60));
        let note = time.skew_note().unwrap();
        assert!(note.contains("2 h 0 min behind"), "{note}");
        let almost = AnswerTime {
            now: now(),
            site_now: Some(now() - TimeDelta::hours(2) + TimeDelta::seconds(2)),
        };
        let note = almost.skew_note().unwrap();
        assert!(
            note.contains("2 h 0 min behind"),
            "rounded, not cut: {note}"
        );
        let close = AnswerTime {
            now: now(),
            site_now: Some(now() + TimeDelta::seconds(90)),
        };
        assert_eq!(close.skew(), None);
        assert_eq!(close.to_local(now()), now());
    }
}
