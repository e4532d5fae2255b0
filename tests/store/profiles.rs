//! The profiles file through `ProfileStore`: round trips, atomic private writes, corrupt and
//! newer files, unique names, and the cross-process lock.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::Duration;

use tempfile::TempDir;
use tokendesk::store::{
    FileLock, LockError, Paths, PreferredHeader, ProfileDraft, ProfileError, ProfileStore,
    RedirectUri, SignInMethod, SiteKind, StoreError, TokenBinding, TokenLifetime,
};

fn temp_paths() -> (TempDir, Paths) {
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::under(dir.path());
    (dir, paths)
}

fn open(paths: &Paths) -> ProfileStore {
    let (store, notice) = ProfileStore::open(paths).unwrap();
    assert_eq!(notice, None);
    store
}

fn pkce_draft(name: &str) -> ProfileDraft {
    let mut draft = ProfileDraft::new(
        name,
        SiteKind::EnterprisePortal,
        "https://gis.example.com/portal/home/index.html",
        SignInMethod::BrowserPkce,
    );
    draft.client_id = Some("tokendesk-demo".into());
    draft
}

fn every_field_draft() -> ProfileDraft {
    let mut draft = ProfileDraft::new(
        "server-all-fields",
        SiteKind::ArcgisServer,
        "https://gis.example.com/arcgis/rest/services/Hosted/MapServer",
        SignInMethod::ServerPassword,
    );
    draft.expiration = TokenLifetime::never();
    draft.ca_file = Some("/etc/ssl/private-ca.pem".into());
    draft.referer = Some("https://app.example.com".into());
    draft.username = Some("analyst".into());
    draft.token_binding = Some(TokenBinding::Referer);
    draft.header = PreferredHeader::XEsriAuthorization;
    draft
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn profiles_round_trip_through_the_file_with_every_field() {
    let (_dir, paths) = temp_paths();
    let mut store = open(&paths);
    let mut oob = pkce_draft("oob");
    oob.sign_in = SignInMethod::OutOfBand;
    let mut fixed = pkce_draft("fixed-port");
    fixed.redirect_uri = Some(RedirectUri::parse("http://127.0.0.1:8400/callback").unwrap());
    fixed.expiration = TokenLifetime::minutes(90).unwrap();
    let added: Vec<_> = [pkce_draft("work"), oob, fixed, every_field_draft()]
        .into_iter()
        .map(|draft| store.add(draft).unwrap())
        .collect();

    let reopened = open(&paths);
    assert_eq!(reopened.list(), added.as_slice());
    let server = reopened.get("server-all-fields").unwrap();
    assert_eq!(server.url(), "https://gis.example.com/arcgis");
    assert_eq!(server.header(), PreferredHeader::XEsriAuthorization);
    assert_eq!(server.expiration(), TokenLifetime::never());

    let text = std::fs::read_to_string(paths.profiles_file()).unwrap();
    assert!(text.contains("schema_version = 1\n"), "{text}");
    assert_eq!(text.matches("[[profile]]").count(), 4, "{text}");
    assert!(
        text.contains("redirect_uri = \"http://127.0.0.1:8400/callback\""),
        "{text}"
    );
    assert!(
        text.contains("redirect_uri = \"urn:ietf:wg:oauth:2.0:oob\""),
        "{text}"
    );
    assert!(text.contains("header = \"X-Esri-Authorization\""), "{text}");
}

#[test]
fn a_profile_is_found_by_id_or_by_name_in_any_case() {
    let (_dir, paths) = temp_paths();
    let mut store = open(&paths);
    let work = store.add(pkce_draft("Work")).unwrap();
    assert_eq!(store.get("work").unwrap(), &work);
    assert_eq!(store.get(work.id().as_str()).unwrap(), &work);
    let missing = store.get("elsewhere").unwrap_err();
    assert!(matches!(missing, StoreError::NotFound(_)));
    assert_eq!(
        missing.remedy(),
        Some(tokendesk::remedy::Remedy::ListProfiles),
        "{missing}"
    );
}

#[cfg(unix)]
#[test]
fn the_file_is_written_with_mode_0600_in_a_0700_directory_and_no_temp_files_remain() {
    use std::os::unix::fs::PermissionsExt;
    let (_dir, paths) = temp_paths();
    let mut store = open(&paths);
    let work = store.add(pkce_draft("work")).unwrap();
    store
        .update(work.id(), |draft| draft.name = "renamed".into())
        .unwrap();
    store.add(pkce_draft("second")).unwrap();

    let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&paths.profiles_file()), 0o600);
    assert_eq!(mode(paths.config_dir()), 0o700);
    assert_eq!(
        entries(paths.config_dir()),
        ["profiles.lock", "profiles.toml"],
        "only the file and its lock, no temporary files"
    );
}

