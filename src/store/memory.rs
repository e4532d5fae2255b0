//! [`MemoryStore`]: secrets in this process's memory only. It backs the explicit, visible
//! session-only mode (no keyring reachable) and unit tests; everything is gone when the
//! process exits, and nothing is ever written anywhere.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::fields::ProfileId;
use super::secrets::{SecretError, SecretKind, SecretStore};
use crate::secret::Secret;

type Slots = HashMap<(ProfileId, SecretKind), Secret<String>>;

/// Secrets kept in memory for the life of the process.
#[derive(Debug, Default)]
pub struct MemoryStore {
    slots: Mutex<Slots>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn slots(&self) -> MutexGuard<'_, Slots> {
        // A panic elsewhere while holding the lock cannot leave a HashMap half-updated in a
        // way that matters here, so a poisoned lock is still usable.
        self.slots.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl SecretStore for MemoryStore {
    fn get(
        &self,
        profile: &ProfileId,
        kind: SecretKind,
    ) -> Result<Option<Secret<String>>, SecretError> {
        Ok(self.slots().get(&(profile.clone(), kind)).cloned())
    }

    fn set(
        &self,
        profile: &ProfileId,
        kind: SecretKind,
        value: &Secret<String>,
    ) -> Result<(), SecretError> {
        self.slots().insert((profile.clone(), kind), value.clone());
        Ok(())
    }

    fn delete(&self, profile: &ProfileId, kind: SecretKind) -> Result<bool, SecretError> {
        Ok(self.slots().remove(&(profile.clone(), kind)).is_some())
    }

    fn delete_all(&self, profile: &ProfileId) -> Result<(), SecretError> {
        self.slots().retain(|(owner, _), _| owner != profile);
        Ok(())
    }

    fn is_persistent(&self) -> bool {
        false
    }
}
