//! A streaming function's response (`InvokeMode: RESPONSE_STREAM`): its head goes out at once,
//! then each chunk as the function sends it.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::Full;
use hyper::Response;
use tokio::sync::mpsc;

use super::{lock, App};

/// A response body: the whole of it at once, or a streaming function's head body and chunks.
pub(super) type ResponseBody = http_body_util::Either<Full<Bytes>, ChunkBody>;

/// Gives a streaming function's response its chunks (found by the request id the response
/// carries); any other response keeps its full body.
pub(super) fn streamed(app: &App, response: Response<Full<Bytes>>) -> Response<ResponseBody> {
    let chunks = app.streams.as_ref().and_then(|streams| {
        let id = response.headers().get("x-amzn-requestid")?.to_str().ok()?;
        lock(streams).remove(id)
    });
    match chunks {
        None => response.map(http_body_util::Either::Left),
        Some(chunks) => {
            let (mut parts, body) = response.into_parts();
            parts.headers.remove(hyper::header::CONTENT_LENGTH);
            let first = body_bytes(body);
            Response::from_parts(
                parts,
                http_body_util::Either::Right(ChunkBody {
                    first: (!first.is_empty()).then_some(first),
                    chunks,
                }),
            )
        }
    }
}

/// The bytes of a `Full` body, which is ready at once.
fn body_bytes(mut body: Full<Bytes>) -> Bytes {
    use hyper::body::Body as _;
    let waker = std::task::Waker::noop();
    match Pin::new(&mut body).poll_frame(&mut Context::from_waker(waker)) {
        Poll::Ready(Some(Ok(frame))) => frame.into_data().unwrap_or_default(),
        _ => Bytes::new(),
    }
}

/// A streaming function's body: its head body, then each chunk as it arrives.
pub(super) struct ChunkBody {
    first: Option<Bytes>,
    chunks: mpsc::Receiver<Vec<u8>>,
}

impl hyper::body::Body for ChunkBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Bytes>, Infallible>>> {
        if let Some(first) = self.first.take() {
            return Poll::Ready(Some(Ok(hyper::body::Frame::data(first))));
        }
        self.chunks
            .poll_recv(cx)
            .map(|chunk| chunk.map(|c| Ok(hyper::body::Frame::data(Bytes::from(c)))))
    }
}
