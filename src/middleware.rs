//! reqwest-middleware layers: IAM signing, CloudFront OAC hash-only, 403 diagnosis.

use crate::{Error, PayloadHash, Signer};
use http::Extensions;
use reqwest::{Request, Response, ResponseBuilderExt};
use reqwest_middleware::{Middleware, Next};
use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

const X_AMZ_CONTENT_SHA256: &str = "x-amz-content-sha256";
/// The function URL request payload limit for buffered invocations, in bytes.
const FUNCTION_URL_PAYLOAD_LIMIT: u64 = 6_291_456;
/// Below this difference between the server's `Date` and our clock, the clocks agree.
const CLOCK_AGREEMENT: Duration = Duration::from_secs(60);

/// The body size check made before sending.
///
/// Lambda base64-encodes bodies that are not text into the event, so for those the size counted
/// is `4 * ceil(n / 3)`. Text is `text/*`, JSON, XML, `application/x-www-form-urlencoded` and
/// JavaScript, by `content-type`.
///
/// ```
/// use lambda_url_signer::{OacMiddleware, PayloadLimit};
/// let mw = OacMiddleware::new().payload_limit(PayloadLimit::Bytes(1024));
/// let unlimited = OacMiddleware::new().payload_limit(PayloadLimit::Unlimited);
/// # let _ = (mw, unlimited);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PayloadLimit {
    /// Fail with [`Error::BodyTooLarge`] above this many bytes (as Lambda counts them).
    Bytes(u64),
    /// No check.
    Unlimited,
}

impl Default for PayloadLimit {
    /// The function URL limit, 6,291,456 bytes.
    fn default() -> Self {
        PayloadLimit::Bytes(FUNCTION_URL_PAYLOAD_LIMIT)
    }
}

/// Whether [`SigningMiddleware`] corrects for a skewed local clock.
///
/// ```
/// use lambda_url_signer::{Signer, SigningMiddleware, SkewCorrection};
/// let mw = SigningMiddleware::new(Signer::builder().build()?).skew_correction(SkewCorrection::Disabled);
/// # let _ = mw;
/// # Ok::<(), lambda_url_signer::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum SkewCorrection {
    /// On a 403 "Signature expired" / "Signature not yet current" with a `Date` header, learn
    /// the offset, re-sign and retry once; keep the offset for later requests, and drop it when
    /// a response's `Date` agrees with the local clock again (the default).
    #[default]
    Enabled,
    /// Never retry for skew.
    Disabled,
}

/// IAM mode: signs every request passing through with a [`Signer`].
///
/// Attach it *after* `reqwest_retry::RetryTransientMiddleware` (retry first, signer second):
/// middleware runs in the order attached, so every retry attempt then passes through the
/// signer and gets a fresh date and signature, while the body hash, computed once per request,
/// is reused. In the other order the retry layer replays the first attempt's signature; that
/// works only while its `x-amz-date` is within Lambda's 5-minute window, and never recovers
/// from a skewed clock.
///
/// The body must be in memory (bytes, strings, JSON, forms). A streaming body cannot be hashed
/// without consuming it, so such a request fails with [`Error::StreamingBody`] before anything
/// is sent.
///
/// # Note
///
/// For a streaming body, hash it first ([`PayloadHash::from_reader`] over the file), set
/// `x-amz-content-sha256` to that hash, and sign an `http::Request` with
/// [`Signer::sign_with_hash`]; then send it with a plain client.
///
/// Errors reach the caller as `reqwest_middleware::Error::Middleware`; get the crate's
/// [`Error`] back with `downcast_ref`:
///
/// ```no_run
/// use lambda_url_signer::{Credentials, FunctionUrl, Signer, SigningMiddleware};
/// use reqwest_middleware::ClientBuilder;
///
/// # #[tokio::main] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let url = FunctionUrl::parse("https://abc123.lambda-url.eu-central-1.on.aws/")?;
/// let credentials = Credentials::new("AKID", "secret", None, None, "example");
/// let client = ClientBuilder::new(reqwest::Client::new())
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
#[derive(Clone)]
pub struct SigningMiddleware {
    signer: Signer,
    limit: PayloadLimit,
    skew: SkewCorrection,
    /// Learned server-minus-local clock offset, in seconds.
    offset: Arc<AtomicI64>,
}

