//! The window tells the host when it goes into the tray and comes back, so the engine looks
//! for changes made elsewhere rarely while nobody watches and at once when someone does
//! (`engine::Pace`; the engine side is tested in `tests/engine/pace.rs`).

use std::sync::Arc;
use std::sync::mpsc::channel;

use eframe::egui;
use egui_kittest::Harness;
use tokendesk::clock::SystemClock;
use tokendesk::ui::{Command, Event, TokenDeskApp};

use crate::common::gui::Sent;

/// Each `WindowShown` the window sent since the last call, in order.
fn shown(sent: &Sent) -> Vec<bool> {
    sent.commands()
        .drain(..)
        .filter_map(|command| match command {
            Command::WindowShown(shown) => Some(shown),
            _ => None,
        })
        .collect()
}

#[test]
fn hiding_the_window_in_the_tray_tells_the_host_once_and_showing_it_tells_it_again() {
    let sent = Sent::default();
    let (events, received) = channel();
    events.send(Event::Ready { session_only: None }).unwrap();
    events.send(Event::Profiles(Vec::new())).unwrap();
    events
        .send(Event::Tray {
            available: true,
            why: None,
        })
        .unwrap();
    let sink = sent.clone();
    let mut harness = Harness::builder()
        .with_size(egui::vec2(900.0, 640.0))
        .build_eframe(move |cc| {
            cc.egui_ctx
                .all_styles_mut(|style| style.animation_time = 0.0);
            TokenDeskApp::new(Arc::new(SystemClock), Box::new(sink), received)
        });
    harness.run_steps(3);
    assert_eq!(
        shown(&sent),
        Vec::<bool>::new(),
        "shown from the start: nothing to say"
    );

    events.send(Event::ToggleWindow).unwrap();
    harness.run_steps(3);
    assert_eq!(
        shown(&sent),
        vec![false],
        "hidden: said once, not on every frame"
    );

    events.send(Event::ShowWindow).unwrap();
    harness.run_steps(3);
    assert_eq!(shown(&sent), vec![true]);
}
