//! Team profile files: what an administrator hands to a whole team so nobody has to register
//! an OAuth app or know what a redirect URI is. A small TOML file, written by
//! [`export`] or by hand:
//!
//! ```toml
//! format = "tokendesk-team-profiles"
//! version = 1
//!
//! [[profile]]
//! name = "work"
//! kind = "enterprise_portal"        # arcgis_online | enterprise_portal | arcgis_server
//! url = "https://gis.example.com/portal"
//! method = "browser_pkce"           # browser_pkce | out_of_band | api_key | app_credentials
//!                                   # | portal_password | server_password
//! client_id = "AbC123"              # browser_pkce, out_of_band, app_credentials
//! ca_certificate = """
//! -----BEGIN CERTIFICATE-----
//! …
//! -----END CERTIFICATE-----
//! """
//! ```
//!
//! A team file never holds a secret or a token: there is no field for one, and a field the
//! format does not know is refused. It holds no user name either (that is each person's own).
//! Reading is bounded ([`MAX_FILE_BYTES`]), every profile is validated exactly as a profile a
//! person adds, sites are named by `https://` only, and a CA must be PEM certificates and
//! nothing else. [`plan`] checks everything before anything is written; [`apply`] writes the
//! CA files and then adds (or, when asked, replaces) every profile in one change of the
//! profiles file, so an import adds all of its profiles or none.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use rustls::pki_types::pem::{PemObject, SectionKind};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::atomic::write_private_file;
use super::fields::{
    PreferredHeader, ProfileId, SignInMethod, SiteKind, TokenBinding, TokenLifetime,
};
use super::file_format::describe;
use super::paths::Paths;
use super::profile::{DEFAULT_REFERER, Profile, ProfileDraft, ProfileError};
use super::profiles::{ProfileStore, StoreError};
use super::redirect::RedirectUri;

/// The value of the `format` key.
pub const FORMAT: &str = "tokendesk-team-profiles";
/// The version this TokenDesk reads and writes.
pub const VERSION: i64 = 1;
/// The largest team file read (a file of a hundred profiles with their CAs is far smaller).
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;
/// The most profiles one file may hold.
pub const MAX_PROFILES: usize = 500;
/// The largest CA certificate text of one profile.
pub const MAX_CA_BYTES: usize = 256 * 1024;

const HEADER: &str = "# TokenDesk team profiles: import with `tokendesk profile import FILE` or the \
                      window's Import…\n# No secrets, no tokens, no user names: each person signs \
                      in with their own account.\n\n";

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TeamFileText {
    format: String,
    version: i64,
    #[serde(default, rename = "profile")]
    profiles: Vec<TeamProfile>,
}

/// Just the format and version, read first so a newer file is never misread.
#[derive(Deserialize)]
struct Identity {
    format: Option<toml::Value>,
    version: Option<toml::Value>,
}

/// One profile of a team file: a site and how to sign in there, never a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamProfile {
    /// The profile name.
    pub name: String,
    /// What kind of site.
    pub kind: SiteKind,
    /// The portal or server address (`https://` only).
    pub url: String,
    /// How to sign in.
    pub method: SignInMethod,
    /// The OAuth client id (browser, out-of-band and app-credential sign-in).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The OAuth redirect URI (browser sign-in; absent: any-port loopback).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<RedirectUri>,
    /// The `Referer` to send (password tokens are bound to it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referer: Option<String>,
    /// The header tokens are sent in.
    #[serde(default)]
    pub header: PreferredHeader,
    /// The token lifetime in minutes (absent: the method's default, as `profile add`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration: Option<TokenLifetime>,
    /// What password tokens are bound to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_binding: Option<TokenBinding>,
    /// ArcGIS Server password sign-in as an administrator.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub server_admin: bool,
    /// The private CA that signed the site's certificate, as PEM text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_certificate: Option<String>,
}

