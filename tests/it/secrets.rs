//! Secrets stay secret: with a session identity, the secret key and the session token (as is
//! and percent-encoded) never appear in the `Debug` or `Display` of any public type, in any
//! error message or its causes, or in the TRACE-level tracing output of signing, presigning and
//! sending through both middlewares and the emulator; and no signature appears in that output.

use crate::credentials::CountingProvider;
use crate::support::{self, assert_no_secret, capture_trace};
use lambda_url_emulator::{
    AuthType, CloudFrontConfig, Emulator, HandlerResponse, OacSigning, RawRequest, ResourcePolicy,
    Verifier,
};
use lambda_url_signer::middleware::{OacMiddleware, SigningMiddleware, SkewCorrection};
use lambda_url_signer::permissions::cloudfront_permissions;
use lambda_url_signer::reqwest::Diagnosis;
use lambda_url_signer::{
    ContentSha256Header, Credentials, CredentialsCache, Error, FunctionUrl, PayloadHash,
    PayloadHasher, PayloadLimit, Signer,
};
use reqwest_middleware::ClientBuilder;
use std::fmt::{Debug, Display};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

fn check_debug(what: &str, value: &impl Debug) {
    assert_no_secret(&format!("{what} Debug"), &format!("{value:?}"));
    assert_no_secret(&format!("{what} Debug"), &format!("{value:#?}"));
}

fn check_both(what: &str, value: &(impl Debug + Display)) {
    check_debug(what, value);
    assert_no_secret(&format!("{what} Display"), &value.to_string());
}

