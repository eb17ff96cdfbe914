//! Clock-skew correction: learning the server's clock from a function URL's
//! "Signature expired" 403, within a bound, shared by the reqwest middleware and the tower layer.

use super::diagnosis::{error_type, offset_secs, server_date, Diagnosis};
use crate::{Credentials, Error, Signer};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

/// Below this difference between the server's `Date` and our clock, the clocks agree.
const CLOCK_AGREEMENT: Duration = Duration::from_secs(60);

/// How long a `Date` that agreed with the signing clock vouches for that server's clock.
const TRUST_FOR: Duration = Duration::from_secs(60);

/// A trust younger than this is not renewed (the `Date` header is not even parsed).
const RENEW_AFTER: Duration = Duration::from_secs(30);

/// A wall clock that moved this much more or less than the monotonic clock since the trust
/// was set has been stepped (by NTP or by hand): the trust no longer holds.
const STEP_TOLERANCE: Duration = Duration::from_secs(2);

/// Whether and how far [`SigningMiddleware`](crate::middleware::SigningMiddleware) corrects for a skewed
/// local clock.
///
/// When enabled (the default), a 403 "Signature expired" / "Signature not yet current" that
/// carries a `Date` header teaches the middleware the server's clock: it re-signs with the
/// offset, retries once, and keeps the offset for later requests until a response's `Date`
/// agrees with the local clock again. An offset larger than the bound (15 minutes by default)
/// is never adopted: the 403 reaches the caller, and its
/// [`Diagnosis::ClockSkew`] names the measured skew. An offset that would make signing fail
/// locally (a time past the credentials' expiry or outside the years SigV4 can express) is
/// dropped, and the request is signed with the local clock.
///
/// ```
/// use lambda_url_signer::Signer;
/// use lambda_url_signer::middleware::{SigningMiddleware, SkewCorrection};
/// use std::time::Duration;
///
/// let signer = Signer::builder().build()?;
/// let off = SigningMiddleware::new(signer.clone()).skew_correction(SkewCorrection::disabled());
/// let tight = SigningMiddleware::new(signer)
///     .skew_correction(SkewCorrection::enabled().max_offset(Duration::from_secs(120)));
/// assert_eq!(SkewCorrection::default().bound(), Some(SkewCorrection::DEFAULT_MAX_OFFSET));
/// # let _ = (off, tight);
/// # Ok::<(), lambda_url_signer::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SkewCorrection {
    max_offset: Option<Duration>,
}

impl SkewCorrection {
    /// The default bound on an adopted offset: 15 minutes.
    ///
    /// ```
    /// # use lambda_url_signer::middleware::SkewCorrection;
    /// assert_eq!(SkewCorrection::DEFAULT_MAX_OFFSET.as_secs(), 900);
    /// ```
    pub const DEFAULT_MAX_OFFSET: Duration = Duration::from_secs(15 * 60);

    /// Correction on, with offsets bounded by [`Self::DEFAULT_MAX_OFFSET`] (the default).
    ///
    /// ```
    /// # use lambda_url_signer::middleware::SkewCorrection;
    /// assert!(SkewCorrection::enabled().is_enabled());
    /// ```
    pub const fn enabled() -> Self {
        SkewCorrection {
            max_offset: Some(Self::DEFAULT_MAX_OFFSET),
        }
    }

    /// Never retry for skew.
    ///
    /// ```
    /// # use lambda_url_signer::middleware::SkewCorrection;
    /// assert!(!SkewCorrection::disabled().is_enabled());
    /// ```
    pub const fn disabled() -> Self {
        SkewCorrection { max_offset: None }
    }

    /// Correction on, adopting offsets of at most `bound` (either direction).
    ///
    /// ```
    /// # use lambda_url_signer::middleware::SkewCorrection;
    /// # use std::time::Duration;
    /// let skew = SkewCorrection::disabled().max_offset(Duration::from_secs(60));
    /// assert_eq!(skew.bound(), Some(Duration::from_secs(60)));
    /// ```
    #[must_use]
    pub const fn max_offset(self, bound: Duration) -> Self {
        SkewCorrection {
            max_offset: Some(bound),
        }
    }

    /// Whether correction is on.
    ///
    /// ```
    /// # use lambda_url_signer::middleware::SkewCorrection;
    /// assert!(SkewCorrection::default().is_enabled());
    /// ```
    pub const fn is_enabled(&self) -> bool {
        self.max_offset.is_some()
    }

