//! tower layers: IAM signing and CloudFront OAC hash-only, around any
//! `tower::Service<http::Request<B>>` (hyper-util's client, a tonic channel, a test double).

mod body_impls;

pub use crate::integration::{Diagnosis, SkewCorrection};
pub use http_body;
pub use tower_layer;
pub use tower_service;

use crate::integration::{body_hash, AfterBody, AfterResponse, Attempt, ClockOffset};
use crate::limit::{declare_length, refuse_body_on_get_or_head};
use crate::{Error, PayloadHash, Signer};
use crate::{PayloadLimit, SignableBody};
use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use http_body_util::BodyExt as _;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tower_layer::Layer;
use tower_service::Service;

const X_AMZ_CONTENT_SHA256: &str = "x-amz-content-sha256";

/// What the tower layers' services fail with: this crate's [`Error`] before anything was sent,
/// the inner service's error, or a failure reading a 403's body for clock-skew detection.
///
/// Get the crate's error back with [`LayerError::signing_error`] (or a `match`); a retry policy
/// outside the layer matches on [`LayerError::Inner`] to retry transport failures only.
///
/// ```
/// use lambda_url_signer::Error;
/// use lambda_url_signer::tower::LayerError;
///
/// let error: LayerError<std::io::Error> = LayerError::Signing(Error::StreamingBody);
/// assert!(matches!(error.signing_error(), Some(Error::StreamingBody)));
/// assert!(error.to_string().contains("stream"));
/// let inner: LayerError<std::io::Error> = LayerError::Inner(std::io::ErrorKind::TimedOut.into());
/// assert!(inner.signing_error().is_none());
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum LayerError<E> {
    /// The request was not sent: hashing, the payload limit, credentials or signing failed.
    Signing(Error),
    /// The inner service failed.
    Inner(E),
    /// Reading the body of a possible clock-skew 403 failed (the inner body's error, boxed).
    ResponseBody(Box<dyn std::error::Error + Send + Sync>),
}

impl<E> LayerError<E> {
    /// The crate's error, if that is what this is.
    ///
    /// ```
    /// # use lambda_url_signer::Error;
    /// # use lambda_url_signer::tower::LayerError;
    /// let error: LayerError<()> = LayerError::Signing(Error::NoCredentials);
    /// assert!(error.signing_error().is_some());
    /// ```
    pub fn signing_error(&self) -> Option<&Error> {
        match self {
            LayerError::Signing(error) => Some(error),
            _ => None,
        }
    }
}

impl<E: fmt::Display> fmt::Display for LayerError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LayerError::Signing(error) => fmt::Display::fmt(error, f),
            LayerError::Inner(error) => fmt::Display::fmt(error, f),
            LayerError::ResponseBody(_) => f.write_str("reading the response body failed"),
        }
    }
}

impl<E: std::error::Error + 'static> std::error::Error for LayerError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LayerError::Signing(error) => error.source(),
            LayerError::Inner(error) => error.source(),
            LayerError::ResponseBody(error) => Some(error.as_ref()),
        }
    }
}