/// An error's `Display`, `Debug` and every cause in its `source()` chain.
fn check_error(what: &str, error: &(dyn std::error::Error + 'static)) {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    let mut depth = 0;
    while let Some(e) = current {
        assert_no_secret(&format!("{what} (cause {depth}) Display"), &e.to_string());
        assert_no_secret(&format!("{what} (cause {depth}) Debug"), &format!("{e:?}"));
        current = e.source();
        depth += 1;
    }
}

fn session_signer() -> Signer {
    Signer::builder()
        .region(support::REGION)
        .credentials(support::credentials(true))
        .build()
        .expect("signer")
}

fn policy() -> ResourcePolicy {
    ResourcePolicy::from_json(
        &cloudfront_permissions(support::FUNCTION_ARN, support::DISTRIBUTION)
            .expect("arns")
            .policy_json(),
    )
    .expect("policy")
}

#[test]
fn debug_and_display_of_the_signing_types() {
    let credentials = support::credentials(true);
    check_debug("Credentials", &credentials);
    let builder = Signer::builder()
        .region(support::REGION)
        .credentials(credentials.clone());
    check_debug("SignerBuilder", &builder);
    let signer = builder.build().unwrap();
    check_debug("Signer", &signer);
    check_debug("ContentSha256Header", &ContentSha256Header::Include);

    let fixed = CredentialsCache::fixed(credentials.clone());
    check_debug("CredentialsCache (fixed)", &fixed);
    let cache_builder = CredentialsCache::builder(credentials.clone());
    check_debug("CredentialsCacheBuilder", &cache_builder);
    let cache = cache_builder.build();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(cache.credentials()).unwrap();
    check_debug("CredentialsCache (provider, filled)", &cache);

    let url = FunctionUrl::parse(
        "https://abcdefghijklmnopqrstuvwxyz234567.lambda-url.eu-central-1.on.aws/a b?q=1+2",
    )
    .unwrap();
    check_both("FunctionUrl", &url);
    let hash = PayloadHash::of(b"body");
    check_both("PayloadHash", &hash);
    let mut hasher = PayloadHasher::new();
    hasher.update(b"body");
    check_debug("PayloadHasher", &hasher);

    let now = SystemTime::now();
    let presigned = signer
        .presign_at(
            &http::Method::GET,
            &url,
            &PayloadHash::EMPTY,
            Duration::from_secs(300),
            &credentials,
            now,
        )
        .unwrap();
    assert!(
        presigned
            .as_str()
            .contains("X-Amz-Security-Token=FwoGZXIvYXdzEXAMPLESESSIONTOKEN"),
        "the URL itself carries the token"
    );
    // `Display` is the URL to hand on; `Debug` (logs, panics) is redacted.
    assert_eq!(presigned.to_string(), presigned.as_str());
    check_debug("PresignedUrl", &presigned);

    let mut request = http::Request::post(url.uri().clone())
        .header("content-type", "application/json")
        .body(b"{}".to_vec())
        .unwrap();
    let details = signer
        .explain_at(&request, &PayloadHash::of(b"{}"), &credentials, now)
        .unwrap();
    check_debug("SigningDetails", &details);
    assert_no_secret(
        "SigningDetails::canonical_request_redacted",
        &details.canonical_request_redacted(),
    );
    signer
        .sign_at(&mut request, &PayloadHash::of(b"{}"), &credentials, now)
        .unwrap();
    // `http` hides the values marked sensitive (authorization, x-amz-security-token).
    check_debug("signed http::Request", &request);

    let middleware = SigningMiddleware::new(signer.clone())
        .payload_limit(PayloadLimit::Bytes(1024))
        .skew_correction(SkewCorrection::enabled());
    check_debug("SigningMiddleware", &middleware);
    check_debug("OacMiddleware", &OacMiddleware::new());
    check_debug("PayloadLimit", &PayloadLimit::Unlimited);
    check_debug("SkewCorrection", &SkewCorrection::disabled());

    let mismatch = br#"{"message":"The request signature we calculated does not match the signature you provided."}"#;
    let parts: [(u16, Option<&str>, &[u8]); 8] = [
        (403, Some("InvalidSignatureException"), mismatch),
        (
            403,
            Some("InvalidSignatureException"),
            br#"{"message":"Signature expired: 20240101T000000Z is now earlier than 20240101T001000Z (20240101T001500Z - 5 min.)"}"#,
        ),
        (
            403,
            Some("InvalidSignatureException"),
            br#"{"message":"Credential should be scoped to a valid region."}"#,
        ),
        (403, Some("UnrecognizedClientException"), b"{}"),
        (
            403,
            Some("IncompleteSignatureException"),
            br#"{"message":"missing"}"#,
        ),
        (403, Some("AccessDeniedException"), b"{}"),
        (413, None, b""),
        (502, Some("ServiceException"), b""),
    ];
    for (status, error_type, body) in parts {
        let diagnosis = Diagnosis::from_parts(status, error_type, body).unwrap();
        check_both("Diagnosis", &diagnosis);
    }
}

#[test]
fn every_error_variant_reachable_through_the_api() {
    let credentials = support::credentials(true);
    let signer = session_signer();
    let no_region = Signer::builder().build().unwrap();
    let now = SystemTime::now();
    let url = FunctionUrl::parse("https://abc.lambda-url.eu-central-1.on.aws/").unwrap();
    let mut errors: Vec<(&str, Error)> = Vec::new();

    errors.push((
        "InvalidUrl",
        FunctionUrl::parse("ftp://example.com/").unwrap_err(),
    ));
    errors.push((
        "MissingRegion",
        FunctionUrl::parse("https://d111111abcdef8.cloudfront.net/").unwrap_err(),
    ));
    errors.push((
        "InvalidRegion",
        FunctionUrl::with_region("https://example.com/", "EU Central").unwrap_err(),
    ));
    let mut request = http::Request::get("https://abc.lambda-url.eu-central-1.on.aws/")
        .header("x-bin", http::HeaderValue::from_bytes(b"caf\xe9").unwrap())
        .body(())
        .unwrap();
    errors.push((
        "InvalidHeaderValue",
        signer
            .sign_at(&mut request, &PayloadHash::EMPTY, &credentials, now)
            .unwrap_err(),
    ));
    let mut request = http::Request::get("https://abc.lambda-url.eu-central-1.on.aws/?a=%FF")
        .body(())
        .unwrap();
    errors.push((
        "InvalidQuery",
        signer
            .sign_at(&mut request, &PayloadHash::EMPTY, &credentials, now)
            .unwrap_err(),
    ));
    errors.push((
        "PresignExpiry",
        signer
            .presign_at(
                &http::Method::GET,
                &url,
                &PayloadHash::EMPTY,
                Duration::from_secs(8 * 86_400),
                &credentials,
                now,
            )
            .unwrap_err(),
    ));
    let short_lived = Credentials::new(
        support::ACCESS_KEY,
        support::SECRET_KEY,
        Some(support::SESSION_TOKEN.to_owned()),
        Some(now + Duration::from_secs(60)),
        "test",
    );
    errors.push((
        "PresignOutlivesCredentials",
        signer
            .presign_at(
                &http::Method::GET,
                &url,
                &PayloadHash::EMPTY,
                Duration::from_secs(3600),
                &short_lived,
                now,
            )
            .unwrap_err(),
    ));
    let expired = Credentials::new(
        support::ACCESS_KEY,
        support::SECRET_KEY,
        Some(support::SESSION_TOKEN.to_owned()),
        Some(now - Duration::from_secs(1)),
        "test",
    );
    let mut request = http::Request::get("https://abc.lambda-url.eu-central-1.on.aws/")
        .body(())
        .unwrap();
    errors.push((
        "ExpiredCredentials",
        signer
            .sign_at(&mut request, &PayloadHash::EMPTY, &expired, now)
            .unwrap_err(),
    ));
    // A malformed session token (a newline) cannot be a header value: aws-sigv4 refuses it,
    // and the error must not repeat it.
    let bad_token = Credentials::new(
        support::ACCESS_KEY,
        support::SECRET_KEY,
        Some(format!("{}\n", support::SESSION_TOKEN)),
        None,
        "test",
    );
    let mut request = http::Request::get("https://abc.lambda-url.eu-central-1.on.aws/")
        .body(())
        .unwrap();
    if let Err(e) = signer.sign_at(&mut request, &PayloadHash::EMPTY, &bad_token, now) {
        errors.push(("InvalidCredentials (malformed token)", e));
    }
    let bad_key = Credentials::new(
        "AKID\nX",
        support::SECRET_KEY,
        Some(support::SESSION_TOKEN.to_owned()),
        None,
        "test",
    );
    let mut request = http::Request::get("https://abc.lambda-url.eu-central-1.on.aws/")
        .body(())
        .unwrap();
    errors.push((
        "InvalidCredentials (malformed access key)",
        signer
            .sign_at(&mut request, &PayloadHash::EMPTY, &bad_key, now)
            .unwrap_err(),
    ));
    let mut relative = http::Request::get("/relative").body(()).unwrap();
    errors.push((
        "InvalidUrl (relative)",
        no_region
            .sign_at(&mut relative, &PayloadHash::EMPTY, &credentials, now)
            .unwrap_err(),
    ));
    let mut with_password =
        http::Request::get("https://user:plain-secret@abc.lambda-url.eu-central-1.on.aws/")
            .body(())
            .unwrap();
    errors.push((
        "InvalidUrl (user info)",
        signer
            .sign_at(&mut with_password, &PayloadHash::EMPTY, &credentials, now)
            .unwrap_err(),
    ));
    errors.push((
        "Configuration",
        Signer::builder().service("").build().unwrap_err(),
    ));
    let mut request = http::Request::get("https://abc.lambda-url.eu-central-1.on.aws/")
        .body(())
        .unwrap();
    errors.push((
        "SigningTimeOutOfRange",
        signer
            .sign_at(
                &mut request,
                &PayloadHash::EMPTY,
                &credentials,
                std::time::UNIX_EPOCH - std::time::Duration::from_secs(1),
            )
            .unwrap_err(),
    ));
    let mut loopback = http::Request::get("http://127.0.0.1:9/").body(()).unwrap();
    errors.push((
        "MissingRegion (signing)",
        no_region
            .sign_at(&mut loopback, &PayloadHash::EMPTY, &credentials, now)
            .unwrap_err(),
    ));

    struct Failing;
    impl std::io::Read for Failing {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk on fire"))
        }
    }
    errors.push(("Io", PayloadHash::from_reader(Failing).unwrap_err()));

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut request = http::Request::get("https://abc.lambda-url.eu-central-1.on.aws/")
            .body(())
            .unwrap();
        errors.push((
            "NoCredentials",
            no_region
                .sign_with_hash(&mut request, &PayloadHash::EMPTY)
                .await
                .unwrap_err(),
        ));
        let provider = CountingProvider::new(Duration::from_secs(3600));
        provider
            .failures
            .store(1, std::sync::atomic::Ordering::SeqCst);
        errors.push((
            "CredentialsProvider",
            CredentialsCache::new(provider)
                .credentials()
                .await
                .unwrap_err(),
        ));
        let mut hanging = CountingProvider::new(Duration::from_secs(3600));
        hanging.delay = Duration::from_secs(60);
        errors.push((
            "CredentialsTimeout",
            CredentialsCache::builder(hanging)
                .provider_timeout(Duration::from_millis(10))
                .build()
                .credentials()
                .await
                .unwrap_err(),
        ));
        // Through the middleware (nothing listens on port 9: these fail before sending).
        let limited = ClientBuilder::new(reqwest::Client::new())
            .with(SigningMiddleware::new(session_signer()).payload_limit(PayloadLimit::Bytes(8)))
            .build();
        let err = limited
            .post("http://127.0.0.1:9/")
            .body(vec![0u8; 64])
            .send()
            .await
            .unwrap_err();
        check_error("middleware BodyTooLarge", &err);
        errors.push(("BodyTooLarge", middleware_error(err)));
        // A body that is not in memory (any `http_body::Body`), carrying the token.
        let stream = http_body_util::Full::new(bytes::Bytes::from(support::SESSION_TOKEN));
        let err = limited
            .post("http://127.0.0.1:9/")
            .body(reqwest::Body::wrap(stream))
            .send()
            .await
            .unwrap_err();
        check_error("middleware StreamingBody", &err);
        errors.push(("StreamingBody", middleware_error(err)));
        let oac = ClientBuilder::new(
            lambda_url_signer::reqwest::client_builder()
                .build()
                .unwrap(),
        )
        .with(lambda_url_signer::middleware::OacMiddleware::new())
        .build();
        let err = oac
            .get("http://127.0.0.1:9/")
            .body(support::SESSION_TOKEN)
            .send()
            .await
            .unwrap_err();
        check_error("middleware BodyNotAllowed", &err);
        errors.push(("BodyNotAllowed", middleware_error(err)));
    });

    let mut variants: Vec<&str> = Vec::new();
    for (what, error) in &errors {
        check_error(what, error);
        let variant = format!("{error:?}");
        variants.push(what);
        assert!(!variant.is_empty());
    }
    // Every variant of the enum is covered (the list is #[non_exhaustive]; add new ones here),
    // except `UrlNotRepresentable`: wire forms are always valid URIs and URLs, so no input
    // reaches it (it guards the conversions).
    for expected in [
        "InvalidUrl",
        "MissingRegion",
        "InvalidRegion",
        "InvalidHeaderValue",
        "InvalidQuery",
        "PresignExpiry",
        "PresignOutlivesCredentials",
        "CredentialsProvider",
        "CredentialsTimeout",
        "ExpiredCredentials",
        "NoCredentials",
        "InvalidCredentials",
        "Configuration",
        "SigningTimeOutOfRange",
        "Io",
        "StreamingBody",
        "BodyTooLarge",
        "BodyNotAllowed",
    ] {
        assert!(
            errors
                .iter()
                .any(|(_, e)| format!("{e:?}").starts_with(expected)),
            "no {expected} constructed: {variants:?}"
        );
    }
}

