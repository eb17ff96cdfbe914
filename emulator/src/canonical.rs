//! The emulator's own SigV4 canonicalization, written from the rules Lambda
//! applies to function URL requests (see the crate docs of the emulator).
//! It works on the raw request target and raw header bytes.

/// Splits an origin-form request target into its path and optional query.
pub(crate) fn split_target(target: &str) -> (&str, Option<&str>) {
    match target.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (target, None),
    }
}

fn is_unreserved(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~')
}

/// Percent-encodes every byte outside the RFC 3986 unreserved set (and `/`
/// when `keep_slash`), with upper-case hex digits.
pub(crate) fn uri_encode(bytes: &[u8], keep_slash: bool) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(bytes.len());
    for &byte in bytes {
        if is_unreserved(byte) || (keep_slash && byte == b'/') {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
    }
    out
}

fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

/// Decodes `%XX` escapes. A `+` stays a literal `+`; a `%` that does not
/// start a valid escape is kept as it is.
pub(crate) fn percent_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        if byte == b'%' {
            if let (Some(hi), Some(lo)) = (
                bytes.get(i + 1).copied().and_then(hex_value),
                bytes.get(i + 2).copied().and_then(hex_value),
            ) {
                out.push(hi << 4 | lo);
                i += 3;
                continue;
            }
        }
        out.push(byte);
        i += 1;
    }
    out
}

/// Removes `.` and `..` segments and empty segments (so `//` becomes `/`),
/// keeping a leading `/` and, when anything is left, a trailing `/`.
pub(crate) fn normalize_path(path: &str) -> String {
    if path.is_empty() {
        return "/".to_owned();
    }
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    let mut out = String::with_capacity(path.len());
    if path.starts_with('/') {
        out.push('/');
    }
    out.push_str(&segments.join("/"));
    if path.ends_with('/') && !segments.is_empty() {
        out.push('/');
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// The canonical URI: the raw path normalized, then every byte outside
/// `A-Za-z0-9-_.~/` percent-encoded again (so `%20` becomes `%2520`).
pub(crate) fn canonical_uri(raw_path: &str) -> String {
    uri_encode(normalize_path(raw_path).as_bytes(), true)
}

/// The decoded `(name, value)` pairs of a raw query string, in order. Empty
/// pieces are skipped; a piece without `=` has an empty value.
pub(crate) fn query_pairs(query: &str) -> Vec<(Vec<u8>, Vec<u8>)> {
    query
        .split('&')
        .filter(|piece| !piece.is_empty())
        .map(|piece| match piece.split_once('=') {
            Some((name, value)) => (percent_decode(name), percent_decode(value)),
            None => (percent_decode(piece), Vec::new()),
        })
        .collect()
}

/// The canonical query string, leaving out parameters named `exclude`.
pub(crate) fn canonical_query(query: Option<&str>, exclude: Option<&str>) -> String {
    let Some(query) = query else {
        return String::new();
    };
    let mut pairs: Vec<(String, String)> = query_pairs(query)
        .into_iter()
        .filter(|(name, _)| exclude.is_none_or(|ex| name.as_slice() != ex.as_bytes()))
        .map(|(name, value)| (uri_encode(&name, false), uri_encode(&value, false)))
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// Whitespace in a header value, as botocore's `' '.join(value.split())` sees it among the
/// bytes a header can carry: space and horizontal tab (the only ones HTTP allows inside a
/// value), and CR, LF, VT, FF.
fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// One header value trimmed, with inner runs of whitespace collapsed to one space.
pub(crate) fn trim_value(value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len());
    let mut pending_space = false;
    for &byte in value {
        if is_space(byte) {
            pending_space = !out.is_empty();
        } else {
            if pending_space {
                out.push(b' ');
                pending_space = false;
            }
            out.push(byte);
        }
    }
    out
}

/// All values of the header `name` (case-insensitive), in received order.
pub(crate) fn header_values<'h>(headers: &'h [(String, Vec<u8>)], name: &str) -> Vec<&'h [u8]> {
    headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_slice())
        .collect()
}

