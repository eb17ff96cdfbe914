//! The SigV4 verifier: Lambda's side of a function URL request.

use std::fmt;
use std::time::{Duration, SystemTime};

use super::canonical::{
    canonical_header_value, canonical_request, header_values, query_pairs, split_target,
    string_to_sign,
};
use super::clock::{format_amz_date, parse_amz_date, unix_secs, window_text};
use super::crypto::{constant_time_eq, hmac_sha256, sha256_hex, signing_key};
use super::identity::{CallerIdentity, EmulatorIdentity};

pub(crate) const FORBIDDEN_MESSAGE: &str = "Forbidden. For troubleshooting Function URL authorization issues, see: https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html";
const MISMATCH_MESSAGE: &str = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
const INVALID_TOKEN_MESSAGE: &str = "The security token included in the request is invalid.";
const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// The longest validity a presigned URL may ask for: seven days.
pub(crate) const MAX_PRESIGN_EXPIRES: u64 = 604_800;
const REDACTED: &str = "** redacted **";

/// A request exactly as it crossed the wire, borrowed: what the verifier checks.
///
/// `target` is the raw request-target in origin form (`/path?query`, as on
/// the request line, not re-encoded); header names may be in any case and
/// may repeat; values are raw bytes.
///
/// `Debug` redacts `x-amz-security-token` (header and query parameter) and
/// shows only the body's length.
///
/// # Example
///
/// ```
/// use lambda_url_emulator::RawRequest;
///
/// let headers = vec![("Host".to_owned(), b"example.com".to_vec())];
/// let request = RawRequest::new("GET", "/a%20b?x=1", &headers, b"");
/// assert_eq!(request.target, "/a%20b?x=1");
/// ```
#[derive(Clone, Copy)]
pub struct RawRequest<'a> {
    /// The method, e.g. `GET`.
    pub method: &'a str,
    /// The raw request-target: path and query exactly as on the request line.
    pub target: &'a str,
    /// Header `(name, value)` pairs in received order.
    pub headers: &'a [(String, Vec<u8>)],
    /// The body as received.
    pub body: &'a [u8],
}

impl<'a> RawRequest<'a> {
    /// Borrows the parts of a request.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::RawRequest;
    /// let headers = Vec::new();
    /// let request = RawRequest::new("POST", "/", &headers, b"{}");
    /// assert_eq!(request.body, b"{}");
    /// ```
    pub fn new(
        method: &'a str,
        target: &'a str,
        headers: &'a [(String, Vec<u8>)],
        body: &'a [u8],
    ) -> Self {
        RawRequest {
            method,
            target,
            headers,
            body,
        }
    }
}

impl fmt::Debug for RawRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawRequest")
            .field("method", &self.method)
            .field("target", &redact_target(self.target))
            .field("headers", &DebugHeaders(self.headers))
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// The target with the value of any `X-Amz-Security-Token` parameter redacted.
pub(crate) fn redact_target(target: &str) -> String {
    let (path, query) = split_target(target);
    match query {
        Some(query) => format!("{path}?{}", redact_query(query)),
        None => path.to_owned(),
    }
}

