//! The copy formats: pure functions from a [`TokenContext`] to the text a developer pastes.
//!
//! Rules every format follows:
//! * A token bound to a Referer (`client=referer`) is useless without it, so every format but
//!   the bare token carries it: as a header where the format sends requests (curl,
//!   PowerShell, Python), as a `Referer:` line after a header, as a variable next to
//!   `ARCGIS_TOKEN`, and as a comment where there is no place for it (query string, GIS(),
//!   the JavaScript credential).
//! * Every value is quoted for its language ([`super::quote`]), so a quote, `$`, backslash or
//!   space in a token, URL, Referer or path cannot break the snippet.
//! * A CA file (a site behind a private CA) is passed the way each client takes it
//!   (`--cacert`, `verify=`, `ca_bundles=`), or named in a comment where the client has no
//!   option for it.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use super::quote;
use super::token_context::{Issuer, TokenContext};
use crate::secret::Secret;
use crate::store::PreferredHeader;

/// Every way TokenDesk hands out a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// The bare token.
    Token,
    /// `Authorization: Bearer …`.
    Bearer,
    /// `X-Esri-Authorization: Bearer …`.
    EsriBearer,
    /// `token=…` for a query string or form body.
    Query,
    /// A curl command.
    Curl,
    /// PowerShell `Invoke-RestMethod`.
    PowerShell,
    /// Python with `requests`.
    PythonRequests,
    /// ArcGIS API for Python: `GIS(url, token=…)`.
    ArcGisPython,
    /// `export ARCGIS_TOKEN=…` (POSIX shells).
    ShellExport,
    /// `$env:ARCGIS_TOKEN = …` (PowerShell).
    PowerShellEnv,
    /// The credential object `IdentityManager.registerToken` takes (ArcGIS Maps SDK for
    /// JavaScript).
    JsCredential,
    /// `ogrinfo` through `tokendesk exec`: GDAL reads the header file it keeps fresh.
    Gdal,
    /// An ArcGIS API for Python script that reads the token `tokendesk exec` gives it.
    ArcGisPythonExec,
}

/// A format name that [`Format::from_str`] does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown format `{0}`: use one of {names}", names = Format::names().join(", "))]
pub struct UnknownFormat(pub String);

impl Format {
    /// Every format, in menu order.
    pub const ALL: [Format; 13] = [
        Format::Token,
        Format::Bearer,
        Format::EsriBearer,
        Format::Query,
        Format::Curl,
        Format::PowerShell,
        Format::PythonRequests,
        Format::ArcGisPython,
        Format::ShellExport,
        Format::PowerShellEnv,
        Format::JsCredential,
        Format::Gdal,
        Format::ArcGisPythonExec,
    ];

    /// The header format for a profile's preferred header (what Ctrl+C copies).
    pub fn header(preferred: PreferredHeader) -> Self {
        match preferred {
            PreferredHeader::Authorization => Self::Bearer,
            PreferredHeader::XEsriAuthorization => Self::EsriBearer,
        }
    }

