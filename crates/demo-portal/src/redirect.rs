//! Redirect-URI registration matching (protocol reference §3.1.3; the real algorithm is
//! unconfirmed, so this is the documented choice).

use super::Shared;
use super::config::{AppConfig, OOB};

/// Whether `uri` is registered for `app`: exact match, `*.` host wildcards, a registered
/// path ending in `/` covering the paths below it, and (switch, default on) any port on a
/// loopback host registered without a port.
pub fn redirect_allowed(shared: &Shared, app: &AppConfig, uri: &str) -> bool {
    let any_port = shared.config.behaviour.loopback_any_port;
    app.redirect_uris
        .iter()
        .any(|registered| redirect_matches(registered, uri, any_port))
}

fn redirect_matches(registered: &str, given: &str, loopback_any_port: bool) -> bool {
    if registered == given {
        return true;
    }
    if registered == OOB || given == OOB {
        return false;
    }
    let (Ok(r), Ok(g)) = (url::Url::parse(registered), url::Url::parse(given)) else {
        return false;
    };
    if r.scheme() != g.scheme() || g.scheme() == "file" {
        return false;
    }
    let (Some(rh), Some(gh)) = (r.host_str(), g.host_str()) else {
        return false;
    };
    let host_ok = rh.eq_ignore_ascii_case(gh)
        || rh.strip_prefix('*').is_some_and(|suffix| {
            suffix.starts_with('.')
                && gh
                    .to_ascii_lowercase()
                    .ends_with(&suffix.to_ascii_lowercase())
        });
    let loopback = matches!(gh, "127.0.0.1" | "localhost" | "[::1]");
    let port_ok = r.port_or_known_default() == g.port_or_known_default()
        || (loopback_any_port && loopback && r.port().is_none());
    let path_ok =
        r.path() == g.path() || (r.path().ends_with('/') && g.path().starts_with(r.path()));
    let query_ok = r.query().is_none() || r.query() == g.query();
    host_ok && port_ok && path_ok && query_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_redirects_match_any_port_only_when_switched_on() {
        let reg = "http://127.0.0.1/";
        assert!(redirect_matches(
            reg,
            "http://127.0.0.1:53124/callback",
            true
        ));
        assert!(!redirect_matches(
            reg,
            "http://127.0.0.1:53124/callback",
            false
        ));
        assert!(!redirect_matches(reg, "http://evil.example:53124/", true));
        assert!(!redirect_matches(reg, "https://127.0.0.1:53124/", true));
        assert!(redirect_matches(
            "https://*.arcgis.com",
            "https://x.arcgis.com",
            false
        ));
        assert!(!redirect_matches(
            "https://*.arcgis.com",
            "https://arcgis.com.evil",
            false
        ));
        assert!(!redirect_matches(OOB, "http://127.0.0.1/", true));
        assert!(redirect_matches(OOB, OOB, false));
        assert!(!redirect_matches(
            "http://localhost:8080/a",
            "http://localhost:8080/ab",
            true
        ));
    }
}
