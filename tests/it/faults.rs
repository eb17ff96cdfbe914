//! Faults injected around the middleware: a credentials provider that fails then recovers, one
//! that hangs, a server answering 500 then 503 then 200, a connection reset mid-request, and a
//! server clock 15 minutes off. Every outcome is asserted on what reached the server.

use crate::credentials::CountingProvider;
use crate::support::{self, emulator};
use lambda_url_emulator::{EmulatorIdentity, HandlerResponse, InvokeEvent, RawRequest, Verifier};
use lambda_url_signer::middleware::SigningMiddleware;
use lambda_url_signer::{CredentialsCache, Error, Signer};
use reqwest_middleware::{ClientBuilder, ClientWithMiddleware};
use reqwest_retry::{policies::ExponentialBackoff, Jitter, RetryTransientMiddleware};
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// The emulator identities for the keys `CountingProvider` hands out (`ASIA{n:016}`).
fn counting_identities(
    b: lambda_url_emulator::EmulatorBuilder,
) -> lambda_url_emulator::EmulatorBuilder {
    (0..4).fold(b, |b, n| {
        b.identity(
            EmulatorIdentity::new(
                format!("ASIA{n:016}"),
                support::SECRET_KEY,
                "arn:aws:iam::123456789012:user/counting",
            )
            .with_session_token(support::SESSION_TOKEN),
        )
    })
}

fn client_with(cache: CredentialsCache) -> ClientWithMiddleware {
    let signer = Signer::builder()
        .region(support::REGION)
        .credentials_cache(cache)
        .build()
        .expect("signer");
    ClientBuilder::new(reqwest::Client::new())
        .with(SigningMiddleware::new(signer))
        .build()
}

/// The crate error inside a middleware error.
fn crate_error(err: &reqwest_middleware::Error) -> &Error {
    match err {
        reqwest_middleware::Error::Middleware(e) => e
            .downcast_ref::<Error>()
            .unwrap_or_else(|| panic!("not a crate error: {e:?}")),
        other => panic!("not a middleware error: {other:?}"),
    }
}

#[tokio::test]
async fn failing_provider_is_a_typed_error_sends_nothing_then_recovers() {
    let emu = emulator(counting_identities).await;
    let provider = CountingProvider::new(Duration::from_secs(3600));
    provider.failures.store(1, Ordering::SeqCst);
    let calls = provider.calls.clone();
    let client = client_with(CredentialsCache::new(provider));

    let err = client
        .post(emu.function_url())
        .body("first")
        .send()
        .await
        .unwrap_err();
    let error = crate_error(&err);
    assert!(
        matches!(error, Error::CredentialsProvider { .. }),
        "{error:?}"
    );
    let cause = std::error::Error::source(error).expect("the provider's error is the source");
    assert!(format!("{cause:?}").contains("sts is down"), "{cause:?}");
    assert!(emu.received().is_empty(), "nothing was sent");

    let response = client
        .post(emu.function_url())
        .body("second")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let received = emu.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].body, b"second");
    assert!(received[0]
        .header_str("authorization")
        .unwrap()
        .contains("Credential=ASIA0000000000000001/"));
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn hanging_provider_times_out_and_sends_nothing() {
    let emu = emulator(counting_identities).await;
    let mut provider = CountingProvider::new(Duration::from_secs(3600));
    provider.delay = Duration::from_secs(60);
    let cache = CredentialsCache::builder(provider)
        .provider_timeout(Duration::from_millis(200))
        .build();
    let client = client_with(cache);
    let started = Instant::now();
    let err = client.get(emu.function_url()).send().await.unwrap_err();
    let elapsed = started.elapsed();
    match crate_error(&err) {
        Error::CredentialsTimeout { timeout } => {
            assert_eq!(*timeout, Duration::from_millis(200));
        }
        other => panic!("{other:?}"),
    }
    assert!(
        elapsed >= Duration::from_millis(200) && elapsed < Duration::from_secs(5),
        "{elapsed:?}"
    );
    assert!(emu.received().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn server_errors_then_success_every_attempt_re_signed_and_verified() {
    let attempts = Arc::new(AtomicUsize::new(0));
    let seen = attempts.clone();
    let handler = move |_: &InvokeEvent| match seen.fetch_add(1, Ordering::SeqCst) {
        0 => HandlerResponse::text(500, "internal error"),
        1 => HandlerResponse::text(503, "unavailable"),
        _ => HandlerResponse::text(200, "ok"),
    };
    let emu = emulator(|b| b.handler(handler)).await;
    let signer = support::signer();
    // More than a second between attempts, so each fresh signature carries its own date.
    let backoff = ExponentialBackoff::builder()
        .retry_bounds(Duration::from_millis(1050), Duration::from_millis(1100))
        .jitter(Jitter::None)
        .build_with_max_retries(3);
    let client = ClientBuilder::new(reqwest::Client::new())
        .with(RetryTransientMiddleware::new_with_policy(backoff))
        .with(SigningMiddleware::new(signer))
        .build();
    let response = client
        .put(format!("{}items/1?v=a+b", emu.function_url()))
        .body("payload")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "ok");

    let received = emu.received();
    let statuses: Vec<u16> = received.iter().map(|r| r.outcome.status).collect();
    assert_eq!(statuses, [500, 503, 200]);
    for r in &received {
        assert_eq!(r.outcome.rejection, None, "every attempt verified: {r:?}");
        assert_eq!(
            r.outcome.caller_arn.as_deref(),
            Some("arn:aws:iam::123456789012:user/test")
        );
        assert_eq!(r.target, "/items/1?v=a%20b");
        assert_eq!(r.body, b"payload");
    }
    let dates: HashSet<&str> = received
        .iter()
        .map(|r| r.header_str("x-amz-date").unwrap())
        .collect();
    let signatures: HashSet<&str> = received
        .iter()
        .map(|r| r.header_str("authorization").unwrap())
        .collect();
    assert_eq!(dates.len(), 3, "each attempt signed at its own time");
    assert_eq!(signatures.len(), 3, "each attempt signed afresh");
}

/// A server that reads each request head, then drops the connection without answering
/// (the body, still unread in its socket buffer, makes the close a reset). Returns its URL,
/// the connection count and the heads it read.
async fn resetting_server() -> (String, Arc<AtomicUsize>, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let connections = Arc::new(AtomicUsize::new(0));
    let heads = Arc::new(Mutex::new(Vec::new()));
    let (count, seen) = (connections.clone(), heads.clone());
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            let seen = seen.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    match stream.read(&mut byte).await {
                        Ok(1) => head.push(byte[0]),
                        _ => break,
                    }
                }
                seen.lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&head).into_owned());
                drop(stream);
            });
        }
    });
    (url, connections, heads)
}

