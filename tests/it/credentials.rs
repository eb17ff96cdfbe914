//! The credentials cache: single flight, refresh ahead of expiry, typed provider failures.

use crate::support;
use lambda_url_signer::{
    Credentials, CredentialsCache, Error, PayloadHash, ProvideCredentials, Signer,
};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// A provider that counts its calls, waits a little (so callers pile up), and hands out
/// credentials valid for `lifetime`; fails while `failures` is above zero.
#[derive(Debug, Clone)]
pub(crate) struct CountingProvider {
    pub calls: Arc<AtomicUsize>,
    pub lifetime: Duration,
    pub delay: Duration,
    pub failures: Arc<AtomicUsize>,
}

impl CountingProvider {
    pub(crate) fn new(lifetime: Duration) -> Self {
        CountingProvider {
            calls: Arc::new(AtomicUsize::new(0)),
            lifetime,
            delay: Duration::from_millis(20),
            failures: Arc::new(AtomicUsize::new(0)),
        }
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
            let n = self.calls.fetch_add(1, Ordering::SeqCst);
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
            Ok(Credentials::new(
                format!("ASIA{n:016}"),
                support::SECRET_KEY,
                Some(support::SESSION_TOKEN.to_owned()),
                Some(SystemTime::now() + self.lifetime),
                "counting",
            ))
        })
    }
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
