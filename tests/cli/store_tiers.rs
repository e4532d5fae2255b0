#![cfg(feature = "system-tests")]
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The storage tiers from the command line: the kernel's key store and the encrypted file
//! with no D-Bus session at all, a secrets file that survives `kill -9` at any moment, a
//! wrong passphrase that changes nothing, `store migrate` between every pair of tiers, and
//! the no-keyring error in two sentences, said once.
//!
//!     scripts/with-test-session cargo nextest run --features system-tests --test cli store_tiers::

use std::path::PathBuf;
use std::time::Instant;

use tokendesk::secret::Secret;
use tokendesk::store::{EncryptedFileStore, SecretKind, SecretStore};

use crate::common::cli::{Cli, PASSWORD, SecretReader};

/// The passphrase the unattended runs read from their passphrase file.
const PASSPHRASE: &str = "correct horse battery staple 7";

/// Every later run of `cli` has no D-Bus session to find: no address, and a runtime
/// directory without a `bus` socket.
fn without_d_bus(cli: &Cli) {
    let runtime = cli.home.path().join("runtime");
    std::fs::create_dir_all(&runtime).unwrap();
    cli.remove_env("DBUS_SESSION_BUS_ADDRESS");
    cli.set_env("XDG_RUNTIME_DIR", &runtime);
}

/// Every later run of `cli` keeps secrets in the encrypted file, reading the passphrase
/// from a 0600 file; the kit reads the same file. Returns the secrets file.
fn with_encrypted_file(cli: &Cli) -> PathBuf {
    let passphrase_file = cli.home.path().join("passphrase");
    std::fs::write(&passphrase_file, format!("{PASSPHRASE}\n")).unwrap();
    set_mode(&passphrase_file, 0o600);
    cli.set_env("TOKENDESK_STORE", "encrypted-file");
    cli.set_env("TOKENDESK_PASSPHRASE_FILE", &passphrase_file);
    let file = cli.data_dir().join("secrets.enc");
    cli.read_secrets_from(SecretReader::EncryptedFile {
        file: file.clone(),
        passphrase: PASSPHRASE.to_owned(),
    });
    file
}