#[tokio::test]
async fn connection_reset_mid_request_is_a_reqwest_error_and_not_retried() {
    let (url, connections, heads) = resetting_server().await;
    let client = support::iam_client();
    let err = client
        .post(&url)
        .body(vec![7u8; 256 * 1024])
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, reqwest_middleware::Error::Reqwest(_)),
        "{err:?}"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        connections.load(Ordering::SeqCst),
        1,
        "one connection: no retry without a retry middleware"
    );
    let heads = heads.lock().unwrap();
    assert_eq!(heads.len(), 1);
    assert!(
        heads[0].contains("authorization: AWS4-HMAC-SHA256 Credential="),
        "{}",
        heads[0]
    );
}

#[tokio::test]
async fn connection_reset_with_retry_attached_is_retried_and_re_signed() {
    let (url, connections, heads) = resetting_server().await;
    let signer = support::signer();
    let backoff = ExponentialBackoff::builder()
        .retry_bounds(Duration::from_millis(1), Duration::from_millis(5))
        .build_with_max_retries(2);
    let client = ClientBuilder::new(reqwest::Client::new())
        .with(RetryTransientMiddleware::new_with_policy(backoff))
        .with(SigningMiddleware::new(signer))
        .build();
    let err = client
        .post(&url)
        .body(vec![7u8; 256 * 1024])
        .send()
        .await
        .unwrap_err();
    // reqwest-retry wraps the last reqwest error once it gives up.
    match &err {
        reqwest_middleware::Error::Middleware(e) => {
            assert!(e.to_string().contains("after 2 retries"), "{e:?}");
            match e.downcast_ref::<reqwest_retry::RetryError>() {
                Some(reqwest_retry::RetryError::WithRetries { retries, err }) => {
                    assert_eq!(*retries, 2);
                    assert!(
                        matches!(err, reqwest_middleware::Error::Reqwest(_)),
                        "{err:?}"
                    );
                }
                other => panic!("{other:?}"),
            }
        }
        other => panic!("{other:?}"),
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        connections.load(Ordering::SeqCst),
        3,
        "the first attempt and two retries"
    );
    let heads = heads.lock().unwrap();
    assert_eq!(heads.len(), 3);
    assert!(
        heads
            .iter()
            .all(|h| h.contains("x-amz-date: ") && h.contains("authorization: AWS4-HMAC-SHA256")),
        "every attempt signed: {heads:?}"
    );
}

