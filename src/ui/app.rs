//! [`TokenDeskApp`]: the `eframe::App`. `logic()` drains the host's events into the
//! [`View`]; `ui()` lays out the banners, the profile list, the selected profile's card and
//! the dialogs, handles the keyboard shortcuts, and hands the resulting commands to the host.
//! It repaints only when an event arrives, and once per shown second while a countdown or an
//! elapsed time is on screen.

use std::sync::Arc;
use std::sync::mpsc::Receiver;
use std::time::Duration;

use eframe::egui;

use super::banner::{banner_ui, has_banner, notices_ui};
use super::countdown;
use super::oob_dialog::oob_dialog_ui;
use super::profile_card::{profile_card_ui, profile_facts_ui};
use super::profile_list::{counts_down, profile_list_ui};
use super::screens::Screens;
use super::settings::Settings;
use super::view::{Event, View};
use super::{Command, CommandSink};
use crate::arcgis::Instant;
use crate::clock::Clock;
use crate::output::Format;
use crate::store::ProfileId;

/// At most how often a window being resized writes its size to the settings.
const REMEMBER_EVERY: Duration = Duration::from_secs(1);

/// The window's size and selected profile as last seen (the starting ones, then the ones
/// last handed to the settings).
#[derive(Debug, Default)]
struct SeenWindow {
    size: Option<[u32; 2]>,
    selected: Option<String>,
    written_at: Option<std::time::Instant>,
}

/// The desktop app's state and screens.
pub struct TokenDeskApp {
    view: View,
    clock: Arc<dyn Clock>,
    host: Box<dyn CommandSink>,
    events: Receiver<Event>,
    selected: Option<ProfileId>,
    /// The profile list's filter box.
    list_filter: String,
    /// The window's size and selection as last seen, to tell a change by the person.
    seen: SeenWindow,
    /// The out-of-band dialog's text field.
    oob_code: String,
    /// The editor, dialogs and token tools, with the settings.
    screens: Screens,
}

impl TokenDeskApp {
    /// An app that sends its commands to `host` and reads `events` from it.
    pub fn new(clock: Arc<dyn Clock>, host: Box<dyn CommandSink>, events: Receiver<Event>) -> Self {
        Self {
            view: View::default(),
            clock,
            host,
            events,
            selected: None,
            list_filter: String::new(),
            seen: SeenWindow::default(),
            oob_code: String::new(),
            screens: Screens::default(),
        }
        .with_settings(Settings::default())
    }

    /// Uses `settings` (read from eframe's storage) and tells the host.
    pub fn with_settings(mut self, settings: Settings) -> Self {
        self.host.send(Command::ApplySettings(settings.clone()));
        self.screens.settings = settings;
        self
    }

    /// What the screens show (for tests and the host's own checks).
    pub fn view(&self) -> &View {
        &self.view
    }

    /// The selected profile.
    pub fn selected(&self) -> Option<&ProfileId> {
        self.selected.as_ref()
    }

    /// Folds every waiting event into the view; keeps a valid selection.
    pub fn drain_events(&mut self) {
        let now = self.clock.now();
        while let Ok(event) = self.events.try_recv() {
            match event {
                Event::Screens(event) => self.screens.apply(event, now),
                other => self.view.apply(other),
            }
        }
        if let Some(id) = self.screens.take_selection() {
            self.selected = Some(id);
        }
        if let Some(id) = self.view.window.open_profile.take() {
            self.selected = Some(id);
        }
        let still_there = self
            .selected
            .as_ref()
            .is_some_and(|id| self.view.profile(id).is_some());
        if !still_there {
            // The profile selected in the last run, else the first.
            let remembered = self
                .screens
                .settings
                .selected_profile
                .as_deref()
                .and_then(|id| {
                    self.view
                        .profiles
                        .iter()
                        .find(|p| p.profile.id().as_str() == id)
                });
            self.selected = remembered
                .or_else(|| self.view.profiles.first())
                .map(|p| p.profile.id().clone());
        }
    }

    /// Hands `command` to the host.
    pub fn send(&self, command: Command) {
        self.host.send(command);
    }

    fn send_all(&self, commands: Vec<Command>) {
        for command in commands {
            self.send(command);
        }
    }

