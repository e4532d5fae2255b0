//! Team profile files in the window: export the ticked profiles, say what a file would add,
//! import it. The store checks everything (`crate::store::team_file`); file and lock calls
//! run on the blocking pool. Messages are in the window's words.

use crate::desktop::events::{Events, screen};
use crate::store::team_file::{self, TeamFileError};
use crate::store::{Paths, ProfileId, ProfileStore, write_private_file};
use crate::ui::screens::ScreenEvent;
use crate::ui::team_dialog::{ImportPreview, TeamFileAnswer, TeamFileCommand};

/// Runs `command`. A finished import's answer is returned instead of sent: the caller
/// reads the profiles again first, then sends it.
pub(in crate::desktop) async fn handle(
    command: TeamFileCommand,
    paths: &Paths,
    events: &Events,
) -> Option<ScreenEvent> {
    let paths = paths.clone();
    let answer = tokio::task::spawn_blocking(move || run(command, &paths)).await;
    let answer = match answer {
        Ok(answer) => answer,
        Err(err) => TeamFileAnswer::Imported(Err(format!("The import failed unexpectedly: {err}"))),
    };
    let event = ScreenEvent::TeamFile(answer.clone());
    match answer {
        TeamFileAnswer::Imported(Ok(_)) => Some(event),
        _ => {
            screen(events, event);
            None
        }
    }
}

fn run(command: TeamFileCommand, paths: &Paths) -> TeamFileAnswer {
    match command {
        TeamFileCommand::Export { profiles, file } => {
            TeamFileAnswer::Exported(export(&profiles, &file, paths))
        }
        TeamFileCommand::Preview(file) => {
            let result = preview(&file, paths);
            TeamFileAnswer::Preview { file, result }
        }
        TeamFileCommand::Import { file, replace } => {
            TeamFileAnswer::Imported(import(&file, replace, paths))
        }
    }
}

fn words(err: &TeamFileError) -> String {
    match err {
        TeamFileError::NamesTaken(_) => format!(
            "{err}. Tick “Replace profiles of the same name” to replace them, or rename them in \
             the file."
        ),
        TeamFileError::Store(_) | TeamFileError::Io { .. } => format!("{err}."),
        _ => format!("{err}. Nothing was imported: ask your administrator for a corrected file."),
    }
}

fn export(ids: &[ProfileId], file: &std::path::Path, paths: &Paths) -> Result<String, String> {
    let (store, _) = ProfileStore::open(paths).map_err(|err| format!("{err}."))?;
    let chosen: Vec<_> = store
        .list()
        .iter()
        .filter(|p| ids.contains(p.id()))
        .cloned()
        .collect();
    let text = team_file::export(&chosen).map_err(|err| words(&err))?;
    let file = std::path::absolute(file).map_err(|err| format!("Cannot use that path: {err}."))?;
    write_private_file(&file, text.as_bytes())
        .map_err(|err| format!("Cannot write {}: {err}.", file.display()))?;
    Ok(format!(
        "Exported {} profile{} to {} (no secrets, no tokens, no user names).",
        chosen.len(),
        if chosen.len() == 1 { "" } else { "s" },
        file.display()
    ))
}

fn preview(file: &std::path::Path, paths: &Paths) -> Result<ImportPreview, String> {
    if file.to_string_lossy().contains("://") {
        return Err(
            "That is an address, not a file: save the file first and give its path.".to_owned(),
        );
    }
    let (store, _) = ProfileStore::open(paths).map_err(|err| format!("{err}."))?;
    let team = team_file::read(file).map_err(|err| words(&err))?;
    let plan = team_file::plan(team, store.list(), paths).map_err(|err| words(&err))?;
    let lines = plan
        .profiles
        .iter()
        .map(|p| {
            let ca = if p.ca.is_some() {
                ", with its CA certificate"
            } else {
                ""
            };
            format!(
                "{} — {}, {}, {}{ca}",
                p.draft.name,
                p.draft.kind.label(),
                p.draft.sign_in.label(),
                p.draft.url
            )
        })
        .collect();
    Ok(ImportPreview {
        lines,
        clashes: plan.clashes(),
    })
}

fn import(file: &std::path::Path, replace: bool, paths: &Paths) -> Result<Vec<ProfileId>, String> {
    let (mut store, _) = ProfileStore::open(paths).map_err(|err| format!("{err}."))?;
    let team = team_file::read(file).map_err(|err| words(&err))?;
    let plan = team_file::plan(team, store.list(), paths).map_err(|err| words(&err))?;
    let added = team_file::apply(&plan, &mut store, replace).map_err(|err| words(&err))?;
    Ok(added.iter().map(|p| p.id().clone()).collect())
}
