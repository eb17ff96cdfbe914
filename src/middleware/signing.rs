//! The reqwest-middleware layers: [`SigningMiddleware`] (IAM) and [`OacMiddleware`] (CloudFront
//! OAC hash-only).

use crate::integration::{
    body_hash, error_type, AfterBody, AfterResponse, Attempt, ClockOffset, Diagnosis,
    SkewCorrection,
};
use crate::limit::{declare_length, refuse_body_on_get_or_head};
use crate::PayloadLimit;
use crate::{Error, PayloadHash, Signer};
use http::Extensions;
use reqwest::{Request, Response, ResponseBuilderExt};
use reqwest_middleware::{Middleware, Next};
use std::fmt;
use std::sync::Arc;

const X_AMZ_CONTENT_SHA256: &str = "x-amz-content-sha256";

/// IAM mode: signs every request passing through with a [`Signer`].
///
/// Attach it *after* `reqwest_retry::RetryTransientMiddleware` (retry first, signer second):
/// middleware runs in the order attached, so every retry attempt then passes through the
/// signer and gets a fresh date and signature, while the body hash, computed once per request,
/// is reused. In the other order the retry layer replays the first attempt's signature; that
/// works only while its `x-amz-date` is within Lambda's 5-minute window, and never recovers
/// from a skewed clock.
///
/// Build the client underneath from [`client_builder`](crate::reqwest::client_builder): reqwest follows
/// redirects by default, below this middleware, and would carry the signing headers to
/// wherever a redirect points. When a response shows that a redirect was followed anyway,
/// the middleware logs a warning (hosts only, never a header or query).
///
/// Bodies in memory (bytes, strings, JSON, forms) are hashed here. For a streaming body
/// (`reqwest::Body::wrap_stream`, a file), hash it yourself
/// ([`PayloadHash::from_async_reader`], [`PayloadHash::from_reader`]) and hand the hash over
/// as an extension with `RequestBuilder::with_extension(hash)`: the body then streams through
/// untouched. A streaming body without a hash fails with [`Error::StreamingBody`] before
/// anything is sent.
///
/// Errors reach the caller as `reqwest_middleware::Error::Middleware`; get the crate's
/// [`Error`] back with `downcast_ref`:
///
/// ```no_run
/// use lambda_url_signer::{Credentials, FunctionUrl, Signer};
/// use lambda_url_signer::middleware::SigningMiddleware;
/// use lambda_url_signer::reqwest::client_builder;
/// use reqwest_middleware::ClientBuilder;
///
/// # #[tokio::main] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let url = FunctionUrl::parse("https://abc123.lambda-url.eu-central-1.on.aws/")?;
/// let credentials = Credentials::new("AKID", "secret", None, None, "example");
/// let client = ClientBuilder::new(client_builder().build()?)
///     .with(SigningMiddleware::new(Signer::for_url(&url, credentials)))
///     .build();
/// match client.post(url.as_str()).body("hello").send().await {
///     Ok(response) => println!("{}", response.status()),
///     Err(reqwest_middleware::Error::Middleware(e)) => {
///         if let Some(e) = e.downcast_ref::<lambda_url_signer::Error>() {
///             eprintln!("signing failed: {e}");
///         }
///     }
///     Err(e) => eprintln!("{e}"),
/// }
/// # Ok(()) }
/// ```
///
/// A file, streamed with a precomputed hash. Its size is checked before sending: Lambda counts a
/// body that is not text (`application/octet-stream`, `application/gzip`, images, …) as its base64
/// size, so such uploads fit up to 4,718,592 bytes, not 6 MB:
///
/// ```no_run
/// # use lambda_url_signer::{Credentials, FunctionUrl, PayloadHash, Signer};
/// # use lambda_url_signer::middleware::SigningMiddleware;
/// # use lambda_url_signer::reqwest::client_builder;
/// # #[tokio::main] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let url = FunctionUrl::parse("https://abc123.lambda-url.eu-central-1.on.aws/")?;
/// # let credentials = Credentials::new("AKID", "secret", None, None, "example");
/// # let client = reqwest_middleware::ClientBuilder::new(client_builder().build()?)
/// #     .with(SigningMiddleware::new(Signer::for_url(&url, credentials))).build();
/// let hash = PayloadHash::from_async_reader(tokio::fs::File::open("upload.bin").await?).await?;
/// let file = tokio::fs::File::open("upload.bin").await?;
/// let body = reqwest::Body::from(file); // streamed, never buffered
/// let response = client.put(url.as_str()).with_extension(hash).body(body).send().await?;
/// # let _ = response; Ok(()) }
/// ```
#[derive(Clone)]
pub struct SigningMiddleware {
    signer: Signer,
    limit: PayloadLimit,
    skew: SkewCorrection,
    offset: Arc<ClockOffset>,
}

