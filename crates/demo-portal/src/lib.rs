//! An HTTPS emulator of an ArcGIS Enterprise portal (ArcGIS Online-like where the difference
//! is only data), a federated, a stand-alone and a public ArcGIS Server, good enough for
//! the official ArcGIS clients and for TokenDesk's own tests.
//!
//! Deliberately independent of the client (`tokendesk::arcgis`): it writes its own JSON from
//! `shared/arcgis-protocol.md`, so that the client and the emulator are two separate
//! readings of the protocol.
//!
//! ```text
//! https://127.0.0.1:PORT/portal/sharing/rest/…   the portal (also /portal/sharing/…)
//! https://127.0.0.1:PORT/server/rest/…           federated server (tokens from the portal)
//! https://127.0.0.1:PORT/gis/rest/…, /gis/tokens/generateToken, /gis/admin/generateToken
//! https://127.0.0.1:PORT/public/rest/…           a server without token security
//! https://127.0.0.1:PORT/__admin/…               clock, faults, request counts (loopback only)
//! ```
//!
//! Each server has two sample services, token-protected on `/server` and `/gis` (`token=`,
//! `X-Esri-Authorization: Bearer` or `Authorization: Bearer`; 499 without a token, 498 for a
//! bad one) and open on `/public`:
//!
//! ```text
//! …/rest/services                                  the directory: Demo (MapServer, FeatureServer)
//! …/rest/services/Demo/MapServer[/0]               fixed JSON
//! …/rest/services/Demo/FeatureServer[/layers]      a feature service with one point layer
//! …/rest/services/Demo/FeatureServer/0[/query]     the layer and its query (Esri JSON, GeoJSON)
//! ```
//!
//! The feature layer holds made-up points drawn from the seed's `[feature_service]`; its
//! query takes `where` (a small SQL subset), `objectIds`, an envelope `geometry`,
//! `outFields`, `returnGeometry`, `returnIdsOnly`, `returnCountOnly`, `returnExtentOnly`,
//! `orderByFields`, `resultOffset`/`resultRecordCount` paging (`exceededTransferLimit`),
//! `outSR` and `geometryPrecision` (`docs/demo-portal.md` has the details).
//!
//! Start it with [`DemoPortal::start`]; the [`RunningDemoPortal`] it returns knows the site
//! URLs and the CA certificate clients must trust, and shuts the server down gracefully.

mod admin;
mod clock;
mod config;
mod dataset;
mod faults;
mod feature_service;
mod guard;
mod oauth;
mod portal;
mod redirect;
mod request;
mod respond;
mod router;
mod secret;
mod server;
mod signin;
mod store;
mod tls;
mod where_clause;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum_server::Handle;
use axum_server::tls_rustls::RustlsConfig;
use tokio::task::JoinHandle;

pub use clock::DemoClock;
pub use config::{
    ApiKeyCredentialConfig, AppConfig, Behaviour, ConfigError, DemoConfig, FeatureServiceConfig,
    Lifetimes, OrgConfig, ServerUserConfig, UserConfig,
};
pub use faults::{FaultKind, FaultRule};
pub use secret::SeedSecret;
pub use tls::TlsError;

/// Why the demo portal could not start or stop.
#[derive(Debug, thiserror::Error)]
pub enum DemoPortalError {
    /// `listen` is not a loopback address.
    #[error(
        "the demo portal only listens on loopback addresses (127.0.0.1, ::1), not {0}: it hands \
         out tokens for well-known passwords. Give a loopback address, e.g. --listen \
         127.0.0.1:0 (or `listen` in the seed file)"
    )]
    NotLoopback(SocketAddr),
    /// The address could not be bound.
    #[error(
        "could not listen on {addr}: {source} (is the port already in use? port 0 picks a free one)"
    )]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Certificates or TLS set-up failed.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// The server task failed.
    #[error("the demo portal's HTTPS server failed: {0}")]
    Serve(String),
}

