//! Function URL parsing, region detection and the wire form of paths and queries.

use crate::Error;
use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

/// A parsed address to call: a Lambda function URL, or any other `http`/`https` address
/// (CloudFront, a custom domain, a local emulator) with an explicit region.
///
/// Parsing rewrites the path and query into their *wire form*, the exact encoding that gets
/// signed and sent:
///
/// - dot segments (`.`, `..`) and empty segments (`//`) are removed from the path;
/// - in the path, every byte outside `A-Za-z0-9-_.~/` is percent-encoded, except existing
///   `%XX` escapes, which are kept (with uppercase hex);
/// - in the query, each name and value is percent-decoded and re-encoded with only
///   `A-Za-z0-9-_.~` left bare: a space is `%20`, a plus is `%2B`. A raw `+` means a space
///   (the URL standard's form encoding, which `url`'s `query_pairs_mut`, reqwest's `.query()`
///   and HTML forms write), so it goes out as `%20`; a literal plus is written `%2B`.
///   Repeated keys keep their order, a key without `=` becomes `key=`, empty pieces go;
/// - in the path, `+` is a literal plus;
/// - the fragment is dropped.
///
/// ```
/// use lambda_url_signer::FunctionUrl;
///
/// let url = FunctionUrl::parse(
///     "https://ABCDEFGHIJKLMNOPQRSTUVWXYZ234567.lambda-url.eu-central-1.on.aws/a b/./c?x=1+2&y",
/// )?;
/// assert_eq!(url.url_id(), Some("abcdefghijklmnopqrstuvwxyz234567"));
/// assert_eq!(url.region(), "eu-central-1");
/// assert_eq!(url.path_and_query(), "/a%20b/c?x=1%202&y=");
///
/// // Anything else needs an explicit region: there is no silent default.
/// assert!(FunctionUrl::parse("http://127.0.0.1:9000/").is_err());
/// let local = FunctionUrl::with_region("http://127.0.0.1:9000/", "us-east-1")?;
/// assert_eq!(local.url_id(), None);
/// assert_eq!(local.host(), "127.0.0.1:9000");
/// # Ok::<(), lambda_url_signer::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct FunctionUrl {
    uri: http::Uri,
    /// `uri` as a string, so that [`FunctionUrl::as_str`] can borrow it.
    url: String,
    host: String,
    region: String,
    url_id: Option<String>,
}

