//! Peak-memory and allocation probe.
//!
//! ```text
//! memory [--iam | --oac | --plain]   send one 6 MiB POST to a loopback server (default --iam)
//! memory --stream                    stream a 5,000,000-byte file through SigningMiddleware
//!                                    with a precomputed PayloadHash; print the peak heap growth
//!                                    (exit 1 when it reaches 2 MiB)
//! memory --count-allocs              allocations per signature, crate and plain aws-sigv4
//! memory --roundtrip-allocs [plain|iam|oac]
//!                                    allocations per 1 KiB POST round trip (2,000 rounds)
//! memory --sign-loop <crate|aws-sigv4> N
//!                                    sign the GET benchmark request N times, for
//!                                    `valgrind --tool=callgrind` (instructions per signature)
//! memory --signatures                the benchmark requests' signatures, crate and aws-sigv4
//! ```
//!
//! The send modes print the peak heap the process held (tracked by the counting allocator
//! below); run them under `/usr/bin/time -v` for the maximum RSS. `--plain` sends the same
//! body without middleware, so the difference to `--iam` is what signing costs.
//!
//! A bench target with its own `main` (`harness = false`):
//!
//! ```text
//! cargo bench --bench memory --all-features -- --iam
//! ```
//!
//! `cargo bench` appends `--bench` to the arguments; it is ignored. Under `/usr/bin/time -v`,
//! run the built binary itself (`cargo bench --bench memory --no-run` names it), not cargo.

use aws_sigv4::http_request::{
    sign, PayloadChecksumKind, SignableBody, SignableRequest, SigningSettings,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use lambda_url_signer::middleware::{OacMiddleware, SigningMiddleware};
use lambda_url_signer::{Credentials, PayloadHash, Signer};
use std::alloc::{GlobalAlloc, Layout, System};
use std::error::Error;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant, SystemTime};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const BODY_LEN: usize = 6 * 1024 * 1024;
/// `--stream` fails when the peak heap grows by this much: the file must not be buffered.
const STREAM_HEAP_BOUND: usize = 2 * 1024 * 1024;
const REGION: &str = "eu-central-1";
const GET_URL: &str =
    "https://abcdefghijklmnopqrstuvwxyz234567.lambda-url.eu-central-1.on.aws/items?limit=10&next=a%20b";
const POST_URL: &str =
    "https://abcdefghijklmnopqrstuvwxyz234567.lambda-url.eu-central-1.on.aws/items";

/// `System`, counting allocation calls and tracking live and peak heap bytes.
struct Counting;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);
static REALLOCS: AtomicUsize = AtomicUsize::new(0);
static ALLOCATED_BYTES: AtomicUsize = AtomicUsize::new(0);
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(bytes: usize) {
    ALLOCATED_BYTES.fetch_add(bytes, Relaxed);
    let live = LIVE.fetch_add(bytes, Relaxed) + bytes;
    PEAK.fetch_max(live, Relaxed);
}

// SAFETY: every call is forwarded unchanged to `System`; the counters only observe it.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        grew(layout.size());
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which `System` shares.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        grew(layout.size());
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Relaxed);
        // SAFETY: `ptr` came from `System` with this layout, as the caller guarantees.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        REALLOCS.fetch_add(1, Relaxed);
        LIVE.fetch_sub(layout.size(), Relaxed);
        grew(new_size);
        // SAFETY: as for `dealloc`, and `new_size` is valid as the caller guarantees.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocation counters at one moment.
#[derive(Clone, Copy)]
struct Snapshot {
    allocs: usize,
    reallocs: usize,
    bytes: usize,
}

impl Snapshot {
    fn now() -> Self {
        Snapshot {
            allocs: ALLOCS.load(Relaxed),
            reallocs: REALLOCS.load(Relaxed),
            bytes: ALLOCATED_BYTES.load(Relaxed),
        }
    }
}

fn credentials() -> Credentials {
    Credentials::new(
        "AKIDEXAMPLE",
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        Some("IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN".to_owned()),
        None,
        "memory",
    )
}

