//! Criterion benchmarks: body hashing, the signing core against plain `aws-sigv4`, and a
//! loopback round trip through reqwest with and without the middleware.
//!
//! Run with `cargo bench --bench sign` (the round trips need the default `middleware`
//! feature). `scripts/bench.sh` runs this together with the peers and the memory probe.

use aws_sigv4::http_request::{
    sign, PayloadChecksumKind, SignableBody, SignableRequest, SigningSettings,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, SamplingMode, Throughput};
use lambda_url_signer::{Credentials, PayloadHash, Signer};
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

const GET_URL: &str =
    "https://abcdefghijklmnopqrstuvwxyz234567.lambda-url.eu-central-1.on.aws/items?limit=10&next=a%20b";
const POST_URL: &str =
    "https://abcdefghijklmnopqrstuvwxyz234567.lambda-url.eu-central-1.on.aws/items";
const REGION: &str = "eu-central-1";
const KIB: usize = 1024;
const MIB: usize = 1024 * 1024;

/// The body type of the benchmark requests: cloning it copies no bytes.
type Body = Arc<[u8]>;

fn credentials() -> Credentials {
    Credentials::new(
        "AKIDEXAMPLE",
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        Some("IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN".to_owned()),
        None,
        "bench",
    )
}

fn signing_time() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_764_000_000)
}

/// A JSON document of exactly `len` bytes.
fn json_body(len: usize) -> Body {
    let prefix = br#"{"data":""#;
    let suffix = br#""}"#;
    let mut body = Vec::with_capacity(len);
    body.extend_from_slice(prefix);
    body.resize(len - suffix.len(), b'x');
    body.extend_from_slice(suffix);
    body.into()
}

/// The three benchmark requests, `(name, template)`.
fn requests() -> Vec<(&'static str, http::Request<Body>)> {
    let get = http::Request::get(GET_URL)
        .header("accept", "application/json")
        .body(Body::from(Vec::new()))
        .expect("valid GET request");
    let post = |body: Body| {
        http::Request::post(POST_URL)
            .header("content-type", "application/json")
            .body(body)
            .expect("valid POST request")
    };
    vec![
        ("get", get),
        ("post_1k", post(json_body(KIB))),
        ("post_6m", post(json_body(6 * MIB))),
    ]
}

/// Signs `request` as a plain `aws-sigv4` user would: hash the body inside `sign`, add
/// `x-amz-content-sha256`, apply the instructions.
fn sign_with_aws_sigv4(request: &mut http::Request<Body>, identity: &Identity) {
    let mut settings = SigningSettings::default();
    settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    let params = v4::SigningParams::builder()
        .identity(identity)
        .region(REGION)
        .name("lambda")
        .time(signing_time())
        .settings(settings)
        .build()
        .expect("valid signing params")
        .into();
    let uri = request.uri().to_string();
    let headers = request.headers().iter().map(|(name, value)| {
        (
            name.as_str(),
            value.to_str().expect("benchmark headers are ASCII"),
        )
    });
    let signable = SignableRequest::new(
        request.method().as_str(),
        uri,
        headers,
        SignableBody::Bytes(request.body()),
    )
    .expect("valid signable request");
    let (instructions, _signature) = sign(signable, &params)
        .expect("aws-sigv4 signs")
        .into_parts();
    instructions.apply_to_request_http1x(request);
}

fn bench_hash(c: &mut Criterion) {
    let mut group = c.benchmark_group("hash");
    for (name, len) in [
        ("64B", 64),
        ("1KiB", KIB),
        ("64KiB", 64 * KIB),
        ("1MiB", MIB),
        ("6MiB", 6 * MIB),
    ] {
        let body = json_body(len);
        group.throughput(Throughput::Bytes(len as u64));
        if len >= MIB {
            group.sampling_mode(SamplingMode::Flat);
            group.sample_size(30);
        }
        group.bench_function(name, |b| b.iter(|| PayloadHash::of(black_box(&body))));
    }
    group.finish();
}

