//! "Try the demo portal" on the first-run screen: `tokendesk --demo` in a window of its own
//! (its own throw-away profiles and session-only secrets), so nothing of the demo lands in
//! the person's profiles. The child is waited for on the runtime, so it never lingers as a
//! zombie.

use crate::desktop::events::{Events, notice};
use crate::ui::NoticeLevel;

/// Starts the demo window and says so (or why not) in the banner.
pub(in crate::desktop) fn open(events: &Events) {
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(err) => {
            let text =
                format!("The demo could not be opened: TokenDesk cannot find itself ({err}).");
            notice(events, NoticeLevel::Error, text);
            return;
        }
    };
    let started = tokio::process::Command::new(exe)
        .arg("--demo")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    match started {
        Ok(mut child) => {
            tokio::spawn(async move {
                let _ = child.wait().await;
            });
            notice(
                events,
                NoticeLevel::Info,
                "The demo opens in a window of its own; it adds nothing to your profiles."
                    .to_owned(),
            );
        }
        Err(err) => notice(
            events,
            NoticeLevel::Error,
            format!("The demo could not be opened: {err}."),
        ),
    }
}
