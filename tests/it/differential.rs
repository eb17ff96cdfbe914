//! Differential test: the crate's own signing core against aws-sigv4's
//! `http_request::sign`, the reference implementation, on random function URL requests.
//!
//! Each case is a request as a user writes it (any method; raw paths with escapes, reserved,
//! non-ASCII and dot segments; queries with `+`, spaces, `=`, repeated and empty keys; headers
//! with odd spaces and tabs; a body; with or without a session token; function URL or
//! CloudFront hosts in many regions; random keys and times). The crate signs it with
//! `Signer::sign_at`; then aws-sigv4 signs the request exactly as it goes on the wire (the
//! wire-form URI and the header values the crate sends) with the same credentials, time and
//! body hash, and the two `authorization` headers must be identical. aws-sigv4 derives the
//! host from the URI and applies its own canonicalization (path double-encoding, query
//! decoding and sorting, header sorting, joining and trimming).
//!
//! Cases: `LUS_DIFFERENTIAL_CASES` (default 2,000). For the report:
//! `LUS_DIFFERENTIAL_CASES=20000 cargo test --release --all-features --test it differential -- --nocapture`.

use crate::strategies::{headers, path, query, METHODS};
use crate::support;
use aws_sigv4::http_request::{
    sign, PayloadChecksumKind, SignableBody, SignableRequest, SigningSettings,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use lambda_url_signer::{Credentials, FunctionUrl, PayloadHash, Signer};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Headers the crate documents as never signed (proxies change them).
const UNSIGNED: [&str; 16] = [
    "authorization",
    "user-agent",
    "x-amzn-trace-id",
    "transfer-encoding",
    "content-length",
    "expect",
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "upgrade",
    "via",
    "forwarded",
];
/// Headers the signer sets itself.
const SIGNING: [&str; 4] = [
    "authorization",
    "x-amz-date",
    "x-amz-security-token",
    "x-amz-content-sha256",
];
const REGIONS: [&str; 6] = [
    "us-east-1",
    "eu-central-1",
    "ap-southeast-2",
    "sa-east-1",
    "me-central-1",
    "us-gov-west-1",
];

#[derive(Debug, Clone)]
struct Case {
    method: &'static str,
    host: String,
    region: &'static str,
    raw: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    access_key: String,
    secret: String,
    token: Option<String>,
    time: SystemTime,
}

fn case() -> impl Strategy<Value = Case> {
    let host = prop_oneof![
        3 => "[a-z2-7]{32}".prop_map(|id| (id, true)),
        1 => "d[a-z0-9]{13}".prop_map(|id| (id, false)),
    ];
    let credentials = (
        "(AKIA|ASIA)[A-Z0-9]{16}",
        "[A-Za-z0-9/+]{40}",
        prop::option::of("[A-Za-z0-9/+=]{16,400}"),
    );
    (
        (
            prop::sample::select(METHODS.to_vec()),
            host,
            prop::sample::select(REGIONS.to_vec()),
        ),
        (path(), query(), headers()),
        prop::collection::vec(any::<u8>(), 0..256),
        credentials,
        // 2000-01-01 to 2099-12-31.
        946_684_800u64..4_102_444_800,
    )
        .prop_map(
            |((method, (id, function_url), region), (path, query, headers), body, creds, secs)| {
                let host = if function_url {
                    format!("{id}.lambda-url.{region}.on.aws")
                } else {
                    format!("{id}.cloudfront.net")
                };
                let (access_key, secret, token) = creds;
                Case {
                    method,
                    host,
                    region,
                    raw: match query {
                        Some(query) => format!("{path}?{query}"),
                        None => path,
                    },
                    headers,
                    body,
                    access_key,
                    secret,
                    token,
                    time: UNIX_EPOCH + Duration::from_secs(secs),
                }
            },
        )
}

/// aws-sigv4's `authorization` for `request` as it goes on the wire.
fn reference_authorization(
    request: &http::Request<()>,
    credentials: &Credentials,
    region: &str,
    hash: &PayloadHash,
    time: SystemTime,
) -> Result<String, TestCaseError> {
    let fail = |what: &str, e: &dyn std::fmt::Display| TestCaseError::fail(format!("{what}: {e}"));
    let identity: Identity = credentials.clone().into();
    let mut settings = SigningSettings::default();
    settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    settings.excluded_headers = None;
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("lambda")
        .time(time)
        .settings(settings)
        .build()
        .map_err(|e| fail("params", &e))?
        .into();
    let mut headers = Vec::new();
    for (name, value) in request.headers() {
        let name = name.as_str();
        if UNSIGNED.contains(&name) || SIGNING.contains(&name) {
            continue;
        }
        let value = value
            .to_str()
            .map_err(|e| fail("the sent header is not ASCII", &e))?;
        headers.push((name, value));
    }
    let uri = request.uri().to_string();
    let signable = SignableRequest::new(
        request.method().as_str(),
        uri.as_str(),
        headers.into_iter(),
        SignableBody::Precomputed(hash.as_str().to_owned()),
    )
    .map_err(|e| fail("signable", &e))?;
    let (instructions, _) = sign(signable, &params)
        .map_err(|e| fail("aws-sigv4 sign", &e))?
        .into_parts();
    let (new_headers, _) = instructions.into_parts();
    new_headers
        .iter()
        .find(|h| h.name() == "authorization")
        .map(|h| h.value().to_owned())
        .ok_or_else(|| TestCaseError::fail("aws-sigv4 set no authorization"))
}

fn check(case: &Case) -> Result<(), TestCaseError> {
    let Ok(url) =
        FunctionUrl::with_region(&format!("https://{}{}", case.host, case.raw), case.region)
    else {
        // A query that does not decode to UTF-8 is refused before signing: not a signature.
        return Err(TestCaseError::reject("url refused"));
    };
    let mut builder = http::Request::builder()
        .method(case.method)
        .uri(url.uri().clone());
    for (name, value) in &case.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    let mut request = builder
        .body(())
        .map_err(|e| TestCaseError::fail(format!("request: {e}")))?;
    let credentials = Credentials::new(
        case.access_key.clone(),
        case.secret.clone(),
        case.token.clone(),
        None,
        "differential",
    );
    let signer = Signer::builder()
        .region(case.region)
        .build()
        .map_err(|e| TestCaseError::fail(format!("signer: {e}")))?;
    let hash = PayloadHash::of(&case.body);
    signer
        .sign_at(&mut request, &hash, &credentials, case.time)
        .map_err(|e| TestCaseError::fail(format!("sign_at: {e}")))?;
    let ours = request.headers()["authorization"]
        .to_str()
        .map_err(|e| TestCaseError::fail(format!("authorization: {e}")))?
        .to_owned();
    let reference = reference_authorization(&request, &credentials, case.region, &hash, case.time)?;
    prop_assert_eq!(ours, reference, "{:?}", request.uri());
    Ok(())
}

#[test]
fn the_signing_core_matches_aws_sigv4() {
    let cases = support::cases_from_env("LUS_DIFFERENTIAL_CASES", 2_000);
    let mut config = Config::with_cases(cases);
    config.failure_persistence = None;
    config.max_global_rejects = cases.saturating_mul(2);
    let mut runner = TestRunner::new(config);
    let started = Instant::now();
    if let Err(failure) = runner.run(&case(), |case| check(&case)) {
        panic!("{failure}");
    }
    println!(
        "differential: {cases} random requests signed identically by the crate and aws-sigv4 in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
