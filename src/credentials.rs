//! Credentials: static keys, or any provider behind an expiry-aware single-flight cache.

use crate::{Credentials, Error, ProvideCredentials};
use aws_credential_types::provider::error::CredentialsError;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, SystemTime};
use tokio::sync::watch;
use tokio::time::Instant;

/// The default advisory window: refresh this long before expiry, keeping the key on failure.
const DEFAULT_REFRESH_AHEAD: Duration = Duration::from_secs(5 * 60);
/// The default mandatory window: inside it a refresh must succeed.
const DEFAULT_MANDATORY_REFRESH: Duration = Duration::from_secs(60);
/// The default pause after a failed advisory refresh before the next attempt.
const DEFAULT_REFRESH_BACKOFF: Duration = Duration::from_secs(10);
/// The default time a provider has to answer.
const DEFAULT_PROVIDER_TIMEOUT: Duration = Duration::from_secs(30);

/// Where a [`Signer`](crate::Signer) gets its credentials: fixed [`Credentials`], or a
/// [`ProvideCredentials`] provider (STS, IMDS, SSO, a profile…) behind a cache.
///
/// # Refreshing
///
/// A provider-backed cache keeps its key and judges it, at the signing time, against two windows
/// before its expiry (the model is botocore's `RefreshableCredentials`):
///
/// | time left on the key | what a caller gets |
/// |---|---|
/// | more than `refresh_ahead` (advisory window, 5 min by default) | the cached key, nothing else happens |
/// | inside the advisory window | the cached key; one caller refreshes it (see below) |
/// | inside `mandatory_refresh` (1 min by default), expired, or no key yet | the result of a refresh: the new key or its error |
///
/// *Advisory window.* The first caller that finds no refresh in flight calls the provider itself
/// (waiting at most `provider_timeout`); every other caller meanwhile gets the cached key at
/// once. If that refresh fails or times out, the cache logs a `tracing` warning (with the access
/// key id, never a secret), keeps serving the still-valid key, and makes the next attempt only
/// after `refresh_backoff` (10 s by default) has passed, whoever the callers are. So an outage of
/// the provider costs at most one provider call per backoff interval, and no error reaches the
/// callers while the key is outside the mandatory window.
///
/// *Mandatory window* (and after expiry, or on an empty cache). Callers wait for a refresh, and
/// only one is ever in flight: concurrent callers share its result, its failure included, so
/// 1,000 concurrent signatures make exactly one provider call and none waits longer than one
/// `provider_timeout`. A provider failure is returned as [`Error::CredentialsProvider`] with the
/// provider's error in `source()`, and a provider that does not answer within the timeout
/// (30 seconds by default) as [`Error::CredentialsTimeout`]. A failed result is never reused:
/// the next caller that finds no refresh in flight tries again, so the cache recovers on the
/// first call after the provider does.
///
/// The mandatory window is at most the advisory window (a larger value is clamped to it), so
/// `refresh_ahead(Duration::ZERO)` refreshes only expired keys. Every duration may be as large as
/// [`Duration::MAX`]: the arithmetic saturates and nothing panics.
///
/// Cloning is cheap and clones share the cache.
///
/// ```
/// use lambda_url_signer::{Credentials, CredentialsCache};
/// use std::time::Duration;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), lambda_url_signer::Error> {
/// // A provider (here a static one) behind the cache:
/// let cache = CredentialsCache::builder(Credentials::new("AKID", "secret", None, None, "example"))
///     .refresh_ahead(Duration::from_secs(60))
///     .build();
/// let credentials = cache.credentials().await?;
/// assert_eq!(credentials.access_key_id(), "AKID");
/// # Ok(()) }
/// ```
///
/// # Note
///
/// The advisory refresh runs inside the call of the caller that starts it (the crate does not
/// assume a runtime to spawn on), so during an outage that one caller per backoff interval waits
/// up to `provider_timeout` before it gets the cached key. If that caller's future is dropped
/// mid-refresh, callers waiting on the refresh start a new one.
#[derive(Clone)]
pub struct CredentialsCache {
    inner: Arc<Inner>,
}

