//! Request bodies: hashed while they are read, kept in memory when small, spooled to an unnamed
//! temporary file when large, and checked against the function URL payload limit as they come.

use bytes::Bytes;
use http::HeaderMap;
use http_body_util::BodyExt as _;
use hyper::body::Incoming;
use lambda_url_signer::{PayloadHash, PayloadHasher};
use std::io::SeekFrom;
use tokio::io::{AsyncSeekExt as _, AsyncWriteExt as _};

/// The function URL request payload limit, as Lambda counts the size.
pub(crate) const PAYLOAD_LIMIT: u64 = 6_291_456;
/// Past the limit, this many more bytes are read and dropped so the client can read the 413.
const DRAIN: u64 = 8 * 1024 * 1024;
/// Read size when streaming a spooled body back out.
const READ_CHUNK: usize = 64 * 1024;

/// A request body, read to the end and hashed.
pub(crate) struct Body {
    pub(crate) hash: PayloadHash,
    pub(crate) len: u64,
    data: Data,
}

enum Data {
    Memory(Bytes),
    /// An unnamed temporary file (already unlinked): closing it frees it, on every path.
    File(tokio::fs::File),
}

impl Body {
    /// The body for the upstream request: the bytes, or a stream from the spool file.
    pub(crate) fn into_reqwest(self) -> reqwest::Body {
        match self.data {
            Data::Memory(bytes) => reqwest::Body::from(bytes),
            Data::File(file) => reqwest::Body::wrap_stream(
                tokio_util::io::ReaderStream::with_capacity(file, READ_CHUNK),
            ),
        }
    }

    /// Whether the body went to a temporary file.
    pub(crate) fn spooled(&self) -> bool {
        matches!(self.data, Data::File(_))
    }
}

/// Why a body could not be read.
pub(crate) enum BodyError {
    /// Over the payload limit, as Lambda counts it (`size` is a lower bound when the body was
    /// cut off while reading).
    TooLarge { size: u64 },
    /// The client's body broke off or was malformed.
    Read(hyper::Error),
    /// The temporary file could not be written.
    Spool(std::io::Error),
}

/// The size Lambda counts for `len` body bytes with these headers (base64 for binary types).
/// Stand-in until `PayloadLimit::counted_size` is on main.
pub(crate) fn counted_size(headers: &HeaderMap, len: u64) -> u64 {
    let content_type = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let text = content_type.starts_with("text/")
        || ["json", "xml", "x-www-form-urlencoded", "javascript"]
            .iter()
            .any(|t| content_type.contains(t));
    if text {
        len
    } else {
        len.div_ceil(3) * 4
    }
}

/// The declared `content-length`, if there is a valid one.
pub(crate) fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

/// Reads `body` frame by frame, hashing as it goes; bodies over `threshold` bytes (by their
/// `content-length`, or once they grow past it) go to a temporary file.
pub(crate) async fn read(
    mut body: Incoming,
    headers: &HeaderMap,
    threshold: usize,
) -> Result<Body, BodyError> {
    let declared = content_length(headers);
    if let Some(len) = declared {
        let size = counted_size(headers, len);
        if size > PAYLOAD_LIMIT {
            drain(body, 0).await;
            return Err(BodyError::TooLarge { size });
        }
    }
    let mut hasher = PayloadHasher::new();
    let mut len: u64 = 0;
    let mut memory: Vec<u8> = Vec::new();
    let mut file = match declared {
        Some(n) if n > threshold as u64 => Some(spool_file().await?),
        Some(n) => {
            memory.reserve_exact(usize::try_from(n).unwrap_or(threshold));
            None
        }
        None => None,
    };
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame.map_err(BodyError::Read)?.into_data() else {
            continue; // trailers are not forwarded
        };
        len += data.len() as u64;
        let size = counted_size(headers, len);
        if size > PAYLOAD_LIMIT {
            drain(body, len).await;
            return Err(BodyError::TooLarge { size });
        }
        hasher.update(&data);
        match &mut file {
            Some(file) => file.write_all(&data).await.map_err(BodyError::Spool)?,
            None if memory.len() + data.len() <= threshold => memory.extend_from_slice(&data),
            None => {
                let mut spool = spool_file().await?;
                spool.write_all(&memory).await.map_err(BodyError::Spool)?;
                spool.write_all(&data).await.map_err(BodyError::Spool)?;
                memory = Vec::new();
                file = Some(spool);
            }
        }
    }
    let data = match file {
        Some(mut file) => {
            file.flush().await.map_err(BodyError::Spool)?;
            file.seek(SeekFrom::Start(0))
                .await
                .map_err(BodyError::Spool)?;
            Data::File(file)
        }
        None => Data::Memory(Bytes::from(memory)),
    };
    Ok(Body {
        hash: hasher.finish(),
        len,
        data,
    })
}

/// An unnamed temporary file in `$TMPDIR`: the OS frees it when it is closed, even on a crash.
async fn spool_file() -> Result<tokio::fs::File, BodyError> {
    tokio::task::spawn_blocking(tempfile::tempfile)
        .await
        .map_err(|e| BodyError::Spool(std::io::Error::other(e)))?
        .map(tokio::fs::File::from_std)
        .map_err(BodyError::Spool)
}

/// Reads and drops up to [`DRAIN`] more bytes, so a client still sending can read the answer.
async fn drain(mut body: Incoming, mut read: u64) {
    let stop = read.saturating_add(DRAIN);
    while read < stop {
        match body.frame().await {
            Some(Ok(frame)) => {
                read += frame.data_ref().map_or(0, |d| d.len() as u64);
            }
            _ => return,
        }
    }
}
