//! [`TlsConfig`]: the endpoint's certificate, for HTTPS with rustls (feature
//! `prometheus-tls`, `ring` provider, TLS 1.2 and 1.3).

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ServerConfig;

use super::options::ServeError;

/// The certificate chain and private key the endpoint presents (feature
/// `prometheus-tls`); give it to [`ServeOptions::with_tls`](super::ServeOptions::with_tls).
///
/// ```
/// use telemetry_exporters::prometheus::{ServeError, TlsConfig};
///
/// let error = TlsConfig::from_pem(b"not a certificate", b"nor a key").unwrap_err();
/// assert!(matches!(error, ServeError::Tls { .. }), "{error}");
/// ```
#[derive(Clone)]
pub struct TlsConfig {
    pub(super) config: Arc<ServerConfig>,
}

impl fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsConfig")
            .field("alpn_protocols", &self.config.alpn_protocols.len())
            .finish_non_exhaustive()
    }
}

impl TlsConfig {
    /// A PEM certificate chain (leaf first) and its PEM private key (PKCS#8, PKCS#1 or
    /// SEC1).
    pub fn from_pem(cert_chain_pem: &[u8], private_key_pem: &[u8]) -> Result<Self, ServeError> {
        let error = |context: &str, message: String| ServeError::Tls {
            context: context.to_owned(),
            message,
        };
        let chain = CertificateDer::pem_slice_iter(cert_chain_pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| error("certificate chain", e.to_string()))?;
        if chain.is_empty() {
            return Err(error(
                "certificate chain",
                "no CERTIFICATE in the PEM".into(),
            ));
        }
        let key = PrivateKeyDer::from_pem_slice(private_key_pem)
            .map_err(|e| error("private key", e.to_string()))?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| error("protocol versions", e.to_string()))?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(|e| error("certificate and key", e.to_string()))?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(TlsConfig {
            config: Arc::new(config),
        })
    }

    /// [`from_pem`](Self::from_pem) with the contents of two files.
    pub fn from_pem_files(
        cert_chain: impl AsRef<Path>,
        private_key: impl AsRef<Path>,
    ) -> Result<Self, ServeError> {
        let read = |path: &Path| {
            std::fs::read(path).map_err(|e| ServeError::Tls {
                context: path.display().to_string(),
                message: e.to_string(),
            })
        };
        Self::from_pem(&read(cert_chain.as_ref())?, &read(private_key.as_ref())?)
    }

    /// A rustls configuration of your own (client certificates, other cipher suites…).
    /// rustls 0.23 is a public dependency of this constructor.
    #[must_use]
    pub fn from_rustls(config: Arc<ServerConfig>) -> Self {
        TlsConfig { config }
    }
}
