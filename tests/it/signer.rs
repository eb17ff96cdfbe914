//! The signer's behaviour beyond the reference vectors: stale headers, unsigned headers,
//! sensitivity, typed errors, presign guards, secrets.

use crate::support;
use lambda_url_signer::{Error, FunctionUrl, PayloadHash, Signer};
use std::time::{Duration, SystemTime};

const URL: &str = "https://abc123.lambda-url.eu-central-1.on.aws/path?q=1";

fn time() -> SystemTime {
    support::parse_amz_date("20251124T120000Z")
}

fn signer() -> Signer {
    Signer::builder().build().unwrap()
}

/// Signs `request` as an empty-body request with the plain test credentials at [`time`].
fn sign_empty<B: lambda_url_signer::SignableBody>(
    request: &mut http::Request<B>,
) -> Result<(), Error> {
    signer().sign_at(
        request,
        &PayloadHash::EMPTY,
        &support::credentials(false),
        time(),
    )
}

#[test]
fn signing_twice_replaces_every_signing_header() {
    let signer = signer();
    let mut request = http::Request::post(URL).body(b"one".to_vec()).unwrap();
    let creds = support::credentials(true);
    signer
        .sign_at(&mut request, &PayloadHash::of(b"one"), &creds, time())
        .unwrap();
    let first = request.headers()["authorization"].clone();
    *request.body_mut() = b"two".to_vec();
    let later = time() + Duration::from_secs(60);
    signer
        .sign_at(
            &mut request,
            &PayloadHash::of(b"two"),
            &support::credentials(false),
            later,
        )
        .unwrap();
    let h = request.headers();
    for name in ["authorization", "x-amz-date", "x-amz-content-sha256"] {
        assert_eq!(h.get_all(name).iter().count(), 1, "{name}");
    }
    assert!(
        !h.contains_key("x-amz-security-token"),
        "stale token removed"
    );
    assert_ne!(h["authorization"], first);
    assert_eq!(h["x-amz-date"], "20251124T120100Z");
    assert_eq!(h["x-amz-content-sha256"], PayloadHash::of(b"two").as_str());
    let auth = h["authorization"].to_str().unwrap();
    assert!(
        auth.contains("SignedHeaders=host;x-amz-content-sha256;x-amz-date,"),
        "{auth}"
    );
}

#[test]
fn headers_that_proxies_change_are_not_signed() {
    let mut request = http::Request::get(URL)
        .header("User-Agent", "curl/8")
        .header("X-Amzn-Trace-Id", "Root=1")
        .header("Connection", "keep-alive, x-hop")
        .header("x-hop", "1")
        .header("Keep-Alive", "timeout=5")
        .header("Via", "1.1 proxy")
        .header("X-Forwarded-For", "10.0.0.1")
        .header("X-Forwarded-Proto", "https")
        .header("CF-Connecting-IP", "1.2.3.4")
        .header("Transfer-Encoding", "chunked")
        .header("Content-Length", "0")
        .header("TE", "trailers")
        .header("Upgrade", "h2c")
        .header("Forwarded", "for=1.2.3.4")
        .header("Proxy-Authorization", "Basic x")
        .header("Authorization", "Bearer stale")
        .header("X-Custom", "kept")
        .header("Content-Type", "application/json")
        .body(())
        .unwrap();
    sign_empty(&mut request).unwrap();
    let auth = request.headers()["authorization"].to_str().unwrap();
    assert!(
        auth.contains("SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-custom,"),
        "{auth}"
    );
    assert_eq!(
        request.headers()["user-agent"],
        "curl/8",
        "unsigned headers are still sent"
    );
}

#[test]
fn signing_headers_are_sensitive() {
    let mut request = http::Request::get(URL).body(()).unwrap();
    signer()
        .sign_at(
            &mut request,
            &PayloadHash::EMPTY,
            &support::credentials(true),
            time(),
        )
        .unwrap();
    assert!(request.headers()["authorization"].is_sensitive());
    assert!(request.headers()["x-amz-security-token"].is_sensitive());
    let debug = format!("{request:?}");
    assert!(!debug.contains(support::SESSION_TOKEN), "{debug}");
    assert!(!debug.contains("Signature="), "{debug}");
}

#[test]
fn content_sha256_on_every_method() {
    for method in ["GET", "HEAD", "DELETE", "OPTIONS", "POST", "PUT", "PATCH"] {
        let mut request = http::Request::builder()
            .method(method)
            .uri(URL)
            .body(())
            .unwrap();
        sign_empty(&mut request).unwrap();
        assert_eq!(
            request.headers()["x-amz-content-sha256"],
            lambda_url_signer::PayloadHash::EMPTY.as_str(),
            "{method}"
        );
    }
}

