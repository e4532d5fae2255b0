//! One HTTP client per trust setting, for the whole engine: renewals, verifies, user lookups
//! and server tokens of every profile that trusts the same CA file share one connection pool
//! and one set of TLS roots, instead of building a new client per operation.
//!
//! A client is kept per CA file as it is on disk (path, size and modification time), so a CA
//! file replaced in place is read again; profiles without a CA file share one client.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use crate::arcgis::{ArcGisClient, ArcGisError, ClientOptions};

/// The trust setting a client was built for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct TrustKey {
    ca_file: Option<PathBuf>,
    /// The CA file's size and modification time when its client was built.
    stamp: Option<(u64, SystemTime)>,
}

impl TrustKey {
    fn of(ca_file: Option<&Path>) -> Self {
        let stamp = ca_file
            .and_then(|path| std::fs::metadata(path).ok())
            .and_then(|meta| Some((meta.len(), meta.modified().ok()?)));
        Self {
            ca_file: ca_file.map(Path::to_path_buf),
            stamp,
        }
    }
}

/// The engine's clients, shared by its clones.
#[derive(Debug, Clone, Default)]
pub struct Clients {
    by_trust: Arc<Mutex<HashMap<TrustKey, ArcGisClient>>>,
}

impl Clients {
    /// The client that trusts `ca_file` (besides the system roots), built on first use.
    pub fn for_ca_file(&self, ca_file: Option<&Path>) -> Result<ArcGisClient, ArcGisError> {
        let key = TrustKey::of(ca_file);
        // A panic while holding this lock cannot leave the map inconsistent (plain inserts).
        let mut clients = self.by_trust.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(client) = clients.get(&key) {
            return Ok(client.clone());
        }
        let client = ArcGisClient::new(&ClientOptions {
            ca_file: key.ca_file.clone(),
            ..ClientOptions::default()
        })?;
        // An older client for the same path (the file changed since) is dropped.
        clients.retain(|old, _| old.ca_file != key.ca_file);
        clients.insert(key, client.clone());
        Ok(client)
    }

    /// How many clients are kept (one per trust setting in use).
    pub fn len(&self) -> usize {
        self.by_trust
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// No client was built yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_with_the_same_trust_share_one_client_and_a_changed_ca_file_gets_a_new_one() {
        let clients = Clients::default();
        clients.for_ca_file(None).unwrap();
        clients.for_ca_file(None).unwrap();
        assert_eq!(clients.len(), 1);

        let dir = tempfile::tempdir().unwrap();
        let ca = dir.path().join("ca.pem");
        let pem = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()])
            .unwrap()
            .cert
            .pem();
        std::fs::write(&ca, &pem).unwrap();
        clients.for_ca_file(Some(&ca)).unwrap();
        clients.for_ca_file(Some(&ca)).unwrap();
        assert_eq!(clients.len(), 2);

        // The same path with other content (a longer file): built again, the old one dropped.
        std::fs::write(&ca, format!("{pem}{pem}")).unwrap();
        clients.for_ca_file(Some(&ca)).unwrap();
        assert_eq!(clients.len(), 2);
    }
}
