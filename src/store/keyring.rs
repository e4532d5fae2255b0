//! [`KeyringStore`]: secrets in the OS keyring through `keyring-core` — Secret Service
//! (gnome-keyring, KWallet) over D-Bus on Linux and BSD, Keychain on macOS, Credential
//! Manager on Windows — and [`open_keyring`], which says plainly why no keyring can be used.

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use keyring_core::{CredentialStore, Error as KeyringError};

use super::fields::ProfileId;
use super::secrets::{
    SERVICE, SecretAction, SecretError, SecretKind, SecretStore, SecretTarget, keyring_user,
};
use crate::remedy::Remedy;
use crate::secret::Secret;

/// The start of the keyring user name [`open_keyring`] writes and deletes to check that the
/// keyring accepts entries (a random suffix keeps concurrent checks from other TokenDesk
/// processes apart; the value is not a secret and is deleted at once).
const CHECK_USER_PREFIX: &str = "keyring-check-";

/// Opens the credential store again (see [`KeyringStore::reconnecting`]).
pub type Reconnect = Arc<dyn Fn() -> keyring_core::Result<Arc<CredentialStore>> + Send + Sync>;

/// Secrets in the OS keyring.
///
/// A Secret Service connection holds a session with the daemon that served it. When that
/// daemon ends — gnome-keyring restarted by systemd or D-Bus after a crash, which upstream
/// races make happen — every later request on the connection fails with `NoSession`, so a
/// TokenDesk living for days in the tray would stop reading and renewing until restarted.
/// A store opened by [`open_keyring`] therefore connects again once, and repeats the request,
/// when the service says the session or the daemon is gone (the new daemon may ask to be
/// unlocked; that is then reported as usual).
#[derive(Clone)]
pub struct KeyringStore {
    /// The connection in use, shared by the clones (one reconnection serves them all).
    store: Arc<RwLock<Arc<CredentialStore>>>,
    reconnect: Option<Reconnect>,
}

impl fmt::Debug for KeyringStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyringStore")
            .field("vendor", &self.current().vendor())
            .field("reconnects", &self.reconnect.is_some())
            .finish()
    }
}

/// Why no keyring can be used. The app then offers session-only mode (secrets in memory
/// until it exits) and shows it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyringUnavailable {
    /// No D-Bus session bus (Linux/BSD).
    #[error(
        "no keyring can be reached: there is no D-Bus session bus ({detail}); TokenDesk finds \
         one when it runs in a desktop session (or under `dbus-run-session`)"
    )]
    NoSessionBus {
        /// What the connection attempt said.
        detail: String,
    },
    /// A session bus, but nothing provides the Secret Service on it.
    #[error(
        "no keyring can be reached: nothing on the D-Bus session provides the Secret Service \
         ({detail}); gnome-keyring (or KWallet with its Secret Service interface) provides it \
         once installed and started"
    )]
    NoSecretService {
        /// What the bus said.
        detail: String,
    },
    /// The keyring is locked and was not unlocked.
    #[error("the keyring is locked ({detail})")]
    Locked {
        /// What the keyring said.
        detail: String,
    },
    /// The keyring did not answer in time (an unlock prompt may be open).
    #[error(
        "the keyring did not answer within {} s: an unlock prompt may be waiting for you",
        .waited.as_secs_f32()
    )]
    NotAnswering {
        /// How long we waited.
        waited: Duration,
    },
    /// Anything else.
    #[error("the OS keyring cannot be used ({detail})")]
    Other {
        /// What the keyring said.
        detail: String,
    },
}

impl KeyringUnavailable {
    /// A few words on why, without the technical detail (that is in the full message).
    pub fn summary(&self) -> String {
        match self {
            Self::NoSessionBus { .. } => "no D-Bus session".to_owned(),
            Self::NoSecretService { .. } => "no Secret Service on the D-Bus session".to_owned(),
            Self::Locked { .. } => "the keyring is locked".to_owned(),
            Self::NotAnswering { waited } => format!(
                "the keyring did not answer within {} s; an unlock prompt may be open",
                waited.as_secs()
            ),
            Self::Other { detail } => detail.clone(),
        }
    }