fn middleware_error(err: reqwest_middleware::Error) -> Error {
    match err {
        reqwest_middleware::Error::Middleware(e) => e.downcast::<Error>().expect("crate error"),
        other => panic!("{other:?}"),
    }
}

/// What one round of traffic left behind.
struct Traffic {
    emulator: Emulator,
    /// `format!("{event:?}")` of every invocation the function saw.
    events: Vec<String>,
    /// Every signature made: by the signer, the presigner, and the emulated CloudFront.
    signatures: Vec<String>,
    /// Bodies of the error responses the client got.
    error_bodies: Vec<String>,
}

/// Signs, presigns (when `presign`) and sends through both middlewares to the emulator (directly
/// and through its CloudFront), including rejected requests. Runs on the current thread, so that
/// a thread-local tracing subscriber sees the emulator's events too.
fn traffic(presign: bool) -> Traffic {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let events = Arc::new(Mutex::new(Vec::new()));
        let seen = events.clone();
        let emulator = support::emulator(move |b| {
            b.handler(move |event| {
                seen.lock().unwrap().push(format!("{event:?}"));
                HandlerResponse::text(200, "ok")
            })
        })
        .await;
        let credentials = support::credentials(true);
        let signer = session_signer();
        let mut signatures = Vec::new();
        let mut error_bodies = Vec::new();

        // The core signer.
        let mut request = http::Request::put(format!("{}core?k=v%20w+x", emulator.function_url()))
            .header("content-type", "application/json")
            .body(b"{\"a\":1}".to_vec())
            .unwrap();
        let hash = PayloadHash::of(request.body());
        signer
            .sign_at(&mut request, &hash, &credentials, SystemTime::now())
            .unwrap();
        let authorization = request.headers()["authorization"]
            .to_str()
            .unwrap()
            .to_owned();
        signatures.push(signature_of(&authorization));

        // Presigned, sent with a plain client.
        if presign {
            let url = FunctionUrl::with_region(
                &format!("{}report?x=1", emulator.function_url()),
                support::REGION,
            )
            .unwrap();
            let presigned = signer
                .presign(
                    &http::Method::GET,
                    &url,
                    &PayloadHash::EMPTY,
                    Duration::from_secs(300),
                )
                .await
                .unwrap();
            // Printed, as it is handed on.
            let response = reqwest::get(format!("{presigned}")).await.unwrap();
            assert_eq!(response.status(), 200, "presigned accepted");
        }

        // IAM middleware.
        let iam = support::iam_client();
        for response in [
            iam.get(emulator.function_url()).send().await.unwrap(),
            iam.post(format!("{}items", emulator.function_url()))
                .header("content-type", "application/json")
                .body("{\"id\":1}")
                .send()
                .await
                .unwrap(),
        ] {
            assert_eq!(response.status(), 200);
        }

        // OAC middleware through the emulated CloudFront, which signs the origin request.
        let oac = ClientBuilder::new(reqwest::Client::new())
            .with(OacMiddleware::new())
            .build();
        let cloudfront = emulator.cloudfront_url().unwrap().to_owned();
        let response = oac
            .post(format!("{cloudfront}oac"))
            .header("content-type", "application/json")
            .body("{\"via\":\"cloudfront\"}")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);

        // Rejected: a wrong secret, and a wrong session token.
        for credentials in [
            Credentials::new(
                support::ACCESS_KEY,
                "not-the-secret",
                Some(support::SESSION_TOKEN.to_owned()),
                None,
                "test",
            ),
            Credentials::new(
                support::ACCESS_KEY,
                support::SECRET_KEY,
                Some("not-the-token".to_owned()),
                None,
                "test",
            ),
        ] {
            let client = ClientBuilder::new(reqwest::Client::new())
                .with(SigningMiddleware::new(
                    Signer::builder()
                        .region(support::REGION)
                        .credentials(credentials)
                        .build()
                        .unwrap(),
                ))
                .build();
            let response = client.get(emulator.function_url()).send().await.unwrap();
            assert_eq!(response.status(), 403);
            error_bodies.push(response.text().await.unwrap());
        }

        for r in emulator.received() {
            if let Some(authorization) = r.header_str("authorization") {
                signatures.push(signature_of(authorization));
            }
            if let Some((_, signature)) = r.target.split_once("X-Amz-Signature=") {
                signatures.push(signature.split('&').next().unwrap().to_owned());
            }
        }
        assert!(signatures.iter().all(|s| s.len() == 64), "{signatures:?}");
        let events = events.lock().unwrap().clone();
        Traffic {
            emulator,
            events,
            signatures,
            error_bodies,
        }
    })
}

