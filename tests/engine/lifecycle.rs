//! The token lifecycle against the in-process demo portal over HTTPS: a memory secret store,
//! a temp lock directory, and the portal's clock as the engine's clock, moved forward through
//! the portal's admin endpoint instead of sleeping.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use crate::common::engine::{BOUND, Rig, USER};
use serde_json::json;
use tokendesk::arcgis::ErrorKind;
use tokendesk::arcgis::oauth::{Grant, TokenTypeHint, request_token, revoke_token};
use tokendesk::clock::Clock;
use tokendesk::engine::schedule::MIN_RETRY_DELAY;
use tokendesk::engine::{
    Due, EngineError, EngineEvent, FailureClass, RenewalKind, Runner, RunnerCommand, TokenState,
};
use tokendesk::store::{MemoryStore, SecretKind};
use tokendesk_demo_portal::DemoConfig;
use tokio::sync::mpsc;

async fn rig(minutes: u32) -> Rig {
    Rig::start(DemoConfig::default(), minutes, Arc::new(MemoryStore::new())).await
}

/// Demo access tokens last 1800 s: renewal is due with 300 s left.
const RENEW_AT: i64 = 1500;

#[tokio::test]
async fn an_any_port_sign_in_keeps_the_redirect_it_sent_with_the_listeners_port_and_exchanges_with_it()
 {
    use crate::common::browser::{Click, PlayingBrowser};
    use crate::common::engine::PASSWORD;
    use tokendesk::arcgis::oauth::RedirectUri;
    use tokendesk::auth::Progress;

    // Refresh token: 60 min; exchange due at 48 min.
    let rig = rig(60).await;
    let engine = rig.engine();
    let (browser, _shown) = PlayingBrowser::new(rig.portal.ca_pem(), USER, PASSWORD, Click::SignIn);
    let listened = Arc::new(std::sync::Mutex::new(None));
    let heard = listened.clone();
    let request = tokendesk::engine::SignInRequest {
        browser: Arc::new(browser),
        progress: Arc::new(move |step: Progress| {
            if let Progress::WaitingForBrowser { listening_on, .. } = step {
                *heard.lock().unwrap() = Some(listening_on.port());
            }
        }),
        cancel: tokio_util::sync::CancellationToken::new(),
        timeout: BOUND,
        pasted: None,
    };
    tokio::time::timeout(BOUND, engine.sign_in(&rig.profile, request))
        .await
        .unwrap()
        .unwrap();
    let port = listened
        .lock()
        .unwrap()
        .expect("the listener reported its port");
    assert_ne!(port, 0);
    assert_eq!(
        rig.session().unwrap().redirect_uri,
        Some(RedirectUri::Loopback {
            port,
            path: "/".to_owned()
        }),
        "the session keeps the redirect URI the code was issued for"
    );
    // The exchange sends it again; the portal checks it against the code's.
    rig.advance(48 * 60 + 5).await;
    let exchanged = engine.fresh_token(&rig.profile, false).await.unwrap();
    assert_eq!(exchanged.renewed, Some(RenewalKind::Exchanged));
}

#[tokio::test]
async fn a_code_grant_that_does_not_say_when_the_refresh_token_ends_counts_from_the_expiration_asked_for()
 {
    let mut config = DemoConfig::default();
    config.behaviour.code_grant_without_refresh_expiry = true;
    let rig = Rig::start(config, 60, Arc::new(MemoryStore::new())).await;
    let engine = rig.engine();
    let before = rig.clock.now();
    rig.sign_in(&engine).await;
    let ends = rig
        .session()
        .unwrap()
        .refresh_expires_at
        .expect("the refresh token's end is known");
    let asked = before + chrono::TimeDelta::minutes(60);
    assert!(
        ends >= asked && ends <= asked + chrono::TimeDelta::seconds(60),
        "{ends} is about 60 minutes after the sign-in"
    );
    // Known, so it is exchanged in time: at 48 of its 60 minutes.
    rig.advance(48 * 60 + 5).await;
    let exchanged = engine.fresh_token(&rig.profile, false).await.unwrap();
    assert_eq!(exchanged.renewed, Some(RenewalKind::Exchanged));
}

