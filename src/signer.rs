//! The core SigV4 signer for function URLs, built on `aws-sigv4`.

use crate::function_url::{
    encode_component, host_of, region_from_host, validate_region, wire_path_and_query,
};
use crate::{Credentials, CredentialsCache, Error, FunctionUrl, PayloadHash, ProvideCredentials};
use aws_sigv4::http_request::{
    sign, PayloadChecksumKind, SignableBody, SignableRequest, SignatureLocation, SigningSettings,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use http::header::{HeaderValue, AUTHORIZATION, HOST};
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const X_AMZ_DATE: &str = "x-amz-date";
const X_AMZ_SECURITY_TOKEN: &str = "x-amz-security-token";
const X_AMZ_CONTENT_SHA256: &str = "x-amz-content-sha256";
const ALGORITHM: &str = "AWS4-HMAC-SHA256";
const MAX_PRESIGN_EXPIRY: Duration = Duration::from_secs(7 * 24 * 60 * 60);
const PRESIGN_PARAMS: [&str; 7] = [
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-SignedHeaders",
    "X-Amz-Security-Token",
    "X-Amz-Signature",
];

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
/// - rewrites the URI's path and query into the wire form (see [`FunctionUrl`]) and its host
///   to lowercase, so what is sent is exactly what was signed;
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
/// Cloning is cheap; clones share the credentials cache.
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
    /// aws-sigv4 settings for header signing, built once (cloning them does not allocate).
    header_settings: SigningSettings,
    region: Option<String>,
    service: String,
    sign_host: Option<String>,
    content_header: ContentSha256Header,
    credentials: Option<CredentialsCache>,
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

    /// A signer for `url`'s region with credentials from `provider` (cached; static
    /// [`Credentials`] work too). The one-call constructor for the common case.
    ///
    /// ```
    /// use lambda_url_signer::{Credentials, FunctionUrl, Signer};
    /// let url = FunctionUrl::parse("https://abc123.lambda-url.eu-west-1.on.aws/")?;
    /// let signer = Signer::for_url(&url, Credentials::new("AKID", "secret", None, None, "example"));
    /// assert_eq!(signer.region(), Some("eu-west-1"));
    /// # Ok::<(), lambda_url_signer::Error>(())
    /// ```
    pub fn for_url(url: &FunctionUrl, provider: impl ProvideCredentials + 'static) -> Signer {
        Signer {
            inner: Arc::new(SignerInner {
                header_settings: header_settings(ContentSha256Header::Include),
                region: Some(url.region().to_owned()),
                service: "lambda".to_owned(),
                sign_host: None,
                content_header: ContentSha256Header::Include,
                credentials: Some(CredentialsCache::new(provider)),
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
    ///
    /// # Errors
    ///
    /// Credential errors, and those of [`Signer::sign_at`].
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
    pub async fn sign<B: AsRef<[u8]>>(&self, request: &mut http::Request<B>) -> Result<(), Error> {
        let hash = PayloadHash::of(request.body().as_ref());
        self.sign_with_hash(request, &hash).await
    }

    /// Signs with a precomputed body hash (a file hashed with
    /// [`PayloadHash::from_reader`], or a hash reused across retries), the configured
    /// credentials and the current time. The body itself is not read.
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
    pub async fn sign_with_hash<B>(
        &self,
        request: &mut http::Request<B>,
        hash: &PayloadHash,
    ) -> Result<(), Error> {
        let time = SystemTime::now();
        let credentials = self.credentials_at(time).await?;
        self.sign_at(request, hash, &credentials, time)
    }

    /// The deterministic core: signs `request` for a body whose hash is `hash`, with explicit
    /// `credentials` at time `time`. Same input, same signature; no I/O.
    ///
    /// # Errors
    ///
    /// [`Error::MissingRegion`], [`Error::InvalidHeaderValue`], [`Error::InvalidQuery`],
    /// [`Error::InvalidRequest`] (no host), [`Error::ExpiredCredentials`], [`Error::Signing`].
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
    pub fn sign_at<B>(
        &self,
        request: &mut http::Request<B>,
        hash: &PayloadHash,
        credentials: &Credentials,
        time: SystemTime,
    ) -> Result<(), Error> {
        check_time(time)?;
        check_not_expired(credentials, time)?;
        let headers = request.headers_mut();
        for stale in [
            AUTHORIZATION.as_str(),
            X_AMZ_DATE,
            X_AMZ_SECURITY_TOKEN,
            X_AMZ_CONTENT_SHA256,
        ] {
            headers.remove(stale);
        }
        normalize_uri(request.uri_mut())?;

        let prepared = self.prepare(request)?;
        let identity: Identity = credentials.clone().into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&prepared.region)
            .name(&self.inner.service)
            .time(time)
            .settings(self.inner.header_settings.clone())
            .build()
            .map_err(Error::signing)?
            .into();
        let pq = request.uri().path_and_query().map_or("/", |pq| pq.as_str());
        let signable = SignableRequest::new(
            request.method().as_str(),
            pq,
            prepared.signable_headers(),
            SignableBody::Precomputed(hash.as_str().to_owned()),
        )
        .map_err(Error::signing)?;
        let (instructions, _signature) = sign(signable, &params)
            .map_err(Error::signing)?
            .into_parts();
        tracing::debug!(
            method = %request.method(),
            host = %prepared.host,
            region = %prepared.region,
            signed_headers = %SignedHeaderNames(&prepared, self.inner.content_header, credentials),
            "signed function url request"
        );
        let (new_headers, _) = instructions.into_parts();
        let headers = request.headers_mut();
        for header in new_headers {
            let name = header.name();
            let mut value = HeaderValue::from_str(header.value()).map_err(Error::signing)?;
            value.set_sensitive(
                header.sensitive() || name == AUTHORIZATION || name == X_AMZ_SECURITY_TOKEN,
            );
            headers.insert(name, value);
        }
        Ok(())
    }

    /// What signing `request` at `time` computes, by this crate's own canonicalization: the
    /// canonical request, the string to sign, and the signed header names. The request is not
    /// changed; stale signing headers on it are ignored, as [`Signer::sign_at`] removes them.
    /// For debugging 403s (the `invoke` example's `--verbose`); pinned to botocore by tests.
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
    pub fn explain_at<B>(
        &self,
        request: &http::Request<B>,
        hash: &PayloadHash,
        credentials: &Credentials,
        time: SystemTime,
    ) -> Result<SigningDetails, Error> {
        let pq = request.uri().path_and_query().map_or("/", |pq| pq.as_str());
        let wire = wire_path_and_query(pq)?;
        let prepared = self.prepare(request)?;
        let date = format_amz_date(time);
        let mut headers: Vec<(String, String)> = prepared
            .headers
            .iter()
            .filter(|(name, _)| !is_signing_header(name))
            .map(|(name, value)| (name.to_ascii_lowercase(), trim_all(value)))
            .collect();
        headers.push(("host".to_owned(), prepared.host.to_string()));
        headers.push((X_AMZ_DATE.to_owned(), date.clone()));
        if self.inner.content_header == ContentSha256Header::Include {
            headers.push((X_AMZ_CONTENT_SHA256.to_owned(), hash.as_str().to_owned()));
        }
        if let Some(token) = credentials.session_token() {
            headers.push((X_AMZ_SECURITY_TOKEN.to_owned(), token.to_owned()));
        }
        // Stable sort keeps the values of a repeated header in order.
        headers.sort_by(|a, b| a.0.cmp(&b.0));
        let mut canonical_headers = String::new();
        let mut names: Vec<&str> = Vec::new();
        for (name, value) in &headers {
            if names.last() == Some(&name.as_str()) {
                canonical_headers.pop(); // the newline
                canonical_headers.push(',');
            } else {
                names.push(name);
                canonical_headers.push_str(name);
                canonical_headers.push(':');
            }
            canonical_headers.push_str(value);
            canonical_headers.push('\n');
        }
        let signed_headers = names.join(";");
        let (path, query) = wire.split_once('?').unwrap_or((&wire, ""));
        let mut pairs: Vec<(&str, &str)> = query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| p.split_once('=').unwrap_or((p, "")))
            .collect();
        pairs.sort_unstable();
        let canonical_query = pairs
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&");
        let canonical_request = format!(
            "{}\n{}\n{}\n{}\n{}\n{}",
            request.method(),
            path.replace('%', "%25"),
            canonical_query,
            canonical_headers,
            signed_headers,
            hash
        );
        let scope = format!(
            "{}/{}/{}/aws4_request",
            &date[..8],
            prepared.region,
            self.inner.service
        );
        let string_to_sign = format!(
            "{ALGORITHM}\n{date}\n{scope}\n{}",
            hex::encode(Sha256::digest(canonical_request.as_bytes()))
        );
        Ok(SigningDetails {
            canonical_request,
            string_to_sign,
            signed_headers,
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

    /// The deterministic presign. The payload hash is the real body hash (the empty-body hash
    /// for GET), never `UNSIGNED-PAYLOAD`, which Lambda rejects: the caller must send exactly
    /// that body.
    ///
    /// # Errors
    ///
    /// [`Error::PresignExpiry`] unless `expires_in` is between 1 second and 7 days,
    /// [`Error::PresignOutlivesCredentials`] when it ends after the credentials expire,
    /// [`Error::ExpiredCredentials`], [`Error::Signing`].
    ///
    /// ```
    /// # use lambda_url_signer::{Credentials, Error, FunctionUrl, PayloadHash, Signer};
    /// # use std::time::{Duration, SystemTime};
    /// let url = FunctionUrl::parse("https://abc.lambda-url.us-east-1.on.aws/")?;
    /// let signer = Signer::builder().build()?;
    /// let credentials = Credentials::new("AKID", "secret", None, None, "example");
    /// let eight_days = Duration::from_secs(8 * 86_400);
    /// let err = signer
    ///     .presign_at(&http::Method::GET, &url, &PayloadHash::EMPTY, eight_days, &credentials, SystemTime::now())
    ///     .unwrap_err();
    /// assert!(matches!(err, Error::PresignExpiry { .. }));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn presign_at(
        &self,
        method: &http::Method,
        url: &FunctionUrl,
        hash: &PayloadHash,
        expires_in: Duration,
        credentials: &Credentials,
        time: SystemTime,
    ) -> Result<PresignedUrl, Error> {
        if expires_in < Duration::from_secs(1)
            || expires_in > MAX_PRESIGN_EXPIRY
            || expires_in.subsec_nanos() != 0
        {
            return Err(Error::PresignExpiry {
                requested: expires_in,
            });
        }
        check_time(time)?;
        check_time(
            time.checked_add(expires_in)
                .unwrap_or(UNIX_EPOCH - Duration::from_secs(1)),
        )?;
        check_not_expired(credentials, time)?;
        if let Some(expiry) = credentials.expiry() {
            let remaining = expiry.duration_since(time).unwrap_or_default();
            if expires_in > remaining {
                return Err(Error::PresignOutlivesCredentials {
                    requested: expires_in,
                    remaining,
                });
            }
        }
        // Drop presign parameters from an earlier presign, keep the rest in wire form.
        let (path, query) = url
            .path_and_query()
            .split_once('?')
            .unwrap_or((url.path_and_query(), ""));
        let mut wire = String::from(path);
        let mut first = true;
        for piece in query.split('&').filter(|p| !p.is_empty()) {
            let name = piece.split_once('=').map_or(piece, |(n, _)| n);
            if PRESIGN_PARAMS.iter().any(|p| p.eq_ignore_ascii_case(name)) {
                continue;
            }
            wire.push(if first { '?' } else { '&' });
            first = false;
            wire.push_str(piece);
        }
        let host = self.inner.sign_host.as_deref().unwrap_or(url.host());
        let region = self.inner.region.as_deref().unwrap_or(url.region());
        let identity: Identity = credentials.clone().into();
        let mut settings = base_settings();
        settings.signature_location = SignatureLocation::QueryParams;
        settings.payload_checksum_kind = PayloadChecksumKind::NoHeader;
        settings.expires_in = Some(expires_in);
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(region)
            .name(&self.inner.service)
            .time(time)
            .settings(settings)
            .build()
            .map_err(Error::signing)?
            .into();
        let signable = SignableRequest::new(
            method.as_str(),
            wire.as_str(),
            [("host", host)].into_iter(),
            SignableBody::Precomputed(hash.as_str().to_owned()),
        )
        .map_err(Error::signing)?;
        // aws-sigv4 logs the presigned canonical request at TRACE with the session token in its
        // query; nothing of it may reach the caller's logs, so its events are dropped here.
        let signed = tracing::dispatcher::with_default(&tracing::Dispatch::none(), || {
            sign(signable, &params)
        });
        let (instructions, _signature) = signed.map_err(Error::signing)?.into_parts();
        let (_, params) = instructions.into_parts();
        let scheme = url.uri().scheme_str().unwrap_or("https");
        let authority = url.uri().authority().map_or("", |a| a.as_str());
        let mut out = format!("{scheme}://{authority}{wire}");
        // The signature goes last, as botocore and the AWS CLI write it.
        let (signature, rest): (Vec<_>, Vec<_>) = params
            .into_iter()
            .partition(|(name, _)| *name == "X-Amz-Signature");
        for (name, value) in rest.into_iter().chain(signature) {
            out.push(if first { '?' } else { '&' });
            first = false;
            out.push_str(name);
            out.push('=');
            encode_component(&mut out, value.as_bytes());
        }
        Ok(PresignedUrl {
            url: out,
            expires_at: time + expires_in,
        })
    }

    fn prepare<'a, B>(&'a self, request: &'a http::Request<B>) -> Result<Prepared<'a>, Error> {
        let host: Cow<'a, str> = match (&self.inner.sign_host, request.headers().get(HOST)) {
            (Some(host), _) => Cow::Borrowed(host),
            (None, Some(value)) => {
                Cow::Borrowed(value.to_str().map_err(|_| Error::InvalidHeaderValue {
                    name: "host".to_owned(),
                })?)
            }
            (None, None) => Cow::Owned(host_of(request.uri())?),
        };
        let region: Cow<'a, str> = match &self.inner.region {
            Some(region) => Cow::Borrowed(region),
            None => Cow::Owned(region_from_host(&host).ok_or_else(|| Error::MissingRegion {
                host: host.to_string(),
            })?),
        };
        let hop_by_hop = connection_tokens(request.headers());
        let mut headers = Vec::with_capacity(request.headers().len());
        for (name, value) in request.headers() {
            let name = name.as_str();
            if name == HOST
                || is_unsigned_header(name)
                || hop_by_hop.iter().any(|t| t.eq_ignore_ascii_case(name))
            {
                continue;
            }
            let value =
                std::str::from_utf8(value.as_bytes()).map_err(|_| Error::InvalidHeaderValue {
                    name: name.to_owned(),
                })?;
            headers.push((name, value));
        }
        Ok(Prepared {
            host,
            region,
            headers,
        })
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

struct Prepared<'a> {
    host: Cow<'a, str>,
    region: Cow<'a, str>,
    headers: Vec<(&'a str, &'a str)>,
}

impl<'a> Prepared<'a> {
    fn signable_headers(&'a self) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.headers
            .iter()
            .copied()
            .chain(std::iter::once(("host", self.host.as_ref())))
    }
}

/// Formats the signed header names for tracing, computed only when the event is enabled.
struct SignedHeaderNames<'a>(&'a Prepared<'a>, ContentSha256Header, &'a Credentials);

impl fmt::Display for SignedHeaderNames<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<&str> = self.0.headers.iter().map(|(n, _)| *n).collect();
        names.extend(["host", X_AMZ_DATE]);
        if self.1 == ContentSha256Header::Include {
            names.push(X_AMZ_CONTENT_SHA256);
        }
        if self.2.session_token().is_some() {
            names.push(X_AMZ_SECURITY_TOKEN);
        }
        names.sort_unstable();
        names.dedup();
        f.write_str(&names.join(";"))
    }
}