impl SigningMiddleware {
    /// IAM signing with `signer`, the default payload limit and skew correction on.
    ///
    /// ```
    /// # use lambda_url_signer::{Signer, SigningMiddleware};
    /// let mw = SigningMiddleware::new(Signer::builder().region("eu-central-1").build()?);
    /// # let _ = mw;
    /// # Ok::<(), lambda_url_signer::Error>(())
    /// ```
    pub fn new(signer: Signer) -> Self {
        SigningMiddleware {
            signer,
            limit: PayloadLimit::default(),
            skew: SkewCorrection::default(),
            offset: Arc::new(AtomicI64::new(0)),
        }
    }

    /// Sets the body size check.
    ///
    /// ```
    /// # use lambda_url_signer::{PayloadLimit, Signer, SigningMiddleware};
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
    /// # use lambda_url_signer::{Signer, SigningMiddleware, SkewCorrection};
    /// let mw = SigningMiddleware::new(Signer::builder().build()?).skew_correction(SkewCorrection::Enabled);
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
    /// # use lambda_url_signer::{Signer, SigningMiddleware};
    /// let mw = SigningMiddleware::new(Signer::builder().build()?);
    /// assert_eq!(mw.clock_offset_secs(), 0);
    /// # Ok::<(), lambda_url_signer::Error>(())
    /// ```
    pub fn clock_offset_secs(&self) -> i64 {
        self.offset.load(Ordering::Relaxed)
    }

    fn now(&self) -> SystemTime {
        shift(SystemTime::now(), self.offset.load(Ordering::Relaxed))
    }

    async fn sign(&self, request: &mut Request, hash: &PayloadHash) -> Result<(), Error> {
        let time = self.now();
        let credentials = self.signer.credentials_at(time).await?;
        sign_reqwest(request, |http_request| {
            self.signer.sign_at(http_request, hash, &credentials, time)
        })
    }

    /// Learns the offset from a skew rejection; returns whether a re-signed retry makes sense.
    /// Only a 403 `InvalidSignatureException` with a `Date` header is read (its body is small
    /// JSON); it is handed back rebuilt with the same status, headers, version, URL and body.
    async fn learn_skew(&self, response: Response) -> Result<(bool, Response), reqwest::Error> {
        let server_date = response_date(&response);
        let candidate = response.status() == reqwest::StatusCode::FORBIDDEN
            && error_type(response.headers()) == Some("InvalidSignatureException");
        let (true, Some(server_date)) = (candidate, server_date) else {
            return Ok((false, response));
        };
        let status = response.status();
        let headers = response.headers().clone();
        let version = response.version();
        let url = response.url().clone();
        let body = response.bytes().await?;
        let is_skew = matches!(
            Diagnosis::from_parts(status.as_u16(), error_type(&headers), &body),
            Some(Diagnosis::ClockSkew { .. })
        );
        if is_skew {
            self.offset.store(
                offset_secs(server_date, SystemTime::now()),
                Ordering::Relaxed,
            );
        }
        let mut rebuilt = http::Response::builder()
            .status(status)
            .version(version)
            .url(url)
            .body(body)
            .unwrap_or_default();
        *rebuilt.headers_mut() = headers;
        Ok((is_skew, Response::from(rebuilt)))
    }

    /// Drops the offset once a response's `Date` agrees with the local clock.
    fn observe_date(&self, response: &Response) {
        if self.offset.load(Ordering::Relaxed) == 0 {
            return;
        }
        if let Some(date) = response_date(response) {
            if offset_secs(date, SystemTime::now()).unsigned_abs() < CLOCK_AGREEMENT.as_secs() {
                self.offset.store(0, Ordering::Relaxed);
            }
        }
    }
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
        let hash = body_hash(&req, extensions, self.limit).map_err(to_middleware)?;
        self.sign(&mut req, &hash).await.map_err(to_middleware)?;
        let retry = match self.skew {
            SkewCorrection::Enabled => req.try_clone(),
            SkewCorrection::Disabled => None,
        };
        let response = next.clone().run(req, extensions).await?;
        let Some(mut retry) = retry else {
            return Ok(response);
        };
        let (is_skew, response) = self.learn_skew(response).await?;
        if !is_skew {
            self.observe_date(&response);
            return Ok(response);
        }
        tracing::debug!(
            clock_offset_secs = self.clock_offset_secs(),
            "function url rejected the signature's date; re-signing with the server's clock"
        );
        self.sign(&mut retry, &hash).await.map_err(to_middleware)?;
        next.run(retry, extensions).await
    }
}

