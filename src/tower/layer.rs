//! The two layers: [`SigningLayer`](crate::tower::SigningLayer) (IAM) and [`OacLayer`](crate::tower::OacLayer) (CloudFront OAC hash-only).

use super::{OacService, SigningService};
use crate::integration::SkewCorrection;
use crate::{PayloadLimit, Signer};
use std::fmt;
use std::sync::Arc;
use tower_layer::Layer;
/// IAM mode for tower: a [`Layer`](tower_layer::Layer) that signs every request with a [`Signer`](crate::Signer), for any inner
/// `Service<http::Request<B>>` whose body `B` is a [`SignableBody`](crate::SignableBody); the inner service receives
/// the same body type.
///
/// The rules are [`SigningMiddleware`](crate::middleware::SigningMiddleware)'s:
///
/// - **Body hash**: a [`PayloadHash`](crate::PayloadHash) in the request's extensions if present (the body, even a
///   stream, is not read); else the bytes of a buffered body, checked against the
///   [`PayloadLimit`](crate::PayloadLimit) as Lambda counts it; else [`Error::StreamingBody`](crate::Error::StreamingBody), before sending.
/// - **Retries**: put a retry layer *outside* this one (`ServiceBuilder::new().retry(…)` before
///   `.layer(SigningLayer::new(…))`): each attempt then reaches this layer and gets a fresh
///   date and signature (stale signing headers are replaced). A retry layer inside replays one
///   signature. A tower retry layer hands every attempt a fresh copy of the request, so a
///   buffered body is hashed again per attempt; declare a [`PayloadHash`](crate::PayloadHash) extension to hash
///   it once.
/// - **Clock skew**: a 403 "Signature expired" whose `Date` is within the [`SkewCorrection`](crate::tower::SkewCorrection)
///   bound teaches the layer the server's clock; it re-signs and re-sends once (bodies that
///   [`SignableBody::try_clone`](crate::SignableBody::try_clone)) and keeps the offset for later requests. To read that 403,
///   the response body is [`SigningResponseBody`](crate::tower::SigningResponseBody), which passes the inner body through.
/// - **Logs**: `tracing` at debug level (method, host, region, signed header names), never a
///   secret key, session token or signature.
///
/// The service's error is [`LayerError`](crate::tower::LayerError): the crate's error before sending, or the inner
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
    pub(super) signer: Signer,
    pub(super) limit: PayloadLimit,
    pub(super) skew: SkewCorrection,
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

/// CloudFront OAC mode for tower: a [`Layer`](tower_layer::Layer) that adds only `x-amz-content-sha256` (the hash
/// of the exact body bytes, the empty-body hash for none) and needs no credentials; CloudFront
/// signs the origin request with it. The rules are [`OacMiddleware`](crate::middleware::OacMiddleware)'s:
/// the body hash as for [`SigningLayer`](crate::tower::SigningLayer), and a GET or HEAD with a body fails with
/// [`Error::BodyNotAllowed`](crate::Error::BodyNotAllowed) before sending (CloudFront answers those with 403).
///
/// The inner service's response passes through unchanged; the error is [`LayerError`](crate::tower::LayerError). No
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
    pub(super) limit: PayloadLimit,
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
