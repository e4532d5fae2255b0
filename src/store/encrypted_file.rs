//! [`EncryptedFileStore`]: every secret in one file sealed with a passphrase, for machines
//! where neither an OS keyring nor the kernel's key store can be used, and for unattended jobs
//! (the passphrase then comes from a file only their user can read).
//!
//! The file (`secrets.enc` in the data directory, mode 0600) is a small JSON envelope:
//!
//! ```json
//! { "format": "tokendesk-secrets", "version": 1,
//!   "kdf": { "algorithm": "argon2id", "memory_kib": 65536, "iterations": 3,
//!            "parallelism": 1, "salt": "<base64>" },
//!   "cipher": "xchacha20poly1305", "nonce": "<base64, 24 bytes>",
//!   "sealed": "<base64 ciphertext and tag>" }
//! ```
//!
//! The key is derived from the passphrase by Argon2id with the parameters and salt the file
//! names (memory-hard: guessing passphrases offline costs 64 MiB and a few hundred
//! milliseconds a guess); the sealed text is a JSON object of `"<profile id>:<kind>"` →
//! value, sealed with XChaCha20-Poly1305 under a fresh random nonce on every write. A wrong
//! passphrase and a changed file look the same — the seal does not open — and nothing is
//! changed then. Only well-kept RustCrypto crates do cryptography here.
//!
//! Writes hold a lock file beside it (`secrets.enc.lock`) for the read-modify-write, and
//! replace the file atomically (temporary file, fsync, rename): a process killed at any
//! point leaves the old file or the new one, never a mix. The key is derived once per
//! process and kept (zeroed on drop); the salt is kept across writes so that later reads
//! need no new derivation.

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

use super::atomic::write_private_file;
use super::fields::ProfileId;
use super::lock::FileLock;
use super::secrets::{
    SecretAction, SecretError, SecretKind, SecretStore, SecretTarget, keyring_user,
};
use crate::remedy::Remedy;
use crate::secret::Secret;

/// The `format` of the envelope.
const FORMAT: &str = "tokendesk-secrets";
/// The envelope's version.
const VERSION: u32 = 1;
/// Bound into the seal (associated data), so that a sealed text cannot be passed off as
/// another format's.
const ASSOCIATED_DATA: &[u8] = b"tokendesk-secrets v1";
/// The largest file read: far more than any number of profiles needs.
const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;
/// How long a write waits for another process's write.
const LOCK_TIMEOUT: Duration = Duration::from_secs(20);

/// A passphrase. Never printed, never written.
pub type Passphrase = Secret<String>;

/// The Argon2id cost of a new file: 64 MiB, 3 passes, one lane (above OWASP's 2024
/// minimum of 19 MiB and 2 passes; about a third of a second on a 2020 laptop core).
/// Stored in the file, so it can be raised later without breaking older files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfCost {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Passes over the memory.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

impl KdfCost {
    /// The cost of files TokenDesk creates.
    pub const DEFAULT: Self = Self {
        memory_kib: 64 * 1024,
        iterations: 3,
        parallelism: 1,
    };
}

/// Why the encrypted file cannot be used. No variant carries a secret.
#[derive(Debug, thiserror::Error)]
pub enum EncryptedFileError {
    /// The seal did not open: a wrong passphrase (or a file changed outside TokenDesk).
    #[error(
        "the passphrase does not open {} (a wrong passphrase, or the file was changed outside \
         TokenDesk); nothing was changed",
        .file.display()
    )]
    WrongPassphrase {
        /// The file.
        file: PathBuf,
    },
    /// The file is not in the form TokenDesk writes.
    #[error("{} is not a TokenDesk secrets file ({problem}); nothing was changed", .file.display())]
    Unreadable {
        /// The file.
        file: PathBuf,
        /// What is wrong (never any content).
        problem: String,
    },
    /// The file does not exist (yet).
    #[error("{} does not exist yet", .file.display())]
    Missing {
        /// The file.
        file: PathBuf,
    },
    /// The passphrase is empty.
    #[error("an empty passphrase protects nothing; choose one with some length")]
    EmptyPassphrase,
    /// Reading, writing or locking the file failed.
    #[error("{action} {} failed: {detail}", .file.display())]
    Io {
        /// What was being done ("reading", "writing", "locking").
        action: &'static str,
        /// The file.
        file: PathBuf,
        /// What the operating system said.
        detail: String,
    },
}