    /// What a person must do: unlock the keyring, or make one reachable (the window can go
    /// on in session-only mode meanwhile; surfaces say so).
    pub fn remedy(&self) -> Remedy {
        match self {
            Self::Locked { .. } | Self::NotAnswering { .. } => Remedy::UnlockKeyring,
            Self::NoSessionBus { .. } | Self::NoSecretService { .. } | Self::Other { .. } => {
                Remedy::StartKeyring
            }
        }
    }
}

/// Connects to this platform's keyring and checks that it accepts an entry (writes and
/// deletes a non-secret check entry). Blocking: a locked keyring may wait on its unlock
/// prompt, so async code uses [`open_keyring_within`].
pub fn open_keyring() -> Result<KeyringStore, KeyringUnavailable> {
    let store = KeyringStore::reconnecting(
        platform_store().map_err(|err| classify_open_error(&err))?,
        Arc::new(platform_store),
    );
    store
        .check_accepts_entries()
        .map_err(|err| classify_open_error(&err))?;
    Ok(store)
}

/// The OS keyring without [`open_keyring`]'s check (a write and a delete): for a caller that
/// reads at once and, should anything fail, opens it again with the check to say why. A
/// successful read proves the keyring works; the check would only cost time.
pub fn open_keyring_unchecked() -> Result<KeyringStore, KeyringUnavailable> {
    Ok(KeyringStore::reconnecting(
        platform_store().map_err(|err| classify_open_error(&err))?,
        Arc::new(platform_store),
    ))
}

/// [`open_keyring`] on a blocking thread, giving up after `timeout`.
pub async fn open_keyring_within(timeout: Duration) -> Result<KeyringStore, KeyringUnavailable> {
    match tokio::time::timeout(timeout, tokio::task::spawn_blocking(open_keyring)).await {
        Ok(Ok(result)) => result,
        Ok(Err(join_error)) => Err(KeyringUnavailable::Other {
            detail: format!("the keyring check stopped unexpectedly: {join_error}"),
        }),
        Err(_) => Err(KeyringUnavailable::NotAnswering { waited: timeout }),
    }
}

#[cfg(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
))]
fn platform_store() -> keyring_core::Result<Arc<CredentialStore>> {
    Ok(zbus_secret_service_keyring_store::Store::new()?)
}

#[cfg(target_os = "macos")]
fn platform_store() -> keyring_core::Result<Arc<CredentialStore>> {
    Ok(apple_native_keyring_store::keychain::Store::new()?)
}

#[cfg(target_os = "windows")]
fn platform_store() -> keyring_core::Result<Arc<CredentialStore>> {
    Ok(windows_native_keyring_store::Store::new()?)
}

#[cfg(any(
    target_os = "ios",
    target_os = "android",
    not(any(unix, target_os = "windows"))
))]
fn platform_store() -> keyring_core::Result<Arc<CredentialStore>> {
    Err(KeyringError::NotSupportedByStore(
        "TokenDesk knows no keyring on this platform".to_owned(),
    ))
}

/// Sorts an error from connecting to (or first using) the keyring into what a person can
/// act on. The Secret Service backend reports a missing bus as an I/O error from the
/// connection, and a missing provider as the bus's `ServiceUnknown` error.
pub fn classify_open_error(err: &KeyringError) -> KeyringUnavailable {
    let detail = describe(err);
    match err {
        KeyringError::NoStorageAccess(_) => KeyringUnavailable::Locked { detail },
        KeyringError::PlatformFailure(platform) => {
            // zbus keeps the connection's I/O error in an `Arc`.
            let io_failure = source_chain(platform.as_ref())
                .any(|e| e.is::<std::io::Error>() || e.is::<Arc<std::io::Error>>());
            if io_failure {
                return KeyringUnavailable::NoSessionBus { detail };
            }
            let text = source_chain(platform.as_ref())
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(": ");
            if text.contains("org.freedesktop.DBus.Error.ServiceUnknown")
                || text.contains("org.freedesktop.secrets")
            {
                KeyringUnavailable::NoSecretService { detail }
            } else if text.contains("no secret service provider or dbus session found") {
                // secret-service's `Unavailable`: an unusable bus address or socket.
                KeyringUnavailable::NoSessionBus { detail }
            } else {
                KeyringUnavailable::Other { detail }
            }
        }
        _ => KeyringUnavailable::Other { detail },
    }
}