/// Why a team file cannot be read, written or imported. Nothing was changed when one of
/// these is returned (but for [`TeamFileError::Store`], which says itself).
#[derive(Debug, thiserror::Error)]
pub enum TeamFileError {
    /// Reading or writing a file failed.
    #[error("cannot {action} {path}: {source}")]
    Io {
        /// What we were doing.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The file is larger than any team file.
    #[error(
        "{path} is larger than {limit} bytes: that is not a team profile file (they are a few \
         kilobytes)"
    )]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The limit.
        limit: u64,
    },
    /// Not UTF-8 text.
    #[error("the team file is not UTF-8 text (byte {0})")]
    NotText(usize),
    /// Not TOML, or a field of the wrong type or unknown to the format.
    #[error("the team file cannot be read: {0}")]
    Syntax(String),
    /// `format = "tokendesk-team-profiles"` is missing or different.
    #[error(
        "this is not a TokenDesk team profile file: it must start with `format = \"{FORMAT}\"` \
         and `version = {VERSION}`"
    )]
    NotATeamFile,
    /// Written by a newer TokenDesk.
    #[error(
        "the team file has version {0}; this TokenDesk reads version {VERSION}: update TokenDesk"
    )]
    NewerVersion(i64),
    /// A version that was never written.
    #[error("the team file's `version` must be {VERSION}")]
    BadVersion,
    /// No profile in it.
    #[error("the team file holds no [[profile]]")]
    NoProfiles,
    /// Too many profiles.
    #[error("the team file holds more than {MAX_PROFILES} profiles")]
    TooManyProfiles,
    /// The same name twice in one file.
    #[error("the team file names profile `{0}` twice")]
    RepeatedName(String),
    /// An address that is not `https://`.
    #[error(
        "profile `{name}`: `{url}` is not an https:// address; a team file names sites by their \
         https:// address only"
    )]
    NotHttps {
        /// The profile.
        name: String,
        /// The address given (without anything after the host).
        url: String,
    },
    /// A profile's settings are invalid.
    #[error("profile `{name}`: {source}")]
    Invalid {
        /// The profile.
        name: String,
        /// What is wrong.
        source: ProfileError,
    },
    /// The CA text is not PEM certificates.
    #[error("profile `{name}`: ca_certificate {reason}")]
    BadCertificate {
        /// The profile.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Profiles of these names exist already and replacing was not asked for.
    #[error("{} exist{} already; nothing was imported", names_list(.0), if .0.len() == 1 { "s" } else { "" })]
    NamesTaken(Vec<String>),
    /// A profile's CA file cannot be read for export.
    #[error("profile `{name}`: its CA file {path} cannot be exported: {reason}")]
    CaFile {
        /// The profile.
        name: String,
        /// The CA file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// Writing the TOML failed.
    #[error("the team file cannot be written: {0}")]
    Render(String),
    /// The profiles file refused the change.
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn names_list(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.len() {
        1 => format!("a profile named {}", quoted[0]),
        _ => format!("profiles named {}", quoted.join(", ")),
    }
}

/// Reads a team file from disk (at most [`MAX_FILE_BYTES`]) and checks its shape; the
/// profiles are validated by [`plan`].
pub fn read(path: &Path) -> Result<Vec<TeamProfile>, TeamFileError> {
    let io = |source| TeamFileError::Io {
        action: "read",
        path: path.to_owned(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(TeamFileError::TooLarge {
            path: path.to_owned(),
            limit: MAX_FILE_BYTES,
        });
    }
    let text = String::from_utf8(bytes)
        .map_err(|err| TeamFileError::NotText(err.utf8_error().valid_up_to()))?;
    parse(&text)
}

/// Reads the text of a team file and checks its shape.
pub fn parse(text: &str) -> Result<Vec<TeamProfile>, TeamFileError> {
    if text.len() as u64 > MAX_FILE_BYTES {
        return Err(TeamFileError::TooLarge {
            path: PathBuf::new(),
            limit: MAX_FILE_BYTES,
        });
    }
    let identity: Identity =
        toml::from_str(text).map_err(|err| TeamFileError::Syntax(describe(text, &err)))?;
    if identity.format.as_ref().and_then(toml::Value::as_str) != Some(FORMAT) {
        return Err(TeamFileError::NotATeamFile);
    }
    match identity.version.as_ref().and_then(toml::Value::as_integer) {
        Some(VERSION) => {}
        Some(newer) if newer > VERSION => return Err(TeamFileError::NewerVersion(newer)),
        _ => return Err(TeamFileError::BadVersion),
    }
    let file: TeamFileText =
        toml::from_str(text).map_err(|err| TeamFileError::Syntax(describe(text, &err)))?;
    if file.profiles.is_empty() {
        return Err(TeamFileError::NoProfiles);
    }
    if file.profiles.len() > MAX_PROFILES {
        return Err(TeamFileError::TooManyProfiles);
    }
    let mut names = HashSet::new();
    for profile in &file.profiles {
        if !names.insert(profile.name.to_ascii_lowercase()) {
            return Err(TeamFileError::RepeatedName(profile.name.clone()));
        }
    }
    Ok(file.profiles)
}

/// The team file text for `profiles`, with each one's CA file read in. User names are left
/// out (each person signs in as themselves); there is nothing secret to leave out.
pub fn export(profiles: &[Profile]) -> Result<String, TeamFileError> {
    let mut team = Vec::with_capacity(profiles.len());
    for profile in profiles {
        team.push(team_profile(profile)?);
    }
    let file = TeamFileText {
        format: FORMAT.to_owned(),
        version: VERSION,
        profiles: team,
    };
    let text = toml::to_string(&file).map_err(|err| TeamFileError::Render(err.to_string()))?;
    Ok(format!("{HEADER}{text}"))
}

fn team_profile(profile: &Profile) -> Result<TeamProfile, TeamFileError> {
    let draft = profile.draft();
    let ca_certificate = match profile.ca_file() {
        None => None,
        Some(path) => {
            let ca_error = |reason: String| TeamFileError::CaFile {
                name: profile.name().to_owned(),
                path: path.to_owned(),
                reason,
            };
            let bytes = std::fs::read(path).map_err(|err| ca_error(err.to_string()))?;
            if bytes.len() > MAX_CA_BYTES {
                return Err(ca_error(format!("it is larger than {MAX_CA_BYTES} bytes")));
            }
            Some(normalised_pem(&bytes).map_err(ca_error)?)
        }
    };
    Ok(TeamProfile {
        name: draft.name,
        kind: draft.kind,
        url: draft.url,
        method: draft.sign_in,
        client_id: draft.client_id,
        redirect_uri: draft.redirect_uri,
        referer: draft.referer,
        header: draft.header,
        expiration: Some(draft.expiration),
        token_binding: draft.token_binding,
        server_admin: draft.server_admin,
        ca_certificate,
    })
}

/// The certificates of a PEM text, written again as clean PEM (only the certificate blocks,
/// 64 columns). Anything but certificates — a private key above all — is refused.
fn normalised_pem(bytes: &[u8]) -> Result<String, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "is not PEM text".to_owned())?;
    if text.contains("PRIVATE KEY") {
        return Err("holds a private key: give only the CA's certificate".to_owned());
    }
    let mut out = String::new();
    let mut count = 0;
    for section in <(SectionKind, Vec<u8>)>::pem_slice_iter(bytes) {
        let (kind, der) = section.map_err(|err| format!("is not valid PEM ({err})"))?;
        if kind != SectionKind::Certificate {
            return Err(format!(
                "holds a {kind:?} block: give only PEM certificates (-----BEGIN CERTIFICATE-----)"
            ));
        }
        // A DER certificate is a SEQUENCE.
        if der.first() != Some(&0x30) || der.len() < 64 {
            return Err("holds a CERTIFICATE block that is not a certificate".to_owned());
        }
        count += 1;
        let encoded = base64::engine::general_purpose::STANDARD.encode(&der);
        out.push_str("-----BEGIN CERTIFICATE-----\n");
        for line in encoded.as_bytes().chunks(64) {
            out.push_str(&String::from_utf8_lossy(line));
            out.push('\n');
        }
        out.push_str("-----END CERTIFICATE-----\n");
    }
    if count == 0 {
        return Err(
            "holds no PEM certificate (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----)"
                .to_owned(),
        );
    }
    Ok(out)
}

/// One profile an import will add or replace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedProfile {
    /// The settings, validated, pointing at the CA file the import will write.
    pub draft: ProfileDraft,
    /// The CA file to write and its PEM text.
    pub ca: Option<(PathBuf, String)>,
    /// A profile of this name exists and will be replaced (keeping its id and secrets).
    pub replaces: bool,
}