impl SigningMiddleware {
    /// IAM signing with `signer`, the default payload limit and skew correction on.
    ///
    /// ```
    /// # use lambda_url_signer::Signer;
    /// # use lambda_url_signer::middleware::SigningMiddleware;
    /// let mw = SigningMiddleware::new(Signer::builder().region("eu-central-1").build()?);
    /// # let _ = mw;
    /// # Ok::<(), lambda_url_signer::Error>(())
    /// ```
    pub fn new(signer: Signer) -> Self {
        SigningMiddleware {
            signer,
            limit: PayloadLimit::default(),
            skew: SkewCorrection::default(),
            offset: Arc::default(),
        }
    }

    /// Sets the body size check.
    ///
    /// ```
    /// # use lambda_url_signer::{PayloadLimit, Signer};
    /// # use lambda_url_signer::middleware::SigningMiddleware;
    /// let mw = SigningMiddleware::new(Signer::builder().build()?).payload_limit(PayloadLimit::Unlimited);
    /// # let _ = mw;
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
    /// # use lambda_url_signer::middleware::{SigningMiddleware, SkewCorrection};
    /// let mw = SigningMiddleware::new(Signer::builder().build()?).skew_correction(SkewCorrection::enabled());
    /// # let _ = mw;
    /// # Ok::<(), lambda_url_signer::Error>(())
    /// ```
    #[must_use]
    pub fn skew_correction(mut self, skew: SkewCorrection) -> Self {
        self.skew = skew;
        self
    }

    /// The clock offset currently applied (server time minus local time), zero when the
    /// clocks agree.
    ///
    /// ```
    /// # use lambda_url_signer::Signer;
    /// # use lambda_url_signer::middleware::SigningMiddleware;
    /// let mw = SigningMiddleware::new(Signer::builder().build()?);
    /// assert_eq!(mw.clock_offset_secs(), 0);
    /// # Ok::<(), lambda_url_signer::Error>(())
    /// ```
    pub fn clock_offset_secs(&self) -> i64 {
        self.offset.secs()
    }

    /// Reads a possible skew rejection (its body is small JSON) and resends the retry copy,
    /// re-signed, when the protocol says so; otherwise returns the response, rebuilt with the
    /// same status, headers, version, URL and body. The rare path: its future is boxed by the
    /// caller, out of every request's way.
    async fn after_rejection(
        &self,
        attempt: &Attempt<'_>,
        response: Response,
        retry: Option<Request>,
        hash: &PayloadHash,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<Response> {
        let status = response.status();
        let headers = response.headers().clone();
        let version = response.version();
        let url = response.url().clone();
        let body = response.bytes().await?;
        let verdict = attempt.after_body(status.as_u16(), &headers, &body, retry.is_some());
        if let (AfterBody::Resend, Some(mut retry)) = (verdict, retry) {
            sign(attempt, &mut retry, hash)
                .await
                .map_err(to_middleware)?;
            return next.run(retry, extensions).await;
        }
        Ok(rebuild(status, version, url, headers, body))
    }
}

/// Signs `request` by the attempt's protocol (at the skew-corrected time).
async fn sign(
    attempt: &Attempt<'_>,
    request: &mut Request,
    hash: &PayloadHash,
) -> Result<(), Error> {
    let signer = attempt.signer();
    attempt
        .sign(|credentials, time| signer.sign_at(request, hash, credentials, time))
        .await
}

impl fmt::Debug for SigningMiddleware {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningMiddleware")
            .field("signer", &self.signer)
            .field("payload_limit", &self.limit)
            .field("skew_correction", &self.skew)
            .field("clock_offset_secs", &self.clock_offset_secs())
            .finish()
    }
}

