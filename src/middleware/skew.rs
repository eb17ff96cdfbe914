//! Clock-skew correction: learning the server's clock from a function URL's
//! "Signature expired" 403, within a bound, shared by the reqwest middleware and the tower layer.

use super::diagnosis::{error_type, Diagnosis};
use crate::{Credentials, Error, Signer};
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime};

/// Below this difference between the server's `Date` and our clock, the clocks agree.
const CLOCK_AGREEMENT: Duration = Duration::from_secs(60);

/// Whether and how far [`SigningMiddleware`](crate::SigningMiddleware) corrects for a skewed
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
/// use lambda_url_signer::{Signer, SigningMiddleware, SkewCorrection};
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
    /// # use lambda_url_signer::SkewCorrection;
    /// assert_eq!(SkewCorrection::DEFAULT_MAX_OFFSET.as_secs(), 900);
    /// ```
    pub const DEFAULT_MAX_OFFSET: Duration = Duration::from_secs(15 * 60);

    /// Correction on, with offsets bounded by [`Self::DEFAULT_MAX_OFFSET`] (the default).
    ///
    /// ```
    /// # use lambda_url_signer::SkewCorrection;
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
    /// # use lambda_url_signer::SkewCorrection;
    /// assert!(!SkewCorrection::disabled().is_enabled());
    /// ```
    pub const fn disabled() -> Self {
        SkewCorrection { max_offset: None }
    }

    /// Correction on, adopting offsets of at most `bound` (either direction).
    ///
    /// ```
    /// # use lambda_url_signer::SkewCorrection;
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
    /// # use lambda_url_signer::SkewCorrection;
    /// assert!(SkewCorrection::default().is_enabled());
    /// ```
    pub const fn is_enabled(&self) -> bool {
        self.max_offset.is_some()
    }

    /// The largest offset that is adopted, `None` when correction is off.
    ///
    /// ```
    /// # use lambda_url_signer::SkewCorrection;
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
/// layer (and its clones).
#[derive(Debug, Default)]
pub(crate) struct ClockOffset {
    secs: AtomicI64,
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
        let result = match signer.credentials_at(time).await {
            Ok(credentials) => sign(&credentials, time),
            Err(error) => Err(error),
        };
        match result {
            Err(error) if self.drop_if_it_caused(&error) => {
                let time = SystemTime::now();
                let credentials = signer.credentials_at(time).await?;
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

    /// Drops the offset once a response's `Date` agrees with the local clock.
    pub(crate) fn observe(&self, headers: &http::HeaderMap) {
        if self.secs() == 0 {
            return;
        }
        if let Some(date) = server_date(headers) {
            if offset_secs(date, SystemTime::now()).unsigned_abs() < CLOCK_AGREEMENT.as_secs() {
                self.secs.store(0, Ordering::Relaxed);
            }
        }
    }
}

/// The server's clock from a response's `Date` header.
pub(crate) fn server_date(headers: &http::HeaderMap) -> Option<SystemTime> {
    headers
        .get(http::header::DATE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| httpdate::parse_http_date(v).ok())
}

/// `server - local`, in whole seconds (saturating).
pub(crate) fn offset_secs(server: SystemTime, local: SystemTime) -> i64 {
    match server.duration_since(local) {
        Ok(ahead) => i64::try_from(ahead.as_secs()).unwrap_or(i64::MAX),
        Err(behind) => i64::try_from(behind.duration().as_secs()).map_or(i64::MIN, |s| -s),
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
}