/// CloudFront OAC mode: needs no credentials. Adds `x-amz-content-sha256` (the hash of the exact
/// body bytes, the empty-body hash when there is no body) to every request and leaves
/// `Authorization` alone; CloudFront signs the origin request with it. This is what makes
/// POST, PUT and PATCH through OAC work.
///
/// The body is hashed once per request, also across retries. Streaming bodies fail with
/// [`Error::StreamingBody`] (see [`SigningMiddleware`]'s note for the workaround).
///
/// ```
/// use lambda_url_signer::OacMiddleware;
/// use reqwest_middleware::ClientBuilder;
///
/// let client = ClientBuilder::new(reqwest::Client::new())
///     .with(OacMiddleware::new())
///     .build();
/// # let _ = client;
/// ```
#[derive(Clone, Debug, Default)]
pub struct OacMiddleware {
    limit: PayloadLimit,
}

impl OacMiddleware {
    /// The OAC hash-only middleware with the default payload limit.
    ///
    /// ```
    /// # use lambda_url_signer::OacMiddleware;
    /// let mw = OacMiddleware::new();
    /// # let _ = mw;
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the body size check.
    ///
    /// ```
    /// # use lambda_url_signer::{OacMiddleware, PayloadLimit};
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
        let hash = body_hash(&req, extensions, self.limit).map_err(to_middleware)?;
        let value = http::HeaderValue::from_str(hash.as_str())
            .map_err(|e| to_middleware(Error::signing(e)))?;
        req.headers_mut().insert(X_AMZ_CONTENT_SHA256, value);
        tracing::debug!(
            method = %req.method(),
            host = req.url().host_str().unwrap_or(""),
            "added x-amz-content-sha256 for cloudfront oac"
        );
        next.run(req, extensions).await
    }
}

/// The body hash of one request, kept in the request's extensions so that retries reuse it.
#[derive(Clone, Copy)]
struct HashedBody {
    len: usize,
    hash: PayloadHash,
}

fn body_hash(
    req: &Request,
    extensions: &mut Extensions,
    limit: PayloadLimit,
) -> Result<PayloadHash, Error> {
    let bytes: &[u8] = match req.body() {
        None => &[],
        Some(body) => body.as_bytes().ok_or(Error::StreamingBody)?,
    };
    if let PayloadLimit::Bytes(limit) = limit {
        let size = lambda_payload_size(req.headers(), bytes.len() as u64);
        if size > limit {
            return Err(Error::BodyTooLarge { size, limit });
        }
    }
    if let Some(cached) = extensions.get::<HashedBody>() {
        if cached.len == bytes.len() {
            return Ok(cached.hash);
        }
    }
    let hash = PayloadHash::of(bytes);
    extensions.insert(HashedBody {
        len: bytes.len(),
        hash,
    });
    Ok(hash)
}

/// The body size as Lambda counts it: bodies that are not text are base64-encoded.
fn lambda_payload_size(headers: &http::HeaderMap, len: u64) -> u64 {
    let content_type = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let is_text = content_type.starts_with("text/")
        || ["json", "xml", "x-www-form-urlencoded", "javascript"]
            .iter()
            .any(|t| content_type.contains(t));
    if is_text {
        len
    } else {
        len.div_ceil(3) * 4
    }
}

/// Signs a reqwest request through an `http::Request<()>` view of its method, URL and headers,
/// then writes the headers and the (possibly rewritten) wire-form URL back. The body is not
/// touched or copied.
fn sign_reqwest(
    request: &mut Request,
    sign: impl FnOnce(&mut http::Request<()>) -> Result<(), Error>,
) -> Result<(), Error> {
    let uri: http::Uri = request
        .url()
        .as_str()
        .parse()
        .map_err(|_| Error::InvalidRequest {
            reason: "the request url cannot be represented as an http uri",
        })?;
    let mut http_request = http::Request::new(());
    *http_request.method_mut() = request.method().clone();
    *http_request.uri_mut() = uri;
    *http_request.headers_mut() = std::mem::take(request.headers_mut());
    let result = sign(&mut http_request);
    let (parts, ()) = http_request.into_parts();
    *request.headers_mut() = parts.headers;
    result?;
    // The signer only ever rewrites the path and query (the url crate already lowercases the
    // host), so compare those and rebuild the URL only when they changed: no allocation on the
    // common path.
    let url = request.url();
    let unchanged = parts.uri.path() == url.path()
        && parts.uri.query() == url.query().filter(|q| !q.is_empty());
    if !unchanged {
        *request.url_mut() =
            reqwest::Url::parse(&parts.uri.to_string()).map_err(|_| Error::InvalidRequest {
                reason: "the signed uri is not a valid url",
            })?;
    }
    Ok(())
}

fn to_middleware(error: Error) -> reqwest_middleware::Error {
    reqwest_middleware::Error::middleware(error)
}