/// aws-sigv4's settings with its own header exclusion list off: `Signer::prepare` already
/// chose the headers to sign.
fn base_settings() -> SigningSettings {
    let mut settings = SigningSettings::default();
    settings.excluded_headers = None;
    settings
}

fn header_settings(content_header: ContentSha256Header) -> SigningSettings {
    let mut settings = base_settings();
    settings.payload_checksum_kind = match content_header {
        ContentSha256Header::Include => PayloadChecksumKind::XAmzSha256,
        ContentSha256Header::Omit => PayloadChecksumKind::NoHeader,
    };
    settings
}

fn is_signing_header(name: &str) -> bool {
    [
        AUTHORIZATION.as_str(),
        X_AMZ_DATE,
        X_AMZ_SECURITY_TOKEN,
        X_AMZ_CONTENT_SHA256,
    ]
    .iter()
    .any(|h| h.eq_ignore_ascii_case(name))
}

/// Headers that proxies and CDNs add, remove or rewrite, and so are never signed.
fn is_unsigned_header(name: &str) -> bool {
    matches!(
        name,
        "authorization"
            | "user-agent"
            | "x-amzn-trace-id"
            | "transfer-encoding"
            | "content-length"
            | "expect"
            | "connection"
            | "keep-alive"
            | "proxy-authenticate"
            | "proxy-authorization"
            | "proxy-connection"
            | "te"
            | "trailer"
            | "upgrade"
            | "via"
            | "forwarded"
    ) || name.starts_with("x-forwarded-")
        || name.starts_with("cf-")
}

