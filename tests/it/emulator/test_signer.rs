//! A minimal test-local SigV4 signer, pinned to the vectors before use: it signs the one kind
//! of request no vector covers, a signature over the emulator's own host.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::*;

pub(super) fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("hmac takes any key");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// Signs `method target` whose path and query are already in canonical form.
#[allow(clippy::too_many_arguments)]
pub(super) fn test_sign(
    method: &str,
    target: &str,
    headers: &[(String, Vec<u8>)],
    signed: &[&str],
    payload_hash: &str,
    access_key: &str,
    secret: &str,
    region: &str,
    service: &str,
    amz_date: &str,
) -> String {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut pairs: Vec<(&str, &str)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').unwrap_or((p, "")))
        .collect();
    pairs.sort();
    let query: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let mut canonical = format!("{method}\n{path}\n{}\n", query.join("&"));
    for name in signed {
        let values: Vec<String> = headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| {
                String::from_utf8_lossy(v)
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        canonical.push_str(&format!("{name}:{}\n", values.join(",")));
    }
    canonical.push_str(&format!("\n{}\n{payload_hash}", signed.join(";")));
    authorization_for(
        &canonical, signed, access_key, secret, region, service, amz_date,
    )
}

/// The `Authorization` value for a canonical request built by the caller.
pub(super) fn authorization_for(
    canonical: &str,
    signed: &[&str],
    access_key: &str,
    secret: &str,
    region: &str,
    service: &str,
    amz_date: &str,
) -> String {
    let date = &amz_date[..8];
    let scope = format!("{date}/{region}/{service}/aws4_request");
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        sha256_hex(canonical.as_bytes())
    );
    let key = [date, region, service, "aws4_request"]
        .iter()
        .fold(format!("AWS4{secret}").into_bytes(), |key, part| {
            hmac(&key, part.as_bytes())
        });
    format!(
        "AWS4-HMAC-SHA256 Credential={access_key}/{scope}, SignedHeaders={}, Signature={}",
        signed.join(";"),
        hex::encode(hmac(&key, to_sign.as_bytes()))
    )
}

#[test]
pub(super) fn test_signer_is_pinned_to_the_vectors() {
    let mut pinned = 0;
    let all = cases("cases")
        .into_iter()
        .chain(std::iter::once(vectors()["get_vanilla"].clone()));
    for case in all {
        let target = target(&case);
        let (path, query) = target.split_once('?').unwrap_or((&target, ""));
        let canonical_already = path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/-_.~".contains(&b))
            && !path.contains("/.")
            && !path.contains("//")
            && query
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"=&-_.~".contains(&b));
        if !canonical_already {
            continue;
        }
        let signed: Vec<&str> = s(&case, "signed_headers").split(';').collect();
        let headers = wire_headers(&case);
        let auth = test_sign(
            s(&case, "method"),
            &target,
            &headers,
            &signed,
            s(&case, "payload_hash"),
            s(&case, "access_key"),
            s(&case, "secret_key"),
            s(&case, "region"),
            s(&case, "service"),
            s(&case, "time"),
        );
        if query
            .split('&')
            .filter(|p| !p.is_empty())
            .all(|p| p.contains('='))
        {
            assert_eq!(auth, s(&case, "authorization"), "{}", name(&case));
            pinned += 1;
        }
    }
    assert!(pinned >= 20, "pinned on {pinned} cases");
}
