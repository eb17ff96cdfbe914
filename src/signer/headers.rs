//! Which headers are signed, and the form their values are sent and signed in.

use super::stack_vec::StackVec;
use crate::Error;
use http::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION, CONNECTION, HOST};

/// The names of the headers the signer sets, as text (for the canonical request) and as
/// header names (built at compile time, so no lookup parses them).
pub(crate) const DATE_NAME: &str = "x-amz-date";
pub(crate) const TOKEN_NAME: &str = "x-amz-security-token";
pub(crate) const CONTENT_SHA256_NAME: &str = "x-amz-content-sha256";
pub(crate) const X_AMZ_DATE: HeaderName = HeaderName::from_static(DATE_NAME);
pub(crate) const X_AMZ_SECURITY_TOKEN: HeaderName = HeaderName::from_static(TOKEN_NAME);
pub(crate) const X_AMZ_CONTENT_SHA256: HeaderName = HeaderName::from_static(CONTENT_SHA256_NAME);

/// The headers the signer sets itself; stale copies are removed before signing.
const SIGNING_HEADERS: [HeaderName; 4] = [
    AUTHORIZATION,
    X_AMZ_DATE,
    X_AMZ_SECURITY_TOKEN,
    X_AMZ_CONTENT_SHA256,
];

/// Gets the headers ready to be signed, in place, in one look at them: removes
/// `authorization`, `x-amz-date`, `x-amz-security-token` and `x-amz-content-sha256` left from
/// an earlier signature (a retry) or set by the caller, and writes the signed header values in
/// canonical form (see [`normalize_values`]). Touches the map only where something is to do.
pub(crate) fn tidy(headers: &mut HeaderMap) {
    let (mut stale, mut untidy) = (false, false);
    for (name, value) in headers.iter() {
        stale |= SIGNING_HEADERS.contains(name);
        untidy |= !is_canonical(value.as_bytes());
    }
    if stale {
        for name in &SIGNING_HEADERS {
            headers.remove(name);
        }
    }
    if untidy {
        normalize_values(headers);
    }
}

/// Headers that proxies and CDNs add, remove or rewrite, and so are never signed.
pub(crate) fn is_unsigned_header(name: &str) -> bool {
    matches!(
        name,
        "authorization"
            | "user-agent"
            | "x-amzn-trace-id"
            | "transfer-encoding"
            | "content-length"
            | "expect"
            | "connection"
            | "keep-alive"
            | "proxy-authenticate"
            | "proxy-authorization"
            | "proxy-connection"
            | "te"
            | "trailer"
            | "upgrade"
            | "via"
            | "forwarded"
    ) || name.starts_with("x-forwarded-")
        || name.starts_with("cf-")
}

/// Whether the header `name` is signed, given the request's `Connection` tokens.
fn is_signed(name: &str, hop_by_hop: &[&str]) -> bool {
    name != HOST
        && !is_unsigned_header(name)
        && !hop_by_hop.iter().any(|t| t.eq_ignore_ascii_case(name))
}

/// Rewrites every signed header value into its canonical form, in place, only where it differs:
/// leading and trailing spaces and tabs removed, each inner run of spaces and tabs replaced by
/// one space. Servers and proxies strip or fold such whitespace, so the value sent must be the
/// value signed (botocore's canonical form, which aws-sigv4 agrees with on such values).
fn normalize_values(headers: &mut HeaderMap) {
    let hop_by_hop: Vec<String> = connection_tokens(headers)
        .into_iter()
        .map(str::to_owned)
        .collect();
    let hop_by_hop: Vec<&str> = hop_by_hop.iter().map(String::as_str).collect();
    for (name, value) in headers.iter_mut() {
        if is_canonical(value.as_bytes()) || !is_signed(name.as_str(), &hop_by_hop) {
            continue;
        }
        let collapsed = collapse_whitespace(value.as_bytes());
        if let Ok(mut new) = HeaderValue::from_bytes(&collapsed) {
            new.set_sensitive(value.is_sensitive());
            *value = new;
        }
    }
}

fn is_space(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// No leading or trailing whitespace, no tab, no two spaces in a row.
fn is_canonical(value: &[u8]) -> bool {
    let edges_ok =
        !value.first().is_some_and(|b| is_space(*b)) && !value.last().is_some_and(|b| is_space(*b));
    // One pass: no tab, and no space after a space.
    let mut after_space = false;
    edges_ok
        && value.iter().all(|&b| {
            let ok = b != b'\t' && !(b == b' ' && after_space);
            after_space = b == b' ';
            ok
        })
}

fn collapse_whitespace(value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len());
    for word in value.split(|b| is_space(*b)).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(b' ');
        }
        out.extend_from_slice(word);
    }
    out
}

/// The header names listed in `Connection` (hop-by-hop by declaration).
fn connection_tokens(headers: &HeaderMap) -> Vec<&str> {
    headers
        .get_all(CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect()
}

/// The `(name, value)` pairs of a canonical request's headers.
pub(crate) type HeaderPairs<'a> = StackVec<(&'a str, &'a str), 12>;

/// Signed `(name, value)` pairs, and the `Host` header's value.
pub(crate) type SignedPairs<'a> = (HeaderPairs<'a>, Option<&'a HeaderValue>);

/// The `(name, value)` pairs of the headers to sign, in the map's order, values as UTF-8, with
/// room for the signer's own four; and the `Host` header's value, if there is one.
///
/// # Errors
///
/// [`Error::InvalidHeaderValue`] for a signed header whose value is not UTF-8.
pub(crate) fn signed_pairs(headers: &HeaderMap) -> Result<SignedPairs<'_>, Error> {
    // `Connection` is rare: only then is a second look needed for the headers it names.
    let hop_by_hop = if headers.contains_key(CONNECTION) {
        connection_tokens(headers)
    } else {
        Vec::new()
    };
    let mut host = None;
    let mut pairs = HeaderPairs::new();
    for (name, value) in headers {
        if name == HOST {
            host = host.or(Some(value));
            continue;
        }
        let name = name.as_str();
        if !is_signed(name, &hop_by_hop) {
            continue;
        }
        let value =
            std::str::from_utf8(value.as_bytes()).map_err(|_| Error::InvalidHeaderValue {
                name: name.to_owned(),
            })?;
        pairs.push((name, value));
    }
    Ok((pairs, host))
}

/// The value for `authorization` or `x-amz-security-token`, marked sensitive.
pub(crate) fn sensitive_value(value: &str, field: &'static str) -> Result<HeaderValue, Error> {
    let mut value =
        HeaderValue::from_str(value).map_err(|_| Error::InvalidCredentials { field })?;
    value.set_sensitive(true);
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collapses_spaces_and_tabs() {
        assert_eq!(collapse_whitespace(b" \ta \t\t b  c\t"), b"a b c");
        assert_eq!(collapse_whitespace(b""), b"");
        assert!(is_canonical(b"a b c"));
        assert!(!is_canonical(b"a\tb"));
        assert!(!is_canonical(b"a  b"));
        assert!(!is_canonical(b" a"));
    }

    #[test]
    fn normalizes_only_signed_headers() {
        let mut headers = HeaderMap::new();
        headers.insert("x-a", HeaderValue::from_static("\tone\t\ttwo "));
        headers.insert("user-agent", HeaderValue::from_static("keep\t\tme"));
        tidy(&mut headers);
        assert_eq!(headers["x-a"], "one two");
        assert_eq!(headers["user-agent"], "keep\t\tme");
    }
}
