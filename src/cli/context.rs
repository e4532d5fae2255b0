//! What the profile and token commands share: the directories, the profiles file, the
//! keyring and the engine, and how an engine failure becomes an exit code and a message.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use super::remedy::with_remedy;
use super::secret_input::read_passphrase;
use super::{Exit, Outcome};
use crate::clock::SystemClock;
use crate::engine::{Engine, EngineError, FailureClass};
use crate::store::tiers::{self, OpenError, StoreTier};
use crate::store::{AsyncSecrets, EncryptedFileError, Paths, Profile, ProfileStore, StoreError};

/// How long the CLI waits for the keyring to answer its first call.
const KEYRING_TIMEOUT: Duration = Duration::from_secs(20);

/// The tier `--store` named, set once by `main` before any command runs.
static STORE_FLAG: OnceLock<Option<StoreTier>> = OnceLock::new();

/// Remembers the tier `--store` named (`None`: not given).
pub fn set_store_flag(tier: Option<StoreTier>) {
    let _ = STORE_FLAG.set(tier);
}

/// Where the choice of tier came from, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChoiceSource {
    /// `--store`.
    Flag,
    /// `TOKENDESK_STORE`.
    Environment,
    /// `store = "…"` in the settings file.
    Settings,
}

impl ChoiceSource {
    /// How a person would name it.
    pub fn words(self) -> &'static str {
        match self {
            Self::Flag => "--store",
            Self::Environment => "TOKENDESK_STORE",
            Self::Settings => "the settings file",
        }
    }
}

/// The tier chosen for this command, and by what: `--store`, then `TOKENDESK_STORE`, then
/// the settings file; `None` when nothing chose one (the best tier that answers is used).
pub fn chosen_tier(paths: &Paths) -> Result<Option<(StoreTier, ChoiceSource)>, Outcome> {
    if let Some(Some(tier)) = STORE_FLAG.get() {
        return Ok(Some((*tier, ChoiceSource::Flag)));
    }
    if let Some(name) = std::env::var_os("TOKENDESK_STORE").filter(|name| !name.is_empty()) {
        let name = name.to_string_lossy();
        return name
            .parse::<StoreTier>()
            .map(|tier| Some((tier, ChoiceSource::Environment)))
            .map_err(|err| Outcome::fail(Exit::Usage, format!("TOKENDESK_STORE: {err}")));
    }
    tiers::machine_choice(paths)
        .map(|tier| tier.map(|tier| (tier, ChoiceSource::Settings)))
        .map_err(|err| Outcome::fail(Exit::Failure, err.to_string()))
}

/// The secret store this command uses, opened, with its tier. Says once on stderr when the
/// OS keyring was passed over for a lower tier for the first time on this machine.
pub async fn secrets(paths: &Paths) -> Result<(AsyncSecrets, StoreTier), Outcome> {
    let chosen = chosen_tier(paths)?;
    open_secrets(paths, chosen.map(|(tier, _)| tier)).await
}

/// `tier` (or, for `None`, the best tier that answers) opened for this command.
pub async fn open_secrets(
    paths: &Paths,
    tier: Option<StoreTier>,
) -> Result<(AsyncSecrets, StoreTier), Outcome> {
    let passphrase = match tier {
        Some(StoreTier::EncryptedFile) => Some(
            read_passphrase(
                tiers::encrypted_file(paths),
                !tiers::encrypted_file_exists(paths),
            )
            .await?,
        ),
        _ => None,
    };
    let opened = tiers::open_within(tier, paths, passphrase, false, KEYRING_TIMEOUT)
        .await
        .map_err(|err| no_store(&err))?;
    if let Some(why) = &opened.passed_over {
        first_time_notice(paths, why);
    }
    Ok((AsyncSecrets::new(opened.store), opened.tier))
}

/// The one-line notice that the kernel's key store is used, the first time on this machine.
fn first_time_notice(paths: &Paths, why: &crate::store::KeyringUnavailable) {
    let marker = paths.data_dir().join("notices").join("kernel-tier");
    tracing::debug!(cause = %why, "the OS keyring was passed over");
    if marker.exists() {
        return;
    }
    eprintln!(
        "tokendesk: no keyring answered ({}), so secrets are kept in the kernel's key store \
         until a reboot (`tokendesk store --help` says how to choose).",
        why.summary()
    );
    if let Err(err) = crate::store::write_private_file(&marker, b"") {
        tracing::debug!(%err, "could not remember that the notice was shown");
    }
}

/// Why no secret store could be opened, in two sentences (what happened, what to do), with
/// the technical cause in the debug log. Exit 5 for a wrong passphrase, 1 otherwise.
pub fn no_store(err: &OpenError) -> Outcome {
    tracing::debug!(cause = %err.details(), "no secret store");
    let exit = match err {
        OpenError::EncryptedFile(EncryptedFileError::WrongPassphrase { .. }) => Exit::Passphrase,
        OpenError::MemoryOutlivesNothing => Exit::Usage,
        _ => Exit::Failure,
    };
    Outcome::fail(exit, no_store_message(err))
}

/// The two sentences of [`no_store`].
pub fn no_store_message(err: &OpenError) -> String {
    let mut text = err.to_string();
    if let Some(first) = text.get(..1) {
        text = format!("{}{}", first.to_uppercase(), &text[1..]);
    }
    with_remedy(&format!("{text}."), err.remedy().as_ref())
}

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

/// The engine over this command's secret store (exit 1 when none can be opened).
pub async fn engine(paths: &Paths) -> Result<Engine, Outcome> {
    let (secrets, _) = secrets(paths).await?;
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
/// the keyring (or the kernel's key store) opened without its check, one read, no lock. `None` whenever anything is off
/// (no token, a renewal due, any error): the caller then goes the full way, which reports
/// the problem properly. This is what scripts calling `token` in a loop meet.
pub async fn quick_token(name: &str) -> Option<(Profile, crate::engine::FreshToken)> {
    let paths = paths().ok()?;
    let (store, notice) = ProfileStore::open(&paths).ok()?;
    if notice.is_some() {
        return None;
    }
    let profile = store.get(name).ok()?.clone();
    let tier = match chosen_tier(&paths).ok()? {
        Some((tier, _)) => tier,
        None => StoreTier::Keyring,
    };
    let secrets = tokio::task::spawn_blocking(move || tiers::open_tier_unchecked(tier))
        .await
        .ok()??;
    let engine = Engine::new(AsyncSecrets::new(secrets), &paths, Arc::new(SystemClock));
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
