//! Exit codes and how a command's outcome is reported.

use std::process::ExitCode;

/// The documented exit codes of `tokendesk`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: the command did what was asked.
    Ok = 0,
    /// 1: an unexpected local failure (could not start, could not write a file, …).
    Failure = 1,
    /// 2: the command line was wrong (unknown flag, malformed URL, …).
    Usage = 2,
    /// 3: a sign-in is needed before this can work.
    SignInNeeded = 3,
    /// 4: the network or the portal failed (unreachable, TLS, HTTP error, ArcGIS error).
    Network = 4,
    /// 5: the passphrase did not open the encrypted secrets file (nothing was changed).
    Passphrase = 5,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit as u8)
    }
}

/// What a subcommand hands back: an exit code and, on failure, the message for stderr.
#[derive(Debug)]
pub struct Outcome {
    pub exit: Exit,
    pub message: Option<String>,
    /// `exec`: the command's own exit code, which becomes TokenDesk's.
    pub passthrough: Option<u8>,
}

impl Outcome {
    pub fn ok() -> Self {
        Self {
            exit: Exit::Ok,
            message: None,
            passthrough: None,
        }
    }

    pub fn fail(exit: Exit, message: impl Into<String>) -> Self {
        Self {
            exit,
            message: Some(message.into()),
            passthrough: None,
        }
    }

    /// The exit code of a command `exec` ran (with a message for stderr, if any).
    pub fn passthrough(code: u8, message: Option<String>) -> Self {
        Self {
            exit: if code == 0 { Exit::Ok } else { Exit::Failure },
            message,
            passthrough: Some(code),
        }
    }

    /// Prints the message (if any) to stderr and turns the outcome into the process exit code.
    pub fn report(self) -> ExitCode {
        if let Some(message) = &self.message {
            eprintln!("tokendesk: {message}");
        }
        match self.passthrough {
            Some(code) => ExitCode::from(code),
            None => self.exit.into(),
        }
    }
}