/// What an import will do, checked in full: nothing is written until [`apply`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportPlan {
    /// The profiles, in the file's order.
    pub profiles: Vec<PlannedProfile>,
}

impl ImportPlan {
    /// Profiles of these names exist already (they are replaced only when asked).
    pub fn clashes(&self) -> Vec<String> {
        self.profiles
            .iter()
            .filter(|p| p.replaces)
            .map(|p| p.draft.name.clone())
            .collect()
    }
}

/// Where the CA of a team profile is kept: `<data dir>/ca/<sha256 of the PEM>.pem`.
fn ca_path(paths: &Paths, pem: &str) -> Result<PathBuf, TeamFileError> {
    let digest = Sha256::digest(pem.as_bytes());
    let mut name = String::with_capacity(36);
    for byte in &digest[..16] {
        let _ = write!(name, "{byte:02x}");
    }
    let dir = paths.data_dir().join("ca");
    std::path::absolute(dir.join(format!("{name}.pem"))).map_err(|source| TeamFileError::Io {
        action: "find",
        path: dir,
        source,
    })
}

/// Checks every profile of a team file as `profile add` does and against the profiles that
/// exist (`existing`), and works out what an import will write.
pub fn plan(
    team: Vec<TeamProfile>,
    existing: &[Profile],
    paths: &Paths,
) -> Result<ImportPlan, TeamFileError> {
    let mut planned = Vec::with_capacity(team.len());
    for profile in team {
        let name = profile.name.clone();
        let scheme_ok = profile
            .url
            .trim_start()
            .get(..8)
            .is_some_and(|s| s.eq_ignore_ascii_case("https://"));
        if !scheme_ok {
            let shown: String = profile.url.chars().take(40).collect();
            return Err(TeamFileError::NotHttps { name, url: shown });
        }
        let ca = match &profile.ca_certificate {
            None => None,
            Some(text) if text.len() > MAX_CA_BYTES => {
                return Err(TeamFileError::BadCertificate {
                    name,
                    reason: format!("is larger than {MAX_CA_BYTES} bytes"),
                });
            }
            Some(text) => {
                let pem = normalised_pem(text.as_bytes()).map_err(|reason| {
                    TeamFileError::BadCertificate {
                        name: name.clone(),
                        reason,
                    }
                })?;
                Some((ca_path(paths, &pem)?, pem))
            }
        };
        let draft = draft_of(profile, ca.as_ref().map(|(path, _)| path.clone()));
        let validated = draft
            .clone()
            .validate(ProfileId::generate())
            .map_err(|source| TeamFileError::Invalid {
                name: name.clone(),
                source,
            })?;
        let replaces = existing
            .iter()
            .any(|p| p.name().eq_ignore_ascii_case(&name));
        planned.push(PlannedProfile {
            draft: validated.draft(),
            ca,
            replaces,
        });
    }
    Ok(ImportPlan { profiles: planned })
}

