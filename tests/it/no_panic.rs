//! No panics on any input: every public entry point that takes user or network input returns
//! `Ok` or `Err` for arbitrary strings, bytes, headers, URIs, durations and times. Proptest
//! catches a panic as a failure and shrinks it to a minimal input.
//!
//! Inputs per target: `LUS_FUZZ_CASES` (default 2,000). For the report:
//! `LUS_FUZZ_CASES=12500 cargo test --release --all-features --test it no_panic -- --nocapture`.

use crate::support;
use lambda_url_emulator::{EmulatorIdentity, RawRequest, ResourcePolicy, Verifier};
use lambda_url_signer::reqwest::Diagnosis;
use lambda_url_signer::{ContentSha256Header, Credentials, FunctionUrl, PayloadHash, Signer};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::fmt::Debug;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Runs `test` on `LUS_FUZZ_CASES` inputs from `strategy`; a panic (or an `Err` from `test`)
/// fails with the shrunk input.
fn fuzz<S>(target: &str, strategy: S, test: impl Fn(S::Value))
where
    S: Strategy,
    S::Value: Debug,
{
    let cases = support::cases_from_env("LUS_FUZZ_CASES", 2_000);
    let mut config = Config::with_cases(cases);
    config.failure_persistence = None;
    // Strategies filter rarely (a header name or method that `http` refuses); never abort a
    // long run for it.
    config.max_local_rejects = cases.saturating_mul(4).max(65_536);
    let mut runner = TestRunner::new(config);
    let started = Instant::now();
    let result = runner.run(&strategy, |value| {
        test(value);
        Ok(())
    });
    if let Err(failure) = result {
        panic!("{target}: {failure}");
    }
    println!(
        "no_panic: {target:<28} {cases:>7} inputs in {:>6.2} s",
        started.elapsed().as_secs_f64()
    );
}

// ----- strategies ---------------------------------------------------------------------------

/// Strings that look like URLs about half the time, anything otherwise.
fn url_text() -> impl Strategy<Value = String> {
    let scheme = prop::sample::select(vec![
        "http://", "https://", "HTTPS://", "ftp://", "http:/", "", "://",
    ]);
    let host = prop_oneof![
        Just("abcdefghijklmnopqrstuvwxyz234567.lambda-url.eu-central-1.on.aws".to_owned()),
        Just("ABC.LAMBDA-URL.US-EAST-1.ON.AWS.".to_owned()),
        Just("127.0.0.1".to_owned()),
        Just("[::1]".to_owned()),
        "[a-z0-9.-]{0,20}(\\.lambda-url\\.[a-z0-9-]{0,12}\\.on\\.aws)?",
        "\\PC{0,12}",
        any::<String>(),
    ];
    let port = prop_oneof![
        Just(String::new()),
        "(:[0-9]{0,7})",
        ":\\PC{0,4}",
        Just(":".to_owned()),
    ];
    let rest = prop_oneof![
        Just(String::new()),
        "(/\\PC{0,16})?(\\?\\PC{0,16})?(#\\PC{0,6})?",
        "[/?#%@\\[\\]:.a-f0-9+ ]{0,24}",
        any::<String>(),
    ];
    prop_oneof![
        3 => (scheme, host, port, rest).prop_map(|(s, h, p, r)| format!("{s}{h}{p}{r}")),
        1 => any::<String>(),
    ]
}

fn region_text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("eu-central-1".to_owned()),
        Just("us-east-1".to_owned()),
        "[a-z0-9-]{0,40}",
        any::<String>(),
    ]
}

/// Raw path-and-query text as a user would type it: anything, with the interesting bytes often.
fn path_and_query_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[/?&=%#+. a-fA-F0-9\\PC]{0,40}",
        "(/(\\.|\\.\\.|%[0-9a-fA-F]{0,2}|\\PC{0,4})){0,6}(\\?([a-z%+= &]{0,8}|%[0-9a-fA-F]{2}){0,6})?",
        any::<String>(),
    ]
}

