//! Exact-text tests of every copy format.

use std::path::Path;

use chrono::{TimeZone, Utc};

use super::*;
use crate::arcgis::{PortalUrl, ServerUrl};
use crate::secret::AccessToken;

const TOKEN: &str = "tok.EN-1";
const ODD: &str = r#"it's $HOME "x" \n"#;

fn portal() -> PortalUrl {
    PortalUrl::parse("https://gis.example.com/portal").unwrap()
}

fn text(format: Format, ctx: &TokenContext<'_>) -> String {
    render(format, ctx).expose_owned()
}

/// A context with every optional field set: Referer, X-Esri header, expiry, user, CA file.
fn full<'a>(token: &'a AccessToken, portal: &'a PortalUrl) -> TokenContext<'a> {
    let mut ctx = TokenContext::new(token, Issuer::Portal(portal.clone()));
    ctx.referer = Some("https://app.example.com");
    ctx.header = PreferredHeader::XEsriAuthorization;
    ctx.expires = Some(Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap());
    ctx.user_id = Some("analyst");
    ctx.ca_file = Some(Path::new("/etc/ca.pem"));
    ctx
}

#[test]
fn the_token_format_is_the_bare_token() {
    let (token, portal) = (Secret::from(TOKEN), portal());
    assert_eq!(text(Format::Token, &full(&token, &portal)), TOKEN);
}

#[test]
fn header_formats_add_a_referer_line_only_for_a_referer_bound_token() {
    let (token, portal) = (Secret::from(TOKEN), portal());
    let plain = TokenContext::new(&token, Issuer::Portal(portal.clone()));
    assert_eq!(
        text(Format::Bearer, &plain),
        "Authorization: Bearer tok.EN-1"
    );
    assert_eq!(
        text(Format::EsriBearer, &plain),
        "X-Esri-Authorization: Bearer tok.EN-1"
    );
    assert_eq!(
        text(Format::Bearer, &full(&token, &portal)),
        "Authorization: Bearer tok.EN-1\nReferer: https://app.example.com"
    );
}

#[test]
fn the_preferred_header_picks_the_matching_header_format() {
    assert_eq!(
        Format::header(PreferredHeader::Authorization),
        Format::Bearer
    );
    assert_eq!(
        Format::header(PreferredHeader::XEsriAuthorization),
        Format::EsriBearer
    );
}

#[test]
fn the_query_string_is_url_encoded_and_notes_the_referer_in_a_comment() {
    let (token, portal) = (Secret::from("a+b/c="), portal());
    let plain = TokenContext::new(&token, Issuer::Portal(portal.clone()));
    assert_eq!(text(Format::Query, &plain), "token=a%2Bb%2Fc%3D");
    let mut bound = plain;
    bound.referer = Some("https://app.example.com");
    assert_eq!(
        text(Format::Query, &bound),
        "token=a%2Bb%2Fc%3D\n# this token is bound to Referer https://app.example.com: \
         send that Referer header with every request"
    );
}

#[test]
fn curl_sends_the_preferred_header_the_referer_and_the_ca_file() {
    let (token, portal) = (Secret::from(TOKEN), portal());
    assert_eq!(
        text(Format::Curl, &full(&token, &portal)),
        "curl --fail-with-body --silent --show-error \\\n  \
         --header 'X-Esri-Authorization: Bearer tok.EN-1' \\\n  \
         --header 'Referer: https://app.example.com' \\\n  \
         --cacert '/etc/ca.pem' \\\n  \
         'https://gis.example.com/portal/sharing/rest/community/self?f=json'"
    );
}

#[test]
fn curl_quotes_odd_values_and_keeps_a_given_f_parameter() {
    let (token, server) = (
        Secret::from(ODD),
        ServerUrl::parse("https://gis.example.com/server").unwrap(),
    );
    let mut ctx = TokenContext::new(&token, Issuer::Server(server.clone()));
    ctx.url = Some("https://gis.example.com/server/rest/services/A/MapServer?f=pjson");
    assert_eq!(
        text(Format::Curl, &ctx),
        "curl --fail-with-body --silent --show-error \\\n  \
         --header 'Authorization: Bearer it'\\''s $HOME \"x\" \\n' \\\n  \
         'https://gis.example.com/server/rest/services/A/MapServer?f=pjson'"
    );
}

#[test]
fn a_server_token_calls_the_services_directory_by_default() {
    let (token, server) = (
        Secret::from(TOKEN),
        ServerUrl::parse("https://gis.example.com/server").unwrap(),
    );
    let ctx = TokenContext::new(&token, Issuer::Server(server.clone()));
    assert_eq!(
        ctx.request_url(),
        "https://gis.example.com/server/rest/services?f=json"
    );
}