#[test]
fn renaming_keeps_the_id_and_names_stay_unique_regardless_of_case() {
    let (_dir, paths) = temp_paths();
    let mut store = open(&paths);
    let work = store.add(pkce_draft("work")).unwrap();
    let home = store.add(pkce_draft("home")).unwrap();

    let duplicate = store.add(pkce_draft("WORK")).unwrap_err();
    assert!(
        matches!(duplicate, StoreError::Invalid(ProfileError::DuplicateName(ref n)) if n == "WORK"),
        "{duplicate:?}"
    );
    assert!(
        duplicate.to_string().contains("exists already"),
        "{duplicate}"
    );
    let clash = store
        .update(home.id(), |draft| draft.name = "Work".into())
        .unwrap_err();
    assert!(matches!(
        clash,
        StoreError::Invalid(ProfileError::DuplicateName(_))
    ));

    let renamed = store
        .update(work.id(), |draft| draft.name = "office".into())
        .unwrap();
    assert_eq!(renamed.id(), work.id());
    let reopened = open(&paths);
    assert_eq!(reopened.get("office").unwrap().id(), work.id());
    assert_eq!(reopened.list().len(), 2);
}

#[test]
fn an_invalid_update_changes_nothing() {
    let (_dir, paths) = temp_paths();
    let mut store = open(&paths);
    let work = store.add(pkce_draft("work")).unwrap();
    let before = std::fs::read(paths.profiles_file()).unwrap();
    let err = store
        .update(work.id(), |draft| {
            draft.url = "http://gis.example.com/portal".into()
        })
        .unwrap_err();
    assert!(err.to_string().contains("plain http://"), "{err}");
    assert_eq!(std::fs::read(paths.profiles_file()).unwrap(), before);
    assert_eq!(store.list(), [work]);
}

#[test]
fn removing_a_profile_removes_it_from_the_file() {
    let (_dir, paths) = temp_paths();
    let mut store = open(&paths);
    let work = store.add(pkce_draft("work")).unwrap();
    let home = store.add(pkce_draft("home")).unwrap();
    assert_eq!(store.remove(work.id()).unwrap(), work);
    assert_eq!(open(&paths).list(), [home]);
    assert!(matches!(
        store.remove(work.id()),
        Err(StoreError::NotFound(_))
    ));
}

#[test]
fn changes_from_another_store_instance_are_kept_not_overwritten() {
    let (_dir, paths) = temp_paths();
    let mut first = open(&paths);
    let mut second = open(&paths);
    first.add(pkce_draft("one")).unwrap();
    second.add(pkce_draft("two")).unwrap();
    let names: Vec<_> = open(&paths)
        .list()
        .iter()
        .map(|p| p.name().to_owned())
        .collect();
    assert_eq!(names, ["one", "two"]);
}

#[test]
fn a_corrupt_file_is_moved_aside_with_a_timestamp_and_its_bytes_kept() {
    let (_dir, paths) = temp_paths();
    std::fs::create_dir_all(paths.config_dir()).unwrap();
    let garbage = b"schema_version = 1\n[[profile]\nname = \"half-written\n\xff\xfe".to_vec();
    std::fs::write(paths.profiles_file(), &garbage).unwrap();

    let (store, notice) = ProfileStore::open(&paths).unwrap();
    let notice = notice.expect("the corrupt file is reported");
    assert!(store.list().is_empty());
    assert!(!paths.profiles_file().exists(), "never left in place");
    assert_eq!(notice.original, paths.profiles_file());
    let moved_name = notice
        .moved_to
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let stamp = moved_name
        .strip_prefix("profiles.toml.corrupt-")
        .expect("profiles.toml.corrupt-<timestamp>");
    assert!(
        chrono::NaiveDateTime::parse_from_str(stamp, "%Y%m%dT%H%M%SZ").is_ok(),
        "UTC timestamp like 20261122T211500Z, got {stamp}"
    );
    assert_eq!(std::fs::read(&notice.moved_to).unwrap(), garbage);
    let message = notice.to_string();
    assert!(message.contains("could not be read"), "{message}");
    assert!(message.contains(&moved_name), "{message}");
}

#[test]
fn a_second_corrupt_file_in_the_same_second_gets_its_own_name() {
    let (_dir, paths) = temp_paths();
    std::fs::create_dir_all(paths.config_dir()).unwrap();
    let mut moved = Vec::new();
    for content in ["first garbage", "second garbage"] {
        std::fs::write(paths.profiles_file(), content).unwrap();
        let (_, notice) = ProfileStore::open(&paths).unwrap();
        moved.push(notice.unwrap().moved_to);
    }
    // Either a later second or a numbered name; both files survive.
    assert_ne!(moved[0], moved[1]);
    assert_eq!(std::fs::read_to_string(&moved[0]).unwrap(), "first garbage");
    assert_eq!(
        std::fs::read_to_string(&moved[1]).unwrap(),
        "second garbage"
    );
}