struct Inner {
    source: Source,
    current: RwLock<Option<Credentials>>,
    refresh: Mutex<RefreshState>,
    settings: Settings,
}

#[derive(Debug, Clone, Copy)]
struct Settings {
    /// The advisory window (`refresh_ahead`).
    advisory: Duration,
    /// The mandatory window, at most `advisory`.
    mandatory: Duration,
    backoff: Duration,
    timeout: Duration,
}

impl Settings {
    const FIXED: Settings = Settings {
        advisory: Duration::ZERO,
        mandatory: Duration::ZERO,
        backoff: DEFAULT_REFRESH_BACKOFF,
        timeout: DEFAULT_PROVIDER_TIMEOUT,
    };
}

enum Source {
    Static,
    Provider(Box<dyn ProvideCredentials>),
}

/// The refresh in flight, if any, and when the last one failed.
#[derive(Default)]
struct RefreshState {
    /// Receives the outcome of the refresh in flight (`None` until it ends).
    flight: Option<watch::Receiver<Option<Outcome>>>,
    /// When the last refresh failed; advisory refreshes wait `backoff` after it.
    last_failure: Option<Instant>,
}

/// What one provider call produced, shared by every caller that waited for it.
#[derive(Clone)]
enum Outcome {
    Fresh(Credentials),
    Failed(Failure),
}

#[derive(Clone)]
enum Failure {
    Provider(Arc<CredentialsError>),
    Timeout(Duration),
    Expired(String),
    NoRuntime,
}

impl Failure {
    fn to_error(&self) -> Error {
        match self {
            Failure::Provider(cause) => Error::CredentialsProvider {
                source: Box::new(SharedCause(cause.clone())),
            },
            Failure::Timeout(timeout) => Error::CredentialsTimeout { timeout: *timeout },
            Failure::Expired(access_key_id) => Error::ExpiredCredentials {
                access_key_id: access_key_id.clone(),
            },
            Failure::NoRuntime => Error::NoRuntime,
        }
    }
}

/// The provider's error, shared by all callers of one refresh: it displays, debugs and chains
/// exactly as the provider's error does.
struct SharedCause(Arc<CredentialsError>);

impl fmt::Display for SharedCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl fmt::Debug for SharedCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl std::error::Error for SharedCause {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&*self.0)
    }
}

/// Where a key stands at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Window {
    /// Outside the advisory window (or no expiry): use it.
    Fresh,
    /// Inside the advisory window: use it, refresh if nobody is and the backoff allows.
    Advisory,
    /// Inside the mandatory window, expired, or no key: wait for a refresh.
    Mandatory,
}

impl Settings {
    /// Only subtraction of instants: no window or expiry, however large, can overflow.
    fn window(&self, credentials: &Credentials, time: SystemTime) -> Window {
        let Some(expiry) = credentials.expiry() else {
            return Window::Fresh;
        };
        match expiry.duration_since(time) {
            Ok(left) if left.is_zero() || left <= self.mandatory => Window::Mandatory,
            Ok(left) if left <= self.advisory => Window::Advisory,
            Ok(_) => Window::Fresh,
            Err(_) => Window::Mandatory,
        }
    }
}

impl CredentialsCache {
    /// Fixed credentials that never change (no provider, no refresh).
    ///
    /// ```
    /// # use lambda_url_signer::{Credentials, CredentialsCache};
    /// let cache = CredentialsCache::fixed(Credentials::new("AKID", "secret", None, None, "example"));
    /// # let _ = cache;
    /// ```
    pub fn fixed(credentials: Credentials) -> Self {
        CredentialsCache {
            inner: Arc::new(Inner {
                source: Source::Static,
                current: RwLock::new(Some(credentials)),
                refresh: Mutex::new(RefreshState::default()),
                settings: Settings::FIXED,
            }),
        }
    }

