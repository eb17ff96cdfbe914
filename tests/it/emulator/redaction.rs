//! `Debug` output never shows secrets or tokens.

use lambda_url_emulator::{CloudFrontConfig, EmulatorIdentity, RawRequest, Verifier};

use super::*;

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
