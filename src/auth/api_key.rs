//! API keys: what kind of key a string is (legacy `AAPK…` or an API key credential's
//! `AAPT…` with its slot), checking a key against the portal (`portals/self` with the key:
//! a `user` or an `appInfo` answer), and how its expiry reads as a countdown in days with
//! warnings 30, 7 and 1 days ahead.
//!
//! A key is used as it is — there is nothing to renew: when it expires, a new key is needed.

use chrono::TimeDelta;
use serde_json::Value;

use crate::arcgis::info::portal_self;
use crate::arcgis::time::EpochMillis;
use crate::arcgis::{ArcGisClient, ArcGisError, Instant, PortalUrl};
use crate::remedy::{KeyTrouble, Remedy, Warning};
use crate::secret::{AccessToken, Secret};

/// The days-ahead thresholds at which an expiring key is warned about.
pub const WARNING_DAYS: [i64; 3] = [30, 7, 1];

/// What kind of API key a string is, from its prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyGeneration {
    /// A legacy key (`AAPK…`): never expires, but ArcGIS retired legacy keys in June 2026.
    Legacy,
    /// A key of an API key credential (`AAPT…`), in slot 1 or 2 (`None`: the slot digit is
    /// not where ArcGIS puts it).
    Credential {
        /// The slot: the digit ten characters from the end.
        slot: Option<u8>,
    },
    /// Another prefix (`AATK`, `AAST`, an Enterprise key…): nothing more is known.
    Other,
}

impl KeyGeneration {
    /// Reads the prefix (and for `AAPT` keys the slot) of `key`.
    pub fn of(key: &str) -> Self {
        if key.starts_with("AAPK") {
            Self::Legacy
        } else if key.starts_with("AAPT") {
            Self::Credential {
                slot: slot_for_key(key),
            }
        } else {
            Self::Other
        }
    }
}

/// The slot (1 or 2) of an API key credential's key: the character at `len - 10`, as
/// ArcGIS REST JS reads it (`slotForKey`).
pub fn slot_for_key(key: &str) -> Option<u8> {
    let index = key.len().checked_sub(10)?;
    match key.as_bytes().get(index) {
        Some(b'1') => Some(1),
        Some(b'2') => Some(2),
        _ => None,
    }
}

/// Whom the portal says a key belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyOwner {
    /// The portal answered with `appInfo`: an app (API key credential).
    App {
        /// `appInfo.appId` (the credential's client id).
        app_id: Option<String>,
        /// `appInfo.appTitle`.
        title: Option<String>,
    },
    /// The portal answered with `user`: a key acting as a user.
    User {
        /// The user name.
        username: String,
    },
    /// The portal accepted the key but said neither (some Enterprise portals).
    Unknown,
}

impl KeyOwner {
    /// In words, for messages and status.
    pub fn describe(&self) -> String {
        match self {
            Self::App { title, app_id } => match (title, app_id) {
                (Some(title), _) if !title.is_empty() => format!("app \"{title}\""),
                (_, Some(id)) => format!("app {id}"),
                _ => "an app".to_owned(),
            },
            Self::User { username } => format!("user {username}"),
            Self::Unknown => "(the portal did not say)".to_owned(),
        }
    }
}

/// What the portal said about a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyCheck {
    /// Whom it belongs to.
    pub owner: KeyOwner,
    /// When it expires, when the portal says (`appInfo.apiToken{slot}ExpirationDate`).
    pub expires_at: Option<Instant>,
}

/// Checks `key` against the portal: `portals/self` with the key. A 498 means the key is
/// wrong, expired or revoked.
pub async fn check(
    client: &ArcGisClient,
    portal: &PortalUrl,
    key: &Secret<String>,
    now: Instant,
) -> Result<KeyCheck, ArcGisError> {
    // An API key is sent where an access token goes.
    let as_token = AccessToken::new(key.expose().clone());
    let answer = portal_self(client, portal, Some(&as_token), now).await?;
    let slot = slot_for_key(key.expose());
    Ok(read_check(
        answer.user.map(|u| u.username),
        answer.app_info.as_ref(),
        slot,
    ))
}

