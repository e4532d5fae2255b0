//! Opening the sign-in page: the [`Browser`] trait and the [`SystemBrowser`] that asks the
//! operating system (the `open` crate: `xdg-open`, then `gio open`, `gnome-open`,
//! `kde-open` on Linux; `open` on macOS; the shell on Windows).
//!
//! Opening is best effort. When it fails, the flows carry on and report
//! [`super::Progress::BrowserDidNotOpen`] with the address, so that a person can open it
//! by hand.

use std::io;

use url::Url;

/// Something that shows a web page to the user.
pub trait Browser: Send + Sync {
    /// Starts showing `url` and returns once the page is handed over; it must not wait for
    /// the user to finish signing in. May block briefly (the flows call it off the async
    /// threads).
    fn open(&self, url: &Url) -> io::Result<()>;
}

/// The user's default browser, through the operating system's launcher.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemBrowser;

impl Browser for SystemBrowser {
    fn open(&self, url: &Url) -> io::Result<()> {
        // Detached: a launcher that waits for the browser to exit must not hold the sign-in;
        // a launcher that fails within a short check still counts as a failure.
        open::that_detached(url.as_str()).map_err(|err| match err.kind() {
            io::ErrorKind::NotFound => io::Error::new(
                io::ErrorKind::NotFound,
                "no program to open a web browser was found (tried xdg-open, gio, gnome-open, kde-open)",
            ),
            _ => err,
        })
    }
}

/// Opens nothing: for `--no-browser` and for sessions without a display. The flows still
/// report the address ([`super::Progress::WaitingForBrowser`] /
/// [`super::Progress::WaitingForPastedCode`]) for the caller to show.
#[derive(Debug, Clone, Copy, Default)]
pub struct ManualBrowser;

impl Browser for ManualBrowser {
    fn open(&self, _url: &Url) -> io::Result<()> {
        Ok(())
    }
}
