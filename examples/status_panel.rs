//! A stand-in desktop panel for `scripts/bench-gui`: registers itself with a running
//! status-notifier watcher (Debian's `status-notifier-watcher`) as the host, the way a panel
//! does, so that TokenDesk's tray icon comes up and its window can be hidden in the tray; then
//! prints each status-notifier item as it registers, one per line, until it is killed (or for
//! at most an hour).
//!
//!   status-notifier-watcher & cargo run --example status_panel
//!
//! A benchmark helper, not part of the app: the tests play the panel the same way
//! (`tests/common/panel.rs`), on their own tokio runtime.

use std::collections::BTreeSet;
use std::io::Write;
use std::time::{Duration, Instant};

const WATCHER: &str = "org.kde.StatusNotifierWatcher";
const WATCHER_PATH: &str = "/StatusNotifierWatcher";
/// How long to wait for the watcher to come up on the bus.
const WATCHER_BOUND: Duration = Duration::from_secs(10);
/// How long the panel stays at most.
const LIFETIME: Duration = Duration::from_secs(3600);
const POLL: Duration = Duration::from_millis(100);

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let bus = zbus::blocking::Connection::session()?;
    // Read afresh on every look: a cached property would keep the answer from before the
    // watcher (or an item) was there.
    let watcher: zbus::blocking::Proxy<'_> = zbus::blocking::proxy::Builder::new(&bus)
        .destination(WATCHER)?
        .path(WATCHER_PATH)?
        .interface(WATCHER)?
        .cache_properties(zbus::proxy::CacheProperties::No)
        .build()?;
    let started = Instant::now();
    while watcher
        .get_property::<Vec<String>>("RegisteredStatusNotifierItems")
        .is_err()
    {
        if started.elapsed() > WATCHER_BOUND {
            return Err("no status-notifier watcher answered within 10 s".into());
        }
        std::thread::sleep(POLL);
    }
    let name = format!("org.kde.StatusNotifierHost-{}", std::process::id());
    bus.request_name(name.as_str())?;
    watcher.call_method("RegisterStatusNotifierHost", &(name.as_str(),))?;
    eprintln!("status_panel: registered as the host {name}");

    let mut seen = BTreeSet::new();
    let mut out = std::io::stdout();
    while started.elapsed() < LIFETIME {
        let items: Vec<String> = watcher
            .get_property("RegisteredStatusNotifierItems")
            .unwrap_or_default();
        for item in items {
            if seen.insert(item.clone()) {
                writeln!(out, "{item}")?;
                out.flush()?;
            }
        }
        std::thread::sleep(POLL);
    }
    Ok(())
}