/// The header names listed in `Connection` (hop-by-hop by declaration).
fn connection_tokens(headers: &http::HeaderMap) -> Vec<&str> {
    headers
        .get_all(http::header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect()
}

/// Rewrites the URI's path and query into wire form and its authority to lowercase, in place,
/// only when they differ (no allocation for an already-normal URI).
fn normalize_uri(uri: &mut http::Uri) -> Result<(), Error> {
    let pq = uri.path_and_query().map_or("/", |pq| pq.as_str());
    let wire = wire_path_and_query(pq)?;
    let lowercase_needed = uri
        .authority()
        .is_some_and(|a| a.as_str().bytes().any(|b| b.is_ascii_uppercase()));
    let pq_changed = matches!(wire, Cow::Owned(_)) || uri.path_and_query().is_none();
    if !pq_changed && !lowercase_needed {
        return Ok(());
    }
    let wire = wire.into_owned();
    let mut parts = std::mem::take(uri).into_parts();
    let invalid = || Error::InvalidRequest {
        reason: "the normalized uri is not a valid uri",
    };
    parts.path_and_query = Some(wire.parse().map_err(|_| invalid())?);
    if lowercase_needed {
        if let Some(authority) = &parts.authority {
            parts.authority = Some(
                authority
                    .as_str()
                    .to_ascii_lowercase()
                    .parse()
                    .map_err(|_| invalid())?,
            );
        }
    }
    *uri = http::Uri::from_parts(parts).map_err(|_| invalid())?;
    Ok(())
}

/// The last second SigV4's four-digit years can express: 9999-12-31T23:59:59Z.
const LAST_SIGNABLE_SECOND: u64 = 253_402_300_799;

/// Signing times must be expressible as `YYYYMMDDTHHMMSSZ` (aws-sigv4 panics otherwise).
fn check_time(time: SystemTime) -> Result<(), Error> {
    match time.duration_since(UNIX_EPOCH) {
        Ok(since) if since.as_secs() <= LAST_SIGNABLE_SECOND => Ok(()),
        _ => Err(Error::InvalidRequest {
            reason: "the signing time must be between 1970-01-01 and 9999-12-31 (UTC)",
        }),
    }
}

fn check_not_expired(credentials: &Credentials, time: SystemTime) -> Result<(), Error> {
    match credentials.expiry() {
        Some(expiry) if expiry <= time => Err(Error::ExpiredCredentials {
            access_key_id: credentials.access_key_id().to_owned(),
        }),
        _ => Ok(()),
    }
}

/// Trims spaces and collapses inner runs of spaces, as SigV4 canonical header values need.
fn trim_all(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for word in value.split(' ').filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// `YYYYMMDDTHHMMSSZ` in UTC.
fn format_amz_date(time: SystemTime) -> String {
    let secs = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    // Civil-from-days (proleptic Gregorian), after Howard Hinnant's algorithm description.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// What a signature was computed over: the canonical request, the string to sign, and the
/// signed header names, from [`Signer::explain_at`].
///
/// `Debug` and [`SigningDetails::canonical_request_redacted`] hide the session token; the
/// secret key and the signature are never part of it.
///
/// ```
/// # use lambda_url_signer::{Credentials, PayloadHash, Signer};
/// # use std::time::SystemTime;
/// let signer = Signer::builder().region("us-east-1").build()?;
/// let credentials = Credentials::new("AKID", "secret", Some("TOKEN".into()), None, "example");
/// let request = http::Request::get("http://127.0.0.1:9000/").body(())?;
/// let details = signer.explain_at(&request, &PayloadHash::EMPTY, &credentials, SystemTime::now())?;
/// assert!(details.canonical_request().contains("x-amz-security-token:TOKEN"));
/// assert!(!details.canonical_request_redacted().contains("TOKEN"));
/// assert!(details.string_to_sign().starts_with("AWS4-HMAC-SHA256\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct SigningDetails {
    canonical_request: String,
    string_to_sign: String,
    signed_headers: String,
    session_token: Option<String>,
}

impl SigningDetails {
    /// The canonical request, exactly as hashed into the string to sign. It contains the
    /// session token when there is one: print [`Self::canonical_request_redacted`] instead.
    ///
    /// ```
    /// # use lambda_url_signer::{Credentials, PayloadHash, Signer};
    /// # use std::time::SystemTime;
    /// # let signer = Signer::builder().region("us-east-1").build()?;
    /// # let c = Credentials::new("AKID", "secret", None, None, "example");
    /// # let request = http::Request::get("http://127.0.0.1:9000/").body(())?;
    /// let details = signer.explain_at(&request, &PayloadHash::EMPTY, &c, SystemTime::now())?;
    /// assert!(details.canonical_request().starts_with("GET\n/\n"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn canonical_request(&self) -> &str {
        &self.canonical_request
    }

    /// The canonical request with the session token's value replaced by `<redacted>`.
    ///
    /// ```
    /// # use lambda_url_signer::{Credentials, PayloadHash, Signer};
    /// # use std::time::SystemTime;
    /// # let signer = Signer::builder().region("us-east-1").build()?;
    /// # let c = Credentials::new("AKID", "secret", Some("TOKEN".into()), None, "example");
    /// # let request = http::Request::get("http://127.0.0.1:9000/").body(())?;
    /// let details = signer.explain_at(&request, &PayloadHash::EMPTY, &c, SystemTime::now())?;
    /// assert!(details.canonical_request_redacted().contains("x-amz-security-token:<redacted>"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn canonical_request_redacted(&self) -> String {
        match &self.session_token {
            Some(token) if !token.is_empty() => self.canonical_request.replace(token, "<redacted>"),
            _ => self.canonical_request.clone(),
        }
    }

    /// The string to sign (algorithm, date, scope, hash of the canonical request).
    ///
    /// ```
    /// # use lambda_url_signer::{Credentials, PayloadHash, Signer};
    /// # use std::time::SystemTime;
    /// # let signer = Signer::builder().region("us-east-1").build()?;
    /// # let c = Credentials::new("AKID", "secret", None, None, "example");
    /// # let request = http::Request::get("http://127.0.0.1:9000/").body(())?;
    /// let details = signer.explain_at(&request, &PayloadHash::EMPTY, &c, SystemTime::now())?;
    /// assert!(details.string_to_sign().contains("/us-east-1/lambda/aws4_request\n"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn string_to_sign(&self) -> &str {
        &self.string_to_sign
    }

    /// The signed header names, `;`-separated, as in the `Authorization` header.
    ///
    /// ```
    /// # use lambda_url_signer::{Credentials, PayloadHash, Signer};
    /// # use std::time::SystemTime;
    /// # let signer = Signer::builder().region("us-east-1").build()?;
    /// # let c = Credentials::new("AKID", "secret", None, None, "example");
    /// let request = http::Request::get("http://127.0.0.1:9000/").header("User-Agent", "x").body(())?;
    /// let details = signer.explain_at(&request, &PayloadHash::EMPTY, &c, SystemTime::now())?;
    /// assert_eq!(details.signed_headers(), "host;x-amz-content-sha256;x-amz-date");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn signed_headers(&self) -> &str {
        &self.signed_headers
    }
}

