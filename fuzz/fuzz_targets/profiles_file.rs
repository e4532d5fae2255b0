//! The profiles file, `profiles.toml`: `tokendesk::store::file_format::parse` on any text (the
//! store checks UTF-8 first and moves other bytes aside), and writing back what it read.
//!
//! Checked besides "never panics": a newer schema is a number above the current one; every
//! list of profiles read can be written, and what is written reads back as the same
//! profiles (else the store would move its own file aside as corrupt on the next start).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tokendesk::store::file_format::{Parsed, SCHEMA_VERSION, parse, render};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match parse(text) {
        Parsed::Profiles(profiles) => {
            let written = render(&profiles).expect("profiles read cannot be written");
            match parse(&written) {
                Parsed::Profiles(again) => assert_eq!(again, profiles, "written:\n{written}"),
                other => panic!("what was written does not read back ({other:?}):\n{written}"),
            }
        }
        Parsed::Newer(version) => assert!(version > SCHEMA_VERSION),
        Parsed::Corrupt(reason) => assert!(!reason.is_empty()),
    }
});
