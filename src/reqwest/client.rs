//! The reqwest client settings a function URL client should have.

use std::time::Duration;

/// A `reqwest::ClientBuilder` with the defaults a signing client needs; build your client from
/// it and put the signing middleware on top.
///
/// - **Redirects are off.** reqwest follows redirects below any middleware: a cross-host
///   redirect would carry `x-amz-security-token`, `x-amz-date` and `x-amz-content-sha256` to
///   the new host (reqwest strips only `authorization` and cookies), and a same-host redirect
///   replays a stale signature. Function URLs do not redirect; a 3xx reaches the caller as it
///   is, and the caller decides (a new request through the middleware is signed afresh).
/// - A 10-second connect timeout (no overall timeout: function URL invocations may run up to
///   15 minutes; set `.timeout(…)` to suit the function).
/// - A `user-agent` naming this crate (never signed, so proxies may change it).
///
/// [`SigningMiddleware`](crate::middleware::SigningMiddleware) logs a warning if a response shows that a
/// redirect was followed anyway.
///
/// ```
/// use lambda_url_signer::{Credentials, FunctionUrl, Signer};
/// use lambda_url_signer::middleware::SigningMiddleware;
/// use lambda_url_signer::reqwest::client_builder;
///
/// let url = FunctionUrl::parse("https://abc123.lambda-url.eu-central-1.on.aws/")?;
/// let credentials = Credentials::new("AKIDEXAMPLE", "secret", None, None, "example");
/// let client = reqwest_middleware::ClientBuilder::new(client_builder().build()?)
///     .with(SigningMiddleware::new(Signer::for_url(&url, credentials)))
///     .build();
/// # let _ = client;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn client_builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .user_agent(concat!("lambda-url-signer/", env!("CARGO_PKG_VERSION")))
}
