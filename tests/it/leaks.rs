//! Nothing secret leaves the function's host, and nothing stale is replayed: redirects, user
//! info in URLs, the clock-skew bound, and the body hash reused across retries.

use crate::support::{self, assert_no_secret, ScriptedServer};
use lambda_url_emulator::{HandlerResponse, InvokeEvent};
use lambda_url_signer::middleware::{SigningMiddleware, SkewCorrection};
use lambda_url_signer::reqwest::{client_builder, Diagnosis};
use lambda_url_signer::{Credentials, Error, Signer};
use reqwest_middleware::{ClientBuilder, Middleware, Next};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

fn signing_client(
    http: reqwest::Client,
    middleware: SigningMiddleware,
) -> reqwest_middleware::ClientWithMiddleware {
    ClientBuilder::new(http).with(middleware).build()
}

fn crate_error(err: reqwest_middleware::Error) -> Error {
    match err {
        reqwest_middleware::Error::Middleware(e) => e.downcast::<Error>().expect("crate error"),
        other => panic!("not a middleware error: {other:?}"),
    }
}

/// A server that redirects every request to `target`.
async fn redirector(target: String) -> ScriptedServer {
    ScriptedServer::start(move |_, _| {
        (
            format!("HTTP/1.1 307 Temporary Redirect\r\nlocation: {target}/elsewhere"),
            Vec::new(),
        )
    })
    .await
}

async fn ok_server() -> ScriptedServer {
    ScriptedServer::start(|_, _| ("HTTP/1.1 200 OK".to_owned(), b"other host".to_vec())).await
}

#[tokio::test]
async fn with_client_builder_a_redirect_reaches_the_caller_and_nothing_reaches_the_other_host() {
    let other = ok_server().await;
    let first = redirector(other.base()).await;
    let client = signing_client(
        client_builder().build().unwrap(),
        SigningMiddleware::new(support::signer()),
    );
    let response = client
        .post(format!("{}/upload", first.base()))
        .body("payload")
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        307,
        "the 3xx reaches the caller unchanged"
    );
    assert_eq!(
        response.headers()["location"],
        format!("{}/elsewhere", other.base()).as_str()
    );
    assert_eq!(response.url().as_str(), format!("{}/upload", first.base()));
    assert!(
        other.received().is_empty(),
        "nothing reached the second host"
    );
    let sent = &first.received()[0];
    assert!(sent.contains("x-amz-security-token: "), "{sent}");
}

#[test]
fn a_redirect_followed_anyway_is_logged_with_the_fix_and_without_secrets() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (servers, log) = support::capture_trace(|| {
        runtime.block_on(async {
            let other = ok_server().await;
            let first = redirector(other.base()).await;
            // reqwest::Client::new() follows redirects below the middleware.
            let client = signing_client(
                reqwest::Client::new(),
                SigningMiddleware::new(support::signer()),
            );
            let response = client.get(first.base()).send().await.unwrap();
            assert_eq!(response.status(), 200);
            (first, other)
        })
    });
    let (_first, other) = servers;
    // This is the leak the default client causes, and what client_builder() prevents.
    assert!(
        other.received()[0].contains("x-amz-security-token"),
        "reqwest carried the token along"
    );
    assert!(log.contains("reqwest followed a redirect"), "{log}");
    assert!(
        log.contains("lambda_url_signer::reqwest::client_builder()"),
        "{log}"
    );
    let warning: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("followed a redirect"))
        .collect();
    assert_eq!(warning.len(), 1, "{log}");
    assert!(warning[0].contains("WARN"), "{log}");
    assert!(
        !warning[0].contains("/elsewhere"),
        "only origins are logged: {log}"
    );
    assert_no_secret("redirect warning", warning[0]);
}

