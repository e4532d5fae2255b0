//! One incoming request, normalised: which site and endpoint it is for (whatever path
//! spelling the client used), its parameters (query and form merged), the caller's address
//! and the token it presents.

use std::net::IpAddr;

use axum::http::{HeaderMap, Method, header};

/// The sites the demo portal serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Site {
    /// The portal, under `/portal/sharing/rest/…` and `/portal/sharing/…`.
    Portal,
    /// The federated server, under `/server/…`.
    FederatedServer,
    /// The stand-alone server, under `/gis/…`.
    StandaloneServer,
    /// A public server without token security, under `/public/…` (not one of the contract's
    /// site lines; for "no token needed" answers).
    PublicServer,
}

/// Request parameters from the query string and the form body, in that order.
#[derive(Debug, Clone, Default)]
pub struct Params(Vec<(String, String)>);

impl Params {
    /// Adds the parameters of a query string or form body.
    pub fn extend_from_urlencoded(&mut self, input: &[u8]) {
        self.0.extend(
            url::form_urlencoded::parse(input).map(|(k, v)| (k.into_owned(), v.into_owned())),
        );
    }

    /// The first value of `name` (exact spelling), empty values count as absent.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    /// The first value of `name` in any letter case (`serverUrl` / `serverURL`).
    pub fn get_any_case(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, v)| k.eq_ignore_ascii_case(name) && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    /// Whether `name` is present with any value.
    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }

    /// The parameter names (for the request log; values are never logged).
    pub fn names(&self) -> Vec<&str> {
        self.0.iter().map(|(k, _)| k.as_str()).collect()
    }
}

/// Output format chosen with `f`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Compact JSON.
    Json,
    /// Indented JSON.
    Pjson,
    /// A minimal HTML page.
    Html,
}

/// A normalised request.
#[derive(Debug)]
pub struct Req {
    /// GET, POST, …
    pub method: Method,
    /// The site.
    pub site: Site,
    /// The endpoint path below the site root with no leading or trailing `/`: for the portal
    /// relative to `sharing/rest` (e.g. `oauth2/token`), for servers relative to the instance
    /// (e.g. `rest/info`, `tokens/generateToken`).
    pub endpoint: String,
    /// The canonical path used for fault rules and request counts.
    pub canonical: String,
    /// The path prefix the client used for the portal (`/portal/sharing/rest` or
    /// `/portal/sharing`), so pages link back with the same spelling.
    pub base: String,
    /// Query and form parameters.
    pub params: Params,
    /// Whether the query string carried parameters (for POST-only credential rules).
    pub query_names: Vec<String>,
    /// Request headers.
    pub headers: HeaderMap,
    /// The caller's IP address.
    pub peer: IpAddr,
    /// Answer errors with 4xx statuses instead of HTTP 200.
    pub modern_errors: bool,
}

/// Splits a path into site, endpoint, canonical path and base; `None` if no site owns it.
pub fn route_path(path: &str) -> Option<(Site, String, String, String)> {
    let path = path.trim_end_matches('/');
    for (site, prefix) in [
        (Site::Portal, "/portal/sharing/rest"),
        (Site::Portal, "/portal/sharing"),
        (Site::FederatedServer, "/server"),
        (Site::StandaloneServer, "/gis"),
        (Site::PublicServer, "/public"),
    ] {
        let Some(rest) = path.strip_prefix(prefix) else {
            continue;
        };
        if !(rest.is_empty() || rest.starts_with('/')) {
            continue;
        }
        let endpoint = rest.trim_matches('/').to_string();
        let canonical = match site {
            Site::Portal if endpoint.is_empty() => "/portal/sharing/rest".to_string(),
            Site::Portal => format!("/portal/sharing/rest/{endpoint}"),
            _ => path.to_string(),
        };
        return Some((site, endpoint, canonical, prefix.to_string()));
    }
    None
}

impl Req {
    /// The output format: `f` if it names one, else `default`.
    pub fn format(&self, default: Format) -> Format {
        match self.params.get("f").map(str::to_ascii_lowercase).as_deref() {
            Some("json") => Format::Json,
            Some("pjson") => Format::Pjson,
            Some("html") => Format::Html,
            _ => default,
        }
    }

    /// The endpoint in lower case, for matching fixed endpoint names.
    pub fn endpoint_lower(&self) -> String {
        self.endpoint.to_ascii_lowercase()
    }

    /// The token the request presents: the `token` parameter, else
    /// `X-Esri-Authorization: Bearer …`, else `Authorization: Bearer …` (first found wins).
    pub fn token(&self) -> Option<String> {
        if let Some(token) = self.params.get("token") {
            return Some(token.to_string());
        }
        for name in ["x-esri-authorization", header::AUTHORIZATION.as_str()] {
            let bearer = self
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| {
                    v.strip_prefix("Bearer ")
                        .or_else(|| v.strip_prefix("bearer "))
                })
                .map(str::trim)
                .filter(|v| !v.is_empty());
            if let Some(token) = bearer {
                return Some(token.to_string());
            }
        }
        None
    }

    /// The `Referer` header, as sent.
    pub fn referer(&self) -> Option<&str> {
        self.headers
            .get(header::REFERER)
            .and_then(|v| v.to_str().ok())
    }

    /// Whether any of `names` came in the query string (not the body).
    pub fn in_query(&self, names: &[&str]) -> bool {
        self.query_names.iter().any(|q| names.contains(&q.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_portal_spellings_and_trailing_slashes_reach_the_same_endpoint() {
        let a = route_path("/portal/sharing/rest/oauth2/token/").map(|r| (r.0, r.1, r.2));
        let b = route_path("/portal/sharing/oauth2/token").map(|r| (r.0, r.1, r.2));
        assert_eq!(a, b);
        let Some((site, endpoint, canonical)) = a else {
            panic!("no route")
        };
        assert_eq!(site, Site::Portal);
        assert_eq!(endpoint, "oauth2/token");
        assert_eq!(canonical, "/portal/sharing/rest/oauth2/token");
    }

    #[test]
    fn server_paths_keep_their_site_and_unknown_prefixes_are_refused() {
        let Some((site, endpoint, _, _)) = route_path("/gis/rest/info") else {
            panic!("no route")
        };
        assert_eq!(
            (site, endpoint.as_str()),
            (Site::StandaloneServer, "rest/info")
        );
        assert!(route_path("/gisx/rest/info").is_none());
        assert!(route_path("/elsewhere").is_none());
    }

    #[test]
    fn parameter_names_can_be_matched_in_any_letter_case() {
        let mut params = Params::default();
        params.extend_from_urlencoded(b"serverURL=https%3A%2F%2Fx&token=");
        assert_eq!(params.get("serverUrl"), None);
        assert_eq!(params.get_any_case("serverUrl"), Some("https://x"));
        assert_eq!(params.get("token"), None);
    }
}
