#![cfg(feature = "system-tests")]
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The window's life in the background: hidden in the tray, TokenDesk keeps renewing. With
//! 30-second access tokens, a kept header file changes over time and each of its tokens is
//! accepted by the portal, and `tokendesk token` from another process gets a token the hidden
//! window renewed. The window runs for real on the test session's Xvfb, on a bus of the test's
//! own with Debian's status-notifier watcher (the test plays the panel); window and command line
//! share the kernel's key store.
//!
//!     scripts/with-test-session cargo nextest run --features system-tests --test cli background::

use std::time::{Duration, Instant};

use crate::common::cli::Cli;
use crate::common::panel::{Panel, visible_windows};

/// The token in a header file's first line.
fn header_token(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    line.rsplit(' ').next().unwrap_or_default().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn hidden_in_the_tray_the_window_keeps_renewing_for_the_header_file_and_the_command_line() {
    let cli = Cli::start(&["--access-token-seconds", "30"]).await;
    let display = std::env::var("TOKENDESK_TEST_DISPLAY").expect("the test session's display");
    cli.set_env("TOKENDESK_STORE", "kernel");
    cli.read_secrets_from(crate::common::cli::SecretReader::Kernel);
    cli.add_profile("demo", &[]).await;
    cli.login("demo").await;
    let id = cli.profile_id("demo");
    // The header file is asked for in the settings file, as the card's checkbox writes it.
    std::fs::create_dir_all(cli.config_dir()).unwrap();
    std::fs::write(
        cli.config_dir().join("settings.toml"),
        format!("header_files = [\"{id}\"]\n"),
    )
    .unwrap();
    let runtime_dir = cli.home.path().join("runtime");
    std::fs::create_dir_all(&runtime_dir).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&runtime_dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    cli.set_env("XDG_RUNTIME_DIR", &runtime_dir);

    // A bus of the test's own with a status-notifier watcher, and the test as the panel.
    let panel = Panel::on_private_bus().await;
    let address = panel.address.clone().unwrap();
    let mut tick = tokio::time::interval(Duration::from_millis(50));

    let window = cli
        .tokendesk(&[])
        .env("DISPLAY", &display)
        .env("DBUS_SESSION_BUS_ADDRESS", &address)
        .spawn();
    let pid = window.pid();
    // Generous: the whole suite runs beside it on two cores, and the window draws with
    // software OpenGL.
    let bound = Instant::now() + Duration::from_secs(150);
    while visible_windows(&display, pid).is_empty() || panel.first_item().await.is_none() {
        if Instant::now() >= bound {
            window.signal("KILL");
            let run = window.finish().await;
            panic!("the window and its tray icon never came up: {run}");
        }
        tick.tick().await;
    }
    let header_file = runtime_dir.join("tokendesk").join("headers").join("demo");
    while !header_file.exists() {
        assert!(Instant::now() < bound, "the header file was never written");
        tick.tick().await;
    }

    // A click on the icon hides the window in the tray.
    let item = panel.first_item().await.unwrap();
    panel.click(&item).await;
    while !visible_windows(&display, pid).is_empty() {
        assert!(Instant::now() < bound, "the window never hid");
        tick.tick().await;
    }
    let hidden_at = chrono::Utc::now();

    // Over about a minute (two 30-second tokens), the header file changes and every token it
    // held works at the portal.
    let mut seen: Vec<String> = Vec::new();
    let watch_until = Instant::now() + Duration::from_secs(120);
    let mut sample = tokio::time::interval(Duration::from_millis(500));
    while Instant::now() < watch_until && seen.len() < 3 {
        sample.tick().await;
        let Ok(text) = std::fs::read_to_string(&header_file) else {
            continue;
        };
        let token = header_token(&text);
        if token.len() >= 16 && seen.last() != Some(&token) {
            cli.secret(&token);
            cli.assert_token_works(&token).await;
            seen.push(token);
        }
    }
    assert!(
        seen.len() >= 3,
        "the hidden window renewed the header file's token at least twice ({} tokens seen)",
        seen.len()
    );
    assert!(visible_windows(&display, pid).is_empty(), "still hidden");

    // Another process gets the token the hidden window renewed.
    let run = cli.run(&["token", "demo", "--json"]).await;
    run.ok();
    let value: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
    let token = value["token"].as_str().unwrap().to_owned();
    assert!(
        seen.contains(&token),
        "`token` hands out a token the window renewed (it sent no renewal of its own)"
    );
    let expires = chrono::DateTime::parse_from_rfc3339(value["expires"].as_str().unwrap()).unwrap();
    assert!(
        expires > hidden_at + chrono::Duration::seconds(30),
        "renewed after the window was hidden: {expires}"
    );
    drop(window);
    cli.run(&["logout", "demo"]).await.ok();
    cli.assert_no_secret_leaked();
}
