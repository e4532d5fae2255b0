//! The host's side of the editor, the dialogs and the token tools: probing a site for the
//! editor's Check, the CA file dialog, saving and deleting profiles, revealing a token, and
//! the "token for a service URL" box (find it, copy it). Every blocking call (file lock,
//! native dialog, clipboard) runs on the blocking pool.

use std::path::PathBuf;
use std::sync::Arc;

use super::clipboard::HostClipboard;
use super::host::Events;
use super::worker::for_window;
use crate::arcgis::ServerUrl;
use crate::arcgis::probe::{ProbeReport, probe};
use crate::arcgis::{ArcGisClient, ClientOptions, ErrorKind, SiteUrl, parse_site_url};
use crate::engine::{Engine, ServiceAccess, ServiceTokenKind, UrlAccess};
use crate::output::{Format, Issuer, TokenContext, render};
use crate::secret::Secret;
use crate::store::{Paths, Profile, ProfileDraft, ProfileId, ProfileStore};
use crate::ui::editor_form::EditorMode;
use crate::ui::screens::ScreenEvent;
use crate::ui::service_url::ServiceUrlAnswer;
use crate::ui::{Event, NoticeLevel};

fn notice(events: &Events, level: NoticeLevel, text: String) {
    events.send(Event::Notice { level, text });
}

fn screen(events: &Events, event: ScreenEvent) {
    events.send(Event::Screens(event));
}

/// A token handed out, with what the formats say about it.
struct Issued<'a> {
    token: &'a Secret<String>,
    expires_at: crate::arcgis::Instant,
    username: Option<&'a str>,
    /// The server that issued it, when not the profile's own site (a federated server).
    server: Option<&'a ServerUrl>,
}

/// Renders `issued` in `format` with `profile`'s settings (Referer, header, CA file), for
/// requests to `url` (or the profile's own check URL); `None` when the profile's address
/// cannot be read.
fn rendered(
    format: Format,
    profile: &Profile,
    issued: &Issued<'_>,
    url: Option<&str>,
) -> Option<Secret<String>> {
    let mut context = TokenContext::for_profile(issued.token, profile)?;
    if let Some(server) = issued.server {
        context.issuer = Issuer::Server(server.clone());
    }
    context.url = url;
    context.expires = Some(issued.expires_at);
    context.user_id = issued.username;
    Some(render(format, &context))
}

/// "the Authorization header", "a curl command"… for the status line.
fn what_was_copied(format: Format) -> String {
    match format {
        Format::Token => "the token".to_owned(),
        Format::Bearer => "the Authorization header".to_owned(),
        Format::EsriBearer => "the X-Esri-Authorization header".to_owned(),
        other => format!("the {}", other.label()),
    }
}

/// Fetches `profile`'s token for Reveal.
pub(super) fn reveal(engine: Arc<Engine>, events: Events, profile: Profile) {
    tokio::spawn(async move {
        match engine.fresh_token(&profile, false).await {
            Ok(fresh) => {
                events.send(Event::Activity {
                    profile: profile.id().clone(),
                    at: engine.clock().now(),
                    message: "Showed the token on screen for 30 seconds.".to_owned(),
                });
                screen(
                    &events,
                    ScreenEvent::Revealed {
                        profile: profile.id().clone(),
                        token: fresh.token,
                    },
                );
            }
            Err(err) => notice(
                &events,
                NoticeLevel::Error,
                format!(
                    "The token cannot be shown: {}",
                    for_window(&err.to_string(), profile.name())
                ),
            ),
        }
    });
}

/// What the site at `url` is, or what went wrong and what to do.
async fn probe_site(
    url: &str,
    ca_file: Option<PathBuf>,
    now: crate::arcgis::Instant,
) -> Result<ProbeReport, String> {
    let parsed = parse_site_url(url).map_err(|err| err.to_string())?;
    let options = ClientOptions {
        ca_file,
        ..ClientOptions::default()
    };
    let client = ArcGisClient::new(&options).map_err(|err| err.to_string())?;
    probe(&client, url, &parsed, now)
        .await
        .map_err(|err| match (err.kind(), &parsed.site) {
            (ErrorKind::UnexpectedResponse, SiteUrl::Ambiguous(_)) => format!(
                "{err} Neither a portal nor a server answered at this address; if the site has \
                 a web adaptor name, include it (e.g. https://host/portal or https://host/arcgis)."
            ),
            _ => err.to_string(),
        })
}

/// Probes `url` for the editor's Check.
pub(super) fn check_site(
    events: Events,
    url: String,
    ca_file: Option<PathBuf>,
    now: crate::arcgis::Instant,
) {
    tokio::spawn(async move {
        let result = probe_site(&url, ca_file, now).await;
        screen(&events, ScreenEvent::ProbeFinished { url, result });
    });
}

