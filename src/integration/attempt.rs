//! The IAM attempt protocol, decided here once and carried out by the reqwest middleware and
//! the tower layer: hash the body once, keep a retry copy only while a clock-skew rejection is
//! possible, sign at the skew-corrected time, send, and on a skew rejection learn the server's
//! clock, re-sign the copy and send it once more.
//!
//! The adapters own the I/O (sending, reading a body); each step's decision is a value from
//! [`Attempt`], so both take the copy at the same moment (before signing, so it carries no
//! signing headers) and reuse the body hash the same way ([`body_hash`]).

use super::{ClockOffset, SkewCorrection};
use crate::limit::check_declared_length;
use crate::{Error, PayloadHash, PayloadLimit, Signer};

/// One request's way through the protocol, for the host it is sent to.
pub(crate) struct Attempt<'a> {
    signer: &'a Signer,
    offset: &'a ClockOffset,
    skew: SkewCorrection,
    host: &'a str,
}

/// What to do with a response.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum AfterResponse {
    /// Hand it to the caller as it is.
    Return,
    /// It may be a clock-skew rejection: read its (small) body, then ask [`Attempt::after_body`].
    ReadBody,
}

/// What to do with a candidate response whose body was read.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum AfterBody {
    /// Hand it to the caller (rebuilt with the body read).
    Return,
    /// The server's clock was learned: re-sign the retry copy and send it, once.
    Resend,
}

impl<'a> Attempt<'a> {
    /// The protocol for a request to `host` (host and port, as the request names it).
    pub(crate) fn new(
        signer: &'a Signer,
        offset: &'a ClockOffset,
        skew: SkewCorrection,
        host: &'a str,
    ) -> Self {
        Attempt {
            signer,
            offset,
            skew,
            host,
        }
    }

    /// The signer.
    pub(crate) fn signer(&self) -> &'a Signer {
        self.signer
    }

    /// Whether to keep a copy of the request, taken before signing, for one re-sent attempt:
    /// only while a skew rejection is possible (see [`ClockOffset`]).
    pub(crate) fn wants_retry_copy(&self) -> bool {
        self.skew.is_enabled() && self.offset.retry_copy_needed(self.host)
    }

    /// Signs with `sign` at the skew-corrected time (see [`ClockOffset::sign_with`]).
    pub(crate) async fn sign(
        &self,
        sign: impl FnMut(&crate::Credentials, std::time::SystemTime) -> Result<(), Error>,
    ) -> Result<(), Error> {
        self.offset.sign_with(self.signer, sign).await
    }

    /// Reads a response's head: a possible skew rejection is worth reading; any other response
    /// teaches the offset whether the clocks agree.
    pub(crate) fn after_response(&self, status: u16, headers: &http::HeaderMap) -> AfterResponse {
        if !self.skew.is_enabled() {
            return AfterResponse::Return;
        }
        if ClockOffset::is_candidate(status, headers) {
            return AfterResponse::ReadBody;
        }
        self.offset.observe(self.host, headers);
        AfterResponse::Return
    }

    /// Reads a candidate's body: resend when the skew was learned and a copy was kept.
    pub(crate) fn after_body(
        &self,
        status: u16,
        headers: &http::HeaderMap,
        body: &[u8],
        has_retry_copy: bool,
    ) -> AfterBody {
        let adopted = self.offset.learn(self.skew, status, headers, body);
        if adopted && has_retry_copy {
            AfterBody::Resend
        } else {
            AfterBody::Return
        }
    }
}

/// The body hash of one request, kept in its extensions so that retries reuse it. It is keyed
/// on the body itself (the address and length of its bytes): a retry's clone shares the bytes
/// (reqwest's `Bytes`, `http_body_util::Full<Bytes>`), while a body replaced between attempts
/// does not.
#[derive(Clone, Copy)]
struct HashedBody {
    address: usize,
    len: usize,
    hash: PayloadHash,
}

/// The body hash of a request, the one rule for both adapters: a [`PayloadHash`] extension
/// the caller declared (the size checked by the bytes in memory, else by `Content-Length`);
/// else the hash of the bytes in memory, checked against the payload limit and reused across
/// retries; a stream without a declared hash is [`Error::StreamingBody`].
pub(crate) fn body_hash(
    buffered: Option<&[u8]>,
    headers: &http::HeaderMap,
    extensions: &mut http::Extensions,
    limit: PayloadLimit,
) -> Result<PayloadHash, Error> {
    if let Some(declared) = extensions.get::<PayloadHash>() {
        check_declared_length(buffered, declared, headers, limit)?;
        return Ok(*declared);
    }
    let bytes = buffered.ok_or(Error::StreamingBody)?;
    limit.check(headers, bytes.len() as u64)?;
    let (address, len) = (bytes.as_ptr() as usize, bytes.len());
    if let Some(cached) = extensions.get::<HashedBody>() {
        if cached.address == address && cached.len == len {
            return Ok(cached.hash);
        }
    }
    let hash = PayloadHash::of(bytes);
    extensions.insert(HashedBody { address, len, hash });
    Ok(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_retry_reuses_the_hash_from_the_first_attempt() {
        let body = bytes::Bytes::from_static(b"payload");
        let headers = http::HeaderMap::new();
        let mut extensions = http::Extensions::new();
        let first = body_hash(
            Some(&body),
            &headers,
            &mut extensions,
            PayloadLimit::default(),
        );
        assert_eq!(first.unwrap(), PayloadHash::of(b"payload"));
        // Plant a marker for the same bytes: if the retry hashed again it would not return it.
        let marker = PayloadHash::of(b"marker");
        let retry = body.clone();
        extensions.insert(HashedBody {
            address: retry.as_ptr() as usize,
            len: retry.len(),
            hash: marker,
        });
        let second = body_hash(
            Some(&retry),
            &headers,
            &mut extensions,
            PayloadLimit::default(),
        );
        assert_eq!(second.unwrap(), marker, "the retry reused the stored hash");
    }

    #[test]
    fn a_replaced_body_of_the_same_length_is_hashed_again() {
        let headers = http::HeaderMap::new();
        let mut extensions = http::Extensions::new();
        let limit = PayloadLimit::default();
        let first = body_hash(Some(b"payload"), &headers, &mut extensions, limit);
        let second = body_hash(Some(b"PAYLOAD"), &headers, &mut extensions, limit);
        assert_eq!(first.unwrap(), PayloadHash::of(b"payload"));
        assert_eq!(second.unwrap(), PayloadHash::of(b"PAYLOAD"));
    }

    #[test]
    fn a_stream_needs_a_declared_hash() {
        let headers = http::HeaderMap::new();
        let mut extensions = http::Extensions::new();
        let limit = PayloadLimit::default();
        let err = body_hash(None, &headers, &mut extensions, limit).unwrap_err();
        assert!(matches!(err, Error::StreamingBody));
        extensions.insert(PayloadHash::of(b"streamed"));
        let declared = body_hash(None, &headers, &mut extensions, limit).unwrap();
        assert_eq!(declared, PayloadHash::of(b"streamed"));
    }
}
