//! The credential methods through the engine API the desktop app uses
//! ([`Engine::sign_in_with`] with [`Credentials`]), against the in-process demo portal with a
//! memory secret store and the portal's clock as the engine's: app tokens and remembered
//! passwords are re-issued ahead of expiry; a password that was not remembered makes no
//! request at expiry and asks for a sign-in.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use crate::common::engine::{CountingListener, PASSWORD, Rig, USER};
use tokendesk::arcgis::info::portal_self;
use tokendesk::clock::Clock;
use tokendesk::engine::{Credentials, FailureClass, RenewalKind, TokenState};
use tokendesk::secret::{AccessToken, Secret};
use tokendesk::store::{MemoryStore, Profile, ProfileId, SecretKind, SignInMethod, TokenBinding};
use tokendesk_demo_portal::DemoConfig;

const GENERATE_TOKEN: &str = "/portal/sharing/rest/generateToken";

async fn rig() -> Rig {
    Rig::start(DemoConfig::default(), 60, Arc::new(MemoryStore::new())).await
}

fn profile(rig: &Rig, method: SignInMethod, minutes: u32) -> Profile {
    rig.credential_profile(method, minutes)
}

async fn portal_takes(rig: &Rig, token: &AccessToken) -> bool {
    portal_self(&rig.client, &rig.portal_url(), Some(token), rig.clock.now())
        .await
        .is_ok()
}

#[tokio::test]
async fn an_app_token_is_reissued_ahead_of_its_expiry_with_the_stored_client_secret() {
    let rig = rig().await;
    let app = profile(&rig, SignInMethod::AppCredentials, 10);
    let engine = rig.engine();
    let done = engine
        .sign_in_with(
            &app,
            Credentials::ClientSecret(Secret::new("demo-app-secret".into())),
        )
        .await
        .unwrap();
    assert_eq!(done.who, "app tokendesk-demo-app");
    rig.reset_counts().await;
    let first = engine.fresh_token(&app, false).await.unwrap();
    assert_eq!(first.renewed, None);

    // A 10-minute token is renewed with 2 minutes left (a fifth of its life).
    rig.advance(7 * 60).await;
    assert_eq!(engine.fresh_token(&app, false).await.unwrap().renewed, None);
    assert_eq!(rig.token_requests().await, 0);
    rig.advance(60 + 5).await;
    let second = engine.fresh_token(&app, false).await.unwrap();
    assert_eq!(second.renewed, Some(RenewalKind::Reissued));
    assert_eq!(rig.token_requests().await, 1);
    assert_ne!(second.token.expose(), first.token.expose());
    assert!(portal_takes(&rig, &second.token).await);
    assert_eq!(engine.status(&app).await.unwrap().state, TokenState::Valid);
}

#[tokio::test]
async fn a_remembered_password_is_kept_and_reissues_while_a_forgotten_one_asks_for_sign_in() {
    let rig = rig().await;
    let engine = rig.engine();
    let remembered = profile(&rig, SignInMethod::PortalPassword, 10);
    let forgotten = profile(&rig, SignInMethod::PortalPassword, 10);
    for (profile, remember) in [(&remembered, true), (&forgotten, false)] {
        let credentials = Credentials::Password {
            username: None,
            password: Secret::new(PASSWORD.to_owned()),
            remember,
        };
        let done = engine.sign_in_with(profile, credentials).await.unwrap();
        assert_eq!(done.who, USER);
        let kept = rig.store.get(profile.id(), SecretKind::Password).unwrap();
        assert_eq!(kept.is_some(), remember);
    }
    rig.reset_counts().await;
    rig.advance(9 * 60).await;
    let renewed = engine.fresh_token(&remembered, false).await.unwrap();
    assert_eq!(renewed.renewed, Some(RenewalKind::Reissued));
    assert!(portal_takes(&rig, &renewed.token).await);
    assert_eq!(rig.count(GENERATE_TOKEN).await, 1);

    // The token without a remembered password is used until it expires, then a sign-in is
    // needed, without any request. Asking to renew it early says so, and keeps it.
    let still = engine.fresh_token(&forgotten, false).await.unwrap();
    assert_eq!(still.renewed, None);
    let forced = engine.fresh_token(&forgotten, true).await.unwrap_err();
    assert!(forced.to_string().contains("not remembered"), "{forced}");
    assert_eq!(
        engine.status(&forgotten).await.unwrap().state,
        TokenState::Valid
    );
    rig.advance(2 * 60).await;
    let err = engine.fresh_token(&forgotten, false).await.unwrap_err();
    assert_eq!(err.class(), FailureClass::SignInNeeded, "{err}");
    assert!(err.to_string().contains("remembered password"), "{err}");
    assert_eq!(rig.count(GENERATE_TOKEN).await, 1);
    let status = engine.status(&forgotten).await.unwrap();
    assert_eq!(status.state.name(), "needs_sign_in");
}

#[tokio::test]
async fn credentials_of_another_method_are_refused_without_a_request() {
    let rig = rig().await;
    let engine = rig.engine();
    let app = profile(&rig, SignInMethod::AppCredentials, 10);
    let wrong = Credentials::ApiKey {
        key: Secret::new("AAPTkey".to_owned()),
        expires_on: None,
    };
    let err = engine.sign_in_with(&app, wrong).await.unwrap_err();
    assert_eq!(err.class(), FailureClass::Local, "{err}");
    assert_eq!(rig.token_requests().await, 0);
}

#[tokio::test]
async fn a_stand_alone_servers_password_never_goes_to_a_token_service_it_advertises_on_another_host()
 {
    let rig = rig().await;
    // The foreign "token service": a bare listener on another port that counts connections.
    let foreign = CountingListener::start().await;
    let foreign_port = foreign.port;
    let hostile_info = serde_json::json!({
        "currentVersion": 11.3,
        "authInfo": {
            "isTokenBasedSecurity": true,
            "tokenServicesUrl": format!("https://127.0.0.1:{foreign_port}/gis/tokens/"),
        },
    });
    rig.add_fault(serde_json::json!({
        "path": "/gis/rest/info",
        "kind": "answer",
        "body": hostile_info.to_string(),
        "count": 1,
    }))
    .await;
    let mut draft = rig.profile.draft();
    draft.kind = tokendesk::store::SiteKind::ArcgisServer;
    draft.url = rig.portal.urls().standalone_root.clone();
    draft.sign_in = SignInMethod::ServerPassword;
    draft.redirect_uri = None;
    draft.client_id = None;
    draft.username = Some(USER.to_owned());
    draft.token_binding = Some(TokenBinding::RequestIp);
    let server = draft.validate(ProfileId::generate()).unwrap();
    let credentials = Credentials::Password {
        username: None,
        password: Secret::new("tokendesk-demo".to_owned()),
        remember: false,
    };

    let err = rig
        .engine()
        .sign_in_with(&server, credentials)
        .await
        .unwrap_err();
    assert_eq!(
        foreign.connections(),
        0,
        "the password went to the advertised foreign token service"
    );
    let text = err.to_string();
    assert!(text.contains("password was not sent"), "{text}");
    assert!(
        text.contains(&format!("127.0.0.1:{foreign_port}")),
        "{text}"
    );
}
