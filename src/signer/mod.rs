//! The core SigV4 signer for function URLs: the [`Signer`] and its builder.
//!
//! The canonical request is built once by this crate ([`canonical`]); the signing keys are
//! derived by aws-sigv4 and cached ([`key_cache`]); aws-sigv4's own `http_request::sign` is the
//! judge of both in the differential tests.

mod canonical;
mod details;
mod headers;
mod key_cache;
mod presign;
mod request;
mod sign;
mod stack_vec;
mod time;

pub use details::SigningDetails;
pub use presign::PresignedUrl;
#[cfg(feature = "reqwest")]
pub(crate) use request::sealed;
pub use request::SignableRequest;

use crate::function_url::{region_from_host, validate_region};
use crate::{Credentials, CredentialsCache, Error, FunctionUrl, PayloadHash, ProvideCredentials};
use http::header::HeaderValue;
use key_cache::KeyCache;
pub(crate) use sign::Target;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use time::AmzDate;

/// Whether the signer sends (and signs) `x-amz-content-sha256`.
///
/// ```
/// use lambda_url_signer::{ContentSha256Header, Signer};
/// let signer = Signer::builder()
///     .content_sha256_header(ContentSha256Header::Include)
///     .build()?;
/// # let _ = signer;
/// # Ok::<(), lambda_url_signer::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ContentSha256Header {
    /// Send `x-amz-content-sha256` on every request, the empty-body hash when there is no body
    /// (the default). Function URLs behind CloudFront OAC need it for POST, PUT and PATCH.
    #[default]
    Include,
    /// Leave it out; the body hash is still part of the signature. Only for other SigV4
    /// services or for reproducing the official SigV4 test suite.
    Omit,
}

/// Signs requests to Lambda function URLs with SigV4 (service `lambda` by default).
///
/// Signing an [`http::Request`]:
///
/// - removes stale `authorization`, `x-amz-date`, `x-amz-security-token` and
///   `x-amz-content-sha256`, so signing again (a retry) is safe;
/// - rewrites the URI's path and query into the wire form (see [`FunctionUrl`]; a raw `+` in
///   the query is a space) and its host to lowercase, so what is sent is exactly what was
///   signed; a URI with user info (`user:password@`) is refused with [`Error::InvalidUrl`];
/// - writes every signed header value in its canonical form (no leading or trailing spaces or
///   tabs, inner runs folded to one space), in the request as well as in the signature;
/// - signs every header except those proxies and CDNs change: `user-agent`,
///   `x-amzn-trace-id`, `transfer-encoding`, `content-length`, `expect`, `via`, `forwarded`,
///   `x-forwarded-*`, `cf-*`, and the hop-by-hop headers (`connection` and the headers it
///   names, `keep-alive`, `proxy-*`, `te`, `trailer`, `upgrade`);
/// - sets `x-amz-date`, `x-amz-content-sha256` (see [`ContentSha256Header`]),
///   `x-amz-security-token` for session credentials, and `authorization`; the last two are
///   marked sensitive, so `http`'s `Debug` hides them.
///
/// A header value that is not valid UTF-8 is rejected with [`Error::InvalidHeaderValue`]: it is
/// never silently sent unsigned.
///
/// The region comes from [`SignerBuilder::region`] or else from the signed host
/// (`<url-id>.lambda-url.<region>.on.aws`); for any other host without a configured region,
/// signing fails with [`Error::MissingRegion`].
///
/// The canonical request is built by this crate, once, straight into SHA-256; the signing key is
/// derived by aws-sigv4 (`generate_signing_key`) once per access key, secret, day, region and
/// service, and kept in a small cache on the signer (zeroized when dropped).
///
/// Cloning is cheap; clones share the credentials cache and the signing keys.
///
/// ```
/// use lambda_url_signer::{Credentials, PayloadHash, Signer};
/// use std::time::SystemTime;
///
/// let signer = Signer::builder().build()?; // credentials passed explicitly below
/// let mut request = http::Request::get(
///     "https://abc123.lambda-url.eu-central-1.on.aws/status?verbose",
/// )
/// .body(Vec::<u8>::new())?;
/// let credentials = Credentials::new("AKIDEXAMPLE", "secret", Some("token".into()), None, "example");
/// signer.sign_at(&mut request, &PayloadHash::EMPTY, &credentials, SystemTime::now())?;
/// assert_eq!(request.uri().query(), Some("verbose="));
/// assert!(request.headers()["authorization"].is_sensitive());
/// assert!(request.headers()["x-amz-security-token"].is_sensitive());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Signer {
    inner: Arc<SignerInner>,
}

