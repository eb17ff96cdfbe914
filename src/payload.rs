//! Payload hashing: SHA-256 of the exact body bytes, as lowercase hex.

use crate::Error;
use sha2::{Digest, Sha256};
use std::fmt;
use std::io::Read;

/// The SHA-256 of an empty body, lowercase hex.
const EMPTY_PAYLOAD_SHA256: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// The SHA-256 of a request body, kept as 64 lowercase hex characters.
///
/// It is `Copy` and costs nothing to read as a `&str`, so a body hashed once can be reused for
/// every signing attempt (retries re-sign, they do not re-hash).
///
/// ```
/// use lambda_url_signer::PayloadHash;
///
/// let body = b"{\n    \"test\": \"message\"\n}";
/// let hash = PayloadHash::of(body);
/// assert_eq!(
///     hash.as_str(),
///     "7acb899e28935d98d2a01e27212b5f130ca860f5899c1caabf18ec0988e5df62"
/// );
/// ```
///
/// A hash computed here also knows how many bytes it covers ([`PayloadHash::body_len`]): the
/// middlewares check a streamed body's size against Lambda's payload limit with it before
/// sending, and set `Content-Length`. Two hashes are equal when their hex is, whatever they
/// know of the length.
#[derive(Clone, Copy)]
pub struct PayloadHash {
    hex: [u8; 64],
    len: Option<u64>,
}

impl PartialEq for PayloadHash {
    fn eq(&self, other: &Self) -> bool {
        self.hex == other.hex
    }
}

impl Eq for PayloadHash {}

impl std::hash::Hash for PayloadHash {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.hex.hash(state);
    }
}

impl PayloadHash {
    /// The hash of the empty body, what `x-amz-content-sha256` carries for a GET (and what
    /// CloudFront signs with when a viewer sends no `x-amz-content-sha256`).
    ///
    /// ```
    /// # use lambda_url_signer::PayloadHash;
    /// assert_eq!(
    ///     PayloadHash::EMPTY.as_str(),
    ///     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    /// );
    /// ```
    pub const EMPTY: PayloadHash = PayloadHash {
        hex: *b"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        len: Some(0),
    };

    /// Hashes `body` in one pass.
    ///
    /// ```
    /// # use lambda_url_signer::PayloadHash;
    /// assert_eq!(PayloadHash::of(b""), PayloadHash::EMPTY);
    /// ```
    pub fn of(body: &[u8]) -> Self {
        if body.is_empty() {
            return Self::EMPTY;
        }
        Self::from_digest(Sha256::digest(body).into(), body.len() as u64)
    }

