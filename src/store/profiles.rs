//! [`ProfileStore`]: the profiles in `<config dir>/profiles.toml`.
//!
//! * Every change is read-modify-write under the cross-process lock `profiles.lock` (a file
//!   of its own: the atomic rename replaces the TOML file's inode), so the desktop app and
//!   CLI processes never lose each other's changes.
//! * The file is replaced atomically, mode 0600, in a 0700 directory when we create it.
//! * A file written by a newer TokenDesk (higher `schema_version`) is refused and left as it
//!   is. Any other file that cannot be read is moved aside as
//!   `profiles.toml.corrupt-<UTC timestamp>` and reported through [`CorruptFileNotice`];
//!   it is never overwritten.
//!
//! All calls do blocking file I/O (and may wait for the lock): run them off the UI thread.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::Utc;

use super::atomic::{create_private_dir, write_atomically};
use super::fields::ProfileId;
use super::file_format::{self, Parsed, SCHEMA_VERSION};
use super::lock::{FileLock, LockError};
use super::paths::Paths;
use super::profile::{Profile, ProfileDraft, ProfileError};
use crate::remedy::Remedy;

/// How long a change waits for another process's change by default.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(10);

/// The profiles, as last read from or written to `profiles.toml`.
#[derive(Debug)]
pub struct ProfileStore {
    file: PathBuf,
    lock_file: PathBuf,
    lock_timeout: Duration,
    profiles: Vec<Profile>,
}

/// A profiles file that could not be read was moved aside; show this to the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorruptFileNotice {
    /// Where the file was.
    pub original: PathBuf,
    /// Where it is now, with its bytes unchanged.
    pub moved_to: PathBuf,
    /// Why it could not be read.
    pub reason: String,
}

impl fmt::Display for CorruptFileNotice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the profiles file {} could not be read ({}). It was moved to {} unchanged and \
             TokenDesk continues without those profiles: repair that file and move it back, or \
             add the profiles again",
            self.original.display(),
            self.reason,
            self.moved_to.display()
        )
    }
}

