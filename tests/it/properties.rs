//! Property: every request the signer signs verifies on the wire, and any single change made
//! after signing is rejected.
//!
//! Each generated case is a request as a user would write it (any method; a raw path with
//! arbitrary bytes, escapes, reserved and non-ASCII characters and dot segments; a query with
//! `+`, spaces, `=`, `&`, repeated and empty keys; headers with odd spacing; a body of up to
//! 64 KiB, binary included). It is signed with `Signer::sign_at`, and its exact bytes are
//! written to the emulator's function URL over a raw `TcpStream`, so nothing between the signer
//! and the independent verifier can repair or re-encode anything. Then the same signed request
//! is sent again with one change (method, a path byte, the query, a signed header's value, a
//! body byte, an appended body byte, `x-amz-date` ± 1 s, or the credential scope's region),
//! which must be rejected.
//!
//! Cases: `LUS_PROPTEST_CASES` (default 500). For the report:
//! `LUS_PROPTEST_CASES=20000 cargo test --release --all-features --test it properties -- --nocapture`.

use crate::strategies::{headers, path, query, METHODS};
use crate::support::{self, read_http1_response, RawResponse};
use lambda_url_emulator::Emulator;
use lambda_url_signer::{FunctionUrl, PayloadHash, Signer};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

const OTHER_REGION: &str = "us-east-1";

/// A body: literal bytes, or `len` pseudo-random bytes from `seed` (so that a 64 KiB body
/// shrinks by its length and prints in a line).
#[derive(Clone, Debug)]
enum Body {
    Bytes(Vec<u8>),
    Seeded { len: usize, seed: u64 },
}

impl Body {
    fn bytes(&self) -> Vec<u8> {
        match self {
            Body::Bytes(bytes) => bytes.clone(),
            Body::Seeded { len, seed } => {
                // xorshift64*
                let mut state = seed | 1;
                (0..*len)
                    .map(|_| {
                        state ^= state >> 12;
                        state ^= state << 25;
                        state ^= state >> 27;
                        (state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 56) as u8
                    })
                    .collect()
            }
        }
    }
}

/// The one change made to a signed request.
#[derive(Clone, Debug)]
enum Tamper {
    /// Another method (offset 1..=6 in [`METHODS`]).
    Method(usize),
    /// Replace one path byte after the leading `/` with `with` (an ASCII letter or digit that
    /// differs from the original ignoring case), or append it when the path is `/`.
    PathByte { at: Index, with: u8 },
    /// Append a parameter to the query.
    QueryAppend,
    /// Drop the query's last parameter (append one when there is none).
    QueryDrop,
    /// Append a character to the value of one of the signed headers.
    SignedHeader(Index),
    /// Flip bits of one body byte (append a byte to an empty body).
    BodyByte { at: Index, mask: u8 },
    /// Append one byte to the body (`content-length` follows).
    AppendByte(u8),
    /// Move `x-amz-date` one second forward or back.
    DateShift(bool),
    /// Name another region in the credential scope.
    Region,
}

impl Tamper {
    fn name(&self) -> &'static str {
        match self {
            Tamper::Method(_) => "method",
            Tamper::PathByte { .. } => "path byte",
            Tamper::QueryAppend => "query: parameter added",
            Tamper::QueryDrop => "query: parameter removed",
            Tamper::SignedHeader(_) => "signed header value",
            Tamper::BodyByte { .. } => "body byte",
            Tamper::AppendByte(_) => "appended body byte",
            Tamper::DateShift(_) => "x-amz-date +/- 1 s",
            Tamper::Region => "credential region",
        }
    }
}

#[derive(Clone, Debug)]
struct Case {
    method: &'static str,
    /// Path and query as the user types them, appended to the emulator's base URL.
    raw: String,
    headers: Vec<(String, String)>,
    body: Body,
    tamper: Tamper,
}

/// What goes on the wire.
#[derive(Clone)]
struct Wire {
    method: String,
    target: String,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
}

