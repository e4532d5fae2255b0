//! `tokendesk demo-portal`.

use clap::Args;

use super::{Exit, Outcome};

#[derive(Debug, Args)]
pub struct DemoPortalArgs {}

pub async fn run(_args: DemoPortalArgs) -> Outcome {
    Outcome::fail(Exit::Failure, "the demo portal is not built yet")
}
