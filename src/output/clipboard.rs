//! The clipboard with KeePassXC-style hygiene: copied text is marked sensitive (left out of
//! clipboard history and cloud sync), and cleared after a delay — but only if the clipboard
//! still holds what TokenDesk put there, so a user's own later copy is never wiped.
//!
//! [`SecureClipboard`] holds the policy; a [`ClipboardBackend`] does the I/O: [`Arboard`] in
//! the product, [`MemoryClipboard`] in tests. Time comes from an injected [`Clock`]; the owner
//! calls [`SecureClipboard::tick`] now and then (e.g. once a second while
//! [`SecureClipboard::clears_in`] is `Some`) and the clearing happens there.
//!
//! To tell "still ours" without keeping the secret, only a SHA-256 digest of the copied text
//! is kept.
//!
//! Clipboard calls can block (X11 round trips, a slow clipboard manager): run them off the UI
//! thread.
//!
//! **Linux (X11 and Wayland):** there is no system-wide clipboard buffer; the application
//! that copied serves the text to whoever pastes. The text lives only as long as the
//! [`arboard::Clipboard`] inside [`Arboard`] lives, so the app must create one [`Arboard`]
//! (one [`SecureClipboard`]) at start-up and keep it for its whole lifetime, not one per copy.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::clock::Clock;
use crate::secret::Secret;

/// The default delay before copied text is cleared.
pub const DEFAULT_CLEAR_DELAY: Duration = Duration::from_secs(30);

/// A clipboard operation that failed.
#[derive(Debug, thiserror::Error)]
pub enum ClipboardError {
    /// The system clipboard could not be opened (no display, no clipboard service).
    #[error(
        "the system clipboard is not available ({0}); copy the text from the window instead, \
         or check that a display (X11/Wayland) is running"
    )]
    Unavailable(String),
    /// Writing, reading or clearing failed.
    #[error("the clipboard refused the {action} ({detail}); try again")]
    Failed {
        /// `copy`, `read` or `clear`.
        action: &'static str,
        /// What the platform said (never the clipboard's content).
        detail: String,
    },
}

/// Where the text actually goes.
pub trait ClipboardBackend: Send {
    /// Puts `text` on the clipboard, marked sensitive (excluded from history and cloud
    /// clipboard where the platform supports it).
    fn set_sensitive(&mut self, text: &str) -> Result<(), ClipboardError>;
    /// The clipboard's current text; `None` when it is empty or holds no text.
    fn text(&mut self) -> Result<Option<Secret<String>>, ClipboardError>;
    /// Empties the clipboard.
    fn clear(&mut self) -> Result<(), ClipboardError>;
}

/// What [`SecureClipboard::tick`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tick {
    /// Nothing is waiting to be cleared.
    Idle,
    /// Our text is still there and its time has not come.
    Waiting,
    /// Our text was cleared.
    Cleared,
    /// The clipboard holds something else now (the user copied): left alone.
    LeftAlone,
}

/// Text TokenDesk put on the clipboard and will clear.
#[derive(Clone)]
struct Pending {
    digest: [u8; 32],
    clear_at: DateTime<Utc>,
}

/// The clipboard policy: sensitive copy, clear after a delay if still ours.
pub struct SecureClipboard<B> {
    backend: B,
    clock: Arc<dyn Clock>,
    delay: Duration,
    pending: Option<Pending>,
}

impl<B: ClipboardBackend> SecureClipboard<B> {
    /// A clipboard clearing copied text after `delay` ([`Duration::ZERO`] = never).
    pub fn new(backend: B, clock: Arc<dyn Clock>, delay: Duration) -> Self {
        Self {
            backend,
            clock,
            delay,
            pending: None,
        }
    }

    /// Changes the delay for later copies ([`Duration::ZERO`] = never clear).
    pub fn set_delay(&mut self, delay: Duration) {
        self.delay = delay;
    }

    /// The delay for new copies.
    pub fn delay(&self) -> Duration {
        self.delay
    }

    /// Copies `text`, marked sensitive, and schedules its clearing.
    pub fn copy(&mut self, text: &Secret<String>) -> Result<(), ClipboardError> {
        self.backend.set_sensitive(text.expose())?;
        let delay = chrono::Duration::from_std(self.delay).unwrap_or(chrono::Duration::MAX);
        self.pending = (!self.delay.is_zero()).then(|| Pending {
            digest: digest(text.expose()),
            clear_at: self
                .clock
                .now()
                .checked_add_signed(delay)
                .unwrap_or(DateTime::<Utc>::MAX_UTC),
        });
        Ok(())
    }

    /// How long until the copied text is cleared, rounded up to whole seconds (what "clears in
    /// 12 s" shows); `None` when nothing is waiting. Whether the text is still on the
    /// clipboard is only checked at clearing time.
    pub fn clears_in(&self) -> Option<Duration> {
        let pending = self.pending.as_ref()?;
        let left = (pending.clear_at - self.clock.now())
            .to_std()
            .unwrap_or_default();
        let whole = left.as_secs() + u64::from(left.subsec_nanos() > 0);
        Some(Duration::from_secs(whole))
    }

