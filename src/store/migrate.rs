//! Moving every profile's secrets from one store to another: copy each secret, read it back
//! from the new store and compare, and only when every secret of every profile has been
//! verified there, delete them from the old store. On any failure before that point the
//! copies are taken out of the new store again and the old store is left as it was.

use super::fields::ProfileId;
use super::secrets::{SecretError, SecretKind, SecretStore};

/// What a migration did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Migrated {
    /// Secrets copied, verified and deleted from the old store.
    pub secrets: usize,
    /// Profiles that had at least one secret.
    pub profiles: usize,
    /// Secrets verified in the new store that the old store refused to delete (they are now
    /// in both; the message names them).
    pub left_behind: Vec<String>,
}

/// Why a migration stopped. The old store still holds everything.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    /// Reading from the old store failed.
    #[error("reading from the old store failed, so nothing was moved: {0}")]
    Read(SecretError),
    /// Writing to the new store failed.
    #[error("writing to the new store failed, so nothing was moved: {0}")]
    Write(SecretError),
    /// The new store gave back something else than was written.
    #[error(
        "the new store did not give back {what} as it was written, so nothing was moved (the \
         copies were taken out of it again)"
    )]
    NotVerified {
        /// Which secret (never its value).
        what: String,
    },
}

/// Moves every secret of `profiles` from `from` to `to`. Blocking (both stores may block).
pub fn migrate(
    from: &dyn SecretStore,
    to: &dyn SecretStore,
    profiles: &[ProfileId],
) -> Result<Migrated, MigrateError> {
    let mut copied: Vec<(ProfileId, SecretKind)> = Vec::new();
    let mut report = Migrated::default();
    let undo = |copied: &[(ProfileId, SecretKind)]| {
        for (profile, kind) in copied {
            if let Err(err) = to.delete(profile, *kind) {
                tracing::warn!(%err, "a copy could not be taken out of the new store again");
            }
        }
    };
    for profile in profiles {
        let mut any = false;
        for kind in SecretKind::ALL {
            let value = match from.get(profile, kind) {
                Ok(Some(value)) => value,
                Ok(None) => continue,
                Err(err) => {
                    undo(&copied);
                    return Err(MigrateError::Read(err));
                }
            };
            if let Err(err) = to.set(profile, kind, &value) {
                undo(&copied);
                return Err(MigrateError::Write(err));
            }
            copied.push((profile.clone(), kind));
            match to.get(profile, kind) {
                Ok(Some(back)) if back == value => {}
                Ok(_) | Err(_) => {
                    undo(&copied);
                    return Err(MigrateError::NotVerified {
                        what: format!("the {} of profile {profile}", kind.label()),
                    });
                }
            }
            any = true;
        }
        if any {
            report.profiles += 1;
        }
    }
    for (profile, kind) in &copied {
        match from.delete(profile, *kind) {
            Ok(_) => report.secrets += 1,
            Err(err) => {
                tracing::warn!(%err, "a secret could not be deleted from the old store");
                report
                    .left_behind
                    .push(format!("the {} of profile {profile}", kind.label()));
            }
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;
    use crate::store::MemoryStore;

    #[test]
    fn every_secret_moves_to_the_new_store_and_leaves_the_old_one() {
        let (old, new) = (MemoryStore::new(), MemoryStore::new());
        let (a, b, empty) = (
            ProfileId::generate(),
            ProfileId::generate(),
            ProfileId::generate(),
        );
        old.set(&a, SecretKind::RefreshToken, &Secret::new("rt".into()))
            .unwrap();
        old.set(&a, SecretKind::AccessToken, &Secret::new("at".into()))
            .unwrap();
        old.set(&b, SecretKind::ApiKey, &Secret::new("key".into()))
            .unwrap();
        let report = migrate(&old, &new, &[a.clone(), b.clone(), empty]).unwrap();
        assert_eq!((report.secrets, report.profiles), (3, 2));
        assert!(report.left_behind.is_empty());
        assert_eq!(
            new.get(&a, SecretKind::RefreshToken)
                .unwrap()
                .unwrap()
                .expose(),
            "rt"
        );
        assert_eq!(
            new.get(&b, SecretKind::ApiKey).unwrap().unwrap().expose(),
            "key"
        );
        for kind in SecretKind::ALL {
            assert!(old.get(&a, kind).unwrap().is_none());
            assert!(old.get(&b, kind).unwrap().is_none());
        }
    }

    /// A store that takes nothing: every write fails.
    #[derive(Debug)]
    struct Refusing;

    impl SecretStore for Refusing {
        fn get(&self, _: &ProfileId, _: SecretKind) -> Result<Option<Secret<String>>, SecretError> {
            Ok(None)
        }
        fn set(
            &self,
            profile: &ProfileId,
            kind: SecretKind,
            _: &Secret<String>,
        ) -> Result<(), SecretError> {
            Err(SecretError::Failed {
                action: crate::store::secrets::SecretAction::Set,
                target: crate::store::secrets::SecretTarget {
                    profile: profile.clone(),
                    kind: Some(kind),
                },
                detail: "full".into(),
            })
        }
        fn delete(&self, _: &ProfileId, _: SecretKind) -> Result<bool, SecretError> {
            Ok(false)
        }
        fn is_persistent(&self) -> bool {
            true
        }
    }

    #[test]
    fn a_store_that_refuses_the_copy_leaves_the_old_store_untouched() {
        let old = MemoryStore::new();
        let a = ProfileId::generate();
        old.set(&a, SecretKind::RefreshToken, &Secret::new("rt".into()))
            .unwrap();
        let err = migrate(&old, &Refusing, std::slice::from_ref(&a)).unwrap_err();
        assert!(matches!(err, MigrateError::Write(_)), "{err}");
        assert_eq!(
            old.get(&a, SecretKind::RefreshToken)
                .unwrap()
                .unwrap()
                .expose(),
            "rt"
        );
    }
}
