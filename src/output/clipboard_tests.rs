//! The clipboard policy with the in-memory backend and a settable clock.

use chrono::TimeZone;

use super::*;
use crate::clock::ManualClock;

fn advance(clock: &ManualClock, seconds: f64) {
    clock.advance(chrono::Duration::milliseconds((seconds * 1000.0) as i64));
}

fn setup(
    delay_secs: u64,
) -> (
    SecureClipboard<MemoryClipboard>,
    MemoryClipboard,
    Arc<ManualClock>,
) {
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap(),
    ));
    let memory = MemoryClipboard::default();
    let clipboard = SecureClipboard::new(
        memory.clone(),
        clock.clone(),
        Duration::from_secs(delay_secs),
    );
    (clipboard, memory, clock)
}

fn content(memory: &MemoryClipboard) -> Option<String> {
    memory.content().map(Secret::expose_owned)
}

#[test]
fn copied_text_is_on_the_clipboard_and_marked_sensitive() {
    let (mut clipboard, memory, _) = setup(30);
    clipboard.copy(&Secret::from("Bearer abc")).unwrap();
    assert_eq!(content(&memory).as_deref(), Some("Bearer abc"));
    assert!(memory.is_sensitive());
}

#[test]
fn the_text_is_cleared_once_the_delay_has_passed_and_not_before() {
    let (mut clipboard, memory, clock) = setup(30);
    clipboard.copy(&Secret::from("abc")).unwrap();
    advance(&clock, 29.9);
    assert_eq!(clipboard.tick().unwrap(), Tick::Waiting);
    assert_eq!(content(&memory).as_deref(), Some("abc"));
    advance(&clock, 0.1);
    assert_eq!(clipboard.tick().unwrap(), Tick::Cleared);
    assert_eq!(content(&memory), None);
    assert_eq!(clipboard.clears_in(), None);
    assert_eq!(clipboard.tick().unwrap(), Tick::Idle);
}

#[test]
fn something_the_user_copied_meanwhile_is_left_alone() {
    let (mut clipboard, memory, clock) = setup(30);
    clipboard.copy(&Secret::from("abc")).unwrap();
    memory.copy_from_elsewhere("my own text");
    advance(&clock, 31.0);
    assert_eq!(clipboard.tick().unwrap(), Tick::LeftAlone);
    assert_eq!(content(&memory).as_deref(), Some("my own text"));
    assert_eq!(clipboard.clears_in(), None);
}

#[test]
fn the_countdown_rounds_up_to_whole_seconds_and_ends_at_zero() {
    let (mut clipboard, _, clock) = setup(30);
    assert_eq!(clipboard.clears_in(), None);
    clipboard.copy(&Secret::from("abc")).unwrap();
    assert_eq!(clipboard.clears_in(), Some(Duration::from_secs(30)));
    advance(&clock, 17.5);
    assert_eq!(clipboard.clears_in(), Some(Duration::from_secs(13)));
    advance(&clock, 20.0);
    assert_eq!(clipboard.clears_in(), Some(Duration::ZERO));
}

#[test]
fn a_delay_of_zero_never_clears() {
    let (mut clipboard, memory, clock) = setup(0);
    clipboard.copy(&Secret::from("abc")).unwrap();
    assert_eq!(clipboard.clears_in(), None);
    advance(&clock, 86_400.0);
    assert_eq!(clipboard.tick().unwrap(), Tick::Idle);
    assert_eq!(content(&memory).as_deref(), Some("abc"));
}

#[test]
fn a_new_copy_restarts_the_countdown_with_the_current_delay() {
    let (mut clipboard, memory, clock) = setup(30);
    clipboard.copy(&Secret::from("first")).unwrap();
    advance(&clock, 20.0);
    clipboard.set_delay(Duration::from_secs(10));
    clipboard.copy(&Secret::from("second")).unwrap();
    assert_eq!(clipboard.clears_in(), Some(Duration::from_secs(10)));
    advance(&clock, 10.0);
    assert_eq!(clipboard.tick().unwrap(), Tick::Cleared);
    assert_eq!(content(&memory), None);
}

#[test]
fn clearing_on_quit_removes_only_our_text() {
    let (mut clipboard, memory, _) = setup(30);
    clipboard.copy(&Secret::from("abc")).unwrap();
    assert_eq!(clipboard.clear_if_ours().unwrap(), Tick::Cleared);
    assert_eq!(content(&memory), None);
    clipboard.copy(&Secret::from("abc")).unwrap();
    memory.copy_from_elsewhere("mine");
    assert_eq!(clipboard.clear_if_ours().unwrap(), Tick::LeftAlone);
    assert_eq!(content(&memory).as_deref(), Some("mine"));
}
