//! Configuring an emulator ([`EmulatorBuilder`], [`AuthType`], the defaults) and starting it:
//! the configuration is checked, the listeners bound and the accept loops spawned.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;

use super::connection::{accept_loop, bind, local_addr, Endpoint};
use super::{lock, App, Emulator, Handler, StreamSlots};
use crate::arn::function_arn_account;
use crate::cloudfront::{CloudFrontConfig, Distribution};
use crate::edge::OriginRequestTrigger;
use crate::error::EmulatorError;
use crate::event::{echo_handler, HandlerResponse, InvokeEvent, StreamingResponse};
use crate::identity::EmulatorIdentity;
use crate::policy::ResourcePolicy;
use crate::tls::Tls;
use crate::verify::Verifier;

/// The default payload limit: 6 MB (6,291,456 bytes), as for buffered
/// Lambda invocations.
///
/// ```
/// assert_eq!(lambda_url_emulator::DEFAULT_MAX_PAYLOAD_BYTES, 6 * 1024 * 1024);
/// ```
pub const DEFAULT_MAX_PAYLOAD_BYTES: usize = 6_291_456;

/// The default number of requests [`Emulator::received`] keeps: the last 1,000.
///
/// ```
/// assert_eq!(lambda_url_emulator::DEFAULT_RECORD_LIMIT, 1_000);
/// ```
pub const DEFAULT_RECORD_LIMIT: usize = 1_000;

/// The default number of body bytes kept in each [`ReceivedRequest`](crate::ReceivedRequest):
/// 1 MiB (1,048,576 bytes).
///
/// ```
/// assert_eq!(lambda_url_emulator::DEFAULT_RECORD_BODY_LIMIT, 1024 * 1024);
/// ```
pub const DEFAULT_RECORD_BODY_LIMIT: usize = 1_048_576;

/// The default number of connections each endpoint serves at once: 512 (as the sidecar's
/// `--max-connections`), twice the concurrency of the repository's load test.
///
/// ```
/// assert_eq!(lambda_url_emulator::DEFAULT_MAX_CONNECTIONS, 4096);
/// ```
pub const DEFAULT_MAX_CONNECTIONS: usize = 4096;

/// The default longest pause between two pieces of a request body: 10 seconds.
///
/// ```
/// # use std::time::Duration;
/// assert_eq!(lambda_url_emulator::DEFAULT_BODY_IDLE_TIMEOUT, Duration::from_secs(10));
/// ```
pub const DEFAULT_BODY_IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// The default longest time a whole request body may take to arrive: 60 seconds.
///
/// ```
/// # use std::time::Duration;
/// assert_eq!(lambda_url_emulator::DEFAULT_BODY_TIMEOUT, Duration::from_secs(60));
/// ```
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(60);

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
    pub(super) fn as_str(self) -> &'static str {
        match self {
            AuthType::AwsIam => "AWS_IAM",
            AuthType::None => "NONE",
        }
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
    record_limit: usize,
    record_body_limit: usize,
    max_connections: usize,
    body_idle_timeout: Duration,
    body_timeout: Duration,
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
            .field("record_limit", &self.record_limit)
            .field("record_body_limit", &self.record_body_limit)
            .field("max_connections", &self.max_connections)
            .field("body_idle_timeout", &self.body_idle_timeout)
            .field("body_timeout", &self.body_timeout)
            .finish_non_exhaustive()
    }
}

