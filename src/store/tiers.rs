//! Where secrets are kept: the storage tiers, the machine's choice among them, and opening
//! the chosen one (or, when nothing is chosen, the best one that answers).
//!
//! | tier             | where                                   | lasts                          |
//! |------------------|-----------------------------------------|--------------------------------|
//! | `keyring`        | the OS keyring (Secret Service, Keychain, Credential Manager) | until deleted |
//! | `kernel`         | the Linux kernel's key store (keyutils) | until a reboot                 |
//! | `encrypted-file` | `secrets.enc`, sealed with a passphrase | until deleted                  |
//! | `memory`         | one process's memory                    | until that process exits       |
//!
//! The choice comes from the surface (`--store`, `TOKENDESK_STORE`) or the machine's settings
//! file (`store = "kernel"`); without one, [`open_automatic`] takes the OS keyring and, where
//! there is none at all (no D-Bus session, no Secret Service), the kernel's key store, and
//! says that it did. A locked keyring is never passed over: its secrets are there. There is
//! never a plaintext file.

use std::fmt;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::atomic::write_private_file;
use super::encrypted_file::{EncryptedFileError, EncryptedFileStore, KdfCost, Passphrase};
use super::kernel::{open_kernel, open_kernel_unchecked};
use super::keyring::{KeyringUnavailable, open_keyring, open_keyring_unchecked};
use super::memory::MemoryStore;
use super::paths::Paths;
use super::secrets::SecretStore;
use crate::remedy::{OtherStore, Remedy};

/// A storage tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StoreTier {
    /// The OS keyring.
    Keyring,
    /// The Linux kernel's key store.
    Kernel,
    /// One file sealed with a passphrase.
    EncryptedFile,
    /// One process's memory (the window's session-only mode).
    Memory,
}

impl StoreTier {
    /// Every tier, best first.
    pub const ALL: [Self; 4] = [
        Self::Keyring,
        Self::Kernel,
        Self::EncryptedFile,
        Self::Memory,
    ];

    /// The name in settings, flags and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Keyring => "keyring",
            Self::Kernel => "kernel",
            Self::EncryptedFile => "encrypted-file",
            Self::Memory => "memory",
        }
    }

    /// Where the secrets are, in a few words for people.
    pub fn place(self) -> &'static str {
        match self {
            Self::Keyring => "the OS keyring",
            Self::Kernel => "the kernel's key store (gone after a reboot)",
            Self::EncryptedFile => "the passphrase-protected secrets file",
            Self::Memory => "memory only (gone when TokenDesk closes)",
        }
    }

    /// Whether secrets outlive the process that stored them.
    pub fn outlives_the_process(self) -> bool {
        !matches!(self, Self::Memory)
    }
}

impl fmt::Display for StoreTier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A tier name that is none of the tiers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a storage tier; the tiers are keyring, kernel, encrypted-file and memory")]
pub struct UnknownTier(pub String);

impl FromStr for StoreTier {
    type Err = UnknownTier;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|tier| tier.as_str() == text.trim())
            .ok_or_else(|| UnknownTier(text.trim().to_owned()))
    }
}

/// The tier named in the settings file (`store = "…"`), if any. The rest of the file belongs
/// to the desktop app and is not looked at.
pub fn machine_choice(paths: &Paths) -> Result<Option<StoreTier>, MachineChoiceError> {
    let file = paths.settings_file();
    let text = match std::fs::read_to_string(&file) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => {
            return Err(MachineChoiceError {
                file: file.display().to_string(),
                problem: err.to_string(),
            });
        }
    };
    let table: toml::Table = toml::from_str(&text).map_err(|err| MachineChoiceError {
        file: file.display().to_string(),
        problem: err.message().to_owned(),
    })?;
    match table.get("store") {
        None => Ok(None),
        Some(toml::Value::String(name)) => {
            name.parse()
                .map(Some)
                .map_err(|err: UnknownTier| MachineChoiceError {
                    file: file.display().to_string(),
                    problem: err.to_string(),
                })
        }
        Some(_) => Err(MachineChoiceError {
            file: file.display().to_string(),
            problem: "`store` must be text, e.g. store = \"kernel\"".to_owned(),
        }),
    }
}

