//! tower layers (feature `tower`): IAM signing ([`SigningLayer`]) and CloudFront OAC hash-only
//! ([`OacLayer`]), around any `tower::Service<http::Request<B>>` (hyper-util's client, a tonic
//! channel, a test double) whose body `B` is a [`SignableBody`](crate::SignableBody).
//!
//! Put a retry layer *outside* the signing layer, so that every attempt is signed afresh. The
//! files follow tower-http's split: `layer.rs`, `service.rs`, `future.rs`, `body.rs` (the
//! response body that passes a 403 through after reading it), `error.rs`.
//!
//! ```no_run
//! use bytes::Bytes;
//! use http_body_util::{BodyExt as _, Full};
//! use hyper_util::client::legacy::Client;
//! use hyper_util::rt::TokioExecutor;
//! use lambda_url_signer::tower::SigningLayer;
//! use lambda_url_signer::{Credentials, FunctionUrl, Signer};
//! use tower::{Service as _, ServiceBuilder, ServiceExt as _};
//!
//! # #[tokio::main] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let url = FunctionUrl::parse("https://abc123.lambda-url.eu-central-1.on.aws/")?;
//! let credentials = Credentials::new("AKIDEXAMPLE", "secret", None, None, "example");
//! let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
//! let mut service = ServiceBuilder::new()
//!     .layer(SigningLayer::new(Signer::for_url(&url, credentials)))
//!     .service(client);
//! let request = http::Request::post(url.as_str()).body(Full::new(Bytes::from("hello")))?;
//! let response = service.ready().await?.call(request).await?;
//! let body = response.into_body().collect().await?.to_bytes();
//! # let _ = body; Ok(()) }
//! ```

mod body;
mod body_impls;
mod error;
mod future;
mod layer;
mod service;

pub use body::SigningResponseBody;
pub use error::LayerError;
pub use future::OacFuture;
use future::SigningFuture;
pub use layer::{OacLayer, SigningLayer};
pub use service::{OacService, SigningService};

pub use crate::integration::{Diagnosis, SkewCorrection};
pub use http_body;
pub use tower_layer;
pub use tower_service;