/// A query with the values of `X-Amz-Security-Token` and `X-Amz-Signature` redacted.
fn redact_query(query: &str) -> String {
    query
        .split('&')
        .map(|piece| match piece.split_once('=') {
            Some((name, _))
                if name.eq_ignore_ascii_case("X-Amz-Security-Token")
                    || name.eq_ignore_ascii_case("X-Amz-Signature") =>
            {
                format!("{name}={REDACTED}")
            }
            _ => piece.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// A canonical request with the session token (header or query) redacted.
fn redact_canonical_request(canonical: &str) -> String {
    canonical
        .split('\n')
        .enumerate()
        .map(|(i, line)| {
            if i == 2 {
                redact_query(line)
            } else if line
                .get(..21)
                .is_some_and(|p| p.eq_ignore_ascii_case("x-amz-security-token:"))
            {
                format!("x-amz-security-token:{REDACTED}")
            } else {
                line.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Debug view of headers with the session token redacted.
pub(crate) struct DebugHeaders<'h>(pub(crate) &'h [(String, Vec<u8>)]);

impl fmt::Debug for DebugHeaders<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        for (name, value) in self.0 {
            if name.eq_ignore_ascii_case("x-amz-security-token") {
                list.entry(&(name, REDACTED));
            } else if name.eq_ignore_ascii_case("authorization") {
                // Keep the credential and signed headers, hide the signature.
                let text = String::from_utf8_lossy(value);
                let shown = match text.find("Signature=") {
                    Some(at) => format!("{}Signature={REDACTED}", &text[..at]),
                    None => text.into_owned(),
                };
                list.entry(&(name, shown));
            } else {
                list.entry(&(name, String::from_utf8_lossy(value)));
            }
        }
        list.finish()
    }
}

/// Why a request was refused.
///
/// Each kind maps to the status and `x-amzn-ErrorType` Lambda answers with;
/// see [`Rejection::error_type`].
///
/// # Example
///
/// ```
/// use lambda_url_emulator::RejectionKind;
///
/// let kind = RejectionKind::SignatureMismatch;
/// assert_ne!(kind, RejectionKind::AccessDenied);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RejectionKind {
    /// No `Authorization` header and no `X-Amz-Signature` query parameter.
    /// 403 `AccessDeniedException`.
    MissingAuthentication,
    /// The principal is not allowed to invoke the function (resource or
    /// identity policy). 403 `AccessDeniedException`.
    AccessDenied,
    /// A presigned URL whose `X-Amz-Date` + `X-Amz-Expires` is in the past.
    /// 403 `AccessDeniedException` (emulator choice; not published).
    PresignedUrlExpired,
    /// The signature, or the `x-amz-content-sha256` value, does not match.
    /// 403 `InvalidSignatureException`.
    SignatureMismatch,
    /// The request date is more than the clock window before the server
    /// clock. 403 `InvalidSignatureException`.
    SignatureExpired,
    /// The request date is more than the clock window after the server
    /// clock. 403 `InvalidSignatureException`.
    SignatureNotYetCurrent,
    /// The credential scope names another region. 403 `InvalidSignatureException`.
    WrongRegion,
    /// The credential scope names another service. 403 `InvalidSignatureException`.
    WrongService,
    /// The credential scope's date or terminator is wrong.
    /// 403 `InvalidSignatureException`.
    InvalidCredentialScope,
    /// The authentication information is malformed or incomplete (for
    /// example `host` not signed, no `x-amz-date`, a presigned URL's
    /// `X-Amz-Signature` given twice).
    /// 403 `IncompleteSignatureException`.
    IncompleteSignature,
    /// The access key id is unknown. 403 `UnrecognizedClientException`.
    UnrecognizedClient,
    /// The session token is missing, wrong, or sent with long-term
    /// credentials. 403 `UnrecognizedClientException`.
    InvalidSecurityToken,
    /// The body is over the payload limit. 413 `RequestEntityTooLargeException`.
    PayloadTooLarge,
    /// The request's `Host` (or absolute-form authority) is not the function URL's host, so
    /// no function URL answers to it, as for an unknown url-id. 403 `AccessDeniedException`
    /// with the body `{"Message":null}`. Only the [`Emulator`](crate::Emulator)
    /// checks this; the [`Verifier`] does not know the function's host.
    UnknownFunctionUrl,
}

impl RejectionKind {
    fn status(self) -> u16 {
        match self {
            RejectionKind::PayloadTooLarge => 413,
            _ => 403,
        }
    }

    fn error_type(self) -> &'static str {
        match self {
            RejectionKind::MissingAuthentication
            | RejectionKind::AccessDenied
            | RejectionKind::PresignedUrlExpired
            | RejectionKind::UnknownFunctionUrl => "AccessDeniedException",
            RejectionKind::SignatureMismatch
            | RejectionKind::SignatureExpired
            | RejectionKind::SignatureNotYetCurrent
            | RejectionKind::WrongRegion
            | RejectionKind::WrongService
            | RejectionKind::InvalidCredentialScope => "InvalidSignatureException",
            RejectionKind::IncompleteSignature => "IncompleteSignatureException",
            RejectionKind::UnrecognizedClient | RejectionKind::InvalidSecurityToken => {
                "UnrecognizedClientException"
            }
            RejectionKind::PayloadTooLarge => "RequestEntityTooLargeException",
        }
    }
}

/// A refused request: status, AWS error type and message, ready to answer.
///
/// Messages never contain secrets, tokens or the signature the verifier
/// expected.
///
/// # Example
///
/// ```
/// use std::time::SystemTime;
/// use lambda_url_emulator::{RawRequest, RejectionKind, Verifier};
///
/// let headers = vec![("host".to_owned(), b"example.com".to_vec())];
/// let rejection = Verifier::new("us-east-1", "lambda")
///     .verify(&RawRequest::new("GET", "/", &headers, b""), SystemTime::now())
///     .unwrap_err();
/// assert_eq!(rejection.kind(), RejectionKind::MissingAuthentication);
/// assert_eq!(rejection.status(), 403);
/// assert_eq!(rejection.error_type(), "AccessDeniedException");
/// assert!(rejection.body_json().starts_with(r#"{"Message":"Forbidden."#));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    kind: RejectionKind,
    message: String,
}

impl Rejection {
    pub(crate) fn new(kind: RejectionKind, message: impl Into<String>) -> Self {
        Rejection {
            kind,
            message: message.into(),
        }
    }

    pub(crate) fn forbidden(kind: RejectionKind) -> Self {
        Rejection::new(kind, FORBIDDEN_MESSAGE)
    }

    /// The answer for a `Host` no function URL has: no message at all.
    pub(crate) fn unknown_function_url() -> Self {
        Rejection::new(RejectionKind::UnknownFunctionUrl, "")
    }

    fn mismatch() -> Self {
        Rejection::new(RejectionKind::SignatureMismatch, MISMATCH_MESSAGE)
    }

    fn incomplete(message: impl Into<String>) -> Self {
        Rejection::new(RejectionKind::IncompleteSignature, message)
    }

    /// The HTTP status: 403, or 413 for [`RejectionKind::PayloadTooLarge`].
    ///
    /// # Example
    ///
    /// ```
    /// # use std::time::SystemTime;
    /// # use lambda_url_emulator::{RawRequest, Verifier};
    /// # let headers = Vec::new();
    /// let r = Verifier::new("us-east-1", "lambda")
    ///     .verify(&RawRequest::new("GET", "/", &headers, b""), SystemTime::now())
    ///     .unwrap_err();
    /// assert_eq!(r.status(), 403);
    /// ```
    pub fn status(&self) -> u16 {
        self.kind.status()
    }

    /// What went wrong.
    ///
    /// # Example
    ///
    /// ```
    /// # use std::time::SystemTime;
    /// # use lambda_url_emulator::{RawRequest, RejectionKind, Verifier};
    /// # let headers = Vec::new();
    /// let r = Verifier::new("us-east-1", "lambda")
    ///     .verify(&RawRequest::new("GET", "/", &headers, b""), SystemTime::now())
    ///     .unwrap_err();
    /// assert_eq!(r.kind(), RejectionKind::MissingAuthentication);
    /// ```
    pub fn kind(&self) -> RejectionKind {
        self.kind
    }

    /// The `x-amzn-ErrorType` value, e.g. `InvalidSignatureException`.
    ///
    /// # Example
    ///
    /// ```
    /// # use std::time::SystemTime;
    /// # use lambda_url_emulator::{RawRequest, Verifier};
    /// # let headers = Vec::new();
    /// let r = Verifier::new("us-east-1", "lambda")
    ///     .verify(&RawRequest::new("GET", "/", &headers, b""), SystemTime::now())
    ///     .unwrap_err();
    /// assert_eq!(r.error_type(), "AccessDeniedException");
    /// ```
    pub fn error_type(&self) -> &'static str {
        self.kind.error_type()
    }

    /// The human-readable message, as AWS words it where AWS is known.
    ///
    /// # Example
    ///
    /// ```
    /// # use std::time::SystemTime;
    /// # use lambda_url_emulator::{RawRequest, Verifier};
    /// # let headers = Vec::new();
    /// let r = Verifier::new("us-east-1", "lambda")
    ///     .verify(&RawRequest::new("GET", "/", &headers, b""), SystemTime::now())
    ///     .unwrap_err();
    /// assert!(r.message().starts_with("Forbidden."));
    /// ```
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The JSON response body with AWS's casing: `{"Message":…}` for
    /// `AccessDeniedException`, `{"message":…}` otherwise; `{"Message":null}` for
    /// [`RejectionKind::UnknownFunctionUrl`].
    ///
    /// # Example
    ///
    /// ```
    /// # use std::time::SystemTime;
    /// # use lambda_url_emulator::{RawRequest, Verifier};
    /// # let headers = Vec::new();
    /// let r = Verifier::new("us-east-1", "lambda")
    ///     .verify(&RawRequest::new("GET", "/", &headers, b""), SystemTime::now())
    ///     .unwrap_err();
    /// assert_eq!(
    ///     r.body_json(),
    ///     r#"{"Message":"Forbidden. For troubleshooting Function URL authorization issues, see: https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html"}"#
    /// );
    /// ```
    pub fn body_json(&self) -> String {
        let key = if self.error_type() == "AccessDeniedException" {
            "Message"
        } else {
            "message"
        };
        let message = match self.kind {
            RejectionKind::UnknownFunctionUrl => serde_json::Value::Null,
            _ => serde_json::Value::String(self.message.clone()),
        };
        let mut map = serde_json::Map::new();
        map.insert(key.to_owned(), message);
        serde_json::Value::Object(map).to_string()
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            return f.write_str(self.error_type());
        }
        write!(f, "{}: {}", self.error_type(), self.message)
    }
}