/// Records `tier` as the machine's choice in the settings file (`None` removes it), keeping
/// every other setting. Blocking.
pub fn save_machine_choice(
    paths: &Paths,
    tier: Option<StoreTier>,
) -> Result<(), MachineChoiceError> {
    let file = paths.settings_file();
    let failed = |problem: String| MachineChoiceError {
        file: file.display().to_string(),
        problem,
    };
    let mut table: toml::Table = match std::fs::read_to_string(&file) {
        Ok(text) => toml::from_str(&text).map_err(|err| failed(err.message().to_owned()))?,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => toml::Table::new(),
        Err(err) => return Err(failed(err.to_string())),
    };
    match tier {
        Some(tier) => table.insert("store".to_owned(), tier.as_str().into()),
        None => table.remove("store"),
    };
    let text = format!(
        "# TokenDesk settings (no secrets). Written by TokenDesk; safe to edit.\n{}",
        toml::to_string(&table).map_err(|err| failed(err.to_string()))?
    );
    write_private_file(&file, text.as_bytes()).map_err(|err| failed(err.to_string()))
}

/// The settings file could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the settings file {file} cannot be used to choose where secrets are kept: {problem}")]
pub struct MachineChoiceError {
    /// The file.
    pub file: String,
    /// What is wrong.
    pub problem: String,
}

/// An opened store and which tier it is.
#[derive(Debug, Clone)]
pub struct OpenedStore {
    /// The store.
    pub store: Arc<dyn SecretStore>,
    /// Its tier.
    pub tier: StoreTier,
    /// When nothing was chosen and the OS keyring was passed over: why.
    pub passed_over: Option<KeyringUnavailable>,
}

/// Why the chosen (or any) tier cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// Nothing was chosen, and neither the OS keyring nor the kernel's key store answered.
    #[error("no keyring answered ({}), and the kernel's key store is not usable here ({})", .keyring.summary(), .kernel.summary())]
    NoTier {
        /// Why not the OS keyring.
        keyring: KeyringUnavailable,
        /// Why not the kernel's key store.
        kernel: KeyringUnavailable,
    },
    /// The OS keyring (chosen, or locked when nothing was chosen).
    #[error("{}", keyring_sentence(.0))]
    Keyring(KeyringUnavailable),
    /// The kernel's key store was chosen and refused.
    #[error("the kernel's key store is not usable here ({})", .0.summary())]
    Kernel(KeyringUnavailable),
    /// The encrypted file.
    #[error("{0}")]
    EncryptedFile(EncryptedFileError),
    /// The memory tier was chosen where no process outlives the command.
    #[error(
        "the memory tier keeps secrets only inside one running process, and every command is \
         a process of its own"
    )]
    MemoryOutlivesNothing,
    /// The work was lost (a blocking thread stopped).
    #[error("opening the secret store stopped unexpectedly: {0}")]
    Stopped(String),
}

fn keyring_sentence(err: &KeyringUnavailable) -> String {
    match err {
        KeyringUnavailable::Locked { .. } => "the keyring is locked".to_owned(),
        KeyringUnavailable::NotAnswering { .. } => err.summary(),
        _ => format!("no keyring answered ({})", err.summary()),
    }
}

impl OpenError {
    /// What a person must do.
    pub fn remedy(&self) -> Option<Remedy> {
        match self {
            Self::NoTier { .. } | Self::Kernel(_) => Some(Remedy::UseOtherStore {
                store: OtherStore::EncryptedFile,
            }),
            Self::Keyring(err) => Some(match err {
                KeyringUnavailable::Locked { .. } | KeyringUnavailable::NotAnswering { .. } => {
                    Remedy::UnlockKeyring
                }
                _ if cfg!(target_os = "linux") => Remedy::UseOtherStore {
                    store: OtherStore::Kernel,
                },
                _ => Remedy::UseOtherStore {
                    store: OtherStore::EncryptedFile,
                },
            }),
            Self::EncryptedFile(err) => err.remedy(),
            Self::MemoryOutlivesNothing => Some(Remedy::UseOtherStore {
                store: OtherStore::Kernel,
            }),
            Self::Stopped(_) => None,
        }
    }

