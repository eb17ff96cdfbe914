//! # lambda-url-signer
//!
//! SigV4 signing for AWS Lambda function URLs protected by IAM (`AuthType: AWS_IAM`),
//! called directly or through a CloudFront distribution with Origin Access Control (OAC).
//!
//! The crate is layered, and data flows one way:
//!
//! 1. [`FunctionUrl`] parses `https://<url-id>.lambda-url.<region>.on.aws/…` and finds the
//!    region; any other address needs an explicit region (there is never a silent default).
//! 2. [`PayloadHash`] hashes the exact body bytes once (SHA-256, lowercase hex).
//! 3. [`CredentialsCache`] holds static [`Credentials`] or wraps any
//!    [`ProvideCredentials`] provider behind an expiry-aware, single-flight cache.
//! 4. [`Signer`] signs an [`http::Request`] with `aws-sigv4` for service `lambda`, rewrites
//!    its path and query into exactly the encoding it signed, and presigns URLs.
//! 5. With the `middleware` feature, reqwest middleware signs every request (IAM mode) or adds
//!    only `x-amz-content-sha256` (CloudFront OAC mode); with the `tower` feature, tower layers
//!    do the same around any `Service<http::Request<B>>`, such as hyper-util's client.
//!
//! Beside that line, the `emulator` feature runs an offline function URL and CloudFront OAC
//! emulator on loopback, with its own, independent SigV4 verifier.
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
//! assert_eq!(request.uri().query(), Some("q=a%2Bb")); // a literal `+` is sent as signed
//! assert!(request.headers().contains_key("authorization"));
//! assert_eq!(request.headers()["x-amz-content-sha256"], hash.as_str());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Modes
//!
//! | situation | use |
//! |---|---|
//! | call a function URL directly with IAM | `SigningMiddleware` (or [`Signer`] on an `http::Request`) |
//! | call through CloudFront OAC (`always`) | `OacMiddleware`: adds only `x-amz-content-sha256` |
//! | CloudFront OAC `no-override` | `SigningMiddleware` with [`SignerBuilder::sign_host`] set to the function URL host |
//! | hand out a link | [`Signer::presign`] |
//! | a tower / hyper stack | `SigningLayer` or `OacLayer` (feature `tower`), a retry layer outside them |
//! | retries | attach `reqwest_retry::RetryTransientMiddleware` *before* the signer |
//! | a 403 | `Diagnosis::from_response` |
//!
//! ```no_run
//! # #[cfg(feature = "middleware")]
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! use lambda_url_signer::{Credentials, FunctionUrl, Signer, SigningMiddleware};
//!
//! let url = FunctionUrl::parse("https://abc123.lambda-url.eu-central-1.on.aws/")?;
//! let credentials = Credentials::new("AKIDEXAMPLE", "secret", None, None, "example");
//! let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
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
//! message contains a secret key, a session token or a signature.
//!
//! ## Feature flags
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `middleware` | yes | reqwest-middleware layers: IAM signing, OAC hash-only, sign-host (no-override), 403 diagnosis |
//! | `tower` | no | tower layers for any `Service<http::Request<B>>`: `SigningLayer` (IAM), `OacLayer` (OAC hash-only) |
//! | `emulator` | no | offline function URL + CloudFront OAC emulator (tokio, hyper), http or https |
//! | `aws-config` | no | the default AWS credential chain through the `aws-config` crate |
//! | `rustls` | no | TLS for reqwest, to call real `https://` function URLs |
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![warn(missing_debug_implementations, unreachable_pub, rust_2018_idioms)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod credentials;
mod error;
mod function_url;
mod payload;
mod signer;

pub use credentials::{CredentialsCache, CredentialsCacheBuilder};
pub use error::Error;
pub use function_url::FunctionUrl;
pub use payload::{PayloadHash, PayloadHasher};
pub use signer::{ContentSha256Header, PresignedUrl, Signer, SignerBuilder, SigningDetails};

/// The provider trait that [`CredentialsCache`] wraps (re-exported from `aws-credential-types`).
pub use aws_credential_types::provider::ProvideCredentials;
/// Static AWS credentials (re-exported from `aws-credential-types`); `Debug` redacts the secret.
pub use aws_credential_types::Credentials;

// >>> middleware
#[cfg(any(feature = "reqwest", feature = "tower"))]
mod middleware;
#[cfg(feature = "reqwest")]
pub use middleware::client_builder;
#[cfg(any(feature = "reqwest", feature = "tower"))]
pub use middleware::{Diagnosis, PayloadLimit, SkewCorrection};
#[cfg(feature = "middleware")]
pub use middleware::{OacMiddleware, SigningMiddleware};
// <<< middleware

// >>> tower
#[cfg(feature = "tower")]
pub use middleware::{
    LayerError, OacFuture, OacLayer, OacService, SignableBody, SigningLayer, SigningResponseBody,
    SigningService,
};
// <<< tower

// >>> emulator
#[cfg(feature = "emulator")]
#[cfg_attr(docsrs, doc(cfg(feature = "emulator")))]
pub mod emulator;
mod permissions;
pub use permissions::{cloudfront_permissions, PermissionStatements, PermissionsError};
// <<< emulator

/// The README's code blocks, compiled and run as doctests (they use every feature).
#[doc = include_str!("../README.md")]
#[cfg(all(
    doctest,
    feature = "middleware",
    feature = "emulator",
    feature = "rustls",
    feature = "tower"
))]
pub struct ReadmeDoctests;
