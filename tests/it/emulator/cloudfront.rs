//! CloudFront with origin access control in front of the function URL: how each signing
//! behaviour treats viewer requests, what the policy must allow, and CloudFront's own refusal
//! of a `GET` or `HEAD` with a body.

use lambda_url_emulator::{CloudFrontConfig, Emulator, OacSigning, RejectionKind, ResourcePolicy};

use super::*;

fn signed_headers_of(r: &lambda_url_emulator::ReceivedRequest) -> String {
    let auth = r.header_str("authorization").expect("signed");
    auth.split("SignedHeaders=")
        .nth(1)
        .and_then(|rest| rest.split(',').next())
        .expect("SignedHeaders")
        .to_owned()
}

#[tokio::test]
async fn cloudfront_signs_unsigned_viewer_gets() {
    let emulator = with_cloudfront(OacSigning::Always).await;
    let reply = send(
        cloudfront_addr(&emulator),
        "GET",
        "/api/items?page=2",
        &[
            h("Host", "d111111abcdef8.cloudfront.net"),
            h("user-agent", "viewer"),
        ],
        b"",
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.json()["callerArn"], OAC_ARN);
    assert!(reply
        .header("via")
        .is_some_and(|v| v.ends_with(".cloudfront.net (CloudFront)")));
    assert_eq!(reply.header("x-cache"), Some("Miss from cloudfront"));

    let r = last(&emulator);
    assert!(r.via_cloudfront);
    assert_eq!(r.target, "/api/items?page=2");
    assert_eq!(
        r.header_str("host"),
        Some(emulator.function_host()),
        "Host rewritten to the origin"
    );
    assert_eq!(r.header_str("x-amz-source-arn"), Some(DISTRIBUTION));
    assert_eq!(r.header_str("x-amz-source-account"), Some(ACCOUNT));
    assert_eq!(r.header_str("x-forwarded-for"), Some("127.0.0.1"));
    assert_eq!(r.header_str("user-agent"), Some("viewer"));
    let via = r.header_str("via").expect("via");
    assert!(
        via.starts_with("1.1 ") && via.ends_with(".cloudfront.net (CloudFront)"),
        "{via}"
    );
    assert!(r.header_str("x-amz-cf-id").is_some_and(|id| id.len() == 56));
    assert!(r.header_str("x-amz-date").is_some_and(|d| d.len() == 16));
    assert!(r
        .header_str("x-amz-security-token")
        .is_some_and(|t| !t.is_empty()));
    assert_eq!(
        r.header("x-amz-content-sha256"),
        None,
        "CloudFront never hashes the body"
    );
    let auth = r.header_str("authorization").expect("signed by CloudFront");
    assert!(
        auth.starts_with("AWS4-HMAC-SHA256 Credential=ASIA"),
        "{auth}"
    );
    assert!(auth.contains(&format!("/{REGION}/lambda/aws4_request")));
    assert_eq!(
        signed_headers_of(&r),
        "host;x-amz-date;x-amz-security-token;x-amz-source-account;x-amz-source-arn"
    );
    assert_eq!(r.outcome.caller_arn.as_deref(), Some(OAC_ARN));
}

