//! Presigned URLs: the signature in the query (`X-Amz-*` parameters), only `host` signed.

use super::canonical::{hex32, CanonicalRequest};
use super::key_cache::finish_signature;
use super::sign::{check_not_expired, string_to_sign_parts, ALGORITHM};
use super::time::AmzDate;
use super::Signer;
use crate::function_url::encode_component;
use crate::{Credentials, Error, FunctionUrl, PayloadHash};
use std::fmt;
use std::time::{Duration, SystemTime};

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

impl Signer {
    /// The deterministic presign. The payload hash is the real body hash (the empty-body hash
    /// for GET), never `UNSIGNED-PAYLOAD`, which Lambda rejects: the caller must send exactly
    /// that body.
    ///
    /// # Errors
    ///
    /// [`Error::PresignExpiry`] unless `expires_in` is between 1 second and 7 days,
    /// [`Error::PresignOutlivesCredentials`] when it ends after the credentials expire,
    /// [`Error::ExpiredCredentials`], [`Error::SigningTimeOutOfRange`].
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
        let date = AmzDate::new(time)?;
        let expires_at = time
            .checked_add(expires_in)
            .ok_or(Error::SigningTimeOutOfRange)?;
        AmzDate::new(expires_at)?;
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
        let host = self.inner.sign_host.as_deref().unwrap_or(url.host());
        let region = self.inner.region.as_deref().unwrap_or(url.region());
        let service = self.inner.service.as_str();
        let (path, old_query) = url
            .path_and_query()
            .split_once('?')
            .unwrap_or((url.path_and_query(), ""));
        // The caller's parameters (in wire form, without those of an earlier presign), then
        // the presign parameters, in the order botocore and the AWS CLI write them.
        let mut query = String::with_capacity(old_query.len() + 320);
        for piece in old_query.split('&').filter(|p| !p.is_empty()) {
            let name = piece.split_once('=').map_or(piece, |(n, _)| n);
            if !PRESIGN_PARAMS.iter().any(|p| p.eq_ignore_ascii_case(name)) {
                query.push_str(piece);
                query.push('&');
            }
        }
        query.push_str("X-Amz-Algorithm=");
        query.push_str(ALGORITHM);
        query.push_str("&X-Amz-Credential=");
        for part in [
            credentials.access_key_id(),
            "/",
            date.date(),
            "/",
            region,
            "/",
            service,
            "/aws4_request",
        ] {
            encode_component(&mut query, part.as_bytes());
        }
        query.push_str("&X-Amz-Date=");
        query.push_str(date.as_str());
        query.push_str("&X-Amz-Expires=");
        query.push_str(&expires_in.as_secs().to_string());
        query.push_str("&X-Amz-SignedHeaders=host");
        if let Some(token) = credentials.session_token() {
            query.push_str("&X-Amz-Security-Token=");
            encode_component(&mut query, token.as_bytes());
        }
        let headers = [("host", host)];
        let canonical = CanonicalRequest {
            method: method.as_str(),
            path,
            query: &query,
            headers: &headers,
            payload_hash: hash.as_str(),
        };
        let digest_hex = hex32(&canonical.digest());
        let mac = self
            .inner
            .keys
            .keyed(credentials, time, &date, region, service)?
            .mac;
        let signature = string_to_sign_parts(&date, region, service, &digest_hex, |parts| {
            finish_signature(mac, parts)
        });
        let scheme = url.uri().scheme_str().unwrap_or("https");
        let authority = url.uri().authority().map_or("", |a| a.as_str());
        let mut out =
            String::with_capacity(scheme.len() + authority.len() + path.len() + query.len() + 96);
        for part in [
            scheme,
            "://",
            authority,
            path,
            "?",
            &query,
            "&X-Amz-Signature=",
        ] {
            out.push_str(part);
        }
        out.push_str(std::str::from_utf8(&signature).unwrap_or_default());
        Ok(PresignedUrl {
            url: out,
            expires_at,
        })
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
/// // `{}` is the URL to hand on, signature and token included (as `as_str`).
/// assert!(presigned.to_string().contains("X-Amz-Security-Token=TOKEN"));
/// assert_eq!(presigned.to_string(), presigned.as_str());
/// // `{:?}` (logs, panics, `dbg!`) redacts the signature and the token.
/// assert!(!format!("{presigned:?}").contains("TOKEN"));
/// # Ok::<(), lambda_url_signer::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct PresignedUrl {
    pub(crate) url: String,
    pub(crate) expires_at: SystemTime,
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

/// The full URL, ready to hand on: a presigned URL is meant to be given to someone else, so
/// `{}` must work when printed. `Debug` redacts the signature and the token instead.
impl fmt::Display for PresignedUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.url)
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