/// The owner and expiry in a `portals/self` answer.
fn read_check(user: Option<String>, app_info: Option<&Value>, slot: Option<u8>) -> KeyCheck {
    if let Some(username) = user {
        return KeyCheck {
            owner: KeyOwner::User { username },
            expires_at: None,
        };
    }
    let Some(info) = app_info else {
        return KeyCheck {
            owner: KeyOwner::Unknown,
            expires_at: None,
        };
    };
    let text = |name: &str| info.get(name).and_then(Value::as_str).map(str::to_owned);
    let expires_at = slot
        .and_then(|slot| info.get(format!("apiToken{slot}ExpirationDate")))
        .and_then(|value| serde_json::from_value::<EpochMillis>(value.clone()).ok())
        .and_then(|millis| millis.to_instant());
    KeyCheck {
        owner: KeyOwner::App {
            app_id: text("appId"),
            title: text("appTitle"),
        },
        expires_at,
    }
}

/// How a key's expiry reads at a moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expiry {
    /// A legacy key: no expiry, but retired by ArcGIS.
    LegacyRetired,
    /// No expiry known (none entered, the portal did not say).
    Unknown,
    /// Expires in `days` whole days (0: today); `warning` is the threshold crossed (30, 7
    /// or 1), if any.
    Ahead {
        /// When.
        at: Instant,
        /// Whole days left, rounded down.
        days: i64,
        /// The smallest of [`WARNING_DAYS`] at least as far away as the expiry.
        warning: Option<i64>,
    },
    /// Expired.
    Expired {
        /// When.
        at: Instant,
    },
}

impl Expiry {
    /// The expiry of a key of `generation` expiring at `expires_at`, seen at `now`.
    pub fn at(generation: KeyGeneration, expires_at: Option<Instant>, now: Instant) -> Self {
        match (generation, expires_at) {
            (_, Some(at)) => Self::dated(at, now),
            (KeyGeneration::Legacy, None) => Self::LegacyRetired,
            (_, None) => Self::Unknown,
        }
    }

    /// The expiry of a key known to expire at `at` (of any generation), seen at `now`.
    pub fn dated(at: Instant, now: Instant) -> Self {
        if at <= now {
            return Self::Expired { at };
        }
        let left = at - now;
        Self::Ahead {
            at,
            days: left.num_days(),
            warning: WARNING_DAYS
                .iter()
                .rev()
                .copied()
                .find(|&d| left <= TimeDelta::days(d)),
        }
    }

    /// One line for `status`: the countdown in days, or what is known (what to do about it
    /// is [`Expiry::remedy`]).
    pub fn describe(&self) -> String {
        match self {
            Self::LegacyRetired => "never (legacy AAPK key) — but ArcGIS retired legacy API keys \
                in June 2026: this key no longer works on ArcGIS Online"
                .to_owned(),
            Self::Unknown => "unknown (the portal did not say)".to_owned(),
            Self::Ahead { at, days, .. } => {
                format!("{} (in {})", at.format("%Y-%m-%d"), days_word(*days))
            }
            Self::Expired { at } => format!("{} (expired)", at.format("%Y-%m-%d")),
        }
    }

    /// What to do about the expiry, if anything: give the date, or replace the key.
    pub fn remedy(&self) -> Option<Remedy> {
        let replace = |why| Some(Remedy::ReplaceApiKey { profile: None, why });
        match self {
            Self::LegacyRetired => replace(KeyTrouble::Retired),
            Self::Unknown => Some(Remedy::GiveApiKeyExpiry { profile: None }),
            Self::Expired { .. } => replace(KeyTrouble::Expired),
            Self::Ahead {
                warning: Some(_), ..
            } => replace(KeyTrouble::ExpiresSoon),
            Self::Ahead { warning: None, .. } => None,
        }
    }

    /// A warning to show, if the key expires within 30 days, has expired, or is retired.
    pub fn warning(&self, profile: &str) -> Option<Warning> {
        let text = match self {
            Self::Ahead {
                days,
                warning: Some(_),
                ..
            } => format!(
                "the API key of profile `{profile}` expires in {}",
                days_word(*days)
            ),
            Self::Expired { at } => format!(
                "the API key of profile `{profile}` expired on {}",
                at.format("%Y-%m-%d")
            ),
            Self::LegacyRetired => format!(
                "profile `{profile}` uses a legacy API key (AAPK…); ArcGIS retired legacy keys \
                 in June 2026 and they no longer work on ArcGIS Online"
            ),
            _ => return None,
        };
        Some(Warning::new(
            text,
            self.remedy().map(|remedy| remedy.for_profile(profile)),
        ))
    }
}

