//! An HTTPS proxy in front of the demo portal that can cut the token endpoint's answer short
//! right after the access token: HTTP 200, JSON that ends mid-object, a real token inside —
//! what a broken middlebox or a cut connection with a wrong length can hand a client.
//! It has its own throw-away CA (rcgen), written next to the test's other files.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, Request, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A running proxy; dropping it stops it.
pub struct TruncatingProxy {
    /// `https://127.0.0.1:PORT`
    pub origin: String,
    /// The proxy's CA (PEM file) a client must trust.
    pub ca: PathBuf,
    truncate: Arc<AtomicBool>,
    cut: Arc<Mutex<Vec<String>>>,
    handle: axum_server::Handle<std::net::SocketAddr>,
}

#[derive(Clone)]
struct Shared {
    upstream: String,
    client: reqwest::Client,
    truncate: Arc<AtomicBool>,
    cut: Arc<Mutex<Vec<String>>>,
}

impl TruncatingProxy {
    /// Forwards everything to `upstream` (`https://127.0.0.1:PORT`), trusting `client`.
    pub fn start(upstream: &str, client: reqwest::Client, dir: &Path) -> Self {
        let (ca_pem, config) = tls();
        let ca = dir.join("proxy-ca.pem");
        std::fs::write(&ca, ca_pem).unwrap();
        let truncate = Arc::new(AtomicBool::new(false));
        let cut = Arc::new(Mutex::new(Vec::new()));
        let shared = Shared {
            upstream: upstream.to_owned(),
            client,
            truncate: truncate.clone(),
            cut: cut.clone(),
        };
        let app = axum::Router::new().fallback(forward).with_state(shared);
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let handle = axum_server::Handle::new();
        let server = axum_server::from_tcp_rustls(
            listener,
            axum_server::tls_rustls::RustlsConfig::from_config(config),
        )
        .unwrap()
        .handle(handle.clone());
        tokio::spawn(async move { server.serve(app.into_make_service()).await });
        Self {
            origin: format!("https://127.0.0.1:{port}"),
            ca,
            truncate,
            cut,
            handle,
        }
    }

    /// From now on, answers from `oauth2/token` carrying an access token are cut short.
    pub fn truncate_token_answers(&self, on: bool) {
        self.truncate.store(on, Ordering::SeqCst);
    }

    /// The access tokens inside the answers that were cut short.
    pub fn cut_tokens(&self) -> Vec<String> {
        self.cut.lock().unwrap().clone()
    }
}

impl Drop for TruncatingProxy {
    fn drop(&mut self) {
        self.handle.shutdown();
    }
}

async fn forward(State(shared): State<Shared>, request: Request<Body>) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let url = format!("{}{}", shared.upstream, path_and_query(&parts.uri));
    let answer = upstream(&shared.client, parts.method, &url, &parts.headers, body).await;
    let Ok((status, content_type, body)) = answer else {
        return StatusCode::BAD_GATEWAY.into_response();
    };
    let text = String::from_utf8_lossy(&body).into_owned();
    let cut = shared.truncate.load(Ordering::SeqCst) && parts.uri.path().ends_with("oauth2/token");
    let body = match (cut, token_end(&text)) {
        (true, Some(end)) => {
            let key = "\"access_token\":\"";
            let start = text.find(key).unwrap() + key.len();
            shared
                .cut
                .lock()
                .unwrap()
                .push(text[start..end - 1].to_owned());
            text[..end].to_owned()
        }
        _ => text,
    };
    Response::builder()
        .status(status)
        .header("content-type", content_type)
        .body(Body::from(body))
        .unwrap()
}

/// Where the `access_token` value ends (just after its closing quote).
fn token_end(json: &str) -> Option<usize> {
    let key = "\"access_token\":\"";
    let start = json.find(key)? + key.len();
    Some(start + json[start..].find('"')? + 1)
}

fn path_and_query(uri: &Uri) -> String {
    uri.path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default()
}

async fn upstream(
    client: &reqwest::Client,
    method: Method,
    url: &str,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<(u16, String, Bytes), reqwest::Error> {
    let method = reqwest::Method::from_bytes(method.as_str().as_bytes()).unwrap();
    let mut request = client.request(method, url).body(body.to_vec());
    for name in [
        "content-type",
        "authorization",
        "x-esri-authorization",
        "referer",
    ] {
        if let Some(value) = headers.get(name).and_then(|v| v.to_str().ok()) {
            request = request.header(name, value);
        }
    }
    let response = request.send().await?;
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json")
        .to_owned();
    Ok((status, content_type, response.bytes().await?))
}

/// A CA and a 127.0.0.1 server certificate it signed; the CA PEM and the rustls config.
fn tls() -> (String, Arc<ServerConfig>) {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let server_key = KeyPair::generate().unwrap();
    let params = CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap();
    let server_cert = params.signed_by(&server_key, &issuer).unwrap();
    let chain = vec![
        CertificateDer::from(server_cert.der().to_vec()),
        CertificateDer::from(ca_cert.der().to_vec()),
    ];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der()));
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    (ca_cert.pem(), Arc::new(config))
}