fn method() -> impl Strategy<Value = http::Method> {
    prop_oneof![
        prop::sample::select(vec![
            http::Method::GET,
            http::Method::HEAD,
            http::Method::POST,
            http::Method::PUT,
            http::Method::PATCH,
            http::Method::DELETE,
            http::Method::OPTIONS,
            http::Method::CONNECT,
            http::Method::TRACE,
        ]),
        "[!#$%&'*+.^_`|~0-9A-Za-z-]{1,12}"
            .prop_filter_map("method", |m| http::Method::from_bytes(m.as_bytes()).ok()),
    ]
}

/// An `http::Uri` wherever the text parses as one; otherwise the text with the bytes a URI
/// cannot hold percent-encoded, behind a scheme and host.
fn uri() -> impl Strategy<Value = http::Uri> {
    prop_oneof![
        url_text(),
        path_and_query_text(),
        "[a-z]{1,6}://[^/?#]{0,20}[/?#].{0,20}",
    ]
    .prop_map(|text| {
        text.parse().unwrap_or_else(|_| {
            let mut escaped = String::from("http://127.0.0.1:9000/");
            for b in text.bytes() {
                if b.is_ascii_graphic()
                    && !matches!(
                        b,
                        b'"' | b'<' | b'>' | b'\\' | b'^' | b'`' | b'{' | b'|' | b'}'
                    )
                {
                    escaped.push(char::from(b));
                } else {
                    escaped.push_str(&format!("%{b:02X}"));
                }
            }
            escaped
                .parse()
                .unwrap_or_else(|_| http::Uri::from_static("http://127.0.0.1:9000/"))
        })
    })
}

fn header_name() -> impl Strategy<Value = http::HeaderName> {
    prop_oneof![
        prop::sample::select(vec![
            "host",
            "authorization",
            "x-amz-date",
            "x-amz-security-token",
            "x-amz-content-sha256",
            "content-type",
            "connection",
            "user-agent",
            "x-forwarded-for",
            "cf-ray",
            "te",
            "keep-alive",
        ])
        .prop_map(http::HeaderName::from_static),
        "[!#$%&'*+.^_`|~0-9A-Za-z-]{1,24}"
            .prop_filter_map("valid name", |n| http::HeaderName::from_bytes(n.as_bytes())
                .ok()),
    ]
}

fn header_value() -> impl Strategy<Value = http::HeaderValue> {
    prop_oneof![
        // Any bytes `http` accepts: visible ASCII, space, tab and obs-text (0x80-0xFF); the
        // control characters it refuses are moved into obs-text.
        prop::collection::vec(any::<u8>(), 0..32).prop_filter_map("valid value", |b| {
            let b: Vec<u8> = b
                .into_iter()
                .map(|c| {
                    if (c < 0x20 && c != b'\t') || c == 0x7f {
                        c | 0x80
                    } else {
                        c
                    }
                })
                .collect();
            http::HeaderValue::from_bytes(&b).ok()
        }),
        "[ \t!-~]{0,32}".prop_filter_map("valid value", |v| http::HeaderValue::from_str(&v).ok()),
        "(close|keep-alive|x-a|host|te)(, ?(close|x-a|host|te|))?"
            .prop_filter_map("valid value", |v| http::HeaderValue::from_str(&v).ok()),
    ]
}

fn headers() -> impl Strategy<Value = Vec<(http::HeaderName, http::HeaderValue)>> {
    prop::collection::vec((header_name(), header_value()), 0..6)
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof!["[A-Za-z0-9/+=]{0,40}", "[ -~]{0,40}", any::<String>(),]
}

