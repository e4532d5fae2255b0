//! The host's side of the editor, the dialogs and the token tools: probing a site for the
//! editor's Check, the CA file dialog, saving and deleting profiles, copying a token in any
//! format through the clipboard with auto-clear, revealing a token, and credential sign-in.
//! Every blocking call (file lock, native dialog, clipboard) runs on the blocking pool.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::host::Events;
use crate::arcgis::ServerUrl;
use crate::arcgis::probe::{ProbeReport, probe};
use crate::arcgis::{ArcGisClient, ClientOptions, ErrorKind, SiteUrl, parse_site_url};
use crate::clock::Clock;
use crate::engine::{Credentials, Engine, ServiceAccess, ServiceTokenKind, UrlAccess};
use crate::output::clipboard::{Arboard, ClipboardBackend, ClipboardError, SecureClipboard, Tick};
use crate::output::{Format, Issuer, TokenContext, render};
use crate::secret::Secret;
use crate::store::{Paths, Profile, ProfileDraft, ProfileId, ProfileStore};
use crate::ui::clipboard_status::ClipboardStatus;
use crate::ui::editor_form::EditorMode;
use crate::ui::remedy::{warning_text, with_remedy};
use crate::ui::screens::ScreenEvent;
use crate::ui::service_url::ServiceUrlAnswer;
use crate::ui::{Event, NoticeLevel};

/// How often a pending clipboard clearing is looked at.
const CLIPBOARD_TICK: Duration = Duration::from_millis(250);

/// A clipboard back-end chosen at start-up (tests give an in-memory one).
pub type ClipboardOpener =
    Box<dyn FnOnce() -> Result<Box<dyn ClipboardBackend>, ClipboardError> + Send>;

/// The system clipboard (arboard).
pub fn system_clipboard() -> ClipboardOpener {
    Box::new(|| Arboard::open().map(|c| Box::new(c) as Box<dyn ClipboardBackend>))
}

struct Backend(Box<dyn ClipboardBackend>);

impl ClipboardBackend for Backend {
    fn set_sensitive(&mut self, text: &str) -> Result<(), ClipboardError> {
        self.0.set_sensitive(text)
    }
    fn text(&mut self) -> Result<Option<Secret<String>>, ClipboardError> {
        self.0.text()
    }
    fn clear(&mut self) -> Result<(), ClipboardError> {
        self.0.clear()
    }
}

type Shared = Arc<Mutex<Result<SecureClipboard<Backend>, String>>>;

/// The clipboard the host copies tokens to: opened once (on Linux the copied text lives as
/// long as it does), cleared after the settings' delay if it still holds our text.
#[derive(Clone)]
pub(super) struct TokenClipboard {
    inner: Shared,
    clock: Arc<dyn Clock>,
    ticking: Arc<AtomicBool>,
}

