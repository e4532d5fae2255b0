//! `tokendesk probe URL`.

use clap::Args;

use super::{Exit, Outcome};

#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// A portal, server or service URL, as pasted from a browser.
    pub url: String,
}

pub async fn run(args: ProbeArgs) -> Outcome {
    Outcome::fail(
        Exit::Failure,
        format!("probe of {} is not built yet", args.url),
    )
}