    /// A stable, short name for command lines and settings.
    pub fn name(self) -> &'static str {
        match self {
            Self::Token => "token",
            Self::Bearer => "bearer",
            Self::EsriBearer => "esri",
            Self::Query => "query",
            Self::Curl => "curl",
            Self::PowerShell => "powershell",
            Self::PythonRequests => "python",
            Self::ArcGisPython => "arcgis-python",
            Self::ShellExport => "export",
            Self::PowerShellEnv => "env-powershell",
            Self::JsCredential => "js-credential",
            Self::Gdal => "gdal",
            Self::ArcGisPythonExec => "arcgis-python-exec",
        }
    }

    /// The menu label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Token => "Token",
            Self::Bearer => "Authorization: Bearer …",
            Self::EsriBearer => "X-Esri-Authorization: Bearer …",
            Self::Query => "token= query string",
            Self::Curl => "curl command",
            Self::PowerShell => "PowerShell Invoke-RestMethod",
            Self::PythonRequests => "Python requests",
            Self::ArcGisPython => "ArcGIS API for Python GIS(…)",
            Self::ShellExport => "export ARCGIS_TOKEN=… (bash, zsh)",
            Self::PowerShellEnv => "$env:ARCGIS_TOKEN = … (PowerShell)",
            Self::JsCredential => "Maps SDK for JavaScript credential (registerToken)",
            Self::Gdal => "GDAL/OGR with a header file kept fresh (tokendesk exec)",
            Self::ArcGisPythonExec => "ArcGIS API for Python script (tokendesk exec)",
        }
    }

    /// Whether the format makes sense for tokens of this issuer: `GIS(…)` connects to a
    /// portal, so it is offered for portal tokens only.
    pub fn applies_to(self, issuer: &Issuer) -> bool {
        !matches!(
            (self, issuer),
            (
                Self::ArcGisPython | Self::ArcGisPythonExec,
                Issuer::Server(_)
            )
        )
    }

    /// Every format's [`Format::name`].
    pub fn names() -> Vec<&'static str> {
        Self::ALL.iter().map(|format| format.name()).collect()
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = UnknownFormat;

    /// Reads a [`Format::name`] (any letter case).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|format| format.name().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| UnknownFormat(text.to_owned()))
    }
}

/// The text of `format` for the token in `ctx`.
pub fn render(format: Format, ctx: &TokenContext<'_>) -> Secret<String> {
    let token = ctx.token.expose();
    Secret::new(match format {
        Format::Token => token.clone(),
        Format::Bearer => header_lines(PreferredHeader::Authorization, ctx),
        Format::EsriBearer => header_lines(PreferredHeader::XEsriAuthorization, ctx),
        Format::Query => query(ctx),
        Format::Curl => curl(ctx),
        Format::PowerShell => powershell(ctx),
        Format::PythonRequests => python_requests(ctx),
        Format::ArcGisPython => arcgis_python(ctx),
        Format::ShellExport => shell_export(ctx),
        Format::PowerShellEnv => powershell_env(ctx),
        Format::JsCredential => js_credential(ctx),
        Format::Gdal => gdal(ctx),
        Format::ArcGisPythonExec => arcgis_python_exec(ctx),
    })
}

/// `(name, value)` of every header a request with this token sends: the token header and,
/// for a referer-bound token, the Referer.
fn headers(ctx: &TokenContext<'_>) -> Vec<(&'static str, String)> {
    let mut headers = vec![(ctx.header.name(), format!("Bearer {}", ctx.token.expose()))];
    if let Some(referer) = ctx.referer {
        headers.push(("Referer", referer.to_owned()));
    }
    headers
}

/// The sentence put in a comment where a format has no place for the Referer.
fn referer_note(referer: &str) -> String {
    format!(
        "this token is bound to Referer {}: send that Referer header with every request",
        quote::comment(referer)
    )
}

fn header_lines(name: PreferredHeader, ctx: &TokenContext<'_>) -> String {
    let mut text = format!("{}: Bearer {}", name.name(), ctx.token.expose());
    if let Some(referer) = ctx.referer {
        text.push_str(&format!("\nReferer: {referer}"));
    }
    text
}

fn query(ctx: &TokenContext<'_>) -> String {
    let mut text = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("token", ctx.token.expose())
        .finish();
    if let Some(referer) = ctx.referer {
        text.push_str(&format!("\n# {}", referer_note(referer)));
    }
    text
}

fn curl(ctx: &TokenContext<'_>) -> String {
    let mut parts = vec!["curl --fail-with-body --silent --show-error".to_owned()];
    for (name, value) in headers(ctx) {
        parts.push(format!(
            "--header {}",
            quote::sh(&format!("{name}: {value}"))
        ));
    }
    if let Some(ca) = ctx.ca_file {
        parts.push(format!("--cacert {}", quote::sh(&quote::path(ca))));
    }
    parts.push(quote::sh(&ctx.request_url()));
    parts.join(" \\\n  ")
}

