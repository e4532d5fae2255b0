//! [`Host`]: owns the tokio runtime the engine runs on and the channel the screens send
//! their commands through; [`HostConfig`] says where profiles and secrets come from.

use std::sync::Arc;
use std::sync::mpsc as std_mpsc;
use std::time::Duration;

use eframe::egui;
use tokio::runtime::Runtime;
use tokio::sync::mpsc;

use super::screens::{ClipboardOpener, system_clipboard};
use super::worker;
use crate::auth::{Browser, SystemBrowser};
use crate::clock::{Clock, SystemClock};
use crate::store::{KeyringUnavailable, Paths, SecretStore};
use crate::ui::{Command, CommandSink, Event};

/// How long the host waits for the keyring to answer its first call before it falls back
/// to session-only mode (and says so).
pub const KEYRING_TIMEOUT: Duration = Duration::from_secs(20);

/// How long closing the window waits for the worker to clean up.
const STOP_TIMEOUT: Duration = Duration::from_secs(3);

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
        }
    }
}

/// Sends events to the screens and wakes the window.
#[derive(Clone)]
pub(super) struct Events {
    sender: std_mpsc::Sender<Event>,
    ctx: egui::Context,
}

impl Events {
    /// Sends `event` and asks for a repaint (a closed window no longer listens: ignored).
    pub(super) fn send(&self, event: Event) {
        if self.sender.send(event).is_ok() {
            self.ctx.request_repaint();
        }
    }
}

/// The running host. Dropping it stops the engine (bounded).
pub struct Host {
    commands: Option<mpsc::UnboundedSender<Command>>,
    worker: Option<tokio::task::JoinHandle<()>>,
    runtime: Option<Runtime>,
}

impl Host {
    /// Starts the runtime and the worker; events go to the returned receiver and wake `ctx`.
    pub fn start(
        config: HostConfig,
        ctx: egui::Context,
    ) -> std::io::Result<(Self, std_mpsc::Receiver<Event>)> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("tokendesk-host")
            .enable_all()
            .build()?;
        let (commands, command_receiver) = mpsc::unbounded_channel();
        let (sender, events) = std_mpsc::channel();
        let events_out = Events { sender, ctx };
        let worker = runtime.spawn(worker::run(config, events_out, command_receiver));
        Ok((
            Self {
                commands: Some(commands),
                worker: Some(worker),
                runtime: Some(runtime),
            },
            events,
        ))
    }
}

impl CommandSink for Host {
    fn send(&self, command: Command) {
        let sent = self
            .commands
            .as_ref()
            .is_some_and(|commands| commands.send(command).is_ok());
        if !sent {
            tracing::warn!("the host has stopped; a command from the window was dropped");
        }
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        // Closing the channel ends the worker: it cancels sign-ins, clears a token it left
        // on the clipboard and stops the runners (bounded).
        self.commands = None;
        if let (Some(runtime), Some(worker)) = (&self.runtime, self.worker.take()) {
            let _ = runtime.block_on(async { tokio::time::timeout(STOP_TIMEOUT, worker).await });
        }
        if let Some(runtime) = self.runtime.take() {
            // A keyring call stuck behind an unlock prompt must not keep the app from closing.
            runtime.shutdown_timeout(Duration::from_millis(500));
        }
    }
}