/// A JSON document of exactly `len` bytes.
fn json_body(len: usize) -> Vec<u8> {
    let suffix = br#""}"#;
    let mut body = Vec::with_capacity(len);
    body.extend_from_slice(br#"{"data":""#);
    body.resize(len - suffix.len(), b'x');
    body.extend_from_slice(suffix);
    body
}

fn main() -> Result<(), Box<dyn Error>> {
    // `cargo bench` passes `--bench` after the arguments given after `--`.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| arg != "--bench")
        .collect();
    let mode = args.first().map_or("--iam", String::as_str);
    let rest = args.get(1..).unwrap_or_default();
    match mode {
        "--iam" | "--oac" | "--plain" => send(&mode[2..]),
        "--stream" => stream_file(),
        "--count-allocs" => count_allocs(),
        "--sign-loop" => sign_loop(rest),
        "--roundtrip-allocs" => roundtrip_allocs(rest.first().map(String::as_str)),
        "--signatures" => signatures(),
        other => Err(format!(
            "unknown mode {other:?}: use --iam, --oac, --plain, --stream, --count-allocs, --sign-loop or --signatures"
        )
        .into()),
    }
}

/// Sends one 6 MiB POST through the chosen client and reports what happened.
fn send(mode: &str) -> Result<(), Box<dyn Error>> {
    let addr = start_server()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let builder = reqwest_middleware::ClientBuilder::new(
        lambda_url_signer::reqwest::client_builder().build()?,
    );
    let client = match mode {
        "iam" => {
            let signer = Signer::builder()
                .region(REGION)
                .credentials(credentials())
                .build()?;
            builder.with(SigningMiddleware::new(signer)).build()
        }
        "oac" => builder.with(OacMiddleware::new()).build(),
        _ => builder.build(),
    };
    let body = json_body(BODY_LEN);
    let heap_before = LIVE.load(Relaxed);
    let started = Instant::now();
    let reply = runtime.block_on(async {
        let response = client
            .post(format!("http://{addr}/upload"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await?;
        let status = response.status();
        let text = response.text().await?;
        Ok::<_, Box<dyn Error>>(format!("{status} {text}"))
    })?;
    let elapsed = started.elapsed();
    println!("mode: {mode}");
    println!("body: {BODY_LEN} bytes ({} MiB)", BODY_LEN / (1024 * 1024));
    println!("reply: {reply}");
    println!("time: {:.2} ms", elapsed.as_secs_f64() * 1e3);
    println!("heap before sending (body included): {heap_before} bytes");
    println!("peak heap: {} bytes", PEAK.load(Relaxed));
    let expected = if mode == "plain" { "none" } else { mode };
    if !reply.starts_with("200 ") || !reply.ends_with(&format!(" {BODY_LEN} bytes, {expected}")) {
        return Err(format!("unexpected reply {reply:?}").into());
    }
    Ok(())
}

/// Streams a 5,000,000-byte file through `SigningMiddleware` without buffering it: the body
/// hash is computed from the file first and handed over as a request extension. Prints the
/// heap growth from just before hashing to the peak while sending.
fn stream_file() -> Result<(), Box<dyn Error>> {
    const FILE_LEN: usize = 5_000_000;
    let addr = start_server()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let path = std::env::temp_dir().join(format!("lus-memory-{}.bin", std::process::id()));
    {
        use std::io::Write;
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path)?);
        let chunk: Vec<u8> = (0..=255u8).cycle().take(50_000).collect();
        for _ in 0..FILE_LEN / chunk.len() {
            file.write_all(&chunk)?;
        }
        file.flush()?;
    }
    let signer = Signer::builder()
        .region(REGION)
        .credentials(credentials())
        .build()?;
    let client = reqwest_middleware::ClientBuilder::new(
        lambda_url_signer::reqwest::client_builder().build()?,
    )
    .with(SigningMiddleware::new(signer))
    .build();
    let heap_before = LIVE.load(Relaxed);
    PEAK.store(heap_before, Relaxed);
    let started = Instant::now();
    let result = runtime.block_on(async {
        let hash = PayloadHash::from_async_reader(tokio::fs::File::open(&path).await?).await?;
        let file = tokio::fs::File::open(&path).await?;
        let response = client
            .put(format!("http://{addr}/upload"))
            // Text, so that 5,000,000 bytes are within the 6 MB limit as Lambda counts it.
            .header("content-type", "text/plain")
            .header("content-length", FILE_LEN)
            .with_extension(hash)
            .body(reqwest::Body::from(file))
            .send()
            .await?;
        let status = response.status();
        let text = response.text().await?;
        Ok::<_, Box<dyn Error>>(format!("{status} {text}"))
    });
    let _ = std::fs::remove_file(&path);
    let reply = result?;
    let growth = PEAK.load(Relaxed).saturating_sub(heap_before);
    println!("mode: stream");
    println!("file: {FILE_LEN} bytes");
    println!("reply: {reply}");
    println!("time: {:.2} ms", started.elapsed().as_secs_f64() * 1e3);
    println!("peak heap growth: {growth} bytes");
    if reply != format!("200 OK {FILE_LEN} bytes, iam") {
        return Err(format!("unexpected reply {reply:?}").into());
    }
    if growth >= STREAM_HEAP_BOUND {
        return Err(format!(
            "streaming {FILE_LEN} bytes grew the heap by {growth} bytes, {STREAM_HEAP_BOUND} or more"
        )
        .into());
    }
    Ok(())
}

/// Starts the discarding server on its own thread and runtime; returns its address.
fn start_server() -> io::Result<SocketAddr> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    std::thread::spawn(move || {
        runtime.block_on(async move {
            let Ok(listener) = TcpListener::from_std(listener) else {
                return;
            };
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(async move {
                    if let Err(e) = serve(stream).await {
                        eprintln!("server: {e}");
                    }
                });
            }
        });
    });
    Ok(addr)
}