/// IAM mode for tower: a [`Layer`] that signs every request with a [`Signer`], for any inner
/// `Service<http::Request<B>>` whose body `B` is a [`SignableBody`]; the inner service receives
/// the same body type.
///
/// The rules are [`SigningMiddleware`](crate::middleware::SigningMiddleware)'s:
///
/// - **Body hash**: a [`PayloadHash`] in the request's extensions if present (the body, even a
///   stream, is not read); else the bytes of a buffered body, checked against the
///   [`PayloadLimit`] as Lambda counts it; else [`Error::StreamingBody`], before sending.
/// - **Retries**: put a retry layer *outside* this one (`ServiceBuilder::new().retry(…)` before
///   `.layer(SigningLayer::new(…))`): each attempt then reaches this layer and gets a fresh
///   date and signature (stale signing headers are replaced). A retry layer inside replays one
///   signature. A tower retry layer hands every attempt a fresh copy of the request, so a
///   buffered body is hashed again per attempt; declare a [`PayloadHash`] extension to hash
///   it once.
/// - **Clock skew**: a 403 "Signature expired" whose `Date` is within the [`SkewCorrection`]
///   bound teaches the layer the server's clock; it re-signs and re-sends once (bodies that
///   [`SignableBody::try_clone`]) and keeps the offset for later requests. To read that 403,
///   the response body is [`SigningResponseBody`], which passes the inner body through.
/// - **Logs**: `tracing` at debug level (method, host, region, signed header names), never a
///   secret key, session token or signature.
///
/// The service's error is [`LayerError`]: the crate's error before sending, or the inner
/// service's. Signing needs the credentials cache (which may refresh asynchronously), so the
/// future is boxed.
///
/// ```no_run
/// use bytes::Bytes;
/// use http_body_util::{BodyExt as _, Full};
/// use hyper_util::client::legacy::Client;
/// use hyper_util::rt::TokioExecutor;
/// use lambda_url_signer::{Credentials, FunctionUrl, Signer};
/// use lambda_url_signer::tower::SigningLayer;
/// use tower::{Service as _, ServiceBuilder, ServiceExt as _};
///
/// # #[tokio::main] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let url = FunctionUrl::parse("https://abc123.lambda-url.eu-central-1.on.aws/")?;
/// let credentials = Credentials::new("AKIDEXAMPLE", "secret", None, None, "example");
/// let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
/// let mut service = ServiceBuilder::new()
///     .layer(SigningLayer::new(Signer::for_url(&url, credentials)))
///     .service(client);
/// let request = http::Request::post(url.as_str()).body(Full::new(Bytes::from("hello")))?;
/// let response = service.ready().await?.call(request).await?;
/// let body = response.into_body().collect().await?.to_bytes();
/// # let _ = body; Ok(()) }
/// ```
#[derive(Clone)]
pub struct SigningLayer {
    signer: Signer,
    limit: PayloadLimit,
    skew: SkewCorrection,
}

impl SigningLayer {
    /// IAM signing with `signer`, the default payload limit and skew correction on.
    ///
    /// ```
    /// # use lambda_url_signer::Signer;
    /// # use lambda_url_signer::tower::SigningLayer;
    /// let layer = SigningLayer::new(Signer::builder().region("eu-central-1").build()?);
    /// # let _ = layer;
    /// # Ok::<(), lambda_url_signer::Error>(())
    /// ```
    pub fn new(signer: Signer) -> Self {
        SigningLayer {
            signer,
            limit: PayloadLimit::default(),
            skew: SkewCorrection::default(),
        }
    }

    /// Sets the body size check.
    ///
    /// ```
    /// # use lambda_url_signer::{PayloadLimit, Signer};
    /// # use lambda_url_signer::tower::SigningLayer;
    /// let layer = SigningLayer::new(Signer::builder().build()?).payload_limit(PayloadLimit::Unlimited);
    /// # let _ = layer;
    /// # Ok::<(), lambda_url_signer::Error>(())
    /// ```
    #[must_use]
    pub fn payload_limit(mut self, limit: PayloadLimit) -> Self {
        self.limit = limit;
        self
    }

    /// Sets the clock-skew behaviour.
    ///
    /// ```
    /// # use lambda_url_signer::Signer;
    /// # use lambda_url_signer::tower::{SigningLayer, SkewCorrection};
    /// let layer = SigningLayer::new(Signer::builder().build()?).skew_correction(SkewCorrection::disabled());
    /// # let _ = layer;
    /// # Ok::<(), lambda_url_signer::Error>(())
    /// ```
    #[must_use]
    pub fn skew_correction(mut self, skew: SkewCorrection) -> Self {
        self.skew = skew;
        self
    }
}

impl fmt::Debug for SigningLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningLayer")
            .field("signer", &self.signer)
            .field("payload_limit", &self.limit)
            .field("skew_correction", &self.skew)
            .finish()
    }
}

impl<S> Layer<S> for SigningLayer {
    type Service = SigningService<S>;

    fn layer(&self, inner: S) -> SigningService<S> {
        SigningService {
            inner,
            signer: self.signer.clone(),
            limit: self.limit,
            skew: self.skew,
            offset: Arc::default(),
        }
    }
}

