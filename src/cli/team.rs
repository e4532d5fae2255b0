//! `tokendesk profile export|import`: team profile files (`crate::store::team_file`). Export
//! writes the chosen profiles — site, sign-in method, client id, CA certificate, never a
//! secret — for an administrator to hand out; import shows what it adds, checks everything
//! first and changes nothing when anything is wrong.

use std::path::PathBuf;

use clap::Args;

use super::context::{self, profiles, store_failure};
use super::stdout;
use super::{Exit, Outcome};
use crate::store::team_file::{self, ImportPlan, TeamFileError};
use crate::store::write_private_file;

/// Arguments of `profile export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The profiles to export.
    #[arg(required = true, value_name = "NAME")]
    names: Vec<String>,
    /// Write the team file here (default: stdout).
    #[arg(long, value_name = "FILE")]
    file: Option<PathBuf>,
}

/// Arguments of `profile import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The team profile file (a path on this computer).
    file: PathBuf,
    /// Replace profiles of the same name (they keep their sign-in); without it a name that
    /// exists already stops the import and nothing is changed.
    #[arg(long)]
    replace: bool,
    /// Only show what would be added.
    #[arg(long)]
    dry_run: bool,
}

/// A team-file failure: a file that cannot be used is a usage error (2), a file system or
/// profiles-file failure a local one (1).
fn failure(err: TeamFileError) -> Outcome {
    match err {
        TeamFileError::Store(err) => store_failure(err),
        TeamFileError::Io { .. } | TeamFileError::Render(_) => {
            Outcome::fail(Exit::Failure, err.to_string())
        }
        TeamFileError::NamesTaken(_) => Outcome::fail(
            Exit::Usage,
            format!(
                "{err}. Import with --replace to replace them (they keep their sign-in), or \
                 rename them in the file"
            ),
        ),
        _ => Outcome::fail(Exit::Usage, format!("{err}. Nothing was imported")),
    }
}

/// `profile export NAME… [--file F]`.
pub fn export(args: &ExportArgs) -> Result<Outcome, Outcome> {
    let paths = context::paths()?;
    let store = profiles(&paths)?;
    let mut chosen = Vec::with_capacity(args.names.len());
    for name in &args.names {
        chosen.push(store.get(name).map_err(store_failure)?.clone());
    }
    let text = team_file::export(&chosen).map_err(failure)?;
    let without_user = chosen.iter().filter(|p| p.username().is_some()).count();
    match &args.file {
        None => stdout::print(&text),
        Some(file) => {
            let file = &std::path::absolute(file).map_err(|err| {
                Outcome::fail(
                    Exit::Failure,
                    format!("cannot write {}: {err}", file.display()),
                )
            })?;
            write_private_file(file, text.as_bytes()).map_err(|err| {
                Outcome::fail(
                    Exit::Failure,
                    format!("cannot write {}: {err}", file.display()),
                )
            })?;
            eprintln!(
                "Exported {} profile{} to {} (no secrets, no tokens).",
                chosen.len(),
                if chosen.len() == 1 { "" } else { "s" },
                file.display()
            );
        }
    }
    if without_user > 0 {
        eprintln!("User names were left out: each person signs in as themselves.");
    }
    Ok(Outcome::ok())
}

/// `profile import F [--replace] [--dry-run]`.
pub fn import(args: &ImportArgs) -> Result<Outcome, Outcome> {
    let shown = args.file.display().to_string();
    if shown.contains("://") {
        return Err(Outcome::fail(
            Exit::Usage,
            format!(
                "`{shown}` is an address, not a file: TokenDesk does not download team files; \
                 save the file and give its path"
            ),
        ));
    }
    let paths = context::paths()?;
    let mut store = profiles(&paths)?;
    let team = team_file::read(&args.file).map_err(failure)?;
    let plan = team_file::plan(team, store.list(), &paths).map_err(failure)?;
    describe(&plan, args.replace);
    if args.dry_run {
        eprintln!("Nothing was changed (--dry-run).");
        return Ok(Outcome::ok());
    }
    let done = team_file::apply(&plan, &mut store, args.replace).map_err(failure)?;
    eprintln!(
        "Imported {} profile{}. Sign in with `tokendesk login NAME`.",
        done.len(),
        if done.len() == 1 { "" } else { "s" }
    );
    Ok(Outcome::ok())
}

/// What the import adds or replaces, one line a profile, on stderr.
fn describe(plan: &ImportPlan, replace: bool) {
    for planned in &plan.profiles {
        let draft = &planned.draft;
        let verb = match (planned.replaces, replace) {
            (false, _) => "add",
            (true, true) => "replace",
            (true, false) => "clash (exists already)",
        };
        let ca = match &planned.ca {
            Some((path, _)) => format!(", trusting its CA (saved as {})", path.display()),
            None => String::new(),
        };
        eprintln!(
            "  {verb}: {} — {}, {}, {}{ca}",
            draft.name,
            draft.kind.label(),
            draft.sign_in.label(),
            draft.url
        );
    }
}