fn error_type(headers: &http::HeaderMap) -> Option<&str> {
    headers
        .get("x-amzn-errortype")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(':').next().unwrap_or(v))
}

fn response_date(response: &Response) -> Option<SystemTime> {
    response
        .headers()
        .get(http::header::DATE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| httpdate::parse_http_date(v).ok())
}

fn offset_secs(server: SystemTime, local: SystemTime) -> i64 {
    match server.duration_since(local) {
        Ok(ahead) => i64::try_from(ahead.as_secs()).unwrap_or(i64::MAX),
        Err(behind) => -i64::try_from(behind.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

fn shift(time: SystemTime, offset_secs: i64) -> SystemTime {
    let delta = Duration::from_secs(offset_secs.unsigned_abs());
    if offset_secs >= 0 {
        time.checked_add(delta).unwrap_or(time)
    } else {
        time.checked_sub(delta).unwrap_or(time)
    }
}

/// What a function URL's error response means, read from its status, `x-amzn-ErrorType` and
/// JSON body, with the usual causes and what to check.
///
/// ```
/// use lambda_url_signer::Diagnosis;
///
/// let body = br#"{"message":"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."}"#;
/// let diagnosis = Diagnosis::from_parts(403, Some("InvalidSignatureException"), body).unwrap();
/// assert_eq!(diagnosis, Diagnosis::SignatureMismatch);
/// assert!(diagnosis.to_string().contains("x-amz-content-sha256"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Diagnosis {
    /// `InvalidSignatureException`, "signature we calculated does not match".
    SignatureMismatch,
    /// `InvalidSignatureException`, "Signature expired" or "Signature not yet current": the
    /// local clock is off by more than 5 minutes.
    ClockSkew {
        /// The service's message (dates, no secrets).
        message: String,
    },
    /// `InvalidSignatureException` about the credential scope (region or service).
    WrongScope {
        /// The service's message.
        message: String,
    },
    /// `UnrecognizedClientException`: unknown access key or bad session token.
    InvalidSecurityToken,
    /// `IncompleteSignatureException`: `host` not signed, no date, malformed `Authorization`.
    IncompleteSignature {
        /// The service's message.
        message: String,
    },
    /// `AccessDeniedException`: no signature at all, or the principal lacks permission.
    Forbidden,
    /// 413: the body is over the function URL payload limit.
    PayloadTooLarge,
    /// Some other error status.
    Other {
        /// The HTTP status.
        status: u16,
        /// The `x-amzn-ErrorType`, if any.
        error_type: Option<String>,
    },
}

impl Diagnosis {
    /// Classifies an error response from its parts; `None` for a status below 400.
    ///
    /// ```
    /// # use lambda_url_signer::Diagnosis;
    /// let d = Diagnosis::from_parts(403, Some("AccessDeniedException"), br#"{"Message":"Forbidden"}"#);
    /// assert_eq!(d, Some(Diagnosis::Forbidden));
    /// assert_eq!(Diagnosis::from_parts(200, None, b""), None);
    /// ```
    pub fn from_parts(status: u16, error_type: Option<&str>, body: &[u8]) -> Option<Diagnosis> {
        if status < 400 {
            return None;
        }
        let message = serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .and_then(|v| {
                v.get("message")
                    .or_else(|| v.get("Message"))
                    .and_then(|m| m.as_str().map(str::to_owned))
            })
            .unwrap_or_default();
        let lower = message.to_ascii_lowercase();
        Some(match (status, error_type.unwrap_or("")) {
            (413, _) => Diagnosis::PayloadTooLarge,
            (403, "InvalidSignatureException")
                if lower.starts_with("signature expired")
                    || lower.starts_with("signature not yet current") =>
            {
                Diagnosis::ClockSkew { message }
            }
            (403, "InvalidSignatureException") if lower.contains("credential should be scoped") => {
                Diagnosis::WrongScope { message }
            }
            (403, "InvalidSignatureException") => Diagnosis::SignatureMismatch,
            (403, "UnrecognizedClientException") => Diagnosis::InvalidSecurityToken,
            (403, "IncompleteSignatureException") => Diagnosis::IncompleteSignature { message },
            (403, "AccessDeniedException") => Diagnosis::Forbidden,
            (status, error_type) => Diagnosis::Other {
                status,
                error_type: (!error_type.is_empty()).then(|| error_type.to_owned()),
            },
        })
    }

    /// Reads `response` (consuming its body) and classifies it; returns the diagnosis (`None`
    /// for success statuses) and the body bytes, so nothing is lost.
    ///
    /// # Errors
    ///
    /// The `reqwest` error if reading the body fails.
    ///
    /// ```no_run
    /// # #[tokio::main] async fn main() -> Result<(), reqwest::Error> {
    /// let response = reqwest::get("http://127.0.0.1:9000/").await?;
    /// let (diagnosis, body) = lambda_url_signer::Diagnosis::from_response(response).await?;
    /// if let Some(diagnosis) = diagnosis {
    ///     eprintln!("{diagnosis}");
    /// }
    /// # let _ = body; Ok(()) }
    /// ```
    pub async fn from_response(
        response: Response,
    ) -> Result<(Option<Diagnosis>, bytes::Bytes), reqwest::Error> {
        let status = response.status().as_u16();
        let error_type = error_type(response.headers()).map(str::to_owned);
        let body = response.bytes().await?;
        Ok((
            Diagnosis::from_parts(status, error_type.as_deref(), &body),
            body,
        ))
    }
}

impl fmt::Display for Diagnosis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Diagnosis::SignatureMismatch => f.write_str(
                "signature mismatch: the function url computed a different signature. Usual causes: \
                 the wrong secret key; the body changed after signing, or no/wrong \
                 x-amz-content-sha256 on a POST/PUT/PATCH through CloudFront OAC; a proxy changed a \
                 signed header or re-encoded the path or query; the wrong region for the url",
            ),
            Diagnosis::ClockSkew { message } => write!(
                f,
                "clock skew: the request's x-amz-date is more than 5 minutes from the service's clock ({message}); \
                 fix the local clock (NTP) or keep skew correction on"
            ),
            Diagnosis::WrongScope { message } => write!(
                f,
                "wrong credential scope ({message}): sign with the function url's region and service `lambda`"
            ),
            Diagnosis::InvalidSecurityToken => f.write_str(
                "invalid security token: the access key is unknown, or a session token is missing, \
                 expired or does not belong to the key; refresh the credentials",
            ),
            Diagnosis::IncompleteSignature { message } => write!(
                f,
                "incomplete signature ({message}): host and x-amz-date must be signed and authorization well formed"
            ),
            Diagnosis::Forbidden => f.write_str(
                "forbidden: the request was unsigned, or the principal lacks permission. Function urls \
                 created since October 2025 need both lambda:InvokeFunctionUrl and lambda:InvokeFunction \
                 (with lambda:InvokedViaFunctionUrl) for the caller, and for cloudfront.amazonaws.com \
                 with an AWS:SourceArn condition naming the distribution when called through CloudFront OAC \
                 (lambda_url_signer::cloudfront_permissions renders those statements)",
            ),
            Diagnosis::PayloadTooLarge => f.write_str(
                "payload too large: function urls accept at most 6,291,456 bytes (binary bodies count base64-encoded)",
            ),
            Diagnosis::Other { status, error_type } => match error_type {
                Some(t) => write!(f, "http status {status} ({t})"),
                None => write!(f, "http status {status}"),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_retry_reuses_the_hash_from_the_first_attempt() {
        let url = reqwest::Url::parse("http://127.0.0.1:1/").unwrap();
        let mut request = Request::new(reqwest::Method::POST, url);
        *request.body_mut() = Some(reqwest::Body::from("payload"));
        let mut extensions = Extensions::new();
        let first = body_hash(&request, &mut extensions, PayloadLimit::default()).unwrap();
        assert_eq!(first, PayloadHash::of(b"payload"));
        // Plant a marker: if the second attempt hashed again it would not return it.
        let marker = PayloadHash::of(b"marker");
        extensions.insert(HashedBody {
            len: 7,
            hash: marker,
        });
        let second = body_hash(&request, &mut extensions, PayloadLimit::default()).unwrap();
        assert_eq!(second, marker, "the second attempt reused the stored hash");
    }

    #[test]
    fn payload_size_counts_base64_for_binary() {
        let mut headers = http::HeaderMap::new();
        assert_eq!(lambda_payload_size(&headers, 3), 4);
        assert_eq!(lambda_payload_size(&headers, 4), 8);
        headers.insert(
            http::header::CONTENT_TYPE,
            "Application/JSON; charset=utf-8".parse().unwrap(),
        );
        assert_eq!(lambda_payload_size(&headers, 4), 4);
    }

    #[test]
    fn offsets() {
        let now = SystemTime::now();
        assert_eq!(offset_secs(now + Duration::from_secs(900), now), 900);
        assert_eq!(offset_secs(now - Duration::from_secs(900), now), -900);
        assert_eq!(shift(now, -5), now - Duration::from_secs(5));
    }
}
