//! Presigned URLs: every botocore case verifies until its last second, tampering is refused,
//! and `X-Amz-Expires` is required and at most seven days.

use lambda_url_emulator::{RawRequest, RejectionKind, Verifier};

use super::*;

#[test]
fn verifier_accepts_every_presigned_case() {
    for case in cases("presigned") {
        let (_, verifier, headers) = verify_reference_case(&case);
        let target = target(&case);
        let body = body(&case);
        let request = RawRequest::new(s(&case, "method"), &target, &headers, &body);
        let time = amz_secs(s(&case, "time"));
        // Still valid at the last second of its validity, expired one later.
        let expires = case["expires"].as_i64().expect("expires");
        assert!(
            verifier.verify(&request, at(time + expires)).is_ok(),
            "{}",
            name(&case)
        );
        let late = verifier
            .verify(&request, at(time + expires + 1))
            .expect_err("expired");
        assert_eq!(
            late.kind(),
            RejectionKind::PresignedUrlExpired,
            "{}",
            name(&case)
        );
        assert_eq!(late.error_type(), "AccessDeniedException");
        assert_eq!(late.body_json(), r#"{"Message":"Request has expired"}"#);
    }
}

#[test]
fn verifier_rejects_tampered_presigned_urls() {
    for case in cases("presigned") {
        let case_name = name(&case).to_owned();
        let verifier = verifier_for(&case);
        let method = s(&case, "method");
        let target = target(&case);
        let headers = wire_headers(&case);
        let body = body(&case);
        let now = at(amz_secs(s(&case, "time")));
        let kind = |method: &str, target: &str, body: &[u8], v: &Verifier| {
            verify(v, method, target, &headers, body, now)
                .expect_err(&case_name)
                .kind()
        };
        assert_eq!(
            kind("PATCH", &target, &body, &verifier),
            RejectionKind::SignatureMismatch,
            "{case_name}"
        );
        let (path, query) = target.split_once('?').expect("presigned query");
        let bad_path = String::from_utf8(mutate(path.as_bytes())).expect("ascii");
        assert_eq!(
            kind(method, &format!("{bad_path}?{query}"), &body, &verifier),
            RejectionKind::SignatureMismatch,
            "{case_name}"
        );
        let tampered_signature = {
            let (before, signature) = query.rsplit_once("X-Amz-Signature=").expect("signature");
            format!(
                "{path}?{before}X-Amz-Signature={}",
                String::from_utf8(mutate(signature.as_bytes())).expect("hex")
            )
        };
        assert_eq!(
            kind(method, &tampered_signature, &body, &verifier),
            RejectionKind::SignatureMismatch,
            "{case_name}"
        );
        let mut bad_body = body.clone();
        match bad_body.first_mut() {
            Some(first) => *first ^= 0x01,
            None => bad_body.push(b'x'),
        }
        assert_eq!(
            kind(method, &target, &bad_body, &verifier),
            RejectionKind::SignatureMismatch,
            "{case_name}"
        );
        let other_region = Verifier::new("us-gov-west-1", "lambda")
            .identity(identity_of(&case, s(&case, "secret_key")));
        assert_eq!(
            kind(method, &target, &body, &other_region),
            RejectionKind::WrongRegion,
            "{case_name}"
        );
        // Both an Authorization header and a presigned query: refused.
        let mut both = headers.clone();
        both.push((
            "authorization".to_owned(),
            b"AWS4-HMAC-SHA256 Credential=x".to_vec(),
        ));
        let err =
            verify(&verifier, method, &target, &both, &body, now).expect_err("two mechanisms");
        assert_eq!(err.kind(), RejectionKind::IncompleteSignature);
    }
}

#[test]
fn presigned_expiry_is_at_most_seven_days_and_required() {
    let case = cases("presigned")
        .into_iter()
        .find(|c| name(c) == "presign-get-root")
        .expect("presign-get-root");
    let verifier = verifier_for(&case);
    let headers = wire_headers(&case);
    let now = at(amz_secs(s(&case, "time")));
    let target = target(&case);
    for (from, to) in [
        ("X-Amz-Expires=900", "X-Amz-Expires=604801"),
        ("X-Amz-Expires=900&", ""),
    ] {
        let err = verify(
            &verifier,
            "GET",
            &target.replace(from, to),
            &headers,
            b"",
            now,
        )
        .expect_err(to);
        assert_eq!(err.kind(), RejectionKind::IncompleteSignature, "{to}");
    }
    // Dated in the future beyond the window.
    let err = verify(
        &verifier,
        "GET",
        &target,
        &headers,
        b"",
        at(amz_secs(s(&case, "time")) - 301),
    )
    .expect_err("future");
    assert_eq!(err.kind(), RejectionKind::SignatureNotYetCurrent);
}
