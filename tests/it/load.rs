//! Load: 10,000 signed requests at concurrency 256 through `SigningMiddleware` to the emulator
//! on loopback, while the credentials expire every 2 seconds; then the same load unsigned, for
//! the cost of signing.
//!
//! The provider hands out a NEW access key on every call (`ASIALOAD…{n}`, each pre-registered on
//! the emulator), valid for 2 s from issue, behind
//! `CredentialsCache::builder(provider).refresh_ahead(R)`.
//!
//! Choosing `R`. The cache treats credentials as expired once `now + R >= expiry`; call that
//! moment the key's *refresh deadline* (`expiry - R`). Single flight makes exactly one provider
//! call per deadline that passes while requests keep coming, so
//! `provider calls = deadlines passed + 1` (the `+ 1` fills the empty cache). With `R = 0` the
//! deadline is the real expiry, which is the literal "calls = expiries + 1"; with `R` at least the
//! lifetime (the 5-minute default against 2-second keys) every request would call the provider.
//! But `R = 0` has a race (see [`zero_refresh_ahead_never_fails_a_request`]): a key handed out
//! microseconds before it expires is refused by the signer, failing the request. So the test
//! uses a small `R` (250 ms, `LUS_LOAD_REFRESH_AHEAD_MS` to change it): the key is still
//! replaced only after the cache deems it expired, and never used within 250 ms of its real
//! expiry.
//!
//! Definitions used by the assertions:
//! - *keys used*: the distinct access key ids in the `Authorization` credentials the emulator
//!   received;
//! - *expiries observed*: keys replaced by a key issued at or after their refresh deadline.
//!
//! Asserted: zero failed requests; every request's `x-amz-date` is before the real expiry of the
//! key it names; provider calls == keys used == expiries observed + 1; and about one expiry per
//! `2 s - R` of run time.
//!
//! For the report (100,000 requests, so that a release build lives through several expiries):
//! `LUS_LOAD_REQUESTS=100000 cargo test --release --all-features --test it load::ten -- --nocapture`.

use crate::support;
use lambda_url_emulator::{AuthType, EmulatorIdentity};
use lambda_url_signer::middleware::SigningMiddleware;
use lambda_url_signer::{Credentials, CredentialsCache, ProvideCredentials, Signer};
use reqwest_middleware::{ClientBuilder, ClientWithMiddleware};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// Requests per run: `LUS_LOAD_REQUESTS` (default 10,000). A release build sends 10,000 in about
/// a second, before any 2-second key expires; the report uses 100,000 there.
fn requests() -> usize {
    support::cases_from_env("LUS_LOAD_REQUESTS", 10_000) as usize
}

const CONCURRENCY: usize = 256;
const KEY_LIFETIME: Duration = Duration::from_secs(2);
const KEYS: usize = 200;
const RUN_TIMEOUT: Duration = Duration::from_secs(120);

fn access_key(n: usize) -> String {
    format!("ASIALOAD{n:012}")
}

fn secret(n: usize) -> String {
    format!("load/secret/{n:04}/wJalrXUtnFEMI/K7MDENG")
}

fn token(n: usize) -> String {
    format!("load-session-token-{n:04}+/=")
}

/// One issued key.
#[derive(Clone, Debug)]
struct Issued {
    access_key: String,
    issued_at: SystemTime,
    expiry: SystemTime,
}

/// Issues key `n` on the `n`-th call, valid for `lifetime` from the moment of issue, up to
/// `keys` keys.
#[derive(Debug, Default)]
struct RotatingProvider {
    lifetime: Duration,
    keys: usize,
    next: AtomicUsize,
    issued: Mutex<Vec<Issued>>,
}

impl ProvideCredentials for RotatingProvider {
    fn provide_credentials<'a>(
        &'a self,
    ) -> aws_credential_types::provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        aws_credential_types::provider::future::ProvideCredentials::ready((|| {
            let n = self.next.fetch_add(1, Ordering::SeqCst);
            if n >= self.keys {
                return Err(
                    aws_credential_types::provider::error::CredentialsError::provider_error(
                        "out of pre-registered keys",
                    ),
                );
            }
            let issued_at = SystemTime::now();
            let expiry = issued_at + self.lifetime;
            self.issued.lock().expect("lock").push(Issued {
                access_key: access_key(n),
                issued_at,
                expiry,
            });
            Ok(Credentials::new(
                access_key(n),
                secret(n),
                Some(token(n)),
                Some(expiry),
                "rotating",
            ))
        })())
    }
}