impl FunctionUrl {
    /// Parses a function URL `http(s)://<url-id>.lambda-url.<region>.on.aws/…`; the host is
    /// matched case-insensitively, any path and query are accepted.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidUrl`] when the input is not an `http`/`https` URL, and
    /// [`Error::MissingRegion`] when the host is not a function URL host (then use
    /// [`FunctionUrl::with_region`]).
    ///
    /// ```
    /// use lambda_url_signer::{Error, FunctionUrl};
    ///
    /// let url = FunctionUrl::parse("https://abc123.lambda-url.us-west-2.on.aws/")?;
    /// assert_eq!(url.region(), "us-west-2");
    /// assert!(matches!(
    ///     FunctionUrl::parse("https://d111111abcdef8.cloudfront.net/"),
    ///     Err(Error::MissingRegion { .. })
    /// ));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn parse(input: &str) -> Result<Self, Error> {
        let parts = split_url(input)?;
        match parse_function_host(parts.hostname) {
            Some((url_id, region)) => Self::build(input, parts, region, Some(url_id)),
            None => Err(Error::MissingRegion {
                host: parts.authority.to_owned(),
            }),
        }
    }

    /// Parses any `http`/`https` URL with an explicit region: CloudFront, a custom domain, a
    /// loopback emulator, or a function URL (whose host region must then agree).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidUrl`] for a bad URL, [`Error::InvalidRegion`] for a malformed region or
    /// one that contradicts the function URL host.
    ///
    /// ```
    /// use lambda_url_signer::FunctionUrl;
    ///
    /// let url = FunctionUrl::with_region("https://api.example.com/orders", "eu-west-1")?;
    /// assert_eq!(url.region(), "eu-west-1");
    /// assert_eq!(url.as_str(), "https://api.example.com/orders");
    /// # Ok::<(), lambda_url_signer::Error>(())
    /// ```
    pub fn with_region(input: &str, region: &str) -> Result<Self, Error> {
        validate_region(region)?;
        let parts = split_url(input)?;
        let url_id = match parse_function_host(parts.hostname) {
            Some((_, host_region)) if host_region != region => {
                return Err(Error::InvalidRegion {
                    region: region.to_owned(),
                    reason: "it contradicts the region in the function url host",
                })
            }
            Some((url_id, _)) => Some(url_id),
            None => None,
        };
        Self::build(input, parts, region.to_owned(), url_id)
    }

    fn build(
        input: &str,
        parts: UrlParts<'_>,
        region: String,
        url_id: Option<String>,
    ) -> Result<Self, Error> {
        let path_and_query = wire_path_and_query(parts.path_and_query)?;
        let uri = http::Uri::builder()
            .scheme(parts.scheme)
            .authority(parts.authority.to_ascii_lowercase())
            .path_and_query(path_and_query.as_ref())
            .build()
            .map_err(|_| Error::InvalidUrl {
                input: redact_userinfo(input),
                reason: "the host or port contains characters a url cannot have",
            })?;
        let host = host_of(&uri)?.into_owned();
        Ok(FunctionUrl {
            url: uri.to_string(),
            uri,
            host,
            region,
            url_id,
        })
    }

    /// The url-id (the first host label, lowercased), or `None` for a non-function-URL host.
    ///
    /// ```
    /// # use lambda_url_signer::FunctionUrl;
    /// let url = FunctionUrl::parse("https://abc123.lambda-url.us-east-1.on.aws/")?;
    /// assert_eq!(url.url_id(), Some("abc123"));
    /// # Ok::<(), lambda_url_signer::Error>(())
    /// ```
    pub fn url_id(&self) -> Option<&str> {
        self.url_id.as_deref()
    }

    /// The region requests to this URL are signed for.
    ///
    /// ```
    /// # use lambda_url_signer::FunctionUrl;
    /// let url = FunctionUrl::parse("https://abc123.lambda-url.ap-southeast-2.on.aws/")?;
    /// assert_eq!(url.region(), "ap-southeast-2");
    /// # Ok::<(), lambda_url_signer::Error>(())
    /// ```
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The host, lowercased, with its port unless it is the scheme's default: the value signed
    /// as `host`.
    ///
    /// ```
    /// # use lambda_url_signer::FunctionUrl;
    /// let url = FunctionUrl::with_region("http://LOCALHOST:9000/", "us-east-1")?;
    /// assert_eq!(url.host(), "localhost:9000");
    /// let tls = FunctionUrl::with_region("https://example.com:443/", "us-east-1")?;
    /// assert_eq!(tls.host(), "example.com"); // the default port is not signed
    /// # Ok::<(), lambda_url_signer::Error>(())
    /// ```
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The wire-form path and query (`/path?query`).
    ///
    /// ```
    /// # use lambda_url_signer::FunctionUrl;
    /// let url = FunctionUrl::parse("https://abc123.lambda-url.us-east-1.on.aws/a/../b(1)?k=v w")?;
    /// assert_eq!(url.path_and_query(), "/b%281%29?k=v%20w");
    /// # Ok::<(), lambda_url_signer::Error>(())
    /// ```
    pub fn path_and_query(&self) -> &str {
        self.uri.path_and_query().map_or("/", |pq| pq.as_str())
    }

    /// The whole URL in wire form.
    ///
    /// ```
    /// # use lambda_url_signer::FunctionUrl;
    /// let url = FunctionUrl::parse("https://abc123.lambda-url.us-east-1.on.aws")?;
    /// assert_eq!(url.as_str(), "https://abc123.lambda-url.us-east-1.on.aws/");
    /// # Ok::<(), lambda_url_signer::Error>(())
    /// ```
    pub fn as_str(&self) -> &str {
        &self.url
    }

    /// The URL as an [`http::Uri`], ready for an [`http::Request`].
    ///
    /// ```
    /// # use lambda_url_signer::FunctionUrl;
    /// let url = FunctionUrl::parse("https://abc123.lambda-url.us-east-1.on.aws/x")?;
    /// let request = http::Request::get(url.uri().clone()).body(Vec::<u8>::new()).unwrap();
    /// assert_eq!(request.uri().path(), "/x");
    /// # Ok::<(), lambda_url_signer::Error>(())
    /// ```
    pub fn uri(&self) -> &http::Uri {
        &self.uri
    }

    /// Joins a path and query (raw, as a user would type it) onto this URL's scheme and host,
    /// in wire form, keeping the region.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidQuery`] when the query decodes to non-UTF-8 bytes,
    /// [`Error::UrlNotRepresentable`] when the result is not a valid URI.
    ///
    /// ```
    /// # use lambda_url_signer::FunctionUrl;
    /// let base = FunctionUrl::parse("https://abc123.lambda-url.us-east-1.on.aws/")?;
    /// let url = base.join("/search?q=rust lang")?;
    /// assert_eq!(url.path_and_query(), "/search?q=rust%20lang");
    /// # Ok::<(), lambda_url_signer::Error>(())
    /// ```
    pub fn join(&self, path_and_query: &str) -> Result<Self, Error> {
        let pq = wire_path_and_query(path_and_query)?;
        let mut parts = self.uri.clone().into_parts();
        let unrepresentable = || Error::UrlNotRepresentable {
            reason: "the path and query cannot be represented in a uri",
        };
        parts.path_and_query = Some(pq.parse().map_err(|_| unrepresentable())?);
        let uri = http::Uri::from_parts(parts).map_err(|_| unrepresentable())?;
        Ok(FunctionUrl {
            url: uri.to_string(),
            uri,
            host: self.host.clone(),
            region: self.region.clone(),
            url_id: self.url_id.clone(),
        })
    }
}

