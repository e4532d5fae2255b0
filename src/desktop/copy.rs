//! Copying a token: the profile's fresh token (renewed first when due) rendered in an
//! [`output::Format`] and put on the clipboard, then the screens told what was copied and
//! when it clears — never the token itself.

use std::sync::Arc;

use super::clipboard::HostClipboard;
use super::host::Events;
use super::worker::for_window;
use crate::engine::Engine;
use crate::output::{self, Format, Issuer, TokenContext};
use crate::store::Profile;
use crate::ui::{Event, NoticeLevel};

/// Copies `profile`'s token as `format` in the background; a failure becomes a notice that
/// says what to do.
pub(super) fn copy_token(
    engine: Arc<Engine>,
    clipboard: HostClipboard,
    profile: Profile,
    format: Format,
    events: Events,
) {
    tokio::spawn(async move {
        let what = format!("{} of {}", format.label(), profile.name());
        match copy(&engine, &clipboard, &profile, format).await {
            Ok(clears_in) => {
                let now = engine.clock().now();
                let clears_at = clears_in
                    .and_then(|d| chrono::Duration::from_std(d).ok())
                    .map(|d| now + d);
                events.send(Event::Copied { what, clears_at });
            }
            Err(why) => events.send(Event::Notice {
                level: NoticeLevel::Error,
                text: format!("Nothing was copied: {why}"),
            }),
        }
    });
}

async fn copy(
    engine: &Engine,
    clipboard: &HostClipboard,
    profile: &Profile,
    format: Format,
) -> Result<Option<std::time::Duration>, String> {
    let fresh = engine
        .fresh_token(profile, false)
        .await
        .map_err(|err| for_window(&err.to_string(), profile.name()))?;
    let (portal, server) = (profile.portal_url(), profile.server_url());
    let issuer = match (portal, server) {
        (Some(portal), _) => Issuer::Portal(portal),
        (None, Some(server)) => Issuer::Server(server),
        (None, None) => return Err(format!("{} has no usable address", profile.name())),
    };
    let context = TokenContext {
        referer: profile.referer(),
        header: profile.header(),
        expires: Some(fresh.expires_at),
        user_id: fresh.username.as_deref(),
        ca_file: profile.ca_file(),
        ..TokenContext::new(&fresh.token, issuer)
    };
    let text = output::render(format, &context);
    clipboard.copy_secret(text).await
}