fn bench_sign(c: &mut Criterion) {
    let signer = Signer::builder()
        .region(REGION)
        .build()
        .expect("valid signer");
    let credentials = credentials();
    let identity: Identity = credentials.clone().into();
    let time = signing_time();
    let mut group = c.benchmark_group("sign");
    for (name, template) in requests() {
        if name == "post_6m" {
            group.sampling_mode(SamplingMode::Flat);
            group.sample_size(30);
        }
        group.bench_function(format!("crate/{name}"), |b| {
            b.iter_batched(
                || template.clone(),
                |mut request| {
                    let hash = PayloadHash::of(request.body());
                    signer
                        .sign_at(&mut request, &hash, &credentials, time)
                        .expect("the crate signs");
                    request
                },
                BatchSize::SmallInput,
            )
        });
        if name == "get" {
            // A signature that must derive its key: a fresh signer (empty key cache) each time.
            group.bench_function("crate/get_cold", |b| {
                b.iter_batched(
                    || {
                        let cold = Signer::builder()
                            .region(REGION)
                            .build()
                            .expect("valid signer");
                        (cold, template.clone())
                    },
                    |(cold, mut request)| {
                        let hash = PayloadHash::of(request.body());
                        cold.sign_at(&mut request, &hash, &credentials, time)
                            .expect("the crate signs");
                        request
                    },
                    BatchSize::SmallInput,
                )
            });
        }
        group.bench_function(format!("aws_sigv4/{name}"), |b| {
            b.iter_batched(
                || template.clone(),
                |mut request| {
                    sign_with_aws_sigv4(&mut request, &identity);
                    request
                },
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

#[cfg(feature = "middleware")]
mod roundtrip {
    //! A 1 KiB POST through reqwest to a loopback HTTP/1.1 responder.

    use super::{credentials, json_body, KIB, REGION};
    use criterion::Criterion;
    use lambda_url_signer::middleware::{OacMiddleware, SigningMiddleware};
    use lambda_url_signer::Signer;
    use reqwest_middleware::{ClientBuilder, ClientWithMiddleware};
    use std::io;
    use std::net::SocketAddr;
    use std::time::{SystemTime, UNIX_EPOCH};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};

    /// Starts the responder as a task on `runtime`, the client's own current-thread runtime:
    /// client and server then take turns on one thread, so a round trip costs their CPU work
    /// and the loopback, with no cross-core wake-up (whose latency, on a VM, depends on whether
    /// the other core sleeps, and so on unrelated load). Returns its address.
    fn start_server(runtime: &tokio::runtime::Runtime) -> SocketAddr {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        listener
            .set_nonblocking(true)
            .expect("nonblocking listener");
        let addr = listener.local_addr().expect("local address");
        runtime.spawn(async move {
            let listener = TcpListener::from_std(listener).expect("tokio listener");
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let _ = serve(stream).await;
                });
            }
        });
        addr
    }

    /// A minimal keep-alive HTTP/1.1 responder: parses the head with `httparse` (hyper's
    /// parser, so that each header byte costs the server what it costs a real one), reads a
    /// `content-length` body, and answers `iam` (an `authorization` header came), `oac` (only
    /// `x-amz-content-sha256`) or `plain`, with a `Date` header as every origin server sends.
    async fn serve(mut stream: TcpStream) -> io::Result<()> {
        let invalid = |what: &'static str| io::Error::new(io::ErrorKind::InvalidData, what);
        stream.set_nodelay(true)?;
        let mut buffer = vec![0u8; 64 * 1024];
        let mut date = Date::default();
        let mut filled = 0;
        loop {
            let (head_len, content_length, kind) = loop {
                let mut headers = [httparse::EMPTY_HEADER; 32];
                let mut request = httparse::Request::new(&mut headers);
                match request.parse(&buffer[..filled]) {
                    Ok(httparse::Status::Complete(head_len)) => {
                        let (length, kind) = classify(request.headers)?;
                        break (head_len, length, kind);
                    }
                    Ok(httparse::Status::Partial) if filled < buffer.len() => {}
                    Ok(httparse::Status::Partial) => return Err(invalid("head over 64 KiB")),
                    Err(_) => return Err(invalid("bad request head")),
                }
                let n = stream.read(&mut buffer[filled..]).await?;
                if n == 0 {
                    return Ok(());
                }
                filled += n;
            };
            // Drop the head and the body; keep whatever of the next request came with them.
            let mut remaining = content_length;
            let buffered = (filled - head_len).min(remaining);
            remaining -= buffered;
            buffer.copy_within(head_len + buffered..filled, 0);
            filled -= head_len + buffered;
            while remaining > 0 {
                let n = stream.read(&mut buffer[filled..]).await?;
                if n == 0 {
                    return Ok(());
                }
                let used = n.min(remaining);
                remaining -= used;
                buffer.copy_within(filled + used..filled + n, filled);
                filled += n - used;
            }
            let mut response = Vec::with_capacity(160);
            response.extend_from_slice(b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ndate: ");
            response.extend_from_slice(date.now().as_bytes());
            response.extend_from_slice(
                format!("\r\ncontent-length: {}\r\n\r\n", kind.len()).as_bytes(),
            );
            response.extend_from_slice(kind);
            stream.write_all(&response).await?;
        }
    }

    /// The body length and the mode a request's headers show.
    fn classify(headers: &[httparse::Header<'_>]) -> io::Result<(usize, &'static [u8])> {
        let mut content_length = 0usize;
        let mut kind: &'static [u8] = b"plain";
        for header in headers {
            if header.name.eq_ignore_ascii_case("content-length") {
                content_length = std::str::from_utf8(header.value)
                    .ok()
                    .and_then(|v| v.trim().parse().ok())
                    .ok_or_else(|| {
                        io::Error::new(io::ErrorKind::InvalidData, "bad content-length")
                    })?;
            } else if header.name.eq_ignore_ascii_case("authorization") {
                kind = b"iam";
            } else if header.name.eq_ignore_ascii_case("x-amz-content-sha256") && kind == b"plain" {
                kind = b"oac";
            }
        }
        Ok((content_length, kind))
    }

    /// The `Date` header value, formatted once a second (as hyper's server does).
    #[derive(Default)]
    struct Date {
        second: u64,
        text: String,
    }

    impl Date {
        fn now(&mut self) -> &str {
            let now = SystemTime::now();
            let second = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
            if second != self.second || self.text.is_empty() {
                self.second = second;
                self.text = httpdate::fmt_http_date(now);
            }
            &self.text
        }
    }

    /// The same reqwest client settings for every mode.
    fn http() -> reqwest::Client {
        lambda_url_signer::reqwest::client_builder()
            .build()
            .expect("reqwest client")
    }

    pub(super) fn bench(c: &mut Criterion) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let addr = start_server(&runtime);
        let url = format!("http://{addr}/items");
        let signer = Signer::builder()
            .region(REGION)
            .credentials(credentials())
            .build()
            .expect("valid signer");
        let clients: [(&str, ClientWithMiddleware); 3] = [
            ("plain", ClientBuilder::new(http()).build()),
            (
                "iam",
                ClientBuilder::new(http())
                    .with(SigningMiddleware::new(signer))
                    .build(),
            ),
            (
                "oac",
                ClientBuilder::new(http())
                    .with(OacMiddleware::new())
                    .build(),
            ),
        ];
        // A static body: reqwest sends it without copying, and each request clones a pointer.
        let body: &'static [u8] = Vec::leak(json_body(KIB).to_vec());
        let send = |client: &ClientWithMiddleware| {
            let request = client
                .post(&url)
                .header("content-type", "application/json")
                .body(body);
            async move {
                let response = request.send().await.expect("loopback request");
                assert!(response.status().is_success(), "{}", response.status());
                response.bytes().await.expect("response body")
            }
        };
        let mut group = c.benchmark_group("roundtrip");
        for (name, client) in &clients {
            // Check once that each client sends what its name says.
            let reply = runtime.block_on(send(client));
            assert_eq!(&reply[..], name.as_bytes(), "the server saw another mode");
            group.bench_function(*name, |b| b.iter(|| runtime.block_on(send(client))));
        }
        group.finish();
    }
}

#[cfg(feature = "middleware")]
fn bench_roundtrip(c: &mut Criterion) {
    roundtrip::bench(c);
}

#[cfg(not(feature = "middleware"))]
fn bench_roundtrip(_: &mut Criterion) {}

criterion_group!(benches, bench_hash, bench_sign, bench_roundtrip);
criterion_main!(benches);