/// The draft `profile add` would make of these settings (the same defaults).
fn draft_of(team: TeamProfile, ca_file: Option<PathBuf>) -> ProfileDraft {
    let method = team.method;
    let mut draft = ProfileDraft::new(&team.name, team.kind, &team.url, method);
    draft.client_id = team.client_id;
    draft.redirect_uri = team.redirect_uri;
    draft.header = team.header;
    draft.expiration = team.expiration.unwrap_or_else(|| default_lifetime(method));
    draft.token_binding = team.token_binding;
    draft.server_admin = team.server_admin;
    let binds_referer =
        method.uses_password() && matches!(team.token_binding, None | Some(TokenBinding::Referer));
    draft.referer = match team.referer {
        None if binds_referer => Some(DEFAULT_REFERER.to_owned()),
        given => given,
    };
    draft.ca_file = ca_file;
    draft
}

/// The token lifetime `profile add` gives a method when none is given.
pub fn default_lifetime(method: SignInMethod) -> TokenLifetime {
    let minutes = match method {
        SignInMethod::AppCredentials => 120,
        SignInMethod::PortalPassword | SignInMethod::ServerPassword => 60,
        _ => return TokenLifetime::default(),
    };
    TokenLifetime::minutes(minutes).unwrap_or_default()
}

