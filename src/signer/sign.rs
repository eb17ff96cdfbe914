//! Header signing: the canonical request, the string to sign and the signature, turned into
//! `x-amz-date`, `x-amz-content-sha256`, `x-amz-security-token` and `authorization`.

use super::canonical::{hex32, CanonicalRequest};
use super::headers::{
    signed_pairs, tidy, HeaderPairs, CONTENT_SHA256_NAME, DATE_NAME, TOKEN_NAME,
    X_AMZ_CONTENT_SHA256, X_AMZ_DATE, X_AMZ_SECURITY_TOKEN,
};
use super::key_cache::finish_signature;
use super::time::AmzDate;
use super::{ContentSha256Header, Signer};
use crate::function_url::region_from_host;
use crate::{Credentials, Error, PayloadHash};
use http::header::{HeaderMap, HeaderValue, AUTHORIZATION};
use std::borrow::Cow;
use std::time::SystemTime;

pub(crate) const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// The parts of a request a header signature covers besides its headers: method, the host
/// to sign (unless a sign host or a `Host` header overrides it), and the wire-form path and
/// query (without `?`).
#[derive(Clone, Copy)]
pub(crate) struct Target<'a> {
    pub(crate) method: &'a str,
    pub(crate) authority_host: &'a str,
    pub(crate) path: &'a str,
    pub(crate) query: &'a str,
}

/// Everything a header signature is computed from, borrowed from the request.
pub(crate) struct Prepared<'a> {
    pub(crate) date: &'a AmzDate,
    pub(crate) region: Cow<'a, str>,
    pub(crate) host: &'a str,
    /// Signed headers with the signer's own, sorted by name (stably).
    pub(crate) headers: HeaderPairs<'a>,
}

impl<'a> Prepared<'a> {
    /// The canonical request of `target` with these headers.
    pub(crate) fn canonical(
        &'a self,
        target: &Target<'a>,
        hash: &'a PayloadHash,
    ) -> CanonicalRequest<'a> {
        CanonicalRequest {
            method: target.method,
            path: target.path,
            query: target.query,
            headers: self.headers.as_slice(),
            payload_hash: hash.as_str(),
        }
    }
}

impl Signer {
    /// Collects what a header signature covers. `headers` must already be free of stale signing
    /// headers and in canonical form (see [`tidy`]).
    pub(crate) fn prepare<'a>(
        &'a self,
        target: &Target<'a>,
        headers: &'a HeaderMap,
        hash: &'a PayloadHash,
        credentials: &'a Credentials,
        date: &'a AmzDate,
    ) -> Result<Prepared<'a>, Error> {
        let (mut pairs, host_header) = signed_pairs(headers)?;
        let host = match (&self.inner.sign_host, host_header) {
            (Some(host), _) => host.as_str(),
            (None, Some(value)) => value.to_str().map_err(|_| Error::InvalidHeaderValue {
                name: "host".to_owned(),
            })?,
            (None, None) => target.authority_host,
        };
        let region: Cow<'a, str> = match &self.inner.region {
            Some(region) => Cow::Borrowed(region),
            None => Cow::Owned(region_from_host(host).ok_or_else(|| Error::MissingRegion {
                host: host.to_owned(),
            })?),
        };
        pairs.push(("host", host));
        pairs.push((DATE_NAME, date.as_str()));
        if self.inner.content_header == ContentSha256Header::Include {
            pairs.push((CONTENT_SHA256_NAME, hash.as_str()));
        }
        if let Some(token) = credentials.session_token() {
            pairs.push((TOKEN_NAME, token));
        }
        pairs.as_mut_slice().sort_by(|a, b| a.0.cmp(b.0));
        Ok(Prepared {
            date,
            region,
            host,
            headers: pairs,
        })
    }

    /// Signs in place: removes stale signing headers, normalizes the signed header values, and
    /// sets `x-amz-date`, `x-amz-content-sha256`, `x-amz-security-token` and `authorization`.
    /// `target`'s path and query must be the wire form that is sent.
    pub(crate) fn sign_headers(
        &self,
        target: &Target<'_>,
        headers: &mut HeaderMap,
        hash: &PayloadHash,
        credentials: &Credentials,
        time: SystemTime,
    ) -> Result<(), Error> {
        let date = AmzDate::new(time)?;
        check_not_expired(credentials, time)?;
        tidy(headers);
        let prepared = self.prepare(target, headers, hash, credentials, &date)?;
        let canonical = prepared.canonical(target, hash);
        let keyed = self.inner.keys.keyed(
            credentials,
            time,
            &date,
            &prepared.region,
            &self.inner.service,
        )?;
        let digest_hex = hex32(&canonical.digest());
        let signature = string_to_sign_parts(
            &date,
            &prepared.region,
            &self.inner.service,
            &digest_hex,
            |parts| finish_signature(keyed.mac, parts),
        );
        let authorization = authorization(&canonical, credentials, &prepared, &signature, self);
        tracing::debug!(
            method = %target.method,
            host = %prepared.host,
            region = %prepared.region,
            signed_headers = %signed_headers_of(&authorization),
            "signed function url request"
        );
        drop(prepared);
        headers.reserve(4);
        let mut authorization =
            HeaderValue::try_from(authorization).map_err(|_| Error::InvalidCredentials {
                field: "access key id",
            })?;
        authorization.set_sensitive(true);
        if let Some(token) = keyed.token? {
            headers.insert(X_AMZ_SECURITY_TOKEN, token);
        }
        headers.insert(X_AMZ_DATE, keyed.date);
        if self.inner.content_header == ContentSha256Header::Include {
            headers.insert(X_AMZ_CONTENT_SHA256, hash.to_header_value());
        }
        headers.insert(AUTHORIZATION, authorization);
        Ok(())
    }
}

