//! The packaging files agree with the code and with each other: the desktop entry and the
//! AppStream metainfo carry the app id, the icons have the sizes their names say, every `.deb`
//! asset from the source tree exists, and the completions and man pages are generated from the
//! real command line. (`scripts/test-package` builds, installs and validates the `.deb` itself.)

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use clap::CommandFactory;
use tokendesk::cli::Cli;
use tokendesk::cli::generate_assets::write_all;
use tokendesk::identity::{APP_ID, APP_NAME, ICON_PNG};

const ICON_SIZES: [u32; 8] = [16, 24, 32, 48, 64, 128, 256, 512];

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo(path)).unwrap_or_else(|err| panic!("{path}: {err}"))
}

/// The value of `key` in the `[Desktop Entry]` group of a desktop entry.
fn desktop_key<'a>(entry: &'a str, key: &str) -> Option<&'a str> {
    entry
        .lines()
        .skip_while(|line| *line != "[Desktop Entry]")
        .take_while(|line| *line == "[Desktop Entry]" || !line.starts_with('['))
        .find_map(|line| line.strip_prefix(key)?.strip_prefix('='))
}

/// The text between the first `open` and the next `close`.
fn between<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = text.find(open)? + open.len();
    let len = text[start..].find(close)?;
    Some(&text[start..start + len])
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    assert_eq!(&bytes[12..16], b"IHDR");
    let word = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    (word(16), word(20))
}

/// Every visible subcommand path below the program, e.g. `["profile"], ["profile", "add"]`.
fn visible_subcommands(command: &clap::Command, prefix: &[String], out: &mut Vec<Vec<String>>) {
    for sub in command.get_subcommands().filter(|sub| !sub.is_hide_set()) {
        let mut path = prefix.to_vec();
        path.push(sub.get_name().to_owned());
        visible_subcommands(sub, &path, out);
        out.push(path);
    }
}

#[test]
fn the_desktop_entry_is_named_after_the_app_id_and_starts_the_app() {
    let entry = read(&format!("packaging/linux/{APP_ID}.desktop"));
    assert_eq!(desktop_key(&entry, "Name"), Some(APP_NAME));
    assert_eq!(desktop_key(&entry, "Icon"), Some(APP_ID));
    assert_eq!(desktop_key(&entry, "Exec"), Some("tokendesk"));
    assert_eq!(desktop_key(&entry, "StartupWMClass"), Some(APP_ID));
    assert_eq!(desktop_key(&entry, "Terminal"), Some("false"));
}

#[test]
fn the_metainfo_carries_the_app_id_and_launches_the_desktop_entry() {
    let metainfo = read(&format!("packaging/linux/{APP_ID}.metainfo.xml"));
    assert_eq!(between(&metainfo, "<id>", "</id>"), Some(APP_ID));
    assert_eq!(between(&metainfo, "<name>", "</name>"), Some(APP_NAME));
    assert_eq!(
        between(
            &metainfo,
            "<launchable type=\"desktop-id\">",
            "</launchable>"
        ),
        Some(format!("{APP_ID}.desktop").as_str())
    );
    assert_eq!(
        between(&metainfo, "<project_license>", "</project_license>"),
        Some(env!("CARGO_PKG_LICENSE"))
    );
    let screenshot = between(&metainfo, "<image>", "</image>").unwrap();
    assert!(screenshot.ends_with("/docs/screenshot.png"), "{screenshot}");
}

#[test]
fn the_metainfo_names_this_version_as_its_latest_release() {
    let metainfo = read(&format!("packaging/linux/{APP_ID}.metainfo.xml"));
    let releases = between(&metainfo, "<releases>", "</releases>").unwrap();
    assert_eq!(
        between(releases, "<release version=\"", "\""),
        Some(env!("CARGO_PKG_VERSION")),
        "add a <release> for this version at the top of <releases>"
    );
}

#[test]
fn every_icon_png_has_the_size_its_name_says_and_the_window_icon_is_256_px() {
    for size in ICON_SIZES {
        let path = repo(&format!("assets/icons/tokendesk-{size}.png"));
        let bytes = std::fs::read(&path).unwrap_or_else(|err| panic!("{path:?}: {err}"));
        assert_eq!(png_size(&bytes), (size, size), "{path:?}");
    }
    assert_eq!(png_size(ICON_PNG), (256, 256));
}

#[test]
fn every_deb_asset_from_the_source_tree_exists_and_every_icon_is_installed() {
    let manifest: toml::Table = read("Cargo.toml").parse().unwrap();
    let assets = manifest["package"]["metadata"]["deb"]["assets"]
        .as_array()
        .unwrap();
    let pairs: Vec<(&str, &str)> = assets
        .iter()
        .map(|asset| {
            let asset = asset.as_array().unwrap();
            (asset[0].as_str().unwrap(), asset[1].as_str().unwrap())
        })
        .collect();
    for (source, _) in pairs
        .iter()
        .filter(|(source, _)| !source.starts_with("target/"))
    {
        // A glob (`dir/*.py`, as cargo-deb takes it) must match at least one file.
        match source.rsplit_once("/*") {
            Some((dir, suffix)) => {
                let matched = std::fs::read_dir(repo(dir))
                    .unwrap_or_else(|err| panic!("deb asset {source}: {err}"))
                    .filter_map(Result::ok)
                    .filter(|entry| {
                        entry.path().is_file()
                            && entry.file_name().to_string_lossy().ends_with(suffix)
                    })
                    .count();
                assert!(matched > 0, "deb asset {source} matches no file");
            }
            None => assert!(repo(source).is_file(), "deb asset {source} does not exist"),
        }
    }
    for size in ICON_SIZES {
        let installed = format!("usr/share/icons/hicolor/{size}x{size}/apps/{APP_ID}.png");
        assert!(
            pairs.contains(&(&format!("assets/icons/tokendesk-{size}.png"), &installed)),
            "the {size} px icon is not installed as {installed}"
        );
    }
    let svg = format!("usr/share/icons/hicolor/scalable/apps/{APP_ID}.svg");
    assert!(pairs.contains(&("assets/icons/tokendesk.svg", svg.as_str())));
}

