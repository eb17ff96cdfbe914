//! Requests straight to the function URL: recorded raw, auth type `NONE` invoking everything,
//! and every botocore vector replayed over the wire invoking the function.

use lambda_url_emulator::{AuthType, Emulator, RejectionKind};

use super::*;

#[tokio::test]
async fn unsigned_direct_get_is_forbidden_and_recorded_raw() {
    let emulator = base().start().await.expect("starts");
    let raw_target = "/a//b/../c%20d*e?x=1+2&&y&z=%2b";
    let reply = send(
        emulator.function_addr(),
        "GET",
        raw_target,
        &[
            h("Host", emulator.function_host()),
            h("X-Custom", "  spaced  "),
        ],
        b"",
    )
    .await;
    assert_error(&reply, 403, "AccessDeniedException", FORBIDDEN);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    let received = emulator.received();
    assert_eq!(received.len(), 1);
    let r = &received[0];
    assert_eq!(r.method, "GET");
    assert_eq!(
        r.target, raw_target,
        "the raw request target, not re-encoded"
    );
    assert_eq!(r.header_str("host"), Some(emulator.function_host()));
    assert_eq!(r.header_str("x-custom"), Some("spaced"));
    let names: Vec<&str> = r.headers.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["host", "x-custom", "content-length", "connection"]);
    assert_eq!(r.outcome.status, 403);
    assert_eq!(
        r.outcome.error_type.as_deref(),
        Some("AccessDeniedException")
    );
    assert_eq!(
        r.outcome.rejection,
        Some(RejectionKind::MissingAuthentication)
    );
    assert_eq!(r.outcome.caller_arn, None);
    assert_eq!(
        Some(r.request_id.as_str()),
        reply.header("x-amzn-RequestId")
    );
    assert!(!r.via_cloudfront);
    emulator.clear_received();
    assert!(emulator.received().is_empty());
}

#[tokio::test]
async fn auth_type_none_invokes_everything_with_the_echo_handler() {
    let emulator = Emulator::builder()
        .region(REGION)
        .auth_type(AuthType::None)
        .start()
        .await
        .expect("starts");
    let host = h("host", emulator.function_host());
    let body = br#"{"hello":"world"}"#;
    let reply = send(
        emulator.function_addr(),
        "POST",
        "/items/1?q=a%20b",
        &[host.clone(), h("content-type", "application/json")],
        body,
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert!(reply.header("x-amzn-RequestId").is_some());
    assert_eq!(reply.header("x-amzn-ErrorType"), None);
    assert_eq!(
        reply.json(),
        serde_json::json!({
            "method": "POST",
            "rawPath": "/items/1",
            "rawQueryString": "q=a%20b",
            "bodySha256": sha256_hex(body),
            "callerArn": null,
        })
    );
    // Even a garbage signature is ignored.
    let reply = send(
        emulator.function_addr(),
        "GET",
        "/",
        &[host, h("authorization", "junk")],
        b"",
    )
    .await;
    assert_eq!(reply.status, 200);
}

#[tokio::test]
async fn every_vector_replayed_over_the_wire_invokes_the_function() {
    let all: Vec<Value> = cases("cases")
        .into_iter()
        .chain(cases("presigned"))
        .collect();
    for case in &all {
        let emulator = emulator_for(case, 0).await;
        let target = target(case);
        let body = body(case);
        let reply = send(
            emulator.function_addr(),
            s(case, "method"),
            &target,
            &wire_headers(case),
            &body,
        )
        .await;
        assert_eq!(reply.status, 200, "{}: {}", name(case), reply.text());
        let received = emulator.received();
        assert_eq!(received.len(), 1);
        assert_eq!(received[0].target, target, "{}", name(case));
        assert_eq!(received[0].body, body);
        assert_eq!(
            received[0].outcome.caller_arn.as_deref(),
            Some("arn:aws:iam::123456789012:user/vector")
        );
        if s(case, "method") != "HEAD" {
            let echo = reply.json();
            assert_eq!(echo["method"], s(case, "method"));
            assert_eq!(
                echo["bodySha256"],
                s(case, "payload_hash"),
                "{}",
                name(case)
            );
            assert_eq!(echo["callerArn"], "arn:aws:iam::123456789012:user/vector");
            let (path, query) = target.split_once('?').unwrap_or((&target, ""));
            assert_eq!(echo["rawPath"], path);
            assert_eq!(echo["rawQueryString"], query);
        }
        emulator.shutdown().await;
    }
}