/// A minimal HTTP/1.1 responder that reads a `content-length` body into a fixed 64 KiB buffer,
/// keeps none of it, and answers `<n> bytes, <iam|oac|none>`.
async fn serve(mut stream: TcpStream) -> io::Result<()> {
    let invalid = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_owned());
    let mut buffer = [0u8; 64 * 1024];
    loop {
        let mut filled = 0;
        let head_end = loop {
            if let Some(pos) = buffer[..filled].windows(4).position(|w| w == b"\r\n\r\n") {
                break pos + 4;
            }
            if filled == buffer.len() {
                return Err(invalid("request head over 64 KiB"));
            }
            let n = stream.read(&mut buffer[filled..]).await?;
            if n == 0 {
                return Ok(());
            }
            filled += n;
        };
        let head = std::str::from_utf8(&buffer[..head_end]).map_err(|_| invalid("head"))?;
        let mut content_length = 0usize;
        let mut kind = "none";
        for line in head.split("\r\n").skip(1) {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            if name.eq_ignore_ascii_case("content-length") {
                content_length = value
                    .trim()
                    .parse()
                    .map_err(|_| invalid("content-length"))?;
            } else if name.eq_ignore_ascii_case("authorization") {
                kind = "iam";
            } else if name.eq_ignore_ascii_case("x-amz-content-sha256") && kind == "none" {
                kind = "oac";
            }
        }
        // The client sends one request at a time, so nothing follows the body yet.
        let mut received = filled - head_end;
        while received < content_length {
            let n = stream.read(&mut buffer).await?;
            if n == 0 {
                return Ok(());
            }
            received += n;
        }
        let text = format!("{received} bytes, {kind}");
        // A `Date`, as every origin server sends (and what spares the signer its retry copy).
        let date = httpdate::fmt_http_date(std::time::SystemTime::now());
        let response = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ndate: {date}\r\ncontent-length: {}\r\n\r\n{text}",
            text.len()
        );
        stream.write_all(response.as_bytes()).await?;
    }
}

