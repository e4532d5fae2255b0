//! When to act on a token: pure functions of a token's times and "now".
//!
//! * An access token is renewed ahead of its expiry by the smaller of 5 minutes and 20 % of
//!   its lifetime (a 30-minute OAuth token at 25 minutes; a 20-second demo token at 16 s).
//!   The 5 minutes are the default of the engine's renewal margin (the desktop app's
//!   "refresh margin" setting), passed in as `margin`.
//! * A refresh token is exchanged (`exchange_refresh_token`) once the smaller of 24 hours and
//!   20 % of its lifetime is left (a two-week token one day ahead, as ArcGIS REST JS does; a
//!   two-minute demo token 24 s ahead).
//! * Failures back off exponentially, capped, with jitter, and never faster than once a second.
//! * Which failures are worth retrying, and which need the person to sign in again.

use std::time::Duration;

use chrono::TimeDelta;

use crate::arcgis::{ErrorKind, Instant};

/// A token's lifetime as TokenDesk saw it: when it was received and when it expires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifetime {
    /// When TokenDesk received the token.
    pub issued_at: Instant,
    /// When the token stops working.
    pub expires_at: Instant,
}

impl Lifetime {
    /// The whole lifetime (zero if the token arrived already expired).
    pub fn length(&self) -> TimeDelta {
        (self.expires_at - self.issued_at).max(TimeDelta::zero())
    }

    /// The moment at which `margin` of the lifetime is left.
    fn ahead_by(&self, margin: TimeDelta) -> Instant {
        self.expires_at - margin
    }
}

/// How an access token can be renewed without the person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Renewal {
    /// With a refresh token (`refresh_token` / `exchange_refresh_token` grants).
    /// `None` lifetime: the refresh token does not expire.
    RefreshToken(Option<Lifetime>),
    /// By asking again with stored credentials (app credentials, a remembered password).
    Reissue,
    /// Not at all (a password that was not remembered, an API key): sign in again.
    Impossible,
}

/// What to do about a profile's token now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// Nothing until `until`; the token can be handed out as it is.
    Wait { until: Instant },
    /// Get a new access token now (`refresh_token` grant, or re-issue with credentials).
    Renew,
    /// Exchange the refresh token now for a new one (and a new access token).
    ExchangeRefreshToken,
    /// The token cannot be renewed: the person must sign in again.
    /// `usable_until`: the current access token still works until then, if at all.
    SignInNeeded { usable_until: Option<Instant> },
}

/// The default longest renewal margin.
pub const DEFAULT_RENEWAL_MARGIN: TimeDelta = TimeDelta::minutes(5);

/// How far ahead of its expiry an access token is renewed: the smaller of a fifth of its
/// lifetime and `margin`, the longest renewal margin.
pub fn renewal_margin(lifetime: TimeDelta, margin: TimeDelta) -> TimeDelta {
    (lifetime / 5).min(margin)
}

/// How far ahead of its expiry a refresh token is exchanged.
pub fn exchange_margin(lifetime: TimeDelta) -> TimeDelta {
    (lifetime / 5).min(TimeDelta::hours(24))
}

/// Decides what to do, given the access token's lifetime (if there is one), how it can be
/// renewed, the current time, and the longest renewal margin.
pub fn plan(access: Option<Lifetime>, renewal: Renewal, now: Instant, margin: TimeDelta) -> Plan {
    let usable_until = access.filter(|a| a.expires_at > now).map(|a| a.expires_at);
    let renew_at = access.map(|a| a.ahead_by(renewal_margin(a.length(), margin)));

    match renewal {
        Renewal::Impossible => match usable_until {
            Some(until) => Plan::Wait { until },
            None => Plan::SignInNeeded { usable_until },
        },
        Renewal::Reissue => match renew_at {
            Some(at) if now < at => Plan::Wait { until: at },
            _ => Plan::Renew,
        },
        Renewal::RefreshToken(refresh) => {
            if let Some(refresh) = refresh {
                if refresh.expires_at <= now {
                    return Plan::SignInNeeded { usable_until };
                }
                let exchange_at = refresh.ahead_by(exchange_margin(refresh.length()));
                if now >= exchange_at {
                    return Plan::ExchangeRefreshToken;
                }
                return match renew_at {
                    Some(at) if now < at => Plan::Wait {
                        until: at.min(exchange_at),
                    },
                    _ => Plan::Renew,
                };
            }
            match renew_at {
                Some(at) if now < at => Plan::Wait { until: at },
                _ => Plan::Renew,
            }
        }
    }
}

/// Capped exponential backoff with jitter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The delay after the first failure (before jitter).
    pub base: Duration,
    /// The largest delay.
    pub cap: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            base: Duration::from_secs(2),
            cap: Duration::from_secs(120),
        }
    }
}

impl Backoff {
    /// The backoff for failures that retrying soon cannot cure (a site whose tokens arrive
    /// already expired: a clock or a setting needs a person): the first retry after 30 to
    /// 60 seconds, then doubling to 15 minutes.
    pub const RARE: Self = Self {
        base: Duration::from_secs(60),
        cap: Duration::from_secs(15 * 60),
    };
}

