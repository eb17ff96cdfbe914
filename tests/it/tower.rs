//! The tower layers around hyper-util's legacy client, on the wire: asserted on what the
//! emulator's function URL endpoint received and what the function saw.

use crate::support::{
    self, assert_no_secret, capture_trace, emulator, function_url, recording_handler, sha256_hex,
    signer,
};
use bytes::Bytes;
use http_body::Frame;
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use lambda_url_emulator::{AuthType, CloudFrontConfig, OacSigning};
use lambda_url_signer::tower::{LayerError, OacLayer, SigningLayer, SkewCorrection};
use lambda_url_signer::{Error, PayloadHash, PayloadLimit, SignableBody};
use std::collections::VecDeque;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tower::{Layer as _, Service, ServiceBuilder, ServiceExt as _};

const BODY: &str = "{\n    \"test\": \"message\"\n}";
const CALLER: &str = "arn:aws:iam::123456789012:user/test";

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// hyper-util's legacy client for plain http, with request body `B`.
fn client<B>() -> Client<HttpConnector, B>
where
    B: http_body::Body + Send + 'static,
    B::Data: Send,
{
    Client::builder(TokioExecutor::new()).build_http::<B>()
}

/// Waits until `service` is ready and calls it.
async fn send<S, B>(service: &mut S, request: http::Request<B>) -> Result<S::Response, S::Error>
where
    S: Service<http::Request<B>>,
{
    service.ready().await?.call(request).await
}

/// A `Full` body of `text`.
fn full(text: &str) -> Full<Bytes> {
    Full::new(Bytes::from(text.to_owned()))
}

