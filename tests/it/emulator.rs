//! The emulator: its SigV4 verifier pinned to botocore's known answers
//! (`tests/data/vectors.json`), one-byte tampering of every case, and the
//! loopback servers (function URL + CloudFront OAC) driven with raw HTTP/1.1
//! over `tokio::net::TcpStream` — no signing code from the crate is used.
//!
//! Signed requests on the wire are either replayed botocore vectors (the
//! server clock is shifted to the vector's time) or, for the one case that
//! needs a signature over the emulator's own host (CloudFront `no-override`
//! passthrough), signed by the small test-local signer below, which is first
//! pinned to the vectors itself.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use lambda_url_emulator::{
    AuthType, CloudFrontConfig, Emulator, EmulatorError, EmulatorIdentity, HandlerResponse,
    OacSigning, PolicyError, RawRequest, RejectionKind, ResourcePolicy, Verifier,
};
use lambda_url_signer::permissions::{cloudfront_permissions, PermissionsError};
use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const FORBIDDEN: &str = r#"{"Message":"Forbidden. For troubleshooting Function URL authorization issues, see: https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html"}"#;
const MISMATCH: &str = r#"{"message":"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."}"#;
const INVALID_TOKEN: &str =
    r#"{"message":"The security token included in the request is invalid."}"#;
const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

const ACCOUNT: &str = "123456789012";
const REGION: &str = "eu-central-1";
const FUNCTION_ARN: &str = "arn:aws:lambda:eu-central-1:123456789012:function:emulated";
const DISTRIBUTION: &str = "arn:aws:cloudfront::123456789012:distribution/EDFDVBD6EXAMPLE";
const OTHER_DISTRIBUTION: &str = "arn:aws:cloudfront::123456789012:distribution/EOTHER0000";
const OAC_ARN: &str =
    "arn:aws:sts::123456789012:assumed-role/OriginAccessControlRole/OriginAccessSession";
const ALICE_ARN: &str = "arn:aws:iam::123456789012:user/alice";
const ALICE_KEY: &str = "AKIDALICEEXAMPLE0000";
const ALICE_SECRET: &str = "alice/secret+EXAMPLEKEY0000000000000000";

// ---------------------------------------------------------------------------
// Vector helpers
// ---------------------------------------------------------------------------

fn vectors() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/vectors.json");
    let text = std::fs::read_to_string(path).expect("tests/data/vectors.json is readable");
    serde_json::from_str(&text).expect("vectors.json is JSON")
}

fn cases(key: &str) -> Vec<Value> {
    let file = vectors();
    let list = file[key].as_array().cloned().unwrap_or_default();
    assert!(!list.is_empty(), "vectors.json has {key}");
    list
}

fn s<'a>(case: &'a Value, key: &str) -> &'a str {
    case[key].as_str().unwrap_or_default()
}

fn name(case: &Value) -> &str {
    s(case, "name")
}

fn body(case: &Value) -> Vec<u8> {
    hex::decode(s(case, "body_hex")).expect("body_hex is hex")
}

fn token(case: &Value) -> Option<&str> {
    case["session_token"].as_str()
}

fn is_presigned(case: &Value) -> bool {
    !s(case, "presigned_url").is_empty()
}

fn identity_of(case: &Value, secret: &str) -> EmulatorIdentity {
    let id = EmulatorIdentity::new(
        s(case, "access_key"),
        secret,
        "arn:aws:iam::123456789012:user/vector",
    );
    match token(case) {
        Some(t) => id.with_session_token(t),
        None => id,
    }
}

/// The request target on the wire: `wire_path_and_query`, or the path and
/// query of the presigned URL.
fn target(case: &Value) -> String {
    if is_presigned(case) {
        let url = s(case, "presigned_url");
        let after_scheme = url.split_once("://").map(|(_, rest)| rest).unwrap_or(url);
        match after_scheme.find('/') {
            Some(i) => after_scheme[i..].to_owned(),
            None => "/".to_owned(),
        }
    } else {
        s(case, "wire_path_and_query").to_owned()
    }
}