#[test]
fn a_file_with_an_invalid_profile_is_moved_aside_and_says_which() {
    let (_dir, paths) = temp_paths();
    std::fs::create_dir_all(paths.config_dir()).unwrap();
    let text = "schema_version = 1\n\n[[profile]]\nid = \"0123456789abcdef0123456789abcdef\"\n\
                name = \"bad name\"\nkind = \"enterprise_portal\"\nurl = \"https://h/portal\"\n\
                sign_in = \"api_key\"\n";
    std::fs::write(paths.profiles_file(), text).unwrap();
    let (_, notice) = ProfileStore::open(&paths).unwrap();
    let notice = notice.unwrap();
    assert!(notice.reason.contains("profile 1"), "{}", notice.reason);
    assert!(notice.reason.contains("not allowed"), "{}", notice.reason);
}

#[test]
fn a_change_that_finds_a_corrupt_file_moves_it_aside_and_changes_nothing() {
    let (_dir, paths) = temp_paths();
    let mut store = open(&paths);
    std::fs::write(paths.profiles_file(), "not toml at all [").unwrap();
    let err = store.add(pkce_draft("work")).unwrap_err();
    let StoreError::CorruptFileMovedAside(notice) = &err else {
        panic!("{err:?}");
    };
    assert_eq!(
        std::fs::read_to_string(&notice.moved_to).unwrap(),
        "not toml at all ["
    );
    assert!(!paths.profiles_file().exists());
    assert!(err.to_string().contains("try again"), "{err}");
    store.add(pkce_draft("work")).unwrap();
    assert_eq!(open(&paths).list().len(), 1);
}

#[test]
fn a_newer_schema_version_is_refused_and_the_file_left_untouched() {
    let (_dir, paths) = temp_paths();
    std::fs::create_dir_all(paths.config_dir()).unwrap();
    let text = "schema_version = 2\n\n[[profile]]\nwhatever = \"the future holds\"\n";
    std::fs::write(paths.profiles_file(), text).unwrap();

    let err = ProfileStore::open(&paths).unwrap_err();
    assert!(
        matches!(err, StoreError::NewerSchema { found: 2, .. }),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(message.contains("newer TokenDesk"), "{message}");
    assert!(message.contains("left unchanged"), "{message}");
    assert!(message.contains("profiles.toml"), "{message}");
    assert_eq!(
        std::fs::read_to_string(paths.profiles_file()).unwrap(),
        text
    );
    assert_eq!(
        entries(paths.config_dir()),
        ["profiles.lock", "profiles.toml"]
    );
}

#[test]
fn a_held_profiles_lock_makes_a_change_time_out_naming_the_lock_file() {
    let (_dir, paths) = temp_paths();
    let (mut store, _) =
        ProfileStore::open_with_lock_timeout(&paths, Duration::from_millis(200)).unwrap();
    let held = FileLock::acquire(&paths.profiles_lock(), Duration::ZERO).unwrap();

    let err = store.add(pkce_draft("work")).unwrap_err();
    let StoreError::Lock(LockError::Timeout { path, waited }) = &err else {
        panic!("{err:?}");
    };
    assert_eq!(path, &paths.profiles_lock());
    assert!(*waited >= Duration::from_millis(200));
    let message = err.to_string();
    assert!(message.contains("profiles.lock"), "{message}");
    assert!(message.contains("another TokenDesk process"), "{message}");
    assert!(
        !paths.profiles_file().exists(),
        "nothing written without the lock"
    );

    drop(held);
    store.add(pkce_draft("work")).unwrap();
}

#[test]
fn two_handles_on_one_lock_file_exclude_each_other_until_the_first_is_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("some.lock");
    let first = FileLock::acquire(&path, Duration::ZERO).unwrap();
    assert_eq!(first.path(), path);
    let second = FileLock::acquire(&path, Duration::from_millis(50));
    assert!(matches!(second, Err(LockError::Timeout { .. })));
    drop(first);
    FileLock::acquire(&path, Duration::ZERO).unwrap();
}

#[test]
fn concurrent_changes_from_many_store_instances_all_survive() {
    let (_dir, paths) = temp_paths();
    let writers: Vec<_> = (0..6)
        .map(|writer| {
            let paths = paths.clone();
            std::thread::spawn(move || {
                let (mut store, _) = ProfileStore::open(&paths).unwrap();
                for n in 0..4 {
                    store.add(pkce_draft(&format!("w{writer}-p{n}"))).unwrap();
                }
            })
        })
        .collect();
    for writer in writers {
        writer.join().unwrap();
    }
    let store = open(&paths);
    assert_eq!(
        store.list().len(),
        24,
        "no read-modify-write lost another's profile"
    );
    for writer in 0..6 {
        for n in 0..4 {
            store.get(&format!("w{writer}-p{n}")).unwrap();
        }
    }
}