/// The response body, read to the end.
async fn body_text<B>(response: http::Response<B>) -> String
where
    B: http_body::Body,
    B::Error: std::fmt::Debug,
{
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// A body that streams its chunks one frame at a time and cannot be read before it is sent:
/// the `SignableBody` defaults say so.
struct Chunks(VecDeque<Bytes>);

impl Chunks {
    fn of(parts: &[&'static str]) -> Self {
        Chunks(
            parts
                .iter()
                .map(|p| Bytes::from_static(p.as_bytes()))
                .collect(),
        )
    }
}

impl http_body::Body for Chunks {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Poll::Ready(self.0.pop_front().map(|chunk| Ok(Frame::data(chunk))))
    }
}

impl SignableBody for Chunks {}

#[tokio::test]
async fn get_and_post_through_hyper_util_verify_on_the_wire() {
    let (handler, events) = recording_handler();
    let emu = emulator(|b| b.handler(handler)).await;
    let url = function_url(&emu);
    let mut service = ServiceBuilder::new()
        .layer(SigningLayer::new(signer()))
        .service(client::<Full<Bytes>>());

    let get = http::Request::get(url.join("/hello?b=2&a=1").unwrap().as_str())
        .body(Full::default())
        .unwrap();
    let response = send(&mut service, get).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(body_text(response).await, "ok");

    let post = http::Request::post(url.join("/items").unwrap().as_str())
        .header("content-type", "application/json")
        .body(full(BODY))
        .unwrap();
    assert_eq!(send(&mut service, post).await.unwrap().status(), 200);

    let received = emu.received();
    assert_eq!(received.len(), 2);
    for r in &received {
        assert_eq!(r.outcome.status, 200, "{r:?}");
        assert_eq!(r.outcome.caller_arn.as_deref(), Some(CALLER));
        assert_eq!(r.header_values("authorization").len(), 1);
        assert_eq!(
            r.header_str("x-amz-security-token"),
            Some(support::SESSION_TOKEN)
        );
    }
    assert_eq!(received[0].target, "/hello?b=2&a=1");
    assert_eq!(
        received[0].header_str("x-amz-content-sha256"),
        Some(PayloadHash::EMPTY.as_str())
    );
    assert_eq!(received[1].body, BODY.as_bytes());
    let events = events.lock().unwrap();
    assert_eq!(events[0].method, "GET");
    assert_eq!(events[1].method, "POST");
    assert_eq!(events[1].raw_path, "/items");
    assert_eq!(events[1].body, BODY.as_bytes());
}

#[tokio::test]
async fn a_stream_with_a_payload_hash_passes_untouched() {
    let (handler, events) = recording_handler();
    let emu = emulator(|b| b.handler(handler)).await;
    let mut service = SigningLayer::new(signer()).layer(client::<Chunks>());
    let parts = ["{\"part\":", "1,", "\"of\":3}"];
    let whole: String = parts.concat();
    let request = http::Request::put(function_url(&emu).join("/upload").unwrap().as_str())
        .header("content-type", "application/json")
        .extension(PayloadHash::of(whole.as_bytes()))
        .body(Chunks::of(&parts))
        .unwrap();
    let response = send(&mut service, request).await.unwrap();
    assert_eq!(response.status(), 200);

    let r = &emu.received()[0];
    assert_eq!(r.outcome.status, 200, "{r:?}");
    assert_eq!(r.body, whole.as_bytes());
    // The declared hash counted the bytes: the stream goes out with its length.
    let length = whole.len().to_string();
    assert_eq!(r.header_str("content-length"), Some(length.as_str()));
    assert_eq!(r.header_str("transfer-encoding"), None);
    assert_eq!(
        r.header_str("x-amz-content-sha256"),
        Some(sha256_hex(whole.as_bytes()).as_str())
    );
    assert_eq!(events.lock().unwrap()[0].body, whole.as_bytes());
}

#[tokio::test]
async fn a_stream_without_a_hash_is_refused_before_sending() {
    let emu = emulator(|b| b).await;
    let url = function_url(&emu);
    let mut signing = SigningLayer::new(signer()).layer(client::<Chunks>());
    let request = http::Request::post(url.as_str())
        .body(Chunks::of(&["data"]))
        .unwrap();
    let error = send(&mut signing, request).await.unwrap_err();
    assert!(
        matches!(error.signing_error(), Some(Error::StreamingBody)),
        "{error:?}"
    );

    let mut oac = OacLayer::new().layer(client::<Chunks>());
    let request = http::Request::post(emu.cloudfront_url().unwrap())
        .body(Chunks::of(&["data"]))
        .unwrap();
    let error = send(&mut oac, request).await.unwrap_err();
    assert!(matches!(error, LayerError::Signing(Error::StreamingBody)));
    assert!(emu.received().is_empty(), "{:?}", emu.received());
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_before_sending() {
    let emu = emulator(|b| b).await;
    let mut service = SigningLayer::new(signer())
        .payload_limit(PayloadLimit::Bytes(8))
        .layer(client::<Full<Bytes>>());
    // Binary counts base64-encoded: 7 bytes are 12.
    let request = http::Request::post(function_url(&emu).as_str())
        .body(full("1234567"))
        .unwrap();
    let error = send(&mut service, request).await.unwrap_err();
    assert!(
        matches!(
            error.signing_error(),
            Some(Error::BodyTooLarge {
                body_len: 7,
                size: 12,
                limit: 8
            })
        ),
        "{error:?}"
    );
    assert!(emu.received().is_empty());
}

#[tokio::test]
async fn oac_through_the_emulated_cloudfront() {
    let (handler, events) = recording_handler();
    let emu = emulator(|b| b.handler(handler)).await;
    let cloudfront = emu.cloudfront_url().unwrap().to_owned();
    let mut service = ServiceBuilder::new()
        .layer(OacLayer::new())
        .service(client::<Full<Bytes>>());
    let post = http::Request::post(format!("{cloudfront}api"))
        .header("content-type", "application/json")
        .body(full(BODY))
        .unwrap();
    let response = send(&mut service, post).await.unwrap();
    assert_eq!(response.status(), 200);
    let get = http::Request::get(&cloudfront)
        .body(Full::default())
        .unwrap();
    assert_eq!(send(&mut service, get).await.unwrap().status(), 200);

    let received = emu.received();
    assert_eq!(received.len(), 2);
    assert!(received
        .iter()
        .all(|r| r.via_cloudfront && r.outcome.status == 200));
    assert_eq!(received[0].body, BODY.as_bytes());
    assert_eq!(
        received[0].header_str("x-amz-content-sha256"),
        Some(sha256_hex(BODY.as_bytes()).as_str())
    );
    assert_eq!(
        received[1].header_str("x-amz-content-sha256"),
        Some(PayloadHash::EMPTY.as_str())
    );
    assert_eq!(
        events.lock().unwrap()[0].source_arn.as_deref(),
        Some(support::DISTRIBUTION)
    );

    // A GET with a body is refused here, as CloudFront would.
    let get_with_body = http::Request::get(&cloudfront).body(full("x")).unwrap();
    let error = send(&mut service, get_with_body).await.unwrap_err();
    assert!(
        matches!(error.signing_error(), Some(Error::BodyNotAllowed { method }) if method == "GET"),
        "{error:?}"
    );
    assert_eq!(emu.received().len(), 2);
}

#[tokio::test]
async fn oac_adds_only_the_hash() {
    // CloudFront that does not sign, a function without auth: the function sees the viewer's
    // request as the layer sent it.
    let emu = emulator(|b| {
        b.auth_type(AuthType::None)
            .cloudfront(CloudFrontConfig::new(support::DISTRIBUTION).signing(OacSigning::Never))
    })
    .await;
    let mut service = OacLayer::new().layer(client::<Full<Bytes>>());
    let post = http::Request::post(emu.cloudfront_url().unwrap())
        .body(full("{\"a\":1}"))
        .unwrap();
    send(&mut service, post).await.unwrap();
    let r = &emu.received()[0];
    assert_eq!(
        r.header_str("x-amz-content-sha256"),
        Some(sha256_hex(b"{\"a\":1}").as_str())
    );
    for name in ["authorization", "x-amz-date", "x-amz-security-token"] {
        assert!(r.header(name).is_none(), "{name}");
    }
}

/// Retries a failed call of the inner service once, after `wait`.
#[derive(Clone)]
struct RetryOnce {
    left: usize,
    wait: Duration,
}

impl<Res, E> tower::retry::Policy<http::Request<Full<Bytes>>, Res, LayerError<E>> for RetryOnce {
    type Future = tokio::time::Sleep;

    fn retry(
        &mut self,
        _request: &mut http::Request<Full<Bytes>>,
        result: &mut Result<Res, LayerError<E>>,
    ) -> Option<Self::Future> {
        if matches!(result, Err(LayerError::Inner(_))) && self.left > 0 {
            self.left -= 1;
            Some(tokio::time::sleep(self.wait))
        } else {
            None
        }
    }

    fn clone_request(
        &mut self,
        request: &http::Request<Full<Bytes>>,
    ) -> Option<http::Request<Full<Bytes>>> {
        let mut copy = http::Request::new(request.body().clone());
        *copy.method_mut() = request.method().clone();
        *copy.uri_mut() = request.uri().clone();
        *copy.headers_mut() = request.headers().clone();
        *copy.extensions_mut() = request.extensions().clone();
        Some(copy)
    }
}

#[tokio::test]
async fn a_retry_layer_outside_gets_a_fresh_signature_per_attempt() {
    let emu = emulator(|b| b).await;
    // The inner service records what each attempt carried and fails the first one, as a
    // dropped connection would.
    let attempts: Arc<Mutex<Vec<http::HeaderMap>>> = Arc::default();
    let calls = Arc::new(AtomicUsize::new(0));
    let http = client::<Full<Bytes>>();
    let seen = Arc::clone(&attempts);
    let flaky = tower::service_fn(move |request: http::Request<Full<Bytes>>| {
        let (http, seen) = (http.clone(), Arc::clone(&seen));
        let call = calls.fetch_add(1, Ordering::SeqCst);
        async move {
            seen.lock().unwrap().push(request.headers().clone());
            if call == 0 {
                return Err::<_, BoxError>("connection reset".into());
            }
            http.request(request).await.map_err(BoxError::from)
        }
    });
    let mut service = ServiceBuilder::new()
        .retry(RetryOnce {
            left: 1,
            // x-amz-date has whole seconds: wait past the next one.
            wait: Duration::from_millis(1_100),
        })
        .layer(SigningLayer::new(signer()))
        .service(flaky);
    let request = http::Request::post(function_url(&emu).as_str())
        .body(full(BODY))
        .unwrap();
    assert_eq!(send(&mut service, request).await.unwrap().status(), 200);

    let attempts = attempts.lock().unwrap();
    assert_eq!(attempts.len(), 2);
    let header = |i: usize, name: &str| attempts[i][name].to_str().unwrap().to_owned();
    assert_ne!(header(0, "x-amz-date"), header(1, "x-amz-date"));
    assert_ne!(header(0, "authorization"), header(1, "authorization"));
    let received = emu.received();
    assert_eq!(received.len(), 1, "the first attempt never left");
    assert_eq!(received[0].outcome.status, 200, "{:?}", received[0]);
    assert_eq!(
        received[0].header_str("authorization"),
        Some(header(1, "authorization").as_str())
    );
}

#[tokio::test]
async fn stale_signing_headers_on_a_request_are_replaced() {
    let emu = emulator(|b| b).await;
    let mut service = SigningLayer::new(signer()).layer(client::<Full<Bytes>>());
    let stale = "AWS4-HMAC-SHA256 Credential=AKIDSTALE/20200101/eu-central-1/lambda/aws4_request, SignedHeaders=host;x-amz-date, Signature=0000";
    let request = http::Request::post(function_url(&emu).as_str())
        .header("authorization", stale)
        .header("x-amz-date", "20200101T000000Z")
        .header("x-amz-security-token", "stale-token")
        .header("x-amz-content-sha256", sha256_hex(b"other body"))
        .body(full(BODY))
        .unwrap();
    assert_eq!(send(&mut service, request).await.unwrap().status(), 200);
    let r = &emu.received()[0];
    assert_eq!(r.outcome.status, 200, "{r:?}");
    for name in [
        "authorization",
        "x-amz-date",
        "x-amz-security-token",
        "x-amz-content-sha256",
    ] {
        assert_eq!(r.header_values(name).len(), 1, "one {name}");
    }
    assert_ne!(r.header_str("authorization"), Some(stale));
    assert_ne!(r.header_str("x-amz-date"), Some("20200101T000000Z"));
    assert_eq!(
        r.header_str("x-amz-content-sha256"),
        Some(sha256_hex(BODY.as_bytes()).as_str())
    );
}

#[tokio::test]
async fn clock_skew_is_learned_and_the_request_re_sent_once() {
    // The server's clock is ten minutes ahead of ours.
    let emu = emulator(|b| b.clock_offset_secs(600)).await;
    let mut service = SigningLayer::new(signer()).layer(client::<Full<Bytes>>());
    let request = http::Request::post(function_url(&emu).as_str())
        .body(full(BODY))
        .unwrap();
    let response = send(&mut service, request).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!((595..=605).contains(&service.clock_offset_secs()));
    let statuses: Vec<u16> = emu.received().iter().map(|r| r.outcome.status).collect();
    assert_eq!(statuses, [403, 200]);
    // The next request is signed with the learned offset straight away.
    let again = http::Request::get(function_url(&emu).as_str())
        .body(Full::default())
        .unwrap();
    assert_eq!(send(&mut service, again).await.unwrap().status(), 200);
    assert_eq!(emu.received().len(), 3);
}

#[tokio::test]
async fn skew_beyond_the_bound_reaches_the_caller_with_its_body() {
    // Twenty minutes ahead: over the default 15-minute bound.
    let emu = emulator(|b| b.clock_offset_secs(1_200)).await;
    let mut service = SigningLayer::new(signer()).layer(client::<Full<Bytes>>());
    let request = http::Request::get(function_url(&emu).as_str())
        .body(Full::default())
        .unwrap();
    let response = send(&mut service, request).await.unwrap();
    assert_eq!(response.status(), 403);
    let body = body_text(response).await;
    assert!(body.contains("Signature expired"), "the 403's body: {body}");
    assert_eq!(service.clock_offset_secs(), 0);
    assert_eq!(emu.received().len(), 1);

    // Correction off: not even the bounded case is retried.
    let emu = emulator(|b| b.clock_offset_secs(600)).await;
    let mut off = SigningLayer::new(signer())
        .skew_correction(SkewCorrection::disabled())
        .layer(client::<Full<Bytes>>());
    let request = http::Request::get(function_url(&emu).as_str())
        .body(Full::default())
        .unwrap();
    assert_eq!(send(&mut off, request).await.unwrap().status(), 403);
    assert_eq!(emu.received().len(), 1);
}

#[test]
fn logs_and_debug_output_hold_no_secret() {
    let (signature, logs) = capture_trace(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let emu = emulator(|b| b.clock_offset_secs(600)).await;
            let layer = SigningLayer::new(signer());
            let mut service = layer.clone().layer(client::<Full<Bytes>>());
            let request = http::Request::post(function_url(&emu).as_str())
                .body(full(BODY))
                .unwrap();
            assert_eq!(send(&mut service, request).await.unwrap().status(), 200);
            assert_no_secret("layer debug", &format!("{layer:?}"));
            assert_no_secret("service debug", &format!("{service:?}"));
            let signature = emu.received()[1]
                .header_str("authorization")
                .and_then(|a| a.split("Signature=").nth(1))
                .unwrap()
                .to_owned();
            assert!(!format!("{service:?}").contains(&signature));
            signature
        })
    });
    assert!(logs.contains("signed function url request"), "{logs}");
    assert!(
        logs.contains("re-signing with the server's clock"),
        "{logs}"
    );
    assert_no_secret("logs", &logs);
    assert!(!logs.contains(&signature), "{logs}");
}

