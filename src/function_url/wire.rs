//! The wire form: the one spelling of a path and query that is signed and sent, so that what
//! the function receives is what the caller meant and what was signed. Percent-encoding
//! (`A-Za-z0-9-_.~` bare, uppercase escapes), dot segments (escaped ones too) and empty segments
//! removed from the path, and the query's names and values decoded and re-encoded (a raw `+` is a
//! space).

use crate::Error;
use std::borrow::Cow;

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~')
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Appends `byte` to `out`, percent-encoded with uppercase hex.
fn push_escaped(out: &mut String, byte: u8) {
    out.push('%');
    out.push(HEX_UPPER[usize::from(byte >> 4)] as char);
    out.push(HEX_UPPER[usize::from(byte & 0x0f)] as char);
}

/// Percent-encodes `bytes`, leaving only RFC 3986 unreserved characters bare.
pub(crate) fn encode_component(out: &mut String, bytes: &[u8]) {
    for &b in bytes {
        if is_unreserved(b) {
            out.push(b as char);
        } else {
            push_escaped(out, b);
        }
    }
}

/// Rewrites a raw `path?query` into the wire form described on [`FunctionUrl`]; borrows when
/// the input already is in wire form (the common case on the hot path).
pub(crate) fn wire_path_and_query(raw: &str) -> Result<Cow<'_, str>, Error> {
    let bytes = raw.as_bytes();
    let raw = match bytes.iter().position(|&b| b == b'#') {
        Some(end) => &raw[..end],
        None => raw,
    };
    let (path, query) = match raw.as_bytes().iter().position(|&b| b == b'?') {
        Some(at) => (&raw[..at], Some(&raw[at + 1..])),
        None => (raw, None),
    };
    let wire_path = wire_path(path);
    let wire_query = match query {
        Some(query) => wire_query(query)?,
        None => Cow::Borrowed(""),
    };
    let unchanged = matches!(wire_path, Cow::Borrowed(_))
        && matches!(wire_query, Cow::Borrowed(_))
        && (query.is_none() || !wire_query.is_empty());
    if unchanged {
        return Ok(Cow::Borrowed(raw));
    }
    let mut out = String::with_capacity(wire_path.len() + wire_query.len() + 1);
    out.push_str(&wire_path);
    if !wire_query.is_empty() {
        out.push('?');
        out.push_str(&wire_query);
    }
    Ok(Cow::Owned(out))
}

fn path_is_wire(path: &str) -> bool {
    if !path.starts_with('/') {
        return false;
    }
    let bytes = path.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            let ok = matches!(
                (bytes.get(i + 1), bytes.get(i + 2)),
                (Some(h), Some(l)) if is_upper_hex(*h) && is_upper_hex(*l)
            );
            if !ok {
                return false;
            }
            i += 3;
            continue;
        }
        if !(is_unreserved(b) || b == b'/') {
            return false;
        }
        i += 1;
    }
    // No empty or dot segments (a single trailing slash is fine).
    let inner = path[1..].strip_suffix('/').unwrap_or(&path[1..]);
    inner.is_empty() && path.len() == 1
        || !inner.is_empty()
            && inner
                .split('/')
                .all(|s| !s.is_empty() && dot_segment(s).is_none())
}

/// What a path segment is as a dot segment, counting `%2E` (either case) as a dot, as the URL
/// standard does: `.`, `%2e` → `Dot`; `..`, `.%2E`, `%2e%2e` → `DotDot`; else `None`. A proxy or
/// URL parser downstream would resolve an escaped `..` after a prefix was joined, so the wire
/// form never keeps one: it is removed like a literal `..`.
fn dot_segment(segment: &str) -> Option<DotSegment> {
    let mut dots = 0;
    let mut rest = segment.as_bytes();
    while !rest.is_empty() {
        rest = match rest {
            [b'.', tail @ ..] => tail,
            [b'%', b'2', b'e' | b'E', tail @ ..] => tail,
            _ => return None,
        };
        dots += 1;
    }
    match dots {
        1 => Some(DotSegment::Dot),
        2 => Some(DotSegment::DotDot),
        _ => None,
    }
}

/// A dot segment of a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DotSegment {
    Dot,
    DotDot,
}

