//! What Lambda answers when a request is refused: the exact messages for malformed
//! authentication, a stale or early clock and a wrong session token, and the same refusals over
//! the wire with AWS's status codes, `x-amzn-ErrorType` and bodies.

use std::time::Duration;

use lambda_url_emulator::{Emulator, EmulatorIdentity, RejectionKind, ResourcePolicy, Verifier};

use super::*;

#[test]
fn verifier_checks_form_and_clock_with_exact_messages() {
    let case = cases("cases")
        .into_iter()
        .find(|c| name(c) == "get-root")
        .expect("get-root case");
    let verifier = verifier_for(&case);
    let headers = wire_headers(&case);
    let time = amz_secs("20251124T120000Z");
    assert_eq!(amz_secs(s(&case, "time")), time);

    // Clock window: exactly 5 minutes is fine, one second more is not.
    assert!(verify(&verifier, "GET", "/", &headers, b"", at(time + 300)).is_ok());
    assert!(verify(&verifier, "GET", "/", &headers, b"", at(time - 300)).is_ok());
    let late = verify(&verifier, "GET", "/", &headers, b"", at(time + 600)).expect_err("expired");
    assert_eq!(late.kind(), RejectionKind::SignatureExpired);
    assert_eq!(late.error_type(), "InvalidSignatureException");
    assert_eq!(
        late.body_json(),
        r#"{"message":"Signature expired: 20251124T120000Z is now earlier than 20251124T120500Z (20251124T121000Z - 5 min.)"}"#
    );
    let early = verify(&verifier, "GET", "/", &headers, b"", at(time - 600)).expect_err("early");
    assert_eq!(early.kind(), RejectionKind::SignatureNotYetCurrent);
    assert_eq!(
        early.body_json(),
        r#"{"message":"Signature not yet current: 20251124T120000Z is still later than 20251124T115500Z (20251124T115000Z + 5 min.)"}"#
    );
    let narrow = verifier.clone().clock_window(Duration::from_secs(60));
    assert_eq!(
        verify(&narrow, "GET", "/", &headers, b"", at(time + 61))
            .expect_err("narrow")
            .kind(),
        RejectionKind::SignatureExpired
    );

    let now = at(time);
    let without = |name: &str| -> Vec<(String, Vec<u8>)> {
        headers.iter().filter(|(n, _)| n != name).cloned().collect()
    };
    let with_auth = |auth: &str| set_header(&headers, "authorization", auth.as_bytes().to_vec());

    // No authentication at all.
    let err =
        verify(&verifier, "GET", "/", &without("authorization"), b"", now).expect_err("unsigned");
    assert_eq!(err.kind(), RejectionKind::MissingAuthentication);
    assert_eq!(
        (err.status(), err.error_type()),
        (403, "AccessDeniedException")
    );
    assert_eq!(err.body_json(), FORBIDDEN);

    // No x-amz-date.
    let err = verify(&verifier, "GET", "/", &without("x-amz-date"), b"", now).expect_err("no date");
    assert_eq!(err.kind(), RejectionKind::IncompleteSignature);
    assert_eq!(err.error_type(), "IncompleteSignatureException");

    // host or x-amz-date not signed.
    let auth = s(&case, "authorization");
    for (from, to) in [
        ("SignedHeaders=host;", "SignedHeaders="),
        (";x-amz-date,", ","),
    ] {
        let err = verify(
            &verifier,
            "GET",
            "/",
            &with_auth(&auth.replace(from, to)),
            b"",
            now,
        )
        .expect_err("not signed");
        assert_eq!(err.kind(), RejectionKind::IncompleteSignature, "{from}");
        assert!(err.body_json().starts_with(r#"{"message":"#));
    }

    // Malformed Authorization values.
    for bad in [
        "AWS4-HMAC-SHA256",
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20251124/eu-central-1/lambda/aws4_request",
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20251124/eu-central-1/aws4_request, SignedHeaders=host;x-amz-date, Signature=00",
        "AWS4-ECDSA-P256-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20251124/lambda/aws4_request, SignedHeaders=host;x-amz-date, Signature=00",
        "Bearer abc",
        "",
    ] {
        let err = verify(&verifier, "GET", "/", &with_auth(bad), b"", now).expect_err(bad);
        assert_eq!(err.kind(), RejectionKind::IncompleteSignature, "{bad}");
    }
    // Non-UTF-8 Authorization bytes: refused, no panic.
    let binary = set_header(&headers, "authorization", vec![0xff, 0xfe, b' ', 0x80]);
    assert_eq!(
        verify(&verifier, "GET", "/", &binary, b"", now)
            .expect_err("binary")
            .kind(),
        RejectionKind::IncompleteSignature
    );
    // Two Authorization headers.
    let mut twice = headers.clone();
    twice.push(("Authorization".to_owned(), auth.as_bytes().to_vec()));
    assert_eq!(
        verify(&verifier, "GET", "/", &twice, b"", now)
            .expect_err("twice")
            .kind(),
        RejectionKind::IncompleteSignature
    );
    // A malformed date.
    let err = verify(
        &verifier,
        "GET",
        "/",
        &set_header(&headers, "x-amz-date", b"2025-11-24T12:00:00Z".to_vec()),
        b"",
        now,
    )
    .expect_err("bad date");
    assert_eq!(err.kind(), RejectionKind::IncompleteSignature);
    // A wrong terminator.
    let err = verify(
        &verifier,
        "GET",
        "/",
        &with_auth(&auth.replace("aws4_request", "aws5_request")),
        b"",
        now,
    )
    .expect_err("terminator");
    assert_eq!(err.kind(), RejectionKind::InvalidCredentialScope);
    // Region and service messages.
    let err = verify(
        &Verifier::new("us-east-1", "lambda"),
        "GET",
        "/",
        &headers,
        b"",
        now,
    )
    .expect_err("region");
    assert_eq!(
        err.body_json(),
        r#"{"message":"Credential should be scoped to a valid region."}"#
    );
    // UNSIGNED-PAYLOAD is an ordinary mismatch.
    let unsigned = set_header(
        &headers,
        "x-amz-content-sha256",
        b"UNSIGNED-PAYLOAD".to_vec(),
    );
    let err = verify(&verifier, "GET", "/", &unsigned, b"", now).expect_err("unsigned payload");
    assert_eq!(err.kind(), RejectionKind::SignatureMismatch);
    assert_eq!(err.body_json(), MISMATCH);
    // Unknown key.
    let err = verify(
        &Verifier::new(REGION, "lambda"),
        "GET",
        "/",
        &headers,
        b"",
        now,
    )
    .expect_err("unknown");
    assert_eq!(err.body_json(), INVALID_TOKEN);
    assert_eq!(err.error_type(), "UnrecognizedClientException");
}

#[test]
fn verifier_requires_the_matching_session_token() {
    let case = cases("cases")
        .into_iter()
        .find(|c| token(c).is_some() && s(c, "method") == "GET")
        .expect("a GET case with a session token");
    let headers = wire_headers(&case);
    let now = at(amz_secs(s(&case, "time")));
    let target = target(&case);
    let long_term = Verifier::new(s(&case, "region"), "lambda").identity(EmulatorIdentity::new(
        s(&case, "access_key"),
        s(&case, "secret_key"),
        ALICE_ARN,
    ));
    // A token sent with long-term credentials is invalid.
    assert_eq!(
        verify(&long_term, "GET", &target, &headers, b"", now)
            .expect_err("token")
            .kind(),
        RejectionKind::InvalidSecurityToken
    );
    // Temporary credentials without their token are invalid.
    let no_token: Vec<_> = headers
        .iter()
        .filter(|(n, _)| n != "x-amz-security-token")
        .cloned()
        .collect();
    let err =
        verify(&verifier_for(&case), "GET", &target, &no_token, b"", now).expect_err("no token");
    assert_eq!(err.kind(), RejectionKind::InvalidSecurityToken);
    assert_eq!(err.body_json(), INVALID_TOKEN);
}

#[tokio::test]
async fn server_rejections_over_the_wire_use_aws_bodies() {
    let case = cases("cases")
        .into_iter()
        .find(|c| name(c) == "post-json-article-body")
        .expect("post-json-article-body");
    let headers = wire_headers(&case);
    let body = body(&case);
    let target = target(&case);

    // Clock: the server 301 s ahead or behind.
    let ahead = emulator_for(&case, 301).await;
    let reply = send(ahead.function_addr(), "POST", &target, &headers, &body).await;
    assert_eq!(reply.status, 403);
    assert_eq!(
        reply.header("x-amzn-ErrorType"),
        Some("InvalidSignatureException")
    );
    let message = reply.json()["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        message.starts_with("Signature expired: 20251124T120000Z is now earlier than 20251124T120"),
        "{message}"
    );
    assert!(message.ends_with(" - 5 min.)"), "{message}");
    let behind = emulator_for(&case, -301).await;
    let reply = send(behind.function_addr(), "POST", &target, &headers, &body).await;
    let message = reply.json()["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        message.starts_with(
            "Signature not yet current: 20251124T120000Z is still later than 20251124T115"
        ),
        "{message}"
    );
    assert!(message.ends_with(" + 5 min.)"), "{message}");

    // Tampered body.
    let emulator = emulator_for(&case, 0).await;
    let mut tampered = body.clone();
    tampered[0] ^= 1;
    let reply = send(
        emulator.function_addr(),
        "POST",
        &target,
        &headers,
        &tampered,
    )
    .await;
    assert_error(&reply, 403, "InvalidSignatureException", MISMATCH);

    // Unknown key.
    let stranger = Emulator::builder()
        .region(s(&case, "region"))
        .function_host(s(&case, "host"))
        .clock_offset_secs(amz_secs(s(&case, "time")) - now_secs())
        .start()
        .await
        .expect("starts");
    let reply = send(stranger.function_addr(), "POST", &target, &headers, &body).await;
    assert_error(&reply, 403, "UnrecognizedClientException", INVALID_TOKEN);

    // A known identity from another account, with no resource policy.
    let foreign = Emulator::builder()
        .region(s(&case, "region"))
        .function_host(s(&case, "host"))
        .function_arn(&format!(
            "arn:aws:lambda:{}:210987654321:function:f",
            s(&case, "region")
        ))
        .identity(identity_of(&case, s(&case, "secret_key")))
        .clock_offset_secs(amz_secs(s(&case, "time")) - now_secs())
        .start()
        .await
        .expect("starts");
    let reply = send(foreign.function_addr(), "POST", &target, &headers, &body).await;
    assert_error(&reply, 403, "AccessDeniedException", FORBIDDEN);
    assert_eq!(
        foreign.received()[0].outcome.rejection,
        Some(RejectionKind::AccessDenied)
    );

    // An explicit Deny in the resource policy beats the identity policy.
    let deny = ResourcePolicy::from_json(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":{"AWS":"123456789012"},"Action":"lambda:InvokeFunctionUrl","Resource":"*"}]}"#,
    )
    .expect("policy");
    let denied = Emulator::builder()
        .region(s(&case, "region"))
        .function_host(s(&case, "host"))
        .identity(identity_of(&case, s(&case, "secret_key")))
        .resource_policy(deny)
        .clock_offset_secs(amz_secs(s(&case, "time")) - now_secs())
        .start()
        .await
        .expect("starts");
    let reply = send(denied.function_addr(), "POST", &target, &headers, &body).await;
    assert_error(&reply, 403, "AccessDeniedException", FORBIDDEN);

    // A presigned URL past its expiry.
    let presigned = cases("presigned")
        .into_iter()
        .find(|c| name(c) == "presign-get-root")
        .expect("presign-get-root");
    let late = emulator_for(&presigned, 901).await;
    let reply = send(
        late.function_addr(),
        "GET",
        &target_of(&presigned),
        &wire_headers(&presigned),
        b"",
    )
    .await;
    assert_error(
        &reply,
        403,
        "AccessDeniedException",
        r#"{"Message":"Request has expired"}"#,
    );
}

fn target_of(case: &Value) -> String {
    target(case)
}
