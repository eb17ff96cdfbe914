//! Signing a `reqwest::Request` in place, for users of plain reqwest (and the middleware).

use crate::function_url::{redact_userinfo, wire_path_and_query};
use crate::signer::{sealed::Sealed, split_wire, Target};
use crate::{Credentials, Error, PayloadHash, SignableRequest, Signer, SigningDetails};
use std::borrow::Cow;
use std::time::SystemTime;
use url::Position;

#[cfg_attr(docsrs, doc(cfg(feature = "reqwest")))]
impl SignableRequest for ::reqwest::Request {}

/// A `reqwest::Request` is signed in place by the same rules as an `http::Request`: stale
/// signing headers are replaced, and the URL's path and query are rewritten into the wire form
/// that is signed. Its body must be in memory for [`Signer::sign`]; a streaming body
/// (`reqwest::Body::wrap_stream`) needs [`Signer::sign_with_hash`].
impl Sealed for ::reqwest::Request {
    fn buffered_hash(&self) -> Result<PayloadHash, Error> {
        match self.body() {
            None => Ok(PayloadHash::EMPTY),
            Some(body) => Ok(PayloadHash::of(
                body.as_bytes().ok_or(Error::StreamingBody)?,
            )),
        }
    }

    fn sign_in_place(
        &mut self,
        signer: &Signer,
        hash: &PayloadHash,
        credentials: &Credentials,
        time: SystemTime,
    ) -> Result<(), Error> {
        let mut headers = std::mem::take(self.headers_mut());
        let signed = sign_url_parts(
            signer,
            self.method(),
            self.url(),
            &mut headers,
            hash,
            credentials,
            time,
        );
        *self.headers_mut() = headers;
        if let Some(wire) = signed? {
            let (path, query) = split_wire(&wire);
            let url = self.url_mut();
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

    fn explain(
        &self,
        signer: &Signer,
        hash: &PayloadHash,
        credentials: &Credentials,
        time: SystemTime,
    ) -> Result<SigningDetails, Error> {
        let url = self.url();
        let wire = url_wire(url)?;
        let target = url_target(self.method(), url, &wire);
        signer.explain_target(&target, self.headers(), hash, credentials, time)
    }
}

/// The wire form of a URL's path and query, after refusing user info and host-less URLs.
fn url_wire(url: &::reqwest::Url) -> Result<Cow<'_, str>, Error> {
    check_url(url)?;
    wire_path_and_query(&url[Position::BeforePath..Position::AfterQuery])
}

/// What a signature covers of a request with this method and URL, given its wire form.
fn url_target<'a>(
    method: &'a ::reqwest::Method,
    url: &'a ::reqwest::Url,
    wire: &'a str,
) -> Target<'a> {
    let (path, query) = split_wire(wire);
    Target {
        method: method.as_str(),
        authority_host: &url[Position::BeforeHost..Position::AfterPort],
        path,
        query,
    }
}

/// Signs the headers of a request with this method and URL; returns the wire-form path
/// and query when it differs from the URL's.
fn sign_url_parts(
    signer: &Signer,
    method: &::reqwest::Method,
    url: &::reqwest::Url,
    headers: &mut http::HeaderMap,
    hash: &PayloadHash,
    credentials: &Credentials,
    time: SystemTime,
) -> Result<Option<String>, Error> {
    let wire = url_wire(url)?;
    signer.sign_headers(
        &url_target(method, url, &wire),
        headers,
        hash,
        credentials,
        time,
    )?;
    Ok(match wire {
        Cow::Owned(wire) => Some(wire),
        Cow::Borrowed(_) => None,
    })
}

/// Refuses a URL with user info (never signed, never repeated) or without a host.
fn check_url(url: &::reqwest::Url) -> Result<(), Error> {
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
