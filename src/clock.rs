//! The injected wall clock. Code that needs "now" takes a [`Clock`] instead of reading the
//! system time, so deadlines and countdowns can be tested by setting the time, and so
//! lifetimes are computed in wall time (which, unlike `std::time::Instant`, keeps running
//! while a laptop sleeps).

use chrono::{DateTime, Utc};

/// A source of the current UTC time.
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> DateTime<Utc>;
}

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}