    /// The largest offset that is adopted, `None` when correction is off.
    ///
    /// ```
    /// # use lambda_url_signer::middleware::SkewCorrection;
    /// assert_eq!(SkewCorrection::disabled().bound(), None);
    /// ```
    pub const fn bound(&self) -> Option<Duration> {
        self.max_offset
    }
}

impl Default for SkewCorrection {
    /// [`SkewCorrection::enabled`].
    fn default() -> Self {
        Self::enabled()
    }
}

/// The learned server-minus-local clock offset, shared by every request of one middleware or
/// layer (and its clones), and whether a clock-skew rejection is possible at all.
///
/// A request is copied before it is sent only so that it can be re-sent after a skew
/// rejection. Lambda rejects a signature dated more than 5 minutes from its clock; when the
/// host's last `Date` (under a minute ago) agreed with the signing clock to within a minute, and
/// the local wall clock has not been stepped since, the signature cannot be that far off, and
/// no copy is needed. The trust is per host: one middleware may call function URLs behind
/// different clocks.
#[derive(Debug, Default)]
pub(crate) struct ClockOffset {
    secs: AtomicI64,
    trust: Mutex<Option<Trust>>,
}

/// A server `Date` that agreed with the signing clock.
#[derive(Debug)]
struct Trust {
    /// The host (with port) that sent it.
    host: String,
    /// When it arrived, on the monotonic clock and on the wall clock.
    at: Instant,
    wall: SystemTime,
    /// The offset in force then.
    offset_secs: i64,
}

impl Trust {
    /// Whether it still vouches for a request to `host` at `now` (monotonic) and `wall`.
    fn holds(&self, host: &str, offset_secs: i64, now: Instant, wall: SystemTime) -> bool {
        let elapsed = now.saturating_duration_since(self.at);
        // A wall clock that went back, or moved further or less than the monotonic one.
        let stepped = wall.duration_since(self.wall).map_or(true, |wall_elapsed| {
            wall_elapsed.abs_diff(elapsed) > STEP_TOLERANCE
        });
        self.host == host && self.offset_secs == offset_secs && elapsed < TRUST_FOR && !stepped
    }
}

impl ClockOffset {
    /// The offset in seconds (zero when the clocks agree).
    pub(crate) fn secs(&self) -> i64 {
        self.secs.load(Ordering::Relaxed)
    }

    /// The time to sign with: the local clock moved by the offset.
    pub(crate) fn signing_time(&self) -> SystemTime {
        shift(SystemTime::now(), self.secs()).unwrap_or_else(SystemTime::now)
    }

    /// After signing at [`Self::signing_time`] failed with `error`: when an offset is in force
    /// and the failure is one the offset can cause (the shifted time is past the credentials'
    /// expiry or out of SigV4's range), drops the offset and returns `true`, so the caller
    /// signs again with the local clock.
    pub(crate) fn drop_if_it_caused(&self, error: &Error) -> bool {
        let caused = self.secs() != 0
            && matches!(
                error,
                Error::ExpiredCredentials { .. } | Error::SigningTimeOutOfRange
            );
        if caused {
            tracing::warn!(
                clock_offset_secs = self.secs(),
                "dropping the learned clock offset: signing with it failed locally"
            );
            self.secs.store(0, Ordering::Relaxed);
        }
        caused
    }

    /// Signs with `sign` at the skew-corrected time, with `signer`'s credentials valid then; if
    /// the offset makes that fail locally (see [`Self::drop_if_it_caused`]), signs again with
    /// the local clock.
    pub(crate) async fn sign_with(
        &self,
        signer: &Signer,
        mut sign: impl FnMut(&Credentials, SystemTime) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let time = self.signing_time();
        let result = match credentials(signer, time).await {
            Ok(credentials) => sign(&credentials, time),
            Err(error) => Err(error),
        };
        match result {
            Err(error) if self.drop_if_it_caused(&error) => {
                let time = SystemTime::now();
                let credentials = credentials(signer, time).await?;
                sign(&credentials, time)
            }
            other => other,
        }
    }

