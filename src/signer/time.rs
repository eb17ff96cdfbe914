//! SigV4 dates: `YYYYMMDDTHHMMSSZ` in UTC, formatted into a stack buffer.

use crate::Error;
use std::time::{SystemTime, UNIX_EPOCH};

/// The last second SigV4's four-digit years can express: 9999-12-31T23:59:59Z.
const LAST_SIGNABLE_SECOND: u64 = 253_402_300_799;

/// A signing time as SigV4 writes it: `YYYYMMDDTHHMMSSZ`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct AmzDate([u8; 16]);

impl AmzDate {
    /// Formats `time`.
    ///
    /// # Errors
    ///
    /// [`Error::SigningTimeOutOfRange`] before 1970 or after 9999.
    pub(crate) fn new(time: SystemTime) -> Result<Self, Error> {
        let secs = match time.duration_since(UNIX_EPOCH) {
            Ok(since) if since.as_secs() <= LAST_SIGNABLE_SECOND => since.as_secs(),
            _ => return Err(Error::SigningTimeOutOfRange),
        };
        // At most 2,932,896 days: every value below fits its type.
        let days = (secs / 86_400) as i64;
        let rem = secs % 86_400;
        // Civil-from-days (proleptic Gregorian), after Howard Hinnant's algorithm description.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        let mut out = *b"00000000T000000Z";
        put_digits(&mut out[0..4], year as u64);
        put_digits(&mut out[4..6], month as u64);
        put_digits(&mut out[6..8], day as u64);
        put_digits(&mut out[9..11], rem / 3600);
        put_digits(&mut out[11..13], rem % 3600 / 60);
        put_digits(&mut out[13..15], rem % 60);
        Ok(AmzDate(out))
    }

    /// `YYYYMMDDTHHMMSSZ`, as bytes.
    pub(crate) fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// `YYYYMMDDTHHMMSSZ`.
    pub(crate) fn as_str(&self) -> &str {
        // ASCII digits, `T` and `Z` by construction.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// `YYYYMMDD`, the date of the credential scope.
    pub(crate) fn date(&self) -> &str {
        &self.as_str()[..8]
    }
}

/// Writes `value` as decimal digits right-aligned in `out`, zero-padded.
fn put_digits(out: &mut [u8], mut value: u64) {
    for slot in out.iter_mut().rev() {
        *slot = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn format(secs: u64) -> String {
        AmzDate::new(UNIX_EPOCH + Duration::from_secs(secs))
            .unwrap()
            .as_str()
            .to_owned()
    }

    #[test]
    fn amz_date() {
        assert_eq!(format(1_440_938_160), "20150830T123600Z");
        assert_eq!(format(0), "19700101T000000Z");
        assert_eq!(format(951_782_400), "20000229T000000Z");
        assert_eq!(format(LAST_SIGNABLE_SECOND), "99991231T235959Z");
        assert!(AmzDate::new(UNIX_EPOCH + Duration::from_secs(LAST_SIGNABLE_SECOND + 1)).is_err());
        assert!(AmzDate::new(UNIX_EPOCH - Duration::from_secs(1)).is_err());
    }
}