impl fmt::Debug for SigningDetails {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningDetails")
            .field("canonical_request", &self.canonical_request_redacted())
            .field("string_to_sign", &self.string_to_sign)
            .field("signed_headers", &self.signed_headers)
            .finish()
    }
}

/// A presigned function URL: a bearer credential until it expires.
///
/// `Debug` and `Display` hide the signature and the session token; read the whole URL with
/// [`PresignedUrl::as_str`].
///
/// ```
/// # use lambda_url_signer::{Credentials, FunctionUrl, PayloadHash, Signer};
/// # use std::time::{Duration, SystemTime};
/// let url = FunctionUrl::parse("https://abc.lambda-url.us-east-1.on.aws/")?;
/// let credentials = Credentials::new("AKID", "secret", Some("TOKEN".into()), None, "example");
/// let presigned = Signer::builder().build()?.presign_at(
///     &http::Method::GET, &url, &PayloadHash::EMPTY, Duration::from_secs(60), &credentials, SystemTime::now(),
/// )?;
/// assert!(presigned.as_str().contains("X-Amz-Security-Token=TOKEN"));
/// assert!(!format!("{presigned} {presigned:?}").contains("TOKEN"));
/// # Ok::<(), lambda_url_signer::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct PresignedUrl {
    url: String,
    expires_at: SystemTime,
}