#[tokio::test]
async fn an_error_answer_carries_its_diagnosis_and_its_body() {
    use lambda_url_signer::tower::Diagnosis;
    let emu = emulator(|b| {
        b.handler(|event: &lambda_url_emulator::InvokeEvent| {
            if event.raw_path == "/mine" {
                lambda_url_emulator::HandlerResponse::text(403, "the function says no")
            } else {
                lambda_url_emulator::HandlerResponse::text(200, "ok")
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
    let mut service = SigningLayer::new(lambda_url_signer::Signer::for_url(&url, wrong))
        .layer(client::<Full<Bytes>>());
    let request = http::Request::post(url.as_str()).body(full("x")).unwrap();
    let response = send(&mut service, request).await.unwrap();
    assert_eq!(response.status(), 403);
    assert_eq!(
        response.extensions().get::<Diagnosis>(),
        Some(&Diagnosis::SignatureMismatch)
    );
    assert!(body_text(response)
        .await
        .contains("signature we calculated"));
    // The function's own 403: accepted by Lambda, refused by the code; its body is not read.
    let mut service = SigningLayer::new(signer()).layer(client::<Full<Bytes>>());
    let request = http::Request::get(url.join("/mine").unwrap().as_str())
        .body(full(""))
        .unwrap();
    let response = send(&mut service, request).await.unwrap();
    assert_eq!(
        response.extensions().get::<Diagnosis>(),
        Some(&Diagnosis::FromFunction { status: 403 })
    );
    assert_eq!(body_text(response).await, "the function says no");
}
