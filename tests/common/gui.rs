//! Shared by the whole-app kittest tests: stepping the app until the host has answered.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use tokendesk::ui::{Command, CommandSink};

/// The host, played by a test: what the window sent, in order.
#[derive(Clone, Default)]
pub struct Sent(Arc<Mutex<Vec<Command>>>);

impl CommandSink for Sent {
    fn send(&self, command: Command) {
        self.commands().push(command);
    }
}

impl Sent {
    /// The commands sent so far (take them out with `drain`).
    pub fn commands(&self) -> MutexGuard<'_, Vec<Command>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Bound on every wait for the host.
pub const BOUND: Duration = Duration::from_secs(60);

/// Steps the app until `done` holds, then lets it settle; `false` if that did not happen
/// within [`BOUND`] (the caller fails, saying what it waited for). The host works on its own
/// threads and its events arrive between frames, and kittest has nothing to wait on: this
/// polls, with a short pause between frames.
#[must_use]
pub fn step_until<State>(
    harness: &mut Harness<'static, State>,
    done: impl Fn(&Harness<'static, State>) -> bool,
) -> bool {
    let deadline = Instant::now() + BOUND;
    loop {
        harness.step();
        if done(harness) {
            harness.run();
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