#[tokio::test]
async fn cloudfront_post_needs_the_viewer_payload_hash() {
    let emulator = with_cloudfront(OacSigning::Always).await;
    let addr = cloudfront_addr(&emulator);
    let body = b"{\n    \"test\": \"message\"\n}";
    let hash = sha256_hex(body);
    assert_eq!(
        hash,
        "7acb899e28935d98d2a01e27212b5f130ca860f5899c1caabf18ec0988e5df62"
    );
    let json = h("content-type", "application/json");

    // Without x-amz-content-sha256, CloudFront signs the empty-body hash.
    let reply = send(
        addr,
        "POST",
        "/",
        &[h("host", "cdn.example.com"), json.clone()],
        body,
    )
    .await;
    assert_error(&reply, 403, "InvalidSignatureException", MISMATCH);
    assert_eq!(reply.header("x-cache"), Some("Error from cloudfront"));
    let r = last(&emulator);
    assert_eq!(r.body, body);
    assert_eq!(r.outcome.rejection, Some(RejectionKind::SignatureMismatch));

    // With the right hash: accepted, and the hash is signed.
    let reply = send(
        addr,
        "POST",
        "/",
        &[
            h("host", "cdn.example.com"),
            json.clone(),
            h("x-amz-content-sha256", &hash),
        ],
        body,
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.json()["bodySha256"], hash);
    let r = last(&emulator);
    assert_eq!(
        signed_headers_of(&r),
        "host;x-amz-content-sha256;x-amz-date;x-amz-security-token;x-amz-source-account;x-amz-source-arn"
    );

    // A wrong hash, or UNSIGNED-PAYLOAD: refused.
    for claimed in [EMPTY_SHA256, "UNSIGNED-PAYLOAD"] {
        let reply = send(
            addr,
            "POST",
            "/",
            &[
                h("host", "cdn.example.com"),
                json.clone(),
                h("x-amz-content-sha256", claimed),
            ],
            body,
        )
        .await;
        assert_error(&reply, 403, "InvalidSignatureException", MISMATCH);
    }

    // Always replaces a viewer Authorization.
    let reply = send(
        addr,
        "POST",
        "/",
        &[
            h("host", "cdn.example.com"),
            json,
            h("x-amz-content-sha256", &hash),
            h("authorization", "Bearer viewer-token"),
        ],
        body,
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert!(last(&emulator)
        .header_str("authorization")
        .is_some_and(|a| a.starts_with("AWS4-HMAC-SHA256")));
}

#[tokio::test]
async fn cloudfront_distribution_the_policy_does_not_name_is_denied() {
    let emulator = base()
        .cloudfront(CloudFrontConfig::new(OTHER_DISTRIBUTION))
        .start()
        .await
        .expect("starts");
    let reply = send(
        cloudfront_addr(&emulator),
        "GET",
        "/",
        &[h("host", "cdn")],
        b"",
    )
    .await;
    assert_error(&reply, 403, "AccessDeniedException", FORBIDDEN);
    let r = last(&emulator);
    assert_eq!(r.header_str("x-amz-source-arn"), Some(OTHER_DISTRIBUTION));
    assert_eq!(r.outcome.rejection, Some(RejectionKind::AccessDenied));
    // With no resource policy at all, the same.
    let bare = Emulator::builder()
        .region(REGION)
        .cloudfront(CloudFrontConfig::new(DISTRIBUTION))
        .start()
        .await
        .expect("starts");
    let reply = send(cloudfront_addr(&bare), "GET", "/", &[h("host", "cdn")], b"").await;
    assert_error(&reply, 403, "AccessDeniedException", FORBIDDEN);
}

#[tokio::test]
async fn cloudfront_needs_the_invoke_function_statement_since_october_2025() {
    let statements: Value = serde_json::from_str(
        &cloudfront_permissions(FUNCTION_ARN, DISTRIBUTION)
            .expect("arns")
            .statements_json(),
    )
    .expect("json");
    let only_url =
        serde_json::json!({"Version": "2012-10-17", "Statement": [statements[0].clone()]})
            .to_string();
    let policy = || ResourcePolicy::from_json(&only_url).expect("policy");
    let strict = Emulator::builder()
        .region(REGION)
        .function_arn(FUNCTION_ARN)
        .resource_policy(policy())
        .cloudfront(CloudFrontConfig::new(DISTRIBUTION))
        .start()
        .await
        .expect("starts");
    let reply = send(
        cloudfront_addr(&strict),
        "GET",
        "/",
        &[h("host", "cdn")],
        b"",
    )
    .await;
    assert_error(&reply, 403, "AccessDeniedException", FORBIDDEN);

    let legacy = Emulator::builder()
        .region(REGION)
        .function_arn(FUNCTION_ARN)
        .resource_policy(policy())
        .require_invoke_function(false)
        .cloudfront(CloudFrontConfig::new(DISTRIBUTION))
        .start()
        .await
        .expect("starts");
    let reply = send(
        cloudfront_addr(&legacy),
        "GET",
        "/",
        &[h("host", "cdn")],
        b"",
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
}

#[tokio::test]
async fn cloudfront_never_forwards_as_is() {
    let emulator = with_cloudfront(OacSigning::Never).await;
    let reply = send(
        cloudfront_addr(&emulator),
        "GET",
        "/n?x=1",
        &[h("host", "cdn"), h("x-forwarded-for", "203.0.113.7")],
        b"",
    )
    .await;
    assert_error(&reply, 403, "AccessDeniedException", FORBIDDEN);
    let r = last(&emulator);
    assert_eq!(r.header("authorization"), None);
    assert_eq!(r.header("x-amz-source-arn"), None);
    assert_eq!(r.header("x-amz-date"), None);
    assert_eq!(r.header_str("host"), Some(emulator.function_host()));
    assert_eq!(
        r.header_str("x-forwarded-for"),
        Some("203.0.113.7, 127.0.0.1")
    );
    assert_eq!(
        r.outcome.rejection,
        Some(RejectionKind::MissingAuthentication)
    );
}

#[tokio::test]
async fn cloudfront_no_override_signs_only_unsigned_requests() {
    let emulator = with_cloudfront(OacSigning::NoOverride).await;
    let addr = cloudfront_addr(&emulator);
    // Unsigned: CloudFront signs.
    let reply = send(addr, "GET", "/", &[h("host", "cdn")], b"").await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.json()["callerArn"], OAC_ARN);

    // Signed by the viewer for the origin host: passes through unchanged.
    let amz_date = format_amz(now_secs());
    let body = b"hello";
    let hash = sha256_hex(body);
    let mut headers = vec![
        h("host", emulator.function_host()),
        h("x-amz-content-sha256", &hash),
        h("x-amz-date", &amz_date),
    ];
    let auth = test_sign(
        "POST",
        "/viewer?a=1",
        &headers,
        &["host", "x-amz-content-sha256", "x-amz-date"],
        &hash,
        ALICE_KEY,
        ALICE_SECRET,
        REGION,
        "lambda",
        &amz_date,
    );
    headers.push(h("authorization", &auth));
    // The direct call works...
    let direct = send(
        emulator.function_addr(),
        "POST",
        "/viewer?a=1",
        &headers,
        body,
    )
    .await;
    assert_eq!(direct.status, 200, "{}", direct.text());
    // ...and so does the same request through CloudFront.
    let reply = send(addr, "POST", "/viewer?a=1", &headers, body).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.json()["callerArn"], ALICE_ARN);
    let r = last(&emulator);
    assert!(r.via_cloudfront);
    assert_eq!(
        r.header_str("authorization"),
        Some(auth.as_str()),
        "the viewer's signature, untouched"
    );
    assert_eq!(r.header_str("x-amz-date"), Some(amz_date.as_str()));
    assert_eq!(
        r.header_str("x-amz-source-arn"),
        Some(DISTRIBUTION),
        "added, not signed"
    );
    assert_eq!(r.header("x-amz-security-token"), None);
    assert_eq!(
        signed_headers_of(&r),
        "host;x-amz-content-sha256;x-amz-date"
    );
    assert_eq!(r.outcome.caller_arn.as_deref(), Some(ALICE_ARN));

    // A viewer signature for another host fails at the origin.
    let mut wrong_host = vec![h("host", "cdn.example.com"), h("x-amz-date", &amz_date)];
    let auth = test_sign(
        "GET",
        "/",
        &wrong_host,
        &["host", "x-amz-date"],
        EMPTY_SHA256,
        ALICE_KEY,
        ALICE_SECRET,
        REGION,
        "lambda",
        &amz_date,
    );
    wrong_host.push(h("authorization", &auth));
    let reply = send(addr, "GET", "/", &wrong_host, b"").await;
    assert_error(&reply, 403, "InvalidSignatureException", MISMATCH);
}

