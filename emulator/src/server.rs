//! The loopback servers: the function URL endpoint and the optional
//! CloudFront distribution in front of it.

use std::collections::HashMap;
use std::convert::Infallible;
use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::SystemTime;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tokio::task::{JoinHandle, JoinSet};

use super::canonical::{canonical_header_value, header_values};
use super::clock::{format_http_date, shift, unix_millis, unix_secs};
use super::cloudfront::{
    cloudfront_request_id, cloudfront_via, error_page, get_or_head_with_body, origin_request,
    CloudFrontConfig, Distribution, ViewerRequest,
};
use super::crypto::Rng;
use super::edge::{apply, origin_request_event, EdgeAnswer, EdgeRequest, OriginRequestTrigger};
use super::error::EmulatorError;
use super::event::{
    echo_handler, is_text_content_type, HandlerResponse, InvokeEvent, StreamingResponse,
};
use super::identity::{CallerIdentity, EmulatorIdentity};
use super::policy::{Decision, PolicyRequest, RequestPrincipal, ResourcePolicy};
use super::tls::{handshake, Tls};
use super::verify::{redact_target, DebugHeaders, RawRequest, Rejection, RejectionKind, Verifier};
use crate::arn::function_arn_account;

/// The default payload limit: 6 MB (6,291,456 bytes), as for buffered
/// Lambda invocations.
///
/// ```
/// assert_eq!(lambda_url_emulator::DEFAULT_MAX_PAYLOAD_BYTES, 6 * 1024 * 1024);
/// ```
pub const DEFAULT_MAX_PAYLOAD_BYTES: usize = 6_291_456;

type Handler = Arc<dyn Fn(&InvokeEvent) -> HandlerResponse + Send + Sync + 'static>;

/// The chunk receivers of streamed responses whose head the handler has returned, by request id.
type StreamSlots = Arc<Mutex<HashMap<String, mpsc::Receiver<Vec<u8>>>>>;

/// The function URL's auth type.
///
/// # Example
///
/// ```
/// use lambda_url_emulator::{AuthType, Emulator};
///
/// let builder = Emulator::builder().region("us-east-1").auth_type(AuthType::None);
/// # let _ = builder;
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthType {
    /// `AWS_IAM`: every request must be SigV4-signed by a known identity
    /// that the policies allow.
    #[default]
    AwsIam,
    /// `NONE`: no signature check; every request invokes the function.
    None,
}

impl AuthType {
    fn as_str(self) -> &'static str {
        match self {
            AuthType::AwsIam => "AWS_IAM",
            AuthType::None => "NONE",
        }
    }
}

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
/// (hyper groups repeated header lines under their first occurrence). A body
/// over the payload limit is kept only up to the limit plus one byte.
///
/// `Debug` redacts `x-amz-security-token` and shows only the body's length.
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
    /// The body bytes.
    pub body: Vec<u8>,
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
            .field("body_len", &self.body.len())
            .field("request_id", &self.request_id)
            .field("via_cloudfront", &self.via_cloudfront)
            .field("outcome", &self.outcome)
            .finish()
    }
}

/// Configures and starts an [`Emulator`].
///
/// # Example
///
/// ```no_run
/// use lambda_url_emulator::{CloudFrontConfig, Emulator, EmulatorIdentity, ResourcePolicy};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let function_arn = "arn:aws:lambda:eu-central-1:123456789012:function:emulated";
/// let distribution_arn = "arn:aws:cloudfront::123456789012:distribution/EMULATED";
/// // What `lambda_url_signer::permissions::cloudfront_permissions` writes, in short.
/// let policy = ResourcePolicy::from_json(&format!(
///     r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"AllowCloudFront","Effect":"Allow",
///         "Principal":{{"Service":"cloudfront.amazonaws.com"}},
///         "Action":["lambda:InvokeFunctionUrl","lambda:InvokeFunction"],"Resource":"{function_arn}",
///         "Condition":{{"ArnLike":{{"AWS:SourceArn":"{distribution_arn}"}}}}}}]}}"#
/// ))?;
/// let emulator = Emulator::builder()
///     .region("eu-central-1")
///     .function_arn(function_arn)
///     .identity(EmulatorIdentity::generate("123456789012"))
///     .resource_policy(policy)
///     .cloudfront(CloudFrontConfig::new(distribution_arn))
///     .start()
///     .await?;
/// println!("{} behind {:?}", emulator.function_url(), emulator.cloudfront_url());
/// # Ok(())
/// # }
/// ```
#[must_use]
pub struct EmulatorBuilder {
    region: Option<String>,
    auth_type: AuthType,
    identities: Vec<EmulatorIdentity>,
    function_arn: Option<String>,
    policy: ResourcePolicy,
    cloudfront: Option<CloudFrontConfig>,
    service: String,
    clock_offset_secs: i64,
    max_payload_bytes: usize,
    handler: Handler,
    port: u16,
    cloudfront_port: u16,
    require_invoke_function: bool,
    streams: Option<StreamSlots>,
    tls: bool,
    function_host: Option<String>,
    trigger: Option<Arc<dyn OriginRequestTrigger>>,
}