#[test]
fn powershell_sends_both_headers_and_explains_how_to_trust_the_ca() {
    let (token, portal) = (Secret::from(TOKEN), portal());
    assert_eq!(
        text(Format::PowerShell, &full(&token, &portal)),
        "# The site's certificate comes from a private CA (/etc/ca.pem): trust it first, e.g.\n\
         # Import-Certificate -FilePath '/etc/ca.pem' -CertStoreLocation Cert:\\CurrentUser\\Root\n\
         Invoke-RestMethod -Uri 'https://gis.example.com/portal/sharing/rest/community/self?f=json' \
         -Headers @{ 'X-Esri-Authorization' = 'Bearer tok.EN-1'; 'Referer' = 'https://app.example.com' }"
    );
}

#[test]
fn powershell_doubles_single_quotes_in_the_token() {
    let (token, portal) = (Secret::from(ODD), portal());
    let ctx = TokenContext::new(&token, Issuer::Portal(portal.clone()));
    assert_eq!(
        text(Format::PowerShell, &ctx),
        "Invoke-RestMethod -Uri 'https://gis.example.com/portal/sharing/rest/community/self?f=json' \
         -Headers @{ 'Authorization' = 'Bearer it''s $HOME \"x\" \\n' }"
    );
}

#[test]
fn python_requests_sends_the_headers_verifies_with_the_ca_and_checks_the_arcgis_error() {
    let (token, portal) = (Secret::from(TOKEN), portal());
    assert_eq!(
        text(Format::PythonRequests, &full(&token, &portal)),
        r#"import requests

response = requests.get(
    "https://gis.example.com/portal/sharing/rest/community/self?f=json",
    headers={"X-Esri-Authorization": "Bearer tok.EN-1", "Referer": "https://app.example.com"},
    verify="/etc/ca.pem",
    timeout=60,
)
response.raise_for_status()
data = response.json()
if "error" in data:  # ArcGIS reports most errors with HTTP 200
    raise RuntimeError(data["error"])
print(data)"#
    );
}

#[test]
fn python_strings_escape_quotes_and_backslashes() {
    let (token, portal) = (Secret::from(ODD), portal());
    let ctx = TokenContext::new(&token, Issuer::Portal(portal.clone()));
    assert!(
        text(Format::PythonRequests, &ctx)
            .contains(r#"headers={"Authorization": "Bearer it's $HOME \"x\" \\n"},"#)
    );
}

#[test]
fn gis_takes_the_portal_base_the_token_the_referer_and_the_ca_bundle() {
    let (token, portal) = (Secret::from(TOKEN), portal());
    assert_eq!(
        text(Format::ArcGisPython, &full(&token, &portal)),
        "from arcgis.gis import GIS\n\n\
         gis = GIS(\"https://gis.example.com/portal\", token=\"tok.EN-1\", \
         referer=\"https://app.example.com\", ca_bundles=\"/etc/ca.pem\")\n\
         print(gis.users.me)"
    );
}

#[test]
fn gis_is_not_offered_for_a_server_token_and_says_why() {
    let (token, server) = (
        Secret::from(TOKEN),
        ServerUrl::parse("https://gis.example.com/server").unwrap(),
    );
    let ctx = TokenContext::new(&token, Issuer::Server(server.clone()));
    assert!(!Format::ArcGisPython.applies_to(&ctx.issuer));
    assert!(Format::Curl.applies_to(&ctx.issuer));
    let snippet = text(Format::ArcGisPython, &ctx);
    assert!(snippet.starts_with("# GIS() connects to a portal"));
    assert!(!snippet.contains(TOKEN));
}

#[test]
fn environment_lines_quote_the_token_and_export_the_referer_next_to_it() {
    let (token, portal) = (Secret::from(ODD), portal());
    let mut ctx = TokenContext::new(&token, Issuer::Portal(portal.clone()));
    assert_eq!(
        text(Format::ShellExport, &ctx),
        r#"export ARCGIS_TOKEN='it'\''s $HOME "x" \n'"#
    );
    assert_eq!(
        text(Format::PowerShellEnv, &ctx),
        r#"$env:ARCGIS_TOKEN = 'it''s $HOME "x" \n'"#
    );
    ctx.referer = Some("https://app.example.com");
    let note = "this token is bound to Referer https://app.example.com: \
                send that Referer header with every request";
    assert_eq!(
        text(Format::ShellExport, &ctx),
        format!(
            "export ARCGIS_TOKEN='it'\\''s $HOME \"x\" \\n'\n\
             export ARCGIS_REFERER='https://app.example.com'  # {note}"
        )
    );
    assert_eq!(
        text(Format::PowerShellEnv, &ctx),
        format!(
            "$env:ARCGIS_TOKEN = 'it''s $HOME \"x\" \\n'\n\
             $env:ARCGIS_REFERER = 'https://app.example.com'  # {note}"
        )
    );
}

#[test]
fn the_js_credential_has_server_token_expiry_in_epoch_ms_ssl_and_user() {
    let (token, portal) = (Secret::from(TOKEN), portal());
    let mut ctx = full(&token, &portal);
    ctx.referer = None;
    assert_eq!(
        text(Format::JsCredential, &ctx),
        r#"{
  "server": "https://gis.example.com/portal/sharing/rest",
  "token": "tok.EN-1",
  "expires": 1767323045000,
  "ssl": true,
  "userId": "analyst"
}"#
    );
}