#[async_trait::async_trait]
impl Middleware for SigningMiddleware {
    async fn handle(
        &self,
        mut req: Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<Response> {
        let hash = request_hash(&mut req, extensions, self.limit).map_err(to_middleware)?;
        let sent_url = req.url().clone();
        let attempt = Attempt::new(&self.signer, &self.offset, self.skew, host(&sent_url));
        let retry = if attempt.wants_retry_copy() {
            req.try_clone()
        } else {
            None
        };
        sign(&attempt, &mut req, &hash)
            .await
            .map_err(to_middleware)?;
        let response = next.clone().run(req, extensions).await?;
        warn_if_redirected(&sent_url, &response);
        let response = match attempt.after_response(response.status().as_u16(), response.headers())
        {
            AfterResponse::Return => response,
            AfterResponse::ReadBody => {
                Box::pin(self.after_rejection(&attempt, response, retry, &hash, extensions, next))
                    .await?
            }
        };
        diagnosed(response).await
    }
}

/// The host and port of `url`, which a clock trust is kept for.
fn host(url: &reqwest::Url) -> &str {
    &url[url::Position::BeforeHost..url::Position::AfterPort]
}

/// CloudFront OAC mode: needs no credentials. Adds `x-amz-content-sha256` (the hash of the exact
/// body bytes, the empty-body hash when there is no body) to every request and leaves
/// `Authorization` alone; CloudFront signs the origin request with it. This is what makes
/// POST, PUT and PATCH through OAC work.
///
/// The body is hashed once per request, also across retries; a streaming body needs a
/// [`PayloadHash`] extension, as for [`SigningMiddleware`]. CloudFront answers 403 to a GET
/// or HEAD that carries a body, so such a request fails here with [`Error::BodyNotAllowed`]
/// before it is sent.
///
/// ```
/// use lambda_url_signer::middleware::OacMiddleware;
/// use lambda_url_signer::reqwest::client_builder;
/// use reqwest_middleware::ClientBuilder;
///
/// let client = ClientBuilder::new(client_builder().build()?)
///     .with(OacMiddleware::new())
///     .build();
/// # let _ = client;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct OacMiddleware {
    limit: PayloadLimit,
}

impl OacMiddleware {
    /// The OAC hash-only middleware with the default payload limit.
    ///
    /// ```
    /// # use lambda_url_signer::middleware::OacMiddleware;
    /// let mw = OacMiddleware::new();
    /// # let _ = mw;
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the body size check.
    ///
    /// ```
    /// # use lambda_url_signer::PayloadLimit;
    /// # use lambda_url_signer::middleware::OacMiddleware;
    /// let mw = OacMiddleware::new().payload_limit(PayloadLimit::Bytes(1 << 20));
    /// # let _ = mw;
    /// ```
    #[must_use]
    pub fn payload_limit(mut self, limit: PayloadLimit) -> Self {
        self.limit = limit;
        self
    }
}