/// The URLs of the three sites, derived from the bound address.
#[derive(Debug, Clone)]
pub struct SiteUrls {
    /// `https://127.0.0.1:PORT`
    pub origin: String,
    /// Portal root without `/sharing/rest` (`owningSystemUrl`): `…/portal`
    pub portal_root: String,
    /// Portal Sharing API root: `…/portal/sharing/rest`
    pub sharing_rest: String,
    /// Federated server instance root: `…/server`
    pub federated_root: String,
    /// Stand-alone server instance root: `…/gis`
    pub standalone_root: String,
    /// Public (unsecured) server instance root: `…/public`
    pub public_root: String,
}

impl SiteUrls {
    fn new(addr: SocketAddr) -> Self {
        let host = match addr {
            SocketAddr::V4(v4) => v4.ip().to_string(),
            SocketAddr::V6(v6) => format!("[{}]", v6.ip()),
        };
        let origin = format!("https://{host}:{}", addr.port());
        Self {
            portal_root: format!("{origin}/portal"),
            sharing_rest: format!("{origin}/portal/sharing/rest"),
            federated_root: format!("{origin}/server"),
            standalone_root: format!("{origin}/gis"),
            public_root: format!("{origin}/public"),
            origin,
        }
    }
}

/// State shared by every request handler.
pub(crate) struct Shared {
    config: DemoConfig,
    clock: DemoClock,
    store: store::Store,
    faults: faults::Faults,
    urls: SiteUrls,
    started: chrono::DateTime<chrono::Utc>,
    /// The sample feature layer's points, drawn from `config.feature_service` at start-up.
    dataset: dataset::Dataset,
}

impl Shared {
    /// The state for a portal at `urls`: the seed's legacy API keys are valid from the start,
    /// and the sample features are drawn.
    fn new(config: DemoConfig, urls: SiteUrls, clock: DemoClock) -> Self {
        let store = store::Store::default();
        for credential in &config.api_key_credentials {
            if let Some(key) = &credential.legacy_key {
                store.add_access_as(
                    key.expose(),
                    store::AccessToken {
                        subject: store::Subject::ApiKey {
                            client_id: credential.client_id.clone(),
                            slot: 0,
                        },
                        audience: store::Audience::Portal,
                        expires: chrono::DateTime::<chrono::Utc>::MAX_UTC,
                        family: None,
                        binding: store::Binding::None,
                        revocable: false,
                    },
                );
            }
        }
        Self {
            faults: faults::Faults::new(config.faults.clone()),
            started: clock.now(),
            dataset: dataset::Dataset::generate(&config.feature_service),
            clock,
            store,
            urls,
            config,
        }
    }
}

/// A demo portal that answers requests in-process: no TLS and no socket, through the same
/// dispatcher as a request from the network (the `/__admin` endpoints are not served), with
/// the site URLs of `https://127.0.0.1:443`. What it issues is kept across its requests.
///
/// Public only for the fuzz target in `fuzz/`, a crate of its own that can reach nothing
/// private: the demo portal parses whatever any local client sends it, so that parsing is
/// fuzzed. Hidden from the documentation; not part of the API.
#[doc(hidden)]
pub struct InProcessPortal(Arc<Shared>);

impl InProcessPortal {
    /// A fresh portal for `config`.
    pub fn new(config: DemoConfig) -> Self {
        let urls = SiteUrls::new(SocketAddr::from(([127, 0, 0, 1], 443)));
        Self(Arc::new(Shared::new(config, urls, DemoClock::default())))
    }

    /// What the portal answers to `request` from `peer`.
    pub async fn answer(
        &self,
        request: axum::extract::Request,
        peer: SocketAddr,
    ) -> axum::response::Response {
        router::dispatch(
            axum::extract::State(Arc::clone(&self.0)),
            axum::extract::ConnectInfo(peer),
            request,
        )
        .await
    }
}

/// Entry point: `DemoPortal::start(config)`.
pub struct DemoPortal;

