//! [`Host`]: owns the tokio runtime the engine runs on and the channel the screens send
//! their commands through; [`HostConfig`] says where profiles and secrets come from.

use std::sync::mpsc as std_mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use eframe::egui;
use tokio::runtime::Runtime;
use tokio::sync::mpsc;

use super::dispatch;
use super::events::Events;
use super::events::Observer;
use super::host_config::HostConfig;
use super::notifications::{self, Notifier};
use super::tray::{self, SharedModel, TrayModel};
use crate::ui::{Command, CommandSink, Event};

/// How long closing the window waits for the worker to clean up.
const STOP_TIMEOUT: Duration = Duration::from_secs(3);

/// The running host. Dropping it stops the engine (bounded).
pub struct Host {
    commands: Option<mpsc::UnboundedSender<Command>>,
    worker: Option<tokio::task::JoinHandle<()>>,
    /// Ends the tray icon's task (and so takes the icon away) when dropped.
    tray_stop: Option<tokio::sync::oneshot::Sender<()>>,
    /// The single-instance lock, held while the window lives.
    _instance_lock: Option<crate::store::FileLock>,
    runtime: Option<Runtime>,
}

impl Host {
    /// Starts the runtime and the worker; events go to the returned receiver and wake `ctx`.
    pub fn start(
        mut config: HostConfig,
        ctx: egui::Context,
    ) -> std::io::Result<(Self, std_mpsc::Receiver<Event>)> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("tokendesk-host")
            .enable_all()
            .build()?;
        let (commands, command_receiver) = mpsc::unbounded_channel();
        let (sender, events) = std_mpsc::channel();
        let mut events_out = Events::new(sender, ctx);
        let mut observers: Vec<Observer> = Vec::new();
        if config.notifications {
            let (notices, mut to_show) = mpsc::unbounded_channel();
            let to_window = events_out.clone();
            runtime.spawn(async move {
                while let Some(notice) = to_show.recv().await {
                    // Each on its own task: one waits for its click while the next is shown.
                    let to_window = to_window.clone();
                    tokio::spawn(notifications::show(notice, move |profile| {
                        to_window.send(Event::OpenProfile(profile));
                    }));
                }
            });
            let notifier = Arc::new(Mutex::new(Notifier::default()));
            // API keys cross their warning days with no event to say so: look now and then.
            {
                let (notifier, notices) = (Arc::clone(&notifier), notices.clone());
                let clock = Arc::clone(&config.clock);
                runtime.spawn(async move {
                    let mut tick = tokio::time::interval(notifications::DUE_EVERY);
                    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                    tick.tick().await;
                    loop {
                        tick.tick().await;
                        let due = notifier
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .due(clock.now());
                        if due.into_iter().any(|notice| notices.send(notice).is_err()) {
                            break;
                        }
                    }
                });
            }
            let clock = Arc::clone(&config.clock);
            observers.push(Arc::new(move |event| {
                let said = notifier
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .observe(event, clock.now());
                for notice in said {
                    let _ = notices.send(notice);
                }
            }));
        }
        let mut tray_stop = None;
        if config.tray {
            let model: SharedModel = Arc::new(Mutex::new(TrayModel::default()));
            let (changed_tx, changed) = tokio::sync::watch::channel(());
            let observed = Arc::clone(&model);
            observers.push(Arc::new(move |event| {
                let changed = observed
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .observe(event);
                if changed {
                    changed_tx.send_replace(());
                }
            }));
            let (stop, stopped) = tokio::sync::oneshot::channel();
            tray_stop = Some(stop);
            runtime.spawn(run_tray(
                model,
                changed,
                commands.clone(),
                events_out.clone(),
                Arc::clone(&config.clock),
                stopped,
            ));
        }
        let mut instance_lock = None;
        if let Some(instance) = config.instance.take() {
            instance_lock = Some(instance.lock);
            #[cfg(unix)]
            {
                let events = events_out.clone();
                runtime.spawn(super::single_instance::serve(
                    instance.listener,
                    move || {
                        events.send(Event::ShowWindow);
                    },
                ));
            }
        }
        if !observers.is_empty() {
            events_out = events_out.observed_by(Arc::new(move |event| {
                for observer in &observers {
                    observer(event);
                }
            }));
        }
        let worker = runtime.spawn(dispatch::run(config, events_out, command_receiver));
        Ok((
            Self {
                commands: Some(commands),
                worker: Some(worker),
                tray_stop,
                _instance_lock: instance_lock,
                runtime: Some(runtime),
            },
            events,
        ))
    }
}

/// Puts the tray icon up and keeps it until `stopped`; tells the window whether it is there.
async fn run_tray(
    model: SharedModel,
    changed: tokio::sync::watch::Receiver<()>,
    commands: mpsc::UnboundedSender<Command>,
    events: Events,
    clock: Arc<dyn crate::clock::Clock>,
    stopped: tokio::sync::oneshot::Receiver<()>,
) {
    let to_window = {
        let events = events.clone();
        Arc::new(move |event: Event| events.send(event)) as tray::ToWindow
    };
    match tray::start(model, changed, commands, to_window, clock).await {
        Ok(handle) => {
            events.send(Event::Tray {
                available: true,
                why: None,
            });
            let _ = stopped.await;
            drop(handle);
        }
        Err(why) => {
            tracing::info!(%why, "no tray icon");
            events.send(Event::Tray {
                available: false,
                why: Some(why),
            });
        }
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
        self.tray_stop = None;
        if let (Some(runtime), Some(worker)) = (&self.runtime, self.worker.take()) {
            let _ = runtime.block_on(async { tokio::time::timeout(STOP_TIMEOUT, worker).await });
        }
        if let Some(runtime) = self.runtime.take() {
            // A keyring call stuck behind an unlock prompt must not keep the app from closing.
            runtime.shutdown_timeout(Duration::from_millis(500));
        }
    }
}
