//! The token answers: `oauth2/token` (every grant), `generateToken` (portal, server, admin)
//! and `oauth2/revokeToken`, each through `tokendesk::arcgis::http::decode`, the path every
//! live answer takes.
//!
//! The input is a response body. It is decoded with HTTP 200 and with one more status picked
//! by the body's length, as each answer type. Checked besides "never panics":
//!
//! * an answer decodes only from a JSON body without an error envelope and with a status
//!   below 400;
//! * no token leaks: the values of `access_token`, `refresh_token` and `token` in a body that
//!   starts like JSON are replaced by a marker, and no error message (other than one quoting
//!   an ArcGIS error envelope, which is shown as ArcGIS said it) and no `Debug` output of a
//!   decoded answer may contain it — a token answer cut short (`{"access_token":"…`) must
//!   not put the token into a message, a log line or the status shown to the person.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tokendesk::arcgis::generate_token::GeneratedToken;
use tokendesk::arcgis::oauth::{OAuthTokens, Revoked};

#[path = "shared/answers.rs"]
mod answers;

use answers::{check, now, run};

fuzz_target!(|body: &[u8]| run(body, check_all));

fn check_all(status: u16, body: &[u8], marked: bool) {
    check::<OAuthTokens>(status, body, marked, |t| {
        assert!(t.expires_at >= now(), "a token that expired before it came");
        if let Some(at) = t.refresh_token_expires_at {
            assert!(at >= now(), "a refresh token that expired before it came");
        }
        format!("{t:?}")
    });
    check::<GeneratedToken>(status, body, marked, |t| format!("{t:?}"));
    check::<Revoked>(status, body, marked, |r| format!("{r:?}"));
}