/// The headers on the wire: the user headers (a user `Authorization` is
/// replaced by the signature), host, and for header-signed cases
/// x-amz-date, x-amz-content-sha256, x-amz-security-token, authorization.
fn wire_headers(case: &Value) -> Vec<(String, Vec<u8>)> {
    let mut headers: Vec<(String, Vec<u8>)> = case["headers"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|pair| {
                    (
                        pair[0].as_str().unwrap_or_default().to_owned(),
                        pair[1].as_str().unwrap_or_default().as_bytes().to_vec(),
                    )
                })
                .filter(|(n, _)| !n.eq_ignore_ascii_case("authorization"))
                .collect()
        })
        .unwrap_or_default();
    headers.push(("host".to_owned(), s(case, "host").as_bytes().to_vec()));
    if !is_presigned(case) {
        headers.push(("x-amz-date".to_owned(), s(case, "time").as_bytes().to_vec()));
        if case["content_sha256_header"].as_bool() == Some(true) {
            headers.push((
                "x-amz-content-sha256".to_owned(),
                s(case, "payload_hash").as_bytes().to_vec(),
            ));
        }
        if let Some(t) = token(case) {
            headers.push(("x-amz-security-token".to_owned(), t.as_bytes().to_vec()));
        }
        headers.push((
            "authorization".to_owned(),
            s(case, "authorization").as_bytes().to_vec(),
        ));
    }
    headers
}

/// Seconds since the epoch of `YYYYMMDDTHHMMSSZ` (test-local arithmetic).
fn amz_secs(text: &str) -> i64 {
    let n = |r: std::ops::Range<usize>| -> i64 { text[r].parse().expect("digits") };
    let (y, m, d) = (n(0..4), n(4..6), n(6..8));
    let (y, m) = if m <= 2 { (y - 1, m + 12) } else { (y, m) };
    // Days from 0000-03-01, then shifted to the Unix epoch.
    let days = 365 * y + y / 4 - y / 100 + y / 400 + (153 * (m - 3) + 2) / 5 + d - 719_469;
    days * 86_400 + n(9..11) * 3_600 + n(11..13) * 60 + n(13..15)
}

fn at(secs: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(u64::try_from(secs).expect("after 1970"))
}

fn format_amz(secs: i64) -> String {
    // Inverse of amz_secs, by search over days (test-only, small range).
    let days = secs.div_euclid(86_400);
    let rest = secs.rem_euclid(86_400);
    let mut y = 1970 + days / 366;
    loop {
        let start = amz_secs(&format!("{:04}0101T000000Z", y + 1));
        if start > secs {
            break;
        }
        y += 1;
    }
    let mut m = 1;
    while m < 12 && amz_secs(&format!("{y:04}{:02}01T000000Z", m + 1)) <= secs {
        m += 1;
    }
    let first = amz_secs(&format!("{y:04}{m:02}01T000000Z")).div_euclid(86_400);
    let d = days - first + 1;
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        rest / 3_600,
        rest % 3_600 / 60,
        rest % 60
    )
}

fn now_secs() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock after 1970")
            .as_secs(),
    )
    .expect("fits")
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn verifier_for(case: &Value) -> Verifier {
    Verifier::new(s(case, "region"), s(case, "service"))
        .identity(identity_of(case, s(case, "secret_key")))
}

fn verify(
    verifier: &Verifier,
    method: &str,
    target: &str,
    headers: &[(String, Vec<u8>)],
    body: &[u8],
    now: SystemTime,
) -> Result<lambda_url_emulator::CallerIdentity, lambda_url_emulator::Rejection> {
    verifier.verify(&RawRequest::new(method, target, headers, body), now)
}

// ---------------------------------------------------------------------------
// (1) The verifier accepts every botocore case at its time and region
// ---------------------------------------------------------------------------

/// Checks the verifier's canonical request and string to sign against botocore's for `case`,
/// then verifies the request at the case's time; returns the verdict and the verifier.
fn verify_reference_case(
    case: &serde_json::Value,
) -> (
    lambda_url_emulator::CallerIdentity,
    Verifier,
    Vec<(String, Vec<u8>)>,
) {
    let verifier = verifier_for(case);
    let headers = wire_headers(case);
    let target = target(case);
    let body = body(case);
    let request = RawRequest::new(s(case, "method"), &target, &headers, &body);
    let parts = verifier
        .canonical_parts(&request)
        .unwrap_or_else(|e| panic!("{}: {e}", name(case)));
    assert_eq!(
        parts.canonical_request,
        s(case, "canonical_request"),
        "{}",
        name(case)
    );
    assert_eq!(
        parts.string_to_sign,
        s(case, "string_to_sign"),
        "{}",
        name(case)
    );
    assert_eq!(
        parts.payload_hash,
        s(case, "payload_hash"),
        "{}",
        name(case)
    );
    let caller = verifier
        .verify(&request, at(amz_secs(s(case, "time"))))
        .unwrap_or_else(|e| panic!("{}: {e}", name(case)));
    (caller, verifier, headers)
}

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

// ---------------------------------------------------------------------------
// (2) One-byte tampering of every case is rejected with the right kind
// ---------------------------------------------------------------------------

