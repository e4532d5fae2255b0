//! Reading secrets (passwords, client secrets, API keys) and the odd plain answer (a user
//! name): at a prompt on the terminal that does not echo (rpassword), or — when stdin is not
//! a terminal — from stdin, so that `printf %s "$KEY" | tokendesk profile add …` works.
//! Never from a command-line argument, where other users of the machine could read it.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

use super::{Exit, Outcome};
use crate::secret::Secret;
use crate::store::Passphrase;

/// The most read from a pipe: far more than any key, secret or password.
const MAX_PIPED: u64 = 64 * 1024;

/// Reads one secret: a no-echo prompt on a terminal, else all of stdin (one line; a final
/// line break is dropped). `what` names it in the prompt and in errors, e.g. "API key".
pub async fn read_secret<R: 'static>(
    prompt: String,
    what: &'static str,
) -> Result<Secret<String, R>, Outcome> {
    let value = tokio::task::spawn_blocking(move || read_blocking(&prompt, what))
        .await
        .map_err(|err| {
            Outcome::fail(Exit::Failure, format!("could not read the {what}: {err}"))
        })??;
    Ok(value)
}

fn read_blocking<R: 'static>(
    prompt: &str,
    what: &'static str,
) -> Result<Secret<String, R>, Outcome> {
    let failed = |err: std::io::Error| {
        Outcome::fail(Exit::Failure, format!("could not read the {what}: {err}"))
    };
    let text = if std::io::stdin().is_terminal() {
        Secret::new(rpassword::prompt_password(prompt).map_err(failed)?)
    } else {
        let mut text = String::new();
        std::io::stdin()
            .take(MAX_PIPED)
            .read_to_string(&mut text)
            .map_err(failed)?;
        Secret::new(text)
    };
    one_line(text, what)
}

/// The passphrase of the encrypted secrets file `file`: read from the file
/// `TOKENDESK_PASSPHRASE_FILE` names (unattended jobs), else asked at a no-echo prompt on the
/// terminal (`/dev/tty`, so that stdin stays free for piped secrets) — twice when the file is
/// `new`, so that a typo cannot lock the secrets away.
pub async fn read_passphrase(file: PathBuf, new: bool) -> Result<Passphrase, Outcome> {
    tokio::task::spawn_blocking(move || passphrase_blocking(&file, new))
        .await
        .map_err(|err| {
            Outcome::fail(
                Exit::Failure,
                format!("could not read the passphrase: {err}"),
            )
        })?
}

fn passphrase_blocking(file: &Path, new: bool) -> Result<Passphrase, Outcome> {
    if let Some(source) = std::env::var_os("TOKENDESK_PASSPHRASE_FILE").filter(|v| !v.is_empty()) {
        return passphrase_from_file(Path::new(&source));
    }
    let no_terminal = |_| {
        Outcome::fail(
            Exit::Failure,
            "The encrypted secrets file needs its passphrase, and there is no terminal to ask \
             on. Set TOKENDESK_PASSPHRASE_FILE to a file only you can read that holds it.",
        )
    };
    let prompt = if new {
        format!(
            "New passphrase for TokenDesk's secrets file ({}): ",
            file.display()
        )
    } else {
        format!(
            "Passphrase for TokenDesk's secrets file ({}): ",
            file.display()
        )
    };
    let first: Passphrase = Secret::new(rpassword::prompt_password(prompt).map_err(no_terminal)?);
    if first.expose().is_empty() {
        return Err(Outcome::fail(
            Exit::Usage,
            "An empty passphrase protects nothing. Run the command again and type one.",
        ));
    }
    if new {
        let again =
            rpassword::prompt_password("The same passphrase again: ").map_err(no_terminal)?;
        if &again != first.expose() {
            return Err(Outcome::fail(
                Exit::Usage,
                "The two passphrases differ, so nothing was created. Run the command again.",
            ));
        }
    }
    Ok(first)
}

/// The passphrase in `source` (one final line break dropped). A file other users can read
/// is used, with a warning.
fn passphrase_from_file(source: &Path) -> Result<Passphrase, Outcome> {
    let (passphrase, private) =
        crate::store::tiers::read_passphrase_file(source).map_err(|err| {
            Outcome::fail(
                Exit::Failure,
                format!(
                    "TOKENDESK_PASSPHRASE_FILE names {}, which cannot be read ({err}). Point it \
                     at the file that holds the passphrase.",
                    source.display()
                ),
            )
        })?;
    if !private {
        eprintln!(
            "tokendesk: warning: the passphrase file {} can be read by other users; \
             `chmod 600` it.",
            source.display()
        );
    }
    passphrase.ok_or_else(|| {
        Outcome::fail(
            Exit::Failure,
            format!(
                "The passphrase file {} is empty. Put the passphrase in it.",
                source.display()
            ),
        )
    })
}

/// The value without one final line break; refused when empty, blank around, or on several
/// lines (the message never quotes it).
pub fn one_line<R>(
    text: Secret<String, R>,
    what: &'static str,
) -> Result<Secret<String, R>, Outcome> {
    let raw = text.expose();
    let value = raw
        .strip_suffix("\r\n")
        .or_else(|| raw.strip_suffix('\n'))
        .unwrap_or(raw);
    if value.is_empty() {
        return Err(Outcome::fail(
            Exit::Usage,
            format!(
                "no {what} was entered: type it at the prompt, or pipe it in on stdin (e.g. \
                 printf %s \"$SECRET\" | tokendesk …)"
            ),
        ));
    }
    if value.contains(['\n', '\r']) || value.trim() != value {
        return Err(Outcome::fail(
            Exit::Usage,
            format!(
                "the {what} read has line breaks or spaces around it: give the value alone, on \
                 one line (it is not shown here)"
            ),
        ));
    }
    Ok(Secret::new(value.to_owned()))
}

/// Reads a plain answer (a user name) from the terminal; `None` when stdin is not one.
pub async fn ask(prompt: String) -> Option<String> {
    tokio::task::spawn_blocking(move || {
        if !std::io::stdin().is_terminal() {
            return None;
        }
        eprint!("{prompt}");
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).ok()?;
        Some(line.trim().to_owned()).filter(|answer| !answer.is_empty())
    })
    .await
    .ok()
    .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_piped_secret_loses_its_final_line_break_and_nothing_else() {
        let read = |text: &str| one_line(Secret::<String>::new(text.to_owned()), "API key");
        assert_eq!(read("AAPTkey\n").unwrap().expose(), "AAPTkey");
        assert_eq!(read("AAPTkey\r\n").unwrap().expose(), "AAPTkey");
        assert_eq!(read("AAPTkey").unwrap().expose(), "AAPTkey");
        for bad in ["", "\n", "two\nlines", " padded", "AAPTkey\n\n"] {
            let err = read(bad).unwrap_err();
            assert_eq!(err.exit, Exit::Usage, "{bad:?}");
            let message = err.message.unwrap_or_default();
            assert!(message.contains("API key"), "{message}");
            assert!(
                bad.trim().is_empty() || !message.contains(bad.trim()),
                "{message}"
            );
        }
    }
}
