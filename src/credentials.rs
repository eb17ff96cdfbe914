//! Credentials: static keys, or any provider behind an expiry-aware single-flight cache.

use crate::{Credentials, Error, ProvideCredentials};
use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

/// The default time before expiry at which cached credentials are refreshed.
const DEFAULT_REFRESH_AHEAD: Duration = Duration::from_secs(5 * 60);
/// The default time a provider has to answer.
const DEFAULT_PROVIDER_TIMEOUT: Duration = Duration::from_secs(30);

/// Where a [`Signer`](crate::Signer) gets its credentials: fixed [`Credentials`], or a
/// [`ProvideCredentials`] provider (STS, IMDS, SSO, a profile…) behind a cache.
///
/// The cache keeps credentials until `refresh_ahead` (5 minutes by default) before they expire;
/// then the next caller refreshes them. Only one refresh is ever in flight: concurrent callers
/// wait for it and share its result, so 1,000 concurrent signatures on an empty cache make
/// exactly one provider call. A provider failure is returned as
/// [`Error::CredentialsProvider`] with the cause in `source()`, and a provider that does not
/// answer within the timeout (30 seconds by default) as [`Error::CredentialsTimeout`]; the
/// next call tries again.
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
#[derive(Clone)]
pub struct CredentialsCache {
    inner: Arc<Inner>,
}

struct Inner {
    source: Source,
    current: RwLock<Option<Credentials>>,
    refresh: tokio::sync::Mutex<()>,
    refresh_ahead: Duration,
    timeout: Duration,
}

enum Source {
    Static,
    Provider(Box<dyn ProvideCredentials>),
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
                refresh: tokio::sync::Mutex::new(()),
                refresh_ahead: Duration::ZERO,
                timeout: DEFAULT_PROVIDER_TIMEOUT,
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

    /// Credentials valid for at least the refresh-ahead window, from the cache or, when it is
    /// empty or about to expire, from one shared provider call.
    ///
    /// # Errors
    ///
    /// [`Error::CredentialsProvider`], [`Error::CredentialsTimeout`], or
    /// [`Error::ExpiredCredentials`] when fixed credentials have expired.
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

    /// Credentials still valid (with the refresh-ahead window) at `time`, the time a signature
    /// will carry: judging freshness at the signing time, not at some earlier instant, is what
    /// keeps a key that expires in between from being used.
    pub(crate) async fn credentials_at(&self, time: SystemTime) -> Result<Credentials, Error> {
        let provider = match &self.inner.source {
            Source::Static => return self.fixed_credentials(time),
            Source::Provider(provider) => provider,
        };
        if let Some(fresh) = self.fresh(time) {
            return Ok(fresh);
        }
        let _guard = self.inner.refresh.lock().await;
        // Another caller may have refreshed while we waited for the lock.
        if let Some(fresh) = self.fresh(time) {
            return Ok(fresh);
        }
        let timeout = self.inner.timeout;
        let result = tokio::time::timeout(timeout, provider.provide_credentials()).await;
        let credentials = match result {
            Err(_) => return Err(Error::CredentialsTimeout { timeout }),
            Ok(Err(source)) => {
                return Err(Error::CredentialsProvider {
                    source: Box::new(source),
                })
            }
            Ok(Ok(credentials)) => credentials,
        };
        if is_expired(&credentials, time) {
            return Err(Error::ExpiredCredentials {
                access_key_id: credentials.access_key_id().to_owned(),
            });
        }
        if let Ok(mut current) = self.inner.current.write() {
            *current = Some(credentials.clone());
        }
        Ok(credentials)
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
        if is_expired(&current, time) {
            return Err(Error::ExpiredCredentials {
                access_key_id: current.access_key_id().to_owned(),
            });
        }
        Ok(current)
    }

    fn fresh(&self, now: SystemTime) -> Option<Credentials> {
        let current = self.inner.current.read().ok()?;
        let credentials = current.as_ref()?;
        match credentials.expiry() {
            Some(expiry) if now + self.inner.refresh_ahead >= expiry => None,
            _ => Some(credentials.clone()),
        }
    }
}

fn is_expired(credentials: &Credentials, now: SystemTime) -> bool {
    credentials.expiry().is_some_and(|expiry| expiry <= now)
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
        f.debug_struct("CredentialsCache")
            .field("source", &kind)
            .field("access_key_id", &access_key_id)
            .field("refresh_ahead", &self.inner.refresh_ahead)
            .field("provider_timeout", &self.inner.timeout)
            .finish()
    }
}

impl From<Credentials> for CredentialsCache {
    fn from(credentials: Credentials) -> Self {
        CredentialsCache::fixed(credentials)
    }
}

/// Settings for a provider-backed [`CredentialsCache`].
///
/// ```
/// # use lambda_url_signer::{Credentials, CredentialsCache};
/// # use std::time::Duration;
/// let cache = CredentialsCache::builder(Credentials::new("AKID", "secret", None, None, "example"))
///     .refresh_ahead(Duration::from_secs(120))
///     .provider_timeout(Duration::from_secs(10))
///     .build();
/// # let _ = cache;
/// ```
#[must_use]
pub struct CredentialsCacheBuilder {
    provider: Box<dyn ProvideCredentials>,
    refresh_ahead: Duration,
    timeout: Duration,
}

impl CredentialsCacheBuilder {
    /// Refresh credentials this long before they expire (default 5 minutes).
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
                refresh: tokio::sync::Mutex::new(()),
                refresh_ahead: self.refresh_ahead,
                timeout: self.timeout,
            }),
        }
    }
}

impl fmt::Debug for CredentialsCacheBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialsCacheBuilder")
            .field("refresh_ahead", &self.refresh_ahead)
            .field("provider_timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}
