//! The host's clipboard service: [`TokenClipboard`] opens the clipboard once, copies tokens
//! with the sensitive-content hints, and clears them after the settings' delay if the
//! clipboard still holds them. Every clipboard call runs on the blocking pool.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::events::{Events, notice};
use crate::clock::Clock;
use crate::output::clipboard::{Arboard, ClipboardBackend, ClipboardError, SecureClipboard, Tick};
use crate::secret::Secret;
use crate::ui::Event;
use crate::ui::NoticeLevel;
use crate::ui::clipboard_status::ClipboardStatus;
use crate::ui::screens::ScreenEvent;

/// How often a pending clipboard clearing is looked at.
const CLIPBOARD_TICK: Duration = Duration::from_millis(250);

/// A clipboard back-end chosen at start-up (tests give an in-memory one).
pub type ClipboardOpener =
    Box<dyn FnOnce() -> Result<Box<dyn ClipboardBackend>, ClipboardError> + Send>;

/// The system clipboard (arboard).
pub fn system_clipboard() -> ClipboardOpener {
    Box::new(|| Arboard::open().map(|c| Box::new(c) as Box<dyn ClipboardBackend>))
}

struct Backend(Box<dyn ClipboardBackend>);

impl ClipboardBackend for Backend {
    fn set_sensitive(&mut self, text: &str) -> Result<(), ClipboardError> {
        self.0.set_sensitive(text)
    }
    fn text(&mut self) -> Result<Option<Secret<String>>, ClipboardError> {
        self.0.text()
    }
    fn clear(&mut self) -> Result<(), ClipboardError> {
        self.0.clear()
    }
}

type Shared = Arc<Mutex<Result<SecureClipboard<Backend>, String>>>;

/// The clipboard the host copies tokens to: opened once (on Linux the copied text lives as
/// long as it does), cleared after the settings' delay if it still holds our text.
#[derive(Clone)]
pub(in crate::desktop) struct TokenClipboard {
    inner: Shared,
    clock: Arc<dyn Clock>,
    ticking: Arc<AtomicBool>,
}

impl TokenClipboard {
    /// Opens the clipboard with `opener` (off the async threads: it may connect to X11).
    pub(in crate::desktop) async fn open(
        opener: ClipboardOpener,
        clock: Arc<dyn Clock>,
        delay: Duration,
    ) -> Self {
        let clock_for_open = Arc::clone(&clock);
        let opened = tokio::task::spawn_blocking(move || {
            opener()
                .map(|backend| SecureClipboard::new(Backend(backend), clock_for_open, delay))
                .map_err(|err| err.to_string())
        })
        .await
        .unwrap_or_else(|err| Err(format!("opening the clipboard failed unexpectedly: {err}")));
        if let Err(why) = &opened {
            tracing::warn!(%why, "no clipboard");
        }
        Self {
            inner: Arc::new(Mutex::new(opened)),
            clock,
            ticking: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Sets the delay for later copies (zero: never cleared).
    pub(in crate::desktop) fn set_delay(&self, delay: Duration) {
        if let Ok(clipboard) = &mut *self.lock(&self.inner) {
            clipboard.set_delay(delay);
        }
    }

    fn lock<'a>(
        &self,
        inner: &'a Shared,
    ) -> std::sync::MutexGuard<'a, Result<SecureClipboard<Backend>, String>> {
        inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Copies `text`; the status line to show, or what went wrong.
    pub(in crate::desktop) async fn copy(
        &self,
        text: Secret<String>,
        what: String,
    ) -> Result<ClipboardStatus, String> {
        let inner = Arc::clone(&self.inner);
        let clock = Arc::clone(&self.clock);
        let this = self.clone();
        let status = tokio::task::spawn_blocking(move || {
            let mut guard = this.lock(&inner);
            let clipboard = guard.as_mut().map_err(|why| {
                format!("Nothing was copied: the system clipboard is not available ({why}).")
            })?;
            clipboard
                .copy(&text)
                .map_err(|err| format!("Nothing was copied: {err}"))?;
            let clears_at = clipboard.clears_in().and_then(|left| {
                chrono::Duration::from_std(left)
                    .ok()
                    .map(|left| clock.now() + left)
            });
            Ok::<_, String>(ClipboardStatus { what, clears_at })
        })
        .await
        .map_err(|err| format!("Nothing was copied: the clipboard task failed ({err})."))??;
        Ok(status)
    }

    /// Puts text that is no secret (a sign-in address) on the clipboard; it is not cleared.
    pub(in crate::desktop) async fn copy_plain(&self, text: String) -> Result<(), String> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || {
            let inner = Arc::clone(&this.inner);
            let mut guard = this.lock(&inner);
            let clipboard = guard
                .as_mut()
                .map_err(|why| format!("the system clipboard is not available ({why})"))?;
            clipboard
                .backend_mut()
                .set_sensitive(&text)
                .map_err(|err| err.to_string())
        })
        .await
        .map_err(|err| format!("the clipboard task failed ({err})"))?
    }

    /// Clears the clipboard when its time comes (if it still holds our text), then tells the
    /// window. One ticker at a time; it ends when nothing is pending.
    pub(in crate::desktop) fn watch(&self, events: Events) {
        if self.ticking.swap(true, Ordering::SeqCst) {
            return;
        }
        let this = self.clone();
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(CLIPBOARD_TICK);
            loop {
                interval.tick().await;
                let inner = Arc::clone(&this.inner);
                let probe = this.clone();
                let tick = tokio::task::spawn_blocking(move || match &mut *probe.lock(&inner) {
                    Ok(clipboard) => clipboard.tick(),
                    Err(_) => Ok(Tick::Idle),
                })
                .await;
                match tick {
                    Ok(Ok(Tick::Waiting)) => continue,
                    Ok(Ok(Tick::Cleared | Tick::LeftAlone | Tick::Idle)) => {
                        events.send(Event::Screens(ScreenEvent::ClipboardDone));
                    }
                    Ok(Err(err)) => {
                        events.send(Event::Screens(ScreenEvent::ClipboardDone));
                        notice(
                            &events,
                            NoticeLevel::Error,
                            format!(
                                "Clearing the clipboard failed: {err}. Clear it yourself if it still holds a token."
                            ),
                        );
                    }
                    Err(err) => tracing::warn!(%err, "the clipboard ticker failed"),
                }
                break;
            }
            this.ticking.store(false, Ordering::SeqCst);
            // A copy made while this ticker was finishing saw it still running and started
            // none: if something is pending now, watch again, or that copy is never cleared.
            // (The lock may be held by a blocking clipboard call: wait for it off the async
            // threads.)
            let probe = this.clone();
            let pending = tokio::task::spawn_blocking(move || probe.pending()).await;
            if pending.unwrap_or(false) {
                this.watch(events);
            }
        });
    }

    /// Whether a copy is waiting to be cleared.
    fn pending(&self) -> bool {
        self.lock(&self.inner)
            .as_ref()
            .is_ok_and(|clipboard| clipboard.clears_in().is_some())
    }

    /// Clears our text now if the clipboard still holds it (the window is closing).
    pub(in crate::desktop) fn clear_now(&self) {
        if let Ok(clipboard) = &mut *self.lock(&self.inner)
            && let Err(err) = clipboard.clear_if_ours()
        {
            tracing::warn!(%err, "clearing the clipboard at exit failed");
        }
    }
}
