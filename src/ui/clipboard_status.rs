//! The line that says what was copied and when the clipboard clears ("Copied the
//! Authorization header · the clipboard clears in 12 s"). The host fills a
//! [`ClipboardStatus`] from `output::clipboard`; this file only words and draws it.

use std::time::Duration;

use eframe::egui::{RichText, Ui};

/// What the clipboard holds from TokenDesk, as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClipboardStatus {
    /// What was copied, e.g. `the Authorization header` (never the token itself).
    pub what: String,
    /// Time left until the clipboard is cleared; `None` when it is never cleared.
    pub clears_in: Option<Duration>,
}

/// The sentence for `status`.
pub fn status_text(status: &ClipboardStatus) -> String {
    match status.clears_in {
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
pub fn clipboard_status_ui(ui: &mut Ui, status: &ClipboardStatus) {
    ui.label(RichText::new(status_text(status)).small());
    if let Some(left) = status.clears_in {
        let into_second = Duration::from_nanos(u64::from(left.subsec_nanos()));
        let next = if into_second.is_zero() {
            Duration::from_secs(1)
        } else {
            into_second
        };
        ui.ctx().request_repaint_after(next);
    }
}

/// Seconds, rounded up: 11.2 s left reads "12 s", and "0 s" only when it is done.
fn whole_seconds_up(left: Duration) -> u64 {
    left.as_secs() + u64::from(left.subsec_nanos() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seconds_left_are_rounded_up() {
        let status = ClipboardStatus {
            what: "the token".into(),
            clears_in: Some(Duration::from_millis(11_200)),
        };
        assert_eq!(
            status_text(&status),
            "Copied the token · the clipboard clears in 12 s"
        );
    }

    #[test]
    fn a_clipboard_that_is_never_cleared_says_so() {
        let status = ClipboardStatus {
            what: "the token".into(),
            clears_in: None,
        };
        assert!(status_text(&status).contains("not cleared automatically"));
    }
}