/// A time from 1970 to 9999 (the years SigV4 dates can write).
fn time() -> impl Strategy<Value = SystemTime> {
    prop_oneof![
        Just(SystemTime::now()),
        (0u64..253_402_300_800).prop_map(|s| UNIX_EPOCH + Duration::from_secs(s)),
        (0u64..253_402_300_800, 0u32..1_000_000_000)
            .prop_map(|(s, n)| UNIX_EPOCH + Duration::new(s, n)),
    ]
}

fn credentials() -> impl Strategy<Value = Credentials> {
    let expiry = prop::option::of(prop_oneof![
        time(),
        (0u64..100_000).prop_map(|s| SystemTime::now() + Duration::from_secs(s)),
    ]);
    prop_oneof![
        Just(support::credentials(true)),
        Just(support::credentials(false)),
        (text(), text(), prop::option::of(text()), expiry)
            .prop_map(|(a, s, t, e)| Credentials::new(a, s, t, e, "fuzz")),
    ]
}

fn signer() -> impl Strategy<Value = Option<Signer>> {
    (
        prop::option::of(prop_oneof![
            3 => Just("eu-central-1".to_owned()),
            1 => region_text(),
        ]),
        prop::option::weighted(0.2, prop_oneof!["[a-z]{0,8}", text()]),
        prop::option::weighted(
            0.3,
            prop_oneof![
                url_text(),
                "[a-z0-9.:-]{0,30}",
                Just("abc.lambda-url.eu-central-1.on.aws".to_owned()),
            ],
        ),
        any::<bool>(),
    )
        .prop_map(|(region, service, sign_host, include)| {
            let mut builder = Signer::builder().content_sha256_header(if include {
                ContentSha256Header::Include
            } else {
                ContentSha256Header::Omit
            });
            if let Some(region) = region {
                builder = builder.region(region);
            }
            if let Some(service) = service {
                builder = builder.service(service);
            }
            if let Some(host) = sign_host {
                builder = builder.sign_host(host);
            }
            builder.build().ok()
        })
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..64)
}

// ----- targets ------------------------------------------------------------------------------

#[test]
fn function_url_parse() {
    fuzz("FunctionUrl::parse", url_text(), |text| {
        let _ = FunctionUrl::parse(&text);
        let _ = text.parse::<FunctionUrl>();
    });
}

#[test]
fn function_url_with_region() {
    fuzz(
        "FunctionUrl::with_region",
        (url_text(), region_text()),
        |(text, region)| {
            if let Ok(url) = FunctionUrl::with_region(&text, &region) {
                let _ = (url.as_str(), url.host(), url.path_and_query(), url.url_id());
            }
        },
    );
}

#[test]
fn function_url_join() {
    let bases = [
        "https://abcdefghijklmnopqrstuvwxyz234567.lambda-url.eu-central-1.on.aws/",
        "http://127.0.0.1:9000/base?x=1",
    ];
    fuzz(
        "FunctionUrl::join",
        (0..bases.len(), path_and_query_text()),
        |(i, pq)| {
            let base = FunctionUrl::with_region(bases[i], "eu-central-1").expect("base");
            if let Ok(joined) = base.join(&pq) {
                let _ = joined.join(joined.path_and_query());
            }
        },
    );
}

#[test]
fn signer_sign_at() {
    fuzz(
        "Signer::sign_at",
        (
            signer(),
            method(),
            uri(),
            headers(),
            body(),
            credentials(),
            time(),
        ),
        |(signer, method, uri, headers, body, credentials, time)| {
            let Some(signer) = signer else { return };
            let mut request = http::Request::new(body);
            *request.method_mut() = method;
            *request.uri_mut() = uri;
            for (name, value) in headers {
                request.headers_mut().append(name, value);
            }
            let hash = PayloadHash::of(request.body());
            let _ = signer.explain_at(&request, &hash, &credentials, time);
            let _ = signer.sign_at(&mut request, &hash, &credentials, time);
            // Signing again (a retry) must be as safe.
            let _ = signer.sign_at(&mut request, &hash, &credentials, time);
        },
    );
}

