//! https end to end: the emulator serves TLS with a root it generates, and reqwest's `rustls`
//! backend calls it in every mode (IAM, CloudFront OAC, a presigned URL) trusting only that
//! root. Asserted on what the function URL endpoint received and what the function saw.

use crate::support::{self, emulator, function_url, recording_handler, sha256_hex, signer, Events};
use lambda_url_emulator::{Emulator, EmulatorBuilder};
use lambda_url_signer::middleware::{OacMiddleware, SigningMiddleware};
use lambda_url_signer::PayloadHash;
use reqwest_middleware::ClientBuilder;
use std::time::Duration;

/// The CloudFront OAC worked example body.
const BODY: &str = "{\n    \"test\": \"message\"\n}";

/// The test emulator (see [`support::emulator`]) over https, with a function that records
/// every event.
async fn https_emulator(
    configure: impl FnOnce(EmulatorBuilder) -> EmulatorBuilder,
) -> (Emulator, Events) {
    let (handler, events) = recording_handler();
    let emu = emulator(move |b| configure(b.tls(true).handler(handler))).await;
    (emu, events)
}

/// A reqwest client (rustls) that trusts the emulator's root and nothing else.
fn https_client(emu: &Emulator) -> reqwest::Client {
    let root = emu.root_certificate_pem().expect("started with tls");
    reqwest::Client::builder()
        .tls_backend_rustls()
        .tls_certs_only([reqwest::Certificate::from_pem(root.as_bytes()).unwrap()])
        .build()
        .unwrap()
}

/// The error's message and its causes, joined.
fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[tokio::test]
async fn urls_are_https_and_the_root_is_a_pem_certificate() {
    let (emu, _) = https_emulator(|b| b).await;
    assert!(emu.function_url().starts_with("https://127.0.0.1:"));
    assert!(emu
        .cloudfront_url()
        .unwrap()
        .starts_with("https://127.0.0.1:"));
    let root = emu.root_certificate_pem().unwrap();
    assert!(root.starts_with("-----BEGIN CERTIFICATE-----\n"), "{root}");
    assert!(root.trim_end().ends_with("-----END CERTIFICATE-----"));
    assert!(!root.contains("PRIVATE KEY"));
    // The plain emulator has none.
    let plain = emulator(|b| b).await;
    assert!(plain.root_certificate_pem().is_none());
    assert!(plain.function_url().starts_with("http://"));
}

#[tokio::test]
async fn iam_mode_over_https() {
    let (emu, events) = https_emulator(|b| b).await;
    let url = function_url(&emu);
    let client = ClientBuilder::new(https_client(&emu))
        .with(SigningMiddleware::new(signer()))
        .build();
    let get = client
        .get(url.join("/hello?b=2&a=1").unwrap().as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(get.status(), 200);
    let post = client
        .post(url.join("/items").unwrap().as_str())
        .header("content-type", "application/json")
        .body(BODY)
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 200);

    let received = emu.received();
    assert_eq!(received.len(), 2);
    for r in &received {
        assert_eq!(r.outcome.status, 200, "{r:?}");
        assert_eq!(
            r.outcome.caller_arn.as_deref(),
            Some("arn:aws:iam::123456789012:user/test")
        );
        assert_eq!(r.header_str("host"), Some(emu.function_host()));
        assert!(!r.via_cloudfront);
    }
    assert_eq!(received[0].target, "/hello?b=2&a=1");
    assert_eq!(received[1].body, BODY.as_bytes());
    assert_eq!(
        received[1].header_str("x-amz-content-sha256"),
        Some(sha256_hex(BODY.as_bytes()).as_str())
    );
    let events = events.lock().unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(
        (events[0].method.as_str(), events[0].raw_path.as_str()),
        ("GET", "/hello")
    );
    assert_eq!(events[1].body, BODY.as_bytes());
    assert_eq!(
        events[1].caller.as_ref().map(|c| c.user_arn.as_str()),
        Some("arn:aws:iam::123456789012:user/test")
    );
}

#[tokio::test]
async fn oac_mode_through_cloudfront_over_https() {
    let (emu, events) = https_emulator(|b| b).await;
    let client = ClientBuilder::new(https_client(&emu))
        .with(OacMiddleware::new())
        .build();
    let response = client
        .post(emu.cloudfront_url().unwrap())
        .header("content-type", "application/json")
        .body(BODY)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers().contains_key("x-amz-cf-pop"),
        "answered by the emulated CloudFront"
    );

    let received = emu.received();
    assert_eq!(received.len(), 1);
    let r = &received[0];
    assert!(r.via_cloudfront);
    assert_eq!(r.outcome.status, 200, "{r:?}");
    assert_eq!(r.body, BODY.as_bytes());
    assert_eq!(
        r.header_str("x-amz-source-arn"),
        Some(support::DISTRIBUTION)
    );
    assert_eq!(
        r.header_str("x-amz-content-sha256"),
        Some(sha256_hex(BODY.as_bytes()).as_str())
    );
    let events = events.lock().unwrap();
    assert_eq!(events[0].source_arn.as_deref(), Some(support::DISTRIBUTION));
    assert!(events[0].caller.as_ref().is_some_and(|c| c
        .user_arn
        .ends_with(":assumed-role/OriginAccessControlRole/OriginAccessSession")));
}

#[tokio::test]
async fn a_presigned_url_over_https() {
    let (emu, events) = https_emulator(|b| b).await;
    let url = function_url(&emu).join("/report?day=1").unwrap();
    let hash = PayloadHash::of(BODY.as_bytes());
    let presigned = signer()
        .presign(&http::Method::PUT, &url, &hash, Duration::from_secs(300))
        .await
        .unwrap();
    assert!(presigned.as_str().starts_with("https://127.0.0.1:"));
    let response = https_client(&emu)
        .put(presigned.as_str())
        .body(BODY)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let r = &emu.received()[0];
    assert_eq!(r.outcome.status, 200, "{r:?}");
    assert!(r.target.contains("X-Amz-Signature="));
    assert!(r.header("authorization").is_none());
    let events = events.lock().unwrap();
    assert_eq!(
        (events[0].method.as_str(), events[0].raw_path.as_str()),
        ("PUT", "/report")
    );
    assert_eq!(events[0].body, BODY.as_bytes());
}

#[tokio::test]
async fn a_client_without_the_root_fails_the_handshake_and_sends_nothing() {
    let (emu, _) = https_emulator(|b| b).await;
    let (other, _) = https_emulator(|b| b).await;
    let untrusting = [
        // The platform's roots only.
        reqwest::Client::builder()
            .tls_backend_rustls()
            .build()
            .unwrap(),
        // Another emulator's root: each start has its own.
        https_client(&other),
    ];
    for client in untrusting {
        for target in [emu.function_url(), emu.cloudfront_url().unwrap()] {
            let error = client.get(target).send().await.unwrap_err();
            assert!(error.is_connect(), "{error:?}");
            let text = chain(&error).to_ascii_lowercase();
            assert!(
                text.contains("invalid peer certificate"),
                "a tls certificate error: {text}"
            );
        }
    }
    // Plain http to the https port is no request either.
    let plain_url = emu.function_url().replacen("https://", "http://", 1);
    let _ = reqwest::Client::new().get(&plain_url).send().await;
    assert!(emu.received().is_empty(), "{:?}", emu.received());
}