    /// Ctrl+C: the selected profile's preferred header; Ctrl+Shift+C: the raw token;
    /// Escape: cancel its sign-in. Left alone while a text field has the keyboard (it copies
    /// its own selection then).
    fn shortcuts(&self, ctx: &egui::Context, commands: &mut Vec<Command>) {
        let Some(profile) = self.selected.as_ref().and_then(|id| self.view.profile(id)) else {
            return;
        };
        let (id, preferred) = (profile.profile.id().clone(), profile.profile.header());
        if ctx.egui_wants_keyboard_input() {
            return;
        }
        if profile.sign_in.is_some()
            && ctx.input_mut(|input| input.consume_key(egui::Modifiers::NONE, egui::Key::Escape))
        {
            commands.push(Command::CancelSignIn(id));
            return;
        }
        let raw = ctx.input_mut(|input| {
            input.consume_key(
                egui::Modifiers::COMMAND | egui::Modifiers::SHIFT,
                egui::Key::C,
            )
        });
        // The windowing layer turns Ctrl+C into a Copy event; a bare key press is what
        // other back-ends (and the test harness) deliver.
        let header = ctx.input_mut(|input| {
            let copy_event = input.events.iter().any(|e| matches!(e, egui::Event::Copy));
            input.events.retain(|e| !matches!(e, egui::Event::Copy));
            copy_event || input.consume_key(egui::Modifiers::COMMAND, egui::Key::C)
        });
        let format = if raw {
            Format::Token
        } else if header {
            Format::header(preferred)
        } else {
            return;
        };
        commands.push(Command::Copy {
            profile: id,
            format,
        });
    }

    /// When the screen next changes by itself: the next change of a countdown's text (a whole
    /// minute of the clock while it has time, a whole second near its end), of a sign-in's
    /// stopwatch or of a "last renewed … ago".
    fn next_repaint(&self, now: Instant) -> Option<Duration> {
        let delays = self.view.profiles.iter().flat_map(|p| {
            let live = counts_down(&p.status.state);
            let deadlines = &p.status.deadlines;
            [
                deadlines
                    .access_expires_at
                    .filter(|_| live)
                    .and_then(|d| countdown::next_change(d, now)),
                deadlines
                    .refresh_expires_at
                    .filter(|_| live)
                    .and_then(|d| countdown::next_change(d, now)),
                p.sign_in.as_ref().map(|_| countdown::to_next_second(now)),
                // "Last renewed … ago", read to the minute.
                deadlines
                    .last_refresh_at
                    .map(|_| countdown::to_next_minute(now)),
            ]
        });
        countdown::earliest(delays)
    }
}

impl TokenDeskApp {
    /// Keeps the window's size and the selected profile in the settings (saved by the host)
    /// once the person changed them, so the next start opens the same way; what the window
    /// started with is not written back. A size is written at most once a second while the
    /// window is being resized; the returned delay asks for the frame that writes the last one.
    fn remember_window(&mut self, ctx: &egui::Context) -> Option<Duration> {
        // The area egui draws in: the window's inner size, in points.
        let rect = ctx.viewport_rect();
        let size = (rect.width() > 0.0 && rect.height() > 0.0).then(|| {
            // Whole points are enough for a window size.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let whole = |points: f32| points.round().max(0.0) as u32;
            [whole(rect.width()), whole(rect.height())]
        });
        let selected = self.selected.as_ref().map(|id| id.as_str().to_owned());
        let seen = &mut self.seen;
        // The first size and selection are the starting ones: only later ones are changes.
        if seen.size.is_none() {
            seen.size = size;
        }
        if seen.selected.is_none() {
            seen.selected.clone_from(&selected);
        }
        let size_changed = size.is_some() && size != seen.size;
        let selection_changed = selected.is_some() && selected != seen.selected;
        if !size_changed && !selection_changed {
            return None;
        }
        let now = std::time::Instant::now();
        if !selection_changed
            && let Some(last) = seen.written_at
            && now.duration_since(last) < REMEMBER_EVERY
        {
            return Some(REMEMBER_EVERY - now.duration_since(last));
        }
        seen.written_at = Some(now);
        seen.size = size;
        seen.selected.clone_from(&selected);
        let settings = &mut self.screens.settings;
        if size_changed {
            settings.window_size = size;
        }
        if selection_changed {
            settings.selected_profile = selected;
        }
        self.host.send(Command::ApplySettings(settings.clone()));
        None
    }

    /// Starts hidden in the tray (autostart): the window goes away as soon as the tray icon is
    /// up, and stays when there is no tray to bring it back from.
    #[must_use]
    pub fn starting_hidden(mut self, hidden: bool) -> Self {
        self.view.window.start_hidden = hidden;
        self
    }

