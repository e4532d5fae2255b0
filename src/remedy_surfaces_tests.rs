//! Every remedy, and every error and state the library layers can hand a surface, rendered by
//! both surfaces: the window never shows a command line, the command line never names a
//! button, and the library's own text names neither.
//!
//! Each `*_variant` function is an exhaustive `match` (no wildcard): a new variant does not
//! compile until it has a number here, and the examples must cover every number.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use chrono::DateTime;

use crate::arcgis::error::{ApiMessage, Cause};
use crate::arcgis::probe::{FoundKind as ProbedKind, ProbeReport};
use crate::arcgis::{ArcGisError, ErrorKind, Instant, UrlError};
use crate::auth::SignInError;
use crate::auth::api_key::{Expiry, KeyGeneration};
use crate::auth::federation::Refusal;
use crate::cli::remedy as cli;
use crate::engine::{EngineError, ServiceTokenError, TokenState};
use crate::remedy::{Credential, KeyTrouble, ProfileToAdd, Remedy, Warning};
use crate::store::secrets::{SecretAction, SecretTarget};
use crate::store::{
    CorruptFileNotice, KeyringUnavailable, LockError, ProfileError, ProfileId, SecretError,
    SecretKind, SignInMethod, StoreError, recommend,
};
use crate::ui::remedy as window;

const PROFILE: &str = "demo";
const PORTAL: &str = "https://gis.example.com/portal";

fn at() -> Instant {
    DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default()
}

fn every_remedy() -> Vec<Remedy> {
    let profile = || Some(PROFILE.to_owned());
    let mut all = vec![
        Remedy::SignIn { profile: None },
        Remedy::sign_in(PROFILE),
        Remedy::GiveUsername { profile: profile() },
        Remedy::GiveApiKeyExpiry { profile: profile() },
        Remedy::TrustCaFile { profile: None },
        Remedy::CheckAppRegistration { profile: profile() },
        Remedy::UnlockKeyring,
        Remedy::StartKeyring,
        Remedy::CheckNetwork,
        Remedy::CheckClocks,
        Remedy::UseOtherStore {
            store: crate::remedy::OtherStore::Kernel,
        },
        Remedy::UseOtherStore {
            store: crate::remedy::OtherStore::EncryptedFile,
        },
        Remedy::CheckPassphrase,
        Remedy::TryLater { at: None },
        Remedy::TryLater { at: Some(at()) },
        Remedy::ProbeSite { url: None },
        Remedy::ProbeSite {
            url: Some(PORTAL.to_owned()),
        },
        Remedy::ListProfiles,
        Remedy::TokenForServiceUrl { profile: None },
    ];
    for credential in [
        Credential::Password,
        Credential::ClientSecret,
        Credential::ApiKey,
    ] {
        all.push(Remedy::EnterCredential {
            profile: profile(),
            credential,
        });
    }
    for why in [
        KeyTrouble::Expired,
        KeyTrouble::ExpiresSoon,
        KeyTrouble::Retired,
    ] {
        all.push(Remedy::ReplaceApiKey {
            profile: profile(),
            why,
        });
    }
    for kind in [ProfileToAdd::Portal, ProfileToAdd::Server] {
        all.push(Remedy::AddProfile {
            kind,
            url: PORTAL.to_owned(),
        });
    }
    all
}

fn remedy_variant(remedy: &Remedy) -> usize {
    match remedy {
        Remedy::SignIn { .. } => 0,
        Remedy::EnterCredential { .. } => 1,
        Remedy::ReplaceApiKey { .. } => 2,
        Remedy::GiveUsername { .. } => 3,
        Remedy::GiveApiKeyExpiry { .. } => 4,
        Remedy::TrustCaFile { .. } => 5,
        Remedy::CheckAppRegistration { .. } => 6,
        Remedy::UnlockKeyring => 7,
        Remedy::StartKeyring => 8,
        Remedy::CheckNetwork => 9,
        Remedy::TryLater { .. } => 10,
        Remedy::AddProfile { .. } => 11,
        Remedy::ProbeSite { .. } => 12,
        Remedy::ListProfiles => 13,
        Remedy::TokenForServiceUrl { .. } => 14,
        Remedy::CheckClocks => 15,
        Remedy::UseOtherStore { .. } => 16,
        Remedy::CheckPassphrase => 17,
    }
}
const REMEDY_VARIANTS: usize = 18;

