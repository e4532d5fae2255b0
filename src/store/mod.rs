//! Storage: the profiles file and the secrets. Never writes a secret to a file.
//!
//! | file              | purpose                                                                  |
//! |-------------------|--------------------------------------------------------------------------|
//! | [`paths`]         | [`Paths`]: the config/data/cache directories (`TOKENDESK_*_DIR` override) |
//! | [`fields`]        | the small typed values of a profile: id, kind, sign-in method, lifetime… |
//! | [`redirect`]      | [`RedirectUri`]: fixed-port loopback, any-port loopback or out-of-band   |
//! | [`profile`]       | [`ProfileDraft`] (what a person gives) → [`Profile`] (validated, with id)  |
//! | `file_format`     | the `profiles.toml` text: `schema_version`, `[[profile]]` (no I/O)       |
//! | [`profiles`]      | [`ProfileStore`]: locked read-modify-write, corrupt files moved aside    |
//! | `atomic`          | private files written atomically (tempfile, fsync, rename; 0600/0700)    |
//! | [`lock`]          | [`FileLock`]: a cross-process lock with a bounded wait                    |
//! | [`secrets`]       | the [`SecretStore`] trait, [`SecretKind`], [`SecretError`]                  |
//! | [`keyring`]       | [`KeyringStore`] and [`open_keyring`]: the OS keyring, and why not       |
//! | [`kernel`]        | the Linux kernel's key store (keyutils), behind [`KeyringStore`]        |
//! | [`encrypted_file`] | [`EncryptedFileStore`]: one passphrase-sealed file (Argon2id, XChaCha20) |
//! | [`tiers`]         | [`StoreTier`]: which of those a machine uses, and opening it             |
//! | [`migrate`]       | moving every secret from one store to another, verified before deleting  |
//! | [`memory`]        | [`MemoryStore`]: session-only secrets in memory (and tests)              |
//! | [`async_secrets`] | [`AsyncSecrets`]: store calls on the blocking pool, with a timeout        |
//! | [`access_token`]  | [`AccessTokenRecord`]: token + expiry + user as one keyring value         |
//! | [`api_key`]       | [`ApiKeyRecord`]: an API key + its expiry + owner as one keyring value    |
//! | [`team_file`]     | team profile files: export, and import checked in full before writing   |
//! | [`recommend`]     | [`Recommendation`]: the profile to add for a probed site, and why        |

pub mod access_token;
pub mod api_key;
pub mod async_secrets;
mod atomic;
pub mod encrypted_file;
pub mod fields;
// Public only for the fuzz targets in `fuzz/` (a crate of their own, which can reach nothing
// private): `profiles.toml` is a file people may edit by hand, so its parser is fuzzed
// directly. Hidden from the documentation; not part of the API.
#[doc(hidden)]
pub mod file_format;
pub mod kernel;
pub mod keyring;
pub mod lock;
pub mod memory;
pub mod migrate;
pub mod paths;
pub mod profile;
pub mod profiles;
pub mod recommend;
pub mod redirect;
pub mod secrets;
pub mod team_file;
pub mod tiers;

pub use access_token::AccessTokenRecord;
pub use api_key::ApiKeyRecord;
pub use async_secrets::{AsyncSecrets, DEFAULT_SECRET_TIMEOUT};
pub use atomic::write_private_file;
pub use encrypted_file::{EncryptedFileError, EncryptedFileStore, KdfCost, Passphrase};
pub use fields::{PreferredHeader, ProfileId, SignInMethod, SiteKind, TokenBinding, TokenLifetime};
pub use kernel::KernelStore;
pub use keyring::{
    KeyringStore, KeyringUnavailable, Reconnect, open_keyring, open_keyring_unchecked,
    open_keyring_within,
};
pub use lock::{FileLock, LockError};
pub use memory::MemoryStore;
pub use paths::Paths;
pub use profile::{Access, Profile, ProfileDraft, ProfileError};
pub use profiles::{CorruptFileNotice, ProfileStore, StoreError};
pub use recommend::{Recommendation, recommend};
pub use redirect::{RedirectError, RedirectUri};
pub use secrets::{SecretError, SecretKind, SecretStore};
pub use tiers::{OpenError, OpenedStore, StoreTier};
