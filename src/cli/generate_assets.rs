//! The shell completions and man pages that packages install, generated from the real
//! command-line definition ([`super::Cli`]) so they cannot drift from it. Packagers run
//! `cargo run --example generate-assets -- DIR` (`scripts/test-package` does, before building the
//! `.deb`); it is not a subcommand, so it shows up neither in `--help` nor in the completions.
//!
//! What it writes:
//! - `DIR/completions/`: `tokendesk.bash`, `_tokendesk` (zsh), `tokendesk.fish`,
//!   `_tokendesk.ps1` (PowerShell);
//! - `DIR/man/`: `tokendesk.1` and one page per subcommand (`tokendesk-profile.1`,
//!   `tokendesk-profile-add.1`, …).

use std::io;
use std::path::{Path, PathBuf};

use clap::CommandFactory;
use clap_complete::aot::{Shell, generate_to};

use super::Cli;

/// The program name the completions complete and the man pages describe.
const BIN_NAME: &str = "tokendesk";

/// The shells completions are written for.
const SHELLS: [Shell; 4] = [Shell::Bash, Shell::Zsh, Shell::Fish, Shell::PowerShell];

/// A file or directory that could not be written.
#[derive(Debug, thiserror::Error)]
#[error("could not write {}: {source}", path.display())]
pub struct GenerateError {
    path: PathBuf,
    source: io::Error,
}

/// Writes every completion script and man page below `dir` and returns their paths.
pub fn write_all(dir: &Path) -> Result<Vec<PathBuf>, GenerateError> {
    let mut written = write_completions(&dir.join("completions"))?;
    written.extend(write_man_pages(&dir.join("man"))?);
    Ok(written)
}

fn write_completions(dir: &Path) -> Result<Vec<PathBuf>, GenerateError> {
    create_dir(dir)?;
    let mut command = Cli::command();
    SHELLS
        .into_iter()
        .map(|shell| generate_to(shell, &mut command, BIN_NAME, dir).map_err(at(dir)))
        .collect()
}

/// One page for the program and one for each visible subcommand, at any depth (as
/// `clap_mangen::generate_to` does, but returning the paths it wrote).
fn write_man_pages(dir: &Path) -> Result<Vec<PathBuf>, GenerateError> {
    fn write(command: clap::Command, dir: &Path, written: &mut Vec<PathBuf>) -> io::Result<()> {
        for sub in command.get_subcommands().filter(|sub| !sub.is_hide_set()) {
            write(sub.clone(), dir, written)?;
        }
        written.push(clap_mangen::Man::new(command).generate_to(dir)?);
        Ok(())
    }
    create_dir(dir)?;
    let mut command = Cli::command().disable_help_subcommand(true);
    command.build();
    let mut written = Vec::new();
    write(command, dir, &mut written).map_err(at(dir))?;
    written.sort();
    Ok(written)
}

fn create_dir(dir: &Path) -> Result<(), GenerateError> {
    std::fs::create_dir_all(dir).map_err(at(dir))
}

/// Turns an I/O error into a [`GenerateError`] that names `path`.
fn at(path: &Path) -> impl FnOnce(io::Error) -> GenerateError {
    move |source| GenerateError {
        path: path.to_path_buf(),
        source,
    }
}
