//! [`HostConfig`]: what the host runs with — where profiles and secrets come from, the
//! clock, the browser and the clipboard. Plain data, read by [`super::host`] and
//! [`super::dispatch`].

use std::sync::Arc;
use std::time::Duration;

use super::clipboard::{ClipboardOpener, system_clipboard};
use crate::auth::{Browser, SystemBrowser};
use crate::clock::{Clock, SystemClock};
use crate::store::{KeyringUnavailable, Paths, SecretStore};

/// How long the host waits for the keyring to answer its first call before it falls back
/// to session-only mode (and says so).
pub const KEYRING_TIMEOUT: Duration = Duration::from_secs(20);

/// Opens a secret store, or says why there is none (injected by tests).
pub type KeyringOpener =
    Box<dyn FnOnce() -> Result<Arc<dyn SecretStore>, KeyringUnavailable> + Send>;

/// Where the secrets live.
pub enum SecretsChoice {
    /// The OS keyring; when none can be reached, session memory, shown in a banner.
    Keyring,
    /// This opener instead of the OS keyring (same fallback and banner).
    Open(KeyringOpener),
    /// This store, as it is: session memory for `--demo`, a test store.
    Given(Arc<dyn SecretStore>),
}

/// Where the profiles come from.
pub enum Setup {
    /// The profiles file under these directories.
    Profiles(Paths),
    /// The built-in demo portal, started in-process, with ready-made profiles in a
    /// throw-away directory.
    Demo,
}

/// What the host runs with.
pub struct HostConfig {
    /// Profiles.
    pub setup: Setup,
    /// Secrets.
    pub secrets: SecretsChoice,
    /// "Now", for the engine (and the screens, which take the same clock).
    pub clock: Arc<dyn Clock>,
    /// Shows sign-in pages.
    pub browser: Arc<dyn Browser>,
    /// Opens the clipboard tokens are copied to (the system's; tests give an in-memory one).
    pub clipboard: ClipboardOpener,
    /// Whether to put up a tray icon (the app does; tests that are not about it do not).
    pub tray: bool,
    /// Whether to send desktop notifications (the app does; tests that are not about them
    /// do not).
    pub notifications: bool,
    /// The single-instance lock and socket, when this is the first TokenDesk window.
    pub instance: Option<super::single_instance::FirstInstance>,
    /// Where the "start at login" setting writes its autostart entry (`None`: not managed).
    pub autostart_dir: Option<std::path::PathBuf>,
}

impl HostConfig {
    /// A configuration with the system clock, browser and clipboard.
    pub fn new(setup: Setup, secrets: SecretsChoice) -> Self {
        Self {
            setup,
            secrets,
            clock: Arc::new(SystemClock),
            browser: Arc::new(SystemBrowser),
            clipboard: system_clipboard(),
            tray: false,
            notifications: false,
            instance: None,
            autostart_dir: None,
        }
    }
}
