//! Sites whose tokens arrive (nearly) expired must not start a renewal storm: the window's
//! runner, watched for 20 seconds, sends at most a couple of requests, and the state says
//! what is wrong. Two causes: a site answering `expires_in: 0`, and a portal whose clock is
//! two hours behind (its absolute `expires` is moved onto this computer's clock by the
//! `Date` of its answer, and the skew is reported).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tokio::sync::mpsc;

use crate::common::engine::{PASSWORD, Rig, TOKEN_PATH};
use tokendesk::clock::{Clock, SystemClock};
use tokendesk::engine::{Credentials, Engine, EngineEvent, Runner, TokenState};
use tokendesk::remedy::Remedy;
use tokendesk::secret::Secret;
use tokendesk::store::{AsyncSecrets, MemoryStore, Profile, SignInMethod};
use tokendesk_demo_portal::DemoConfig;

const GENERATE_TOKEN: &str = "/portal/sharing/rest/generateToken";

/// How long the runner is watched. A storm sends hundreds of requests in this time.
const WATCH: Duration = Duration::from_secs(20);

/// At most this many requests in [`WATCH`]: the attempt that meets the fault and one retry.
const A_HANDFUL: u64 = 2;

fn profile(rig: &Rig, method: SignInMethod) -> Profile {
    rig.credential_profile(method, 60)
}

/// Runs a runner for `profile` for [`WATCH`] and returns the activity lines it reported.
async fn watch_runner(engine: &Arc<Engine>, profile: &Profile) -> Vec<String> {
    let (sender, mut events) = mpsc::unbounded_channel();
    let runner = Runner::spawn(Arc::clone(engine), profile.clone(), sender);
    // An observation window, not a synchronisation: the test counts what the runner does
    // in a fixed time.
    tokio::time::sleep(WATCH).await;
    runner.stop().await;
    let mut lines = Vec::new();
    while let Ok(event) = events.try_recv() {
        if let EngineEvent::Activity { message, .. } = event {
            lines.push(message);
        }
    }
    lines
}

#[tokio::test]
async fn app_tokens_answered_with_expires_in_0_are_refused_and_the_runner_does_not_storm() {
    let rig = Rig::start(DemoConfig::default(), 60, Arc::new(MemoryStore::new())).await;
    let app = profile(&rig, SignInMethod::AppCredentials);
    let engine = Arc::new(rig.engine());
    engine
        .sign_in_with(
            &app,
            Credentials::ClientSecret(Secret::new("demo-app-secret".into())),
        )
        .await
        .unwrap();
    rig.add_fault(json!({
        "path": TOKEN_PATH,
        "kind": "answer",
        "body": r#"{"access_token":"already-dead-token-0123456789","expires_in":0}"#,
        "count": 100000,
    }))
    .await;
    // Past the renewal point of the 60-minute token.
    rig.advance(56 * 60).await;
    rig.reset_counts().await;

    let lines = watch_runner(&engine, &app).await;
    let requests = rig.token_requests().await;
    assert!(
        (1..=A_HANDFUL).contains(&requests),
        "{requests} token requests in {WATCH:?}: {lines:#?}"
    );
    let status = engine.status(&app).await.unwrap();
    let TokenState::RefreshFailing {
        last_error, remedy, ..
    } = &status.state
    else {
        panic!("the state should say renewal is failing: {status:?}");
    };
    assert!(last_error.contains("already expired"), "{last_error}");
    assert!(last_error.contains("clock"), "{last_error}");
    assert_eq!(remedy.as_ref(), Some(&Remedy::CheckClocks));
    // The dead token was never stored: the one from the sign-in is still handed out.
    let stored = engine.stored_token(&app).await.unwrap().unwrap();
    assert_ne!(stored.token.expose(), "already-dead-token-0123456789");
}

#[tokio::test]
async fn a_portal_clock_two_hours_behind_is_read_from_its_date_and_a_remembered_password_is_not_stormed()
 {
    let rig = Rig::start(DemoConfig::default(), 60, Arc::new(MemoryStore::new())).await;
    rig.advance(-2 * 3600).await;
    // This computer's clock, not the portal's: the two disagree by two hours.
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let engine = Arc::new(Engine::new(
        AsyncSecrets::new(Arc::clone(&rig.store)),
        &rig.paths,
        Arc::clone(&clock),
    ));
    let user = profile(&rig, SignInMethod::PortalPassword);
    rig.reset_counts().await;
    let done = engine
        .sign_in_with(
            &user,
            Credentials::Password {
                username: None,
                password: Secret::new(PASSWORD.to_owned()),
                remember: true,
            },
        )
        .await
        .unwrap();
    let left = done.expires_at.unwrap() - clock.now();
    assert!(
        (55..=60).contains(&left.num_minutes()),
        "the 60-minute token lasts an hour on this computer's clock, not -1 h: {left}"
    );
    let warning = done.warning.expect("the skew is reported at sign-in");
    assert!(
        warning.text.contains("2 h 0 min behind"),
        "{}",
        warning.text
    );

    let lines = watch_runner(&engine, &user).await;
    assert_eq!(
        rig.count(GENERATE_TOKEN).await,
        1,
        "only the sign-in asked for a token: {lines:#?}"
    );
    assert_eq!(engine.status(&user).await.unwrap().state, TokenState::Valid);
}