    /// A cache in front of `provider`, with default settings.
    ///
    /// ```
    /// # use lambda_url_signer::{Credentials, CredentialsCache};
    /// let cache = CredentialsCache::new(Credentials::new("AKID", "secret", None, None, "example"));
    /// # let _ = cache;
    /// ```
    pub fn new(provider: impl ProvideCredentials + 'static) -> Self {
        Self::builder(provider).build()
    }

    /// A builder for a cache in front of `provider`.
    ///
    /// ```
    /// # use lambda_url_signer::{Credentials, CredentialsCache};
    /// # use std::time::Duration;
    /// let cache = CredentialsCache::builder(Credentials::new("AKID", "secret", None, None, "example"))
    ///     .provider_timeout(Duration::from_secs(5))
    ///     .build();
    /// # let _ = cache;
    /// ```
    pub fn builder(provider: impl ProvideCredentials + 'static) -> CredentialsCacheBuilder {
        CredentialsCacheBuilder {
            provider: Box::new(provider),
            refresh_ahead: DEFAULT_REFRESH_AHEAD,
            mandatory: DEFAULT_MANDATORY_REFRESH,
            backoff: DEFAULT_REFRESH_BACKOFF,
            timeout: DEFAULT_PROVIDER_TIMEOUT,
        }
    }

    /// The default AWS credential chain (environment, profile, SSO, web identity, ECS, IMDS)
    /// from the `aws-config` crate, behind this cache. With `profile`, that profile is used
    /// instead of `AWS_PROFILE`/`default`. `region` is the region the chain's STS and SSO
    /// calls use; pass the function URL's region so the chain does not have to look one up
    /// (a lookup reads `AWS_REGION` and the profile, then asks IMDS).
    ///
    /// `aws-config` providers do not cache on their own outside SDK clients; this cache is
    /// what keeps them from being called on every request.
    ///
    /// ```no_run
    /// # #[tokio::main] async fn main() {
    /// let cache = lambda_url_signer::CredentialsCache::default_chain(None, Some("eu-central-1")).await;
    /// # let _ = cache; }
    /// ```
    #[cfg(feature = "aws-config")]
    #[cfg_attr(docsrs, doc(cfg(feature = "aws-config")))]
    pub async fn default_chain(profile: Option<&str>, region: Option<&str>) -> Self {
        let mut builder =
            aws_config::default_provider::credentials::DefaultCredentialsChain::builder();
        if let Some(profile) = profile {
            builder = builder.profile_name(profile);
        }
        if let Some(region) = region {
            builder = builder.region(aws_config::Region::new(region.to_owned()));
        }
        Self::new(builder.build().await)
    }

    /// Credentials for a signature made now: the cached key, or the result of a refresh when the
    /// key is inside the mandatory window, expired, or not fetched yet (see
    /// [Refreshing](CredentialsCache#refreshing)).
    ///
    /// # Errors
    ///
    /// [`Error::CredentialsProvider`] or [`Error::CredentialsTimeout`] when the refresh a caller
    /// has to wait for fails, [`Error::ExpiredCredentials`] when fixed credentials, or the ones
    /// the provider returned, have expired.
    ///
    /// ```
    /// # use lambda_url_signer::{Credentials, CredentialsCache};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), lambda_url_signer::Error> {
    /// let cache = CredentialsCache::fixed(Credentials::new("AKID", "secret", None, None, "example"));
    /// assert_eq!(cache.credentials().await?.access_key_id(), "AKID");
    /// # Ok(()) }
    /// ```
    pub async fn credentials(&self) -> Result<Credentials, Error> {
        self.credentials_at(SystemTime::now()).await
    }