impl std::fmt::Debug for Wire {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers: Vec<(&str, String)> = self
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), String::from_utf8_lossy(v).into_owned()))
            .collect();
        f.debug_struct("Wire")
            .field("method", &self.method)
            .field("target", &self.target)
            .field("headers", &headers)
            .field("body_len", &self.body.len())
            .field("body_sha256", &support::sha256_hex(&self.body))
            .finish()
    }
}

// ----- strategies ---------------------------------------------------------------------------

fn body() -> impl Strategy<Value = Body> {
    prop_oneof![
        3 => prop::collection::vec(any::<u8>(), 0..128).prop_map(Body::Bytes),
        1 => "\\PC{0,64}".prop_map(|s| Body::Bytes(s.into_bytes())),
        2 => (0usize..=65_536, any::<u64>()).prop_map(|(len, seed)| Body::Seeded { len, seed }),
    ]
}

fn tamper() -> impl Strategy<Value = Tamper> {
    let alnum = prop::sample::select(
        b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".to_vec(),
    );
    prop_oneof![
        (1usize..METHODS.len()).prop_map(Tamper::Method),
        (any::<Index>(), alnum).prop_map(|(at, with)| Tamper::PathByte { at, with }),
        Just(Tamper::QueryAppend),
        Just(Tamper::QueryDrop),
        any::<Index>().prop_map(Tamper::SignedHeader),
        (any::<Index>(), 1u8..=255).prop_map(|(at, mask)| Tamper::BodyByte { at, mask }),
        any::<u8>().prop_map(Tamper::AppendByte),
        any::<bool>().prop_map(Tamper::DateShift),
        Just(Tamper::Region),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::sample::select(METHODS.to_vec()),
        path(),
        query(),
        headers(),
        body(),
        tamper(),
    )
        .prop_map(|(method, path, query, headers, body, tamper)| Case {
            method,
            raw: match query {
                Some(query) => format!("{path}?{query}"),
                None => path,
            },
            headers,
            body,
            tamper,
        })
}

// ----- signing and sending -----------------------------------------------------------------

/// Signs `case` as a user of the crate would, and returns the wire form of the signed request.
fn sign(case: &Case, base: &str) -> Result<Wire, TestCaseError> {
    let url = FunctionUrl::with_region(&format!("{base}{}", case.raw), support::REGION)
        .map_err(|e| TestCaseError::fail(format!("FunctionUrl::with_region: {e}")))?;
    let mut builder = http::Request::builder()
        .method(case.method)
        .uri(url.uri().clone());
    for (name, value) in &case.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    let body = case.body.bytes();
    let mut request = builder
        .body(body)
        .map_err(|e| TestCaseError::fail(format!("http::Request: {e}")))?;
    let signer = Signer::builder()
        .region(support::REGION)
        .build()
        .expect("signer");
    let hash = PayloadHash::of(request.body());
    signer
        .sign_at(
            &mut request,
            &hash,
            &support::credentials(true),
            SystemTime::now(),
        )
        .map_err(|e| TestCaseError::fail(format!("sign_at: {e} ({e:?})")))?;
    let (parts, body) = request.into_parts();
    let target = parts
        .uri
        .path_and_query()
        .map_or("/", |pq| pq.as_str())
        .to_owned();
    let mut headers = Vec::new();
    if !parts.headers.contains_key(http::header::HOST) {
        let authority = parts.uri.authority().map_or("", |a| a.as_str());
        headers.push(("host".to_owned(), authority.as_bytes().to_vec()));
    }
    for (name, value) in &parts.headers {
        headers.push((name.as_str().to_owned(), value.as_bytes().to_vec()));
    }
    Ok(Wire {
        method: parts.method.as_str().to_owned(),
        target,
        headers,
        body,
    })
}

fn signed_header_names(wire: &Wire) -> Vec<String> {
    let authorization = wire
        .headers
        .iter()
        .find(|(n, _)| n == "authorization")
        .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
        .unwrap_or_default();
    authorization
        .split("SignedHeaders=")
        .nth(1)
        .and_then(|rest| rest.split(',').next())
        .map(|list| list.split(';').map(str::to_owned).collect())
        .unwrap_or_default()
}

