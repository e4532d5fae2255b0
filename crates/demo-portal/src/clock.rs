//! The portal's clock: wall time plus an offset that tests move forward through
//! `POST /__admin/clock/advance`, so expiry is tested without sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, Utc};

/// Wall-clock UTC time shifted by an adjustable offset; cheap to clone (shared offset).
#[derive(Debug, Clone, Default)]
pub struct DemoClock {
    offset_ms: Arc<AtomicI64>,
}

impl DemoClock {
    /// The portal's current time.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::milliseconds(self.offset_ms.load(Ordering::SeqCst))
    }

    /// Moves the portal's time forward (or back, with a negative value) by `seconds`.
    pub fn advance(&self, seconds: i64) {
        self.offset_ms
            .fetch_add(seconds.saturating_mul(1000), Ordering::SeqCst);
    }

    /// How far the portal's time is ahead of the wall clock, in seconds.
    pub fn offset_seconds(&self) -> i64 {
        self.offset_ms.load(Ordering::SeqCst) / 1000
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_the_clock_moves_now_forward_by_that_many_seconds() {
        let clock = DemoClock::default();
        let before = clock.now();
        clock.advance(3600);
        let moved = clock.now() - before;
        assert!(moved >= Duration::seconds(3600) && moved < Duration::seconds(3660));
        assert_eq!(clock.offset_seconds(), 3600);
    }
}