impl EncryptedFileError {
    /// What a person must do.
    pub fn remedy(&self) -> Option<Remedy> {
        match self {
            Self::WrongPassphrase { .. } | Self::EmptyPassphrase => Some(Remedy::CheckPassphrase),
            Self::Unreadable { .. } | Self::Missing { .. } | Self::Io { .. } => None,
        }
    }
}

#[derive(Serialize, Deserialize)]
struct Envelope {
    format: String,
    version: u32,
    kdf: KdfSection,
    cipher: String,
    nonce: String,
    sealed: String,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
struct KdfSection {
    algorithm: String,
    #[serde(flatten)]
    cost: KdfCost,
    salt: String,
}

/// The derived key with the KDF section it came from.
struct Unlocked {
    kdf: KdfSection,
    key: Zeroizing<[u8; 32]>,
}

/// The secrets, as the sealed text holds them.
type Entries = BTreeMap<String, Secret<String>>;

/// Secrets in one passphrase-sealed file.
pub struct EncryptedFileStore {
    file: PathBuf,
    passphrase: Passphrase,
    unlocked: Mutex<Unlocked>,
}

impl fmt::Debug for EncryptedFileStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncryptedFileStore")
            .field("file", &self.file)
            .finish_non_exhaustive()
    }
}

impl EncryptedFileStore {
    /// Opens the existing file with `passphrase`, proving it by opening the seal. Blocking
    /// (the key derivation takes a fraction of a second).
    pub fn open(file: &Path, passphrase: Passphrase) -> Result<Self, EncryptedFileError> {
        let envelope = read_envelope(file)?.ok_or_else(|| EncryptedFileError::Missing {
            file: file.to_owned(),
        })?;
        let unlocked = derive(file, &envelope.kdf, &passphrase)?;
        open_seal(file, &envelope, &unlocked.key)?;
        Ok(Self {
            file: file.to_owned(),
            passphrase,
            unlocked: Mutex::new(unlocked),
        })
    }

    /// Creates the file, empty, sealed with `passphrase` (refused when the file exists, so an
    /// existing file is never replaced under a new passphrase). Blocking.
    pub fn create(
        file: &Path,
        passphrase: Passphrase,
        cost: KdfCost,
    ) -> Result<Self, EncryptedFileError> {
        if passphrase.expose().is_empty() {
            return Err(EncryptedFileError::EmptyPassphrase);
        }
        let _lock = lock(file)?;
        if file.exists() {
            return Err(EncryptedFileError::Io {
                action: "creating",
                file: file.to_owned(),
                detail: "the file exists already".to_owned(),
            });
        }
        let salt: [u8; 16] = rand::random();
        let kdf = KdfSection {
            algorithm: "argon2id".to_owned(),
            cost,
            salt: BASE64.encode(salt),
        };
        let unlocked = derive(file, &kdf, &passphrase)?;
        let store = Self {
            file: file.to_owned(),
            passphrase,
            unlocked: Mutex::new(unlocked),
        };
        store.write(&Entries::new())?;
        Ok(store)
    }

    /// Whether the file exists.
    pub fn exists(file: &Path) -> bool {
        file.exists()
    }

    /// The file.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// Every secret in the file, read now.
    fn read(&self) -> Result<Entries, EncryptedFileError> {
        let Some(envelope) = read_envelope(&self.file)? else {
            return Ok(Entries::new());
        };
        let mut unlocked = self
            .unlocked
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if unlocked.kdf != envelope.kdf {
            // Another process wrote the file anew (another salt or cost): derive again.
            *unlocked = derive(&self.file, &envelope.kdf, &self.passphrase)?;
        }
        open_seal(&self.file, &envelope, &unlocked.key)
    }

