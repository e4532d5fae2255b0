//! `tokendesk profile add|list|show|remove` (and `export|import`, in `super::team`): the profiles in `profiles.toml`. Profiles hold
//! no secret; `add` of an API key or app-credentials profile then reads the key or client
//! secret (no-echo prompt, or stdin) and signs in, and `remove` signs the profile out first.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};
use serde_json::{Value, json};

use super::context::{self, engine_failure, find, profiles, store_failure};
use super::credentials::{self, CredentialArgs};
use super::from_probe;
use super::stdout;
use super::team;
use super::words::{kind_word, method_word};
use super::{Exit, Outcome};
use crate::arcgis::{SiteUrl, parse_site_url};
use crate::store::{
    PreferredHeader, Profile, ProfileDraft, ProfileId, RedirectUri, SignInMethod, SiteKind,
    TokenBinding, TokenLifetime,
};

/// The `Referer` password tokens are bound to when the profile gives none.
pub const DEFAULT_REFERER: &str = crate::store::profile::DEFAULT_REFERER;

/// Arguments of `tokendesk profile`.
#[derive(Debug, Args)]
pub struct ProfileArgs {
    #[command(subcommand)]
    command: ProfileCommand,
}

#[derive(Debug, Subcommand)]
#[allow(
    clippy::large_enum_variant,
    reason = "parsed once per run; boxing would only complicate clap's derive"
)]
enum ProfileCommand {
    /// Add a profile.
    Add(AddArgs),
    /// List the profiles.
    List(ListArgs),
    /// Show every setting of a profile (never a secret).
    Show(ShowArgs),
    /// Sign a profile out (revoke, delete its secrets) and remove it.
    Remove(RemoveArgs),
    /// Write profiles to a team profile file (never a secret) for others to import.
    Export(team::ExportArgs),
    /// Add the profiles of a team profile file (shows them; refuses clashing names unless
    /// --replace).
    Import(team::ImportArgs),
}

/// The kind of site, as typed on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum KindArg {
    Online,
    Enterprise,
    Server,
}

/// The sign-in method, as typed on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum MethodArg {
    /// OAuth sign-in in the browser (PKCE).
    Browser,
    /// OAuth with a code pasted from the portal's page.
    Oob,
    /// An API key (entered after the profile is added).
    ApiKey,
    /// App credentials: client id + client secret (entered after the profile is added).
    AppCredentials,
    /// User name + password (`generateToken`), entered at `tokendesk login`.
    Password,
}

/// The header style, as typed on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum HeaderStyle {
    /// `Authorization: Bearer <token>`
    Bearer,
    /// `X-Esri-Authorization: Bearer <token>`
    Esri,
}

impl From<HeaderStyle> for PreferredHeader {
    fn from(style: HeaderStyle) -> Self {
        match style {
            HeaderStyle::Bearer => Self::Authorization,
            HeaderStyle::Esri => Self::XEsriAuthorization,
        }
    }
}

