//! Test fixtures shared by the signer's integration tests and the `lambda-url` tool's
//! (`#[path]` modules in both `support.rs`): never-real credentials, the emulator they are
//! accepted by, and the secret checks.

use lambda_url_signer::Credentials;

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
