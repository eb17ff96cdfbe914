//! The signer against botocore's known answers (`tests/data/*.json`, made by
//! `scripts/gen_vectors.py`): wire form, canonical request, string to sign and signature, byte
//! for byte; and the published AWS test-suite `get-vanilla` signature.

use crate::support::{self, Vector};
use lambda_url_signer::{ContentSha256Header, FunctionUrl, PayloadHash, Signer};

/// Signs a vector's request as a user of the crate would: parse the URL as given, add the
/// headers, sign at the vector's time. Returns the signed request and the signer's details.
fn sign_vector(v: &Vector) -> (http::Request<Vec<u8>>, lambda_url_signer::SigningDetails) {
    let url = FunctionUrl::with_region(&v.url, &v.region)
        .unwrap_or_else(|e| panic!("{}: parse: {e}", v.name));
    assert_eq!(
        url.path_and_query(),
        v.wire_path_and_query,
        "{}: wire form",
        v.name
    );
    assert_eq!(url.host(), v.host, "{}: host", v.name);
    let mut builder = http::Request::builder()
        .method(v.method.as_str())
        .uri(url.uri().clone());
    for (name, value) in &v.headers {
        builder = builder.header(name, value);
    }
    let mut request = builder.body(v.body()).expect("request");
    let header = if v.content_sha256_header {
        ContentSha256Header::Include
    } else {
        ContentSha256Header::Omit
    };
    let signer = Signer::builder()
        .region(&v.region)
        .service(&v.service)
        .content_sha256_header(header)
        .build()
        .expect("signer");
    let hash = PayloadHash::of(request.body());
    assert_eq!(hash.as_str(), v.payload_hash, "{}: payload hash", v.name);
    let credentials = v.credentials();
    let details = signer
        .explain_at(&request, &hash, &credentials, v.time())
        .expect("explain");
    signer
        .sign_at(&mut request, &hash, &credentials, v.time())
        .unwrap_or_else(|e| panic!("{}: sign: {e}", v.name));
    (request, details)
}

fn check_case(v: &Vector) {
    let (request, details) = sign_vector(v);
    assert_eq!(
        details.canonical_request(),
        v.canonical_request,
        "{}: canonical request",
        v.name
    );
    assert_eq!(
        details.string_to_sign(),
        v.string_to_sign,
        "{}: string to sign",
        v.name
    );
    assert_eq!(
        details.signed_headers(),
        v.signed_headers,
        "{}: signed headers",
        v.name
    );
    let authorization = request.headers()["authorization"].to_str().expect("ascii");
    assert_eq!(authorization, v.authorization, "{}: authorization", v.name);
    assert_eq!(
        request.uri().path_and_query().map(|pq| pq.as_str()),
        Some(v.wire_path_and_query.as_str()),
        "{}: uri",
        v.name
    );
    assert_eq!(request.headers()["x-amz-date"], v.time.as_str());
    if v.content_sha256_header {
        assert_eq!(
            request.headers()["x-amz-content-sha256"],
            v.payload_hash.as_str()
        );
    } else {
        assert!(!request.headers().contains_key("x-amz-content-sha256"));
    }
    match &v.session_token {
        Some(token) => assert_eq!(request.headers()["x-amz-security-token"], token.as_str()),
        None => assert!(!request.headers().contains_key("x-amz-security-token")),
    }
}

#[test]
fn every_reference_case_matches_botocore() {
    let file = support::vectors();
    assert!(file.cases.len() >= 40, "at least 40 cases");
    for v in &file.cases {
        check_case(v);
    }
}

#[test]
fn random_cases_match_botocore() {
    let file = support::random_vectors();
    assert!(file.cases.len() >= 500);
    for v in &file.cases {
        check_case(v);
    }
}

#[test]
fn published_get_vanilla_signature() {
    let v = support::vectors().get_vanilla.expect("get_vanilla case");
    assert_eq!(
        v.signature,
        "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
    );
    check_case(&v);
    let (request, _) = sign_vector(&v);
    let authorization = request.headers()["authorization"].to_str().expect("ascii");
    assert!(authorization
        .ends_with("Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"));
}

#[test]
fn presigned_urls_match_botocore() {
    let file = support::vectors();
    assert!(file.presigned.len() >= 6);
    for v in &file.presigned {
        let url = FunctionUrl::with_region(&v.url, &v.region).expect("url");
        let signer = Signer::builder()
            .region(&v.region)
            .service(&v.service)
            .build()
            .expect("signer");
        let hash = PayloadHash::of(&v.body());
        let method = http::Method::from_bytes(v.method.as_bytes()).expect("method");
        let presigned = signer
            .presign_at(
                &method,
                &url,
                &hash,
                std::time::Duration::from_secs(v.expires),
                &v.credentials(),
                v.time(),
            )
            .unwrap_or_else(|e| panic!("{}: presign: {e}", v.name));
        assert_eq!(presigned.as_str(), v.presigned_url, "{}", v.name);
    }
}

#[test]
fn the_article_body_hash() {
    let body = b"{\n    \"test\": \"message\"\n}";
    assert_eq!(
        PayloadHash::of(body).as_str(),
        "7acb899e28935d98d2a01e27212b5f130ca860f5899c1caabf18ec0988e5df62"
    );
}