struct SignerInner {
    region: Option<String>,
    service: String,
    sign_host: Option<String>,
    content_header: ContentSha256Header,
    credentials: Option<CredentialsCache>,
    /// Derived signing keys, shared by clones.
    keys: KeyCache,
}

impl Signer {
    /// A builder with no region (taken from each host), service `lambda`, and no credentials.
    ///
    /// ```
    /// # use lambda_url_signer::Signer;
    /// let signer = Signer::builder().region("eu-central-1").build()?;
    /// assert_eq!(signer.region(), Some("eu-central-1"));
    /// # Ok::<(), lambda_url_signer::Error>(())
    /// ```
    pub fn builder() -> SignerBuilder {
        SignerBuilder::default()
    }

    /// A signer for `url`'s region with `credentials`: static [`Credentials`] (used as they
    /// are, no runtime needed), a [`CredentialsCache`] (used as it is, shared with its clones),
    /// or any other provider (put behind a new cache). The one-call constructor for the
    /// common case.
    ///
    /// ```
    /// use lambda_url_signer::{Credentials, CredentialsCache, FunctionUrl, Signer};
    /// let url = FunctionUrl::parse("https://abc123.lambda-url.eu-west-1.on.aws/")?;
    /// let signer = Signer::for_url(&url, Credentials::new("AKID", "secret", None, None, "example"));
    /// assert_eq!(signer.region(), Some("eu-west-1"));
    ///
    /// // A cache (`CredentialsCache::default_chain` with the `aws-config` feature) fits too.
    /// let cache = CredentialsCache::fixed(Credentials::new("AKID", "secret", None, None, "example"));
    /// let signer = Signer::for_url(&url, cache);
    /// # let _ = signer;
    /// # Ok::<(), lambda_url_signer::Error>(())
    /// ```
    pub fn for_url(url: &FunctionUrl, credentials: impl ProvideCredentials + 'static) -> Signer {
        let any: &dyn std::any::Any = &credentials;
        let cache = if let Some(cache) = any.downcast_ref::<CredentialsCache>() {
            cache.clone()
        } else if let Some(fixed) = any.downcast_ref::<Credentials>() {
            CredentialsCache::fixed(fixed.clone())
        } else {
            CredentialsCache::new(credentials)
        };
        Signer {
            inner: Arc::new(SignerInner {
                region: Some(url.region().to_owned()),
                service: "lambda".to_owned(),
                sign_host: None,
                content_header: ContentSha256Header::Include,
                credentials: Some(cache),
                keys: KeyCache::default(),
            }),
        }
    }

    /// The configured region, if any.
    ///
    /// ```
    /// # use lambda_url_signer::Signer;
    /// assert_eq!(Signer::builder().build()?.region(), None);
    /// # Ok::<(), lambda_url_signer::Error>(())
    /// ```
    pub fn region(&self) -> Option<&str> {
        self.inner.region.as_deref()
    }

    /// The configured sign host (no-override mode), if any.
    ///
    /// ```
    /// # use lambda_url_signer::Signer;
    /// let signer = Signer::builder().sign_host("abc.lambda-url.us-east-1.on.aws").build()?;
    /// assert_eq!(signer.sign_host(), Some("abc.lambda-url.us-east-1.on.aws"));
    /// # Ok::<(), lambda_url_signer::Error>(())
    /// ```
    pub fn sign_host(&self) -> Option<&str> {
        self.inner.sign_host.as_deref()
    }

    /// Current credentials from the configured cache.
    ///
    /// # Errors
    ///
    /// [`Error::NoCredentials`] when none are configured, else the cache's errors.
    ///
    /// ```
    /// # use lambda_url_signer::{Credentials, Signer};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), lambda_url_signer::Error> {
    /// let signer = Signer::builder().credentials(Credentials::new("AKID", "s", None, None, "example")).build()?;
    /// assert_eq!(signer.credentials().await?.access_key_id(), "AKID");
    /// # Ok(()) }
    /// ```
    pub async fn credentials(&self) -> Result<Credentials, Error> {
        self.credentials_at(SystemTime::now()).await
    }

    /// Credentials valid at the signing time `time`.
    pub(crate) async fn credentials_at(&self, time: SystemTime) -> Result<Credentials, Error> {
        match &self.inner.credentials {
            Some(cache) => cache.credentials_at(time).await,
            None => Err(Error::NoCredentials),
        }
    }