    /// Credentials for a signature carrying `time`: judging the windows at the signing time, not
    /// at some earlier instant, is what keeps a key that expires in between from being used.
    pub(crate) async fn credentials_at(&self, time: SystemTime) -> Result<Credentials, Error> {
        if let Some(ready) = self.ready_credentials_at(time) {
            return ready;
        }
        self.refreshing_credentials_at(time).await
    }

    /// The hot path of [`Self::credentials_at`], without awaiting: fixed credentials, or a
    /// cached key that is fresh at `time` (a read lock and an `Arc` clone). `None` when the
    /// provider must be asked or a refresh waited for.
    pub(crate) fn ready_credentials_at(
        &self,
        time: SystemTime,
    ) -> Option<Result<Credentials, Error>> {
        if let Source::Static = self.inner.source {
            return Some(self.fixed_credentials(time));
        }
        match self.current(time) {
            (Some(current), Window::Fresh) => Some(Ok(current)),
            _ => None,
        }
    }

    /// The rest of [`Self::credentials_at`]: the advisory and mandatory windows, a refresh led
    /// or waited for.
    async fn refreshing_credentials_at(&self, time: SystemTime) -> Result<Credentials, Error> {
        let provider = match &self.inner.source {
            Source::Static => return self.fixed_credentials(time),
            Source::Provider(provider) => provider.as_ref(),
        };
        loop {
            let step = {
                let mut state = self.state();
                // Re-read under the state lock: a refresh that ended since the first look has
                // stored its key before clearing its flight.
                let (current, window) = self.current(time);
                match (current, window) {
                    (Some(current), Window::Fresh) => return Ok(current),
                    (Some(current), Window::Advisory) => {
                        let backing_off = state
                            .last_failure
                            .is_some_and(|failed| failed.elapsed() < self.inner.settings.backoff);
                        if state.flight.is_some() || backing_off {
                            return Ok(current);
                        }
                        Step::Lead(Some(current), self.start_flight(&mut state))
                    }
                    (_, _) => match &state.flight {
                        Some(flight) => Step::Wait(flight.clone()),
                        None => Step::Lead(None, self.start_flight(&mut state)),
                    },
                }
            };
            match step {
                Step::Lead(serving, flight) => {
                    let outcome = self.fetch(provider, time).await;
                    flight.finish(&outcome);
                    return match (outcome, serving) {
                        (Outcome::Fresh(credentials), _) => usable(credentials, time),
                        (Outcome::Failed(failure), Some(serving)) => {
                            self.warn_advisory_failure(&serving, &failure, time);
                            Ok(serving)
                        }
                        (Outcome::Failed(failure), None) => Err(failure.to_error()),
                    };
                }
                Step::Wait(mut flight) => {
                    let outcome = flight
                        .wait_for(Option::is_some)
                        .await
                        .ok()
                        .and_then(|o| o.clone());
                    match outcome {
                        Some(Outcome::Fresh(credentials)) => return usable(credentials, time),
                        Some(Outcome::Failed(failure)) => return Err(failure.to_error()),
                        // The leader's future was dropped mid-refresh: look again.
                        None => continue,
                    }
                }
            }
        }
    }

    /// Calls the provider once, within the timeout. Outside a Tokio runtime (a blocking client,
    /// another executor) there is no timer for the timeout: the provider is awaited as it is,
    /// and one that needs a Tokio runtime (its panic "there is no reactor running") becomes
    /// [`Error::NoRuntime`] instead of a panic in the caller.
    async fn fetch(&self, provider: &dyn ProvideCredentials, time: SystemTime) -> Outcome {
        let timeout = self.inner.settings.timeout;
        let answer = if tokio::runtime::Handle::try_current().is_ok() {
            match tokio::time::timeout(timeout, provider.provide_credentials()).await {
                Err(_) => return Outcome::Failed(Failure::Timeout(timeout)),
                Ok(answer) => answer,
            }
        } else {
            match (CatchPanic {
                future: provider.provide_credentials(),
            })
            .await
            {
                Some(answer) => answer,
                None => return Outcome::Failed(Failure::NoRuntime),
            }
        };
        match answer {
            Err(source) => Outcome::Failed(Failure::Provider(Arc::new(source))),
            Ok(credentials) if is_expired(&credentials, time) => {
                Outcome::Failed(Failure::Expired(credentials.access_key_id().to_owned()))
            }
            Ok(credentials) => Outcome::Fresh(credentials),
        }
    }

