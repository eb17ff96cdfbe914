//! `lambda-url proxy` (a signing sidecar) run as a child process against the emulator: what
//! crossed the wire to the function URL, the spool files, memory from `/proc`, streaming,
//! failures, shutdown, the connection limit, and a load comparison with in-process signing.
//!
//! Every child runs with a cleared environment (only `PATH`, an empty `HOME`, IMDS disabled, no
//! AWS config files, its own `TMPDIR`, and the variables a test sets) and is killed when its
//! handle drops.

mod hostile;

use crate::support::{self, emulator, sha256_hex};
use lambda_url_emulator::{
    CloudFrontConfig, Emulator, HandlerResponse, OacSigning, StreamingResponse,
};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;

/// How long any wait in these tests may take before the test fails.
const DEADLINE: Duration = Duration::from_secs(30);
/// The function URL request payload limit.
const LIMIT: usize = 6_291_456;

/// A running proxy child: its address, its stderr so far, and its temporary directory.
struct ProxyChild {
    child: std::process::Child,
    url: String,
    /// The first stdout line.
    config: serde_json::Value,
    stderr: Arc<Mutex<String>>,
    /// Reads stderr until the child closes it.
    stderr_reader: Option<std::thread::JoinHandle<()>>,
    /// The child's `TMPDIR` and `HOME`, removed after the child is gone.
    dir: tempfile::TempDir,
}

impl ProxyChild {
    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn tmpdir(&self) -> PathBuf {
        self.dir.path().join("tmp")
    }

    fn stderr(&self) -> String {
        self.stderr.lock().expect("lock").clone()
    }

    /// The JSON log lines for requests (those with a `status`).
    fn request_logs(&self) -> Vec<serde_json::Value> {
        self.stderr()
            .lines()
            .map(|line| {
                serde_json::from_str::<serde_json::Value>(line)
                    .unwrap_or_else(|e| panic!("a log line is not JSON ({e}): {line}"))
            })
            .filter(|v| v.get("status").is_some())
            .collect()
    }

    /// Waits until `n` request log lines were written (a line is written once its response
    /// body has been sent, so it may trail the client's read by a moment).
    async fn wait_for_logs(&self, n: usize) -> Vec<serde_json::Value> {
        wait_until("request log lines", || {
            let logs = self.request_logs();
            (logs.len() >= n).then_some(logs)
        })
        .await
    }

    /// Open file descriptors of the child that point into its `TMPDIR`.
    fn spool_fds(&self) -> Vec<String> {
        let tmpdir = self.tmpdir();
        let Ok(entries) = std::fs::read_dir(format!("/proc/{}/fd", self.pid())) else {
            return Vec::new();
        };
        entries
            .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
            .filter(|target| target.starts_with(&tmpdir))
            .map(|target| target.display().to_string())
            .collect()
    }

    /// Neither an open spool file nor a file left in `TMPDIR`.
    async fn assert_no_spool_left(&self, context: &str) {
        wait_until(context, || self.spool_fds().is_empty().then_some(())).await;
        let left: Vec<_> = std::fs::read_dir(self.tmpdir())
            .expect("read TMPDIR")
            .map(|e| e.expect("entry").path())
            .collect();
        assert!(left.is_empty(), "{context}: files left in TMPDIR: {left:?}");
    }

    /// Sends `signal` (`TERM`, `INT`) with `kill`.
    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([format!("-{signal}"), self.pid().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{signal}");
    }

    /// Waits for the child to exit; its exit code.
    async fn exit_code(&mut self) -> Option<i32> {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                if let Some(reader) = self.stderr_reader.take() {
                    tokio::task::spawn_blocking(move || reader.join())
                        .await
                        .expect("join")
                        .expect("the stderr reader");
                }
                return status.code();
            }
            assert!(started.elapsed() < DEADLINE, "the proxy did not exit");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// A `/proc/<pid>/status` field in KiB (`VmRSS`, `VmHWM`).
    fn status_kib(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .expect("read /proc/<pid>/status");
        status
            .lines()
            .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("no {field} in /proc/<pid>/status"))
    }
}

