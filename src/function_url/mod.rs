//! Function URL parsing, region detection and the wire form of paths and queries.

use crate::Error;
use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

mod wire;

pub(crate) use wire::{encode_component, split_ascii, split_once_ascii, wire_path_and_query};

/// A parsed address to call: a Lambda function URL, or any other `http`/`https` address
/// (CloudFront, a custom domain, a local emulator) with an explicit region.
///
/// Parsing rewrites the path and query into their *wire form*, the exact encoding that gets
/// signed and sent:
///
/// - dot segments (`.`, `..`, and their escaped forms `%2e`, `.%2E`, `%2e%2e`, …) and empty
///   segments (`//`) are removed from the path, so a path appended after a prefix cannot climb
///   out of it;
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

#[cfg(test)]
mod tests {
    use super::*;

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
