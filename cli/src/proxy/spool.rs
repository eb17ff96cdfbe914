//! Request bodies: hashed while they are read, kept in memory when small, spooled to an unnamed
//! temporary file when large, and checked against the function URL payload limit as they come.

use bytes::Bytes;
use http::HeaderMap;
use http_body_util::BodyExt as _;
use hyper::body::Incoming;
use lambda_url_signer::{Error, PayloadHash, PayloadHasher, PayloadLimit};
use std::io::SeekFrom;
use tokio::io::{AsyncSeekExt as _, AsyncWriteExt as _};

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
    /// Over the function URL payload limit, as Lambda counts the size (a lower bound when the
    /// body was cut off while reading).
    TooLarge { size: u64, limit: u64 },
    /// The client's body broke off or was malformed.
    Read(hyper::Error),
    /// The temporary file could not be written.
    Spool(std::io::Error),
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
        if let Err(error) = check(headers, len) {
            drain(body, 0).await;
            return Err(error);
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
        if let Err(error) = check(headers, len) {
            drain(body, len).await;
            return Err(error);
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

/// The function URL payload limit check, for `len` bytes so far.
fn check(headers: &HeaderMap, len: u64) -> Result<(), BodyError> {
    match PayloadLimit::default().check(headers, len) {
        Err(Error::BodyTooLarge { size, limit, .. }) => Err(BodyError::TooLarge { size, limit }),
        _ => Ok(()),
    }
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
