//! What can be signed: an [`http::Request`] (and, with the `reqwest` feature, a
//! `reqwest::Request`), behind one sealed trait so that [`Signer`] has one method per job.

use super::{split_wire, Signer, Target};
use crate::function_url::{host_of, wire_path_and_query};
use crate::{Credentials, Error, PayloadHash, SignableBody, SigningDetails};
use std::borrow::Cow;
use std::time::SystemTime;

pub(crate) mod sealed {
    use crate::{Credentials, Error, PayloadHash, Signer, SigningDetails};
    use std::time::SystemTime;

    /// The work behind [`SignableRequest`](super::SignableRequest), out of reach outside the
    /// crate.
    pub trait Sealed {
        /// The hash of the body when its bytes are in memory.
        fn buffered_hash(&self) -> Result<PayloadHash, Error>;

        /// Signs the request in place and rewrites its URL into what was signed.
        fn sign_in_place(
            &mut self,
            signer: &Signer,
            hash: &PayloadHash,
            credentials: &Credentials,
            time: SystemTime,
        ) -> Result<(), Error>;

        /// What signing the request would compute.
        fn explain(
            &self,
            signer: &Signer,
            hash: &PayloadHash,
            credentials: &Credentials,
            time: SystemTime,
        ) -> Result<SigningDetails, Error>;
    }
}

/// A request [`Signer`] can sign: an [`http::Request<B>`] whose body `B` is a
/// [`SignableBody`], or, with the `reqwest` feature, a `reqwest::Request`.
///
/// The trait is sealed: it exists so that [`Signer::sign`], [`Signer::sign_with_hash`],
/// [`Signer::sign_at`] and [`Signer::explain_at`] take either request type.
///
/// ```
/// use lambda_url_signer::{Credentials, PayloadHash, SignableRequest, Signer};
/// use std::time::SystemTime;
///
/// fn sign_now(signer: &Signer, request: &mut impl SignableRequest) -> Result<(), lambda_url_signer::Error> {
///     let credentials = Credentials::new("AKID", "secret", None, None, "example");
///     signer.sign_at(request, &PayloadHash::EMPTY, &credentials, SystemTime::now())
/// }
/// let mut request = http::Request::get("https://abc.lambda-url.us-east-1.on.aws/").body(())?;
/// sign_now(&Signer::builder().build()?, &mut request)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait SignableRequest: sealed::Sealed {}

impl<B: SignableBody> SignableRequest for http::Request<B> {}

impl<B: SignableBody> sealed::Sealed for http::Request<B> {
    fn buffered_hash(&self) -> Result<PayloadHash, Error> {
        self.body()
            .buffered_bytes()
            .map(|bytes| PayloadHash::of(bytes.as_ref()))
            .ok_or(Error::StreamingBody)
    }

    fn sign_in_place(
        &mut self,
        signer: &Signer,
        hash: &PayloadHash,
        credentials: &Credentials,
        time: SystemTime,
    ) -> Result<(), Error> {
        let mut headers = std::mem::take(self.headers_mut());
        let signed = sign_http_parts(
            signer,
            self.method(),
            self.uri(),
            &mut headers,
            hash,
            credentials,
            time,
        );
        *self.headers_mut() = headers;
        normalize_uri(self.uri_mut(), signed?)
    }

    fn explain(
        &self,
        signer: &Signer,
        hash: &PayloadHash,
        credentials: &Credentials,
        time: SystemTime,
    ) -> Result<SigningDetails, Error> {
        let uri = self.uri();
        let (wire, authority_host) = uri_wire(uri)?;
        let target = uri_target(self.method(), &wire, &authority_host);
        signer.explain_target(&target, self.headers(), hash, credentials, time)
    }
}

/// The wire form of a URI's path and query and its host as signed (lowercase), after refusing
/// user info and host-less URIs.
fn uri_wire(uri: &http::Uri) -> Result<(Cow<'_, str>, Cow<'_, str>), Error> {
    reject_userinfo(uri)?;
    let wire = wire_path_and_query(uri.path_and_query().map_or("/", |pq| pq.as_str()))?;
    Ok((wire, host_of(uri)?))
}

/// What a signature covers of a request with this method, given its wire form and host.
fn uri_target<'a>(method: &'a http::Method, wire: &'a str, authority_host: &'a str) -> Target<'a> {
    let (path, query) = split_wire(wire);
    Target {
        method: method.as_str(),
        authority_host,
        path,
        query,
    }
}

/// Signs the headers of a request with this method and URI; returns what of the URI must
/// be rewritten into what was signed.
fn sign_http_parts(
    signer: &Signer,
    method: &http::Method,
    uri: &http::Uri,
    headers: &mut http::HeaderMap,
    hash: &PayloadHash,
    credentials: &Credentials,
    time: SystemTime,
) -> Result<UriRewrite, Error> {
    let (wire, authority_host) = uri_wire(uri)?;
    signer.sign_headers(
        &uri_target(method, &wire, &authority_host),
        headers,
        hash,
        credentials,
        time,
    )?;
    let changed = matches!(wire, Cow::Owned(_)) || uri.path_and_query().is_none();
    Ok(UriRewrite {
        path_and_query: changed.then(|| wire.into_owned()),
        lowercase_authority: matches!(authority_host, Cow::Owned(_)),
    })
}

/// Refuses a URI with user info (`user:password@host`): it must never be signed as part of
/// the host, and SigV4 replaces any other authorization.
fn reject_userinfo(uri: &http::Uri) -> Result<(), Error> {
    match uri.authority() {
        Some(authority) if authority.as_str().contains('@') => Err(Error::InvalidUrl {
            input: crate::function_url::redact_userinfo(&uri.to_string()),
            reason: "user info in the url is not supported",
        }),
        _ => Ok(()),
    }
}

/// What of a signed URI differs from what was signed.
struct UriRewrite {
    /// The wire-form path and query, when it differs from the URI's.
    path_and_query: Option<String>,
    /// Whether the authority has uppercase letters (the host is signed in lowercase).
    lowercase_authority: bool,
}

/// Writes the wire-form path and query (when signing changed them) into the URI, and
/// lowercases its authority, only where something differs.
fn normalize_uri(uri: &mut http::Uri, rewrite: UriRewrite) -> Result<(), Error> {
    let UriRewrite {
        path_and_query,
        lowercase_authority: lowercase_needed,
    } = rewrite;
    if path_and_query.is_none() && !lowercase_needed {
        return Ok(());
    }
    let mut parts = std::mem::take(uri).into_parts();
    let invalid = || Error::UrlNotRepresentable {
        reason: "the normalized uri is not a valid uri",
    };
    if let Some(path_and_query) = path_and_query {
        parts.path_and_query = Some(path_and_query.parse().map_err(|_| invalid())?);
    }
    if lowercase_needed {
        if let Some(authority) = &parts.authority {
            parts.authority = Some(
                authority
                    .as_str()
                    .to_ascii_lowercase()
                    .parse()
                    .map_err(|_| invalid())?,
            );
        }
    }
    *uri = http::Uri::from_parts(parts).map_err(|_| invalid())?;
    Ok(())
}