const KINDS: [ErrorKind; 16] = [
    ErrorKind::InvalidToken,
    ErrorKind::TokenRequired,
    ErrorKind::NoPermission,
    ErrorKind::BadCredentials,
    ErrorKind::InvalidGrant,
    ErrorKind::InvalidClient,
    ErrorKind::SslRequired,
    ErrorKind::AccessDenied,
    ErrorKind::StateMismatch,
    ErrorKind::Rejected,
    ErrorKind::ServerError,
    ErrorKind::Network,
    ErrorKind::Tls,
    ErrorKind::UnexpectedResponse,
    ErrorKind::LocalSetup,
    ErrorKind::ImplausibleLifetime,
];

fn kind_variant(kind: ErrorKind) -> usize {
    match kind {
        ErrorKind::InvalidToken => 0,
        ErrorKind::TokenRequired => 1,
        ErrorKind::NoPermission => 2,
        ErrorKind::BadCredentials => 3,
        ErrorKind::InvalidGrant => 4,
        ErrorKind::InvalidClient => 5,
        ErrorKind::SslRequired => 6,
        ErrorKind::AccessDenied => 7,
        ErrorKind::StateMismatch => 8,
        ErrorKind::Rejected => 9,
        ErrorKind::ServerError => 10,
        ErrorKind::Network => 11,
        ErrorKind::Tls => 12,
        ErrorKind::UnexpectedResponse => 13,
        ErrorKind::LocalSetup => 14,
        ErrorKind::ImplausibleLifetime => 15,
    }
}

fn arcgis(kind: ErrorKind) -> ArcGisError {
    let said = ApiMessage {
        http_status: 400,
        code: Some(400),
        message: Some("Unable to generate token.".to_owned()),
        ..ApiMessage::default()
    };
    ArcGisError::new(kind, PORTAL, "renewing the token", Cause::Api(said))
}

fn sign_in_errors() -> Vec<SignInError> {
    let addr = SocketAddr::from(([127, 0, 0, 1], 7071));
    let mut all: Vec<SignInError> = KINDS
        .iter()
        .map(|k| SignInError::Portal(arcgis(*k)))
        .collect();
    all.extend([
        SignInError::Denied {
            description: "The user denied your request.".to_owned(),
        },
        SignInError::TimedOut {
            after: Duration::from_secs(300),
        },
        SignInError::StateMismatch {
            answers: 2,
            after: Duration::from_secs(300),
        },
        SignInError::Cancelled,
        SignInError::NoCodeEntered,
        SignInError::PortInUse { port: 7071 },
        SignInError::Listener {
            addr,
            source: std::io::Error::other("address in use"),
        },
    ]);
    all
}

fn sign_in_variant(err: &SignInError) -> usize {
    match err {
        SignInError::Portal(_) => 0,
        SignInError::Denied { .. } => 1,
        SignInError::TimedOut { .. } => 2,
        SignInError::StateMismatch { .. } => 3,
        SignInError::Cancelled => 4,
        SignInError::NoCodeEntered => 5,
        SignInError::PortInUse { .. } => 6,
        SignInError::Listener { .. } => 7,
    }
}

fn secret_errors() -> Vec<SecretError> {
    let target = || SecretTarget {
        profile: ProfileId::generate(),
        kind: Some(SecretKind::RefreshToken),
    };
    vec![
        SecretError::Locked {
            action: SecretAction::Get,
            target: target(),
            detail: "prompt dismissed".to_owned(),
        },
        SecretError::Timeout {
            action: SecretAction::Set,
            target: target(),
            waited: Duration::from_secs(20),
        },
        SecretError::Ambiguous {
            target: target(),
            user: "id:refresh_token".to_owned(),
            count: 2,
        },
        SecretError::BadValue {
            target: target(),
            problem: "not UTF-8".to_owned(),
        },
        SecretError::Failed {
            action: SecretAction::Delete,
            target: target(),
            detail: "D-Bus error".to_owned(),
        },
    ]
}

