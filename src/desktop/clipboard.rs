//! The host's clipboard: one [`SecureClipboard`] for the app's whole life (on Linux the
//! copied text lives only as long as it does), used off the async threads because clipboard
//! calls can block. Copied tokens are marked sensitive and cleared after the delay if the
//! clipboard still holds them; a ticker does the clearing and tells the screens.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::clock::Clock;
use crate::output::clipboard::{
    Arboard, ClipboardBackend, ClipboardError, DEFAULT_CLEAR_DELAY, SecureClipboard, Tick,
};
use crate::secret::Secret;

/// How often the ticker looks whether the copied text is due for clearing.
const TICK: Duration = Duration::from_secs(1);

/// Which clipboard the host uses.
pub enum ClipboardChoice {
    /// The system clipboard (arboard), opened at start-up.
    System,
    /// This backend (an in-memory clipboard in tests).
    Given(Box<dyn ClipboardBackend>),
}

type Inner = Result<SecureClipboard<Box<dyn ClipboardBackend>>, String>;

/// The clipboard, shared by the host's tasks.
#[derive(Clone)]
pub(super) struct HostClipboard {
    inner: Arc<Mutex<Inner>>,
}

impl HostClipboard {
    /// Opens the clipboard (when it cannot be opened, every copy says why) and starts the
    /// ticker, which reports each clearing (or leaving alone) to `on_done`.
    pub(super) async fn open(
        choice: ClipboardChoice,
        clock: Arc<dyn Clock>,
        on_done: impl Fn(Tick) + Send + 'static,
    ) -> Self {
        let backend: Result<Box<dyn ClipboardBackend>, String> = match choice {
            ClipboardChoice::Given(backend) => Ok(backend),
            ClipboardChoice::System => tokio::task::spawn_blocking(|| {
                Arboard::open().map(|b| Box::new(b) as Box<dyn ClipboardBackend>)
            })
            .await
            .map_err(|err| err.to_string())
            .and_then(|opened| opened.map_err(|err| err.to_string())),
        };
        if let Err(why) = &backend {
            tracing::warn!(%why, "no clipboard");
        }
        let inner = backend.map(|b| SecureClipboard::new(b, clock, DEFAULT_CLEAR_DELAY));
        let opened = inner.is_ok();
        let this = Self {
            inner: Arc::new(Mutex::new(inner)),
        };
        if opened {
            let ticker = this.clone();
            tokio::spawn(async move { ticker.tick_forever(on_done).await });
        }
        this
    }

    /// Runs `action` on the clipboard on the blocking pool.
    async fn with<T: Send + 'static>(
        &self,
        action: impl FnOnce(
            &mut SecureClipboard<Box<dyn ClipboardBackend>>,
        ) -> Result<T, ClipboardError>
        + Send
        + 'static,
    ) -> Result<T, String> {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            let mut guard = inner.lock().unwrap_or_else(PoisonError::into_inner);
            match guard.as_mut() {
                Ok(clipboard) => action(clipboard).map_err(|err| err.to_string()),
                Err(why) => Err(format!("the system clipboard is not available ({why})")),
            }
        })
        .await
        .map_err(|err| format!("the clipboard call failed unexpectedly: {err}"))?
    }

    /// Copies a secret, marked sensitive; returns how long until it is cleared (`None`:
    /// never).
    pub(super) async fn copy_secret(
        &self,
        text: Secret<String>,
    ) -> Result<Option<Duration>, String> {
        self.with(move |clipboard| {
            clipboard.copy(&text)?;
            Ok(clipboard.clears_in())
        })
        .await
    }

    /// Copies text that is no secret (an address); it is not cleared later.
    pub(super) async fn copy_plain(&self, text: String) -> Result<(), String> {
        self.with(move |clipboard| clipboard.backend_mut().set_sensitive(&text))
            .await
    }

    /// Changes the delay for later copies (zero: never clear).
    pub(super) async fn set_delay(&self, delay: Duration) -> Result<(), String> {
        self.with(move |clipboard| {
            clipboard.set_delay(delay);
            Ok(())
        })
        .await
    }

    /// Clears our text now if the clipboard still holds it (the app is closing).
    pub(super) async fn clear_if_ours(&self) {
        if let Err(why) = self.with(SecureClipboard::clear_if_ours).await {
            tracing::warn!(%why, "could not clear the clipboard on exit");
        }
    }

    /// Once a second: clears the copied text when it is due (nothing to do, and no
    /// clipboard call, while nothing waits). Ends with the runtime.
    async fn tick_forever(&self, on_done: impl Fn(Tick)) {
        loop {
            tokio::time::sleep(TICK).await;
            match self.with(SecureClipboard::tick).await {
                Ok(done @ (Tick::Cleared | Tick::LeftAlone)) => on_done(done),
                Ok(Tick::Idle | Tick::Waiting) => {}
                Err(why) => tracing::warn!(%why, "clearing the clipboard failed"),
            }
        }
    }
}
