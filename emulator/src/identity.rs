//! Identities the emulator knows, and the caller identity it reports.

use std::fmt;

use super::crypto::{sha256_hex, Rng, KEY_ALPHABET, SECRET_ALPHABET};

const REDACTED: &str = "** redacted **";

/// The ARN CloudFront's origin access control presents to Lambda.
pub(crate) const OAC_ROLE_PATH: &str = "assumed-role/OriginAccessControlRole/OriginAccessSession";
/// The service principal of CloudFront.
pub(crate) const CLOUDFRONT_PRINCIPAL: &str = "cloudfront.amazonaws.com";

/// A set of AWS credentials the emulator accepts, and who they belong to.
///
/// The emulator plays IAM: a request signed with [`access_key_id`] and
/// [`secret_access_key`] (and, for temporary credentials, carrying the
/// matching [`session_token`]) is made by [`arn`]. The account id is taken
/// from the ARN's fifth field.
///
/// `Debug` shows the access key id and the ARN, never the secret or token.
///
/// [`access_key_id`]: EmulatorIdentity::access_key_id
/// [`secret_access_key`]: EmulatorIdentity::secret_access_key
/// [`session_token`]: EmulatorIdentity::session_token
/// [`arn`]: EmulatorIdentity::arn
///
/// # Example
///
/// ```
/// use lambda_url_emulator::EmulatorIdentity;
///
/// let alice = EmulatorIdentity::new(
///     "AKIDEXAMPLE",
///     "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
///     "arn:aws:iam::123456789012:user/alice",
/// );
/// assert_eq!(alice.account_id(), "123456789012");
/// assert!(!format!("{alice:?}").contains("EXAMPLEKEY"));
/// ```
#[derive(Clone)]
pub struct EmulatorIdentity {
    access_key_id: String,
    secret_access_key: String,
    session_token: Option<String>,
    arn: String,
    account_id: String,
    /// `Some(principal)` for the identity an AWS service signs with (the
    /// CloudFront OAC identity); `None` for ordinary IAM identities.
    service_principal: Option<&'static str>,
}

impl EmulatorIdentity {
    /// Long-term credentials for `arn` (e.g. `arn:aws:iam::123456789012:user/alice`).
    ///
    /// # Example
    ///
    /// ```
    /// use lambda_url_emulator::EmulatorIdentity;
    ///
    /// let id = EmulatorIdentity::new("AKIAEXAMPLE", "secret", "arn:aws:iam::111122223333:user/bob");
    /// assert_eq!(id.access_key_id(), "AKIAEXAMPLE");
    /// assert_eq!(id.session_token(), None);
    /// ```
    pub fn new(
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
        arn: impl Into<String>,
    ) -> Self {
        let arn = arn.into();
        let account_id = account_of_arn(&arn).unwrap_or_default().to_owned();
        EmulatorIdentity {
            access_key_id: access_key_id.into(),
            secret_access_key: secret_access_key.into(),
            session_token: None,
            arn,
            account_id,
            service_principal: None,
        }
    }

    /// Makes these temporary credentials: requests must carry `token` in
    /// `x-amz-security-token` (or `X-Amz-Security-Token` when presigned).
    ///
    /// # Example
    ///
    /// ```
    /// use lambda_url_emulator::EmulatorIdentity;
    ///
    /// let id = EmulatorIdentity::new("ASIAEXAMPLE", "secret", "arn:aws:sts::111122223333:assumed-role/R/s")
    ///     .with_session_token("token");
    /// assert_eq!(id.session_token(), Some("token"));
    /// ```
    #[must_use]
    pub fn with_session_token(mut self, token: impl Into<String>) -> Self {
        self.session_token = Some(token.into());
        self
    }