/// Changes one alphanumeric byte (the last one outside `%XX` escapes) to a
/// different alphanumeric byte; appends `x` when there is none.
fn mutate(bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let mut escape_tail = vec![false; bytes.len()];
    for (i, &byte) in bytes.iter().enumerate() {
        if byte == b'%' {
            for flag in escape_tail.iter_mut().skip(i + 1).take(2) {
                *flag = true;
            }
        }
    }
    let pick = (0..bytes.len())
        .rev()
        .find(|&i| bytes[i].is_ascii_alphanumeric() && !escape_tail[i]);
    match pick {
        Some(i) => {
            out[i] = match bytes[i] {
                b'z' => b'y',
                b'Z' => b'Y',
                b'9' => b'8',
                other => other + 1,
            }
        }
        None => out.push(b'x'),
    }
    out
}

fn set_header(headers: &[(String, Vec<u8>)], name: &str, value: Vec<u8>) -> Vec<(String, Vec<u8>)> {
    let mut done = false;
    headers
        .iter()
        .map(|(n, v)| {
            if !done && n.eq_ignore_ascii_case(name) {
                done = true;
                (n.clone(), value.clone())
            } else {
                (n.clone(), v.clone())
            }
        })
        .collect()
}

fn header<'h>(headers: &'h [(String, Vec<u8>)], name: &str) -> &'h [u8] {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_slice())
        .unwrap_or_default()
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

// ---------------------------------------------------------------------------
// A minimal test-local SigV4 signer, pinned to the vectors before use
// ---------------------------------------------------------------------------

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("hmac takes any key");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// Signs `method target` whose path and query are already in canonical form.
#[allow(clippy::too_many_arguments)]
fn test_sign(
    method: &str,
    target: &str,
    headers: &[(String, Vec<u8>)],
    signed: &[&str],
    payload_hash: &str,
    access_key: &str,
    secret: &str,
    region: &str,
    service: &str,
    amz_date: &str,
) -> String {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut pairs: Vec<(&str, &str)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').unwrap_or((p, "")))
        .collect();
    pairs.sort();
    let query: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let mut canonical = format!("{method}\n{path}\n{}\n", query.join("&"));
    for name in signed {
        let values: Vec<String> = headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| {
                String::from_utf8_lossy(v)
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        canonical.push_str(&format!("{name}:{}\n", values.join(",")));
    }
    canonical.push_str(&format!("\n{}\n{payload_hash}", signed.join(";")));
    authorization_for(
        &canonical, signed, access_key, secret, region, service, amz_date,
    )
}

/// The `Authorization` value for a canonical request built by the caller.
fn authorization_for(
    canonical: &str,
    signed: &[&str],
    access_key: &str,
    secret: &str,
    region: &str,
    service: &str,
    amz_date: &str,
) -> String {
    let date = &amz_date[..8];
    let scope = format!("{date}/{region}/{service}/aws4_request");
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        sha256_hex(canonical.as_bytes())
    );
    let key = [date, region, service, "aws4_request"]
        .iter()
        .fold(format!("AWS4{secret}").into_bytes(), |key, part| {
            hmac(&key, part.as_bytes())
        });
    format!(
        "AWS4-HMAC-SHA256 Credential={access_key}/{scope}, SignedHeaders={}, Signature={}",
        signed.join(";"),
        hex::encode(hmac(&key, to_sign.as_bytes()))
    )
}

#[test]
fn test_signer_is_pinned_to_the_vectors() {
    let mut pinned = 0;
    let all = cases("cases")
        .into_iter()
        .chain(std::iter::once(vectors()["get_vanilla"].clone()));
    for case in all {
        let target = target(&case);
        let (path, query) = target.split_once('?').unwrap_or((&target, ""));
        let canonical_already = path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/-_.~".contains(&b))
            && !path.contains("/.")
            && !path.contains("//")
            && query
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"=&-_.~".contains(&b));
        if !canonical_already {
            continue;
        }
        let signed: Vec<&str> = s(&case, "signed_headers").split(';').collect();
        let headers = wire_headers(&case);
        let auth = test_sign(
            s(&case, "method"),
            &target,
            &headers,
            &signed,
            s(&case, "payload_hash"),
            s(&case, "access_key"),
            s(&case, "secret_key"),
            s(&case, "region"),
            s(&case, "service"),
            s(&case, "time"),
        );
        if query
            .split('&')
            .filter(|p| !p.is_empty())
            .all(|p| p.contains('='))
        {
            assert_eq!(auth, s(&case, "authorization"), "{}", name(&case));
            pinned += 1;
        }
    }
    assert!(pinned >= 20, "pinned on {pinned} cases");
}