/// Opens the native file dialog for a CA file (it blocks: on the blocking pool).
pub(super) fn pick_ca_file(events: Events) {
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
pub(super) async fn save(
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
    saved.map_err(|err| format!("The profile was not saved: {err}"))
}

/// Signs `profile` out (revoking where the portal allows, deleting its secrets) and removes
/// it from the profiles file. A failed revocation is reported; the deletion goes on.
pub(super) async fn delete(
    engine: &Engine,
    paths: Paths,
    profile: &Profile,
) -> Result<Option<String>, String> {
    let signed_out = engine.sign_out(profile).await.map_err(|err| {
        format!(
            "{} was not deleted: signing it out failed ({err}). Try again.",
            profile.name()
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
            "{} was signed out but not removed from the profiles file: {err}",
            profile.name()
        )
    })?;
    Ok(signed_out.revoke_failed)
}

/// The profiles in a stable order (by name), for "which profile's token works there".
fn in_order(mut profiles: Vec<Profile>) -> Vec<Profile> {
    profiles.sort_by(|a, b| a.name().cmp(b.name()));
    profiles
}

/// Which profile's token works at `url`: answers the service URL box.
pub(super) fn find_service_token(
    engine: Arc<Engine>,
    events: Events,
    profiles: Vec<Profile>,
    url: String,
) {
    tokio::spawn(async move {
        let answer = match engine.token_for_url(&in_order(profiles), &url).await {
            Ok(UrlAccess {
                access: ServiceAccess::NotNeeded { server },
                ..
            }) => ServiceUrlAnswer::NotNeeded { server },
            Ok(UrlAccess {
                profile: Some(profile),
                access: ServiceAccess::Token(token),
            }) => ServiceUrlAnswer::Token {
                profile,
                what: describe(&token.kind),
                expires_at: token.expires_at,
            },
            Ok(UrlAccess { profile: None, .. }) => {
                ServiceUrlAnswer::Failed("No profile's token works there.".to_owned())
            }
            Err(err) => ServiceUrlAnswer::Failed(err.to_string()),
        };
        screen(&events, ScreenEvent::ServiceUrl { url, answer });
    });
}

fn describe(kind: &ServiceTokenKind) -> String {
    match kind {
        ServiceTokenKind::Own(reason) => format!("its own token ({})", reason.describe()),
        ServiceTokenKind::FederatedServer { server } => {
            format!("a server token for {server}, issued by its portal")
        }
    }
}

/// Copies the token that works at `url` in `format`, with `url` as the request URL.
pub(super) fn copy_service_token(
    engine: Arc<Engine>,
    clipboard: HostClipboard,
    events: Events,
    profiles: Vec<Profile>,
    url: String,
    format: Format,
) {
    tokio::spawn(async move {
        let profiles = in_order(profiles);
        let found = match engine.token_for_url(&profiles, &url).await {
            Ok(UrlAccess {
                profile: Some(name),
                access: ServiceAccess::Token(token),
            }) => profiles
                .into_iter()
                .find(|p| p.name() == name)
                .map(|profile| (profile, token)),
            Ok(_) => None,
            Err(err) => {
                return notice(
                    &events,
                    NoticeLevel::Error,
                    format!("Nothing was copied: {err}"),
                );
            }
        };
        let Some((profile, token)) = found else {
            return notice(
                &events,
                NoticeLevel::Info,
                format!("Nothing was copied: {url} needs no token."),
            );
        };
        let server = match &token.kind {
            ServiceTokenKind::FederatedServer { server } => ServerUrl::parse(server).ok(),
            ServiceTokenKind::Own(_) => None,
        };
        let issued = Issued {
            token: &token.token,
            expires_at: token.expires_at,
            username: token.username.as_deref(),
            server: server.as_ref(),
        };
        let Some(text) = rendered(format, &profile, &issued, Some(&url)) else {
            return notice(
                &events,
                NoticeLevel::Error,
                format!(
                    "Nothing was copied: {} has no usable address.",
                    profile.name()
                ),
            );
        };
        let what = format!("{} for {url}", what_was_copied(format));
        match clipboard.copy_secret(text).await {
            Ok(clears_in) => {
                let now = engine.clock().now();
                let clears_at = clears_in
                    .and_then(|d| chrono::Duration::from_std(d).ok())
                    .map(|d| now + d);
                events.send(Event::Copied { what, clears_at });
            }
            Err(why) => notice(
                &events,
                NoticeLevel::Error,
                format!("Nothing was copied: {why}"),
            ),
        }
    });
}
