//! The AWS-side signer the emulated CloudFront uses to sign origin requests
//! with its OAC identity. It shares the emulator's canonicalization, so a
//! request it signs is exactly what the emulated Lambda verifies.

use super::canonical::{canonical_request, string_to_sign};
use super::clock::format_amz_date;
use super::crypto::{hmac_sha256, signing_key};
use super::identity::EmulatorIdentity;

/// What to sign.
pub(crate) struct SignRequest<'a> {
    pub(crate) method: &'a str,
    pub(crate) target: &'a str,
    /// The headers as they will be sent; must already contain every header
    /// named in `signed` (including `x-amz-date`).
    pub(crate) headers: &'a [(String, Vec<u8>)],
    /// Lowercase header names to sign.
    pub(crate) signed: &'a [&'a str],
    pub(crate) payload_hash: &'a str,
    pub(crate) region: &'a str,
    pub(crate) service: &'a str,
    pub(crate) time_secs: i64,
}

/// Returns the `Authorization` header value for `request` signed by `identity`.
pub(crate) fn authorization(request: &SignRequest<'_>, identity: &EmulatorIdentity) -> String {
    let mut names: Vec<String> = request
        .signed
        .iter()
        .map(|n| n.to_ascii_lowercase())
        .collect();
    names.sort();
    names.dedup();
    let signed_line = names.join(";");
    let amz_date = format_amz_date(request.time_secs);
    let date = amz_date.get(..8).unwrap_or_default();
    let scope = format!("{date}/{}/{}/aws4_request", request.region, request.service);
    let canonical = canonical_request(
        request.method,
        request.target,
        None,
        request.headers,
        &names,
        &signed_line,
        request.payload_hash,
    );
    let to_sign = string_to_sign(&amz_date, &scope, &canonical);
    let key = signing_key(
        identity.secret_access_key(),
        date,
        request.region,
        request.service,
    );
    let signature = hex::encode(hmac_sha256(&key, to_sign.as_bytes()));
    format!(
        "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_line}, Signature={signature}",
        identity.access_key_id()
    )
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::super::verify::{RawRequest, Verifier};
    use super::*;

    #[test]
    fn reproduces_get_vanilla_and_verifies() {
        let identity = EmulatorIdentity::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            "arn:aws:iam::123456789012:user/example",
        );
        let mut headers = vec![
            ("host".to_owned(), b"example.amazonaws.com".to_vec()),
            ("x-amz-date".to_owned(), b"20150830T123600Z".to_vec()),
        ];
        let auth = authorization(
            &SignRequest {
                method: "GET",
                target: "/",
                headers: &headers,
                signed: &["host", "x-amz-date"],
                payload_hash: &super::super::crypto::sha256_hex(b""),
                region: "us-east-1",
                service: "service",
                time_secs: 1_440_938_160,
            },
            &identity,
        );
        assert!(auth.ends_with(
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        ));
        headers.push(("authorization".to_owned(), auth.into_bytes()));
        let verifier = Verifier::new("us-east-1", "service").identity(identity);
        let at = UNIX_EPOCH + Duration::from_secs(1_440_938_160);
        assert!(verifier
            .verify(&RawRequest::new("GET", "/", &headers, b""), at)
            .is_ok());
    }
}
