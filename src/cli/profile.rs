//! `tokendesk profile add|list|show|remove`: the profiles in `profiles.toml`. No secrets are
//! involved except in `remove`, which signs the profile out first.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use serde_json::{Value, json};

use super::context::{self, engine_failure, find, profiles, store_failure};
use super::from_probe;
use super::{Exit, Outcome};
use crate::arcgis::{SiteUrl, parse_site_url};
use crate::store::{
    PreferredHeader, Profile, ProfileDraft, RedirectUri, SignInMethod, SiteKind, TokenLifetime,
};

/// Arguments of `tokendesk profile`.
#[derive(Debug, Args)]
pub struct ProfileArgs {
    #[command(subcommand)]
    command: ProfileCommand,
}

#[derive(Debug, Subcommand)]
enum ProfileCommand {
    /// Add a profile.
    Add(AddArgs),
    /// List the profiles.
    List(ListArgs),
    /// Show every setting of a profile (never a secret).
    Show(ShowArgs),
    /// Sign a profile out (revoke, delete its secrets) and remove it.
    Remove(RemoveArgs),
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
    Browser,
    Oob,
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
    /// How to sign in (default: browser).
    #[arg(long, value_enum)]
    method: Option<MethodArg>,
    /// The OAuth app's client id.
    #[arg(long, value_name = "ID")]
    client_id: Option<String>,
    /// `any-port`, `oob` or `http://127.0.0.1:PORT/PATH` (default: any-port; oob for --method oob).
    #[arg(long, value_name = "REDIRECT")]
    redirect: Option<String>,
    /// The refresh token's lifetime in minutes (-1 = never; default 20160, two weeks).
    #[arg(long, value_name = "MINUTES", allow_negative_numbers = true)]
    expiration: Option<i64>,
    /// A PEM file of CA certificates to trust for this site.
    #[arg(long, value_name = "FILE")]
    ca_file: Option<PathBuf>,
    /// The Referer to send.
    #[arg(long, value_name = "R")]
    referer: Option<String>,
    /// The preferred header (default: bearer).
    #[arg(long, value_enum)]
    header: Option<HeaderStyle>,
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
        (None, None) => kind_from_url(&url)?,
    };
    let method = match (args.method, kind) {
        (Some(MethodArg::Browser), _) => SignInMethod::BrowserPkce,
        (Some(MethodArg::Oob), _) => SignInMethod::OutOfBand,
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
    if let Some(minutes) = args.expiration {
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
    draft.referer = args.referer;
    if let Some(style) = args.header {
        draft.header = style.into();
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
    Ok(Outcome::ok())
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

pub(super) fn kind_word(kind: SiteKind) -> &'static str {
    match kind {
        SiteKind::ArcgisOnline => "online",
        SiteKind::EnterprisePortal => "enterprise",
        SiteKind::ArcgisServer => "server",
    }
}

pub(super) fn method_word(method: SignInMethod) -> &'static str {
    match method {
        SignInMethod::BrowserPkce => "browser",
        SignInMethod::OutOfBand => "oob",
        SignInMethod::ApiKey => "api-key",
        SignInMethod::AppCredentials => "app-credentials",
        SignInMethod::PortalPassword => "portal-password",
        SignInMethod::ServerPassword => "server-password",
    }
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
        "header": header_word(profile.header()),
    })
}

fn print_json(value: &Value) -> Result<Outcome, Outcome> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|err| Outcome::fail(Exit::Failure, format!("could not write JSON: {err}")))?;
    println!("{text}");
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
        println!(
            "{}  {}  {}  {}",
            profile.name(),
            kind_word(profile.kind()),
            method_word(profile.sign_in()),
            profile.url()
        );
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
            println!("{key}: {text}");
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