    #[cfg(any(feature = "middleware", feature = "tower"))]
    /// [`Self::credentials_at`] when it needs no waiting (see
    /// `CredentialsCache::ready_credentials_at`); `None` when the provider must be asked.
    pub(crate) fn ready_credentials_at(
        &self,
        time: SystemTime,
    ) -> Option<Result<Credentials, Error>> {
        match &self.inner.credentials {
            Some(cache) => cache.ready_credentials_at(time),
            None => Some(Err(Error::NoCredentials)),
        }
    }

    /// The configured credentials cache, if any.
    ///
    /// ```
    /// # use lambda_url_signer::Signer;
    /// assert!(Signer::builder().build()?.credentials_cache().is_none());
    /// # Ok::<(), lambda_url_signer::Error>(())
    /// ```
    pub fn credentials_cache(&self) -> Option<&CredentialsCache> {
        self.inner.credentials.as_ref()
    }

    /// Hashes the body once and signs with the configured credentials and the current time.
    /// `request` is an [`http::Request`] whose body is a [`SignableBody`](crate::SignableBody)
    /// (`Vec<u8>`, `String`, `()`, …) or, with the `reqwest` feature, a `reqwest::Request`.
    ///
    /// # Errors
    ///
    /// [`Error::StreamingBody`] when the body's bytes are not in memory (use
    /// [`Signer::sign_with_hash`]), credential errors, and those of [`Signer::sign_at`].
    ///
    /// ```
    /// # use lambda_url_signer::{Credentials, Signer};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let signer = Signer::builder().credentials(Credentials::new("AKID", "s", None, None, "example")).build()?;
    /// let mut request = http::Request::post("https://abc.lambda-url.us-east-1.on.aws/")
    ///     .body(b"payload".to_vec())?;
    /// signer.sign(&mut request).await?;
    /// assert!(request.headers().contains_key("x-amz-date"));
    /// # Ok(()) }
    /// ```
    pub async fn sign<R: SignableRequest>(&self, request: &mut R) -> Result<(), Error> {
        let hash = request.buffered_hash()?;
        self.sign_with_hash(request, &hash).await
    }

    /// Signs with a precomputed body hash (a file hashed with
    /// [`PayloadHash::from_reader`], or a hash reused across retries), the configured
    /// credentials and the current time. The body itself is not read: a stream is fine, as long
    /// as it yields exactly the bytes hashed.
    ///
    /// # Errors
    ///
    /// Credential errors, and those of [`Signer::sign_at`].
    ///
    /// ```
    /// # use lambda_url_signer::{Credentials, PayloadHash, Signer};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let signer = Signer::builder().credentials(Credentials::new("AKID", "s", None, None, "example")).build()?;
    /// let hash = PayloadHash::from_reader(&b"streamed later"[..])?;
    /// let mut request = http::Request::put("https://abc.lambda-url.us-east-1.on.aws/f").body(())?;
    /// signer.sign_with_hash(&mut request, &hash).await?;
    /// assert_eq!(request.headers()["x-amz-content-sha256"], hash.as_str());
    /// # Ok(()) }
    /// ```
    pub async fn sign_with_hash<R: SignableRequest>(
        &self,
        request: &mut R,
        hash: &PayloadHash,
    ) -> Result<(), Error> {
        let time = SystemTime::now();
        let credentials = self.credentials_at(time).await?;
        self.sign_at(request, hash, &credentials, time)
    }

