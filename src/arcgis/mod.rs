//! The ArcGIS wire protocol: URL normalisation, typed requests and responses, the error
//! envelope and unit conversions. No knowledge of profiles, secrets storage or UI.
//!
//! | file                | purpose                                                              |
//! |---------------------|----------------------------------------------------------------------|
//! | [`url`]             | what people paste → portal base / Sharing REST root / server root    |
//! | [`error`]           | [`ArcGisError`] and its [`ErrorKind`]: every error envelope, classified |
//! | [`time`]            | units: minutes out; seconds-from-now and epoch ms back → [`Instant`] |
//! | [`http`]            | the client (TLS, CA file, timeouts, no redirects) and response decoding |
//! | [`oauth`]           | PKCE, authorize URL, redirect parsing, token grants, revokeToken     |
//! | [`generate_token`]  | portal / server / admin generateToken, federated server tokens       |
//! | [`info`]            | `info`, `portals/self`, `community/self`, server `rest/info`         |
//! | [`apps`]            | registered-app JSON and `validateAppAccess`                          |
//! | [`probe`]           | what kind of site a URL is and how to sign in there                  |
//!
//! Every call takes `now` (an [`Instant`]) so that relative lifetimes are anchored by the
//! caller's clock, never read deep inside parsing.

pub mod apps;
pub mod error;
pub mod generate_token;
pub mod http;
pub mod info;
pub mod oauth;
pub mod probe;
pub mod time;
pub mod url;

pub use error::{ArcGisError, ErrorKind};
pub use http::{ArcGisClient, ClientOptions};
pub use time::Instant;
pub use url::{ParsedUrl, PortalUrl, ServerUrl, SiteUrl, UrlError, parse_site_url};