fn is_upper_hex(b: u8) -> bool {
    b.is_ascii_digit() || (b'A'..=b'F').contains(&b)
}

fn wire_path(path: &str) -> Cow<'_, str> {
    if path_is_wire(path) {
        return Cow::Borrowed(path);
    }
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match dot_segment(segment) {
            _ if segment.is_empty() => {}
            Some(DotSegment::Dot) => {}
            Some(DotSegment::DotDot) => {
                segments.pop();
            }
            None => segments.push(segment),
        }
    }
    let mut out = String::with_capacity(path.len() + 8);
    for segment in &segments {
        out.push('/');
        let bytes = segment.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if b == b'%' {
                if let (Some(h), Some(l)) = (
                    bytes.get(i + 1).copied().and_then(hex_value),
                    bytes.get(i + 2).copied().and_then(hex_value),
                ) {
                    push_escaped(&mut out, h << 4 | l);
                    i += 3;
                    continue;
                }
            }
            if is_unreserved(b) {
                out.push(b as char);
            } else {
                push_escaped(&mut out, b);
            }
            i += 1;
        }
    }
    if segments.is_empty() || path.ends_with('/') {
        out.push('/');
    }
    Cow::Owned(out)
}

/// Percent-decodes a query component: `%XX` becomes the byte, a lone `%` stays, and a raw `+`
/// is a space (the URL standard's form encoding, which `url`, reqwest and HTML forms write).
fn percent_decode(raw: &str) -> Cow<'_, [u8]> {
    if !raw.contains(['%', '+']) {
        return Cow::Borrowed(raw.as_bytes());
    }
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'+' {
            out.push(b' ');
            i += 1;
            continue;
        }
        if bytes[i] == b'%' {
            if let (Some(h), Some(l)) = (
                bytes.get(i + 1).copied().and_then(hex_value),
                bytes.get(i + 2).copied().and_then(hex_value),
            ) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    Cow::Owned(out)
}

/// A decoded query parameter: name and value bytes.
type QueryPair<'a> = (Cow<'a, [u8]>, Cow<'a, [u8]>);

/// Splits a wire-form or raw query into decoded `(name, value)` byte pairs, in order,
/// skipping empty pieces. Fails when a component does not decode to UTF-8.
fn query_pairs(query: &str) -> Result<Vec<QueryPair<'_>>, Error> {
    let mut pairs = Vec::new();
    for piece in split_ascii(query, b'&').filter(|p| !p.is_empty()) {
        let (name, value) = split_once_ascii(piece, b'=').unwrap_or((piece, ""));
        let (name_bytes, value_bytes) = (percent_decode(name), percent_decode(value));
        for (raw, decoded) in [(name, &name_bytes), (value, &value_bytes)] {
            if std::str::from_utf8(decoded).is_err() {
                return Err(Error::InvalidQuery {
                    parameter: raw.to_owned(),
                });
            }
        }
        pairs.push((name_bytes, value_bytes));
    }
    Ok(pairs)
}

fn wire_query(query: &str) -> Result<Cow<'_, str>, Error> {
    if query_is_wire(query) {
        return Ok(Cow::Borrowed(query));
    }
    let pairs = query_pairs(query)?;
    let mut out = String::with_capacity(query.len() + 8);
    for (name, value) in &pairs {
        if !out.is_empty() {
            out.push('&');
        }
        encode_component(&mut out, name);
        out.push('=');
        encode_component(&mut out, value);
    }
    if out == query {
        Ok(Cow::Borrowed(query))
    } else {
        Ok(Cow::Owned(out))
    }
}

/// Splits `text` at each `sep` byte (an ASCII delimiter, so every piece is a `&str`), with a
/// plain byte scan: cheaper than `str::split` on the short pieces of a URL.
pub(crate) fn split_ascii(text: &str, sep: u8) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let current = rest?;
        match current.as_bytes().iter().position(|&b| b == sep) {
            Some(at) => {
                rest = current.get(at + 1..);
                current.get(..at)
            }
            None => {
                rest = None;
                Some(current)
            }
        }
    })
}

/// `text` split at the first `sep` byte, if there is one.
pub(crate) fn split_once_ascii(text: &str, sep: u8) -> Option<(&str, &str)> {
    let at = text.as_bytes().iter().position(|&b| b == sep)?;
    Some((text.get(..at)?, text.get(at + 1..)?))
}