impl TokenClipboard {
    /// Opens the clipboard with `opener` (off the async threads: it may connect to X11).
    pub(super) async fn open(
        opener: ClipboardOpener,
        clock: Arc<dyn Clock>,
        delay: Duration,
    ) -> Self {
        let clock_for_open = Arc::clone(&clock);
        let opened = tokio::task::spawn_blocking(move || {
            opener()
                .map(|backend| SecureClipboard::new(Backend(backend), clock_for_open, delay))
                .map_err(|err| err.to_string())
        })
        .await
        .unwrap_or_else(|err| Err(format!("opening the clipboard failed unexpectedly: {err}")));
        if let Err(why) = &opened {
            tracing::warn!(%why, "no clipboard");
        }
        Self {
            inner: Arc::new(Mutex::new(opened)),
            clock,
            ticking: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Sets the delay for later copies (zero: never cleared).
    pub(super) fn set_delay(&self, delay: Duration) {
        if let Ok(clipboard) = &mut *self.lock(&self.inner) {
            clipboard.set_delay(delay);
        }
    }

    fn lock<'a>(
        &self,
        inner: &'a Shared,
    ) -> std::sync::MutexGuard<'a, Result<SecureClipboard<Backend>, String>> {
        inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Copies `text`; the status line to show, or what went wrong.
    async fn copy(&self, text: Secret<String>, what: String) -> Result<ClipboardStatus, String> {
        let inner = Arc::clone(&self.inner);
        let clock = Arc::clone(&self.clock);
        let this = self.clone();
        let status = tokio::task::spawn_blocking(move || {
            let mut guard = this.lock(&inner);
            let clipboard = guard.as_mut().map_err(|why| {
                format!("Nothing was copied: the system clipboard is not available ({why}).")
            })?;
            clipboard
                .copy(&text)
                .map_err(|err| format!("Nothing was copied: {err}"))?;
            let clears_at = clipboard.clears_in().and_then(|left| {
                chrono::Duration::from_std(left)
                    .ok()
                    .map(|left| clock.now() + left)
            });
            Ok::<_, String>(ClipboardStatus { what, clears_at })
        })
        .await
        .map_err(|err| format!("Nothing was copied: the clipboard task failed ({err})."))??;
        Ok(status)
    }

    /// Puts text that is no secret (a sign-in address) on the clipboard; it is not cleared.
    pub(super) async fn copy_plain(&self, text: String) -> Result<(), String> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || {
            let inner = Arc::clone(&this.inner);
            let mut guard = this.lock(&inner);
            let clipboard = guard
                .as_mut()
                .map_err(|why| format!("the system clipboard is not available ({why})"))?;
            clipboard
                .backend_mut()
                .set_sensitive(&text)
                .map_err(|err| err.to_string())
        })
        .await
        .map_err(|err| format!("the clipboard task failed ({err})"))?
    }

    /// Clears the clipboard when its time comes (if it still holds our text), then tells the
    /// window. One ticker at a time; it ends when nothing is pending.
    fn watch(&self, events: Events) {
        if self.ticking.swap(true, Ordering::SeqCst) {
            return;
        }
        let this = self.clone();
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(CLIPBOARD_TICK);
            loop {
                interval.tick().await;
                let inner = Arc::clone(&this.inner);
                let probe = this.clone();
                let tick = tokio::task::spawn_blocking(move || match &mut *probe.lock(&inner) {
                    Ok(clipboard) => clipboard.tick(),
                    Err(_) => Ok(Tick::Idle),
                })
                .await;
                match tick {
                    Ok(Ok(Tick::Waiting)) => continue,
                    Ok(Ok(Tick::Cleared | Tick::LeftAlone | Tick::Idle)) => {
                        events.send(Event::Screens(ScreenEvent::ClipboardDone));
                    }
                    Ok(Err(err)) => {
                        events.send(Event::Screens(ScreenEvent::ClipboardDone));
                        notice(
                            &events,
                            NoticeLevel::Error,
                            format!(
                                "Clearing the clipboard failed: {err}. Clear it yourself if it still holds a token."
                            ),
                        );
                    }
                    Err(err) => tracing::warn!(%err, "the clipboard ticker failed"),
                }
                break;
            }
            this.ticking.store(false, Ordering::SeqCst);
            // A copy made while this ticker was finishing saw it still running and started
            // none: if something is pending now, watch again, or that copy is never cleared.
            // (The lock may be held by a blocking clipboard call: wait for it off the async
            // threads.)
            let probe = this.clone();
            let pending = tokio::task::spawn_blocking(move || probe.pending()).await;
            if pending.unwrap_or(false) {
                this.watch(events);
            }
        });
    }

    /// Whether a copy is waiting to be cleared.
    fn pending(&self) -> bool {
        self.lock(&self.inner)
            .as_ref()
            .is_ok_and(|clipboard| clipboard.clears_in().is_some())
    }

    /// Clears our text now if the clipboard still holds it (the window is closing).
    pub(super) fn clear_now(&self) {
        if let Ok(clipboard) = &mut *self.lock(&self.inner)
            && let Err(err) = clipboard.clear_if_ours()
        {
            tracing::warn!(%err, "clearing the clipboard at exit failed");
        }
    }
}

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
    let issuer = match issued.server {
        Some(server) => Issuer::Server(server.clone()),
        None => Issuer::of(profile)?,
    };
    let mut context = TokenContext::new(issued.token, issuer);
    context.url = url;
    context.referer = profile.bound_referer();
    context.header = profile.header();
    context.expires = Some(issued.expires_at);
    context.user_id = issued.username;
    context.ca_file = profile.ca_file();
    Some(render(format, &context))
}