/// What went wrong with the profiles file. Each message says what happened, where, and what
/// to do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file was written by a newer TokenDesk.
    #[error(
        "{path} was written by a newer TokenDesk (schema_version {found}; this one reads \
         {SCHEMA_VERSION}): update TokenDesk. The file was left unchanged"
    )]
    NewerSchema {
        /// The profiles file.
        path: PathBuf,
        /// The version found.
        found: i64,
    },
    /// A change found the file unreadable and moved it aside; nothing was changed.
    #[error("{0}. Nothing was changed: try again")]
    CorruptFileMovedAside(CorruptFileNotice),
    /// Another process held the lock too long, or the lock file failed.
    #[error(transparent)]
    Lock(#[from] LockError),
    /// A file operation failed.
    #[error("cannot {action} {path}: {source}. Check that it exists and that you may write to it")]
    Io {
        /// What we were doing.
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The profile settings are invalid.
    #[error(transparent)]
    Invalid(#[from] ProfileError),
    /// No profile has this name or id.
    #[error("there is no profile called `{0}`")]
    NotFound(String),
}

impl StoreError {
    /// What a person must do about it, if anything beyond what the message says.
    pub fn remedy(&self) -> Option<Remedy> {
        match self {
            Self::NotFound(_) => Some(Remedy::ListProfiles),
            _ => None,
        }
    }
}

/// The outcome of reading the file while holding the lock.
enum Loaded {
    Profiles(Vec<Profile>),
    MovedAside(CorruptFileNotice),
}

impl ProfileStore {
    /// Reads the profiles (none when the file does not exist yet), creating the config
    /// directory if needed. A corrupt file is moved aside and reported in the second value.
    pub fn open(paths: &Paths) -> Result<(Self, Option<CorruptFileNotice>), StoreError> {
        Self::open_with_lock_timeout(paths, DEFAULT_LOCK_TIMEOUT)
    }

    /// Like [`ProfileStore::open`], waiting at most `lock_timeout` for other processes.
    pub fn open_with_lock_timeout(
        paths: &Paths,
        lock_timeout: Duration,
    ) -> Result<(Self, Option<CorruptFileNotice>), StoreError> {
        let mut store = Self {
            file: paths.profiles_file(),
            lock_file: paths.profiles_lock(),
            lock_timeout,
            profiles: Vec::new(),
        };
        let notice = store.reload()?;
        Ok((store, notice))
    }

    /// Reads the file again (other processes may have changed it).
    pub fn reload(&mut self) -> Result<Option<CorruptFileNotice>, StoreError> {
        let _lock = self.lock()?;
        match self.load()? {
            Loaded::Profiles(profiles) => {
                self.profiles = profiles;
                Ok(None)
            }
            Loaded::MovedAside(notice) => {
                self.profiles.clear();
                Ok(Some(notice))
            }
        }
    }

    /// The profiles, in the order they were added.
    pub fn list(&self) -> &[Profile] {
        &self.profiles
    }

    /// The profile with this id, or with this name (in any case).
    pub fn get(&self, name_or_id: &str) -> Result<&Profile, StoreError> {
        // Names cannot look like ids (see `ProfileError::NameLooksLikeId`): no ambiguity.
        self.profiles
            .iter()
            .find(|p| p.is_called(name_or_id))
            .ok_or_else(|| StoreError::NotFound(name_or_id.to_owned()))
    }

    /// Validates `draft`, gives it a new id and saves it.
    pub fn add(&mut self, draft: ProfileDraft) -> Result<Profile, StoreError> {
        let profile = draft.validate(ProfileId::generate())?;
        self.change(|profiles| {
            check_unique_name(profiles, &profile)?;
            profiles.push(profile.clone());
            Ok(profile)
        })
    }

    /// Validates every draft and adds them all in one change: all or nothing. A draft whose
    /// name is taken replaces that profile (keeping its id, so its secrets) when `replace`,
    /// and is refused otherwise.
    pub fn add_or_replace_all(
        &mut self,
        drafts: Vec<ProfileDraft>,
        replace: bool,
    ) -> Result<Vec<Profile>, StoreError> {
        self.change(|profiles| {
            let mut done = Vec::with_capacity(drafts.len());
            for draft in drafts {
                let existing = profiles
                    .iter()
                    .position(|p| p.name().eq_ignore_ascii_case(&draft.name));
                let profile = match existing {
                    Some(index) if replace => {
                        let profile = draft.validate(profiles[index].id().clone())?;
                        profiles[index] = profile.clone();
                        profile
                    }
                    Some(_) => return Err(ProfileError::DuplicateName(draft.name).into()),
                    None => {
                        let profile = draft.validate(ProfileId::generate())?;
                        check_unique_name(profiles, &profile)?;
                        profiles.push(profile.clone());
                        profile
                    }
                };
                done.push(profile);
            }
            Ok(done)
        })
    }

    /// Changes the settings of profile `id` with `edit`, validates and saves them. The id
    /// stays, so the profile keeps its secrets even when renamed.
    pub fn update(
        &mut self,
        id: &ProfileId,
        edit: impl FnOnce(&mut ProfileDraft),
    ) -> Result<Profile, StoreError> {
        self.change(|profiles| {
            let index = position(profiles, id)?;
            let mut settings = profiles[index].draft();
            edit(&mut settings);
            let updated = settings.validate(id.clone())?;
            check_unique_name(profiles, &updated)?;
            profiles[index] = updated.clone();
            Ok(updated)
        })
    }

    /// Removes profile `id` and returns it. Its secrets are not touched: delete them with
    /// [`super::SecretStore::delete_all`].
    pub fn remove(&mut self, id: &ProfileId) -> Result<Profile, StoreError> {
        self.change(|profiles| {
            let index = position(profiles, id)?;
            Ok(profiles.remove(index))
        })
    }

    /// The profiles file.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// Under the lock: reads the current file, applies `apply`, writes the result.
    fn change<T>(
        &mut self,
        apply: impl FnOnce(&mut Vec<Profile>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let _lock = self.lock()?;
        let mut profiles = match self.load()? {
            Loaded::Profiles(profiles) => profiles,
            Loaded::MovedAside(notice) => {
                self.profiles.clear();
                return Err(StoreError::CorruptFileMovedAside(notice));
            }
        };
        let result = apply(&mut profiles)?;
        let text = file_format::render(&profiles).map_err(|err| StoreError::Io {
            action: "write",
            path: self.file.clone(),
            source: std::io::Error::other(err),
        })?;
        write_atomically(&self.file, text.as_bytes()).map_err(|source| StoreError::Io {
            action: "write",
            path: self.file.clone(),
            source,
        })?;
        self.profiles = profiles;
        Ok(result)
    }

    fn lock(&self) -> Result<FileLock, StoreError> {
        if let Some(dir) = self.file.parent() {
            create_private_dir(dir).map_err(|source| StoreError::Io {
                action: "create the directory",
                path: dir.to_owned(),
                source,
            })?;
        }
        Ok(FileLock::acquire(&self.lock_file, self.lock_timeout)?)
    }

    /// Reads the file; call with the lock held.
    fn load(&self) -> Result<Loaded, StoreError> {
        let bytes = match std::fs::read(&self.file) {
            Ok(bytes) => bytes,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Loaded::Profiles(Vec::new()));
            }
            Err(err) => return self.move_aside(format!("reading it failed: {err}")),
        };
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(err) => {
                let at = err.utf8_error().valid_up_to();
                return self.move_aside(format!("it is not UTF-8 text (byte {at})"));
            }
        };
        match file_format::parse(&text) {
            Parsed::Profiles(profiles) => Ok(Loaded::Profiles(profiles)),
            Parsed::Newer(found) => Err(StoreError::NewerSchema {
                path: self.file.clone(),
                found,
            }),
            Parsed::Corrupt(reason) => self.move_aside(reason),
        }
    }

    /// Renames the unreadable file to `profiles.toml.corrupt-<UTC timestamp>` (with `-2`,
    /// `-3`… if that name is taken).
    fn move_aside(&self, reason: String) -> Result<Loaded, StoreError> {
        let stamp = Utc::now().format("%Y%m%dT%H%M%SZ");
        let base = format!("{}.corrupt-{stamp}", self.file.display());
        let free = (1..=100)
            .map(|n| match n {
                1 => PathBuf::from(&base),
                n => PathBuf::from(format!("{base}-{n}")),
            })
            .find(|candidate| !candidate.exists());
        let io_error = |source| StoreError::Io {
            action: "move aside the unreadable",
            path: self.file.clone(),
            source,
        };
        let moved_to = free.ok_or_else(|| {
            io_error(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                format!("{base} and 99 numbered variants exist already"),
            ))
        })?;
        std::fs::rename(&self.file, &moved_to).map_err(io_error)?;
        tracing::warn!(
            file = %self.file.display(),
            moved_to = %moved_to.display(),
            %reason,
            "unreadable profiles file moved aside"
        );
        Ok(Loaded::MovedAside(CorruptFileNotice {
            original: self.file.clone(),
            moved_to,
            reason,
        }))
    }
}

fn position(profiles: &[Profile], id: &ProfileId) -> Result<usize, StoreError> {
    profiles
        .iter()
        .position(|p| p.id() == id)
        .ok_or_else(|| StoreError::NotFound(id.to_string()))
}

fn check_unique_name(profiles: &[Profile], candidate: &Profile) -> Result<(), ProfileError> {
    let taken = profiles
        .iter()
        .any(|p| p.id() != candidate.id() && p.name().eq_ignore_ascii_case(candidate.name()));
    if taken {
        return Err(ProfileError::DuplicateName(candidate.name().to_owned()));
    }
    Ok(())
}
