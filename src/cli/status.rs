//! `tokendesk status [NAME] [--json]`: each profile's state in plain words, its user, and
//! when the access and refresh tokens expire (with countdowns). Reads the keyring only: no
//! network, no renewal. Each profile says where its secrets are (the storage tier, also the
//! `store` field of `--json`). Without a secret store the states are unknown and the reason is
//! said once.
//!
//! API key profiles also show the key's kind (legacy `AAPK`, or `AAPT` with its slot) and
//! its expiry as a countdown in days, with a warning 30, 7 and 1 days ahead; password
//! profiles bound to a referer show it.

use super::remedy::{warning_text, with_remedy};
use super::stdout;
use chrono::{TimeDelta, Utc};
use clap::Args;
use serde_json::{Value, json};

use super::context::{self, find, profiles};
use super::{Exit, Outcome};
use crate::arcgis::Instant;
use crate::auth::api_key::{Expiry, KeyGeneration};
use crate::clock::rfc3339;
use crate::engine::{Engine, ProfileStatus, TokenState};
use crate::store::{Profile, SignInMethod, StoreTier};

/// Arguments of `tokendesk status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// One profile (default: all).
    pub name: Option<String>,
    /// Print JSON: one object with NAME, else {"profiles":[…]}.
    #[arg(long)]
    pub json: bool,
}

/// One profile's line of the report.
struct Row {
    name: String,
    state: &'static str,
    words: String,
    status: Option<ProfileStatus>,
    message: Option<String>,
    api_key: Option<(KeyGeneration, Expiry)>,
    warning: Option<String>,
    referer: Option<String>,
    /// Where the profile's secrets are (`None` when no store could be opened).
    store: Option<StoreTier>,
}

/// A state's details with what to run about them.
fn state_message(state: &TokenState, profile: &str) -> Option<String> {
    if matches!(state, TokenState::SignedOut) {
        return Some(format!("Run `tokendesk login {profile}` to sign in."));
    }
    let remedy = state.remedy().map(|remedy| remedy.for_profile(profile));
    state
        .message()
        .map(|message| with_remedy(&message, remedy.as_ref()))
}

/// Prints the status of one or all profiles.
pub async fn run(args: StatusArgs) -> Outcome {
    let paths = match context::paths() {
        Ok(paths) => paths,
        Err(outcome) => return outcome,
    };
    let store = match profiles(&paths) {
        Ok(store) => store,
        Err(outcome) => return outcome,
    };
    let chosen: Vec<Profile> = match &args.name {
        Some(name) => match find(&store, name) {
            Ok(profile) => vec![profile],
            Err(outcome) => return outcome,
        },
        None => store.list().to_vec(),
    };
    let engine = match context::secrets(&paths).await {
        Ok((secrets, tier)) => Ok((
            Engine::new(
                secrets,
                &paths,
                std::sync::Arc::new(crate::clock::SystemClock),
            ),
            tier,
        )),
        // A wrong passphrase is not a state to list: say it and stop (exit 5).
        Err(outcome) if outcome.exit == Exit::Passphrase => return outcome,
        Err(outcome) => Err(outcome.message.unwrap_or_default()),
    };
    // Said once, not on every profile's row.
    if let Err(why) = &engine {
        eprintln!("tokendesk: {why}");
    }
    let mut rows = Vec::new();
    for profile in &chosen {
        rows.push(match &engine {
            Ok((engine, tier)) => match engine.status(profile).await {
                Ok(status) => {
                    let api_key = api_key_of(engine, profile).await;
                    let words = match (&status.state, profile.sign_in()) {
                        (TokenState::Valid, SignInMethod::ApiKey) => "API key ready".to_owned(),
                        (TokenState::Valid, _) if !engine.renews_by_itself(profile).await.unwrap_or(true) => {
                            "signed in until the token expires (password not remembered: log in again then)".to_owned()
                        }
                        (state, _) => state.to_string(),
                    };
                    Row {
                        name: profile.name().to_owned(),
                        state: status.state.name(),
                        words,
                        message: state_message(&status.state, profile.name()),
                        status: Some(status),
                        warning: api_key
                            .as_ref()
                            .and_then(|(_, expiry)| expiry.warning(profile.name()))
                            .map(|warning| warning_text(&warning)),
                        api_key,
                        referer: profile.bound_referer().map(str::to_owned),
                        store: Some(*tier),
                    }
                }
                Err(err) => Row {
                    message: Some(with_remedy(&err.to_string(), err.remedy().as_ref())),
                    ..Row::bare(profile, "error", "error")
                },
            },
            Err(_) => Row::bare(profile, "unknown", "unknown (no secret store could be opened)"),
        });
    }
    let now = Utc::now();
    if args.json {
        let objects: Vec<Value> = rows.iter().map(to_json).collect();
        let value = match (&args.name, objects.as_slice()) {
            (Some(_), [one]) => one.clone(),
            _ => json!({
                "profiles": objects,
                "store": engine.as_ref().ok().map(|(_, tier)| tier.as_str()),
            }),
        };
        return match serde_json::to_string_pretty(&value) {
            Ok(text) => {
                stdout::line(&text);
                Outcome::ok()
            }
            Err(err) => Outcome::fail(Exit::Failure, format!("could not write JSON: {err}")),
        };
    }
    if rows.is_empty() {
        eprintln!("No profiles yet: add one with `tokendesk profile add NAME --url URL`.");
    }
    for row in &rows {
        stdout::print(&text(row, now));
    }
    Outcome::ok()
}

