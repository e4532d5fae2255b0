#![cfg(feature = "system-tests")]
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! After a whole session — login (browser and out-of-band), token, header, refresh, a
//! revoked refresh token, logout — no secret value issued during it appears under the config,
//! data or cache dirs, in any output or debug log (`TOKENDESK_LOG=debug`), or in the
//! arguments of any `tokendesk` or stand-in browser process (sampled from /proc while the
//! commands run).
//!
//!     scripts/with-test-session cargo test --features system-tests --test cli secrets_scan::

use crate::common::cli::scan::{CmdlineSampler, files_under};
use crate::common::cli::{Cli, exe, wait_for_line};

#[tokio::test]
async fn no_secret_of_a_whole_session_appears_on_disk_in_logs_or_in_process_arguments() {
    let cli = Cli::start(&[]).await;
    cli.add_profile("demo", &[]).await;
    cli.add_profile("oob", &["--method", "oob"]).await;

    let sampler = CmdlineSampler::start();
    cli.login("demo").await;
    // Tokens and refreshes while sampling.
    let token = cli.token("demo", &[]).await;
    cli.token("demo", &["--refresh"]).await;
    cli.token("demo", &["--check"]).await;
    cli.run(&["header", "demo"]).await.ok();
    cli.run(&["header", "demo", "--style", "esri"]).await.ok();
    cli.run(&["status"]).await.ok();
    cli.run(&["status", "demo", "--json"]).await.ok();
    for args in [
        &["profile", "show", "demo"][..],
        &["profile", "show", "demo", "--json"],
        &["profile", "list"],
        &["profile", "list", "--json"],
    ] {
        cli.run(args).await.ok();
    }
    // Out-of-band: the code travels through stdin only.
    let mut oob = cli
        .tokendesk(&["login", "oob", "--timeout", "60"])
        .piped_stdin()
        .spawn();
    let line = wait_for_line(&cli.code_file(), "SUCCESS code=").await;
    let code = line
        .trim()
        .strip_prefix("SUCCESS code=")
        .unwrap()
        .to_owned();
    cli.secret(&code);
    // Pasted as a person copies it from the page's title: the whole line.
    oob.write_stdin(&format!("{}\n", line.trim())).await;
    oob.finish().await.ok();
    cli.token("oob", &[]).await;
    let cmdlines = sampler.stop();

    assert!(
        cmdlines
            .iter()
            .any(|l| l.contains(exe()) && l.contains("login")),
        "the sampler saw the login process: {cmdlines:?}"
    );
    assert!(
        cmdlines.iter().any(|l| l.contains("xdg-open")),
        "the sampler saw the stand-in browser: {cmdlines:?}"
    );

    // Every refresh token the keyring ever held for these profiles, and the stored access
    // token records, are secrets too.
    cli.refresh_token("demo").await;
    cli.refresh_token("oob").await;
    cli.stored_access_token("demo").await;
    cli.assert_token_works(&token).await;

    // Revocation and the sign-in-again path.
    let refresh = cli.refresh_token("demo").await;
    cli.revoke(&refresh).await;
    cli.run(&["token", "demo", "--refresh"])
        .await
        .expect_code(3);
    cli.run(&["logout", "oob"]).await.ok();
    cli.run(&["logout", "demo"]).await.ok();
    cli.run(&["profile", "remove", "demo"]).await.ok();

    assert!(cli.secret_count() >= 8, "the scan has secrets to look for");
    only_the_owner_can_read_the_dirs(&cli);
    cli.assert_no_secret_in(&cmdlines);
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn even_trace_logging_of_every_crate_shows_no_secret() {
    let cli = Cli::start(&[]).await;
    cli.add_profile("demo", &[]).await;
    let trace = |args: &'static [&'static str]| cli.tokendesk(args).env("TOKENDESK_LOG", "trace");
    let login = trace(&["login", "demo", "--timeout", "60"]).run().await;
    login.ok();
    assert!(
        login.stderr.contains("TRACE"),
        "trace logging is on: {login}"
    );
    trace(&["token", "demo"]).run().await.ok();
    trace(&["token", "demo", "--refresh"]).run().await.ok();
    trace(&["token", "demo", "--check"]).run().await.ok();
    trace(&["header", "demo"]).run().await.ok();
    cli.refresh_token("demo").await;
    cli.stored_access_token("demo").await;
    trace(&["logout", "demo"]).run().await.ok();
    cli.assert_no_secret_leaked();
}

/// Whatever TokenDesk writes under its dirs is for its owner only (files 0600, dirs 0700).
fn only_the_owner_can_read_the_dirs(cli: &Cli) {
    use std::os::unix::fs::PermissionsExt;
    let files = [cli.config_dir(), cli.data_dir(), cli.cache_dir()]
        .iter()
        .flat_map(|dir| files_under(dir))
        .collect::<Vec<_>>();
    assert!(!files.is_empty());
    for file in files {
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "{} has mode {mode:o}", file.display());
        let dir = file.parent().unwrap();
        let mode = std::fs::metadata(dir).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "{} has mode {mode:o}", dir.display());
    }
}