/// The shortest delay between two attempts, whatever the settings: never a tight loop.
pub const MIN_RETRY_DELAY: Duration = Duration::from_secs(1);

impl Backoff {
    /// The delay before retry number `attempt` (1 = after the first failure).
    /// `jitter` in `[0, 1]` picks a point in the upper half of the window ("equal jitter"),
    /// so that many processes failing together do not retry together.
    pub fn delay(&self, attempt: u32, jitter: f64) -> Duration {
        let doublings = attempt.saturating_sub(1).min(20);
        let window = self
            .base
            .saturating_mul(1u32 << doublings)
            .min(self.cap)
            .max(MIN_RETRY_DELAY);
        let jitter = if jitter.is_finite() {
            jitter.clamp(0.0, 1.0)
        } else {
            0.0
        };
        (window / 2 + window.mul_f64(jitter / 2.0)).max(MIN_RETRY_DELAY)
    }
}

/// What a failed renewal means for the profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// A passing problem (network, overloaded site): back off and try again.
    Retry,
    /// A problem a person must fix on one side (tokens that arrive already expired: a clock
    /// or a token lifetime setting), which might be fixed at any time: try again rarely
    /// ([`Backoff::RARE`]), so that a fix is noticed but the site is never stormed.
    RetryRarely,
    /// The grant or the credentials are no longer good: stop and ask the person to sign in.
    SignInNeeded,
    /// Retrying cannot help until the profile or the portal changes (unknown client ID,
    /// HTTPS required, a broken CA file): stop and say what to fix.
    Stop,
}