    /// Registers a refresh in flight; the caller must run it and `finish` it.
    fn start_flight(&self, state: &mut RefreshState) -> Flight<'_> {
        let (sender, receiver) = watch::channel(None);
        state.flight = Some(receiver);
        Flight {
            inner: &self.inner,
            sender: Some(sender),
        }
    }

    fn warn_advisory_failure(&self, serving: &Credentials, failure: &Failure, time: SystemTime) {
        let expires_in = serving
            .expiry()
            .and_then(|expiry| expiry.duration_since(time).ok())
            .unwrap_or_default();
        tracing::warn!(
            access_key_id = serving.access_key_id(),
            expires_in_secs = expires_in.as_secs(),
            retry_after = ?self.inner.settings.backoff,
            error = %ErrorChain(&failure.to_error()),
            "refreshing the credentials failed; the cached key is still valid and stays in use"
        );
    }

    /// Forgets the cached credentials, so the next call asks the provider (for example after
    /// the service answered that the security token is invalid). Fixed credentials stay.
    ///
    /// ```
    /// # use lambda_url_signer::{Credentials, CredentialsCache};
    /// let cache = CredentialsCache::new(Credentials::new("AKID", "secret", None, None, "example"));
    /// cache.invalidate();
    /// ```
    pub fn invalidate(&self) {
        if let Source::Provider(_) = self.inner.source {
            let mut state = self.state();
            state.last_failure = None;
            if let Ok(mut current) = self.inner.current.write() {
                *current = None;
            }
        }
    }

    fn fixed_credentials(&self, time: SystemTime) -> Result<Credentials, Error> {
        let current = self
            .inner
            .current
            .read()
            .ok()
            .and_then(|c| c.clone())
            .ok_or(Error::NoCredentials)?;
        usable(current, time)
    }

    /// The cached key and where it stands at `time` (`Mandatory` when there is none).
    fn current(&self, time: SystemTime) -> (Option<Credentials>, Window) {
        let current = self.inner.current.read().ok().and_then(|c| c.clone());
        let window = match &current {
            Some(credentials) => self.inner.settings.window(credentials, time),
            None => Window::Mandatory,
        };
        (current, window)
    }

    fn state(&self) -> std::sync::MutexGuard<'_, RefreshState> {
        self.inner
            .refresh
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// What a caller does after looking at the cache under the state lock.
enum Step<'a> {
    /// Run the refresh; `Some` is the still-valid key to serve if it fails (advisory window).
    Lead(Option<Credentials>, Flight<'a>),
    /// Wait for the refresh in flight.
    Wait(watch::Receiver<Option<Outcome>>),
}

/// The leader's side of a refresh in flight. Dropped without [`Flight::finish`] (the leader's
/// future was cancelled), it clears the flight so that a waiting caller starts a new one.
struct Flight<'a> {
    inner: &'a Inner,
    sender: Option<watch::Sender<Option<Outcome>>>,
}

impl Flight<'_> {
    /// Stores a new key, records a failure, clears the flight, then wakes every waiter.
    fn finish(mut self, outcome: &Outcome) {
        let mut state = self
            .inner
            .refresh
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        match outcome {
            Outcome::Fresh(credentials) => {
                if let Ok(mut current) = self.inner.current.write() {
                    *current = Some(credentials.clone());
                }
                state.last_failure = None;
            }
            Outcome::Failed(_) => state.last_failure = Some(Instant::now()),
        }
        state.flight = None;
        drop(state);
        if let Some(sender) = self.sender.take() {
            sender.send_replace(Some(outcome.clone()));
        }
    }
}

