//! The kernel tier: secrets in the Linux kernel's key retention service (keyutils) through
//! `linux-keyutils-keyring-store`, behind the same [`KeyringStore`] as the OS keyring. It
//! needs no D-Bus and no daemon, so it works over SSH, in WSL and in most containers. Each
//! secret is a `user` key named `keyring:<profile id>:<kind>@tokendesk`, linked into the
//! session keyring and the user's persistent keyring: it outlives the command that stored
//! it and the login session (for a few days, `/proc/sys/kernel/keys/persistent_keyring_expiry`)
//! but lives in kernel memory only, so a reboot ends it.

use std::fmt;

use super::fields::ProfileId;
use super::keyring::{KeyringStore, KeyringUnavailable};
use super::secrets::{SecretError, SecretKind, SecretStore};
use crate::secret::Secret;

/// The kernel's key store: a [`KeyringStore`] over keyutils whose every call first makes sure
/// the calling thread has a session keyring of its own (see [`join_a_session_keyring`]).
#[derive(Clone)]
pub struct KernelStore {
    inner: KeyringStore,
}

impl fmt::Debug for KernelStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KernelStore")
    }
}

impl KernelStore {
    fn ready(&self) -> &KeyringStore {
        if let Err(err) = join_a_session_keyring() {
            tracing::debug!(%err, "no session keyring of this thread's own");
        }
        &self.inner
    }
}

impl SecretStore for KernelStore {
    fn get(
        &self,
        profile: &ProfileId,
        kind: SecretKind,
    ) -> Result<Option<Secret<String>>, SecretError> {
        self.ready().get(profile, kind)
    }

    fn set(
        &self,
        profile: &ProfileId,
        kind: SecretKind,
        value: &Secret<String>,
    ) -> Result<(), SecretError> {
        self.ready().set(profile, kind, value)
    }

    fn delete(&self, profile: &ProfileId, kind: SecretKind) -> Result<bool, SecretError> {
        self.ready().delete(profile, kind)
    }

    fn is_persistent(&self) -> bool {
        true
    }
}

/// Opens the kernel's key store and checks that it takes a key (writes and deletes a
/// non-secret check key). Blocking, but the kernel answers at once.
#[cfg(target_os = "linux")]
pub fn open_kernel() -> Result<KernelStore, KeyringUnavailable> {
    let store = open_kernel_unchecked()?;
    store
        .ready()
        .check_accepts_entries()
        .map_err(|err| KeyringUnavailable::Other {
            detail: format!("the kernel's key store refused a key: {err}"),
        })?;
    Ok(store)
}

/// The kernel's key store without the check, for a caller that reads at once (see
/// [`super::open_keyring_unchecked`]).
#[cfg(target_os = "linux")]
pub fn open_kernel_unchecked() -> Result<KernelStore, KeyringUnavailable> {
    join_a_session_keyring()?;
    Ok(KernelStore {
        inner: KeyringStore::new(linux_keyutils_keyring_store::Store::new().map_err(|err| {
            KeyringUnavailable::Other {
                detail: err.to_string(),
            }
        })?),
    })
}

/// Gives the calling thread a session keyring of its own when it has none.
///
/// A login through PAM (`pam_keyinit`: SSH, a console, a desktop) starts every process with a
/// session keyring. Containers, CI runners and `docker exec` often do not; the kernel then
/// lends the process the user's default session keyring, whose keys the process does not
/// *possess*, and the store's link of a new key into the persistent keyring is refused
/// (`EACCES`). Asking for the session keyring with `create` joins a new anonymous one
/// instead (the kernel's `join_session_keyring`), which the process possesses; the keys
/// stored through it live on in the persistent keyring, which every later process links
/// into its own session keyring and so finds them.
///
/// Credentials, the session keyring among them, belong to a thread: a thread of the blocking
/// pool that never joined one has none even when another thread has. So every call checks,
/// once per thread.
#[cfg(target_os = "linux")]
fn join_a_session_keyring() -> Result<(), KeyringUnavailable> {
    use linux_keyutils::{KeyRing, KeyRingIdentifier};
    thread_local! {
        static JOINED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }
    if JOINED.get() {
        return Ok(());
    }
    KeyRing::from_special_id(KeyRingIdentifier::Session, true).map_err(|err| {
        KeyringUnavailable::Other {
            detail: format!("the kernel gave no session keyring: {err}"),
        }
    })?;
    JOINED.set(true);
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn join_a_session_keyring() -> Result<(), KeyringUnavailable> {
    Ok(())
}

/// There is no kernel key store off Linux.
#[cfg(not(target_os = "linux"))]
pub fn open_kernel() -> Result<KernelStore, KeyringUnavailable> {
    Err(KeyringUnavailable::Other {
        detail: "the kernel key store exists only on Linux".to_owned(),
    })
}

/// There is no kernel key store off Linux.
#[cfg(not(target_os = "linux"))]
pub fn open_kernel_unchecked() -> Result<KernelStore, KeyringUnavailable> {
    open_kernel()
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use crate::secret::Secret;
    use crate::store::{ProfileId, SecretKind, SecretStore};

    /// The kernel's key store is part of every Linux kernel this runs on (tests included), so
    /// this test needs nothing started: a key stored by one opening is read by another and
    /// deleted again.
    #[test]
    fn a_secret_stored_in_the_kernel_key_store_is_read_back_by_another_opening_and_deleted() {
        let store = open_kernel().unwrap();
        let id = ProfileId::generate();
        store
            .set(
                &id,
                SecretKind::AccessToken,
                &Secret::new("kernel-value".into()),
            )
            .unwrap();
        // Another thread: credentials, the session keyring among them, are per thread.
        let again = std::thread::spawn(open_kernel_unchecked)
            .join()
            .unwrap()
            .unwrap();
        assert_eq!(
            again
                .get(&id, SecretKind::AccessToken)
                .unwrap()
                .unwrap()
                .expose(),
            "kernel-value"
        );
        let other = id.clone();
        let read = std::thread::spawn(move || {
            let value = again.get(&other, SecretKind::AccessToken).unwrap().unwrap();
            assert!(again.delete(&other, SecretKind::AccessToken).unwrap());
            value.expose().clone()
        })
        .join()
        .unwrap();
        assert_eq!(read, "kernel-value");
        assert!(store.get(&id, SecretKind::AccessToken).unwrap().is_none());
    }
}