/// Applies the one change.
fn tampered(wire: &Wire, tamper: &Tamper) -> Wire {
    let mut out = wire.clone();
    match tamper {
        Tamper::Method(offset) => {
            let i = METHODS.iter().position(|m| *m == wire.method).unwrap_or(0);
            out.method = METHODS[(i + offset) % METHODS.len()].to_owned();
        }
        Tamper::PathByte { at, with } => {
            let path_len = out.target.find('?').unwrap_or(out.target.len());
            let mut bytes = out.target.clone().into_bytes();
            if path_len <= 1 {
                bytes.insert(1, *with);
            } else {
                let i = 1 + at.index(path_len - 1);
                let replacement = if bytes[i].eq_ignore_ascii_case(with) {
                    if *with == b'z' {
                        b'y'
                    } else {
                        b'z'
                    }
                } else {
                    *with
                };
                bytes[i] = replacement;
            }
            out.target = String::from_utf8(bytes).expect("ascii target");
        }
        Tamper::QueryAppend => {
            out.target
                .push(if out.target.contains('?') { '&' } else { '?' });
            out.target.push_str("tampered=1");
        }
        Tamper::QueryDrop => match out.target.rfind(['&', '?']) {
            Some(i) => out.target.truncate(i),
            None => out.target.push_str("?tampered="),
        },
        Tamper::SignedHeader(which) => {
            let names = signed_header_names(wire);
            let name = &names[which.index(names.len())];
            if let Some((_, value)) = out.headers.iter_mut().find(|(n, _)| n == name) {
                value.push(b'x');
            }
        }
        Tamper::BodyByte { at, mask } => {
            if out.body.is_empty() {
                out.body.push(*mask);
            } else {
                let i = at.index(out.body.len());
                out.body[i] ^= mask;
            }
        }
        Tamper::AppendByte(b) => out.body.push(*b),
        Tamper::DateShift(forward) => {
            if let Some((_, value)) = out.headers.iter_mut().find(|(n, _)| n == "x-amz-date") {
                let date = support::parse_amz_date(std::str::from_utf8(value).expect("ascii"));
                let shifted = if *forward {
                    date + Duration::from_secs(1)
                } else {
                    date - Duration::from_secs(1)
                };
                *value = support::format_amz_date(shifted).into_bytes();
            }
        }
        Tamper::Region => {
            if let Some((_, value)) = out.headers.iter_mut().find(|(n, _)| n == "authorization") {
                let text = String::from_utf8_lossy(value).replace(
                    &format!("/{}/lambda/", support::REGION),
                    &format!("/{OTHER_REGION}/lambda/"),
                );
                *value = text.into_bytes();
            }
        }
    }
    out
}

/// One keep-alive connection to the emulator, reopened when the server closed it.
struct Connection {
    addr: SocketAddr,
    stream: RefCell<Option<TcpStream>>,
}

impl Connection {
    async fn exchange(&self, wire: &Wire) -> std::io::Result<RawResponse> {
        let bytes = support::http1_bytes(&wire.method, &wire.target, &wire.headers, &wire.body);
        let head = wire.method == "HEAD";
        let reused = self.stream.borrow_mut().take();
        let was_reused = reused.is_some();
        let mut stream = match reused {
            Some(stream) => stream,
            None => TcpStream::connect(self.addr).await?,
        };
        let mut result = Self::once(&mut stream, &bytes, head).await;
        if result.is_err() && was_reused {
            // The server closed the idle connection before reading this request.
            stream = TcpStream::connect(self.addr).await?;
            result = Self::once(&mut stream, &bytes, head).await;
        }
        let response = result?;
        if response.header("connection") != Some("close") {
            *self.stream.borrow_mut() = Some(stream);
        }
        Ok(response)
    }

