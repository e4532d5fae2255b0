//! User name and password: an "ArcGIS token" from `generateToken` — the portal's, a
//! stand-alone server's `tokens/generateToken` (POST only, at the token service its
//! `rest/info` advertises), or the server administrator's `admin/generateToken`.
//!
//! Exactly one credential request per call, and never a retry: a wrong password tried again
//! and again can lock the account.

use crate::arcgis::error::Cause;
use crate::arcgis::generate_token::{
    GeneratedToken, PasswordTokenRequest, admin_generate_token, portal_generate_token,
    server_generate_token,
};
use crate::arcgis::info::server_info;
use crate::arcgis::url::token_service_endpoint;
use crate::arcgis::{ArcGisClient, ArcGisError, ErrorKind, Instant, PortalUrl, ServerUrl};

/// Where the token comes from.
#[derive(Debug, Clone, Copy)]
pub enum TokenSite<'a> {
    /// A portal's `generateToken`.
    Portal(&'a PortalUrl),
    /// A stand-alone server's token service.
    Server(&'a ServerUrl),
    /// A server's `admin/generateToken` (administrators only).
    ServerAdmin(&'a ServerUrl),
}

/// Gets a token with the user name and password in `request`.
pub async fn issue(
    client: &ArcGisClient,
    site: TokenSite<'_>,
    request: &PasswordTokenRequest,
    now: Instant,
) -> Result<GeneratedToken, ArcGisError> {
    match site {
        TokenSite::Portal(portal) => portal_generate_token(client, portal, request, now).await,
        TokenSite::ServerAdmin(server) => admin_generate_token(client, server, request, now).await,
        TokenSite::Server(server) => {
            let info = server_info(client, server, now).await?;
            let advertised = info
                .auth_info
                .filter(|auth| auth.is_token_based_security)
                .and_then(|auth| auth.token_services_url)
                .ok_or_else(|| {
                    ArcGisError::new(
                        ErrorKind::Rejected,
                        server.root(),
                        "reading the server's token service (rest/info)",
                        Cause::Unexpected(
                            "the server does not use token security (rest/info has no \
                             tokenServicesUrl), so it needs no sign-in"
                                .to_owned(),
                        ),
                    )
                })?;
            let endpoint = token_service_endpoint(&advertised).map_err(|err| {
                ArcGisError::new(
                    ErrorKind::UnexpectedResponse,
                    server.root(),
                    "reading the server's token service (rest/info)",
                    Cause::Unexpected(format!("the advertised token service is unusable: {err}")),
                )
            })?;
            check_own_origin(server, &endpoint)?;
            server_generate_token(client, &endpoint, request, now).await
        }
    }
}

/// A stand-alone server's password goes only to the server's own origin (scheme, host and
/// port): a `rest/info` that advertises a token service elsewhere — a hostile or hijacked
/// answer — is refused before anything is sent, and the refusal names the address.
fn check_own_origin(server: &ServerUrl, endpoint: &url::Url) -> Result<(), ArcGisError> {
    let own = url::Url::parse(server.root()).map(|root| root.origin());
    if own.as_ref().is_ok_and(|own| *own == endpoint.origin()) {
        return Ok(());
    }
    Err(ArcGisError::new(
        ErrorKind::Rejected,
        server.root(),
        "reading the server's token service (rest/info)",
        Cause::Unexpected(format!(
            "the server advertises its token service at {}, which is not on the server's own \
             address; the password was not sent. If that really is the server's token service, \
             set the profile up with that server's address instead",
            endpoint.origin().ascii_serialization()
        )),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server() -> ServerUrl {
        ServerUrl::parse("https://gis.example.com/arcgis").unwrap()
    }

    #[test]
    fn a_token_service_on_the_servers_own_origin_is_used() {
        for advertised in [
            "https://gis.example.com/arcgis/tokens/",
            "https://GIS.example.com:443/arcgis/tokens/generateToken",
        ] {
            let endpoint = token_service_endpoint(advertised).unwrap();
            assert!(
                check_own_origin(&server(), &endpoint).is_ok(),
                "{advertised}"
            );
        }
    }

    #[test]
    fn a_token_service_on_another_host_port_or_scheme_never_gets_the_password() {
        for advertised in [
            "https://elsewhere.example/arcgis/tokens/",
            "https://gis.example.com:6443/arcgis/tokens/",
            "https://gis.example.com.evil.example/arcgis/tokens/",
        ] {
            let endpoint = token_service_endpoint(advertised).unwrap();
            let err = check_own_origin(&server(), &endpoint).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Rejected);
            assert!(err.to_string().contains("password was not sent"), "{err}");
        }
    }
}