impl Drop for Flight<'_> {
    fn drop(&mut self) {
        if self.sender.is_some() {
            self.inner
                .refresh
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .flight = None;
            // Dropping the sender wakes the waiters with no outcome.
        }
    }
}

/// `credentials` unless they have expired at `time`.
fn usable(credentials: Credentials, time: SystemTime) -> Result<Credentials, Error> {
    if is_expired(&credentials, time) {
        return Err(Error::ExpiredCredentials {
            access_key_id: credentials.access_key_id().to_owned(),
        });
    }
    Ok(credentials)
}

fn is_expired(credentials: &Credentials, now: SystemTime) -> bool {
    credentials.expiry().is_some_and(|expiry| expiry <= now)
}

/// An error and its causes, `: `-separated, for a log line.
struct ErrorChain<'a>(&'a (dyn std::error::Error + 'static));

impl fmt::Display for ErrorChain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut cause = self.0.source();
        while let Some(error) = cause {
            write!(f, ": {error}")?;
            cause = error.source();
        }
        Ok(())
    }
}

impl fmt::Debug for CredentialsCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.inner.source {
            Source::Static => "fixed",
            Source::Provider(_) => "provider",
        };
        // `Credentials`' own Debug redacts the secret; the session token is never printed.
        let access_key_id = self
            .inner
            .current
            .read()
            .ok()
            .and_then(|c| c.as_ref().map(|c| c.access_key_id().to_owned()));
        let settings = &self.inner.settings;
        f.debug_struct("CredentialsCache")
            .field("source", &kind)
            .field("access_key_id", &access_key_id)
            .field("refresh_ahead", &settings.advisory)
            .field("mandatory_refresh", &settings.mandatory)
            .field("refresh_backoff", &settings.backoff)
            .field("provider_timeout", &settings.timeout)
            .finish()
    }
}

/// A provider's future polled outside a Tokio runtime: `None` when a poll panicked (a provider
/// that needs the runtime's reactor or timer).
struct CatchPanic<F> {
    future: F,
}

impl<F: std::future::Future + Unpin> std::future::Future for CatchPanic<F> {
    type Output = Option<F::Output>;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        let future = &mut self.future;
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            std::pin::Pin::new(future).poll(cx)
        })) {
            Ok(poll) => poll.map(Some),
            Err(_) => std::task::Poll::Ready(None),
        }
    }
}

/// The cache is itself a provider, so that SDK clients and signers can share one.
///
/// ```
/// # use lambda_url_signer::{Credentials, CredentialsCache, ProvideCredentials};
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let cache = CredentialsCache::fixed(Credentials::new("AKID", "secret", None, None, "example"));
/// assert_eq!(cache.provide_credentials().await?.access_key_id(), "AKID");
/// # Ok(()) }
/// ```
impl ProvideCredentials for CredentialsCache {
    fn provide_credentials<'a>(
        &'a self,
    ) -> aws_credential_types::provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        aws_credential_types::provider::future::ProvideCredentials::new(async move {
            self.credentials()
                .await
                .map_err(CredentialsError::provider_error)
        })
    }
}

impl From<Credentials> for CredentialsCache {
    fn from(credentials: Credentials) -> Self {
        CredentialsCache::fixed(credentials)
    }
}

/// Settings for a provider-backed [`CredentialsCache`] (see
/// [Refreshing](CredentialsCache#refreshing) for what the windows do).
///
/// ```
/// # use lambda_url_signer::{Credentials, CredentialsCache};
/// # use std::time::Duration;
/// let cache = CredentialsCache::builder(Credentials::new("AKID", "secret", None, None, "example"))
///     .refresh_ahead(Duration::from_secs(300))
///     .mandatory_refresh(Duration::from_secs(60))
///     .refresh_backoff(Duration::from_secs(10))
///     .provider_timeout(Duration::from_secs(10))
///     .build();
/// # let _ = cache;
/// ```
#[must_use]
pub struct CredentialsCacheBuilder {
    provider: Box<dyn ProvideCredentials>,
    refresh_ahead: Duration,
    mandatory: Duration,
    backoff: Duration,
    timeout: Duration,
}

