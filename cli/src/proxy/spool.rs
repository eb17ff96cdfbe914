//! Request bodies: hashed while they are read, kept in memory when small, spooled to an unnamed
//! temporary file when large, and checked against the function URL payload limit as they come.

use bytes::Bytes;
use http::HeaderMap;
use http_body_util::BodyExt as _;
use hyper::body::Incoming;
use lambda_url_signer::{Error, PayloadHash, PayloadHasher, PayloadLimit};
use std::io::SeekFrom;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

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
    /// The bytes and their share of the memory budget, given back when the body is dropped.
    Memory(Bytes, Option<OwnedSemaphorePermit>),
    /// An unnamed temporary file (already unlinked): closing it frees it, on every path.
    File(tokio::fs::File),
}

impl Body {
    /// The body for the upstream request: the bytes, or a stream from the spool file.
    pub(crate) fn into_reqwest(self) -> reqwest::Body {
        match self.data {
            Data::Memory(bytes, _share) => reqwest::Body::from(bytes),
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

/// How bodies are read.
pub(crate) struct Limits {
    /// Bodies larger than this (by `content-length`, or once they grow past it) are spooled.
    pub(crate) threshold: usize,
    /// The longest wait for the next piece of a body.
    pub(crate) idle: Duration,
    /// The longest a whole body may take.
    pub(crate) total: Duration,
    /// Bytes all bodies held in memory at once may take; past it, bodies are spooled at once.
    pub(crate) memory: Arc<Semaphore>,
}

/// Memory permits are counted in KiB.
const PERMIT: usize = 1024;

impl Limits {
    pub(crate) fn new(threshold: usize, idle: Duration, total: Duration, memory: usize) -> Limits {
        Limits {
            threshold,
            idle,
            total,
            memory: Arc::new(Semaphore::new(
                (memory / PERMIT).min(Semaphore::MAX_PERMITS),
            )),
        }
    }

    /// A share of the memory budget for `bytes` more bytes, if there is room.
    fn reserve(&self, bytes: usize) -> Option<OwnedSemaphorePermit> {
        let permits = u32::try_from(bytes.div_ceil(PERMIT)).ok()?;
        Arc::clone(&self.memory)
            .try_acquire_many_owned(permits)
            .ok()
    }
}

/// Why a body could not be read.
pub(crate) enum BodyError {
    /// The client sent its body too slowly: `idle` (no piece within the idle timeout) or
    /// `total` (not all of it within the body deadline).
    Timeout(&'static str),
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

/// Reads `body` frame by frame, hashing as it goes, within the idle timeout and the body
/// deadline; bodies over the threshold (by their `content-length`, or once they grow past it),
/// or that find the memory budget spent, go to a temporary file.
pub(crate) async fn read(
    body: Incoming,
    headers: &HeaderMap,
    limits: &Limits,
) -> Result<Body, BodyError> {
    match tokio::time::timeout(limits.total, read_within(body, headers, limits)).await {
        Ok(result) => result,
        Err(_) => Err(BodyError::Timeout(
            "the request body did not arrive within the body deadline (--body-timeout-secs)",
        )),
    }
}

async fn read_within(
    mut body: Incoming,
    headers: &HeaderMap,
    limits: &Limits,
) -> Result<Body, BodyError> {
    let declared = content_length(headers);
    if let Some(len) = declared {
        if let Err(error) = check(headers, len) {
            drain(body, 0, limits.idle).await;
            return Err(error);
        }
    }
    let mut hasher = PayloadHasher::new();
    let mut len: u64 = 0;
    let mut memory: Vec<u8> = Vec::new();
    let mut share: Option<OwnedSemaphorePermit> = None;
    let in_memory = match declared {
        Some(n) if n > limits.threshold as u64 => false,
        Some(n) => match limits.reserve(usize::try_from(n).unwrap_or(limits.threshold)) {
            Some(permit) => {
                memory.reserve_exact(usize::try_from(n).unwrap_or(limits.threshold));
                share = Some(permit);
                true
            }
            None => false,
        },
        None => true,
    };
    let mut file = None;
    if !in_memory {
        match spool_file().await {
            Ok(spool) => file = Some(spool),
            Err(error) => {
                // Let the client, still sending, read the answer.
                drain(body, 0, limits.idle).await;
                return Err(error);
            }
        }
    }
    loop {
        let frame = match tokio::time::timeout(limits.idle, body.frame()).await {
            Ok(Some(frame)) => frame,
            Ok(None) => break,
            Err(_) => {
                return Err(BodyError::Timeout(
                    "no part of the request body arrived within the idle timeout (--body-idle-timeout-secs)",
                ))
            }
        };
        let Ok(data) = frame.map_err(BodyError::Read)?.into_data() else {
            continue; // trailers are not forwarded
        };
        len += data.len() as u64;
        if let Err(error) = check(headers, len) {
            drain(body, len, limits.idle).await;
            return Err(error);
        }
        hasher.update(&data);
        if file.is_none() && memory.len() + data.len() <= limits.threshold {
            let covered = share.as_ref().map_or(0, |s| s.num_permits() * PERMIT);
            let needed = memory.len() + data.len();
            if needed <= covered {
                memory.extend_from_slice(&data);
                continue;
            }
            if let Some(more) = limits.reserve(needed - covered) {
                match &mut share {
                    Some(share) => share.merge(more),
                    None => share = Some(more),
                }
                memory.extend_from_slice(&data);
                continue;
            }
        }
        match &mut file {
            Some(file) => write(file, data).await?,
            None => {
                let spool = match spool_file().await {
                    Ok(spool) => spool,
                    Err(error) => {
                        drain(body, len, limits.idle).await;
                        return Err(error);
                    }
                };
                write(&spool, Bytes::from(std::mem::take(&mut memory))).await?;
                write(&spool, data).await?;
                memory = Vec::new();
                share = None;
                file = Some(spool);
            }
        }
    }
    let data = match file {
        Some(file) => {
            let mut file = Arc::try_unwrap(file)
                .map_err(|_| BodyError::Spool(std::io::Error::other("the spool file is shared")))?;
            std::io::Seek::seek(&mut file, SeekFrom::Start(0)).map_err(BodyError::Spool)?;
            Data::File(tokio::fs::File::from_std(file))
        }
        None => Data::Memory(Bytes::from(memory), share),
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
async fn spool_file() -> Result<Arc<std::fs::File>, BodyError> {
    tokio::task::spawn_blocking(tempfile::tempfile)
        .await
        .map_err(|e| BodyError::Spool(std::io::Error::other(e)))?
        .map(Arc::new)
        .map_err(BodyError::Spool)
}

/// Appends `data` to the spool file on a blocking thread. The bytes are handed over, not copied
/// into a buffer the file keeps (as `tokio::fs::File` does, which held about 200 KB per stalled
/// upload), and freed once written.
async fn write(file: &Arc<std::fs::File>, data: Bytes) -> Result<(), BodyError> {
    let file = Arc::clone(file);
    tokio::task::spawn_blocking(move || std::io::Write::write_all(&mut &*file, &data))
        .await
        .map_err(|e| BodyError::Spool(std::io::Error::other(e)))?
        .map_err(BodyError::Spool)
}

/// Reads and drops up to [`DRAIN`] more bytes, so a client still sending can read the answer;
/// a client that pauses longer than `idle` is not waited for.
async fn drain(mut body: Incoming, mut read: u64, idle: Duration) {
    let stop = read.saturating_add(DRAIN);
    while read < stop {
        match tokio::time::timeout(idle, body.frame()).await {
            Ok(Some(Ok(frame))) => {
                read += frame.data_ref().map_or(0, |d| d.len() as u64);
            }
            _ => return,
        }
    }
}