#[tokio::test]
async fn spoofed_source_headers_do_not_make_a_caller_cloudfront() {
    // alice adds x-amz-source-arn herself; she stays alice (an IAM caller),
    // and CloudFront replaces viewer-sent source headers.
    let emulator = with_cloudfront(OacSigning::Always).await;
    let reply = send(
        cloudfront_addr(&emulator),
        "GET",
        "/",
        &[
            h("host", "cdn"),
            h("x-amz-source-arn", OTHER_DISTRIBUTION),
            h("x-amz-source-account", "999999999999"),
        ],
        b"",
    )
    .await;
    assert_eq!(reply.status, 200);
    let r = last(&emulator);
    assert_eq!(
        r.header_values("x-amz-source-arn"),
        vec![DISTRIBUTION.as_bytes()]
    );
    assert_eq!(
        r.header_values("x-amz-source-account"),
        vec![ACCOUNT.as_bytes()]
    );
}

/// Checks CloudFront's own 403: its HTML page and headers, no Lambda headers.
fn assert_cloudfront_refusal(reply: &Reply, method: &str) {
    assert_eq!(reply.status, 403, "{method}: {}", reply.text());
    assert_eq!(reply.header("x-cache"), Some("Error from cloudfront"));
    assert_eq!(reply.header("content-type"), Some("text/html"));
    assert!(reply
        .header("via")
        .is_some_and(|v| v.ends_with(".cloudfront.net (CloudFront)")));
    assert!(reply.header("x-amz-cf-id").is_some());
    assert_eq!(reply.header("x-amzn-ErrorType"), None);
    assert_eq!(reply.header("x-amzn-RequestId"), None);
    if method == "HEAD" {
        assert!(reply.body.is_empty());
    } else {
        let page = reply.text();
        assert!(page.contains("<H1>403 ERROR</H1>"), "{page}");
        assert!(
            page.contains("The request could not be satisfied."),
            "{page}"
        );
    }
}

#[tokio::test]
async fn cloudfront_refuses_get_and_head_with_a_body() {
    for signing in [
        OacSigning::Always,
        OacSigning::Never,
        OacSigning::NoOverride,
    ] {
        let emulator = with_cloudfront(signing).await;
        let addr = cloudfront_addr(&emulator);
        let cdn = [h("host", "cdn")];
        for method in ["GET", "HEAD"] {
            let reply = send(addr, method, "/", &cdn, b"{}").await;
            assert_cloudfront_refusal(&reply, method);
            for chunks in ["2\r\n{}\r\n0\r\n\r\n", "0\r\n\r\n"] {
                let request = format!(
                    "{method} / HTTP/1.1\r\nhost: cdn\r\ntransfer-encoding: chunked\r\n\
                     connection: close\r\n\r\n{chunks}"
                );
                assert_cloudfront_refusal(&send_bytes(addr, request.as_bytes()).await, method);
            }
        }
        assert!(
            emulator.received().is_empty(),
            "{signing:?}: nothing reached the function URL"
        );
        // `Content-Length: 0` is no body, and other methods may carry one: both are forwarded.
        send(addr, "GET", "/", &cdn, b"").await;
        let hash = sha256_hex(b"{}");
        let hashed = [h("host", "cdn"), h("x-amz-content-sha256", &hash)];
        send(addr, "DELETE", "/", &hashed, b"{}").await;
        assert_eq!(emulator.received().len(), 2, "{signing:?}");
    }
}