impl Drop for ProxyChild {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `check` every 10 ms until it yields a value; fails the test after [`DEADLINE`].
async fn wait_until<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let started = Instant::now();
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(started.elapsed() < DEADLINE, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// How to start a proxy child.
struct Launch {
    args: Vec<String>,
    env: Vec<(&'static str, String)>,
    stderr: bool,
}

impl Launch {
    /// The proxy in front of `upstream` with `args`, and no credentials.
    fn new(upstream: &str, args: &[&str]) -> Self {
        let mut all = vec!["--upstream".to_owned(), upstream.to_owned()];
        all.extend(args.iter().map(|a| (*a).to_owned()));
        Launch {
            args: all,
            env: Vec::new(),
            stderr: true,
        }
    }

    /// IAM mode against the test emulator's region, with the session test credentials.
    fn iam(upstream: &str, args: &[&str]) -> Self {
        let mut args: Vec<&str> = args.to_vec();
        args.extend(["--region", support::REGION]);
        Launch::new(upstream, &args).credentials(support::ACCESS_KEY)
    }

    /// The session test credentials, with `access_key` as the key id.
    fn credentials(mut self, access_key: &str) -> Self {
        self.env.extend([
            ("AWS_ACCESS_KEY_ID", access_key.to_owned()),
            ("AWS_SECRET_ACCESS_KEY", support::SECRET_KEY.to_owned()),
            ("AWS_SESSION_TOKEN", support::SESSION_TOKEN.to_owned()),
        ]);
        self
    }

    /// Stderr to `/dev/null` instead of captured (for load runs).
    fn quiet(mut self) -> Self {
        self.stderr = false;
        self
    }

    fn command(&self, dir: &Path) -> Command {
        let mut command = support::lambda_url("proxy", dir);
        command
            .args(&self.args)
            .env("TMPDIR", dir.join("tmp"))
            .envs(self.env.iter().map(|(k, v)| (*k, v.as_str())));
        if !self.stderr {
            command.stderr(Stdio::null());
        }
        command
    }

    /// Starts the child and reads its first stdout line.
    async fn start(self) -> ProxyChild {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir(dir.path().join("tmp")).expect("TMPDIR");
        let mut child = self.command(dir.path()).spawn().expect("spawn the proxy");
        let stderr = Arc::new(Mutex::new(String::new()));
        let stderr_reader = child.stderr.take().map(|pipe| {
            let sink = Arc::clone(&stderr);
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    let mut text = sink.lock().expect("lock");
                    text.push_str(&line);
                    text.push('\n');
                }
            })
        });
        let stdout = child.stdout.take().expect("stdout");
        let line = tokio::task::spawn_blocking(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            reader.read_line(&mut line).map(|_| {
                // Keep reading so the child never blocks on a full pipe.
                std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
                line
            })
        });
        let line = tokio::time::timeout(DEADLINE, line)
            .await
            .expect("the proxy printed its line in time")
            .expect("join")
            .expect("read stdout");
        let mut proxy = ProxyChild {
            child,
            url: String::new(),
            config: serde_json::Value::Null,
            stderr,
            stderr_reader,
            dir,
        };
        let config: serde_json::Value = serde_json::from_str(line.trim()).unwrap_or_else(|e| {
            panic!(
                "the first stdout line is not JSON ({e}): {line:?}; stderr: {}",
                proxy.stderr()
            )
        });
        proxy.url = config["listen"].as_str().expect("listen").to_owned();
        proxy.config = config;
        assert!(
            proxy.url.starts_with("http://127.0.0.1:") && proxy.url.ends_with('/'),
            "{}",
            proxy.url
        );
        proxy
    }
}

/// An emulator whose distribution uses OAC `no-override`: a viewer `Authorization` passes
/// through, so a request without one proves the proxy dropped the client's.
async fn no_override_emulator() -> Emulator {
    emulator(|b| {
        b.cloudfront(CloudFrontConfig::new(support::DISTRIBUTION).signing(OacSigning::NoOverride))
    })
    .await
}

/// The echo handler's JSON answer.
async fn echo(response: reqwest::Response) -> serde_json::Value {
    let status = response.status();
    let text = response.text().await.expect("body");
    assert_eq!(status, 200, "{text}");
    serde_json::from_str(&text).expect("echo JSON")
}