fn set_mode(path: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn mode_of(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Sign in through the playing browser, hand out a token and a header, renew, sign out: the
/// whole life of a session on the tier the runs of `cli` use, which `status` names.
async fn whole_session(cli: &Cli, tier: &str) {
    cli.add_profile("demo", &[]).await;
    let status = cli.status("demo").await;
    assert_eq!(
        (status["state"].as_str(), status["store"].as_str()),
        (Some("signed_out"), Some(tier)),
        "{status}"
    );

    cli.login("demo").await;
    let token = cli.token("demo", &[]).await;
    cli.assert_token_works(&token).await;
    let header = cli.run(&["header", "demo"]).await;
    header.ok();
    assert!(header.stdout.contains(&token), "{header}");

    let renewed = cli.token("demo", &["--refresh"]).await;
    assert_ne!(renewed, token, "--refresh gets a new token");
    cli.assert_token_works(&renewed).await;
    assert_eq!(
        cli.stored_access_token("demo").await.as_deref(),
        Some(renewed.as_str()),
        "the renewed token is what the {tier} tier holds"
    );
    cli.refresh_token("demo").await;

    let status = cli.status("demo").await;
    assert_eq!(
        (status["state"].as_str(), status["store"].as_str()),
        (Some("valid"), Some(tier)),
        "{status}"
    );
    let text = cli.run(&["status", "demo"]).await;
    text.ok();
    assert!(
        text.stdout.contains(&format!("({tier})")),
        "the text status names the tier: {text}"
    );

    let id = cli.profile_id("demo");
    cli.run(&["logout", "demo"]).await.ok();
    assert_eq!(cli.status("demo").await["state"], "signed_out");
    let reader = match tier {
        "kernel" => SecretReader::Kernel,
        _ => SecretReader::EncryptedFile {
            file: cli.data_dir().join("secrets.enc"),
            passphrase: PASSPHRASE.to_owned(),
        },
    };
    assert_eq!(
        Cli::secrets_left_in(reader, id).await,
        Vec::<SecretKind>::new(),
        "logout deletes every secret from the {tier} tier"
    );
}

#[tokio::test]
async fn with_no_d_bus_at_all_the_kernel_tier_carries_a_whole_session_and_says_so_once() {
    let cli = Cli::start(&[]).await;
    without_d_bus(&cli);
    cli.read_secrets_from(SecretReader::Kernel);
    cli.add_profile("first", &[]).await;
    // Nothing chosen: the first command that needs secrets passes over the missing keyring
    // for the kernel's key store, and says so in one line, this once.
    let first = cli.run(&["status", "first"]).await;
    first.ok();
    let notices = |text: &str| {
        text.lines()
            .filter(|line| line.contains("kept in the kernel's key store until a reboot"))
            .count()
    };
    assert_eq!(notices(&first.stderr), 1, "{first}");
    assert!(first.stderr.contains("no D-Bus session"), "{first}");

    whole_session(&cli, "kernel").await;
    let later = cli.run(&["status"]).await;
    later.ok();
    assert_eq!(
        notices(&later.stderr),
        0,
        "the notice is said once: {later}"
    );
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn with_no_d_bus_at_all_the_encrypted_file_carries_a_whole_session_unattended() {
    let cli = Cli::start(&[]).await;
    without_d_bus(&cli);
    let file = with_encrypted_file(&cli);
    whole_session(&cli, "encrypted-file").await;
    assert_eq!(mode_of(&file), 0o600);
    // Every secret the session had is searched for in every file, the secrets file included.
    assert!(
        cli.secret_count() >= 4,
        "the scan covers the session's secrets"
    );
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn the_encrypted_file_holds_no_secret_in_the_clear_and_a_wrong_passphrase_changes_nothing_and_exits_5()
 {
    let cli = Cli::start(&[]).await;
    let file = with_encrypted_file(&cli);
    cli.add_profile("demo", &[]).await;
    cli.login("demo").await;
    let token = cli.token("demo", &[]).await;
    let refresh = cli.refresh_token("demo").await;
    let stored = cli.stored_access_token("demo").await.unwrap();
    let bytes = std::fs::read(&file).unwrap();
    for secret in [&token, &refresh, &stored, &PASSWORD.to_owned()] {
        assert!(
            !String::from_utf8_lossy(&bytes).contains(secret.as_str()),
            "a secret ({}…) is in the file in the clear",
            &secret[..4]
        );
    }
    assert_eq!(mode_of(&file), 0o600);

    let wrong = cli.home.path().join("wrong-passphrase");
    std::fs::write(&wrong, "not the passphrase\n").unwrap();
    set_mode(&wrong, 0o600);
    for args in [
        &["token", "demo"][..],
        &["token", "demo", "--refresh"],
        &["logout", "demo"],
        &["status"],
    ] {
        let run = cli
            .tokendesk(args)
            .env("TOKENDESK_PASSPHRASE_FILE", &wrong)
            .env("TOKENDESK_LOG", "warn")
            .run()
            .await;
        run.expect_code(5)
            .says(&["passphrase does not open", "nothing was changed"]);
        assert!(run.stdout.is_empty(), "{run}");
        assert_eq!(run.stderr.trim().lines().count(), 1, "one line: {run}");
        assert_eq!(
            std::fs::read(&file).unwrap(),
            bytes,
            "`{}` with a wrong passphrase changed the file",
            args.join(" ")
        );
    }
    // The right passphrase still opens everything.
    assert_eq!(cli.token("demo", &[]).await, token);
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn a_renewal_killed_at_any_moment_leaves_the_old_or_the_new_secrets_file_never_a_broken_one()
{
    let cli = Cli::start(&[]).await;
    let file = with_encrypted_file(&cli);
    cli.add_profile("demo", &[]).await;
    cli.login("demo").await;
    let id = cli.profile_id("demo");
    let store = {
        let file = file.clone();
        tokio::task::spawn_blocking(move || {
            EncryptedFileStore::open(&file, Secret::new(PASSPHRASE.to_owned())).unwrap()
        })
        .await
        .unwrap()
    };
    let stored = |store: &EncryptedFileStore| {
        store
            .get(&id, SecretKind::AccessToken)
            .unwrap_or_else(|err| panic!("the secrets file is broken: {err}"))
            .expect("an access token is stored")
            .expose()
            .clone()
    };

    // How long one renewal takes from start to exit, to spread the kills over it.
    let started = Instant::now();
    cli.token("demo", &["--refresh"]).await;
    let whole = started.elapsed();

    let (mut old, mut new) = (0, 0);
    let mut before = stored(&store);
    // 100 kills spread from the start to past the end of a renewal; on a loaded machine
    // renewals can take longer than the one measured, so up to 30 more come ever later until
    // one falls after the write.
    for i in 0..130_u32 {
        if i >= 100 && new > 0 {
            break;
        }
        let moment = if i < 100 {
            1.2 * f64::from(i) / 100.0
        } else {
            1.2 + 0.25 * f64::from(i - 99)
        };
        let running = cli.tokendesk(&["token", "demo", "--refresh"]).spawn();
        // Not a wait for anything: the moment of the kill.
        tokio::time::sleep(whole.mul_f64(moment)).await;
        running.signal("KILL");
        let run = running.finish().await;
        assert!(
            run.code.is_none() || run.code == Some(0),
            "the renewal either was killed or finished: {run}"
        );
        let after = stored(&store);
        if after == before {
            old += 1;
        } else {
            new += 1;
            cli.secret(&after);
        }
        before = after;
    }
    eprintln!(
        "{} kills: {old} left the old file, {new} the new one (a renewal takes {whole:?})",
        old + new
    );
    assert!(
        old > 0 && new > 0,
        "the kills fell both before and after the write ({old} old, {new} new)"
    );
    let token = cli.token("demo", &[]).await;
    cli.assert_token_works(&token).await;
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn store_migrate_moves_a_signed_in_profile_between_every_pair_of_tiers_and_the_token_still_works()
 {
    let cli = Cli::start(&[]).await;
    with_encrypted_file(&cli);
    // The tier comes from the settings file from here on: `store migrate` writes it there.
    cli.remove_env("TOKENDESK_STORE");
    cli.read_secrets_from(SecretReader::Keyring);
    cli.add_profile("demo", &[]).await;
    cli.login("demo").await;
    assert_eq!(cli.status("demo").await["store"], "keyring");

    let tiers = [
        "keyring",
        "kernel",
        "encrypted-file",
        "keyring",
        "encrypted-file",
        "kernel",
        "keyring",
    ];
    for pair in tiers.windows(2) {
        let (from, to) = (pair[0], pair[1]);
        let run = cli.run(&["store", "migrate", "--to", to]).await;
        run.ok();
        assert!(
            run.stdout.contains("Moved 4 secrets of 1 profile")
                || run.stdout.contains("Moved 3 secrets of 1 profile")
                || run.stdout.contains("Moved 2 secrets of 1 profile"),
            "{from} → {to}: {run}"
        );
        let status = cli.status("demo").await;
        assert_eq!(
            (status["state"].as_str(), status["store"].as_str()),
            (Some("valid"), Some(to)),
            "{from} → {to}: {status}"
        );
        let token = cli.token("demo", &[]).await;
        cli.assert_token_works(&token).await;
        let renewed = cli.token("demo", &["--refresh"]).await;
        cli.assert_token_works(&renewed).await;
        let old = cli
            .run(&["status", "demo", "--json", "--store", from])
            .await;
        old.ok();
        let old: serde_json::Value = serde_json::from_str(&old.stdout).unwrap();
        assert_eq!(
            (old["state"].as_str(), old["store"].as_str()),
            (Some("signed_out"), Some(from)),
            "{from} → {to}: the old tier holds nothing of the profile any more: {old}"
        );
    }
    let memory = cli.run(&["store", "migrate", "--to", "memory"]).await;
    memory.expect_code(2).says(&["memory"]);
    cli.run(&["logout", "demo"]).await.ok();
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn with_the_keyring_chosen_and_no_d_bus_the_error_is_two_sentences_said_once_per_command() {
    let cli = Cli::start(&[]).await;
    without_d_bus(&cli);
    cli.set_env("TOKENDESK_STORE", "keyring");
    cli.set_env("TOKENDESK_LOG", "warn");
    for name in ["one", "two", "three"] {
        cli.add_profile(name, &[]).await;
    }
    for args in [
        &["status"][..],
        &["token", "one"],
        &["login", "two", "--timeout", "20"],
        &["header", "three"],
        &["store", "show"],
    ] {
        let run = cli.run(args).await;
        let said: Vec<&str> = run
            .stderr
            .lines()
            .filter(|line| line.contains("No keyring answered"))
            .collect();
        assert_eq!(said.len(), 1, "said once: {run}");
        let sentences = said[0]
            .trim_start_matches("tokendesk: ")
            .split_terminator(". ")
            .count();
        assert!(sentences <= 2, "at most two sentences: {}", said[0]);
        assert!(said[0].contains("--store kernel"), "{}", said[0]);
        if args[0] != "status" {
            run.expect_code(1);
        }
    }
    assert!(!cli.browser_log_file().exists());
}