impl CredentialsCacheBuilder {
    /// The advisory window: refresh credentials this long before they expire (default
    /// 5 minutes), keeping the cached key while refreshes fail outside the mandatory window.
    ///
    /// ```
    /// # use lambda_url_signer::{Credentials, CredentialsCache};
    /// # use std::time::Duration;
    /// let builder = CredentialsCache::builder(Credentials::new("A", "s", None, None, "example"))
    ///     .refresh_ahead(Duration::ZERO);
    /// # let _ = builder.build();
    /// ```
    pub fn refresh_ahead(mut self, refresh_ahead: Duration) -> Self {
        self.refresh_ahead = refresh_ahead;
        self
    }

    /// The mandatory window (default 60 s): this long before expiry, callers wait for a refresh
    /// and get its error if it fails. Clamped to the advisory window
    /// ([`refresh_ahead`](Self::refresh_ahead)) when larger, whatever the order of the calls.
    ///
    /// ```
    /// # use lambda_url_signer::{Credentials, CredentialsCache};
    /// # use std::time::Duration;
    /// let builder = CredentialsCache::builder(Credentials::new("A", "s", None, None, "example"))
    ///     .mandatory_refresh(Duration::from_secs(30));
    /// # let _ = builder.build();
    /// ```
    pub fn mandatory_refresh(mut self, mandatory: Duration) -> Self {
        self.mandatory = mandatory;
        self
    }

    /// How long after a failed refresh the next advisory refresh may start (default 10 s),
    /// shared by all callers of the cache. Inside the mandatory window callers do not wait for
    /// it.
    ///
    /// ```
    /// # use lambda_url_signer::{Credentials, CredentialsCache};
    /// # use std::time::Duration;
    /// let builder = CredentialsCache::builder(Credentials::new("A", "s", None, None, "example"))
    ///     .refresh_backoff(Duration::from_secs(30));
    /// # let _ = builder.build();
    /// ```
    pub fn refresh_backoff(mut self, backoff: Duration) -> Self {
        self.backoff = backoff;
        self
    }

    /// How long the provider may take before [`Error::CredentialsTimeout`] (default 30 s).
    ///
    /// ```
    /// # use lambda_url_signer::{Credentials, CredentialsCache};
    /// # use std::time::Duration;
    /// let builder = CredentialsCache::builder(Credentials::new("A", "s", None, None, "example"))
    ///     .provider_timeout(Duration::from_secs(2));
    /// # let _ = builder.build();
    /// ```
    pub fn provider_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The cache, empty until the first call.
    ///
    /// ```
    /// # use lambda_url_signer::{Credentials, CredentialsCache};
    /// let cache = CredentialsCache::builder(Credentials::new("A", "s", None, None, "example")).build();
    /// # let _ = cache;
    /// ```
    pub fn build(self) -> CredentialsCache {
        CredentialsCache {
            inner: Arc::new(Inner {
                source: Source::Provider(self.provider),
                current: RwLock::new(None),
                refresh: Mutex::new(RefreshState::default()),
                settings: Settings {
                    advisory: self.refresh_ahead,
                    mandatory: self.mandatory.min(self.refresh_ahead),
                    backoff: self.backoff,
                    timeout: self.timeout,
                },
            }),
        }
    }
}

impl fmt::Debug for CredentialsCacheBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialsCacheBuilder")
            .field("refresh_ahead", &self.refresh_ahead)
            .field("mandatory_refresh", &self.mandatory)
            .field("refresh_backoff", &self.backoff)
            .field("provider_timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}
