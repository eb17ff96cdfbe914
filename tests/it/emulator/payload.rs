//! The request body: the payload limit (binary bodies counted at their base64 size) and binary
//! bodies reaching the function base64-encoded.

use std::sync::{Arc, Mutex};

use base64::Engine as _;
use lambda_url_emulator::{AuthType, Emulator, HandlerResponse, RejectionKind};

use super::*;

#[tokio::test]
async fn bodies_over_the_limit_get_413_counting_base64_growth() {
    let emulator = Emulator::builder()
        .region(REGION)
        .auth_type(AuthType::None)
        .max_payload_bytes(100)
        .start()
        .await
        .expect("starts");
    let addr = emulator.function_addr();
    let host = h("host", emulator.function_host());
    let too_large =
        r#"{"message":"Request must be smaller than 100 bytes for the InvokeFunction operation"}"#;
    let text = |n: usize| vec![b'a'; n];
    let reply = send(
        addr,
        "POST",
        "/",
        &[host.clone(), h("content-type", "text/plain")],
        &text(100),
    )
    .await;
    assert_eq!(reply.status, 200);
    let reply = send(
        addr,
        "POST",
        "/",
        &[host.clone(), h("content-type", "text/plain")],
        &text(101),
    )
    .await;
    assert_error(&reply, 413, "RequestEntityTooLargeException", too_large);
    // Binary: 75 bytes are 100 in base64, 76 are 104.
    let octets = [host.clone(), h("content-type", "application/octet-stream")];
    assert_eq!(
        send(addr, "POST", "/", &octets, &[0u8; 75]).await.status,
        200
    );
    let reply = send(addr, "POST", "/", &octets, &[0u8; 76]).await;
    assert_error(&reply, 413, "RequestEntityTooLargeException", too_large);
    // No content type counts as binary.
    assert_eq!(
        send(addr, "POST", "/", std::slice::from_ref(&host), &[b'a'; 76])
            .await
            .status,
        413
    );
    // A large body is refused without trouble and recorded truncated.
    let reply = send(
        addr,
        "PUT",
        "/big",
        &[host.clone(), h("content-type", "text/plain")],
        &text(50_000),
    )
    .await;
    assert_eq!(reply.status, 413);
    let last = emulator.received().pop().expect("recorded");
    assert_eq!(last.outcome.rejection, Some(RejectionKind::PayloadTooLarge));
    assert_eq!(last.body.len(), 101);
    // The default limit is 6 MB.
    assert_eq!(lambda_url_emulator::DEFAULT_MAX_PAYLOAD_BYTES, 6_291_456);
}

/// What the handler saw: base64 flag, raw body, the 2.0 event.
type Handled = (bool, Vec<u8>, Value);

#[tokio::test]
async fn binary_bodies_reach_the_function_base64_encoded() {
    let seen: Arc<Mutex<Option<Handled>>> = Arc::default();
    let sink = Arc::clone(&seen);
    let emulator = Emulator::builder()
        .region(REGION)
        .auth_type(AuthType::None)
        .handler(move |event| {
            if let Ok(mut slot) = sink.lock() {
                *slot = Some((event.is_base64_encoded, event.body.clone(), event.to_json()));
            }
            HandlerResponse::new(204)
        })
        .start()
        .await
        .expect("starts");
    let bytes: Vec<u8> = (0..=255u8).collect();
    let reply = send(
        emulator.function_addr(),
        "PUT",
        "/blob",
        &[
            h("host", emulator.function_host()),
            h("content-type", "application/octet-stream"),
        ],
        &bytes,
    )
    .await;
    assert_eq!(reply.status, 204);
    let (encoded, raw, json) = seen.lock().expect("lock").take().expect("handled");
    assert!(encoded);
    assert_eq!(raw, bytes);
    assert_eq!(json["isBase64Encoded"], true);
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(json["body"].as_str().expect("body"))
        .expect("base64");
    assert_eq!(decoded, bytes);
    assert!(
        json["requestContext"].get("authorizer").is_none(),
        "no caller with auth type NONE"
    );
    assert_eq!(json["requestContext"]["accountId"], "anonymous");
}