/// The service [`SigningLayer`] wraps around `S`. Clones share the learned clock offset.
///
/// ```
/// use lambda_url_signer::Signer;
/// use lambda_url_signer::tower::SigningService;
///
/// let inner = tower::service_fn(|_request: http::Request<String>| async {
///     Ok::<_, std::convert::Infallible>(http::Response::new(String::new()))
/// });
/// let service = SigningService::new(inner, Signer::builder().build()?);
/// assert_eq!(service.clock_offset_secs(), 0);
/// # Ok::<(), lambda_url_signer::Error>(())
/// ```
#[derive(Clone)]
pub struct SigningService<S> {
    inner: S,
    signer: Signer,
    limit: PayloadLimit,
    skew: SkewCorrection,
    offset: Arc<ClockOffset>,
}

impl<S> SigningService<S> {
    /// `SigningLayer::new(signer).layer(inner)`.
    ///
    /// ```
    /// # use lambda_url_signer::Signer;
    /// # use lambda_url_signer::tower::SigningService;
    /// # let inner = tower::service_fn(|_r: http::Request<String>| async {
    /// #     Ok::<_, std::convert::Infallible>(http::Response::new(String::new()))
    /// # });
    /// let service = SigningService::new(inner, Signer::builder().build()?);
    /// # let _ = service;
    /// # Ok::<(), lambda_url_signer::Error>(())
    /// ```
    pub fn new(inner: S, signer: Signer) -> Self {
        SigningLayer::new(signer).layer(inner)
    }

    /// The clock offset currently applied (server time minus local time), zero when the
    /// clocks agree.
    ///
    /// ```
    /// # use lambda_url_signer::Signer;
    /// # use lambda_url_signer::tower::SigningService;
    /// # let inner = tower::service_fn(|_r: http::Request<String>| async {
    /// #     Ok::<_, std::convert::Infallible>(http::Response::new(String::new()))
    /// # });
    /// let service = SigningService::new(inner, Signer::builder().build()?);
    /// assert_eq!(service.clock_offset_secs(), 0);
    /// # Ok::<(), lambda_url_signer::Error>(())
    /// ```
    pub fn clock_offset_secs(&self) -> i64 {
        self.offset.secs()
    }

    /// The wrapped service.
    ///
    /// ```
    /// # use lambda_url_signer::Signer;
    /// # use lambda_url_signer::tower::SigningService;
    /// # let inner = tower::service_fn(|_r: http::Request<String>| async {
    /// #     Ok::<_, std::convert::Infallible>(http::Response::new(String::new()))
    /// # });
    /// let service = SigningService::new(inner, Signer::builder().build()?);
    /// let _inner = service.get_ref();
    /// # Ok::<(), lambda_url_signer::Error>(())
    /// ```
    pub fn get_ref(&self) -> &S {
        &self.inner
    }
}

impl<S> fmt::Debug for SigningService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningService")
            .field("signer", &self.signer)
            .field("payload_limit", &self.limit)
            .field("skew_correction", &self.skew)
            .field("clock_offset_secs", &self.clock_offset_secs())
            .finish_non_exhaustive()
    }
}

/// The future of [`SigningService`].
type SigningFuture<ResB, E> = Pin<
    Box<
        dyn Future<Output = Result<http::Response<SigningResponseBody<ResB>>, LayerError<E>>>
            + Send,
    >,
>;