#[test]
fn signer_sign_reqwest_at() {
    fuzz(
        "Signer::sign_at",
        (
            signer(),
            method(),
            url_text(),
            headers(),
            body(),
            credentials(),
            time(),
        ),
        |(signer, method, url, headers, body, credentials, time)| {
            let Some(signer) = signer else { return };
            let Ok(url) = reqwest::Url::parse(&url) else {
                return;
            };
            let mut request = reqwest::Request::new(method, url);
            for (name, value) in headers {
                request.headers_mut().append(name, value);
            }
            let hash = PayloadHash::of(&body);
            let _ = signer.explain_at(&request, &hash, &credentials, time);
            let _ = signer.sign_at(&mut request, &hash, &credentials, time);
            let _ = signer.sign_at(&mut request, &hash, &credentials, time);
        },
    );
}

#[test]
fn signer_presign_at() {
    let durations = prop_oneof![
        (0u64..=700_000).prop_map(Duration::from_secs),
        (any::<u64>(), 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n)),
        Just(Duration::MAX),
        Just(Duration::ZERO),
    ];
    fuzz(
        "Signer::presign_at",
        (
            signer(),
            method(),
            path_and_query_text(),
            durations,
            credentials(),
            time(),
        ),
        |(signer, method, pq, expires_in, credentials, time)| {
            let Some(signer) = signer else { return };
            let base = FunctionUrl::parse(
                "https://abcdefghijklmnopqrstuvwxyz234567.lambda-url.eu-central-1.on.aws/",
            )
            .expect("base");
            let Ok(url) = base.join(&pq) else { return };
            if let Ok(presigned) = signer.presign_at(
                &method,
                &url,
                &PayloadHash::EMPTY,
                expires_in,
                &credentials,
                time,
            ) {
                let _ = (presigned.to_string(), format!("{presigned:?}"));
            }
        },
    );
}

#[test]
fn payload_hash_from_hex() {
    fuzz(
        "PayloadHash::from_hex",
        prop_oneof!["[0-9a-fA-FxX]{60,68}", any::<String>()],
        |text| {
            if let Some(hash) = PayloadHash::from_hex(&text) {
                assert_eq!(hash.as_str(), text.to_ascii_lowercase());
            }
        },
    );
}

#[test]
fn diagnosis_from_parts() {
    let body = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..64),
        (
            prop::sample::select(vec!["message", "Message", "MESSAGE", ""]),
            prop_oneof![
                Just("Signature expired: 20240101T000000Z is now earlier than".to_owned()),
                Just("Credential should be scoped to a valid region.".to_owned()),
                any::<String>(),
            ],
        )
            .prop_map(|(k, v)| serde_json::json!({ k: v }).to_string().into_bytes()),
        "\\{\"[mM]essage\":[^}]{0,20}\\}?".prop_map(String::into_bytes),
    ];
    let error_type = prop::option::of(prop_oneof![
        prop::sample::select(vec![
            "InvalidSignatureException",
            "UnrecognizedClientException",
            "IncompleteSignatureException",
            "AccessDeniedException",
        ])
        .prop_map(str::to_owned),
        any::<String>(),
    ]);
    fuzz(
        "Diagnosis::from_parts",
        (any::<u16>(), error_type, body),
        |(status, error_type, body)| {
            if let Some(d) = Diagnosis::from_parts(status, error_type.as_deref(), &body) {
                let _ = (d.to_string(), format!("{d:?}"));
            }
        },
    );
}

