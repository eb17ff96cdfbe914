//! Webhooks through CloudFront, end to end on loopback: a sender with no `x-amz-content-sha256`
//! → the emulated CloudFront → the real Lambda@Edge handler (`edge/index.mjs`, under node) →
//! OAC signs → the function URL verifies → the function's event holds the exact body.

use crate::support;
use lambda_url_emulator::{Emulator, NodeTrigger};
use std::path::{Path, PathBuf};

const GITHUB_SECRET: &str = "It's a Secret to Everybody";

/// A directory with a copy of the edge handler and a `config.json` that verifies GitHub
/// senders under `/github/`.
fn handler_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("edge/index.mjs");
    std::fs::copy(source, dir.path().join("index.mjs")).unwrap();
    let config = serde_json::json!({"routes": [
        {"path_prefix": "/github/", "verify": {"scheme": "github", "secret": GITHUB_SECRET}}
    ]});
    std::fs::write(dir.path().join("config.json"), config.to_string()).unwrap();
    dir
}

async fn emulator_with_edge(handler: PathBuf) -> (Emulator, support::Events) {
    let trigger = NodeTrigger::start(&handler)
        .await
        .expect("node runs the edge handler (CI installs nodejs)");
    let (function, events) = support::recording_handler();
    let emulator =
        support::emulator(|builder| builder.origin_request_trigger(trigger).handler(function))
            .await;
    (emulator, events)
}

#[tokio::test]
async fn a_webhook_with_a_binary_body_reaches_the_function_byte_for_byte() {
    let dir = handler_dir();
    let (emulator, events) = emulator_with_edge(dir.path().join("index.mjs")).await;
    let body: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    let response = reqwest::Client::new()
        .post(format!(
            "{}hooks/upload?x=1",
            emulator.cloudfront_url().unwrap()
        ))
        .header("content-type", "application/octet-stream")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let events = events.lock().unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].body, body);
    assert!(events[0].is_base64_encoded);
    assert_eq!(
        events[0].to_json()["rawQueryString"],
        serde_json::json!("x=1")
    );
}

#[tokio::test]
async fn a_forged_github_signature_gets_401_from_the_edge_and_the_function_is_not_invoked() {
    let dir = handler_dir();
    let (emulator, events) = emulator_with_edge(dir.path().join("index.mjs")).await;
    let url = format!("{}github/push", emulator.cloudfront_url().unwrap());
    let client = reqwest::Client::new();
    let forged = client
        .post(&url)
        .header("content-type", "application/json")
        .header("x-hub-signature-256", format!("sha256={}", "0".repeat(64)))
        .body("Hello, World!")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);
    let text = forged.text().await.unwrap();
    assert!(!text.contains(GITHUB_SECRET), "{text}");
    assert!(events.lock().unwrap().is_empty());
    // GitHub's published example signs.
    let genuine = client
        .post(&url)
        .header("content-type", "application/json")
        .header(
            "x-hub-signature-256",
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
        )
        .body("Hello, World!")
        .send()
        .await
        .unwrap();
    assert_eq!(genuine.status(), 200);
    assert_eq!(events.lock().unwrap()[0].body, b"Hello, World!");
}

#[tokio::test]
async fn a_body_past_one_megabyte_gets_413_from_the_edge() {
    let dir = handler_dir();
    let (emulator, events) = emulator_with_edge(dir.path().join("index.mjs")).await;
    let response = reqwest::Client::new()
        .post(format!("{}hooks/big", emulator.cloudfront_url().unwrap()))
        .header("content-type", "application/json")
        .body(vec![b' '; 1_200_000])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    assert!(events.lock().unwrap().is_empty());
}

#[tokio::test]
async fn without_node_or_with_a_broken_handler_the_trigger_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.mjs");
    std::fs::write(&broken, "throw new Error('config is malformed');\n").unwrap();
    let error = NodeTrigger::start(&broken).await.unwrap_err();
    assert!(error.to_string().contains("config is malformed"), "{error}");
}
