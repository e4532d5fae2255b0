//! The per-profile activity log: what happened and when (sign-ins, renewals, errors), as
//! the engine reports it in [`EngineEvent::Activity`]. Never holds a secret: the engine's
//! messages carry none. Kept in memory for the session, newest last, bounded per profile.

use eframe::egui;
use std::collections::{HashMap, VecDeque};

use chrono::{DateTime, Local, Utc};
use eframe::egui::{RichText, Ui};

use crate::engine::{EngineEvent, RenewalKind};
use crate::store::ProfileId;

/// The most entries kept per profile; older ones are dropped.
pub const MAX_ENTRIES_PER_PROFILE: usize = 200;

/// One line of the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityEntry {
    /// When it happened (UTC; shown in local time).
    pub at: DateTime<Utc>,
    /// What happened, in plain words.
    pub message: String,
    /// The renewal this was, if any.
    pub renewal: Option<RenewalKind>,
}

/// The activity of every profile in this session.
#[derive(Debug, Clone, Default)]
pub struct ActivityLog {
    entries: HashMap<ProfileId, VecDeque<ActivityEntry>>,
}

impl ActivityLog {
    /// Records an [`EngineEvent::Activity`]; other events are ignored.
    pub fn record(&mut self, event: &EngineEvent) {
        if let EngineEvent::Activity {
            profile,
            at,
            message,
            renewal,
        } = event
        {
            self.push(
                profile,
                ActivityEntry {
                    at: *at,
                    message: message.clone(),
                    renewal: *renewal,
                },
            );
        }
    }

    /// Adds a line for `profile` (the host's own notes: copied, signed out…).
    pub fn push(&mut self, profile: &ProfileId, entry: ActivityEntry) {
        let lines = self.entries.entry(profile.clone()).or_default();
        if lines.len() == MAX_ENTRIES_PER_PROFILE {
            lines.pop_front();
        }
        lines.push_back(entry);
    }

    /// The lines of `profile`, oldest first.
    pub fn entries(&self, profile: &ProfileId) -> impl DoubleEndedIterator<Item = &ActivityEntry> {
        self.entries.get(profile).into_iter().flatten()
    }

    /// Forgets a deleted profile's lines.
    pub fn forget(&mut self, profile: &ProfileId) {
        self.entries.remove(profile);
    }
}

/// Draws `profile`'s log, newest first, in a scroll area of at most `max_height` points.
pub fn activity_log_ui(ui: &mut Ui, log: &ActivityLog, profile: &ProfileId, max_height: f32) {
    let mut lines = log.entries(profile).rev().peekable();
    if lines.peek().is_none() {
        ui.label(RichText::new("Nothing happened yet in this session.").weak());
        return;
    }
    egui::ScrollArea::vertical()
        .id_salt(("activity_log", profile.as_str()))
        .max_height(max_height)
        .auto_shrink([false, true])
        .show(ui, |ui| {
            egui::Grid::new(("activity_grid", profile.as_str()))
                .num_columns(2)
                .striped(true)
                .show(ui, |ui| {
                    for entry in lines {
                        ui.label(RichText::new(local_time(entry.at)).monospace().weak());
                        ui.label(&entry.message);
                        ui.end_row();
                    }
                });
        });
}

/// `2026-11-22 14:03:07` in the local time zone.
fn local_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&Local)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn activity(profile: &ProfileId, n: usize) -> EngineEvent {
        EngineEvent::Activity {
            profile: profile.clone(),
            at: Utc.timestamp_opt(1_700_000_000 + n as i64, 0).unwrap(),
            message: format!("event {n}"),
            renewal: None,
        }
    }

    #[test]
    fn each_profile_keeps_its_own_newest_lines_up_to_the_bound() {
        let (a, b) = (ProfileId::generate(), ProfileId::generate());
        let mut log = ActivityLog::default();
        for n in 0..MAX_ENTRIES_PER_PROFILE + 5 {
            log.record(&activity(&a, n));
        }
        log.record(&activity(&b, 1));
        let lines: Vec<_> = log.entries(&a).collect();
        assert_eq!(lines.len(), MAX_ENTRIES_PER_PROFILE);
        assert_eq!(lines[0].message, "event 5");
        assert_eq!(log.entries(&b).count(), 1);
        log.forget(&a);
        assert_eq!(log.entries(&a).count(), 0);
    }
}
