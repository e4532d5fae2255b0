//! The ArcGIS error envelope: `tokendesk::arcgis::error::find_envelope` on any JSON value
//! (every variant: `{"error": {…}}`, `{"error": "…", "error_description": …}`, the Server
//! admin API's `{"status": "error", "messages": […]}`, `{"status": "failure", …}` and a bare
//! `{"code": …, "message": …}`), then the error built from it and its text.
//!
//! The input is a body; one that is not JSON is skipped (`decode` never looks for an envelope
//! there). Checked besides "never panics": only an object can be an envelope, and only one
//! with an `error`, `status` or `code` key; what is found does not depend on the HTTP status
//! except for the status it records; the error built from it has a message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use tokendesk::arcgis::ArcGisError;
use tokendesk::arcgis::error::{Cause, find_envelope};

const STATUSES: [u16; 6] = [200, 400, 401, 403, 498, 500];

fuzz_target!(|body: &[u8]| {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return;
    };
    let mut first = None;
    for status in STATUSES {
        let found = find_envelope(&value, status);
        match &value {
            Value::Object(object) => {
                if !["error", "status", "code"]
                    .iter()
                    .any(|key| object.contains_key(*key))
                {
                    assert!(found.is_none(), "an envelope without error, status or code");
                }
            }
            _ => assert!(found.is_none(), "an envelope that is not an object"),
        }
        let Some(message) = found else {
            assert!(first.is_none(), "an envelope found for one status only");
            continue;
        };
        assert_eq!(message.http_status, status);
        let err = ArcGisError::from_api("https://portal.example.com", "fuzzing", message.clone());
        assert!(matches!(err.cause(), Cause::Api(m) if *m == message));
        let text = err.to_string();
        assert!(text.contains("ArcGIS said"), "{text}");
        let _ = (err.kind().advice(), err.remedy());
        let unstamped = tokendesk::arcgis::error::ApiMessage {
            http_status: 0,
            ..message
        };
        match &first {
            None if status == STATUSES[0] => first = Some(unstamped),
            None => panic!("an envelope found for one status only"),
            Some(seen) => assert_eq!(*seen, unstamped, "the envelope depends on the status"),
        }
    }
});
