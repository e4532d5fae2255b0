//! `tokendesk --demo`: the built-in demo portal, started in-process, and ready-made
//! profiles for it (one per sign-in method the engine supports) in a throw-away directory
//! that is removed when the window closes.

use std::io::Write;

use super::host::Events;
use crate::demo_portal::{DemoConfig, DemoPortal, RunningDemoPortal};
use crate::store::{Paths, ProfileDraft, ProfileStore, SignInMethod, SiteKind};
use crate::ui::Event;

/// The demo portal's public OAuth app (PKCE and out-of-band).
pub const DEMO_CLIENT_ID: &str = "tokendesk-demo";

/// Keeps the demo alive: the portal and the directory with its CA file and profiles.
pub(super) struct DemoGuard {
    _portal: RunningDemoPortal,
    _dir: tempfile::TempDir,
}

/// The profiles the demo starts with: (name, method).
pub const DEMO_PROFILES: [(&str, SignInMethod); 2] = [
    ("demo-browser", SignInMethod::BrowserPkce),
    ("demo-paste-code", SignInMethod::OutOfBand),
];

/// Starts the portal, writes its CA certificate and the demo profiles; tells the screens.
pub(super) async fn prepare(events: &Events) -> Result<(Paths, DemoGuard), String> {
    let portal = DemoPortal::start(DemoConfig::default())
        .await
        .map_err(|err| format!("The demo portal could not start: {err}"))?;
    let portal_url = portal.urls().portal_root.clone();
    let ca_pem = portal.ca_pem().to_owned();
    let (paths, dir) = tokio::task::spawn_blocking(move || write_profiles(&portal_url, &ca_pem))
        .await
        .map_err(|err| format!("Setting up the demo failed unexpectedly: {err}"))??;
    events.send(Event::DemoPortal {
        portal_url: portal.urls().portal_root.clone(),
    });
    Ok((
        paths,
        DemoGuard {
            _portal: portal,
            _dir: dir,
        },
    ))
}

fn write_profiles(portal_url: &str, ca_pem: &str) -> Result<(Paths, tempfile::TempDir), String> {
    let fail = |what: &str, err: &dyn std::fmt::Display| {
        format!("The demo could not {what} in the temporary directory: {err}")
    };
    let dir = tempfile::Builder::new()
        .prefix("tokendesk-demo-")
        .tempdir()
        .map_err(|err| fail("be set up", &err))?;
    let ca_path = dir.path().join("demo-ca.pem");
    std::fs::File::create(&ca_path)
        .and_then(|mut file| file.write_all(ca_pem.as_bytes()))
        .map_err(|err| fail("write the CA certificate", &err))?;
    let paths = Paths::under(dir.path());
    let (mut store, _) = ProfileStore::open(&paths).map_err(|err| fail("create profiles", &err))?;
    for (name, method) in DEMO_PROFILES {
        let mut draft = ProfileDraft::new(name, SiteKind::EnterprisePortal, portal_url, method);
        draft.client_id = Some(DEMO_CLIENT_ID.to_owned());
        draft.ca_file = Some(ca_path.clone());
        store
            .add(draft)
            .map_err(|err| fail("create profiles", &err))?;
    }
    Ok((paths, dir))
}
