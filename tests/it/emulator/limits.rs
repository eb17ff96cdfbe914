//! What a client can make the emulator hold (issue 20, item 5): the record is a ring of the
//! last requests with capped bodies, a body that stalls or trickles gets 408, and zero limits
//! are refused at start.

use std::time::{Duration, Instant};

use lambda_url_emulator::{AuthType, EmulatorError, RejectionKind};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::*;

fn text(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| b'a' + ((i + usize::from(seed)) % 26) as u8)
        .collect()
}

#[tokio::test]
async fn the_record_keeps_the_last_requests_with_their_bodies_cut_to_the_limit() {
    let emulator = Emulator::builder()
        .region(REGION)
        .auth_type(AuthType::None)
        .record_limit(3)
        .record_body_limit(16)
        .start()
        .await
        .expect("starts");
    let addr = emulator.function_addr();
    let host = h("host", emulator.function_host());
    let content_type = h("content-type", "text/plain");
    let bodies: Vec<Vec<u8>> = [0, 16, 17, 1000, 5]
        .iter()
        .enumerate()
        .map(|(i, len)| text(*len, i as u8))
        .collect();
    for (i, body) in bodies.iter().enumerate() {
        let reply = send(
            addr,
            "POST",
            &format!("/{i}"),
            &[host.clone(), content_type.clone()],
            body,
        )
        .await;
        assert_eq!(reply.status, 200, "{}", reply.text());
        // The function got the whole body, whatever the record keeps.
        assert_eq!(reply.json()["bodySha256"], sha256_hex(body).as_str());
    }
    let received = emulator.received();
    let targets: Vec<&str> = received.iter().map(|r| r.target.as_str()).collect();
    assert_eq!(targets, ["/2", "/3", "/4"], "the last three, oldest first");
    for (r, body) in received.iter().zip(&bodies[2..]) {
        assert_eq!(r.body_len, body.len(), "{}", r.target);
        assert_eq!(r.body, body[..body.len().min(16)], "{}", r.target);
        assert_eq!(r.body_truncated, body.len() > 16, "{}", r.target);
        assert_eq!(r.body.capacity(), r.body.len(), "no larger buffer kept");
    }
    let debug = format!("{:?}", received[1]);
    assert!(
        debug.contains("body_len: 1000") && debug.contains("recorded_body_len: 16"),
        "{debug}"
    );

    emulator.clear_received();
    assert!(emulator.received().is_empty());
    let reply = send(addr, "GET", "/again", &[host], b"").await;
    assert_eq!(reply.status, 200);
    assert_eq!(emulator.received().len(), 1);
}

#[tokio::test]
async fn the_default_record_keeps_a_thousand_requests_and_a_mebibyte_of_each_body() {
    assert_eq!(lambda_url_emulator::DEFAULT_RECORD_LIMIT, 1_000);
    assert_eq!(lambda_url_emulator::DEFAULT_RECORD_BODY_LIMIT, 1_048_576);
    let emulator = Emulator::builder()
        .region(REGION)
        .auth_type(AuthType::None)
        .start()
        .await
        .expect("starts");
    let addr = emulator.function_addr();
    let host = h("host", emulator.function_host());
    let body = text(1_048_576 + 10, 3);
    let reply = send(
        addr,
        "PUT",
        "/big",
        &[host.clone(), h("content-type", "text/plain")],
        &body,
    )
    .await;
    assert_eq!(reply.status, 200);
    let r = last(&emulator);
    assert_eq!(r.body_len, body.len());
    assert_eq!(r.body, body[..1_048_576]);
    assert!(r.body_truncated);
    // 1,000 more small requests on one connection each: the big one is pushed out.
    for i in 0..1_000 {
        let reply = send(
            addr,
            "GET",
            &format!("/{i}"),
            std::slice::from_ref(&host),
            b"",
        )
        .await;
        assert_eq!(reply.status, 200);
    }
    let received = emulator.received();
    assert_eq!(received.len(), 1_000);
    assert_eq!(received[0].target, "/0");
    assert_eq!(received[999].target, "/999");
}

#[tokio::test]
async fn a_record_limit_of_zero_records_nothing_and_refusals_are_recorded_too() {
    let off = base().record_limit(0).start().await.expect("starts");
    let reply = send(
        off.function_addr(),
        "GET",
        "/",
        &[h("host", off.function_host())],
        b"",
    )
    .await;
    assert_error(&reply, 403, "AccessDeniedException", FORBIDDEN);
    assert!(off.received().is_empty());

    // A body over the payload limit: the record has its first limit + 1 bytes and how many
    // arrived.
    let emulator = base()
        .max_payload_bytes(100)
        .record_limit(2)
        .start()
        .await
        .expect("starts");
    let reply = send(
        emulator.function_addr(),
        "POST",
        "/big",
        &[
            h("host", emulator.function_host()),
            h("content-type", "text/plain"),
        ],
        &text(50_000, 0),
    )
    .await;
    assert_eq!(reply.status, 413);
    let r = last(&emulator);
    assert_eq!(r.outcome.rejection, Some(RejectionKind::PayloadTooLarge));
    assert_eq!(
        (r.body.len(), r.body_len, r.body_truncated),
        (101, 50_000, true)
    );
}

