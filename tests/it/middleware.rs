//! The reqwest middleware on the wire: everything is asserted on what the emulator's function
//! URL endpoint received and how its independent verifier judged it.

use crate::support::{self, emulator, function_url, iam_client, sha256_hex};
use lambda_url_emulator::{
    AuthType, CloudFrontConfig, EmulatorIdentity, HandlerResponse, OacSigning,
};
use lambda_url_signer::middleware::{OacMiddleware, SigningMiddleware, SkewCorrection};
use lambda_url_signer::reqwest::Diagnosis;
use lambda_url_signer::{Error, PayloadHash, PayloadLimit, Signer};
use reqwest_middleware::ClientBuilder;
use reqwest_retry::{policies::ExponentialBackoff, RetryTransientMiddleware};
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

fn middleware_error(err: reqwest_middleware::Error) -> Error {
    match err {
        reqwest_middleware::Error::Middleware(e) => match e.downcast::<Error>() {
            Ok(e) => e,
            Err(other) => panic!("not a crate error: {other:?}"),
        },
        other => panic!("not a middleware error: {other:?}"),
    }
}

#[tokio::test]
async fn iam_get_and_post_verify_on_the_wire() {
    let emu = emulator(|b| b).await;
    let url = function_url(&emu);
    let client = iam_client();
    let get = client.get(url.as_str()).send().await.unwrap();
    assert_eq!(get.status(), 200);
    let body = "{\n    \"test\": \"message\"\n}";
    let post = client
        .post(url.join("/items").unwrap().as_str())
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 200);
    let echo: serde_json::Value = post.json().await.unwrap();
    assert_eq!(echo["bodySha256"], sha256_hex(body.as_bytes()));
    let received = emu.received();
    assert_eq!(received.len(), 2);
    for r in &received {
        assert_eq!(r.outcome.status, 200, "{r:?}");
        assert_eq!(
            r.outcome.caller_arn.as_deref(),
            Some("arn:aws:iam::123456789012:user/test")
        );
        assert_eq!(
            r.header_str("x-amz-content-sha256"),
            Some(sha256_hex(&r.body).as_str())
        );
        assert_eq!(
            r.header_str("x-amz-security-token"),
            Some(support::SESSION_TOKEN)
        );
        let auth = r.header_str("authorization").unwrap();
        assert!(auth.contains("/eu-central-1/lambda/aws4_request"), "{auth}");
    }
    assert_eq!(received[1].body, body.as_bytes());
}

