//! The line that says what was copied and when the clipboard clears ("Copied the
//! Authorization header of work · the clipboard clears in 12 s"), from the view's
//! [`CopiedStatus`] (the host reports each copy with its clearing deadline).

use std::time::Duration;

use chrono::{DateTime, Utc};
use eframe::egui::{RichText, Ui};

use super::view::CopiedStatus;

/// Time left until clearing at `now`; `None` when the clipboard is never cleared.
fn clears_in(status: &CopiedStatus, now: DateTime<Utc>) -> Option<Duration> {
    status
        .clears_at
        .map(|at| (at - now).to_std().unwrap_or(Duration::ZERO))
}

/// The sentence for `status` at `now`.
pub fn status_text(status: &CopiedStatus, now: DateTime<Utc>) -> String {
    match clears_in(status, now) {
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
pub fn clipboard_status_ui(ui: &mut Ui, status: &CopiedStatus, now: DateTime<Utc>) {
    ui.label(RichText::new(status_text(status, now)).small());
    if let Some(left) = clears_in(status, now).filter(|left| !left.is_zero()) {
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
        let status = CopiedStatus {
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
        let status = CopiedStatus {
            what: "the token".into(),
            clears_at: None,
        };
        let now = Utc.timestamp_opt(1_700_000_000, 0).unwrap();
        assert!(status_text(&status, now).contains("not cleared automatically"));
    }
}