impl DemoPortal {
    /// Generates the CA and server certificate, binds `config.listen` and starts serving.
    pub async fn start(config: DemoConfig) -> Result<RunningDemoPortal, DemoPortalError> {
        let listen = config.listen;
        if !listen.ip().is_loopback() {
            return Err(DemoPortalError::NotLoopback(listen));
        }
        let tls = tls::generate()?;
        let bind = |source| DemoPortalError::Bind {
            addr: listen,
            source,
        };
        let listener = std::net::TcpListener::bind(listen).map_err(bind)?;
        listener.set_nonblocking(true).map_err(bind)?;
        let addr = listener.local_addr().map_err(bind)?;
        let urls = SiteUrls::new(addr);
        let clock = DemoClock::default();
        let shared = Arc::new(Shared::new(config, urls.clone(), clock.clone()));
        let app = router::build(shared);
        let handle: Handle<SocketAddr> = Handle::new();
        let server =
            axum_server::from_tcp_rustls(listener, RustlsConfig::from_config(tls.server_config))
                .map_err(bind)?
                .handle(handle.clone());
        let task = tokio::spawn(async move {
            server
                .serve(app.into_make_service_with_connect_info::<SocketAddr>())
                .await
        });
        tracing::info!(%addr, "demo portal listening");
        Ok(RunningDemoPortal {
            addr,
            urls,
            ca_pem: tls.ca_pem,
            clock,
            handle,
            task,
        })
    }
}

/// Stops a running demo portal gracefully; cheap to clone.
#[derive(Clone)]
pub struct ShutdownHandle(Handle<SocketAddr>);

impl ShutdownHandle {
    /// Stops accepting connections and lets requests in flight finish (at most 5 s).
    pub fn shutdown(&self) {
        self.0.graceful_shutdown(Some(GRACE));
    }
}

/// How long requests in flight may take to finish when the portal stops.
const GRACE: Duration = Duration::from_secs(5);

/// A started demo portal.
pub struct RunningDemoPortal {
    addr: SocketAddr,
    urls: SiteUrls,
    ca_pem: String,
    clock: DemoClock,
    handle: Handle<SocketAddr>,
    task: JoinHandle<std::io::Result<()>>,
}

impl RunningDemoPortal {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// All site URLs.
    pub fn urls(&self) -> &SiteUrls {
        &self.urls
    }

    /// The portal's Sharing API root, `https://127.0.0.1:PORT/portal/sharing/rest`.
    pub fn portal_url(&self) -> &str {
        &self.urls.sharing_rest
    }

    /// The federated server's services directory, `…/server/rest/services`.
    pub fn federated_server_url(&self) -> String {
        format!("{}/rest/services", self.urls.federated_root)
    }

    /// The stand-alone server's services directory, `…/gis/rest/services`.
    pub fn standalone_server_url(&self) -> String {
        format!("{}/rest/services", self.urls.standalone_root)
    }

    /// The public server's services directory, `…/public/rest/services`: no token
    /// security (not one of the site lines).
    pub fn public_server_url(&self) -> String {
        format!("{}/rest/services", self.urls.public_root)
    }

    /// The admin endpoints' root, `https://127.0.0.1:PORT/__admin`.
    pub fn admin_url(&self) -> String {
        format!("{}/__admin", self.urls.origin)
    }

    /// The CA certificate (PEM) that signed the server certificate; clients must trust it.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// The portal's clock (the same one `/__admin/clock/advance` moves).
    pub fn clock(&self) -> &DemoClock {
        &self.clock
    }

    /// The contract's site lines, in order: `portal URL`, `federated-server URL`,
    /// `standalone-server URL`.
    pub fn site_lines(&self) -> Vec<String> {
        vec![
            format!("portal {}", self.portal_url()),
            format!("federated-server {}", self.federated_server_url()),
            format!("standalone-server {}", self.standalone_server_url()),
        ]
    }

    /// A handle that can stop this portal from elsewhere (e.g. a UI's quit path) without
    /// owning it.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        ShutdownHandle(self.handle.clone())
    }

    /// Stops accepting connections, lets requests in flight finish (at most 5 s) and waits
    /// for the server task to end.
    pub async fn shutdown(mut self) -> Result<(), DemoPortalError> {
        self.handle.graceful_shutdown(Some(GRACE));
        match (&mut self.task).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(err)) => Err(DemoPortalError::Serve(err.to_string())),
            Err(err) => Err(DemoPortalError::Serve(err.to_string())),
        }
    }
}

impl Drop for RunningDemoPortal {
    /// A portal dropped without [`RunningDemoPortal::shutdown`] stops at once.
    fn drop(&mut self) {
        self.handle.shutdown();
    }
}