/// Calls `f` with the string to sign in pieces:
/// `AWS4-HMAC-SHA256\n<date>\n<YYYYMMDD>/<region>/<service>/aws4_request\n<hex digest>`.
pub(crate) fn string_to_sign_parts<R>(
    date: &AmzDate,
    region: &str,
    service: &str,
    digest_hex: &[u8; 64],
    f: impl FnOnce(&[&[u8]]) -> R,
) -> R {
    f(&[
        ALGORITHM.as_bytes(),
        b"\n",
        date.as_str().as_bytes(),
        b"\n",
        date.date().as_bytes(),
        b"/",
        region.as_bytes(),
        b"/",
        service.as_bytes(),
        b"/aws4_request\n",
        digest_hex,
    ])
}

/// `AWS4-HMAC-SHA256 Credential=<akid>/<scope>, SignedHeaders=<names>, Signature=<hex>`.
fn authorization(
    canonical: &CanonicalRequest<'_>,
    credentials: &Credentials,
    prepared: &Prepared<'_>,
    signature: &[u8; 64],
    signer: &Signer,
) -> String {
    let service = &signer.inner.service;
    // The exact length, so that the header value takes the string's buffer as it is.
    let mut names_len = 0;
    let mut previous: Option<&str> = None;
    for (name, _) in prepared.headers.as_slice() {
        if previous != Some(name) {
            names_len += name.len() + usize::from(previous.is_some());
            previous = Some(name);
        }
    }
    let mut out = String::with_capacity(
        ALGORITHM.len()
            + " Credential=".len()
            + credentials.access_key_id().len()
            + "/YYYYMMDD/".len()
            + prepared.region.len()
            + 1
            + service.len()
            + "/aws4_request, SignedHeaders=".len()
            + names_len
            + ", Signature=".len()
            + 64,
    );
    out.push_str(ALGORITHM);
    out.push_str(" Credential=");
    out.push_str(credentials.access_key_id());
    out.push('/');
    out.push_str(prepared.date.date());
    out.push('/');
    out.push_str(&prepared.region);
    out.push('/');
    out.push_str(service);
    out.push_str("/aws4_request, SignedHeaders=");
    for (i, name) in canonical.signed_header_names().enumerate() {
        if i > 0 {
            out.push(';');
        }
        out.push_str(name);
    }
    out.push_str(", Signature=");
    out.push_str(std::str::from_utf8(signature).unwrap_or_default());
    out
}

/// The `SignedHeaders=` part of an authorization value, for tracing.
fn signed_headers_of(authorization: &str) -> &str {
    authorization
        .split_once("SignedHeaders=")
        .and_then(|(_, rest)| rest.split_once(','))
        .map_or("", |(names, _)| names)
}

pub(crate) fn check_not_expired(credentials: &Credentials, time: SystemTime) -> Result<(), Error> {
    match credentials.expiry() {
        Some(expiry) if expiry <= time => Err(Error::ExpiredCredentials {
            access_key_id: credentials.access_key_id().to_owned(),
        }),
        _ => Ok(()),
    }
}
