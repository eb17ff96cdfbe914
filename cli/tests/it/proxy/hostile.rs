//! The sidecar under attack, with raw sockets against the built binary (issue 20): path-prefix
//! escapes, stalled bodies, DNS rebinding, methods and bytes it must refuse, and a shutdown that
//! ends. Every wait is bounded.

use super::*;
use tokio::io::AsyncReadExt as _;

/// An emulator whose function answers with the path it received.
async fn path_echo() -> Emulator {
    emulator(|b| {
        b.handler(|event| HandlerResponse::json(200, serde_json::json!({ "path": event.raw_path })))
    })
    .await
}

/// The proxy's `host:port`.
fn authority(proxy: &ProxyChild) -> String {
    proxy
        .url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned()
}

/// Sends raw bytes on a new connection and reads one response.
async fn exchange(proxy: &ProxyChild, bytes: &[u8]) -> support::RawResponse {
    let mut stream = tokio::net::TcpStream::connect(authority(proxy))
        .await
        .expect("connect");
    stream.write_all(bytes).await.expect("send");
    tokio::time::timeout(DEADLINE, support::read_http1_response(&mut stream, false))
        .await
        .expect("an answer in time")
        .expect("a response")
}

fn get(target: &str, headers: &[(&str, &[u8])]) -> Vec<u8> {
    let headers: Vec<(String, Vec<u8>)> = headers
        .iter()
        .map(|(n, v)| ((*n).to_owned(), v.to_vec()))
        .collect();
    support::http1_bytes("GET", target, &headers, b"")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escaped_dot_segments_cannot_climb_out_of_the_upstream_prefix() {
    let emulator = path_echo().await;
    let upstream = format!("{}prefix/", emulator.function_url());
    let proxy = Launch::iam(&upstream, &[]).start().await;
    let client = reqwest::Client::new();
    for (target, reached) in [
        ("%2e%2e/secret", "/prefix/secret"),
        ("%2E%2E/%2e%2e/admin?x=1", "/prefix/admin"),
        ("a/.%2e/.%2e/b", "/prefix/b"),
        ("%2e./c", "/prefix/c"),
    ] {
        let response = client
            .get(format!("{}{target}", proxy.url))
            .send()
            .await
            .expect("send");
        assert_eq!(response.status(), 200, "{target}");
        let json: serde_json::Value = response.json().await.expect("json");
        assert_eq!(json["path"], reached, "{target}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_body_gets_408_and_does_not_hold_the_other_clients() {
    let emulator = emulator(|b| b).await;
    let proxy = Launch::iam(
        emulator.function_url(),
        &[
            "--max-connections",
            "4",
            "--body-idle-timeout-secs",
            "1",
            "--body-timeout-secs",
            "3",
        ],
    )
    .start()
    .await;
    // Three clients that stop after one byte, one that trickles a byte every 400 ms.
    let head = "POST /slow HTTP/1.1\r\nhost: localhost\r\ncontent-type: text/plain\r\ncontent-length: 100\r\n\r\nx";
    let started = Instant::now();
    let mut stalled = Vec::new();
    for _ in 0..3 {
        let mut stream = tokio::net::TcpStream::connect(authority(&proxy))
            .await
            .expect("connect");
        stream.write_all(head.as_bytes()).await.expect("head");
        stalled.push(stream);
    }
    let mut trickle = tokio::net::TcpStream::connect(authority(&proxy))
        .await
        .expect("connect");
    trickle.write_all(head.as_bytes()).await.expect("head");
    let trickling = tokio::spawn(async move {
        for _ in 0..20 {
            tokio::time::sleep(Duration::from_millis(400)).await;
            if trickle.write_all(b"y").await.is_err() {
                break;
            }
        }
        support::read_http1_response(&mut trickle, false).await
    });
    for stream in &mut stalled {
        let answer = tokio::time::timeout(
            Duration::from_secs(5),
            support::read_http1_response(stream, false),
        )
        .await
        .expect("408 within the idle timeout")
        .expect("a response");
        assert_eq!(answer.status, 408);
    }
    let idle = started.elapsed();
    assert!(idle < Duration::from_secs(4), "idle 408s after {idle:?}");
    let trickled = trickling.await.expect("join").expect("a response");
    assert_eq!(trickled.status, 408, "the body deadline");
    let total = started.elapsed();
    assert!(
        total < Duration::from_secs(6),
        "deadline 408 after {total:?}"
    );
    // The slots are free again: a normal request goes through at once.
    let ok = reqwest::Client::new()
        .post(format!("{}after", proxy.url))
        .body("ok")
        .send()
        .await
        .expect("send");
    assert_eq!(ok.status(), 200);
    assert_eq!(
        emulator.received().len(),
        1,
        "only the normal request went upstream"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rebound_host_and_a_browser_origin_are_refused_before_anything_is_signed() {
    let emulator = emulator(|b| b).await;
    let proxy = Launch::iam(
        emulator.function_url(),
        &[
            "--allow-host",
            "sidecar.internal",
            "--allow-origin",
            "http://app.local",
        ],
    )
    .start()
    .await;
    let port = authority(&proxy).rsplit_once(':').unwrap().1.to_owned();
    let refused_host = exchange(&proxy, &get("/", &[("host", b"evil.example")])).await;
    assert_eq!(refused_host.status, 421);
    let wrong_port = exchange(&proxy, &get("/", &[("host", b"127.0.0.1:1")])).await;
    assert_eq!(wrong_port.status, 421);
    let no_host = exchange(&proxy, b"GET / HTTP/1.1\r\ncontent-length: 0\r\n\r\n").await;
    assert_eq!(no_host.status, 400, "an HTTP/1.1 request needs one Host");
    let origin = exchange(
        &proxy,
        &get(
            "/",
            &[("host", b"localhost"), ("origin", b"http://evil.example")],
        ),
    )
    .await;
    assert_eq!(origin.status, 403);
    assert!(emulator.received().is_empty(), "nothing was sent upstream");
    // What it listens as, names given by flag, and allowed origins pass.
    for (host, origin) in [
        (format!("127.0.0.1:{port}"), None),
        (format!("localhost:{port}"), None),
        ("sidecar.internal".to_owned(), None),
        ("localhost".to_owned(), Some(&b"http://app.local"[..])),
    ] {
        let mut headers: Vec<(&str, &[u8])> = vec![("host", host.as_bytes())];
        if let Some(origin) = origin {
            headers.push(("origin", origin));
        }
        assert_eq!(
            exchange(&proxy, &get("/", &headers)).await.status,
            200,
            "{host}"
        );
    }
    assert_eq!(emulator.received().len(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_asterisk_unsignable_bytes_and_an_expected_large_body_are_client_errors() {
    let emulator = emulator(|b| b).await;
    let proxy = Launch::iam(emulator.function_url(), &[]).start().await;
    let connect = exchange(
        &proxy,
        b"CONNECT example.com:443 HTTP/1.1\r\nhost: example.com:443\r\n\r\n",
    )
    .await;
    assert_eq!(connect.status, 405);
    let asterisk = exchange(
        &proxy,
        b"OPTIONS * HTTP/1.1\r\nhost: localhost\r\ncontent-length: 0\r\n\r\n",
    )
    .await;
    assert_eq!(asterisk.status, 400);
    let latin1 = exchange(
        &proxy,
        &get("/", &[("host", b"localhost"), ("x-name", b"caf\xe9")]),
    )
    .await;
    assert_eq!(
        latin1.status,
        400,
        "{}",
        String::from_utf8_lossy(&latin1.body)
    );
    // A client waiting for 100 Continue with 7 MB declared: 413 at once, no 100 first.
    let mut stream = tokio::net::TcpStream::connect(authority(&proxy))
        .await
        .expect("connect");
    stream
        .write_all(
            b"POST /up HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\n\
              content-length: 7000000\r\nexpect: 100-continue\r\n\r\n",
        )
        .await
        .expect("head");
    let mut first = [0u8; 12];
    tokio::time::timeout(Duration::from_secs(5), stream.read_exact(&mut first))
        .await
        .expect("an answer without the body")
        .expect("read");
    assert_eq!(
        &first,
        b"HTTP/1.1 413",
        "{}",
        String::from_utf8_lossy(&first)
    );
    assert!(emulator.received().is_empty(), "nothing was sent upstream");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_with_a_stalled_upload_exits_within_the_shutdown_deadline() {
    let emulator = emulator(|b| b).await;
    let mut proxy = Launch::iam(
        emulator.function_url(),
        &[
            "--shutdown-timeout-secs",
            "1",
            "--body-idle-timeout-secs",
            "60",
        ],
    )
    .start()
    .await;
    let mut stream = tokio::net::TcpStream::connect(authority(&proxy))
        .await
        .expect("connect");
    stream
        .write_all(b"POST / HTTP/1.1\r\nhost: localhost\r\ncontent-length: 10\r\n\r\nx")
        .await
        .expect("head");
    proxy.wait_for_logs(0).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    proxy.signal("TERM");
    assert_eq!(proxy.exit_code().await, Some(0));
    let took = started.elapsed();
    assert!(took < Duration::from_secs(4), "exited after {took:?}");
    assert!(
        proxy.stderr().contains("shutdown deadline"),
        "{}",
        proxy.stderr()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_uploads_are_bounded_by_the_memory_budget() {
    let budget = std::env::var("LUS_BUDGET").unwrap_or_else(|_| "1048576".to_owned());
    let emulator = emulator(|b| b).await;
    let proxy = Launch::iam(
        emulator.function_url(),
        &["--max-connections", "128", "--body-memory-bytes", &budget],
    )
    .start()
    .await;
    let idle_kib = proxy.status_kib("VmRSS");
    // 100 uploads of 250,000 declared bytes (under the spool threshold), 200,000 sent, then
    // stalled: 20 MB if each were held in memory.
    let head = "POST /held HTTP/1.1\r\nhost: localhost\r\ncontent-type: text/plain\r\ncontent-length: 250000\r\n\r\n";
    let part = vec![b'z'; 200_000];
    let mut streams = Vec::new();
    for _ in 0..100 {
        let mut stream = tokio::net::TcpStream::connect(authority(&proxy))
            .await
            .expect("connect");
        stream.write_all(head.as_bytes()).await.expect("head");
        stream.write_all(&part).await.expect("part");
        streams.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let held_kib = proxy.status_kib("VmRSS");
    let spooled = proxy.spool_fds().len();
    eprintln!("budget {budget}: idle {idle_kib} KiB, held {held_kib} KiB, spooled {spooled}");
    assert!(
        spooled >= 90,
        "past the 1 MiB budget uploads go to spool files: {spooled}"
    );
    let growth_mib = held_kib.saturating_sub(idle_kib) / 1024;
    // Measured here: +16 MiB with the 1 MiB budget (hyper's read buffers and the spool writes
    // remain), +35 MiB with a budget of 100 MB (the bodies held in memory).
    assert!(growth_mib < 22, "RSS grew by {growth_mib} MiB");
    drop(streams);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bare_lf_in_a_head_is_refused_and_nothing_is_signed() {
    let emulator = emulator(|b| b).await;
    let proxy = Launch::iam(emulator.function_url(), &[]).start().await;
    let smuggled = exchange(
        &proxy,
        b"GET / HTTP/1.1\r\nhost: localhost\r\nx-foo: a\nx-injected: 1\r\ncontent-length: 0\r\n\r\n",
    )
    .await;
    assert_eq!(smuggled.status, 400);
    // On a kept-alive connection too, after a body that itself holds bare LFs.
    let mut stream = tokio::net::TcpStream::connect(authority(&proxy))
        .await
        .expect("connect");
    stream
        .write_all(b"POST /a HTTP/1.1\r\nhost: localhost\r\ncontent-length: 3\r\n\r\n\n\n\n")
        .await
        .expect("first");
    let first = support::read_http1_response(&mut stream, false)
        .await
        .expect("first answer");
    assert_eq!(first.status, 200);
    stream
        .write_all(b"GET /b HTTP/1.1\r\nhost: localhost\nx-injected: 1\r\n\r\n")
        .await
        .expect("second");
    let second = support::read_http1_response(&mut stream, false)
        .await
        .expect("second answer");
    assert_eq!(second.status, 400);
    let received = emulator.received();
    assert_eq!(
        received.len(),
        1,
        "only the well-formed request went upstream"
    );
    assert!(received[0].header_str("x-injected").is_none());
}