#[derive(Debug, Args)]
struct AddArgs {
    /// A unique name (letters, digits, `-`, `_`, `.`).
    name: String,
    /// The portal or server URL.
    #[arg(long, required_unless_present = "from_probe")]
    url: Option<String>,
    /// Probe this URL and take the recommended kind, URL and sign-in method (`--kind`,
    /// `--method` and `--url` still override them).
    #[arg(long, value_name = "URL")]
    from_probe: Option<String>,
    /// The kind of site (default: from the URL).
    #[arg(long, value_enum)]
    kind: Option<KindArg>,
    /// How to sign in (default: browser for portals, password for servers).
    #[arg(long, value_enum)]
    method: Option<MethodArg>,
    /// The OAuth app's client id.
    #[arg(long, value_name = "ID")]
    client_id: Option<String>,
    /// `any-port`, `oob` or `http://127.0.0.1:PORT/PATH` (default: any-port; oob for --method oob).
    #[arg(long, value_name = "REDIRECT")]
    redirect: Option<String>,
    /// Token lifetime in minutes: the refresh token's for browser/oob (-1 = never; default
    /// 20160, two weeks), the app token's for app credentials (default 120), the token's for
    /// passwords (default 60).
    #[arg(long, value_name = "MINUTES", allow_negative_numbers = true)]
    expiration: Option<i64>,
    /// A PEM file of CA certificates to trust for this site.
    #[arg(long, value_name = "FILE")]
    ca_file: Option<PathBuf>,
    /// The Referer to send; password tokens are bound to it (default `tokendesk`).
    #[arg(long, value_name = "R")]
    referer: Option<String>,
    /// Password profiles: the user name (asked for at login when absent).
    #[arg(long, value_name = "NAME")]
    username: Option<String>,
    /// Password profiles: what the token is bound to: `referer` (default), `requestip` or
    /// `ip:ADDRESS`.
    #[arg(long, value_name = "BINDING", value_parser = TokenBinding::parse)]
    binding: Option<TokenBinding>,
    /// Server password profiles: sign in as a server administrator (admin/generateToken);
    /// implies `--kind server`.
    #[arg(long)]
    admin: bool,
    /// API key profiles: the last day the key works (UTC), when the portal does not say.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = credentials::parse_date)]
    expires: Option<NaiveDate>,
    /// The preferred header (default: bearer).
    #[arg(long, value_enum)]
    header: Option<HeaderStyle>,
    /// Add without asking the portal whether it knows the client ID and the redirect URI
    /// (browser and oob profiles are checked at `oauth2/authorize` otherwise).
    #[arg(long)]
    no_check: bool,
}

#[derive(Debug, Args)]
struct ListArgs {
    /// Print a JSON array.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct ShowArgs {
    /// The profile.
    name: String,
    /// Print a JSON object.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct RemoveArgs {
    /// The profile.
    name: String,
}

/// Runs a `profile` subcommand.
pub async fn run(args: ProfileArgs) -> Outcome {
    let result = match args.command {
        ProfileCommand::Add(args) => add(args).await,
        ProfileCommand::List(args) => list(&args),
        ProfileCommand::Show(args) => show(&args),
        ProfileCommand::Remove(args) => remove(&args).await,
        ProfileCommand::Export(args) => team::export(&args),
        ProfileCommand::Import(args) => team::import(&args),
    };
    result.unwrap_or_else(|outcome| outcome)
}

fn usage(message: impl Into<String>) -> Outcome {
    Outcome::fail(Exit::Usage, message)
}

