//! [`AsyncSecrets`]: a [`SecretStore`] for async code. Each call runs on tokio's blocking
//! pool and is given up after a timeout, because a keyring call can block for as long as an
//! unlock prompt stays open and cannot be cancelled (the blocking thread finishes on its
//! own once the keyring answers).

use std::sync::Arc;
use std::time::Duration;

use super::fields::ProfileId;
use super::secrets::{SecretAction, SecretError, SecretKind, SecretStore, SecretTarget};
use crate::secret::Secret;

/// How long a keyring call may take by default.
pub const DEFAULT_SECRET_TIMEOUT: Duration = Duration::from_secs(30);

/// A shared [`SecretStore`] with async calls and a timeout.
#[derive(Debug, Clone)]
pub struct AsyncSecrets {
    store: Arc<dyn SecretStore>,
    timeout: Duration,
}

impl AsyncSecrets {
    /// Wraps `store` with the [`DEFAULT_SECRET_TIMEOUT`].
    pub fn new(store: Arc<dyn SecretStore>) -> Self {
        Self {
            store,
            timeout: DEFAULT_SECRET_TIMEOUT,
        }
    }

    /// The same store with another timeout.
    pub fn with_timeout(self, timeout: Duration) -> Self {
        Self { timeout, ..self }
    }

    /// The store underneath (e.g. to show whether it is persistent).
    pub fn store(&self) -> &Arc<dyn SecretStore> {
        &self.store
    }

    /// [`SecretStore::get`].
    pub async fn get(
        &self,
        profile: &ProfileId,
        kind: SecretKind,
    ) -> Result<Option<Secret<String>>, SecretError> {
        let id = profile.clone();
        self.run(SecretAction::Get, profile, Some(kind), move |store| {
            store.get(&id, kind)
        })
        .await
    }

    /// [`SecretStore::set`].
    pub async fn set(
        &self,
        profile: &ProfileId,
        kind: SecretKind,
        value: Secret<String>,
    ) -> Result<(), SecretError> {
        let id = profile.clone();
        self.run(SecretAction::Set, profile, Some(kind), move |store| {
            store.set(&id, kind, &value)
        })
        .await
    }

    /// [`SecretStore::delete`].
    pub async fn delete(&self, profile: &ProfileId, kind: SecretKind) -> Result<bool, SecretError> {
        let id = profile.clone();
        self.run(SecretAction::Delete, profile, Some(kind), move |store| {
            store.delete(&id, kind)
        })
        .await
    }

    /// [`SecretStore::delete_all`].
    pub async fn delete_all(&self, profile: &ProfileId) -> Result<(), SecretError> {
        let id = profile.clone();
        self.run(SecretAction::Delete, profile, None, move |store| {
            store.delete_all(&id)
        })
        .await
    }

    async fn run<T: Send + 'static>(
        &self,
        action: SecretAction,
        profile: &ProfileId,
        kind: Option<SecretKind>,
        call: impl FnOnce(&dyn SecretStore) -> Result<T, SecretError> + Send + 'static,
    ) -> Result<T, SecretError> {
        let store = Arc::clone(&self.store);
        let task = tokio::task::spawn_blocking(move || call(store.as_ref()));
        let target = || SecretTarget {
            profile: profile.clone(),
            kind,
        };
        match tokio::time::timeout(self.timeout, task).await {
            Ok(Ok(result)) => result,
            Ok(Err(join_error)) => Err(SecretError::Failed {
                action,
                target: target(),
                detail: format!("the keyring call stopped unexpectedly: {join_error}"),
            }),
            Err(_) => Err(SecretError::Timeout {
                action,
                target: target(),
                waited: self.timeout,
            }),
        }
    }
}
