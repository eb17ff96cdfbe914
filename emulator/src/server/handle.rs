//! The running emulator: its addresses, what it received, and stopping it.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::{App, EmulatorBuilder, ReceivedRequest};
use crate::tls::Tls;

/// A running function URL endpoint (and optional CloudFront distribution)
/// on 127.0.0.1.
///
/// The function URL endpoint checks each request the way Lambda does for
/// `AWS_IAM` (see [`Verifier`](crate::Verifier)), then the function's
/// resource policy, then invokes the handler with the payload format 2.0
/// event. Every response carries `x-amzn-RequestId`; refusals carry
/// `x-amzn-ErrorType` and AWS's JSON bodies (`{"Message":…}` for
/// `AccessDeniedException`, `{"message":…}` otherwise). The last requests the
/// endpoint received, directly or from CloudFront, are recorded
/// ([`Emulator::received`]: the last 1,000, with up to 1 MiB of body each,
/// unless configured otherwise).
///
/// Dropping it stops both servers: the accept loops and every connection
/// task are aborted and the listening sockets closed as the runtime drops
/// them. [`Emulator::shutdown`] does the same and waits until it is done.
///
/// `Debug` shows the URLs, region and function ARN, never credentials.
///
/// Where AWS publishes nothing, the emulator makes the choices listed in the
/// [module documentation](crate#choices-where-aws-behaviour-is-not-published).
///
/// # Example
///
/// ```
/// use lambda_url_emulator::Emulator;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let emulator = Emulator::builder().region("eu-west-1").start().await?;
/// assert_eq!(emulator.region(), "eu-west-1");
/// assert!(emulator.cloudfront_url().is_none());
/// emulator.shutdown().await;
/// # Ok(())
/// # }
/// ```
pub struct Emulator {
    pub(super) function_url: String,
    pub(super) cloudfront_url: Option<String>,
    pub(super) function_addr: SocketAddr,
    pub(super) cloudfront_addr: Option<SocketAddr>,
    pub(super) region: String,
    pub(super) app: Arc<App>,
    pub(super) shutdown: watch::Sender<bool>,
    pub(super) tasks: Vec<JoinHandle<()>>,
}

impl fmt::Debug for Emulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Emulator")
            .field("function_url", &self.function_url)
            .field("cloudfront_url", &self.cloudfront_url)
            .field("region", &self.region)
            .field("function_arn", &self.app.function_arn)
            .field("auth_type", &self.app.auth_type)
            .finish_non_exhaustive()
    }
}

