//! The `profiles.toml` format, without any I/O: `schema_version = 1` first, then one
//! `[[profile]]` table per profile (its `id`, then the [`ProfileDraft`] fields).
//!
//! Reading sorts the text into what the store must do with it: use it, refuse it (written
//! by a newer TokenDesk) or move it aside (anything else that is not a valid file).

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::fields::ProfileId;
use super::profile::{Profile, ProfileDraft};

/// The schema version this TokenDesk reads and writes.
pub const SCHEMA_VERSION: i64 = 1;

const HEADER: &str = "# TokenDesk profiles. No secrets here: tokens, passwords and keys live in the OS keyring.\n\
                      # Written by TokenDesk; edit it with TokenDesk (its window or its command line).\n\n";

#[derive(Serialize, Deserialize)]
struct ProfilesFile {
    schema_version: i64,
    #[serde(default, rename = "profile")]
    profiles: Vec<StoredProfile>,
}

#[derive(Serialize, Deserialize)]
struct StoredProfile {
    id: ProfileId,
    #[serde(flatten)]
    settings: ProfileDraft,
}

/// Just the version, read before anything else so a newer file is never misread.
#[derive(Deserialize)]
struct VersionOnly {
    schema_version: Option<toml::Value>,
}

/// What the text of a profiles file turned out to be.
#[derive(Debug)]
pub enum Parsed {
    /// A valid file.
    Profiles(Vec<Profile>),
    /// Written by a newer TokenDesk, with this schema version.
    Newer(i64),
    /// Not a valid profiles file, for this reason (TOML errors without their file snippet).
    Corrupt(String),
}

/// Reads the text of `profiles.toml`.
pub fn parse(text: &str) -> Parsed {
    let version = match toml::from_str::<VersionOnly>(text) {
        Ok(VersionOnly { schema_version }) => schema_version,
        Err(err) => return Parsed::Corrupt(describe(text, &err)),
    };
    match version.as_ref().and_then(toml::Value::as_integer) {
        Some(SCHEMA_VERSION) => {}
        Some(newer) if newer > SCHEMA_VERSION => return Parsed::Newer(newer),
        Some(other) => {
            return Parsed::Corrupt(format!(
                "schema_version {other} is not a version TokenDesk ever wrote"
            ));
        }
        None => {
            return Parsed::Corrupt("`schema_version = 1` is missing or not a number".to_owned());
        }
    }
    let file = match toml::from_str::<ProfilesFile>(text) {
        Ok(file) => file,
        Err(err) => return Parsed::Corrupt(describe(text, &err)),
    };
    let mut ids = HashSet::new();
    let mut names = HashSet::new();
    let mut profiles = Vec::with_capacity(file.profiles.len());
    for (index, stored) in file.profiles.into_iter().enumerate() {
        let number = index + 1;
        if !ids.insert(stored.id.clone()) {
            return Parsed::Corrupt(format!("profile {number} repeats the id {}", stored.id));
        }
        if !names.insert(stored.settings.name.to_ascii_lowercase()) {
            return Parsed::Corrupt(format!(
                "profile {number} repeats the name `{}`",
                stored.settings.name
            ));
        }
        match stored.settings.validate(stored.id) {
            Ok(profile) => profiles.push(profile),
            Err(err) => return Parsed::Corrupt(format!("profile {number}: {err}")),
        }
    }
    Parsed::Profiles(profiles)
}

/// The text of `profiles.toml` holding `profiles`.
pub fn render(profiles: &[Profile]) -> Result<String, toml::ser::Error> {
    let file = ProfilesFile {
        schema_version: SCHEMA_VERSION,
        profiles: profiles
            .iter()
            .map(|profile| StoredProfile {
                id: profile.id().clone(),
                settings: profile.draft(),
            })
            .collect(),
    };
    Ok(format!("{HEADER}{}", toml::to_string(&file)?))
}

/// A TOML error as "line N: message", without the snippet of the file that its `Display`
/// would quote.
pub(super) fn describe(text: &str, err: &toml::de::Error) -> String {
    let message = err.message().trim_end();
    match err.span() {
        Some(span) => {
            let line = text
                .get(..span.start)
                .map_or(0, |before| before.matches('\n').count())
                + 1;
            format!("line {line}: {message}")
        }
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::fields::{SignInMethod, SiteKind, TokenBinding};

    fn profiles() -> Vec<Profile> {
        let mut pkce = ProfileDraft::new(
            "work",
            SiteKind::EnterprisePortal,
            "https://gis.example.com/portal",
            SignInMethod::BrowserPkce,
        );
        pkce.client_id = Some("abc".into());
        let mut server = ProfileDraft::new(
            "gis",
            SiteKind::ArcgisServer,
            "https://gis.example.com/arcgis",
            SignInMethod::ServerPassword,
        );
        server.username = Some("analyst".into());
        server.token_binding = Some(TokenBinding::RequestIp);
        server.expiration = crate::store::fields::TokenLifetime::never();
        [pkce, server]
            .into_iter()
            .map(|d| d.validate(ProfileId::generate()).unwrap())
            .collect()
    }

    #[test]
    fn rendered_profiles_parse_back_equal() {
        let original = profiles();
        let text = render(&original).unwrap();
        assert!(text.contains("schema_version = 1"), "{text}");
        assert!(text.contains("[[profile]]"), "{text}");
        assert!(text.contains("expiration = -1"), "{text}");
        match parse(&text) {
            Parsed::Profiles(read) => assert_eq!(read, original),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn schema_version_comes_first() {
        let text = render(&profiles()).unwrap();
        let first = text.lines().find(|l| !l.starts_with('#') && !l.is_empty());
        assert_eq!(first, Some("schema_version = 1"));
    }

    #[test]
    fn a_newer_schema_is_recognised_even_when_the_rest_is_unknown() {
        let text = "schema_version = 7\n[[profile]]\nsomething_new = true\n";
        assert!(matches!(parse(text), Parsed::Newer(7)));
    }

    #[test]
    fn syntax_errors_name_the_line_without_quoting_the_file() {
        let text = "schema_version = 1\n\n[[profile]\nname = \"x-secret-looking\"\n";
        match parse(text) {
            Parsed::Corrupt(reason) => {
                assert!(reason.starts_with("line 3:"), "{reason}");
                assert!(!reason.contains("x-secret-looking"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_missing_version_or_a_repeated_name_is_corrupt() {
        assert!(matches!(parse("[[profile]]\n"), Parsed::Corrupt(_)));
        let profiles = profiles();
        let twice = [profiles[0].clone(), profiles[0].clone()];
        match parse(&render(&twice).unwrap()) {
            Parsed::Corrupt(reason) => assert!(reason.contains("repeats the id"), "{reason}"),
            other => panic!("{other:?}"),
        }
    }
}
