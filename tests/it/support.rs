//! Helpers shared by the integration tests: the botocore reference vectors, time parsing,
//! fixed credentials.
#![allow(dead_code)]

use lambda_url_signer::Credentials;
use serde::Deserialize;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// One botocore-generated known answer (see `scripts/gen_vectors.py`).
#[derive(Debug, Clone, Deserialize)]
pub struct Vector {
    pub name: String,
    pub method: String,
    /// The URL as a user gives it (raw spaces, unicode, dot segments…).
    pub url: String,
    /// What must go on the wire.
    pub wire_path_and_query: String,
    pub region: String,
    pub service: String,
    pub host: String,
    pub headers: Vec<(String, String)>,
    pub body_hex: String,
    pub access_key: String,
    pub secret_key: String,
    pub session_token: Option<String>,
    pub time: String,
    pub content_sha256_header: bool,
    pub payload_hash: String,
    pub signed_headers: String,
    #[serde(default)]
    pub canonical_request: String,
    pub string_to_sign: String,
    pub signature: String,
    #[serde(default)]
    pub authorization: String,
    #[serde(default)]
    pub expires: u64,
    #[serde(default)]
    pub presigned_url: String,
}

#[derive(Debug, Deserialize)]
pub struct VectorFile {
    pub cases: Vec<Vector>,
    #[serde(default)]
    pub presigned: Vec<Vector>,
    pub get_vanilla: Option<Vector>,
}

impl Vector {
    pub fn body(&self) -> Vec<u8> {
        hex::decode(&self.body_hex).expect("vector body is hex")
    }

    pub fn credentials(&self) -> Credentials {
        Credentials::new(
            self.access_key.clone(),
            self.secret_key.clone(),
            self.session_token.clone(),
            None,
            "vector",
        )
    }

    pub fn time(&self) -> SystemTime {
        parse_amz_date(&self.time)
    }
}

pub fn vectors() -> VectorFile {
    load("vectors.json")
}

pub fn random_vectors() -> VectorFile {
    load("random_vectors.json")
}

fn load(name: &str) -> VectorFile {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("read vector file");
    serde_json::from_str(&text).expect("parse vector file")
}

/// Parses `YYYYMMDDTHHMMSSZ`.
pub fn parse_amz_date(s: &str) -> SystemTime {
    let n = |r: std::ops::Range<usize>| s[r].parse::<i64>().expect("digits");
    let (y, m, d) = (n(0..4), n(4..6), n(6..8));
    let (hh, mm, ss) = (n(9..11), n(11..13), n(13..15));
    // Days from civil (proleptic Gregorian).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + hh * 3600 + mm * 60 + ss;
    UNIX_EPOCH + Duration::from_secs(u64::try_from(secs).expect("after 1970"))
}

/// The emulator's function URL as a `FunctionUrl` in [`REGION`].
pub fn function_url(emulator: &lambda_url_emulator::Emulator) -> lambda_url_signer::FunctionUrl {
    lambda_url_signer::FunctionUrl::with_region(emulator.function_url(), REGION).expect("url")
}

/// A client that signs with [`signer`].
#[cfg(feature = "middleware")]
pub fn iam_client() -> reqwest_middleware::ClientWithMiddleware {
    reqwest_middleware::ClientBuilder::new(
        lambda_url_signer::reqwest::client_builder()
            .build()
            .expect("client"),
    )
    .with(lambda_url_signer::middleware::SigningMiddleware::new(
        signer(),
    ))
    .build()
}

/// Collects everything a `tracing` subscriber at TRACE level prints while `f` runs.
pub fn capture_trace<T>(f: impl FnOnce() -> T) -> (T, String) {
    use std::sync::{Arc, Mutex};
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("lock").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let result = tracing::subscriber::with_default(subscriber, f);
    let text = String::from_utf8_lossy(&buffer.0.lock().expect("lock")).into_owned();
    (result, text)
}

// ---------------------------------------------------------------------------------------------
// Reliability helpers (properties, no_panic, load, faults, secrets).

/// Formats `YYYYMMDDTHHMMSSZ` (the inverse of [`parse_amz_date`]), written here so the tests do
/// not depend on the crate's own formatter.
pub fn format_amz_date(time: SystemTime) -> String {
    let secs = i64::try_from(
        time.duration_since(UNIX_EPOCH)
            .expect("after 1970")
            .as_secs(),
    )
    .expect("in range");
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil from days (proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[path = "../common/fixtures.rs"]
mod fixtures;
pub use fixtures::*;

#[path = "../common/raw_http.rs"]
mod raw_http;
pub use raw_http::*;

/// What the emulated function was invoked with, in order.
pub type Events = std::sync::Arc<std::sync::Mutex<Vec<lambda_url_emulator::InvokeEvent>>>;

/// A function for the emulator that records every event and answers `ok`, and its record.
pub fn recording_handler() -> (
    impl Fn(&lambda_url_emulator::InvokeEvent) -> lambda_url_emulator::HandlerResponse
        + Send
        + Sync
        + 'static,
    Events,
) {
    let events = Events::default();
    let seen = std::sync::Arc::clone(&events);
    let handler = move |event: &lambda_url_emulator::InvokeEvent| {
        seen.lock().expect("lock").push(event.clone());
        lambda_url_emulator::HandlerResponse::text(200, "ok")
    };
    (handler, events)
}

/// A minimal keep-alive HTTP/1.1 server on loopback that verifies nothing: it reads each
/// request (head and `content-length` body), answers `200 ok`, and counts the requests that
/// carried an `authorization` header. A baseline with no server-side work.
pub struct SinkServer {
    pub addr: std::net::SocketAddr,
    signed: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl SinkServer {
    pub async fn start() -> SinkServer {
        use std::sync::atomic::Ordering;
        use tokio::io::AsyncWriteExt;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let signed = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let count = signed.clone();
        let task = tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let count = count.clone();
                tokio::spawn(async move {
                    let _ = stream.set_nodelay(true);
                    let mut buffer: Vec<u8> = Vec::with_capacity(8192);
                    loop {
                        let Some((head, used)) = read_http1_request(&mut stream, &mut buffer).await
                        else {
                            return;
                        };
                        if head.to_ascii_lowercase().contains("\r\nauthorization:") {
                            count.fetch_add(1, Ordering::Relaxed);
                        }
                        buffer.drain(..used);
                        let reply = b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n\r\nok";
                        if stream.write_all(reply).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        SinkServer { addr, signed, task }
    }

    /// `http://127.0.0.1:PORT/`.
    pub fn base(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// How many requests carried an `authorization` header.
    pub fn signed(&self) -> usize {
        self.signed.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl Drop for SinkServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