    /// [`Signer::sign`] for blocking code (ureq, a synchronous service): hashes the body and
    /// signs with the signer's credentials cache and the current time, on this thread, with no
    /// async runtime. Static credentials and a cache whose key is fresh answer at once; a
    /// provider that needs a Tokio runtime fails with [`Error::NoRuntime`] instead of panicking.
    ///
    /// # Note
    ///
    /// It blocks the thread while the provider refreshes: call it from blocking code only, not
    /// from inside an async task (there, use [`Signer::sign`]).
    ///
    /// # Errors
    ///
    /// Those of [`Signer::sign`].
    ///
    /// ```
    /// use lambda_url_signer::{Credentials, FunctionUrl, Signer};
    ///
    /// let url = FunctionUrl::parse("https://abc123.lambda-url.eu-west-1.on.aws/")?;
    /// let signer = Signer::for_url(&url, Credentials::new("AKID", "secret", None, None, "example"));
    /// let mut request = http::Request::post(url.as_str()).body(b"{}".to_vec())?;
    /// signer.sign_blocking(&mut request)?; // no runtime anywhere
    /// assert!(request.headers().contains_key("authorization"));
    /// // let response = ureq::run(request)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn sign_blocking<R: SignableRequest>(&self, request: &mut R) -> Result<(), Error> {
        block_on(self.sign(request))
    }

    /// The deterministic core: signs `request` for a body whose hash is `hash`, with explicit
    /// `credentials` at time `time`. Same input, same signature; no I/O, no runtime needed.
    ///
    /// # Errors
    ///
    /// [`Error::MissingRegion`], [`Error::InvalidHeaderValue`], [`Error::InvalidQuery`],
    /// [`Error::InvalidUrl`] (no host, or user info), [`Error::ExpiredCredentials`],
    /// [`Error::SigningTimeOutOfRange`], [`Error::InvalidCredentials`],
    /// [`Error::UrlNotRepresentable`].
    ///
    /// ```
    /// # use lambda_url_signer::{Credentials, PayloadHash, Signer};
    /// # use std::time::{Duration, SystemTime};
    /// let signer = Signer::builder().build()?;
    /// let credentials = Credentials::new("AKIDEXAMPLE", "secret", None, None, "example");
    /// let time = SystemTime::UNIX_EPOCH + Duration::from_secs(1_764_000_000);
    /// let mut a = http::Request::get("https://abc.lambda-url.us-east-1.on.aws/").body(())?;
    /// let mut b = http::Request::get("https://abc.lambda-url.us-east-1.on.aws/").body(())?;
    /// signer.sign_at(&mut a, &PayloadHash::EMPTY, &credentials, time)?;
    /// signer.sign_at(&mut b, &PayloadHash::EMPTY, &credentials, time)?;
    /// assert_eq!(a.headers()["authorization"], b.headers()["authorization"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn sign_at<R: SignableRequest>(
        &self,
        request: &mut R,
        hash: &PayloadHash,
        credentials: &Credentials,
        time: SystemTime,
    ) -> Result<(), Error> {
        request.sign_in_place(self, hash, credentials, time)
    }

    /// What signing `request` at `time` computes, by this crate's own canonicalization: the
    /// canonical request, the string to sign, and the signed header names. The request is not
    /// changed; stale signing headers on it are ignored, as [`Signer::sign_at`] removes them.
    /// For debugging 403s (`lambda-url invoke --verbose`); pinned to botocore by tests.
    ///
    /// # Errors
    ///
    /// The same as [`Signer::sign_at`].
    ///
    /// ```
    /// # use lambda_url_signer::{Credentials, PayloadHash, Signer};
    /// # use std::time::{Duration, SystemTime};
    /// let signer = Signer::builder().build()?;
    /// let credentials = Credentials::new("AKIDEXAMPLE", "secret", None, None, "example");
    /// let time = SystemTime::UNIX_EPOCH + Duration::from_secs(1_764_000_000);
    /// let request = http::Request::get("https://abc.lambda-url.us-east-1.on.aws/a%20b").body(())?;
    /// let details = signer.explain_at(&request, &PayloadHash::EMPTY, &credentials, time)?;
    /// assert!(details.canonical_request().starts_with("GET\n/a%2520b\n"));
    /// assert_eq!(details.signed_headers(), "host;x-amz-content-sha256;x-amz-date");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn explain_at<R: SignableRequest>(
        &self,
        request: &R,
        hash: &PayloadHash,
        credentials: &Credentials,
        time: SystemTime,
    ) -> Result<SigningDetails, Error> {
        request.explain(self, hash, credentials, time)
    }

    /// [`Signer::explain_at`] for the parts of a request.
    pub(crate) fn explain_target(
        &self,
        target: &Target<'_>,
        headers: &http::HeaderMap,
        hash: &PayloadHash,
        credentials: &Credentials,
        time: SystemTime,
    ) -> Result<SigningDetails, Error> {
        let date = AmzDate::new(time)?;
        let mut headers = headers.clone();
        headers::tidy(&mut headers);
        let prepared = self.prepare(target, &headers, hash, credentials, &date)?;
        let canonical = prepared.canonical(target, hash);
        let mut text = Vec::with_capacity(512);
        canonical.write(&mut text);
        let mut names = Vec::with_capacity(64);
        canonical.write_signed_headers(&mut names);
        let digest_hex = canonical::hex32(&canonical.digest());
        let string_to_sign = sign::string_to_sign_parts(
            &date,
            &prepared.region,
            &self.inner.service,
            &digest_hex,
            |parts| parts.concat(),
        );
        let lossy = |bytes: Vec<u8>| String::from_utf8(bytes).unwrap_or_default();
        Ok(SigningDetails {
            canonical_request: lossy(text),
            string_to_sign: lossy(string_to_sign),
            signed_headers: lossy(names),
            session_token: credentials.session_token().map(str::to_owned),
        })
    }

    /// Presigns `url` with the configured credentials and the current time: the signature goes
    /// into the query (`X-Amz-Algorithm`, `-Credential`, `-Date`, `-Expires`,
    /// `-SignedHeaders`, `-Security-Token`, `-Signature`), and only `host` is signed.
    ///
    /// # Errors
    ///
    /// Credential errors, and those of [`Signer::presign_at`].
    ///
    /// ```
    /// # use lambda_url_signer::{Credentials, FunctionUrl, PayloadHash, Signer};
    /// # use std::time::Duration;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), lambda_url_signer::Error> {
    /// let url = FunctionUrl::parse("https://abc.lambda-url.us-east-1.on.aws/report")?;
    /// let signer = Signer::for_url(&url, Credentials::new("AKID", "secret", None, None, "example"));
    /// let presigned = signer
    ///     .presign(&http::Method::GET, &url, &PayloadHash::EMPTY, Duration::from_secs(300))
    ///     .await?;
    /// assert!(presigned.as_str().contains("X-Amz-Expires=300"));
    /// # Ok(()) }
    /// ```
    pub async fn presign(
        &self,
        method: &http::Method,
        url: &FunctionUrl,
        hash: &PayloadHash,
        expires_in: Duration,
    ) -> Result<PresignedUrl, Error> {
        let credentials = self.credentials().await?;
        self.presign_at(
            method,
            url,
            hash,
            expires_in,
            &credentials,
            SystemTime::now(),
        )
    }
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("region", &self.inner.region)
            .field("service", &self.inner.service)
            .field("sign_host", &self.inner.sign_host)
            .field("content_sha256_header", &self.inner.content_header)
            .field("credentials", &self.inner.credentials)
            .finish()
    }
}

