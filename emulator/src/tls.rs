//! The emulator's https: a certificate authority generated when the emulator
//! starts, a server certificate it signs for `127.0.0.1`, `localhost` and
//! `::1`, and the TLS handshake in front of every connection.
//!
//! Nothing here is written to disk. The authority's private key is dropped
//! as soon as it has signed the server certificate, so the root certificate
//! a test trusts can vouch for this one emulator and nothing else.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use tokio::net::TcpStream;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

use super::error::EmulatorError;

/// A client that has not finished its handshake by then is disconnected.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The names the server certificate is valid for.
const SERVER_NAMES: [&str; 3] = ["127.0.0.1", "localhost", "::1"];

/// The generated certificates and the TLS server configuration using them.
pub(crate) struct Tls {
    acceptor: TlsAcceptor,
    root_pem: String,
}

impl fmt::Debug for Tls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tls")
            .field("server_names", &SERVER_NAMES)
            .finish_non_exhaustive()
    }
}

fn setup_error(
    step: &'static str,
    source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
) -> EmulatorError {
    EmulatorError::Tls {
        step,
        source: source.into(),
    }
}

impl Tls {
    /// Generates a root certificate authority (ECDSA P-256) and a server
    /// certificate it signs, and configures rustls (TLS 1.2 and 1.3 with the
    /// aws-lc-rs provider, ALPN `http/1.1`) to serve it.
    pub(crate) fn generate() -> Result<Tls, EmulatorError> {
        let root_key = KeyPair::generate().map_err(|e| setup_error("root key", e))?;
        let mut root_params = CertificateParams::default();
        root_params.distinguished_name = rcgen::DistinguishedName::new();
        root_params.distinguished_name.push(
            DnType::CommonName,
            "lambda-url-signer emulator root (generated at start)",
        );
        root_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        root_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let root = root_params
            .self_signed(&root_key)
            .map_err(|e| setup_error("root certificate", e))?;
        let issuer = Issuer::new(root_params, root_key);

        let server_key = KeyPair::generate().map_err(|e| setup_error("server key", e))?;
        let mut server_params = CertificateParams::new(SERVER_NAMES.map(str::to_owned).to_vec())
            .map_err(|e| setup_error("server certificate", e))?;
        server_params.distinguished_name = rcgen::DistinguishedName::new();
        server_params
            .distinguished_name
            .push(DnType::CommonName, "lambda-url-signer emulator");
        server_params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        server_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        server_params.use_authority_key_identifier_extension = true;
        let server = server_params
            .signed_by(&server_key, &issuer)
            .map_err(|e| setup_error("server certificate", e))?;
        drop(issuer);

        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| setup_error("tls configuration", e))?
            .with_no_client_auth()
            .with_single_cert(
                vec![server.der().clone(), root.der().clone()],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der())),
            )
            .map_err(|e| setup_error("tls configuration", e))?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Tls {
            acceptor: TlsAcceptor::from(Arc::new(config)),
            root_pem: pem_certificate(root.der()),
        })
    }

    /// The root certificate, PEM-encoded.
    pub(crate) fn root_pem(&self) -> &str {
        &self.root_pem
    }

    /// A handle for [`handshake`], cheap to clone (it shares the configuration).
    pub(crate) fn acceptor(&self) -> TlsAcceptor {
        self.acceptor.clone()
    }
}

/// Runs the server side of the TLS handshake on `stream`; `None` (logged at
/// debug level) if it fails or takes longer than ten seconds.
pub(crate) async fn handshake(
    acceptor: TlsAcceptor,
    stream: TcpStream,
) -> Option<TlsStream<TcpStream>> {
    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
        Ok(Ok(stream)) => Some(stream),
        Ok(Err(error)) => {
            tracing::debug!(%error, "tls handshake failed");
            None
        }
        Err(_) => {
            tracing::debug!("tls handshake timed out");
            None
        }
    }
}

/// `-----BEGIN CERTIFICATE-----`, the DER bytes in base64 lines of 64
/// characters, `-----END CERTIFICATE-----` (RFC 7468).
fn pem_certificate(der: &[u8]) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(der);
    let mut pem = String::with_capacity(encoded.len() + encoded.len() / 64 + 64);
    pem.push_str("-----BEGIN CERTIFICATE-----\n");
    for line in encoded.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(line));
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    pem
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_is_one_pem_certificate() {
        let tls = Tls::generate().unwrap();
        let pem = tls.root_pem();
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----\n"));
        assert!(pem.ends_with("\n-----END CERTIFICATE-----\n"));
        assert_eq!(pem.matches("BEGIN").count(), 1);
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        assert!(pem
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .all(|l| l.len() <= 64));
        let der = base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap();
        assert_eq!(der.first(), Some(&0x30), "a DER sequence");
        assert!(!format!("{tls:?}").contains("PRIVATE"));
    }

    #[test]
    fn every_start_has_its_own_root() {
        let (a, b) = (Tls::generate().unwrap(), Tls::generate().unwrap());
        assert_ne!(a.root_pem(), b.root_pem());
    }
}
