//! What the function URL endpoint records of each request it receives.

use std::fmt;

use crate::canonical::header_values;
use crate::verify::{redact_target, DebugHeaders, RejectionKind};

/// How a request to the function URL endpoint ended.
///
/// # Example
///
/// ```no_run
/// # use lambda_url_emulator::Emulator;
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let emulator = Emulator::builder().region("us-east-1").start().await?;
/// for request in emulator.received() {
///     println!("{} {} -> {}", request.method, request.target, request.outcome.status);
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RequestOutcome {
    /// The response status.
    pub status: u16,
    /// The `x-amzn-ErrorType` sent, if the request was refused.
    pub error_type: Option<String>,
    /// Why the request was refused, if it was.
    pub rejection: Option<RejectionKind>,
    /// The caller's ARN, if the request was accepted and signed.
    pub caller_arn: Option<String>,
}

/// One request as the function URL endpoint received it.
///
/// `headers` are `(lowercase name, raw value bytes)` in received order
/// (hyper groups repeated header lines under their first occurrence), exactly as received:
/// with an absolute-form request target, the `Host` the emulator ignored is still here.
///
/// `body` is the body's first bytes: at most
/// [`EmulatorBuilder::record_body_limit`](crate::EmulatorBuilder::record_body_limit) (default
/// 1 MiB), and for a body over the payload limit at most the limit plus one byte.
/// `body_len` is how many body bytes arrived, and `body_truncated` says whether `body` is
/// shorter than that.
///
/// `Debug` redacts `x-amz-security-token` and shows only the body's lengths.
///
/// # Example
///
/// ```no_run
/// # use lambda_url_emulator::Emulator;
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let emulator = Emulator::builder().region("us-east-1").start().await?;
/// // ... send requests ...
/// if let Some(last) = emulator.received().last() {
///     println!("signed headers: {:?}", last.header_str("authorization"));
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct ReceivedRequest {
    /// The method.
    pub method: String,
    /// The raw request-target (path and query exactly as on the request line).
    pub target: String,
    /// Headers as received: lowercase names, raw values.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The body's first bytes, at most
    /// [`EmulatorBuilder::record_body_limit`](crate::EmulatorBuilder::record_body_limit) of
    /// them (all of it when `body_truncated` is `false`).
    pub body: Vec<u8>,
    /// How many body bytes the endpoint read: the body's whole length, except for a body over
    /// the payload limit, which is read only up to four times the limit plus 1 MiB before the
    /// endpoint answers 413 (then it is where reading stopped).
    pub body_len: usize,
    /// Whether `body` holds fewer bytes than `body_len`: the body was longer than the record
    /// keeps, or over the payload limit.
    pub body_truncated: bool,
    /// The request id sent back in `x-amzn-RequestId`.
    pub request_id: String,
    /// Whether the emulated CloudFront forwarded this request.
    pub via_cloudfront: bool,
    /// How it ended.
    pub outcome: RequestOutcome,
}

impl ReceivedRequest {
    /// The first value of header `name` (case-insensitive), as bytes.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use lambda_url_emulator::Emulator;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = Emulator::builder().region("us-east-1").start().await?;
    /// for r in emulator.received() {
    ///     assert!(r.header("host").is_some());
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    }

    /// The first value of header `name` as text, if it is UTF-8.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use lambda_url_emulator::Emulator;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = Emulator::builder().region("us-east-1").start().await?;
    /// for r in emulator.received() {
    ///     println!("{:?}", r.header_str("x-amz-date"));
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn header_str(&self, name: &str) -> Option<&str> {
        self.header(name).and_then(|v| std::str::from_utf8(v).ok())
    }

    /// Every value of header `name`, in order.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use lambda_url_emulator::Emulator;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = Emulator::builder().region("us-east-1").start().await?;
    /// for r in emulator.received() {
    ///     assert!(r.header_values("authorization").len() <= 1);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn header_values(&self, name: &str) -> Vec<&[u8]> {
        header_values(&self.headers, name)
    }
}

impl fmt::Debug for ReceivedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReceivedRequest")
            .field("method", &self.method)
            .field("target", &redact_target(&self.target))
            .field("headers", &DebugHeaders(&self.headers))
            .field("body_len", &self.body_len)
            .field("recorded_body_len", &self.body.len())
            .field("request_id", &self.request_id)
            .field("via_cloudfront", &self.via_cloudfront)
            .field("outcome", &self.outcome)
            .finish()
    }
}