#[tokio::test]
async fn the_url_sent_is_the_url_signed() {
    let emu = emulator(|b| b).await;
    let base = function_url(&emu);
    let client = iam_client();
    let cases = [
        ("/search?q=a+b", "/search?q=a%20b"),
        ("/plus+path?q=a+b", "/plus%2Bpath?q=a%20b"),
        ("/search?q=a%2Bb", "/search?q=a%2Bb"),
        ("/search?q=a%20b&q=c", "/search?q=a%20b&q=c"),
        ("/r?z=1&a=2&z=0&flag", "/r?z=1&a=2&z=0&flag="),
        (
            "/p/it's(1)!*?k=!'()*",
            "/p/it%27s%281%29%21%2A?k=%21%27%28%29%2A",
        ),
        (
            "/%C3%A9t%C3%A9?ville=S%C3%A3o%20Paulo",
            "/%C3%A9t%C3%A9?ville=S%C3%A3o%20Paulo",
        ),
        ("/a/./b/../c", "/a/c"),
        ("/sp%20ace/x~y?e=%3D%26", "/sp%20ace/x~y?e=%3D%26"),
    ];
    for (i, (raw, wire)) in cases.iter().enumerate() {
        let response = client
            .get(format!(
                "{}{}",
                emu.function_url().trim_end_matches('/'),
                raw
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{raw}");
        let r = &emu.received()[i];
        assert_eq!(r.target, *wire, "{raw}");
        assert_eq!(r.outcome.status, 200, "{raw}");
        // And through FunctionUrl::join, the same wire form.
        assert_eq!(base.join(raw).unwrap().path_and_query(), *wire);
    }
}

#[tokio::test]
async fn in_memory_bodies_of_every_kind() {
    let emu = emulator(|b| b).await;
    let url = function_url(&emu);
    let client = iam_client();
    let json = serde_json::json!({"a": [1, 2, 3], "b": "ü"});
    let responses = vec![
        client
            .post(url.as_str())
            .body(vec![0u8, 159, 146, 150, 255])
            .send()
            .await
            .unwrap(),
        client
            .put(url.as_str())
            .body(String::from("text body"))
            .send()
            .await
            .unwrap(),
        client.patch(url.as_str()).json(&json).send().await.unwrap(),
        client
            .post(url.as_str())
            .form(&[("k", "v w"), ("x", "+")])
            .send()
            .await
            .unwrap(),
        client.delete(url.as_str()).send().await.unwrap(),
    ];
    for response in responses {
        assert_eq!(response.status(), 200);
    }
    for r in emu.received() {
        assert_eq!(r.outcome.status, 200, "{r:?}");
        assert_eq!(
            r.header_str("x-amz-content-sha256"),
            Some(sha256_hex(&r.body).as_str())
        );
    }
}

#[tokio::test]
async fn streaming_body_fails_before_sending() {
    let emu = emulator(|b| b).await;
    let path = std::env::temp_dir().join(format!("lus-stream-{}", std::process::id()));
    std::fs::write(&path, b"streamed").unwrap();
    let file = tokio::fs::File::open(&path).await.unwrap();
    let err = iam_client()
        .post(emu.function_url())
        .body(reqwest::Body::from(file))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(middleware_error(err), Error::StreamingBody));
    let oac = ClientBuilder::new(reqwest::Client::new())
        .with(OacMiddleware::new())
        .build();
    let file = tokio::fs::File::open(&path).await.unwrap();
    let err = oac
        .post(emu.function_url())
        .body(reqwest::Body::from(file))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(middleware_error(err), Error::StreamingBody));
    assert!(emu.received().is_empty(), "nothing was sent");
    std::fs::remove_file(&path).unwrap();
}

/// A 300,000-byte file (more than one read buffer) in a test-owned temporary path.
fn stream_file(name: &str) -> (std::path::PathBuf, Vec<u8>) {
    let path = std::env::temp_dir().join(format!("lus-{name}-{}", std::process::id()));
    let bytes: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&path, &bytes).unwrap();
    (path, bytes)
}

#[tokio::test]
async fn a_streaming_body_with_a_declared_hash_streams_through_both_middlewares() {
    let emu = emulator(|b| b).await;
    let (path, bytes) = stream_file("declared");
    let hash = PayloadHash::from_async_reader(tokio::fs::File::open(&path).await.unwrap())
        .await
        .unwrap();
    assert_eq!(hash.as_str(), sha256_hex(&bytes));
    let oac = ClientBuilder::new(
        lambda_url_signer::reqwest::client_builder()
            .build()
            .unwrap(),
    )
    .with(OacMiddleware::new())
    .build();
    for (client, url) in [
        (iam_client(), emu.function_url().to_owned()),
        (oac, emu.cloudfront_url().unwrap().to_owned()),
    ] {
        let file = tokio::fs::File::open(&path).await.unwrap();
        let response = client
            .put(&url)
            .header("content-type", "application/octet-stream")
            .with_extension(hash)
            .body(reqwest::Body::from(file))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{url}");
    }
    let received = emu.received();
    assert_eq!(received.len(), 2);
    for r in &received {
        assert_eq!(r.outcome.rejection, None, "{r:?}");
        assert_eq!(r.body, bytes, "the handler got the whole file");
        assert_eq!(r.header_str("x-amz-content-sha256"), Some(hash.as_str()));
        // The hash counted the bytes, so the stream goes out with its length, not chunked.
        assert_eq!(r.header_str("content-length"), Some("300000"));
        assert_eq!(r.header_str("transfer-encoding"), None);
    }
    std::fs::remove_file(&path).unwrap();
}