#[test]
fn non_utf8_header_value_is_a_typed_error_not_a_panic() {
    let mut request = http::Request::get(URL).body(()).unwrap();
    request.headers_mut().insert(
        "x-binary",
        http::HeaderValue::from_bytes(b"caf\xe9").unwrap(),
    );
    let err = sign_empty(&mut request).unwrap_err();
    assert!(matches!(err, Error::InvalidHeaderValue { ref name } if name == "x-binary"));
    assert!(
        !err.to_string().contains("caf"),
        "the value is not repeated"
    );
    assert!(!request.headers().contains_key("authorization"));
    // The same header, unsigned by name, is fine.
    let mut request = http::Request::get(URL).body(()).unwrap();
    request.headers_mut().insert(
        "user-agent",
        http::HeaderValue::from_bytes(b"caf\xe9").unwrap(),
    );
    sign_empty(&mut request).unwrap();
    // UTF-8 beyond ASCII is signed.
    let mut request = http::Request::get(URL).body(()).unwrap();
    request.headers_mut().insert(
        "x-name",
        http::HeaderValue::from_bytes("café".as_bytes()).unwrap(),
    );
    sign_empty(&mut request).unwrap();
}

#[test]
fn region_comes_from_the_host_or_configuration_never_a_default() {
    let mut request = http::Request::get("http://127.0.0.1:9000/")
        .body(())
        .unwrap();
    let err = sign_empty(&mut request).unwrap_err();
    assert!(
        matches!(err, Error::MissingRegion { ref host } if host == "127.0.0.1:9000"),
        "{err:?}"
    );
    let configured = Signer::builder().region("ap-south-1").build().unwrap();
    configured
        .sign_at(
            &mut request,
            &PayloadHash::EMPTY,
            &support::credentials(false),
            time(),
        )
        .unwrap();
    let auth = request.headers()["authorization"].to_str().unwrap();
    assert!(
        auth.contains("/20251124/ap-south-1/lambda/aws4_request"),
        "{auth}"
    );
    let mut relative = http::Request::get("/only/a/path").body(()).unwrap();
    assert!(matches!(
        configured.sign_at(
            &mut relative,
            &PayloadHash::EMPTY,
            &support::credentials(false),
            time()
        ),
        Err(Error::InvalidUrl { .. })
    ));
}

#[test]
fn sign_host_signs_the_origin_but_sends_to_the_distribution() {
    let signer = Signer::builder()
        .sign_host("ABC123.lambda-url.eu-central-1.on.aws")
        .build()
        .unwrap();
    let mut request = http::Request::post("https://d111111abcdef8.cloudfront.net/api")
        .body(())
        .unwrap();
    let details = signer
        .explain_at(
            &request,
            &PayloadHash::EMPTY,
            &support::credentials(false),
            time(),
        )
        .unwrap();
    assert!(details
        .canonical_request()
        .contains("\nhost:abc123.lambda-url.eu-central-1.on.aws\n"));
    signer
        .sign_at(
            &mut request,
            &PayloadHash::EMPTY,
            &support::credentials(false),
            time(),
        )
        .unwrap();
    assert_eq!(request.uri().host(), Some("d111111abcdef8.cloudfront.net"));
    assert!(
        !request.headers().contains_key("host"),
        "Host is left to the client"
    );
    assert!(request.headers()["authorization"]
        .to_str()
        .unwrap()
        .contains("/eu-central-1/lambda/"));
    assert!(matches!(
        Signer::builder()
            .sign_host("abc.lambda-url.us-east-1.on.aws")
            .region("eu-west-1")
            .build(),
        Err(Error::InvalidRegion { .. })
    ));
    assert!(matches!(
        Signer::builder().sign_host("").build(),
        Err(Error::Configuration { .. })
    ));
}

#[test]
fn the_uri_is_rewritten_to_what_was_signed() {
    let mut request =
        http::Request::get("https://ABC.lambda-url.us-east-1.on.aws/a/./b/../c*?x=1+2&y=%7e&z")
            .body(())
            .unwrap();
    sign_empty(&mut request).unwrap();
    assert_eq!(
        request.uri().to_string(),
        "https://abc.lambda-url.us-east-1.on.aws/a/c%2A?x=1%202&y=~&z="
    );
    let mut bad = http::Request::get("https://abc.lambda-url.us-east-1.on.aws/?k=%C3")
        .body(())
        .unwrap();
    assert!(matches!(
        sign_empty(&mut bad),
        Err(Error::InvalidQuery { .. })
    ));
}