/// Puts `text` on the clipboard and tells the window (and `profile`'s activity log).
async fn hand_out(
    clipboard: &TokenClipboard,
    events: &Events,
    text: Option<Secret<String>>,
    what: String,
    profile: &Profile,
    now: crate::arcgis::Instant,
) {
    let Some(text) = text else {
        return notice(
            events,
            NoticeLevel::Error,
            format!(
                "Nothing was copied: the address of {} cannot be read; edit the profile.",
                profile.name()
            ),
        );
    };
    match clipboard.copy(text, what.clone()).await {
        Ok(status) => {
            if status.clears_at.is_some() {
                clipboard.watch(events.clone());
            }
            events.send(Event::Activity {
                profile: profile.id().clone(),
                at: now,
                message: format!("Copied {what}."),
            });
            screen(events, ScreenEvent::Copied(status));
        }
        Err(message) => notice(events, NoticeLevel::Error, message),
    }
}

/// Copies `profile`'s token in `format`.
pub(super) fn copy(
    engine: Arc<Engine>,
    clipboard: TokenClipboard,
    events: Events,
    profile: Profile,
    format: Format,
) {
    tokio::spawn(async move {
        let fresh = match engine.fresh_token(&profile, false).await {
            Ok(fresh) => fresh,
            Err(err) => {
                let message = with_remedy(&err.to_string(), err.remedy().as_ref());
                return notice(
                    &events,
                    NoticeLevel::Error,
                    format!("Nothing was copied: {message}"),
                );
            }
        };
        let issued = Issued {
            token: &fresh.token,
            expires_at: fresh.expires_at,
            username: fresh.username.as_deref(),
            server: None,
        };
        let text = rendered(format, &profile, &issued, None);
        let what = format!("{} of {}", what_was_copied(format), profile.name());
        hand_out(
            &clipboard,
            &events,
            text,
            what,
            &profile,
            engine.clock().now(),
        )
        .await;
    });
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
                    with_remedy(&err.to_string(), err.remedy().as_ref())
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
                "{} Neither a portal nor a server answered at this address; if the site has \
                 a web adaptor name, include it (e.g. https://host/portal or https://host/arcgis).",
                with_remedy(&err.to_string(), err.remedy().as_ref())
            ),
            _ => with_remedy(&err.to_string(), err.remedy().as_ref()),
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
    saved.map_err(|err| {
        let why = with_remedy(&err.to_string(), err.remedy().as_ref());
        format!("The profile was not saved: {why}")
    })
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

/// Signs a credential-method profile in with what the person typed.
pub(super) fn sign_in_with(
    engine: Arc<Engine>,
    events: Events,
    profile: Profile,
    credentials: Credentials,
    done: impl FnOnce(bool) + Send + 'static,
) {
    tokio::spawn(async move {
        let result = engine.sign_in_with(&profile, credentials).await;
        let ok = result.is_ok();
        let result = match result {
            Ok(signed_in) => {
                if let Some(warning) = signed_in.warning {
                    notice(
                        &events,
                        NoticeLevel::Info,
                        format!("{}: {}", profile.name(), warning_text(&warning)),
                    );
                }
                events.send(Event::Activity {
                    profile: profile.id().clone(),
                    at: engine.clock().now(),
                    message: format!("Signed in as {}.", signed_in.who),
                });
                Ok(())
            }
            Err(err) => Err(with_remedy(&err.to_string(), err.remedy().as_ref())),
        };
        screen(
            &events,
            ScreenEvent::CredentialSignIn {
                profile: profile.id().clone(),
                result,
            },
        );
        done(ok);
    });
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
            Err(err) => {
                ServiceUrlAnswer::Failed(with_remedy(&err.to_string(), err.remedy().as_ref()))
            }
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
    clipboard: TokenClipboard,
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
                    format!(
                        "Nothing was copied: {}",
                        with_remedy(&err.to_string(), err.remedy().as_ref())
                    ),
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
        let text = rendered(format, &profile, &issued, Some(&url));
        let what = format!("{} for {url}", what_was_copied(format));
        hand_out(
            &clipboard,
            &events,
            text,
            what,
            &profile,
            engine.clock().now(),
        )
        .await;
    });
}