    /// Seals `entries` under a fresh nonce and replaces the file atomically.
    fn write(&self, entries: &Entries) -> Result<(), EncryptedFileError> {
        let unlocked = self
            .unlocked
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let plain = Zeroizing::new(serde_json::to_vec(&exposed(entries)).map_err(|err| {
            EncryptedFileError::Io {
                action: "writing",
                file: self.file.clone(),
                detail: err.to_string(),
            }
        })?);
        let nonce_bytes: [u8; 24] = rand::random();
        let cipher = XChaCha20Poly1305::new(unlocked.key.as_ref().into());
        let sealed = cipher
            .encrypt(
                XNonce::from_slice(&nonce_bytes),
                Payload {
                    msg: &plain,
                    aad: ASSOCIATED_DATA,
                },
            )
            .map_err(|_| EncryptedFileError::Io {
                action: "sealing",
                file: self.file.clone(),
                detail: "the cipher refused the text".to_owned(),
            })?;
        let envelope = Envelope {
            format: FORMAT.to_owned(),
            version: VERSION,
            kdf: unlocked.kdf.clone(),
            cipher: "xchacha20poly1305".to_owned(),
            nonce: BASE64.encode(nonce_bytes),
            sealed: BASE64.encode(sealed),
        };
        let text = serde_json::to_vec_pretty(&envelope).map_err(|err| EncryptedFileError::Io {
            action: "writing",
            file: self.file.clone(),
            detail: err.to_string(),
        })?;
        write_private_file(&self.file, &text).map_err(|err| io_error("writing", &self.file, &err))
    }

    /// Read, change and write back under the lock.
    fn update<T>(&self, change: impl FnOnce(&mut Entries) -> T) -> Result<T, EncryptedFileError> {
        let _lock = lock(&self.file)?;
        let mut entries = self.read()?;
        let result = change(&mut entries);
        self.write(&entries)?;
        Ok(result)
    }
}

fn lock(file: &Path) -> Result<FileLock, EncryptedFileError> {
    let mut name = file.as_os_str().to_owned();
    name.push(".lock");
    if let Some(dir) = file.parent() {
        super::atomic::create_private_dir(dir).map_err(|err| io_error("creating", dir, &err))?;
    }
    FileLock::acquire(Path::new(&name), LOCK_TIMEOUT).map_err(|err| EncryptedFileError::Io {
        action: "locking",
        file: file.to_owned(),
        detail: err.to_string(),
    })
}

fn io_error(action: &'static str, file: &Path, err: &io::Error) -> EncryptedFileError {
    EncryptedFileError::Io {
        action,
        file: file.to_owned(),
        detail: err.to_string(),
    }
}

fn unreadable(file: &Path, problem: impl Into<String>) -> EncryptedFileError {
    EncryptedFileError::Unreadable {
        file: file.to_owned(),
        problem: problem.into(),
    }
}

/// The envelope, or `None` when there is no file.
fn read_envelope(file: &Path) -> Result<Option<Envelope>, EncryptedFileError> {
    use std::io::Read;
    let handle = match std::fs::File::open(file) {
        Ok(handle) => handle,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(io_error("reading", file, &err)),
    };
    let mut text = Vec::new();
    handle
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut text)
        .map_err(|err| io_error("reading", file, &err))?;
    if text.len() as u64 > MAX_FILE_BYTES {
        return Err(unreadable(file, "it is larger than 4 MiB"));
    }
    let envelope: Envelope = serde_json::from_slice(&text)
        .map_err(|err| unreadable(file, format!("not the expected JSON: {err}")))?;
    if envelope.format != FORMAT {
        return Err(unreadable(file, format!("format `{}`", envelope.format)));
    }
    if envelope.version != VERSION {
        return Err(unreadable(
            file,
            format!(
                "version {}, and this TokenDesk reads version {VERSION}: a newer TokenDesk wrote it",
                envelope.version
            ),
        ));
    }
    if envelope.kdf.algorithm != "argon2id" || envelope.cipher != "xchacha20poly1305" {
        return Err(unreadable(file, "an unknown key derivation or cipher"));
    }
    Ok(Some(envelope))
}

fn derive(
    file: &Path,
    kdf: &KdfSection,
    passphrase: &Passphrase,
) -> Result<Unlocked, EncryptedFileError> {
    let salt = BASE64
        .decode(&kdf.salt)
        .map_err(|_| unreadable(file, "the salt is not base64"))?;
    let params = argon2::Params::new(
        kdf.cost.memory_kib,
        kdf.cost.iterations,
        kdf.cost.parallelism,
        Some(32),
    )
    .map_err(|err| unreadable(file, format!("key derivation settings: {err}")))?;
    if kdf.cost.memory_kib > 4 * 1024 * 1024 {
        return Err(unreadable(
            file,
            "it asks for more than 4 GiB to derive its key",
        ));
    }
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut key = Zeroizing::new([0_u8; 32]);
    argon
        .hash_password_into(passphrase.expose().as_bytes(), &salt, key.as_mut())
        .map_err(|err| unreadable(file, format!("key derivation: {err}")))?;
    Ok(Unlocked {
        kdf: kdf.clone(),
        key,
    })
}