/// Headers for the verifier: well-formed SigV4 pieces with arbitrary parts, or anything.
fn raw_headers() -> impl Strategy<Value = Vec<(String, Vec<u8>)>> {
    let date = prop_oneof![
        "[0-9]{8}T[0-9]{6}Z",
        "20[0-9]{2}(0[1-9]|1[0-2])[0-3][0-9]T[0-2][0-9][0-5][0-9][0-5][0-9]Z",
        text(),
    ];
    let scope_part = prop_oneof![
        Just("AKIDEXAMPLE".to_owned()),
        "[0-9]{8}",
        Just("eu-central-1".to_owned()),
        Just("lambda".to_owned()),
        Just("aws4_request".to_owned()),
        "[^/,= ]{0,10}",
    ];
    let authorization = (
        prop::sample::select(vec![
            "AWS4-HMAC-SHA256",
            "AWS4-ECDSA-P256-SHA256",
            "",
            "aws4",
        ]),
        prop::collection::vec(scope_part, 0..7),
        prop_oneof![
            Just("host;x-amz-date".to_owned()),
            Just("host;x-amz-content-sha256;x-amz-date;x-amz-security-token".to_owned()),
            "[a-z;-]{0,30}",
        ],
        prop_oneof!["[0-9a-f]{64}", "[0-9a-zA-Z]{0,70}"],
        prop::sample::select(vec![", ", ",", " ", ",,"]),
    )
        .prop_map(|(alg, scope, signed, sig, sep)| {
            format!(
                "{alg} Credential={}{sep}SignedHeaders={signed}{sep}Signature={sig}",
                scope.join("/")
            )
            .into_bytes()
        });
    let known = prop_oneof![
        Just(("host".to_owned(), b"127.0.0.1:9000".to_vec())),
        date.prop_map(|d| ("x-amz-date".to_owned(), d.into_bytes())),
        authorization.prop_map(|a| ("Authorization".to_owned(), a)),
        prop_oneof!["[0-9a-f]{64}", text()]
            .prop_map(|h| ("x-amz-content-sha256".to_owned(), h.into_bytes())),
        prop_oneof![Just(support::SESSION_TOKEN.to_owned()), text()]
            .prop_map(|t| ("x-amz-security-token".to_owned(), t.into_bytes())),
    ];
    let anything = (
        prop_oneof!["[a-zA-Z-]{0,16}", any::<String>()],
        prop::collection::vec(any::<u8>(), 0..40),
    );
    prop::collection::vec(prop_oneof![3 => known, 1 => anything], 0..8)
}

/// Targets for the verifier: paths with escapes and dot segments, and presigned queries.
fn raw_target() -> impl Strategy<Value = String> {
    let presign_param = (
        prop::sample::select(vec![
            "X-Amz-Algorithm",
            "X-Amz-Credential",
            "X-Amz-Date",
            "X-Amz-Expires",
            "X-Amz-SignedHeaders",
            "X-Amz-Security-Token",
            "X-Amz-Signature",
            "x-amz-signature",
        ]),
        prop_oneof![
            "[0-9]{0,22}",
            Just("AWS4-HMAC-SHA256".to_owned()),
            Just("AKIDEXAMPLE%2F20240101%2Feu-central-1%2Flambda%2Faws4_request".to_owned()),
            "[0-9]{8}T[0-9]{6}Z",
            "[^&#]{0,20}",
        ],
    )
        .prop_map(|(k, v)| format!("{k}={v}"));
    prop_oneof![
        path_and_query_text(),
        (
            path_and_query_text(),
            prop::collection::vec(presign_param, 0..9)
        )
            .prop_map(|(p, q)| format!(
                "{}?{}",
                p.split('?').next().unwrap_or(""),
                q.join("&")
            )),
    ]
}