#[tokio::test]
async fn the_renewal_margin_is_the_engines_own_setting_and_reaches_its_clones_only() {
    let rig = rig(20160).await;
    let engine = rig.engine();
    rig.sign_in(&engine).await;
    let expires_at = engine
        .fresh_token(&rig.profile, false)
        .await
        .unwrap()
        .expires_at;
    let default_due = Due::At(expires_at - chrono::TimeDelta::seconds(1800 - RENEW_AT));
    assert_eq!(engine.due(&rig.profile).await.unwrap(), default_due);

    let runner_side = engine.clone();
    engine.set_renewal_margin(chrono::TimeDelta::minutes(1));
    assert_eq!(
        runner_side.due(&rig.profile).await.unwrap(),
        Due::At(expires_at - chrono::TimeDelta::minutes(1)),
        "a clone (the runner's) follows the setting"
    );
    assert_eq!(
        rig.engine().due(&rig.profile).await.unwrap(),
        default_due,
        "another engine in the same process keeps its own margin"
    );
}

#[tokio::test]
async fn a_stored_token_is_handed_out_until_renewal_is_due_and_then_renewed_once() {
    let rig = rig(20160).await;
    let engine = rig.engine();
    assert_eq!(rig.sign_in(&engine).await.username, USER);
    let first = engine.fresh_token(&rig.profile, false).await.unwrap();
    assert_eq!(first.renewed, None);

    rig.advance(RENEW_AT - 5).await;
    let still = engine.fresh_token(&rig.profile, false).await.unwrap();
    assert_eq!(still.token.expose(), first.token.expose());
    assert_eq!(
        rig.token_requests().await,
        0,
        "nothing is renewed before it is due"
    );

    rig.advance(6).await;
    let renewed = engine.fresh_token(&rig.profile, false).await.unwrap();
    assert_eq!(renewed.renewed, Some(RenewalKind::Refreshed));
    assert_ne!(renewed.token.expose(), first.token.expose());
    assert_eq!(rig.check(&renewed.token).await.unwrap(), USER);
    let again = engine.fresh_token(&rig.profile, false).await.unwrap();
    assert_eq!(again.token.expose(), renewed.token.expose());
    assert_eq!(rig.token_requests().await, 1);
    let status = engine.status(&rig.profile).await.unwrap();
    assert_eq!(status.state, TokenState::Valid);
    assert_eq!(status.user.as_deref(), Some(USER));
}

#[tokio::test]
async fn a_new_engine_uses_the_stored_token_without_the_network() {
    let rig = rig(20160).await;
    let first = rig.engine();
    rig.sign_in(&first).await;
    let stored = first.fresh_token(&rig.profile, false).await.unwrap();
    drop(first);
    let restarted = rig.engine();
    let token = restarted.fresh_token(&rig.profile, false).await.unwrap();
    assert_eq!(token.token.expose(), stored.token.expose());
    assert_eq!(rig.token_requests().await, 0);
}

#[tokio::test]
async fn the_refresh_token_is_exchanged_when_a_fifth_of_its_life_is_left_and_only_once() {
    // Refresh token: 60 min; exchange due with 12 min left, at 48 min.
    let rig = rig(60).await;
    let engine = rig.engine();
    rig.sign_in(&engine).await;
    let before = rig.session().unwrap();

    rig.advance(48 * 60 + 5).await;
    let exchanged = engine.fresh_token(&rig.profile, false).await.unwrap();
    assert_eq!(exchanged.renewed, Some(RenewalKind::Exchanged));
    assert_eq!(rig.token_requests().await, 1);
    assert_eq!(rig.check(&exchanged.token).await.unwrap(), USER);
    let after = rig.session().unwrap();
    assert_ne!(
        after.refresh_token.unwrap().expose(),
        before.refresh_token.as_ref().unwrap().expose()
    );
    let old = request_token(
        &rig.client,
        &rig.portal_url(),
        crate::common::engine::APP,
        &Grant::RefreshToken {
            refresh_token: before.refresh_token.as_ref().unwrap(),
        },
        rig.clock.now(),
    )
    .await
    .unwrap_err();
    assert_eq!(
        old.kind(),
        ErrorKind::InvalidGrant,
        "the old refresh token is dead"
    );
    rig.reset_counts().await;

    // The exchanged refresh token lives a fresh 60 minutes, so the next exchange is due only
    // with 12 of them left: a minute later nothing is renewed.
    let fresh_window = after.refresh_expires_at.unwrap() - rig.clock.now();
    assert!(
        (59 * 60..=60 * 60).contains(&fresh_window.num_seconds()),
        "the new refresh token lives the old one's lifetime again: {fresh_window}"
    );
    rig.advance(60).await;
    let next = engine.fresh_token(&rig.profile, false).await.unwrap();
    assert_eq!(next.token.expose(), exchanged.token.expose());
    assert_eq!(rig.token_requests().await, 0);
}

