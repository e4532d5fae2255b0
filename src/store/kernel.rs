//! The kernel tier: secrets in the Linux kernel's key retention service (keyutils) through
//! `linux-keyutils-keyring-store`, behind the same [`KeyringStore`] as the OS keyring. It
//! needs no D-Bus and no daemon, so it works over SSH, in WSL and in most containers. Each
//! secret is a `user` key named `keyring:<profile id>:<kind>@tokendesk`, linked into the
//! session keyring and the user's persistent keyring: it outlives the command that stored
//! it and the login session (for a few days, `/proc/sys/kernel/keys/persistent_keyring_expiry`)
//! but lives in kernel memory only, so a reboot ends it.

use super::keyring::{KeyringStore, KeyringUnavailable};

/// Opens the kernel's key store and checks that it takes a key (writes and deletes a
/// non-secret check key). Blocking, but the kernel answers at once.
#[cfg(target_os = "linux")]
pub fn open_kernel() -> Result<KeyringStore, KeyringUnavailable> {
    join_a_session_keyring()?;
    let store = KeyringStore::new(
        linux_keyutils_keyring_store::Store::new().map_err(|err| KeyringUnavailable::Other {
            detail: err.to_string(),
        })?,
    );
    store
        .check_accepts_entries()
        .map_err(|err| KeyringUnavailable::Other {
            detail: format!("the kernel's key store refused a key: {err}"),
        })?;
    Ok(store)
}

/// The kernel's key store without the check, for a caller that reads at once (see
/// [`super::open_keyring_unchecked`]).
#[cfg(target_os = "linux")]
pub fn open_kernel_unchecked() -> Result<KeyringStore, KeyringUnavailable> {
    join_a_session_keyring()?;
    Ok(KeyringStore::new(
        linux_keyutils_keyring_store::Store::new().map_err(|err| KeyringUnavailable::Other {
            detail: err.to_string(),
        })?,
    ))
}

/// Gives this process a session keyring of its own when it has none.
///
/// A login through PAM (`pam_keyinit`: SSH, a console, a desktop) starts every process with a
/// session keyring. Containers, CI runners and `docker exec` often do not; the kernel then
/// lends the process the user's default session keyring, whose keys the process does not
/// *possess*, and the store's link of a new key into the persistent keyring is refused
/// (`EACCES`). Asking for the session keyring with `create` joins a new anonymous one
/// instead (the kernel's `join_session_keyring`), which the process possesses; the keys
/// stored through it live on in the persistent keyring, which every later process links
/// into its own session keyring and so finds them.
#[cfg(target_os = "linux")]
fn join_a_session_keyring() -> Result<(), KeyringUnavailable> {
    use linux_keyutils::{KeyRing, KeyRingIdentifier};
    KeyRing::from_special_id(KeyRingIdentifier::Session, true)
        .map(|_| ())
        .map_err(|err| KeyringUnavailable::Other {
            detail: format!("the kernel gave no session keyring: {err}"),
        })
}

/// There is no kernel key store off Linux.
#[cfg(not(target_os = "linux"))]
pub fn open_kernel() -> Result<KeyringStore, KeyringUnavailable> {
    Err(KeyringUnavailable::Other {
        detail: "the kernel key store exists only on Linux".to_owned(),
    })
}

/// There is no kernel key store off Linux.
#[cfg(not(target_os = "linux"))]
pub fn open_kernel_unchecked() -> Result<KeyringStore, KeyringUnavailable> {
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
            .set(&id, SecretKind::AccessToken, &Secret::new("kernel-value".into()))
            .unwrap();
        let again = open_kernel_unchecked().unwrap();
        assert_eq!(
            again
                .get(&id, SecretKind::AccessToken)
                .unwrap()
                .unwrap()
                .expose(),
            "kernel-value"
        );
        assert!(again.delete(&id, SecretKind::AccessToken).unwrap());
        assert!(store.get(&id, SecretKind::AccessToken).unwrap().is_none());
    }
}