/// Request `i`: GETs and small JSON POSTs, on distinct paths.
fn request(
    client: &ClientWithMiddleware,
    base: &str,
    i: usize,
) -> reqwest_middleware::RequestBuilder {
    if i.is_multiple_of(2) {
        client.get(format!("{base}load/{i}?n={i}&q=a+b"))
    } else {
        client
            .post(format!("{base}load/{i}"))
            .header("content-type", "application/json")
            .body(format!(
                "{{\"request\":{i},\"pad\":\"{}\"}}",
                "x".repeat(i % 200)
            ))
    }
}

#[derive(Debug, Default)]
struct RunResult {
    total: usize,
    ok: usize,
    failed: Vec<String>,
    elapsed: Duration,
}

/// Sends `total` requests from [`CONCURRENCY`] workers; each worker sends one request at a
/// time, so at most [`CONCURRENCY`] are in flight.
async fn run(client: ClientWithMiddleware, base: String, total: usize) -> RunResult {
    let next = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(Mutex::new(Vec::new()));
    let started = Instant::now();
    let mut workers = Vec::with_capacity(CONCURRENCY);
    for _ in 0..CONCURRENCY {
        let (client, base, next, failed) =
            (client.clone(), base.clone(), next.clone(), failed.clone());
        workers.push(tokio::spawn(async move {
            let mut ok = 0usize;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    return ok;
                }
                match request(&client, &base, i).send().await {
                    Ok(response) if response.status() == 200 => {
                        // Read the body so the connection goes back to the pool.
                        match response.bytes().await {
                            Ok(_) => ok += 1,
                            Err(e) => failed.lock().expect("lock").push(format!("{i}: body: {e}")),
                        }
                    }
                    Ok(response) => {
                        let status = response.status();
                        let body = response.text().await.unwrap_or_default();
                        failed
                            .lock()
                            .expect("lock")
                            .push(format!("{i}: {status} {body}"));
                    }
                    Err(e) => {
                        let detail = match &e {
                            reqwest_middleware::Error::Middleware(inner) => {
                                format!("{inner:?}")
                            }
                            other => other.to_string(),
                        };
                        failed.lock().expect("lock").push(format!("{i}: {detail}"));
                    }
                }
            }
        }));
    }
    let mut ok = 0;
    for worker in workers {
        ok += worker.await.expect("worker");
    }
    let elapsed = started.elapsed();
    let failed = std::mem::take(&mut *failed.lock().expect("lock"));
    RunResult {
        total,
        ok,
        failed,
        elapsed,
    }
}

fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client")
}

fn rps(result: &RunResult) -> f64 {
    result.total as f64 / result.elapsed.as_secs_f64()
}

/// What a signed run with rotating keys saw.
#[derive(Debug)]
struct RotatingRun {
    run: RunResult,
    calls: usize,
    keys_used: usize,
    expiries_observed: usize,
    /// Requests whose `x-amz-date` is not before the (real) expiry of their key.
    expired_uses: Vec<String>,
    worst_replacement_after_deadline: Duration,
    received: usize,
    all_accepted: bool,
}

