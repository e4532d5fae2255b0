//! Team profile files: `profile export NAME… --file F` and `profile import F`. The hermetic
//! tests build the profiles through the library (no keyring needed: profiles hold no
//! secret); the one with a signed-in session runs under the system tests.
//!
//!     cargo test --test cli team_files::
//!     scripts/with-test-session cargo test --features system-tests --test cli team_files::

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tokendesk::store::{
    Paths, PreferredHeader, ProfileDraft, ProfileStore, RedirectUri, SignInMethod, SiteKind,
    TokenBinding, TokenLifetime,
};

/// A temp home with its own config, data and cache dirs.
struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn paths(&self) -> Paths {
        Paths::new(self.path("config"), self.path("data"), self.path("cache"))
    }

    fn profiles_file(&self) -> PathBuf {
        self.paths().profiles_file()
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_tokendesk"))
            .args(args)
            .env("TOKENDESK_CONFIG_DIR", self.path("config"))
            .env("TOKENDESK_DATA_DIR", self.path("data"))
            .env("TOKENDESK_CACHE_DIR", self.path("cache"))
            .env_remove("TOKENDESK_LOG")
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .output()
            .unwrap()
    }

    fn add(&self, draft: ProfileDraft) {
        let (mut store, _) = ProfileStore::open(&self.paths()).unwrap();
        store.add(draft).unwrap();
    }

    fn drafts(&self) -> Vec<ProfileDraft> {
        let (store, _) = ProfileStore::open(&self.paths()).unwrap();
        store.list().iter().map(|p| p.draft()).collect()
    }
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A self-signed CA certificate, PEM.
fn private_ca() -> String {
    rcgen::generate_simple_self_signed(vec!["gis.example.com".to_owned()])
        .unwrap()
        .cert
        .pem()
}

/// One profile of every kind and sign-in method, all trusting `ca`.
fn every_kind_and_method(ca: &Path) -> Vec<ProfileDraft> {
    let portal = "https://gis.example.com/portal";
    let with = |name: &str, kind, url: &str, method, edit: &dyn Fn(&mut ProfileDraft)| {
        let mut draft = ProfileDraft::new(name, kind, url, method);
        draft.ca_file = Some(ca.to_owned());
        edit(&mut draft);
        draft
    };
    vec![
        with(
            "online-pkce-any-port",
            SiteKind::ArcgisOnline,
            "https://myorg.maps.arcgis.com",
            SignInMethod::BrowserPkce,
            &|d| d.client_id = Some("onlineApp1".into()),
        ),
        with(
            "pkce-fixed-port",
            SiteKind::EnterprisePortal,
            portal,
            SignInMethod::BrowserPkce,
            &|d| {
                d.client_id = Some("fixedApp".into());
                d.redirect_uri = Some(RedirectUri::parse("http://127.0.0.1:8765/cb").unwrap());
                d.expiration = TokenLifetime::never();
                d.header = PreferredHeader::XEsriAuthorization;
            },
        ),
        with(
            "oob",
            SiteKind::EnterprisePortal,
            portal,
            SignInMethod::OutOfBand,
            &|d| d.client_id = Some("oobApp".into()),
        ),
        with(
            "api-key",
            SiteKind::EnterprisePortal,
            portal,
            SignInMethod::ApiKey,
            &|d| d.referer = Some("https://app.example.com".into()),
        ),
        with(
            "app-credentials",
            SiteKind::EnterprisePortal,
            portal,
            SignInMethod::AppCredentials,
            &|d| {
                d.client_id = Some("machineApp".into());
                d.expiration = TokenLifetime::try_from(120).unwrap();
            },
        ),
        with(
            "portal-password",
            SiteKind::EnterprisePortal,
            portal,
            SignInMethod::PortalPassword,
            &|d| {
                d.referer = Some("https://viewer.example.com".into());
                d.token_binding = Some(TokenBinding::Referer);
                d.expiration = TokenLifetime::try_from(60).unwrap();
            },
        ),
        with(
            "server-admin",
            SiteKind::ArcgisServer,
            "https://gis.example.com/arcgis",
            SignInMethod::ServerPassword,
            &|d| {
                d.username = Some("siteadmin".into());
                d.token_binding = Some(TokenBinding::RequestIp);
                d.server_admin = true;
                d.expiration = TokenLifetime::try_from(30).unwrap();
            },
        ),
    ]
}

