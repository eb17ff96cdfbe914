//! What a new user writes after reading the README: the default credential chain, retries-free
//! IAM signing with `.json()` and `.query()` on the middleware client, OAC, a streamed upload
//! with a declared hash, presigning, and a 403's diagnosis; compiled (not run) in CI with only
//! the README's install line as dependencies.

use lambda_url_signer::middleware::{reqwest_middleware, OacMiddleware, SigningMiddleware};
use lambda_url_signer::reqwest::{client_builder, reqwest, Diagnosis};
use lambda_url_signer::{CredentialsCache, FunctionUrl, PayloadHash, Signer};
use std::time::Duration;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = FunctionUrl::parse("https://abc123.lambda-url.eu-central-1.on.aws/")?;
    let cache = CredentialsCache::default_chain(None, Some(url.region())).await;
    let signer = Signer::for_url(&url, cache);
    let client = reqwest_middleware::ClientBuilder::new(client_builder().build()?)
        .with(SigningMiddleware::new(signer.clone()))
        .build();
    let response = client
        .post(url.as_str())
        .query(&[("verbose", "1")])
        .json(&serde_json::json!({"id": 1}))
        .send()
        .await?;
    if let Some(diagnosis) = response.extensions().get::<Diagnosis>() {
        eprintln!("{diagnosis}");
    }

    let oac = reqwest_middleware::ClientBuilder::new(client_builder().build()?)
        .with(OacMiddleware::new())
        .build();
    let _ = oac
        .post("https://d111111abcdef8.cloudfront.net/")
        .form(&[("a", "b")])
        .send()
        .await?;

    let file = tokio::fs::File::open("upload.bin").await?;
    let hash = PayloadHash::from_async_reader(tokio::fs::File::open("upload.bin").await?).await?;
    let _ = client
        .put(url.as_str())
        .with_extension(hash)
        .body(reqwest::Body::from(file)) // streamed, never buffered
        .send()
        .await?;

    let presigned = signer
        .presign(
            &reqwest::Method::GET,
            &url,
            &PayloadHash::EMPTY,
            Duration::from_secs(300),
        )
        .await?;
    println!("{presigned}");
    Ok(())
}
