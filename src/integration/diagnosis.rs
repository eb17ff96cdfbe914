//! What a function URL's error response means.

use std::fmt;
use std::time::SystemTime;

/// The error type a function URL names in `x-amzn-ErrorType` (without its `:…` suffix).
pub(crate) fn error_type(headers: &http::HeaderMap) -> Option<&str> {
    headers
        .get("x-amzn-errortype")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(':').next().unwrap_or(v))
}

/// What a function URL's error response means, read from its status, `x-amzn-ErrorType` and
/// JSON body, with the usual causes and what to check.
///
/// ```
/// use lambda_url_signer::reqwest::Diagnosis;
///
/// let body = br#"{"message":"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."}"#;
/// let diagnosis = Diagnosis::from_parts(403, Some("InvalidSignatureException"), body).unwrap();
/// assert_eq!(diagnosis, Diagnosis::SignatureMismatch);
/// assert!(diagnosis.to_string().contains("x-amz-content-sha256"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Diagnosis {
    /// `InvalidSignatureException`, "signature we calculated does not match".
    SignatureMismatch,
    /// `InvalidSignatureException`, "Signature expired" or "Signature not yet current": the
    /// local clock is off by more than 5 minutes.
    ClockSkew {
        /// The service's message (dates, no secrets).
        message: String,
        /// The server's clock minus the local clock, in seconds, measured from the response's
        /// `Date` header ([`Diagnosis::from_response`] and the middleware fill it in;
        /// [`Diagnosis::from_parts`] has no `Date` and leaves it `None`).
        server_ahead_secs: Option<i64>,
    },
    /// `InvalidSignatureException` about the credential scope (region or service).
    WrongScope {
        /// The service's message.
        message: String,
    },
    /// `UnrecognizedClientException`: unknown access key or bad session token.
    InvalidSecurityToken,
    /// `IncompleteSignatureException`: `host` not signed, no date, malformed `Authorization`.
    IncompleteSignature {
        /// The service's message.
        message: String,
    },
    /// `AccessDeniedException`: no signature at all, or the principal lacks permission.
    Forbidden,
    /// 413: the body is over the function URL payload limit.
    PayloadTooLarge,
    /// An error status without `x-amzn-ErrorType`: Lambda did not refuse the request, the
    /// function's own code answered it (authentication and authorization passed).
    FromFunction {
        /// The HTTP status the function returned.
        status: u16,
    },
    /// Some other error status Lambda named (`x-amzn-ErrorType`).
    Other {
        /// The HTTP status.
        status: u16,
        /// The `x-amzn-ErrorType`, if any.
        error_type: Option<String>,
    },
}

impl Diagnosis {
    /// Classifies an error response from its parts; `None` for a status below 400.
    ///
    /// ```
    /// # use lambda_url_signer::reqwest::Diagnosis;
    /// let d = Diagnosis::from_parts(403, Some("AccessDeniedException"), br#"{"Message":"Forbidden"}"#);
    /// assert_eq!(d, Some(Diagnosis::Forbidden));
    /// assert_eq!(Diagnosis::from_parts(200, None, b""), None);
    /// ```
    pub fn from_parts(status: u16, error_type: Option<&str>, body: &[u8]) -> Option<Diagnosis> {
        if status < 400 {
            return None;
        }
        let message = serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .and_then(|v| {
                v.get("message")
                    .or_else(|| v.get("Message"))
                    .and_then(|m| m.as_str().map(str::to_owned))
            })
            .unwrap_or_default();
        let lower = message.to_ascii_lowercase();
        Some(match (status, error_type.unwrap_or("")) {
            (413, _) => Diagnosis::PayloadTooLarge,
            (403, "InvalidSignatureException")
                if lower.starts_with("signature expired")
                    || lower.starts_with("signature not yet current") =>
            {
                Diagnosis::ClockSkew {
                    message,
                    server_ahead_secs: None,
                }
            }
            (403, "InvalidSignatureException") if lower.contains("credential should be scoped") => {
                Diagnosis::WrongScope { message }
            }
            (403, "InvalidSignatureException") => Diagnosis::SignatureMismatch,
            (403, "UnrecognizedClientException") => Diagnosis::InvalidSecurityToken,
            (403, "IncompleteSignatureException") => Diagnosis::IncompleteSignature { message },
            (403, "AccessDeniedException") => Diagnosis::Forbidden,
            (status, "") => Diagnosis::FromFunction { status },
            (status, error_type) => Diagnosis::Other {
                status,
                error_type: (!error_type.is_empty()).then(|| error_type.to_owned()),
            },
        })
    }