impl<S, B, ResB> Service<http::Request<B>> for SigningService<S>
where
    S: Service<http::Request<B>, Response = http::Response<ResB>> + Clone + Send + 'static,
    S::Future: Send,
    S::Error: Send,
    B: SignableBody + Send + 'static,
    ResB: Body + Send + 'static,
    ResB::Data: From<Bytes> + Send,
    ResB::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Response = http::Response<SigningResponseBody<ResB>>;
    type Error = LayerError<S::Error>;
    type Future = SigningFuture<ResB, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(LayerError::Inner)
    }

    fn call(&mut self, mut request: http::Request<B>) -> Self::Future {
        // The clone takes the place of the service that was polled ready, which this call uses.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let (signer, limit, skew) = (self.signer.clone(), self.limit, self.skew);
        let offset = Arc::clone(&self.offset);
        Box::pin(async move {
            let hash = request_hash(&mut request, limit).map_err(LayerError::Signing)?;
            let authority = request.uri().authority().cloned();
            let host = authority.as_ref().map_or("", http::uri::Authority::as_str);
            let attempt = Attempt::new(&signer, &offset, skew, host);
            let retry = if attempt.wants_retry_copy() {
                try_clone_request(&request)
            } else {
                None
            };
            sign(&attempt, &mut request, &hash)
                .await
                .map_err(LayerError::Signing)?;
            let response = inner.call(request).await.map_err(LayerError::Inner)?;
            let status = response.status().as_u16();
            if attempt.after_response(status, response.headers()) == AfterResponse::Return {
                return Ok(response.map(SigningResponseBody::passed));
            }
            let (parts, body) = response.into_parts();
            let bytes = body
                .collect()
                .await
                .map_err(|e| LayerError::ResponseBody(e.into()))?
                .to_bytes();
            let verdict = attempt.after_body(status, &parts.headers, &bytes, retry.is_some());
            let (AfterBody::Resend, Some(mut retry)) = (verdict, retry) else {
                return Ok(http::Response::from_parts(
                    parts,
                    SigningResponseBody::read(bytes),
                ));
            };
            sign(&attempt, &mut retry, &hash)
                .await
                .map_err(LayerError::Signing)?;
            std::future::poll_fn(|cx| inner.poll_ready(cx))
                .await
                .map_err(LayerError::Inner)?;
            let response = inner.call(retry).await.map_err(LayerError::Inner)?;
            Ok(response.map(SigningResponseBody::passed))
        })
    }
}

/// Signs `request` by the attempt's protocol (at the skew-corrected time).
async fn sign<B: SignableBody>(
    attempt: &Attempt<'_>,
    request: &mut http::Request<B>,
    hash: &PayloadHash,
) -> Result<(), Error> {
    let signer = attempt.signer();
    attempt
        .sign(|credentials, time| signer.sign_at(request, hash, credentials, time))
        .await
}

/// The request again, for the one re-sent attempt, if its body can be copied.
fn try_clone_request<B: SignableBody>(request: &http::Request<B>) -> Option<http::Request<B>> {
    let body = request.body().try_clone()?;
    let mut copy = http::Request::new(body);
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.version_mut() = request.version();
    *copy.headers_mut() = request.headers().clone();
    *copy.extensions_mut() = request.extensions().clone();
    Some(copy)
}

/// The body hash by the one rule ([`body_hash`]), kept in the request's extensions for retries;
/// a streamed body's `Content-Length` is set from its declared hash when the request has none.
fn request_hash<B: SignableBody>(
    request: &mut http::Request<B>,
    limit: PayloadLimit,
) -> Result<PayloadHash, Error> {
    let mut extensions = std::mem::take(request.extensions_mut());
    let bytes = request.body().buffered_bytes();
    let hash = body_hash(
        bytes.as_ref().map(AsRef::as_ref),
        request.headers(),
        &mut extensions,
        limit,
    );
    let streamed = bytes.is_none();
    drop(bytes);
    *request.extensions_mut() = extensions;
    if streamed {
        if let Ok(hash) = &hash {
            declare_length(request.headers_mut(), hash);
        }
    }
    hash
}

pin_project_lite::pin_project! {
    /// The response body of [`SigningService`]: the inner service's body, passed through
    /// frame by frame, or — for a 403 whose body the layer read to look for a clock-skew
    /// rejection — those bytes.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use http_body::Body as _;
    /// use lambda_url_signer::tower::SigningResponseBody;
    ///
    /// fn check(body: &SigningResponseBody<http_body_util::Full<Bytes>>) -> bool {
    ///     body.is_end_stream()
    /// }
    /// # let _ = check;
    /// ```
    pub struct SigningResponseBody<B> {
        #[pin]
        state: ResponseState<B>,
    }
}