/// Runs `total` signed requests with keys that live `lifetime`, behind a cache with
/// `refresh_ahead`. A key's *refresh deadline* is `expiry - refresh_ahead`: from then on the
/// cache treats it as expired (with a zero refresh-ahead, the deadline is the expiry itself).
async fn rotating_run(
    lifetime: Duration,
    refresh_ahead: Duration,
    keys: usize,
    total: usize,
) -> RotatingRun {
    let emulator = support::emulator(|b| {
        // Every request is checked below: keep them all (the default record is the last 1,000).
        let mut b = b.record_limit(total);
        for n in 0..keys {
            b = b.identity(
                EmulatorIdentity::new(
                    access_key(n),
                    secret(n),
                    "arn:aws:iam::123456789012:user/load",
                )
                .with_session_token(token(n)),
            );
        }
        b
    })
    .await;
    let provider = Arc::new(RotatingProvider {
        lifetime,
        keys,
        ..RotatingProvider::default()
    });
    let cache = CredentialsCache::builder(SharedProvider(provider.clone()))
        .refresh_ahead(refresh_ahead)
        .build();
    let signer = Signer::builder()
        .region(support::REGION)
        .credentials_cache(cache)
        .build()
        .expect("signer");
    let client = ClientBuilder::new(http_client())
        .with(SigningMiddleware::new(signer))
        .build();
    let run = tokio::time::timeout(
        RUN_TIMEOUT,
        run(client, emulator.function_url().to_owned(), total),
    )
    .await
    .expect("the signed run finished within the time limit");

    let issued = provider.issued.lock().expect("lock").clone();
    let calls = provider.next.load(Ordering::SeqCst).min(keys);
    let expiry_of: HashMap<&str, SystemTime> = issued
        .iter()
        .map(|i| (i.access_key.as_str(), i.expiry))
        .collect();
    let received = emulator.received();
    let mut keys_used: Vec<&str> = Vec::new();
    let mut expired_uses = Vec::new();
    for r in &received {
        let authorization = r.header_str("authorization").expect("signed");
        let key = authorization
            .split("Credential=")
            .nth(1)
            .and_then(|c| c.split('/').next())
            .expect("credential");
        let date = support::parse_amz_date(r.header_str("x-amz-date").expect("dated"));
        let expiry = expiry_of.get(key).copied().expect("an issued key");
        if date >= expiry {
            expired_uses.push(format!("{key} at {:?}", r.header_str("x-amz-date")));
        }
        if !keys_used.contains(&key) {
            keys_used.push(key);
        }
    }
    // Keys are issued in order. A key counts as an observed expiry when its successor was
    // issued at or after its refresh deadline.
    let deadline = |i: &Issued| i.expiry - refresh_ahead;
    let expiries_observed = issued
        .windows(2)
        .filter(|w| w[1].issued_at >= deadline(&w[0]))
        .count();
    let worst_replacement_after_deadline = issued
        .windows(2)
        .map(|w| {
            w[1].issued_at
                .duration_since(deadline(&w[0]))
                .unwrap_or_default()
        })
        .max()
        .unwrap_or_default();
    RotatingRun {
        calls,
        keys_used: keys_used.len(),
        expiries_observed,
        expired_uses,
        worst_replacement_after_deadline,
        received: received.len(),
        all_accepted: received.iter().all(|r| r.outcome.status == 200),
        run,
    }
}

fn check_rotating(r: &RotatingRun) {
    assert!(
        r.run.failed.is_empty(),
        "{} signed requests failed, first: {:?}",
        r.run.failed.len(),
        r.run
            .failed
            .iter()
            .map(|f| f.lines().next().unwrap_or_default())
            .take(5)
            .collect::<Vec<_>>()
    );
    assert_eq!(r.run.ok, r.run.total);
    assert_eq!(
        r.received, r.run.total,
        "one signed request each, no retries"
    );
    assert!(r.all_accepted, "every request verified");
    assert!(
        r.expired_uses.is_empty(),
        "signed with expired credentials: {:?}",
        r.expired_uses
    );
    assert_eq!(r.calls, r.keys_used, "every key issued was used");
    assert_eq!(
        r.calls,
        r.expiries_observed + 1,
        "each key replaced only after its refresh deadline"
    );
}