fn days_word(days: i64) -> String {
    match days {
        0 => "less than a day".to_owned(),
        1 => "1 day".to_owned(),
        n => format!("{n} days"),
    }
}

/// The end of the day `date` (UTC): an expiry entered as `YYYY-MM-DD` lasts that whole day.
pub fn end_of_day(date: chrono::NaiveDate) -> Option<Instant> {
    let next = date.succ_opt()?.and_hms_opt(0, 0, 0)?.and_utc();
    Some(next - TimeDelta::seconds(1))
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, NaiveDate};
    use serde_json::json;

    use super::*;

    fn t(days: i64, hours: i64) -> Instant {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap()
            + TimeDelta::days(days)
            + TimeDelta::hours(hours)
    }

    #[test]
    fn the_slot_of_an_aapt_key_is_the_digit_ten_characters_from_the_end() {
        assert_eq!(slot_for_key("AAPTxyz0xAT1_U48KuejH"), Some(1));
        assert_eq!(slot_for_key("AAPTxyz0xAT2_U48KuejH"), Some(2));
        assert_eq!(slot_for_key("short"), None);
        assert_eq!(
            KeyGeneration::of("AAPTxyz0xAT2_U48KuejH"),
            KeyGeneration::Credential { slot: Some(2) }
        );
        assert_eq!(KeyGeneration::of("AAPKabc"), KeyGeneration::Legacy);
        assert_eq!(KeyGeneration::of("AATKabc"), KeyGeneration::Other);
    }

    #[test]
    fn expiry_warnings_start_thirty_seven_and_one_day_ahead() {
        let key = KeyGeneration::Credential { slot: Some(1) };
        let warning_at = |days_left: i64| match Expiry::at(key, Some(t(days_left, 1)), t(0, 0)) {
            Expiry::Ahead { warning, .. } => warning,
            other => panic!("{other:?}"),
        };
        assert_eq!(warning_at(45), None);
        assert_eq!(warning_at(30), None);
        assert_eq!(warning_at(29), Some(30));
        assert_eq!(warning_at(7), Some(30));
        assert_eq!(warning_at(6), Some(7));
        assert_eq!(warning_at(0), Some(1));
        let soon = Expiry::at(key, Some(t(6, 1)), t(0, 0));
        assert!(
            soon.describe().ends_with("(in 6 days)"),
            "{}",
            soon.describe()
        );
        assert!(
            soon.warning("k")
                .unwrap()
                .text
                .contains("expires in 6 days")
        );
        assert_eq!(
            Expiry::at(key, Some(t(0, 0)), t(0, 0)),
            Expiry::Expired { at: t(0, 0) }
        );
    }

    #[test]
    fn a_legacy_key_reads_as_retired_and_an_unknown_expiry_says_how_to_give_it() {
        let legacy = Expiry::at(KeyGeneration::Legacy, None, t(0, 0));
        assert_eq!(legacy, Expiry::LegacyRetired);
        assert!(
            legacy
                .describe()
                .contains("no longer works on ArcGIS Online")
        );
        assert!(legacy.warning("k").unwrap().text.contains("June 2026"));
        let unknown = Expiry::at(KeyGeneration::Other, None, t(0, 0));
        assert_eq!(
            unknown.remedy(),
            Some(Remedy::GiveApiKeyExpiry { profile: None })
        );
        assert_eq!(unknown.warning("k"), None);
    }

    #[test]
    fn the_portal_answer_says_whose_key_it_is_and_when_its_slot_expires() {
        let info = json!({"appId": "cred", "appTitle": "Maps", "apiToken2ExpirationDate": 1_800_000_000_000_i64});
        let check = read_check(None, Some(&info), Some(2));
        assert_eq!(check.owner.describe(), "app \"Maps\"");
        assert_eq!(check.expires_at, Some(t(0, 0)));
        assert_eq!(read_check(None, Some(&info), Some(1)).expires_at, None);
        let user = read_check(Some("analyst".into()), None, None);
        assert_eq!(user.owner.describe(), "user analyst");
    }

    #[test]
    fn an_entered_date_lasts_the_whole_day() {
        let date = NaiveDate::from_ymd_opt(2026, 12, 24).unwrap();
        assert_eq!(
            end_of_day(date).unwrap().to_rfc3339(),
            "2026-12-24T23:59:59+00:00"
        );
    }
}