impl fmt::Debug for EmulatorBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmulatorBuilder")
            .field("region", &self.region)
            .field("auth_type", &self.auth_type)
            .field("identities", &self.identities)
            .field("function_arn", &self.function_arn)
            .field("policy", &self.policy)
            .field("cloudfront", &self.cloudfront)
            .field("service", &self.service)
            .field("clock_offset_secs", &self.clock_offset_secs)
            .field("max_payload_bytes", &self.max_payload_bytes)
            .field("port", &self.port)
            .field("cloudfront_port", &self.cloudfront_port)
            .field("require_invoke_function", &self.require_invoke_function)
            .field("streaming", &self.streams.is_some())
            .field("tls", &self.tls)
            .field("function_host", &self.function_host)
            .field("origin_request_trigger", &self.trigger.is_some())
            .finish_non_exhaustive()
    }
}

impl EmulatorBuilder {
    fn new() -> Self {
        EmulatorBuilder {
            region: None,
            auth_type: AuthType::AwsIam,
            identities: Vec::new(),
            function_arn: None,
            policy: ResourcePolicy::empty(),
            cloudfront: None,
            service: "lambda".to_owned(),
            clock_offset_secs: 0,
            max_payload_bytes: DEFAULT_MAX_PAYLOAD_BYTES,
            handler: Arc::new(echo_handler),
            port: 0,
            cloudfront_port: 0,
            require_invoke_function: true,
            streams: None,
            tls: false,
            function_host: None,
            trigger: None,
        }
    }

    /// Runs `trigger` as a Lambda@Edge origin-request function on the emulated CloudFront:
    /// every viewer request reaches it (with its body, as with *Include body*) before OAC signs,
    /// and it returns the request, possibly changed, or a response of its own (see
    /// [`OriginRequestTrigger`]). Needs [`EmulatorBuilder::cloudfront`].
    ///
    /// ```
    /// # use lambda_url_emulator::{CloudFrontConfig, Emulator};
    /// let builder = Emulator::builder()
    ///     .region("us-east-1")
    ///     .cloudfront(CloudFrontConfig::new("arn:aws:cloudfront::123456789012:distribution/E1"))
    ///     .origin_request_trigger(|event: serde_json::Value| {
    ///         Ok(event["Records"][0]["cf"]["request"].clone())
    ///     });
    /// # let _ = builder;
    /// ```
    pub fn origin_request_trigger(mut self, trigger: impl OriginRequestTrigger) -> Self {
        self.trigger = Some(Arc::new(trigger));
        self
    }

    /// The region requests must be scoped to. Required: there is no default.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::Emulator;
    /// let builder = Emulator::builder().region("ap-southeast-2");
    /// # let _ = builder;
    /// ```
    pub fn region(mut self, region: &str) -> Self {
        self.region = Some(region.to_owned());
        self
    }

    /// `AWS_IAM` (the default) or `NONE`.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::{AuthType, Emulator};
    /// let builder = Emulator::builder().region("us-east-1").auth_type(AuthType::None);
    /// # let _ = builder;
    /// ```
    pub fn auth_type(mut self, auth_type: AuthType) -> Self {
        self.auth_type = auth_type;
        self
    }

    /// Adds an identity whose signed requests are accepted. Callers in the
    /// function's account are allowed by their own (implicit) identity
    /// policy; callers from other accounts also need the resource policy.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::{Emulator, EmulatorIdentity};
    /// let builder = Emulator::builder()
    ///     .region("us-east-1")
    ///     .identity(EmulatorIdentity::generate("123456789012"))
    ///     .identity(EmulatorIdentity::generate("210987654321"));
    /// # let _ = builder;
    /// ```
    pub fn identity(mut self, identity: EmulatorIdentity) -> Self {
        self.identities.push(identity);
        self
    }

    /// The function's ARN (default
    /// `arn:aws:lambda:<region>:123456789012:function:emulated`). Its
    /// account is the function's account.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::Emulator;
    /// let builder = Emulator::builder()
    ///     .region("us-east-1")
    ///     .function_arn("arn:aws:lambda:us-east-1:111122223333:function:api");
    /// # let _ = builder;
    /// ```
    pub fn function_arn(mut self, arn: &str) -> Self {
        self.function_arn = Some(arn.to_owned());
        self
    }