impl std::error::Error for Rejection {}

/// The intermediate SigV4 values the verifier computed for a request,
/// for debugging and for comparing against other implementations. It
/// contains no secret key and no signature; the canonical request does carry a
/// session token when the request had one, so `Debug` redacts it.
///
/// # Example
///
/// ```
/// use lambda_url_emulator::{RawRequest, Verifier};
///
/// let headers = vec![
///     ("host".to_owned(), b"example.amazonaws.com".to_vec()),
///     ("x-amz-date".to_owned(), b"20150830T123600Z".to_vec()),
///     ("authorization".to_owned(), b"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31".to_vec()),
/// ];
/// let parts = Verifier::new("us-east-1", "service")
///     .canonical_parts(&RawRequest::new("GET", "/", &headers, b""))?;
/// assert!(parts.canonical_request.starts_with("GET\n/\n\nhost:example.amazonaws.com\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CanonicalParts {
    /// The canonical request (header bytes that are not UTF-8 shown lossily).
    pub canonical_request: String,
    /// The string to sign.
    pub string_to_sign: String,
    /// The `SignedHeaders` list as the request gave it.
    pub signed_headers: String,
    /// The payload hash used: SHA-256 of the received body.
    pub payload_hash: String,
    /// The credential scope from the request.
    pub credential_scope: String,
}