fn secret_variant(err: &SecretError) -> usize {
    match err {
        SecretError::Locked { .. } => 0,
        SecretError::Timeout { .. } => 1,
        SecretError::Ambiguous { .. } => 2,
        SecretError::BadValue { .. } => 3,
        SecretError::Failed { .. } => 4,
    }
}

fn keyring_errors() -> Vec<KeyringUnavailable> {
    let detail = || "org.freedesktop.DBus.Error".to_owned();
    vec![
        KeyringUnavailable::NoSessionBus { detail: detail() },
        KeyringUnavailable::NoSecretService { detail: detail() },
        KeyringUnavailable::Locked { detail: detail() },
        KeyringUnavailable::NotAnswering {
            waited: Duration::from_secs(20),
        },
        KeyringUnavailable::Other { detail: detail() },
    ]
}

fn keyring_variant(err: &KeyringUnavailable) -> usize {
    match err {
        KeyringUnavailable::NoSessionBus { .. } => 0,
        KeyringUnavailable::NoSecretService { .. } => 1,
        KeyringUnavailable::Locked { .. } => 2,
        KeyringUnavailable::NotAnswering { .. } => 3,
        KeyringUnavailable::Other { .. } => 4,
    }
}

fn lock_error() -> LockError {
    LockError::Timeout {
        path: PathBuf::from("/run/user/1000/tokendesk/locks/x.lock"),
        waited: Duration::from_secs(10),
    }
}

fn store_errors() -> Vec<StoreError> {
    let path = || PathBuf::from("/home/me/.config/tokendesk/profiles.toml");
    vec![
        StoreError::NewerSchema {
            path: path(),
            found: 9,
        },
        StoreError::CorruptFileMovedAside(CorruptFileNotice {
            original: path(),
            moved_to: path().with_extension("toml.corrupt"),
            reason: "expected `=`".to_owned(),
        }),
        StoreError::Lock(lock_error()),
        StoreError::Io {
            action: "write",
            path: path(),
            source: std::io::Error::other("read-only file system"),
        },
        StoreError::Invalid(ProfileError::DuplicateName(PROFILE.to_owned())),
        StoreError::NotFound("elsewhere".to_owned()),
    ]
}

fn store_variant(err: &StoreError) -> usize {
    match err {
        StoreError::NewerSchema { .. } => 0,
        StoreError::CorruptFileMovedAside(_) => 1,
        StoreError::Lock(_) => 2,
        StoreError::Io { .. } => 3,
        StoreError::Invalid(_) => 4,
        StoreError::NotFound(_) => 5,
    }
}

fn engine_errors() -> Vec<EngineError> {
    let profile = || PROFILE.to_owned();
    let mut all = vec![
        EngineError::NotSignedIn { profile: profile() },
        EngineError::SignInNeeded {
            profile: profile(),
            portal: PORTAL.to_owned(),
            reason: "the refresh token has expired".to_owned(),
        },
        EngineError::BackingOff {
            profile: profile(),
            portal: PORTAL.to_owned(),
            attempts: 3,
            next_try_at: at(),
            seconds_left: 30,
            last_error: "HTTP 502".to_owned(),
        },
        EngineError::BadRecord {
            profile: profile(),
            problem: "not JSON".to_owned(),
        },
        EngineError::Lock {
            profile: profile(),
            source: lock_error(),
        },
        EngineError::ApiKeyExpired {
            profile: profile(),
            expiry: "it expired on 2026-01-31".to_owned(),
        },
        EngineError::NoUsername { profile: profile() },
        EngineError::WrongCredentials {
            profile: profile(),
            method: SignInMethod::ApiKey,
        },
        EngineError::Io {
            profile: profile(),
            action: "create the lock directory".to_owned(),
            source: std::io::Error::other("permission denied"),
        },
    ];
    for kind in KINDS {
        all.push(EngineError::Portal {
            profile: profile(),
            source: arcgis(kind),
        });
        all.push(EngineError::Stopped {
            profile: profile(),
            source: arcgis(kind),
        });
    }
    for source in sign_in_errors() {
        all.push(EngineError::SignIn {
            profile: profile(),
            source,
        });
    }
    for source in secret_errors() {
        all.push(EngineError::Secrets {
            profile: profile(),
            source,
        });
    }
    for what in [
        "password",
        "client secret",
        "API key",
        "account (it lacks the privilege)",
    ] {
        all.push(EngineError::CredentialsRefused {
            profile: profile(),
            what,
            source: arcgis(ErrorKind::BadCredentials),
        });
    }
    for method in [
        SignInMethod::ApiKey,
        SignInMethod::AppCredentials,
        SignInMethod::PortalPassword,
        SignInMethod::ServerPassword,
    ] {
        all.push(EngineError::UnsupportedMethod {
            profile: profile(),
            method,
        });
    }
    all
}