    /// The function's resource-based policy (default: empty).
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::{Emulator, ResourcePolicy};
    /// let builder = Emulator::builder().region("us-east-1").resource_policy(ResourcePolicy::empty());
    /// # let _ = builder;
    /// ```
    pub fn resource_policy(mut self, policy: ResourcePolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Whether the resource policy must also allow `lambda:InvokeFunction`
    /// (with `lambda:InvokedViaFunctionUrl` = `true` in the context), as
    /// for function URLs created since October 2025. Default `true`.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::Emulator;
    /// // Emulate a function URL created before October 2025.
    /// let builder = Emulator::builder().region("us-east-1").require_invoke_function(false);
    /// # let _ = builder;
    /// ```
    pub fn require_invoke_function(mut self, required: bool) -> Self {
        self.require_invoke_function = required;
        self
    }

    /// Adds an emulated CloudFront distribution on a second port.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::{CloudFrontConfig, Emulator};
    /// let builder = Emulator::builder()
    ///     .region("us-east-1")
    ///     .cloudfront(CloudFrontConfig::new("arn:aws:cloudfront::123456789012:distribution/E1"));
    /// # let _ = builder;
    /// ```
    pub fn cloudfront(mut self, config: CloudFrontConfig) -> Self {
        self.cloudfront = Some(config);
        self
    }

    /// The service name in the credential scope (default `lambda`). The AWS
    /// SigV4 test suite uses `service`.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::Emulator;
    /// let builder = Emulator::builder().region("us-east-1").service("service");
    /// # let _ = builder;
    /// ```
    pub fn service(mut self, service: &str) -> Self {
        self.service = service.to_owned();
        self
    }

    /// Shifts the server clock: server time = real time + `offset` seconds.
    /// Used for clock-skew tests; CloudFront signs with the same clock.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::Emulator;
    /// // The server is ten minutes ahead of the client.
    /// let builder = Emulator::builder().region("us-east-1").clock_offset_secs(600);
    /// # let _ = builder;
    /// ```
    pub fn clock_offset_secs(mut self, offset: i64) -> Self {
        self.clock_offset_secs = offset;
        self
    }

    /// The request payload limit in bytes (default 6,291,456). Bodies whose
    /// content type is not text are counted as their base64 size,
    /// `4 * ceil(n / 3)`, because Lambda base64-encodes them into the event.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::Emulator;
    /// let builder = Emulator::builder().region("us-east-1").max_payload_bytes(1024);
    /// # let _ = builder;
    /// ```
    pub fn max_payload_bytes(mut self, limit: usize) -> Self {
        self.max_payload_bytes = limit;
        self
    }

    /// The function. The default echoes the request as JSON:
    /// `{"method", "rawPath", "rawQueryString", "bodySha256", "callerArn"}`.
    /// A handler that panics produces a 502.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::{Emulator, HandlerResponse};
    /// let builder = Emulator::builder()
    ///     .region("us-east-1")
    ///     .handler(|event| HandlerResponse::text(200, &event.method));
    /// # let _ = builder;
    /// ```
    pub fn handler<F>(mut self, handler: F) -> Self
    where
        F: Fn(&InvokeEvent) -> HandlerResponse + Send + Sync + 'static,
    {
        self.handler = Arc::new(handler);
        self
    }

    /// A streaming function (`InvokeMode: RESPONSE_STREAM`), instead of [`EmulatorBuilder::handler`]:
    /// it returns the status and headers at once and the body as a channel of chunks, and each
    /// chunk reaches the client as soon as the function sends it. Everything before the
    /// function (size limit, signature, policies) and what is recorded stay the same. A
    /// handler that panics produces a 502.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::{Emulator, HandlerResponse, StreamingResponse};
    /// let builder = Emulator::builder().region("us-east-1").streaming_handler(|event| {
    ///     let (chunks, receiver) = tokio::sync::mpsc::channel(1);
    ///     let _ = chunks.try_send(event.method.clone().into_bytes());
    ///     StreamingResponse::new(HandlerResponse::new(200), receiver)
    /// });
    /// # let _ = builder;
    /// ```
    pub fn streaming_handler<F>(mut self, handler: F) -> Self
    where
        F: Fn(&InvokeEvent) -> StreamingResponse + Send + Sync + 'static,
    {
        let streams = StreamSlots::default();
        let slots = Arc::clone(&streams);
        self.handler = Arc::new(move |event: &InvokeEvent| {
            let StreamingResponse { head, chunks } = handler(event);
            lock(&slots).insert(event.request_id.clone(), chunks);
            head
        });
        self.streams = Some(streams);
        self
    }

    /// The function URL port on 127.0.0.1 (default 0: any free port).
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::Emulator;
    /// let builder = Emulator::builder().region("us-east-1").port(0);
    /// # let _ = builder;
    /// ```
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// The CloudFront port on 127.0.0.1 (default 0: any free port).
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::Emulator;
    /// let builder = Emulator::builder().region("us-east-1").cloudfront_port(0);
    /// # let _ = builder;
    /// ```
    pub fn cloudfront_port(mut self, port: u16) -> Self {
        self.cloudfront_port = port;
        self
    }

    /// Serve https instead of http on both endpoints (default `false`).
    ///
    /// At start the emulator generates a root certificate authority and a
    /// server certificate it signs for `127.0.0.1`, `localhost` and `::1`;
    /// a client trusts [`Emulator::root_certificate_pem`] and calls
    /// `https://127.0.0.1:<port>/`. Each start has its own root, and its
    /// private key is gone once the server certificate is signed.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::Emulator;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let emulator = Emulator::builder().region("us-east-1").tls(true).start().await?;
    /// assert!(emulator.function_url().starts_with("https://127.0.0.1:"));
    /// let root = emulator.root_certificate_pem().ok_or("no root")?;
    /// assert!(root.starts_with("-----BEGIN CERTIFICATE-----"));
    /// // reqwest (feature `rustls`): Client::builder()
    /// //     .tls_certs_only([reqwest::Certificate::from_pem(root.as_bytes())?])
    /// # Ok(())
    /// # }
    /// ```
    pub fn tls(mut self, tls: bool) -> Self {
        self.tls = tls;
        self
    }

    /// The host the function URL answers for (default `127.0.0.1:<port>`, the host of
    /// [`Emulator::function_url`]), compared ASCII case-insensitively. A request whose `Host`
    /// (or absolute-form authority) names any other host gets 403 `AccessDeniedException`
    /// with `{"Message":null}`, as Lambda answers for an unknown url-id, and the function is
    /// not invoked. The CloudFront distribution rewrites `Host` to this value.
    ///
    /// Set it to replay requests signed for a real function URL host
    /// (`<url-id>.lambda-url.<region>.on.aws`): connect to [`Emulator::function_addr`] and send
    /// that `Host`.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::Emulator;
    /// let builder = Emulator::builder()
    ///     .region("eu-central-1")
    ///     .function_host("abcdefghijklmnopqrstuvwxyz234567.lambda-url.eu-central-1.on.aws");
    /// # let _ = builder;
    /// ```
    pub fn function_host(mut self, host: &str) -> Self {
        self.function_host = Some(host.to_owned());
        self
    }

    /// Binds the servers on 127.0.0.1 and starts serving on the current
    /// tokio runtime.
    ///
    /// # Errors
    ///
    /// [`EmulatorError::MissingRegion`] without a region, `InvalidRegion`,
    /// `InvalidService`, `InvalidArn` for a malformed function or
    /// distribution ARN, `InvalidHost` for a malformed
    /// [`function_host`](Self::function_host), `Bind` when a port cannot be bound, and
    /// `Tls` when the certificates for [`tls`](Self::tls) cannot be made.
    ///
    /// # Panics
    ///
    /// Must be called inside a tokio runtime (it spawns tasks).
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::Emulator;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let emulator = Emulator::builder().region("us-east-1").start().await?;
    /// assert!(emulator.function_url().starts_with("http://127.0.0.1:"));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn start(self) -> Result<Emulator, EmulatorError> {
        let region = self.region.ok_or(EmulatorError::MissingRegion)?;
        if !valid_name(&region) {
            return Err(EmulatorError::InvalidRegion { region });
        }
        if !valid_name(&self.service) {
            return Err(EmulatorError::InvalidService {
                service: self.service,
            });
        }
        let function_arn = self
            .function_arn
            .unwrap_or_else(|| format!("arn:aws:lambda:{region}:123456789012:function:emulated"));
        let function_account =
            function_arn_account(&function_arn).map_err(|reason| EmulatorError::InvalidArn {
                what: "function",
                arn: function_arn.clone(),
                reason,
            })?;
        let distribution = self
            .cloudfront
            .as_ref()
            .map(Distribution::new)
            .transpose()?;
        if let Some(host) = &self.function_host {
            if !valid_host(host) {
                return Err(EmulatorError::InvalidHost { host: host.clone() });
            }
        }

        let mut verifier = Verifier::new(region.clone(), self.service.clone());
        for identity in self.identities {
            verifier = verifier.identity(identity);
        }
        if let Some(distribution) = &distribution {
            verifier = verifier.identity(distribution.identity.clone());
        }

        let tls = self.tls.then(Tls::generate).transpose()?;
        let scheme = if tls.is_some() { "https" } else { "http" };

        let function_listener = bind("function url", self.port).await?;
        let function_addr = local_addr("function url", self.port, &function_listener)?;
        let cloudfront_listener = match &distribution {
            Some(_) => {
                let listener = bind("cloudfront", self.cloudfront_port).await?;
                let addr = local_addr("cloudfront", self.cloudfront_port, &listener)?;
                Some((listener, addr))
            }
            None => None,
        };

        let app = Arc::new(App {
            region: region.clone(),
            service: self.service,
            function_arn,
            function_account,
            auth_type: self.auth_type,
            verifier,
            policy: self.policy,
            require_invoke_function: self.require_invoke_function,
            max_payload_bytes: self.max_payload_bytes,
            clock_offset_secs: self.clock_offset_secs,
            handler: self.handler,
            streams: self.streams,
            received: Mutex::new(Vec::new()),
            function_host: self
                .function_host
                .unwrap_or_else(|| function_addr.to_string()),
            distribution,
            tls,
            trigger: self.trigger,
            cloudfront_domain: cloudfront_listener
                .as_ref()
                .map(|(_, addr)| addr.to_string())
                .unwrap_or_default(),
        });

        let (shutdown, _) = watch::channel(false);
        let mut tasks = vec![tokio::spawn(accept_loop(
            function_listener,
            Arc::clone(&app),
            Endpoint::Function,
            shutdown.subscribe(),
        ))];
        let mut cloudfront_addr = None;
        if let Some((listener, addr)) = cloudfront_listener {
            cloudfront_addr = Some(addr);
            tasks.push(tokio::spawn(accept_loop(
                listener,
                Arc::clone(&app),
                Endpoint::CloudFront,
                shutdown.subscribe(),
            )));
        }
        tracing::debug!(function = %function_addr, cloudfront = ?cloudfront_addr, "emulator started");
        Ok(Emulator {
            function_url: format!("{scheme}://{function_addr}/"),
            cloudfront_url: cloudfront_addr.map(|a| format!("{scheme}://{a}/")),
            function_addr,
            cloudfront_addr,
            region,
            app,
            shutdown,
            tasks,
        })
    }
}