/// Builds a [`Signer`].
///
/// ```
/// use lambda_url_signer::{Credentials, Signer};
/// let signer = Signer::builder()
///     .region("eu-central-1")
///     .credentials(Credentials::new("AKID", "secret", None, None, "example"))
///     .build()?;
/// # let _ = signer;
/// # Ok::<(), lambda_url_signer::Error>(())
/// ```
#[derive(Default)]
#[must_use]
pub struct SignerBuilder {
    region: Option<String>,
    service: Option<String>,
    sign_host: Option<String>,
    content_header: ContentSha256Header,
    credentials: Option<CredentialsCache>,
}

impl SignerBuilder {
    /// Signs for this region instead of reading it from each request's host. Required for
    /// hosts that are not `*.lambda-url.<region>.on.aws` (CloudFront, custom domains, loopback).
    ///
    /// ```
    /// # use lambda_url_signer::Signer;
    /// let signer = Signer::builder().region("us-east-1").build()?;
    /// # let _ = signer;
    /// # Ok::<(), lambda_url_signer::Error>(())
    /// ```
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// The SigV4 service name (default `lambda`).
    ///
    /// ```
    /// # use lambda_url_signer::Signer;
    /// let signer = Signer::builder().service("service").region("us-east-1").build()?;
    /// # let _ = signer;
    /// # Ok::<(), lambda_url_signer::Error>(())
    /// ```
    pub fn service(mut self, service: impl Into<String>) -> Self {
        self.service = Some(service.into());
        self
    }

    /// Signs for this host while the request goes to another one: CloudFront OAC with signing
    /// behaviour `no-override` (sign for the function URL host, send to the distribution).
    /// The request's own `Host` is not changed. The region, unless configured, comes from this
    /// host.
    ///
    /// ```
    /// # use lambda_url_signer::Signer;
    /// let signer = Signer::builder()
    ///     .sign_host("abc123.lambda-url.eu-central-1.on.aws")
    ///     .build()?;
    /// # let _ = signer;
    /// # Ok::<(), lambda_url_signer::Error>(())
    /// ```
    pub fn sign_host(mut self, host: impl Into<String>) -> Self {
        self.sign_host = Some(host.into().to_ascii_lowercase());
        self
    }