pin_project_lite::pin_project! {
    #[project = ResponseStateProj]
    enum ResponseState<B> {
        Inner { #[pin] body: B },
        Read { bytes: Option<Bytes> },
    }
}

impl<B> SigningResponseBody<B> {
    fn passed(body: B) -> Self {
        SigningResponseBody {
            state: ResponseState::Inner { body },
        }
    }

    fn read(bytes: Bytes) -> Self {
        SigningResponseBody {
            state: ResponseState::Read {
                bytes: (!bytes.is_empty()).then_some(bytes),
            },
        }
    }
}

impl<B> fmt::Debug for SigningResponseBody<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match &self.state {
            ResponseState::Inner { .. } => "inner",
            ResponseState::Read { .. } => "read",
        };
        f.debug_struct("SigningResponseBody")
            .field("state", &state)
            .finish()
    }
}

impl<B> Body for SigningResponseBody<B>
where
    B: Body,
    B::Data: From<Bytes>,
{
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<B::Data>, B::Error>>> {
        match self.project().state.project() {
            ResponseStateProj::Inner { body } => body.poll_frame(cx),
            ResponseStateProj::Read { bytes } => {
                Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b.into()))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.state {
            ResponseState::Inner { body } => body.is_end_stream(),
            ResponseState::Read { bytes } => bytes.is_none(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.state {
            ResponseState::Inner { body } => body.size_hint(),
            ResponseState::Read { bytes } => {
                SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64))
            }
        }
    }
}

/// CloudFront OAC mode for tower: a [`Layer`] that adds only `x-amz-content-sha256` (the hash
/// of the exact body bytes, the empty-body hash for none) and needs no credentials; CloudFront
/// signs the origin request with it. The rules are [`OacMiddleware`](crate::middleware::OacMiddleware)'s:
/// the body hash as for [`SigningLayer`], and a GET or HEAD with a body fails with
/// [`Error::BodyNotAllowed`] before sending (CloudFront answers those with 403).
///
/// The inner service's response passes through unchanged; the error is [`LayerError`]. No
/// boxing: the service forwards the inner future.
///
/// ```no_run
/// use bytes::Bytes;
/// use http_body_util::Full;
/// use hyper_util::client::legacy::Client;
/// use hyper_util::rt::TokioExecutor;
/// use lambda_url_signer::tower::OacLayer;
/// use tower::{Service as _, ServiceBuilder, ServiceExt as _};
///
/// # #[tokio::main] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
/// let mut service = ServiceBuilder::new().layer(OacLayer::new()).service(client);
/// let request = http::Request::post("http://d111111abcdef8.cloudfront.net/api")
///     .body(Full::new(Bytes::from("{\"id\":1}")))?;
/// let response = service.ready().await?.call(request).await?;
/// # let _ = response; Ok(()) }
/// ```
#[derive(Clone, Debug, Default)]
pub struct OacLayer {
    limit: PayloadLimit,
}

impl OacLayer {
    /// The OAC hash-only layer with the default payload limit.
    ///
    /// ```
    /// # use lambda_url_signer::tower::OacLayer;
    /// let layer = OacLayer::new();
    /// # let _ = layer;
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the body size check.
    ///
    /// ```
    /// # use lambda_url_signer::PayloadLimit;
    /// # use lambda_url_signer::tower::OacLayer;
    /// let layer = OacLayer::new().payload_limit(PayloadLimit::Bytes(1 << 20));
    /// # let _ = layer;
    /// ```
    #[must_use]
    pub fn payload_limit(mut self, limit: PayloadLimit) -> Self {
        self.limit = limit;
        self
    }
}

impl<S> Layer<S> for OacLayer {
    type Service = OacService<S>;

    fn layer(&self, inner: S) -> OacService<S> {
        OacService {
            inner,
            limit: self.limit,
        }
    }
}

/// The service [`OacLayer`] wraps around `S`.
///
/// ```
/// use lambda_url_signer::tower::OacService;
///
/// let inner = tower::service_fn(|_request: http::Request<String>| async {
///     Ok::<_, std::convert::Infallible>(http::Response::new(String::new()))
/// });
/// let service = OacService::new(inner);
/// # let _ = service;
/// ```
#[derive(Clone, Debug)]
pub struct OacService<S> {
    inner: S,
    limit: PayloadLimit,
}

