//! # lambda-url-signer
//!
//! SigV4 signing for AWS Lambda function URLs protected by IAM (`AuthType: AWS_IAM`),
//! called directly or through a CloudFront distribution with Origin Access Control (OAC).
//!
//! The crate is layered, one module per concept, and data flows one way:
//!
//! 1. **`function_url`**: [`FunctionUrl`] parses `https://<url-id>.lambda-url.<region>.on.aws/…`,
//!    finds the region (any other address needs an explicit one: there is never a silent
//!    default) and writes the path and query in the *wire form* that is signed and sent.
//! 2. **`payload`**: [`PayloadHash`] hashes the exact body bytes once (SHA-256, lowercase hex),
//!    in one pass, incrementally ([`PayloadHasher`]) or from a reader.
//! 3. **`credentials`**: [`CredentialsCache`] holds static [`Credentials`] or wraps any
//!    [`ProvideCredentials`] provider behind an expiry-aware, single-flight cache.
//! 4. **`signer`**: [`Signer`] signs an [`http::Request`] (or a `reqwest::Request`) for service
//!    `lambda`: the canonical request is built once by this crate, the signing key is derived by
//!    `aws-sigv4` and cached, and the request is rewritten into exactly what was signed. It
//!    also presigns URLs.
//! 5. **`middleware`** (features `reqwest`, `middleware`, `tower`): reqwest middleware and tower
//!    layers sign every request (IAM mode) or add only `x-amz-content-sha256` (CloudFront OAC
//!    mode), with clock-skew correction, a payload limit and 403 [`Diagnosis`].
//!
//! Beside that line, [`emulator`] (feature `emulator`) runs an offline function URL and
//! CloudFront OAC emulator on loopback with its own, independent SigV4 verifier, and
//! **`permissions`** ([`cloudfront_permissions`]) writes the resource-policy statements a
//! function URL behind CloudFront needs. **`error`** holds the one [`Error`] type.
//!
//! ## Quick start
//!
//! ```
//! use lambda_url_signer::{Credentials, PayloadHash, Signer};
//! use std::time::{Duration, SystemTime};
//!
//! let signer = Signer::builder()
//!     .credentials(Credentials::new("AKIDEXAMPLE", "secret", None, None, "example"))
//!     .build()?;
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
//! ## Modes
//!
//! | situation | use |
//! |---|---|
//! | call a function URL directly with IAM | `SigningMiddleware` (or [`Signer`] on an `http::Request` / `reqwest::Request`) |
//! | call through CloudFront OAC (`always`) | `OacMiddleware`: adds only `x-amz-content-sha256` |
//! | CloudFront OAC `no-override` | `SigningMiddleware` with [`SignerBuilder::sign_host`] set to the function URL host |
//! | hyper / tower clients | `SigningLayer`, `OacLayer` (feature `tower`) |
//! | hand out a link | [`Signer::presign`] |
//! | retries | attach `reqwest_retry::RetryTransientMiddleware` *before* the signer |
//! | a 403 | `Diagnosis::from_response` |
//!
//! Build the reqwest client under a signing middleware with `client_builder()`: it turns off
//! redirects, which reqwest would otherwise follow below the middleware with the signing
//! headers.
//!
//! ```no_run
//! # #[cfg(feature = "middleware")]
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! use lambda_url_signer::{Credentials, FunctionUrl, Signer};
//! use lambda_url_signer::middleware::SigningMiddleware;
//! use lambda_url_signer::reqwest::client_builder;
//!
//! let url = FunctionUrl::parse("https://abc123.lambda-url.eu-central-1.on.aws/")?;
//! let credentials = Credentials::new("AKIDEXAMPLE", "secret", None, None, "example");
//! let client = reqwest_middleware::ClientBuilder::new(client_builder().build()?)
//!     .with(SigningMiddleware::new(Signer::for_url(&url, credentials)))
//!     .build();
//! let response = client.post(url.as_str()).json(&serde_json::json!({"id": 1})).send().await?;
//! # let _ = response; Ok(()) }
//! ```
//!
//! ## Errors
//!
//! Every fallible function returns [`Error`], one `#[non_exhaustive]` enum whose variants say
//! what happened and what to do. Nothing in this crate panics on user input, and no error
//! message contains a secret key, a session token, a signature or a URL's password.
//!
//! ## Feature flags
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `middleware` | yes | reqwest-middleware layers: IAM signing, OAC hash-only, sign-host (no-override); implies `reqwest` |
//! | `reqwest` | yes (through `middleware`) | `Signer::sign*` for plain reqwest, `client_builder()`, 403 `Diagnosis`, `PayloadLimit`, `SkewCorrection` |
//! | `tower` | no | tower layers for any `Service<http::Request<B>>`: `SigningLayer` (IAM), `OacLayer` (OAC hash-only) |
//! | `emulator` | no | the [`emulator`] module: offline function URL + CloudFront OAC emulator (tokio, hyper), http or https |
//! | `aws-config` | no | the default AWS credential chain through the `aws-config` crate |
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