#[tokio::test]
async fn a_revoked_refresh_token_stops_renewal_and_asks_for_sign_in() {
    let rig = rig(20160).await;
    let engine = rig.engine();
    rig.sign_in(&engine).await;
    let session = rig.session().unwrap();
    revoke_token(
        &rig.client,
        &rig.portal_url(),
        crate::common::engine::APP,
        session.refresh_token.as_ref().unwrap(),
        TokenTypeHint::RefreshToken,
        rig.clock.now(),
    )
    .await
    .unwrap();

    // The access token died with it: the check sees 498, renews at once, and the renewal
    // finds the grant dead.
    let err = engine.checked_token(&rig.profile, false).await.unwrap_err();
    assert!(matches!(err, EngineError::SignInNeeded { .. }), "{err}");
    assert_eq!(err.class(), FailureClass::SignInNeeded);
    assert_eq!(
        err.remedy(),
        Some(tokendesk::remedy::Remedy::sign_in("demo")),
        "{err}"
    );
    assert_eq!(rig.token_requests().await, 1);

    let status = engine.status(&rig.profile).await.unwrap();
    assert!(
        matches!(status.state, TokenState::NeedsSignIn { .. }),
        "{status:?}"
    );
    let again = engine.fresh_token(&rig.profile, true).await.unwrap_err();
    assert_eq!(again.class(), FailureClass::SignInNeeded);
    assert_eq!(
        rig.token_requests().await,
        1,
        "a dead grant is not tried again"
    );
}

#[tokio::test]
async fn faults_on_the_token_endpoint_back_off_and_recover_with_a_bounded_number_of_requests() {
    let rig = rig(20160).await;
    let engine = rig.engine();
    rig.sign_in(&engine).await;
    let original = engine.fresh_token(&rig.profile, false).await.unwrap();
    rig.add_fault(json!([
        {"path": crate::common::engine::TOKEN_PATH, "kind": "http_error", "status": 500, "count": 1},
        {"path": crate::common::engine::TOKEN_PATH, "kind": "malformed_json", "count": 1},
        {"path": crate::common::engine::TOKEN_PATH, "kind": "drop_connection", "count": 1},
        {"path": crate::common::engine::TOKEN_PATH, "kind": "delay", "millis": 300, "count": 1},
    ]))
    .await;
    rig.advance(RENEW_AT + 1).await;

    for attempt in 1..=3u32 {
        // The renewal fails, but the stored token still has minutes left: it is handed out.
        let token = engine.fresh_token(&rig.profile, false).await.unwrap();
        assert_eq!(token.token.expose(), original.token.expose());
        assert!(token.warning.is_some());
        assert_eq!(rig.token_requests().await, u64::from(attempt));
        let status = engine.status(&rig.profile).await.unwrap();
        let TokenState::RefreshFailing {
            attempts,
            next_retry_at,
            ..
        } = status.state
        else {
            panic!("expected refresh failing, got {status:?}");
        };
        assert_eq!(attempts, attempt);
        let wait = next_retry_at.unwrap() - rig.clock.now();
        assert!(wait.to_std().unwrap() >= MIN_RETRY_DELAY - std::time::Duration::from_millis(200));

        // Asking again before the retry time makes no request: no tight loop.
        for _ in 0..5 {
            engine.fresh_token(&rig.profile, false).await.unwrap();
        }
        assert_eq!(rig.token_requests().await, u64::from(attempt));
        rig.advance(wait.num_seconds() + 1).await;
    }

    let recovered = engine.fresh_token(&rig.profile, false).await.unwrap();
    assert_eq!(recovered.renewed, Some(RenewalKind::Refreshed));
    assert_eq!(rig.check(&recovered.token).await.unwrap(), USER);
    assert_eq!(rig.token_requests().await, 4);
    assert_eq!(
        engine.status(&rig.profile).await.unwrap().state,
        TokenState::Valid
    );
}

