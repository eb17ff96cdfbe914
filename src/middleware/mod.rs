//! reqwest-middleware layers (feature `middleware`): [`SigningMiddleware`] signs every request
//! (IAM), [`OacMiddleware`] adds only `x-amz-content-sha256` (CloudFront OAC).
//!
//! Build the client from [`client_builder`](crate::reqwest::client_builder) (redirects off),
//! attach a retry middleware *before* the signer so that every attempt is signed afresh, and
//! read a 403 with [`Diagnosis`](crate::reqwest::Diagnosis).
//!
//! ```no_run
//! use lambda_url_signer::middleware::{reqwest_middleware, SigningMiddleware};
//! use lambda_url_signer::reqwest::client_builder;
//! use lambda_url_signer::{Credentials, FunctionUrl, Signer};
//!
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! let url = FunctionUrl::parse("https://abc123.lambda-url.eu-central-1.on.aws/")?;
//! let credentials = Credentials::new("AKIDEXAMPLE", "secret", None, None, "example");
//! let client = reqwest_middleware::ClientBuilder::new(client_builder().build()?)
//!     .with(SigningMiddleware::new(Signer::for_url(&url, credentials)))
//!     .build();
//! let response = client.post(url.as_str()).body(r#"{"id":1}"#).send().await?;
//! # let _ = response; Ok(()) }
//! ```
//!
//! Errors of this crate travel inside `reqwest_middleware::Error::Middleware`; get them back
//! with `err.downcast_ref::<lambda_url_signer::Error>()` on the inner `anyhow::Error`.

mod signing;

pub use self::signing::{OacMiddleware, SigningMiddleware};
pub use crate::integration::SkewCorrection;
/// The `reqwest-middleware` crate these layers implement `Middleware` for (its version is the
/// one this crate was built with, so `ClientBuilder` from here always fits).
pub use reqwest_middleware;
