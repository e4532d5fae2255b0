#![cfg(feature = "system-tests")]
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `tokendesk login` as a black box: the stand-in `xdg-open` (tests/browser) plays the
//! browser against `tokendesk demo-portal`; secrets go to the real throw-away keyring.
//!
//!     scripts/with-test-session cargo test --features system-tests --test cli login::

use std::time::Duration;

use crate::common::cli::{Cli, USER, authorize_url, redirect_port, wait_for_line};

/// A signed-out profile's status says so, and what to run (in words and in JSON).
async fn assert_signed_out(cli: &Cli, name: &str) {
    let status = cli.status(name).await;
    assert_eq!(status["state"], "signed_out", "{status}");
    let login = format!("`tokendesk login {name}`");
    let message = status["message"].as_str().unwrap_or_default();
    assert!(message.contains(&login), "{status}");
    let run = cli.run(&["status", name]).await;
    run.expect_code(0);
    assert!(run.stdout.contains(&login), "{run}");
}

#[tokio::test]
async fn login_through_the_browser_signs_in_and_status_shows_valid_for_analyst() {
    let cli = Cli::start(&[]).await;
    cli.add_profile("demo", &[]).await;
    assert_signed_out(&cli, "demo").await;

    let run = cli.login("demo").await;
    run.says(&["signed in to", &format!("as {USER}")]);
    let line = run
        .stderr
        .lines()
        .find(|l| l.contains("Signed in to"))
        .unwrap_or_else(|| panic!("{run}"));
    assert!(
        line.contains(&cli.origin),
        "the message names the portal: {line}"
    );
    assert!(
        run.stdout.is_empty(),
        "login prints nothing on stdout: {run}"
    );
    assert!(
        authorize_url(&run.stderr).is_some(),
        "the URL is printed on stderr as a fallback: {run}"
    );
    // The stand-in runs detached: its last line may come after login ended.
    let log = wait_for_line(&cli.browser_log_file(), "done:").await;
    assert_eq!(cli.browser_visits(), 1, "{log}");
    assert!(log.contains("done: page 200 'Signed in"), "{log}");

    let status = cli.status("demo").await;
    assert_eq!(status["name"], "demo", "{status}");
    assert_eq!(status["state"], "valid", "{status}");
    assert_eq!(status["user"], USER, "{status}");
    let now = chrono::Utc::now();
    assert!(
        crate::common::cli::status_time(&status, "access_expires_at") > now,
        "{status}"
    );
    assert!(
        crate::common::cli::status_time(&status, "refresh_expires_at") > now,
        "{status}"
    );

    let text = cli.run(&["status", "demo"]).await;
    text.ok();
    assert!(
        text.stdout.contains("demo") && text.stdout.contains(USER),
        "the text status names the profile and the user: {text}"
    );
    for key in ["access_expires_at", "refresh_expires_at"] {
        assert!(
            text.stdout.contains(status[key].as_str().unwrap()),
            "the text status shows {key}: {text}"
        );
    }
    assert!(
        text.stdout.contains("(in "),
        "expiries come with countdowns: {text}"
    );
    cli.refresh_token("demo").await;
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn denying_in_the_browser_ends_login_with_exit_3_and_says_it_was_denied() {
    let cli = Cli::start(&[]).await;
    cli.add_profile("demo", &[]).await;
    let run = cli
        .tokendesk(&["login", "demo", "--timeout", "60"])
        .browser("deny")
        .run()
        .await;
    run.expect_code(3).says(&["denied"]);
    assert!(
        run.took < Duration::from_secs(30),
        "ends at the denial: {run}"
    );
    let log = wait_for_line(&cli.browser_log_file(), "done:").await;
    assert!(log.contains("error=access_denied"), "{log}");
    assert_signed_out(&cli, "demo").await;
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn an_answer_with_a_tampered_state_ends_login_with_exit_3_and_names_the_state() {
    let cli = Cli::start(&[]).await;
    cli.add_profile("demo", &[]).await;
    let run = cli
        .tokendesk(&["login", "demo", "--timeout", "5"])
        .browser("tamper-state")
        .run()
        .await;
    run.expect_code(3).says(&["state"]);
    let log = wait_for_line(&cli.browser_log_file(), "done:").await;
    assert!(log.contains("tampered with the redirect's state"), "{log}");
    assert!(
        log.contains("done: page 400"),
        "the browser is told the answer was refused: {log}"
    );
    assert_signed_out(&cli, "demo").await;
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn a_browser_left_alone_times_login_out_with_exit_3() {
    let cli = Cli::start(&[]).await;
    cli.add_profile("demo", &[]).await;
    let run = cli
        .tokendesk(&["login", "demo", "--timeout", "3"])
        .browser("ignore")
        .run()
        .await;
    let port = redirect_port(&authorize_url(&run.stderr).expect("the URL on stderr"));
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "the loopback port {port} is closed after the timeout"
    );
    run.expect_code(3).says(&["timed out"]);
    assert!(
        run.took >= Duration::from_secs(3) && run.took < Duration::from_secs(30),
        "waits the 3 s given, not much more: {run}"
    );
    wait_for_line(&cli.browser_log_file(), "done: left the page open").await;
    assert_signed_out(&cli, "demo").await;
}

#[tokio::test]
async fn sigint_cancels_a_waiting_login_with_exit_3_and_closes_the_loopback_port() {
    let cli = Cli::start(&[]).await;
    cli.add_profile("demo", &[]).await;
    let mut login = cli
        .tokendesk(&["login", "demo", "--timeout", "120"])
        .browser("ignore")
        .spawn();
    // Waiting for the browser: the page was shown and left alone.
    let log = wait_for_line(&cli.browser_log_file(), "done: left the page open").await;
    let stderr = login
        .wait_stderr("the sign-in URL", |t| authorize_url(t).is_some())
        .await;
    let port = redirect_port(&authorize_url(&stderr).unwrap());
    assert!(log.contains(&format!("127.0.0.1%3A{port}")), "{log}");
    std::net::TcpStream::connect(("127.0.0.1", port))
        .expect("the loopback listener is open while login waits");

    login.signal("INT");
    let run = login.finish().await;
    run.expect_code(3).says(&["cancel"]);
    assert!(run.took < Duration::from_secs(60), "{run}");
    let refused = std::net::TcpStream::connect(("127.0.0.1", port));
    assert!(
        refused.is_err(),
        "the loopback port {port} is closed after the cancelled login"
    );
    assert_signed_out(&cli, "demo").await;
}

#[tokio::test]
async fn login_with_no_browser_prints_the_url_opens_nothing_and_completes_when_it_is_visited() {
    let cli = Cli::start(&[]).await;
    cli.add_profile("demo", &[]).await;
    let mut login = cli
        .tokendesk(&["login", "demo", "--no-browser", "--timeout", "60"])
        .spawn();
    let stderr = login
        .wait_stderr("the sign-in URL", |t| authorize_url(t).is_some())
        .await;
    let url = authorize_url(&stderr).unwrap();
    assert!(url.as_str().starts_with(&cli.portal_url), "{url}");
    assert!(
        url.query_pairs()
            .any(|(k, v)| k == "client_id" && v == crate::common::cli::APP),
        "{url}"
    );

    visit_by_hand(&cli, &url).await;

    let run = login.finish().await;
    run.ok().says(&["signed in", USER]);
    assert!(
        !cli.browser_log_file().exists(),
        "--no-browser opened a browser: {}",
        cli.browser_log()
    );
    let status = cli.status("demo").await;
    assert_eq!(status["state"], "valid", "{status}");
    cli.refresh_token("demo").await;
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn an_out_of_band_profile_signs_in_with_the_code_pasted_on_stdin() {
    let cli = Cli::start(&[]).await;
    cli.add_profile("oob", &["--method", "oob"]).await;
    let show = cli.run(&["profile", "show", "oob", "--json"]).await;
    show.ok();
    assert!(
        show.stdout.contains("urn:ietf:wg:oauth:2.0:oob"),
        "--method oob defaults to the oob redirect: {show}"
    );

    let mut login = cli
        .tokendesk(&["login", "oob", "--timeout", "60"])
        .piped_stdin()
        .spawn();
    let stderr = login
        .wait_stderr("the sign-in URL", |t| authorize_url(t).is_some())
        .await;
    let url = authorize_url(&stderr).unwrap();
    assert!(
        url.query_pairs()
            .any(|(k, v)| k == "redirect_uri" && v == "urn:ietf:wg:oauth:2.0:oob"),
        "{url}"
    );
    // The stand-in (opened by login) copied the approval page's title line.
    let line = wait_for_line(&cli.code_file(), "SUCCESS code=").await;
    let code = line
        .trim()
        .strip_prefix("SUCCESS code=")
        .unwrap()
        .to_owned();
    cli.secret(&code);
    login.write_stdin(&format!("{code}\n")).await;
    let run = login.finish().await;
    run.ok().says(&["signed in", USER]);
    let status = cli.status("oob").await;
    assert_eq!(status["state"], "valid", "{status}");
    assert_eq!(status["user"], USER, "{status}");
    let token = cli.token("oob", &[]).await;
    cli.assert_token_works(&token).await;
    cli.refresh_token("oob").await;
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn a_timeout_that_is_not_a_positive_number_of_seconds_is_a_usage_error() {
    let cli = Cli::start(&[]).await;
    cli.add_profile("demo", &[]).await;
    for timeout in ["0", "-5", "soon"] {
        let run = cli.run(&["login", "demo", "--timeout", timeout]).await;
        run.expect_code(2);
        assert!(run.took < Duration::from_secs(10), "{run}");
    }
    assert!(!cli.browser_log_file().exists(), "{}", cli.browser_log());
}

#[tokio::test]
async fn logging_in_to_an_unknown_profile_is_a_usage_error() {
    let cli = Cli::start(&[]).await;
    let run = cli.run(&["login", "nope", "--timeout", "5"]).await;
    run.expect_code(2).says(&["nope"]);
    assert!(!cli.browser_log_file().exists());
}

#[tokio::test]
async fn when_no_browser_can_be_opened_login_still_prints_the_url_and_completes_when_visited() {
    let cli = Cli::start(&[]).await;
    cli.add_profile("demo", &[]).await;
    // No launcher at all on PATH: the `open` crate finds no xdg-open, gio, …
    let empty = cli.home.path().join("empty-bin");
    std::fs::create_dir(&empty).unwrap();
    let mut login = cli
        .tokendesk(&["login", "demo", "--timeout", "60"])
        .env("PATH", &empty)
        .spawn();
    let stderr = login
        .wait_stderr("the sign-in URL", |t| authorize_url(t).is_some())
        .await;
    let url = authorize_url(&stderr).unwrap();
    visit_by_hand(&cli, &url).await;
    let run = login.finish().await;
    run.ok().says(&["signed in", USER]);
    assert!(!cli.browser_log_file().exists());
    cli.refresh_token("demo").await;
    cli.assert_no_secret_leaked();
}

/// The person opens `url` by hand: the stand-in, run directly, approving, with its own log.
async fn visit_by_hand(cli: &Cli, url: &url::Url) {
    let manual_log = cli.home.path().join("manual-browser.log");
    let visited = tokio::process::Command::new(crate::common::cli::stand_in_dir().join("xdg-open"))
        .arg(url.as_str())
        .env("TOKENDESK_TEST_CA", &cli.ca)
        .env("TOKENDESK_TEST_USER", USER)
        .env("TOKENDESK_TEST_PASSWORD", crate::common::cli::PASSWORD)
        .env("TOKENDESK_TEST_BROWSER_LOG", &manual_log)
        .env("TOKENDESK_TEST_BROWSER_CODE_OUT", cli.code_file())
        .status();
    let visited = tokio::time::timeout(crate::common::cli::BOUND, visited)
        .await
        .unwrap()
        .unwrap();
    assert!(visited.success());
}

#[tokio::test]
async fn an_out_of_band_login_whose_stdin_closes_without_a_code_ends_promptly_with_exit_3() {
    let cli = Cli::start(&[]).await;
    cli.add_profile("oob", &["--method", "oob"]).await;
    // stdin is /dev/null: nothing will ever be pasted.
    let run = cli
        .tokendesk(&["login", "oob", "--no-browser", "--timeout", "60"])
        .run()
        .await;
    run.expect_code(3);
    assert!(
        run.took < Duration::from_secs(30),
        "an empty stdin is not waited on until the timeout: {run}"
    );
    assert_signed_out(&cli, "oob").await;
}

#[tokio::test]
async fn an_out_of_band_login_given_a_wrong_code_fails_with_a_message_about_the_code() {
    let cli = Cli::start(&[]).await;
    cli.add_profile("oob", &["--method", "oob"]).await;
    let mut login = cli
        .tokendesk(&["login", "oob", "--no-browser", "--timeout", "60"])
        .piped_stdin()
        .spawn();
    login
        .wait_stderr("the sign-in URL", |t| authorize_url(t).is_some())
        .await;
    login.write_stdin("not-a-code-the-portal-issued\n").await;
    let run = login.finish().await;
    assert!(
        matches!(run.code, Some(3 | 4)),
        "a refused code is a failed sign-in: {run}"
    );
    run.says(&["code"]);
    assert!(run.took < Duration::from_secs(30), "{run}");
    assert_signed_out(&cli, "oob").await;
}

#[tokio::test]
async fn sigint_cancels_an_out_of_band_login_waiting_for_the_code_with_exit_3() {
    let cli = Cli::start(&[]).await;
    cli.add_profile("oob", &["--method", "oob"]).await;
    let mut login = cli
        .tokendesk(&["login", "oob", "--no-browser", "--timeout", "120"])
        .piped_stdin()
        .spawn();
    login
        .wait_stderr("the sign-in URL", |t| authorize_url(t).is_some())
        .await;
    login.signal("INT");
    let run = login.finish().await;
    run.expect_code(3).says(&["cancel"]);
    assert!(run.took < Duration::from_secs(60), "{run}");
    assert_signed_out(&cli, "oob").await;
}

#[tokio::test]
async fn signing_in_again_replaces_the_session_and_revokes_the_old_refresh_token() {
    let cli = Cli::start(&[]).await;
    cli.signed_in("demo").await;
    let old = cli.refresh_token("demo").await;
    cli.login("demo").await;
    let new = cli.refresh_token("demo").await;
    assert_ne!(new, old, "a new sign-in stores the new refresh token");
    assert!(
        !cli.refresh_token_works(&old).await,
        "the replaced refresh token is revoked, not left valid on the portal"
    );
    let token = cli.token("demo", &[]).await;
    cli.assert_token_works(&token).await;
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn login_completes_when_a_real_headless_chromium_follows_the_redirect() {
    let cli = Cli::start(&[]).await;
    cli.add_profile("demo", &[]).await;
    let chromium_stand_in =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser-chromium");
    let path = std::env::join_paths(
        std::iter::once(chromium_stand_in)
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    let run = cli
        .tokendesk(&["login", "demo", "--timeout", "80"])
        .env("PATH", path)
        .run()
        .await;
    run.ok().says(&["signed in", USER]);
    let log = wait_for_line(&cli.browser_log_file(), "done:").await;
    assert!(
        log.contains("done: page 200 'Signed in"),
        "Chromium shows the listener's success page: {log}"
    );
    let token = cli.token("demo", &[]).await;
    cli.assert_token_works(&token).await;
    cli.refresh_token("demo").await;
    cli.assert_no_secret_leaked();
}

#[tokio::test]
async fn where_no_browser_can_be_opened_login_says_in_one_line_how_to_forward_the_port_or_use_the_code_page()
 {
    let cli = Cli::start(&[]).await;
    cli.add_profile("demo", &[]).await;
    // No launcher at all on PATH (as on a headless server reached over SSH).
    let empty = cli.home.path().join("empty-path");
    std::fs::create_dir_all(&empty).unwrap();
    let run = cli
        .tokendesk(&["login", "demo", "--timeout", "2"])
        .env("PATH", &empty)
        .env("TOKENDESK_LOG", "warn")
        .run()
        .await;
    assert_ne!(run.code, Some(0), "nobody signed in: {run}");
    let port = redirect_port(&authorize_url(&run.stderr).expect("the address is printed"));
    let hints: Vec<&str> = run
        .stderr
        .lines()
        .filter(|line| line.contains("ssh -L"))
        .collect();
    assert_eq!(hints.len(), 1, "one line: {run}");
    assert!(
        hints[0].contains(&format!("ssh -L {port}:127.0.0.1:{port}")),
        "the hint forwards the listener's own port {port}: {}",
        hints[0]
    );
    assert!(hints[0].contains("--method oob"), "{}", hints[0]);
}

#[tokio::test]
async fn profile_add_asks_the_portal_about_the_app_and_refuses_a_client_id_it_does_not_know() {
    let cli = Cli::start(&[]).await;
    let ca = cli.ca.to_str().unwrap().to_owned();
    let add = |name: &'static str, client_id: &'static str, extra: &'static [&'static str]| {
        let mut args = vec![
            "profile",
            "add",
            name,
            "--url",
            &cli.portal_url,
            "--client-id",
            client_id,
            "--ca-file",
            &ca,
        ];
        args.extend_from_slice(extra);
        args.into_iter().map(str::to_owned).collect::<Vec<_>>()
    };
    let run_owned = |args: Vec<String>| {
        let cli = &cli;
        async move {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            cli.run(&args).await
        }
    };

    let refused = run_owned(add("stranger", "no-such-app", &[])).await;
    refused.expect_code(4).says(&[
        "does not know the client id `no-such-app`",
        "invalid client_id",
        "not added",
        "--no-check",
    ]);
    // An app that knows only the out-of-band redirect: the loopback one is not registered.
    let refused = run_owned(add("oob-only", "tokendesk-demo-app", &[])).await;
    refused
        .expect_code(4)
        .says(&["not the redirect uri", "http://127.0.0.1"]);
    let listed = cli.run(&["profile", "list", "--json"]).await;
    listed.ok();
    assert_eq!(listed.stdout.trim(), "[]", "nothing was added: {listed}");

    // Known app and redirect: added; --no-check adds without asking.
    run_owned(add("demo", "tokendesk-demo", &[])).await.ok();
    run_owned(add("unchecked", "no-such-app", &["--no-check"]))
        .await
        .ok();
    let listed = cli.run(&["profile", "list", "--json"]).await;
    let names: Vec<String> = serde_json::from_str::<serde_json::Value>(&listed.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["demo", "unchecked"]);
}