// ---------------------------------------------------------------------------
// Raw HTTP/1.1 over TCP
// ---------------------------------------------------------------------------

#[derive(Debug)]
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Headers that would change HTTP framing if replayed verbatim; none of
/// them is signed in any vector.
fn framing(name: &str) -> bool {
    [
        "content-length",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "upgrade",
        "expect",
    ]
    .iter()
    .any(|f| name.eq_ignore_ascii_case(f))
}

async fn send(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(String, Vec<u8>)],
    body: &[u8],
) -> Reply {
    let mut request = format!("{method} {target} HTTP/1.1\r\n").into_bytes();
    for (name, value) in headers.iter().filter(|(n, _)| !framing(n)) {
        request.extend_from_slice(name.as_bytes());
        request.extend_from_slice(b": ");
        request.extend_from_slice(value);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(
        format!(
            "content-length: {}\r\nconnection: close\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    );
    request.extend_from_slice(body);
    send_bytes(addr, &request).await
}

/// Sends `request`, a complete HTTP/1.1 request with `connection: close`, byte for byte.
async fn send_bytes(addr: SocketAddr, request: &[u8]) -> Reply {
    let exchange = async {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        stream.write_all(request).await.expect("write");
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await.expect("read");
        raw
    };
    let raw = tokio::time::timeout(Duration::from_secs(20), exchange)
        .await
        .expect("the server answers in time");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete response head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .expect("status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Reply {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    }
}

fn h(name: &str, value: &str) -> (String, Vec<u8>) {
    (name.to_owned(), value.as_bytes().to_vec())
}

fn full_policy() -> ResourcePolicy {
    ResourcePolicy::from_json(
        &cloudfront_permissions(FUNCTION_ARN, DISTRIBUTION)
            .expect("valid arns")
            .policy_json(),
    )
    .expect("policy parses")
}

fn alice() -> EmulatorIdentity {
    EmulatorIdentity::new(ALICE_KEY, ALICE_SECRET, ALICE_ARN)
}

fn base() -> lambda_url_emulator::EmulatorBuilder {
    Emulator::builder()
        .region(REGION)
        .function_arn(FUNCTION_ARN)
        .identity(alice())
        .resource_policy(full_policy())
}

async fn with_cloudfront(signing: OacSigning) -> Emulator {
    base()
        .cloudfront(CloudFrontConfig::new(DISTRIBUTION).signing(signing))
        .start()
        .await
        .expect("emulator starts")
}

fn cloudfront_addr(emulator: &Emulator) -> SocketAddr {
    emulator.cloudfront_addr().expect("cloudfront configured")
}

fn assert_error(reply: &Reply, status: u16, error_type: &str, body: &str) {
    assert_eq!(reply.status, status, "{}", reply.text());
    assert_eq!(reply.header("x-amzn-ErrorType"), Some(error_type));
    assert_eq!(reply.text(), body);
    assert!(reply
        .header("x-amzn-RequestId")
        .is_some_and(|id| id.len() == 36));
}

// ---------------------------------------------------------------------------
// (3) Servers
// ---------------------------------------------------------------------------

#[tokio::test]
async fn start_requires_a_region_and_valid_arns() {
    let err = Emulator::builder().start().await.expect_err("no region");
    assert!(matches!(err, EmulatorError::MissingRegion));
    assert!(err.to_string().contains("no region configured"));
    let err = Emulator::builder()
        .region("Not A Region")
        .start()
        .await
        .expect_err("bad region");
    assert!(matches!(err, EmulatorError::InvalidRegion { .. }));
    let err = Emulator::builder()
        .region(REGION)
        .function_arn("my-function")
        .start()
        .await
        .expect_err("bad function arn");
    assert!(matches!(
        err,
        EmulatorError::InvalidArn {
            what: "function",
            ..
        }
    ));
    let err = Emulator::builder()
        .region(REGION)
        .cloudfront(CloudFrontConfig::new(
            "arn:aws:cloudfront::1:distribution/E1",
        ))
        .start()
        .await
        .expect_err("bad distribution arn");
    assert!(matches!(
        err,
        EmulatorError::InvalidArn {
            what: "distribution",
            ..
        }
    ));
}

#[tokio::test]
async fn start_binds_loopback_ports_and_shutdown_releases_them() {
    let emulator = with_cloudfront(OacSigning::Always).await;
    let function = emulator.function_addr();
    let cloudfront = cloudfront_addr(&emulator);
    assert!(function.ip().is_loopback() && cloudfront.ip().is_loopback());
    assert_ne!(function.port(), 0);
    assert_ne!(function.port(), cloudfront.port());
    assert_eq!(
        emulator.function_url(),
        format!("http://127.0.0.1:{}/", function.port())
    );
    assert_eq!(
        emulator.cloudfront_url(),
        Some(format!("http://127.0.0.1:{}/", cloudfront.port()).as_str())
    );
    assert_eq!(
        emulator.function_host(),
        format!("127.0.0.1:{}", function.port())
    );
    assert_eq!(emulator.region(), REGION);
    assert_eq!(emulator.function_arn(), FUNCTION_ARN);
    assert_eq!(emulator.distribution_arn(), Some(DISTRIBUTION));
    // Serving.
    let host = h("host", emulator.function_host());
    let reply = send(function, "GET", "/", &[host], b"").await;
    assert_eq!(reply.status, 403);
    emulator.shutdown().await;
    std::net::TcpListener::bind(function).expect("function port released");
    std::net::TcpListener::bind(cloudfront).expect("cloudfront port released");
    assert!(
        TcpStream::connect(function).await.is_err(),
        "nothing listens any more"
    );

    // A fixed port can be asked for, and is reusable after shutdown.
    let again = Emulator::builder()
        .region(REGION)
        .port(function.port())
        .start()
        .await
        .expect("rebinds the same port");
    assert_eq!(again.function_addr(), function);
    // The same port twice fails with a Bind error naming it.
    let err = Emulator::builder()
        .region(REGION)
        .port(function.port())
        .start()
        .await
        .expect_err("port in use");
    assert!(matches!(err, EmulatorError::Bind { port, .. } if port == function.port()));
    assert!(std::error::Error::source(&err).is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drop_stops_both_servers() {
    let emulator = with_cloudfront(OacSigning::Always).await;
    let function = emulator.function_addr();
    let cloudfront = cloudfront_addr(&emulator);
    // Keep a connection open across the drop.
    let idle = TcpStream::connect(function).await.expect("connect");
    drop(emulator);
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let free = std::net::TcpListener::bind(function).is_ok()
            && std::net::TcpListener::bind(cloudfront).is_ok();
        if free {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "ports not released after drop"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drop(idle);
}

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

/// An emulator whose clock reads `case`'s time (plus `skew` seconds), that
/// knows `case`'s identity.
async fn emulator_for(case: &Value, skew: i64) -> Emulator {
    let region = s(case, "region");
    Emulator::builder()
        .region(region)
        .service(s(case, "service"))
        .function_arn(&format!(
            "arn:aws:lambda:{region}:123456789012:function:emulated"
        ))
        .identity(identity_of(case, s(case, "secret_key")))
        .function_host(s(case, "host"))
        .clock_offset_secs(amz_secs(s(case, "time")) - now_secs() + skew)
        .start()
        .await
        .expect("starts")
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

#[tokio::test]
async fn custom_handler_sees_the_payload_2_0_event() {
    let case = cases("cases")
        .into_iter()
        .find(|c| name(c) == "query-session-token-post")
        .expect("query-session-token-post");
    let seen: Arc<Mutex<Vec<Value>>> = Arc::default();
    let sink = Arc::clone(&seen);
    let region = s(&case, "region");
    let emulator = Emulator::builder()
        .region(region)
        .function_host(s(&case, "host"))
        .identity(identity_of(&case, s(&case, "secret_key")))
        .clock_offset_secs(amz_secs(s(&case, "time")) - now_secs())
        .handler(move |event| {
            let json = event.to_json();
            if let Ok(mut list) = sink.lock() {
                list.push(json);
            }
            HandlerResponse::text(201, "made").with_header("x-from", "handler")
        })
        .start()
        .await
        .expect("starts");
    let target = target(&case);
    let body = body(&case);
    let mut headers = wire_headers(&case);
    headers.push(h("cookie", "a=1; b=2"));
    headers.push(h("user-agent", "raw-test/1.0"));
    let reply = send(emulator.function_addr(), "POST", &target, &headers, &body).await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    assert_eq!(reply.text(), "made");
    assert_eq!(reply.header("x-from"), Some("handler"));
    assert_eq!(
        reply.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    let request_id = reply
        .header("x-amzn-RequestId")
        .expect("request id")
        .to_owned();

    let event = seen.lock().expect("lock").pop().expect("the handler ran");
    let (path, query) = target.split_once('?').expect("query");
    assert_eq!(event["version"], "2.0");
    assert_eq!(event["routeKey"], "$default");
    assert_eq!(event["rawPath"], path);
    assert_eq!(event["rawQueryString"], query);
    assert_eq!(event["cookies"], serde_json::json!(["a=1", "b=2"]));
    assert!(event["headers"].get("authorization").is_none());
    assert!(event["headers"].get("cookie").is_none());
    assert_eq!(event["headers"]["host"], s(&case, "host"));
    assert_eq!(event["headers"]["x-amz-date"], s(&case, "time"));
    assert_eq!(event["queryStringParameters"]["source"], "github");
    assert_eq!(event["isBase64Encoded"], false);
    assert_eq!(
        event["body"],
        String::from_utf8(body.clone()).expect("utf-8 body")
    );
    let context = &event["requestContext"];
    assert_eq!(context["requestId"], request_id);
    assert_eq!(context["http"]["method"], "POST");
    assert_eq!(context["http"]["path"], path);
    assert_eq!(context["http"]["protocol"], "HTTP/1.1");
    assert_eq!(context["http"]["sourceIp"], "127.0.0.1");
    assert_eq!(context["http"]["userAgent"], "raw-test/1.0");
    assert_eq!(context["accountId"], ACCOUNT);
    let iam = &context["authorizer"]["iam"];
    assert_eq!(iam["accessKey"], s(&case, "access_key"));
    assert_eq!(iam["accountId"], ACCOUNT);
    assert_eq!(iam["userArn"], "arn:aws:iam::123456789012:user/vector");
    assert!(iam["callerId"]
        .as_str()
        .is_some_and(|id| id.starts_with("AIDA")));
    let epoch = context["timeEpoch"].as_i64().expect("timeEpoch");
    assert!(
        (epoch / 1000 - amz_secs(s(&case, "time"))).abs() < 60,
        "server clock = vector time"
    );
    assert!(context["time"]
        .as_str()
        .is_some_and(|t| t.ends_with(" +0000") && t.contains("/Nov/2025:")));
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

#[tokio::test]
async fn a_panicking_handler_gives_502() {
    let emulator = Emulator::builder()
        .region(REGION)
        .auth_type(AuthType::None)
        .handler(|_| panic!("the function crashed"))
        .start()
        .await
        .expect("starts");
    let host = [h("host", emulator.function_host())];
    let reply = send(emulator.function_addr(), "GET", "/", &host, b"").await;
    assert_eq!(reply.status, 502);
    assert!(reply.header("x-amzn-RequestId").is_some());
    // The server is still up.
    let reply = send(emulator.function_addr(), "GET", "/", &host, b"").await;
    assert_eq!(reply.status, 502);
}

// ---------------------------------------------------------------------------
// CloudFront OAC
// ---------------------------------------------------------------------------

fn last(emulator: &Emulator) -> lambda_url_emulator::ReceivedRequest {
    emulator
        .received()
        .pop()
        .expect("the function url received a request")
}

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

// ---------------------------------------------------------------------------
// (4) Debug output never shows secrets or tokens
// ---------------------------------------------------------------------------

#[tokio::test]
async fn debug_output_redacts_secrets_and_tokens() {
    let secret = "TOPSECRETkeyMaterial/0123456789abcdefghi";
    let session = "SESSIONtokenMaterial0123456789";
    let identity =
        EmulatorIdentity::new("AKIDDEBUG", secret, ALICE_ARN).with_session_token(session);
    let text = format!("{identity:?}");
    assert!(
        text.contains("AKIDDEBUG") && text.contains(ALICE_ARN),
        "{text}"
    );
    assert!(!text.contains(secret) && !text.contains(session), "{text}");

    let verifier = Verifier::new(REGION, "lambda").identity(identity.clone());
    let text = format!("{verifier:?}");
    assert!(!text.contains(secret) && !text.contains(session), "{text}");

    let builder = base()
        .identity(identity.clone())
        .cloudfront(CloudFrontConfig::new(DISTRIBUTION));
    let text = format!("{builder:?}");
    assert!(!text.contains(secret) && !text.contains(session), "{text}");
    let emulator = builder.start().await.expect("starts");
    let text = format!("{emulator:?}");
    assert!(!text.contains(secret) && !text.contains(session), "{text}");

    // The OAC token crosses the wire but is redacted in Debug of what was received.
    send(
        cloudfront_addr(&emulator),
        "GET",
        "/",
        &[h("host", "cdn")],
        b"",
    )
    .await;
    let r = last(&emulator);
    let oac_token = r
        .header_str("x-amz-security-token")
        .expect("token")
        .to_owned();
    let text = format!("{r:?}");
    assert!(!text.contains(&oac_token), "{text}");
    assert!(text.contains("redacted"));

    // A presigned target with a token is redacted in RawRequest's Debug.
    let headers = vec![h("host", "x")];
    let raw = RawRequest::new(
        "GET",
        "/?X-Amz-Security-Token=SESSIONtokenMaterial0123456789&a=1",
        &headers,
        b"",
    );
    let text = format!("{raw:?}");
    assert!(!text.contains(session), "{text}");
}

// ---------------------------------------------------------------------------
// (5) Permissions
// ---------------------------------------------------------------------------

#[test]
fn permissions_round_trip_through_the_policy_parser() {
    let permissions = cloudfront_permissions(FUNCTION_ARN, DISTRIBUTION).expect("valid");
    let statements: Value =
        serde_json::from_str(&permissions.statements_json()).expect("statements are JSON");
    let list = statements.as_array().expect("a list");
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["Sid"], "AllowCloudFrontServicePrincipal");
    assert_eq!(list[0]["Effect"], "Allow");
    assert_eq!(list[0]["Principal"]["Service"], "cloudfront.amazonaws.com");
    assert_eq!(list[0]["Action"], "lambda:InvokeFunctionUrl");
    assert_eq!(list[0]["Resource"], FUNCTION_ARN);
    assert_eq!(
        list[0]["Condition"]["ArnLike"]["AWS:SourceArn"],
        DISTRIBUTION
    );
    assert_eq!(
        list[0]["Condition"]["StringEquals"]["lambda:FunctionUrlAuthType"],
        "AWS_IAM"
    );
    assert_eq!(list[1]["Action"], "lambda:InvokeFunction");
    assert_eq!(
        list[1]["Condition"]["Bool"]["lambda:InvokedViaFunctionUrl"],
        "true"
    );
    assert_eq!(
        list[1]["Condition"]["ArnLike"]["AWS:SourceArn"],
        DISTRIBUTION
    );

    let policy =
        ResourcePolicy::from_json(&permissions.statements_json()).expect("statements parse");
    assert_eq!(
        policy.statement_ids(),
        [
            "AllowCloudFrontServicePrincipal",
            "AllowCloudFrontServicePrincipalInvokeFunction"
        ]
    );
    let document: Value = serde_json::from_str(&permissions.policy_json()).expect("policy is JSON");
    assert_eq!(document["Version"], "2012-10-17");
    assert_eq!(document["Statement"], statements);
    assert_eq!(
        ResourcePolicy::from_json(&permissions.policy_json())
            .expect("parses")
            .len(),
        2
    );
    // As `aws lambda get-policy` prints it.
    let get_policy =
        serde_json::json!({"Policy": permissions.policy_json(), "RevisionId": "x"}).to_string();
    assert_eq!(
        ResourcePolicy::from_json(&get_policy)
            .expect("parses")
            .len(),
        2
    );

    let commands = permissions.cli_commands();
    assert_eq!(commands.len(), 2);
    for command in &commands {
        assert!(command.starts_with("aws lambda add-permission "));
        assert!(command.contains(&format!("--function-name {FUNCTION_ARN}")));
        assert!(command.contains(&format!("--source-arn {DISTRIBUTION}")));
        assert!(command.contains("--principal cloudfront.amazonaws.com"));
        assert!(command.contains("--region eu-central-1"));
    }
    assert!(commands[0].contains(
        "--statement-id AllowCloudFrontServicePrincipal --action lambda:InvokeFunctionUrl"
    ));
    assert!(commands[0].contains("--function-url-auth-type AWS_IAM"));
    assert!(commands[1].contains("--action lambda:InvokeFunction "));
    assert!(commands[1].contains("--invoked-via-function-url"));
}

#[test]
fn permissions_reject_malformed_arns() {
    let err = cloudfront_permissions("emulated", DISTRIBUTION).expect_err("function name only");
    assert!(matches!(err, PermissionsError::InvalidFunctionArn { .. }));
    assert!(err.to_string().contains("emulated"));
    let err = cloudfront_permissions(
        FUNCTION_ARN,
        "arn:aws:cloudfront::123456789012:distribution/E1\"}",
    )
    .expect_err("quote");
    assert!(matches!(
        err,
        PermissionsError::InvalidDistributionArn { .. }
    ));
    assert!(cloudfront_permissions(FUNCTION_ARN, "").is_err());
    // A qualified ARN is fine and the `$` is quoted for the shell.
    let qualified = format!("{FUNCTION_ARN}:$LATEST");
    let commands = cloudfront_permissions(&qualified, DISTRIBUTION)
        .expect("qualified")
        .cli_commands();
    assert!(commands[0].contains(&format!("--function-name '{qualified}'")));
}

#[test]
fn policy_parser_reports_errors_by_location() {
    assert!(matches!(
        ResourcePolicy::from_json("not json"),
        Err(PolicyError::Json(_))
    ));
    let err = ResourcePolicy::from_json(r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},{"Effect":"Allow"}]}"#)
        .expect_err("second statement incomplete");
    assert!(err.to_string().contains("Statement[1]"), "{err}");
    assert!(matches!(
        ResourcePolicy::from_json(r#"{"Version":"2099-01-01","Statement":[]}"#),
        Err(PolicyError::Invalid { .. })
    ));
    assert!(ResourcePolicy::empty().is_empty());
}

// ---------------------------------------------------------------------------
// (4) Fidelity: the function URL's own host, CloudFront's GET with a body,
// whitespace in header values
// ---------------------------------------------------------------------------

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

/// A header value with leading, trailing and inner tabs, and one with runs of spaces, signed
/// by botocore 1.43.11 (`SigV4Auth`, service `lambda`, Alice's key, `20251124T120000Z`): the
/// signature below is botocore's, and the canonical request is checked by hand against the
/// rule (trim, then every run of spaces and tabs becomes one space).
const TABS_TIME: &str = "20251124T120000Z";
const TABS_SIGNATURE: &str = "7504ac07cbfd35e6f98cee656974091cf59a1c195cf701d5fd92e6a1c376d072";
const TABS_SIGNED: [&str; 4] = ["host", "x-amz-date", "x-lus-spaces", "x-lus-tabs"];

fn tabs_headers(signature: &str) -> Vec<(String, Vec<u8>)> {
    vec![
        h("host", "127.0.0.1:9000"),
        h("x-amz-date", TABS_TIME),
        h("x-lus-tabs", "\ta\t\tb \t c\t"),
        h("x-lus-spaces", "  d   e "),
        h(
            "authorization",
            &format!(
                "AWS4-HMAC-SHA256 Credential={ALICE_KEY}/20251124/{REGION}/lambda/aws4_request, \
                 SignedHeaders={}, Signature={signature}",
                TABS_SIGNED.join(";")
            ),
        ),
    ]
}

#[test]
fn header_whitespace_is_canonicalized_like_botocore() {
    let canonical = format!(
        "GET\n/tabs\n\nhost:127.0.0.1:9000\nx-amz-date:{TABS_TIME}\nx-lus-spaces:d e\n\
         x-lus-tabs:a b c\n\n{}\n{EMPTY_SHA256}",
        TABS_SIGNED.join(";")
    );
    let headers = tabs_headers(TABS_SIGNATURE);
    let verifier = Verifier::new(REGION, "lambda").identity(alice());
    let request = RawRequest::new("GET", "/tabs", &headers, b"");
    let parts = verifier.canonical_parts(&request).expect("parts");
    assert_eq!(parts.canonical_request, canonical);
    let caller = verifier
        .verify(&request, at(amz_secs(TABS_TIME)))
        .expect("botocore's signature verifies");
    assert_eq!(caller.user_arn, ALICE_ARN);
    // The test's own signer agrees with botocore.
    let ours = authorization_for(
        &canonical,
        &TABS_SIGNED,
        ALICE_KEY,
        ALICE_SECRET,
        REGION,
        "lambda",
        TABS_TIME,
    );
    assert!(ours.ends_with(TABS_SIGNATURE), "{ours}");

    // Signed with the tabs as given (aws-sigv4 collapses only spaces): a mismatch.
    let literal = canonical.replace("x-lus-tabs:a b c", "x-lus-tabs:\ta\t\tb \t c\t");
    let literal_auth = authorization_for(
        &literal,
        &TABS_SIGNED,
        ALICE_KEY,
        ALICE_SECRET,
        REGION,
        "lambda",
        TABS_TIME,
    );
    let literal_signature = literal_auth.rsplit('=').next().expect("signature");
    let headers = tabs_headers(literal_signature);
    let err = verifier
        .verify(
            &RawRequest::new("GET", "/tabs", &headers, b""),
            at(amz_secs(TABS_TIME)),
        )
        .expect_err("tabs signed as given");
    assert_eq!(err.kind(), RejectionKind::SignatureMismatch);
}

#[tokio::test]
async fn header_tabs_on_the_wire_verify_like_botocore() {
    let emulator = base()
        .function_host("127.0.0.1:9000")
        .clock_offset_secs(amz_secs(TABS_TIME) - now_secs())
        .start()
        .await
        .expect("starts");
    let reply = send(
        emulator.function_addr(),
        "GET",
        "/tabs",
        &tabs_headers(TABS_SIGNATURE),
        b"",
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let r = last(&emulator);
    // hyper strips the value's leading and trailing whitespace; the inner tabs arrive.
    assert_eq!(r.header_str("x-lus-tabs"), Some("a\t\tb \t c"));
    assert_eq!(r.outcome.caller_arn.as_deref(), Some(ALICE_ARN));
}
