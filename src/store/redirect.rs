//! The OAuth redirect URI of a profile, typed: a loopback listener on a fixed port, a
//! loopback listener on any free port, or the out-of-band URN.
//!
//! File and wire forms:
//! * `http://127.0.0.1:8400/callback`: fixed port (1024–65535), path as given;
//! * `http://127.0.0.1/callback`: any port; the listener picks a free one and the portal
//!   ignores the port when it compares loopback redirects (RFC 8252 §7.3);
//! * `urn:ietf:wg:oauth:2.0:oob`: the portal shows the code and the person pastes it.
//!
//! Only `127.0.0.1` is accepted as a loopback host: TokenDesk listens there and nowhere else.

use std::fmt;

use serde::{Deserialize, Serialize};
use url::{Host, Url};

/// The out-of-band redirect URN.
pub const OOB_URN: &str = crate::arcgis::oauth::OOB_REDIRECT_URI;

/// Where the portal sends the browser back after sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum RedirectUri {
    /// `http://127.0.0.1:PORT/path`.
    Loopback {
        /// The fixed port.
        port: u16,
        /// The path, starting with `/`.
        path: String,
    },
    /// `http://127.0.0.1/path`, any port.
    LoopbackAnyPort {
        /// The path, starting with `/`.
        path: String,
    },
    /// `urn:ietf:wg:oauth:2.0:oob`.
    OutOfBand,
}

/// Why text is not a usable redirect URI.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RedirectError {
    /// Not a URL at all.
    #[error(
        "`{input}` is not a redirect URI ({reason}): use http://127.0.0.1:PORT/path, \
         http://127.0.0.1/path (any port) or {OOB_URN}"
    )]
    Invalid {
        /// The text given.
        input: String,
        /// What the URL parser said.
        reason: String,
    },
    /// Not `http://127.0.0.1…` and not the OOB URN.
    #[error(
        "redirect URI `{input}` is refused: TokenDesk only listens on http://127.0.0.1 \
         (use http://127.0.0.1:PORT/path or http://127.0.0.1/path), or use {OOB_URN} to paste \
         the code"
    )]
    NotLoopback {
        /// The text given.
        input: String,
    },
    /// A port below 1024 (it needs root) — including 80, which URLs cannot write explicitly.
    #[error(
        "redirect URI `{input}` uses port {port}: choose a port from 1024 to 65535, or leave the \
         port out to let TokenDesk pick a free one"
    )]
    PrivilegedPort {
        /// The text given.
        input: String,
        /// The port.
        port: u16,
    },
    /// A query or fragment, which the redirect must not carry.
    #[error("redirect URI `{input}` has a query or fragment: remove everything from `?` or `#`")]
    QueryOrFragment {
        /// The text given.
        input: String,
    },
}

impl RedirectUri {
    /// Reads a redirect URI; see the module docs for the accepted forms.
    pub fn parse(input: &str) -> Result<Self, RedirectError> {
        let text = input.trim();
        if text == OOB_URN {
            return Ok(Self::OutOfBand);
        }
        let url = Url::parse(text).map_err(|err| RedirectError::Invalid {
            input: text.to_owned(),
            reason: err.to_string(),
        })?;
        let is_loopback_ip =
            matches!(url.host(), Some(Host::Ipv4(ip)) if ip.octets() == [127, 0, 0, 1]);
        let has_credentials = !url.username().is_empty() || url.password().is_some();
        if url.scheme() != "http" || !is_loopback_ip || has_credentials {
            return Err(RedirectError::NotLoopback {
                input: text.to_owned(),
            });
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(RedirectError::QueryOrFragment {
                input: text.to_owned(),
            });
        }
        let path = url.path().to_owned();
        match url.port() {
            Some(port) if port >= 1024 => Ok(Self::Loopback { port, path }),
            Some(port) => Err(RedirectError::PrivilegedPort {
                input: text.to_owned(),
                port,
            }),
            // `Url` drops the scheme's default port, so `:80` looks like "no port".
            None if text.contains("127.0.0.1:") => Err(RedirectError::PrivilegedPort {
                input: text.to_owned(),
                port: 80,
            }),
            None => Ok(Self::LoopbackAnyPort { path }),
        }
    }

    /// A loopback redirect (either kind), as opposed to out-of-band.
    pub fn is_loopback(&self) -> bool {
        !matches!(self, Self::OutOfBand)
    }
}

impl fmt::Display for RedirectUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Loopback { port, path } => write!(f, "http://127.0.0.1:{port}{path}"),
            Self::LoopbackAnyPort { path } => write!(f, "http://127.0.0.1{path}"),
            Self::OutOfBand => f.write_str(OOB_URN),
        }
    }
}

impl TryFrom<String> for RedirectUri {
    type Error = RedirectError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<RedirectUri> for String {
    fn from(uri: RedirectUri) -> Self {
        uri.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_forms_are_read_and_written_back_unchanged() {
        for text in [
            "http://127.0.0.1:8400/callback",
            "http://127.0.0.1/",
            "http://127.0.0.1/oauth/done",
            OOB_URN,
        ] {
            assert_eq!(RedirectUri::parse(text).unwrap().to_string(), text);
        }
        assert_eq!(
            RedirectUri::parse("http://127.0.0.1:8400/cb").unwrap(),
            RedirectUri::Loopback {
                port: 8400,
                path: "/cb".into()
            }
        );
    }

    #[test]
    fn hosts_other_than_127_0_0_1_are_refused_with_the_forms_that_work() {
        for text in [
            "http://localhost:8400/cb",
            "https://127.0.0.1:8400/cb",
            "http://10.0.0.1:8400/cb",
            "http://[::1]:8400/cb",
            "http://user@127.0.0.1:8400/cb",
        ] {
            let err = RedirectUri::parse(text).unwrap_err();
            assert!(matches!(err, RedirectError::NotLoopback { .. }), "{text}");
            assert!(err.to_string().contains("http://127.0.0.1:PORT/path"));
        }
    }

    #[test]
    fn privileged_ports_queries_and_junk_are_refused() {
        let port_80 = RedirectUri::parse("http://127.0.0.1:80/cb").unwrap_err();
        assert!(matches!(
            port_80,
            RedirectError::PrivilegedPort { port: 80, .. }
        ));
        assert!(matches!(
            RedirectUri::parse("http://127.0.0.1:443/cb").unwrap_err(),
            RedirectError::PrivilegedPort { port: 443, .. }
        ));
        assert!(matches!(
            RedirectUri::parse("http://127.0.0.1:8400/cb?x=1").unwrap_err(),
            RedirectError::QueryOrFragment { .. }
        ));
        assert!(matches!(
            RedirectUri::parse("not a uri").unwrap_err(),
            RedirectError::Invalid { .. }
        ));
    }
}