#[test]
fn verifier_verify() {
    let verifier = Verifier::new("eu-central-1", "lambda")
        .identity(EmulatorIdentity::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            "arn:aws:iam::123456789012:user/example",
        ))
        .identity(support::identity(true));
    let now = prop_oneof![
        Just(SystemTime::now()),
        (0..=i64::MAX as u64).prop_filter_map("representable", |s| {
            UNIX_EPOCH.checked_add(Duration::from_secs(s))
        }),
        (0..=i64::MAX as u64).prop_filter_map("representable", |s| {
            UNIX_EPOCH.checked_sub(Duration::from_secs(s))
        }),
    ];
    fuzz(
        "Verifier::verify",
        (
            prop_oneof![method().prop_map(|m| m.to_string()), any::<String>()],
            raw_target(),
            raw_headers(),
            body(),
            now,
        ),
        |(method, target, headers, body, now)| {
            let request = RawRequest::new(&method, &target, &headers, &body);
            if let Err(rejection) = verifier.verify(&request, now) {
                let _ = (rejection.to_string(), rejection.body_json());
            }
            let _ = verifier.canonical_parts(&request);
            let _ = format!("{request:?}");
        },
    );
}

#[test]
fn resource_policy_and_permissions() {
    let arn = prop_oneof![
        Just("arn:aws:lambda:eu-central-1:123456789012:function:f".to_owned()),
        Just("arn:aws:cloudfront::123456789012:distribution/E1".to_owned()),
        "arn:[a-z-]{0,8}:[a-z]{0,10}:[a-z0-9-]{0,12}:[0-9]{0,13}:[^\"]{0,20}",
        any::<String>(),
    ];
    let policy = prop_oneof![
        any::<String>(),
        (arn.clone(), text(), text()).prop_map(|(a, sid, action)| {
            serde_json::json!({
                "Version": "2012-10-17",
                "Statement": [{
                    "Sid": sid,
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudfront.amazonaws.com"},
                    "Action": action,
                    "Resource": a,
                    "Condition": {"ArnLike": {"AWS:SourceArn": "arn:*"}},
                }]
            })
            .to_string()
        }),
    ];
    fuzz(
        "ResourcePolicy / permissions",
        (policy, arn.clone(), arn),
        |(policy, function_arn, distribution_arn)| {
            let _ = ResourcePolicy::from_json(&policy);
            if let Ok(p) = lambda_url_signer::permissions::cloudfront_permissions(
                &function_arn,
                &distribution_arn,
            ) {
                let _ = ResourcePolicy::from_json(&p.policy_json());
                let _ = (p.statements_json(), p.cli_commands());
            }
        },
    );
}

/// Any representable time, years past 9999 and before 1970 included: `sign_at` and
/// `presign_at` take the time from the caller, so it is user input too.
///
/// Crate bug: both panic for a time at or after 10000-01-01T00:00:00Z (and before year
/// -9999): `aws-sigv4` converts the `SystemTime` with `time::OffsetDateTime::from`, which
/// panics with "overflow adding duration to date". Minimal input: `UNIX_EPOCH +
/// 253_402_300_800 s`. `sign_at` should check the range and return an error.
#[test]
fn signer_at_any_time() {
    let any_time = prop_oneof![
        (0..=i64::MAX as u64).prop_filter_map("representable", |s| {
            UNIX_EPOCH.checked_add(Duration::from_secs(s))
        }),
        (0..=i64::MAX as u64).prop_filter_map("representable", |s| {
            UNIX_EPOCH.checked_sub(Duration::from_secs(s))
        }),
        (253_402_300_800u64..253_402_400_000).prop_map(|s| UNIX_EPOCH + Duration::from_secs(s)),
    ];
    fuzz("Signer::sign_at any time", any_time, |time| {
        let signer = Signer::builder()
            .region("eu-central-1")
            .build()
            .expect("signer");
        let mut request = http::Request::get("https://abc.lambda-url.eu-central-1.on.aws/")
            .body(())
            .expect("request");
        let credentials = support::credentials(true);
        let _ = signer.sign_at(&mut request, &PayloadHash::EMPTY, &credentials, time);
        let url = FunctionUrl::parse("https://abc.lambda-url.eu-central-1.on.aws/").expect("url");
        let _ = signer.presign_at(
            &http::Method::GET,
            &url,
            &PayloadHash::EMPTY,
            Duration::from_secs(60),
            &credentials,
            time,
        );
    });
}
