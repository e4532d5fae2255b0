#![cfg(feature = "system-tests")]
//! `KeyringStore` against a real Secret Service (gnome-keyring). Run inside the private,
//! unlocked test session:
//!
//!     scripts/with-test-session cargo test --features system-tests --test store keyring::
//!
//! The no-keyring cases run `open_keyring` in a child process (this test binary again, one
//! ignored helper test) whose `DBUS_SESSION_BUS_ADDRESS` points at a socket that does not
//! exist, or at a private bus with no Secret Service on it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use tokendesk::secret::Secret;
use tokendesk::store::secrets::{SERVICE, keyring_user};
use tokendesk::store::{
    AccessTokenRecord, AsyncSecrets, KeyringUnavailable, Paths, ProfileDraft, ProfileId,
    ProfileStore, SecretKind, SecretStore, SignInMethod, SiteKind, open_keyring,
    open_keyring_within,
};

/// Tells the helper test which error to expect; absent, the helper does nothing.
const EXPECT_VAR: &str = "TOKENDESK_TEST_EXPECT_NO_KEYRING";
const CHILD_TEST: &str = "helper_open_keyring_in_a_child_without_a_keyring";

/// The keyring tests write to the session's keyring: make sure it is the throw-away one of
/// `scripts/with-test-session`, never a developer's own.
fn in_test_session() {
    assert!(
        std::env::var_os("TOKENDESK_TEST_SESSION").is_some(),
        "run the keyring system tests through scripts/with-test-session (a private D-Bus \
         session with a throw-away gnome-keyring), not against your own keyring"
    );
}

/// A value that cannot have come from an earlier run.
fn unique_secret<R>(label: &str) -> Secret<String, R> {
    Secret::new(format!("{label}-{}", ProfileId::generate()))
}

/// Reads an entry through a second, independent connection to the Secret Service.
fn read_directly(profile: &ProfileId, kind: SecretKind) -> Option<String> {
    let store = zbus_secret_service_keyring_store::Store::new().unwrap();
    let entry = keyring_core::api::CredentialStoreApi::build(
        store.as_ref(),
        SERVICE,
        &keyring_user(profile, kind),
        None,
    )
    .unwrap();
    match entry.get_password() {
        Ok(value) => Some(value),
        Err(keyring_core::Error::NoEntry) => None,
        Err(err) => panic!("reading {kind:?} directly: {err}"),
    }
}

#[test]
fn secrets_round_trip_through_the_real_keyring_one_entry_each() {
    in_test_session();
    let store = open_keyring().unwrap();
    assert!(store.is_persistent());
    let id = ProfileId::generate();
    let refresh = unique_secret("refresh");

    assert!(store.get(&id, SecretKind::RefreshToken).unwrap().is_none());
    store.set(&id, SecretKind::RefreshToken, &refresh).unwrap();
    assert_eq!(
        store.get(&id, SecretKind::RefreshToken).unwrap().unwrap(),
        refresh
    );
    assert_eq!(
        read_directly(&id, SecretKind::RefreshToken).as_deref(),
        Some(refresh.expose().as_str()),
        "stored under service tokendesk, user <id>:refresh_token"
    );

    let replaced = unique_secret("refresh-2");
    store.set(&id, SecretKind::RefreshToken, &replaced).unwrap();
    assert_eq!(
        store.get(&id, SecretKind::RefreshToken).unwrap().unwrap(),
        replaced
    );

    assert!(store.delete(&id, SecretKind::RefreshToken).unwrap());
    assert!(!store.delete(&id, SecretKind::RefreshToken).unwrap());
    assert!(store.get(&id, SecretKind::RefreshToken).unwrap().is_none());
    assert_eq!(read_directly(&id, SecretKind::RefreshToken), None);
}

#[test]
fn delete_all_removes_every_secret_of_one_profile_and_no_other() {
    in_test_session();
    let store = open_keyring().unwrap();
    let (id, other) = (ProfileId::generate(), ProfileId::generate());
    for kind in SecretKind::ALL {
        store.set(&id, kind, &unique_secret(kind.as_str())).unwrap();
    }
    let kept = unique_secret("kept");
    store.set(&other, SecretKind::RefreshToken, &kept).unwrap();

    store.delete_all(&id).unwrap();
    for kind in SecretKind::ALL {
        assert_eq!(read_directly(&id, kind), None, "{kind:?}");
    }
    assert_eq!(
        read_directly(&other, SecretKind::RefreshToken).as_deref(),
        Some(kept.expose().as_str())
    );
    store.delete_all(&other).unwrap();
}