#[test]
fn generated_completions_name_every_subcommand_in_each_shell() {
    let dir = tempfile::tempdir().unwrap();
    let written = write_all(dir.path()).unwrap();
    let mut subcommands = Vec::new();
    visible_subcommands(&Cli::command(), &[], &mut subcommands);
    assert!(subcommands.iter().any(|path| path == &["profile", "add"]));

    for (file, first_line) in [
        ("tokendesk.bash", "_tokendesk() {"),
        ("_tokendesk", "#compdef tokendesk"),
        ("tokendesk.fish", ""),
        ("_tokendesk.ps1", ""),
    ] {
        let path = dir.path().join("completions").join(file);
        assert!(written.contains(&path), "{path:?} not reported");
        let script = std::fs::read_to_string(&path).unwrap();
        assert!(script.starts_with(first_line), "{file}: {script:.80}");
        for name in subcommands.iter().flatten() {
            assert!(script.contains(name.as_str()), "{file} lacks {name}");
        }
    }
}

#[test]
fn generated_man_pages_cover_the_program_and_each_subcommand_but_no_help() {
    let dir = tempfile::tempdir().unwrap();
    let written = write_all(dir.path()).unwrap();
    let mut pages = vec!["tokendesk.1".to_owned()];
    let mut subcommands = Vec::new();
    visible_subcommands(&Cli::command(), &[], &mut subcommands);
    pages.extend(
        subcommands
            .iter()
            .map(|path| format!("tokendesk-{}.1", path.join("-"))),
    );
    for page in &pages {
        let path = dir.path().join("man").join(page);
        assert!(written.contains(&path), "{page} not written");
        let roff = std::fs::read_to_string(&path).unwrap();
        assert!(roff.contains(".TH "), "{page} has no title line");
    }
    let mut on_disk: Vec<_> = std::fs::read_dir(dir.path().join("man"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    on_disk.sort();
    pages.sort();
    assert_eq!(on_disk, pages, "no page for `help` or anything else");
    let main = std::fs::read_to_string(dir.path().join("man/tokendesk.1")).unwrap();
    assert!(
        main.contains("Exit codes"),
        "the exit codes are in the main page"
    );
}

#[test]
fn generating_into_a_file_instead_of_a_directory_names_the_path_in_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-directory");
    std::fs::write(&file, "").unwrap();
    let err = write_all(&file).unwrap_err().to_string();
    assert!(err.contains("not-a-directory"), "{err}");
    assert!(err.starts_with("could not write"), "{err}");
}

#[test]
fn the_windows_and_macos_recipes_name_this_version_the_app_id_and_existing_icons() {
    for recipe in [
        "packaging/windows/cargo-packager.toml",
        "packaging/macos/cargo-packager.toml",
    ] {
        let config: toml::Table = read(recipe).parse().unwrap();
        assert_eq!(
            config["version"].as_str(),
            Some(env!("CARGO_PKG_VERSION")),
            "{recipe}"
        );
        assert_eq!(config["identifier"].as_str(), Some(APP_ID), "{recipe}");
        assert_eq!(config["product-name"].as_str(), Some(APP_NAME), "{recipe}");
        let dir = repo(recipe).parent().unwrap().to_path_buf();
        for icon in config["icons"].as_array().unwrap() {
            let icon = dir.join(icon.as_str().unwrap());
            assert!(icon.is_file(), "{recipe}: {icon:?} does not exist");
        }
        assert!(dir.join(config["license-file"].as_str().unwrap()).is_file());
    }
}

#[test]
fn the_window_carries_the_app_id_the_title_and_the_icon() {
    let viewport = tokendesk::desktop::native_options(None).viewport;
    assert_eq!(viewport.app_id.as_deref(), Some(APP_ID));
    assert_eq!(viewport.title.as_deref(), Some(APP_NAME));
    let icon = viewport.icon.expect("a window icon");
    assert_eq!((icon.width, icon.height), (256, 256));
}

#[test]
fn the_window_opens_at_the_size_remembered_and_else_at_the_default() {
    let remembered = tokendesk::desktop::native_options(Some([900, 640])).viewport;
    assert_eq!(
        remembered.inner_size,
        Some(eframe::egui::vec2(900.0, 640.0))
    );
    let fresh = tokendesk::desktop::native_options(None).viewport;
    let [w, h] = tokendesk::desktop::DEFAULT_SIZE;
    assert_eq!(fresh.inner_size, Some(eframe::egui::vec2(w, h)));
}