/// Classifies a failed renewal. Credentials are never retried automatically: a wrong
/// password tried again and again can lock the account.
pub fn after_failure(kind: ErrorKind) -> AfterFailure {
    match kind {
        ErrorKind::ServerError
        | ErrorKind::Network
        | ErrorKind::Tls
        | ErrorKind::UnexpectedResponse => AfterFailure::Retry,
        ErrorKind::ImplausibleLifetime => AfterFailure::RetryRarely,
        ErrorKind::InvalidGrant
        | ErrorKind::InvalidToken
        | ErrorKind::TokenRequired
        | ErrorKind::BadCredentials
        | ErrorKind::AccessDenied
        | ErrorKind::StateMismatch => AfterFailure::SignInNeeded,
        ErrorKind::InvalidClient
        | ErrorKind::NoPermission
        | ErrorKind::SslRequired
        | ErrorKind::Rejected
        | ErrorKind::LocalSetup => AfterFailure::Stop,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;

    fn t(seconds: i64) -> Instant {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
    }

    fn lifetime(from: i64, to: i64) -> Lifetime {
        Lifetime {
            issued_at: t(from),
            expires_at: t(to),
        }
    }

    const HOUR: i64 = 3600;
    const DAY: i64 = 24 * HOUR;

    #[test]
    fn a_thirty_minute_access_token_is_renewed_five_minutes_before_it_expires() {
        let access = lifetime(0, 1800);
        let renewal = Renewal::RefreshToken(Some(lifetime(0, 14 * DAY)));
        assert_eq!(
            plan(Some(access), renewal, t(10), DEFAULT_RENEWAL_MARGIN),
            Plan::Wait { until: t(1500) }
        );
        assert_eq!(
            plan(Some(access), renewal, t(1500), DEFAULT_RENEWAL_MARGIN),
            Plan::Renew
        );
    }

    #[test]
    fn a_twenty_second_access_token_is_renewed_with_a_fifth_of_its_life_left() {
        let access = lifetime(0, 20);
        assert_eq!(
            plan(
                Some(access),
                Renewal::RefreshToken(None),
                t(1),
                DEFAULT_RENEWAL_MARGIN
            ),
            Plan::Wait { until: t(16) }
        );
        assert_eq!(
            plan(
                Some(access),
                Renewal::RefreshToken(None),
                t(16),
                DEFAULT_RENEWAL_MARGIN
            ),
            Plan::Renew
        );
    }

    #[test]
    fn a_two_week_refresh_token_is_exchanged_one_day_before_it_ends() {
        let refresh = lifetime(0, 14 * DAY);
        let access = lifetime(13 * DAY - 100, 13 * DAY + 1700);
        let renewal = Renewal::RefreshToken(Some(refresh));
        assert_eq!(
            plan(
                Some(access),
                renewal,
                t(13 * DAY - 1),
                DEFAULT_RENEWAL_MARGIN
            ),
            Plan::Wait { until: t(13 * DAY) }
        );
        assert_eq!(
            plan(Some(access), renewal, t(13 * DAY), DEFAULT_RENEWAL_MARGIN),
            Plan::ExchangeRefreshToken
        );
    }

    #[test]
    fn a_two_minute_refresh_token_is_exchanged_with_a_fifth_of_its_life_left() {
        let refresh = lifetime(0, 120);
        let access = lifetime(90, 110);
        let renewal = Renewal::RefreshToken(Some(refresh));
        assert_eq!(
            plan(Some(access), renewal, t(95), DEFAULT_RENEWAL_MARGIN),
            Plan::Wait { until: t(96) }
        );
        assert_eq!(
            plan(Some(access), renewal, t(96), DEFAULT_RENEWAL_MARGIN),
            Plan::ExchangeRefreshToken
        );
        assert_eq!(
            plan(Some(lifetime(0, 20)), renewal, t(1), DEFAULT_RENEWAL_MARGIN),
            Plan::Wait { until: t(16) }
        );
    }

    #[test]
    fn an_expired_refresh_token_asks_for_sign_in_but_keeps_a_still_valid_access_token_usable() {
        let renewal = Renewal::RefreshToken(Some(lifetime(0, 100)));
        assert_eq!(
            plan(
                Some(lifetime(90, 200)),
                renewal,
                t(150),
                DEFAULT_RENEWAL_MARGIN
            ),
            Plan::SignInNeeded {
                usable_until: Some(t(200))
            }
        );
        assert_eq!(
            plan(None, renewal, t(150), DEFAULT_RENEWAL_MARGIN),
            Plan::SignInNeeded { usable_until: None }
        );
    }

    #[test]
    fn without_an_access_token_one_is_fetched_at_once() {
        assert_eq!(
            plan(
                None,
                Renewal::RefreshToken(None),
                t(0),
                DEFAULT_RENEWAL_MARGIN
            ),
            Plan::Renew
        );
        assert_eq!(
            plan(None, Renewal::Reissue, t(0), DEFAULT_RENEWAL_MARGIN),
            Plan::Renew
        );
    }

    #[test]
    fn a_token_that_cannot_be_renewed_is_used_until_it_expires_then_needs_sign_in() {
        let access = lifetime(0, 7200);
        assert_eq!(
            plan(
                Some(access),
                Renewal::Impossible,
                t(7000),
                DEFAULT_RENEWAL_MARGIN
            ),
            Plan::Wait { until: t(7200) }
        );
        assert_eq!(
            plan(
                Some(access),
                Renewal::Impossible,
                t(7200),
                DEFAULT_RENEWAL_MARGIN
            ),
            Plan::SignInNeeded { usable_until: None }
        );
    }

    #[test]
    fn reissued_tokens_follow_the_same_margin_as_refreshed_ones() {
        let access = lifetime(0, 7200);
        assert_eq!(
            plan(Some(access), Renewal::Reissue, t(0), DEFAULT_RENEWAL_MARGIN),
            Plan::Wait { until: t(6900) }
        );
    }

    #[test]
    fn backoff_doubles_up_to_its_cap_and_stays_in_the_upper_half_of_each_window() {
        let backoff = Backoff::default();
        assert_eq!(backoff.delay(1, 0.0), Duration::from_secs(1));
        assert_eq!(backoff.delay(1, 1.0), Duration::from_secs(2));
        assert_eq!(backoff.delay(3, 0.0), Duration::from_secs(4));
        assert_eq!(backoff.delay(3, 1.0), Duration::from_secs(8));
        assert_eq!(backoff.delay(30, 1.0), Duration::from_secs(120));
        assert_eq!(backoff.delay(u32::MAX, 0.0), Duration::from_secs(60));
    }

    #[test]
    fn backoff_never_retries_faster_than_once_a_second() {
        let eager = Backoff {
            base: Duration::ZERO,
            cap: Duration::ZERO,
        };
        for attempt in [0, 1, 2, 50] {
            assert!(eager.delay(attempt, 0.0) >= MIN_RETRY_DELAY);
            assert!(eager.delay(attempt, f64::NAN) >= MIN_RETRY_DELAY);
        }
    }

    #[test]
    fn passing_failures_are_retried_and_dead_grants_ask_for_sign_in() {
        assert_eq!(after_failure(ErrorKind::Network), AfterFailure::Retry);
        assert_eq!(after_failure(ErrorKind::ServerError), AfterFailure::Retry);
        assert_eq!(
            after_failure(ErrorKind::InvalidGrant),
            AfterFailure::SignInNeeded
        );
        assert_eq!(
            after_failure(ErrorKind::BadCredentials),
            AfterFailure::SignInNeeded
        );
        assert_eq!(after_failure(ErrorKind::InvalidClient), AfterFailure::Stop);
    }

    #[test]
    fn a_longer_renewal_margin_renews_long_tokens_earlier_but_short_ones_still_at_a_fifth() {
        let hour = TimeDelta::hours(1);
        assert_eq!(
            renewal_margin(hour, TimeDelta::minutes(10)),
            TimeDelta::minutes(10)
        );
        assert_eq!(
            renewal_margin(hour, DEFAULT_RENEWAL_MARGIN),
            TimeDelta::minutes(5)
        );
        assert_eq!(
            renewal_margin(TimeDelta::seconds(20), TimeDelta::minutes(10)),
            TimeDelta::seconds(4)
        );
    }
}