#[tokio::test]
async fn a_streamed_upload_over_the_limit_fails_before_a_byte_is_sent() {
    let emu = emulator(|b| b).await;
    // 5,000,000 binary bytes count as 6,666,668 in base64: over Lambda's 6,291,456.
    let path = std::env::temp_dir().join(format!("lus-too-large-{}", std::process::id()));
    std::fs::write(&path, vec![7u8; 5_000_000]).unwrap();
    let hash = PayloadHash::from_async_reader(tokio::fs::File::open(&path).await.unwrap())
        .await
        .unwrap();
    assert_eq!(hash.body_len(), Some(5_000_000));
    let oac = ClientBuilder::new(reqwest::Client::new())
        .with(OacMiddleware::new())
        .build();
    for client in [iam_client(), oac] {
        let file = tokio::fs::File::open(&path).await.unwrap();
        let err = client
            .put(emu.function_url())
            .header("content-type", "application/octet-stream")
            .with_extension(hash)
            .body(reqwest::Body::from(file))
            .send()
            .await
            .unwrap_err();
        let err = middleware_error(err);
        assert!(
            matches!(
                err,
                Error::BodyTooLarge {
                    body_len: 5_000_000,
                    size: 6_666_668,
                    limit: 6_291_456
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("base64"), "{err}");
    }
    assert!(emu.received().is_empty(), "nothing crossed the wire");
    std::fs::remove_file(&path).unwrap();
}

#[tokio::test]
async fn a_declared_hash_that_does_not_match_the_stream_gets_lambdas_403() {
    let emu = emulator(|b| b).await;
    let (path, _) = stream_file("mismatch");
    let wrong = PayloadHash::of(b"something else");
    let file = tokio::fs::File::open(&path).await.unwrap();
    let response = iam_client()
        .put(emu.function_url())
        .with_extension(wrong)
        .body(reqwest::Body::from(file))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let (diagnosis, _) = Diagnosis::from_response(response).await.unwrap();
    assert_eq!(diagnosis, Some(Diagnosis::SignatureMismatch));
    assert!(emu.received()[0].outcome.rejection.is_some());
    std::fs::remove_file(&path).unwrap();
}

#[tokio::test]
async fn plain_reqwest_signed_with_sign_reqwest() {
    let emu = emulator(|b| b).await;
    let client = lambda_url_signer::reqwest::client_builder()
        .build()
        .unwrap();
    let signer = support::signer();
    let mut request = client
        .post(format!("{}items?q=a+b&p=%2B", emu.function_url()))
        .header("content-type", "application/json")
        .body(r#"{"id":1}"#)
        .build()
        .unwrap();
    signer.sign(&mut request).await.unwrap();
    let response = client.execute(request).await.unwrap();
    assert_eq!(response.status(), 200);
    let r = &emu.received()[0];
    assert_eq!(r.outcome.rejection, None);
    assert_eq!(r.target, "/items?q=a%20b&p=%2B");
    assert_eq!(r.body, br#"{"id":1}"#);
    // A streaming body: signed with a precomputed hash, explicit credentials and time.
    let (path, bytes) = stream_file("plain");
    let file = tokio::fs::File::open(&path).await.unwrap();
    let mut request = client
        .put(emu.function_url())
        .body(reqwest::Body::from(file))
        .build()
        .unwrap();
    assert!(matches!(
        signer.sign(&mut request).await,
        Err(Error::StreamingBody)
    ));
    let time = std::time::SystemTime::now();
    signer
        .sign_at(
            &mut request,
            &PayloadHash::of(&bytes),
            &support::credentials(true),
            time,
        )
        .unwrap();
    let response = client.execute(request).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(emu.received()[1].outcome.rejection, None);
    assert_eq!(emu.received()[1].body, bytes);
    std::fs::remove_file(&path).unwrap();
}

#[tokio::test]
async fn oac_refuses_get_and_head_with_a_body_before_sending() {
    let emu = emulator(|b| b).await;
    let cloudfront = emu.cloudfront_url().unwrap().to_owned();
    let client = ClientBuilder::new(
        lambda_url_signer::reqwest::client_builder()
            .build()
            .unwrap(),
    )
    .with(OacMiddleware::new())
    .build();
    for method in [reqwest::Method::GET, reqwest::Method::HEAD] {
        let err = client
            .request(method.clone(), &cloudfront)
            .body("a body")
            .send()
            .await
            .unwrap_err();
        let err = middleware_error(err);
        assert!(
            matches!(&err, Error::BodyNotAllowed { method: m } if *m == method.as_str()),
            "{err:?}"
        );
    }
    assert!(emu.received().is_empty(), "nothing was sent");
    // Without a body they go through.
    let response = client.get(&cloudfront).send().await.unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn size_guard_counts_base64_growth_and_can_be_switched_off() {
    let emu = emulator(|b| b).await;
    let client = iam_client();
    let text = vec![b'a'; 6_291_457];
    let err = client
        .post(emu.function_url())
        .header("content-type", "application/json")
        .body(text.clone())
        .send()
        .await
        .unwrap_err();
    match middleware_error(err) {
        e @ Error::BodyTooLarge {
            body_len: 6_291_457,
            size: 6_291_457,
            limit: 6_291_456,
        } => {
            assert_eq!(
                e.to_string(),
                "the body is 6291457 bytes, over the limit of 6291456 bytes"
            );
        }
        other => panic!("{other:?}"),
    }
    // 4,718,593 binary bytes grow to 6,291,460 in base64.
    let binary = vec![0u8; 4_718_593];
    let err = client
        .post(emu.function_url())
        .body(binary)
        .send()
        .await
        .unwrap_err();
    let err = middleware_error(err);
    assert!(matches!(
        err,
        Error::BodyTooLarge {
            body_len: 4_718_593,
            size: 6_291_460,
            ..
        }
    ));
    assert_eq!(
        err.to_string(),
        "the body is 4718593 bytes, which Lambda counts as 6291460 (base64, as the content-type \
         is not text), over the limit of 6291456 bytes"
    );
    // At the limit it goes through.
    let ok = client
        .post(emu.function_url())
        .header("content-type", "text/plain")
        .body(vec![b'a'; 6_291_456])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(
        emu.received().len(),
        1,
        "the oversized bodies were never sent"
    );
    // Switched off, the service's own 413 answers.
    let signer = support::signer();
    let unlimited = ClientBuilder::new(reqwest::Client::new())
        .with(SigningMiddleware::new(signer).payload_limit(PayloadLimit::Unlimited))
        .build();
    let response = unlimited
        .post(emu.function_url())
        .header("content-type", "application/json")
        .body(text)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    let (diagnosis, _) = Diagnosis::from_response(response).await.unwrap();
    assert_eq!(diagnosis, Some(Diagnosis::PayloadTooLarge));
}

/// Fails with 503 for the first `failures` invocations, then echoes.
fn flaky(
    failures: usize,
) -> (
    Arc<AtomicUsize>,
    impl Fn(&lambda_url_emulator::InvokeEvent) -> HandlerResponse + Send + Sync,
) {
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    (count, move |_event: &lambda_url_emulator::InvokeEvent| {
        if seen.fetch_add(1, Ordering::SeqCst) < failures {
            HandlerResponse::text(503, "try again")
        } else {
            HandlerResponse::text(200, "ok")
        }
    })
}

/// The distinct `Authorization` headers the function URL received.
fn signatures(received: &[lambda_url_emulator::ReceivedRequest]) -> HashSet<String> {
    received
        .iter()
        .filter_map(|r| r.header_str("authorization"))
        .map(str::to_owned)
        .collect()
}

fn retry_policy() -> ExponentialBackoff {
    ExponentialBackoff::builder()
        .retry_bounds(Duration::from_millis(1), Duration::from_millis(5))
        .build_with_max_retries(2)
}

#[tokio::test]
async fn retries_are_re_signed_with_fresh_signatures() {
    let (_, handler) = flaky(2);
    let emu = emulator(|b| b.handler(handler)).await;
    let signer = support::signer();
    // Retry first, signer second.
    let client = ClientBuilder::new(reqwest::Client::new())
        .with(RetryTransientMiddleware::new_with_policy(retry_policy()))
        .with(SigningMiddleware::new(signer.clone()))
        .build();
    let response = client
        .post(emu.function_url())
        .body("payload")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let received = emu.received();
    assert_eq!(received.len(), 3);
    let signatures = signatures(&received);
    let statuses: Vec<_> = received.iter().map(|r| r.outcome.status).collect();
    assert_eq!(
        statuses,
        [503, 503, 200],
        "every attempt passed verification"
    );
    for r in &received {
        assert_eq!(r.outcome.rejection, None);
        assert_eq!(
            r.header_str("x-amz-content-sha256"),
            Some(sha256_hex(b"payload").as_str())
        );
    }
    // Each attempt was signed afresh: same date second gives the same signature, so the
    // number of distinct signatures equals the number of distinct x-amz-date values.
    let dates: HashSet<_> = received
        .iter()
        .map(|r| r.header_str("x-amz-date").unwrap().to_owned())
        .collect();
    assert_eq!(signatures.len(), dates.len(), "{signatures:?}");
}

#[tokio::test]
async fn three_distinct_valid_signatures_across_retries() {
    let (_, handler) = flaky(2);
    let emu = emulator(|b| b.handler(handler)).await;
    let signer = support::signer();
    let slow = ExponentialBackoff::builder()
        .retry_bounds(Duration::from_millis(1100), Duration::from_millis(1200))
        .jitter(reqwest_retry::Jitter::None)
        .build_with_max_retries(2);
    let client = ClientBuilder::new(reqwest::Client::new())
        .with(RetryTransientMiddleware::new_with_policy(slow))
        .with(SigningMiddleware::new(signer))
        .build();
    assert_eq!(
        client
            .get(emu.function_url())
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let received = emu.received();
    let signatures = signatures(&received);
    assert_eq!(received.len(), 3);
    assert_eq!(signatures.len(), 3, "three distinct signatures");
    assert!(
        received.iter().all(|r| r.outcome.rejection.is_none()),
        "all valid"
    );
}

#[tokio::test]
async fn signer_before_retry_replays_one_signature() {
    let (_, handler) = flaky(2);
    let emu = emulator(|b| b.handler(handler)).await;
    let signer = support::signer();
    let client = ClientBuilder::new(reqwest::Client::new())
        .with(SigningMiddleware::new(signer))
        .with(RetryTransientMiddleware::new_with_policy(retry_policy()))
        .build();
    assert_eq!(
        client
            .get(emu.function_url())
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let signatures = signatures(&emu.received());
    assert_eq!(
        signatures.len(),
        1,
        "the wrong order replays the first signature"
    );
}

#[tokio::test]
async fn oac_mode_adds_only_the_hash() {
    // CloudFront that does not sign and a function without auth: the function sees the
    // viewer's request as the middleware sent it.
    let emu = emulator(|b| {
        b.auth_type(AuthType::None)
            .cloudfront(CloudFrontConfig::new(support::DISTRIBUTION).signing(OacSigning::Never))
    })
    .await;
    let client = ClientBuilder::new(reqwest::Client::new())
        .with(OacMiddleware::new())
        .build();
    let cloudfront = emu.cloudfront_url().unwrap().to_owned();
    client
        .post(&cloudfront)
        .body("{\"a\":1}")
        .send()
        .await
        .unwrap();
    client.get(&cloudfront).send().await.unwrap();
    let received = emu.received();
    assert_eq!(
        received[0].header_str("x-amz-content-sha256"),
        Some(sha256_hex(b"{\"a\":1}").as_str())
    );
    assert_eq!(
        received[1].header_str("x-amz-content-sha256"),
        Some(lambda_url_signer::PayloadHash::EMPTY.as_str())
    );
    assert!(received.iter().all(|r| r.header("authorization").is_none()));
}

#[tokio::test]
async fn oac_post_through_cloudfront_needs_the_hash() {
    let emu = emulator(|b| b).await;
    let cloudfront = emu.cloudfront_url().unwrap().to_owned();
    let plain = reqwest::Client::new();
    let without = plain
        .post(&cloudfront)
        .body("{\"a\":1}")
        .send()
        .await
        .unwrap();
    assert_eq!(without.status(), 403);
    let (diagnosis, _) = Diagnosis::from_response(without).await.unwrap();
    assert_eq!(diagnosis, Some(Diagnosis::SignatureMismatch));
    let client = ClientBuilder::new(reqwest::Client::new())
        .with(OacMiddleware::new())
        .build();
    for method in [
        reqwest::Method::POST,
        reqwest::Method::PUT,
        reqwest::Method::PATCH,
    ] {
        let response = client
            .request(method.clone(), &cloudfront)
            .body("{\"a\":1}")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{method}");
    }
    let accepted = emu
        .received()
        .into_iter()
        .filter(|r| r.outcome.status == 200)
        .count();
    assert_eq!(accepted, 3);
}

#[tokio::test]
async fn no_override_mode_signs_for_the_origin_host() {
    let emu = emulator(|b| {
        b.cloudfront(CloudFrontConfig::new(support::DISTRIBUTION).signing(OacSigning::NoOverride))
    })
    .await;
    let signer = Signer::builder()
        .region(support::REGION)
        .sign_host(emu.function_host())
        .credentials(support::credentials(true))
        .build()
        .unwrap();
    let client = ClientBuilder::new(reqwest::Client::new())
        .with(SigningMiddleware::new(signer))
        .build();
    let response = client
        .post(emu.cloudfront_url().unwrap())
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let r = &emu.received()[0];
    assert!(r.via_cloudfront);
    assert!(r.header_str("authorization").unwrap().starts_with(&format!(
        "AWS4-HMAC-SHA256 Credential={}/",
        support::ACCESS_KEY
    )));
    assert_eq!(
        r.outcome.caller_arn.as_deref(),
        Some("arn:aws:iam::123456789012:user/test")
    );
}

#[tokio::test]
async fn clock_skew_is_corrected_both_ways_and_dropped_when_clocks_agree() {
    for offset in [900i64, -900] {
        let emu = emulator(|b| b.clock_offset_secs(offset)).await;
        let signer = support::signer();
        let mw = SigningMiddleware::new(signer);
        let client = ClientBuilder::new(reqwest::Client::new())
            .with(mw.clone())
            .build();
        let response = client.get(emu.function_url()).send().await.unwrap();
        assert_eq!(response.status(), 200, "offset {offset}");
        assert!(
            (mw.clock_offset_secs() - offset).abs() <= 2,
            "learned {}",
            mw.clock_offset_secs()
        );
        let received = emu.received();
        assert_eq!(received.len(), 2);
        assert_eq!(received[0].outcome.status, 403);
        // A later request is right the first time.
        assert_eq!(
            client
                .get(emu.function_url())
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
        assert_eq!(emu.received().len(), 3);
        // A response whose Date agrees with our clock drops the offset.
        let open = emulator(|b| b.auth_type(AuthType::None)).await;
        assert_eq!(
            client
                .get(open.function_url())
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
        assert_eq!(mw.clock_offset_secs(), 0, "dropped when the clocks agree");
        // Learn it again, then a rejection from an agreeing server re-learns about zero.
        assert_eq!(
            client
                .get(emu.function_url())
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
        assert!((mw.clock_offset_secs() - offset).abs() <= 2);
        let agreeing = emulator(|b| b).await;
        assert_eq!(
            client
                .get(agreeing.function_url())
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
        assert!(
            mw.clock_offset_secs().abs() <= 2,
            "dropped: {}",
            mw.clock_offset_secs()
        );
    }
}

#[tokio::test]
async fn skew_correction_can_be_disabled() {
    let emu = emulator(|b| b.clock_offset_secs(900)).await;
    let signer = support::signer();
    let client = ClientBuilder::new(reqwest::Client::new())
        .with(SigningMiddleware::new(signer).skew_correction(SkewCorrection::disabled()))
        .build();
    let response = client.get(emu.function_url()).send().await.unwrap();
    assert_eq!(response.status(), 403);
    let (diagnosis, _) = Diagnosis::from_response(response).await.unwrap();
    assert!(
        matches!(diagnosis, Some(Diagnosis::ClockSkew { ref message, .. }) if message.starts_with("Signature expired")),
        "{diagnosis:?}"
    );
    assert_eq!(emu.received().len(), 1);
}

#[tokio::test]
async fn diagnosis_of_real_error_responses() {
    let emu = emulator(|b| b).await;
    let url = emu.function_url().to_owned();
    let wrong_secret = lambda_url_signer::Credentials::new(
        support::ACCESS_KEY,
        "not-the-secret",
        Some(support::SESSION_TOKEN.into()),
        None,
        "test",
    );
    let unknown_key =
        lambda_url_signer::Credentials::new("AKIAUNKNOWNEXAMPLE00", "x", None, None, "test");
    let mut cases = Vec::new();
    for creds in [wrong_secret, unknown_key] {
        let signer = Signer::builder()
            .region(support::REGION)
            .credentials(creds)
            .build()
            .unwrap();
        let client = ClientBuilder::new(reqwest::Client::new())
            .with(SigningMiddleware::new(signer))
            .build();
        let response = client.get(&url).send().await.unwrap();
        // A 403 the skew check read and handed back keeps its URL and headers.
        assert_eq!(response.url().as_str(), url);
        assert!(response.headers().contains_key("x-amzn-requestid"));
        cases.push(response);
    }
    cases.push(reqwest::Client::new().get(&url).send().await.unwrap());
    let mut diagnoses = Vec::new();
    for response in cases {
        assert_eq!(response.status(), 403);
        diagnoses.push(Diagnosis::from_response(response).await.unwrap().0.unwrap());
    }
    assert_eq!(
        diagnoses,
        [
            Diagnosis::SignatureMismatch,
            Diagnosis::InvalidSecurityToken,
            Diagnosis::Forbidden
        ]
    );
    assert!(diagnoses[0].to_string().contains("x-amz-content-sha256"));
    assert!(diagnoses[2].to_string().contains("lambda:InvokeFunction"));
    // A resource policy without the lambda:InvokeFunction statement: forbidden via CloudFront.
    let only_url_permission = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"a","Effect":"Allow","Principal":{{"Service":"cloudfront.amazonaws.com"}},"Action":"lambda:InvokeFunctionUrl","Resource":"{}","Condition":{{"ArnLike":{{"AWS:SourceArn":"{}"}}}}}}]}}"#,
        support::FUNCTION_ARN,
        support::DISTRIBUTION
    );
    let strict = emulator(|b| {
        b.resource_policy(
            lambda_url_emulator::ResourcePolicy::from_json(&only_url_permission).unwrap(),
        )
    })
    .await;
    let response = reqwest::Client::new()
        .get(strict.cloudfront_url().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(
        Diagnosis::from_response(response).await.unwrap().0,
        Some(Diagnosis::Forbidden)
    );
}

#[test]
fn tracing_reports_signed_requests_without_secrets() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let ((), output) = support::capture_trace(|| {
        runtime.block_on(async {
            let emu = emulator(|b| {
                b.identity(EmulatorIdentity::new(
                    "AKIDPLAIN",
                    "plain-secret",
                    "arn:aws:iam::123456789012:user/p",
                ))
            })
            .await;
            let client = iam_client();
            let response = client
                .post(emu.function_url())
                .body("x")
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
            let oac = ClientBuilder::new(reqwest::Client::new())
                .with(OacMiddleware::new())
                .build();
            oac.post(emu.cloudfront_url().unwrap())
                .body("y")
                .send()
                .await
                .unwrap();
            let r = emu.received();
            let signature = r[0]
                .header_str("authorization")
                .unwrap()
                .rsplit("Signature=")
                .next()
                .unwrap()
                .to_owned();
            let debug = format!("{:?} {:?} {:?}", r, emu, client);
            for secret in [
                support::SECRET_KEY,
                support::SESSION_TOKEN,
                signature.as_str(),
                "plain-secret",
            ] {
                assert!(!debug.contains(secret), "Debug leaked {secret}");
            }
            signature
        })
    })
    .map_signature();
    assert!(output.contains("signed function url request"), "{output}");
    assert!(
        output.contains("method=POST") && output.contains("region=eu-central-1"),
        "{output}"
    );
    assert!(
        output.contains("signed_headers=host;x-amz-content-sha256;x-amz-date;x-amz-security-token"),
        "{output}"
    );
    for secret in [support::SECRET_KEY, support::SESSION_TOKEN, "plain-secret"] {
        assert!(!output.contains(secret), "trace output leaked {secret}");
    }
}

/// Lets the trace test keep the signature for the leak check after the subscriber is gone.
trait MapSignature {
    fn map_signature(self) -> ((), String);
}

impl MapSignature for (String, String) {
    fn map_signature(self) -> ((), String) {
        let (signature, output) = self;
        assert!(
            !output.contains(&signature),
            "trace output leaked the signature"
        );
        ((), output)
    }
}

#[tokio::test]
async fn an_error_answer_carries_its_diagnosis_and_its_body() {
    let emu = emulator(|b| {
        b.handler(|event: &lambda_url_emulator::InvokeEvent| {
            if event.raw_path == "/mine" {
                HandlerResponse::text(403, "the function says no")
            } else {
                HandlerResponse::text(200, "ok")
            }
        })
    })
    .await;
    let url = function_url(&emu);
    // Lambda's own refusal: a wrong secret.
    let wrong = lambda_url_signer::Credentials::new(
        support::credentials(true).access_key_id(),
        "not-the-secret",
        support::credentials(true)
            .session_token()
            .map(str::to_owned),
        None,
        "test",
    );
    let client = ClientBuilder::new(reqwest::Client::new())
        .with(SigningMiddleware::new(Signer::for_url(&url, wrong)))
        .build();
    let response = client.post(url.as_str()).body("x").send().await.unwrap();
    assert_eq!(response.status(), 403);
    assert_eq!(
        response.extensions().get::<Diagnosis>(),
        Some(&Diagnosis::SignatureMismatch)
    );
    let body = response.text().await.unwrap();
    assert!(body.contains("signature we calculated"), "{body}");
    // The function's own 403: accepted by Lambda, refused by the code.
    let response = iam_client()
        .get(format!("{}mine", emu.function_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let diagnosis = response.extensions().get::<Diagnosis>().cloned().unwrap();
    assert_eq!(diagnosis, Diagnosis::FromFunction { status: 403 });
    assert!(diagnosis.to_string().contains("from the function itself"));
    assert_eq!(response.text().await.unwrap(), "the function says no");
    // Through CloudFront OAC without the hash header: the OAC middleware diagnoses too.
    let oac = ClientBuilder::new(reqwest::Client::new())
        .with(OacMiddleware::new())
        .build();
    let ok = oac
        .post(emu.cloudfront_url().unwrap())
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert!(ok.extensions().get::<Diagnosis>().is_none());
}

#[test]
fn skew_advice_names_the_bound_and_how_to_raise_it() {
    let beyond = Diagnosis::ClockSkew {
        message: "Signature expired".to_owned(),
        server_ahead_secs: Some(3_600),
    };
    let text = beyond.to_string();
    assert!(
        text.contains("900 s") && text.contains("max_offset"),
        "{text}"
    );
    assert!(text.contains("over 900 s"), "{text}");
    assert!(!text.contains("keep skew correction on"), "{text}");
}
