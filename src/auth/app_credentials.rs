//! App credentials: the OAuth `client_credentials` grant with a client id and client secret.
//! The answer is an app token — no refresh token and no user — so it is simply asked for
//! again (re-issued) before it expires.

use crate::arcgis::oauth::{Grant, OAuthTokens, request_token};
use crate::arcgis::time::Expiration;
use crate::arcgis::{ArcGisClient, ArcGisError, Instant, PortalUrl};
use crate::secret::Secret;

/// Gets an app token for `client_id` with `client_secret`, asking for `expiration` minutes
/// (the portal clamps it to its maximum). One request; a wrong secret or client id comes
/// back as an error of kind [`crate::arcgis::ErrorKind::InvalidClient`].
pub async fn issue(
    client: &ArcGisClient,
    portal: &PortalUrl,
    client_id: &str,
    client_secret: &Secret<String>,
    expiration: Expiration,
    now: Instant,
) -> Result<OAuthTokens, ArcGisError> {
    let grant = Grant::ClientCredentials {
        client_secret,
        expiration: Some(expiration),
    };
    request_token(client, portal, client_id, &grant, now).await
}