    /// The full technical cause, for a debug log (never a secret).
    pub fn details(&self) -> String {
        match self {
            Self::NoTier { keyring, kernel } => format!("keyring: {keyring}; kernel: {kernel}"),
            Self::Keyring(err) | Self::Kernel(err) => err.to_string(),
            other => other.to_string(),
        }
    }
}

/// Opens `tier`. The encrypted file is opened with `passphrase` (created with it when it
/// does not exist yet); the memory tier only where the caller outlives a command
/// (`allow_memory`). Blocking.
pub fn open_tier(
    tier: StoreTier,
    paths: &Paths,
    passphrase: Option<Passphrase>,
    allow_memory: bool,
) -> Result<OpenedStore, OpenError> {
    let store: Arc<dyn SecretStore> = match tier {
        StoreTier::Keyring => Arc::new(open_keyring().map_err(OpenError::Keyring)?),
        StoreTier::Kernel => Arc::new(open_kernel().map_err(OpenError::Kernel)?),
        StoreTier::EncryptedFile => Arc::new(open_encrypted_file(paths, passphrase)?),
        StoreTier::Memory if allow_memory => Arc::new(MemoryStore::new()),
        StoreTier::Memory => return Err(OpenError::MemoryOutlivesNothing),
    };
    Ok(OpenedStore {
        store,
        tier,
        passed_over: None,
    })
}

/// `tier` opened the cheapest way, without the check that it takes entries: for a caller
/// that reads at once and goes the full way on any failure. Only the keyring tiers.
pub fn open_tier_unchecked(tier: StoreTier) -> Option<Arc<dyn SecretStore>> {
    match tier {
        StoreTier::Keyring => open_keyring_unchecked()
            .ok()
            .map(|store| Arc::new(store) as Arc<dyn SecretStore>),
        StoreTier::Kernel => open_kernel_unchecked()
            .ok()
            .map(|store| Arc::new(store) as Arc<dyn SecretStore>),
        StoreTier::EncryptedFile | StoreTier::Memory => None,
    }
}

fn open_encrypted_file(
    paths: &Paths,
    passphrase: Option<Passphrase>,
) -> Result<EncryptedFileStore, OpenError> {
    let file = paths.encrypted_secrets_file();
    let passphrase = passphrase.ok_or(OpenError::EncryptedFile(
        EncryptedFileError::EmptyPassphrase,
    ))?;
    let opened = if EncryptedFileStore::exists(&file) {
        EncryptedFileStore::open(&file, passphrase)
    } else {
        EncryptedFileStore::create(&file, passphrase, KdfCost::DEFAULT)
    };
    opened.map_err(OpenError::EncryptedFile)
}

/// Nothing chosen: the OS keyring when it answers; where there is none at all (no D-Bus
/// session, no Secret Service, no keyring on this platform), the kernel's key store, with
/// the reason in [`OpenedStore::passed_over`]. A locked or silent keyring is an error, not a
/// reason to look elsewhere: the secrets are in it. Blocking.
pub fn open_automatic() -> Result<OpenedStore, OpenError> {
    match open_keyring() {
        Ok(store) => Ok(OpenedStore {
            store: Arc::new(store),
            tier: StoreTier::Keyring,
            passed_over: None,
        }),
        Err(
            err @ (KeyringUnavailable::Locked { .. } | KeyringUnavailable::NotAnswering { .. }),
        ) => Err(OpenError::Keyring(err)),
        Err(keyring) => match open_kernel() {
            Ok(store) => Ok(OpenedStore {
                store: Arc::new(store),
                tier: StoreTier::Kernel,
                passed_over: Some(keyring),
            }),
            Err(kernel) => Err(OpenError::NoTier { keyring, kernel }),
        },
    }
}

