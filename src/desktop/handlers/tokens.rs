//! The token tools: copy a profile's token in any format, copy an address, reveal a token,
//! and find (and copy) the token that works at a service URL.

use std::sync::Arc;

use crate::arcgis::ServerUrl;
use crate::desktop::clipboard::TokenClipboard;
use crate::desktop::events::{Events, notice, screen};
use crate::engine::{Engine, ServiceAccess, ServiceTokenKind, UrlAccess};
use crate::output::{Format, Issuer, TokenContext, render};
use crate::secret::{AccessToken, Secret};
use crate::store::Profile;
use crate::ui::remedy::with_remedy;
use crate::ui::screens::ScreenEvent;
use crate::ui::service_url::ServiceUrlAnswer;
use crate::ui::{Event, NoticeLevel};

/// A token handed out, with what the formats say about it.
struct Issued<'a> {
    token: &'a AccessToken,
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
pub(in crate::desktop) fn copy(
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
pub(in crate::desktop) fn reveal(engine: Arc<Engine>, events: Events, profile: Profile) {
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

/// The profiles in a stable order (by name), for "which profile's token works there".
fn in_order(mut profiles: Vec<Profile>) -> Vec<Profile> {
    profiles.sort_by(|a, b| a.name().cmp(b.name()));
    profiles
}

/// Which profile's token works at `url`: answers the service URL box.
pub(in crate::desktop) fn find_service_token(
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
pub(in crate::desktop) fn copy_service_token(
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

/// Copies an address (not a secret) as plain text and says so.
pub(in crate::desktop) fn copy_address(clipboard: TokenClipboard, events: Events, text: String) {
    tokio::spawn(async move {
        let (level, text) = match clipboard.copy_plain(text).await {
            Ok(()) => (
                NoticeLevel::Info,
                "Copied the address to the clipboard.".to_owned(),
            ),
            Err(why) => (NoticeLevel::Error, format!("Nothing was copied: {why}")),
        };
        events.send(Event::Notice { level, text });
    });
}
