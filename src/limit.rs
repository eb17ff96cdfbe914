//! The checks made on a body before sending: its size as Lambda counts it, and CloudFront's
//! refusal of a GET or HEAD that carries one. Shared by the reqwest middleware and the tower
//! layer, which each say what they see of the body: its bytes when they are in memory.

use crate::Error;
#[cfg(any(feature = "middleware", feature = "tower"))]
use crate::PayloadHash;

/// The function URL request payload limit for buffered invocations, in bytes.
const FUNCTION_URL_PAYLOAD_LIMIT: u64 = 6_291_456;

/// Lambda's payload rule, checked before sending: the one statement of it in this crate.
///
/// # The rule
///
/// Lambda counts the invoke event against 6,291,456 bytes. A body goes into the event as text
/// when its `content-type` is text, else base64-encoded, so it counts `4 * ceil(n / 3)` bytes
/// ([`PayloadLimit::counted_size`]): binary bodies fit up to 4,718,592 bytes. Text is decided by
/// the media type before any `;` parameter, ASCII case-insensitively: `text/*`, anything naming
/// `json`, `xml` or `javascript` (`application/ld+json`, `application/xml`), and
/// `application/x-www-form-urlencoded`; no `content-type` is binary. A `boundary=json…`
/// parameter does not make multipart text.
///
/// Headers count on Lambda too; this check counts the body only, so a body right at the limit
/// with large headers may still get 413. The emulator (`lambda-url-emulator`) applies the same
/// rule with its own code, and a test pins both to one verdict over a table of content types.
///
/// The middlewares and the tower layer check every body (a streamed one by its declared
/// [`PayloadHash`](crate::PayloadHash)'s length or its `Content-Length`) and fail with [`Error::BodyTooLarge`]
/// before sending; set the limit there with `payload_limit`.
///
/// ```
/// use lambda_url_signer::PayloadLimit;
///
/// let mut headers = http::HeaderMap::new();
/// headers.insert("content-type", "multipart/form-data; boundary=json0123".parse()?);
/// // 4,718,593 bytes of multipart count 6,291,460 in base64: over the limit.
/// assert!(PayloadLimit::default().check(&headers, 4_718_593).is_err());
/// headers.insert("content-type", "application/json; charset=utf-8".parse()?);
/// assert!(PayloadLimit::default().check(&headers, 4_718_593).is_ok());
/// assert!(PayloadLimit::Unlimited.check(&headers, u64::MAX).is_ok());
/// # Ok::<(), Box<dyn std::error::Error>>(())
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

impl PayloadLimit {
    /// The size of a `body_len`-byte body as Lambda counts it against the limit: bodies whose
    /// `content-type` is not text are base64-encoded into the event.
    ///
    /// ```
    /// use lambda_url_signer::PayloadLimit;
    /// let mut headers = http::HeaderMap::new();
    /// assert_eq!(PayloadLimit::counted_size(&headers, 3), 4); // binary: base64
    /// headers.insert("content-type", "application/json".parse()?);
    /// assert_eq!(PayloadLimit::counted_size(&headers, 3), 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn counted_size(headers: &http::HeaderMap, body_len: u64) -> u64 {
        let content_type = headers
            .get(http::header::CONTENT_TYPE)
            .map(|v| v.as_bytes());
        if is_text(content_type) {
            body_len
        } else {
            body_len.div_ceil(3).saturating_mul(4)
        }
    }

    /// Checks a body of `body_len` bytes with these `headers` against the limit.
    ///
    /// # Errors
    ///
    /// [`Error::BodyTooLarge`] when the size as Lambda counts it is over the limit.
    ///
    /// ```
    /// use lambda_url_signer::{Error, PayloadLimit};
    /// let headers = http::HeaderMap::new();
    /// assert!(PayloadLimit::Bytes(8).check(&headers, 6).is_ok());
    /// assert!(matches!(PayloadLimit::Bytes(8).check(&headers, 7), Err(Error::BodyTooLarge { body_len: 7, size: 12, limit: 8 })));
    /// assert!(PayloadLimit::Unlimited.check(&headers, u64::MAX).is_ok());
    /// ```
    pub fn check(self, headers: &http::HeaderMap, body_len: u64) -> Result<(), Error> {
        match self {
            PayloadLimit::Bytes(limit) => {
                let size = Self::counted_size(headers, body_len);
                if size > limit {
                    Err(Error::BodyTooLarge {
                        body_len,
                        size,
                        limit,
                    })
                } else {
                    Ok(())
                }
            }
            PayloadLimit::Unlimited => Ok(()),
        }
    }
}

