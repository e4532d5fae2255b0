//! What the profile and token commands share: the directories, the profiles file, the
//! keyring and the engine, and how an engine failure becomes an exit code and a message.

use std::sync::Arc;
use std::time::Duration;

use super::remedy::with_remedy;
use super::{Exit, Outcome};
use crate::clock::SystemClock;
use crate::engine::{Engine, EngineError, FailureClass};
use crate::store::{
    AsyncSecrets, KeyringUnavailable, Paths, Profile, ProfileStore, StoreError, open_keyring_within,
};

/// How long the CLI waits for the keyring to answer its first call.
const KEYRING_TIMEOUT: Duration = Duration::from_secs(20);

/// The directories (`TOKENDESK_*_DIR` override them).
pub fn paths() -> Result<Paths, Outcome> {
    Paths::from_env().map_err(|err| Outcome::fail(Exit::Failure, err.to_string()))
}

/// The profiles file, read; a file moved aside is reported on stderr.
pub fn profiles(paths: &Paths) -> Result<ProfileStore, Outcome> {
    let (store, notice) = ProfileStore::open(paths).map_err(store_failure)?;
    if let Some(notice) = notice {
        eprintln!("tokendesk: warning: {notice}");
    }
    Ok(store)
}

/// The profile called `name` (exit 2 when there is none).
pub fn find(store: &ProfileStore, name: &str) -> Result<Profile, Outcome> {
    store.get(name).cloned().map_err(store_failure)
}

/// A profiles-file failure as an outcome: unknown profile and invalid settings are usage
/// errors (2), the rest local failures (1).
pub fn store_failure(err: StoreError) -> Outcome {
    let exit = match &err {
        StoreError::NotFound(_) | StoreError::Invalid(_) => Exit::Usage,
        _ => Exit::Failure,
    };
    Outcome::fail(exit, with_remedy(&err.to_string(), err.remedy().as_ref()))
}

/// The OS keyring, or why it cannot be reached.
pub async fn keyring() -> Result<AsyncSecrets, KeyringUnavailable> {
    let store = open_keyring_within(KEYRING_TIMEOUT).await?;
    Ok(AsyncSecrets::new(Arc::new(store)))
}

/// The sentence every keyring-less command says.
pub fn no_keyring(err: &KeyringUnavailable) -> String {
    with_remedy(
        &format!("no keyring was reachable, so TokenDesk cannot keep or read tokens: {err}"),
        Some(&err.remedy()),
    )
}

/// The engine over the OS keyring (exit 1 when no keyring is reachable).
pub async fn engine(paths: &Paths) -> Result<Engine, Outcome> {
    let secrets = keyring()
        .await
        .map_err(|err| Outcome::fail(Exit::Failure, no_keyring(&err)))?;
    Ok(Engine::new(secrets, paths, Arc::new(SystemClock)))
}

/// What a command about one signed-in profile needs: the profile named `name` and the
/// engine over the OS keyring. Exit 2 for an unknown profile, 1 without a keyring.
pub async fn profile_and_engine(name: &str) -> Result<(Profile, Engine), Outcome> {
    let paths = paths()?;
    let profile = find(&profiles(&paths)?, name)?;
    let engine = engine(&paths).await?;
    Ok((profile, engine))
}

/// The profile's stored token when it is good and nothing is due, found the cheapest way:
/// the keyring opened without its check, one read, no lock. `None` whenever anything is off
/// (no token, a renewal due, any error): the caller then goes the full way, which reports
/// the problem properly. This is what scripts calling `token` in a loop meet.
pub async fn quick_token(name: &str) -> Option<(Profile, crate::engine::FreshToken)> {
    let paths = paths().ok()?;
    let (store, notice) = ProfileStore::open(&paths).ok()?;
    if notice.is_some() {
        return None;
    }
    let profile = store.get(name).ok()?.clone();
    let keyring = tokio::task::spawn_blocking(crate::store::open_keyring_unchecked)
        .await
        .ok()?
        .ok()?;
    let engine = Engine::new(
        AsyncSecrets::new(Arc::new(keyring)),
        &paths,
        Arc::new(SystemClock),
    );
    let token = engine.still_good(&profile).await.ok()??;
    Some((profile, token))
}

/// An engine failure as an outcome: 3 sign-in needed, 4 network or portal, 1 local.
pub fn engine_failure(err: &EngineError) -> Outcome {
    let exit = match err.class() {
        FailureClass::SignInNeeded => Exit::SignInNeeded,
        FailureClass::Network => Exit::Network,
        FailureClass::Local => Exit::Failure,
    };
    Outcome::fail(exit, with_remedy(&err.to_string(), err.remedy().as_ref()))
}