/// Trace captures run one at a time, and start by rebuilding tracing's callsite interest cache,
/// so that no event is skipped because of what another test's subscriber registered.
fn traced(presign: bool) -> (Traffic, String) {
    static TRACE_LOCK: Mutex<()> = Mutex::new(());
    let _guard = TRACE_LOCK
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let (traffic, trace) = capture_trace(|| {
        tracing::callsite::rebuild_interest_cache();
        traffic(presign)
    });
    // Every request the emulator judged is in the trace.
    assert_eq!(
        trace
            .lines()
            .filter(|line| {
                line.contains("lambda_url_emulator::server")
                    && line.contains("function url request")
            })
            .count(),
        traffic.emulator.received().len(),
        "the emulator's events were captured: {trace}"
    );
    (traffic, trace)
}

fn signature_of(authorization: &str) -> String {
    authorization
        .split("Signature=")
        .nth(1)
        .expect("a signature")
        .trim()
        .to_owned()
}

#[test]
fn debug_and_display_of_the_emulator_types() {
    let traffic = traffic(true);
    let emulator = &traffic.emulator;
    check_debug("Emulator", emulator);
    let builder = Emulator::builder()
        .region(support::REGION)
        .identity(support::identity(true))
        .resource_policy(policy())
        .cloudfront(CloudFrontConfig::new(support::DISTRIBUTION).signing(OacSigning::NoOverride))
        .auth_type(AuthType::AwsIam);
    check_debug("EmulatorBuilder", &builder);
    check_debug("EmulatorIdentity", &support::identity(true));
    check_debug(
        "CloudFrontConfig",
        &CloudFrontConfig::new(support::DISTRIBUTION),
    );
    check_debug("ResourcePolicy", &policy());
    let permissions = cloudfront_permissions(support::FUNCTION_ARN, support::DISTRIBUTION).unwrap();
    check_debug("PermissionStatements", &permissions);
    check_debug("HandlerResponse", &HandlerResponse::text(200, "ok"));
    let verifier = Verifier::new(support::REGION, "lambda").identity(support::identity(true));
    check_debug("Verifier", &verifier);

    let received = emulator.received();
    assert_eq!(received.len(), 6, "presigned, 2 IAM, 1 OAC, 2 rejected");
    assert!(
        received
            .iter()
            .any(|r| r.target.contains("X-Amz-Security-Token=")),
        "the presigned request carried its token"
    );
    assert!(received.iter().any(|r| r.via_cloudfront));
    for r in &received {
        check_debug("ReceivedRequest", r);
        check_debug("RequestOutcome", &r.outcome);
        let raw = RawRequest::new(&r.method, &r.target, &r.headers, &r.body);
        check_debug("RawRequest", &raw);
        // Judged an hour later: a rejection whose message names the dates.
        let later = SystemTime::now() + Duration::from_secs(3600);
        match verifier.verify(&raw, later) {
            Ok(caller) => check_debug("CallerIdentity", &caller),
            Err(rejection) => {
                check_both("Rejection", &rejection);
                check_debug("RejectionKind", &rejection.kind());
                assert_no_secret("Rejection::body_json", &rejection.body_json());
                assert_no_secret("Rejection::message", rejection.message());
            }
        }
        match verifier.verify(&raw, SystemTime::now()) {
            Ok(caller) => check_debug("CallerIdentity", &caller),
            Err(rejection) => check_both("Rejection", &rejection),
        }
    }
    assert_eq!(
        traffic.events.len(),
        received.iter().filter(|r| r.outcome.status == 200).count()
    );
    // Events of header-signed requests (for a presigned one, see
    // `invoke_event_debug_hides_a_presigned_token`).
    for event in &self::traffic(false).events {
        assert_no_secret("InvokeEvent Debug", event);
    }
    for body in &traffic.error_bodies {
        assert_no_secret("error response body", body);
    }

    // Errors of the emulator's own types.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let error = runtime
        .block_on(
            Emulator::builder()
                .identity(support::identity(true))
                .start(),
        )
        .unwrap_err();
    check_error("EmulatorError", &error);
    check_error("PolicyError", &ResourcePolicy::from_json("{").unwrap_err());
    check_error(
        "PermissionsError",
        &cloudfront_permissions("f", support::DISTRIBUTION).unwrap_err(),
    );
}