impl PresignedUrl {
    /// The full URL, signature included.
    ///
    /// ```
    /// # use lambda_url_signer::{Credentials, FunctionUrl, PayloadHash, Signer};
    /// # use std::time::{Duration, SystemTime};
    /// # let url = FunctionUrl::parse("https://abc.lambda-url.us-east-1.on.aws/")?;
    /// # let c = Credentials::new("AKID", "secret", None, None, "example");
    /// # let p = Signer::builder().build()?.presign_at(&http::Method::GET, &url, &PayloadHash::EMPTY, Duration::from_secs(60), &c, SystemTime::now())?;
    /// assert!(p.as_str().contains("X-Amz-Signature="));
    /// # Ok::<(), lambda_url_signer::Error>(())
    /// ```
    pub fn as_str(&self) -> &str {
        &self.url
    }

    /// The full URL, consuming `self`.
    ///
    /// ```
    /// # use lambda_url_signer::{Credentials, FunctionUrl, PayloadHash, Signer};
    /// # use std::time::{Duration, SystemTime};
    /// # let url = FunctionUrl::parse("https://abc.lambda-url.us-east-1.on.aws/")?;
    /// # let c = Credentials::new("AKID", "secret", None, None, "example");
    /// # let p = Signer::builder().build()?.presign_at(&http::Method::GET, &url, &PayloadHash::EMPTY, Duration::from_secs(60), &c, SystemTime::now())?;
    /// let url: String = p.into_string();
    /// assert!(url.starts_with("https://abc.lambda-url.us-east-1.on.aws/?X-Amz-Algorithm="));
    /// # Ok::<(), lambda_url_signer::Error>(())
    /// ```
    pub fn into_string(self) -> String {
        self.url
    }

