//! The credentials cache: single flight, refresh ahead of expiry, typed provider failures.

use crate::support;
use lambda_url_signer::{
    Credentials, CredentialsCache, Error, PayloadHash, ProvideCredentials, Signer,
};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// A provider that counts its calls (and when each started), waits a little (so callers pile
/// up), and hands out credentials valid for `lifetime`; fails while `failures` is above zero and
/// never answers while `hang` is set. Its keys are `ASIA{n:016}`, `n` counting calls from 0.
#[derive(Debug, Clone)]
pub(crate) struct CountingProvider {
    pub calls: Arc<AtomicUsize>,
    pub delay: Duration,
    pub failures: Arc<AtomicUsize>,
    pub hang: Arc<AtomicBool>,
    lifetime: Arc<Mutex<Duration>>,
    starts: Arc<Mutex<Vec<Instant>>>,
}

impl CountingProvider {
    pub(crate) fn new(lifetime: Duration) -> Self {
        CountingProvider {
            calls: Arc::new(AtomicUsize::new(0)),
            delay: Duration::from_millis(20),
            failures: Arc::new(AtomicUsize::new(0)),
            hang: Arc::new(AtomicBool::new(false)),
            lifetime: Arc::new(Mutex::new(lifetime)),
            starts: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// The lifetime of the keys handed out from now on.
    pub(crate) fn set_lifetime(&self, lifetime: Duration) {
        *self.lifetime.lock().unwrap() = lifetime;
    }

    /// Fails every call from now on (`false`: answers again).
    pub(crate) fn set_failing(&self, failing: bool) {
        let failures = if failing { usize::MAX } else { 0 };
        self.failures.store(failures, Ordering::SeqCst);
    }

    pub(crate) fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    /// When each call started, in order.
    fn starts(&self) -> Vec<Instant> {
        self.starts.lock().unwrap().clone()
    }
}

impl ProvideCredentials for CountingProvider {
    fn provide_credentials<'a>(
        &'a self,
    ) -> aws_credential_types::provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        aws_credential_types::provider::future::ProvideCredentials::new(async move {
            self.starts.lock().unwrap().push(Instant::now());
            let n = self.calls.fetch_add(1, Ordering::SeqCst);
            if self.hang.load(Ordering::SeqCst) {
                std::future::pending::<()>().await;
            }
            tokio::time::sleep(self.delay).await;
            if self
                .failures
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |f| f.checked_sub(1))
                .is_ok()
            {
                return Err(
                    aws_credential_types::provider::error::CredentialsError::provider_error(
                        "sts is down",
                    ),
                );
            }
            let lifetime = *self.lifetime.lock().unwrap();
            Ok(Credentials::new(
                access_key(n),
                support::SECRET_KEY,
                Some(support::SESSION_TOKEN.to_owned()),
                SystemTime::now().checked_add(lifetime),
                "counting",
            ))
        })
    }
}