#[tokio::test]
async fn the_async_wrapper_stores_an_access_token_record_in_the_real_keyring() {
    in_test_session();
    let store = open_keyring_within(Duration::from_secs(30)).await.unwrap();
    let secrets = AsyncSecrets::new(Arc::new(store));
    let id = ProfileId::generate();
    let record = AccessTokenRecord {
        token: unique_secret("access"),
        expires_at: chrono::DateTime::from_timestamp(1_900_000_000, 0).unwrap(),
        username: Some("analyst".to_owned()),
    };
    secrets
        .set(&id, SecretKind::AccessToken, record.to_secret())
        .await
        .unwrap();
    let read = secrets
        .get(&id, SecretKind::AccessToken)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(AccessTokenRecord::from_secret(&read).unwrap(), record);
    secrets.delete_all(&id).await.unwrap();
    assert!(
        secrets
            .get(&id, SecretKind::AccessToken)
            .await
            .unwrap()
            .is_none()
    );
}

fn files_under(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
    let Ok(read) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in read {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_under(&path, found);
        } else {
            found.push(path);
        }
    }
}

#[test]
fn a_stored_secret_appears_in_no_file_under_the_config_data_or_cache_dirs() {
    in_test_session();
    let temp = tempfile::tempdir().unwrap();
    let paths = Paths::under(temp.path());
    let (mut profiles, _) = ProfileStore::open(&paths).unwrap();
    let mut draft = ProfileDraft::new(
        "no-leak",
        SiteKind::EnterprisePortal,
        "https://gis.example.com/portal",
        SignInMethod::AppCredentials,
    );
    draft.client_id = Some("app-id".to_owned());
    let profile = profiles.add(draft).unwrap();

    let store = open_keyring().unwrap();
    let client_secret = unique_secret("client-secret");
    let refresh = unique_secret("refresh");
    store
        .set(profile.id(), SecretKind::ClientSecret, &client_secret)
        .unwrap();
    store
        .set(profile.id(), SecretKind::RefreshToken, &refresh)
        .unwrap();
    profiles
        .update(profile.id(), |d| d.name = "no-leak-renamed".to_owned())
        .unwrap();

    let mut files = Vec::new();
    for dir in [paths.config_dir(), paths.data_dir(), paths.cache_dir()] {
        files_under(dir, &mut files);
    }
    assert!(
        files.contains(&paths.profiles_file()),
        "the search covers the profiles file: {files:?}"
    );
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        for value in [&client_secret, &refresh] {
            let needle = value.expose().as_bytes();
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle),
                "a secret was written to {}",
                file.display()
            );
        }
    }
    assert_eq!(
        store
            .get(profile.id(), SecretKind::ClientSecret)
            .unwrap()
            .unwrap(),
        client_secret,
        "the renamed profile keeps its secrets"
    );
    store.delete_all(profile.id()).unwrap();
}