fn engine_variant(err: &EngineError) -> usize {
    match err {
        EngineError::NotSignedIn { .. } => 0,
        EngineError::SignInNeeded { .. } => 1,
        EngineError::Portal { .. } => 2,
        EngineError::BackingOff { .. } => 3,
        EngineError::Stopped { .. } => 4,
        EngineError::SignIn { .. } => 5,
        EngineError::Secrets { .. } => 6,
        EngineError::BadRecord { .. } => 7,
        EngineError::Lock { .. } => 8,
        EngineError::CredentialsRefused { .. } => 9,
        EngineError::ApiKeyExpired { .. } => 10,
        EngineError::NoUsername { .. } => 11,
        EngineError::WrongCredentials { .. } => 12,
        EngineError::UnsupportedMethod { .. } => 13,
        EngineError::Io { .. } => 14,
    }
}

fn refusals() -> Vec<Refusal> {
    vec![
        Refusal::OtherPortal {
            portal: "https://other.example.com/portal".to_owned(),
        },
        Refusal::StandaloneServer {
            server: "https://gis.example.com/gis".to_owned(),
        },
        Refusal::FederatedElsewhere {
            server: "https://other.example.com/server".to_owned(),
            owner: "https://other.example.com/portal".to_owned(),
        },
        Refusal::OtherServer {
            site: "https://host/server".to_owned(),
        },
    ]
}

fn refusal_variant(refusal: &Refusal) -> usize {
    match refusal {
        Refusal::OtherPortal { .. } => 0,
        Refusal::StandaloneServer { .. } => 1,
        Refusal::FederatedElsewhere { .. } => 2,
        Refusal::OtherServer { .. } => 3,
    }
}

fn service_errors() -> Vec<ServiceTokenError> {
    let url = || "https://gis.example.com/gis/rest/services/A/MapServer".to_owned();
    let mut all = vec![
        ServiceTokenError::BadUrl {
            url: "nonsense".to_owned(),
            source: UrlError::Empty,
        },
        ServiceTokenError::NoProfile {
            url: url(),
            reasons: vec!["there are no profiles yet".to_owned()],
            remedy: Some(Remedy::ProbeSite { url: Some(url()) }),
        },
        ServiceTokenError::Site {
            url: url(),
            source: arcgis(ErrorKind::Tls),
        },
        ServiceTokenError::ServerToken {
            profile: PROFILE.to_owned(),
            server: "https://gis.example.com/server".to_owned(),
            source: arcgis(ErrorKind::InvalidToken),
        },
        ServiceTokenError::Engine(EngineError::NotSignedIn {
            profile: PROFILE.to_owned(),
        }),
    ];
    for refusal in refusals() {
        all.push(ServiceTokenError::Refused {
            profile: PROFILE.to_owned(),
            site: PORTAL.to_owned(),
            url: url(),
            refusal: Box::new(refusal),
            held: String::new(),
        });
    }
    all
}

fn service_variant(err: &ServiceTokenError) -> usize {
    match err {
        ServiceTokenError::BadUrl { .. } => 0,
        ServiceTokenError::Refused { .. } => 1,
        ServiceTokenError::NoProfile { .. } => 2,
        ServiceTokenError::Site { .. } => 3,
        ServiceTokenError::ServerToken { .. } => 4,
        ServiceTokenError::Engine(_) => 5,
    }
}

