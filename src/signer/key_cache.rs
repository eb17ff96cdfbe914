//! Derived SigV4 signing keys, cached per (access key id, secret, date, region, service).
//!
//! The derivation itself is aws-sigv4's (`generate_signing_key`: four HMACs from the secret);
//! this cache only keeps its result, pre-keyed as an HMAC state, so a signature costs one HMAC.
//! The secret is part of the cache key, so a rotated secret under the same access key id never
//! gets the old key. Entries hold secret material: the secret copy and the derived key are
//! zeroized when dropped (the HMAC state too, through `hmac`'s `zeroize` feature), and `Debug`
//! shows only how many there are.

use crate::Credentials;
use hmac::{Hmac, KeyInit, Mac};
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
    /// An HMAC keyed with the signing key for `credentials` on `date` (`YYYYMMDD` of `time`)
    /// in `region` for `service`, derived once and then served from the cache.
    pub(crate) fn mac(
        &self,
        credentials: &Credentials,
        time: SystemTime,
        date: &str,
        region: &str,
        service: &str,
    ) -> SigningMac {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(i) = entries
            .iter()
            .position(|e| e.matches(credentials, date, region, service))
        {
            if i != 0 {
                let entry = entries.remove(i);
                entries.insert(0, entry);
            }
            return entries[0].mac.clone();
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
                mac: mac.clone(),
            },
        );
        mac
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
        let sign = |mac: SigningMac| finish_signature(mac, &[b"x"]);
        let a = sign(cache.mac(&credentials("s1"), time, "20150830", "us-east-1", "lambda"));
        let again = sign(cache.mac(&credentials("s1"), time, "20150830", "us-east-1", "lambda"));
        assert_eq!(a, again);
        assert_eq!(cache.len(), 1);
        let rotated = sign(cache.mac(&credentials("s2"), time, "20150830", "us-east-1", "lambda"));
        assert_ne!(a, rotated, "a rotated secret gets its own key");
        cache.mac(&credentials("s1"), time, "20150830", "eu-west-1", "lambda");
        cache.mac(&credentials("s1"), time, "20150830", "eu-west-1", "service");
        cache.mac(&credentials("s1"), time, "20150830", "eu-west-2", "lambda");
        assert_eq!(cache.len(), CAPACITY, "bounded");
        assert!(!format!("{cache:?}").contains("s1"));
    }
}
