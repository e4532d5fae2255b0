#![cfg(feature = "system-tests")]
//! Soak: a running engine (the background runner) keeps a valid token for three minutes of
//! real time against the demo portal with 20-second access tokens and 2-minute refresh
//! tokens, using the real OS keyring, and exchanges the refresh token before it lapses (with
//! a fifth of its life left, at 1 min 36 s; the exchanged token lives 2 minutes from then, so
//! the session outlives the run). Every second the current token is taken and checked
//! against the portal's protected service.
//!
//!     scripts/with-test-session cargo test --features system-tests --test engine soak::
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::common::engine::{BOUND, Rig};
use tokendesk::engine::{EngineEvent, RenewalKind, Runner};
use tokendesk::store::open_keyring;
use tokendesk_demo_portal::DemoConfig;
use tokio::sync::mpsc;

/// How long the engine must keep a valid token.
const SOAK: Duration = Duration::from_secs(180);

fn in_test_session() {
    assert!(
        std::env::var_os("TOKENDESK_TEST_SESSION").is_some(),
        "run the soak test through scripts/with-test-session (a throw-away keyring), not \
         against your own keyring"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_engine_keeps_a_valid_token_for_minutes_and_exchanges_the_refresh_token_in_time()
{
    in_test_session();
    let mut config = DemoConfig::default();
    config.lifetimes.access_token_seconds = 20;
    let keyring = Arc::new(open_keyring().unwrap());
    let rig = Rig::start(config, 2, keyring).await;
    let engine = Arc::new(rig.engine());
    rig.sign_in(&engine).await;
    let service = format!(
        "{}/rest/services/Demo/MapServer?f=json",
        rig.portal.urls().federated_root
    );
    let http = crate::common::demo::client_for(rig.portal.ca_pem());

    let (sender, mut events) = mpsc::unbounded_channel();
    let runner = Runner::spawn(Arc::clone(&engine), rig.profile.clone(), sender);
    let started = Instant::now();
    let mut ticks = tokio::time::interval(Duration::from_secs(1));
    let (mut samples, mut distinct, mut superseded) = (0u32, Vec::<String>::new(), 0u32);
    while started.elapsed() < SOAK {
        ticks.tick().await;
        let stored = engine.stored_token(&rig.profile).await.unwrap().unwrap();
        let token = stored.token.expose().clone();
        let answer: serde_json::Value = http
            .get(&service)
            .header("X-Esri-Authorization", format!("Bearer {token}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if answer.get("error").is_some() {
            // Only acceptable when an exchange replaced the token between taking and using it
            // (an exchange kills the access tokens of the old refresh token).
            let now = engine.stored_token(&rig.profile).await.unwrap().unwrap();
            assert_ne!(
                now.token.expose(),
                &token,
                "after {:?} the current token was refused: {answer}",
                started.elapsed()
            );
            superseded += 1;
            assert!(superseded <= 1, "more than one token superseded mid-use");
        }
        samples += 1;
        if distinct.last() != Some(&token) {
            distinct.push(token);
        }
    }
    runner.stop().await;

    let mut refreshed = 0;
    let mut exchanged = 0;
    while let Ok(event) = events.try_recv() {
        let text = format!("{event:?}");
        assert!(
            distinct.iter().all(|t| !text.contains(t.as_str())),
            "an event holds a token"
        );
        if let EngineEvent::Activity { renewal, .. } = event {
            match renewal {
                Some(RenewalKind::Refreshed) => refreshed += 1,
                Some(RenewalKind::Exchanged) => exchanged += 1,
                Some(RenewalKind::Reissued) => panic!("an OAuth session is never re-issued"),
                None => {}
            }
        }
    }
    let requests = rig.token_requests().await;
    assert!(samples >= 170, "{samples} samples");
    assert_eq!(
        exchanged, 1,
        "the refresh token is exchanged once, before it lapses"
    );
    // One renewal per ~16 s: about 11 in 180 s, one of them the exchange; never a tight loop.
    assert!((8..=16).contains(&refreshed), "{refreshed} renewals");
    assert_eq!(
        requests,
        refreshed + exchanged,
        "every token request was a renewal"
    );
    assert!(distinct.len() >= 9, "{} distinct tokens", distinct.len());

    let session = rig.session().unwrap();
    assert!(session.refresh_expires_at.unwrap() > tokendesk::clock::Clock::now(rig.clock.as_ref()));
    let done = tokio::time::timeout(BOUND, engine.sign_out(&rig.profile))
        .await
        .unwrap()
        .unwrap();
    assert!(done.revoke_failed.is_none());
    assert!(rig.session().is_none());
}