/// The canonical value of a header: every value trimmed, joined with `,`.
/// `None` when the header is absent.
pub(crate) fn canonical_header_value(headers: &[(String, Vec<u8>)], name: &str) -> Option<Vec<u8>> {
    let values = header_values(headers, name);
    if values.is_empty() {
        return None;
    }
    let mut out = Vec::new();
    for (i, value) in values.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(&trim_value(value));
    }
    Some(out)
}

/// Builds the canonical request as bytes (header values may be any bytes).
///
/// `signed_names` are the names from `SignedHeaders` in the order given;
/// `signed_line` is that list as it appeared on the request.
pub(crate) fn canonical_request(
    method: &str,
    target: &str,
    exclude_param: Option<&str>,
    headers: &[(String, Vec<u8>)],
    signed_names: &[String],
    signed_line: &str,
    payload_hash: &str,
) -> Vec<u8> {
    let (path, query) = split_target(target);
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(method.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(canonical_uri(path).as_bytes());
    out.push(b'\n');
    out.extend_from_slice(canonical_query(query, exclude_param).as_bytes());
    out.push(b'\n');
    for name in signed_names {
        out.extend_from_slice(name.to_ascii_lowercase().as_bytes());
        out.push(b':');
        if let Some(value) = canonical_header_value(headers, name) {
            out.extend_from_slice(&value);
        }
        out.push(b'\n');
    }
    out.push(b'\n');
    out.extend_from_slice(signed_line.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(payload_hash.as_bytes());
    out
}

/// The SigV4 string to sign.
pub(crate) fn string_to_sign(amz_date: &str, scope: &str, canonical_request: &[u8]) -> String {
    format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        super::crypto::sha256_hex(canonical_request)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_normalized_and_double_encoded() {
        assert_eq!(canonical_uri(""), "/");
        assert_eq!(canonical_uri("/"), "/");
        assert_eq!(canonical_uri("//a//b/"), "/a/b/");
        assert_eq!(canonical_uri("/a/./b/../c"), "/a/c");
        assert_eq!(canonical_uri("/a/.."), "/");
        assert_eq!(canonical_uri("/../.."), "/");
        assert_eq!(canonical_uri("/a%20b"), "/a%2520b");
        assert_eq!(canonical_uri("/a*b(c)!'"), "/a%2Ab%28c%29%21%27");
        assert_eq!(canonical_uri("/~user/x-y_z."), "/~user/x-y_z.");
    }

    #[test]
    fn queries_are_decoded_reencoded_and_sorted() {
        assert_eq!(canonical_query(None, None), "");
        assert_eq!(canonical_query(Some(""), None), "");
        assert_eq!(canonical_query(Some("b=2&a=1&a=0"), None), "a=0&a=1&b=2");
        assert_eq!(canonical_query(Some("k"), None), "k=");
        assert_eq!(
            canonical_query(Some("a=x+y&&c=%20%2b"), None),
            "a=x%2By&c=%20%2B"
        );
        assert_eq!(canonical_query(Some("a=%7e%zz"), None), "a=~%25zz");
        assert_eq!(
            canonical_query(Some("X-Amz-Signature=abc&b=1"), Some("X-Amz-Signature")),
            "b=1"
        );
    }

    #[test]
    fn header_values_are_trimmed_and_joined() {
        let headers = vec![
            ("X-A".to_owned(), b"  one   two ".to_vec()),
            ("x-a".to_owned(), b"three".to_vec()),
        ];
        assert_eq!(
            canonical_header_value(&headers, "x-a").as_deref(),
            Some(&b"one two,three"[..])
        );
        assert_eq!(canonical_header_value(&headers, "x-b"), None);
    }

    #[test]
    fn tabs_are_whitespace_like_spaces() {
        // botocore: ' '.join("\ta\t\tb \t c\t".split()) == "a b c"
        assert_eq!(trim_value(b"\ta\t\tb \t c\t"), b"a b c");
        assert_eq!(trim_value(b"\t \t"), b"");
        assert_eq!(trim_value(b"a\tb"), b"a b");
    }
}
