//! Whitespace in header values is canonicalized as botocore does (trim, then every run of
//! spaces and tabs becomes one space), in the verifier and over the wire.

use lambda_url_emulator::{RawRequest, RejectionKind, Verifier};

use super::*;

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
