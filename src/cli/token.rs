//! `tokendesk token NAME [--refresh] [--check] [--for URL]` and
//! `tokendesk header NAME [--style …] [--with-referer] [--for URL]`: a fresh access token
//! (renewed under the cross-process lock when needed) on stdout and nothing else; every
//! message goes to stderr. `--for URL` is [`super::for_url`]'s.
//!
//! A referer-bound token (password profiles with the `referer` binding) only works with its
//! `Referer` header: `header --with-referer` prints that line too, and without it both
//! commands warn on stderr, because a token pasted without its Referer fails with 498.

use clap::Args;

use super::Outcome;
use super::for_url;
use super::for_url::Printed;
use super::fresh::{context_for, fresh};
use super::handout::Handout;
use super::profile::{HeaderStyle, header_for};
use super::stdout;
use crate::output::{Format, render};
use crate::store::Profile;

/// Arguments of `tokendesk token`.
#[derive(Debug, Args)]
pub struct TokenArgs {
    /// The profile.
    pub name: String,
    /// Renew the token now.
    #[arg(long)]
    pub refresh: bool,
    /// Also check the token with the portal; renew at once if it is rejected (498).
    #[arg(long, conflicts_with = "for_url")]
    pub check: bool,
    /// The token for this service URL instead: the portal token, a federated server token,
    /// or nothing when the server needs none.
    #[arg(long = "for", value_name = "URL")]
    pub for_url: Option<String>,
    /// Print one JSON object instead: the token, its expiry, the header, the Referer, the
    /// site, the user and the kind of token (field names in the README).
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `tokendesk header`.
#[derive(Debug, Args)]
pub struct HeaderArgs {
    /// The profile.
    pub name: String,
    /// `bearer` (Authorization) or `esri` (X-Esri-Authorization); default: the profile's.
    #[arg(long, value_enum)]
    pub style: Option<HeaderStyle>,
    /// Also print the `Referer: …` line a referer-bound token needs (password profiles).
    #[arg(long)]
    pub with_referer: bool,
    /// The header for this service URL (see `token --for`); nothing when none is needed.
    #[arg(long = "for", value_name = "URL")]
    pub for_url: Option<String>,
}

/// Prints a fresh token.
pub async fn run(args: TokenArgs) -> Outcome {
    if args.json {
        return run_json(args).await;
    }
    let found = match &args.for_url {
        Some(url) => for_url::token_for(&args.name, url, args.refresh).await,
        None => own_token(&args.name, args.refresh, args.check).await,
    };
    match found {
        Ok((profile, Some(token))) => {
            if let Some(referer) = token.bound_referer(&profile) {
                eprintln!("tokendesk: warning: {}", referer_warning(&profile, referer));
            }
            stdout::line(token.token.expose());
            Outcome::ok()
        }
        Ok((_, None)) => Outcome::ok(),
        Err(outcome) => outcome,
    }
}

/// `token --json`: one JSON object on stdout.
async fn run_json(args: TokenArgs) -> Outcome {
    let found = match &args.for_url {
        Some(url) => for_url::token_or_public(&args.name, url, args.refresh).await,
        None => own_token(&args.name, args.refresh, args.check)
            .await
            .map(|(profile, token)| (profile, token.ok_or_else(String::new))),
    };
    let (profile, found) = match found {
        Ok(found) => found,
        Err(outcome) => return outcome,
    };
    let handout = Handout {
        profile: &profile,
        token: found.as_ref().ok(),
        url: args.for_url.as_deref(),
        public_site: found.as_ref().err().map(String::as_str),
    };
    stdout::line(&handout.json().to_string());
    Outcome::ok()
}

/// Prints a ready-made header with a fresh token.
pub async fn run_header(args: HeaderArgs) -> Outcome {
    let found = match &args.for_url {
        Some(url) => for_url::token_for(&args.name, url, false).await,
        None => own_token(&args.name, false, false).await,
    };
    match found {
        Ok((profile, Some(token))) => {
            let referer = token.bound_referer(&profile);
            let mut context = match context_for(&token.token, &profile) {
                Ok(context) => context,
                Err(outcome) => return outcome,
            };
            context.referer = referer.filter(|_| args.with_referer);
            let format = Format::header(header_for(&profile, args.style));
            stdout::line(render(format, &context).expose());
            match (referer, args.with_referer) {
                (Some(_), true) => {}
                (Some(referer), false) => {
                    eprintln!("tokendesk: warning: {}", referer_warning(&profile, referer));
                }
                (None, true) => eprintln!(
                    "tokendesk: this token is not bound to a Referer; no Referer line is needed"
                ),
                (None, false) => {}
            }
            Outcome::ok()
        }
        Ok((_, None)) => Outcome::ok(),
        Err(outcome) => outcome,
    }
}

/// What to say when a referer-bound token is printed without its Referer.
fn referer_warning(profile: &Profile, referer: &str) -> String {
    format!(
        "this token only works together with the header `Referer: {referer}` (profile `{}` \
         binds its tokens to that referer); sent without it, or with another Referer, ArcGIS \
         answers 498 Invalid token. Send both lines: `tokendesk header {} --with-referer` \
         prints them",
        profile.name(),
        profile.name()
    )
}

/// [`fresh`], as the `--for` answer type.
async fn own_token(
    name: &str,
    force: bool,
    check: bool,
) -> Result<(Profile, Option<Printed>), Outcome> {
    let (profile, token) = fresh(name, force, check).await?;
    Ok((profile, Some(Printed::own(token))))
}