/// A `host[:port]` as it appears in a `Host` header (IPv6 literals in brackets).
fn valid_host(host: &str) -> bool {
    !host.is_empty()
        && host.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b':' | b'[' | b']')
        })
}

fn valid_name(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

async fn bind(server: &'static str, port: u16) -> Result<TcpListener, EmulatorError> {
    TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
        .await
        .map_err(|source| EmulatorError::Bind {
            server,
            port,
            source,
        })
}

fn local_addr(
    server: &'static str,
    port: u16,
    listener: &TcpListener,
) -> Result<SocketAddr, EmulatorError> {
    listener.local_addr().map_err(|source| EmulatorError::Bind {
        server,
        port,
        source,
    })
}

/// A running function URL endpoint (and optional CloudFront distribution)
/// on 127.0.0.1.
///
/// The function URL endpoint checks each request the way Lambda does for
/// `AWS_IAM` (see [`Verifier`](crate::Verifier)), then the function's
/// resource policy, then invokes the handler with the payload format 2.0
/// event. Every response carries `x-amzn-RequestId`; refusals carry
/// `x-amzn-ErrorType` and AWS's JSON bodies (`{"Message":…}` for
/// `AccessDeniedException`, `{"message":…}` otherwise). Everything the
/// endpoint receives, directly or from CloudFront, is recorded
/// ([`Emulator::received`]).
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
    function_url: String,
    cloudfront_url: Option<String>,
    function_addr: SocketAddr,
    cloudfront_addr: Option<SocketAddr>,
    region: String,
    app: Arc<App>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
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

    /// Everything the function URL endpoint received, in order (including
    /// what CloudFront forwarded).
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::Emulator;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let emulator = Emulator::builder().region("us-east-1").start().await?;
    /// assert!(emulator.received().is_empty());
    /// # Ok(())
    /// # }
    /// ```
    pub fn received(&self) -> Vec<ReceivedRequest> {
        self.app.received().clone()
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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Endpoint {
    Function,
    CloudFront,
}

struct App {
    region: String,
    service: String,
    function_arn: String,
    function_account: String,
    auth_type: AuthType,
    verifier: Verifier,
    policy: ResourcePolicy,
    require_invoke_function: bool,
    max_payload_bytes: usize,
    clock_offset_secs: i64,
    handler: Handler,
    streams: Option<StreamSlots>,
    received: Mutex<Vec<ReceivedRequest>>,
    function_host: String,
    distribution: Option<Distribution>,
    tls: Option<Tls>,
    trigger: Option<Arc<dyn OriginRequestTrigger>>,
    /// The distribution's `host:port` (the origin-request event's `distributionDomainName`).
    cloudfront_domain: String,
}

impl App {
    fn received(&self) -> MutexGuard<'_, Vec<ReceivedRequest>> {
        self.received
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn now(&self) -> SystemTime {
        shift(SystemTime::now(), self.clock_offset_secs)
    }
}

async fn accept_loop(
    listener: TcpListener,
    app: Arc<App>,
    endpoint: Endpoint,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let app = Arc::clone(&app);
                    match app.tls.as_ref().map(Tls::acceptor) {
                        None => connections.spawn(serve_connection(stream, peer, app, endpoint)),
                        Some(acceptor) => connections.spawn(async move {
                            if let Some(stream) = handshake(acceptor, stream).await {
                                serve_connection(stream, peer, app, endpoint).await;
                            }
                        }),
                    };
                }
                Err(error) => {
                    tracing::debug!(%error, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                }
            },
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    break;
                }
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    connections.shutdown().await;
}