    /// When the URL stops working.
    ///
    /// ```
    /// # use lambda_url_signer::{Credentials, FunctionUrl, PayloadHash, Signer};
    /// # use std::time::{Duration, SystemTime};
    /// # let url = FunctionUrl::parse("https://abc.lambda-url.us-east-1.on.aws/")?;
    /// # let c = Credentials::new("AKID", "secret", None, None, "example");
    /// let now = SystemTime::now();
    /// # let p = Signer::builder().build()?.presign_at(&http::Method::GET, &url, &PayloadHash::EMPTY, Duration::from_secs(60), &c, now)?;
    /// assert_eq!(p.expires_at(), now + Duration::from_secs(60));
    /// # Ok::<(), lambda_url_signer::Error>(())
    /// ```
    pub fn expires_at(&self) -> SystemTime {
        self.expires_at
    }

    fn redacted(&self) -> String {
        let mut out = String::with_capacity(self.url.len());
        let (base, query) = self.url.split_once('?').unwrap_or((&self.url, ""));
        out.push_str(base);
        for (i, piece) in query.split('&').enumerate() {
            out.push(if i == 0 { '?' } else { '&' });
            match piece.split_once('=') {
                Some((name, _))
                    if name.eq_ignore_ascii_case("X-Amz-Signature")
                        || name.eq_ignore_ascii_case("X-Amz-Security-Token") =>
                {
                    out.push_str(name);
                    out.push_str("=<redacted>");
                }
                _ => out.push_str(piece),
            }
        }
        out
    }
}

