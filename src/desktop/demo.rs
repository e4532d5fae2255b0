//! `tokendesk --demo`: the built-in demo portal, started in-process, and ready-made
//! profiles for it (one per sign-in method the engine supports) in a throw-away directory
//! that is removed when the window closes. Stdout gets the demo portal contract's lines
//! (`portal URL`, …, `ca FILE`, `ready`) once the portal is up.

use std::io::Write;
use std::path::Path;

use super::events::Events;
use crate::store::{Paths, ProfileDraft, ProfileStore, SignInMethod, SiteKind};
use crate::ui::{DemoInfo, Event};
use tokendesk_demo_portal::{DemoConfig, DemoPortal, RunningDemoPortal};

/// The demo portal's public OAuth app (PKCE and out-of-band).
pub const DEMO_CLIENT_ID: &str = "tokendesk-demo";

/// Keeps the demo alive: the portal and the directory with its CA file and profiles.
pub(super) struct DemoGuard {
    _portal: RunningDemoPortal,
    _dir: tempfile::TempDir,
}

/// The confidential demo app (client credentials) and its secret.
pub const DEMO_APP: (&str, &str) = ("tokendesk-demo-app", "demo-app-secret");

/// The demo user (on the portal and on the stand-alone server).
pub const DEMO_USER: (&str, &str) = ("analyst", "tokendesk-demo");

/// The demo's profiles: one per sign-in method, in list order (the first is selected).
pub const DEMO_PROFILES: [(&str, SignInMethod); 6] = [
    ("demo-browser", SignInMethod::BrowserPkce),
    ("demo-paste-code", SignInMethod::OutOfBand),
    ("demo-password", SignInMethod::PortalPassword),
    ("demo-app", SignInMethod::AppCredentials),
    ("demo-api-key", SignInMethod::ApiKey),
    ("demo-server", SignInMethod::ServerPassword),
];

/// The demo portal's CA certificate, in the throw-away directory.
const CA_FILE: &str = "demo-ca.pem";

/// Prints the demo portal contract's lines (sites, `ca FILE`, `ready`) on stdout, so that a
/// script driving the window (the Xvfb end-to-end test) can trust the portal too. A closed
/// stdout only loses the lines.
fn announce(lines: &[String]) {
    let mut out = std::io::stdout().lock();
    for line in lines {
        if writeln!(out, "{line}").is_err() {
            return;
        }
    }
    let _ = out.flush();
}

/// Starts the portal, writes its CA certificate and the demo profiles; announces them on
/// stdout and tells the screens.
pub(super) async fn prepare(events: &Events) -> Result<(Paths, DemoGuard), String> {
    let config = DemoConfig::default();
    let portal = DemoPortal::start(config.clone())
        .await
        .map_err(|err| format!("The demo portal could not start: {err}"))?;
    let sites = Sites {
        portal: portal.urls().portal_root.clone(),
        server: portal.standalone_server_url(),
    };
    let ca_pem = portal.ca_pem().to_owned();
    let (paths, dir) = tokio::task::spawn_blocking(move || write_profiles(&sites, &ca_pem))
        .await
        .map_err(|err| format!("Setting up the demo failed unexpectedly: {err}"))??;
    let mut lines = portal.site_lines();
    lines.push(format!("ca {}", dir.path().join(CA_FILE).display()));
    lines.push("ready".to_owned());
    announce(&lines);
    events.send(Event::DemoPortal(DemoInfo {
        portal_url: portal.urls().portal_root.clone(),
        hints: hints(&config),
    }));
    Ok((
        paths,
        DemoGuard {
            _portal: portal,
            _dir: dir,
        },
    ))
}

/// What to enter where: the demo's accounts and secrets (demo values, not secrets of anyone).
fn hints(config: &DemoConfig) -> Vec<String> {
    let (user, password) = DEMO_USER;
    let mut hints = vec![
        format!(
            "Browser, paste-code, password and server profiles: user {user}, password {password}."
        ),
        format!("demo-app: client secret {}.", DEMO_APP.1),
    ];
    if let Some(key) = config
        .api_key_credentials
        .iter()
        .find_map(|credential| credential.legacy_key.as_ref())
    {
        hints.push(format!("demo-api-key: API key {}.", key.expose()));
    }
    hints
}

/// Where the demo's sites are.
struct Sites {
    portal: String,
    server: String,
}

/// The settings of a demo profile.
fn draft(name: &str, method: SignInMethod, sites: &Sites, ca_file: &Path) -> ProfileDraft {
    let (kind, url) = match method {
        SignInMethod::ServerPassword => (SiteKind::ArcgisServer, &sites.server),
        _ => (SiteKind::EnterprisePortal, &sites.portal),
    };
    let mut draft = ProfileDraft::new(name, kind, url, method);
    draft.ca_file = Some(ca_file.to_owned());
    draft.client_id = match method {
        SignInMethod::AppCredentials => Some(DEMO_APP.0.to_owned()),
        m if m.needs_client_id() => Some(DEMO_CLIENT_ID.to_owned()),
        _ => None,
    };
    if method.uses_password() {
        draft.username = Some(DEMO_USER.0.to_owned());
    }
    draft
}

fn write_profiles(sites: &Sites, ca_pem: &str) -> Result<(Paths, tempfile::TempDir), String> {
    let fail = |what: &str, err: &dyn std::fmt::Display| {
        format!("The demo could not {what} in the temporary directory: {err}")
    };
    let dir = tempfile::Builder::new()
        .prefix("tokendesk-demo-")
        .tempdir()
        .map_err(|err| fail("be set up", &err))?;
    let ca_path = dir.path().join(CA_FILE);
    std::fs::File::create(&ca_path)
        .and_then(|mut file| file.write_all(ca_pem.as_bytes()))
        .map_err(|err| fail("write the CA certificate", &err))?;
    let paths = Paths::under(dir.path());
    let (mut store, _) = ProfileStore::open(&paths).map_err(|err| fail("create profiles", &err))?;
    for (name, method) in DEMO_PROFILES {
        store
            .add(draft(name, method, sites, &ca_path))
            .map_err(|err| fail("create profiles", &err))?;
    }
    Ok((paths, dir))
}