async fn serve_connection<S>(stream: S, peer: SocketAddr, app: Arc<App>, endpoint: Endpoint)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |request: Request<Incoming>| {
        let app = Arc::clone(&app);
        async move {
            let response = match endpoint {
                Endpoint::Function => handle_function(&app, request, peer).await,
                Endpoint::CloudFront => handle_cloudfront(&app, request, peer).await,
            };
            Ok::<_, Infallible>(streamed(&app, response))
        }
    });
    let connection = http1::Builder::new()
        .timer(TokioTimer::new())
        .serve_connection(TokioIo::new(stream), service);
    if let Err(error) = connection.await {
        tracing::debug!(%error, "connection ended with an error");
    }
}

/// A response body: the whole of it at once, or a streaming function's head body and chunks.
type ResponseBody = http_body_util::Either<Full<Bytes>, ChunkBody>;

/// Gives a streaming function's response its chunks (found by the request id the response
/// carries); any other response keeps its full body.
fn streamed(app: &App, response: Response<Full<Bytes>>) -> Response<ResponseBody> {
    let chunks = app.streams.as_ref().and_then(|streams| {
        let id = response.headers().get("x-amzn-requestid")?.to_str().ok()?;
        lock(streams).remove(id)
    });
    match chunks {
        None => response.map(http_body_util::Either::Left),
        Some(chunks) => {
            let (mut parts, body) = response.into_parts();
            parts.headers.remove(hyper::header::CONTENT_LENGTH);
            let first = body_bytes(body);
            Response::from_parts(
                parts,
                http_body_util::Either::Right(ChunkBody {
                    first: (!first.is_empty()).then_some(first),
                    chunks,
                }),
            )
        }
    }
}

/// The bytes of a `Full` body, which is ready at once.
fn body_bytes(mut body: Full<Bytes>) -> Bytes {
    use hyper::body::Body as _;
    let waker = std::task::Waker::noop();
    match Pin::new(&mut body).poll_frame(&mut Context::from_waker(waker)) {
        Poll::Ready(Some(Ok(frame))) => frame.into_data().unwrap_or_default(),
        _ => Bytes::new(),
    }
}

/// A streaming function's body: its head body, then each chunk as it arrives.
struct ChunkBody {
    first: Option<Bytes>,
    chunks: mpsc::Receiver<Vec<u8>>,
}

