//! Units, handled once: everything ArcGIS says about time becomes an [`Instant`].
//!
//! * `expiration` going out is always **minutes** ([`Expiration`]).
//! * `expires_in` / `refresh_token_expires_in` coming back are **seconds relative to now**;
//!   "now" is always a parameter (an injected clock supplies it), never read here.
//! * `expires` coming back is **epoch milliseconds**, a number or (Server admin API) a
//!   string ([`EpochMillis`]).

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

/// An absolute `expires` value: epoch milliseconds as a JSON number or string.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum EpochMillis {
    /// `"expires": 1494541135122`
    Number(i64),
    /// `"expires": "13472658353687"` (Server admin API documentation example)
    Text(String),
}

impl EpochMillis {
    /// The instant, or `None` when the value is not a representable epoch time.
    pub fn to_instant(&self) -> Option<Instant> {
        let millis = match self {
            Self::Number(millis) => *millis,
            Self::Text(text) => text.trim().parse().ok()?,
        };
        DateTime::from_timestamp_millis(millis)
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
    }
}
