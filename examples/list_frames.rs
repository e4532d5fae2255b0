//! A benchmark, not a test: the window's frame time with 1,000 profiles (and 10, for scale),
//! every one signed in with a ticking countdown, while the list is scrolled a few lines every
//! other frame.
//!
//!   scripts/bench-list        (builds this example in release and runs it)
//!
//! The app is the real `TokenDeskApp`, driven headless through egui_kittest with the host
//! played by the benchmark (profiles and states go in as its events). For each size it prints
//! the median, 90th percentile and worst of 300 frames of
//!   * the frame itself: the app's UI code, egui's layout and the AccessKit tree, and
//!   * tessellation: turning the frame's shapes into triangles,
//!
//! which is the CPU side of a frame; uploading and rasterising the triangles (OpenGL) is not
//! in it. Goal (issue "the first five minutes"): at most 4 ms for 1,000 profiles.

use std::sync::Arc;
use std::sync::mpsc::channel;
use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};
use eframe::egui;
use egui_kittest::Harness;
use tokendesk::clock::SystemClock;
use tokendesk::engine::{Deadlines, ProfileStatus, TokenState};
use tokendesk::store::{Profile, ProfileDraft, ProfileId, SignInMethod, SiteKind};
use tokendesk::ui::{Command, CommandSink, Event, TokenDeskApp};

const FRAMES: usize = 300;
const WARM_UP: usize = 30;

/// The host, played by the benchmark: commands go nowhere.
struct Nowhere;

impl CommandSink for Nowhere {
    fn send(&self, _command: Command) {}
}

fn profiles(count: usize) -> Result<Vec<Profile>, Box<dyn std::error::Error>> {
    (1..=count)
        .map(|i| {
            let mut draft = ProfileDraft::new(
                &format!("portal-{i:04}"),
                SiteKind::EnterprisePortal,
                &format!("https://gis{i}.example.com/portal"),
                SignInMethod::BrowserPkce,
            );
            draft.client_id = Some("app".to_owned());
            Ok(draft.validate(ProfileId::generate())?)
        })
        .collect()
}

fn harness(count: usize) -> Result<Harness<'static, TokenDeskApp>, Box<dyn std::error::Error>> {
    let list = profiles(count)?;
    let (events, received) = channel();
    events.send(Event::Ready { session_only: None })?;
    events.send(Event::Profiles(list.clone()))?;
    let now = Utc::now();
    for (i, profile) in list.iter().enumerate() {
        events.send(Event::Status {
            profile: profile.id().clone(),
            status: ProfileStatus {
                state: TokenState::Valid,
                user: Some(format!("analyst{i}")),
                deadlines: Deadlines {
                    // Spread over the next hour, so every row shows its own countdown.
                    access_expires_at: Some(now + TimeDelta::seconds(60 + 3 * i as i64)),
                    refresh_expires_at: Some(now + TimeDelta::days(14)),
                    last_refresh_at: Some(now),
                },
            },
        })?;
    }
    drop(events);
    Ok(Harness::builder()
        .with_size(egui::vec2(1100.0, 720.0))
        .build_eframe(move |_cc| {
            TokenDeskApp::new(Arc::new(SystemClock), Box::new(Nowhere), received)
        }))
}

/// Median, 90th percentile and worst, in milliseconds.
fn figures(mut times: Vec<Duration>) -> (f64, f64, f64) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let at = |q: f64| {
        // Indices into a short, non-empty list.
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let i = ((times.len() - 1) as f64 * q).round() as usize;
        ms(times[i])
    };
    (at(0.5), at(0.9), at(1.0))
}

fn bench(count: usize) -> Result<(), Box<dyn std::error::Error>> {
    let mut harness = harness(count)?;
    harness.run();
    // Over the list, to scroll it.
    harness.hover_at(egui::pos2(120.0, 400.0));
    let (mut frames, mut tessellation) = (Vec::new(), Vec::new());
    for i in 0..(WARM_UP + FRAMES) {
        if i % 2 == 0 {
            let down = if (i / 100) % 2 == 0 { -3.0 } else { 3.0 };
            harness.event(egui::Event::MouseWheel {
                unit: egui::MouseWheelUnit::Line,
                delta: egui::vec2(0.0, down),
                phase: egui::TouchPhase::Move,
                source: egui::MouseWheelSource::Unknown,
                modifiers: egui::Modifiers::NONE,
            });
        }
        let started = Instant::now();
        harness.step();
        let frame = started.elapsed();
        let output = harness.output();
        let (shapes, ppp) = (output.shapes.clone(), output.pixels_per_point);
        let started = Instant::now();
        let meshes = harness.ctx.tessellate(shapes, ppp);
        let tessellated = started.elapsed();
        std::hint::black_box(meshes);
        if i >= WARM_UP {
            frames.push(frame);
            tessellation.push(tessellated);
        }
    }
    let total: Vec<Duration> = frames
        .iter()
        .zip(&tessellation)
        .map(|(a, b)| *a + *b)
        .collect();
    for (what, times) in [
        ("frame (UI + layout)", frames),
        ("tessellation", tessellation),
        ("both", total),
    ] {
        let (median, p90, worst) = figures(times);
        println!(
            "{count:>5} profiles  {what:<20} median {median:>6.2} ms   p90 {p90:>6.2} ms   worst {worst:>6.2} ms"
        );
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("{FRAMES} frames each, scrolling the list every other frame\n");
    bench(10)?;
    bench(1000)?;
    Ok(())
}