    /// Hashes everything `reader` yields (a file, a socket) in bounded memory (64 KiB buffer),
    /// and counts the bytes ([`PayloadHash::body_len`]).
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when reading fails.
    ///
    /// ```
    /// # use lambda_url_signer::PayloadHash;
    /// let hash = PayloadHash::from_reader(&b"hello"[..])?;
    /// assert_eq!(hash, PayloadHash::of(b"hello"));
    /// # Ok::<(), lambda_url_signer::Error>(())
    /// ```
    pub fn from_reader<R: Read>(mut reader: R) -> Result<Self, Error> {
        let mut hasher = PayloadHasher::new();
        let mut buffer = vec![0u8; 64 * 1024];
        loop {
            match reader.read(&mut buffer) {
                Ok(0) => return Ok(hasher.finish()),
                Ok(n) => hasher.update(&buffer[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Error::Io(e)),
            }
        }
    }

    /// Hashes everything an async `reader` yields (a `tokio::fs::File`, a socket) in bounded
    /// memory (64 KiB buffer), for a body that is then streamed with this hash: as a request
    /// extension for [`SigningMiddleware`](crate::middleware::SigningMiddleware),
    /// [`OacMiddleware`](crate::middleware::OacMiddleware) and the tower layers, or given to
    /// [`Signer::sign_with_hash`](crate::Signer::sign_with_hash).
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when reading fails.
    ///
    /// ```
    /// # use lambda_url_signer::PayloadHash;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), lambda_url_signer::Error> {
    /// let hash = PayloadHash::from_async_reader(&b"hello"[..]).await?;
    /// assert_eq!(hash, PayloadHash::of(b"hello"));
    /// # Ok(()) }
    /// ```
    pub async fn from_async_reader<R: tokio::io::AsyncRead + Unpin>(
        mut reader: R,
    ) -> Result<Self, Error> {
        use tokio::io::AsyncReadExt;
        let mut hasher = PayloadHasher::new();
        let mut buffer = vec![0u8; 64 * 1024];
        loop {
            match reader.read(&mut buffer).await {
                Ok(0) => return Ok(hasher.finish()),
                Ok(n) => hasher.update(&buffer[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Error::Io(e)),
            }
        }
    }

    /// Parses a hash given as 64 hex characters (either case), for a hash computed elsewhere.
    /// Returns `None` for anything else, `UNSIGNED-PAYLOAD` included (Lambda rejects it).
    ///
    /// ```
    /// # use lambda_url_signer::PayloadHash;
    /// assert_eq!(PayloadHash::from_hex(PayloadHash::EMPTY.as_str()), Some(PayloadHash::EMPTY));
    /// assert_eq!(PayloadHash::from_hex("UNSIGNED-PAYLOAD"), None);
    /// ```
    pub fn from_hex(hex: &str) -> Option<Self> {
        let bytes: [u8; 64] = hex.as_bytes().try_into().ok()?;
        if !bytes.iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        Some(PayloadHash {
            hex: bytes.map(|b| b.to_ascii_lowercase()),
            len: None,
        })
    }

    /// How many bytes the hash covers, when it was computed here (`of`, `from_reader`,
    /// `from_async_reader`, [`PayloadHasher`]); `None` for [`PayloadHash::from_hex`].
    ///
    /// ```
    /// # use lambda_url_signer::PayloadHash;
    /// assert_eq!(PayloadHash::from_reader(&b"hello"[..])?.body_len(), Some(5));
    /// assert_eq!(PayloadHash::from_hex(PayloadHash::EMPTY.as_str()).unwrap().body_len(), None);
    /// # Ok::<(), lambda_url_signer::Error>(())
    /// ```
    pub fn body_len(&self) -> Option<u64> {
        self.len
    }

    /// The hash as 64 lowercase hex characters.
    ///
    /// ```
    /// # use lambda_url_signer::PayloadHash;
    /// assert_eq!(PayloadHash::of(b"abc").as_str().len(), 64);
    /// ```
    pub fn as_str(&self) -> &str {
        // Always ASCII hex by construction.
        std::str::from_utf8(&self.hex).unwrap_or_default()
    }

    /// The hash as an `x-amz-content-sha256` header value.
    pub(crate) fn to_header_value(self) -> http::HeaderValue {
        http::HeaderValue::from_bytes(&self.hex)
            .unwrap_or_else(|_| http::HeaderValue::from_static(EMPTY_PAYLOAD_SHA256))
    }

    fn from_digest(digest: [u8; 32], len: u64) -> Self {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut hex = [0u8; 64];
        for (i, byte) in digest.iter().enumerate() {
            hex[2 * i] = HEX[usize::from(byte >> 4)];
            hex[2 * i + 1] = HEX[usize::from(byte & 0x0f)];
        }
        PayloadHash {
            hex,
            len: Some(len),
        }
    }
}

impl Default for PayloadHash {
    /// The empty-body hash.
    fn default() -> Self {
        Self::EMPTY
    }
}

impl fmt::Display for PayloadHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for PayloadHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PayloadHash").field(&self.as_str()).finish()
    }
}

/// Incremental hashing, for bodies that arrive in pieces.
///
/// ```
/// use lambda_url_signer::{PayloadHash, PayloadHasher};
///
/// let mut hasher = PayloadHasher::new();
/// hasher.update(b"hello ");
/// hasher.update(b"world");
/// assert_eq!(hasher.finish(), PayloadHash::of(b"hello world"));
/// ```
#[derive(Clone, Default)]
pub struct PayloadHasher {
    inner: Sha256,
    len: u64,
}

impl PayloadHasher {
    /// A hasher that has seen no bytes yet.
    ///
    /// ```
    /// # use lambda_url_signer::{PayloadHash, PayloadHasher};
    /// assert_eq!(PayloadHasher::new().finish(), PayloadHash::EMPTY);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds the next bytes of the body.
    ///
    /// ```
    /// # use lambda_url_signer::PayloadHasher;
    /// let mut hasher = PayloadHasher::new();
    /// hasher.update(b"chunk");
    /// ```
    pub fn update(&mut self, bytes: &[u8]) {
        self.inner.update(bytes);
        self.len = self.len.saturating_add(bytes.len() as u64);
    }

    /// The hash of everything fed so far.
    ///
    /// ```
    /// # use lambda_url_signer::{PayloadHash, PayloadHasher};
    /// let mut hasher = PayloadHasher::new();
    /// hasher.update(b"x");
    /// assert_eq!(hasher.finish(), PayloadHash::of(b"x"));
    /// ```
    pub fn finish(self) -> PayloadHash {
        PayloadHash::from_digest(self.inner.finalize().into(), self.len)
    }
}

impl fmt::Debug for PayloadHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PayloadHasher").finish_non_exhaustive()
    }
}

impl std::io::Write for PayloadHasher {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
