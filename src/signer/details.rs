//! What a signature was computed over, for debugging 403s.

use std::fmt;

/// What a signature was computed over: the canonical request, the string to sign, and the
/// signed header names, from [`Signer::explain_at`](crate::Signer::explain_at).
///
/// `Debug` and [`SigningDetails::canonical_request_redacted`] hide the session token; the
/// secret key and the signature are never part of it.
///
/// ```
/// # use lambda_url_signer::{Credentials, PayloadHash, Signer};
/// # use std::time::SystemTime;
/// let signer = Signer::builder().region("us-east-1").build()?;
/// let credentials = Credentials::new("AKID", "secret", Some("TOKEN".into()), None, "example");
/// let request = http::Request::get("http://127.0.0.1:9000/").body(())?;
/// let details = signer.explain_at(&request, &PayloadHash::EMPTY, &credentials, SystemTime::now())?;
/// assert!(details.canonical_request().contains("x-amz-security-token:TOKEN"));
/// assert!(!details.canonical_request_redacted().contains("TOKEN"));
/// assert!(details.string_to_sign().starts_with("AWS4-HMAC-SHA256\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct SigningDetails {
    pub(crate) canonical_request: String,
    pub(crate) string_to_sign: String,
    pub(crate) signed_headers: String,
    pub(crate) session_token: Option<String>,
}

impl SigningDetails {
    /// The canonical request, exactly as hashed into the string to sign. It contains the
    /// session token when there is one: print [`Self::canonical_request_redacted`] instead.
    ///
    /// ```
    /// # use lambda_url_signer::{Credentials, PayloadHash, Signer};
    /// # use std::time::SystemTime;
    /// # let signer = Signer::builder().region("us-east-1").build()?;
    /// # let c = Credentials::new("AKID", "secret", None, None, "example");
    /// # let request = http::Request::get("http://127.0.0.1:9000/").body(())?;
    /// let details = signer.explain_at(&request, &PayloadHash::EMPTY, &c, SystemTime::now())?;
    /// assert!(details.canonical_request().starts_with("GET\n/\n"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn canonical_request(&self) -> &str {
        &self.canonical_request
    }

    /// The canonical request with the session token's value replaced by `<redacted>`.
    ///
    /// ```
    /// # use lambda_url_signer::{Credentials, PayloadHash, Signer};
    /// # use std::time::SystemTime;
    /// # let signer = Signer::builder().region("us-east-1").build()?;
    /// # let c = Credentials::new("AKID", "secret", Some("TOKEN".into()), None, "example");
    /// # let request = http::Request::get("http://127.0.0.1:9000/").body(())?;
    /// let details = signer.explain_at(&request, &PayloadHash::EMPTY, &c, SystemTime::now())?;
    /// assert!(details.canonical_request_redacted().contains("x-amz-security-token:<redacted>"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn canonical_request_redacted(&self) -> String {
        match &self.session_token {
            Some(token) if !token.is_empty() => self.canonical_request.replace(token, "<redacted>"),
            _ => self.canonical_request.clone(),
        }
    }

    /// The string to sign (algorithm, date, scope, hash of the canonical request).
    ///
    /// ```
    /// # use lambda_url_signer::{Credentials, PayloadHash, Signer};
    /// # use std::time::SystemTime;
    /// # let signer = Signer::builder().region("us-east-1").build()?;
    /// # let c = Credentials::new("AKID", "secret", None, None, "example");
    /// # let request = http::Request::get("http://127.0.0.1:9000/").body(())?;
    /// let details = signer.explain_at(&request, &PayloadHash::EMPTY, &c, SystemTime::now())?;
    /// assert!(details.string_to_sign().contains("/us-east-1/lambda/aws4_request\n"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn string_to_sign(&self) -> &str {
        &self.string_to_sign
    }

    /// The signed header names, `;`-separated, as in the `Authorization` header.
    ///
    /// ```
    /// # use lambda_url_signer::{Credentials, PayloadHash, Signer};
    /// # use std::time::SystemTime;
    /// # let signer = Signer::builder().region("us-east-1").build()?;
    /// # let c = Credentials::new("AKID", "secret", None, None, "example");
    /// let request = http::Request::get("http://127.0.0.1:9000/").header("User-Agent", "x").body(())?;
    /// let details = signer.explain_at(&request, &PayloadHash::EMPTY, &c, SystemTime::now())?;
    /// assert_eq!(details.signed_headers(), "host;x-amz-content-sha256;x-amz-date");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn signed_headers(&self) -> &str {
        &self.signed_headers
    }
}

impl fmt::Debug for SigningDetails {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningDetails")
            .field("canonical_request", &self.canonical_request_redacted())
            .field("string_to_sign", &self.string_to_sign)
            .field("signed_headers", &self.signed_headers)
            .finish()
    }
}