impl Row {
    /// A row with no details.
    fn bare(profile: &Profile, state: &'static str, words: &str) -> Self {
        Self {
            name: profile.name().to_owned(),
            state,
            words: words.to_owned(),
            status: None,
            message: None,
            api_key: None,
            warning: None,
            referer: None,
            store: None,
        }
    }
}

/// The stored API key's kind and expiry, for API key profiles (`None` on any failure: the
/// state line already says what is wrong).
async fn api_key_of(engine: &Engine, profile: &Profile) -> Option<(KeyGeneration, Expiry)> {
    if profile.sign_in() != SignInMethod::ApiKey {
        return None;
    }
    let generation = engine.api_key_generation(profile).await.ok()??;
    let expiry = engine.api_key_expiry(profile).await.ok()??;
    Some((generation, expiry))
}

fn generation_words(generation: KeyGeneration) -> String {
    match generation {
        KeyGeneration::Legacy => "legacy API key (AAPK…)".to_owned(),
        KeyGeneration::Credential { slot: Some(slot) } => {
            format!("API key credential key (AAPT…), slot {slot}")
        }
        KeyGeneration::Credential { slot: None } => {
            "API key credential key (AAPT…), slot unknown".to_owned()
        }
        KeyGeneration::Other => "API key".to_owned(),
    }
}

fn api_key_json(generation: KeyGeneration, expiry: &Expiry) -> Value {
    let (kind, slot) = match generation {
        KeyGeneration::Legacy => ("legacy", None),
        KeyGeneration::Credential { slot } => ("credential", slot),
        KeyGeneration::Other => ("other", None),
    };
    let days = match expiry {
        Expiry::Ahead { days, .. } => Some(*days),
        Expiry::Expired { .. } => Some(0),
        _ => None,
    };
    json!({
        "kind": kind,
        "slot": slot,
        "expires_in_days": days,
        "expired": matches!(expiry, Expiry::Expired { .. }),
        "retired": matches!(expiry, Expiry::LegacyRetired),
    })
}

fn rfc3339_or_null(at: Option<Instant>) -> Value {
    at.map_or(Value::Null, |at| Value::String(rfc3339(at)))
}

fn to_json(row: &Row) -> Value {
    let status = row.status.as_ref();
    let deadlines = status.map(|s| &s.deadlines);
    json!({
        "name": row.name,
        "state": row.state,
        "user": status.and_then(|s| s.user.clone()),
        "access_expires_at": rfc3339_or_null(deadlines.and_then(|d| d.access_expires_at)),
        "refresh_expires_at": rfc3339_or_null(deadlines.and_then(|d| d.refresh_expires_at)),
        "last_refresh_at": rfc3339_or_null(deadlines.and_then(|d| d.last_refresh_at)),
        "message": row.message,
        "warning": row.warning,
        "referer": row.referer,
        "api_key": row.api_key.as_ref().map(|(g, e)| api_key_json(*g, e)),
        "store": row.store.map(StoreTier::as_str),
    })
}

