//! One payload rule: the client's check ([`PayloadLimit`]) and the emulator's 413 (its own code)
//! give the same verdict over a table of content types, at sizes just under and just over the
//! limit, counted as text and as base64.

use lambda_url_emulator::{AuthType, Emulator};
use lambda_url_signer::PayloadLimit;

/// A small limit keeps the table fast; the rule is the same at any limit (the default one is
/// checked by the last test).
const LIMIT: u64 = 3_000;

/// Content types, and whether Lambda counts the body as text.
const CONTENT_TYPES: &[(Option<&str>, bool)] = &[
    (Some("application/json"), true),
    (Some("application/json; charset=utf-8"), true),
    (Some("APPLICATION/JSON"), true),
    (Some("application/ld+json"), true),
    (Some("application/vnd.api+json"), true),
    (Some("text/plain"), true),
    (Some("Text/HTML; charset=UTF-8"), true),
    (Some("text/csv"), true),
    (Some("application/xml"), true),
    (Some("text/javascript"), true),
    (Some("application/x-www-form-urlencoded"), true),
    (Some("multipart/form-data; boundary=json0123"), false),
    (Some("multipart/form-data; boundary=----xml"), false),
    (Some("image/png; name=text/plain"), false),
    (Some("application/octet-stream"), false),
    (Some("application/gzip"), false),
    (None, false),
];

/// Body lengths around the limit: as text (`LIMIT`, `LIMIT + 1`) and as base64 (the longest
/// body whose base64 fits, and one byte more).
fn sizes() -> [u64; 4] {
    let base64_fits = LIMIT / 4 * 3;
    [LIMIT, LIMIT + 1, base64_fits, base64_fits + 1]
}

fn headers(content_type: Option<&str>) -> http::HeaderMap {
    let mut headers = http::HeaderMap::new();
    if let Some(value) = content_type {
        headers.insert(http::header::CONTENT_TYPE, value.parse().unwrap());
    }
    headers
}

/// The emulator's verdict: `true` when it accepts the body (200), `false` for its 413.
async fn emulator_accepts(
    client: &reqwest::Client,
    emulator: &Emulator,
    content_type: Option<&str>,
    len: u64,
) -> bool {
    let mut request = client
        .post(emulator.function_url())
        .body(vec![b'a'; len as usize]);
    if let Some(value) = content_type {
        request = request.header("content-type", value);
    }
    let status = request.send().await.unwrap().status().as_u16();
    assert!(status == 200 || status == 413, "status {status}");
    status == 200
}

#[tokio::test]
async fn the_client_check_and_the_emulator_agree_on_every_content_type_and_size() {
    let emulator = Emulator::builder()
        .region(crate::support::REGION)
        .auth_type(AuthType::None)
        .max_payload_bytes(LIMIT as usize)
        .start()
        .await
        .unwrap();
    let client = reqwest::Client::new();
    let limit = PayloadLimit::Bytes(LIMIT);
    for &(content_type, text) in CONTENT_TYPES {
        let counted = PayloadLimit::counted_size(&headers(content_type), 3);
        assert_eq!(
            counted == 3,
            text,
            "{content_type:?} counted as text: {text}"
        );
        for len in sizes() {
            let client_accepts = limit.check(&headers(content_type), len).is_ok();
            let emulator_accepts = emulator_accepts(&client, &emulator, content_type, len).await;
            assert_eq!(
                client_accepts, emulator_accepts,
                "{content_type:?}, {len} bytes: client {client_accepts}, emulator {emulator_accepts}"
            );
        }
    }
}

#[tokio::test]
async fn at_the_default_limit_both_refuse_a_binary_body_that_fits_only_as_text() {
    let emulator = Emulator::builder()
        .region(crate::support::REGION)
        .auth_type(AuthType::None)
        .start()
        .await
        .unwrap();
    let client = reqwest::Client::new();
    // 4,718,593 bytes: 6,291,460 in base64, over 6,291,456; as text it would fit.
    let content_type = Some("multipart/form-data; boundary=json0123");
    let len = 4_718_593;
    assert!(PayloadLimit::default()
        .check(&headers(content_type), len)
        .is_err());
    assert!(!emulator_accepts(&client, &emulator, content_type, len).await);
    assert!(PayloadLimit::default()
        .check(&headers(Some("application/json")), len)
        .is_ok());
    assert!(emulator_accepts(&client, &emulator, Some("application/json"), len).await);
}
