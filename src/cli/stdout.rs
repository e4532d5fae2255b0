//! Everything the command line prints on stdout goes through [`print`]: a reader that went
//! away (`tokendesk profile list | head -2`) is a normal, quiet end, not a panic (`println!`
//! panics on a closed pipe, because Rust programs ignore SIGPIPE).

use std::io::{ErrorKind, Write};

/// Writes `text` to stdout. When the reader has closed the pipe, the command has nothing
/// left to do for anyone: the process ends at once with exit 0, silently. Another write
/// failure (a full disk behind a redirect) is reported on stderr and ends with exit 1.
pub fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    let written = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    match written {
        Ok(()) => {}
        // Exiting here, not unwinding: nothing is left to clean up when output is the last
        // thing a command does, and every caller would otherwise carry the same check.
        Err(err) if err.kind() == ErrorKind::BrokenPipe => std::process::exit(0),
        Err(err) => {
            eprintln!("tokendesk: could not write the output: {err}");
            std::process::exit(1);
        }
    }
}

/// [`print`] with a line break.
pub fn line(text: &str) {
    print(&format!("{text}\n"));
}