impl hyper::body::Body for ChunkBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Bytes>, Infallible>>> {
        if let Some(first) = self.first.take() {
            return Poll::Ready(Some(Ok(hyper::body::Frame::data(first))));
        }
        self.chunks
            .poll_recv(cx)
            .map(|chunk| chunk.map(|c| Ok(hyper::body::Frame::data(Bytes::from(c)))))
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A buffered HTTP request.
struct Buffered {
    method: String,
    target: String,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
    /// More body bytes arrived than were kept.
    truncated: bool,
    /// The authority of an absolute-form request target (`GET http://host/ HTTP/1.1`), which
    /// takes precedence over `Host`.
    authority: Option<String>,
}

/// A response before it becomes a hyper response.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

async fn buffer(request: Request<Incoming>, keep: usize) -> Result<Buffered, hyper::Error> {
    let (parts, mut body) = request.into_parts();
    let target = parts
        .uri
        .path_and_query()
        .map(|pq| pq.as_str().to_owned())
        .unwrap_or_else(|| "/".to_owned());
    let headers = parts
        .headers
        .iter()
        .map(|(name, value)| (name.as_str().to_owned(), value.as_bytes().to_vec()))
        .collect();
    let authority = parts.uri.authority().map(|a| a.as_str().to_owned());
    let mut kept = Vec::new();
    let mut total: usize = 0;
    // Drain somewhat past the limit so the client can read the 413, then stop.
    let drain_limit = keep.saturating_mul(4).saturating_add(1 << 20);
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame?.into_data() {
            total = total.saturating_add(data.len());
            let room = keep.saturating_sub(kept.len());
            kept.extend_from_slice(data.get(..room.min(data.len())).unwrap_or_default());
            if total > drain_limit {
                break;
            }
        }
    }
    Ok(Buffered {
        method: parts.method.as_str().to_owned(),
        target,
        headers,
        truncated: total > kept.len(),
        body: kept,
        authority,
    })
}

fn to_response(answer: Answer) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(answer.body)));
    *response.status_mut() = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::BAD_GATEWAY);
    let headers = response.headers_mut();
    for (name, value) in answer.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            headers.append(name, value);
        }
    }
    response
}

/// Sets `Date` from the emulator's clock (with its offset), as the service's clock would; the
/// middleware's clock-skew correction reads it.
fn with_date(app: &App, mut response: Response<Full<Bytes>>) -> Response<Full<Bytes>> {
    if let Ok(value) = HeaderValue::from_str(&format_http_date(unix_secs(app.now()))) {
        response.headers_mut().insert(hyper::header::DATE, value);
    }
    response
}

async fn handle_function(
    app: &App,
    request: Request<Incoming>,
    peer: SocketAddr,
) -> Response<Full<Bytes>> {
    with_date(app, handle_function_inner(app, request, peer).await)
}

async fn handle_function_inner(
    app: &App,
    request: Request<Incoming>,
    peer: SocketAddr,
) -> Response<Full<Bytes>> {
    match buffer(request, app.max_payload_bytes.saturating_add(1)).await {
        Ok(buffered) => to_response(process(app, buffered, &peer.ip().to_string(), false)),
        Err(error) => {
            tracing::debug!(%error, "could not read the request body");
            to_response(error_answer(
                400,
                "InvalidRequestContentException",
                r#"{"message":"Could not read the request body."}"#.to_owned(),
                &Rng::new().uuid(),
            ))
        }
    }
}

async fn handle_cloudfront(
    app: &App,
    request: Request<Incoming>,
    peer: SocketAddr,
) -> Response<Full<Bytes>> {
    with_date(app, handle_cloudfront_inner(app, request, peer).await)
}

async fn handle_cloudfront_inner(
    app: &App,
    request: Request<Incoming>,
    peer: SocketAddr,
) -> Response<Full<Bytes>> {
    let mut rng = Rng::new();
    let Some(distribution) = &app.distribution else {
        return to_response(error_answer(502, "", String::new(), &rng.uuid()));
    };
    let buffered = match buffer(request, app.max_payload_bytes.saturating_add(1)).await {
        Ok(buffered) => buffered,
        Err(_) => return to_response(error_answer(400, "", String::new(), &rng.uuid())),
    };
    if get_or_head_with_body(&buffered.method, &buffered.headers, buffered.body.len()) {
        tracing::debug!(
            method = %buffered.method,
            target = %redact_target(&buffered.target),
            "cloudfront refused a GET or HEAD with a body"
        );
        return to_response(cloudfront_error(403, &mut rng));
    }
    let peer_ip = peer.ip().to_string();
    let buffered = match &app.trigger {
        None => buffered,
        Some(trigger) => {
            match run_trigger(app, trigger.as_ref(), buffered, &peer_ip, &mut rng).await {
                Ok(buffered) => buffered,
                Err(answer) => return to_response(answer),
            }
        }
    };
    let origin = origin_request(
        distribution,
        &ViewerRequest {
            method: &buffered.method,
            target: &buffered.target,
            headers: &buffered.headers,
            body_len: buffered.body.len(),
            peer_ip: &peer_ip,
        },
        &app.function_host,
        &app.region,
        &app.service,
        unix_secs(app.now()),
    );
    // The origin request is origin-form, with `Host` set to the function URL host.
    let forwarded = Buffered {
        headers: origin.headers,
        authority: None,
        ..buffered
    };
    let mut answer = process(app, forwarded, &peer_ip, true);
    answer
        .headers
        .push(("via".to_owned(), cloudfront_via(&mut rng)));
    answer.headers.push((
        "x-cache".to_owned(),
        if answer.status < 400 {
            "Miss from cloudfront"
        } else {
            "Error from cloudfront"
        }
        .to_owned(),
    ));
    answer
        .headers
        .push(("x-amz-cf-pop".to_owned(), "EMU1-C1".to_owned()));
    to_response(answer)
}

