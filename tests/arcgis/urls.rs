//! URL normalisation, as a table of real-world inputs: what people paste from browsers,
//! docs and server directories, and what they get back (a root, or the message).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use tokendesk::arcgis::url::token_service_endpoint;
use tokendesk::arcgis::{PortalUrl, ServerUrl, SiteUrl, UrlError, parse_site_url};

#[derive(Debug)]
enum Want {
    /// A portal with this Sharing REST root.
    Portal(&'static str),
    /// A server with this root.
    Server(&'static str),
    /// Cannot tell from the URL; this base.
    Ambiguous(&'static str),
    /// Refused; the message contains this text.
    Refused(&'static str),
}

use Want::{Ambiguous, Portal, Refused, Server};

/// (input, assumed https?, expected)
const TABLE: &[(&str, bool, Want)] = &[
    // ArcGIS Online
    (
        "https://www.arcgis.com",
        false,
        Portal("https://www.arcgis.com/sharing/rest"),
    ),
    (
        "https://www.arcgis.com/",
        false,
        Portal("https://www.arcgis.com/sharing/rest"),
    ),
    (
        "https://myorg.maps.arcgis.com/home",
        false,
        Portal("https://myorg.maps.arcgis.com/sharing/rest"),
    ),
    (
        "https://MyOrg.Maps.ArcGIS.com/home/index.html",
        false,
        Portal("https://myorg.maps.arcgis.com/sharing/rest"),
    ),
    (
        "https://myorg.maps.arcgis.com/home/item.html?id=0123456789abcdef",
        false,
        Portal("https://myorg.maps.arcgis.com/sharing/rest"),
    ),
    (
        "https://myorg.maps.arcgis.com/apps/mapviewer/index.html?webmap=abc#x",
        false,
        Portal("https://myorg.maps.arcgis.com/sharing/rest"),
    ),
    (
        "https://www.arcgis.com/sharing/rest/oauth2/token/",
        false,
        Portal("https://www.arcgis.com/sharing/rest"),
    ),
    (
        "  https://www.arcgis.com/sharing/rest  \n",
        false,
        Portal("https://www.arcgis.com/sharing/rest"),
    ),
    (
        "www.arcgis.com",
        true,
        Portal("https://www.arcgis.com/sharing/rest"),
    ),
    // ArcGIS Enterprise portals
    (
        "https://gis.example.com/portal",
        false,
        Portal("https://gis.example.com/portal/sharing/rest"),
    ),
    (
        "https://gis.example.com/portal/",
        false,
        Portal("https://gis.example.com/portal/sharing/rest"),
    ),
    (
        "https://gis.example.com/portal/sharing/rest/",
        false,
        Portal("https://gis.example.com/portal/sharing/rest"),
    ),
    (
        "https://gis.example.com/portal/sharing",
        false,
        Portal("https://gis.example.com/portal/sharing/rest"),
    ),
    (
        "https://gis.example.com/portal/home/index.html",
        false,
        Portal("https://gis.example.com/portal/sharing/rest"),
    ),
    (
        "https://GIS.Example.COM:7443/arcgis/sharing/rest/info?f=json",
        false,
        Portal("https://gis.example.com:7443/arcgis/sharing/rest"),
    ),
    (
        "https://gis.example.com:443/portal/portaladmin",
        false,
        Portal("https://gis.example.com/portal/sharing/rest"),
    ),
    (
        "gis.example.com/portal/home",
        true,
        Portal("https://gis.example.com/portal/sharing/rest"),
    ),
    (
        "https://gis.city.gov/sharing/generateToken",
        false,
        Portal("https://gis.city.gov/sharing/rest"),
    ),
    // ArcGIS Server
    (
        "https://host.example.com/arcgis",
        false,
        Server("https://host.example.com/arcgis"),
    ),
    (
        "https://host.example.com/arcgis/rest/services/Folder/Svc/MapServer/0/query?where=1%3D1&f=json",
        false,
        Server("https://host.example.com/arcgis"),
    ),
    (
        "https://host.example.com/arcgis/rest/admin/services",
        false,
        Server("https://host.example.com/arcgis"),
    ),
    (
        "https://host.example.com/arcgis/rest/info",
        false,
        Server("https://host.example.com/arcgis"),
    ),
    (
        "https://host.example.com/arcgis/tokens/",
        false,
        Server("https://host.example.com/arcgis"),
    ),
    (
        "https://host.example.com:6443/arcgis/admin/generateToken",
        false,
        Server("https://host.example.com:6443/arcgis"),
    ),
    (
        "https://host.example.com/arcgis/manager/",
        false,
        Server("https://host.example.com/arcgis"),
    ),
    (
        "https://services3.arcgis.com/GVgbJbqm8hXASVYi/arcgis/rest/services/Parks/FeatureServer/0",
        false,
        Server("https://services3.arcgis.com/GVgbJbqm8hXASVYi/arcgis"),
    ),
    (
        "https://host.example.com/server/rest/services/sharing/MapServer",
        false,
        Server("https://host.example.com/server"),
    ),
    (
        "https://host.example.com/rest/services",
        false,
        Server("https://host.example.com"),
    ),
    // Loopback http is allowed (demo portal, local tests)
    (
        "http://127.0.0.1:8443/portal/sharing/rest",
        false,
        Portal("http://127.0.0.1:8443/portal/sharing/rest"),
    ),
    (
        "http://localhost:6080/arcgis/rest/services",
        false,
        Server("http://localhost:6080/arcgis"),
    ),
    (
        "http://[::1]:8080/gis/rest/info",
        false,
        Server("http://[::1]:8080/gis"),
    ),
    (
        "http://127.10.0.3/portal",
        false,
        Portal("http://127.10.0.3/portal/sharing/rest"),
    ),
    // Cannot tell from the URL
    (
        "https://gis.example.com",
        false,
        Ambiguous("https://gis.example.com"),
    ),
    (
        "https://gis.example.com/gis/",
        false,
        Ambiguous("https://gis.example.com/gis"),
    ),
    ("gis-server", true, Ambiguous("https://gis-server")),
    // Refused
    ("", false, Refused("the URL is empty")),
    ("   \t ", false, Refused("the URL is empty")),
    (
        "http://gis.example.com/portal",
        false,
        Refused("plain http:// to gis.example.com is refused"),
    ),
    (
        "http://gis.example.com:8080/arcgis",
        false,
        Refused("plain http:// to gis.example.com:8080 is refused"),
    ),
    (
        "ftp://gis.example.com/portal",
        false,
        Refused("`ftp://` is not supported"),
    ),
    (
        "file:///home/me/portal.json",
        false,
        Refused("`file://` is not supported"),
    ),
    ("not a url", false, Refused("is not a valid URL")),
    ("https://", false, Refused("is not a valid URL")),
    ("!!!", false, Refused("is not a host name")),
    (
        "https://admin:secret@gis.example.com/portal",
        false,
        Refused("contains a user name or password"),
    ),
];

#[test]
fn the_url_table_gives_the_expected_root_or_message() {
    assert!(TABLE.len() >= 25);
    let mut failures = Vec::new();
    for (input, assumed, want) in TABLE {
        let got = parse_site_url(input);
        let ok = match (&got, want) {
            (Ok(parsed), Portal(root)) => {
                matches!(&parsed.site, SiteUrl::Portal(p) if p.sharing_rest() == *root)
                    && parsed.assumed_https == *assumed
            }
            (Ok(parsed), Server(root)) => {
                matches!(&parsed.site, SiteUrl::Server(s) if s.root() == *root)
                    && parsed.assumed_https == *assumed
            }
            (Ok(parsed), Ambiguous(base)) => {
                matches!(&parsed.site, SiteUrl::Ambiguous(a) if a.base() == *base)
                    && parsed.assumed_https == *assumed
            }
            (Err(err), Refused(text)) => err.to_string().contains(text),
            _ => false,
        };
        if !ok {
            failures.push(format!("{input:?}: wanted {want:?}, got {got:?}"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn a_missing_scheme_is_read_as_https_and_reported() {
    let parsed = parse_site_url("myorg.maps.arcgis.com").unwrap();
    assert!(parsed.assumed_https);
    assert_eq!(
        parsed.site.root(),
        "https://myorg.maps.arcgis.com/sharing/rest"
    );
    // A loopback host without a scheme also gets https (never silently http).
    let parsed = parse_site_url("127.0.0.1:8443/portal").unwrap();
    assert_eq!(
        parsed.site.root(),
        "https://127.0.0.1:8443/portal/sharing/rest"
    );
}

#[test]
fn refused_http_explains_why_and_what_to_use() {
    let err = parse_site_url("http://gis.example.com/portal").unwrap_err();
    assert_eq!(
        err,
        UrlError::InsecureHttp {
            host: "gis.example.com".to_owned()
        }
    );
    let message = err.to_string();
    assert!(message.contains("https://gis.example.com/"), "{message}");
    assert!(message.contains("unencrypted"), "{message}");
}

#[test]
fn an_ambiguous_url_can_be_read_either_way() {
    let SiteUrl::Ambiguous(ambiguous) = parse_site_url("https://gis.example.com/gis").unwrap().site
    else {
        panic!("expected ambiguous");
    };
    assert_eq!(
        ambiguous.as_portal().sharing_rest(),
        "https://gis.example.com/gis/sharing/rest"
    );
    assert_eq!(
        ambiguous.as_server().endpoint("rest/info").as_str(),
        "https://gis.example.com/gis/rest/info"
    );
}

#[test]
fn portal_and_server_endpoints_are_built_under_their_roots() {
    let portal = PortalUrl::parse("https://www.arcgis.com/home").unwrap();
    assert_eq!(
        portal.endpoint("oauth2/token").as_str(),
        "https://www.arcgis.com/sharing/rest/oauth2/token"
    );
    assert_eq!(portal.base(), "https://www.arcgis.com");
    assert!(portal.is_arcgis_online_host());
    let server = ServerUrl::parse("https://host.example.com/arcgis/rest/services?f=json").unwrap();
    assert_eq!(
        server.endpoint("admin/generateToken").as_str(),
        "https://host.example.com/arcgis/admin/generateToken"
    );
}

#[test]
fn a_server_url_is_refused_where_a_portal_is_needed_and_the_reverse() {
    let err = PortalUrl::parse("https://host.example.com/arcgis/rest/services").unwrap_err();
    assert!(err.to_string().contains("not a portal"), "{err}");
    let err = ServerUrl::parse("https://gis.example.com/portal/home").unwrap_err();
    assert!(err.to_string().contains("not an ArcGIS Server"), "{err}");
}

#[test]
fn advertised_token_service_urls_are_normalised_to_their_endpoint() {
    let cases = [
        (
            "https://geo.stantec.com/arcgis/tokens/",
            "https://geo.stantec.com/arcgis/tokens/generateToken",
        ),
        (
            "https://geo.stantec.com/arcgis/tokens",
            "https://geo.stantec.com/arcgis/tokens/generateToken",
        ),
        (
            "https://geo.stantec.com/arcgis/tokens/generateToken",
            "https://geo.stantec.com/arcgis/tokens/generateToken",
        ),
        (
            "https://pnp00035.esri.com/portal/sharing/rest/generateToken",
            "https://pnp00035.esri.com/portal/sharing/rest/generateToken",
        ),
    ];
    for (advertised, endpoint) in cases {
        assert_eq!(
            token_service_endpoint(advertised).unwrap().as_str(),
            endpoint
        );
    }
    assert!(matches!(
        token_service_endpoint("http://geo.stantec.com/arcgis/tokens/"),
        Err(UrlError::InsecureHttp { .. })
    ));
}
