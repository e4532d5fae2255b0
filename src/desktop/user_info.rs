//! Who is signed in: the user a sign-in learned, or `community/self` (user name, full name,
//! role) for a session found stored; and `portals/self` (the organisation's name). Read with
//! the profile's fresh token and the engine's client, and sent to the screens.

use std::sync::Arc;

use super::events::Events;
use crate::arcgis::info::{community_self, portal_self};
use crate::arcgis::{ArcGisClient, Instant, PortalUrl};
use crate::auth::SignedInUser;
use crate::engine::Engine;
use crate::secret::AccessToken;
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
    let client = engine
        .clients()
        .for_ca_file(profile.ca_file())
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
    let organisation = organisation(&client, &portal, &token, user.org_id.clone(), now).await;
    Ok(Some(UserInfo {
        username: user.username,
        full_name: user.full_name,
        role: user.role,
        organisation,
    }))
}

/// Shows the user a sign-in learned, with the organisation's name looked up in the
/// background (no second `community/self`).
pub(super) fn show(engine: Arc<Engine>, profile: Profile, user: SignedInUser, events: Events) {
    tokio::spawn(async move {
        let mut organisation = user.org_id.clone();
        if let Some(portal) = profile.portal_url()
            && let Ok(client) = engine.clients().for_ca_file(profile.ca_file())
            && let Ok(token) = engine.fresh_token(&profile, false).await
        {
            let now = engine.clock().now();
            organisation =
                self::organisation(&client, &portal, &token.token, user.org_id.clone(), now).await;
        }
        events.send(Event::User {
            profile: profile.id().clone(),
            user: UserInfo {
                username: user.username,
                full_name: user.full_name,
                role: user.role,
                organisation,
            },
        });
    });
}

/// The organisation's name from `portals/self`, a nicety: without it, its id.
async fn organisation(
    client: &ArcGisClient,
    portal: &PortalUrl,
    token: &AccessToken,
    org_id: Option<String>,
    now: Instant,
) -> Option<String> {
    match portal_self(client, portal, Some(token), now).await {
        Ok(portal) => portal.name.or(org_id),
        Err(err) => {
            tracing::info!(%err, "portals/self failed");
            org_id
        }
    }
}