/// The access key id of the `n`-th key a [`CountingProvider`] hands out.
pub(crate) fn access_key(n: usize) -> String {
    format!("ASIA{n:016}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_signs_make_one_provider_call() {
    let provider = CountingProvider::new(Duration::from_secs(3600));
    let calls = provider.calls.clone();
    let signer = Signer::builder()
        .credentials_provider(provider)
        .build()
        .unwrap();
    let mut tasks = Vec::new();
    for _ in 0..1000 {
        let signer = signer.clone();
        tasks.push(tokio::spawn(async move {
            let mut request = http::Request::get("https://abc.lambda-url.us-east-1.on.aws/")
                .body(Vec::<u8>::new())
                .unwrap();
            signer.sign(&mut request).await.unwrap();
            request.headers()["authorization"].clone()
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn refreshes_ahead_of_expiry() {
    let provider = CountingProvider::new(Duration::from_secs(60));
    let calls = provider.calls.clone();
    // 60 s lifetime with the default 5-minute refresh-ahead: every call refreshes.
    let eager = CredentialsCache::new(provider.clone());
    eager.credentials().await.unwrap();
    eager.credentials().await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    // With a 10 s window the same credentials are reused.
    let lazy = CredentialsCache::builder(provider)
        .refresh_ahead(Duration::from_secs(10))
        .build();
    let a = lazy.credentials().await.unwrap();
    let b = lazy.credentials().await.unwrap();
    assert_eq!(a.access_key_id(), b.access_key_id());
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    lazy.invalidate();
    lazy.credentials().await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn provider_failure_is_typed_with_cause_then_recovers() {
    let provider = CountingProvider::new(Duration::from_secs(3600));
    provider.failures.store(1, Ordering::SeqCst);
    let cache = CredentialsCache::new(provider);
    let err = cache.credentials().await.unwrap_err();
    assert!(matches!(err, Error::CredentialsProvider { .. }), "{err:?}");
    assert_eq!(err.to_string(), "the credentials provider failed");
    let source = std::error::Error::source(&err).expect("cause attached");
    assert!(format!("{source:?}").contains("sts is down"));
    assert!(
        cache.credentials().await.is_ok(),
        "recovers on the next call"
    );
}

#[tokio::test]
async fn hanging_provider_times_out() {
    let mut provider = CountingProvider::new(Duration::from_secs(3600));
    provider.delay = Duration::from_secs(30);
    let cache = CredentialsCache::builder(provider)
        .provider_timeout(Duration::from_millis(50))
        .build();
    let err = cache.credentials().await.unwrap_err();
    assert!(matches!(err, Error::CredentialsTimeout { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "the credentials provider did not answer within 50ms"
    );
}

#[tokio::test]
async fn expired_static_credentials_and_missing_credentials() {
    let expired = Credentials::new(
        "AKID",
        "secret",
        None,
        Some(SystemTime::now() - Duration::from_secs(1)),
        "test",
    );
    let cache = CredentialsCache::fixed(expired.clone());
    assert!(matches!(
        cache.credentials().await,
        Err(Error::ExpiredCredentials { .. })
    ));
    let signer = Signer::builder().build().unwrap();
    let mut request = http::Request::get("https://abc.lambda-url.us-east-1.on.aws/")
        .body(())
        .unwrap();
    assert!(matches!(
        signer
            .sign_with_hash(&mut request, &PayloadHash::EMPTY)
            .await,
        Err(Error::NoCredentials)
    ));
    let err = signer
        .sign_at(
            &mut request,
            &PayloadHash::EMPTY,
            &expired,
            SystemTime::now(),
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "the credentials for access key `AKID` expired"
    );
    assert!(
        !request.headers().contains_key("authorization"),
        "nothing signed"
    );
}

#[test]
fn debug_never_shows_secrets() {
    let cache = CredentialsCache::fixed(support::credentials(true));
    let text = format!("{cache:?} {:?}", support::credentials(true));
    assert!(!text.contains(support::SECRET_KEY), "{text}");
    assert!(!text.contains(support::SESSION_TOKEN), "{text}");
}

// ---------------------------------------------------------------------------------------------
// Outages: the advisory window keeps the valid key, the mandatory window shares one call.

const URL: &str = "https://abc.lambda-url.us-east-1.on.aws/";

fn signer_with(cache: CredentialsCache) -> Signer {
    Signer::builder().credentials_cache(cache).build().unwrap()
}

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// What `n` concurrent signatures got: the access key each one carried or its error, and how
/// long each took from the moment all of them were released together.
struct Herd {
    results: Vec<Result<String, Error>>,
    latencies: Vec<Duration>,
}

impl Herd {
    fn max_latency(&self) -> Duration {
        self.latencies.iter().copied().max().unwrap_or_default()
    }

    /// How many signatures took at least `at_least`.
    fn slower_than(&self, at_least: Duration) -> usize {
        self.latencies.iter().filter(|l| **l >= at_least).count()
    }

    /// Panics unless every signature carried `key`.
    fn all_signed_with(&self, key: &str) {
        for result in &self.results {
            match result {
                Ok(used) => assert_eq!(used, key),
                Err(err) => panic!("a signature failed: {err:?}"),
            }
        }
    }
}

/// `n` concurrent signatures, released together.
async fn herd(signer: &Signer, n: usize) -> Herd {
    herd_of(signer, n, Call::Sign).await
}

/// What each caller of a herd does.
#[derive(Clone, Copy)]
enum Call {
    /// Signs a request (the access key is read from its `Authorization`).
    Sign,
    /// Only asks for credentials, so that a caller's latency is its wait for the cache alone,
    /// not the CPU time of the other callers' signatures on a shared thread.
    Credentials,
}

async fn herd_of(signer: &Signer, n: usize, call: Call) -> Herd {
    let barrier = Arc::new(tokio::sync::Barrier::new(n));
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let signer = signer.clone();
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                let started = Instant::now();
                let result = match call {
                    Call::Credentials => signer
                        .credentials()
                        .await
                        .map(|c| c.access_key_id().to_owned()),
                    Call::Sign => {
                        let mut request = http::Request::get(URL).body(Vec::<u8>::new()).unwrap();
                        signer.sign(&mut request).await.map(|()| {
                            let authorization =
                                request.headers()["authorization"].to_str().unwrap();
                            let credential = authorization.split("Credential=").nth(1).unwrap();
                            credential.split('/').next().unwrap().to_owned()
                        })
                    }
                };
                (result, started.elapsed())
            })
        })
        .collect();
    let mut herd = Herd {
        results: Vec::with_capacity(n),
        latencies: Vec::with_capacity(n),
    };
    for task in tasks {
        let (result, latency) = task.await.unwrap();
        herd.results.push(result);
        herd.latencies.push(latency);
    }
    herd
}

/// Runs `f` on a current-thread runtime (so that every task is seen) under a TRACE capture.
fn traced<T>(f: impl std::future::Future<Output = T>) -> (T, String) {
    support::capture_trace(|| {
        tracing::callsite::rebuild_interest_cache();
        current_thread().block_on(f)
    })
}

const WARNING: &str = "refreshing the credentials failed";

/// A key 3 minutes from expiry is inside the default 5-minute advisory window and outside the
/// default 1-minute mandatory one.
const ADVISORY_LIFETIME: Duration = Duration::from_secs(180);

#[test]
fn advisory_outage_serves_the_valid_key_and_calls_once_per_backoff() {
    let backoff = Duration::from_millis(200);
    let outage = Duration::from_secs(1);
    let provider = CountingProvider::new(ADVISORY_LIFETIME);
    let ((calls, starts, signatures), trace) = traced(async {
        let cache = CredentialsCache::builder(provider.clone())
            .refresh_backoff(backoff)
            .build();
        let signer = signer_with(cache);
        herd(&signer, 1).await.all_signed_with(&access_key(0));

        provider.set_failing(true);
        let started = Instant::now();
        let mut signatures = 0;
        while started.elapsed() < outage {
            let herd = herd(&signer, 1000).await;
            herd.all_signed_with(&access_key(0));
            signatures += herd.results.len();
        }
        let elapsed = started.elapsed();
        let calls = provider.calls() - 1;
        let starts = provider.starts()[1..].to_vec();
        assert!(
            calls as f64 <= elapsed.as_secs_f64() / backoff.as_secs_f64() + 1.0,
            "{calls} provider calls in {elapsed:?} with a {backoff:?} backoff"
        );

        // Recovery: the first caller after the backoff refreshes; later ones use the new key.
        provider.set_failing(false);
        provider.set_lifetime(Duration::from_secs(3600));
        tokio::time::sleep(backoff).await;
        let during = herd(&signer, 1000).await;
        let new_key = access_key(calls + 1);
        assert_eq!(provider.calls(), calls + 2, "one refresh after the outage");
        assert!(during
            .results
            .iter()
            .all(|r| matches!(r, Ok(k) if *k == new_key || *k == access_key(0))));
        herd(&signer, 1000).await.all_signed_with(&new_key);
        assert_eq!(provider.calls(), calls + 2, "the new key is cached");
        (calls, starts, signatures)
    });
    println!(
        "advisory outage: {signatures} signatures in {outage:?}, all with the cached key; \
         {calls} provider calls (backoff {backoff:?})"
    );
    assert!(calls >= 2, "the refresh was retried after the backoff");
    for pair in starts.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(gap >= backoff, "two provider calls {gap:?} apart");
    }
    assert_eq!(
        trace.matches(WARNING).count(),
        calls,
        "one warning per failed call"
    );
    let warning = trace.lines().find(|l| l.contains(WARNING)).unwrap();
    assert!(warning.contains(" WARN "), "{warning}");
    assert!(warning.contains(&access_key(0)), "{warning}");
    assert!(warning.contains("sts is down"), "{warning}");
    support::assert_no_secret("trace", &trace);
}

#[test]
fn advisory_hanging_provider_keeps_callers_from_waiting() {
    let timeout = Duration::from_millis(300);
    let provider = CountingProvider::new(ADVISORY_LIFETIME);
    let (herds, trace) = traced(async {
        let cache = CredentialsCache::builder(provider.clone())
            .provider_timeout(timeout)
            .build();
        let signer = signer_with(cache);
        herd(&signer, 1).await.all_signed_with(&access_key(0));
        provider.hang.store(true, Ordering::SeqCst);
        let first = herd_of(&signer, 1000, Call::Credentials).await;
        // Within the 10 s default backoff nobody calls the provider again.
        let second = herd_of(&signer, 1000, Call::Credentials).await;
        [first, second]
    });
    for herd in &herds {
        herd.all_signed_with(&access_key(0));
    }
    println!(
        "advisory, hanging provider: {} of 1000 callers waited (max {:?}, timeout {timeout:?}), \
         then {} (max {:?})",
        herds[0].slower_than(timeout / 2),
        herds[0].max_latency(),
        herds[1].slower_than(timeout / 2),
        herds[1].max_latency()
    );
    assert_eq!(
        herds[0].slower_than(timeout / 2),
        1,
        "only the refreshing caller waits"
    );
    assert!(
        herds[0].max_latency() < timeout * 2,
        "{:?}",
        herds[0].max_latency()
    );
    assert_eq!(herds[1].slower_than(timeout / 2), 0);
    assert_eq!(provider.calls(), 2);
    assert_eq!(trace.matches(WARNING).count(), 1);
    assert!(trace.contains("did not answer within 300ms"), "{trace}");
}

/// Panics unless every signature failed with an error `check` accepts.
fn all_failed(herd: &Herd, check: impl Fn(&Error) -> bool) {
    for result in &herd.results {
        match result {
            Err(err) => assert!(check(err), "{err:?}"),
            Ok(key) => panic!("signed with {key}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mandatory_window_one_call_for_all_waiters_and_no_wait_beyond_one_timeout() {
    let timeout = Duration::from_millis(400);
    let mut provider = CountingProvider::new(Duration::from_secs(30));
    // Answers (or fails) after 300 ms, so that all 1,000 callers are waiting by then.
    provider.delay = Duration::from_millis(300);
    let cache = CredentialsCache::builder(provider.clone())
        .provider_timeout(timeout)
        .build();
    let signer = signer_with(cache);

    // An empty cache and a hanging provider: one call, every waiter times out with it.
    provider.hang.store(true, Ordering::SeqCst);
    let empty = herd(&signer, 1000).await;
    all_failed(
        &empty,
        |e| matches!(e, Error::CredentialsTimeout { timeout: t } if *t == timeout),
    );
    assert_eq!(provider.calls(), 1);

    // A key 30 s from expiry is inside the 1-minute mandatory window.
    provider.hang.store(false, Ordering::SeqCst);
    herd(&signer, 1).await.all_signed_with(&access_key(1));
    provider.hang.store(true, Ordering::SeqCst);
    let hanging = herd(&signer, 1000).await;
    all_failed(&hanging, |e| matches!(e, Error::CredentialsTimeout { .. }));
    assert_eq!(provider.calls(), 3, "one call for 1,000 waiters");

    // A provider that fails after 300 ms: every waiter gets that one call's error.
    provider.hang.store(false, Ordering::SeqCst);
    provider.set_failing(true);
    let failing = herd(&signer, 1000).await;
    all_failed(&failing, |e| {
        matches!(e, Error::CredentialsProvider { .. })
            && format!("{:?}", std::error::Error::source(e)).contains("sts is down")
    });
    assert_eq!(provider.calls(), 4);

    // Recovery: the next caller refreshes; the new key is shared and then cached.
    provider.set_failing(false);
    provider.set_lifetime(Duration::from_secs(3600));
    herd(&signer, 1000).await.all_signed_with(&access_key(4));
    herd(&signer, 1000).await.all_signed_with(&access_key(4));
    assert_eq!(provider.calls(), 5);

    println!(
        "mandatory window: 1000 waiters per outage, 1 provider call each; max wait {:?} (empty \
         cache), {:?} (hanging), {:?} (failing) with timeout {timeout:?}",
        empty.max_latency(),
        hanging.max_latency(),
        failing.max_latency()
    );
    // One timeout plus scheduling slack on a shared machine; the old cache made the k-th
    // waiter wait about k timeouts.
    let slack = Duration::from_millis(250);
    for herd in [&empty, &hanging, &failing] {
        assert!(
            herd.max_latency() < timeout + slack,
            "{:?}",
            herd.max_latency()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_refresh_is_taken_over_by_a_waiter() {
    let mut provider = CountingProvider::new(Duration::from_secs(3600));
    provider.delay = Duration::from_millis(200);
    let calls = provider.calls.clone();
    let cache = CredentialsCache::new(provider);
    let leader = {
        let cache = cache.clone();
        tokio::spawn(async move {
            tokio::time::timeout(Duration::from_millis(50), cache.credentials()).await
        })
    };
    tokio::time::sleep(Duration::from_millis(10)).await;
    let waiter = cache.credentials().await.unwrap();
    assert!(leader.await.unwrap().is_err(), "the leader was cancelled");
    assert_eq!(waiter.access_key_id(), access_key(1));
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

// ---------------------------------------------------------------------------------------------
// Overflow: no window, backoff, timeout or expiry makes the cache panic.

/// The latest and the earliest `SystemTime` this platform represents (approximately).
fn system_time_limits() -> (SystemTime, SystemTime) {
    let spans = [
        Duration::new(i64::MAX as u64, 999_999_999),
        Duration::from_secs(i64::MAX as u64),
        Duration::from_secs(u64::from(u32::MAX)),
    ];
    let latest = spans
        .iter()
        .find_map(|d| SystemTime::UNIX_EPOCH.checked_add(*d))
        .unwrap();
    let earliest = spans
        .iter()
        .find_map(|d| SystemTime::UNIX_EPOCH.checked_sub(*d))
        .unwrap_or(SystemTime::UNIX_EPOCH);
    (latest, earliest)
}

#[tokio::test]
async fn huge_windows_backoff_and_timeout_do_not_panic() {
    // refresh_ahead(MAX): every key is inside the advisory window, so every call refreshes.
    let provider = CountingProvider::new(Duration::from_secs(3600));
    let cache = CredentialsCache::builder(provider.clone())
        .refresh_ahead(Duration::MAX)
        .build();
    for _ in 0..3 {
        cache.credentials().await.unwrap();
    }
    assert_eq!(provider.calls(), 3);

    // mandatory_refresh(MAX) alone is clamped to the 5-minute advisory window.
    let provider = CountingProvider::new(Duration::from_secs(3600));
    let cache = CredentialsCache::builder(provider.clone())
        .mandatory_refresh(Duration::MAX)
        .build();
    assert!(
        format!("{cache:?}").contains("mandatory_refresh: 300s"),
        "{cache:?}"
    );
    cache.credentials().await.unwrap();
    cache.credentials().await.unwrap();
    assert_eq!(provider.calls(), 1);

    // Both MAX: every call waits for a refresh, whose error reaches the caller.
    let provider = CountingProvider::new(Duration::from_secs(3600));
    let cache = CredentialsCache::builder(provider.clone())
        .mandatory_refresh(Duration::MAX)
        .refresh_ahead(Duration::MAX)
        .refresh_backoff(Duration::MAX)
        .provider_timeout(Duration::MAX)
        .build();
    cache.credentials().await.unwrap();
    provider.set_failing(true);
    assert!(matches!(
        cache.credentials().await,
        Err(Error::CredentialsProvider { .. })
    ));
    provider.set_failing(false);
    cache.credentials().await.unwrap();
    assert_eq!(provider.calls(), 3);

    // refresh_backoff(MAX) after an advisory failure: the key stays in use, no retry.
    let provider = CountingProvider::new(ADVISORY_LIFETIME);
    let cache = CredentialsCache::builder(provider.clone())
        .refresh_backoff(Duration::MAX)
        .build();
    cache.credentials().await.unwrap();
    provider.set_failing(true);
    for _ in 0..3 {
        let key = cache.credentials().await.unwrap();
        assert_eq!(key.access_key_id(), access_key(0));
    }
    assert_eq!(provider.calls(), 2);
}

/// A provider handing out one fixed key, whatever its expiry.
#[derive(Debug)]
struct FixedProvider(Credentials);

impl ProvideCredentials for FixedProvider {
    fn provide_credentials<'a>(
        &'a self,
    ) -> aws_credential_types::provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        aws_credential_types::provider::future::ProvideCredentials::ready(Ok(self.0.clone()))
    }
}

#[tokio::test]
async fn expiries_at_the_limits_of_system_time_do_not_panic() {
    let (latest, earliest) = system_time_limits();
    let key = |expiry| Credentials::new("AKID", "secret", None, Some(expiry), "limits");
    for refresh_ahead in [Duration::ZERO, Duration::from_secs(300), Duration::MAX] {
        // Far future: valid (refreshed on every call when the window reaches that far).
        let cache = CredentialsCache::builder(FixedProvider(key(latest)))
            .refresh_ahead(refresh_ahead)
            .mandatory_refresh(Duration::MAX)
            .build();
        assert_eq!(cache.credentials().await.unwrap().access_key_id(), "AKID");
        let signer = signer_with(cache);
        let mut request = http::Request::get(URL).body(Vec::<u8>::new()).unwrap();
        signer.sign(&mut request).await.unwrap();
        // Far past: expired, from a provider and as fixed credentials.
        let cache = CredentialsCache::builder(FixedProvider(key(earliest)))
            .refresh_ahead(refresh_ahead)
            .build();
        assert!(matches!(
            cache.credentials().await,
            Err(Error::ExpiredCredentials { .. })
        ));
        assert!(matches!(
            CredentialsCache::fixed(key(earliest)).credentials().await,
            Err(Error::ExpiredCredentials { .. })
        ));
        assert!(CredentialsCache::fixed(key(latest))
            .credentials()
            .await
            .is_ok());
    }
}

#[test]
fn static_credentials_sign_outside_any_tokio_runtime() {
    let url = lambda_url_signer::FunctionUrl::parse("https://abc123.lambda-url.eu-west-1.on.aws/")
        .unwrap();
    for signer in [
        lambda_url_signer::Signer::for_url(&url, support::credentials(true)),
        lambda_url_signer::Signer::for_url(
            &url,
            lambda_url_signer::CredentialsCache::new(support::credentials(true)),
        ),
    ] {
        let mut request = http::Request::post(url.as_str())
            .body(b"{}".to_vec())
            .unwrap();
        signer
            .sign_blocking(&mut request)
            .expect("signed without a runtime");
        assert!(request.headers().contains_key("authorization"));
    }
}

/// A provider that needs Tokio's timer.
#[derive(Debug)]
struct NeedsTokio;

impl lambda_url_signer::ProvideCredentials for NeedsTokio {
    fn provide_credentials<'a>(
        &'a self,
    ) -> aws_credential_types::provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        aws_credential_types::provider::future::ProvideCredentials::new(async {
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            Ok(support::credentials(false))
        })
    }
}

#[test]
fn a_provider_that_needs_tokio_is_a_typed_error_outside_a_runtime_not_a_panic() {
    let url = lambda_url_signer::FunctionUrl::parse("https://abc123.lambda-url.eu-west-1.on.aws/")
        .unwrap();
    let signer = lambda_url_signer::Signer::for_url(&url, NeedsTokio);
    let mut request = http::Request::get(url.as_str()).body(()).unwrap();
    let error = signer.sign_blocking(&mut request).unwrap_err();
    assert!(
        matches!(error, lambda_url_signer::Error::NoRuntime),
        "{error:?}"
    );
    assert!(!request.headers().contains_key("authorization"));
}

#[test]
fn a_blocking_client_calls_the_emulator_with_sign_blocking() {
    // The emulator runs on its own runtime thread; the caller below has none.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let emulator = runtime.block_on(support::emulator(|b| b));
    let url = support::function_url(&emulator);
    let signer = lambda_url_signer::Signer::for_url(&url, support::credentials(true));
    let caller = std::thread::spawn(move || {
        let mut request = http::Request::post(url.as_str())
            .header("content-type", "application/json")
            .body(br#"{"id":1}"#.to_vec())
            .unwrap();
        signer.sign_blocking(&mut request).unwrap();
        ureq::run(request).unwrap().status().as_u16()
    });
    assert_eq!(caller.join().unwrap(), 200);
    assert_eq!(emulator.received()[0].outcome.status, 200);
}