#[tokio::test]
async fn zero_limits_are_refused_at_start() {
    for (builder, setting) in [
        (base().max_connections(0), "max_connections"),
        (
            base().body_idle_timeout(Duration::ZERO),
            "body_idle_timeout",
        ),
        (base().body_timeout(Duration::ZERO), "body_timeout"),
    ] {
        let err = builder.start().await.expect_err(setting);
        assert!(
            matches!(err, EmulatorError::InvalidLimit { setting: s } if s == setting),
            "{err:?}"
        );
        assert_eq!(err.to_string(), format!("{setting} must be more than zero"));
    }
}

/// Sends `head` and `first` body bytes, then nothing more; the answer as text, and how long it
/// took.
async fn stall(addr: SocketAddr, head: &str, first: &[u8]) -> (String, Duration) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.write_all(head.as_bytes()).await.expect("head");
    stream.write_all(first).await.expect("first bytes");
    let started = Instant::now();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
        .await
        .expect("an answer, then the connection closed")
        .expect("read");
    (
        String::from_utf8_lossy(&answer).into_owned(),
        started.elapsed(),
    )
}

#[tokio::test]
async fn a_stalled_body_gets_408_at_the_idle_timeout_and_a_trickling_one_at_the_deadline() {
    let emulator = base()
        .cloudfront(CloudFrontConfig::new(DISTRIBUTION))
        .body_idle_timeout(Duration::from_millis(500))
        .body_timeout(Duration::from_millis(1500))
        .start()
        .await
        .expect("starts");
    let head = format!(
        "POST / HTTP/1.1\r\nhost: {}\r\ncontent-type: text/plain\r\ncontent-length: 100\r\n\r\n",
        emulator.function_host()
    );
    let (answer, took) = stall(emulator.function_addr(), &head, b"x").await;
    assert!(answer.starts_with("HTTP/1.1 408 "), "{answer}");
    let lower = answer.to_ascii_lowercase();
    assert!(
        lower.contains("x-amzn-errortype: requesttimeoutexception"),
        "{answer}"
    );
    assert!(lower.contains("x-amzn-requestid: "), "{answer}");
    assert!(lower.contains("content-type: application/json"), "{answer}");
    assert!(lower.contains("connection: close"), "{answer}");
    assert!(
        answer.ends_with(r#"{"message":"No part of the request body arrived within 500ms."}"#),
        "{answer}"
    );
    assert!(
        took >= Duration::from_millis(450) && took < Duration::from_secs(3),
        "{took:?}"
    );
    assert!(emulator.received().is_empty(), "nothing is recorded");

    // A byte every 200 ms never pauses for 500 ms, but the whole body has 1.5 s.
    let mut stream = tokio::net::TcpStream::connect(emulator.function_addr())
        .await
        .expect("connect");
    stream.write_all(head.as_bytes()).await.expect("head");
    let started = Instant::now();
    let trickle = async {
        for _ in 0..50 {
            if stream.write_all(b"y").await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(4), trickle).await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408 "), "{answer}");
    assert!(
        answer.ends_with(r#"{"message":"The request body did not arrive in full within 1.5s."}"#),
        "{answer}"
    );
    assert!(started.elapsed() < Duration::from_secs(6));

    // The distribution answers a stalled viewer body itself, with its error page.
    let viewer = "POST / HTTP/1.1\r\nhost: cdn.example.com\r\ncontent-length: 100\r\n\r\n";
    let (answer, took) = stall(cloudfront_addr(&emulator), viewer, b"x").await;
    assert!(answer.starts_with("HTTP/1.1 408 "), "{answer}");
    assert!(answer.contains("408 ERROR"), "{answer}");
    assert!(
        !answer.to_ascii_lowercase().contains("x-amzn-requestid"),
        "{answer}"
    );
    assert!(took < Duration::from_secs(3), "{took:?}");
    assert!(emulator.received().is_empty());
}

#[tokio::test]
async fn connections_past_the_limit_wait_to_be_accepted() {
    let emulator = base()
        .auth_type(AuthType::None)
        .max_connections(2)
        .start()
        .await
        .expect("starts");
    let addr = emulator.function_addr();
    let head = format!(
        "POST / HTTP/1.1\r\nhost: {}\r\ncontent-length: 10\r\n\r\nx",
        emulator.function_host()
    );
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        stream.write_all(head.as_bytes()).await.expect("head");
        held.push(stream);
    }
    // The kernel completes the third connection, but nobody reads it.
    let third = format!(
        "GET / HTTP/1.1\r\nhost: {}\r\nconnection: close\r\n\r\n",
        emulator.function_host()
    );
    let waiting = tokio::spawn(async move {
        let started = Instant::now();
        (send_bytes(addr, third.as_bytes()).await, started.elapsed())
    });
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(!waiting.is_finished(), "the third connection was served");
    drop(held.pop());
    let (reply, took) = tokio::time::timeout(Duration::from_secs(5), waiting)
        .await
        .expect("served once a slot is free")
        .expect("join");
    assert_eq!(reply.status, 200);
    assert!(took >= Duration::from_millis(600), "{took:?}");
}