    /// Fresh random long-term credentials for a user in `account_id`: an
    /// `AKIA…` key id, a 40-character secret and the ARN
    /// `arn:aws:iam::<account_id>:user/emulated-<suffix>`.
    ///
    /// The generator is seeded from the clock and a counter; the values are
    /// unique in practice but not secure — they are for local testing.
    ///
    /// # Example
    ///
    /// ```
    /// use lambda_url_emulator::EmulatorIdentity;
    ///
    /// let id = EmulatorIdentity::generate("123456789012");
    /// assert!(id.access_key_id().starts_with("AKIA"));
    /// assert_eq!(id.secret_access_key().len(), 40);
    /// assert_eq!(id.account_id(), "123456789012");
    /// ```
    pub fn generate(account_id: &str) -> Self {
        let mut rng = Rng::new();
        let key = format!("AKIA{}", rng.string(KEY_ALPHABET, 16));
        let secret = rng.string(SECRET_ALPHABET, 40);
        let suffix = rng.string(b"abcdefghijklmnopqrstuvwxyz0123456789", 8);
        let arn = format!("arn:aws:iam::{account_id}:user/emulated-{suffix}");
        EmulatorIdentity::new(key, secret, arn)
    }

    /// The identity CloudFront OAC signs with for a distribution in `account_id`.
    pub(crate) fn generate_oac(account_id: &str) -> Self {
        let mut rng = Rng::new();
        let key = format!("ASIA{}", rng.string(KEY_ALPHABET, 16));
        let secret = rng.string(SECRET_ALPHABET, 40);
        let token = rng.string(SECRET_ALPHABET, 256);
        let arn = format!("arn:aws:sts::{account_id}:{OAC_ROLE_PATH}");
        let mut id = EmulatorIdentity::new(key, secret, arn).with_session_token(token);
        id.service_principal = Some(CLOUDFRONT_PRINCIPAL);
        id
    }

    /// The access key id, e.g. `AKIAIOSFODNN7EXAMPLE`.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::EmulatorIdentity;
    /// let id = EmulatorIdentity::new("AKIAEXAMPLE", "s", "arn:aws:iam::111122223333:user/u");
    /// assert_eq!(id.access_key_id(), "AKIAEXAMPLE");
    /// ```
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// The secret access key. Handle with care: it is what signs requests.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::EmulatorIdentity;
    /// let id = EmulatorIdentity::new("AKIAEXAMPLE", "s3cr3t", "arn:aws:iam::111122223333:user/u");
    /// assert_eq!(id.secret_access_key(), "s3cr3t");
    /// ```
    pub fn secret_access_key(&self) -> &str {
        &self.secret_access_key
    }

    /// The session token of temporary credentials.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::EmulatorIdentity;
    /// let id = EmulatorIdentity::new("AKIAEXAMPLE", "s", "arn:aws:iam::111122223333:user/u");
    /// assert!(id.session_token().is_none());
    /// ```
    pub fn session_token(&self) -> Option<&str> {
        self.session_token.as_deref()
    }

    /// The principal's ARN.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::EmulatorIdentity;
    /// let id = EmulatorIdentity::new("AKIAEXAMPLE", "s", "arn:aws:iam::111122223333:user/u");
    /// assert_eq!(id.arn(), "arn:aws:iam::111122223333:user/u");
    /// ```
    pub fn arn(&self) -> &str {
        &self.arn
    }

    /// The account id from the ARN's fifth `:`-separated field; empty when
    /// the ARN has no such field.
    ///
    /// # Example
    ///
    /// ```
    /// # use lambda_url_emulator::EmulatorIdentity;
    /// let id = EmulatorIdentity::new("AKIAEXAMPLE", "s", "not-an-arn");
    /// assert_eq!(id.account_id(), "");
    /// ```
    pub fn account_id(&self) -> &str {
        &self.account_id
    }

    /// The caller identity Lambda reports for this principal.
    pub(crate) fn caller(&self) -> CallerIdentity {
        CallerIdentity {
            access_key: self.access_key_id.clone(),
            account_id: self.account_id.clone(),
            caller_id: caller_id_for(&self.arn, &self.account_id),
            user_arn: self.arn.clone(),
            service_principal: self.service_principal.map(str::to_owned),
            source_arn: None,
            source_account: None,
        }
    }
}

impl fmt::Debug for EmulatorIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmulatorIdentity")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &REDACTED)
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| REDACTED),
            )
            .field("arn", &self.arn)
            .finish()
    }
}

