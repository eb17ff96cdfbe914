//! Errors starting the emulator.

/// Why [`EmulatorBuilder::start`](crate::EmulatorBuilder::start) failed.
///
/// # Example
///
/// ```
/// use lambda_url_emulator::{Emulator, EmulatorError};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let err = Emulator::builder().start().await.unwrap_err();
/// assert!(matches!(err, EmulatorError::MissingRegion));
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmulatorError {
    /// No region was configured; the emulator has no default region.
    #[error("no region configured: call EmulatorBuilder::region, there is no default region")]
    MissingRegion,
    /// The region is not of the form `xx-name-1` (lowercase letters, digits, `-`).
    #[error("invalid region {region:?}")]
    InvalidRegion {
        /// The region given.
        region: String,
    },
    /// The service name is empty or not lowercase letters, digits and `-`.
    #[error("invalid service name {service:?}")]
    InvalidService {
        /// The service given.
        service: String,
    },
    /// A function or distribution ARN does not have the expected shape.
    #[error("invalid {what} arn {arn:?}: {reason}")]
    InvalidArn {
        /// `function` or `distribution`.
        what: &'static str,
        /// The ARN given.
        arn: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The function host is not a `host[:port]` (letters, digits, `-`, `.`, `_`, `:`, `[`, `]`).
    #[error("invalid function host {host:?}")]
    InvalidHost {
        /// The host given.
        host: String,
    },
    /// A limit that must be more than zero is zero:
    /// [`max_connections`](crate::EmulatorBuilder::max_connections),
    /// [`body_idle_timeout`](crate::EmulatorBuilder::body_idle_timeout) or
    /// [`body_timeout`](crate::EmulatorBuilder::body_timeout).
    #[error("{setting} must be more than zero")]
    InvalidLimit {
        /// The builder setting: `max_connections`, `body_idle_timeout` or `body_timeout`.
        setting: &'static str,
    },
    /// A listening socket could not be bound on 127.0.0.1.
    #[error("failed to bind the {server} server to 127.0.0.1:{port}")]
    Bind {
        /// `function url` or `cloudfront`.
        server: &'static str,
        /// The port asked for (0 = any).
        port: u16,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The certificates or the TLS configuration for
    /// [`EmulatorBuilder::tls`](crate::EmulatorBuilder::tls) could
    /// not be made.
    #[error("failed to set up tls for the emulator ({step})")]
    Tls {
        /// The step that failed: `root key`, `root certificate`,
        /// `server key`, `server certificate` or `tls configuration`.
        step: &'static str,
        /// The certificate generator's or rustls's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The Node.js handler for an origin-request trigger could not be started: node is not
    /// installed, or the handler file failed to load (its message is in `reason`).
    #[error("the edge handler {handler:?} could not be started under node: {reason}")]
    Node {
        /// The handler file.
        handler: String,
        /// What went wrong (`node is not installed or not on PATH`, or the handler's load error).
        reason: String,
    },
}
