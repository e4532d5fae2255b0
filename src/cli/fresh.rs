//! A profile's fresh token and its output context, shared by `token`, `header` and `snippet`.

use super::context::{self, engine_failure};
use super::remedy::print_warning;
use super::{Exit, Outcome};
use crate::engine::FreshToken;
use crate::output::TokenContext;
use crate::secret::AccessToken;
use crate::store::Profile;

/// The profile and a fresh token for it, or the outcome to report; prints a renewal warning.
pub(super) async fn fresh(
    name: &str,
    force: bool,
    check: bool,
) -> Result<(Profile, FreshToken), Outcome> {
    if !force
        && !check
        && let Some(found) = context::quick_token(name).await
    {
        return Ok(found);
    }
    let (profile, engine) = context::profile_and_engine(name).await?;
    let result = if check {
        engine.checked_token(&profile, force).await
    } else {
        engine.fresh_token(&profile, force).await
    };
    let token = result.map_err(|err| engine_failure(&err))?;
    if let Some(warning) = &token.warning {
        print_warning(warning);
    }
    Ok((profile, token))
}

/// The output context of `profile`'s `token`, or the failure to report when its URL cannot
/// be read (a hand-edited profiles file).
pub(super) fn context_for<'a>(
    token: &'a AccessToken,
    profile: &'a Profile,
) -> Result<TokenContext<'a>, Outcome> {
    TokenContext::for_profile(token, profile).ok_or_else(|| {
        Outcome::fail(
            Exit::Failure,
            format!(
                "profile {} has a URL TokenDesk cannot read ({}): fix it with `tokendesk profile add` or in profiles.toml",
                profile.name(),
                profile.url()
            ),
        )
    })
}