    async fn once(
        stream: &mut TcpStream,
        bytes: &[u8],
        head: bool,
    ) -> std::io::Result<RawResponse> {
        stream.write_all(bytes).await?;
        read_http1_response(stream, head).await
    }
}

#[derive(Default)]
struct Stats {
    cases: u64,
    bodies_bytes: u64,
    max_body: usize,
    tampers: BTreeMap<&'static str, u64>,
    rejections: BTreeMap<String, u64>,
}

async fn check_case(
    case: &Case,
    emulator: &Emulator,
    base: &str,
    connection: &Connection,
    stats: &RefCell<Stats>,
) -> Result<(), TestCaseError> {
    let wire = sign(case, base)?;
    emulator.clear_received();
    let response = connection
        .exchange(&wire)
        .await
        .map_err(|e| TestCaseError::fail(format!("exchange: {e}")))?;
    let received = emulator.received();
    prop_assert_eq!(
        response.status,
        200,
        "signed request refused: {} {:?}; sent {:?}",
        String::from_utf8_lossy(&response.body),
        received.last().map(|r| &r.outcome),
        wire.target
    );
    prop_assert_eq!(received.len(), 1);
    let got = &received[0];
    prop_assert_eq!(&got.target, &wire.target, "the emulator saw another target");
    prop_assert_eq!(&got.method, &wire.method);
    prop_assert_eq!(got.outcome.status, 200);
    prop_assert!(got.body == wire.body, "the emulator saw another body");

    let bad = tampered(&wire, &case.tamper);
    emulator.clear_received();
    let response = connection
        .exchange(&bad)
        .await
        .map_err(|e| TestCaseError::fail(format!("exchange (tampered): {e}")))?;
    prop_assert!(
        !(200..300).contains(&response.status),
        "a request changed after signing ({}) was accepted: {:?} -> {:?}",
        case.tamper.name(),
        wire,
        bad
    );
    let rejection = match emulator.received().last() {
        Some(r) => {
            prop_assert!(r.outcome.rejection.is_some(), "{:?}", r.outcome);
            format!("{:?}", r.outcome.rejection.expect("checked"))
        }
        None => format!("http {}", response.status),
    };
    let mut stats = stats.borrow_mut();
    stats.cases += 1;
    stats.bodies_bytes += wire.body.len() as u64;
    stats.max_body = stats.max_body.max(wire.body.len());
    *stats.tampers.entry(case.tamper.name()).or_default() += 1;
    *stats.rejections.entry(rejection).or_default() += 1;
    Ok(())
}

#[test]
fn signed_requests_verify_on_the_wire_and_any_change_is_rejected() {
    let cases = support::cases_from_env("LUS_PROPTEST_CASES", 500);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let emulator = runtime.block_on(support::emulator(|b| b));
    let base = emulator.function_url().trim_end_matches('/').to_owned();
    let connection = Connection {
        addr: emulator.function_addr(),
        stream: RefCell::new(None),
    };
    let stats = RefCell::new(Stats::default());

    let mut config = Config::with_cases(cases);
    config.failure_persistence = None;
    let mut runner = TestRunner::new(config);
    let started = Instant::now();
    let result = runner.run(&case(), |case| {
        runtime.block_on(check_case(&case, &emulator, &base, &connection, &stats))
    });
    let elapsed = started.elapsed();
    if let Err(failure) = result {
        panic!("{failure}");
    }
    let stats = stats.into_inner();
    assert_eq!(stats.cases, u64::from(cases));
    println!(
        "properties: {} signed requests verified (200) and {} tampered copies rejected in {:.1} s \
         ({} body bytes, largest body {} bytes)",
        stats.cases,
        stats.cases,
        elapsed.as_secs_f64(),
        stats.bodies_bytes,
        stats.max_body
    );
    for (tamper, n) in &stats.tampers {
        println!("properties:   tamper {tamper:<26} {n:>6} rejected");
    }
    for (kind, n) in &stats.rejections {
        println!("properties:   rejection {kind:<24} {n:>6}");
    }
}