fn open_seal(
    file: &Path,
    envelope: &Envelope,
    key: &[u8; 32],
) -> Result<Entries, EncryptedFileError> {
    let nonce = BASE64
        .decode(&envelope.nonce)
        .ok()
        .filter(|nonce| nonce.len() == 24)
        .ok_or_else(|| unreadable(file, "the nonce is not 24 bytes of base64"))?;
    let sealed = BASE64
        .decode(&envelope.sealed)
        .map_err(|_| unreadable(file, "the sealed text is not base64"))?;
    let cipher = XChaCha20Poly1305::new(key.into());
    let plain = Zeroizing::new(
        cipher
            .decrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: &sealed,
                    aad: ASSOCIATED_DATA,
                },
            )
            .map_err(|_| EncryptedFileError::WrongPassphrase {
                file: file.to_owned(),
            })?,
    );
    let mut values: BTreeMap<String, String> = serde_json::from_slice(&plain)
        .map_err(|_| unreadable(file, "the opened text is not a JSON object of text"))?;
    let entries = values
        .iter_mut()
        .map(|(name, value)| (name.clone(), Secret::new(std::mem::take(value))))
        .collect();
    for value in values.values_mut() {
        value.zeroize();
    }
    Ok(entries)
}

/// The entries as plain strings, for sealing (the caller zeroes the serialised text).
fn exposed(entries: &Entries) -> BTreeMap<&str, &str> {
    entries
        .iter()
        .map(|(name, value)| (name.as_str(), value.expose().as_str()))
        .collect()
}

fn target(profile: &ProfileId, kind: SecretKind) -> SecretTarget {
    SecretTarget {
        profile: profile.clone(),
        kind: Some(kind),
    }
}

fn to_secret_error(
    err: EncryptedFileError,
    action: SecretAction,
    profile: &ProfileId,
    kind: SecretKind,
) -> SecretError {
    let target = target(profile, kind);
    match err {
        EncryptedFileError::WrongPassphrase { .. } => SecretError::Locked {
            action,
            target,
            detail: err.to_string(),
        },
        EncryptedFileError::Unreadable { .. } => SecretError::BadValue {
            target,
            problem: err.to_string(),
        },
        _ => SecretError::Failed {
            action,
            target,
            detail: err.to_string(),
        },
    }
}

impl SecretStore for EncryptedFileStore {
    fn get(
        &self,
        profile: &ProfileId,
        kind: SecretKind,
    ) -> Result<Option<Secret<String>>, SecretError> {
        let mut entries = self
            .read()
            .map_err(|err| to_secret_error(err, SecretAction::Get, profile, kind))?;
        Ok(entries.remove(&keyring_user(profile, kind)))
    }

    fn set(
        &self,
        profile: &ProfileId,
        kind: SecretKind,
        value: &Secret<String>,
    ) -> Result<(), SecretError> {
        self.update(|entries| {
            entries.insert(keyring_user(profile, kind), value.clone());
        })
        .map_err(|err| to_secret_error(err, SecretAction::Set, profile, kind))
    }

    fn delete(&self, profile: &ProfileId, kind: SecretKind) -> Result<bool, SecretError> {
        // Nothing to delete is not worth a write.
        let user = keyring_user(profile, kind);
        let present = self
            .read()
            .map_err(|err| to_secret_error(err, SecretAction::Delete, profile, kind))?
            .contains_key(&user);
        if !present {
            return Ok(false);
        }
        self.update(|entries| entries.remove(&user).is_some())
            .map_err(|err| to_secret_error(err, SecretAction::Delete, profile, kind))
    }

