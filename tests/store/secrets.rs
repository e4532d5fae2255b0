//! Secrets without a real keyring: `MemoryStore`, `KeyringStore` over keyring-core's mock
//! store (entry naming and error mapping), and the async wrapper's timeout.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use keyring_core::{CredentialStore, Error as KeyringError};
use tokendesk::secret::Secret;
use tokendesk::store::secrets::{SERVICE, keyring_user};
use tokendesk::store::{
    AsyncSecrets, KeyringStore, MemoryStore, ProfileId, SecretError, SecretKind, SecretStore,
};

fn secret(value: &str) -> Secret<String> {
    Secret::new(value.to_owned())
}

fn exposed(value: Option<Secret<String>>) -> Option<String> {
    value.map(Secret::expose_owned)
}

/// The behaviour every `SecretStore` must have.
fn check_store_semantics(store: &dyn SecretStore) {
    let (a, b) = (ProfileId::generate(), ProfileId::generate());
    assert_eq!(
        exposed(store.get(&a, SecretKind::RefreshToken).unwrap()),
        None
    );

    store
        .set(&a, SecretKind::RefreshToken, &secret("r1"))
        .unwrap();
    store.set(&a, SecretKind::Password, &secret("pw")).unwrap();
    store
        .set(&b, SecretKind::RefreshToken, &secret("other"))
        .unwrap();
    assert_eq!(
        exposed(store.get(&a, SecretKind::RefreshToken).unwrap()).as_deref(),
        Some("r1")
    );

    store
        .set(&a, SecretKind::RefreshToken, &secret("r2"))
        .unwrap();
    assert_eq!(
        exposed(store.get(&a, SecretKind::RefreshToken).unwrap()).as_deref(),
        Some("r2"),
        "set replaces"
    );

    assert!(store.delete(&a, SecretKind::RefreshToken).unwrap());
    assert!(
        !store.delete(&a, SecretKind::RefreshToken).unwrap(),
        "already gone"
    );
    assert_eq!(
        exposed(store.get(&a, SecretKind::RefreshToken).unwrap()),
        None
    );

    store.set(&a, SecretKind::ApiKey, &secret("key")).unwrap();
    store.delete_all(&a).unwrap();
    for kind in SecretKind::ALL {
        assert_eq!(exposed(store.get(&a, kind).unwrap()), None, "{kind:?}");
    }
    assert_eq!(
        exposed(store.get(&b, SecretKind::RefreshToken).unwrap()).as_deref(),
        Some("other"),
        "other profiles keep their secrets"
    );
}

#[test]
fn the_memory_store_keeps_replaces_and_deletes_secrets_per_profile_and_kind() {
    let store = MemoryStore::new();
    check_store_semantics(&store);
    assert!(!store.is_persistent(), "session-only mode must be visible");
}

#[test]
fn debug_of_the_memory_store_never_shows_a_secret() {
    let store = MemoryStore::new();
    store
        .set(
            &ProfileId::generate(),
            SecretKind::RefreshToken,
            &secret("hunter2-token"),
        )
        .unwrap();
    let debug = format!("{store:?}");
    assert!(!debug.contains("hunter2-token"), "{debug}");
    assert!(debug.contains("[redacted]"), "{debug}");
}

fn mock_keyring() -> (Arc<CredentialStore>, KeyringStore) {
    let mock: Arc<CredentialStore> = keyring_core::mock::Store::new().unwrap();
    (Arc::clone(&mock), KeyringStore::new(mock))
}

#[test]
fn the_keyring_store_has_the_same_semantics_over_keyring_core() {
    let (_, store) = mock_keyring();
    check_store_semantics(&store);
    assert!(store.is_persistent());
}

#[test]
fn each_secret_is_one_entry_under_service_tokendesk_and_user_id_colon_kind() {
    let (mock, store) = mock_keyring();
    let id = ProfileId::generate();
    store
        .set(&id, SecretKind::ClientSecret, &secret("cs"))
        .unwrap();
    let user = keyring_user(&id, SecretKind::ClientSecret);
    assert_eq!(user, format!("{}:client_secret", id.as_str()));
    let entry = mock.build(SERVICE, &user, None).unwrap();
    assert_eq!(entry.get_password().unwrap(), "cs");
    assert_eq!(SERVICE, "tokendesk");
}