/// Writes the CA files and adds every planned profile in one change of the profiles file
/// (replacing those that clash only when `replace`). All or nothing: a clash without
/// `replace` changes nothing.
pub fn apply(
    plan: &ImportPlan,
    store: &mut ProfileStore,
    replace: bool,
) -> Result<Vec<Profile>, TeamFileError> {
    let clashes = plan.clashes();
    if !replace && !clashes.is_empty() {
        return Err(TeamFileError::NamesTaken(clashes));
    }
    for (path, pem) in plan.profiles.iter().filter_map(|p| p.ca.as_ref()) {
        write_private_file(path, pem.as_bytes()).map_err(|source| TeamFileError::Io {
            action: "write",
            path: path.clone(),
            source,
        })?;
    }
    let drafts = plan.profiles.iter().map(|p| p.draft.clone()).collect();
    Ok(store.add_or_replace_all(drafts, replace)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CERT: &str = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUZ5zj0t4Gk2n0v8mV6bVd3q4rP2QwCgYIKoZIzj0EAwIw\nDzENMAsGA1UEAwwEdGVzdDAeFw0yNDAxMDEwMDAwMDBaFw0zNDAxMDEwMDAwMDBa\n-----END CERTIFICATE-----\n";

    #[test]
    fn a_private_key_is_never_taken_as_a_ca() {
        let text = format!("{CERT}-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        let err = normalised_pem(text.as_bytes()).unwrap_err();
        assert!(err.contains("private key"), "{err}");
    }

    #[test]
    fn text_without_a_certificate_is_refused() {
        let err = normalised_pem(b"hello").unwrap_err();
        assert!(err.contains("no PEM certificate"), "{err}");
    }

    #[test]
    fn a_field_the_format_does_not_know_is_refused_by_name() {
        let text = "format = \"tokendesk-team-profiles\"\nversion = 1\n[[profile]]\nname = \"a\"\n\
                    kind = \"arcgis_online\"\nurl = \"https://www.arcgis.com\"\nmethod = \"api_key\"\n\
                    api_key = \"x\"\n";
        let err = parse(text).unwrap_err().to_string();
        assert!(err.contains("api_key"), "{err}");
        assert!(err.contains("line 8"), "{err}");
    }

    #[test]
    fn a_file_of_another_format_or_a_newer_version_is_named_as_such() {
        assert!(matches!(
            parse("schema_version = 1\n"),
            Err(TeamFileError::NotATeamFile)
        ));
        assert!(matches!(
            parse("format = \"tokendesk-team-profiles\"\nversion = 9\n"),
            Err(TeamFileError::NewerVersion(9))
        ));
    }
}