    /// Whether to send `x-amz-content-sha256` (default [`ContentSha256Header::Include`]).
    ///
    /// ```
    /// # use lambda_url_signer::{ContentSha256Header, Signer};
    /// let signer = Signer::builder().content_sha256_header(ContentSha256Header::Omit).build()?;
    /// # let _ = signer;
    /// # Ok::<(), lambda_url_signer::Error>(())
    /// ```
    pub fn content_sha256_header(mut self, header: ContentSha256Header) -> Self {
        self.content_header = header;
        self
    }

    /// Fixed credentials (no provider, no refresh).
    ///
    /// ```
    /// # use lambda_url_signer::{Credentials, Signer};
    /// let signer = Signer::builder().credentials(Credentials::new("AKID", "s", None, None, "example")).build()?;
    /// # let _ = signer;
    /// # Ok::<(), lambda_url_signer::Error>(())
    /// ```
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(CredentialsCache::fixed(credentials));
        self
    }

    /// Credentials from a provider, behind a [`CredentialsCache`] with default settings.
    ///
    /// ```
    /// # use lambda_url_signer::{Credentials, Signer};
    /// let signer = Signer::builder()
    ///     .credentials_provider(Credentials::new("AKID", "s", None, None, "example"))
    ///     .build()?;
    /// # let _ = signer;
    /// # Ok::<(), lambda_url_signer::Error>(())
    /// ```
    pub fn credentials_provider(mut self, provider: impl ProvideCredentials + 'static) -> Self {
        self.credentials = Some(CredentialsCache::new(provider));
        self
    }

    /// Credentials from an existing cache (shared with other signers).
    ///
    /// ```
    /// # use lambda_url_signer::{Credentials, CredentialsCache, Signer};
    /// let cache = CredentialsCache::new(Credentials::new("AKID", "s", None, None, "example"));
    /// let signer = Signer::builder().credentials_cache(cache.clone()).build()?;
    /// # let _ = signer;
    /// # Ok::<(), lambda_url_signer::Error>(())
    /// ```
    pub fn credentials_cache(mut self, cache: CredentialsCache) -> Self {
        self.credentials = Some(cache);
        self
    }

    /// Validates the settings and builds the signer.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRegion`] for a malformed region, or one that contradicts a function URL
    /// sign host; [`Error::Configuration`] for an empty service name or sign host, or a sign
    /// host that cannot be a header value.
    ///
    /// ```
    /// # use lambda_url_signer::{Error, Signer};
    /// assert!(matches!(Signer::builder().region("EU Central").build(), Err(Error::InvalidRegion { .. })));
    /// ```
    pub fn build(self) -> Result<Signer, Error> {
        if let Some(region) = &self.region {
            validate_region(region)?;
            if let Some(host_region) = self.sign_host.as_deref().and_then(region_from_host) {
                if &host_region != region {
                    return Err(Error::InvalidRegion {
                        region: region.clone(),
                        reason: "it contradicts the region in the sign host",
                    });
                }
            }
        }
        let service = self.service.unwrap_or_else(|| "lambda".to_owned());
        if service.is_empty() || self.sign_host.as_deref() == Some("") {
            return Err(Error::Configuration {
                reason: "the service name and the sign host must not be empty",
            });
        }
        if let Some(host) = &self.sign_host {
            HeaderValue::from_str(host).map_err(|_| Error::Configuration {
                reason: "the sign host contains characters a header value cannot carry",
            })?;
        }
        Ok(Signer {
            inner: Arc::new(SignerInner {
                region: self.region,
                service,
                sign_host: self.sign_host,
                content_header: self.content_header,
                credentials: self.credentials,
                keys: KeyCache::default(),
            }),
        })
    }
}

impl fmt::Debug for SignerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignerBuilder")
            .field("region", &self.region)
            .field("service", &self.service)
            .field("sign_host", &self.sign_host)
            .field("content_sha256_header", &self.content_header)
            .field("credentials", &self.credentials)
            .finish()
    }
}

/// `path?query` split at the `?` (the query without it, empty when there is none).
pub(crate) fn split_wire(wire: &str) -> (&str, &str) {
    crate::function_url::split_once_ascii(wire, b'?').unwrap_or((wire, ""))
}

/// Runs `future` to completion on this thread, parking it while the future waits.
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl std::task::Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = std::task::Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = std::task::Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        std::thread::park();
    }
}