/// Runs the ignored helper test `test` of this binary in a child process (inside `wrapper`
/// when given) with `env` added; asserts it ran and passed, and returns what it printed.
async fn run_helper_test(wrapper: Option<&str>, test: &str, env: &[(&str, &str)]) -> String {
    let exe = std::env::current_exe().unwrap();
    let mut child = match wrapper {
        Some(wrapper) => {
            let mut child = tokio::process::Command::new(wrapper);
            child.arg(exe);
            child
        }
        None => tokio::process::Command::new(exe),
    };
    child
        .args([
            "--exact",
            &crate::common::harness_name(module_path!(), test),
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .kill_on_drop(true);
    let output = tokio::time::timeout(Duration::from_secs(60), child.output())
        .await
        .expect("the child test finishes within a minute")
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "child failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("1 passed"), "the helper ran:\n{stdout}");
    stdout
}

/// Runs the no-keyring helper test in a child process with `bus_address` as its session bus,
/// expecting `expect`; returns the error message the child printed.
async fn open_keyring_in_child(bus_address: &str, expect: &str) -> String {
    let env = [
        ("DBUS_SESSION_BUS_ADDRESS", bus_address),
        (EXPECT_VAR, expect),
    ];
    run_helper_test(None, CHILD_TEST, &env)
        .await
        .lines()
        .find_map(|line| {
            line.split_once("keyring error: ")
                .map(|(_, message)| message.to_owned())
        })
        .expect("the child printed the error")
}

#[tokio::test]
async fn without_a_session_bus_open_keyring_says_there_is_no_d_bus_session() {
    let temp = tempfile::tempdir().unwrap();
    let missing = temp.path().join("no-such-bus");
    let message = open_keyring_in_child(
        &format!("unix:path={}", missing.display()),
        "no-session-bus",
    )
    .await;
    assert!(message.contains("no D-Bus session bus"), "{message}");
    assert!(message.contains("session-only mode"), "{message}");
    assert!(message.contains("dbus-run-session"), "{message}");
}

#[tokio::test]
async fn with_a_bus_but_no_secret_service_open_keyring_says_to_install_a_keyring() {
    let temp = tempfile::tempdir().unwrap();
    // A session bus that knows no services at all.
    let bus = crate::common::bus::empty_bus(temp.path()).await;
    let message = open_keyring_in_child(&bus.address, "no-secret-service").await;
    drop(bus);
    assert!(message.contains("Secret Service"), "{message}");
    assert!(message.contains("gnome-keyring"), "{message}");
    assert!(message.contains("session-only mode"), "{message}");
}

/// Not a test on its own: the child process of the two tests above. Without
/// `TOKENDESK_TEST_EXPECT_NO_KEYRING` (i.e. when not started by them) it does nothing.
#[test]
#[ignore = "run as a child process by the no-keyring tests"]
fn helper_open_keyring_in_a_child_without_a_keyring() {
    let Some(expect) = std::env::var_os(EXPECT_VAR) else {
        return;
    };
    let err = open_keyring().expect_err("no keyring is reachable here");
    match (expect.to_str().unwrap(), &err) {
        ("no-session-bus", KeyringUnavailable::NoSessionBus { .. })
        | ("no-secret-service", KeyringUnavailable::NoSecretService { .. }) => {}
        (expected, other) => panic!("expected {expected}, got {other:?}"),
    }
    // What the window shows: what happened, then what to do (session-only mode).
    let shown = tokendesk::ui::remedy::with_remedy(&err.to_string(), Some(&err.remedy()));
    println!("keyring error: {shown}");
}

/// Tells [`helper_keep_using_the_keyring_across_a_daemon_restart`] to run.
const RESTART_VAR: &str = "TOKENDESK_TEST_KEYRING_RESTART";
const RESTART_CHILD_TEST: &str = "helper_keep_using_the_keyring_across_a_daemon_restart";

/// The process holding `name` on the session bus, or `None` when nobody does.
fn bus_name_owner(name: &str) -> Option<i32> {
    let output = std::process::Command::new("dbus-send")
        .args([
            "--session",
            "--print-reply=literal",
            "--dest=org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.GetConnectionUnixProcessID",
            &format!("string:{name}"),
        ])
        .stderr(Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    output
        .status
        .success()
        .then(|| text.split_whitespace().last()?.parse().ok())
        .flatten()
}

#[tokio::test]
async fn a_keyring_store_opened_before_the_keyring_daemon_restarted_keeps_reading_and_writing() {
    in_test_session();
    // A session of its own: aborting the shared daemon would fail other tests' requests.
    let session = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/with-test-session");
    run_helper_test(Some(session), RESTART_CHILD_TEST, &[(RESTART_VAR, "1")]).await;
}

/// Not a test on its own: the child process of the test above, in a session of its own.
/// Without `TOKENDESK_TEST_KEYRING_RESTART` it does nothing.
#[test]
#[ignore = "run as a child process by the keyring restart test"]
fn helper_keep_using_the_keyring_across_a_daemon_restart() {
    if std::env::var_os(RESTART_VAR).is_none() {
        return;
    }
    let store = open_keyring().unwrap();
    let profile = ProfileId::generate();
    let before = unique_secret("before");
    store
        .set(&profile, SecretKind::RefreshToken, &before)
        .unwrap();

    // What gnome-keyring's upstream race does to it: an abort. The session's bus starts a
    // daemon again on the next request (scripts/with-test-session).
    let first = bus_name_owner("org.freedesktop.secrets").expect("a daemon holds the name");
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(first).unwrap(),
        rustix::process::Signal::ABORT,
    )
    .unwrap();
    let gone = (0..200).any(|_| {
        std::thread::sleep(Duration::from_millis(25));
        bus_name_owner("org.freedesktop.secrets").is_none()
    });
    assert!(gone, "the aborted daemon let go of its name within 5 s");

    let read = store.get(&profile, SecretKind::RefreshToken);
    assert_eq!(read.unwrap().unwrap(), before);
    let after = unique_secret("after");
    store
        .set(&profile, SecretKind::RefreshToken, &after)
        .unwrap();
    assert_eq!(
        read_directly(&profile, SecretKind::RefreshToken).as_deref(),
        Some(after.expose().as_str())
    );
    let then = bus_name_owner("org.freedesktop.secrets").expect("a daemon holds the name again");
    assert_ne!(first, then, "another daemon answered");
    store.delete_all(&profile).unwrap();
}