fn states() -> Vec<TokenState> {
    let mut all = vec![
        TokenState::SignedOut,
        TokenState::Valid,
        TokenState::Refreshing,
        TokenState::RefreshFailing {
            attempts: 2,
            next_retry_at: Some(at()),
            last_error: arcgis(ErrorKind::ServerError).to_string(),
            remedy: None,
        },
        TokenState::RefreshFailing {
            attempts: 2,
            next_retry_at: None,
            last_error: arcgis(ErrorKind::Tls).to_string(),
            remedy: arcgis(ErrorKind::Tls).remedy(),
        },
        TokenState::Error {
            message: arcgis(ErrorKind::LocalSetup).to_string(),
            remedy: None,
        },
    ];
    for remedy in every_remedy() {
        all.push(TokenState::NeedsSignIn {
            reason: "the refresh token has expired".to_owned(),
            remedy: Some(remedy.clone()),
        });
        all.push(TokenState::Error {
            message: arcgis(ErrorKind::InvalidClient).to_string(),
            remedy: Some(remedy),
        });
    }
    all
}

fn state_variant(state: &TokenState) -> usize {
    match state {
        TokenState::SignedOut => 0,
        TokenState::Valid => 1,
        TokenState::Refreshing => 2,
        TokenState::RefreshFailing { .. } => 3,
        TokenState::NeedsSignIn { .. } => 4,
        TokenState::Error { .. } => 5,
    }
}

fn expiries() -> Vec<Expiry> {
    let key = KeyGeneration::Credential { slot: Some(1) };
    let now = at();
    vec![
        Expiry::at(KeyGeneration::Legacy, None, now),
        Expiry::at(key, None, now),
        Expiry::at(key, Some(now + chrono::TimeDelta::days(5)), now),
        Expiry::at(key, Some(now + chrono::TimeDelta::days(90)), now),
        Expiry::at(key, Some(now - chrono::TimeDelta::days(1)), now),
    ]
}

fn expiry_variant(expiry: &Expiry) -> usize {
    match expiry {
        Expiry::LegacyRetired => 0,
        Expiry::Unknown => 1,
        Expiry::Ahead { .. } => 2,
        Expiry::Expired { .. } => 3,
    }
}

/// A federated server's recommendation: the one whose text carries a remedy.
fn federated_recommendation() -> Option<Warning> {
    let report = ProbeReport {
        input: "https://gis.example.com/server/rest/services".to_owned(),
        assumed_https: false,
        kind: ProbedKind::FederatedServer,
        root: "https://gis.example.com/server".to_owned(),
        version: Some("11.3".to_owned()),
        token_service_url: None,
        https_only: None,
        supports_oauth: None,
        owning_portal: Some(PORTAL.to_owned()),
        sign_in_methods: Vec::new(),
    };
    recommend(&report).map(|r| Warning::new(r.why, r.remedy))
}

/// Asserts that `examples` has one example of each of `count` variants.
fn covers<T>(what: &str, examples: &[T], count: usize, variant: impl Fn(&T) -> usize) {
    let seen: BTreeSet<usize> = examples.iter().map(variant).collect();
    let missing: Vec<usize> = (0..count).filter(|i| !seen.contains(i)).collect();
    assert!(
        missing.is_empty(),
        "{what}: no example of variant(s) {missing:?}"
    );
}

/// What a surface shows: the library's text, then the remedy in its words.
struct Shown {
    library: String,
    remedy: Option<Remedy>,
}

impl Shown {
    fn new(library: impl ToString, remedy: Option<Remedy>) -> Self {
        Self {
            library: library.to_string(),
            remedy,
        }
    }
}

fn everything() -> Vec<Shown> {
    let mut all = Vec::new();
    all.extend(every_remedy().into_iter().map(|r| Shown::new("", Some(r))));
    all.extend(
        KINDS
            .iter()
            .map(|k| Shown::new(arcgis(*k), arcgis(*k).remedy())),
    );
    all.extend(
        sign_in_errors()
            .into_iter()
            .map(|e| Shown::new(&e, e.remedy())),
    );
    all.extend(
        secret_errors()
            .into_iter()
            .map(|e| Shown::new(&e, e.remedy())),
    );
    all.extend(
        keyring_errors()
            .into_iter()
            .map(|e| Shown::new(&e, Some(e.remedy()))),
    );
    all.extend(
        store_errors()
            .into_iter()
            .map(|e| Shown::new(&e, e.remedy())),
    );
    all.extend(
        engine_errors()
            .into_iter()
            .map(|e| Shown::new(&e, e.remedy())),
    );
    all.extend(
        refusals()
            .into_iter()
            .map(|r| Shown::new(&r, Some(r.remedy()))),
    );
    all.extend(
        service_errors()
            .into_iter()
            .map(|e| Shown::new(&e, e.remedy())),
    );
    for state in states() {
        all.push(Shown::new(&state, state.remedy()));
        if let Some(message) = state.message() {
            all.push(Shown::new(message, state.remedy()));
        }
    }
    for expiry in expiries() {
        all.push(Shown::new(expiry.describe(), expiry.remedy()));
        if let Some(warning) = expiry.warning(PROFILE) {
            all.push(Shown::new(warning.text, warning.remedy));
        }
    }
    if let Some(why) = federated_recommendation() {
        all.push(Shown::new(why.text, why.remedy));
    }
    all
}