impl<S> OacService<S> {
    /// `OacLayer::new().layer(inner)`.
    ///
    /// ```
    /// # use lambda_url_signer::tower::OacService;
    /// # let inner = tower::service_fn(|_r: http::Request<String>| async {
    /// #     Ok::<_, std::convert::Infallible>(http::Response::new(String::new()))
    /// # });
    /// let service = OacService::new(inner);
    /// # let _ = service;
    /// ```
    pub fn new(inner: S) -> Self {
        OacLayer::new().layer(inner)
    }

    /// The wrapped service.
    ///
    /// ```
    /// # use lambda_url_signer::tower::OacService;
    /// # let inner = tower::service_fn(|_r: http::Request<String>| async {
    /// #     Ok::<_, std::convert::Infallible>(http::Response::new(String::new()))
    /// # });
    /// let service = OacService::new(inner);
    /// let _inner = service.get_ref();
    /// ```
    pub fn get_ref(&self) -> &S {
        &self.inner
    }
}

impl<S, B> Service<http::Request<B>> for OacService<S>
where
    S: Service<http::Request<B>>,
    B: SignableBody,
{
    type Response = S::Response;
    type Error = LayerError<S::Error>;
    type Future = OacFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(LayerError::Inner)
    }

    fn call(&mut self, mut request: http::Request<B>) -> Self::Future {
        let checked = refuse_body(&request).and_then(|()| request_hash(&mut request, self.limit));
        match checked {
            Ok(hash) => {
                request
                    .headers_mut()
                    .insert(X_AMZ_CONTENT_SHA256, hash.to_header_value());
                tracing::debug!(
                    method = %request.method(),
                    host = request.uri().host().unwrap_or(""),
                    "added x-amz-content-sha256 for cloudfront oac"
                );
                OacFuture {
                    state: OacState::Inner {
                        future: self.inner.call(request),
                    },
                }
            }
            Err(error) => OacFuture {
                state: OacState::Refused { error: Some(error) },
            },
        }
    }
}

/// [`refuse_body_on_get_or_head`] for a tower request.
fn refuse_body<B: SignableBody>(request: &http::Request<B>) -> Result<(), Error> {
    let bytes = request.body().buffered_bytes();
    refuse_body_on_get_or_head(
        request.method(),
        bytes.as_ref().map(AsRef::as_ref),
        request.extensions().get::<PayloadHash>(),
    )
}

pin_project_lite::pin_project! {
    /// The future of [`OacService`]: the inner service's future, or the crate's error when the
    /// request was refused before sending.
    ///
    /// ```
    /// use lambda_url_signer::Error;
    /// use lambda_url_signer::tower::{LayerError, OacService};
    /// use tower::{Service as _, ServiceExt as _};
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let inner = tower::service_fn(|_r: http::Request<String>| async {
    ///     Ok::<_, std::convert::Infallible>(http::Response::new(String::new()))
    /// });
    /// let mut service = OacService::new(inner);
    /// let get_with_body = http::Request::get("https://example.com/").body("x".to_owned())?;
    /// let future: lambda_url_signer::tower::OacFuture<_> = service.ready().await?.call(get_with_body);
    /// assert!(matches!(future.await, Err(LayerError::Signing(Error::BodyNotAllowed { .. }))));
    /// # Ok(()) }
    /// ```
    pub struct OacFuture<F> {
        #[pin]
        state: OacState<F>,
    }
}

pin_project_lite::pin_project! {
    #[project = OacStateProj]
    enum OacState<F> {
        Inner { #[pin] future: F },
        Refused { error: Option<Error> },
    }
}

impl<F> fmt::Debug for OacFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OacFuture").finish_non_exhaustive()
    }
}

impl<F, T, E> Future for OacFuture<F>
where
    F: Future<Output = Result<T, E>>,
{
    type Output = Result<T, LayerError<E>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            OacStateProj::Inner { future } => future.poll(cx).map_err(LayerError::Inner),
            // Polled again after it completed: it never completes again.
            OacStateProj::Refused { error } => match error.take() {
                Some(error) => Poll::Ready(Err(LayerError::Signing(error))),
                None => Poll::Pending,
            },
        }
    }
}
