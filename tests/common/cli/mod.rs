//! Harness for black-box tests of the `tokendesk` binary (docs: /work/notes/cli-contract.md).
//!
//! One [`Cli`] is one throw-away world: a temp home (config, data and cache dirs under one
//! `TempDir`), the demo portal as a child process (`tokendesk demo-portal`, HTTPS, its CA in
//! the temp home, analyst's password replaced by [`PASSWORD`] so it can be searched for), and
//! a runner for `tokendesk` subcommands with that environment, `TOKENDESK_LOG=debug`, and
//! `tests/browser` first on PATH (the stand-in `xdg-open` that plays the browser).
//!
//! Every secret a test sees (tokens printed by `token`/`header`, refresh tokens read from the
//! keyring, the password, out-of-band codes) is recorded; [`Cli::assert_no_secret_leaked`]
//! searches for each one in every file under the three dirs, in every captured stdout/stderr
//! (except the stdout of a successful `token`/`header`, which is meant to carry it) and in the
//! stand-in browser's log.
//!
//! The keyring is the throw-away gnome-keyring of `scripts/with-test-session`.
//!
//! | file       | what                                                                     |
//! |------------|--------------------------------------------------------------------------|
//! | `mod.rs`   | [`Cli`]: the temp home, the portal, profiles, sign-in, portal checks      |
//! | `process`  | running `tokendesk`: invocation, live outputs, the finished run          |
//! | `scan`     | files under a dir, command lines of running processes                    |
//! | `proxy`    | an HTTPS proxy that cuts token answers short (a fault the portal lacks)  |
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod process;
pub mod proxy;
pub mod scan;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use reqwest::redirect::Policy;
use serde_json::{Value, json};
use tokendesk::secret::Secret;
use tokendesk::store::{
    EncryptedFileStore, Paths, ProfileId, ProfileStore, SecretKind, SecretStore, open_keyring,
};
use tokio::process::{Child, Command};
use tokio::time::timeout;

use process::{Invocation, Run};
use scan::{contains, files_under};

/// Upper bound for any single command or wait.
pub const BOUND: Duration = Duration::from_secs(90);
/// The demo portal user the stand-in browser signs in as.
pub const USER: &str = "analyst";
/// analyst's password in the tests' seed: distinct from every other value, so a leak shows.
pub const PASSWORD: &str = "cli-test-password-Zq81vK";
/// The demo portal's public PKCE app.
pub const APP: &str = "tokendesk-demo";
/// The canonical path of the token endpoint (fault rules, request counts).
pub const TOKEN_PATH: &str = "/portal/sharing/rest/oauth2/token";

/// The `tokendesk` binary under test.
pub fn exe() -> &'static str {
    env!("CARGO_BIN_EXE_tokendesk")
}

/// `tests/browser`, where the stand-in `xdg-open` lives.
pub fn stand_in_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser")
}

/// The keyring tests write to the session's keyring: make sure it is the throw-away one.
pub fn in_test_session() {
    assert!(
        std::env::var_os("TOKENDESK_TEST_SESSION").is_some(),
        "run these system tests through scripts/with-test-session (a private D-Bus session \
         with a throw-away gnome-keyring), not against your own keyring"
    );
}

/// A captured output the final scan searches.
#[derive(Debug, Clone)]
struct Log {
    what: String,
    text: String,
}

/// The test world: temp home, demo portal, runner, secret collector.
pub struct Cli {
    pub home: tempfile::TempDir,
    portal: Child,
    /// `https://127.0.0.1:PORT/portal/sharing/rest`
    pub portal_url: String,
    /// `https://127.0.0.1:PORT`
    pub origin: String,
    /// The demo portal's CA (PEM file).
    pub ca: PathBuf,
    /// HTTPS client trusting only the portal's CA, not following redirects.
    pub http: reqwest::Client,
    secrets: Mutex<BTreeSet<String>>,
    logs: Mutex<Vec<Log>>,
    /// Environment changes for every `tokendesk` run (`None` removes the variable).
    env: Mutex<Vec<(String, Option<std::ffi::OsString>)>>,
    /// Where the kit itself reads secrets (the tier the runs use).
    reader: Mutex<SecretReader>,
}

/// Where the kit reads a profile's secrets from: the tier the test's runs use.
#[derive(Debug, Clone)]
pub enum SecretReader {
    /// The test session's keyring.
    Keyring,
    /// The kernel's key store.
    Kernel,
    /// The encrypted file, with its passphrase.
    EncryptedFile { file: PathBuf, passphrase: String },
}