    fn is_persistent(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cheap cost, so that unit tests do not spend seconds deriving keys.
    const CHEAP: KdfCost = KdfCost {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };

    fn pass(text: &str) -> Passphrase {
        Secret::new(text.to_owned())
    }

    #[test]
    fn secrets_written_with_one_passphrase_are_read_back_with_it_by_another_opening() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("secrets.enc");
        let store = EncryptedFileStore::create(&file, pass("correct horse"), CHEAP).unwrap();
        let id = ProfileId::generate();
        store
            .set(
                &id,
                SecretKind::RefreshToken,
                &Secret::new("rt-value-1".into()),
            )
            .unwrap();
        let again = EncryptedFileStore::open(&file, pass("correct horse")).unwrap();
        assert_eq!(
            again
                .get(&id, SecretKind::RefreshToken)
                .unwrap()
                .unwrap()
                .expose(),
            "rt-value-1"
        );
        assert!(again.get(&id, SecretKind::Password).unwrap().is_none());
        assert!(again.delete(&id, SecretKind::RefreshToken).unwrap());
        assert!(store.get(&id, SecretKind::RefreshToken).unwrap().is_none());
    }

    #[test]
    fn the_file_holds_no_secret_in_the_clear_and_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("secrets.enc");
        let store = EncryptedFileStore::create(&file, pass("pw"), CHEAP).unwrap();
        store
            .set(
                &ProfileId::generate(),
                SecretKind::AccessToken,
                &Secret::new("needle-token-42".into()),
            )
            .unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(!text.contains("needle-token-42"), "{text}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }

    #[test]
    fn a_wrong_passphrase_is_refused_and_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("secrets.enc");
        EncryptedFileStore::create(&file, pass("right"), CHEAP).unwrap();
        let before = std::fs::read(&file).unwrap();
        let err = EncryptedFileStore::open(&file, pass("wrong")).unwrap_err();
        assert!(
            matches!(err, EncryptedFileError::WrongPassphrase { .. }),
            "{err}"
        );
        assert_eq!(err.remedy(), Some(Remedy::CheckPassphrase));
        assert_eq!(std::fs::read(&file).unwrap(), before);
    }

    #[test]
    fn a_changed_byte_in_the_sealed_text_is_refused_like_a_wrong_passphrase() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("secrets.enc");
        let store = EncryptedFileStore::create(&file, pass("pw"), CHEAP).unwrap();
        store
            .set(
                &ProfileId::generate(),
                SecretKind::ApiKey,
                &Secret::new("k".into()),
            )
            .unwrap();
        let mut envelope: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        let sealed = BASE64.decode(envelope["sealed"].as_str().unwrap()).unwrap();
        let mut flipped = sealed.clone();
        flipped[0] ^= 1;
        envelope["sealed"] = BASE64.encode(flipped).into();
        std::fs::write(&file, serde_json::to_vec(&envelope).unwrap()).unwrap();
        let err = EncryptedFileStore::open(&file, pass("pw")).unwrap_err();
        assert!(
            matches!(err, EncryptedFileError::WrongPassphrase { .. }),
            "{err}"
        );
    }

    #[test]
    fn an_existing_file_is_never_created_anew_under_another_passphrase() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("secrets.enc");
        EncryptedFileStore::create(&file, pass("one"), CHEAP).unwrap();
        assert!(EncryptedFileStore::create(&file, pass("two"), CHEAP).is_err());
        EncryptedFileStore::open(&file, pass("one")).unwrap();
    }

    #[test]
    fn a_file_of_another_format_or_a_newer_version_is_named_as_such() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("secrets.enc");
        std::fs::write(&file, b"not json").unwrap();
        let err = EncryptedFileStore::open(&file, pass("pw")).unwrap_err();
        assert!(
            matches!(err, EncryptedFileError::Unreadable { .. }),
            "{err}"
        );
        EncryptedFileStore::create(&dir.path().join("b.enc"), pass("pw"), CHEAP).unwrap();
        let mut envelope: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.path().join("b.enc")).unwrap()).unwrap();
        envelope["version"] = 2.into();
        std::fs::write(&file, serde_json::to_vec(&envelope).unwrap()).unwrap();
        let err = EncryptedFileStore::open(&file, pass("pw")).unwrap_err();
        assert!(err.to_string().contains("newer TokenDesk"), "{err}");
    }

    #[test]
    fn an_empty_passphrase_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let err =
            EncryptedFileStore::create(&dir.path().join("s.enc"), pass(""), CHEAP).unwrap_err();
        assert!(matches!(err, EncryptedFileError::EmptyPassphrase));
    }
}