// The emulator with its clock 15 minutes ahead or behind, recovered by the skew correction
// and the offset dropped again: `middleware::clock_skew_is_corrected_both_ways_and_dropped_when_clocks_agree`.

/// A function URL stand-in whose clock is `offset` seconds off: it judges each request with the
/// crate's independent `Verifier` at its own time and answers like Lambda, with a `Date` header
/// from its own clock. Returns its URL and the statuses it answered.
async fn skewed_server(offset: i64) -> (String, Arc<Mutex<Vec<u16>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let statuses = Arc::new(Mutex::new(Vec::new()));
    let answered = statuses.clone();
    let verifier =
        Arc::new(Verifier::new(support::REGION, "lambda").identity(support::identity(true)));
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let (answered, verifier) = (answered.clone(), verifier.clone());
            tokio::spawn(async move {
                let mut buffer = Vec::new();
                loop {
                    // One request: head, then a content-length body.
                    let head_end = loop {
                        if let Some(i) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                            break i;
                        }
                        let mut chunk = [0u8; 4096];
                        match stream.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
                        }
                    };
                    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
                    let mut lines = head.split("\r\n");
                    let mut request_line = lines.next().unwrap_or_default().split(' ');
                    let method = request_line.next().unwrap_or_default().to_owned();
                    let target = request_line.next().unwrap_or_default().to_owned();
                    let headers: Vec<(String, Vec<u8>)> = lines
                        .filter_map(|l| l.split_once(':'))
                        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().as_bytes().to_vec()))
                        .collect();
                    let length = headers
                        .iter()
                        .find(|(n, _)| n == "content-length")
                        .and_then(|(_, v)| std::str::from_utf8(v).ok()?.parse::<usize>().ok())
                        .unwrap_or(0);
                    while buffer.len() < head_end + 4 + length {
                        let mut chunk = [0u8; 4096];
                        match stream.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let body: Vec<u8> = buffer
                        .drain(..head_end + 4 + length)
                        .skip(head_end + 4)
                        .collect();
                    let now = if offset >= 0 {
                        SystemTime::now() + Duration::from_secs(offset.unsigned_abs())
                    } else {
                        SystemTime::now() - Duration::from_secs(offset.unsigned_abs())
                    };
                    let raw = RawRequest::new(&method, &target, &headers, &body);
                    let (status, error_type, text) = match verifier.verify(&raw, now) {
                        Ok(_) => (200, None, "ok".to_owned()),
                        Err(rejection) => (
                            rejection.status(),
                            Some(rejection.error_type()),
                            rejection.body_json(),
                        ),
                    };
                    answered.lock().unwrap().push(status);
                    let mut response = format!(
                        "HTTP/1.1 {status} X\r\ndate: {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
                        httpdate::fmt_http_date(now),
                        text.len()
                    );
                    if let Some(error_type) = error_type {
                        response.push_str(&format!("x-amzn-errortype: {error_type}\r\n"));
                    }
                    response.push_str("\r\n");
                    response.push_str(&text);
                    if stream.write_all(response.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (url, statuses)
}

/// The same 15-minute skew against a stand-in built on the crate's `Verifier`, independent of
/// the emulator's server: the middleware learns the offset from the 403, re-signs once, succeeds,
/// and later requests are right the first time.
#[tokio::test]
async fn server_clock_fifteen_minutes_off_with_its_own_date_is_recovered() {
    for offset in [900i64, -900] {
        let (url, statuses) = skewed_server(offset).await;
        let signer = support::signer();
        let middleware = SigningMiddleware::new(signer);
        let client = ClientBuilder::new(reqwest::Client::new())
            .with(middleware.clone())
            .build();
        let response = client.post(&url).body("skewed").send().await.unwrap();
        assert_eq!(response.status(), 200, "offset {offset}");
        assert!(
            (middleware.clock_offset_secs() - offset).abs() <= 2,
            "learned {}",
            middleware.clock_offset_secs()
        );
        assert_eq!(*statuses.lock().unwrap(), [403, 200]);
        let again = client.get(&url).send().await.unwrap();
        assert_eq!(again.status(), 200);
        assert_eq!(
            *statuses.lock().unwrap(),
            [403, 200, 200],
            "right the first time"
        );
    }
}