impl fmt::Debug for FunctionUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FunctionUrl")
            .field("url", &self.url)
            .field("region", &self.region)
            .field("url_id", &self.url_id)
            .finish()
    }
}

impl fmt::Display for FunctionUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.url)
    }
}

impl FromStr for FunctionUrl {
    type Err = Error;

    /// Same as [`FunctionUrl::parse`].
    fn from_str(s: &str) -> Result<Self, Error> {
        FunctionUrl::parse(s)
    }
}

struct UrlParts<'a> {
    scheme: &'static str,
    authority: &'a str,
    hostname: &'a str,
    path_and_query: &'a str,
}

fn split_url(input: &str) -> Result<UrlParts<'_>, Error> {
    let invalid = |reason| Error::InvalidUrl {
        input: redact_userinfo(input),
        reason,
    };
    let (scheme, rest) = input
        .split_once("://")
        .ok_or_else(|| invalid("the scheme must be http or https"))?;
    let scheme = if scheme.eq_ignore_ascii_case("https") {
        "https"
    } else if scheme.eq_ignore_ascii_case("http") {
        "http"
    } else {
        return Err(invalid("the scheme must be http or https"));
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    if authority.contains('@') {
        return Err(invalid("user info in the url is not supported"));
    }
    let (hostname, port) = if authority.starts_with('[') {
        let close = authority
            .find(']')
            .ok_or_else(|| invalid("the ipv6 host has no closing bracket"))?;
        let after = &authority[close + 1..];
        match after.strip_prefix(':') {
            Some(port) => (&authority[..=close], Some(port)),
            None if after.is_empty() => (authority, None),
            None => return Err(invalid("unexpected characters after the ipv6 host")),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if hostname.is_empty() {
        return Err(invalid("the url has no host"));
    }
    if let Some(port) = port {
        if port.is_empty() || port.len() > 5 || port.parse::<u16>().is_err() {
            return Err(invalid("the port must be a number from 0 to 65535"));
        }
    }
    let tail = tail.split('#').next().unwrap_or("");
    let path_and_query = if tail.is_empty() { "/" } else { tail };
    Ok(UrlParts {
        scheme,
        authority,
        hostname,
        path_and_query,
    })
}

/// The host to sign for a URI: lowercase, without the scheme's default port (borrowed when
/// it already is).
pub(crate) fn host_of(uri: &http::Uri) -> Result<Cow<'_, str>, Error> {
    let authority = uri.authority().ok_or_else(|| Error::InvalidUrl {
        input: redact_userinfo(&uri.to_string()),
        reason: "the request uri has no host; use an absolute uri such as https://<url-id>.lambda-url.<region>.on.aws/",
    })?;
    let default_port = match uri.scheme_str() {
        Some("https") => Some(443),
        Some("http") => Some(80),
        _ => None,
    };
    let host = if authority.port_u16().is_some() && authority.port_u16() == default_port {
        authority.host()
    } else {
        authority.as_str()
    };
    if host.bytes().any(|b| b.is_ascii_uppercase()) {
        Ok(Cow::Owned(host.to_ascii_lowercase()))
    } else {
        Ok(Cow::Borrowed(host))
    }
}

/// `input` with any user info (`user:password@`) in its authority replaced by `<redacted>@`,
/// for error messages.
pub(crate) fn redact_userinfo(input: &str) -> String {
    let (scheme, rest) = match input.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, input),
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let Some((_, host)) = authority.rsplit_once('@') else {
        return input.to_owned();
    };
    let mut out = String::with_capacity(input.len());
    if let Some(scheme) = scheme {
        out.push_str(scheme);
        out.push_str("://");
    }
    out.push_str("<redacted>@");
    out.push_str(host);
    out.push_str(tail);
    out
}

