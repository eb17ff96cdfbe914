//! Derived SigV4 signing keys, cached per (access key id, secret, date, region, service).
//!
//! The derivation itself is aws-sigv4's (`generate_signing_key`: four HMACs from the secret);
//! this cache only keeps its result, pre-keyed as an HMAC state, so a signature costs one HMAC.
//! The secret is part of the cache key, so a rotated secret under the same access key id never
//! gets the old key. Entries hold secret material: the secret copy and the derived key are
//! zeroized when dropped (the HMAC state too, through `hmac`'s `zeroize` feature), and `Debug`
//! shows only how many there are.

use super::headers::sensitive_value;
use super::time::AmzDate;
use crate::{Credentials, Error};
use hmac::{Hmac, KeyInit, Mac};
use http::HeaderValue;
use sha2::Sha256;
use std::fmt;
use std::sync::{Mutex, PoisonError};
use std::time::SystemTime;
use zeroize::Zeroizing;

/// How many keys one signer keeps: enough for a few regions or a key rotation in flight.
const CAPACITY: usize = 4;

pub(crate) type SigningMac = Hmac<Sha256>;

/// A small, bounded, most-recently-used-first cache of signing keys.
#[derive(Default)]
pub(crate) struct KeyCache {
    entries: Mutex<Vec<Entry>>,
}

struct Entry {
    access_key_id: String,
    secret: Zeroizing<String>,
    date: [u8; 8],
    region: String,
    service: String,
    mac: SigningMac,
    /// The last `x-amz-date` value made with this key, shared by every signature in that
    /// second (a clone costs no allocation).
    last_date: Option<([u8; 16], HeaderValue)>,
    /// The `x-amz-security-token` value for the last session token used with this key.
    token: Option<(String, HeaderValue)>,
}

/// What one signature needs from the cache: the pre-keyed HMAC, and the `x-amz-date` and
/// `x-amz-security-token` header values (built once, then shared).
pub(crate) struct Keyed {
    pub(crate) mac: SigningMac,
    pub(crate) date: HeaderValue,
    /// Fails only for header signing: a presigned URL carries the token in its query.
    pub(crate) token: Result<Option<HeaderValue>, Error>,
}

impl Entry {
    fn matches(&self, credentials: &Credentials, date: &str, region: &str, service: &str) -> bool {
        self.date.as_slice() == date.as_bytes()
            && self.access_key_id == credentials.access_key_id()
            && self.secret.as_str() == credentials.secret_access_key()
            && self.region == region
            && self.service == service
    }
}

impl KeyCache {
    /// The signing key for `credentials` on the day of `amz_date` (the date of `time`) in
    /// `region` for `service`, derived once and then served from the cache, with the header
    /// values that go with it.
    ///
    /// # Errors
    ///
    /// [`Error::SigningTimeOutOfRange`] if the date cannot be a header value (it always can).
    pub(crate) fn keyed(
        &self,
        credentials: &Credentials,
        time: SystemTime,
        amz_date: &AmzDate,
        region: &str,
        service: &str,
    ) -> Result<Keyed, Error> {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = self.entry(
            &mut entries,
            credentials,
            time,
            amz_date.date(),
            region,
            service,
        );
        let date = match &entry.last_date {
            Some((bytes, value)) if bytes == amz_date.as_bytes() => value.clone(),
            _ => {
                let value = HeaderValue::from_bytes(amz_date.as_bytes())
                    .map_err(|_| Error::SigningTimeOutOfRange)?;
                entry.last_date = Some((*amz_date.as_bytes(), value.clone()));
                value
            }
        };
        let token = match credentials.session_token() {
            None => Ok(None),
            Some(token) => match &entry.token {
                Some((known, value)) if known == token => Ok(Some(value.clone())),
                _ => sensitive_value(token, "session token").map(|value| {
                    entry.token = Some((token.to_owned(), value.clone()));
                    Some(value)
                }),
            },
        };
        Ok(Keyed {
            mac: entry.mac.clone(),
            date,
            token,
        })
    }

    /// The entry for these credentials, day, region and service, moved to the front; derived
    /// and added (evicting the oldest) when there is none.
    fn entry<'a>(
        &self,
        entries: &'a mut Vec<Entry>,
        credentials: &Credentials,
        time: SystemTime,
        date: &str,
        region: &str,
        service: &str,
    ) -> &'a mut Entry {
        if let Some(i) = entries
            .iter()
            .position(|e| e.matches(credentials, date, region, service))
        {
            if i != 0 {
                let entry = entries.remove(i);
                entries.insert(0, entry);
            }
            return &mut entries[0];
        }
        let derived = aws_sigv4::sign::v4::generate_signing_key(
            credentials.secret_access_key(),
            time,
            region,
            service,
        );
        let mut key = Zeroizing::new([0u8; 32]);
        key.copy_from_slice(derived.as_ref());
        // HMAC takes keys of any length, so this never falls back.
        let mac = <SigningMac as KeyInit>::new_from_slice(key.as_slice())
            .unwrap_or_else(|_| <SigningMac as KeyInit>::new(&Default::default()));
        let mut date_bytes = [0u8; 8];
        date_bytes.copy_from_slice(&date.as_bytes()[..8]);
        entries.truncate(CAPACITY - 1);
        entries.insert(
            0,
            Entry {
                access_key_id: credentials.access_key_id().to_owned(),
                secret: Zeroizing::new(credentials.secret_access_key().to_owned()),
                date: date_bytes,
                region: region.to_owned(),
                service: service.to_owned(),
                mac,
                last_date: None,
                token: None,
            },
        );
        &mut entries[0]
    }

    /// How many keys are cached.
    pub(crate) fn len(&self) -> usize {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

impl fmt::Debug for KeyCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyCache")
            .field("keys", &self.len())
            .finish_non_exhaustive()
    }
}

/// The signature: HMAC-SHA256 of the string to sign with the signing key, as lowercase hex.
pub(crate) fn finish_signature(mut mac: SigningMac, string_to_sign: &[&[u8]]) -> [u8; 64] {
    for part in string_to_sign {
        mac.update(part);
    }
    let tag: [u8; 32] = mac.finalize().into_bytes().into();
    super::canonical::hex32(&tag)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn credentials(secret: &str) -> Credentials {
        Credentials::new("AKID", secret, None, None, "test")
    }

    #[test]
    fn keys_are_cached_by_secret_date_region_and_service() {
        let cache = KeyCache::default();
        let time = UNIX_EPOCH + Duration::from_secs(1_440_938_160);
        let date = AmzDate::new(time).unwrap();
        let mac = |secret: &str, region: &str, service: &str| {
            let keyed = cache.keyed(&credentials(secret), time, &date, region, service);
            finish_signature(keyed.unwrap().mac, &[b"x"])
        };
        let a = mac("s1", "us-east-1", "lambda");
        let again = mac("s1", "us-east-1", "lambda");
        assert_eq!(a, again);
        assert_eq!(cache.len(), 1);
        let rotated = mac("s2", "us-east-1", "lambda");
        assert_ne!(a, rotated, "a rotated secret gets its own key");
        mac("s1", "eu-west-1", "lambda");
        mac("s1", "eu-west-1", "service");
        mac("s1", "eu-west-2", "lambda");
        assert_eq!(cache.len(), CAPACITY, "bounded");
        assert!(!format!("{cache:?}").contains("s1"));
    }
}