impl EmulatorBuilder {
    pub(super) fn new() -> Self {
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
            record_limit: DEFAULT_RECORD_LIMIT,
            record_body_limit: DEFAULT_RECORD_BODY_LIMIT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            body_idle_timeout: DEFAULT_BODY_IDLE_TIMEOUT,
            body_timeout: DEFAULT_BODY_TIMEOUT,
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

    /// How many requests [`Emulator::received`] keeps (default [`DEFAULT_RECORD_LIMIT`],
    /// 1,000): the record is a ring, and once it is full each new request pushes out the
    /// oldest. `0` records nothing.
    ///
    /// The record holds at most `limit` × ([`record_body_limit`](Self::record_body_limit) +
    /// the request head, which hyper caps at about 400 KiB) bytes.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::Emulator;
    /// let builder = Emulator::builder().region("us-east-1").record_limit(10);
    /// # let _ = builder;
    /// ```
    pub fn record_limit(mut self, limit: usize) -> Self {
        self.record_limit = limit;
        self
    }

    /// How many body bytes each [`ReceivedRequest`](crate::ReceivedRequest) keeps (default
    /// [`DEFAULT_RECORD_BODY_LIMIT`], 1 MiB). A longer body is recorded as its first `bytes`
    /// bytes, with its length in [`ReceivedRequest::body_len`](crate::ReceivedRequest::body_len)
    /// and [`ReceivedRequest::body_truncated`](crate::ReceivedRequest::body_truncated) set.
    /// Only the record is cut: the verifier and the function see the whole body.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::Emulator;
    /// let builder = Emulator::builder().region("us-east-1").record_body_limit(4096);
    /// # let _ = builder;
    /// ```
    pub fn record_body_limit(mut self, bytes: usize) -> Self {
        self.record_body_limit = bytes;
        self
    }

    /// How many connections each endpoint (the function URL, and the distribution) serves at
    /// once (default [`DEFAULT_MAX_CONNECTIONS`], 4,096; at least 1). Further connections wait
    /// in the listening socket's backlog until one ends; they are not refused. A kept-alive
    /// connection holds its slot while idle, until the client closes it or 30 seconds pass
    /// without a new request: give a client with a connection pool more slots than its pool.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::Emulator;
    /// let builder = Emulator::builder().region("us-east-1").max_connections(16);
    /// # let _ = builder;
    /// ```
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.max_connections = connections;
        self
    }

    /// The longest pause between two pieces of a request body (default
    /// [`DEFAULT_BODY_IDLE_TIMEOUT`], 10 s; more than zero). A client that pauses longer gets
    /// 408 and the connection is closed (see the
    /// [crate docs](crate#choices-where-aws-behaviour-is-not-published) for the answer).
    ///
    /// # Example
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use lambda_url_emulator::Emulator;
    /// let builder = Emulator::builder().region("us-east-1").body_idle_timeout(Duration::from_secs(1));
    /// # let _ = builder;
    /// ```
    pub fn body_idle_timeout(mut self, timeout: Duration) -> Self {
        self.body_idle_timeout = timeout;
        self
    }

    /// The longest time a whole request body may take, from its first byte to its last
    /// (default [`DEFAULT_BODY_TIMEOUT`], 60 s; more than zero). A body still arriving then
    /// gets 408 and the connection is closed, however steadily it trickles in.
    ///
    /// # Example
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use lambda_url_emulator::Emulator;
    /// let builder = Emulator::builder().region("us-east-1").body_timeout(Duration::from_secs(5));
    /// # let _ = builder;
    /// ```
    pub fn body_timeout(mut self, timeout: Duration) -> Self {
        self.body_timeout = timeout;
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
    /// [`function_host`](Self::function_host), `InvalidLimit` for a
    /// [`max_connections`](Self::max_connections), [`body_idle_timeout`](Self::body_idle_timeout)
    /// or [`body_timeout`](Self::body_timeout) of zero, `Bind` when a port cannot be bound, and
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
        for (setting, zero) in [
            ("max_connections", self.max_connections == 0),
            ("body_idle_timeout", self.body_idle_timeout.is_zero()),
            ("body_timeout", self.body_timeout.is_zero()),
        ] {
            if zero {
                return Err(EmulatorError::InvalidLimit { setting });
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
            received: Mutex::new(VecDeque::new()),
            record_limit: self.record_limit,
            record_body_limit: self.record_body_limit,
            max_connections: self.max_connections,
            body_idle_timeout: self.body_idle_timeout,
            body_timeout: self.body_timeout,
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