/// Words that belong to the command line.
fn command_line_words(text: &str) -> Vec<&'static str> {
    ["tokendesk ", "--"]
        .into_iter()
        .filter(|word| text.contains(word))
        .collect()
}

/// Words that belong to the window: a button to press or click, `Sign in` as a button.
fn window_words(text: &str) -> Vec<&'static str> {
    ["Press", "press ", "click", "Click", "Sign in"]
        .into_iter()
        .filter(|word| text.contains(word))
        .collect()
}

#[test]
fn the_examples_cover_every_variant_of_every_remedy_error_and_state() {
    covers("Remedy", &every_remedy(), REMEDY_VARIANTS, remedy_variant);
    covers("ErrorKind", &KINDS, 16, |k| kind_variant(*k));
    covers("SignInError", &sign_in_errors(), 8, sign_in_variant);
    covers("SecretError", &secret_errors(), 5, secret_variant);
    covers("KeyringUnavailable", &keyring_errors(), 5, keyring_variant);
    covers("StoreError", &store_errors(), 6, store_variant);
    covers("EngineError", &engine_errors(), 15, engine_variant);
    covers("Refusal", &refusals(), 4, refusal_variant);
    covers("ServiceTokenError", &service_errors(), 6, service_variant);
    covers("TokenState", &states(), 6, state_variant);
    covers("Expiry", &expiries(), 4, expiry_variant);
    assert!(federated_recommendation().is_some_and(|w| w.remedy.is_some()));
}

#[test]
fn the_library_text_names_neither_a_command_nor_a_button() {
    for shown in everything() {
        let text = &shown.library;
        assert!(
            command_line_words(text).is_empty() && window_words(text).is_empty(),
            "surface words {:?} in library text: {text}",
            [command_line_words(text), window_words(text)].concat()
        );
    }
}

#[test]
fn the_window_never_shows_a_command_line() {
    for shown in everything() {
        let text = window::with_remedy(&shown.library, shown.remedy.as_ref());
        let found = command_line_words(&text);
        assert!(found.is_empty(), "{found:?} in window text: {text}");
    }
}

#[test]
fn the_command_line_never_names_a_button() {
    for shown in everything() {
        let text = cli::with_remedy(&shown.library, shown.remedy.as_ref());
        let found = window_words(&text);
        assert!(found.is_empty(), "{found:?} in command-line text: {text}");
    }
}

#[test]
fn every_remedy_has_words_on_each_surface_and_the_command_line_names_the_profile() {
    for remedy in every_remedy() {
        let (said, shown) = (cli::sentence(&remedy), window::what_to_do(&remedy));
        assert!(!said.is_empty() && !shown.is_empty(), "{remedy:?}");
        if let Some(profile) = remedy.profile()
            && said.contains("tokendesk login")
        {
            assert!(
                said.contains(&format!("tokendesk login {profile}")),
                "{said}"
            );
        }
    }
}

#[test]
fn an_engine_error_hands_its_profile_to_the_remedy() {
    for err in engine_errors() {
        if let Some(remedy) = err.remedy()
            && let Some(named) = remedy.profile()
        {
            assert_eq!(named, err.profile(), "{err}");
        }
    }
    let sign_in = EngineError::NotSignedIn {
        profile: PROFILE.to_owned(),
    };
    assert!(
        cli::with_remedy(&sign_in.to_string(), sign_in.remedy().as_ref())
            .contains("Run `tokendesk login demo` to sign in again."),
    );
    assert!(
        window::with_remedy(&sign_in.to_string(), sign_in.remedy().as_ref())
            .contains("Press Sign in")
    );
}