async fn add(args: AddArgs) -> Result<Outcome, Outcome> {
    let probed = match &args.from_probe {
        Some(url) => Some(from_probe::recommended(url, args.ca_file.clone()).await?),
        None => None,
    };
    let url = match (&args.url, &probed) {
        (Some(url), _) => url.clone(),
        (None, Some(probed)) => probed.url.clone(),
        (None, None) => return Err(usage("--url is required (or --from-probe URL)")),
    };
    let kind = match (args.kind, &probed) {
        (Some(KindArg::Online), _) => SiteKind::ArcgisOnline,
        (Some(KindArg::Enterprise), _) => SiteKind::EnterprisePortal,
        (Some(KindArg::Server), _) => SiteKind::ArcgisServer,
        (None, Some(probed)) => probed.kind,
        // Only an ArcGIS Server has an administrator sign-in.
        (None, None) if args.admin => SiteKind::ArcgisServer,
        (None, None) => kind_from_url(&url)?,
    };
    let method = match (args.method, kind) {
        (Some(MethodArg::Browser), _) => SignInMethod::BrowserPkce,
        (Some(MethodArg::Oob), _) => SignInMethod::OutOfBand,
        (Some(MethodArg::ApiKey), _) => SignInMethod::ApiKey,
        (Some(MethodArg::AppCredentials), _) => SignInMethod::AppCredentials,
        (Some(MethodArg::Password), SiteKind::ArcgisServer) => SignInMethod::ServerPassword,
        (Some(MethodArg::Password), _) => SignInMethod::PortalPassword,
        (None, _) if let Some(probed) = probed.as_ref().filter(|p| p.kind == kind) => probed.method,
        (None, SiteKind::ArcgisServer) => SignInMethod::ServerPassword,
        (None, _) => SignInMethod::BrowserPkce,
    };
    let mut draft = ProfileDraft::new(&args.name, kind, &url, method);
    draft.client_id = args.client_id;
    draft.redirect_uri = match args.redirect.as_deref() {
        None => None,
        Some("any-port") => Some(RedirectUri::LoopbackAnyPort {
            path: "/".to_owned(),
        }),
        Some("oob") => Some(RedirectUri::OutOfBand),
        Some(text) => Some(RedirectUri::parse(text).map_err(|e| usage(e.to_string()))?),
    };
    let default_minutes = match method {
        SignInMethod::AppCredentials => Some(120),
        SignInMethod::PortalPassword | SignInMethod::ServerPassword => Some(60),
        _ => None,
    };
    if args.expiration == Some(-1) && default_minutes.is_some() {
        return Err(usage(format!(
            "--expiration -1 (never) is only for OAuth refresh tokens; {} tokens always \
             expire: give minutes (e.g. 60 or 120)",
            method.label()
        )));
    }
    if let Some(minutes) = args.expiration.or(default_minutes) {
        draft.expiration = TokenLifetime::try_from(minutes).map_err(|e| usage(e.to_string()))?;
    }
    if let Some(ca_file) = args.ca_file {
        let absolute = std::path::absolute(&ca_file).map_err(|err| {
            usage(format!(
                "--ca-file {}: cannot make it absolute: {err}",
                ca_file.display()
            ))
        })?;
        draft.ca_file = Some(absolute);
    }
    let binds_referer =
        method.uses_password() && matches!(args.binding, None | Some(TokenBinding::Referer));
    draft.referer = match args.referer {
        None if binds_referer => Some(DEFAULT_REFERER.to_owned()),
        given => given,
    };
    draft.username = args.username;
    draft.token_binding = args.binding;
    draft.server_admin = args.admin;
    if let Some(style) = args.header {
        draft.header = style.into();
    }
    if args.expires.is_some() && method != SignInMethod::ApiKey {
        return Err(usage(
            "--expires is for API key profiles (--method api-key)",
        ));
    }
    if !args.no_check
        && let Ok(candidate) = draft.clone().validate(ProfileId::generate())
        && let Err(problem) = crate::engine::check_app_registration(&candidate).await
    {
        let remedy = problem.remedy().for_profile(candidate.name());
        return Err(Outcome::fail(
            Exit::Network,
            format!(
                "{}\nThe profile was not added; to add it anyway, run the same command with \
                 --no-check.",
                super::remedy::with_remedy(
                    &format!("the portal refused the app registration: {problem}"),
                    Some(&remedy)
                )
            ),
        ));
    }
    let paths = context::paths()?;
    let mut store = profiles(&paths)?;
    let profile = store.add(draft).map_err(store_failure)?;
    eprintln!(
        "Added profile {} ({}, {}, {})",
        profile.name(),
        profile.kind().label(),
        profile.sign_in().label(),
        profile.url()
    );
    match method {
        SignInMethod::ApiKey | SignInMethod::AppCredentials => {
            let engine = context::engine(&paths).await?;
            let entered = CredentialArgs {
                expires: args.expires,
                remember_password: false,
            };
            let outcome = credentials::enter(&profile, &engine, &entered, None).await;
            Ok(match outcome.message {
                Some(message) => Outcome::fail(
                    outcome.exit,
                    format!(
                        "{message}\nThe profile was added but holds no working credential yet; \
                         enter it again with `tokendesk login {}`.",
                        profile.name()
                    ),
                ),
                None => outcome,
            })
        }
        SignInMethod::PortalPassword | SignInMethod::ServerPassword => {
            eprintln!(
                "Sign in with `tokendesk login {}` (it asks for the password; add \
                 --remember-password to keep it in the keyring so tokens are renewed \
                 automatically).",
                profile.name()
            );
            Ok(Outcome::ok())
        }
        SignInMethod::BrowserPkce | SignInMethod::OutOfBand => Ok(Outcome::ok()),
    }
}

