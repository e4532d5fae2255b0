//! `tokendesk probe URL [--json] [--ca-file FILE]`: what kind of ArcGIS site a URL points
//! at, how one can sign in there, and the profile to add. The work is in
//! [`crate::arcgis::probe`] and [`crate::store::recommend`]; this file only parses arguments
//! and prints.

use super::remedy::with_remedy;
use super::stdout;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::{Value, json};

use super::words::{kind_word, method_word};
use super::{Exit, Outcome};
use crate::arcgis::probe::{ProbeReport, probe};
use crate::arcgis::{ArcGisClient, ClientOptions, ErrorKind, SiteUrl, parse_site_url};
use crate::store::{Recommendation, recommend};

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

/// Probes the URL and prints the report (text or JSON), with the profile to add. Exit 2
/// for a bad URL or CA file, 4 for a network or portal error.
pub async fn run(args: ProbeArgs) -> Outcome {
    let report = match report_for(&args.url, args.ca_file.clone()).await {
        Ok(report) => report,
        Err(outcome) => return outcome,
    };
    let recommendation = recommend(&report);
    let command = recommendation
        .as_ref()
        .map(|r| add_command(&report.input, r, args.ca_file.as_deref()));
    if args.json {
        let mut value = match serde_json::to_value(&report) {
            Ok(value) => value,
            Err(err) => {
                return Outcome::fail(Exit::Failure, format!("could not write JSON: {err}"));
            }
        };
        value["recommendation"] = match (&recommendation, &command) {
            (Some(r), Some(command)) => json!({
                "kind": kind_word(r.kind),
                "url": r.url,
                "method": method_word(r.method),
                "why": with_remedy(&r.why, r.remedy.as_ref()),
                "needs_client_id": r.needs_client_id,
                "command": command,
            }),
            _ => Value::Null,
        };
        match serde_json::to_string_pretty(&value) {
            Ok(json) => stdout::line(&json),
            Err(err) => {
                return Outcome::fail(Exit::Failure, format!("could not write JSON: {err}"));
            }
        }
    } else {
        stdout::print(&human(&report));
        stdout::print(&human_recommendation(
            recommendation.as_ref(),
            command.as_deref(),
        ));
    }
    Outcome::ok()
}

/// Probes `url` (trusting `ca_file` too): the report, or the outcome to exit with.
pub async fn report_for(url: &str, ca_file: Option<PathBuf>) -> Result<ProbeReport, Outcome> {
    let parsed = parse_site_url(url).map_err(|err| Outcome::fail(Exit::Usage, err.to_string()))?;
    let is_ambiguous = matches!(parsed.site, SiteUrl::Ambiguous(_));
    let options = ClientOptions {
        ca_file,
        ..ClientOptions::default()
    };
    let client =
        ArcGisClient::new(&options).map_err(|err| Outcome::fail(Exit::Usage, err.to_string()))?;
    match probe(&client, url, &parsed, chrono::Utc::now()).await {
        Ok(report) => Ok(report),
        Err(err) if err.kind() == ErrorKind::LocalSetup => {
            Err(Outcome::fail(Exit::Usage, err.to_string()))
        }
        Err(err) if err.kind() == ErrorKind::UnexpectedResponse && is_ambiguous => {
            Err(Outcome::fail(
                Exit::Network,
                format!(
                    "{} Neither a portal nor a server answered at this address; if the site \
                     has a web adaptor name, include it (e.g. https://host/portal or https://host/arcgis).",
                    with_remedy(&err.to_string(), err.remedy().as_ref())
                ),
            ))
        }
        Err(err) => Err(Outcome::fail(
            Exit::Network,
            with_remedy(&err.to_string(), err.remedy().as_ref()),
        )),
    }
}

/// `tokendesk profile add NAME --from-probe INPUT [--client-id …] [--ca-file …]`.
fn add_command(input: &str, recommendation: &Recommendation, ca_file: Option<&Path>) -> String {
    let mut command = format!("tokendesk profile add NAME --from-probe {input}");
    if recommendation.needs_client_id {
        command.push_str(" --client-id YOUR_CLIENT_ID");
    }
    if let Some(ca_file) = ca_file {
        command.push_str(&format!(" --ca-file {}", ca_file.display()));
    }
    command
}

/// The recommendation part of the text report.
fn human_recommendation(recommendation: Option<&Recommendation>, command: Option<&str>) -> String {
    let mut out = String::new();
    match (recommendation, command) {
        (Some(r), Some(command)) => {
            let _ = writeln!(out, "  recommended profile:");
            let _ = writeln!(out, "    kind:          {}", r.kind.label());
            let _ = writeln!(out, "    URL:           {}", r.url);
            let _ = writeln!(out, "    sign-in:       {}", r.method.label());
            let _ = writeln!(
                out,
                "    why:           {}",
                with_remedy(&r.why, r.remedy.as_ref())
            );
            let _ = writeln!(out, "    add it with:   {command}");
        }
        _ => {
            let _ = writeln!(
                out,
                "  recommended profile: none — anyone may call this server without a token"
            );
        }
    }
    out
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