impl Emulator {
    /// Starts configuring an emulator.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::Emulator;
    /// let builder = Emulator::builder().region("us-east-1");
    /// # let _ = builder;
    /// ```
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::new()
    }

    /// The function URL, `http://127.0.0.1:<port>/` (`https://` with
    /// [`EmulatorBuilder::tls`]).
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::Emulator;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let emulator = Emulator::builder().region("us-east-1").start().await?;
    /// assert!(emulator.function_url().ends_with('/'));
    /// # Ok(())
    /// # }
    /// ```
    pub fn function_url(&self) -> &str {
        &self.function_url
    }

    /// The function URL endpoint's socket address.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::Emulator;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let emulator = Emulator::builder().region("us-east-1").start().await?;
    /// assert!(emulator.function_addr().ip().is_loopback());
    /// # Ok(())
    /// # }
    /// ```
    pub fn function_addr(&self) -> SocketAddr {
        self.function_addr
    }

    /// The `Host` of the function URL, `127.0.0.1:<port>` unless
    /// [`EmulatorBuilder::function_host`] set another — what a client signs and sends, what
    /// CloudFront rewrites `Host` to, and the only host the function URL answers for.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::Emulator;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let emulator = Emulator::builder().region("us-east-1").start().await?;
    /// assert!(emulator.function_host().starts_with("127.0.0.1:"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn function_host(&self) -> &str {
        &self.app.function_host
    }

    /// The CloudFront URL, `http://127.0.0.1:<port>/` (`https://` with
    /// [`EmulatorBuilder::tls`]), if configured.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::{CloudFrontConfig, Emulator};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let emulator = Emulator::builder()
    ///     .region("us-east-1")
    ///     .cloudfront(CloudFrontConfig::new("arn:aws:cloudfront::123456789012:distribution/E1"))
    ///     .start()
    ///     .await?;
    /// assert!(emulator.cloudfront_url().is_some());
    /// # Ok(())
    /// # }
    /// ```
    pub fn cloudfront_url(&self) -> Option<&str> {
        self.cloudfront_url.as_deref()
    }

    /// The CloudFront server's socket address, if configured.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::Emulator;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let emulator = Emulator::builder().region("us-east-1").start().await?;
    /// assert!(emulator.cloudfront_addr().is_none());
    /// # Ok(())
    /// # }
    /// ```
    pub fn cloudfront_addr(&self) -> Option<SocketAddr> {
        self.cloudfront_addr
    }

    /// The region.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::Emulator;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let emulator = Emulator::builder().region("us-east-1").start().await?;
    /// assert_eq!(emulator.region(), "us-east-1");
    /// # Ok(())
    /// # }
    /// ```
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The function's ARN.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::Emulator;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let emulator = Emulator::builder().region("us-east-1").start().await?;
    /// assert_eq!(emulator.function_arn(), "arn:aws:lambda:us-east-1:123456789012:function:emulated");
    /// # Ok(())
    /// # }
    /// ```
    pub fn function_arn(&self) -> &str {
        &self.app.function_arn
    }

    /// The CloudFront distribution's ARN, if configured.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::Emulator;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let emulator = Emulator::builder().region("us-east-1").start().await?;
    /// assert!(emulator.distribution_arn().is_none());
    /// # Ok(())
    /// # }
    /// ```
    pub fn distribution_arn(&self) -> Option<&str> {
        self.app.distribution.as_ref().map(|d| d.arn.as_str())
    }

    /// The generated root certificate (PEM) that both endpoints' server
    /// certificate chains to, if started with [`EmulatorBuilder::tls`].
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::Emulator;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let plain = Emulator::builder().region("us-east-1").start().await?;
    /// assert!(plain.root_certificate_pem().is_none());
    /// let https = Emulator::builder().region("us-east-1").tls(true).start().await?;
    /// assert!(https.root_certificate_pem().is_some());
    /// # Ok(())
    /// # }
    /// ```
    pub fn root_certificate_pem(&self) -> Option<&str> {
        self.app.tls.as_ref().map(Tls::root_pem)
    }

    /// The last requests the function URL endpoint received, oldest first (including what
    /// CloudFront forwarded to it), as a copy: later requests do not change the returned list.
    ///
    /// What is in it, precisely:
    ///
    /// * every request whose head and body the endpoint read, whatever the answer (accepted,
    ///   refused for its host, size, signature or policy, or failed in the function), recorded
    ///   once the answer is decided, before it is sent;
    /// * not a request whose body broke off or was too slow (400 or 408, see
    ///   [`EmulatorBuilder::body_idle_timeout`]), nor one hyper refused before the endpoint
    ///   saw it (a malformed or too slow head), nor one CloudFront answered itself (a
    ///   `GET` with a body, a trigger's own response or failure);
    /// * at most the last [`EmulatorBuilder::record_limit`] requests (default 1,000): once that
    ///   many are kept, each new one pushes out the oldest, and with a limit of 0 the list
    ///   stays empty;
    /// * each with at most [`EmulatorBuilder::record_body_limit`] body bytes (default 1 MiB),
    ///   the body's length in [`ReceivedRequest::body_len`] and whether it was cut in
    ///   [`ReceivedRequest::body_truncated`].
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::Emulator;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let emulator = Emulator::builder().region("us-east-1").record_limit(100).start().await?;
    /// assert!(emulator.received().is_empty());
    /// # Ok(())
    /// # }
    /// ```
    pub fn received(&self) -> Vec<ReceivedRequest> {
        self.app.received().iter().cloned().collect()
    }

    /// Forgets what was received so far.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::Emulator;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let emulator = Emulator::builder().region("us-east-1").start().await?;
    /// emulator.clear_received();
    /// assert!(emulator.received().is_empty());
    /// # Ok(())
    /// # }
    /// ```
    pub fn clear_received(&self) {
        self.app.received().clear();
    }

    /// Stops both servers and waits until their sockets are closed and all
    /// connection tasks have ended. Dropping the emulator does the same
    /// without waiting.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::Emulator;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let emulator = Emulator::builder().region("us-east-1").start().await?;
    /// let addr = emulator.function_addr();
    /// emulator.shutdown().await;
    /// // The port is free again.
    /// let listener = std::net::TcpListener::bind(addr)?;
    /// # drop(listener);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        for task in std::mem::take(&mut self.tasks) {
            let _ = task.await;
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        for task in &self.tasks {
            task.abort();
        }
    }
}