fn source_chain<'a>(
    first: &'a (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'a (dyn std::error::Error + 'static)> {
    std::iter::successors(Some(first), |err| err.source())
}

/// A keyring error as text that can never hold a secret: the variants that carry stored
/// bytes are described without them.
fn describe(err: &KeyringError) -> String {
    match err {
        KeyringError::BadEncoding(_) => "the stored value is not UTF-8 text".to_owned(),
        KeyringError::BadDataFormat(_, _) => "the stored value is malformed".to_owned(),
        KeyringError::Ambiguous(entries) => format!("{} entries match", entries.len()),
        other => other.to_string(),
    }
}

/// Whether a failed request means the Secret Service no longer knows this connection's
/// session, or its daemon ended while answering: then a new connection can succeed.
fn connection_lost(err: &KeyringError) -> bool {
    let KeyringError::PlatformFailure(platform) = err else {
        return false;
    };
    source_chain(platform.as_ref()).any(|e| {
        let text = e.to_string();
        [
            "org.freedesktop.Secret.Error.NoSession",
            "org.freedesktop.DBus.Error.NoReply",
            "org.freedesktop.DBus.Error.UnknownObject",
        ]
        .iter()
        .any(|name| text.contains(name))
    })
}

impl KeyringStore {
    /// A store over an already opened `keyring-core` credential store that never connects
    /// again (tests pass `keyring_core::mock::Store`).
    pub fn new(store: Arc<CredentialStore>) -> Self {
        Self {
            store: Arc::new(RwLock::new(store)),
            reconnect: None,
        }
    }

    /// A store that opens the credential store again with `reconnect` when the keyring
    /// lost its connection's session (see the type's documentation).
    pub fn reconnecting(store: Arc<CredentialStore>, reconnect: Reconnect) -> Self {
        Self {
            store: Arc::new(RwLock::new(store)),
            reconnect: Some(reconnect),
        }
    }

