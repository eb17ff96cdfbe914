//! The function URL answers only for its own host: any other `Host` (or absolute-form
//! authority), none or two get the answer for an unknown url-id, before any other check.

use std::sync::{Arc, Mutex};

use lambda_url_emulator::{
    AuthType, CloudFrontConfig, Emulator, EmulatorError, HandlerResponse, RejectionKind,
};

use super::*;

const UNKNOWN_URL: &str = r#"{"Message":null}"#;

/// Alice's signature for `GET /` with `host` as given.
fn alice_get(host: &str) -> Vec<(String, Vec<u8>)> {
    let amz_date = format_amz(now_secs());
    let mut headers = vec![h("host", host), h("x-amz-date", &amz_date)];
    let auth = test_sign(
        "GET",
        "/",
        &headers,
        &["host", "x-amz-date"],
        EMPTY_SHA256,
        ALICE_KEY,
        ALICE_SECRET,
        REGION,
        "lambda",
        &amz_date,
    );
    headers.push(h("authorization", &auth));
    headers
}

#[tokio::test]
async fn the_function_url_answers_only_for_its_own_host() {
    let invocations = Arc::new(Mutex::new(0usize));
    let counter = Arc::clone(&invocations);
    let emulator = base()
        .cloudfront(CloudFrontConfig::new(DISTRIBUTION))
        .handler(move |_| {
            *counter.lock().expect("lock") += 1;
            HandlerResponse::text(200, "ok")
        })
        .start()
        .await
        .expect("starts");
    let addr = emulator.function_addr();
    let invoked = || *invocations.lock().expect("lock");

    // A valid signature, but for a host that is not this function URL.
    let reply = send(addr, "GET", "/", &alice_get("other.example"), b"").await;
    assert_error(&reply, 403, "AccessDeniedException", UNKNOWN_URL);
    let r = last(&emulator);
    assert_eq!(r.outcome.rejection, Some(RejectionKind::UnknownFunctionUrl));
    assert_eq!(r.outcome.caller_arn, None);
    assert_eq!(invoked(), 0, "the handler is not invoked");

    // The same signature for the function host is accepted.
    let reply = send(addr, "GET", "/", &alice_get(emulator.function_host()), b"").await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(invoked(), 1);

    // Absolute form: the authority wins over `Host`.
    let own = h("host", emulator.function_host());
    let request = format!(
        "GET http://other.example/ HTTP/1.1\r\nhost: {}\r\nconnection: close\r\n\r\n",
        emulator.function_host()
    );
    let reply = send_bytes(addr, request.as_bytes()).await;
    assert_error(&reply, 403, "AccessDeniedException", UNKNOWN_URL);
    // No `Host`, or two.
    let reply = send_bytes(addr, b"GET / HTTP/1.1\r\nconnection: close\r\n\r\n").await;
    assert_error(&reply, 403, "AccessDeniedException", UNKNOWN_URL);
    let reply = send(addr, "GET", "/", &[own.clone(), own.clone()], b"").await;
    assert_error(&reply, 403, "AccessDeniedException", UNKNOWN_URL);
    // The host check comes first: an unsigned request for the right host is a plain 403.
    let reply = send(addr, "GET", "/", &[own], b"").await;
    assert_error(&reply, 403, "AccessDeniedException", FORBIDDEN);
    assert_eq!(invoked(), 1);

    // CloudFront rewrites `Host` to the function host, whatever the viewer named.
    let reply = send(
        cloudfront_addr(&emulator),
        "GET",
        "/",
        &[h("host", "cdn.example.com")],
        b"",
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(invoked(), 2);
}

#[tokio::test]
async fn a_configured_function_host_matches_case_insensitively_and_is_validated() {
    let host = "abcdefghijklmnopqrstuvwxyz234567.lambda-url.eu-central-1.on.aws";
    let emulator = Emulator::builder()
        .region(REGION)
        .auth_type(AuthType::None)
        .function_host(host)
        .start()
        .await
        .expect("starts");
    assert_eq!(emulator.function_host(), host);
    let addr = emulator.function_addr();
    let upper = host.to_ascii_uppercase();
    assert_eq!(
        send(addr, "GET", "/", &[h("host", &upper)], b"")
            .await
            .status,
        200
    );
    // Even with auth type NONE, the loopback address is another host now.
    let loopback = addr.to_string();
    let reply = send(addr, "GET", "/", &[h("host", &loopback)], b"").await;
    assert_error(&reply, 403, "AccessDeniedException", UNKNOWN_URL);

    for bad in ["", "host with space", "a/b", "user@host"] {
        let err = Emulator::builder()
            .region(REGION)
            .function_host(bad)
            .start()
            .await
            .expect_err(bad);
        assert!(matches!(err, EmulatorError::InvalidHost { ref host } if host == bad));
    }
}