/// A named benchmark request.
type Case = (&'static str, http::Request<Vec<u8>>);

/// The benchmark requests, `(name, template)`, as `benches/sign.rs` and the peers build them.
fn requests() -> Result<[Case; 2], http::Error> {
    let get = http::Request::get(GET_URL)
        .header("accept", "application/json")
        .body(Vec::new())?;
    let post = http::Request::post(POST_URL)
        .header("content-type", "application/json")
        .body(json_body(1024))?;
    Ok([("get", get), ("post_1k", post)])
}

fn signing_time() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_764_000_000)
}

/// Prints `<signer> <case> <signed headers> <signature>` per line, for bench.sh to compare
/// with botocore and aws4.
fn signatures() -> Result<(), Box<dyn Error>> {
    let signer = Signer::builder().region(REGION).build()?;
    let credentials = credentials();
    let identity: Identity = credentials.clone().into();
    for (name, template) in requests()? {
        let mut ours = template.clone();
        let hash = PayloadHash::of(ours.body());
        signer.sign_at(&mut ours, &hash, &credentials, signing_time())?;
        let mut plain = template;
        sign_with_aws_sigv4(&mut plain, &identity, signing_time())?;
        for (signer, request) in [("crate", ours), ("aws_sigv4", plain)] {
            let authorization = request
                .headers()
                .get("authorization")
                .ok_or("no authorization header")?
                .to_str()?;
            let signed = authorization
                .split_once("SignedHeaders=")
                .and_then(|(_, rest)| rest.split(',').next())
                .ok_or("no SignedHeaders")?;
            let signature = authorization
                .rsplit_once("Signature=")
                .map(|(_, s)| s)
                .ok_or("no Signature")?;
            println!("{signer} {name} {signed} {signature}");
        }
    }
    Ok(())
}

/// Allocations per signature: the crate's `sign_at` and plain aws-sigv4 on a GET and a 1 KiB
/// POST. Building the request (cloning a template) and dropping it are not counted.
fn count_allocs() -> Result<(), Box<dyn Error>> {
    const ROUNDS: usize = 1000;
    let signer = Signer::builder().region(REGION).build()?;
    let credentials = credentials();
    let identity: Identity = credentials.clone().into();
    let time = signing_time();

    println!("| what | allocations | reallocations | bytes allocated |");
    println!("|---|---:|---:|---:|");
    for (name, template) in &requests()? {
        let hash = PayloadHash::of(template.body());
        let hashing = measure(ROUNDS, template, |request| {
            std::hint::black_box(PayloadHash::of(request.body()));
            Ok(())
        })?;
        report(&format!("`PayloadHash::of`, {name}"), hashing, ROUNDS);
        let crate_sign = measure(ROUNDS, template, |request| {
            signer.sign_at(request, &hash, &credentials, time)?;
            Ok(())
        })?;
        report(&format!("crate `sign_at`, {name}"), crate_sign, ROUNDS);
        let plain = measure(ROUNDS, template, |request| {
            sign_with_aws_sigv4(request, &identity, time)
        })?;
        report(&format!("aws-sigv4 `sign` + apply, {name}"), plain, ROUNDS);
    }
    Ok(())
}

/// `--sign-loop <crate|aws-sigv4> N`: signs the GET benchmark request `N` times with one signer,
/// for instruction counts under callgrind (the request clones are counted too: subtract a run
/// with a small `N`).
fn sign_loop(args: &[String]) -> Result<(), Box<dyn Error>> {
    let which = args.first().map_or("crate", String::as_str);
    let rounds: usize = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(10_000);
    let signer = Signer::builder().region(REGION).build()?;
    let credentials = credentials();
    let identity: Identity = credentials.clone().into();
    let time = signing_time();
    let [(_, template), _] = requests()?;
    for _ in 0..rounds {
        let mut request = template.clone();
        let hash = PayloadHash::of(request.body());
        match which {
            "crate" => signer.sign_at(&mut request, &hash, &credentials, time)?,
            "aws-sigv4" => sign_with_aws_sigv4(&mut request, &identity, time)?,
            other => return Err(format!("unknown signer {other:?}: use crate or aws-sigv4").into()),
        }
        std::hint::black_box(request);
    }
    println!("signed {rounds} GET requests with {which}");
    Ok(())
}