impl fmt::Debug for CanonicalParts {
    /// Shows everything but the session token, which a canonical request carries in a header
    /// line or (presigned) in its query.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CanonicalParts")
            .field(
                "canonical_request",
                &redact_canonical_request(&self.canonical_request),
            )
            .field("string_to_sign", &self.string_to_sign)
            .field("signed_headers", &self.signed_headers)
            .field("payload_hash", &self.payload_hash)
            .field("credential_scope", &self.credential_scope)
            .finish()
    }
}

/// The pure SigV4 verifier Lambda runs on a function URL request, usable
/// without any server.
///
/// It checks, in this order: that some authentication is present
/// (`Authorization` header or presigned query), its form (`host` and the
/// date signed), the date's format, the credential scope (terminator,
/// region, service, date), the clock window (or a presigned URL's expiry),
/// the access key, the session token, `x-amz-content-sha256` against the
/// body, and finally the signature, compared in constant time.
///
/// `Debug` shows region, service, window and the identities' access key ids
/// and ARNs, never their secrets.
///
/// # Example
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use lambda_url_emulator::{EmulatorIdentity, RawRequest, Verifier};
///
/// // The `get-vanilla` request of the AWS SigV4 test suite.
/// let verifier = Verifier::new("us-east-1", "service").identity(EmulatorIdentity::new(
///     "AKIDEXAMPLE",
///     "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
///     "arn:aws:iam::123456789012:user/example",
/// ));
/// let headers = vec![
///     ("host".to_owned(), b"example.amazonaws.com".to_vec()),
///     ("x-amz-date".to_owned(), b"20150830T123600Z".to_vec()),
///     ("authorization".to_owned(), b"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31".to_vec()),
/// ];
/// let at = UNIX_EPOCH + Duration::from_secs(1_440_938_160); // 2015-08-30T12:36:00Z
/// let caller = verifier.verify(&RawRequest::new("GET", "/", &headers, b""), at)?;
/// assert_eq!(caller.user_arn, "arn:aws:iam::123456789012:user/example");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Verifier {
    region: String,
    service: String,
    identities: Vec<EmulatorIdentity>,
    clock_window: Duration,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("region", &self.region)
            .field("service", &self.service)
            .field("identities", &self.identities)
            .field("clock_window", &self.clock_window)
            .finish()
    }
}

enum Location {
    Header,
    Query,
}

struct Auth {
    location: Location,
    access_key: String,
    scope_date: String,
    scope_region: String,
    scope_service: String,
    scope_terminator: String,
    signed_names: Vec<String>,
    signed_line: String,
    signature: String,
    amz_date: String,
    token: Option<Vec<u8>>,
    expires: Option<u64>,
}