fn inject(mock: &Arc<CredentialStore>, id: &ProfileId, kind: SecretKind, err: KeyringError) {
    let entry = mock.build(SERVICE, &keyring_user(id, kind), None).unwrap();
    let cred: &keyring_core::mock::Cred = entry.as_any().downcast_ref().unwrap();
    cred.set_error(err);
}

#[test]
fn a_locked_keyring_is_reported_as_locked_with_what_to_do() {
    let (mock, store) = mock_keyring();
    let id = ProfileId::generate();
    let refused = std::io::Error::other("SS error: prompt dismissed");
    inject(
        &mock,
        &id,
        SecretKind::RefreshToken,
        KeyringError::NoStorageAccess(Box::new(refused)),
    );
    let err = store.get(&id, SecretKind::RefreshToken).unwrap_err();
    assert!(matches!(err, SecretError::Locked { .. }), "{err:?}");
    let message = err.to_string();
    assert_eq!(
        err.remedy(),
        Some(tokendesk::remedy::Remedy::UnlockKeyring),
        "{message}"
    );
    assert!(message.contains("refresh token of profile"), "{message}");
    assert!(message.contains("prompt dismissed"), "{message}");
}

#[test]
fn a_stored_value_that_is_not_text_is_reported_without_its_bytes() {
    let (mock, store) = mock_keyring();
    let id = ProfileId::generate();
    inject(
        &mock,
        &id,
        SecretKind::ApiKey,
        KeyringError::BadEncoding(b"sekrit\xff".to_vec()),
    );
    let err = store.get(&id, SecretKind::ApiKey).unwrap_err();
    assert!(matches!(err, SecretError::BadValue { .. }), "{err:?}");
    assert!(
        err.to_string().contains("a new sign-in replaces it"),
        "{err}"
    );
    assert!(!format!("{err} {err:?}").contains("sekrit"));
}

#[test]
fn delete_all_tries_every_kind_and_reports_the_first_failure() {
    let (mock, store) = mock_keyring();
    let id = ProfileId::generate();
    for kind in SecretKind::ALL {
        store.set(&id, kind, &secret("v")).unwrap();
    }
    let broken = std::io::Error::other("bus went away");
    inject(
        &mock,
        &id,
        SecretKind::AccessToken,
        KeyringError::PlatformFailure(Box::new(broken)),
    );
    let err = store.delete_all(&id).unwrap_err();
    assert!(matches!(err, SecretError::Failed { .. }), "{err:?}");
    assert_eq!(exposed(store.get(&id, SecretKind::Password).unwrap()), None);
    assert_eq!(exposed(store.get(&id, SecretKind::ApiKey).unwrap()), None);
}

/// A store whose `get` blocks until the test lets it go, like a keyring waiting on an
/// unlock prompt.
#[derive(Debug)]
struct BlockedStore {
    entered: SyncSender<()>,
    release: Mutex<Receiver<()>>,
}

impl SecretStore for BlockedStore {
    fn get(&self, _: &ProfileId, _: SecretKind) -> Result<Option<Secret<String>>, SecretError> {
        self.entered.send(()).unwrap();
        let release = self.release.lock().unwrap();
        release.recv_timeout(Duration::from_secs(30)).unwrap();
        Ok(Some(secret("late")))
    }
    fn set(&self, _: &ProfileId, _: SecretKind, _: &Secret<String>) -> Result<(), SecretError> {
        Ok(())
    }
    fn delete(&self, _: &ProfileId, _: SecretKind) -> Result<bool, SecretError> {
        Ok(false)
    }
    fn is_persistent(&self) -> bool {
        true
    }
}

