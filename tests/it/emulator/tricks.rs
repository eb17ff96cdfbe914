//! Requests that try to make the emulator judge one thing and deliver another (issue 20,
//! item 6): an absolute-form authority that differs from `Host`, a presigned URL that repeats
//! its parameters, and a path whose dot segments the signature does not cover.

use std::sync::{Arc, Mutex};

use lambda_url_emulator::{HandlerResponse, RejectionKind};

use super::*;

/// Alice's signature for `method` on the canonical `path` with `host` as given; the headers to
/// send (`host`, `x-amz-date`, `authorization`).
fn alice_signed(method: &str, path: &str, host: &str) -> Vec<(String, Vec<u8>)> {
    let amz_date = format_amz(now_secs());
    let mut headers = vec![h("host", host), h("x-amz-date", &amz_date)];
    let auth = test_sign(
        method,
        path,
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

/// The raw bytes of `GET <target>` with `headers` and `connection: close`.
fn raw_get(target: &str, headers: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut out = format!("GET {target} HTTP/1.1\r\n").into_bytes();
    for (name, value) in headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"connection: close\r\n\r\n");
    out
}

/// An emulator that keeps every event its function sees.
async fn recording() -> (Emulator, Arc<Mutex<Vec<Value>>>) {
    let events: Arc<Mutex<Vec<Value>>> = Arc::default();
    let sink = Arc::clone(&events);
    let emulator = base()
        .handler(move |event| {
            sink.lock().expect("lock").push(event.to_json());
            HandlerResponse::text(200, "ok")
        })
        .start()
        .await
        .expect("starts");
    (emulator, events)
}

#[tokio::test]
async fn an_absolute_form_authority_is_the_host_for_the_check_and_the_signature_alike() {
    let (emulator, events) = recording().await;
    let addr = emulator.function_addr();
    let function_host = emulator.function_host().to_owned();
    let absolute = format!("http://{function_host}/");

    // Signed for the Host line, which RFC 9112 says the server ignores: the signature does not
    // cover the host the request is for.
    let for_other = alice_signed("GET", "/", "other.example");
    let reply = send_bytes(addr, &raw_get(&absolute, &for_other)).await;
    assert_error(&reply, 403, "InvalidSignatureException", MISMATCH);
    assert_eq!(
        last(&emulator).outcome.rejection,
        Some(RejectionKind::SignatureMismatch)
    );
    assert!(events.lock().expect("lock").is_empty());

    // Signed for the authority, with another Host line: accepted, and the function sees the
    // authority as the host.
    let mut for_authority = alice_signed("GET", "/", &function_host);
    for_authority[0] = h("host", "other.example");
    let reply = send_bytes(addr, &raw_get(&absolute, &for_authority)).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let event = events.lock().expect("lock").pop().expect("invoked");
    assert_eq!(event["headers"]["host"], function_host.as_str());
    assert_eq!(
        event["requestContext"]["domainName"],
        function_host.as_str()
    );
    // The record keeps the Host line as received.
    let r = last(&emulator);
    assert_eq!(r.outcome.caller_arn.as_deref(), Some(ALICE_ARN));
    assert_eq!(r.header_str("host"), Some("other.example"));

    // The same request in origin form is for other.example: no such function URL.
    let reply = send(addr, "GET", "/", &for_authority, b"").await;
    assert_error(&reply, 403, "AccessDeniedException", r#"{"Message":null}"#);
    // Absolute form still needs exactly one Host line (RFC 9112 §3.2).
    let without_host: Vec<_> = for_authority[1..].to_vec();
    let reply = send_bytes(addr, &raw_get(&absolute, &without_host)).await;
    assert_error(&reply, 403, "AccessDeniedException", r#"{"Message":null}"#);
    let mut two_hosts = for_authority.clone();
    two_hosts.push(h("host", &function_host));
    let reply = send_bytes(addr, &raw_get(&absolute, &two_hosts)).await;
    assert_error(&reply, 403, "AccessDeniedException", r#"{"Message":null}"#);
    assert!(events.lock().expect("lock").is_empty());
}

#[test]
fn a_presigned_url_that_repeats_a_parameter_is_refused() {
    let case = cases("presigned")
        .into_iter()
        .find(|c| name(c) == "presign-get-session-token")
        .expect("presign-get-session-token");
    let verifier = verifier_for(&case);
    let headers = wire_headers(&case);
    let now = at(amz_secs(s(&case, "time")));
    let target = target(&case);
    assert!(verify(&verifier, "GET", &target, &headers, b"", now).is_ok());
    let (path, query) = target.split_once('?').expect("query");
    let params: Vec<&str> = query.split('&').collect();
    let mut tried = 0;
    for name in [
        "X-Amz-Algorithm",
        "X-Amz-Credential",
        "X-Amz-Date",
        "X-Amz-Expires",
        "X-Amz-SignedHeaders",
        "X-Amz-Signature",
        "X-Amz-Security-Token",
    ] {
        let own = params
            .iter()
            .find(|p| p.starts_with(&format!("{name}=")))
            .unwrap_or_else(|| panic!("{name} in {target}"));
        // Another value after the valid one, before it, or the same value twice.
        for extra in [format!("{name}=junk"), (*own).to_owned()] {
            for repeated in [
                format!("{path}?{query}&{extra}"),
                format!("{path}?{extra}&{query}"),
            ] {
                let err =
                    verify(&verifier, "GET", &repeated, &headers, b"", now).expect_err(&repeated);
                assert_eq!(err.kind(), RejectionKind::IncompleteSignature, "{repeated}");
                assert_eq!(err.status(), 403);
                assert_eq!(
                    err.body_json(),
                    format!(
                        r#"{{"message":"The query parameter '{name}' must be given only once."}}"#
                    )
                );
                tried += 1;
            }
        }
    }
    assert_eq!(tried, 28);
    // A lowercase look-alike is an ordinary parameter, covered by the signature.
    let lookalike = format!("{target}&x-amz-signature=junk");
    let err = verify(&verifier, "GET", &lookalike, &headers, b"", now).expect_err("lookalike");
    assert_eq!(err.kind(), RejectionKind::SignatureMismatch);
}

#[tokio::test]
async fn a_second_x_amz_signature_on_the_wire_gets_403_and_no_invocation() {
    let case = cases("presigned")
        .into_iter()
        .find(|c| name(c) == "presign-get-root")
        .expect("presign-get-root");
    let invoked = Arc::new(Mutex::new(0usize));
    let counter = Arc::clone(&invoked);
    let region = s(&case, "region");
    let emulator = Emulator::builder()
        .region(region)
        .service(s(&case, "service"))
        .identity(identity_of(&case, s(&case, "secret_key")))
        .function_host(s(&case, "host"))
        .clock_offset_secs(amz_secs(s(&case, "time")) - now_secs())
        .handler(move |_| {
            *counter.lock().expect("lock") += 1;
            HandlerResponse::text(200, "ok")
        })
        .start()
        .await
        .expect("starts");
    let target = target(&case);
    let headers = wire_headers(&case);
    let reply = send(emulator.function_addr(), "GET", &target, &headers, b"").await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let reply = send(
        emulator.function_addr(),
        "GET",
        &format!("{target}&X-Amz-Signature=junk"),
        &headers,
        b"",
    )
    .await;
    assert_error(
        &reply,
        403,
        "IncompleteSignatureException",
        r#"{"message":"The query parameter 'X-Amz-Signature' must be given only once."}"#,
    );
    assert_eq!(*invoked.lock().expect("lock"), 1, "only the first invoked");
}

#[tokio::test]
async fn the_function_sees_the_path_the_signature_covered() {
    let (emulator, events) = recording().await;
    let addr = emulator.function_addr();
    let host = emulator.function_host().to_owned();
    // Each wire path is signed as its canonical URI; the function sees that path.
    for (wire, signed) in [
        ("/a/../b", "/b"),
        ("/x/./y/../../admin", "/admin"),
        ("/..//secret/", "/secret/"),
        ("/a%2Fb/../c", "/c"),
        ("/keep/%2e%2e/x", "/keep/%252e%252e/x"),
    ] {
        let headers = alice_signed("GET", signed, &host);
        let reply = send(addr, "GET", wire, &headers, b"").await;
        assert_eq!(reply.status, 200, "{wire}: {}", reply.text());
        let event = events.lock().expect("lock").pop().expect("invoked");
        let seen = signed.replace("%25", "%");
        assert_eq!(event["rawPath"], seen.as_str(), "{wire}");
        // The record keeps the request line as sent.
        assert_eq!(last(&emulator).target, wire);
    }
    // Signed as the path was sent, dot segments and all: no signature covers that path.
    let headers = alice_signed("GET", "/a/../b", &host);
    let reply = send(addr, "GET", "/a/../b", &headers, b"").await;
    assert_error(&reply, 403, "InvalidSignatureException", MISMATCH);
    assert!(events.lock().expect("lock").is_empty());
}
