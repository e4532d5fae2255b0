//! Shared by the whole-app kittest tests: stepping the app until the host has answered.

use std::time::{Duration, Instant};

use egui_kittest::Harness;

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