#[test]
fn the_js_credential_of_a_bound_server_token_notes_the_referer_and_leaves_out_unknowns() {
    let (token, server) = (
        Secret::from(TOKEN),
        ServerUrl::parse("https://gis.example.com/server").unwrap(),
    );
    let mut ctx = TokenContext::new(&token, Issuer::Server(server.clone()));
    ctx.referer = Some("https://app.example.com");
    ctx.ssl = false;
    assert_eq!(
        text(Format::JsCredential, &ctx),
        "// this token is bound to Referer https://app.example.com: send that Referer header \
         with every request; in a browser that means pages served from there.\n\
         {\n  \"server\": \"https://gis.example.com/server/rest/services\",\n  \
         \"token\": \"tok.EN-1\",\n  \"ssl\": false\n}"
    );
}

#[test]
fn every_format_but_the_bare_token_carries_the_referer() {
    let (token, portal) = (Secret::from(TOKEN), portal());
    let ctx = full(&token, &portal);
    for format in Format::ALL.into_iter().filter(|f| *f != Format::Token) {
        assert!(
            text(format, &ctx).contains("https://app.example.com"),
            "{format} leaves out the Referer"
        );
    }
}

#[test]
fn formats_are_read_back_from_their_names_and_unknown_names_list_the_choices() {
    for format in Format::ALL {
        assert_eq!(format.name().parse::<Format>(), Ok(format));
        assert!(!format.label().is_empty());
    }
    assert_eq!("CURL".parse::<Format>(), Ok(Format::Curl));
    let err = "wget".parse::<Format>().unwrap_err().to_string();
    assert!(
        err.starts_with("unknown format `wget`: use one of token, bearer, esri"),
        "{err}"
    );
}

#[test]
fn a_rendered_snippet_never_shows_the_token_when_printed_by_mistake() {
    let (token, portal) = (Secret::from(TOKEN), portal());
    let snippet = render(
        Format::Curl,
        &TokenContext::new(&token, Issuer::Portal(portal.clone())),
    );
    assert_eq!(format!("{snippet:?}"), "[redacted]");
}

#[test]
fn the_gdal_format_runs_ogrinfo_through_exec_on_the_layers_query_with_the_ca() {
    let (token, portal) = (Secret::from(TOKEN), portal());
    let mut ctx = full(&token, &portal);
    ctx.profile = Some("my gis");
    let layer = "https://gis.example.com/server/rest/services/Demo/FeatureServer/0";
    ctx.url = Some(layer);
    let snippet = text(Format::Gdal, &ctx);
    assert!(!snippet.contains(TOKEN), "no copy of the token: {snippet}");
    let command = snippet.lines().last().unwrap();
    assert_eq!(
        command,
        format!(
            "CURL_CA_BUNDLE='/etc/ca.pem' tokendesk exec 'my gis' --for '{layer}' -- ogrinfo \
             -ro -al -so '{layer}/query?where=1%3D1&outFields=*&f=json'"
        )
    );
    ctx.url = None;
    let placeholder = text(Format::Gdal, &ctx);
    assert!(placeholder.contains("<layer URL>"), "{placeholder}");
    assert!(
        placeholder.contains("tokendesk exec 'my gis' -- ogrinfo"),
        "{placeholder}"
    );
}

#[test]
fn the_python_exec_format_reads_the_token_from_the_environment_exec_gives() {
    let (token, portal) = (Secret::from(TOKEN), portal());
    let mut ctx = full(&token, &portal);
    ctx.profile = Some("demo");
    let snippet = text(Format::ArcGisPythonExec, &ctx);
    assert!(!snippet.contains(TOKEN), "no copy of the token: {snippet}");
    assert!(
        snippet.contains("tokendesk exec 'demo' -- python3 script.py"),
        "{snippet}"
    );
    assert!(
        snippet.contains(
            "GIS(os.environ[\"ARCGIS_HOST\"], token=os.environ[\"ARCGIS_TOKEN\"], \
             referer=os.environ[\"ARCGIS_REFERER\"], ca_bundles=\"/etc/ca.pem\")"
        ),
        "{snippet}"
    );
    assert!(Format::Gdal.applies_to(&ctx.issuer));
}