    /// Closing, hiding and showing the window beside the tray; `true` while it is hidden.
    ///
    /// With the tray icon up and the setting on, a close request hides the window instead
    /// (the host keeps renewing); *Open TokenDesk* shows it again and *Quit* closes it.
    fn window_life(&mut self, ctx: &egui::Context) -> bool {
        let life = &mut self.view.window;
        if life.quitting {
            if !std::mem::replace(&mut life.closing, true) {
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            }
            return true;
        }
        if std::mem::take(&mut life.show_requested) {
            life.hidden = false;
            ctx.send_viewport_cmd(egui::ViewportCommand::Visible(true));
            ctx.send_viewport_cmd(egui::ViewportCommand::Focus);
        }
        let close_requested = ctx.input(|input| input.viewport().close_requested());
        let start_hidden = life.start_hidden && life.tray;
        if start_hidden {
            life.start_hidden = false;
        }
        let hide_requested = std::mem::take(&mut life.hide_requested) && life.tray;
        if start_hidden
            || hide_requested
            || close_requested && life.tray && self.screens.settings.close_to_tray
        {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            ctx.send_viewport_cmd(egui::ViewportCommand::Visible(false));
            life.hidden = true;
        }
        life.hidden
    }
}

impl eframe::App for TokenDeskApp {
    fn logic(&mut self, _ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.drain_events();
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
        let hidden = self.window_life(&ctx);
        if hidden != std::mem::replace(&mut self.view.window.told_hidden, hidden) {
            self.host.send(Command::WindowShown(!hidden));
        }
        if hidden {
            // Hidden in the tray: nothing to draw, and no repaint asked for (the host's
            // events wake the window when something must be done).
            return;
        }
        self.screens.settings.theme.apply(&ctx);
        let now = self.clock.now();
        let mut commands = Vec::new();
        self.shortcuts(&ctx, &mut commands);
        let notice_expiry = self.view.expire_notices(now);

        if has_banner(&self.view) {
            egui::Panel::top("banners").show(ui, |ui| banner_ui(ui, &self.view));
        }
        // At the bottom, under the list and the card: everything above stays where it was
        // when a notice comes or goes.
        if !self.view.notices.is_empty() {
            let dismissed = egui::Panel::bottom("notices")
                .show(ui, |ui| notices_ui(ui, &self.view))
                .inner;
            if let Some(id) = dismissed {
                self.view.dismiss(id);
            }
        }
        egui::Panel::left("profiles")
            .resizable(true)
            .default_size(300.0)
            .size_range(220.0..=480.0)
            .show(ui, |ui| {
                self.screens.toolbar_ui(ui, &self.view);
                ui.separator();
                profile_list_ui(
                    ui,
                    &self.view,
                    &mut self.selected,
                    &mut self.list_filter,
                    now,
                );
            });
        egui::CentralPanel::default().show(ui, |ui| {
            if self.screens.editing() {
                self.screens.editor_ui(ui, &self.view, &mut commands);
                return;
            }
            if self.view.ready && !self.view.profiles.is_empty() {
                self.screens.service_url_ui(ui, now, &mut commands);
                ui.separator();
            }
            match self.selected.as_ref().and_then(|id| self.view.profile(id)) {
                Some(profile) => {
                    egui::ScrollArea::vertical().show(ui, |ui| {
                        profile_card_ui(ui, profile, now, &mut commands);
                        self.screens
                            .card_ui(ui, profile, &self.view, now, &mut commands);
                        profile_facts_ui(ui, profile);
                    });
                }
                None if self.view.ready && self.view.demo.is_none() => {
                    egui::ScrollArea::vertical()
                        .show(ui, |ui| self.screens.first_run_ui(ui, &mut commands));
                }
                None => {}
            }
        });
        if let Some(profile) = self.selected.as_ref().and_then(|id| self.view.profile(id))
            && let Some(wait) = &profile.sign_in
        {
            oob_dialog_ui(
                &ctx,
                profile.profile.id(),
                wait,
                &mut self.oob_code,
                &mut commands,
            );
        }

        self.screens.dialogs_ui(ui, &mut commands);
        self.screens.team_ui(ui, &self.view, &mut commands);
        self.screens.route(&mut commands, &self.view);
        self.send_all(commands);
        let remember = self.remember_window(&ctx);
        if let Some(delay) = countdown::earliest([self.next_repaint(now), notice_expiry, remember])
        {
            ctx.request_repaint_after(delay);
        }
    }
}
