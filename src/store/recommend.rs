//! [`recommend`]: the profile to add for a probed site — its kind, URL and sign-in method,
//! and why — from a [`ProbeReport`]. `tokendesk probe` prints it and
//! `tokendesk profile add NAME --from-probe URL` fills a draft with it.
//!
//! The rules, best first:
//! * a portal that supports OAuth: browser sign-in (PKCE). It works for every kind of
//!   account (built-in, SAML, social), the password never passes through TokenDesk, and the
//!   session renews itself until the refresh token ends;
//! * a portal without OAuth: user name and password (portal `generateToken`);
//! * a federated server: a profile for its **owning portal** (same rules), whose token
//!   `tokendesk token NAME --for URL` trades for server tokens;
//! * a stand-alone server: user name and password at the server's own token service;
//! * an unsecured server: no profile at all.

use serde::Serialize;

use super::fields::{SignInMethod, SiteKind};
use crate::arcgis::PortalUrl;
use crate::arcgis::probe::{self, ProbeReport};
use crate::remedy::Remedy;

/// The profile to add for a probed site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recommendation {
    /// The kind of profile.
    pub kind: SiteKind,
    /// The URL to give the profile (portal base or server root).
    pub url: String,
    /// The sign-in method.
    pub method: SignInMethod,
    /// Why, in one or two sentences.
    pub why: String,
    /// Whether the method needs the client ID of an OAuth app registered on the portal.
    pub needs_client_id: bool,
    /// What to do once the profile is there, when there is more than signing it in.
    pub remedy: Option<Remedy>,
}

/// The profile to add for `report`, or `None` for a server without token security (no
/// profile is needed there).
pub fn recommend(report: &ProbeReport) -> Option<Recommendation> {
    let oauth = report
        .sign_in_methods
        .contains(&probe::OfferedMethod::BrowserPkce);
    match report.kind {
        probe::FoundKind::ArcgisOnline | probe::FoundKind::EnterprisePortal => {
            let url = PortalUrl::parse(&report.root)
                .map(|portal| portal.base().to_owned())
                .unwrap_or_else(|_| report.root.clone());
            Some(for_portal(report.kind.into(), url, oauth, None))
        }
        probe::FoundKind::FederatedServer => {
            let owner = report.owning_portal.as_deref()?;
            let portal = PortalUrl::parse(owner).ok()?;
            let kind = if portal.is_arcgis_online_host() {
                SiteKind::ArcgisOnline
            } else {
                SiteKind::EnterprisePortal
            };
            let why = format!(
                "{} is federated with the portal {}: its tokens come from that portal, which \
                 gives a server token for any service of this server.",
                report.root,
                portal.base()
            );
            Some(Recommendation {
                remedy: Some(Remedy::TokenForServiceUrl { profile: None }),
                ..for_portal(kind, portal.base().to_owned(), true, Some(why))
            })
        }
        probe::FoundKind::StandaloneServer => Some(Recommendation {
            kind: SiteKind::ArcgisServer,
            url: report.root.clone(),
            method: SignInMethod::ServerPassword,
            why: "a stand-alone ArcGIS Server has its own users and token service \
                  (tokens/generateToken): sign in with a user name and password of this server."
                .to_owned(),
            needs_client_id: false,
            remedy: None,
        }),
        probe::FoundKind::UnsecuredServer => None,
    }
}

fn for_portal(kind: SiteKind, url: String, oauth: bool, lead: Option<String>) -> Recommendation {
    let (method, reason) = if oauth {
        (
            SignInMethod::BrowserPkce,
            "browser sign-in (OAuth with PKCE) works for every kind of account (built-in, SAML, \
             social), your password never passes through TokenDesk, and the session renews \
             itself until the refresh token ends. It needs the client ID of an OAuth app \
             registered on the portal (Content → New item → Developer credentials).",
        )
    } else {
        (
            SignInMethod::PortalPassword,
            "the portal does not offer OAuth, so sign in with a user name and password \
             (portal generateToken).",
        )
    };
    let why = match lead {
        Some(lead) => format!("{lead} At the portal, {reason}"),
        None => format!("{} — {reason}", kind.label()),
    };
    Recommendation {
        kind,
        url,
        method,
        why,
        needs_client_id: method.needs_client_id(),
        remedy: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(
        kind: probe::FoundKind,
        root: &str,
        methods: Vec<probe::OfferedMethod>,
    ) -> ProbeReport {
        ProbeReport {
            input: root.to_owned(),
            assumed_https: false,
            kind,
            root: root.to_owned(),
            version: None,
            token_service_url: None,
            https_only: None,
            supports_oauth: None,
            owning_portal: None,
            sign_in_methods: methods,
        }
    }

    #[test]
    fn a_portal_with_oauth_gets_browser_sign_in_on_its_base_url() {
        let found = report(
            probe::FoundKind::EnterprisePortal,
            "https://gis.example.com/portal/sharing/rest",
            vec![
                probe::OfferedMethod::BrowserPkce,
                probe::OfferedMethod::PasswordGenerateToken,
            ],
        );
        let got = recommend(&found).unwrap();
        assert_eq!(got.kind, SiteKind::EnterprisePortal);
        assert_eq!(got.url, "https://gis.example.com/portal");
        assert_eq!(got.method, SignInMethod::BrowserPkce);
        assert!(
            got.needs_client_id && got.why.contains("client ID"),
            "{}",
            got.why
        );
    }

    #[test]
    fn a_portal_without_oauth_gets_user_name_and_password() {
        let found = report(
            probe::FoundKind::EnterprisePortal,
            "https://gis.example.com/portal/sharing/rest",
            vec![
                probe::OfferedMethod::ApiKey,
                probe::OfferedMethod::PasswordGenerateToken,
            ],
        );
        assert_eq!(
            recommend(&found).unwrap().method,
            SignInMethod::PortalPassword
        );
    }

    #[test]
    fn a_federated_server_gets_a_profile_for_its_owning_portal() {
        let mut found = report(
            probe::FoundKind::FederatedServer,
            "https://gis.example.com/server",
            vec![probe::OfferedMethod::FederatedViaPortal],
        );
        found.owning_portal = Some("https://gis.example.com/portal".to_owned());
        let got = recommend(&found).unwrap();
        assert_eq!(
            (got.kind, got.url.as_str(), got.method),
            (
                SiteKind::EnterprisePortal,
                "https://gis.example.com/portal",
                SignInMethod::BrowserPkce
            )
        );
        assert!(got.why.contains("federated with the portal"), "{}", got.why);
        assert_eq!(
            got.remedy,
            Some(Remedy::TokenForServiceUrl { profile: None })
        );
    }

    #[test]
    fn servers_get_server_password_or_nothing_when_unsecured() {
        let standalone = report(
            probe::FoundKind::StandaloneServer,
            "https://host/arcgis",
            vec![probe::OfferedMethod::ServerGenerateToken],
        );
        let got = recommend(&standalone).unwrap();
        assert_eq!(
            (got.kind, got.method),
            (SiteKind::ArcgisServer, SignInMethod::ServerPassword)
        );
        let open = report(
            probe::FoundKind::UnsecuredServer,
            "https://host/arcgis",
            vec![],
        );
        assert_eq!(recommend(&open), None);
    }
}