    /// Clears the copied text if its time has come and the clipboard still holds it.
    pub fn tick(&mut self) -> Result<Tick, ClipboardError> {
        match &self.pending {
            None => Ok(Tick::Idle),
            Some(pending) if self.clock.now() < pending.clear_at => Ok(Tick::Waiting),
            Some(_) => self.clear_if_ours(),
        }
    }

    /// Clears the copied text now if the clipboard still holds it (e.g. when the app quits).
    pub fn clear_if_ours(&mut self) -> Result<Tick, ClipboardError> {
        let Some(pending) = self.pending.clone() else {
            return Ok(Tick::Idle);
        };
        let ours = self
            .backend
            .text()?
            .is_some_and(|current| digest(current.expose()) == pending.digest);
        if ours {
            self.backend.clear()?;
        }
        self.pending = None;
        Ok(if ours { Tick::Cleared } else { Tick::LeftAlone })
    }

    /// The backend (tests read the in-memory clipboard through it).
    pub fn backend_mut(&mut self) -> &mut B {
        &mut self.backend
    }
}

fn digest(text: &str) -> [u8; 32] {
    Sha256::digest(text.as_bytes()).into()
}

/// The system clipboard through `arboard`. See the module docs: keep it for the app's
/// lifetime.
pub struct Arboard {
    clipboard: arboard::Clipboard,
}

impl Arboard {
    /// Opens the system clipboard (on Linux: connects to the display in `DISPLAY` /
    /// `WAYLAND_DISPLAY`).
    pub fn open() -> Result<Self, ClipboardError> {
        arboard::Clipboard::new()
            .map(|clipboard| Self { clipboard })
            .map_err(|err| ClipboardError::Unavailable(err.to_string()))
    }
}

fn failed(action: &'static str) -> impl FnOnce(arboard::Error) -> ClipboardError {
    move |err| ClipboardError::Failed {
        action,
        detail: err.to_string(),
    }
}

impl ClipboardBackend for Arboard {
    fn set_sensitive(&mut self, text: &str) -> Result<(), ClipboardError> {
        let set = self.clipboard.set();
        #[cfg(all(
            unix,
            not(any(target_os = "macos", target_os = "ios", target_os = "android"))
        ))]
        let set = arboard::SetExtLinux::exclude_from_history(set);
        #[cfg(target_os = "macos")]
        let set = arboard::SetExtApple::exclude_from_history(set);
        #[cfg(target_os = "windows")]
        let set = {
            use arboard::SetExtWindows;
            set.exclude_from_history()
                .exclude_from_cloud()
                .exclude_from_monitoring()
        };
        set.text(text).map_err(failed("copy"))
    }

    fn text(&mut self) -> Result<Option<Secret<String>>, ClipboardError> {
        match self.clipboard.get_text() {
            Ok(text) => Ok(Some(Secret::new(text))),
            Err(arboard::Error::ContentNotAvailable) => Ok(None),
            Err(err) => Err(failed("read")(err)),
        }
    }

    fn clear(&mut self) -> Result<(), ClipboardError> {
        self.clipboard.clear().map_err(failed("clear"))
    }
}

/// An in-memory clipboard for tests. Clones share the same content, so a test can keep one
/// clone to look at (and to "copy something else") while [`SecureClipboard`] owns another.
#[derive(Debug, Clone, Default)]
pub struct MemoryClipboard {
    state: Arc<Mutex<MemoryState>>,
}

#[derive(Debug, Default)]
struct MemoryState {
    text: Option<Secret<String>>,
    sensitive: bool,
}

impl MemoryClipboard {
    /// The current content.
    pub fn content(&self) -> Option<Secret<String>> {
        self.lock().text.clone()
    }

    /// Whether the current content was marked sensitive.
    pub fn is_sensitive(&self) -> bool {
        self.lock().sensitive
    }

    /// Another application copies `text` (not marked sensitive).
    pub fn copy_from_elsewhere(&self, text: &str) {
        *self.lock() = MemoryState {
            text: Some(Secret::from(text)),
            sensitive: false,
        };
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MemoryState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl ClipboardBackend for MemoryClipboard {
    fn set_sensitive(&mut self, text: &str) -> Result<(), ClipboardError> {
        *self.lock() = MemoryState {
            text: Some(Secret::from(text)),
            sensitive: true,
        };
        Ok(())
    }

    fn text(&mut self) -> Result<Option<Secret<String>>, ClipboardError> {
        Ok(self.content())
    }

    fn clear(&mut self) -> Result<(), ClipboardError> {
        *self.lock() = MemoryState::default();
        Ok(())
    }
}

#[cfg(test)]
#[path = "clipboard_tests.rs"]
mod tests;