fn powershell(ctx: &TokenContext<'_>) -> String {
    let mut text = String::new();
    if let Some(ca) = ctx.ca_file {
        let ca = quote::path(ca);
        text.push_str(&format!(
            "# The site's certificate comes from a private CA ({}): trust it first, e.g.\n\
             # Import-Certificate -FilePath {} -CertStoreLocation Cert:\\CurrentUser\\Root\n",
            quote::comment(&ca),
            quote::powershell(&ca),
        ));
    }
    let headers = headers(ctx)
        .into_iter()
        .map(|(name, value)| {
            format!(
                "{} = {}",
                quote::powershell(name),
                quote::powershell(&value)
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    text.push_str(&format!(
        "Invoke-RestMethod -Uri {} -Headers @{{ {headers} }}",
        quote::powershell(&ctx.request_url())
    ));
    text
}

fn python_requests(ctx: &TokenContext<'_>) -> String {
    let headers = headers(ctx)
        .into_iter()
        .map(|(name, value)| format!("{}: {}", quote::json(name), quote::json(&value)))
        .collect::<Vec<_>>()
        .join(", ");
    let verify = ctx
        .ca_file
        .map(|ca| format!("    verify={},\n", quote::json(&quote::path(ca))))
        .unwrap_or_default();
    format!(
        "import requests\n\
         \n\
         response = requests.get(\n    {url},\n    headers={{{headers}}},\n{verify}    timeout=60,\n)\n\
         response.raise_for_status()\n\
         data = response.json()\n\
         if \"error\" in data:  # ArcGIS reports most errors with HTTP 200\n    raise RuntimeError(data[\"error\"])\n\
         print(data)",
        url = quote::json(&ctx.request_url()),
    )
}

fn arcgis_python(ctx: &TokenContext<'_>) -> String {
    let Issuer::Portal(portal) = &ctx.issuer else {
        return "# GIS() connects to a portal, and this token comes from an ArcGIS Server site:\n\
                # use the \"Python requests\" format for it."
            .to_owned();
    };
    let mut arguments = vec![
        quote::json(portal.base()),
        format!("token={}", quote::json(ctx.token.expose())),
    ];
    if let Some(referer) = ctx.referer {
        arguments.push(format!("referer={}", quote::json(referer)));
    }
    if let Some(ca) = ctx.ca_file {
        arguments.push(format!("ca_bundles={}", quote::json(&quote::path(ca))));
    }
    format!(
        "from arcgis.gis import GIS\n\ngis = GIS({})\nprint(gis.users.me)",
        arguments.join(", ")
    )
}

fn shell_export(ctx: &TokenContext<'_>) -> String {
    let mut text = format!("export ARCGIS_TOKEN={}", quote::sh(ctx.token.expose()));
    if let Some(referer) = ctx.referer {
        text.push_str(&format!(
            "\nexport ARCGIS_REFERER={}  # {}",
            quote::sh(referer),
            referer_note(referer)
        ));
    }
    text
}

fn powershell_env(ctx: &TokenContext<'_>) -> String {
    let mut text = format!(
        "$env:ARCGIS_TOKEN = {}",
        quote::powershell(ctx.token.expose())
    );
    if let Some(referer) = ctx.referer {
        text.push_str(&format!(
            "\n$env:ARCGIS_REFERER = {}  # {}",
            quote::powershell(referer),
            referer_note(referer)
        ));
    }
    text
}

/// The fields `IdentityManager.registerToken` reads, in the SDK's spelling.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsCredential<'a> {
    server: String,
    token: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires: Option<i64>,
    ssl: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_id: Option<&'a str>,
}

fn js_credential(ctx: &TokenContext<'_>) -> String {
    let credential = JsCredential {
        server: ctx.sdk_server(),
        token: ctx.token.expose(),
        expires: ctx.expires.map(|at| at.timestamp_millis()),
        ssl: ctx.ssl,
        user_id: ctx.user_id,
    };
    // Serialising plain strings, numbers and booleans cannot fail.
    let json = serde_json::to_string_pretty(&credential).unwrap_or_default();
    match ctx.referer {
        Some(referer) => format!(
            "// {}; in a browser that means pages served from there.\n{json}",
            referer_note(referer)
        ),
        None => json,
    }
}

/// `tokendesk exec 'NAME' [--for 'URL'] --`, the start of the tool formats' command lines.
fn exec_prefix(ctx: &TokenContext<'_>, for_url: Option<&str>) -> String {
    let name = ctx.profile.unwrap_or("PROFILE");
    let mut text = format!("tokendesk exec {}", quote::sh(name));
    if let Some(url) = for_url {
        text.push_str(&format!(" --for {}", quote::sh(url)));
    }
    text.push_str(" --");
    text
}

/// The query URL GDAL reads a layer through: `<layer>/query?where=1=1&outFields=*&f=json`
/// for a layer URL (`…/FeatureServer/0`), the URL as given when it already queries.
fn layer_query(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    let path = parsed.path().trim_end_matches('/');
    let last = path.rsplit('/').next()?;
    if last.eq_ignore_ascii_case("query") {
        return Some(url.to_owned());
    }
    let parent = path.rsplit('/').nth(1)?;
    let is_layer = last.parse::<u32>().is_ok()
        && (parent.eq_ignore_ascii_case("FeatureServer")
            || parent.eq_ignore_ascii_case("MapServer"));
    if !is_layer {
        return None;
    }
    let mut query = parsed.clone();
    query.set_path(&format!("{path}/query"));
    query.set_query(None);
    query
        .query_pairs_mut()
        .append_pair("where", "1=1")
        .append_pair("outFields", "*")
        .append_pair("f", "json");
    Some(query.to_string())
}

fn gdal(ctx: &TokenContext<'_>) -> String {
    let query = ctx.url.and_then(layer_query);
    let source = query.as_deref().map_or_else(
        || "'<layer URL>/query?where=1%3D1&outFields=*&f=json'".to_owned(),
        quote::sh,
    );
    // GDAL 3.6 (Debian 12) does not read GDAL_HTTP_CAINFO for these requests; every GDAL
    // reads CURL_CA_BUNDLE.
    let ca = ctx
        .ca_file
        .map(|ca| format!("CURL_CA_BUNDLE={} ", quote::sh(&quote::path(ca))))
        .unwrap_or_default();
    let mut text = String::from(
        "# GDAL reads $GDAL_HTTP_HEADER_FILE before every request; tokendesk exec keeps it \
         fresh.\n",
    );
    if let Some(referer) = ctx.referer {
        text.push_str(&format!(
            "# The header file also carries the Referer this token needs ({}).\n",
            quote::comment(referer)
        ));
    }
    if query.is_none() {
        text.push_str("# Put a layer's URL (…/FeatureServer/0) in place of <layer URL>.\n");
    }
    text.push_str(&format!(
        "{ca}{} ogrinfo -ro -al -so {source}",
        exec_prefix(ctx, ctx.url)
    ));
    text
}

fn arcgis_python_exec(ctx: &TokenContext<'_>) -> String {
    if matches!(ctx.issuer, Issuer::Server(_)) {
        return arcgis_python(ctx);
    }
    let mut arguments = vec![
        "os.environ[\"ARCGIS_HOST\"]".to_owned(),
        "token=os.environ[\"ARCGIS_TOKEN\"]".to_owned(),
    ];
    let mut note = String::new();
    if let Some(referer) = ctx.referer {
        arguments.push("referer=os.environ[\"ARCGIS_REFERER\"]".to_owned());
        note = format!(
            "# ARCGIS_REFERER holds the Referer this token needs ({}).\n",
            quote::comment(referer)
        );
    }
    if let Some(ca) = ctx.ca_file {
        arguments.push(format!("ca_bundles={}", quote::json(&quote::path(ca))));
    }
    format!(
        "# Save as script.py and run: {} python3 script.py\n\
         # The token is read when the script starts; a script that runs for hours should run\n\
         # `tokendesk token {} --json` again to get a fresh one.\n\
         {note}import os\n\
         \n\
         from arcgis.gis import GIS\n\
         \n\
         gis = GIS({})\n\
         print(gis.users.me)",
        exec_prefix(ctx, None),
        quote::sh(ctx.profile.unwrap_or("PROFILE")),
        arguments.join(", ")
    )
}

#[cfg(test)]
#[path = "formats_tests.rs"]
mod tests;