impl SecretReader {
    /// The store, opened.
    pub fn open(&self) -> Box<dyn SecretStore> {
        match self {
            Self::Keyring => Box::new(open_keyring().unwrap()),
            Self::Kernel => Box::new(tokendesk::store::kernel::open_kernel().unwrap()),
            Self::EncryptedFile { file, passphrase } => {
                Box::new(EncryptedFileStore::open(file, Secret::new(passphrase.clone())).unwrap())
            }
        }
    }
}

impl Cli {
    /// A temp home and a demo portal started with `portal_args` (e.g.
    /// `["--access-token-seconds", "20"]`).
    pub async fn start(portal_args: &[&str]) -> Self {
        in_test_session();
        let home = tempfile::tempdir().unwrap();
        let ca = home.path().join("ca.pem");
        let seed = home.path().join("seed.toml");
        let example = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/assets/demo-portal.example.toml"
        ))
        .unwrap();
        let with_password = example.replacen(
            "password = \"tokendesk-demo\"",
            &format!("password = \"{PASSWORD}\""),
            1,
        );
        assert_ne!(with_password, example, "the seed sets analyst's password");
        std::fs::write(&seed, with_password).unwrap();

        let mut portal = Command::new(exe())
            .arg("demo-portal")
            .args(["--listen", "127.0.0.1:0", "--ca-out"])
            .arg(&ca)
            .arg("--config")
            .arg(&seed)
            .args(portal_args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let stdout = portal.stdout.take().unwrap();
        let mut lines = tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(stdout));
        let mut portal_url = None;
        timeout(BOUND, async {
            while let Some(line) = lines.next_line().await.unwrap() {
                if let Some(url) = line.strip_prefix("portal ") {
                    portal_url = Some(url.to_owned());
                }
                if line == "ready" {
                    return;
                }
            }
            panic!("the demo portal ended before `ready`");
        })
        .await
        .expect("the demo portal says `ready` within the bound");
        // Keep draining stdout so the portal never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let portal_url = portal_url.expect("a `portal URL` line");
        let origin = portal_url
            .strip_suffix("/portal/sharing/rest")
            .unwrap()
            .to_owned();
        let pem = std::fs::read_to_string(&ca).unwrap();
        let http = reqwest::Client::builder()
            .tls_certs_only([reqwest::Certificate::from_pem(pem.as_bytes()).unwrap()])
            .no_proxy()
            .redirect(Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        let cli = Self {
            home,
            portal,
            portal_url,
            origin,
            ca,
            http,
            secrets: Mutex::default(),
            logs: Mutex::default(),
            env: Mutex::default(),
            reader: Mutex::new(SecretReader::Keyring),
        };
        cli.secret(PASSWORD);
        cli
    }

    // ----- the three dirs -------------------------------------------------------------

    pub fn config_dir(&self) -> PathBuf {
        self.home.path().join("config")
    }
    pub fn data_dir(&self) -> PathBuf {
        self.home.path().join("data")
    }
    pub fn cache_dir(&self) -> PathBuf {
        self.home.path().join("cache")
    }
    pub fn paths(&self) -> Paths {
        Paths::new(self.config_dir(), self.data_dir(), self.cache_dir())
    }
    /// The stand-in browser's log (absent until it ran).
    pub fn browser_log_file(&self) -> PathBuf {
        self.home.path().join("browser.log")
    }
    /// Where the stand-in writes the out-of-band page's `SUCCESS code=…` line.
    pub fn code_file(&self) -> PathBuf {
        self.home.path().join("oob-code.txt")
    }

    /// The stand-in's log so far ("" when it never ran).
    pub fn browser_log(&self) -> String {
        std::fs::read_to_string(self.browser_log_file()).unwrap_or_default()
    }

    /// How many times the stand-in browser was opened.
    pub fn browser_visits(&self) -> usize {
        self.browser_log()
            .lines()
            .filter(|l| l.starts_with("opening "))
            .count()
    }

    // ----- running tokendesk ----------------------------------------------------------

    /// Sets `name` for every later `tokendesk` run of this world.
    pub fn set_env(&self, name: &str, value: impl Into<std::ffi::OsString>) {
        self.env
            .lock()
            .unwrap()
            .push((name.to_owned(), Some(value.into())));
    }

    /// Removes `name` from the environment of every later `tokendesk` run.
    pub fn remove_env(&self, name: &str) {
        self.env.lock().unwrap().push((name.to_owned(), None));
    }

    /// Reads secrets from `reader` from now on (the tier the runs use).
    pub fn read_secrets_from(&self, reader: SecretReader) {
        *self.reader.lock().unwrap() = reader;
    }

    /// A `tokendesk ARGS` invocation with the test environment (browser action: approve).
    pub fn tokendesk(&self, args: &[&str]) -> Invocation<'_> {
        self.tokendesk_via(&[], args)
    }

    /// `WRAPPER… tokendesk ARGS` (e.g. a script that prepares the keyring first), with the
    /// test environment.
    pub fn tokendesk_via(&self, wrapper: &[&str], args: &[&str]) -> Invocation<'_> {
        let mut command = match wrapper.split_first() {
            Some((program, rest)) => {
                let mut command = Command::new(program);
                command.args(rest).arg(exe());
                command
            }
            None => Command::new(exe()),
        };
        let path = std::env::join_paths(
            std::iter::once(stand_in_dir())
                .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
        )
        .unwrap();
        command
            .args(args)
            .env("TOKENDESK_CONFIG_DIR", self.config_dir())
            .env("TOKENDESK_DATA_DIR", self.data_dir())
            .env("TOKENDESK_CACHE_DIR", self.cache_dir())
            .env("TOKENDESK_LOG", "debug")
            .env("PATH", path)
            .env("TOKENDESK_TEST_CA", &self.ca)
            .env("TOKENDESK_TEST_USER", USER)
            .env("TOKENDESK_TEST_PASSWORD", PASSWORD)
            .env("TOKENDESK_TEST_BROWSER_ACTION", "approve")
            .env("TOKENDESK_TEST_BROWSER_LOG", self.browser_log_file())
            .env("TOKENDESK_TEST_BROWSER_CODE_OUT", self.code_file())
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("BROWSER")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        for (name, value) in self.env.lock().unwrap().iter() {
            match value {
                Some(value) => command.env(name, value),
                None => command.env_remove(name),
            };
        }
        Invocation {
            cli: self,
            command,
            args: args.iter().map(|a| (*a).to_owned()).collect(),
        }
    }

    /// Runs `tokendesk ARGS` to the end (bounded).
    pub async fn run(&self, args: &[&str]) -> Run {
        self.tokendesk(args).run().await
    }

    fn record_log(&self, what: String, text: &str) {
        self.logs.lock().unwrap().push(Log {
            what,
            text: text.to_owned(),
        });
    }

    /// Records a run's outputs for the final scan; the stdout of a successful `token` or
    /// `header` carries a token by design and is recorded as a secret instead (unless it is
    /// empty: `--for` a server that needs no token).
    fn record_run(&self, run: &Run) {
        let name = run.args.join(" ");
        self.record_log(format!("stderr of `tokendesk {name}`"), &run.stderr);
        let first = run.args.first().map(String::as_str);
        let carries_token = matches!(first, Some("token" | "header"))
            && run.code == Some(0)
            && !run.stdout.trim().is_empty();
        if first == Some("exec") {
            // The command's own output, which the tests make print the token on purpose.
            return;
        }
        if carries_token && run.args.iter().any(|a| a == "--json") {
            let value: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
            if let Some(token) = value["token"].as_str() {
                self.secret(token);
            }
        } else if carries_token {
            // The first line: `header --with-referer` adds a `Referer: …` line after it.
            let line = run.stdout.lines().next().unwrap_or_default().trim_end();
            let token = line.rsplit(' ').next().unwrap_or(line);
            self.secret(token);
        } else {
            self.record_log(format!("stdout of `tokendesk {name}`"), &run.stdout);
        }
    }

    // ----- profiles and sign-in -----------------------------------------------------

    /// `profile add NAME --url <portal> --client-id tokendesk-demo --ca-file <ca> EXTRA…`
    pub async fn add_profile(&self, name: &str, extra: &[&str]) -> Run {
        let ca = self.ca.to_str().unwrap().to_owned();
        let mut args = vec![
            "profile",
            "add",
            name,
            "--url",
            &self.portal_url,
            "--client-id",
            APP,
            "--ca-file",
            &ca,
        ];
        args.extend_from_slice(extra);
        let run = self.run(&args).await;
        run.ok();
        run
    }

    /// Adds profile `name` and signs in through the stand-in browser (approve).
    pub async fn signed_in(&self, name: &str) -> Run {
        self.add_profile(name, &[]).await;
        self.login(name).await
    }

    /// `login NAME --timeout 60` with the stand-in approving; asserts success.
    pub async fn login(&self, name: &str) -> Run {
        let run = self.run(&["login", name, "--timeout", "60"]).await;
        run.ok().says(&["signed in", USER]);
        run
    }

    /// `token NAME EXTRA…`: asserts exit 0 and exactly one line; returns the token.
    pub async fn token(&self, name: &str, extra: &[&str]) -> String {
        let mut args = vec!["token", name];
        args.extend_from_slice(extra);
        let run = self.run(&args).await;
        run.ok();
        let token = run.single_line();
        assert!(
            !token.contains(' ') && token.len() >= 16,
            "the line is a bare token: {run}"
        );
        token
    }

    /// `status NAME --json`, parsed; asserts every contract key is present.
    pub async fn status(&self, name: &str) -> Value {
        let run = self.run(&["status", name, "--json"]).await;
        run.ok();
        let status: Value = serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("status --json prints JSON ({e}): {run}"));
        assert_status_shape(&status);
        status
    }

    // ----- secrets -----------------------------------------------------------------

    /// Records a secret value for the final scan.
    pub fn secret(&self, value: &str) {
        assert!(value.len() >= 8, "a secret worth searching for");
        self.secrets.lock().unwrap().insert(value.to_owned());
    }

    /// How many secrets were recorded (tests check the scan covers something).
    pub fn secret_count(&self) -> usize {
        self.secrets.lock().unwrap().len()
    }

    /// A profile's secret read from the keyring through the library (recorded).
    pub async fn keyring_secret(&self, profile: &str, kind: SecretKind) -> Option<String> {
        let paths = self.paths();
        let profile = profile.to_owned();
        let reader = self.reader.lock().unwrap().clone();
        let value = tokio::task::spawn_blocking(move || {
            let (store, _) = ProfileStore::open(&paths).unwrap();
            let id = store.get(&profile).unwrap().id().clone();
            let keyring = reader.open();
            keyring.get(&id, kind).unwrap().map(|s| s.expose().clone())
        })
        .await
        .unwrap();
        if let Some(value) = &value {
            self.secret(value);
        }
        value
    }

    /// The id of profile `name` (its keyring entries are keyed by it).
    pub fn profile_id(&self, name: &str) -> ProfileId {
        let (store, _) = ProfileStore::open(&self.paths()).unwrap();
        store.get(name).unwrap().id().clone()
    }

    /// Which kinds of secret the keyring still holds for profile `id`.
    pub async fn secrets_left(id: ProfileId) -> Vec<SecretKind> {
        Self::secrets_left_in(SecretReader::Keyring, id).await
    }

    /// Which kinds of secret `reader`'s store still holds for profile `id`.
    pub async fn secrets_left_in(reader: SecretReader, id: ProfileId) -> Vec<SecretKind> {
        tokio::task::spawn_blocking(move || {
            let keyring = reader.open();
            SecretKind::ALL
                .into_iter()
                .filter(|kind| keyring.get(&id, *kind).unwrap().is_some())
                .collect()
        })
        .await
        .unwrap()
    }

    /// The profile's refresh token from the keyring (asserting there is one). The value is
    /// either the bare token or a JSON record with a `refresh_token` field (the engine keeps
    /// its session facts next to the token); the token itself is recorded as well.
    pub async fn refresh_token(&self, profile: &str) -> String {
        let value = self
            .keyring_secret(profile, SecretKind::RefreshToken)
            .await
            .expect("a signed-in profile has a refresh token in the keyring");
        let token = token_in(&value, "refresh_token");
        self.secret(&token);
        token
    }

    /// The profile's stored access token (bare, or the `token` of a JSON record), recorded.
    pub async fn stored_access_token(&self, profile: &str) -> Option<String> {
        let value = self
            .keyring_secret(profile, SecretKind::AccessToken)
            .await?;
        let token = token_in(&value, "token");
        self.secret(&token);
        Some(token)
    }

    /// Searches every recorded secret in the files under the three dirs, in every captured
    /// output (but a successful `token`/`header` stdout) and in the stand-in's log.
    pub fn assert_no_secret_leaked(&self) {
        let secrets = self.secrets.lock().unwrap().clone();
        assert!(!secrets.is_empty());
        let mut places: Vec<(String, Vec<u8>)> = Vec::new();
        for dir in [self.config_dir(), self.data_dir(), self.cache_dir()] {
            for file in files_under(&dir) {
                let bytes = std::fs::read(&file).unwrap_or_default();
                places.push((format!("file {}", file.display()), bytes));
            }
        }
        for log in self.logs.lock().unwrap().iter() {
            places.push((log.what.clone(), log.text.clone().into_bytes()));
        }
        places.push((
            "the stand-in browser's log".to_owned(),
            self.browser_log().into_bytes(),
        ));
        for secret in &secrets {
            for (place, bytes) in &places {
                assert!(
                    !contains(bytes, secret.as_bytes()),
                    "a secret ({}…, {} chars) appears in {place}",
                    &secret[..4],
                    secret.len()
                );
            }
        }
    }

    // ----- the portal ----------------------------------------------------------------

    /// `community/self` with the token as `X-Esri-Authorization: Bearer`.
    pub async fn community_self(&self, token: &str) -> Value {
        self.http
            .get(format!("{}/community/self", self.portal_url))
            .query(&[("f", "json")])
            .header("X-Esri-Authorization", format!("Bearer {token}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// GETs the protected service with `name: value`; returns the JSON answer.
    pub async fn service_with(&self, name: &str, value: &str) -> Value {
        self.http
            .get(format!(
                "{}/server/rest/services/Demo/MapServer",
                self.origin
            ))
            .query(&[("f", "json")])
            .header(name, value)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Asserts the token works on the protected service and on community/self (as analyst).
    pub async fn assert_token_works(&self, token: &str) {
        let service = self
            .service_with("X-Esri-Authorization", &format!("Bearer {token}"))
            .await;
        assert!(
            service.get("error").is_none(),
            "the protected service refuses the token: {service}"
        );
        let me = self.community_self(token).await;
        assert_eq!(me["username"], USER, "community/self: {me}");
    }

    /// Asserts the portal refuses the token (498 error envelope).
    pub async fn assert_token_refused(&self, token: &str) {
        let me = self.community_self(token).await;
        assert_eq!(me["error"]["code"], 498, "community/self: {me}");
    }

    /// Tries a refresh token on the portal (grant refresh_token): true when it still works.
    pub async fn refresh_token_works(&self, refresh_token: &str) -> bool {
        let answer: Value = self
            .http
            .post(format!("{}/oauth2/token", self.portal_url))
            .form(&[
                ("client_id", APP),
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token),
                ("f", "json"),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if let Some(token) = answer["access_token"].as_str() {
            self.secret(token);
            true
        } else {
            false
        }
    }

    /// Revokes a refresh token on the portal, as a portal admin or the user elsewhere would.
    pub async fn revoke(&self, refresh_token: &str) {
        assert!(
            self.refresh_token_works(refresh_token).await,
            "the refresh token works before it is revoked"
        );
        let answer: Value = self
            .http
            .post(format!("{}/oauth2/revokeToken", self.portal_url))
            .form(&[
                ("client_id", APP),
                ("auth_token", refresh_token),
                ("f", "json"),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(answer["success"], true, "{answer}");
        assert!(!self.refresh_token_works(refresh_token).await);
    }

    async fn admin(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self
            .http
            .request(method, format!("{}/__admin/{path}", self.origin));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200, "admin {path}");
        response.json().await.unwrap_or(Value::Null)
    }

    /// Moves the portal's clock forward.
    pub async fn advance_portal_clock(&self, seconds: i64) {
        self.admin(
            reqwest::Method::POST,
            "clock/advance",
            Some(json!({ "seconds": seconds })),
        )
        .await;
    }

    /// Adds a fault rule (see docs/demo-portal.md).
    pub async fn add_fault(&self, rule: Value) {
        self.admin(reqwest::Method::POST, "faults", Some(rule))
            .await;
    }

    /// Removes every fault rule.
    pub async fn clear_faults(&self) {
        self.admin(reqwest::Method::DELETE, "faults", None).await;
    }

    /// Resets the request counts.
    pub async fn reset_request_counts(&self) {
        self.admin(reqwest::Method::DELETE, "requests", None).await;
    }

    /// Requests to `path` since the last reset.
    pub async fn requests_to(&self, path: &str) -> u64 {
        let counts = self.admin(reqwest::Method::GET, "requests", None).await;
        counts["counts"][path].as_u64().unwrap_or(0)
    }
}

impl Cli {
    /// Stops the demo portal (bounded): the portal is unreachable from now on.
    pub async fn stop_portal(&mut self) {
        self.portal.start_kill().unwrap();
        timeout(BOUND, self.portal.wait())
            .await
            .expect("the portal ends")
            .unwrap();
    }

    /// Points profile `name` at another URL with another CA file, through the library's
    /// profile store (as editing the profile in the app would); its session stays.
    pub async fn repoint_profile(&self, name: &str, url: &str, ca: &Path) {
        let (mut store, _) = ProfileStore::open(&self.paths()).unwrap();
        let id = store.get(name).unwrap().id().clone();
        store
            .update(&id, |draft| {
                draft.url = url.to_owned();
                draft.ca_file = Some(ca.to_owned());
            })
            .unwrap();
    }

    /// A port nothing listens on right now (bound once, then released).
    pub fn free_port() -> u16 {
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    }
}

impl Drop for Cli {
    fn drop(&mut self) {
        let _ = self.portal.start_kill();
    }
}

/// Asserts a `status --json` object has every contract key, with the right types.
pub fn assert_status_shape(status: &Value) {
    let object = status
        .as_object()
        .unwrap_or_else(|| panic!("an object: {status}"));
    for key in [
        "name",
        "state",
        "user",
        "access_expires_at",
        "refresh_expires_at",
        "last_refresh_at",
        "message",
        "store",
    ] {
        assert!(object.contains_key(key), "status lacks {key:?}: {status}");
    }
    let states = [
        "signed_out",
        "valid",
        "refreshing",
        "refresh_failing",
        "needs_sign_in",
        "error",
    ];
    assert!(
        states.contains(&status["state"].as_str().unwrap_or_default()),
        "state is one of {states:?}: {status}"
    );
    for key in ["access_expires_at", "refresh_expires_at", "last_refresh_at"] {
        if let Some(text) = status[key].as_str() {
            let at = chrono::DateTime::parse_from_rfc3339(text)
                .unwrap_or_else(|e| panic!("{key} is RFC 3339 ({e}): {status}"));
            assert_eq!(at.offset().local_minus_utc(), 0, "{key} is UTC: {status}");
        } else {
            assert!(status[key].is_null(), "{key} is a string or null: {status}");
        }
    }
}

/// An RFC 3339 field of a status object as a time.
pub fn status_time(status: &Value, key: &str) -> chrono::DateTime<chrono::Utc> {
    let text = status[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} is set: {status}"));
    chrono::DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

/// `field` of a JSON object, or the value itself when it is not one.
fn token_in(value: &str, field: &str) -> String {
    serde_json::from_str::<Value>(value)
        .ok()
        .and_then(|v| v[field].as_str().map(str::to_owned))
        .unwrap_or_else(|| value.to_owned())
}

/// The first `https://…oauth2/authorize…` URL in `text` (what login prints on stderr).
pub fn authorize_url(text: &str) -> Option<url::Url> {
    text.split_whitespace()
        .map(|word| word.trim_matches(|c: char| matches!(c, '<' | '>' | '"' | '\'' | '(' | ')')))
        .filter(|word| word.starts_with("https://") && word.contains("oauth2/authorize"))
        .find_map(|word| url::Url::parse(word).ok())
}

/// The loopback port of an authorize URL's `redirect_uri`.
pub fn redirect_port(authorize: &url::Url) -> u16 {
    let redirect = authorize
        .query_pairs()
        .find(|(k, _)| k == "redirect_uri")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| panic!("no redirect_uri in {authorize}"));
    url::Url::parse(&redirect)
        .unwrap()
        .port()
        .unwrap_or_else(|| panic!("no port in {redirect}"))
}

/// Waits (bounded) until `file` has a line starting with `prefix`; returns its text.
/// The stand-in runs detached, so its log file is the only thing to wait on.
pub async fn wait_for_line(file: &Path, prefix: &str) -> String {
    let deadline = Instant::now() + BOUND;
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    loop {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        if text.lines().any(|l| l.starts_with(prefix)) {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "no `{prefix}` line in {}:\n{text}",
            file.display()
        );
        tick.tick().await;
    }
}
