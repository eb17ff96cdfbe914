//! Helpers shared by the integration tests: the botocore reference vectors, time parsing,
//! fixed credentials.
#![allow(dead_code)]

use lambda_url_signer::Credentials;
use serde::Deserialize;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// One botocore-generated known answer (see `scripts/gen_vectors.py`).
#[derive(Debug, Clone, Deserialize)]
pub struct Vector {
    pub name: String,
    pub method: String,
    /// The URL as a user gives it (raw spaces, unicode, dot segments…).
    pub url: String,
    /// What must go on the wire.
    pub wire_path_and_query: String,
    pub region: String,
    pub service: String,
    pub host: String,
    pub headers: Vec<(String, String)>,
    pub body_hex: String,
    pub access_key: String,
    pub secret_key: String,
    pub session_token: Option<String>,
    pub time: String,
    pub content_sha256_header: bool,
    pub payload_hash: String,
    pub signed_headers: String,
    #[serde(default)]
    pub canonical_request: String,
    pub string_to_sign: String,
    pub signature: String,
    #[serde(default)]
    pub authorization: String,
    #[serde(default)]
    pub expires: u64,
    #[serde(default)]
    pub presigned_url: String,
}

#[derive(Debug, Deserialize)]
pub struct VectorFile {
    pub cases: Vec<Vector>,
    #[serde(default)]
    pub presigned: Vec<Vector>,
    pub get_vanilla: Option<Vector>,
}

impl Vector {
    pub fn body(&self) -> Vec<u8> {
        hex::decode(&self.body_hex).expect("vector body is hex")
    }

    pub fn credentials(&self) -> Credentials {
        Credentials::new(
            self.access_key.clone(),
            self.secret_key.clone(),
            self.session_token.clone(),
            None,
            "vector",
        )
    }

    pub fn time(&self) -> SystemTime {
        parse_amz_date(&self.time)
    }
}

pub fn vectors() -> VectorFile {
    load("vectors.json")
}

pub fn random_vectors() -> VectorFile {
    load("random_vectors.json")
}

fn load(name: &str) -> VectorFile {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("read vector file");
    serde_json::from_str(&text).expect("parse vector file")
}

/// Parses `YYYYMMDDTHHMMSSZ`.
pub fn parse_amz_date(s: &str) -> SystemTime {
    let n = |r: std::ops::Range<usize>| s[r].parse::<i64>().expect("digits");
    let (y, m, d) = (n(0..4), n(4..6), n(6..8));
    let (hh, mm, ss) = (n(9..11), n(11..13), n(13..15));
    // Days from civil (proleptic Gregorian).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + hh * 3600 + mm * 60 + ss;
    UNIX_EPOCH + Duration::from_secs(u64::try_from(secs).expect("after 1970"))
}

/// Static test credentials (never real).
pub const ACCESS_KEY: &str = "AKIAIOSFODNN7EXAMPLE";
pub const SECRET_KEY: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
pub const SESSION_TOKEN: &str = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN+/=";

pub fn credentials(session: bool) -> Credentials {
    Credentials::new(
        ACCESS_KEY,
        SECRET_KEY,
        session.then(|| SESSION_TOKEN.to_owned()),
        None,
        "test",
    )
}

/// The identity the emulator accepts for [`credentials`]`(session)`.
#[cfg(feature = "emulator")]
pub fn identity(session: bool) -> lambda_url_signer::EmulatorIdentity {
    let creds = credentials(session);
    let id = lambda_url_signer::EmulatorIdentity::new(
        creds.access_key_id(),
        creds.secret_access_key(),
        "arn:aws:iam::123456789012:user/test",
    );
    match creds.session_token() {
        Some(token) => id.with_session_token(token),
        None => id,
    }
}

pub const REGION: &str = "eu-central-1";
pub const DISTRIBUTION: &str = "arn:aws:cloudfront::123456789012:distribution/EDFDVBD6EXAMPLE";
pub const FUNCTION_ARN: &str = "arn:aws:lambda:eu-central-1:123456789012:function:emulated";

/// An emulator in [`REGION`] that accepts the session test identity, with a CloudFront
/// distribution the resource policy permits; `configure` adjusts it before start.
#[cfg(feature = "emulator")]
pub async fn emulator(
    configure: impl FnOnce(lambda_url_signer::EmulatorBuilder) -> lambda_url_signer::EmulatorBuilder,
) -> lambda_url_signer::Emulator {
    let policy = lambda_url_signer::cloudfront_permissions(FUNCTION_ARN, DISTRIBUTION)
        .expect("arns")
        .policy_json();
    let builder = lambda_url_signer::Emulator::builder()
        .region(REGION)
        .function_arn(FUNCTION_ARN)
        .identity(identity(true))
        .resource_policy(lambda_url_signer::ResourcePolicy::from_json(&policy).expect("policy"))
        .cloudfront(lambda_url_signer::CloudFrontConfig::new(DISTRIBUTION));
    configure(builder).start().await.expect("emulator starts")
}

/// The emulator's function URL as a `FunctionUrl` in [`REGION`].
#[cfg(feature = "emulator")]
pub fn function_url(emulator: &lambda_url_signer::Emulator) -> lambda_url_signer::FunctionUrl {
    lambda_url_signer::FunctionUrl::with_region(emulator.function_url(), REGION).expect("url")
}

/// A client that signs with the session test credentials for the emulator's region.
#[cfg(feature = "middleware")]
pub fn iam_client() -> reqwest_middleware::ClientWithMiddleware {
    let signer = lambda_url_signer::Signer::builder()
        .region(REGION)
        .credentials(credentials(true))
        .build()
        .expect("signer");
    reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(lambda_url_signer::SigningMiddleware::new(signer))
        .build()
}

/// The lowercase hex SHA-256 of `bytes`, computed with `sha2` directly (not the crate).
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// Collects everything a `tracing` subscriber at TRACE level prints while `f` runs.
pub fn capture_trace<T>(f: impl FnOnce() -> T) -> (T, String) {
    use std::sync::{Arc, Mutex};
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("lock").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let result = tracing::subscriber::with_default(subscriber, f);
    let text = String::from_utf8_lossy(&buffer.0.lock().expect("lock")).into_owned();
    (result, text)
}