/// `InvokeEvent`'s `Debug` redacts the `x-amz-security-token` header but prints
/// `raw_query_string` as is, so the event of a presigned request shows
/// `X-Amz-Security-Token=<token>` (`src/emulator/event.rs`, `impl Debug for InvokeEvent`;
/// `ReceivedRequest`'s `Debug` does redact its target with `redact_target`).
#[test]
fn invoke_event_debug_hides_a_presigned_token() {
    for event in &traffic(true).events {
        assert_no_secret("InvokeEvent Debug", event);
    }
}

/// `CanonicalParts` (from `Verifier::canonical_parts`) derives `Debug`, and its canonical request
/// holds the session token (the signed `x-amz-security-token:` header line, or the
/// `X-Amz-Security-Token=` query parameter of a presigned request), so `{:?}` prints it, while
/// the type's docs say it "contains no secret" (`src/emulator/verify.rs`). `SigningDetails`
/// redacts the same line.
#[test]
fn canonical_parts_debug_hides_the_session_token() {
    let traffic = traffic(false);
    let verifier = Verifier::new(support::REGION, "lambda").identity(support::identity(true));
    for r in traffic.emulator.received() {
        let raw = RawRequest::new(&r.method, &r.target, &r.headers, &r.body);
        if let Ok(parts) = verifier.canonical_parts(&raw) {
            check_debug("CanonicalParts", &parts);
        }
    }
}

