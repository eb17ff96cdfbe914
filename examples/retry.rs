//! Retries with re-signing: attach the retry middleware FIRST and the signer SECOND.
//!
//! Middleware runs in the order attached. With retry first, every attempt passes through the
//! signer and gets a fresh `x-amz-date` and signature (the body hash is computed once and
//! reused). With the signer first, the retry layer replays the first attempt's signature:
//! fine within Lambda's 5-minute window, fatal after it or with a skewed clock.
//!
//! This example runs against the crate's emulator, whose function fails twice with 503:
//!
//! ```sh
//! cargo run --example retry --all-features
//! ```

use lambda_url_emulator::{Emulator, EmulatorIdentity, HandlerResponse};
use lambda_url_signer::middleware::SigningMiddleware;
use lambda_url_signer::{Credentials, FunctionUrl, Signer};
use reqwest_middleware::ClientBuilder;
use reqwest_retry::{policies::ExponentialBackoff, Jitter, RetryTransientMiddleware};
use std::collections::HashSet;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let identity = EmulatorIdentity::generate("123456789012");
    let calls = AtomicUsize::new(0);
    let emulator = Emulator::builder()
        .region("eu-central-1")
        .identity(identity.clone())
        .handler(move |_event| {
            if calls.fetch_add(1, Ordering::SeqCst) < 2 {
                HandlerResponse::text(503, "busy")
            } else {
                HandlerResponse::text(200, "done")
            }
        })
        .start()
        .await?;
    let url = FunctionUrl::with_region(emulator.function_url(), "eu-central-1")?;
    let credentials = Credentials::new(
        identity.access_key_id(),
        identity.secret_access_key(),
        None,
        None,
        "example",
    );
    let policy = ExponentialBackoff::builder()
        .retry_bounds(Duration::from_millis(1000), Duration::from_millis(1100))
        .jitter(Jitter::None)
        .build_with_max_retries(3);

    // 1. Retry first, signer second: the right order.
    let client = ClientBuilder::new(lambda_url_signer::reqwest::client_builder().build()?)
        .with(RetryTransientMiddleware::new_with_policy(policy))
        .with(SigningMiddleware::new(Signer::for_url(&url, credentials)))
        .build();
    let response = client.post(url.as_str()).body("payload").send().await?;
    println!("status after retries: {}", response.status());

    let received = emulator.received();
    let signatures: HashSet<_> = received
        .iter()
        .filter_map(|r| r.header_str("authorization"))
        .collect();
    for (i, r) in received.iter().enumerate() {
        println!(
            "attempt {}: x-amz-date {} -> {} (signature verified: {})",
            i + 1,
            r.header_str("x-amz-date").unwrap_or("-"),
            r.outcome.status,
            r.outcome.rejection.is_none()
        );
    }
    println!(
        "{} attempts, {} distinct signatures",
        received.len(),
        signatures.len()
    );
    if response.status() != 200 || signatures.len() != received.len() {
        return Err("expected every attempt to carry a fresh, valid signature".into());
    }
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("retry example failed: {e}");
            ExitCode::FAILURE
        }
    }
}
