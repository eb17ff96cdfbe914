//! Helpers shared by the `lambda-url` tests: the binary in a clean environment, test
//! credentials and the emulator that accepts them, raw HTTP/1.1 on loopback, secret checks.
#![allow(dead_code)]

use lambda_url_signer::Credentials;
use std::path::Path;
use std::process::{Command, Stdio};

/// The `lambda-url` binary Cargo built for these tests.
pub const BINARY: &str = env!("CARGO_BIN_EXE_lambda-url");

/// `lambda-url` with a cleared environment: only `PATH`, `HOME` set to `home` (where no AWS
/// config or credentials file is), instance metadata disabled; no standard input, stdout and
/// stderr piped. Tests add the arguments and the variables they need (`Command::env`).
pub fn clean_command(home: &Path) -> Command {
    let mut command = Command::new(BINARY);
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", home.join("no-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("no-credentials"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// `lambda-url <subcommand>` with a cleared environment (see [`clean_command`]).
pub fn lambda_url(subcommand: &str, home: &Path) -> Command {
    let mut command = clean_command(home);
    command.arg(subcommand);
    command
}

/// The variables with the session test credentials the test emulator accepts.
pub fn session_env() -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ACCESS_KEY_ID", ACCESS_KEY.to_owned()),
        ("AWS_SECRET_ACCESS_KEY", SECRET_KEY.to_owned()),
        ("AWS_SESSION_TOKEN", SESSION_TOKEN.to_owned()),
    ]
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
pub fn identity(session: bool) -> lambda_url_emulator::EmulatorIdentity {
    let creds = credentials(session);
    let id = lambda_url_emulator::EmulatorIdentity::new(
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
pub async fn emulator(
    configure: impl FnOnce(lambda_url_emulator::EmulatorBuilder) -> lambda_url_emulator::EmulatorBuilder,
) -> lambda_url_emulator::Emulator {
    let policy = lambda_url_signer::permissions::cloudfront_permissions(FUNCTION_ARN, DISTRIBUTION)
        .expect("arns")
        .policy_json();
    let builder = lambda_url_emulator::Emulator::builder()
        .region(REGION)
        .function_arn(FUNCTION_ARN)
        .identity(identity(true))
        .resource_policy(lambda_url_emulator::ResourcePolicy::from_json(&policy).expect("policy"))
        .cloudfront(lambda_url_emulator::CloudFrontConfig::new(DISTRIBUTION));
    configure(builder).start().await.expect("emulator starts")
}

/// A signer for the emulator's region with the session test credentials.
pub fn signer() -> lambda_url_signer::Signer {
    lambda_url_signer::Signer::builder()
        .region(REGION)
        .credentials(credentials(true))
        .build()
        .expect("signer")
}

/// A client that signs with [`signer`].
pub fn iam_client() -> reqwest_middleware::ClientWithMiddleware {
    reqwest_middleware::ClientBuilder::new(
        lambda_url_signer::reqwest::client_builder()
            .build()
            .expect("client"),
    )
    .with(lambda_url_signer::middleware::SigningMiddleware::new(
        signer(),
    ))
    .build()
}

/// The lowercase hex SHA-256 of `bytes`, computed with `sha2` directly (not the crate).
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// The case count for a property or fuzz target: the environment variable `var` if set to a
/// number, else `default`. Read only, never set by a test.
pub fn cases_from_env(var: &str, default: u32) -> u32 {
    std::env::var(var)
        .ok()
        .and_then(|v| v.trim().replace(['_', ','], "").parse().ok())
        .unwrap_or(default)
}

#[path = "../../../tests/common/raw_http.rs"]
mod raw_http;
pub use raw_http::{http1_bytes, read_http1_response, RawResponse, ScriptedServer};

/// The secret material of [`credentials`]`(true)` in every form it could leak in: as is, and
/// percent-encoded (as in a presigned URL's query).
pub fn secret_needles() -> Vec<String> {
    let encode = |s: &str| {
        let mut out = String::new();
        for b in s.bytes() {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                out.push(char::from(b));
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
        out
    };
    vec![
        SECRET_KEY.to_owned(),
        encode(SECRET_KEY),
        SESSION_TOKEN.to_owned(),
        encode(SESSION_TOKEN),
        // The token's alphanumeric prefix catches any other encoding of it.
        SESSION_TOKEN.trim_end_matches(['+', '/', '=']).to_owned(),
    ]
}

/// Panics with `context` if `text` contains the secret key or the session token in any form.
pub fn assert_no_secret(context: &str, text: &str) {
    for needle in secret_needles() {
        assert!(
            !text.contains(&needle),
            "{context}: leaks `{needle}` in: {text}"
        );
    }
}
