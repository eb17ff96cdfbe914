//! The [`Verifier`] accepts every botocore case at its time and region, and rejects a one-byte
//! change to any part of any case with the right kind.

use lambda_url_emulator::{EmulatorIdentity, RejectionKind, Verifier};

use super::*;

#[test]
fn verifier_accepts_every_header_signed_case() {
    for case in cases("cases") {
        let (caller, _, _) = verify_reference_case(&case);
        assert_eq!(caller.access_key, s(&case, "access_key"));
        assert_eq!(caller.user_arn, "arn:aws:iam::123456789012:user/vector");
        assert_eq!(caller.account_id, ACCOUNT);
    }
}

#[test]
fn verifier_accepts_get_vanilla_with_service_service() {
    let case = vectors()["get_vanilla"].clone();
    assert_eq!(s(&case, "access_key"), "AKIDEXAMPLE");
    assert_eq!(
        s(&case, "secret_key"),
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    );
    assert_eq!(
        s(&case, "signature"),
        "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
    );
    let verifier = Verifier::new("us-east-1", "service").identity(EmulatorIdentity::new(
        "AKIDEXAMPLE",
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        "arn:aws:iam::123456789012:user/example",
    ));
    let headers = wire_headers(&case);
    let caller = verify(
        &verifier,
        "GET",
        "/",
        &headers,
        b"",
        at(amz_secs("20150830T123600Z")),
    )
    .expect("get-vanilla verifies");
    assert_eq!(caller.user_arn, "arn:aws:iam::123456789012:user/example");
    // The same request scoped to `lambda` is refused for the wrong service.
    let lambda = Verifier::new("us-east-1", "lambda");
    let err = verify(
        &lambda,
        "GET",
        "/",
        &headers,
        b"",
        at(amz_secs("20150830T123600Z")),
    )
    .expect_err("wrong service");
    assert_eq!(err.kind(), RejectionKind::WrongService);
    assert_eq!(
        err.body_json(),
        r#"{"message":"Credential should be scoped to correct service: 'lambda'."}"#
    );
}

#[test]
fn verifier_rejects_one_byte_changes_to_every_case() {
    let mut checks = 0usize;
    for case in cases("cases") {
        let case_name = name(&case).to_owned();
        let verifier = verifier_for(&case);
        let method = s(&case, "method");
        let target = target(&case);
        let headers = wire_headers(&case);
        let body = body(&case);
        let time = amz_secs(s(&case, "time"));
        let now = at(time);
        let expect = |what: &str, result: Result<_, lambda_url_emulator::Rejection>, kind| {
            let err = result.expect_err(&format!("{case_name}: {what} must be rejected"));
            assert_eq!(err.kind(), kind, "{case_name}: {what}: {err}");
            assert!(!err.body_json().contains(s(&case, "secret_key")));
        };
        assert!(verify(&verifier, method, &target, &headers, &body, now).is_ok());

        let mut bad_method = method.as_bytes().to_vec();
        bad_method[0] = if bad_method[0] == b'Z' {
            b'Y'
        } else {
            bad_method[0] + 1
        };
        let bad_method = String::from_utf8(bad_method).expect("ascii");
        expect(
            "method",
            verify(&verifier, &bad_method, &target, &headers, &body, now),
            RejectionKind::SignatureMismatch,
        );

        let (path, query) = match target.split_once('?') {
            Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
            None => (target.clone(), None),
        };
        let bad_path = String::from_utf8(mutate(path.as_bytes())).expect("ascii");
        let bad_target = match &query {
            Some(q) => format!("{bad_path}?{q}"),
            None => bad_path,
        };
        expect(
            "path",
            verify(&verifier, method, &bad_target, &headers, &body, now),
            RejectionKind::SignatureMismatch,
        );

        if let Some(q) = &query {
            let bad_query = String::from_utf8(mutate(q.as_bytes())).expect("ascii");
            expect(
                "query",
                verify(
                    &verifier,
                    method,
                    &format!("{path}?{bad_query}"),
                    &headers,
                    &body,
                    now,
                ),
                RejectionKind::SignatureMismatch,
            );
        }

        for signed in s(&case, "signed_headers").split(';') {
            let (value, kind) = match signed {
                "x-amz-date" => {
                    // The last digit of the seconds: still inside the clock window.
                    let mut v = header(&headers, signed).to_vec();
                    v[14] = if v[14] == b'9' { b'8' } else { v[14] + 1 };
                    (v, RejectionKind::SignatureMismatch)
                }
                "x-amz-security-token" => (
                    mutate(header(&headers, signed)),
                    RejectionKind::InvalidSecurityToken,
                ),
                _ => (
                    mutate(header(&headers, signed)),
                    RejectionKind::SignatureMismatch,
                ),
            };
            let changed = set_header(&headers, signed, value);
            expect(
                &format!("header {signed}"),
                verify(&verifier, method, &target, &changed, &body, now),
                kind,
            );
        }

        let mut bad_body = body.clone();
        match bad_body.first_mut() {
            Some(first) => *first ^= 0x01,
            None => bad_body.push(b'x'),
        }
        expect(
            "body",
            verify(&verifier, method, &target, &headers, &bad_body, now),
            RejectionKind::SignatureMismatch,
        );

        // The date shifted by a day (x-amz-date no longer matches the scope).
        let day_before = format_amz(time - 86_400);
        let changed = set_header(&headers, "x-amz-date", day_before.into_bytes());
        expect(
            "date",
            verify(
                &verifier,
                method,
                &target,
                &changed,
                &body,
                at(time - 86_400),
            ),
            RejectionKind::InvalidCredentialScope,
        );

        let other_region = Verifier::new("us-gov-west-1", s(&case, "service"))
            .identity(identity_of(&case, s(&case, "secret_key")));
        expect(
            "region",
            verify(&other_region, method, &target, &headers, &body, now),
            RejectionKind::WrongRegion,
        );

        let other_service = Verifier::new(s(&case, "region"), "lambdb")
            .identity(identity_of(&case, s(&case, "secret_key")));
        expect(
            "service",
            verify(&other_service, method, &target, &headers, &body, now),
            RejectionKind::WrongService,
        );

        let bad_secret =
            String::from_utf8(mutate(s(&case, "secret_key").as_bytes())).expect("ascii");
        let other_secret = Verifier::new(s(&case, "region"), s(&case, "service"))
            .identity(identity_of(&case, &bad_secret));
        expect(
            "secret",
            verify(&other_secret, method, &target, &headers, &body, now),
            RejectionKind::SignatureMismatch,
        );

        let stranger = Verifier::new(s(&case, "region"), s(&case, "service"));
        expect(
            "unknown key",
            verify(&stranger, method, &target, &headers, &body, now),
            RejectionKind::UnrecognizedClient,
        );
        checks += 1;
    }
    assert_eq!(checks, cases("cases").len());
}