impl Auth {
    fn scope(&self) -> String {
        format!(
            "{}/{}/{}/{}",
            self.scope_date, self.scope_region, self.scope_service, self.scope_terminator
        )
    }

    fn is_signed(&self, name: &str) -> bool {
        self.signed_names
            .iter()
            .any(|n| n.eq_ignore_ascii_case(name))
    }
}

impl Verifier {
    /// A verifier for requests scoped to `region` and `service` (`lambda`
    /// for function URLs), with no identities and a 5-minute clock window.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::Verifier;
    /// let verifier = Verifier::new("eu-central-1", "lambda");
    /// assert_eq!(verifier.region(), "eu-central-1");
    /// ```
    pub fn new(region: impl Into<String>, service: impl Into<String>) -> Self {
        Verifier {
            region: region.into(),
            service: service.into(),
            identities: Vec::new(),
            clock_window: Duration::from_secs(300),
        }
    }

    /// Adds an identity whose requests are accepted. A later identity with
    /// the same access key id replaces an earlier one.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::{EmulatorIdentity, Verifier};
    /// let verifier = Verifier::new("us-east-1", "lambda")
    ///     .identity(EmulatorIdentity::generate("123456789012"));
    /// # let _ = verifier;
    /// ```
    #[must_use]
    pub fn identity(mut self, identity: EmulatorIdentity) -> Self {
        self.identities
            .retain(|known| known.access_key_id() != identity.access_key_id());
        self.identities.push(identity);
        self
    }

    /// How far `x-amz-date` may be from the server clock (default 5 minutes).
    ///
    /// # Example
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use lambda_url_emulator::Verifier;
    /// let verifier = Verifier::new("us-east-1", "lambda").clock_window(Duration::from_secs(60));
    /// # let _ = verifier;
    /// ```
    #[must_use]
    pub fn clock_window(mut self, window: Duration) -> Self {
        self.clock_window = window;
        self
    }

    /// The region requests must be scoped to.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::Verifier;
    /// assert_eq!(Verifier::new("us-west-2", "lambda").region(), "us-west-2");
    /// ```
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The service requests must be scoped to.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::Verifier;
    /// assert_eq!(Verifier::new("us-west-2", "lambda").service(), "lambda");
    /// ```
    pub fn service(&self) -> &str {
        &self.service
    }

    pub(crate) fn find_identity(&self, access_key: &str) -> Option<&EmulatorIdentity> {
        self.identities
            .iter()
            .find(|id| id.access_key_id() == access_key)
    }

    /// Verifies `request` as Lambda would at time `now` (the server clock)
    /// and says who made it.
    ///
    /// # Errors
    ///
    /// A [`Rejection`] saying why the request is refused; see
    /// [`RejectionKind`] for each case.
    ///
    /// # Example
    ///
    /// ```
    /// # use std::time::SystemTime;
    /// # use lambda_url_emulator::{RawRequest, RejectionKind, Verifier};
    /// let headers = vec![
    ///     ("host".to_owned(), b"example.com".to_vec()),
    ///     ("authorization".to_owned(), b"AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=00".to_vec()),
    /// ];
    /// let err = Verifier::new("us-east-1", "lambda")
    ///     .verify(&RawRequest::new("GET", "/", &headers, b""), SystemTime::now())
    ///     .unwrap_err();
    /// // x-amz-date is required.
    /// assert_eq!(err.kind(), RejectionKind::IncompleteSignature);
    /// ```
    pub fn verify(
        &self,
        request: &RawRequest<'_>,
        now: SystemTime,
    ) -> Result<CallerIdentity, Rejection> {
        let auth = parse_auth(request)?;
        let date_secs = parse_amz_date(&auth.amz_date).ok_or_else(|| {
            Rejection::incomplete(format!(
                "Date must be in ISO-8601 'basic format'. Got '{}'. See http://en.wikipedia.org/wiki/ISO_8601",
                printable(&auth.amz_date)
            ))
        })?;
        self.check_scope(&auth)?;
        self.check_clock(&auth, date_secs, unix_secs(now))?;

        let identity = self.find_identity(&auth.access_key).ok_or_else(|| {
            Rejection::new(RejectionKind::UnrecognizedClient, INVALID_TOKEN_MESSAGE)
        })?;
        let token_ok = match (identity.session_token(), auth.token.as_deref()) {
            (Some(expected), Some(given)) => constant_time_eq(expected.as_bytes(), given),
            (None, None) => true,
            _ => false,
        };
        if !token_ok {
            return Err(Rejection::new(
                RejectionKind::InvalidSecurityToken,
                INVALID_TOKEN_MESSAGE,
            ));
        }

        let body_hash = sha256_hex(request.body);
        if let Some(claimed) = canonical_header_value(request.headers, "x-amz-content-sha256") {
            if claimed != body_hash.as_bytes() {
                return Err(Rejection::mismatch());
            }
        }

        let canonical = build_canonical(request, &auth, &body_hash);
        let to_sign = string_to_sign(&auth.amz_date, &auth.scope(), &canonical);
        let key = signing_key(
            identity.secret_access_key(),
            &auth.scope_date,
            &auth.scope_region,
            &auth.scope_service,
        );
        let expected = hex::encode(hmac_sha256(&key, to_sign.as_bytes()));
        if !constant_time_eq(expected.as_bytes(), auth.signature.as_bytes()) {
            return Err(Rejection::mismatch());
        }

        let mut caller = identity.caller();
        if caller.service_principal.is_some() {
            let signed_value = |name: &str| {
                auth.is_signed(name)
                    .then(|| canonical_header_value(request.headers, name))
                    .flatten()
                    .map(|v| String::from_utf8_lossy(&v).into_owned())
            };
            caller.source_arn = signed_value("x-amz-source-arn");
            caller.source_account = signed_value("x-amz-source-account");
        }
        Ok(caller)
    }

