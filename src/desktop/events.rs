//! [`Events`]: the way from the host back to the window. Every event wakes the window
//! (`request_repaint`); a closed window no longer listens, and sending to it does nothing.
//! The lowest file of the host: it imports nothing of `desktop/`.

use std::sync::Arc;
use std::sync::mpsc as std_mpsc;

use eframe::egui;

use crate::ui::screens::ScreenEvent;
use crate::ui::{Event, NoticeLevel};

/// Something else that follows the host's events (the tray), shown each one before the window.
pub(super) type Observer = Arc<dyn Fn(&Event) + Send + Sync>;

/// Sends events to the screens and wakes the window.
#[derive(Clone)]
pub(super) struct Events {
    sender: std_mpsc::Sender<Event>,
    ctx: egui::Context,
    observer: Option<Observer>,
}

impl Events {
    /// Events to `sender`, waking the window of `ctx`.
    pub(super) fn new(sender: std_mpsc::Sender<Event>, ctx: egui::Context) -> Self {
        Self {
            sender,
            ctx,
            observer: None,
        }
    }

    /// The same, and every event shown to `observer` first.
    pub(super) fn observed_by(mut self, observer: Observer) -> Self {
        self.observer = Some(observer);
        self
    }

    /// Sends `event` and asks for a repaint (a closed window no longer listens: ignored).
    pub(super) fn send(&self, event: Event) {
        if let Some(observer) = &self.observer {
            observer(&event);
        }
        if self.sender.send(event).is_ok() {
            self.ctx.request_repaint();
        }
    }
}

/// A notice in the window's banner.
pub(super) fn notice(events: &Events, level: NoticeLevel, text: String) {
    events.send(Event::Notice { level, text });
}

/// An error notice in the window's banner.
pub(super) fn notice_error(events: &Events, text: String) {
    notice(events, NoticeLevel::Error, text);
}

/// An answer for the editor, the dialogs or the token tools.
pub(super) fn screen(events: &Events, event: ScreenEvent) {
    events.send(Event::Screens(event));
}
