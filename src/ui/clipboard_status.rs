//! The line that says what was copied and when the clipboard clears ("Copied the
//! Authorization header of work · the clipboard clears in 12 s"). The host reports a copy
//! with its clearing deadline (from `output::clipboard`); this file words and draws it.

use std::time::Duration;

use chrono::{DateTime, Utc};
use eframe::egui::{RichText, Ui};

/// What the clipboard holds from TokenDesk, as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClipboardStatus {
    /// What was copied, e.g. `the Authorization header of work` (never the token itself).
    pub what: String,
    /// When the clipboard is cleared (if it still holds our text); `None`: never.
    pub clears_at: Option<DateTime<Utc>>,
}

impl ClipboardStatus {
    /// Time left until clearing at `now`; `None` when the clipboard is never cleared.
    pub fn clears_in(&self, now: DateTime<Utc>) -> Option<Duration> {
        self.clears_at
            .map(|at| (at - now).to_std().unwrap_or(Duration::ZERO))
    }
}

/// The sentence for `status` at `now`.
pub fn status_text(status: &ClipboardStatus, now: DateTime<Utc>) -> String {
    match status.clears_in(now) {
        Some(left) if left.is_zero() => format!("Copied {} · clearing the clipboard", status.what),
        Some(left) => format!(
            "Copied {} · the clipboard clears in {} s",
            status.what,
            whole_seconds_up(left)
        ),
        None => format!(
            "Copied {} · the clipboard is not cleared automatically (see Settings)",
            status.what
        ),
    }
}

/// Draws the line, and asks for a repaint when the shown second changes.
pub fn clipboard_status_ui(ui: &mut Ui, status: &ClipboardStatus, now: DateTime<Utc>) {
    ui.label(RichText::new(status_text(status, now)).small());
    if let Some(left) = status.clears_in(now).filter(|left| !left.is_zero()) {
        let into_second = Duration::from_nanos(u64::from(left.subsec_nanos()));
        let next = if into_second.is_zero() {
            Duration::from_secs(1)
        } else {
            into_second
        };
        ui.ctx().request_repaint_after(next);
    }
}

/// Seconds, rounded up: 11.2 s left reads "12 s".
fn whole_seconds_up(left: Duration) -> u64 {
    left.as_secs() + u64::from(left.subsec_nanos() > 0)
}

#[cfg(test)]
mod tests {
    use chrono::{TimeDelta, TimeZone};

    use super::*;

    #[test]
    fn the_seconds_left_are_rounded_up() {
        let now = Utc.timestamp_opt(1_700_000_000, 0).unwrap();
        let status = ClipboardStatus {
            what: "the token".into(),
            clears_at: Some(now + TimeDelta::milliseconds(11_200)),
        };
        assert_eq!(
            status_text(&status, now),
            "Copied the token · the clipboard clears in 12 s"
        );
        assert_eq!(
            status_text(&status, now + TimeDelta::seconds(12)),
            "Copied the token · clearing the clipboard"
        );
    }

    #[test]
    fn a_clipboard_that_is_never_cleared_says_so() {
        let status = ClipboardStatus {
            what: "the token".into(),
            clears_at: None,
        };
        let now = Utc.timestamp_opt(1_700_000_000, 0).unwrap();
        assert!(status_text(&status, now).contains("not cleared automatically"));
    }
}
