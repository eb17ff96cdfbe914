//! The emulator: its SigV4 verifier pinned to botocore's known answers
//! (`tests/data/vectors.json`), one-byte tampering of every case, and the
//! loopback servers (function URL + CloudFront OAC) driven with raw HTTP/1.1
//! over `tokio::net::TcpStream` — no signing code from the crate is used.
//!
//! Signed requests on the wire are either replayed botocore vectors (the
//! server clock is shifted to the vector's time) or, for the one case that
//! needs a signature over the emulator's own host (CloudFront `no-override`
//! passthrough), signed by the small test-local signer in `test_signer`, which is first
//! pinned to the vectors itself.
//!
//! One subject per file: `verifier`, `presign`, `errors` (what is refused, with which answer),
//! `lifecycle`, `function_url`, `payload`, `handler`, `cloudfront`, `host`, `whitespace`,
//! `redaction`, `policy`, `limits` (the record, the body deadlines), `tricks` (requests that try
//! to be judged as one thing and delivered as another). The helpers they share are here (constants, emulator fixtures) and in
//! `vectors` (botocore's cases), `wire` (raw HTTP/1.1) and `test_signer`; each file's
//! `use super::*` brings them in.

mod test_signer;
mod vectors;
mod wire;

mod cloudfront;
mod errors;
mod function_url;
mod handler;
mod host;
mod lifecycle;
mod limits;
mod payload;
mod policy;
mod presign;
mod redaction;
mod tricks;
mod verifier;
mod whitespace;

use std::net::SocketAddr;

use lambda_url_emulator::{
    CloudFrontConfig, Emulator, EmulatorIdentity, OacSigning, ResourcePolicy,
};
use lambda_url_signer::permissions::cloudfront_permissions;
use serde_json::Value;

use test_signer::{authorization_for, test_sign};
use vectors::*;
use wire::*;

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

fn last(emulator: &Emulator) -> lambda_url_emulator::ReceivedRequest {
    emulator
        .received()
        .pop()
        .expect("the function url received a request")
}