#[tokio::test]
async fn user_info_in_a_request_url_is_refused_before_sending_and_never_shown() {
    let server = ok_server().await;
    let client = signing_client(
        client_builder().build().unwrap(),
        SigningMiddleware::new(support::signer()),
    );
    let url = reqwest::Url::parse(&format!("http://user:pa55word@{}/", server.addr)).unwrap();
    let request = reqwest::Request::new(reqwest::Method::GET, url);
    let err = crate_error(client.execute(request).await.unwrap_err());
    assert!(matches!(err, Error::InvalidUrl { .. }), "{err:?}");
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("pa55word"), "{shown}");
    assert!(shown.contains("<redacted>@127.0.0.1"), "{shown}");
    assert!(server.received().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn reqwest_basic_auth_from_user_info_is_replaced_by_sigv4() {
    let emu = support::emulator(|b| b).await;
    let url = emu
        .function_url()
        .replacen("http://", "http://user:pa55word@", 1);
    let response = support::iam_client().get(url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let r = &emu.received()[0];
    assert_eq!(r.outcome.rejection, None);
    let authorization = r.header_str("authorization").unwrap();
    assert!(
        authorization.starts_with("AWS4-HMAC-SHA256 "),
        "{authorization}"
    );
    let everything = format!("{r:?}");
    // base64("user:pa55word")
    assert!(!everything.contains("dXNlcjpwYTU1d29yZA"), "{everything}");
    assert!(!everything.contains("pa55word"), "{everything}");
}

/// A 403 "Signature expired" whose `Date` is `server_ahead` from now.
fn skew_rejection(server_ahead: Duration) -> (String, Vec<u8>) {
    let date = httpdate::fmt_http_date(SystemTime::now() + server_ahead);
    (
        format!(
            "HTTP/1.1 403 Forbidden\r\nx-amzn-errortype: InvalidSignatureException\r\n\
             content-type: application/json\r\ndate: {date}"
        ),
        br#"{"message":"Signature expired: 20260101T000000Z is now earlier than 20260101T000000Z (20260101T000500Z - 5 min.)"}"#
            .to_vec(),
    )
}

/// [`skew_rejection`] first (always, unless `then_ok`), then 200.
async fn skewed_server(server_ahead: Duration, then_ok: bool) -> ScriptedServer {
    ScriptedServer::start(move |i, _| {
        if i == 0 || !then_ok {
            skew_rejection(server_ahead)
        } else {
            ("HTTP/1.1 200 OK".to_owned(), b"ok".to_vec())
        }
    })
    .await
}

fn x_amz_date(head: &str) -> String {
    head.lines()
        .find_map(|l| l.strip_prefix("x-amz-date: "))
        .expect("x-amz-date")
        .trim()
        .to_owned()
}

#[tokio::test]
async fn a_skew_beyond_the_bound_is_not_adopted_and_the_diagnosis_names_it() {
    let year_2100 = Duration::from_secs(74 * 365 * 86_400);
    let server = skewed_server(year_2100, false).await;
    let middleware = SigningMiddleware::new(support::signer());
    let client = signing_client(client_builder().build().unwrap(), middleware.clone());
    for _ in 0..2 {
        let response = client.get(server.base()).send().await.unwrap();
        assert_eq!(response.status(), 403, "the 403 reaches the caller");
        let (diagnosis, _) = Diagnosis::from_response(response).await.unwrap();
        let Some(Diagnosis::ClockSkew {
            server_ahead_secs: Some(skew),
            ..
        }) = diagnosis
        else {
            panic!("{diagnosis:?}");
        };
        assert!(skew > 70 * 365 * 86_400, "{skew}");
        assert!(Diagnosis::ClockSkew {
            message: String::new(),
            server_ahead_secs: Some(skew)
        }
        .to_string()
        .contains(&format!("{skew} s")),);
        assert_eq!(middleware.clock_offset_secs(), 0, "nothing adopted");
    }
    let received = server.received();
    assert_eq!(received.len(), 2, "no retry for an implausible skew");
    let this_year = &support::format_amz_date(SystemTime::now())[..4];
    for head in &received {
        assert_eq!(&x_amz_date(head)[..4], this_year, "{head}");
    }
}

#[tokio::test]
async fn a_skew_within_a_configured_bound_is_adopted_and_one_beyond_it_is_not() {
    let ten_minutes = Duration::from_secs(600);
    for (bound, adopted) in [
        (Duration::from_secs(900), true),
        (Duration::from_secs(300), false),
    ] {
        let server = skewed_server(ten_minutes, true).await;
        let middleware = SigningMiddleware::new(support::signer())
            .skew_correction(SkewCorrection::enabled().max_offset(bound));
        let client = signing_client(client_builder().build().unwrap(), middleware.clone());
        let response = client.get(server.base()).send().await.unwrap();
        let expected = if adopted { 200 } else { 403 };
        assert_eq!(response.status(), expected, "bound {bound:?}");
        let offset = middleware.clock_offset_secs();
        if adopted {
            assert!((595..=605).contains(&offset), "{offset}");
            assert_eq!(server.received().len(), 2);
        } else {
            assert_eq!(offset, 0);
            assert_eq!(server.received().len(), 1);
        }
    }
}

/// 200 with `Date` now, then a skew 403 from a clock jumped ten minutes ahead, then 200.
async fn clock_jumping_server() -> ScriptedServer {
    ScriptedServer::start(move |i, _| match i {
        0 => {
            let date = httpdate::fmt_http_date(SystemTime::now());
            (format!("HTTP/1.1 200 OK\r\ndate: {date}"), b"ok".to_vec())
        }
        1 => skew_rejection(Duration::from_secs(600)),
        _ => {
            let date = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(600));
            (format!("HTTP/1.1 200 OK\r\ndate: {date}"), b"ok".to_vec())
        }
    })
    .await
}

#[tokio::test]
async fn a_host_whose_date_agreed_a_moment_ago_gets_no_retry_copy_and_a_jump_is_learned() {
    // The first response's Date agrees with our clock: for the next minute the middleware
    // takes no retry copy for this host. A server clock that jumps by ten minutes in that
    // minute (Lambda's do not) costs one 403, which reaches the caller whole; the offset is
    // learned from it and the next request is dated by the server's clock.
    let server = clock_jumping_server().await;
    let middleware = SigningMiddleware::new(support::signer());
    let client = signing_client(client_builder().build().unwrap(), middleware.clone());
    let first = client.get(server.base()).send().await.unwrap();
    assert_eq!(first.status(), 200);
    let jumped = client.get(server.base()).send().await.unwrap();
    assert_eq!(jumped.status(), 403, "no copy was taken, so no retry");
    let (diagnosis, _) = Diagnosis::from_response(jumped).await.unwrap();
    assert!(
        matches!(diagnosis, Some(Diagnosis::ClockSkew { .. })),
        "{diagnosis:?}"
    );
    assert!((595..=605).contains(&middleware.clock_offset_secs()));
    let third = client.get(server.base()).send().await.unwrap();
    assert_eq!(third.status(), 200);
    let received = server.received();
    assert_eq!(received.len(), 3, "one request each, no retry");
    let ahead = support::format_amz_date(SystemTime::now() + Duration::from_secs(600));
    assert_eq!(
        &x_amz_date(&received[2])[..12],
        &ahead[..12],
        "dated by the server's clock"
    );
}

#[tokio::test]
async fn without_an_agreeing_date_every_request_keeps_its_retry_copy() {
    // Answers without a Date header vouch for nothing: a later skew 403 is still retried.
    let server = ScriptedServer::start(move |i, _| {
        if i == 1 {
            skew_rejection(Duration::from_secs(600))
        } else {
            ("HTTP/1.1 200 OK".to_owned(), b"ok".to_vec())
        }
    })
    .await;
    let middleware = SigningMiddleware::new(support::signer());
    let client = signing_client(client_builder().build().unwrap(), middleware.clone());
    for _ in 0..2 {
        assert_eq!(
            client.get(server.base()).send().await.unwrap().status(),
            200
        );
    }
    assert_eq!(server.received().len(), 3, "the 403 was retried");
}

#[tokio::test]
async fn an_offset_past_the_credentials_expiry_is_dropped_instead_of_failing() {
    // The key expires in 10 minutes; the server claims its clock is 14 minutes ahead.
    let expiry = SystemTime::now() + Duration::from_secs(600);
    let credentials = Credentials::new(
        support::ACCESS_KEY,
        support::SECRET_KEY,
        Some(support::SESSION_TOKEN.to_owned()),
        Some(expiry),
        "test",
    );
    let signer = Signer::builder()
        .region(support::REGION)
        .credentials(credentials)
        .build()
        .unwrap();
    let server = skewed_server(Duration::from_secs(840), true).await;
    let middleware = SigningMiddleware::new(signer);
    let client = signing_client(client_builder().build().unwrap(), middleware.clone());
    let response = client.get(server.base()).send().await.unwrap();
    assert_eq!(
        response.status(),
        200,
        "signed with the local clock instead"
    );
    assert_eq!(middleware.clock_offset_secs(), 0, "the offset was dropped");
    let received = server.received();
    assert_eq!(received.len(), 2);
    let now = support::format_amz_date(SystemTime::now());
    // The retry is dated now (minute precision is enough: the offset was 14 minutes).
    assert_eq!(&x_amz_date(&received[1])[..13], &now[..13]);
}

/// A retry layer that replaces the body with another of the same length before the second
/// attempt, keeping the request's extensions (where the body hash is kept).
struct RewriteAndRetry;

#[async_trait::async_trait]
impl Middleware for RewriteAndRetry {
    async fn handle(
        &self,
        req: reqwest::Request,
        extensions: &mut http::Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        let mut second = req.try_clone().expect("a buffered body");
        let first = next.clone().run(req, extensions).await?;
        if first.status() != 500 {
            return Ok(first);
        }
        *second.body_mut() = Some(reqwest::Body::from(b"PAYLOAD".to_vec()));
        next.run(second, extensions).await
    }
}

#[tokio::test]
async fn a_body_replaced_between_attempts_is_hashed_again() {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let handler = move |_: &InvokeEvent| match seen.fetch_add(1, Ordering::SeqCst) {
        0 => HandlerResponse::text(500, "try again"),
        _ => HandlerResponse::text(200, "ok"),
    };
    let emu = support::emulator(|b| b.handler(handler)).await;
    let client = ClientBuilder::new(client_builder().build().unwrap())
        .with(RewriteAndRetry)
        .with(SigningMiddleware::new(support::signer()))
        .build();
    let response = client
        .post(emu.function_url())
        .body(b"payload".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let received = emu.received();
    assert_eq!(received.len(), 2);
    assert_eq!(received[0].body, b"payload");
    assert_eq!(received[1].body, b"PAYLOAD");
    for r in &received {
        assert_eq!(r.outcome.rejection, None, "both attempts verified: {r:?}");
    }
    assert_eq!(
        received[1].header_str("x-amz-content-sha256"),
        Some(support::sha256_hex(b"PAYLOAD").as_str())
    );
}
