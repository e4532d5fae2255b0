//! `/__admin/…`: test controls, answered only to loopback callers.
//!
//! | request | body / answer |
//! |---|---|
//! | `GET /__admin/clock` | `{"now": <epoch ms>, "offset_seconds": n}` |
//! | `POST /__admin/clock/advance` | `{"seconds": n}` → same as `GET /__admin/clock` |
//! | `GET /__admin/faults` | the active rules, `[{"path","kind",…,"count"}]` |
//! | `POST /__admin/faults` | one rule or an array of rules → `{"active": n}` |
//! | `DELETE /__admin/faults` | removes every rule |
//! | `GET /__admin/requests` | `{"counts": {"<canonical path>": n}}` |
//! | `DELETE /__admin/requests` | forgets the counts |

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::Shared;
use super::faults::FaultRule;

#[derive(Deserialize)]
struct Advance {
    seconds: i64,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    Many(Vec<FaultRule>),
    One(FaultRule),
}

/// Handles every `/__admin/*` request.
pub async fn handle(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    Path(rest): Path<String>,
    body: Bytes,
) -> Response {
    if !peer.ip().is_loopback() {
        return problem(
            StatusCode::FORBIDDEN,
            "admin endpoints answer loopback callers only",
        );
    }
    match (method, rest.trim_end_matches('/')) {
        (Method::GET, "clock") => clock(&shared),
        (Method::POST, "clock/advance") => match serde_json::from_slice::<Advance>(&body) {
            Ok(advance) => {
                shared.clock.advance(advance.seconds);
                clock(&shared)
            }
            Err(err) => problem(
                StatusCode::BAD_REQUEST,
                &format!("expected {{\"seconds\": n}}: {err}"),
            ),
        },
        (Method::GET, "faults") => Json(shared.faults.rules()).into_response(),
        (Method::POST, "faults") => match serde_json::from_slice::<OneOrMany>(&body) {
            Ok(OneOrMany::Many(rules)) => add_faults(&shared, rules),
            Ok(OneOrMany::One(rule)) => add_faults(&shared, vec![rule]),
            Err(err) => problem(
                StatusCode::BAD_REQUEST,
                &format!(
                    "expected a fault rule or an array of them ({{\"path\",\"kind\",\"count\"}}): {err}"
                ),
            ),
        },
        (Method::DELETE, "faults") => {
            shared.faults.clear();
            Json(json!({"active": 0})).into_response()
        }
        (Method::GET, "requests") => {
            Json(json!({"counts": shared.faults.counts()})).into_response()
        }
        (Method::DELETE, "requests") => {
            shared.faults.reset_counts();
            Json(json!({"counts": {}})).into_response()
        }
        _ => problem(
            StatusCode::NOT_FOUND,
            "unknown admin endpoint; see the demo portal README",
        ),
    }
}

fn clock(shared: &Shared) -> Response {
    Json(json!({
        "now": shared.clock.now().timestamp_millis(),
        "offset_seconds": shared.clock.offset_seconds(),
    }))
    .into_response()
}

fn add_faults(shared: &Shared, rules: Vec<FaultRule>) -> Response {
    shared.faults.add(rules);
    Json(json!({"active": shared.faults.rules().len()})).into_response()
}

fn problem(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({"error": message}))).into_response()
}
