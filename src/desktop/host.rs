//! [`Host`]: owns the tokio runtime the engine runs on and the channel the screens send
//! their commands through; [`HostConfig`] says where profiles and secrets come from.

use std::sync::mpsc as std_mpsc;
use std::time::Duration;

use eframe::egui;
use tokio::runtime::Runtime;
use tokio::sync::mpsc;

use super::dispatch;
use super::events::Events;
use super::host_config::HostConfig;
use crate::ui::{Command, CommandSink, Event};

/// How long closing the window waits for the worker to clean up.
const STOP_TIMEOUT: Duration = Duration::from_secs(3);

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
        let events_out = Events::new(sender, ctx);
        let worker = runtime.spawn(dispatch::run(config, events_out, command_receiver));
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
