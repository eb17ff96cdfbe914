//! botocore's known answers (`tests/data/vectors.json`): reading the cases, the request each
//! one puts on the wire, the clock arithmetic around their times, running them through the
//! [`Verifier`], and changing them one byte at a time.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lambda_url_emulator::{EmulatorIdentity, RawRequest, Verifier};
use serde_json::Value;
use sha2::{Digest, Sha256};

pub(super) fn vectors() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/vectors.json");
    let text = std::fs::read_to_string(path).expect("tests/data/vectors.json is readable");
    serde_json::from_str(&text).expect("vectors.json is JSON")
}

pub(super) fn cases(key: &str) -> Vec<Value> {
    let file = vectors();
    let list = file[key].as_array().cloned().unwrap_or_default();
    assert!(!list.is_empty(), "vectors.json has {key}");
    list
}

pub(super) fn s<'a>(case: &'a Value, key: &str) -> &'a str {
    case[key].as_str().unwrap_or_default()
}

pub(super) fn name(case: &Value) -> &str {
    s(case, "name")
}

pub(super) fn body(case: &Value) -> Vec<u8> {
    hex::decode(s(case, "body_hex")).expect("body_hex is hex")
}

pub(super) fn token(case: &Value) -> Option<&str> {
    case["session_token"].as_str()
}

pub(super) fn is_presigned(case: &Value) -> bool {
    !s(case, "presigned_url").is_empty()
}

pub(super) fn identity_of(case: &Value, secret: &str) -> EmulatorIdentity {
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
pub(super) fn target(case: &Value) -> String {
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
pub(super) fn wire_headers(case: &Value) -> Vec<(String, Vec<u8>)> {
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
pub(super) fn amz_secs(text: &str) -> i64 {
    let n = |r: std::ops::Range<usize>| -> i64 { text[r].parse().expect("digits") };
    let (y, m, d) = (n(0..4), n(4..6), n(6..8));
    let (y, m) = if m <= 2 { (y - 1, m + 12) } else { (y, m) };
    // Days from 0000-03-01, then shifted to the Unix epoch.
    let days = 365 * y + y / 4 - y / 100 + y / 400 + (153 * (m - 3) + 2) / 5 + d - 719_469;
    days * 86_400 + n(9..11) * 3_600 + n(11..13) * 60 + n(13..15)
}

pub(super) fn at(secs: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(u64::try_from(secs).expect("after 1970"))
}

pub(super) fn format_amz(secs: i64) -> String {
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

pub(super) fn now_secs() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock after 1970")
            .as_secs(),
    )
    .expect("fits")
}

pub(super) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

pub(super) fn verifier_for(case: &Value) -> Verifier {
    Verifier::new(s(case, "region"), s(case, "service"))
        .identity(identity_of(case, s(case, "secret_key")))
}

pub(super) fn verify(
    verifier: &Verifier,
    method: &str,
    target: &str,
    headers: &[(String, Vec<u8>)],
    body: &[u8],
    now: SystemTime,
) -> Result<lambda_url_emulator::CallerIdentity, lambda_url_emulator::Rejection> {
    verifier.verify(&RawRequest::new(method, target, headers, body), now)
}

/// Checks the verifier's canonical request and string to sign against botocore's for `case`,
/// then verifies the request at the case's time; returns the verdict and the verifier.
pub(super) fn verify_reference_case(
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

/// Changes one alphanumeric byte (the last one outside `%XX` escapes) to a
/// different alphanumeric byte; appends `x` when there is none.
pub(super) fn mutate(bytes: &[u8]) -> Vec<u8> {
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

pub(super) fn set_header(
    headers: &[(String, Vec<u8>)],
    name: &str,
    value: Vec<u8>,
) -> Vec<(String, Vec<u8>)> {
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

pub(super) fn header<'h>(headers: &'h [(String, Vec<u8>)], name: &str) -> &'h [u8] {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_slice())
        .unwrap_or_default()
}
