//! The crate's one error type.

use std::time::Duration;

pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong in this crate.
///
/// Each variant says what happened and what to do about it. Messages are lowercase, never
/// contain a secret key, a session token or a signature, and keep the underlying cause in
/// [`source()`](std::error::Error::source) rather than in the text.
///
/// Behind the reqwest middleware, these errors travel inside
/// `reqwest_middleware::Error::Middleware`; get them back with
/// `err.downcast_ref::<lambda_url_signer::Error>()` on the inner `anyhow::Error`.
///
/// ```
/// use lambda_url_signer::{Error, FunctionUrl};
///
/// let err = FunctionUrl::parse("ftp://example.com/").unwrap_err();
/// assert!(matches!(err, Error::InvalidUrl { .. }));
/// assert_eq!(
///     err.to_string(),
///     "invalid url `ftp://example.com/`: the scheme must be http or https"
/// );
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input is not a usable `http`/`https` URL (bad scheme, no host, user info, bad port).
    /// Fix the URL; `reason` says which part is wrong. User info (`user:password@`) is never
    /// repeated: `input` shows it as `<redacted>@`.
    #[error("invalid url `{input}`: {reason}")]
    InvalidUrl {
        /// The URL as given.
        input: String,
        /// What is wrong with it.
        reason: &'static str,
    },

    /// The host is not a `<url-id>.lambda-url.<region>.on.aws` function URL host, so the region
    /// cannot be read from it. Configure the region explicitly
    /// ([`FunctionUrl::with_region`](crate::FunctionUrl::with_region) or
    /// [`SignerBuilder::region`](crate::SignerBuilder::region)); there is no default region.
    #[error("no region for host `{host}`: it is not a `<url-id>.lambda-url.<region>.on.aws` host, so configure the region explicitly")]
    MissingRegion {
        /// The host that was to be signed.
        host: String,
    },

    /// A region name is malformed (regions look like `eu-central-1`), or it contradicts the
    /// region in the function URL's host.
    #[error("invalid region `{region}`: {reason}")]
    InvalidRegion {
        /// The region as given.
        region: String,
        /// What is wrong with it.
        reason: &'static str,
    },

    /// A header value is not valid UTF-8, so it cannot be signed the way Lambda checks it.
    /// Remove the header or send it percent-encoded. (Such headers are never sent unsigned
    /// silently.) The value itself is not repeated here, as it may be secret.
    #[error("header `{name}` has a value that is not valid UTF-8 and cannot be signed")]
    InvalidHeaderValue {
        /// The header's name.
        name: String,
    },

    /// A query parameter decodes to bytes that are not UTF-8 (for example `%FF`); SigV4
    /// canonicalization cannot represent it faithfully. Encode the value as UTF-8 first.
    #[error("query parameter `{parameter}` is not UTF-8 after percent-decoding")]
    InvalidQuery {
        /// The raw parameter (name or value) as it appeared in the query.
        parameter: String,
    },

    /// A presign expiry outside 1 second to 7 days (the SigV4 limits).
    #[error(
        "presign expiry of {requested:?} is out of range: it must be between 1 second and 7 days"
    )]
    PresignExpiry {
        /// The expiry asked for.
        requested: Duration,
    },

    /// A presigned URL would outlive the credentials it is signed with. Ask for a shorter expiry
    /// or use longer-lived credentials.
    #[error(
        "presign expiry of {requested:?} ends after the credentials expire (in {remaining:?})"
    )]
    PresignOutlivesCredentials {
        /// The expiry asked for.
        requested: Duration,
        /// How long the credentials have left at signing time.
        remaining: Duration,
    },

    /// The credentials provider failed. The provider's error is in `source()`; check the
    /// credential configuration (environment, profile, role) it reports.
    #[error("the credentials provider failed")]
    CredentialsProvider {
        /// The provider's error.
        #[source]
        source: BoxError,
    },

    /// The credentials provider did not answer in time. Raise the timeout with
    /// [`CredentialsCacheBuilder::provider_timeout`](crate::CredentialsCacheBuilder::provider_timeout)
    /// or check the provider's endpoint (IMDS, STS, SSO).
    #[error("the credentials provider did not answer within {timeout:?}")]
    CredentialsTimeout {
        /// The timeout that passed.
        timeout: Duration,
    },

    /// The credentials expired before they could be used. Refresh them (a provider-backed
    /// cache does this by itself) or pass fresh static credentials.
    #[error("the credentials for access key `{access_key_id}` expired")]
    ExpiredCredentials {
        /// The access key id of the expired credentials (not secret).
        access_key_id: String,
    },

    /// The credentials provider needs a Tokio runtime (its reactor or timer) and was called
    /// outside one, from a blocking client or another executor. Sign inside a Tokio runtime,
    /// use static credentials (they need none), or sign with explicit credentials
    /// ([`Signer::sign_at`](crate::Signer::sign_at)).
    #[error("the credentials provider needs a tokio runtime, and none is running")]
    NoRuntime,

    /// The signer has no credentials: it was built without any, and a method that needs them
    /// was called. Use the methods taking explicit credentials, or configure credentials.
    #[error("the signer has no credentials configured")]
    NoCredentials,

    /// The credentials cannot be sent: the access key id or the session token contains
    /// characters a header value cannot carry (control characters, line breaks). The value
    /// itself is not repeated here.
    #[error("the credentials' {field} contains characters that cannot be sent in a header")]
    InvalidCredentials {
        /// Which part: `access key id` or `session token`.
        field: &'static str,
    },

    /// The signer's settings are unusable (an empty service name or sign host); `reason` says
    /// which. Returned by [`SignerBuilder::build`](crate::SignerBuilder::build).
    #[error("invalid signer configuration: {reason}")]
    Configuration {
        /// What is wrong.
        reason: &'static str,
    },

    /// The signing time cannot be written as a SigV4 date: it is before 1970-01-01 or after
    /// 9999-12-31 (UTC), or a presigned URL would expire after that.
    #[error("the signing time must be between 1970-01-01 and 9999-12-31 (utc)")]
    SigningTimeOutOfRange,

    /// The request's URL cannot be represented after signing rewrote it into its wire form
    /// (or as an `http::Uri`, or a `reqwest::Url`); `reason` says which.
    #[error("the url cannot be represented: {reason}")]
    UrlNotRepresentable {
        /// What could not be represented.
        reason: &'static str,
    },

    /// CloudFront answers 403 to a viewer GET or HEAD request that carries a body, so
    /// [`OacMiddleware`](crate::middleware::OacMiddleware) refuses to send one. Send the data in a POST, or
    /// in the query.
    #[error("a {method} request with a body is refused by cloudfront; use POST or the query")]
    BodyNotAllowed {
        /// The request's method.
        method: String,
    },

    /// Reading a body (a file, a reader) failed while hashing it.
    #[error("reading the body failed")]
    Io(#[from] std::io::Error),

    /// The body is a stream that cannot be read without consuming it, so it cannot be hashed
    /// before sending. Hash it first ([`PayloadHash::from_async_reader`](crate::PayloadHash::from_async_reader),
    /// [`PayloadHash::from_reader`](crate::PayloadHash::from_reader)) and hand the hash over: as
    /// a request extension for the middleware and the tower layer, or to
    /// [`Signer::sign_with_hash`](crate::Signer::sign_with_hash); or send a buffered body.
    #[error("the request body is a stream and cannot be hashed before sending; hash it first and pass the hash as a request extension, or buffer it")]
    StreamingBody,

    /// The body exceeds the function URL payload limit (6,291,456 bytes by default). Lambda
    /// counts a body that is not text (see [`PayloadLimit`](crate::PayloadLimit)) as its
    /// base64 size, so 5,000,000 bytes of `application/octet-stream` count as 6,666,668: binary
    /// bodies fit up to 4,718,592 bytes. Send less, or change the limit on the middleware.
    #[error("{}", body_too_large(*body_len, *size, *limit))]
    BodyTooLarge {
        /// The body's length in bytes.
        body_len: u64,
        /// The size as Lambda counts it (after base64 growth for non-text bodies).
        size: u64,
        /// The limit in force.
        limit: u64,
    },
}

/// The message of [`Error::BodyTooLarge`]: says when the size was counted in base64.
fn body_too_large(body_len: u64, size: u64, limit: u64) -> String {
    if body_len == size {
        format!("the body is {size} bytes, over the limit of {limit} bytes")
    } else {
        format!(
            "the body is {body_len} bytes, which Lambda counts as {size} (base64, as the \
             content-type is not text), over the limit of {limit} bytes"
        )
    }
}
