//! The axum router: `/__admin/…` for tests, everything else through one dispatcher that
//! normalises the path (both portal spellings, trailing `/`), merges query and form
//! parameters, logs the request (names only), applies faults and hands over to the site.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;

use super::Shared;
use super::faults::FaultKind;
use super::request::{Format, Params, Req, Site, route_path};
use super::{admin, portal, respond, server};

/// Largest form body read (1 MiB); ArcGIS token requests are a few hundred bytes.
const MAX_BODY: usize = 1024 * 1024;

/// Builds the router over the shared state.
pub fn build(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/__admin/{*rest}", any(admin::handle))
        .fallback(dispatch)
        .layer(axum::middleware::from_fn_with_state(shared.clone(), dated))
        .with_state(shared)
}

/// Stamps every answer with a `Date` from the portal's own clock, as a real server's `Date`
/// comes from its clock: a portal whose clock was moved (`/__admin/clock/advance`, forwards
/// or backwards) says so, and clients can see the skew. (Hyper adds a `Date` from the system
/// clock only when the answer has none.)
async fn dated(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: axum::middleware::Next,
) -> Response {
    let mut response = next.run(request).await;
    let date = shared
        .clock
        .now()
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string();
    if let Ok(value) = header::HeaderValue::from_str(&date) {
        response.headers_mut().insert(header::DATE, value);
    }
    response
}

/// Every request but `/__admin/…`: route, parameters, faults, then the site's handler.
pub(crate) async fn dispatch(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let Some((site, endpoint, canonical, base)) = route_path(parts.uri.path()) else {
        return respond::html(
            StatusCode::NOT_FOUND,
            "Not found",
            "<p>Nothing here. The demo portal serves /portal/sharing/rest, /server/rest and /gis/rest.</p>",
        );
    };
    let mut params = Params::default();
    let mut query_names = Vec::new();
    if let Some(query) = parts.uri.query() {
        params.extend_from_urlencoded(query.as_bytes());
        query_names = url::form_urlencoded::parse(query.as_bytes())
            .map(|(k, _)| k.into_owned())
            .collect();
    }
    let is_form = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if parts.method == Method::POST && is_form {
        match axum::body::to_bytes(body, MAX_BODY).await {
            Ok(bytes) => params.extend_from_urlencoded(&bytes),
            Err(_) => {
                return (StatusCode::BAD_REQUEST, "could not read the request body")
                    .into_response();
            }
        }
    }
    let req = Req {
        method: parts.method,
        site,
        endpoint,
        canonical,
        base,
        params,
        query_names,
        headers: parts.headers,
        peer: peer.ip(),
        modern_errors: shared.config.behaviour.modern_errors,
    };
    tracing::debug!(
        method = %req.method,
        path = %req.canonical,
        params = ?req.params.names(),
        "demo portal request"
    );
    if let Some(fault) = shared.faults.on_request(&req.canonical) {
        tracing::debug!(path = %req.canonical, ?fault, "demo portal fault injected");
        match fault_response(&req, &fault) {
            Some(response) => return response,
            None => {
                if let FaultKind::Delay { millis } = fault {
                    tokio::time::sleep(Duration::from_millis(millis)).await;
                }
            }
        }
    }
    match req.site {
        Site::Portal => portal::handle(&shared, &req),
        Site::FederatedServer | Site::StandaloneServer | Site::PublicServer => {
            server::handle(&shared, &req)
        }
    }
}

/// A JSON answer that opens a string and never closes it: 64 KiB chunks of `x` up to
/// [`ENDLESS_BODY_BYTES`](crate::faults::ENDLESS_BODY_BYTES), or until the client hangs up.
fn endless_body() -> Response {
    const CHUNK: usize = 64 * 1024;
    let chunk = Bytes::from(vec![b'x'; CHUNK]);
    let chunks = crate::faults::ENDLESS_BODY_BYTES / CHUNK as u64;
    let opening = futures_util::stream::once(async {
        Ok::<Bytes, std::io::Error>(Bytes::from_static(b"{\"filler\":\""))
    });
    let rest = futures_util::stream::iter(
        (0..chunks).map(move |_| Ok::<Bytes, std::io::Error>(chunk.clone())),
    );
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        Body::from_stream(futures_util::StreamExt::chain(opening, rest)),
    )
        .into_response()
}

/// The response a fault replaces the normal answer with; `None` for a delay.
fn fault_response(req: &Req, fault: &FaultKind) -> Option<Response> {
    let response = match fault {
        FaultKind::HttpError { status } => {
            let status = StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let title = format!(
                "{} {}",
                status.as_u16(),
                status.canonical_reason().unwrap_or("Error")
            );
            respond::html(
                status,
                &title,
                &format!("<h1>{}</h1>", respond::escape(&title)),
            )
        }
        FaultKind::DropConnection => {
            // A body that fails before its first byte: hyper aborts the connection.
            let failing = futures_util::stream::once(async {
                Err::<Bytes, std::io::Error>(std::io::Error::other("fault: drop connection"))
            });
            Response::new(Body::from_stream(failing))
        }
        FaultKind::MalformedJson => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
            "{\"access_token\":\"trunc",
        )
            .into_response(),
        FaultKind::InvalidToken => respond::invalid_token(req),
        FaultKind::BadCredentials => {
            let body = respond::envelope_a(
                400,
                None,
                "Unable to generate token.",
                &["Invalid username or password."],
            );
            respond::error(req, Format::Html, 400, &body)
        }
        FaultKind::Answer { body } => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
            body.clone(),
        )
            .into_response(),
        FaultKind::EndlessBody => endless_body(),
        FaultKind::Delay { .. } => return None,
    };
    Some(response)
}