/// Whether `query` already is in wire form, checked without allocating: non-empty
/// `name=value` pieces of unreserved bytes and `%XX` escapes (uppercase hex) of bytes that are
/// not unreserved, each component UTF-8 once decoded. Anything else takes the rewriting path.
fn query_is_wire(query: &str) -> bool {
    !query.is_empty()
        && split_ascii(query, b'&').all(|piece| {
            let mut parts = split_ascii(piece, b'=');
            match (parts.next(), parts.next(), parts.next()) {
                (Some(name), Some(value), None) => {
                    !piece.is_empty() && component_is_wire(name) && component_is_wire(value)
                }
                _ => false,
            }
        })
}

fn component_is_wire(component: &str) -> bool {
    let bytes = component.as_bytes();
    if !bytes.contains(&b'%') {
        return bytes.iter().all(|&b| is_unreserved(b));
    }
    // Decode into a stack buffer to check UTF-8; longer components take the slow path.
    let mut decoded = [0u8; 256];
    let mut len = 0;
    let mut i = 0;
    while i < bytes.len() {
        if len == decoded.len() {
            return false;
        }
        let b = bytes[i];
        if b == b'%' {
            let byte = match (bytes.get(i + 1), bytes.get(i + 2)) {
                (Some(&h), Some(&l)) if is_upper_hex(h) && is_upper_hex(l) => {
                    hex_value(h).unwrap_or(0) << 4 | hex_value(l).unwrap_or(0)
                }
                _ => return false,
            };
            if is_unreserved(byte) {
                return false;
            }
            decoded[len] = byte;
            i += 3;
        } else if is_unreserved(b) {
            decoded[len] = b;
            i += 1;
        } else {
            return false;
        }
        len += 1;
    }
    std::str::from_utf8(&decoded[..len]).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_queries_are_recognized_without_rewriting() {
        for wire in ["a=1", "a=1&b=", "x=a%20b&y=%C3%A9", "k=%2B%25"] {
            assert!(query_is_wire(wire), "{wire}");
        }
        for not_wire in [
            "a", "a=1&", "&a=1", "a==1", "a=%41", "a=%2b", "a=%FF", "a=+", "a=%C3",
        ] {
            assert!(!query_is_wire(not_wire), "{not_wire}");
        }
    }

    #[test]
    fn wire_forms() {
        let cases = [
            ("/", "/"),
            ("", "/"),
            ("/a b/./c/../d*", "/a%20b/d%2A"),
            ("/x%2fy", "/x%2Fy"),
            ("//a//b/", "/a/b/"),
            ("/..", "/"),
            ("/a?b=1+2&c&&d=%2b", "/a?b=1%202&c=&d=%2B"),
            ("/a+b?c+d=e+f", "/a%2Bb?c%20d=e%20f"),
            ("/?", "/"),
            ("/p?é=ü", "/p?%C3%A9=%C3%BC"),
            ("/p#frag", "/p"),
        ];
        for (raw, wire) in cases {
            assert_eq!(wire_path_and_query(raw).unwrap(), wire, "{raw}");
        }
        assert!(matches!(
            wire_path_and_query("/a/b?x=1&y=%20").unwrap(),
            Cow::Borrowed(_)
        ));
        assert!(wire_path_and_query("/?a=%FF").is_err());
    }

    #[test]
    fn escaped_dot_segments_are_dot_segments() {
        for (raw, wire) in [
            ("/%2e%2e/secret", "/secret"),
            ("/%2E%2E/%2e%2e/admin?x=1", "/admin?x=1"),
            ("/a/.%2e/b", "/b"),
            ("/a/%2e./b", "/b"),
            ("/a/%2E/b", "/a/b"),
            ("/a/%2e%2e%2e/b", "/a/%2E%2E%2E/b"),
            ("/a/%2ex/b", "/a/%2Ex/b"),
        ] {
            assert_eq!(wire_path_and_query(raw).unwrap(), wire, "{raw}");
        }
        assert!(!path_is_wire("/a/%2E%2E"));
        assert!(!path_is_wire("/a/%2E"));
    }
}
