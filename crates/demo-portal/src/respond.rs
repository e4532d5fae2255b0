//! Building responses: JSON in the format `f` asks for, the error envelopes with exact
//! ArcGIS wording, minimal HTML pages and redirects.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};

use super::request::{Format, Req, Site};

/// HTML-escapes text for element content and quoted attribute values (`&`, `<`, `>`, `"`, `'`).
pub use html_escape::encode_quoted_attribute as escape;

/// A successful JSON answer in the requested format (`default` when `f` is absent). Any
/// serialisable body: a `Value` (keys sorted) or a struct (keys in declaration order).
pub fn json<T: Serialize + ?Sized>(req: &Req, default: Format, body: &T) -> Response {
    render(req, req.format(default), StatusCode::OK, body)
}

/// A GeoJSON answer (`f=geojson`): compact, with the site's JSON content type.
pub fn geojson<T: Serialize + ?Sized>(req: &Req, body: &T) -> Response {
    render(req, Format::Json, StatusCode::OK, body)
}

/// An error envelope: HTTP 200 normally, the error's own status with `modern_errors`.
pub fn error(req: &Req, default: Format, code: u16, body: &Value) -> Response {
    let status = if req.modern_errors {
        StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST)
    } else {
        StatusCode::OK
    };
    render(req, req.format(default), status, body)
}

/// Envelope A: `{"error":{"code","message","details"}}` (plus `messageCode` when given).
pub fn envelope_a(code: u16, message_code: Option<&str>, message: &str, details: &[&str]) -> Value {
    let mut error = json!({"code": code, "message": message, "details": details});
    if let (Some(mc), Some(obj)) = (message_code, error.as_object_mut()) {
        obj.insert("messageCode".into(), Value::from(mc));
    }
    json!({ "error": error })
}

/// Envelope B (OAuth): `{"error":{"code","error","error_description","message","details":[]}}`.
pub fn envelope_b(code: u16, error: &str, description: &str) -> Value {
    json!({"error": {
        "code": code,
        "error": error,
        "error_description": description,
        "message": description,
        "details": [],
    }})
}

/// The site's 498: `"Invalid token."` on the portal, `"Invalid Token"` on a server.
pub fn invalid_token(req: &Req) -> Response {
    let message = match req.site {
        Site::Portal => "Invalid token.",
        _ => "Invalid Token",
    };
    error(req, Format::Html, 498, &envelope_a(498, None, message, &[]))
}

/// The site's 499: with `GWM_0003` and details on the portal, bare on a server.
pub fn token_required(req: &Req) -> Response {
    let body = match req.site {
        Site::Portal => envelope_a(499, Some("GWM_0003"), "Token Required", &["Token Required"]),
        _ => envelope_a(499, None, "Token Required", &[]),
    };
    error(req, Format::Html, 499, &body)
}

/// 403 `GWM_0003`: the token is valid but may not do this.
pub fn permission_denied(req: &Req) -> Response {
    let body = envelope_a(
        403,
        Some("GWM_0003"),
        "You do not have permissions to access this resource or perform this operation.",
        &[],
    );
    error(req, Format::Html, 403, &body)
}

/// 400 for a path no endpoint owns.
pub fn not_found(req: &Req) -> Response {
    let body = envelope_a(400, None, "Invalid URL", &["Invalid URL"]);
    error(req, Format::Html, 400, &body)
}

/// 405-class answer for a GET to a POST-only endpoint (envelope A, code 405).
pub fn post_only(req: &Req, message: &str) -> Response {
    let body = envelope_a(
        405,
        None,
        message,
        &["This operation is supported via HTTP POST only."],
    );
    error(req, Format::Json, 405, &body)
}

/// A plain HTML page.
pub fn html(status: StatusCode, title: &str, body_html: &str) -> Response {
    let page = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{}</title></head>\n<body>\n{body_html}\n</body></html>\n",
        escape(title)
    );
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        page,
    )
        .into_response()
}

/// A 302 to `location`.
pub fn redirect(location: &str) -> Response {
    let mut response = StatusCode::FOUND.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

fn page_title(site: Site) -> &'static str {
    match site {
        Site::Portal => "ArcGIS Portal Directory",
        _ => "ArcGIS REST Services Directory",
    }
}

/// The `Content-Type` of JSON answers: ArcGIS Server sends JSON as `text/plain`, the portal
/// as `application/json`.
fn json_type(site: Site) -> &'static str {
    match site {
        Site::Portal => "application/json; charset=utf-8",
        Site::FederatedServer | Site::StandaloneServer | Site::PublicServer => {
            "text/plain; charset=utf-8"
        }
    }
}

fn render<T: Serialize + ?Sized>(
    req: &Req,
    format: Format,
    status: StatusCode,
    body: &T,
) -> Response {
    let title = page_title(req.site);
    let kind = json_type(req.site);
    match format {
        Format::Json => json_response(
            status,
            kind,
            serde_json::to_string(body).unwrap_or_default(),
        ),
        Format::Pjson => json_response(
            status,
            kind,
            serde_json::to_string_pretty(body).unwrap_or_default(),
        ),
        Format::Html => {
            let pretty = serde_json::to_string_pretty(body).unwrap_or_default();
            html(
                status,
                title,
                &format!("<h2>{}</h2>\n<pre>{}</pre>", escape(title), escape(&pretty)),
            )
        }
    }
}

fn json_response(status: StatusCode, content_type: &'static str, text: String) -> Response {
    (status, [(header::CONTENT_TYPE, content_type)], text).into_response()
}
