//! Signing a `reqwest::Request` in place, for users of plain reqwest (and the middleware).

use super::{split_wire, Signer, Target};
use crate::function_url::{redact_userinfo, wire_path_and_query};
use crate::{Credentials, Error, PayloadHash, SigningDetails};
use std::borrow::Cow;
use std::time::SystemTime;
use url::Position;

impl Signer {
    /// Signs a `reqwest::Request` in place with the configured credentials and the current
    /// time, hashing its body (which must be in memory). The same rules as [`Signer::sign_at`]:
    /// stale signing headers are replaced, and the URL's path and query are rewritten into
    /// the wire form that is signed.
    ///
    /// # Errors
    ///
    /// [`Error::StreamingBody`] for a streaming body (use [`Signer::sign_reqwest_with_hash`]),
    /// credential errors, and those of [`Signer::sign_reqwest_at`].
    ///
    /// ```
    /// # use lambda_url_signer::{client_builder, Credentials, Signer};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let signer = Signer::builder()
    ///     .credentials(Credentials::new("AKID", "secret", None, None, "example"))
    ///     .build()?;
    /// let client = client_builder().build()?;
    /// let mut request = client
    ///     .post("https://abc.lambda-url.us-east-1.on.aws/items?q=a+b")
    ///     .body(r#"{"id":1}"#)
    ///     .build()?;
    /// signer.sign_reqwest(&mut request).await?;
    /// assert_eq!(request.url().query(), Some("q=a%20b"));
    /// assert!(request.headers()["authorization"].is_sensitive());
    /// // let response = client.execute(request).await?;
    /// # Ok(()) }
    /// ```
    pub async fn sign_reqwest(&self, request: &mut reqwest::Request) -> Result<(), Error> {
        let hash = match request.body() {
            None => PayloadHash::EMPTY,
            Some(body) => PayloadHash::of(body.as_bytes().ok_or(Error::StreamingBody)?),
        };
        self.sign_reqwest_with_hash(request, &hash).await
    }

    /// Signs a `reqwest::Request` whose body hashes to `hash`, with the configured credentials
    /// and the current time. The body is not read: a streaming body
    /// (`reqwest::Body::wrap_stream`) is fine, as long as it yields exactly the bytes hashed.
    ///
    /// # Errors
    ///
    /// Credential errors, and those of [`Signer::sign_reqwest_at`].
    ///
    /// ```
    /// # use lambda_url_signer::{client_builder, Credentials, PayloadHash, Signer};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let signer = Signer::builder()
    ///     .credentials(Credentials::new("AKID", "secret", None, None, "example"))
    ///     .build()?;
    /// let hash = PayloadHash::from_async_reader(&b"streamed"[..]).await?;
    /// let mut request = client_builder()
    ///     .build()?
    ///     .put("https://abc.lambda-url.us-east-1.on.aws/upload")
    ///     .build()?;
    /// signer.sign_reqwest_with_hash(&mut request, &hash).await?;
    /// assert_eq!(request.headers()["x-amz-content-sha256"], hash.as_str());
    /// # Ok(()) }
    /// ```
    pub async fn sign_reqwest_with_hash(
        &self,
        request: &mut reqwest::Request,
        hash: &PayloadHash,
    ) -> Result<(), Error> {
        let time = SystemTime::now();
        let credentials = self.credentials_at(time).await?;
        self.sign_reqwest_at(request, hash, &credentials, time)
    }

