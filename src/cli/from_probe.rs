//! `tokendesk profile add NAME --from-probe URL`: probes the URL and hands back the
//! recommended profile ([`crate::store::recommend`]), telling the person on stderr what was
//! chosen and why.

use super::remedy::with_remedy;
use std::path::PathBuf;

use super::probe::report_for;
use super::{Exit, Outcome};
use crate::store::{Recommendation, recommend};

/// The recommendation for `url`; exit 2 when the site needs no profile (an unsecured
/// server), and the probe's own exits (2 bad URL or CA file, 4 network or portal) otherwise.
pub async fn recommended(url: &str, ca_file: Option<PathBuf>) -> Result<Recommendation, Outcome> {
    let report = report_for(url, ca_file).await?;
    let Some(recommendation) = recommend(&report) else {
        return Err(Outcome::fail(
            Exit::Usage,
            format!(
                "{} is an ArcGIS Server without token security: anyone may call it without a \
                 token, so no profile is needed (`tokendesk token NAME --for URL` says so too)",
                report.root
            ),
        ));
    };
    eprintln!(
        "Probed {}: {} ({}). {}",
        report.root,
        report.kind.describe(),
        recommendation.method.label(),
        with_remedy(&recommendation.why, recommendation.remedy.as_ref())
    );
    Ok(recommendation)
}
