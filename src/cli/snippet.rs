//! `tokendesk snippet NAME FORMAT [--url URL]`: a fresh token in any copy format (a header,
//! curl, PowerShell, Python, an environment line, the JavaScript SDK credential…) on stdout,
//! the same text the desktop app copies.

use clap::Args;

use super::fresh::{context_for, fresh};
use super::stdout;
use super::{Exit, Outcome};
use crate::output::{Format, render};

/// Arguments of `tokendesk snippet`.
#[derive(Debug, Args)]
pub struct SnippetArgs {
    /// The profile.
    pub name: String,
    /// The format: token, bearer, esri, query, curl, powershell, python, arcgis-python,
    /// export, env-powershell, js-credential, gdal or arcgis-python-exec.
    pub format: Format,
    /// The URL that curl, PowerShell and Python call (default: one that shows the token
    /// works, e.g. the portal's community/self); for gdal, the layer to read.
    #[arg(long)]
    pub url: Option<String>,
}

/// Prints the snippet.
pub async fn run(args: SnippetArgs) -> Outcome {
    let (profile, token) = match fresh(&args.name, false, false).await {
        Ok(found) => found,
        Err(outcome) => return outcome,
    };
    let mut ctx = match context_for(&token.token, &profile) {
        Ok(ctx) => ctx,
        Err(outcome) => return outcome,
    };
    if !args.format.applies_to(&ctx.issuer) {
        return Outcome::fail(
            Exit::Usage,
            format!(
                "the {} format needs a portal, and {} is an ArcGIS Server profile: use `python` instead",
                args.format,
                profile.name()
            ),
        );
    }
    ctx.url = args.url.as_deref();
    ctx.expires = Some(token.expires_at);
    ctx.user_id = token.username.as_deref();
    stdout::line(render(args.format, &ctx).expose());
    Outcome::ok()
}
