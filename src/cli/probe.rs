//! `tokendesk probe URL [--json] [--ca-file FILE]`: what kind of ArcGIS site a URL points
//! at, and how one can sign in there. The work is in [`crate::arcgis::probe`]; this file
//! only parses arguments and prints.

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::Args;

use super::{Exit, Outcome};
use crate::arcgis::probe::{ProbeReport, probe};
use crate::arcgis::{ArcGisClient, ClientOptions, ErrorKind, SiteUrl, parse_site_url};

/// Arguments of `tokendesk probe`.
#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// A portal, server or service URL, as pasted from a browser.
    pub url: String,

    /// Print one JSON object (stable schema, see the README) instead of text.
    #[arg(long)]
    pub json: bool,

    /// A PEM file with CA certificates to trust in addition to the system's (for portals
    /// behind a private CA).
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
}

/// Probes the URL and prints the report (text or JSON). Exit 2 for a bad URL or CA file,
/// 4 for a network or portal error.
pub async fn run(args: ProbeArgs) -> Outcome {
    let parsed = match parse_site_url(&args.url) {
        Ok(parsed) => parsed,
        Err(err) => return Outcome::fail(Exit::Usage, err.to_string()),
    };
    let is_ambiguous = matches!(parsed.site, SiteUrl::Ambiguous(_));
    let options = ClientOptions {
        ca_file: args.ca_file,
        ..ClientOptions::default()
    };
    let client = match ArcGisClient::new(&options) {
        Ok(client) => client,
        Err(err) => return Outcome::fail(Exit::Usage, err.to_string()),
    };
    let report = match probe(&client, &args.url, &parsed, chrono::Utc::now()).await {
        Ok(report) => report,
        Err(err) if err.kind() == ErrorKind::LocalSetup => {
            return Outcome::fail(Exit::Usage, err.to_string());
        }
        Err(err) if err.kind() == ErrorKind::UnexpectedResponse && is_ambiguous => {
            return Outcome::fail(
                Exit::Network,
                format!(
                    "{err} Neither a portal nor a server answered at this address; if the site \
                     has a web adaptor name, include it (e.g. https://host/portal or https://host/arcgis)."
                ),
            );
        }
        Err(err) => return Outcome::fail(Exit::Network, err.to_string()),
    };
    if args.json {
        match serde_json::to_string_pretty(&report) {
            Ok(json) => println!("{json}"),
            Err(err) => {
                return Outcome::fail(Exit::Failure, format!("could not write JSON: {err}"));
            }
        }
    } else {
        print!("{}", human(&report));
    }
    Outcome::ok()
}

/// The text report.
fn human(report: &ProbeReport) -> String {
    let yes_no = |value: Option<bool>| match value {
        Some(true) => "yes",
        Some(false) => "no",
        None => "not stated by the site",
    };
    let mut out = String::new();
    if report.assumed_https {
        let _ = writeln!(out, "note: no scheme given, https:// assumed");
    }
    let _ = writeln!(out, "{}", report.root);
    let _ = writeln!(out, "  kind:            {}", report.kind.describe());
    let _ = writeln!(
        out,
        "  version:         {}",
        report
            .version
            .as_deref()
            .unwrap_or("not stated by the site")
    );
    let _ = writeln!(
        out,
        "  token service:   {}",
        report.token_service_url.as_deref().unwrap_or("none")
    );
    let _ = writeln!(out, "  HTTPS only:      {}", yes_no(report.https_only));
    if let Some(owner) = &report.owning_portal {
        let _ = writeln!(out, "  owning portal:   {owner}");
    }
    if report.sign_in_methods.is_empty() {
        let _ = writeln!(out, "  sign-in:         not needed (no token security)");
    } else {
        let _ = writeln!(out, "  sign-in methods:");
        for method in &report.sign_in_methods {
            let _ = writeln!(out, "    - {}", method.describe());
        }
    }
    out
}
