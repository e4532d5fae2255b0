//! Tokens for service URLs ([`Engine::token_for`], [`Engine::token_for_url`]) against the
//! in-process demo portal: federated server tokens issued, used, cached in the secret store,
//! renewed when the portal's clock (the engine's clock too) passes their renewal point; the
//! portal itself, the stand-alone and the public server.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use crate::common::engine::{CountingListener, Rig};
use tokendesk::engine::{Engine, ServiceAccess, ServiceToken, ServiceTokenError, ServiceTokenKind};
use tokendesk::secret::AccessToken;
use tokendesk::store::{MemoryStore, ProfileDraft, ProfileId, SecretKind, SignInMethod, SiteKind};
use tokendesk_demo_portal::DemoConfig;

const GENERATE_TOKEN: &str = "/portal/sharing/rest/generateToken";
const SERVER_INFO: &str = "/server/rest/info";

async fn signed_in() -> (Rig, Engine) {
    let rig = Rig::start(DemoConfig::default(), 20160, Arc::new(MemoryStore::new())).await;
    let engine = rig.engine();
    rig.sign_in(&engine).await;
    (rig, engine)
}

fn service(rig: &Rig, site: &str) -> String {
    format!(
        "{}/{site}/rest/services/Demo/MapServer",
        rig.portal.urls().origin
    )
}

fn token(access: ServiceAccess) -> ServiceToken {
    match access {
        ServiceAccess::Token(token) => token,
        ServiceAccess::NotNeeded { server } => panic!("no token for {server}"),
    }
}