/// A text body of `len` bytes.
fn text_body(len: usize) -> Vec<u8> {
    (0..len).map(|i| b'a' + (i % 26) as u8).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwards_signed_with_the_wire_path_and_query_and_the_clients_headers_replaced() {
    let emulator = emulator(|b| {
        b.handler(|event| {
            HandlerResponse::json(200, serde_json::json!({ "path": event.raw_path }))
                .with_header("x-from-function", "yes")
        })
    })
    .await;
    let upstream = format!("{}base/?fixed=1", emulator.function_url());
    // The client's Host is never forwarded; here it is one the proxy was told to serve.
    let proxy = Launch::iam(&upstream, &["--allow-host", "evil.example"])
        .start()
        .await;
    let body = b"{\"id\":1}".to_vec();
    let headers: Vec<(String, Vec<u8>)> = [
        ("host", "evil.example"),
        (
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKIDCLIENT/x, Signature=00",
        ),
        ("x-amz-date", "20000101T000000Z"),
        ("x-amz-security-token", "client-token"),
        ("x-amz-content-sha256", "UNSIGNED-PAYLOAD"),
        ("connection", "keep-alive, x-hop"),
        ("x-hop", "dropped"),
        ("keep-alive", "timeout=5"),
        ("proxy-authorization", "Basic Zm9vOmJhcg=="),
        ("x-custom", "kept"),
        ("content-type", "application/json"),
    ]
    .into_iter()
    .map(|(n, v)| (n.to_owned(), v.as_bytes().to_vec()))
    .collect();
    let target = "/a%20b/../c(1)?q=a+b&x=%2B&k";
    let request = support::http1_bytes("POST", target, &headers, &body);
    let mut stream = tokio::net::TcpStream::connect(
        proxy
            .url
            .trim_start_matches("http://")
            .trim_end_matches('/'),
    )
    .await
    .expect("connect");
    stream.write_all(&request).await.expect("send");
    let response = support::read_http1_response(&mut stream, false)
        .await
        .expect("response");
    assert_eq!(
        response.status,
        200,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    assert_eq!(response.header("x-from-function"), Some("yes"));
    assert!(response.header("x-amzn-requestid").is_some());

    let received = emulator.received();
    assert_eq!(received.len(), 1);
    let got = &received[0];
    assert_eq!(got.method, "POST");
    // The request's path normalized on its own, appended to the upstream's; its query after
    // the upstream's, in the crate's wire form (a raw `+` is a space, `%2B` a plus).
    assert_eq!(got.target, "/base/c%281%29?fixed=1&q=a%20b&x=%2B&k=");
    assert_eq!(got.header_str("host"), Some(emulator.function_host()));
    assert_eq!(got.outcome.status, 200);
    assert_eq!(
        got.outcome.caller_arn.as_deref(),
        Some("arn:aws:iam::123456789012:user/test")
    );
    assert!(got
        .header_str("authorization")
        .is_some_and(|a| a.contains(support::ACCESS_KEY) && !a.contains("AKIDCLIENT")));
    assert_eq!(
        got.header_str("x-amz-security-token"),
        Some(support::SESSION_TOKEN)
    );
    assert_eq!(
        got.header_str("x-amz-content-sha256"),
        Some(sha256_hex(&body).as_str())
    );
    assert_eq!(got.header_str("content-length"), Some("8"));
    assert_eq!(got.header_str("x-custom"), Some("kept"));
    for dropped in [
        "x-hop",
        "keep-alive",
        "proxy-authorization",
        "transfer-encoding",
    ] {
        assert!(got.header(dropped).is_none(), "{dropped} was forwarded");
    }
    assert_eq!(got.body, body);

    let logs = proxy.wait_for_logs(1).await;
    let log = &logs[0];
    assert_eq!(log["method"], "POST");
    assert_eq!(
        log["path"], "/a%20b/../c(1)",
        "the path only, never the query"
    );
    assert_eq!(log["status"], 200);
    assert!(log["total_ms"].as_f64().is_some_and(|ms| ms > 0.0), "{log}");
    assert!(
        log["upstream_ms"].as_f64().is_some_and(|ms| ms > 0.0),
        "{log}"
    );
    support::assert_no_secret("proxy stderr", &proxy.stderr());
    assert!(!proxy.stderr().contains("client-token"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oac_mode_sends_only_the_content_hash_and_needs_no_credentials() {
    let emulator = no_override_emulator().await;
    let cloudfront = emulator.cloudfront_url().expect("cloudfront").to_owned();
    let proxy = Launch::new(&cloudfront, &["--oac"]).start().await;
    let body = "{\n    \"test\": \"message\"\n}";
    let response = reqwest::Client::new()
        .post(format!("{}items", proxy.url))
        .header("authorization", "Bearer client")
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("send");
    let echo = echo(response).await;
    assert!(
        echo["callerArn"].as_str().is_some_and(
            |a| a.ends_with("assumed-role/OriginAccessControlRole/OriginAccessSession")
        ),
        "CloudFront signed, so the client's Authorization was dropped: {echo}"
    );
    let received = emulator.received();
    assert_eq!(received.len(), 1);
    assert!(received[0].via_cloudfront);
    assert_eq!(
        received[0].header_str("x-amz-content-sha256"),
        Some("7acb899e28935d98d2a01e27212b5f130ca860f5899c1caabf18ec0988e5df62")
    );
    assert_eq!(received[0].body, body.as_bytes());

    // CloudFront answers 403 to a GET with a body; the proxy says why and sends nothing.
    let response = reqwest::Client::new()
        .get(format!("{}items", proxy.url))
        .body("data")
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 400);
    let json: serde_json::Value = response.json().await.expect("JSON");
    assert!(
        json["detail"]
            .as_str()
            .is_some_and(|d| d.contains("GET request with a body")),
        "{json}"
    );
    assert_eq!(emulator.received().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_host_signs_for_the_function_url_while_sending_to_the_distribution() {
    let emulator = no_override_emulator().await;
    let cloudfront = emulator.cloudfront_url().expect("cloudfront").to_owned();
    let proxy = Launch::iam(&cloudfront, &["--sign-host", emulator.function_host()])
        .start()
        .await;
    let response = reqwest::Client::new()
        .put(format!("{}orders/7", proxy.url))
        .body("payload")
        .send()
        .await
        .expect("send");
    let echo = echo(response).await;
    assert_eq!(echo["callerArn"], "arn:aws:iam::123456789012:user/test");
    let received = emulator.received();
    assert_eq!(received.len(), 1);
    assert!(received[0].via_cloudfront);
    assert_eq!(
        received[0].header_str("host"),
        Some(emulator.function_host())
    );
    assert_eq!(received[0].target, "/orders/7");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_body_is_spooled_to_an_unnamed_file_while_it_arrives_and_freed_after() {
    let emulator = emulator(|b| b).await;
    let proxy = Launch::iam(emulator.function_url(), &["--spool-threshold", "65536"])
        .start()
        .await;
    // A chunked body (no content-length): the first 100 KiB, then a pause until the proxy has
    // spooled them, then the rest.
    let body = text_body(300 * 1024);
    let (chunks, receiver) = mpsc::channel::<Result<Vec<u8>, std::io::Error>>(4);
    let stream = futures_stream(receiver);
    let request = reqwest::Client::new()
        .post(format!("{}upload", proxy.url))
        .header("content-type", "text/plain")
        .body(reqwest::Body::wrap_stream(stream))
        .send();
    let send = tokio::spawn(request);
    chunks
        .send(Ok(body[..100 * 1024].to_vec()))
        .await
        .expect("first part");
    let open = wait_until("the spool file", || {
        let fds = proxy.spool_fds();
        (!fds.is_empty()).then_some(fds)
    })
    .await;
    assert_eq!(open.len(), 1, "{open:?}");
    assert!(
        open[0].ends_with("(deleted)"),
        "unnamed from the start: {open:?}"
    );
    chunks
        .send(Ok(body[100 * 1024..].to_vec()))
        .await
        .expect("rest");
    drop(chunks);
    let response = send.await.expect("join").expect("send");
    let echo = echo(response).await;
    assert_eq!(echo["bodySha256"], sha256_hex(&body));
    let received = emulator.received();
    assert_eq!(received[0].body, body);
    assert_eq!(received[0].header_str("content-length"), Some("307200"));
    assert!(received[0].header("transfer-encoding").is_none());
    assert_eq!(proxy.wait_for_logs(1).await[0]["spooled"], true);
    proxy.assert_no_spool_left("after a spooled upload").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_gone_mid_upload_or_a_missing_tmpdir_leaves_no_spool_file() {
    let emulator = emulator(|b| b).await;
    let proxy = Launch::iam(emulator.function_url(), &[]).start().await;
    let addr = proxy
        .url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    // Half of a declared 1 MiB body, then the client disconnects.
    let mut stream = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    let head = "POST /gone HTTP/1.1\r\nhost: localhost\r\ncontent-type: text/plain\r\ncontent-length: 1048576\r\n\r\n";
    stream.write_all(head.as_bytes()).await.expect("head");
    stream
        .write_all(&text_body(512 * 1024))
        .await
        .expect("half");
    wait_until("the spool file", || {
        (!proxy.spool_fds().is_empty()).then_some(())
    })
    .await;
    drop(stream);
    let logs = proxy.wait_for_logs(1).await;
    assert_eq!(logs[0]["status"], 400, "{:?}", logs[0]);
    assert_eq!(logs[0]["error"], "cannot read the request body");
    proxy
        .assert_no_spool_left("after the client went away")
        .await;

    // No TMPDIR to spool into: 500, and nothing sent.
    std::fs::remove_dir(proxy.tmpdir()).expect("remove TMPDIR");
    let response = reqwest::Client::new()
        .post(format!("{}spool", proxy.url))
        .header("content-type", "text/plain")
        .body(text_body(1 << 20))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 500);
    let json: serde_json::Value = response.json().await.expect("JSON");
    assert_eq!(json["error"], "cannot spool the request body");
    assert!(emulator.received().is_empty());
    std::fs::create_dir(proxy.tmpdir()).expect("TMPDIR again");
    proxy.assert_no_spool_left("after the spool failure").await;
}

/// A stream of the chunks `receiver` yields, for `reqwest::Body::wrap_stream`.
fn futures_stream(
    receiver: mpsc::Receiver<Result<Vec<u8>, std::io::Error>>,
) -> impl futures_core::Stream<Item = Result<Vec<u8>, std::io::Error>> + Send + 'static {
    struct Chunks(mpsc::Receiver<Result<Vec<u8>, std::io::Error>>);
    impl futures_core::Stream for Chunks {
        type Item = Result<Vec<u8>, std::io::Error>;
        fn poll_next(
            mut self: std::pin::Pin<&mut Self>,
            cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Self::Item>> {
            self.0.poll_recv(cx)
        }
    }
    Chunks(receiver)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_over_the_limit_get_413_before_anything_is_sent_and_no_spool_file_is_left() {
    let emulator = emulator(|b| b).await;
    let proxy = Launch::iam(emulator.function_url(), &[]).start().await;
    let client = reqwest::Client::new();
    let over = text_body(LIMIT + 1);
    let cases: [(&str, reqwest::Body, u64); 3] = [
        // Declared too large by content-length.
        (
            "text/plain",
            reqwest::Body::from(over.clone()),
            LIMIT as u64 + 1,
        ),
        // Chunked: found while reading.
        (
            "text/plain",
            reqwest::Body::wrap_stream(futures_stream({
                let (sender, receiver) = mpsc::channel(2);
                let over = over.clone();
                tokio::spawn(async move {
                    for part in over.chunks(1 << 20) {
                        if sender.send(Ok(part.to_vec())).await.is_err() {
                            break;
                        }
                    }
                });
                receiver
            })),
            0,
        ),
        // 5,000,000 binary bytes count 6,666,668 base64-encoded.
        (
            "application/octet-stream",
            reqwest::Body::from(vec![0u8; 5_000_000]),
            6_666_668,
        ),
    ];
    for (content_type, body, size) in cases {
        let response = client
            .post(format!("{}big", proxy.url))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("send");
        assert_eq!(response.status(), 413);
        let json: serde_json::Value = response.json().await.expect("JSON error");
        assert_eq!(json["error"], "payload too large");
        assert_eq!(json["limit"], LIMIT);
        if size > 0 {
            assert_eq!(json["size"], size);
        } else {
            assert!(json["size"].as_u64().is_some_and(|s| s > LIMIT as u64));
        }
    }
    assert!(emulator.received().is_empty(), "nothing was sent upstream");
    let logs = proxy.wait_for_logs(3).await;
    assert!(logs
        .iter()
        .all(|l| l["status"] == 413 && l["upstream_ms"].is_null()));
    proxy.assert_no_spool_left("after 413s").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_upstream_is_502_and_a_silent_one_504_with_json_and_no_spool_left() {
    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let closed_url = format!("http://{}/", closed.local_addr().expect("addr"));
    drop(closed);
    // A server that accepts and never answers.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let silent_url = format!("http://{}/", silent.local_addr().expect("addr"));
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = silent.accept().await {
            held.push(stream);
        }
    });

    let body = text_body(1 << 20); // spooled
    for (upstream, status, error) in [
        (closed_url, 502, "upstream unreachable"),
        (silent_url, 504, "upstream timeout"),
    ] {
        let proxy = Launch::iam(&upstream, &["--timeout-secs", "1"])
            .start()
            .await;
        let started = Instant::now();
        let response = reqwest::Client::new()
            .post(format!("{}x", proxy.url))
            .header("content-type", "text/plain")
            .body(body.clone())
            .send()
            .await
            .expect("send");
        assert_eq!(response.status(), status);
        assert_eq!(
            response.headers()["content-type"],
            "application/json",
            "{upstream}"
        );
        let json: serde_json::Value = response.json().await.expect("JSON");
        assert_eq!(json["error"], error, "{json}");
        if status == 504 {
            assert!(started.elapsed() >= Duration::from_secs(1));
            assert_eq!(json["timeout_secs"], 1);
        }
        let logs = proxy.wait_for_logs(1).await;
        assert_eq!(logs[0]["status"], status);
        assert_eq!(logs[0]["error"], error);
        assert_eq!(logs[0]["spooled"], true);
        proxy.assert_no_spool_left(error).await;
        support::assert_no_secret("proxy stderr", &proxy.stderr());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upstream_403_passes_through_unchanged_with_its_diagnosis() {
    let emulator = emulator(|b| b).await;
    let proxy = Launch::iam(emulator.function_url(), &[])
        .credentials("AKIAUNKNOWNKEYEXAMPLE")
        .start()
        .await;
    let response = reqwest::Client::new()
        .get(format!("{}secret", proxy.url))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 403);
    let headers = response.headers().clone();
    let body = response.text().await.expect("body");
    let received = emulator.received();
    assert_eq!(received[0].outcome.status, 403);
    assert_eq!(headers["x-amzn-errortype"], "UnrecognizedClientException");
    assert_eq!(
        headers["x-amzn-requestid"].to_str().ok(),
        Some(received[0].request_id.as_str())
    );
    assert_eq!(
        body,
        r#"{"message":"The security token included in the request is invalid."}"#
    );
    let diagnosis = headers["x-lambda-url-signer-diagnosis"]
        .to_str()
        .expect("ASCII");
    assert!(
        diagnosis.starts_with("invalid security token"),
        "{diagnosis}"
    );
    assert_eq!(proxy.wait_for_logs(1).await[0]["status"], 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_is_passed_back_not_followed() {
    let server = support::ScriptedServer::start(|_, _| {
        (
            "HTTP/1.1 307 Temporary Redirect\r\nlocation: http://127.0.0.1:9/elsewhere".to_owned(),
            Vec::new(),
        )
    })
    .await;
    let proxy = Launch::iam(&format!("{}/", server.base()), &[])
        .start()
        .await;
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .get(format!("{}moved", proxy.url))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 307);
    assert_eq!(
        response.headers()["location"],
        "http://127.0.0.1:9/elsewhere"
    );
    let received = server.received();
    assert_eq!(received.len(), 1, "followed: {received:?}");
    assert!(
        received[0].starts_with("GET /moved HTTP/1.1"),
        "{received:?}"
    );
}

/// An emulator whose streaming function answers at once and then sends whatever the test puts
/// into the returned sender, until the test drops it.
async fn streaming_emulator() -> (Emulator, mpsc::Sender<Vec<u8>>) {
    let (sender, receiver) = mpsc::channel(4);
    let slot = Mutex::new(Some(receiver));
    let emulator = emulator(move |b| {
        b.streaming_handler(move |_event| {
            let chunks = slot
                .lock()
                .expect("lock")
                .take()
                .unwrap_or_else(|| mpsc::channel(1).1);
            StreamingResponse::new(
                HandlerResponse::new(200).with_header("content-type", "text/plain"),
                chunks,
            )
        })
    })
    .await;
    (emulator, sender)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streamed_response_reaches_the_client_chunk_by_chunk() {
    let (emulator, chunks) = streaming_emulator().await;
    let proxy = Launch::iam(emulator.function_url(), &[]).start().await;
    let mut response = reqwest::Client::new()
        .get(format!("{}stream", proxy.url))
        .send()
        .await
        .expect("the head arrives before any chunk is produced");
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("content-length").is_none());
    chunks.send(b"first ".to_vec()).await.expect("first");
    let first = tokio::time::timeout(DEADLINE, response.chunk())
        .await
        .expect("the first chunk in time")
        .expect("read")
        .expect("a chunk");
    // The last chunk does not exist yet: the client holds the first.
    assert_eq!(first.as_ref(), b"first ");
    chunks.send(b"last".to_vec()).await.expect("last");
    drop(chunks);
    let mut rest = Vec::new();
    while let Some(chunk) = response.chunk().await.expect("read") {
        rest.extend_from_slice(&chunk);
    }
    assert_eq!(rest, b"last");
    assert_eq!(proxy.wait_for_logs(1).await[0]["status"], 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_accepting_finishes_the_request_in_flight_and_exits_0() {
    let (emulator, chunks) = streaming_emulator().await;
    let mut proxy = Launch::iam(emulator.function_url(), &[]).start().await;
    let mut response = reqwest::Client::new()
        .get(format!("{}slow", proxy.url))
        .send()
        .await
        .expect("send");
    chunks.send(b"one ".to_vec()).await.expect("first");
    let first = response.chunk().await.expect("read").expect("chunk");
    assert_eq!(first.as_ref(), b"one ");

    proxy.signal("TERM");
    let addr = proxy
        .url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    wait_until("the listener to close", || {
        std::net::TcpStream::connect(&addr).is_err().then_some(())
    })
    .await;
    assert!(
        proxy.child.try_wait().expect("try_wait").is_none(),
        "the proxy waits for the request in flight"
    );
    chunks.send(b"two".to_vec()).await.expect("last");
    drop(chunks);
    let mut rest = Vec::new();
    while let Some(chunk) = response.chunk().await.expect("the stream completes") {
        rest.extend_from_slice(&chunk);
    }
    assert_eq!(rest, b"two");
    assert_eq!(proxy.exit_code().await, Some(0));
    let stderr = proxy.stderr();
    assert!(stderr.contains(r#""signal":"SIGTERM""#), "{stderr}");
    assert_eq!(proxy.request_logs().len(), 1, "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_on_an_idle_proxy_exits_0() {
    let emulator = emulator(|b| b).await;
    let mut proxy = Launch::iam(emulator.function_url(), &[]).start().await;
    proxy.signal("INT");
    assert_eq!(proxy.exit_code().await, Some(0));
    assert!(proxy.stderr().contains(r#""signal":"SIGINT""#));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_connection_limit_holds_a_second_connection_until_the_first_closes() {
    let emulator = emulator(|b| b).await;
    let proxy = Launch::iam(emulator.function_url(), &["--max-connections", "1"])
        .start()
        .await;
    let addr = proxy
        .url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let get = support::http1_bytes(
        "GET",
        "/",
        &[("host".to_owned(), b"localhost".to_vec())],
        b"",
    );
    let mut first = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    first.write_all(&get).await.expect("send");
    let answer = support::read_http1_response(&mut first, false)
        .await
        .expect("first");
    assert_eq!(answer.status, 200);
    // The first connection stays open (keep-alive); the second waits in the backlog.
    let mut second = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    second.write_all(&get).await.expect("send");
    let early = tokio::time::timeout(
        Duration::from_millis(500),
        support::read_http1_response(&mut second, false),
    )
    .await;
    assert!(early.is_err(), "served beyond --max-connections 1");
    drop(first);
    let answer = tokio::time::timeout(DEADLINE, support::read_http1_response(&mut second, false))
        .await
        .expect("served once the first closed")
        .expect("second");
    assert_eq!(answer.status, 200);
    assert_eq!(emulator.received().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peak_rss_stays_within_16_mib_of_idle_for_eight_concurrent_5_mb_uploads() {
    const BODY: usize = 5_000_000;
    const PART: usize = 1 << 20;
    let emulator = emulator(|b| b).await;
    let proxy = Launch::iam(emulator.function_url(), &[]).start().await;
    let client = reqwest::Client::new();
    let body = bytes::Bytes::from(text_body(BODY));
    let expected = sha256_hex(&body);
    // An upload with a content-length whose body the test feeds part by part.
    let upload = || {
        let (parts, receiver) = mpsc::channel(8);
        let request = client
            .post(format!("{}upload", proxy.url))
            .header("content-type", "text/plain")
            .header("content-length", BODY.to_string())
            .body(reqwest::Body::wrap_stream(futures_stream(receiver)))
            .send();
        (
            parts,
            tokio::spawn(async move { echo(request.await.expect("send")).await }),
        )
    };
    let feed = |parts: mpsc::Sender<Result<Vec<u8>, std::io::Error>>, from: usize| {
        let body = body.clone();
        tokio::spawn(async move {
            for part in body[from..].chunks(PART) {
                parts.send(Ok(part.to_vec())).await.expect("feed");
            }
        })
    };

    let (parts, warm_up) = upload();
    feed(parts, 0);
    assert_eq!(warm_up.await.expect("join")["bodySha256"], expected);
    emulator.clear_received();
    let idle = proxy.status_kib("VmRSS");
    // Resets VmHWM to the current RSS (Linux 4.0+); without it, VmHWM includes the warm-up.
    let reset = std::fs::write(format!("/proc/{}/clear_refs", proxy.pid()), "5").is_ok();

    // Eight uploads, each held after its first part until all eight are being spooled at once.
    let mut uploads = Vec::new();
    let mut senders = Vec::new();
    for _ in 0..8 {
        let (parts, upload) = upload();
        parts
            .send(Ok(body[..PART].to_vec()))
            .await
            .expect("first part");
        senders.push(parts);
        uploads.push(upload);
    }
    wait_until("eight spool files open at once", || {
        (proxy.spool_fds().len() == 8).then_some(())
    })
    .await;
    for parts in senders {
        feed(parts, PART);
    }
    for upload in uploads {
        assert_eq!(upload.await.expect("join")["bodySha256"], expected);
    }
    let peak = proxy.status_kib("VmHWM");
    let growth = peak.saturating_sub(idle);
    println!(
        "proxy RSS: idle {:.1} MiB, peak {:.1} MiB during 8 concurrent 5,000,000-byte uploads: +{:.1} MiB (VmHWM reset: {reset})",
        idle as f64 / 1024.0,
        peak as f64 / 1024.0,
        growth as f64 / 1024.0
    );
    assert!(
        growth <= 16 * 1024,
        "peak RSS {peak} KiB is more than 16 MiB above idle {idle} KiB"
    );
    assert_eq!(emulator.received().len(), 8);
    assert!(emulator
        .received()
        .iter()
        .all(|r| r.header_str("content-length") == Some("5000000")));
    proxy.assert_no_spool_left("after the uploads").await;
}

#[test]
fn bad_configuration_and_missing_credentials_exit_2_with_one_json_line() {
    let cases: [(&[&str], &str); 3] = [
        (
            &[
                "--upstream",
                "http://127.0.0.1:9/",
                "--oac",
                "--sign-host",
                "h",
            ],
            "exclude",
        ),
        (&["--upstream", "http://127.0.0.1:9/"], "pass --region"),
        (
            &[
                "--upstream",
                "http://127.0.0.1:9/",
                "--region",
                "eu-central-1",
            ],
            "no credentials",
        ),
    ];
    let dir = tempfile::tempdir().expect("temp dir");
    for (args, message) in cases {
        let mut launch = Launch::new("", &[]);
        launch.args = args.iter().map(|a| (*a).to_owned()).collect();
        let output = launch.command(dir.path()).output().expect("run the proxy");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?}");
        assert_eq!(stderr.trim().lines().count(), 1, "{args:?}: {stderr}");
        let line: serde_json::Value = serde_json::from_str(stderr.trim()).expect("JSON");
        assert!(
            line["error"].as_str().is_some_and(|e| e.contains(message)),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn bad_usage_exits_2_with_clap_s_message() {
    let cases: [(&[&str], &str); 5] = [
        (&[], "the following required arguments were not provided"),
        (
            &["--upstream"],
            "a value is required for '--upstream <URL>'",
        ),
        (
            &["--upstream", "http://127.0.0.1:9/", "--timeout-secs", "0"],
            "invalid value '0' for '--timeout-secs <N>'",
        ),
        (
            &[
                "--upstream",
                "http://127.0.0.1:9/",
                "--max-connections",
                "0",
            ],
            "invalid value '0' for '--max-connections <N>'",
        ),
        (
            &["--upstream", "http://127.0.0.1:9/", "--port", "http"],
            "invalid value 'http' for '--port <N>'",
        ),
    ];
    let dir = tempfile::tempdir().expect("temp dir");
    for (args, message) in cases {
        let mut launch = Launch::new("", &[]);
        launch.args = args.iter().map(|a| (*a).to_owned()).collect();
        let output = launch.command(dir.path()).output().expect("run the proxy");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?}");
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_region_the_region_comes_from_aws_region_then_aws_default_region() {
    let emulator = emulator(|b| b).await;
    for (vars, expected) in [
        (
            vec![("AWS_DEFAULT_REGION", support::REGION)],
            support::REGION,
        ),
        (
            vec![
                ("AWS_REGION", support::REGION),
                ("AWS_DEFAULT_REGION", "us-west-2"),
            ],
            support::REGION,
        ),
    ] {
        let mut launch = Launch::new(emulator.function_url(), &[]).credentials(support::ACCESS_KEY);
        launch
            .env
            .extend(vars.iter().map(|(k, v)| (*k, (*v).to_owned())));
        let proxy = launch.start().await;
        // The first stdout line: exactly these four fields.
        let config = &proxy.config;
        assert_eq!(config.as_object().map(|o| o.len()), Some(4), "{config}");
        assert_eq!(config["region"], expected, "{vars:?}");
        assert_eq!(config["mode"], "iam");
        assert_eq!(config["upstream"], emulator.function_url());
        let response = reqwest::Client::new()
            .get(format!("{}env", proxy.url))
            .send()
            .await
            .expect("send");
        assert_eq!(response.status(), 200, "{vars:?}");
    }
    assert_eq!(emulator.received().len(), 2);
}

/// Requests per side for the load comparison: `LUS_PROXY_LOAD_REQUESTS`, else 500.
const LOAD_DEFAULT: u32 = 500;
const LOAD_CONCURRENCY: usize = 64;

/// Sends `total` requests made by `make` with [`LOAD_CONCURRENCY`] in flight; the elapsed time
/// and every latency, sorted.
async fn load<F, Fut>(total: usize, make: F) -> (Duration, Vec<Duration>)
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = u16> + Send,
{
    let make = Arc::new(make);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..LOAD_CONCURRENCY)
        .map(|_| {
            let (make, next) = (Arc::clone(&make), Arc::clone(&next));
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < total {
                    let sent = Instant::now();
                    let status = make().await;
                    assert_eq!(status, 200);
                    latencies.push(sent.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(total);
    for worker in workers {
        latencies.extend(worker.await.expect("worker"));
    }
    let elapsed = started.elapsed();
    latencies.sort_unstable();
    (elapsed, latencies)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_through_the_proxy_against_signing_in_process() {
    let total = support::cases_from_env("LUS_PROXY_LOAD_REQUESTS", LOAD_DEFAULT) as usize;
    let emulator = emulator(|b| b).await;
    let url = emulator.function_url().to_owned();
    let proxy = Launch::iam(&url, &[]).quiet().start().await;
    let body = bytes::Bytes::from(
        serde_json::to_vec(&serde_json::json!({ "data": "x".repeat(1013) })).expect("json"),
    );
    assert_eq!(body.len(), 1024);

    let direct = support::iam_client();
    let plain = reqwest::Client::new();
    let in_process = {
        let (client, url, body) = (direct.clone(), url.clone(), body.clone());
        move || {
            let request = client
                .post(&url)
                .header("content-type", "application/json")
                .body(body.clone());
            async move { request.send().await.expect("send").status().as_u16() }
        }
    };
    let through_proxy = {
        let (client, url, body) = (plain.clone(), proxy.url.clone(), body.clone());
        move || {
            let request = client
                .post(&url)
                .header("content-type", "application/json")
                .body(body.clone());
            async move { request.send().await.expect("send").status().as_u16() }
        }
    };
    // Warm up both paths (connections, credentials, allocator), then measure each.
    let warm = (total / 10).max(LOAD_CONCURRENCY);
    load(warm, in_process.clone()).await;
    load(warm, through_proxy.clone()).await;
    emulator.clear_received();
    let (direct_time, direct_lat) = load(total, in_process).await;
    emulator.clear_received();
    let (proxy_time, proxy_lat) = load(total, through_proxy).await;
    assert_eq!(emulator.received().len(), total);
    assert!(emulator.received().iter().all(|r| r.outcome.status == 200));

    let rate = |time: Duration| total as f64 / time.as_secs_f64();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let (direct_rate, proxy_rate) = (rate(direct_time), rate(proxy_time));
    println!("| path | requests | req/s | p50 | p99 |");
    println!("|---|---:|---:|---:|---:|");
    for (name, rate, latencies) in [
        ("in-process `SigningMiddleware`", direct_rate, &direct_lat),
        ("through the proxy", proxy_rate, &proxy_lat),
    ] {
        println!(
            "| {name} | {total} | {rate:.0} | {:.2} ms | {:.2} ms |",
            ms(percentile(latencies, 0.50)),
            ms(percentile(latencies, 0.99))
        );
    }
    println!(
        "proxy / in-process throughput: {:.2}",
        proxy_rate / direct_rate
    );
}