fn text(row: &Row, now: Instant) -> String {
    let mut out = format!("{}: {}\n", row.name, row.words);
    if let Some((generation, expiry)) = &row.api_key {
        out.push_str(&format!(
            "  key:             {}\n",
            generation_words(*generation)
        ));
        // The warning line says what to do about an expiry that has one; else this line does.
        let expires = match &row.warning {
            Some(_) => expiry.describe(),
            None => with_remedy(&expiry.describe(), expiry.remedy().as_ref()),
        };
        out.push_str(&format!("  key expires:     {expires}\n"));
    }
    if let Some(tier) = row.store {
        out.push_str(&format!("  secrets in:      {} ({tier})\n", tier.place()));
    }
    if let Some(referer) = &row.referer {
        out.push_str(&format!("  bound to:        Referer: {referer}\n"));
    }
    if let Some(status) = &row.status {
        if let Some(user) = &status.user {
            out.push_str(&format!("  user:            {user}\n"));
        }
        let deadlines = &status.deadlines;
        // An API key's own line says when it expires.
        if let Some(at) = deadlines
            .access_expires_at
            .filter(|_| row.api_key.is_none())
        {
            out.push_str(&format!("  access expires:  {}\n", when(at, now)));
        }
        if let Some(at) = deadlines.refresh_expires_at {
            out.push_str(&format!("  refresh expires: {}\n", when(at, now)));
        }
        if let Some(at) = deadlines.last_refresh_at {
            let label = if row.api_key.is_some() {
                "key entered:    "
            } else {
                "last renewed:   "
            };
            out.push_str(&format!("  {label} {}\n", when(at, now)));
        }
    }
    if let Some(message) = &row.message {
        out.push_str(&format!("  {message}\n"));
    }
    if let Some(warning) = &row.warning {
        out.push_str(&format!("  warning: {warning}\n"));
    }
    out
}

/// `2026-11-22T21:50:00Z (in 29m 10s)` / `(3m ago)`.
fn when(at: Instant, now: Instant) -> String {
    let stamp = rfc3339(at);
    let delta = at - now;
    if delta >= TimeDelta::zero() {
        format!("{stamp} (in {})", countdown(delta))
    } else {
        format!("{stamp} ({} ago)", countdown(-delta))
    }
}

fn countdown(delta: TimeDelta) -> String {
    let secs = delta.num_seconds();
    let (days, hours, minutes, seconds) = (
        secs / 86_400,
        secs % 86_400 / 3600,
        secs % 3600 / 60,
        secs % 60,
    );
    match (days, hours, minutes) {
        (0, 0, 0) => format!("{seconds}s"),
        (0, 0, m) => format!("{m}m {seconds}s"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;

    #[test]
    fn countdowns_read_in_the_largest_useful_units() {
        assert_eq!(countdown(TimeDelta::seconds(42)), "42s");
        assert_eq!(countdown(TimeDelta::seconds(29 * 60 + 10)), "29m 10s");
        assert_eq!(countdown(TimeDelta::seconds(3 * 3600 + 120)), "3h 2m");
        assert_eq!(
            countdown(TimeDelta::days(13) + TimeDelta::hours(23)),
            "13d 23h"
        );
    }

    #[test]
    fn deadlines_are_utc_rfc3339_with_a_countdown_or_an_age() {
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        assert_eq!(
            when(now + TimeDelta::seconds(90), now),
            "2027-01-15T08:01:30Z (in 1m 30s)"
        );
        assert_eq!(
            when(now - TimeDelta::seconds(5), now),
            "2027-01-15T07:59:55Z (5s ago)"
        );
        assert_eq!(rfc3339_or_null(None), Value::Null);
    }
}
