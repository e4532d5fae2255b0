//! A local HTTPS test server for the ArcGIS client: a throw-away CA (rcgen) signs a leaf
//! certificate for 127.0.0.1 / localhost; axum-server serves it with rustls on
//! 127.0.0.1:0; every request is recorded (method, path, query, form fields, headers) and
//! answered with the canned response set for its path (404 HTML otherwise).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum_server::Handle;
use axum_server::tls_rustls::RustlsConfig;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub form: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
}

impl Recorded {
    /// The first form field with this name.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The form field names, in order.
    pub fn field_names(&self) -> Vec<&str> {
        self.form.iter().map(|(k, _)| k.as_str()).collect()
    }

    /// The first header with this (lower-case) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A canned answer.
#[derive(Debug, Clone)]
pub struct Canned {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
    pub location: Option<String>,
}

impl Canned {
    pub fn json(body: &str) -> Self {
        Self {
            status: 200,
            content_type: "application/json",
            body: body.to_owned(),
            location: None,
        }
    }

    pub fn status(status: u16, content_type: &'static str, body: &str) -> Self {
        Self {
            status,
            content_type,
            body: body.to_owned(),
            location: None,
        }
    }

    pub fn redirect(status: u16, location: &str) -> Self {
        Self {
            status,
            content_type: "text/html",
            body: String::new(),
            location: Some(location.to_owned()),
        }
    }
}

#[derive(Default)]
struct Shared {
    routes: HashMap<String, Canned>,
    requests: Vec<Recorded>,
    /// The `Date` every answer carries, when the test set the server's clock.
    date: Option<String>,
}

/// The running server; shuts down when dropped.
pub struct TestServer {
    pub addr: SocketAddr,
    shared: Arc<Mutex<Shared>>,
    handle: Handle<SocketAddr>,
    ca_file: PathBuf,
    _dir: tempfile::TempDir,
}

impl TestServer {
    /// Starts a server on 127.0.0.1:0 with a fresh CA; the CA's PEM is written to a file.
    /// A server whose clock says `now` (the `Date` of every answer), for tests that decode
    /// answers at a made-up time: a server's `Date` is how a client learns its clock.
    pub async fn start_at(now: chrono::DateTime<chrono::Utc>) -> Self {
        let server = Self::start().await;
        server.shared.lock().unwrap().date =
            Some(now.format("%a, %d %b %Y %H:%M:%S GMT").to_string());
        server
    }

    pub async fn start() -> Self {
        let (ca_pem, leaf_pem, leaf_key_pem) = make_certificates();
        let dir = tempfile::tempdir().unwrap();
        let ca_file = dir.path().join("test-ca.pem");
        std::fs::write(&ca_file, ca_pem).unwrap();

        let shared = Arc::new(Mutex::new(Shared::default()));
        let app = Router::new()
            .fallback(answer)
            .with_state(Arc::clone(&shared));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let config = RustlsConfig::from_pem(leaf_pem.into_bytes(), leaf_key_pem.into_bytes())
            .await
            .unwrap();
        let handle = Handle::new();
        let server = axum_server::from_tcp_rustls(listener, config)
            .unwrap()
            .handle(handle.clone());
        tokio::spawn(async move {
            let _ = server.serve(app.into_make_service()).await;
        });
        Self {
            addr,
            shared,
            handle,
            ca_file,
            _dir: dir,
        }
    }

    /// `https://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("https://127.0.0.1:{}{path}", self.addr.port())
    }

    /// The PEM file of the CA that signed the server's certificate.
    pub fn ca_file(&self) -> &Path {
        &self.ca_file
    }

    /// Answers `path` (exact, without query) with `canned` from now on.
    pub fn respond(&self, path: &str, canned: Canned) {
        self.shared
            .lock()
            .unwrap()
            .routes
            .insert(path.to_owned(), canned);
    }

    /// Answers `path` with HTTP 200 and this JSON body.
    pub fn respond_json(&self, path: &str, body: &str) {
        self.respond(path, Canned::json(body));
    }

    /// Every request so far, oldest first.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.lock().unwrap().requests.clone()
    }

    /// The only request so far to `path`.
    pub fn only_request_to(&self, path: &str) -> Recorded {
        let matching: Vec<Recorded> = self
            .requests()
            .into_iter()
            .filter(|r| r.path == path)
            .collect();
        assert_eq!(matching.len(), 1, "requests to {path}: {matching:?}");
        matching.into_iter().next().unwrap()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.handle.shutdown();
    }
}

async fn answer(
    State(shared): State<Arc<Mutex<Shared>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = url::form_urlencoded::parse(&body).into_owned().collect();
    let recorded = Recorded {
        method: method.to_string(),
        path: uri.path().to_owned(),
        query: uri.query().map(str::to_owned),
        form,
        headers: headers
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
            .collect(),
    };
    let (canned, date) = {
        let mut shared = shared.lock().unwrap();
        let canned = shared.routes.get(uri.path()).cloned();
        shared.requests.push(recorded);
        (canned, shared.date.clone())
    };
    let canned = canned.unwrap_or_else(|| {
        Canned::status(
            404,
            "text/html",
            "<html><head><title>404 Not Found</title></head><body>Not here</body></html>",
        )
    });
    let mut response = (
        StatusCode::from_u16(canned.status).unwrap(),
        [(header::CONTENT_TYPE, canned.content_type)],
        canned.body,
    )
        .into_response();
    if let Some(location) = canned.location {
        response
            .headers_mut()
            .insert(header::LOCATION, location.parse().unwrap());
    }
    if let Some(date) = date {
        response
            .headers_mut()
            .insert(header::DATE, date.parse().unwrap());
    }
    response
}

/// (CA certificate PEM, leaf certificate PEM, leaf key PEM).
fn make_certificates() -> (String, String, String) {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "TokenDesk test CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);

    let leaf_key = KeyPair::generate().unwrap();
    let mut leaf_params =
        CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
    leaf_params
        .distinguished_name
        .push(DnType::CommonName, "127.0.0.1");
    leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let leaf_cert = leaf_params.signed_by(&leaf_key, &issuer).unwrap();
    (ca_cert.pem(), leaf_cert.pem(), leaf_key.serialize_pem())
}

/// A 127.0.0.1 port where nothing listens (bound, then released).
pub fn unused_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// A stand-in HTTP proxy on 127.0.0.1 that records the first line of every request
/// (`CONNECT host:port HTTP/1.1`) and answers 502, so nothing is forwarded anywhere.
pub struct RecordingProxy {
    pub addr: SocketAddr,
    lines: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl RecordingProxy {
    pub async fn start() -> Self {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let recorded = Arc::clone(&lines);
        let task = tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let mut buffer = vec![0u8; 8192];
                let mut filled = 0;
                // Read until the end of the request head, at most 8 KiB.
                while filled < buffer.len() {
                    match stream.read(&mut buffer[filled..]).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => filled += n,
                    }
                    if buffer[..filled].windows(4).any(|w| w == b"\r\n\r\n") {
                        break;
                    }
                }
                let head = String::from_utf8_lossy(&buffer[..filled]).into_owned();
                let first = head.lines().next().unwrap_or_default().to_owned();
                recorded.lock().unwrap().push(first);
                let _ = stream
                    .write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n")
                    .await;
            }
        });
        Self { addr, lines, task }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// First lines of the requests received so far.
    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }
}

impl Drop for RecordingProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}
