#![cfg(feature = "system-tests")]
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `tokendesk` with the OS keyring chosen but not reachable (`DBUS_SESSION_BUS_ADDRESS`
//! pointing at a socket that does not exist): profile commands work, commands that need
//! secrets exit 1 and say why and what to do, and nothing secret lands on disk. A locked
//! keyring is never passed over for another tier, chosen or not.
//!
//!     scripts/with-test-session cargo test --features system-tests --test cli no_keyring::

use crate::common::cli::Cli;
use crate::common::cli::process::Run;

/// `tokendesk ARGS` with no D-Bus session bus to reach, the OS keyring chosen (without a
/// choice TokenDesk would go on with the kernel's key store: `store_tiers.rs`).
async fn without_bus(cli: &Cli, args: &[&str]) -> Run {
    let missing = cli.home.path().join("no-such-bus");
    cli.tokendesk(args)
        .env("TOKENDESK_STORE", "keyring")
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            format!("unix:path={}", missing.display()),
        )
        .run()
        .await
}

/// Exit 1, a message naming the keyring and what to do, nothing on stdout.
fn says_no_keyring(run: &Run) {
    run.expect_code(1).says(&["keyring"]);
    run.says_one_of(&["gnome-keyring", "kwallet", "unlock", "secret service"]);
    assert!(run.stdout.is_empty(), "{run}");
}

#[tokio::test]
async fn without_a_keyring_profile_commands_work_and_secret_commands_exit_1_saying_why() {
    let cli = Cli::start(&[]).await;
    let ca = cli.ca.to_str().unwrap().to_owned();
    let add = without_bus(
        &cli,
        &[
            "profile",
            "add",
            "demo",
            "--url",
            &cli.portal_url,
            "--client-id",
            crate::common::cli::APP,
            "--ca-file",
            &ca,
        ],
    )
    .await;
    add.ok().says(&["added profile demo"]);
    let list = without_bus(&cli, &["profile", "list"]).await;
    list.ok();
    assert!(list.stdout.contains("demo"), "{list}");
    without_bus(&cli, &["profile", "show", "demo"]).await.ok();

    let login = without_bus(&cli, &["login", "demo", "--timeout", "20"]).await;
    says_no_keyring(&login);
    assert!(
        !cli.browser_log_file().exists(),
        "login stops before sending the person to the browser: {}",
        cli.browser_log()
    );
    for args in [
        &["token", "demo"][..],
        &["header", "demo"],
        &["logout", "demo"],
    ] {
        says_no_keyring(&without_bus(&cli, args).await);
    }

    let status = without_bus(&cli, &["status"]).await;
    let shown = format!("{}{}", status.stdout, status.stderr).to_lowercase();
    assert!(
        shown.contains("demo") && shown.contains("unknown") && shown.contains("keyring"),
        "status lists the profile with its state unknown and says why: {status}"
    );

    without_bus(&cli, &["profile", "remove", "demo"]).await.ok();
    let list = without_bus(&cli, &["profile", "list", "--json"]).await;
    list.ok();
    assert_eq!(list.stdout.trim(), "[]", "{list}");
}