    /// The deterministic form of [`Signer::sign_reqwest_with_hash`]: explicit credentials and
    /// time, no I/O.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidUrl`] for a URL with user info (`user:password@`), and those of
    /// [`Signer::sign_at`].
    ///
    /// ```
    /// # use lambda_url_signer::{Credentials, PayloadHash, Signer};
    /// # use std::time::{Duration, SystemTime};
    /// let signer = Signer::builder().build()?;
    /// let credentials = Credentials::new("AKIDEXAMPLE", "secret", None, None, "example");
    /// let time = SystemTime::UNIX_EPOCH + Duration::from_secs(1_764_000_000);
    /// let url = reqwest::Url::parse("https://abc.lambda-url.us-east-1.on.aws/a b")?;
    /// let mut request = reqwest::Request::new(reqwest::Method::GET, url);
    /// signer.sign_reqwest_at(&mut request, &PayloadHash::EMPTY, &credentials, time)?;
    /// assert_eq!(request.url().path(), "/a%20b");
    /// assert_eq!(request.headers()["x-amz-date"], "20251124T160000Z");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn sign_reqwest_at(
        &self,
        request: &mut reqwest::Request,
        hash: &PayloadHash,
        credentials: &Credentials,
        time: SystemTime,
    ) -> Result<(), Error> {
        let mut headers = std::mem::take(request.headers_mut());
        let signed = self.sign_url_parts(
            request.method(),
            request.url(),
            &mut headers,
            hash,
            credentials,
            time,
        );
        *request.headers_mut() = headers;
        if let Some(wire) = signed? {
            let (path, query) = split_wire(&wire);
            let url = request.url_mut();
            url.set_path(path);
            url.set_query((!query.is_empty()).then_some(query));
            if url.path() != path || url.query().unwrap_or("") != query {
                return Err(Error::UrlNotRepresentable {
                    reason: "the signed path and query cannot be written into the reqwest url",
                });
            }
        }
        Ok(())
    }

    /// What signing the `reqwest::Request` at `time` computes ([`Signer::explain_at`] for
    /// reqwest): the canonical request, the string to sign and the signed header names. The
    /// request is not changed; stale signing headers on it are ignored.
    ///
    /// # Errors
    ///
    /// The same as [`Signer::sign_reqwest_at`].
    ///
    /// ```
    /// # use lambda_url_signer::{Credentials, PayloadHash, Signer};
    /// # use std::time::SystemTime;
    /// let signer = Signer::builder().region("us-east-1").build()?;
    /// let credentials = Credentials::new("AKID", "secret", None, None, "example");
    /// let url = reqwest::Url::parse("http://127.0.0.1:9000/a b?q=x+y")?;
    /// let request = reqwest::Request::new(reqwest::Method::GET, url);
    /// let details = signer.explain_reqwest_at(&request, &PayloadHash::EMPTY, &credentials, SystemTime::now())?;
    /// assert!(details.canonical_request().starts_with("GET\n/a%2520b\nq=x%20y\n"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn explain_reqwest_at(
        &self,
        request: &reqwest::Request,
        hash: &PayloadHash,
        credentials: &Credentials,
        time: SystemTime,
    ) -> Result<SigningDetails, Error> {
        let url = request.url();
        check_url(url)?;
        let wire = wire_path_and_query(&url[Position::BeforePath..Position::AfterQuery])?;
        let (path, query) = split_wire(&wire);
        let target = Target {
            method: request.method().as_str(),
            authority_host: &url[Position::BeforeHost..Position::AfterPort],
            path,
            query,
        };
        self.explain_target(&target, request.headers(), hash, credentials, time)
    }

    /// Signs the headers of a request with this method and URL; returns the wire-form path
    /// and query when it differs from the URL's.
    fn sign_url_parts(
        &self,
        method: &reqwest::Method,
        url: &reqwest::Url,
        headers: &mut http::HeaderMap,
        hash: &PayloadHash,
        credentials: &Credentials,
        time: SystemTime,
    ) -> Result<Option<String>, Error> {
        check_url(url)?;
        let wire = wire_path_and_query(&url[Position::BeforePath..Position::AfterQuery])?;
        let (path, query) = split_wire(&wire);
        let target = Target {
            method: method.as_str(),
            authority_host: &url[Position::BeforeHost..Position::AfterPort],
            path,
            query,
        };
        self.sign_headers(&target, headers, hash, credentials, time)?;
        Ok(match wire {
            Cow::Owned(wire) => Some(wire),
            Cow::Borrowed(_) => None,
        })
    }
}

/// Refuses a URL with user info (never signed, never repeated) or without a host.
fn check_url(url: &reqwest::Url) -> Result<(), Error> {
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::InvalidUrl {
            input: redact_userinfo(url.as_str()),
            reason: "user info in the url is not supported",
        });
    }
    if !url.has_host() {
        return Err(Error::InvalidUrl {
            input: url.as_str().to_owned(),
            reason: "the url has no host",
        });
    }
    Ok(())
}