/// ArcGIS Online for `*.arcgis.com`, a server for server URLs, else an Enterprise portal.
fn kind_from_url(url: &str) -> Result<SiteKind, Outcome> {
    let parsed = parse_site_url(url).map_err(|e| usage(format!("--url: {e}")))?;
    Ok(match parsed.site {
        SiteUrl::Server(_) => SiteKind::ArcgisServer,
        SiteUrl::Portal(portal) if portal.is_arcgis_online_host() => SiteKind::ArcgisOnline,
        SiteUrl::Ambiguous(base) if base.as_portal().is_arcgis_online_host() => {
            SiteKind::ArcgisOnline
        }
        _ => SiteKind::EnterprisePortal,
    })
}

fn header_word(header: PreferredHeader) -> &'static str {
    match header {
        PreferredHeader::Authorization => "bearer",
        PreferredHeader::XEsriAuthorization => "esri",
    }
}

/// Every setting of a profile as JSON (never a secret: profiles hold none).
fn to_json(profile: &Profile) -> Value {
    json!({
        "name": profile.name(),
        "id": profile.id().as_str(),
        "kind": kind_word(profile.kind()),
        "method": method_word(profile.sign_in()),
        "url": profile.url(),
        "client_id": profile.client_id(),
        "redirect": profile.redirect_uri().map(ToString::to_string),
        "expiration": i64::from(profile.expiration()),
        "ca_file": profile.ca_file().map(|p| p.display().to_string()),
        "referer": profile.referer(),
        "username": profile.username(),
        "binding": profile.password_binding().map(|b| b.to_string()),
        "server_admin": profile.server_admin(),
        "header": header_word(profile.header()),
    })
}

fn print_json(value: &Value) -> Result<Outcome, Outcome> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|err| Outcome::fail(Exit::Failure, format!("could not write JSON: {err}")))?;
    stdout::line(&text);
    Ok(Outcome::ok())
}

fn list(args: &ListArgs) -> Result<Outcome, Outcome> {
    let paths = context::paths()?;
    let store = profiles(&paths)?;
    if args.json {
        return print_json(&Value::Array(store.list().iter().map(to_json).collect()));
    }
    if store.list().is_empty() {
        eprintln!("No profiles yet: add one with `tokendesk profile add NAME --url URL`.");
    }
    for profile in store.list() {
        stdout::line(&format!(
            "{}  {}  {}  {}",
            profile.name(),
            kind_word(profile.kind()),
            method_word(profile.sign_in()),
            profile.url()
        ));
    }
    Ok(Outcome::ok())
}

fn show(args: &ShowArgs) -> Result<Outcome, Outcome> {
    let paths = context::paths()?;
    let store = profiles(&paths)?;
    let profile = find(&store, &args.name)?;
    let value = to_json(&profile);
    if args.json {
        return print_json(&value);
    }
    if let Value::Object(fields) = value {
        for (key, field) in fields {
            let text = match field {
                Value::Null => "(not set)".to_owned(),
                Value::String(text) => text,
                other => other.to_string(),
            };
            stdout::line(&format!("{key}: {text}"));
        }
    }
    Ok(Outcome::ok())
}

async fn remove(args: &RemoveArgs) -> Result<Outcome, Outcome> {
    let paths = context::paths()?;
    let mut store = profiles(&paths)?;
    let profile = find(&store, &args.name)?;
    match context::engine(&paths).await {
        Ok(engine) => match engine.sign_out(&profile).await {
            Ok(done) => {
                if let Some(why) = done.revoke_failed {
                    eprintln!(
                        "tokendesk: warning: revoking the refresh token on the portal failed ({why}); the secrets were deleted from the keyring anyway"
                    );
                }
            }
            Err(err) => return Err(engine_failure(&err)),
        },
        Err(outcome) => {
            let reason = outcome.message.unwrap_or_default();
            eprintln!(
                "tokendesk: warning: the profile's secrets (if any) could not be deleted: {reason}"
            );
        }
    }
    store.remove(profile.id()).map_err(store_failure)?;
    eprintln!("Removed profile {}", profile.name());
    Ok(Outcome::ok())
}

/// The `--style` / preferred header of a profile.
pub fn header_for(profile: &Profile, style: Option<HeaderStyle>) -> PreferredHeader {
    style.map_or(profile.header(), Into::into)
}