#[tokio::test]
async fn concurrent_renewals_from_several_engines_make_one_network_renewal() {
    let rig = Arc::new(rig(20160).await);
    rig.sign_in(&rig.engine()).await;
    rig.advance(RENEW_AT + 1).await;
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let engine = rig.engine();
        let rig = Arc::clone(&rig);
        tasks.push(tokio::spawn(async move {
            engine.fresh_token(&rig.profile, false).await.unwrap()
        }));
    }
    let mut tokens = Vec::new();
    for task in tasks {
        tokens.push(tokio::time::timeout(BOUND, task).await.unwrap().unwrap());
    }
    assert_eq!(rig.token_requests().await, 1, "one network renewal for all");
    assert!(
        tokens
            .iter()
            .all(|t| t.token.expose() == tokens[0].token.expose())
    );
    assert_eq!(rig.check(&tokens[0].token).await.unwrap(), USER);
    let status = rig.engine().status(&rig.profile).await.unwrap();
    assert_eq!(status.state, TokenState::Valid);
}

#[tokio::test]
async fn a_token_rejected_with_498_is_renewed_at_once_and_only_once() {
    let rig = rig(20160).await;
    let engine = rig.engine();
    rig.sign_in(&engine).await;
    let rejected = engine.fresh_token(&rig.profile, false).await.unwrap();
    let renewed = engine
        .token_rejected(&rig.profile, &rejected.token)
        .await
        .unwrap();
    assert_eq!(renewed.renewed, Some(RenewalKind::Refreshed));
    assert_ne!(renewed.token.expose(), rejected.token.expose());
    // Another holder of the old token reports it too: the new one is already there.
    let other = rig
        .engine()
        .token_rejected(&rig.profile, &rejected.token)
        .await
        .unwrap();
    assert_eq!(other.token.expose(), renewed.token.expose());
    assert_eq!(rig.token_requests().await, 1);

    // A 498 from the portal during a check renews and checks again.
    rig.add_fault(json!({"path": "/portal/sharing/rest/community/self", "kind": "invalid_token"}))
        .await;
    let checked = engine.checked_token(&rig.profile, false).await.unwrap();
    assert_eq!(checked.renewed, Some(RenewalKind::Refreshed));
    assert_eq!(rig.token_requests().await, 2);
}

#[tokio::test]
async fn sign_out_revokes_the_refresh_token_and_deletes_the_secrets() {
    let rig = rig(20160).await;
    let engine = rig.engine();
    rig.sign_in(&engine).await;
    let session = rig.session().unwrap();
    let done = engine.sign_out(&rig.profile).await.unwrap();
    assert!(done.had_session);
    assert!(done.revoke_failed.is_none());
    for kind in SecretKind::ALL {
        assert!(rig.store.get(rig.profile.id(), kind).unwrap().is_none());
    }
    let dead = request_token(
        &rig.client,
        &rig.portal_url(),
        crate::common::engine::APP,
        &Grant::RefreshToken {
            refresh_token: session.refresh_token.as_ref().unwrap(),
        },
        rig.clock.now(),
    )
    .await
    .unwrap_err();
    assert_eq!(dead.kind(), ErrorKind::InvalidGrant);
    assert_eq!(
        engine.status(&rig.profile).await.unwrap().state,
        TokenState::SignedOut
    );
    let err = engine.fresh_token(&rig.profile, false).await.unwrap_err();
    assert!(matches!(err, EngineError::NotSignedIn { .. }), "{err}");
}