/// Runs the origin-request trigger: the request to forward, or the answer for the viewer (the
/// trigger's own response, 502 for a malformed answer, 503 for a failed trigger).
async fn run_trigger(
    app: &App,
    trigger: &dyn OriginRequestTrigger,
    buffered: Buffered,
    peer_ip: &str,
    rng: &mut Rng,
) -> Result<Buffered, Answer> {
    let request = EdgeRequest {
        method: buffered.method.clone(),
        target: buffered.target.clone(),
        headers: buffered.headers.clone(),
        body: buffered.body,
    };
    let event = origin_request_event(
        &request,
        peer_ip,
        &app.cloudfront_domain,
        &cloudfront_request_id(rng),
    );
    let answer = match trigger.call(event).await {
        Ok(answer) => answer,
        Err(reason) => {
            tracing::debug!(%reason, "the origin-request trigger failed");
            return Err(cloudfront_error(503, rng));
        }
    };
    match apply(answer, request) {
        EdgeAnswer::Forward(request) => Ok(Buffered {
            method: request.method,
            target: request.target,
            headers: request.headers,
            body: request.body,
            ..buffered
        }),
        EdgeAnswer::Respond {
            status,
            mut headers,
            body,
        } => {
            headers.push((
                "x-cache".to_owned(),
                "LambdaGeneratedResponse from cloudfront".to_owned(),
            ));
            headers.push(("via".to_owned(), cloudfront_via(rng)));
            Err(Answer {
                status,
                headers,
                body,
            })
        }
        EdgeAnswer::Malformed(reason) => {
            tracing::debug!(%reason, "the origin-request trigger answered something malformed");
            Err(cloudfront_error(502, rng))
        }
    }
}

/// An error CloudFront answers itself, without calling the origin: its HTML error page and
/// headers, and no Lambda headers (`x-amzn-RequestId`, `x-amzn-ErrorType`).
fn cloudfront_error(status: u16, rng: &mut Rng) -> Answer {
    let id = cloudfront_request_id(rng);
    Answer {
        status,
        headers: vec![
            ("server".to_owned(), "CloudFront".to_owned()),
            ("content-type".to_owned(), "text/html".to_owned()),
            ("x-cache".to_owned(), "Error from cloudfront".to_owned()),
            ("via".to_owned(), cloudfront_via(rng)),
            ("x-amz-cf-pop".to_owned(), "EMU1-C1".to_owned()),
            ("x-amz-cf-id".to_owned(), id.clone()),
        ],
        body: error_page(status, &id).into_bytes(),
    }
}

fn error_answer(status: u16, error_type: &str, body: String, request_id: &str) -> Answer {
    let mut headers = vec![
        ("content-type".to_owned(), "application/json".to_owned()),
        ("x-amzn-RequestId".to_owned(), request_id.to_owned()),
    ];
    if !error_type.is_empty() {
        headers.push(("x-amzn-ErrorType".to_owned(), error_type.to_owned()));
    }
    Answer {
        status,
        headers,
        body: body.into_bytes(),
    }
}

/// The size Lambda counts for a body: base64 size unless it is text.
fn effective_size(body_len: usize, text: bool) -> usize {
    if text {
        body_len
    } else {
        body_len.div_ceil(3).saturating_mul(4)
    }
}

