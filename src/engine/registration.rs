//! Before a browser or out-of-band profile is saved: does its portal know the client ID, and
//! does it take the redirect URI? Asked at `oauth2/authorize` the way a browser would (nothing
//! is signed in). Shared by every surface that saves a profile.

use std::path::Path;

use crate::arcgis::oauth::{AppCheck, RedirectUri as WireRedirect, check_app};
use crate::arcgis::{ArcGisClient, ClientOptions};
use crate::remedy::Remedy;
use crate::store::{Profile, RedirectUri};

/// The port an any-port loopback redirect is checked with (the sign-in picks a free one; a
/// portal that takes any port for `http://127.0.0.1` takes this one too).
const CHECKED_ANY_PORT: u16 = 49_152;

/// What the portal said is wrong with a profile's app registration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistrationProblem {
    /// The portal has no app with this client ID.
    #[error(
        "{portal} does not know the client ID `{client_id}` (ArcGIS says \"Invalid client_id\")"
    )]
    UnknownClientId {
        /// The portal's address.
        portal: String,
        /// The client ID asked about.
        client_id: String,
    },
    /// The portal knows the app but not this redirect URI.
    #[error("{portal} knows the client ID `{client_id}` but not the redirect URI {redirect}")]
    RedirectNotRegistered {
        /// The portal's address.
        portal: String,
        /// The client ID asked about.
        client_id: String,
        /// The redirect URI it does not take.
        redirect: String,
    },
}

impl RegistrationProblem {
    /// What to do: check the app registered on the portal.
    pub fn remedy(&self) -> Remedy {
        Remedy::CheckAppRegistration { profile: None }
    }
}

/// Asks `profile`'s portal whether it knows the client ID and takes the redirect URI.
/// `Ok` also when there is nothing to ask (no client ID, no portal, a method without a
/// browser), when the portal cannot be reached or words its page otherwise: signing in will
/// tell then.
pub async fn check_app_registration(profile: &Profile) -> Result<(), RegistrationProblem> {
    let (Some(portal), Some(client_id), Some(redirect)) = (
        profile.portal_url(),
        profile.client_id(),
        profile.redirect_uri(),
    ) else {
        return Ok(());
    };
    let wire = match redirect {
        RedirectUri::Loopback { port, path } => WireRedirect::Loopback {
            port: *port,
            path: path.clone(),
        },
        RedirectUri::LoopbackAnyPort { path } => WireRedirect::Loopback {
            port: CHECKED_ANY_PORT,
            path: path.clone(),
        },
        RedirectUri::OutOfBand => WireRedirect::OutOfBand,
    };
    let options = ClientOptions {
        ca_file: profile.ca_file().map(Path::to_path_buf),
        ..ClientOptions::default()
    };
    let Ok(client) = ArcGisClient::new(&options) else {
        return Ok(());
    };
    match check_app(&client, &portal, client_id, &wire).await {
        Ok(AppCheck::UnknownClientId) => Err(RegistrationProblem::UnknownClientId {
            portal: portal.base().to_string(),
            client_id: client_id.to_owned(),
        }),
        Ok(AppCheck::RedirectNotRegistered) => Err(RegistrationProblem::RedirectNotRegistered {
            portal: portal.base().to_string(),
            client_id: client_id.to_owned(),
            redirect: redirect.to_string(),
        }),
        Ok(AppCheck::Known | AppCheck::Unclear) | Err(_) => Ok(()),
    }
}
