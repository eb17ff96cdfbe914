//! The SigV4 canonical request, written once into whatever consumes it: a SHA-256 hasher when
//! signing (nothing is buffered), or a string for [`SigningDetails`](crate::SigningDetails).

use super::stack_vec::StackVec;
use crate::function_url::{split_ascii, split_once_ascii};
use sha2::{Digest, Sha256};

/// Where the canonical request goes.
pub(crate) trait Sink {
    fn put(&mut self, bytes: &[u8]);
}

impl Sink for Sha256 {
    fn put(&mut self, bytes: &[u8]) {
        self.update(bytes);
    }
}

impl Sink for String {
    fn put(&mut self, bytes: &[u8]) {
        // Everything written is UTF-8: the canonical request is made of `&str` parts.
        self.push_str(std::str::from_utf8(bytes).unwrap_or_default());
    }
}

impl Sink for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// What a canonical request is made of, borrowed from the request being signed.
///
/// `path` and `query` are in wire form (see [`FunctionUrl`](crate::FunctionUrl)): the path
/// holds only unreserved bytes, `/` and `%XX` escapes, the query only `name=value` pieces of
/// unreserved bytes and `%XX` escapes. `headers` are the signed headers with lowercase names,
/// sorted by name (stably: repeated names keep their order), values in canonical form.
pub(crate) struct CanonicalRequest<'a> {
    pub(crate) method: &'a str,
    pub(crate) path: &'a str,
    pub(crate) query: &'a str,
    pub(crate) headers: &'a [(&'a str, &'a str)],
    pub(crate) payload_hash: &'a str,
}

impl CanonicalRequest<'_> {
    /// Writes the canonical request:
    /// method, canonical URI, canonical query, canonical headers, signed headers, payload hash.
    pub(crate) fn write(&self, sink: &mut impl Sink) {
        sink.put(self.method.as_bytes());
        sink.put(b"\n");
        write_uri(sink, self.path);
        sink.put(b"\n");
        write_query(sink, self.query);
        sink.put(b"\n");
        let mut previous: Option<&str> = None;
        for (name, value) in self.headers {
            if previous == Some(name) {
                sink.put(b",");
            } else {
                if previous.is_some() {
                    sink.put(b"\n");
                }
                sink.put(name.as_bytes());
                sink.put(b":");
            }
            sink.put(value.as_bytes());
            previous = Some(name);
        }
        if previous.is_some() {
            sink.put(b"\n");
        }
        sink.put(b"\n");
        self.write_signed_headers(sink);
        sink.put(b"\n");
        sink.put(self.payload_hash.as_bytes());
    }

    /// Writes the signed header names, `;`-separated, each once.
    pub(crate) fn write_signed_headers(&self, sink: &mut impl Sink) {
        for (i, name) in self.signed_header_names().enumerate() {
            if i > 0 {
                sink.put(b";");
            }
            sink.put(name.as_bytes());
        }
    }

    /// The signed header names in order, each once.
    pub(crate) fn signed_header_names(&self) -> impl Iterator<Item = &str> + '_ {
        let mut previous: Option<&str> = None;
        self.headers.iter().filter_map(move |(name, _)| {
            let fresh = previous != Some(*name);
            previous = Some(name);
            fresh.then_some(*name)
        })
    }

    /// The SHA-256 of the canonical request, written into a reusable per-thread buffer and
    /// hashed in one call (cheaper than feeding the hasher piece by piece).
    pub(crate) fn digest(&self) -> [u8; 32] {
        thread_local! {
            static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        BUFFER.with(|buffer| match buffer.try_borrow_mut() {
            Ok(mut buffer) => {
                buffer.clear();
                self.write(&mut *buffer);
                let digest = Sha256::digest(buffer.as_slice()).into();
                if buffer.capacity() > 64 * 1024 {
                    *buffer = Vec::new();
                }
                digest
            }
            Err(_) => {
                let mut hasher = Sha256::new();
                self.write(&mut hasher);
                hasher.finalize().into()
            }
        })
    }
}

/// The canonical URI: the wire path encoded once more, which only turns `%` into `%25`.
fn write_uri(sink: &mut impl Sink, path: &str) {
    if !path.as_bytes().contains(&b'%') {
        sink.put(path.as_bytes());
        return;
    }
    let mut pieces = split_ascii(path, b'%');
    if let Some(first) = pieces.next() {
        sink.put(first.as_bytes());
    }
    for piece in pieces {
        sink.put(b"%25");
        sink.put(piece.as_bytes());
    }
}

/// The canonical query: the wire query's `name=value` pieces sorted by name, then value.
/// Wire-form components are already encoded as SigV4 requires.
fn write_query(sink: &mut impl Sink, query: &str) {
    if query.is_empty() {
        return;
    }
    let mut pieces = split_ascii(query, b'&').filter(|p| !p.is_empty());
    let (Some(first), second) = (pieces.next(), pieces.next()) else {
        return;
    };
    let Some(second) = second else {
        write_pair(sink, split_pair(first), true);
        return;
    };
    let mut pairs: StackVec<(&str, &str), 8> = StackVec::new();
    pairs.extend([first, second].into_iter().chain(pieces).map(split_pair));
    pairs.as_mut_slice().sort_unstable();
    for (i, pair) in pairs.as_slice().iter().enumerate() {
        write_pair(sink, *pair, i == 0);
    }
}

fn split_pair(piece: &str) -> (&str, &str) {
    split_once_ascii(piece, b'=').unwrap_or((piece, ""))
}

fn write_pair(sink: &mut impl Sink, (name, value): (&str, &str), first: bool) {
    if !first {
        sink.put(b"&");
    }
    sink.put(name.as_bytes());
    sink.put(b"=");
    sink.put(value.as_bytes());
}

/// Lowercase hex of a 32-byte digest, without allocating.
pub(crate) fn hex32(bytes: &[u8; 32]) -> [u8; 64] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 64];
    for (i, byte) in bytes.iter().enumerate() {
        out[2 * i] = HEX[usize::from(byte >> 4)];
        out[2 * i + 1] = HEX[usize::from(byte & 0x0f)];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(request: &CanonicalRequest<'_>) -> String {
        let mut out = Vec::new();
        request.write(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn canonical_form() {
        let headers = [("host", "h"), ("x-a", "1"), ("x-a", "2"), ("x-b", "")];
        let request = CanonicalRequest {
            method: "GET",
            path: "/a%20b/",
            query: "b=2&a=1&a=0&c=",
            headers: &headers,
            payload_hash: "e3",
        };
        assert_eq!(
            render(&request),
            "GET\n/a%2520b/\na=0&a=1&b=2&c=\nhost:h\nx-a:1,2\nx-b:\n\nhost;x-a;x-b\ne3"
        );
        let single = CanonicalRequest {
            query: "k",
            ..request
        };
        assert!(render(&single).starts_with("GET\n/a%2520b/\nk=\n"));
    }

    #[test]
    fn hex() {
        let mut digest = [0u8; 32];
        digest[0] = 0xab;
        digest[31] = 0x01;
        let hex = hex32(&digest);
        assert_eq!(&hex[..4], b"ab00");
        assert_eq!(&hex[60..], b"0001");
    }
}