impl fmt::Display for PresignedUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl fmt::Debug for PresignedUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PresignedUrl")
            .field("url", &self.redacted())
            .field("expires_at", &self.expires_at)
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
    /// sign host; [`Error::InvalidRequest`] for an empty service name or sign host.
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
            return Err(Error::InvalidRequest {
                reason: "the service name and the sign host must not be empty",
            });
        }
        if let Some(host) = &self.sign_host {
            HeaderValue::from_str(host).map_err(|_| Error::InvalidHeaderValue {
                name: "host".to_owned(),
            })?;
        }
        Ok(Signer {
            inner: Arc::new(SignerInner {
                header_settings: header_settings(self.content_header),
                region: self.region,
                service,
                sign_host: self.sign_host,
                content_header: self.content_header,
                credentials: self.credentials,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amz_date() {
        let t = UNIX_EPOCH + Duration::from_secs(1_440_938_160);
        assert_eq!(format_amz_date(t), "20150830T123600Z");
        assert_eq!(format_amz_date(UNIX_EPOCH), "19700101T000000Z");
        assert_eq!(
            format_amz_date(UNIX_EPOCH + Duration::from_secs(951_782_400)),
            "20000229T000000Z"
        );
    }

    #[test]
    fn trims_header_values() {
        assert_eq!(trim_all("  a   b  c "), "a b c");
        assert_eq!(trim_all(""), "");
    }
}