    fn current(&self) -> Arc<CredentialStore> {
        Arc::clone(&self.store.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Runs `request` on the current connection; when the keyring lost that connection's
    /// session, once more on a new connection (which then serves every later request).
    fn request<T>(
        &self,
        request: impl Fn(&CredentialStore) -> keyring_core::Result<T>,
    ) -> keyring_core::Result<T> {
        let used = self.current();
        let err = match request(used.as_ref()) {
            Err(err) if connection_lost(&err) => err,
            done => return done,
        };
        let Some(reconnect) = &self.reconnect else {
            return Err(err);
        };
        let fresh = {
            let mut current = self.store.write().unwrap_or_else(PoisonError::into_inner);
            if Arc::ptr_eq(&current, &used) {
                tracing::info!(
                    cause = %describe(&err),
                    "the keyring no longer knows this connection; connecting again"
                );
                *current = reconnect()?;
            }
            // Else another request already connected again while this one failed.
            Arc::clone(&current)
        };
        request(fresh.as_ref())
    }

    /// Writes and deletes a non-secret check entry: proves that the store takes entries.
    pub(super) fn check_accepts_entries(&self) -> keyring_core::Result<()> {
        let user = format!("{CHECK_USER_PREFIX}{:016x}", rand::random::<u64>());
        self.request(|store| {
            let entry = store.build(SERVICE, &user, None)?;
            entry.set_password("keyring check")?;
            entry.delete_credential()
        })
    }
}

fn to_secret_error(
    err: KeyringError,
    action: SecretAction,
    target: SecretTarget,
    kind: SecretKind,
) -> SecretError {
    let detail = describe(&err);
    match err {
        KeyringError::NoStorageAccess(_) => SecretError::Locked {
            action,
            target,
            detail,
        },
        KeyringError::Ambiguous(entries) => SecretError::Ambiguous {
            user: keyring_user(&target.profile, kind),
            target,
            count: entries.len(),
        },
        KeyringError::BadEncoding(_) | KeyringError::BadDataFormat(_, _) => SecretError::BadValue {
            target,
            problem: detail,
        },
        _ => SecretError::Failed {
            action,
            target,
            detail,
        },
    }
}

fn target(profile: &ProfileId, kind: SecretKind) -> SecretTarget {
    SecretTarget {
        profile: profile.clone(),
        kind: Some(kind),
    }
}

impl SecretStore for KeyringStore {
    fn get(
        &self,
        profile: &ProfileId,
        kind: SecretKind,
    ) -> Result<Option<Secret<String>>, SecretError> {
        let user = keyring_user(profile, kind);
        self.request(
            |store| match store.build(SERVICE, &user, None)?.get_password() {
                Ok(value) => Ok(Some(Secret::new(value))),
                Err(KeyringError::NoEntry) => Ok(None),
                Err(err) => Err(err),
            },
        )
        .map_err(|err| to_secret_error(err, SecretAction::Get, target(profile, kind), kind))
    }

    fn set(
        &self,
        profile: &ProfileId,
        kind: SecretKind,
        value: &Secret<String>,
    ) -> Result<(), SecretError> {
        let user = keyring_user(profile, kind);
        self.request(|store| {
            store
                .build(SERVICE, &user, None)?
                .set_password(value.expose())
        })
        .map_err(|err| to_secret_error(err, SecretAction::Set, target(profile, kind), kind))
    }

    fn delete(&self, profile: &ProfileId, kind: SecretKind) -> Result<bool, SecretError> {
        let user = keyring_user(profile, kind);
        self.request(
            |store| match store.build(SERVICE, &user, None)?.delete_credential() {
                Ok(()) => Ok(true),
                Err(KeyringError::NoEntry) => Ok(false),
                Err(err) => Err(err),
            },
        )
        .map_err(|err| to_secret_error(err, SecretAction::Delete, target(profile, kind), kind))
    }

    fn is_persistent(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn platform_error(err: impl std::error::Error + Send + Sync + 'static) -> KeyringError {
        KeyringError::PlatformFailure(Box::new(err))
    }

    #[derive(Debug, thiserror::Error)]
    #[error("zbus error: {0}")]
    struct Wrapper(String);

    #[test]
    fn a_connection_io_error_means_no_session_bus() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "No such file or directory");
        let err = classify_open_error(&platform_error(io));
        assert!(
            matches!(err, KeyringUnavailable::NoSessionBus { .. }),
            "{err:?}"
        );
        assert_eq!(err.remedy(), Remedy::StartKeyring);
    }

    #[test]
    fn a_connection_io_error_shared_in_an_arc_also_means_no_session_bus() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let err = classify_open_error(&platform_error(Arc::new(io)));
        assert!(
            matches!(err, KeyringUnavailable::NoSessionBus { .. }),
            "{err:?}"
        );
    }

    #[test]
    fn service_unknown_means_no_secret_service_provider() {
        let bus = Wrapper(
            "org.freedesktop.DBus.Error.ServiceUnknown: The name org.freedesktop.secrets was not \
             provided by any .service files"
                .into(),
        );
        let err = classify_open_error(&platform_error(bus));
        assert!(
            matches!(err, KeyringUnavailable::NoSecretService { .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("gnome-keyring"), "{err}");
    }

    #[test]
    fn no_storage_access_means_locked() {
        let err = classify_open_error(&KeyringError::NoStorageAccess(Box::new(Wrapper(
            "prompt dismissed".into(),
        ))));
        assert!(matches!(err, KeyringUnavailable::Locked { .. }), "{err:?}");
        assert_eq!(err.remedy(), Remedy::UnlockKeyring, "{err}");
    }

    #[test]
    fn stored_bytes_never_reach_an_error_message() {
        let target = target(&ProfileId::generate(), SecretKind::RefreshToken);
        let bad = KeyringError::BadEncoding(b"sekrit\xff".to_vec());
        let err = to_secret_error(bad, SecretAction::Get, target, SecretKind::RefreshToken);
        assert!(matches!(err, SecretError::BadValue { .. }));
        assert!(!format!("{err} {err:?}").contains("sekrit"));
    }
}