/// Whether Lambda puts a body with this `content-type` into the event as text (else it
/// base64-encodes it): by the media type before any `;` parameter, ASCII case-insensitively,
/// `text/*`, anything naming `json`, `xml` or `javascript` (`application/json`,
/// `application/ld+json`, `application/xml`, `text/javascript`), and
/// `application/x-www-form-urlencoded`. No `content-type` is binary.
fn is_text(content_type: Option<&[u8]>) -> bool {
    let Some(value) = content_type else {
        return false;
    };
    let essence = value.split(|&b| b == b';').next().unwrap_or_default();
    let essence = essence.trim_ascii();
    let contains = |needle: &[u8]| {
        essence
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
    };
    essence
        .get(..5)
        .is_some_and(|p| p.eq_ignore_ascii_case(b"text/"))
        || contains(b"json")
        || contains(b"xml")
        || contains(b"javascript")
        || essence.eq_ignore_ascii_case(b"application/x-www-form-urlencoded")
}

#[cfg(any(feature = "middleware", feature = "tower"))]
/// Checks the size of a body sent with a declared hash: its bytes' length when they are in
/// memory (`buffered`), else its `Content-Length`, else the length the hash covers; a stream of
/// unknown length is not checked.
pub(crate) fn check_declared_length(
    buffered: Option<&[u8]>,
    declared: &PayloadHash,
    headers: &http::HeaderMap,
    limit: PayloadLimit,
) -> Result<(), Error> {
    let length = match buffered {
        Some(bytes) => Some(bytes.len() as u64),
        None => declared_length(headers).or(declared.body_len()),
    };
    match length {
        Some(length) => limit.check(headers, length),
        None => Ok(()),
    }
}

#[cfg(any(feature = "middleware", feature = "tower"))]
/// The `Content-Length` a request declares.
fn declared_length(headers: &http::HeaderMap) -> Option<u64> {
    headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

#[cfg(any(feature = "middleware", feature = "tower"))]
/// For a streamed body sent with a declared hash that knows its length: sets `Content-Length`
/// when the request has none, so the body goes out with a length (not chunked) and its size is
/// known before the first byte is sent.
pub(crate) fn declare_length(headers: &mut http::HeaderMap, declared: &PayloadHash) {
    if let Some(len) = declared.body_len() {
        if !headers.contains_key(http::header::CONTENT_LENGTH) {
            headers.insert(http::header::CONTENT_LENGTH, http::HeaderValue::from(len));
        }
    }
}

#[cfg(any(feature = "middleware", feature = "tower"))]
/// CloudFront refuses a viewer GET or HEAD that carries a body. A body in memory counts when
/// it is not empty; a stream counts unless its declared hash is the empty-body hash.
pub(crate) fn refuse_body_on_get_or_head(
    method: &http::Method,
    buffered: Option<&[u8]>,
    declared: Option<&PayloadHash>,
) -> Result<(), Error> {
    if !matches!(*method, http::Method::GET | http::Method::HEAD) {
        return Ok(());
    }
    let has_body = match buffered {
        Some(bytes) => !bytes.is_empty(),
        None => declared != Some(&PayloadHash::EMPTY),
    };
    if has_body {
        return Err(Error::BodyNotAllowed {
            method: method.to_string(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_size_counts_base64_for_binary() {
        let mut headers = http::HeaderMap::new();
        assert_eq!(PayloadLimit::counted_size(&headers, 3), 4);
        assert_eq!(PayloadLimit::counted_size(&headers, 4), 8);
        assert_eq!(PayloadLimit::counted_size(&headers, u64::MAX), u64::MAX);
        headers.insert(
            http::header::CONTENT_TYPE,
            "Application/JSON; charset=utf-8".parse().unwrap(),
        );
        assert_eq!(PayloadLimit::counted_size(&headers, 4), 4);
    }
}
