//! Entering the credentials of an API key, app-credentials or password profile — shared by
//! `profile add` (API key, client secret) and `login` (every credential method): the secret
//! is read at a no-echo prompt or from stdin ([`super::secret_input`]), handed to
//! [`Engine::sign_in_with`], and the outcome printed on stderr.

use super::remedy::print_warning;
use chrono::NaiveDate;
use clap::Args;

use super::Outcome;
use super::context::engine_failure;
use super::secret_input::{ask, read_secret};
use crate::engine::{Credentials, Engine};
use crate::store::{Profile, SignInMethod};

/// The options that go with entering credentials.
#[derive(Debug, Clone, Default, Args)]
pub struct CredentialArgs {
    /// API key profiles: the last day the key works (UTC), when the portal does not say.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub expires: Option<NaiveDate>,
    /// Password profiles: keep the password in the keyring, so the token is re-issued before
    /// it expires (otherwise a new `login` is needed then).
    #[arg(long)]
    pub remember_password: bool,
}

/// Reads `YYYY-MM-DD`.
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|err| format!("`{text}` is not a date YYYY-MM-DD ({err})"))
}

/// Refuses options that do not fit the profile's method (exit 2), before anything is read.
pub fn check_fits(profile: &Profile, args: &CredentialArgs, username: bool) -> Result<(), Outcome> {
    let method = profile.sign_in();
    let misfit = |flag: &str, takes: &str| {
        Err(Outcome::fail(
            super::Exit::Usage,
            format!(
                "{flag} is for {takes}; profile `{}` uses {}",
                profile.name(),
                method.label()
            ),
        ))
    };
    if args.expires.is_some() && method != SignInMethod::ApiKey {
        return misfit("--expires", "API key profiles");
    }
    if (args.remember_password || username) && !method.uses_password() {
        let flag = if username {
            "--username"
        } else {
            "--remember-password"
        };
        return misfit(flag, "password profiles");
    }
    Ok(())
}

/// Reads the profile's secret and signs it in; `username` overrides a missing profile
/// user name.
pub async fn enter(
    profile: &Profile,
    engine: &Engine,
    args: &CredentialArgs,
    username: Option<String>,
) -> Outcome {
    let credentials = match read(profile, args, username).await {
        Ok(credentials) => credentials,
        Err(outcome) => return outcome,
    };
    match engine.sign_in_with(profile, credentials).await {
        Ok(done) => {
            let until = done.expires_at.map_or_else(
                || " (no expiry known)".to_owned(),
                |at| format!("; valid until {}", crate::clock::rfc3339(at)),
            );
            let verb = match profile.sign_in() {
                SignInMethod::ApiKey => "API key stored for",
                _ => "Signed in to",
            };
            eprintln!("{verb} {} as {}{until}", profile.url(), done.who);
            if let Some(referer) = profile.bound_referer() {
                eprintln!(
                    "Tokens of this profile only work with the header `Referer: {referer}`; \
                     `tokendesk header {} --with-referer` prints both lines.",
                    profile.name()
                );
            }
            if let Some(warning) = done.warning {
                print_warning(&warning);
            }
            Outcome::ok()
        }
        Err(err) => engine_failure(&err),
    }
}

async fn read(
    profile: &Profile,
    args: &CredentialArgs,
    username: Option<String>,
) -> Result<Credentials, Outcome> {
    let name = profile.name();
    let url = profile.url();
    Ok(match profile.sign_in() {
        SignInMethod::ApiKey => Credentials::ApiKey {
            key: read_secret(format!("API key for {name} ({url}): "), "API key").await?,
            expires_on: args.expires,
        },
        SignInMethod::AppCredentials => Credentials::ClientSecret(
            read_secret(
                format!(
                    "Client secret of app {} ({url}): ",
                    profile.client_id().unwrap_or_default()
                ),
                "client secret",
            )
            .await?,
        ),
        SignInMethod::PortalPassword | SignInMethod::ServerPassword => {
            let username = match (profile.username(), username) {
                (Some(kept), Some(given)) if kept != given => {
                    return Err(Outcome::fail(
                        super::Exit::Usage,
                        format!(
                            "profile `{name}` signs in as {kept}; --username is only for \
                             profiles without a user name (add another profile for {given})"
                        ),
                    ));
                }
                (Some(_), _) => None,
                (None, Some(given)) => Some(given),
                (None, None) => ask(format!("User name at {url}: ")).await,
            };
            let who = profile.username().or(username.as_deref()).unwrap_or("you");
            Credentials::Password {
                password: read_secret(format!("Password of {who} at {url}: "), "password").await?,
                username,
                remember: args.remember_password,
            }
        }
        SignInMethod::BrowserPkce | SignInMethod::OutOfBand => {
            return Err(Outcome::fail(
                super::Exit::Usage,
                format!(
                    "profile `{name}` signs in through the browser: run `tokendesk login {name}`"
                ),
            ));
        }
    })
}
