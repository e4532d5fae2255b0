//! Header files kept fresh: for each profile with "keep a header file" on, a file
//! `$XDG_RUNTIME_DIR/tokendesk/headers/NAME` (0600, in the private runtime directory) that
//! always holds a valid header line (and `Referer: …` when the token is bound to one),
//! replaced atomically after every renewal — before the old token expires, since the engine
//! renews ahead of expiry. A GDAL or QGIS job pointed at it with `GDAL_HTTP_HEADER_FILE` reads
//! a fresh token on every request. The file goes when the setting is turned off, the profile
//! is signed out or needs a sign-in, and when TokenDesk ends.

use std::path::PathBuf;
use std::sync::Arc;

use crate::desktop::events::{Events, notice_error};
use crate::engine::Engine;
use crate::output::{Format, Issuer, TokenContext, render};
use crate::store::Profile;
use crate::ui::Event;
use crate::ui::remedy::with_remedy;

/// The header file of `profile`: `<private runtime dir>/headers/<name>`.
pub(in crate::desktop) fn path_of(profile: &Profile) -> std::io::Result<PathBuf> {
    Ok(crate::store::paths::private_runtime_dir()?
        .join("headers")
        .join(profile.name()))
}

/// Writes `profile`'s header file with a fresh token (renewing first when one is due), and
/// tells the window where it is.
pub(in crate::desktop) fn write(engine: Arc<Engine>, events: Events, profile: Profile) {
    tokio::spawn(async move {
        let failed = |message: String| {
            notice_error(
                &events,
                format!(
                    "The header file of {} could not be written: {message}",
                    profile.name()
                ),
            );
        };
        let fresh = match engine.fresh_token(&profile, false).await {
            Ok(fresh) => fresh,
            Err(err) => return failed(with_remedy(&err.to_string(), err.remedy().as_ref())),
        };
        let Some(issuer) = Issuer::of(&profile) else {
            return failed("the profile's site cannot issue headers".to_owned());
        };
        let mut context = TokenContext::new(&fresh.token, issuer);
        context.referer = profile.bound_referer();
        context.header = profile.header();
        let text = render(Format::header(profile.header()), &context);
        let path = match path_of(&profile) {
            Ok(path) => path,
            Err(err) => return failed(err.to_string()),
        };
        let target = path.clone();
        let written = tokio::task::spawn_blocking(move || {
            let mut line = text.expose().clone();
            if !line.ends_with('\n') {
                line.push('\n');
            }
            crate::store::write_private_file(&target, line.as_bytes())
        })
        .await;
        match written {
            Ok(Ok(())) => events.send(Event::HeaderFile {
                profile: profile.id().clone(),
                path: Some(path),
            }),
            Ok(Err(err)) => failed(format!("{}: {err}", path.display())),
            Err(err) => failed(err.to_string()),
        }
    });
}

/// Removes `profile`'s header file (if there is one) and tells the window.
pub(in crate::desktop) fn remove(events: &Events, profile: &Profile) {
    if let Ok(path) = path_of(profile) {
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => {
                tracing::warn!(%err, path = %path.display(), "could not remove a header file")
            }
        }
    }
    events.send(Event::HeaderFile {
        profile: profile.id().clone(),
        path: None,
    });
}