#[tokio::test]
async fn a_keyring_call_that_does_not_return_in_time_gives_a_timeout_error() {
    let (entered_tx, entered_rx) = sync_channel(1);
    let (release_tx, release_rx) = sync_channel(1);
    let store = BlockedStore {
        entered: entered_tx,
        release: Mutex::new(release_rx),
    };
    let secrets = AsyncSecrets::new(Arc::new(store)).with_timeout(Duration::from_millis(100));
    let id = ProfileId::generate();

    let err = secrets
        .get(&id, SecretKind::RefreshToken)
        .await
        .unwrap_err();
    assert!(
        matches!(err, SecretError::Timeout { waited, .. } if waited == Duration::from_millis(100)),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(message.contains("did not answer within 0.1 s"), "{message}");
    assert!(message.contains("unlock prompt"), "{message}");
    assert!(message.contains(id.as_str()), "{message}");

    // The call really was in flight (and blocked) when the timeout fired; let it finish.
    entered_rx.recv_timeout(Duration::from_secs(10)).unwrap();
    release_tx.send(()).unwrap();
}

#[tokio::test]
async fn async_calls_reach_the_store_and_return_its_answers() {
    let store = Arc::new(MemoryStore::new());
    let secrets = AsyncSecrets::new(store.clone());
    let id = ProfileId::generate();
    secrets
        .set(&id, SecretKind::AccessToken, secret("at"))
        .await
        .unwrap();
    assert_eq!(
        exposed(secrets.get(&id, SecretKind::AccessToken).await.unwrap()).as_deref(),
        Some("at")
    );
    assert_eq!(
        exposed(store.get(&id, SecretKind::AccessToken).unwrap()).as_deref(),
        Some("at")
    );
    assert!(secrets.delete(&id, SecretKind::AccessToken).await.unwrap());
    secrets
        .set(&id, SecretKind::Password, secret("pw"))
        .await
        .unwrap();
    secrets.delete_all(&id).await.unwrap();
    assert_eq!(exposed(store.get(&id, SecretKind::Password).unwrap()), None);
    assert!(!secrets.store().is_persistent());
}

/// What zbus reports for a Secret Service error reply.
#[derive(Debug, thiserror::Error)]
#[error("zbus error: {0}")]
struct BusError(&'static str);

/// A `KeyringStore` over the mock store `first` that connects again to the mock store
/// `then`, counting the connections.
struct Reconnecting {
    first: Arc<CredentialStore>,
    then: Arc<CredentialStore>,
    store: KeyringStore,
    connections: Arc<std::sync::atomic::AtomicUsize>,
}

impl Reconnecting {
    fn new() -> Self {
        let first: Arc<CredentialStore> = keyring_core::mock::Store::new().unwrap();
        let then: Arc<CredentialStore> = keyring_core::mock::Store::new().unwrap();
        let connections = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (next, counted) = (Arc::clone(&then), Arc::clone(&connections));
        let reconnect: tokendesk::store::Reconnect = Arc::new(move || {
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok(Arc::clone(&next))
        });
        let store = KeyringStore::reconnecting(Arc::clone(&first), reconnect);
        Self {
            first,
            then,
            store,
            connections,
        }
    }

    /// The first connection's next request for `id`'s refresh token fails with `bus_error`.
    fn first_fails(&self, id: &ProfileId, bus_error: &'static str) {
        let err = KeyringError::PlatformFailure(Box::new(BusError(bus_error)));
        inject(&self.first, id, SecretKind::RefreshToken, err);
    }

    fn connections(&self) -> usize {
        self.connections.load(std::sync::atomic::Ordering::SeqCst)
    }
}

#[test]
fn a_keyring_that_lost_the_connections_session_is_connected_to_again_once_for_every_later_request()
{
    let keyring = Reconnecting::new();
    let store = &keyring.store;
    let id = ProfileId::generate();
    KeyringStore::new(Arc::clone(&keyring.then))
        .set(&id, SecretKind::RefreshToken, &secret("kept"))
        .unwrap();
    keyring.first_fails(
        &id,
        "org.freedesktop.Secret.Error.NoSession: The session does not exist",
    );
    let read = store.get(&id, SecretKind::RefreshToken).unwrap();
    assert_eq!(exposed(read).as_deref(), Some("kept"));
    assert_eq!(keyring.connections(), 1);
    // The new connection serves what follows, for every clone of the store.
    let clone = store.clone();
    clone.set(&id, SecretKind::ApiKey, &secret("key")).unwrap();
    assert_eq!(
        exposed(store.get(&id, SecretKind::ApiKey).unwrap()).as_deref(),
        Some("key")
    );
    assert_eq!(keyring.connections(), 1);
}

#[test]
fn a_keyring_failing_for_any_other_reason_is_not_connected_to_again() {
    let keyring = Reconnecting::new();
    let id = ProfileId::generate();
    keyring.first_fails(&id, "org.freedesktop.DBus.Error.AccessDenied: not allowed");
    let err = keyring
        .store
        .get(&id, SecretKind::RefreshToken)
        .unwrap_err();
    assert!(matches!(err, SecretError::Failed { .. }), "{err:?}");
    assert!(err.to_string().contains("AccessDenied"), "{err}");
    assert_eq!(keyring.connections(), 0);
}