#[test]
fn presign_guards() {
    let url = FunctionUrl::parse(URL).unwrap();
    let get = http::Method::GET;
    let creds = support::credentials(false);
    for bad in [
        Duration::ZERO,
        Duration::from_millis(500),
        Duration::from_secs(7 * 86_400 + 1),
        Duration::from_millis(1500),
    ] {
        let err = signer()
            .presign_at(&get, &url, &PayloadHash::EMPTY, bad, &creds, time())
            .unwrap_err();
        assert!(
            matches!(err, Error::PresignExpiry { .. }),
            "{bad:?}: {err:?}"
        );
    }
    signer()
        .presign_at(
            &get,
            &url,
            &PayloadHash::EMPTY,
            Duration::from_secs(7 * 86_400),
            &creds,
            time(),
        )
        .unwrap();
    signer()
        .presign_at(
            &get,
            &url,
            &PayloadHash::EMPTY,
            Duration::from_secs(1),
            &creds,
            time(),
        )
        .unwrap();
    let short = lambda_url_signer::Credentials::new(
        "ASIA",
        "s",
        Some("t".into()),
        Some(time() + Duration::from_secs(600)),
        "test",
    );
    let err = signer()
        .presign_at(
            &get,
            &url,
            &PayloadHash::EMPTY,
            Duration::from_secs(601),
            &short,
            time(),
        )
        .unwrap_err();
    assert!(
        matches!(err, Error::PresignOutlivesCredentials { .. }),
        "{err:?}"
    );
    signer()
        .presign_at(
            &get,
            &url,
            &PayloadHash::EMPTY,
            Duration::from_secs(600),
            &short,
            time(),
        )
        .unwrap();
    // The real body hash, never UNSIGNED-PAYLOAD; re-presigning replaces old parameters.
    let body = PayloadHash::of(b"{}");
    let first = signer()
        .presign_at(
            &http::Method::POST,
            &url,
            &body,
            Duration::from_secs(60),
            &creds,
            time(),
        )
        .unwrap();
    let again_url = FunctionUrl::parse(first.as_str()).unwrap();
    let again = signer()
        .presign_at(
            &http::Method::POST,
            &again_url,
            &body,
            Duration::from_secs(60),
            &creds,
            time(),
        )
        .unwrap();
    assert_eq!(first, again);
    assert_eq!(first.as_str().matches("X-Amz-Signature=").count(), 1);
}

#[test]
fn debug_and_errors_never_show_secrets() {
    let signer = Signer::builder()
        .region("us-east-1")
        .credentials(support::credentials(true))
        .build()
        .unwrap();
    let url = FunctionUrl::parse(URL).unwrap();
    let presigned = signer
        .presign_at(
            &http::Method::GET,
            &url,
            &PayloadHash::EMPTY,
            Duration::from_secs(60),
            &support::credentials(true),
            time(),
        )
        .unwrap();
    let request = http::Request::get(URL).body(()).unwrap();
    let details = signer
        .explain_at(
            &request,
            &PayloadHash::EMPTY,
            &support::credentials(true),
            time(),
        )
        .unwrap();
    let signature = presigned
        .as_str()
        .rsplit("X-Amz-Signature=")
        .next()
        .unwrap()
        .to_owned();
    // `{presigned}` is the URL to hand on, signature included; its `Debug` is redacted.
    assert_eq!(presigned.to_string(), presigned.as_str());
    let text = format!(
        "{signer:?} {presigned:?} {details:?} {} {}",
        details.canonical_request_redacted(),
        details.string_to_sign()
    );
    for secret in [
        support::SECRET_KEY,
        support::SESSION_TOKEN,
        signature.as_str(),
    ] {
        assert!(!text.contains(secret), "{secret} leaked in {text}");
    }
}

#[test]
fn unsendable_credentials_are_typed_errors_without_secrets() {
    // A session token that cannot be a header value.
    let token = "bad\ntoken-secret-value";
    let credentials = lambda_url_signer::Credentials::new(
        "AKID",
        support::SECRET_KEY,
        Some(token.into()),
        None,
        "test",
    );
    let mut request = http::Request::get(URL).body(()).unwrap();
    let err = signer()
        .sign_at(&mut request, &PayloadHash::EMPTY, &credentials, time())
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidCredentials {
                field: "session token"
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "the credentials' session token contains characters that cannot be sent in a header"
    );
    let chain = format!("{err} {err:?} {:?}", std::error::Error::source(&err));
    assert!(
        !chain.contains("token-secret-value") && !chain.contains(support::SECRET_KEY),
        "{chain}"
    );
    assert!(!request.headers().contains_key("authorization"));
}