/// The fifth `:`-separated field of an ARN (the account id), if present and
/// non-empty.
pub(crate) fn account_of_arn(arn: &str) -> Option<&str> {
    let mut fields = arn.splitn(6, ':');
    if fields.next() != Some("arn") {
        return None;
    }
    let account = fields.nth(3)?;
    fields.next()?;
    (!account.is_empty()).then_some(account)
}

/// A stable stand-in for the unique id IAM gives a principal (`AIDA…` for a
/// user, `AROA…:<session>` for a role session, the account id for root).
/// Real ids are opaque; these are derived from the ARN so tests can rely on
/// them being stable.
fn caller_id_for(arn: &str, account_id: &str) -> String {
    let resource = arn.splitn(6, ':').nth(5).unwrap_or_default();
    let digest = sha256_hex(arn.as_bytes()).to_ascii_uppercase();
    let tail = &digest[..17];
    if resource == "root" {
        account_id.to_owned()
    } else if let Some(rest) = resource.strip_prefix("assumed-role/") {
        let session = rest.split_once('/').map(|(_, s)| s).unwrap_or_default();
        format!("AROA{tail}:{session}")
    } else {
        format!("AIDA{tail}")
    }
}

/// Who made an accepted request, as Lambda reports it to the function in
/// `requestContext.authorizer.iam`.
///
/// # Example
///
/// ```
/// use std::time::{Duration, SystemTime, UNIX_EPOCH};
/// use lambda_url_emulator::{EmulatorIdentity, Verifier};
///
/// let verifier = Verifier::new("us-east-1", "lambda").identity(EmulatorIdentity::new(
///     "AKIDEXAMPLE",
///     "secret",
///     "arn:aws:iam::123456789012:user/alice",
/// ));
/// // A request without a signature is refused; an accepted one would give
/// // `CallerIdentity { user_arn: "arn:aws:iam::123456789012:user/alice", .. }`.
/// let headers = vec![("host".to_owned(), b"example.com".to_vec())];
/// let request = lambda_url_emulator::RawRequest::new("GET", "/", &headers, b"");
/// let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// assert!(verifier.verify(&request, now).is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallerIdentity {
    /// The access key id the request was signed with.
    pub access_key: String,
    /// The caller's account id.
    pub account_id: String,
    /// The caller's unique id (emulated: derived from the ARN).
    pub caller_id: String,
    /// The caller's ARN.
    pub user_arn: String,
    /// `Some("cloudfront.amazonaws.com")` when an AWS service (CloudFront
    /// OAC) signed the request on a distribution's behalf.
    pub service_principal: Option<String>,
    /// For service principals: the signed `x-amz-source-arn`.
    pub source_arn: Option<String>,
    /// For service principals: the signed `x-amz-source-account`.
    pub source_account: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_from_arn() {
        assert_eq!(
            account_of_arn("arn:aws:iam::123456789012:user/a"),
            Some("123456789012")
        );
        assert_eq!(account_of_arn("arn:aws:iam::123456789012"), None);
        assert_eq!(account_of_arn("arn:aws:iam:::user/a"), None);
        assert_eq!(account_of_arn("urn:aws:iam::1:user/a"), None);
    }

    #[test]
    fn caller_ids() {
        let user = EmulatorIdentity::new("A", "s", "arn:aws:iam::123456789012:user/a").caller();
        assert!(user.caller_id.starts_with("AIDA"));
        assert_eq!(user.caller_id.len(), 21);
        let oac = EmulatorIdentity::generate_oac("210987654321").caller();
        assert!(oac.caller_id.starts_with("AROA"));
        assert!(oac.caller_id.ends_with(":OriginAccessSession"));
        assert_eq!(oac.service_principal.as_deref(), Some(CLOUDFRONT_PRINCIPAL));
    }

    #[test]
    fn debug_redacts() {
        let id = EmulatorIdentity::new("AKID", "topsecret", "arn:aws:iam::1:user/a")
            .with_session_token("tokentoken");
        let text = format!("{id:?}");
        assert!(text.contains("AKID"));
        assert!(!text.contains("topsecret"));
        assert!(!text.contains("tokentoken"));
    }
}
