//! The profiles file: save (add or update) and delete a profile, and the CA file dialog of
//! the editor. The file lock and the native dialog block: they run on the blocking pool.

use crate::desktop::events::{Events, screen};
use crate::engine::Engine;
use crate::store::{Paths, Profile, ProfileDraft, ProfileId, ProfileStore};
use crate::ui::editor_form::EditorMode;
use crate::ui::remedy::with_remedy;
use crate::ui::screens::ScreenEvent;

/// Opens the native file dialog for a CA file (it blocks: on the blocking pool).
pub(in crate::desktop) fn pick_ca_file(events: Events) {
    tokio::task::spawn_blocking(move || {
        let picked = rfd::FileDialog::new()
            .set_title("CA certificates to trust (PEM)")
            .add_filter("PEM certificates", &["pem", "crt", "cer"])
            .add_filter("All files", &["*"])
            .pick_file();
        screen(&events, ScreenEvent::CaFilePicked(picked));
    });
}

/// Adds or updates a profile in the profiles file: the saved profile, or why not.
pub(in crate::desktop) async fn save(
    paths: Paths,
    mode: EditorMode,
    draft: ProfileDraft,
) -> Result<Profile, String> {
    let saved = tokio::task::spawn_blocking(move || {
        let (mut store, _) = ProfileStore::open(&paths)?;
        match mode {
            EditorMode::Edit(id) => store.update(&id, |settings| *settings = draft),
            EditorMode::Add | EditorMode::Duplicate => store.add(draft),
        }
    })
    .await
    .map_err(|err| format!("Saving failed unexpectedly: {err}"))?;
    saved.map_err(|err| {
        let why = with_remedy(&err.to_string(), err.remedy().as_ref());
        format!("The profile was not saved: {why}")
    })
}

/// Signs `profile` out (revoking where the portal allows, deleting its secrets) and removes
/// it from the profiles file. A failed revocation is reported; the deletion goes on.
pub(in crate::desktop) async fn delete(
    engine: &Engine,
    paths: Paths,
    profile: &Profile,
) -> Result<Option<String>, String> {
    let signed_out = engine.sign_out(profile).await.map_err(|err| {
        format!(
            "{} was not deleted: signing it out failed. {}",
            profile.name(),
            with_remedy(&err.to_string(), err.remedy().as_ref())
        )
    })?;
    let id: ProfileId = profile.id().clone();
    let removed = tokio::task::spawn_blocking(move || {
        let (mut store, _) = ProfileStore::open(&paths)?;
        store.remove(&id)
    })
    .await
    .map_err(|err| format!("Deleting failed unexpectedly: {err}"))?;
    removed.map_err(|err| {
        format!(
            "{} was signed out but not removed from the profiles file: {}",
            profile.name(),
            with_remedy(&err.to_string(), err.remedy().as_ref())
        )
    })?;
    Ok(signed_out.revoke_failed)
}