    /// Classifies an error response from its status, headers and body: like
    /// [`Diagnosis::from_parts`], and a clock skew also gets the skew measured from the
    /// response's `Date` header.
    ///
    /// ```
    /// # use lambda_url_signer::reqwest::Diagnosis;
    /// let mut headers = http::HeaderMap::new();
    /// headers.insert("x-amzn-errortype", "InvalidSignatureException".parse()?);
    /// headers.insert("date", "Fri, 01 Jan 2100 00:00:00 GMT".parse()?); // far ahead
    /// let body = br#"{"message":"Signature expired: 20250101T000000Z is now earlier than 20250101T005500Z (20250101T010000Z - 5 min.)"}"#;
    /// let Some(Diagnosis::ClockSkew { server_ahead_secs: Some(secs), .. }) = Diagnosis::from_response_parts(403, &headers, body) else {
    ///     panic!("not a measured clock skew");
    /// };
    /// assert!(secs > 365 * 86_400);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_response_parts(
        status: u16,
        headers: &http::HeaderMap,
        body: &[u8],
    ) -> Option<Diagnosis> {
        let diagnosis = Diagnosis::from_parts(status, error_type(headers), body)?;
        Some(match diagnosis {
            Diagnosis::ClockSkew { message, .. } => Diagnosis::ClockSkew {
                message,
                server_ahead_secs: server_date(headers)
                    .map(|date| offset_secs(date, SystemTime::now())),
            },
            other => other,
        })
    }

    /// Reads `response` (consuming its body) and classifies it; returns the diagnosis (`None`
    /// for success statuses) and the body bytes, so nothing is lost.
    ///
    /// # Errors
    ///
    /// The `reqwest` error if reading the body fails.
    ///
    /// ```no_run
    /// # #[tokio::main] async fn main() -> Result<(), reqwest::Error> {
    /// let response = reqwest::get("http://127.0.0.1:9000/").await?;
    /// let (diagnosis, body) = lambda_url_signer::reqwest::Diagnosis::from_response(response).await?;
    /// if let Some(diagnosis) = diagnosis {
    ///     eprintln!("{diagnosis}");
    /// }
    /// # let _ = body; Ok(()) }
    /// ```
    #[cfg(feature = "reqwest")]
    #[cfg_attr(docsrs, doc(cfg(feature = "reqwest")))]
    pub async fn from_response(
        response: reqwest::Response,
    ) -> Result<(Option<Diagnosis>, bytes::Bytes), reqwest::Error> {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await?;
        Ok((
            Diagnosis::from_response_parts(status, &headers, &body),
            body,
        ))
    }
}

impl fmt::Display for Diagnosis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Diagnosis::SignatureMismatch => f.write_str(
                "signature mismatch: the function url computed a different signature. Usual causes: \
                 the wrong secret key; the body changed after signing, or no/wrong \
                 x-amz-content-sha256 on a POST/PUT/PATCH through CloudFront OAC; a proxy changed a \
                 signed header or re-encoded the path or query; the wrong region for the url",
            ),
            Diagnosis::ClockSkew {
                message,
                server_ahead_secs,
            } => {
                write!(
                    f,
                    "clock skew: the request's x-amz-date is more than 5 minutes from the service's clock ({message})"
                )?;
                match server_ahead_secs {
                    Some(secs) => write!(
                        f,
                        "; the server's clock is {secs} s from the local clock. Fix the local clock (NTP). \
                         The middlewares' skew correction (on by default) re-signs with the server's \
                         clock only within its bound, 900 s unless raised with \
                         SkewCorrection::enabled().max_offset(…): a skew that still reached you was \
                         beyond the bound{}, or correction is off",
                        if secs.unsigned_abs() > 900 { " (it is over 900 s)" } else { "" }
                    ),
                    None => f.write_str(
                        "; fix the local clock (NTP), or sign through a middleware with skew \
                         correction on (the default), which learns the server's clock from this answer",
                    ),
                }
            }
            Diagnosis::WrongScope { message } => write!(
                f,
                "wrong credential scope ({message}): sign with the function url's region and service `lambda`"
            ),
            Diagnosis::InvalidSecurityToken => f.write_str(
                "invalid security token: the access key is unknown, or a session token is missing, \
                 expired or does not belong to the key; refresh the credentials",
            ),
            Diagnosis::IncompleteSignature { message } => write!(
                f,
                "incomplete signature ({message}): host and x-amz-date must be signed and authorization well formed"
            ),
            Diagnosis::Forbidden => f.write_str(
                "forbidden: the request was unsigned, or the principal lacks permission. Function urls \
                 created since October 2025 need both lambda:InvokeFunctionUrl and lambda:InvokeFunction \
                 (with lambda:InvokedViaFunctionUrl) for the caller, and for cloudfront.amazonaws.com \
                 with an AWS:SourceArn condition naming the distribution when called through CloudFront OAC \
                 (lambda_url_signer::permissions::cloudfront_permissions renders those statements)",
            ),
            Diagnosis::PayloadTooLarge => f.write_str(
                "payload too large: function urls accept at most 6,291,456 bytes (binary bodies count base64-encoded)",
            ),
            Diagnosis::FromFunction { status } => write!(
                f,
                "http status {status} from the function itself: no x-amzn-ErrorType, so the \
                 signature and permissions were accepted and the function's code answered"
            ),
            Diagnosis::Other { status, error_type } => match error_type {
                Some(t) => write!(f, "http status {status} ({t})"),
                None => write!(f, "http status {status}"),
            },
        }
    }
}

/// The server's clock from a response's `Date` header.
pub(crate) fn server_date(headers: &http::HeaderMap) -> Option<SystemTime> {
    headers
        .get(http::header::DATE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| httpdate::parse_http_date(v).ok())
}

/// `server - local`, in whole seconds (saturating).
pub(crate) fn offset_secs(server: SystemTime, local: SystemTime) -> i64 {
    match server.duration_since(local) {
        Ok(ahead) => i64::try_from(ahead.as_secs()).unwrap_or(i64::MAX),
        Err(behind) => i64::try_from(behind.duration().as_secs()).map_or(i64::MIN, |s| -s),
    }
}