#[tokio::test]
async fn a_signed_in_profile_without_its_keyring_hands_out_nothing_and_writes_nothing() {
    let cli = Cli::start(&[]).await;
    cli.signed_in("demo").await;
    let token = cli.token("demo", &[]).await;
    cli.assert_token_works(&token).await;
    cli.refresh_token("demo").await;

    for args in [
        &["token", "demo"][..],
        &["token", "demo", "--refresh"],
        &["header", "demo"],
    ] {
        says_no_keyring(&without_bus(&cli, args).await);
    }
    // No fallback copy anywhere: files under the dirs, outputs and logs are searched for
    // the token, the refresh token and the password.
    cli.assert_no_secret_leaked();
    // The keyring still has the session once it is reachable again.
    let again = cli.token("demo", &[]).await;
    cli.assert_token_works(&again).await;
    assert_eq!(cli.browser_visits(), 1);
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn with_a_bus_but_no_secret_service_token_and_login_exit_1_saying_so() {
    let cli = Cli::start(&[]).await;
    cli.add_profile("demo", &[]).await;
    let bus = crate::common::bus::empty_bus(cli.home.path()).await;
    for args in [
        &["login", "demo", "--timeout", "20"][..],
        &["token", "demo"],
    ] {
        let run = cli
            .tokendesk(args)
            .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
            .env("TOKENDESK_STORE", "keyring")
            .run()
            .await;
        says_no_keyring(&run);
        run.says(&["secret service"]);
        assert!(
            run.took < std::time::Duration::from_secs(30),
            "fails fast: {run}"
        );
    }
    assert!(!cli.browser_log_file().exists());
}

#[tokio::test]
async fn with_a_locked_keyring_token_and_login_exit_1_fast_saying_it_is_locked() {
    let cli = Cli::start(&[]).await;
    cli.add_profile("demo", &[]).await;
    // A session of its own (the shared one stays unlocked for the other tests), whose
    // keyring is locked before tokendesk runs; no display, so no unlock prompt can show.
    let session = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/with-test-session");
    let lock_then = "dbus-send --session --print-reply --dest=org.freedesktop.secrets \
        /org/freedesktop/secrets org.freedesktop.Secret.Service.Lock \
        array:objpath:/org/freedesktop/secrets/aliases/default >/dev/null && exec \"$@\"";
    let wrapper = [session, "bash", "-c", lock_then, "locked"];
    for args in [
        &["login", "demo", "--timeout", "20"][..],
        &["token", "demo"],
    ] {
        let run = cli.tokendesk_via(&wrapper, args).run().await;
        says_no_keyring(&run);
        run.says(&["locked", "unlock"]);
        assert!(
            run.took < std::time::Duration::from_secs(30),
            "no wait on an unlock prompt: {run}"
        );
    }
    let status = cli.tokendesk_via(&wrapper, &["status"]).run().await;
    let shown = format!("{}{}", status.stdout, status.stderr).to_lowercase();
    assert!(
        shown.contains("unknown") && shown.contains("locked"),
        "{status}"
    );
    assert!(!cli.browser_log_file().exists());
}

#[tokio::test]
async fn after_the_keyring_daemon_aborts_the_next_command_finds_the_session_in_the_daemon_started_in_its_place()
 {
    let cli = Cli::start(&[]).await;
    cli.add_profile("demo", &[]).await;
    // A session of its own, so the abort cannot touch the other tests' requests: sign in,
    // abort the daemon that holds the Secret Service (as gnome-keyring's upstream race
    // does), wait until its name is free, then ask for a token. The session's bus starts a
    // daemon in its place on the next request; it must be unlocked and hold the same keyring.
    let session = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/with-test-session");
    let abort_between = r#"
        set -eu
        "$@"
        owner() {
          dbus-send --session --print-reply=literal --dest=org.freedesktop.DBus /org/freedesktop/DBus \
            org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.secrets | awk '{print $NF}'
        }
        has_owner() {
          dbus-send --session --print-reply=literal --dest=org.freedesktop.DBus /org/freedesktop/DBus \
            org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets | grep -q true
        }
        first=$(owner)
        kill -ABRT "$first"
        for _ in $(seq 200); do has_owner || break; sleep 0.05; done
        ! has_owner || { echo "the aborted daemon still holds its name" >&2; exit 90; }
        "$1" token demo
        echo "daemons: $first then $(owner)" >&2
    "#;
    let wrapper = [session, "bash", "-c", abort_between, "abort-between"];
    let run = cli
        .tokendesk_via(&wrapper, &["login", "demo", "--timeout", "20"])
        .env("TOKENDESK_STORE", "keyring")
        .run()
        .await;
    run.expect_code(0);
    let token = run
        .stdout
        .lines()
        .last()
        .unwrap_or_default()
        .trim()
        .to_owned();
    assert!(token.len() > 20, "a token on the last line: {run}");
    let daemons = run
        .stderr
        .lines()
        .find_map(|line| line.strip_prefix("daemons: "))
        .unwrap_or_else(|| panic!("no daemon pids: {run}"));
    let (first, then) = daemons.split_once(" then ").unwrap();
    assert_ne!(first, then, "a new daemon holds the Secret Service: {run}");
    cli.assert_token_works(&token).await;
}