#[async_trait::async_trait]
impl Middleware for OacMiddleware {
    async fn handle(
        &self,
        mut req: Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<Response> {
        refuse_body_on_get_or_head(
            req.method(),
            buffered(&req),
            extensions.get::<PayloadHash>(),
        )
        .map_err(to_middleware)?;
        let hash = request_hash(&mut req, extensions, self.limit).map_err(to_middleware)?;
        req.headers_mut()
            .insert(X_AMZ_CONTENT_SHA256, hash.to_header_value());
        tracing::debug!(
            method = %req.method(),
            host = req.url().host_str().unwrap_or(""),
            "added x-amz-content-sha256 for cloudfront oac"
        );
        let sent_url = req.url().clone();
        let response = next.run(req, extensions).await?;
        warn_if_redirected(&sent_url, &response);
        diagnosed(response).await
    }
}

/// An error response with its [`Diagnosis`] as a response extension
/// (`response.extensions().get::<Diagnosis>()`). Lambda's own answers (with `x-amzn-ErrorType`,
/// small JSON) are read and rebuilt with the same status, headers, version, URL and body; the
/// function's own error answers get [`Diagnosis::FromFunction`] without their body being read.
/// Success responses pass untouched.
async fn diagnosed(response: Response) -> reqwest_middleware::Result<Response> {
    let status = response.status();
    if status.as_u16() < 400 || response.extensions().get::<Diagnosis>().is_some() {
        return Ok(response);
    }
    if error_type(response.headers()).is_none() {
        let mut response = response;
        response.extensions_mut().insert(Diagnosis::FromFunction {
            status: status.as_u16(),
        });
        return Ok(response);
    }
    Box::pin(async move {
        let headers = response.headers().clone();
        let version = response.version();
        let url = response.url().clone();
        let body = response.bytes().await?;
        Ok(rebuild(status, version, url, headers, body))
    })
    .await
}

/// A response read into `body`, rebuilt as it was, with its [`Diagnosis`] as an extension.
fn rebuild(
    status: reqwest::StatusCode,
    version: http::Version,
    url: reqwest::Url,
    headers: http::HeaderMap,
    body: bytes::Bytes,
) -> Response {
    let diagnosis = Diagnosis::from_response_parts(status.as_u16(), &headers, &body);
    let mut rebuilt = http::Response::builder()
        .status(status)
        .version(version)
        .url(url)
        .body(body)
        .unwrap_or_default();
    *rebuilt.headers_mut() = headers;
    if let Some(diagnosis) = diagnosis {
        rebuilt.extensions_mut().insert(diagnosis);
    }
    Response::from(rebuilt)
}

/// The body hash by the one rule ([`body_hash`]); a streamed body's `Content-Length` is set
/// from its declared hash when the request has none.
fn request_hash(
    req: &mut Request,
    extensions: &mut Extensions,
    limit: PayloadLimit,
) -> Result<PayloadHash, Error> {
    let hash = body_hash(buffered(req), req.headers(), extensions, limit)?;
    if buffered(req).is_none() {
        declare_length(req.headers_mut(), &hash);
    }
    Ok(hash)
}

/// The body's bytes when they are in memory (no body: none), `None` for a stream.
fn buffered(req: &Request) -> Option<&[u8]> {
    match req.body() {
        None => Some(&[]),
        Some(body) => body.as_bytes(),
    }
}

/// Logs a warning when the response comes from another URL than the one sent: reqwest followed
/// a redirect below the middleware, with the signing headers. Only the origins are logged.
fn warn_if_redirected(sent: &reqwest::Url, response: &Response) {
    if response.url() != sent {
        tracing::warn!(
            sent_to = %sent.origin().ascii_serialization(),
            answered_by = %response.url().origin().ascii_serialization(),
            "reqwest followed a redirect below the signing middleware, carrying the signing \
             headers with it; build the client with lambda_url_signer::reqwest::client_builder() \
             (redirects off)"
        );
    }
}

fn to_middleware(error: Error) -> reqwest_middleware::Error {
    reqwest_middleware::Error::middleware(error)
}