#[tokio::test]
async fn sign_out_deletes_the_secrets_even_when_the_revocation_fails() {
    let rig = rig(20160).await;
    let engine = rig.engine();
    rig.sign_in(&engine).await;
    rig.add_fault(json!({"path": "/portal/sharing/rest/oauth2/revokeToken", "kind": "http_error", "status": 502}))
        .await;
    let done = engine.sign_out(&rig.profile).await.unwrap();
    assert!(done.revoke_failed.unwrap().contains("502"));
    assert!(rig.session().is_none());
}

async fn next_activity(
    events: &mut mpsc::UnboundedReceiver<EngineEvent>,
) -> (String, Option<RenewalKind>) {
    loop {
        match tokio::time::timeout(BOUND, events.recv())
            .await
            .unwrap()
            .unwrap()
        {
            EngineEvent::Activity {
                message, renewal, ..
            } => return (message, renewal),
            EngineEvent::StateChanged { .. } => {}
        }
    }
}

#[tokio::test]
async fn the_runner_renews_when_due_and_on_command_and_its_events_hold_no_secret() {
    let rig = rig(20160).await;
    let engine = Arc::new(rig.engine());
    rig.sign_in(&engine).await;
    let first = engine.fresh_token(&rig.profile, false).await.unwrap();
    rig.advance(RENEW_AT + 1).await;
    let (sender, mut events) = mpsc::unbounded_channel();
    let runner = Runner::spawn(Arc::clone(&engine), rig.profile.clone(), sender);

    let (message, renewal) = next_activity(&mut events).await;
    assert_eq!(renewal, Some(RenewalKind::Refreshed), "{message}");
    let second = engine.stored_token(&rig.profile).await.unwrap().unwrap();
    assert_ne!(second.token.expose(), first.token.expose());

    assert!(runner.send(RunnerCommand::RefreshNow).await);
    let (_, renewal) = next_activity(&mut events).await;
    assert_eq!(renewal, Some(RenewalKind::Refreshed));
    let third = engine.stored_token(&rig.profile).await.unwrap().unwrap();

    assert!(runner.send(RunnerCommand::SignOut).await);
    let (message, _) = next_activity(&mut events).await;
    assert!(message.starts_with("signed out"), "{message}");
    runner.stop().await;

    let mut seen = Vec::new();
    while let Ok(event) = events.try_recv() {
        seen.push(format!("{event:?}"));
    }
    assert!(seen.iter().any(|e| e.contains("SignedOut")), "{seen:?}");
    for token in [&first.token, &second.token, &third.token] {
        assert!(seen.iter().all(|e| !e.contains(token.expose().as_str())));
    }
    assert_eq!(rig.token_requests().await, 2);
}

#[tokio::test]
async fn the_runner_renews_at_once_when_told_a_token_was_rejected() {
    let rig = rig(20160).await;
    let engine = Arc::new(rig.engine());
    rig.sign_in(&engine).await;
    let (sender, mut events) = mpsc::unbounded_channel();
    let runner = Runner::spawn(Arc::clone(&engine), rig.profile.clone(), sender);
    let rejected = engine.stored_token(&rig.profile).await.unwrap().unwrap();
    assert!(
        runner
            .send(RunnerCommand::TokenRejected(rejected.token.clone()))
            .await
    );
    let (message, renewal) = next_activity(&mut events).await;
    assert_eq!(renewal, Some(RenewalKind::Refreshed), "{message}");
    assert!(message.contains("rejected"), "{message}");
    let renewed = engine.stored_token(&rig.profile).await.unwrap().unwrap();
    assert_ne!(renewed.token.expose(), rejected.token.expose());
    assert_eq!(rig.check(&renewed.token).await.unwrap(), USER);
    runner.stop().await;
    assert_eq!(rig.token_requests().await, 1);
}