/// Runs a buffered request through the function URL endpoint: size limit,
/// authentication, authorization, the function. Records it.
fn process(app: &App, request: Buffered, peer_ip: &str, via_cloudfront: bool) -> Answer {
    let request_id = Rng::new().uuid();
    let now = app.now();
    let result = decide(app, &request, now);
    let (answer, outcome) = match result {
        Err(rejection) => {
            let answer = error_answer(
                rejection.status(),
                rejection.error_type(),
                rejection.body_json(),
                &request_id,
            );
            let outcome = RequestOutcome {
                status: rejection.status(),
                error_type: Some(rejection.error_type().to_owned()),
                rejection: Some(rejection.kind()),
                caller_arn: None,
            };
            (answer, outcome)
        }
        Ok(caller) => {
            let (raw_path, raw_query_string) = InvokeEvent::raw_parts(&request.target);
            let content_type = canonical_header_value(&request.headers, "content-type");
            let text_body = is_text_content_type(content_type.as_deref())
                && std::str::from_utf8(&request.body).is_ok();
            let event = InvokeEvent {
                method: request.method.clone(),
                raw_path,
                raw_query_string,
                headers: request
                    .headers
                    .iter()
                    .filter(|(name, _)| !name.eq_ignore_ascii_case("authorization"))
                    .map(|(name, value)| {
                        (
                            name.to_ascii_lowercase(),
                            String::from_utf8_lossy(value).into_owned(),
                        )
                    })
                    .collect(),
                body: request.body.clone(),
                is_base64_encoded: !request.body.is_empty() && !text_body,
                source_arn: caller.as_ref().and_then(|c| c.source_arn.clone()),
                caller,
                request_id: request_id.clone(),
                time_epoch_millis: unix_millis(now),
                source_ip: peer_ip.to_owned(),
                account_id: app.function_account.clone(),
                domain_name: canonical_header_value(&request.headers, "host")
                    .map(|h| String::from_utf8_lossy(&h).into_owned())
                    .unwrap_or_default(),
            };
            let handler = Arc::clone(&app.handler);
            let answer = match catch_unwind(AssertUnwindSafe(|| handler(&event))) {
                Ok(response) => {
                    let mut headers: Vec<(String, String)> = response
                        .headers
                        .into_iter()
                        .filter(|(name, _)| !name.eq_ignore_ascii_case("x-amzn-requestid"))
                        .collect();
                    if !headers
                        .iter()
                        .any(|(name, _)| name.eq_ignore_ascii_case("content-type"))
                    {
                        headers.push(("content-type".to_owned(), "application/json".to_owned()));
                    }
                    headers.push(("x-amzn-RequestId".to_owned(), request_id.clone()));
                    let status = if StatusCode::from_u16(response.status).is_ok() {
                        response.status
                    } else {
                        502
                    };
                    Answer {
                        status,
                        headers,
                        body: response.body,
                    }
                }
                Err(_) => Answer {
                    status: 502,
                    headers: vec![
                        ("content-type".to_owned(), "text/plain".to_owned()),
                        ("x-amzn-RequestId".to_owned(), request_id.clone()),
                    ],
                    body: b"Internal Server Error".to_vec(),
                },
            };
            let outcome = RequestOutcome {
                status: answer.status,
                error_type: None,
                rejection: None,
                caller_arn: event.caller.as_ref().map(|c| c.user_arn.clone()),
            };
            (answer, outcome)
        }
    };
    tracing::debug!(
        method = %request.method,
        target = %redact_target(&request.target),
        status = outcome.status,
        error_type = ?outcome.error_type,
        via_cloudfront,
        "function url request"
    );
    app.received().push(ReceivedRequest {
        method: request.method,
        target: request.target,
        headers: request.headers,
        body: request.body,
        request_id,
        via_cloudfront,
        outcome,
    });
    answer
}

/// The verdict on a request: the caller (if signed) or why it is refused.
fn decide(
    app: &App,
    request: &Buffered,
    now: SystemTime,
) -> Result<Option<CallerIdentity>, Rejection> {
    if !names_function_host(app, request) {
        return Err(Rejection::unknown_function_url());
    }
    let content_type = canonical_header_value(&request.headers, "content-type");
    let text = is_text_content_type(content_type.as_deref());
    if request.truncated || effective_size(request.body.len(), text) > app.max_payload_bytes {
        return Err(Rejection::new(
            RejectionKind::PayloadTooLarge,
            format!(
                "Request must be smaller than {} bytes for the InvokeFunction operation",
                app.max_payload_bytes
            ),
        ));
    }
    match app.auth_type {
        AuthType::None => Ok(None),
        AuthType::AwsIam => {
            let raw = RawRequest::new(
                &request.method,
                &request.target,
                &request.headers,
                &request.body,
            );
            let caller = app.verifier.verify(&raw, now)?;
            if authorized(app, &caller) {
                Ok(Some(caller))
            } else {
                Err(Rejection::forbidden(RejectionKind::AccessDenied))
            }
        }
    }
}

/// Whether the request is addressed to the function URL: the absolute-form authority if
/// there is one, else the one `Host` header, equals the function host (ASCII
/// case-insensitively). No `Host`, or several, names no function URL.
fn names_function_host(app: &App, request: &Buffered) -> bool {
    let host = match &request.authority {
        Some(authority) => authority.as_bytes(),
        None => match header_values(&request.headers, "host").as_slice() {
            [host] => host,
            _ => return false,
        },
    };
    host.eq_ignore_ascii_case(app.function_host.as_bytes())
}

/// Resource policy (and implicit identity policy) check for a verified caller.
fn authorized(app: &App, caller: &CallerIdentity) -> bool {
    let principal = match &caller.service_principal {
        Some(service) => {
            if caller.source_arn.is_none() {
                return false;
            }
            RequestPrincipal::Service(service)
        }
        None => RequestPrincipal::Aws {
            arn: &caller.user_arn,
            account: &caller.account_id,
        },
    };
    // An identity in the function's own account is allowed by its identity
    // policy (the emulator assumes one that allows invoking); anyone else
    // needs the resource policy.
    let identity_allows =
        caller.service_principal.is_none() && caller.account_id == app.function_account;
    let mut actions = vec!["lambda:InvokeFunctionUrl"];
    if app.require_invoke_function {
        actions.push("lambda:InvokeFunction");
    }
    actions.into_iter().all(|action| {
        let request = PolicyRequest {
            principal: principal.clone(),
            action,
            resource: &app.function_arn,
            source_arn: caller.source_arn.as_deref(),
            source_account: caller.source_account.as_deref(),
            auth_type: app.auth_type.as_str(),
            invoked_via_function_url: true,
        };
        match app.policy.evaluate(&request) {
            Decision::Allow => true,
            Decision::Deny => false,
            Decision::NotApplicable => identity_allows,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(effective_size(3, false), 4);
        assert_eq!(effective_size(4, false), 8);
        assert_eq!(effective_size(4, true), 4);
        assert_eq!(effective_size(0, false), 0);
    }
}
