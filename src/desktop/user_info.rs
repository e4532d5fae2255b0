//! Who is signed in: `community/self` (user name, full name, role) and `portals/self` (the
//! organisation's name), read with the profile's fresh token and sent to the screens.

use std::path::Path;
use std::sync::Arc;

use super::events::Events;
use crate::arcgis::info::{community_self, portal_self};
use crate::arcgis::{ArcGisClient, ClientOptions};
use crate::engine::Engine;
use crate::store::{Profile, SignInMethod};
use crate::ui::{Event, UserInfo};

/// Reads the user of `profile` in the background; a failure becomes an activity line.
pub(super) fn read(engine: Arc<Engine>, profile: Profile, events: Events) {
    tokio::spawn(async move {
        match fetch(&engine, &profile).await {
            Ok(Some(user)) => events.send(Event::User {
                profile: profile.id().clone(),
                user,
            }),
            Ok(None) => {}
            Err(why) => events.send(Event::Activity {
                profile: profile.id().clone(),
                at: engine.clock().now(),
                message: format!("could not read the signed-in user's details: {why}"),
            }),
        }
    });
}

/// The user, or `None` where there is none to read: a server, or an app or API key token
/// (they act for an app, not a user).
async fn fetch(engine: &Engine, profile: &Profile) -> Result<Option<UserInfo>, String> {
    let acts_for_a_user = !matches!(
        profile.sign_in(),
        SignInMethod::ApiKey | SignInMethod::AppCredentials
    );
    let Some(portal) = profile.portal_url().filter(|_| acts_for_a_user) else {
        return Ok(None);
    };
    let client = ArcGisClient::new(&ClientOptions {
        ca_file: profile.ca_file().map(Path::to_path_buf),
        ..ClientOptions::default()
    })
    .map_err(|err| err.to_string())?;
    let token = engine
        .fresh_token(profile, false)
        .await
        .map_err(|err| err.to_string())?
        .token;
    let now = engine.clock().now();
    let user = community_self(&client, &portal, &token, now)
        .await
        .map_err(|err| err.to_string())?;
    // The organisation's name is a nicety: without it, its id is shown.
    let organisation = match portal_self(&client, &portal, Some(&token), now).await {
        Ok(portal) => portal.name.or(user.org_id.clone()),
        Err(err) => {
            tracing::info!(profile = profile.name(), %err, "portals/self failed");
            user.org_id.clone()
        }
    };
    Ok(Some(UserInfo {
        username: user.username,
        full_name: user.full_name,
        role: user.role,
        organisation,
    }))
}