    /// The canonical request and string to sign the verifier derives from
    /// `request`, without checking keys, clock or signature.
    ///
    /// # Errors
    ///
    /// A [`Rejection`] when the request carries no authentication or it is
    /// malformed.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::{RawRequest, Verifier};
    /// let headers = vec![("host".to_owned(), b"h".to_vec())];
    /// assert!(Verifier::new("us-east-1", "lambda")
    ///     .canonical_parts(&RawRequest::new("GET", "/", &headers, b""))
    ///     .is_err());
    /// ```
    pub fn canonical_parts(&self, request: &RawRequest<'_>) -> Result<CanonicalParts, Rejection> {
        let auth = parse_auth(request)?;
        let body_hash = sha256_hex(request.body);
        let canonical = build_canonical(request, &auth, &body_hash);
        let scope = auth.scope();
        Ok(CanonicalParts {
            string_to_sign: string_to_sign(&auth.amz_date, &scope, &canonical),
            canonical_request: String::from_utf8_lossy(&canonical).into_owned(),
            signed_headers: auth.signed_line.clone(),
            payload_hash: body_hash,
            credential_scope: scope,
        })
    }

    fn check_scope(&self, auth: &Auth) -> Result<(), Rejection> {
        if auth.scope_terminator != "aws4_request" {
            return Err(Rejection::new(
                RejectionKind::InvalidCredentialScope,
                format!(
                    "Credential should be scoped with a valid terminator: 'aws4_request', not '{}'.",
                    printable(&auth.scope_terminator)
                ),
            ));
        }
        if auth.scope_region != self.region {
            return Err(Rejection::new(
                RejectionKind::WrongRegion,
                "Credential should be scoped to a valid region.",
            ));
        }
        if auth.scope_service != self.service {
            return Err(Rejection::new(
                RejectionKind::WrongService,
                format!(
                    "Credential should be scoped to correct service: '{}'.",
                    self.service
                ),
            ));
        }
        let date_part = auth.amz_date.get(..8).unwrap_or_default();
        if auth.scope_date != date_part {
            return Err(Rejection::new(
                RejectionKind::InvalidCredentialScope,
                format!(
                    "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{}', from '{}'.",
                    printable(&auth.scope_date),
                    date_part,
                    auth.amz_date
                ),
            ));
        }
        Ok(())
    }

