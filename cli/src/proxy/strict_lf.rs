//! Bare LF in a request head is refused. hyper (through httparse) accepts a lone `\n` as a line
//! end, so `X-Foo: a\nX-Injected: 1` would reach the signer as two headers, signed and sent.
//! This reader follows the HTTP/1.1 framing of the client's byte stream (heads, `Content-Length`
//! and chunked bodies) and turns a bare LF inside a head into a NUL byte, which hyper's parser
//! rejects: the client gets hyper's 400 and the connection closes; nothing is signed.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The most head bytes kept to read the framing headers from (hyper refuses larger heads).
const HEAD_LIMIT: usize = 64 * 1024;

/// Where the reader is in the client's byte stream.
#[derive(Debug)]
enum State {
    /// In a request head: the bytes so far, and whether the last byte was `\r`.
    Head { head: Vec<u8>, cr: bool },
    /// In a `Content-Length` body: bytes left.
    Body(u64),
    /// In a chunked body: a chunk-size line, its bytes so far.
    ChunkSize(Vec<u8>),
    /// In chunk data: bytes left, then its CRLF.
    ChunkData(u64),
    /// In the trailer section after the last chunk: the current line's length.
    Trailers(usize),
    /// Framing this reader does not follow (hyper refuses it anyway): no more checks.
    Passthrough,
}

impl State {
    fn head() -> State {
        State::Head {
            head: Vec::new(),
            cr: false,
        }
    }
}

/// A client stream whose request heads may not use bare LF line ends.
pub(crate) struct StrictLf<S> {
    inner: S,
    state: State,
}

impl<S> StrictLf<S> {
    pub(crate) fn new(inner: S) -> Self {
        StrictLf {
            inner,
            state: State::head(),
        }
    }

    /// Follows `bytes` through the framing, overwriting a bare LF in a head with NUL.
    fn inspect(&mut self, bytes: &mut [u8]) {
        let mut i = 0;
        while i < bytes.len() {
            match &mut self.state {
                State::Passthrough => return,
                State::Body(left) => {
                    let take = usize::try_from(*left)
                        .unwrap_or(usize::MAX)
                        .min(bytes.len() - i);
                    *left -= take as u64;
                    i += take;
                    if *left == 0 {
                        self.state = State::head();
                    }
                    continue;
                }
                State::ChunkData(left) => {
                    let take = usize::try_from(*left)
                        .unwrap_or(usize::MAX)
                        .min(bytes.len() - i);
                    *left -= take as u64;
                    i += take;
                    if *left == 0 {
                        self.state = State::ChunkSize(Vec::new());
                    }
                    continue;
                }
                State::ChunkSize(line) => {
                    if bytes[i] == b'\n' {
                        self.state = chunk_after(line);
                    } else if line.len() < 1024 {
                        line.push(bytes[i]);
                    } else {
                        self.state = State::Passthrough;
                    }
                }
                State::Trailers(len) => {
                    if bytes[i] == b'\n' {
                        if *len <= 1 {
                            self.state = State::head();
                        } else {
                            *len = 0;
                        }
                    } else {
                        *len += 1;
                    }
                }
                State::Head { head, cr } => {
                    let byte = bytes[i];
                    if byte == b'\n' && !*cr {
                        bytes[i] = 0;
                        self.state = State::Passthrough;
                        return;
                    }
                    *cr = byte == b'\r';
                    if head.len() < HEAD_LIMIT {
                        head.push(byte);
                    } else {
                        self.state = State::Passthrough;
                        return;
                    }
                    if head == b"\r\n" {
                        head.clear(); // an empty line before a request
                    } else if head.ends_with(b"\r\n\r\n") {
                        self.state = framing(head);
                    }
                }
            }
            i += 1;
        }
    }
}

/// The state after a chunk-size line (`line` without its `\n`).
fn chunk_after(line: &[u8]) -> State {
    let text = String::from_utf8_lossy(line);
    let size = text.split(';').next().unwrap_or("").trim();
    match u64::from_str_radix(size, 16) {
        Ok(0) => State::Trailers(0),
        // The data, then its CRLF, which the next chunk-size line starts with.
        Ok(n) => State::ChunkData(n.saturating_add(2)),
        Err(_) => State::Passthrough,
    }
}

/// The state after a complete head: its body's framing.
fn framing(head: &[u8]) -> State {
    let text = String::from_utf8_lossy(head).to_ascii_lowercase();
    let mut length = None;
    for line in text.split("\r\n").skip(1) {
        if let Some((name, value)) = line.split_once(':') {
            match name.trim() {
                "transfer-encoding" if value.contains("chunked") => {
                    return State::ChunkSize(Vec::new())
                }
                "transfer-encoding" => return State::Passthrough,
                "content-length" => match value.trim().parse::<u64>() {
                    Ok(n) => length = Some(n),
                    Err(_) => return State::Passthrough,
                },
                _ => {}
            }
        }
    }
    match length {
        Some(n) if n > 0 => State::Body(n),
        _ => State::head(),
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for StrictLf<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = polled {
            let this = &mut *self;
            this.inspect(&mut buf.filled_mut()[before..]);
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for StrictLf<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, data)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `stream` through the reader in pieces of `step` bytes; the bytes hyper would see.
    fn seen(stream: &[u8], step: usize) -> Vec<u8> {
        let mut reader = StrictLf::new(());
        let mut out = stream.to_vec();
        for piece in out.chunks_mut(step) {
            reader.inspect(piece);
        }
        out
    }

    #[test]
    fn a_bare_lf_in_a_head_is_spoiled_at_any_split() {
        let request = b"GET / HTTP/1.1\r\nhost: x\r\nx-foo: a\nx-injected: 1\r\n\r\n";
        for step in [1, 3, 7, request.len()] {
            let out = seen(request, step);
            assert!(out.contains(&0), "step {step}");
            assert_eq!(out.iter().filter(|b| **b == 0).count(), 1);
        }
    }

    #[test]
    fn bodies_are_skipped_and_the_next_head_is_checked() {
        let mut stream = b"POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\n\r\na\nb\nc".to_vec();
        stream.extend_from_slice(
            b"POST / HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n3\r\n\n\n\n\r\n0\r\n\r\n",
        );
        stream.extend_from_slice(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n");
        for step in [1, 4, stream.len()] {
            assert_eq!(seen(&stream, step), stream, "bodies untouched, step {step}");
        }
        let mut bad = stream.clone();
        bad.extend_from_slice(b"GET / HTTP/1.1\nhost: x\r\n\r\n");
        assert_eq!(seen(&bad, 2).iter().filter(|b| **b == 0).count(), 1);
    }
}
