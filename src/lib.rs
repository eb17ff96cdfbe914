//! # lambda-url-signer
//!
//! SigV4 signing for AWS Lambda function URLs protected by IAM (`AuthType: AWS_IAM`),
//! called directly or through a CloudFront distribution with Origin Access Control (OAC).
//!
//! The crate is layered, one module per concept, and data flows one way:
//!
//! 1. [`FunctionUrl`] parses `https://<url-id>.lambda-url.<region>.on.aws/…`, finds the region
//!    (any other address needs an explicit one: there is never a silent default) and writes the
//!    path and query in the *wire form* that is signed and sent.
//! 2. [`PayloadHash`] hashes the exact body bytes once (SHA-256, lowercase hex), in one pass,
//!    incrementally ([`PayloadHasher`]) or from a reader; [`PayloadLimit`] is Lambda's payload
//!    rule, checked before sending.
//! 3. [`CredentialsCache`] holds static [`Credentials`] or wraps any [`ProvideCredentials`]
//!    provider behind an expiry-aware, single-flight cache.
//! 4. [`Signer`] signs any [`SignableRequest`] (an [`http::Request`] whose body is a
//!    [`SignableBody`], or a `reqwest::Request`) for service `lambda`, and presigns URLs.
//! 5. The integrations, one public module per feature: [`reqwest`] (plain
//!    reqwest, `client_builder`, 403 `Diagnosis`), [`middleware`]
//!    (reqwest-middleware: IAM signing, OAC hash-only) and [`tower`] (tower
//!    layers), with clock-skew correction and the payload check.
//!
//! Beside them, [`permissions`] writes the resource-policy statements a function URL behind
//! CloudFront needs. The offline emulator that judges this crate is its own crate,
//! `lambda-url-emulator`.
//!
//! ## Quick start
//!
//! ```
//! use lambda_url_signer::{Credentials, PayloadHash, Signer};
//! use std::time::{Duration, SystemTime};
//!
//! let signer = Signer::builder().build()?;
//! let mut request = http::Request::post(
//!     "https://abcdefghijklmnopqrstuvwxyz234567.lambda-url.eu-central-1.on.aws/items?q=a+b",
//! )
//! .header("content-type", "application/json")
//! .body(br#"{"id":1}"#.to_vec())?;
//!
//! // Deterministic: explicit credentials and time (the async `sign` takes both from the signer).
//! let credentials = Credentials::new("AKIDEXAMPLE", "secret", None, None, "example");
//! let time = SystemTime::UNIX_EPOCH + Duration::from_secs(1_764_000_000);
//! let hash = PayloadHash::of(request.body());
//! signer.sign_at(&mut request, &hash, &credentials, time)?;
//!
//! assert_eq!(request.uri().query(), Some("q=a%20b")); // a raw `+` in a query is a space
//! assert!(request.headers().contains_key("authorization"));
//! assert_eq!(request.headers()["x-amz-content-sha256"], hash.as_str());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! `sign_at` needs no runtime: a blocking client signs with it (or with [`Signer::sign`] on
//! any executor, with static credentials).
//!
//! ## Errors
//!
//! Every fallible function of this crate returns [`Error`], one `#[non_exhaustive]` enum whose
//! variants say what happened and what to do. The other error types are where they come from:
//! [`permissions::PermissionsError`] (an ARN given to `cloudfront_permissions`),
//! `tower::LayerError` (the tower services' error: this crate's [`Error`] before sending, or the
//! inner service's), and `reqwest_middleware::Error`, which carries an [`Error`] inside
//! `Error::Middleware` (get it back with `downcast_ref::<lambda_url_signer::Error>()`). Nothing in
//! this crate panics on user input, and no error message contains a secret key, a session token,
//! a signature or a URL's password.
//!
//! ## The wire form
//!
//! A signature covers the exact bytes of the path, the query and the signed headers, and servers,
//! proxies and CDNs normalize those bytes. So the crate rewrites a request into one unambiguous
//! form, signs that, and sends that; the function receives what the caller meant.
//!
//! | part | rewrite | why |
//! |---|---|---|
//! | host | lowercased, the scheme's default port dropped; user info (`user:password@`) is refused with `Error::InvalidUrl` (the password is shown as `<redacted>`) | the signed `host` must be what Lambda sees; a password must never be signed or logged |
//! | path | dot segments and empty segments removed, escaped dot segments (`%2e`, `.%2E`, `%2e%2e`) too, as the URL standard reads them, so a path joined after a prefix cannot climb out of it; every byte outside `A-Za-z0-9-_.~/` percent-encoded, existing `%xx` escapes kept with uppercase hex; `+` is a literal plus | Lambda re-encodes the path it receives; only this form round-trips |
//! | query | each name and value decoded and re-encoded with only `A-Za-z0-9-_.~` bare: a space is `%20`, a plus `%2B`; a raw `+` means a **space** (form encoding, as `url`'s `query_pairs_mut`, reqwest's `.query()` and HTML forms write it; aws-sigv4 and the Go v2 signer read it so too); order and repeated keys kept; `key` becomes `key=`; empty pieces dropped | nothing ambiguous is left on the wire: the handler's `rawQueryString` decodes to the caller's values |
//! | header values | leading and trailing spaces and tabs removed, inner runs of spaces and tabs folded to one space (botocore's canonical form), in what is sent as well as in what is signed | servers strip and fold such whitespace; a value sent as given would be signed differently and get 403 |
//! | signing headers | `authorization`, `x-amz-date`, `x-amz-security-token` and `x-amz-content-sha256` from an earlier attempt or the caller are replaced (a bearer token or basic auth too) | a retry is signed afresh; SigV4 is the one authorization |
//! | payload | `x-amz-content-sha256` on every request, the empty-body hash for no body; never `UNSIGNED-PAYLOAD` | CloudFront OAC needs it and never computes it; Lambda rejects `UNSIGNED-PAYLOAD` |
//! | OAC GET/HEAD with a body | refused with `Error::BodyNotAllowed` before sending (a non-empty body in memory, or a stream unless its declared `PayloadHash` is `PayloadHash::EMPTY`) | CloudFront answers 403 to it |
//! | redirects | off in `client_builder()`; a 3xx reaches the caller as it is, and a redirect followed anyway is logged as a warning (origins only) | reqwest would carry `x-amz-security-token` and the date to the new host |
//!
//! Headers that are **not** signed, because proxies and CDNs change them: `user-agent`,
//! `x-amzn-trace-id`, `content-length`, `transfer-encoding`, `expect`, `via`, `forwarded`,
//! `x-forwarded-*`, `cf-*`, `authorization` and the hop-by-hop headers (`connection` and the
//! headers it names, `keep-alive`, `proxy-*`, `te`, `trailer`, `upgrade`). A header value that is
//! not UTF-8 is a typed error (`Error::InvalidHeaderValue`), never a panic and never silently
//! unsigned. The region comes from `<url-id>.lambda-url.<region>.on.aws` or is configured; there is
//! never a default.
//!
//! ## Feature flags
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `middleware` | yes | module [`middleware`]: reqwest-middleware layers (IAM, OAC, no-override); implies `reqwest` |
//! | `reqwest` | yes (through `middleware`) | module [`reqwest`]: sign a `reqwest::Request`, `client_builder()`, 403 `Diagnosis` |
//! | `tower` | no | module [`tower`]: `SigningLayer` (IAM), `OacLayer` (OAC hash-only) for any `Service<http::Request<B>>` |
//! | `aws-config` | no | `CredentialsCache::default_chain`: the default AWS credential chain through the `aws-config` crate |
//! | `rustls` | no | TLS for reqwest, to call real `https://` function URLs |
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![warn(missing_debug_implementations, unreachable_pub, rust_2018_idioms)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod body;
mod credentials;
mod error;
mod function_url;
mod limit;
mod payload;
mod signer;

#[cfg(any(feature = "reqwest", feature = "tower"))]
mod integration;

pub mod permissions;

#[cfg(feature = "reqwest")]
#[cfg_attr(docsrs, doc(cfg(feature = "reqwest")))]
pub mod reqwest;

#[cfg(feature = "middleware")]
#[cfg_attr(docsrs, doc(cfg(feature = "middleware")))]
pub mod middleware;

#[cfg(feature = "tower")]
#[cfg_attr(docsrs, doc(cfg(feature = "tower")))]
pub mod tower;

pub use body::SignableBody;
pub use credentials::{CredentialsCache, CredentialsCacheBuilder};
pub use error::Error;
pub use function_url::FunctionUrl;
pub use limit::PayloadLimit;
pub use payload::{PayloadHash, PayloadHasher};
pub use signer::{
    ContentSha256Header, PresignedUrl, SignableRequest, Signer, SignerBuilder, SigningDetails,
};

/// The provider trait that [`CredentialsCache`] wraps (re-exported from `aws-credential-types`).
pub use aws_credential_types::provider::ProvideCredentials;
/// Static AWS credentials (re-exported from `aws-credential-types`); `Debug` redacts the secret.
pub use aws_credential_types::Credentials;
/// The `http` crate, whose `Request`, `Method` and `HeaderMap` appear in this crate's API.
pub use http;

/// The README's code blocks, compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(all(doctest, feature = "middleware", feature = "tower"))]
pub struct ReadmeDoctests;