    /// Whether a response may be a skew rejection worth reading: a 403
    /// `InvalidSignatureException` with a `Date` header (its body is small JSON).
    pub(crate) fn is_candidate(status: u16, headers: &http::HeaderMap) -> bool {
        status == 403
            && error_type(headers) == Some("InvalidSignatureException")
            && headers.contains_key(http::header::DATE)
    }

    /// Reads a candidate response: on a clock-skew rejection whose measured offset is within
    /// `config`'s bound, adopts the offset and returns `true` (re-sign and retry once).
    pub(crate) fn learn(
        &self,
        config: SkewCorrection,
        status: u16,
        headers: &http::HeaderMap,
        body: &[u8],
    ) -> bool {
        let Some(bound) = config.bound() else {
            return false;
        };
        let Some(Diagnosis::ClockSkew {
            server_ahead_secs: Some(offset),
            ..
        }) = Diagnosis::from_response_parts(status, headers, body)
        else {
            return false;
        };
        self.distrust();
        if offset.unsigned_abs() > bound.as_secs() {
            tracing::warn!(
                measured_skew_secs = offset,
                bound_secs = bound.as_secs(),
                "the function url's clock is further from the local clock than the skew bound; \
                 not adopting it (fix the local clock, or raise SkewCorrection::max_offset)"
            );
            return false;
        }
        if shift(SystemTime::now(), offset).is_none() {
            return false;
        }
        self.secs.store(offset, Ordering::Relaxed);
        tracing::debug!(
            clock_offset_secs = offset,
            "function url rejected the signature's date; re-signing with the server's clock"
        );
        true
    }

    /// Whether a request to `host` needs a copy for a skew-correcting retry: unless a recent
    /// `Date` from that host agreed with the signing clock (see [`ClockOffset`]).
    pub(crate) fn retry_copy_needed(&self, host: &str) -> bool {
        self.retry_copy_needed_at(host, Instant::now(), SystemTime::now())
    }

    fn retry_copy_needed_at(&self, host: &str, now: Instant, wall: SystemTime) -> bool {
        // Never waits: under contention the copy is simply taken.
        let Ok(trust) = self.trust.try_lock() else {
            return true;
        };
        !trust
            .as_ref()
            .is_some_and(|t| t.holds(host, self.secs(), now, wall))
    }

    /// Reads a response's `Date` from `host` (one that is not a skew rejection): drops the offset
    /// once the `Date` agrees with the local clock, and renews the trust that spares later
    /// requests their retry copy when it agrees with the signing clock.
    pub(crate) fn observe(&self, host: &str, headers: &http::HeaderMap) {
        self.observe_at(host, headers, Instant::now(), SystemTime::now());
    }

    fn observe_at(&self, host: &str, headers: &http::HeaderMap, now: Instant, wall: SystemTime) {
        let offset = self.secs();
        if offset == 0 && !self.trust_needs_renewal(host, now, wall) {
            return;
        }
        let Some(date) = server_date(headers) else {
            return;
        };
        let server_ahead = offset_secs(date, wall);
        if offset != 0 && server_ahead.unsigned_abs() < CLOCK_AGREEMENT.as_secs() {
            self.secs.store(0, Ordering::Relaxed);
        }
        let offset = self.secs();
        let agrees = server_ahead.saturating_sub(offset).unsigned_abs() < CLOCK_AGREEMENT.as_secs();
        if let Ok(mut trust) = self.trust.try_lock() {
            *trust = agrees.then(|| Trust {
                host: host.to_owned(),
                at: now,
                wall,
                offset_secs: offset,
            });
        }
    }

    /// Whether the trust for `host` is missing, for another host, or due for renewal.
    fn trust_needs_renewal(&self, host: &str, now: Instant, wall: SystemTime) -> bool {
        let Ok(trust) = self.trust.try_lock() else {
            return false;
        };
        !trust.as_ref().is_some_and(|t| {
            t.holds(host, self.secs(), now, wall)
                && now.saturating_duration_since(t.at) < RENEW_AFTER
        })
    }

    /// Forgets the trust (after a skew rejection: the clocks did not agree after all).
    fn distrust(&self) {
        if let Ok(mut trust) = self.trust.lock() {
            *trust = None;
        }
    }
}

