//! The answers that describe a site and its apps: portal `info`, `portals/self`,
//! `community/self`, server `rest/info` and `rest/services` (what `probe` reads), and
//! `oauth2/validateAppAccess` and the registered-app JSON (`registeredAppInfo`), each through
//! `tokendesk::arcgis::http::decode`, the path every live answer takes.
//!
//! The input is a response body, decoded with HTTP 200 and with one more status picked by the
//! body's length, as each answer type. Checked besides "never panics": an answer decodes only
//! from a JSON body without an error envelope and with a status below 400; with the values of
//! `access_token`, `refresh_token` and `token` replaced by a marker, no error message (other
//! than one quoting an ArcGIS error envelope) contains it, and a registered app's `Debug`
//! shows its client secret redacted.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tokendesk::arcgis::apps::{AppAccess, RegisteredApp};
use tokendesk::arcgis::info::{PortalInfo, PortalSelf, PortalUser, ServerInfo, ServicesDirectory};

#[path = "shared/answers.rs"]
mod answers;

use answers::{check, run};

fuzz_target!(|body: &[u8]| run(body, check_all));

fn check_all(status: u16, body: &[u8], marked: bool) {
    check::<PortalInfo>(status, body, marked, |_| String::new());
    check::<PortalSelf>(status, body, marked, |_| String::new());
    check::<PortalUser>(status, body, marked, |_| String::new());
    check::<ServerInfo>(status, body, marked, |_| String::new());
    check::<ServicesDirectory>(status, body, marked, |_| String::new());
    check::<AppAccess>(status, body, marked, |_| String::new());
    check::<RegisteredApp>(status, body, marked, |app| {
        let debug = format!("{app:?}");
        assert!(
            app.client_secret.is_none() || debug.contains("client_secret: Some([redacted])"),
            "Debug shows the client secret: {debug}"
        );
        String::new()
    });
}
