//! Starting TokenDesk at login, hidden in the tray: an XDG autostart entry
//! (`$XDG_CONFIG_HOME/autostart/io.github.tokendesk.TokenDesk.desktop`, the Desktop Application
//! Autostart Specification) written when the setting is turned on and removed when it is
//! turned off. Its `Exec` line starts this program with `--hidden`.

use std::io;
use std::path::{Path, PathBuf};

/// The entry's file name (the application id).
pub const ENTRY: &str = "io.github.tokendesk.TokenDesk.desktop";

/// The user's autostart folder: `$XDG_CONFIG_HOME/autostart`, else `~/.config/autostart`.
pub fn default_dir() -> Option<PathBuf> {
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|dir| dir.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".config")))?;
    Some(config.join("autostart"))
}

/// Whether the entry is in `dir`.
pub fn is_enabled(dir: &Path) -> bool {
    dir.join(ENTRY).is_file()
}

/// Writes (`enabled`) or removes the entry in `dir`; `program` is what it starts. Blocking.
pub fn set(dir: &Path, enabled: bool, program: &Path) -> io::Result<()> {
    let file = dir.join(ENTRY);
    if !enabled {
        return match std::fs::remove_file(&file) {
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
            other => other,
        };
    }
    crate::store::write_private_file(&file, entry(program).as_bytes())
}

/// The entry's text.
fn entry(program: &Path) -> String {
    format!(
        "[Desktop Entry]\n\
         Type=Application\n\
         Name=TokenDesk\n\
         Comment=Keeps ArcGIS tokens fresh in the background\n\
         Exec={} --hidden\n\
         Icon=io.github.tokendesk.TokenDesk\n\
         Terminal=false\n\
         NoDisplay=true\n\
         X-GNOME-Autostart-enabled=true\n",
        exec_argument(&program.to_string_lossy())
    )
}

/// A program path as the `Exec` key takes it: quoted, with `"`, `` ` ``, `$` and `\` escaped,
/// when it holds anything but plain path characters (Desktop Entry Specification, "The Exec
/// key").
fn exec_argument(path: &str) -> String {
    let plain = path
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+".contains(c));
    if plain {
        return path.to_owned();
    }
    let mut quoted = String::from("\"");
    for c in path.chars() {
        if matches!(c, '"' | '`' | '$' | '\\') {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('"');
    // `%` is a field code in Exec lines: written twice to stand for itself.
    quoted.replace('%', "%%")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_entry_starts_the_program_hidden_and_goes_away_when_turned_off() {
        let dir = tempfile::tempdir().unwrap();
        let autostart = dir.path().join("autostart");
        set(&autostart, true, Path::new("/usr/bin/tokendesk")).unwrap();
        assert!(is_enabled(&autostart));
        let text = std::fs::read_to_string(autostart.join(ENTRY)).unwrap();
        assert!(
            text.contains("\nExec=/usr/bin/tokendesk --hidden\n"),
            "{text}"
        );
        assert!(text.starts_with("[Desktop Entry]\n"), "{text}");
        set(&autostart, false, Path::new("/usr/bin/tokendesk")).unwrap();
        assert!(!is_enabled(&autostart));
        set(&autostart, false, Path::new("/usr/bin/tokendesk")).unwrap();
    }

    #[test]
    fn a_program_path_with_spaces_or_specials_is_quoted_in_the_exec_line() {
        assert_eq!(
            exec_argument("/opt/Token Desk/$bin"),
            "\"/opt/Token Desk/\\$bin\""
        );
        assert_eq!(exec_argument("/a/100%/t"), "\"/a/100%%/t\"");
    }
}