/// The refresh-ahead for the load test: `LUS_LOAD_REFRESH_AHEAD_MS` (default 250 ms; 0 gives
/// deadlines equal to the real expiries, and exposes the race described on
/// [`zero_refresh_ahead_never_fails_a_request`]).
fn load_refresh_ahead() -> Duration {
    Duration::from_millis(u64::from(support::cases_from_env(
        "LUS_LOAD_REFRESH_AHEAD_MS",
        250,
    )))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_signed_requests_with_keys_expiring_every_two_seconds() {
    let refresh_ahead = load_refresh_ahead();
    let total = requests();
    let signed = rotating_run(KEY_LIFETIME, refresh_ahead, KEYS, total).await;

    // Unsigned baseline: same client, same concurrency, no middleware, auth type NONE.
    let open = support::emulator(|b| b.auth_type(AuthType::None)).await;
    let plain_client = ClientBuilder::new(http_client()).build();
    let unsigned = tokio::time::timeout(
        RUN_TIMEOUT,
        run(plain_client, open.function_url().to_owned(), total),
    )
    .await
    .expect("the unsigned run finished within the time limit");

    println!(
        "load: signed   {total} requests, concurrency {CONCURRENCY}: {:.1} s, {:.0} req/s, \
         {} failed; key lifetime {} s, refresh-ahead {} ms: provider calls {}, keys used {}, \
         expiries observed {} (worst replacement {} ms after the deadline)",
        signed.run.elapsed.as_secs_f64(),
        rps(&signed.run),
        signed.run.failed.len(),
        KEY_LIFETIME.as_secs(),
        refresh_ahead.as_millis(),
        signed.calls,
        signed.keys_used,
        signed.expiries_observed,
        signed.worst_replacement_after_deadline.as_millis()
    );
    println!(
        "load: unsigned {total} requests, concurrency {CONCURRENCY}: {:.1} s, {:.0} req/s, {} failed",
        unsigned.elapsed.as_secs_f64(),
        rps(&unsigned),
        unsigned.failed.len()
    );
    println!(
        "load: signed/unsigned throughput = {:.2}",
        rps(&signed.run) / rps(&unsigned)
    );

    check_rotating(&signed);
    assert!(unsigned.failed.is_empty(), "{:?}", unsigned.failed.first());
    assert_eq!(unsigned.ok, total);
    // The run lived through its expiries: a run of T seconds passes about T / (lifetime - R)
    // refresh deadlines.
    let period = (KEY_LIFETIME - refresh_ahead).as_secs_f64();
    let deadlines = (signed.run.elapsed.as_secs_f64() / period).floor() as usize;
    assert!(
        signed.expiries_observed + 1 >= deadlines,
        "{} expiries in {:?}",
        signed.expiries_observed,
        signed.run.elapsed
    );
}

/// Regression test for a race: with `refresh_ahead(Duration::ZERO)` the cache once judged a
/// key fresh at one instant and the middleware signed at a later one, so a key expiring in
/// between failed the request with `Error::ExpiredCredentials` (5 in 432 expiries with 20 ms
/// keys). Freshness is now judged at the signing time itself (`credentials_at`).
/// Longer run: `LUS_LOAD_REQUESTS=100000 cargo test --release --all-features --test it load::zero -- --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zero_refresh_ahead_never_fails_a_request() {
    let run = rotating_run(Duration::from_millis(20), Duration::ZERO, 5_000, requests()).await;
    println!(
        "load: 20 ms keys, refresh-ahead 0: {} failed requests in {} expiries",
        run.run.failed.len(),
        run.expiries_observed
    );
    check_rotating(&run);
}

/// Lets the test keep a handle on the provider the cache owns.
#[derive(Debug)]
struct SharedProvider(Arc<RotatingProvider>);

impl ProvideCredentials for SharedProvider {
    fn provide_credentials<'a>(
        &'a self,
    ) -> aws_credential_types::provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        self.0.provide_credentials()
    }
}

/// The cost of signing without the emulator's verification on the other side: the same load,
/// signed and unsigned, against a loopback server that only reads requests and answers 200.
/// For the report:
/// `LUS_LOAD_REQUESTS=100000 cargo test --release --all-features --test it load::signed_and_unsigned -- --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_and_unsigned_against_a_plain_loopback_server() {
    let total = requests();
    let sink = support::SinkServer::start().await;
    let signed_client = ClientBuilder::new(http_client())
        .with(SigningMiddleware::new(support::signer()))
        .build();
    let signed = tokio::time::timeout(RUN_TIMEOUT, run(signed_client, sink.base(), total))
        .await
        .expect("the signed run finished within the time limit");
    let plain_client = ClientBuilder::new(http_client()).build();
    let unsigned = tokio::time::timeout(RUN_TIMEOUT, run(plain_client, sink.base(), total))
        .await
        .expect("the unsigned run finished within the time limit");
    println!(
        "load (plain loopback server): signed {total} requests, concurrency {CONCURRENCY}: \
         {:.0} req/s; unsigned {:.0} req/s; signed/unsigned throughput = {:.2}",
        rps(&signed),
        rps(&unsigned),
        rps(&signed) / rps(&unsigned)
    );
    assert!(signed.failed.is_empty(), "{:?}", signed.failed.first());
    assert!(unsigned.failed.is_empty(), "{:?}", unsigned.failed.first());
    assert_eq!((signed.ok, unsigned.ok), (total, total));
    assert_eq!(
        sink.signed(),
        total,
        "every signed request carried authorization"
    );
}
