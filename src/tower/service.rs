//! The services the layers make: each carries out the shared attempt protocol
//! (`crate::integration::attempt`) or, for OAC, only adds `x-amz-content-sha256`.

const X_AMZ_CONTENT_SHA256: &str = "x-amz-content-sha256";
use super::future::OacState;
use super::{LayerError, OacFuture, OacLayer, SigningFuture, SigningLayer, SigningResponseBody};
use crate::integration::{
    body_hash, error_type, AfterBody, AfterResponse, Attempt, ClockOffset, Diagnosis,
    SkewCorrection,
};
use crate::limit::{declare_length, refuse_body_on_get_or_head};
use crate::{Error, PayloadHash, PayloadLimit, SignableBody, Signer};
use bytes::Bytes;
use http_body::Body;
use http_body_util::BodyExt as _;
use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};
use tower_layer::Layer;
use tower_service::Service;
/// The service [`SigningLayer`](crate::tower::SigningLayer) wraps around `S`. Clones share the learned clock offset.
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
    pub(super) inner: S,
    pub(super) signer: Signer,
    pub(super) limit: PayloadLimit,
    pub(super) skew: SkewCorrection,
    pub(super) offset: Arc<ClockOffset>,
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
                return diagnosed(response).await;
            }
            let (parts, body) = response.into_parts();
            let bytes = body
                .collect()
                .await
                .map_err(|e| LayerError::ResponseBody(e.into()))?
                .to_bytes();
            let verdict = attempt.after_body(status, &parts.headers, &bytes, retry.is_some());
            let (AfterBody::Resend, Some(mut retry)) = (verdict, retry) else {
                return Ok(with_diagnosis(parts, bytes));
            };
            sign(&attempt, &mut retry, &hash)
                .await
                .map_err(LayerError::Signing)?;
            std::future::poll_fn(|cx| inner.poll_ready(cx))
                .await
                .map_err(LayerError::Inner)?;
            let response = inner.call(retry).await.map_err(LayerError::Inner)?;
            diagnosed(response).await
        })
    }
}

/// An error response with its [`Diagnosis`] as a response extension, as the reqwest middlewares
/// do: Lambda's own answers (with `x-amzn-ErrorType`, small JSON) are read and passed on as the
/// bytes read; the function's own error answers get [`Diagnosis::FromFunction`] unread.
async fn diagnosed<ResB, E>(
    response: http::Response<ResB>,
) -> Result<http::Response<SigningResponseBody<ResB>>, LayerError<E>>
where
    ResB: Body,
    ResB::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let status = response.status().as_u16();
    if status < 400 {
        return Ok(response.map(SigningResponseBody::passed));
    }
    if error_type(response.headers()).is_none() {
        let mut response = response.map(SigningResponseBody::passed);
        response
            .extensions_mut()
            .insert(Diagnosis::FromFunction { status });
        return Ok(response);
    }
    let (parts, body) = response.into_parts();
    let bytes = body
        .collect()
        .await
        .map_err(|e| LayerError::ResponseBody(e.into()))?
        .to_bytes();
    Ok(with_diagnosis(parts, bytes))
}

/// A response read into `bytes`, with its [`Diagnosis`] (if an error) as an extension.
fn with_diagnosis<ResB>(
    mut parts: http::response::Parts,
    bytes: Bytes,
) -> http::Response<SigningResponseBody<ResB>> {
    if let Some(diagnosis) =
        Diagnosis::from_response_parts(parts.status.as_u16(), &parts.headers, &bytes)
    {
        parts.extensions.insert(diagnosis);
    }
    http::Response::from_parts(parts, SigningResponseBody::read(bytes))
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

/// The service [`OacLayer`](crate::tower::OacLayer) wraps around `S`.
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
    pub(super) inner: S,
    pub(super) limit: PayloadLimit,
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