/// GETs `url?f=json` with the token; the JSON answer.
async fn use_token(rig: &Rig, url: &str, token: &AccessToken) -> serde_json::Value {
    crate::common::demo::client_for(rig.portal.ca_pem())
        .get(url)
        .query(&[("f", "json"), ("token", token.expose().as_str())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_federated_server_token_is_issued_works_there_is_cached_and_is_renewed_near_its_expiry() {
    let (rig, engine) = signed_in().await;
    let url = service(&rig, "server");

    let first = token(engine.token_for(&rig.profile, &url, false).await.unwrap());
    assert_eq!(
        first.kind,
        ServiceTokenKind::FederatedServer {
            server: format!("{}/server", rig.portal.urls().origin)
        }
    );
    assert!(!first.cached);
    assert_eq!(rig.count(GENERATE_TOKEN).await, 1);
    let answer = use_token(&rig, &url, &first.token).await;
    assert!(answer.get("error").is_none(), "{answer}");
    let portal = engine.fresh_token(&rig.profile, false).await.unwrap();
    assert_ne!(first.token.expose(), portal.token.expose());
    let stored = rig
        .store
        .get(rig.profile.id(), SecretKind::ServerTokens)
        .unwrap();
    assert!(stored.is_some_and(|value| value.expose().contains(first.token.expose().as_str())));

    // Cached: no token request and not even rest/info, also from another engine.
    rig.reset_counts().await;
    let again = token(
        rig.engine()
            .token_for(&rig.profile, &url, false)
            .await
            .unwrap(),
    );
    assert!(again.cached);
    assert_eq!(again.token.expose(), first.token.expose());
    assert_eq!(rig.count(GENERATE_TOKEN).await, 0);
    assert_eq!(rig.count(SERVER_INFO).await, 0);

    // Demo server tokens last 60 minutes: renewal is due 5 minutes ahead.
    rig.advance(56 * 60).await;
    let renewed = token(engine.token_for(&rig.profile, &url, false).await.unwrap());
    assert!(!renewed.cached);
    assert_ne!(renewed.token.expose(), first.token.expose());
    assert_eq!(rig.count(GENERATE_TOKEN).await, 1);
    assert!(renewed.expires_at > first.expires_at);
    let answer = use_token(&rig, &url, &renewed.token).await;
    assert!(answer.get("error").is_none(), "{answer}");
}

#[tokio::test]
async fn a_server_advertising_a_foreign_token_service_never_receives_the_portal_token() {
    let (rig, engine) = signed_in().await;
    // The foreign "token service": a bare listener on another port that counts connections.
    let foreign = CountingListener::start().await;
    let foreign_port = foreign.port;
    let origin = rig.portal.urls().origin.clone();
    let hostile_info = serde_json::json!({
        "currentVersion": 11.3,
        "owningSystemUrl": format!("{origin}/portal"),
        "authInfo": {
            "isTokenBasedSecurity": true,
            "tokenServicesUrl": format!("https://127.0.0.1:{foreign_port}/sharing/rest/generateToken"),
        },
    });
    rig.add_fault(serde_json::json!({
        "path": SERVER_INFO,
        "kind": "answer",
        "body": hostile_info.to_string(),
        "count": 1,
    }))
    .await;

    let url = service(&rig, "server");
    let result = engine.token_for(&rig.profile, &url, false).await;
    assert_eq!(
        foreign.connections(),
        0,
        "the advertised foreign token service was contacted"
    );
    let got = token(result.unwrap());
    assert_eq!(rig.count(GENERATE_TOKEN).await, 1, "traded at the portal");
    let answer = use_token(&rig, &url, &got.token).await;
    assert!(answer.get("error").is_none(), "{answer}");
}

#[tokio::test]
async fn forcing_a_server_token_asks_the_portal_again() {
    let (rig, engine) = signed_in().await;
    let url = service(&rig, "server");
    let first = token(engine.token_for(&rig.profile, &url, false).await.unwrap());
    let forced = token(engine.token_for(&rig.profile, &url, true).await.unwrap());
    assert!(!forced.cached);
    assert_ne!(forced.token.expose(), first.token.expose());
    assert_eq!(rig.count(GENERATE_TOKEN).await, 2);
}

#[tokio::test]
async fn a_url_on_the_portal_itself_gets_the_portal_token_without_any_request() {
    let (rig, engine) = signed_in().await;
    let url = format!(
        "{}/content/items/7d0c0ffee0de4d3e8a5e0000000000d1",
        rig.portal.portal_url()
    );
    let got = token(engine.token_for(&rig.profile, &url, false).await.unwrap());
    assert!(
        matches!(got.kind, ServiceTokenKind::Own(_)),
        "{:?}",
        got.kind
    );
    let portal = engine.fresh_token(&rig.profile, false).await.unwrap();
    assert_eq!(got.token.expose(), portal.token.expose());
    assert_eq!(rig.count(GENERATE_TOKEN).await, 0);
}

#[tokio::test]
async fn a_server_token_is_refused_by_the_stand_alone_server_and_the_refusal_names_whose_it_is() {
    let (rig, engine) = signed_in().await;
    let federated = token(
        engine
            .token_for(&rig.profile, &service(&rig, "server"), false)
            .await
            .unwrap(),
    );
    let standalone = service(&rig, "gis");
    let answer = use_token(&rig, &standalone, &federated.token).await;
    assert_eq!(answer["error"]["code"], 498, "{answer}");

    let err = engine
        .token_for(&rig.profile, &standalone, false)
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceTokenError::Refused { .. }), "{err}");
    let text = err.to_string();
    let origin = &rig.portal.urls().origin;
    for words in ["stand-alone", &format!("belong to {origin}/server")] {
        assert!(text.contains(words), "`{words}` missing from: {text}");
    }
    assert_eq!(
        err.remedy(),
        Some(tokendesk::remedy::Remedy::AddProfile {
            kind: tokendesk::remedy::ProfileToAdd::Server,
            url: format!("{origin}/gis"),
        }),
        "{text}"
    );
    assert!(!text.contains(federated.token.expose().as_str()));
    assert_eq!(rig.count(GENERATE_TOKEN).await, 1);
}

#[tokio::test]
async fn a_public_server_needs_no_token() {
    let (rig, engine) = signed_in().await;
    let url = service(&rig, "public");
    let access = engine.token_for(&rig.profile, &url, false).await.unwrap();
    let ServiceAccess::NotNeeded { server } = access else {
        panic!("the public server needs no token");
    };
    assert_eq!(server, format!("{}/public", rig.portal.urls().origin));
    let answer: serde_json::Value = crate::common::demo::client_for(rig.portal.ca_pem())
        .get(&url)
        .query(&[("f", "json")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(answer.get("error").is_none(), "{answer}");
}

#[tokio::test]
async fn the_desktop_question_picks_the_profile_whose_token_works_at_the_url() {
    let (rig, engine) = signed_in().await;
    let origin = rig.portal.urls().origin.clone();
    let mut draft = ProfileDraft::new(
        "gis",
        SiteKind::ArcgisServer,
        &format!("{origin}/gis"),
        SignInMethod::ServerPassword,
    );
    draft.ca_file = rig.profile.ca_file().map(ToOwned::to_owned);
    let server_profile = draft.validate(ProfileId::generate()).unwrap();
    let profiles = vec![server_profile, rig.profile.clone()];

    let federated = engine
        .token_for_url(&profiles, &service(&rig, "server"))
        .await
        .unwrap();
    assert_eq!(federated.profile.as_deref(), Some("demo"));
    assert!(matches!(
        token(federated.access).kind,
        ServiceTokenKind::FederatedServer { .. }
    ));

    let public = engine
        .token_for_url(&profiles, &service(&rig, "public"))
        .await
        .unwrap();
    assert_eq!(public.profile, None);
    assert!(matches!(public.access, ServiceAccess::NotNeeded { .. }));

    let only_portal = [rig.profile.clone()];
    let err = engine
        .token_for_url(&only_portal, &service(&rig, "gis"))
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceTokenError::NoProfile { .. }), "{err}");
    assert!(
        matches!(
            err.remedy(),
            Some(tokendesk::remedy::Remedy::AddProfile {
                kind: tokendesk::remedy::ProfileToAdd::Server,
                ..
            })
        ),
        "{err}"
    );

    let bad = engine
        .token_for_url(&profiles, "ftp://nowhere")
        .await
        .unwrap_err();
    assert!(matches!(bad, ServiceTokenError::BadUrl { .. }), "{bad}");
}