#[test]
fn export_then_import_round_trips_every_kind_and_method_with_a_private_ca() {
    let admin = Home::new();
    let ca = admin.path("private-ca.pem");
    let pem = private_ca();
    std::fs::write(&ca, &pem).unwrap();
    let originals = every_kind_and_method(&ca);
    for draft in &originals {
        admin.add(draft.clone());
    }
    let team_file = admin.path("team.toml");
    let mut args = vec!["profile", "export"];
    let names: Vec<String> = originals.iter().map(|d| d.name.clone()).collect();
    args.extend(names.iter().map(String::as_str));
    args.extend(["--file", team_file.to_str().unwrap()]);
    let out = admin.run(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = std::fs::read_to_string(&team_file).unwrap();
    assert!(
        text.contains("format = \"tokendesk-team-profiles\""),
        "{text}"
    );
    assert!(
        !text.contains("siteadmin"),
        "user names stay with their owner: {text}"
    );
    assert!(
        !text.contains("private-ca.pem"),
        "the CA travels as text: {text}"
    );

    let analyst = Home::new();
    let out = analyst.run(&["profile", "import", team_file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for name in &names {
        assert!(
            stderr(&out).contains(&format!("add: {name} ")),
            "import shows what it adds: {}",
            stderr(&out)
        );
    }
    let imported = analyst.drafts();
    assert_eq!(imported.len(), originals.len());
    for (original, imported) in originals.iter().zip(&imported) {
        let ca_file = imported.ca_file.clone().expect("the CA came along");
        assert!(
            ca_file.starts_with(analyst.path("data")),
            "{}",
            ca_file.display()
        );
        assert_eq!(
            std::fs::read_to_string(&ca_file).unwrap().trim(),
            pem.trim()
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&ca_file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // What `profile add` stores for the original, but for the CA file's place and the
        // user name (each person's own).
        let (store, _) = ProfileStore::open(&admin.paths()).unwrap();
        let mut expected = store.get(&original.name).unwrap().draft();
        expected.ca_file = Some(ca_file);
        expected.username = None;
        assert_eq!(imported, &expected);
    }
}

/// Imports `text` into a home that has one profile `taken`, and checks the import fails
/// with exit 2, says `words`, and leaves `profiles.toml` byte-identical and no CA behind.
fn assert_refused(text: &[u8], words: &[&str]) {
    let home = Home::new();
    home.add({
        let mut d = ProfileDraft::new(
            "taken",
            SiteKind::EnterprisePortal,
            "https://gis.example.com/portal",
            SignInMethod::BrowserPkce,
        );
        d.client_id = Some("abc".into());
        d
    });
    let before = std::fs::read(home.profiles_file()).unwrap();
    let file = home.path("team.toml");
    std::fs::write(&file, text).unwrap();
    let out = home.run(&["profile", "import", file.to_str().unwrap()]);
    let said = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{said}");
    for word in words {
        assert!(said.contains(word), "says `{word}`: {said}");
    }
    assert!(said.contains("nothing was imported") || said.contains("Nothing was imported"));
    assert_eq!(std::fs::read(home.profiles_file()).unwrap(), before);
    assert!(!home.path("data").join("ca").exists(), "no CA was written");
}

fn team(profiles: &str) -> Vec<u8> {
    format!("format = \"tokendesk-team-profiles\"\nversion = 1\n\n{profiles}").into_bytes()
}

const GOOD: &str = "[[profile]]\nname = \"good\"\nkind = \"enterprise_portal\"\n\
                    url = \"https://gis.example.com/portal\"\nmethod = \"browser_pkce\"\n\
                    client_id = \"abc\"\n\n";

#[test]
fn a_team_file_with_a_field_the_format_does_not_know_changes_nothing() {
    let text = team(&format!(
        "{GOOD}[[profile]]\nname = \"sneaky\"\nkind = \"enterprise_portal\"\n\
         url = \"https://gis.example.com/portal\"\nmethod = \"app_credentials\"\n\
         client_id = \"abc\"\nclient_secret = \"s3cr3t-value\"\n"
    ));
    assert_refused(&text, &["unknown field `client_secret`", "line 17"]);
}

#[test]
fn a_ten_megabyte_team_file_is_refused_without_being_read_whole() {
    let mut text = team(GOOD);
    text.extend(std::iter::repeat_n(b'#', 10 * 1024 * 1024));
    assert_refused(&text, &["larger than 1048576 bytes"]);
}

#[test]
fn a_team_file_naming_a_site_by_file_or_plain_http_changes_nothing() {
    for url in ["file:///etc/passwd", "http://gis.example.com/portal"] {
        let text = team(&GOOD.replace("https://gis.example.com/portal", url));
        assert_refused(&text, &["not an https:// address", "`good`"]);
    }
}

#[test]
fn a_team_file_whose_name_clashes_changes_nothing_and_says_how_to_replace() {
    let text = team(&format!("{GOOD}{}", GOOD.replace("\"good\"", "\"Taken\"")));
    assert_refused(&text, &["`Taken` exists already", "--replace"]);
}

#[test]
fn a_team_file_with_a_bad_certificate_or_a_private_key_changes_nothing() {
    let bad = format!("{GOOD}ca_certificate = \"\"\"\nnot a certificate\n\"\"\"\n");
    assert_refused(&team(&bad), &["ca_certificate", "no PEM certificate"]);
    let garbled = format!(
        "{GOOD}ca_certificate = \"\"\"\n-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n\"\"\"\n"
    );
    assert_refused(&team(&garbled), &["ca_certificate", "not valid PEM"]);
    let key = format!(
        "{GOOD}ca_certificate = \"\"\"\n{}-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n\"\"\"\n",
        private_ca()
    );
    assert_refused(&team(&key), &["private key"]);
}

#[test]
fn a_team_file_with_one_invalid_profile_imports_none_of_them() {
    let text = team(&format!(
        "{GOOD}[[profile]]\nname = \"no-client\"\nkind = \"enterprise_portal\"\n\
         url = \"https://gis.example.com/portal\"\nmethod = \"out_of_band\"\n"
    ));
    assert_refused(&text, &["`no-client`", "needs a client_id"]);
}

#[test]
fn a_file_that_is_not_a_team_file_is_named_as_such() {
    assert_refused(
        b"schema_version = 1\n",
        &["not a TokenDesk team profile file"],
    );
    assert_refused(b"\xff\xfe", &["not UTF-8"]);
}

#[test]
fn an_address_instead_of_a_file_is_refused_without_downloading() {
    let home = Home::new();
    let out = home.run(&["profile", "import", "https://evil.example.com/team.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("does not download"),
        "{}",
        stderr(&out)
    );
    assert!(!home.profiles_file().exists());
}

#[test]
fn replace_updates_a_clashing_profile_and_keeps_its_id() {
    let home = Home::new();
    let mut draft = ProfileDraft::new(
        "good",
        SiteKind::EnterprisePortal,
        "https://old.example.com/portal",
        SignInMethod::BrowserPkce,
    );
    draft.client_id = Some("old".into());
    home.add(draft);
    let id_before = {
        let (store, _) = ProfileStore::open(&home.paths()).unwrap();
        store.get("good").unwrap().id().clone()
    };
    let file = home.path("team.toml");
    std::fs::write(&file, team(GOOD)).unwrap();
    let dry = home.run(&["profile", "import", file.to_str().unwrap(), "--dry-run"]);
    assert_eq!(dry.status.code(), Some(0), "{}", stderr(&dry));
    assert_eq!(home.drafts()[0].url, "https://old.example.com/portal");
    let out = home.run(&["profile", "import", file.to_str().unwrap(), "--replace"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("replace: good"), "{}", stderr(&out));
    let (store, _) = ProfileStore::open(&home.paths()).unwrap();
    let profile = store.get("good").unwrap();
    assert_eq!(profile.id(), &id_before);
    assert_eq!(profile.url(), "https://gis.example.com/portal");
    assert_eq!(profile.client_id(), Some("abc"));
}

#[cfg(feature = "system-tests")]
mod signed_in {
    use crate::common::cli::Cli;

    #[tokio::test]
    async fn an_exported_file_holds_none_of_the_secrets_of_a_signed_in_session() {
        let cli = Cli::start(&[]).await;
        cli.signed_in("demo").await;
        cli.add_profile("oob", &["--method", "oob"]).await;
        let token = cli.token("demo", &[]).await;
        let refresh = cli.refresh_token("demo").await;
        let stored = cli
            .stored_access_token("demo")
            .await
            .expect("a stored token");
        // The exported file goes into the data dir, which the final scan searches too.
        let file = cli.data_dir().join("team.toml");
        let run = cli
            .run(&[
                "profile",
                "export",
                "demo",
                "oob",
                "--file",
                file.to_str().unwrap(),
            ])
            .await;
        run.ok();
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(text.contains("-----BEGIN CERTIFICATE-----"), "{text}");
        assert!(text.contains("tokendesk-demo"), "the client id: {text}");
        for secret in [&token, &refresh, &stored] {
            assert!(!text.contains(secret.as_str()), "a secret in the team file");
        }
        assert!(cli.secret_count() >= 4);
        cli.assert_no_secret_leaked();
    }
}