/// [`open_automatic`] or [`open_tier`] on a blocking thread, giving up on the OS keyring after
/// `timeout` (an unlock prompt may be open).
pub async fn open_within(
    choice: Option<StoreTier>,
    paths: &Paths,
    passphrase: Option<Passphrase>,
    allow_memory: bool,
    timeout: Duration,
) -> Result<OpenedStore, OpenError> {
    let paths = paths.clone();
    let work = tokio::task::spawn_blocking(move || match choice {
        Some(tier) => open_tier(tier, &paths, passphrase, allow_memory),
        None => open_automatic(),
    });
    // The key derivation of the encrypted file is not waiting on a person: no timeout.
    let timeout = if choice == Some(StoreTier::EncryptedFile) {
        Duration::from_secs(600)
    } else {
        timeout
    };
    match tokio::time::timeout(timeout, work).await {
        Ok(Ok(result)) => result,
        Ok(Err(join_error)) => Err(OpenError::Stopped(join_error.to_string())),
        Err(_) => Err(OpenError::Keyring(KeyringUnavailable::NotAnswering {
            waited: timeout,
        })),
    }
}

/// Whether the encrypted secrets file exists (a new one asks for its passphrase twice).
pub fn encrypted_file_exists(paths: &Paths) -> bool {
    EncryptedFileStore::exists(&paths.encrypted_secrets_file())
}

/// The path of the encrypted secrets file.
pub fn encrypted_file(paths: &Paths) -> std::path::PathBuf {
    paths.encrypted_secrets_file()
}

/// The passphrase in `file` (its text without one final line break; at most 64 KiB read) and
/// whether the file is private to its owner. `None` for an empty passphrase.
pub fn read_passphrase_file(file: &Path) -> std::io::Result<(Option<Passphrase>, bool)> {
    use std::io::Read;
    let private = is_private(file)?;
    let mut text = zeroize::Zeroizing::new(String::new());
    std::fs::File::open(file)?
        .take(64 * 1024)
        .read_to_string(&mut text)?;
    let line = text
        .strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(&text);
    let passphrase = (!line.is_empty()).then(|| crate::secret::Secret::new(line.to_owned()));
    Ok((passphrase, private))
}

/// Whether `path` is private to its owner (no group or other bits), for passphrase files.
pub fn is_private(path: &Path) -> std::io::Result<bool> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        Ok(std::fs::metadata(path)?.permissions().mode() & 0o077 == 0)
    }
    #[cfg(not(unix))]
    {
        std::fs::metadata(path).map(|_| true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tier_name_reads_back_as_the_same_tier() {
        for tier in StoreTier::ALL {
            assert_eq!(tier.as_str().parse::<StoreTier>().unwrap(), tier);
        }
        let err = "plaintext".parse::<StoreTier>().unwrap_err();
        assert!(err.to_string().contains("encrypted-file"), "{err}");
    }

    #[test]
    fn the_machine_choice_is_saved_beside_the_other_settings_and_removed_again() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::under(dir.path());
        assert_eq!(machine_choice(&paths).unwrap(), None);
        std::fs::create_dir_all(paths.config_dir()).unwrap();
        std::fs::write(paths.settings_file(), "theme = \"dark\"\n").unwrap();
        save_machine_choice(&paths, Some(StoreTier::Kernel)).unwrap();
        assert_eq!(machine_choice(&paths).unwrap(), Some(StoreTier::Kernel));
        let text = std::fs::read_to_string(paths.settings_file()).unwrap();
        assert!(text.contains("theme = \"dark\""), "{text}");
        save_machine_choice(&paths, None).unwrap();
        assert_eq!(machine_choice(&paths).unwrap(), None);
    }

    #[test]
    fn a_misspelt_tier_in_the_settings_file_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::under(dir.path());
        std::fs::create_dir_all(paths.config_dir()).unwrap();
        std::fs::write(paths.settings_file(), "store = \"kernal\"\n").unwrap();
        let err = machine_choice(&paths).unwrap_err();
        assert!(err.to_string().contains("settings.toml"), "{err}");
        assert!(err.to_string().contains("kernal"), "{err}");
    }

    #[test]
    fn the_memory_tier_is_refused_where_nothing_outlives_a_command() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::under(dir.path());
        let err = open_tier(StoreTier::Memory, &paths, None, false).unwrap_err();
        assert!(matches!(err, OpenError::MemoryOutlivesNothing));
        assert!(open_tier(StoreTier::Memory, &paths, None, true).is_ok());
    }
}