    fn check_clock(&self, auth: &Auth, date_secs: i64, now_secs: i64) -> Result<(), Rejection> {
        let window = i64::try_from(self.clock_window.as_secs()).unwrap_or(i64::MAX);
        let window_text = window_text(self.clock_window);
        let date = format_amz_date(date_secs);
        let now = format_amz_date(now_secs);
        if date_secs > now_secs.saturating_add(window) {
            return Err(Rejection::new(
                RejectionKind::SignatureNotYetCurrent,
                format!(
                    "Signature not yet current: {date} is still later than {} ({now} + {window_text})",
                    format_amz_date(now_secs.saturating_add(window))
                ),
            ));
        }
        match (&auth.location, auth.expires) {
            (Location::Query, Some(expires)) => {
                let expires = i64::try_from(expires).unwrap_or(i64::MAX);
                if now_secs > date_secs.saturating_add(expires) {
                    return Err(Rejection::new(
                        RejectionKind::PresignedUrlExpired,
                        "Request has expired",
                    ));
                }
            }
            _ => {
                if date_secs < now_secs.saturating_sub(window) {
                    return Err(Rejection::new(
                        RejectionKind::SignatureExpired,
                        format!(
                            "Signature expired: {date} is now earlier than {} ({now} - {window_text})",
                            format_amz_date(now_secs.saturating_sub(window))
                        ),
                    ));
                }
            }
        }
        Ok(())
    }
}

fn build_canonical(request: &RawRequest<'_>, auth: &Auth, body_hash: &str) -> Vec<u8> {
    let exclude = match auth.location {
        Location::Query => Some("X-Amz-Signature"),
        Location::Header => None,
    };
    canonical_request(
        request.method,
        request.target,
        exclude,
        request.headers,
        &auth.signed_names,
        &auth.signed_line,
        body_hash,
    )
}

/// Text safe to echo in a message: at most 64 printable ASCII characters.
fn printable(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .take(64)
        .collect()
}

fn parse_signed_headers(line: &str) -> Result<Vec<String>, Rejection> {
    let names: Vec<String> = line.split(';').map(str::to_owned).collect();
    if names.iter().any(|n| n.is_empty() || n.trim() != n) {
        return Err(Rejection::incomplete(
            "SignedHeaders must be a ';'-separated list of header names.",
        ));
    }
    Ok(names)
}

struct Credential {
    access_key: String,
    date: String,
    region: String,
    service: String,
    terminator: String,
}

fn parse_credential(text: &str) -> Result<Credential, Rejection> {
    let parts: Vec<&str> = text.split('/').collect();
    match parts.as_slice() {
        [key, date, region, service, terminator] if !key.is_empty() => Ok(Credential {
            access_key: (*key).to_owned(),
            date: (*date).to_owned(),
            region: (*region).to_owned(),
            service: (*service).to_owned(),
            terminator: (*terminator).to_owned(),
        }),
        _ => Err(Rejection::incomplete(format!(
            "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{}'",
            printable(text)
        ))),
    }
}

fn parse_auth(request: &RawRequest<'_>) -> Result<Auth, Rejection> {
    let auth_headers = header_values(request.headers, "authorization");
    let (_, query) = split_target(request.target);
    let params = query.map(query_pairs).unwrap_or_default();
    let param = |name: &str| -> Option<String> {
        params
            .iter()
            .find(|(n, _)| n.as_slice() == name.as_bytes())
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
    };
    let presigned = param("X-Amz-Algorithm").is_some() || param("X-Amz-Signature").is_some();

    match (auth_headers.as_slice(), presigned) {
        ([], false) => Err(Rejection::forbidden(RejectionKind::MissingAuthentication)),
        ([_, _, ..], _) => Err(Rejection::incomplete(
            "Only one Authorization header may be sent.",
        )),
        ([_], true) => Err(Rejection::incomplete(
            "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified.",
        )),
        ([value], false) => parse_header_auth(request, value),
        ([], true) => {
            reject_repeated_presign_parameters(&params)?;
            parse_query_auth(&param)
        }
    }
}

/// The query parameters of a presigned URL that carry its authentication.
const PRESIGN_PARAMETERS: [&str; 7] = [
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-SignedHeaders",
    "X-Amz-Signature",
    "X-Amz-Security-Token",
];

/// Refuses a presigned URL that gives one of its authentication parameters twice: which one
/// counts would be a guess (a second `X-Amz-Signature`, left out of the canonical query, would
/// otherwise ride along unchecked).
fn reject_repeated_presign_parameters(params: &[(Vec<u8>, Vec<u8>)]) -> Result<(), Rejection> {
    for name in PRESIGN_PARAMETERS {
        let count = params
            .iter()
            .filter(|(n, _)| n.as_slice() == name.as_bytes())
            .count();
        if count > 1 {
            return Err(Rejection::incomplete(format!(
                "The query parameter '{name}' must be given only once."
            )));
        }
    }
    Ok(())
}

