//! The editor's Check: what the site at a URL is, or what went wrong and what to do.

use std::path::PathBuf;

use crate::arcgis::probe::{ProbeReport, probe};
use crate::arcgis::{ArcGisClient, ClientOptions, ErrorKind, SiteUrl, parse_site_url};
use crate::desktop::events::{Events, screen};
use crate::ui::remedy::with_remedy;
use crate::ui::screens::ScreenEvent;

/// What the site at `url` is, or what went wrong and what to do.
async fn probe_site(
    url: &str,
    ca_file: Option<PathBuf>,
    now: crate::arcgis::Instant,
) -> Result<ProbeReport, String> {
    let parsed = parse_site_url(url).map_err(|err| err.to_string())?;
    let options = ClientOptions {
        ca_file,
        ..ClientOptions::default()
    };
    let client = ArcGisClient::new(&options).map_err(|err| err.to_string())?;
    probe(&client, url, &parsed, now)
        .await
        .map_err(|err| match (err.kind(), &parsed.site) {
            (ErrorKind::UnexpectedResponse, SiteUrl::Ambiguous(_)) => format!(
                "{} Neither a portal nor a server answered at this address; if the site has \
                 a web adaptor name, include it (e.g. https://host/portal or https://host/arcgis).",
                with_remedy(&err.to_string(), err.remedy().as_ref())
            ),
            _ => with_remedy(&err.to_string(), err.remedy().as_ref()),
        })
}

/// Probes `url` for the editor's Check.
pub(in crate::desktop) fn check_site(
    events: Events,
    url: String,
    ca_file: Option<PathBuf>,
    now: crate::arcgis::Instant,
) {
    tokio::spawn(async move {
        let result = probe_site(&url, ca_file, now).await;
        screen(&events, ScreenEvent::ProbeFinished { url, result });
    });
}