/// Reads `(url-id, region)` from a `<url-id>.lambda-url.<region>.on.aws` host name (any case,
/// an optional trailing dot, an optional port).
pub(crate) fn region_from_host(host: &str) -> Option<String> {
    let hostname = match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    };
    parse_function_host(hostname).map(|(_, region)| region)
}

fn parse_function_host(hostname: &str) -> Option<(String, String)> {
    let hostname = hostname.strip_suffix('.').unwrap_or(hostname);
    let mut labels = hostname.split('.');
    let (url_id, marker, region, on, aws) = (
        labels.next()?,
        labels.next()?,
        labels.next()?,
        labels.next()?,
        labels.next()?,
    );
    if labels.next().is_some()
        || !marker.eq_ignore_ascii_case("lambda-url")
        || !on.eq_ignore_ascii_case("on")
        || !aws.eq_ignore_ascii_case("aws")
        || !is_dns_label(url_id)
    {
        return None;
    }
    let region = region.to_ascii_lowercase();
    validate_region(&region).ok()?;
    Some((url_id.to_ascii_lowercase(), region))
}

fn is_dns_label(label: &str) -> bool {
    (1..=63).contains(&label.len())
        && label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !label.starts_with('-')
        && !label.ends_with('-')
}

/// Checks a region name: 1 to 32 characters of `a-z`, `0-9` and `-`, such as `eu-central-1`.
pub(crate) fn validate_region(region: &str) -> Result<(), Error> {
    let ok = (1..=32).contains(&region.len())
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !region.starts_with('-')
        && !region.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidRegion {
            region: region.to_owned(),
            reason: "a region is 1 to 32 characters of a-z, 0-9 and '-', like eu-central-1",
        })
    }
}

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
pub(crate) fn push_escaped(out: &mut String, byte: u8) {
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

    #[test]
    fn user_info_is_redacted() {
        assert_eq!(
            redact_userinfo("http://user:pa55@host:1/p?q"),
            "http://<redacted>@host:1/p?q"
        );
        assert_eq!(redact_userinfo("https://host/a@b"), "https://host/a@b");
        let err =
            FunctionUrl::parse("https://user:pa55@abc.lambda-url.us-east-1.on.aws/").unwrap_err();
        assert!(!format!("{err} {err:?}").contains("pa55"), "{err}");
    }
}