/// `--roundtrip-allocs`: allocations per 1 KiB JSON POST through each client (the discarding
/// server runs in this process too, and is the same for every client).
fn roundtrip_allocs(only: Option<&str>) -> Result<(), Box<dyn Error>> {
    const ROUNDS: usize = 2000;
    let addr = start_server()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let signer = Signer::builder()
        .region(REGION)
        .credentials(credentials())
        .build()?;
    let http = lambda_url_signer::reqwest::client_builder().build()?;
    let client = || reqwest_middleware::ClientBuilder::new(http.clone());
    let clients = [
        ("plain", client().build()),
        ("iam", client().with(SigningMiddleware::new(signer)).build()),
        ("oac", client().with(OacMiddleware::new()).build()),
    ];
    let body: &'static [u8] = Vec::leak(json_body(1024));
    // An optional client name measures that one alone (for callgrind).
    println!("| client | allocations per request | bytes allocated per request |");
    println!("|---|---:|---:|");
    for (name, client) in &clients {
        if only.is_some_and(|only| only != *name) {
            continue;
        }
        let send = || async {
            let response = client
                .post(format!("http://{addr}/items"))
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await?;
            response.bytes().await?;
            Ok::<_, Box<dyn Error>>(())
        };
        runtime.block_on(send())?;
        let before = Snapshot::now();
        for _ in 0..ROUNDS {
            runtime.block_on(send())?;
        }
        let after = Snapshot::now();
        println!(
            "| {name} | {:.1} | {:.0} |",
            (after.allocs - before.allocs) as f64 / ROUNDS as f64,
            (after.bytes - before.bytes) as f64 / ROUNDS as f64
        );
    }
    Ok(())
}

/// Runs `f` on `rounds` fresh clones of `template`, counting only inside `f`.
fn measure(
    rounds: usize,
    template: &http::Request<Vec<u8>>,
    mut f: impl FnMut(&mut http::Request<Vec<u8>>) -> Result<(), Box<dyn Error>>,
) -> Result<Snapshot, Box<dyn Error>> {
    let mut total = Snapshot {
        allocs: 0,
        reallocs: 0,
        bytes: 0,
    };
    for _ in 0..rounds {
        let mut request = template.clone();
        let before = Snapshot::now();
        f(&mut request)?;
        let after = Snapshot::now();
        total.allocs += after.allocs - before.allocs;
        total.reallocs += after.reallocs - before.reallocs;
        total.bytes += after.bytes - before.bytes;
        drop(request);
    }
    Ok(total)
}

fn report(what: &str, total: Snapshot, rounds: usize) {
    let per = |n: usize| n as f64 / rounds as f64;
    println!(
        "| {what} | {:.1} | {:.1} | {:.0} |",
        per(total.allocs),
        per(total.reallocs),
        per(total.bytes)
    );
}

/// Plain aws-sigv4, as `benches/sign.rs` uses it: the body hashed inside `sign`.
fn sign_with_aws_sigv4(
    request: &mut http::Request<Vec<u8>>,
    identity: &Identity,
    time: SystemTime,
) -> Result<(), Box<dyn Error>> {
    let mut settings = SigningSettings::default();
    settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    let params = v4::SigningParams::builder()
        .identity(identity)
        .region(REGION)
        .name("lambda")
        .time(time)
        .settings(settings)
        .build()?
        .into();
    let uri = request.uri().to_string();
    let mut headers = Vec::with_capacity(request.headers().len());
    for (name, value) in request.headers() {
        headers.push((name.as_str(), value.to_str()?));
    }
    let signable = SignableRequest::new(
        request.method().as_str(),
        uri,
        headers.into_iter(),
        SignableBody::Bytes(request.body()),
    )?;
    let (instructions, _signature) = sign(signable, &params)?.into_parts();
    instructions.apply_to_request_http1x(request);
    Ok(())
}
