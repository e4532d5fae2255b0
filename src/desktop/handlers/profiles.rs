//! The profiles file: save (add or update; a browser or out-of-band profile's client ID and
//! redirect URI checked at its portal first) and delete a profile, and the CA file dialog of
//! the editor. The file lock and the native dialog block: they run on the blocking pool.

use crate::desktop::events::{Events, screen};
use crate::engine::{self, Engine, RegistrationProblem};
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

/// Before a browser or out-of-band profile is saved: does its portal know the client ID and
/// take the redirect URI? `Err` with what to do when the portal says no; when the portal
/// cannot be asked, or words its page otherwise, the profile is saved as it is (signing in
/// will tell).
async fn check_app_registration(draft: &ProfileDraft) -> Result<(), String> {
    let Ok(profile) = draft.clone().validate(ProfileId::generate()) else {
        return Ok(());
    };
    engine::check_app_registration(&profile)
        .await
        .map_err(|problem| match problem {
            RegistrationProblem::UnknownClientId { .. } => format!(
                "{problem}. Check it with your portal's administrator: Copy request for my \
                 administrator says what to register."
            ),
            RegistrationProblem::RedirectNotRegistered { .. } => format!(
                "{problem}: register it for the app on the portal (or give the one registered \
                 under Advanced)."
            ),
        })
}

/// Adds or updates a profile in the profiles file: the saved profile, or why not. A browser
/// or out-of-band profile's app registration is checked at its portal first.
pub(in crate::desktop) async fn save(
    paths: Paths,
    mode: EditorMode,
    draft: ProfileDraft,
) -> Result<Profile, String> {
    check_app_registration(&draft)
        .await
        .map_err(|why| format!("The profile was not saved: {why}"))?;
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
