//! Plain reqwest (feature `reqwest`): a `reqwest::Request` is a
//! [`SignableRequest`](crate::SignableRequest), [`client_builder`] gives the client settings a
//! signing client needs, and [`Diagnosis`] reads Lambda's error answers.
//!
//! ```
//! use lambda_url_signer::reqwest::client_builder;
//! use lambda_url_signer::{Credentials, Signer};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let signer = Signer::builder()
//!     .credentials(Credentials::new("AKID", "secret", None, None, "example"))
//!     .build()?;
//! let client = client_builder().build()?;
//! let mut request = client
//!     .post("https://abc.lambda-url.us-east-1.on.aws/items?q=a+b")
//!     .body(r#"{"id":1}"#)
//!     .build()?;
//! signer.sign(&mut request).await?;
//! assert_eq!(request.url().query(), Some("q=a%20b"));
//! assert!(request.headers()["authorization"].is_sensitive());
//! // let response = client.execute(request).await?;
//! # Ok(()) }
//! ```

mod client;
mod request;

pub use self::client::client_builder;
pub use crate::integration::Diagnosis;
/// The `reqwest` crate this crate was built with.
pub use ::reqwest;