fn parse_header_auth(request: &RawRequest<'_>, value: &[u8]) -> Result<Auth, Rejection> {
    let text = std::str::from_utf8(value)
        .map_err(|_| Rejection::incomplete("Authorization header is not valid UTF-8."))?
        .trim();
    let (algorithm, rest) = text.split_once([' ', '\t']).unwrap_or((text, ""));
    if algorithm != ALGORITHM {
        return Err(Rejection::incomplete(format!(
            "Unsupported authorization algorithm: '{}'. Function URLs accept {ALGORITHM} only.",
            printable(algorithm)
        )));
    }
    let mut credential = None;
    let mut signed = None;
    let mut signature = None;
    for piece in rest.split(',') {
        let piece = piece.trim();
        if let Some((name, value)) = piece.split_once('=') {
            match name.trim() {
                "Credential" => credential = Some(value.trim()),
                "SignedHeaders" => signed = Some(value.trim()),
                "Signature" => signature = Some(value.trim()),
                _ => {}
            }
        }
    }
    let mut missing = Vec::new();
    for (name, found) in [
        ("Credential", credential.is_some()),
        ("Signature", signature.is_some()),
        ("SignedHeaders", signed.is_some()),
    ] {
        if !found {
            missing.push(format!("Authorization header requires '{name}' parameter."));
        }
    }
    let (Some(credential), Some(signed), Some(signature)) = (credential, signed, signature) else {
        return Err(Rejection::incomplete(missing.join(" ")));
    };
    let credential = parse_credential(credential)?;
    let signed_names = parse_signed_headers(signed)?;
    let date_values = header_values(request.headers, "x-amz-date");
    if date_values.is_empty() {
        return Err(Rejection::incomplete(
            "Authorization header requires existence of a 'X-Amz-Date' header.",
        ));
    }
    let amz_date = canonical_header_value(request.headers, "x-amz-date")
        .map(|v| String::from_utf8_lossy(&v).into_owned())
        .unwrap_or_default();
    let token = canonical_header_value(request.headers, "x-amz-security-token");
    let auth = Auth {
        location: Location::Header,
        access_key: credential.access_key,
        scope_date: credential.date,
        scope_region: credential.region,
        scope_service: credential.service,
        scope_terminator: credential.terminator,
        signed_names,
        signed_line: signed.to_owned(),
        signature: signature.to_owned(),
        amz_date,
        token,
        expires: None,
    };
    require_signed(&auth)?;
    if !auth.is_signed("x-amz-date") {
        return Err(Rejection::incomplete(
            "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.",
        ));
    }
    Ok(auth)
}

fn require_signed(auth: &Auth) -> Result<(), Rejection> {
    if !auth.is_signed("host") {
        return Err(Rejection::incomplete(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
        ));
    }
    Ok(())
}

fn parse_query_auth(param: &dyn Fn(&str) -> Option<String>) -> Result<Auth, Rejection> {
    let (
        Some(algorithm),
        Some(credential),
        Some(signature),
        Some(date),
        Some(signed),
        Some(expires),
    ) = (
        param("X-Amz-Algorithm"),
        param("X-Amz-Credential"),
        param("X-Amz-Signature"),
        param("X-Amz-Date"),
        param("X-Amz-SignedHeaders"),
        param("X-Amz-Expires"),
    )
    else {
        return Err(Rejection::incomplete(
            "AWS query-string parameters must include 'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-Date', 'X-Amz-SignedHeaders', 'X-Amz-Expires'. Re-examine the query-string parameters.",
        ));
    };
    if algorithm != ALGORITHM {
        return Err(Rejection::incomplete(format!(
            "X-Amz-Algorithm only supports '{ALGORITHM}'."
        )));
    }
    if expires.is_empty() || !expires.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Rejection::incomplete(
            "X-Amz-Expires should be a number of seconds.",
        ));
    }
    let expires: u64 = expires.parse().unwrap_or(u64::MAX);
    if expires > MAX_PRESIGN_EXPIRES {
        return Err(Rejection::incomplete(format!(
            "X-Amz-Expires must be less than a week (in seconds) that is {MAX_PRESIGN_EXPIRES}"
        )));
    }
    let credential = parse_credential(&credential)?;
    let signed_names = parse_signed_headers(&signed)?;
    let auth = Auth {
        location: Location::Query,
        access_key: credential.access_key,
        scope_date: credential.date,
        scope_region: credential.region,
        scope_service: credential.service,
        scope_terminator: credential.terminator,
        signed_names,
        signed_line: signed,
        signature,
        amz_date: date,
        token: param("X-Amz-Security-Token").map(String::into_bytes),
        expires: Some(expires),
    };
    require_signed(&auth)?;
    Ok(auth)
}