#[test]
fn trace_output_hides_secrets() {
    let (traffic, trace) = traced(false);
    assert!(
        trace.contains("signed function url request") && trace.contains("function url request"),
        "the trace saw the signer and the emulator: {trace}"
    );
    assert!(trace.contains("added x-amz-content-sha256 for cloudfront oac"));
    assert!(
        trace.contains("x-amz-security-token"),
        "the token's header is traced, redacted"
    );
    assert_no_secret("TRACE output", &trace);
    assert!(!traffic.signatures.is_empty());
}

/// Presigning with session credentials: `Signer::presign_at` (`src/signer.rs`) hands the request
/// to `aws_sigv4::http_request::sign` with `SignatureLocation::QueryParams`, and aws-sigv4
/// 1.6.4 logs `canonical_request = %creq.redacted()` at TRACE (`src/http_request/sign.rs:319`).
/// `redacted()` hides only the `x-amz-security-token` *header*; a presigned canonical request
/// carries the token in its query (`X-Amz-Security-Token=<token>`), which is printed as is.
#[test]
fn trace_output_hides_secrets_when_presigning() {
    let (_, trace) = traced(true);
    assert_no_secret("TRACE output (presign)", &trace);
}

#[test]
fn trace_output_hides_signatures() {
    let (traffic, trace) = traced(false);
    let received = traffic.emulator.received();
    assert_eq!(received.len(), 5);
    assert_eq!(traffic.signatures.len(), 1 + received.len());
    for signature in &traffic.signatures {
        assert!(
            !trace.contains(signature.as_str()),
            "{signature} in: {trace}"
        );
    }
}

/// The emulator logs each request's target with only the session token redacted, so a
/// presigned request's `X-Amz-Signature` appears at DEBUG level (`src/emulator/server.rs`,
/// `process`: `target = %redact_target(&request.target)`; `redact_target` in
/// `src/emulator/verify.rs` redacts only `X-Amz-Security-Token`).
#[test]
fn trace_output_hides_presigned_signatures() {
    let (traffic, trace) = traced(true);
    for signature in &traffic.signatures {
        assert!(
            !trace.contains(signature.as_str()),
            "{signature} in: {trace}"
        );
    }
}
