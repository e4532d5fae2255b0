//! Where TokenDesk keeps its files: one [`Paths`] value that the rest of the app asks for its
//! config, data and cache directories, so tests can point everything at a temporary directory.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use directories::ProjectDirs;

/// Overrides the config directory (where `profiles.toml` lives).
pub const CONFIG_DIR_VAR: &str = "TOKENDESK_CONFIG_DIR";
/// Overrides the data directory.
pub const DATA_DIR_VAR: &str = "TOKENDESK_DATA_DIR";
/// Overrides the cache directory.
pub const CACHE_DIR_VAR: &str = "TOKENDESK_CACHE_DIR";

/// The directories TokenDesk may write to. None of them ever receives a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    config: PathBuf,
    data: PathBuf,
    cache: PathBuf,
}

/// The platform gave no home directory to derive the default directories from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "no home directory found to keep TokenDesk's settings in: set HOME, or set \
     {CONFIG_DIR_VAR}, {DATA_DIR_VAR} and {CACHE_DIR_VAR} to directories of your choice"
)]
pub struct NoHomeDirectory;

impl Paths {
    /// The directories from the process environment: each `TOKENDESK_*_DIR` variable that is
    /// set and not empty wins, the rest are the platform's defaults for "tokendesk"
    /// (on Linux `~/.config/tokendesk`, `~/.local/share/tokendesk`, `~/.cache/tokendesk`).
    pub fn from_env() -> Result<Self, NoHomeDirectory> {
        Self::from_lookup(|name| std::env::var_os(name))
    }

    /// Like [`Paths::from_env`], reading variables through `lookup` (tests inject one).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<OsString>) -> Result<Self, NoHomeDirectory> {
        let from_var = |name: &str| lookup(name).filter(|v| !v.is_empty()).map(PathBuf::from);
        let (config, data, cache) = (
            from_var(CONFIG_DIR_VAR),
            from_var(DATA_DIR_VAR),
            from_var(CACHE_DIR_VAR),
        );
        if let (Some(config), Some(data), Some(cache)) = (&config, &data, &cache) {
            return Ok(Self::new(config.clone(), data.clone(), cache.clone()));
        }
        let dirs = ProjectDirs::from("", "", "tokendesk").ok_or(NoHomeDirectory)?;
        Ok(Self::new(
            config.unwrap_or_else(|| dirs.config_dir().to_owned()),
            data.unwrap_or_else(|| dirs.data_dir().to_owned()),
            cache.unwrap_or_else(|| dirs.cache_dir().to_owned()),
        ))
    }

    /// Explicit directories.
    pub fn new(config: PathBuf, data: PathBuf, cache: PathBuf) -> Self {
        Self {
            config,
            data,
            cache,
        }
    }

    /// `root/config`, `root/data` and `root/cache`: everything under one directory (tests).
    pub fn under(root: &Path) -> Self {
        Self::new(root.join("config"), root.join("data"), root.join("cache"))
    }

    /// The config directory (`profiles.toml`, `profiles.lock`).
    pub fn config_dir(&self) -> &Path {
        &self.config
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.data
    }

    /// The cache directory.
    pub fn cache_dir(&self) -> &Path {
        &self.cache
    }

    /// `<config>/profiles.toml`.
    pub fn profiles_file(&self) -> PathBuf {
        self.config.join("profiles.toml")
    }

    /// `<data>/secrets.enc`, the encrypted-file tier's secrets (sealed with a passphrase).
    pub fn encrypted_secrets_file(&self) -> PathBuf {
        self.data.join("secrets.enc")
    }

    /// `<config>/settings.toml`, the desktop app's settings (no secret).
    pub fn settings_file(&self) -> PathBuf {
        self.config.join("settings.toml")
    }

    /// `<config>/profiles.lock`, the cross-process lock for profile updates.
    pub fn profiles_lock(&self) -> PathBuf {
        self.config.join("profiles.lock")
    }
}

/// `$XDG_RUNTIME_DIR/tokendesk` (a per-user tmpfs, 0700) when it is set, absolute and ours;
/// else `tokendesk-<user id>` in the temporary directory, 0700.
pub fn private_runtime_dir() -> std::io::Result<PathBuf> {
    let runtime = std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|dir| dir.is_absolute() && dir.is_dir());
    let base = match runtime {
        Some(dir) => dir.join("tokendesk"),
        None => std::env::temp_dir().join(format!("tokendesk-{}", user_id())),
    };
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(&base)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::symlink_metadata(&base)?;
        if !meta.is_dir() || meta.uid() != user_id() || meta.mode() & 0o077 != 0 {
            return Err(std::io::Error::other(format!(
                "{} is not a private directory of this user",
                base.display()
            )));
        }
    }
    Ok(base)
}

#[cfg(unix)]
fn user_id() -> u32 {
    rustix::process::getuid().as_raw()
}

#[cfg(not(unix))]
fn user_id() -> u32 {
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names_tokendesk(path: &Path) -> bool {
        path.components()
            .any(|part| part.as_os_str() == "tokendesk")
    }

    #[test]
    fn the_config_dir_variable_overrides_only_the_config_dir() {
        let paths = Paths::from_lookup(|name| {
            (name == CONFIG_DIR_VAR).then(|| OsString::from("/tmp/td-config"))
        })
        .unwrap();
        assert_eq!(paths.config_dir(), Path::new("/tmp/td-config"));
        assert_eq!(
            paths.profiles_file(),
            Path::new("/tmp/td-config/profiles.toml")
        );
        assert!(names_tokendesk(paths.data_dir()));
        assert_ne!(paths.data_dir(), paths.config_dir());
    }

    #[test]
    fn without_variables_the_platform_directories_for_tokendesk_are_used() {
        let paths = Paths::from_lookup(|_| None).unwrap();
        assert!(names_tokendesk(paths.config_dir()));
        assert!(names_tokendesk(paths.cache_dir()));
    }

    #[test]
    fn all_three_variables_move_every_directory() {
        let paths =
            Paths::from_lookup(|name| Some(OsString::from(format!("/tmp/{name}")))).unwrap();
        assert_eq!(paths.config_dir(), Path::new("/tmp/TOKENDESK_CONFIG_DIR"));
        assert_eq!(paths.data_dir(), Path::new("/tmp/TOKENDESK_DATA_DIR"));
        assert_eq!(paths.cache_dir(), Path::new("/tmp/TOKENDESK_CACHE_DIR"));
    }

    #[test]
    fn an_empty_variable_counts_as_unset() {
        let paths = Paths::from_lookup(|_| Some(OsString::new())).unwrap();
        assert!(names_tokendesk(paths.config_dir()));
    }
}