/// `signer`'s credentials valid at `time`: cached ones at once, else from the provider. The
/// provider's future (its refresh and timeout) is boxed, so that it takes no room in the future
/// of every request that finds its key cached.
async fn credentials(signer: &Signer, time: SystemTime) -> Result<Credentials, Error> {
    match signer.ready_credentials_at(time) {
        Some(ready) => ready,
        None => Box::pin(signer.credentials_at(time)).await,
    }
}

/// `time` moved by `offset_secs`, `None` when that is not representable.
fn shift(time: SystemTime, offset_secs: i64) -> Option<SystemTime> {
    let delta = Duration::from_secs(offset_secs.unsigned_abs());
    if offset_secs >= 0 {
        time.checked_add(delta)
    } else {
        time.checked_sub(delta)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets() {
        let now = SystemTime::now();
        assert_eq!(offset_secs(now + Duration::from_secs(900), now), 900);
        assert_eq!(offset_secs(now - Duration::from_secs(900), now), -900);
        assert_eq!(shift(now, -5), Some(now - Duration::from_secs(5)));
        assert_eq!(shift(now, i64::MAX), None);
    }

    fn dated(time: SystemTime) -> http::HeaderMap {
        let mut headers = http::HeaderMap::new();
        let date = httpdate::fmt_http_date(time);
        headers.insert(http::header::DATE, date.parse().unwrap());
        headers
    }

    #[test]
    fn a_retry_copy_is_spared_only_while_an_agreeing_date_vouches_for_the_host() {
        let clock = ClockOffset::default();
        let (start, wall) = (Instant::now(), SystemTime::now());
        let host = "abc.lambda-url.us-east-1.on.aws";
        assert!(
            clock.retry_copy_needed_at(host, start, wall),
            "nothing seen yet"
        );
        // No Date, or a Date ten minutes off: still needed.
        clock.observe_at(host, &http::HeaderMap::new(), start, wall);
        assert!(clock.retry_copy_needed_at(host, start, wall));
        clock.observe_at(host, &dated(wall + Duration::from_secs(600)), start, wall);
        assert!(clock.retry_copy_needed_at(host, start, wall));
        // A Date that agrees vouches for that host, for a while.
        clock.observe_at(host, &dated(wall + Duration::from_secs(20)), start, wall);
        let later = |secs| {
            (
                start + Duration::from_secs(secs),
                wall + Duration::from_secs(secs),
            )
        };
        let (now, now_wall) = later(10);
        assert!(!clock.retry_copy_needed_at(host, now, now_wall));
        assert!(clock.retry_copy_needed_at("other.example:8443", now, now_wall));
        let (old, old_wall) = later(TRUST_FOR.as_secs() + 1);
        assert!(clock.retry_copy_needed_at(host, old, old_wall), "too old");
        // A wall clock stepped against the monotonic clock, either way.
        assert!(clock.retry_copy_needed_at(host, now, now_wall + Duration::from_secs(5)));
        assert!(clock.retry_copy_needed_at(host, now, wall - Duration::from_secs(1)));
        // A skew rejection ends the trust.
        let rejection = br#"{"message":"Signature expired: 20250101T000000Z is now earlier than 20250101T001000Z (20250101T000500Z - 5 min.)"}"#;
        let mut headers = dated(wall);
        headers.insert(
            "x-amzn-errortype",
            "InvalidSignatureException".parse().unwrap(),
        );
        clock.learn(SkewCorrection::enabled(), 403, &headers, rejection);
        assert!(
            clock.retry_copy_needed_at(host, now, now_wall),
            "distrusted"
        );
    }

    #[test]
    fn the_trust_follows_the_offset_in_force() {
        let clock = ClockOffset::default();
        let (now, wall) = (Instant::now(), SystemTime::now());
        clock.secs.store(600, Ordering::Relaxed);
        // The server agrees with the skew-corrected clock: the offset stays and is trusted.
        clock.observe_at("h", &dated(wall + Duration::from_secs(600)), now, wall);
        assert_eq!(clock.secs(), 600);
        assert!(!clock.retry_copy_needed_at("h", now, wall));
        // Changing the offset voids the trust.
        clock.secs.store(300, Ordering::Relaxed);
        assert!(clock.retry_copy_needed_at("h", now, wall));
        // A server that agrees with the local clock drops the offset, and is trusted with none.
        clock.observe_at("h", &dated(wall), now, wall);
        assert_eq!(clock.secs(), 0);
        assert!(!clock.retry_copy_needed_at("h", now, wall));
    }
}
