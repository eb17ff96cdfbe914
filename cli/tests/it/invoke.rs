//! `lambda-url invoke` (an awscurl for function URLs) run as a child process against the
//! emulator: every option, every exit status, and what the function URL endpoint received.
//!
//! Every child runs with a cleared environment (only `PATH`, an empty `HOME`, IMDS disabled and
//! the variables a test sets), is killed after 30 seconds, and must never print a panic or a
//! backtrace.

use crate::support::{self, emulator, session_env, sha256_hex};
use lambda_url_emulator::{CloudFrontConfig, Emulator, HandlerResponse, OacSigning};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;

/// A child that runs longer than this is killed and the test fails.
const TIMEOUT: Duration = Duration::from_secs(30);
/// The function URL request payload limit.
const LIMIT: usize = 6_291_456;
/// The body of the CloudFront OAC worked example and its SHA-256.
const OAC_BODY: &str = "{\n    \"test\": \"message\"\n}";
const OAC_BODY_SHA256: &str = "7acb899e28935d98d2a01e27212b5f130ca860f5899c1caabf18ec0988e5df62";

/// A directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "lambda-url-invoke-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempDir(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    fn write(&self, name: &str, contents: &[u8]) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, contents).expect("write temp file");
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What a child printed and how it ended.
#[derive(Debug)]
pub(crate) struct Output {
    code: Option<i32>,
    stdout: Vec<u8>,
    stderr: String,
}

impl Output {
    fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self:?}"))
    }

    /// Exit 2 with a one-line message of its own on stderr and nothing on stdout.
    fn assert_config_error(&self, contains: &str) {
        assert_eq!(self.code, Some(2), "{self:?}");
        assert!(self.stdout.is_empty(), "{self:?}");
        assert_eq!(self.stderr.lines().count(), 1, "{self:?}");
        assert!(self.stderr.starts_with("lambda-url invoke: "), "{self:?}");
        assert!(self.stderr.contains(contains), "{contains:?} in {self:?}");
    }

    /// Exit 2 with clap's usage error on stderr and nothing on stdout.
    fn assert_usage_error(&self, contains: &str) {
        assert_eq!(self.code, Some(2), "{self:?}");
        assert!(self.stdout.is_empty(), "{self:?}");
        assert!(self.stderr.starts_with("error: "), "{self:?}");
        assert!(self.stderr.contains(contains), "{contains:?} in {self:?}");
        assert!(self.stderr.contains("--help"), "{self:?}");
    }
}

/// Runs `lambda-url invoke` with `args`, a cleared environment plus `env`, and `stdin` if
/// given.
pub(crate) async fn run(args: &[&str], env: &[(&str, String)], stdin: Option<Vec<u8>>) -> Output {
    let home = TempDir::new();
    let mut command = tokio::process::Command::from(support::lambda_url("invoke", home.path()));
    command
        .args(args)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .kill_on_drop(true);
    let mut child = command.spawn().expect("spawn lambda-url invoke");
    if let (Some(bytes), Some(mut pipe)) = (stdin, child.stdin.take()) {
        tokio::spawn(async move {
            let _ = pipe.write_all(&bytes).await;
            // Dropping the pipe closes the child's standard input.
        });
    }
    let output = tokio::time::timeout(TIMEOUT, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("invoke {args:?} ran longer than {TIMEOUT:?}; killed"))
        .expect("wait for lambda-url invoke");
    let output = Output {
        code: output.status.code(),
        stdout: output.stdout,
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    let lower = output.stderr.to_ascii_lowercase();
    assert!(
        !lower.contains("panicked") && !lower.contains("backtrace"),
        "{output:?}"
    );
    output
}

/// Runs `lambda-url invoke` with the session test credentials.
async fn invoke(args: &[&str]) -> Output {
    run(args, &session_env(), None).await
}

/// The signature in an `Authorization` header.
fn signature(authorization: &str) -> &str {
    authorization
        .split("Signature=")
        .nth(1)
        .expect("a signature")
}

/// The emulator's function URL joined with `path`.
fn url(emu: &Emulator, path: &str) -> String {
    format!("{}{path}", emu.function_url().trim_end_matches('/'))
}

#[tokio::test]
async fn get_is_signed_and_the_body_goes_to_stdout() {
    let emu = emulator(|b| b).await;
    let out = invoke(&["--region", support::REGION, &url(&emu, "/hello?b=2&a=1")]).await;
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(out.stderr.is_empty(), "{out:?}");
    let echo = out.json();
    assert_eq!(echo["method"], "GET");
    assert_eq!(echo["rawPath"], "/hello");
    assert_eq!(echo["callerArn"], "arn:aws:iam::123456789012:user/test");
    let received = emu.received();
    assert_eq!(received.len(), 1);
    let r = &received[0];
    assert_eq!(r.outcome.status, 200, "{r:?}");
    assert_eq!(r.method, "GET");
    assert!(r.body.is_empty());
    assert_eq!(
        r.header_str("x-amz-security-token"),
        Some(support::SESSION_TOKEN)
    );
    let auth = r.header_str("authorization").expect("signed");
    assert!(
        auth.starts_with(&format!(
            "AWS4-HMAC-SHA256 Credential={}/",
            support::ACCESS_KEY
        )),
        "{auth}"
    );
    assert!(auth.contains("/eu-central-1/lambda/aws4_request"), "{auth}");
    // The whole response body, and nothing else, is on stdout.
    assert_eq!(out.stdout_text().trim_end(), echo.to_string());
}

#[tokio::test]
async fn inline_data_is_posted_byte_for_byte_with_nothing_added() {
    let emu = emulator(|b| b).await;
    let body = "a=1&b=two words&c=+%2B\n";
    let out = invoke(&["--region", support::REGION, "-d", body, &url(&emu, "/form")]).await;
    assert_eq!(out.code, Some(0), "{out:?}");
    let echo = out.json();
    assert_eq!(echo["method"], "POST");
    assert_eq!(echo["bodySha256"], sha256_hex(body.as_bytes()));
    let r = &emu.received()[0];
    assert_eq!(r.body, body.as_bytes());
    assert_eq!(r.header("content-type"), None, "no content type added");
    assert_eq!(
        r.header_str("x-amz-content-sha256"),
        Some(sha256_hex(body.as_bytes()).as_str())
    );

    // --data=VALUE and an empty body (still a POST).
    let out = invoke(&["--region", support::REGION, "--data=", &url(&emu, "/")]).await;
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(out.json()["method"], "POST");
    assert_eq!(out.json()["bodySha256"], sha256_hex(b""));
}

#[tokio::test]
async fn data_from_a_file_is_sent_unchanged() {
    let emu = emulator(|b| b).await;
    let dir = TempDir::new();
    let body: Vec<u8> = (0..10_000u32).map(|i| (i * 7 % 256) as u8).collect();
    let file = dir.write("body.bin", &body);
    let arg = format!("@{}", file.display());
    let out = invoke(&[
        "--region",
        support::REGION,
        "-d",
        &arg,
        &url(&emu, "/upload"),
    ])
    .await;
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(out.json()["bodySha256"], sha256_hex(&body));
    assert_eq!(emu.received()[0].body, body);
}

#[tokio::test]
async fn data_from_stdin_is_binary_safe() {
    let emu = emulator(|b| b).await;
    let body: Vec<u8> = (0..=255u8).collect();
    let out = run(
        &["--region", support::REGION, "-d", "@-", &url(&emu, "/bin")],
        &session_env(),
        Some(body.clone()),
    )
    .await;
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(out.json()["bodySha256"], sha256_hex(&body));
    let r = &emu.received()[0];
    assert_eq!(r.body, body);
    assert_eq!(r.outcome.status, 200);
}

#[tokio::test]
async fn headers_are_sent_as_signed() {
    let emu = emulator(|b| b).await;
    let out = invoke(&[
        "--region",
        support::REGION,
        "-H",
        "X-Custom: hello   world",
        "--header",
        "x-repeat: 1",
        "-Hx-repeat: 2",
        "--header=Content-Type: text/plain; charset=utf-8",
        "-d",
        "hi",
        &url(&emu, "/h"),
    ])
    .await;
    assert_eq!(out.code, Some(0), "{out:?}");
    let r = &emu.received()[0];
    assert_eq!(r.outcome.status, 200, "{r:?}");
    // Sent in the canonical form that was signed: whitespace runs collapsed.
    assert_eq!(r.header_str("x-custom"), Some("hello world"));
    assert_eq!(r.header_values("x-repeat"), vec![&b"1"[..], &b"2"[..]]);
    assert_eq!(
        r.header_str("content-type"),
        Some("text/plain; charset=utf-8")
    );
    let auth = r.header_str("authorization").expect("signed");
    for name in ["content-type", "x-custom", "x-repeat"] {
        assert!(auth.contains(name), "{name} signed: {auth}");
    }
}

#[tokio::test]
async fn request_sets_the_method() {
    let emu = emulator(|b| b).await;
    let target = url(&emu, "/m");
    let cases: [(&[&str], &str); 4] = [
        (&["-X", "PUT", "-d", "x"], "PUT"),
        (&["-XDELETE"], "DELETE"),
        (&["--request=PATCH", "-d", "{}"], "PATCH"),
        (&["--request", "OPTIONS"], "OPTIONS"),
    ];
    for (i, (options, method)) in cases.iter().enumerate() {
        let mut args = vec!["--region", support::REGION];
        args.extend_from_slice(options);
        args.push(&target);
        let out = invoke(&args).await;
        assert_eq!(out.code, Some(0), "{out:?}");
        assert_eq!(out.json()["method"], *method);
        let r = &emu.received()[i];
        assert_eq!(r.method, *method);
        assert_eq!(r.outcome.status, 200, "{r:?}");
    }
}

#[tokio::test]
async fn region_is_required_for_a_loopback_url() {
    let emu = emulator(|b| b).await;
    let out = invoke(&[emu.function_url()]).await;
    out.assert_config_error("--region");
    assert!(
        out.stderr.contains("no region for host `127.0.0.1:"),
        "{out:?}"
    );
    // A malformed region and a URL that is not http(s) are refused too.
    let out = invoke(&["--region", "EU Central", emu.function_url()]).await;
    out.assert_config_error("invalid region");
    let out = invoke(&["--region", support::REGION, "ftp://127.0.0.1/"]).await;
    out.assert_config_error("invalid url");
    assert!(emu.received().is_empty(), "nothing was sent");
}

/// The session credentials plus `vars`.
fn env_with(vars: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    let mut env = session_env();
    env.extend(vars.iter().map(|(k, v)| (*k, (*v).to_owned())));
    env
}

/// The credential scope's region in a signed request the emulator received.
fn signed_region(request: &lambda_url_emulator::ReceivedRequest) -> String {
    let authorization = request.header_str("authorization").expect("signed");
    let scope = authorization
        .split("Credential=")
        .nth(1)
        .and_then(|c| c.split(',').next())
        .expect("a credential");
    scope.split('/').nth(2).expect("a region").to_owned()
}

/// One run of the region cases: the variables set, the flags given, the exit status, and the
/// region signed for.
struct RegionCase {
    vars: &'static [(&'static str, &'static str)],
    flags: &'static [&'static str],
    code: i32,
    signed: &'static str,
}

#[tokio::test]
async fn without_region_the_environment_gives_it_aws_region_first() {
    use support::REGION;
    let emu = emulator(|b| b).await;
    let target = url(&emu, "/r");
    let cases = [
        RegionCase {
            vars: &[("AWS_DEFAULT_REGION", REGION)],
            flags: &[],
            code: 0,
            signed: REGION,
        },
        RegionCase {
            vars: &[("AWS_REGION", REGION)],
            flags: &[],
            code: 0,
            signed: REGION,
        },
        RegionCase {
            vars: &[("AWS_REGION", REGION), ("AWS_DEFAULT_REGION", "us-west-2")],
            flags: &[],
            code: 0,
            signed: REGION,
        },
        // An empty AWS_REGION counts as unset.
        RegionCase {
            vars: &[("AWS_REGION", ""), ("AWS_DEFAULT_REGION", REGION)],
            flags: &[],
            code: 0,
            signed: REGION,
        },
        // --region wins over both.
        RegionCase {
            vars: &[
                ("AWS_REGION", "us-west-2"),
                ("AWS_DEFAULT_REGION", "us-west-2"),
            ],
            flags: &["--region", REGION],
            code: 0,
            signed: REGION,
        },
        // The environment's region is the one signed for: the emulator refuses its scope.
        RegionCase {
            vars: &[("AWS_REGION", "us-west-2"), ("AWS_DEFAULT_REGION", REGION)],
            flags: &[],
            code: 22,
            signed: "us-west-2",
        },
    ];
    for (i, case) in cases.iter().enumerate() {
        let mut args = case.flags.to_vec();
        args.push(&target);
        let out = run(&args, &env_with(case.vars), None).await;
        let context = format!("{:?} {:?}", case.vars, case.flags);
        assert_eq!(out.code, Some(case.code), "{context}: {out:?}");
        assert_eq!(signed_region(&emu.received()[i]), case.signed, "{context}");
    }
}

#[tokio::test]
async fn a_function_url_host_keeps_its_own_region_over_the_environment() {
    // Presigning sends nothing, so a real function URL host works offline.
    let function_url =
        "https://abcdefghijklmnopqrstuvwxyz234567.lambda-url.eu-central-1.on.aws/report";
    let env = env_with(&[("AWS_REGION", "us-west-2")]);
    let out = run(&["--presign", "60", function_url], &env, None).await;
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(
        out.stdout_text()
            .contains("%2Feu-central-1%2Flambda%2Faws4_request"),
        "{out:?}"
    );
    // A host without a region takes the environment's.
    let out = run(&["--presign", "60", "http://127.0.0.1:9/"], &env, None).await;
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(
        out.stdout_text()
            .contains("%2Fus-west-2%2Flambda%2Faws4_request"),
        "{out:?}"
    );
}

#[tokio::test]
async fn without_any_region_nothing_is_sent_and_the_error_names_every_way_to_give_one() {
    let emu = emulator(|b| b).await;
    for env in [
        session_env(),
        env_with(&[("AWS_REGION", ""), ("AWS_DEFAULT_REGION", " ")]),
    ] {
        let out = run(&[emu.function_url()], &env, None).await;
        out.assert_config_error("no region for host `127.0.0.1:");
        for way in ["--region", "AWS_REGION", "AWS_DEFAULT_REGION"] {
            assert!(out.stderr.contains(way), "{way} in {out:?}");
        }
    }
    // A malformed region from the environment names the variable.
    let out = run(
        &[emu.function_url()],
        &env_with(&[("AWS_DEFAULT_REGION", "EU Central")]),
        None,
    )
    .await;
    out.assert_config_error("invalid region");
    assert!(out.stderr.contains("AWS_DEFAULT_REGION"), "{out:?}");
    assert!(emu.received().is_empty(), "nothing was sent");
}

/// Runs `lambda-url invoke` with the session credentials and arguments that need not be UTF-8.
async fn invoke_os(args: &[std::ffi::OsString]) -> std::process::Output {
    let home = TempDir::new();
    let mut command = tokio::process::Command::from(support::lambda_url("invoke", home.path()));
    let output = command.args(args).envs(session_env()).output();
    tokio::time::timeout(TIMEOUT, output)
        .await
        .expect("lambda-url invoke ended in time")
        .expect("run lambda-url invoke")
}

/// `-d` and `-H` values that are not UTF-8 (argv cannot hold NUL) reach the function URL byte
/// for byte, or are refused when they cannot be signed.
#[tokio::test]
async fn data_and_header_bytes_that_are_not_utf8_pass_through_unchanged() {
    use std::ffi::OsString;
    use std::os::unix::ffi::OsStringExt;
    let emu = emulator(|b| b).await;
    let body: Vec<u8> = vec![0xff, 0xfe, b'-', 0x01, 0xc3, b'\n'];
    let os = |s: &str| OsString::from(s);
    let latin = || OsString::from_vec(b"x-latin: caf\xe9".to_vec());

    let output = invoke_os(&[
        os("--region"),
        os(support::REGION),
        os("-d"),
        OsString::from_vec(body.clone()),
        os(&url(&emu, "/bytes")),
    ])
    .await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let r = &emu.received()[0];
    assert_eq!(r.outcome.status, 200, "{r:?}");
    assert_eq!(r.body, body);
    assert_eq!(
        r.header_str("x-amz-content-sha256"),
        Some(sha256_hex(&body).as_str())
    );

    // SigV4 signs header values as text: one that is not UTF-8 is refused, nothing is sent.
    let output = invoke_os(&[
        os("--region"),
        os(support::REGION),
        os("-H"),
        latin(),
        os(&url(&emu, "/bytes")),
    ])
    .await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.starts_with("lambda-url invoke: "), "{stderr}");
    assert!(stderr.contains("not valid UTF-8"), "{stderr}");
    assert_eq!(emu.received().len(), 1);

    // Unsigned (--oac), the same header goes out as given.
    let cloudfront = emu.cloudfront_url().expect("cloudfront").to_owned();
    let output = invoke_os(&[os("--oac"), os("-H"), latin(), os(&cloudfront)]).await;
    let r = &emu.received()[1];
    assert_eq!(
        r.header_values("x-latin"),
        vec![&b"caf\xe9"[..]],
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn oac_posts_through_cloudfront_without_credentials() {
    let emu = emulator(|b| b).await;
    let cloudfront = emu.cloudfront_url().expect("cloudfront").to_owned();
    // No AWS variables at all: OAC mode needs neither credentials nor a region.
    let out = run(
        &[
            "--oac",
            "-H",
            "content-type: application/json",
            "-d",
            OAC_BODY,
            &format!("{}/items", cloudfront.trim_end_matches('/')),
        ],
        &[],
        None,
    )
    .await;
    assert_eq!(out.code, Some(0), "{out:?}");
    let echo = out.json();
    assert_eq!(echo["method"], "POST");
    assert_eq!(echo["bodySha256"], OAC_BODY_SHA256);
    let r = &emu.received()[0];
    assert!(r.via_cloudfront);
    assert_eq!(r.outcome.status, 200, "{r:?}");
    assert_eq!(r.header_str("x-amz-content-sha256"), Some(OAC_BODY_SHA256));
    assert!(
        r.outcome
            .caller_arn
            .as_deref()
            .is_some_and(|arn| arn.contains("OriginAccessControlRole")),
        "{r:?}"
    );

    // And a GET through OAC.
    let out = run(&["--oac", &cloudfront], &[], None).await;
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(out.json()["method"], "GET");
}

#[tokio::test]
async fn sign_host_signs_for_the_function_url_host_and_sends_to_cloudfront() {
    let emu = emulator(|b| {
        b.cloudfront(CloudFrontConfig::new(support::DISTRIBUTION).signing(OacSigning::NoOverride))
    })
    .await;
    let cloudfront = emu.cloudfront_url().expect("cloudfront").to_owned();
    let host = emu.function_host().to_owned();
    let out = invoke(&[
        "--sign-host",
        &host,
        "--region",
        support::REGION,
        "-d",
        "hello",
        &cloudfront,
    ])
    .await;
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(out.json()["bodySha256"], sha256_hex(b"hello"));
    let r = &emu.received()[0];
    assert!(r.via_cloudfront);
    assert_eq!(r.outcome.status, 200, "{r:?}");
    assert!(r
        .header_str("authorization")
        .expect("viewer signature passed through")
        .starts_with(&format!(
            "AWS4-HMAC-SHA256 Credential={}/",
            support::ACCESS_KEY
        )));
    assert_eq!(
        r.outcome.caller_arn.as_deref(),
        Some("arn:aws:iam::123456789012:user/test")
    );

    // The sign host `127.0.0.1:N` is not a function URL host, so the region must be given.
    let out = invoke(&["--sign-host", &host, &cloudfront]).await;
    out.assert_config_error("--region");
    // --oac and --sign-host exclude each other.
    let out = invoke(&["--oac", "--sign-host", &host, &cloudfront]).await;
    assert_eq!(out.code, Some(2), "{out:?}");
    assert_eq!(emu.received().len(), 1);
}

#[tokio::test]
async fn presign_prints_a_url_that_works_with_a_plain_client() {
    let emu = emulator(|b| b).await;
    let out = invoke(&[
        "--presign",
        "60",
        "--region",
        support::REGION,
        &url(&emu, "/report?day=mon"),
    ])
    .await;
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(emu.received().is_empty(), "presigning sends nothing");
    let text = out.stdout_text();
    let presigned = text.strip_suffix('\n').expect("one line");
    assert!(!presigned.contains('\n'));
    assert!(presigned.contains("X-Amz-Expires=60"), "{presigned}");
    assert!(presigned.contains("X-Amz-Signature="), "{presigned}");
    assert!(presigned.contains("X-Amz-Security-Token="), "{presigned}");
    let response = reqwest::get(presigned).await.expect("GET");
    assert_eq!(response.status(), 200);
    let r = &emu.received()[0];
    assert_eq!(r.outcome.status, 200, "{r:?}");
    assert!(r.header("authorization").is_none());
    assert!(r.target.starts_with("/report?day=mon&X-Amz-Algorithm="));

    // A presigned POST signs the body's hash: that body works, another one does not.
    let out = invoke(&[
        "--presign",
        "300",
        "--region",
        support::REGION,
        "-d",
        "payload",
        &url(&emu, "/post"),
    ])
    .await;
    assert_eq!(out.code, Some(0), "{out:?}");
    let presigned = out.stdout_text().trim_end().to_owned();
    let client = reqwest::Client::new();
    let ok = client
        .post(&presigned)
        .body("payload")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let other = client.post(&presigned).body("other").send().await.unwrap();
    assert_eq!(other.status(), 403);
}

#[tokio::test]
async fn presign_expiry_must_be_between_one_second_and_seven_days() {
    let emu = emulator(|b| b).await;
    let target = url(&emu, "/");
    for expiry in ["0", "700000"] {
        let out = invoke(&["--presign", expiry, "--region", support::REGION, &target]).await;
        out.assert_config_error("out of range");
    }
    let out = invoke(&["--presign", "soon", "--region", support::REGION, &target]).await;
    out.assert_usage_error("invalid value 'soon' for '--presign <SECONDS>'");
    // The limits themselves are accepted.
    for expiry in ["1", "604800"] {
        let out = invoke(&["--presign", expiry, "--region", support::REGION, &target]).await;
        assert_eq!(out.code, Some(0), "{out:?}");
    }
    assert!(emu.received().is_empty());
}

/// An emulator whose function answers 503 to the first `failures` calls, then 200 `ok`.
async fn flaky(failures: usize) -> Emulator {
    let calls = Arc::new(AtomicUsize::new(0));
    emulator(move |b| {
        b.handler(move |_event| {
            if calls.fetch_add(1, Ordering::SeqCst) < failures {
                HandlerResponse::text(503, "busy")
            } else {
                HandlerResponse::text(200, "ok")
            }
        })
    })
    .await
}

#[tokio::test]
async fn retries_re_sign_every_attempt() {
    let emu = flaky(2).await;
    let out = invoke(&[
        "--retries",
        "2",
        "--region",
        support::REGION,
        &url(&emu, "/"),
    ])
    .await;
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(out.stdout, b"ok");
    let received = emu.received();
    assert_eq!(received.len(), 3);
    let statuses: Vec<u16> = received.iter().map(|r| r.outcome.status).collect();
    assert_eq!(statuses, [503, 503, 200]);
    let mut signatures: Vec<&str> = received
        .iter()
        .map(|r| signature(r.header_str("authorization").expect("signed")))
        .collect();
    let mut dates: Vec<&str> = received
        .iter()
        .map(|r| r.header_str("x-amz-date").expect("dated"))
        .collect();
    signatures.dedup();
    dates.dedup();
    assert_eq!(signatures.len(), 3, "three distinct signatures");
    assert_eq!(dates.len(), 3, "three distinct dates");
}

#[tokio::test]
async fn a_5xx_after_the_last_retry_exits_22() {
    let emu = flaky(2).await;
    let out = invoke(&[
        "--retries",
        "1",
        "--region",
        support::REGION,
        &url(&emu, "/"),
    ])
    .await;
    assert_eq!(out.code, Some(22), "{out:?}");
    assert_eq!(out.stdout, b"busy");
    assert!(out.stderr.contains("503"), "{out:?}");
    assert_eq!(emu.received().len(), 2);
}

#[tokio::test]
async fn include_prints_the_status_line_and_headers_first() {
    let emu = emulator(|b| b).await;
    let out = invoke(&["-i", "--region", support::REGION, &url(&emu, "/")]).await;
    assert_eq!(out.code, Some(0), "{out:?}");
    let text = out.stdout_text();
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    let (head, body) = text.split_once("\r\n\r\n").expect("a blank line");
    let request_id = &emu.received()[0].request_id;
    assert!(
        head.to_ascii_lowercase()
            .contains(&format!("\r\nx-amzn-requestid: {request_id}")),
        "{head}"
    );
    assert!(
        head.to_ascii_lowercase().contains("\r\ncontent-type: "),
        "{head}"
    );
    let echo: serde_json::Value = serde_json::from_str(body).expect("the body after the head");
    assert_eq!(echo["method"], "GET");
}

#[tokio::test]
async fn verbose_explains_the_signature_without_secrets() {
    let emu = emulator(|b| b).await;
    let out = invoke(&[
        "-v",
        "--region",
        support::REGION,
        "-d",
        "hi",
        &url(&emu, "/v?a=1"),
    ])
    .await;
    assert_eq!(out.code, Some(0), "{out:?}");
    let r = &emu.received()[0];
    let date = r.header_str("x-amz-date").expect("dated");
    let err = &out.stderr;
    assert!(
        err.contains("* canonical request:\nPOST\n/v\na=1\n"),
        "{err}"
    );
    assert!(err.contains(&format!("\nx-amz-date:{date}\n")), "{err}");
    assert!(err.contains("\nx-amz-security-token:<redacted>\n"), "{err}");
    assert!(
        err.contains(&format!(
            "* string to sign:\nAWS4-HMAC-SHA256\n{date}\n{}/eu-central-1/lambda/aws4_request\n",
            &date[..8]
        )),
        "{err}"
    );
    assert!(
        err.contains(
            "* signed headers: host;x-amz-content-sha256;x-amz-date;x-amz-security-token\n"
        ),
        "{err}"
    );
    assert!(err.contains("< HTTP/1.1 200 OK"), "{err}");
    // What is printed is what was signed: the canonical request (token restored) hashes to the
    // string to sign's last line, and the string to sign, under the test secret, gives the
    // signature the emulator received and accepted.
    let canonical = between(err, "* canonical request:\n", "\n* string to sign:\n")
        .replace("<redacted>", support::SESSION_TOKEN);
    let string_to_sign = between(err, "* string to sign:\n", "\n* signed headers: ");
    assert!(
        string_to_sign.ends_with(&format!("\n{}", sha256_hex(canonical.as_bytes()))),
        "{err}"
    );
    let key = [&date[..8], support::REGION, "lambda", "aws4_request"]
        .iter()
        .fold(
            format!("AWS4{}", support::SECRET_KEY).into_bytes(),
            |key, part| hmac_sha256(&key, part.as_bytes()),
        );
    let sig = signature(r.header_str("authorization").expect("signed"));
    assert_eq!(
        hex::encode(hmac_sha256(&key, string_to_sign.as_bytes())),
        sig
    );
    // Never a secret: not the secret key, not the session token, not the signature.
    assert!(!err.contains(support::SECRET_KEY), "{err}");
    assert!(!err.contains(support::SESSION_TOKEN), "{err}");
    assert!(!err.contains(sig), "{err}");
    assert!(err.contains("Signature=<redacted>"), "{err}");
    // The body still goes to stdout, alone.
    assert_eq!(out.json()["bodySha256"], sha256_hex(b"hi"));
}

/// The text between `start` and `end` in `text`.
fn between<'t>(text: &'t str, start: &str, end: &str) -> &'t str {
    let from = text.find(start).expect("start marker") + start.len();
    let len = text[from..].find(end).expect("end marker");
    &text[from..from + len]
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    use hmac::{KeyInit, Mac};
    let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(key).expect("any key");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

#[tokio::test]
async fn a_wrong_secret_exits_22_with_the_diagnosis() {
    let emu = emulator(|b| b).await;
    let mut env = session_env();
    env[1].1 = "wrong-secret-key-wrong-secret-key-wrong-".to_owned();
    let out = run(&["--region", support::REGION, &url(&emu, "/")], &env, None).await;
    assert_eq!(out.code, Some(22), "{out:?}");
    assert!(
        out.stdout_text()
            .contains("The request signature we calculated does not match"),
        "the body is printed: {out:?}"
    );
    assert!(out.stderr.contains("signature mismatch"), "{out:?}");
    assert_eq!(out.stderr.lines().count(), 1, "{out:?}");
    assert!(!out.stderr.contains("wrong-secret"), "{out:?}");
    assert_eq!(emu.received()[0].outcome.status, 403);
}

#[tokio::test]
async fn malformed_arguments_exit_2_and_send_nothing() {
    let emu = emulator(|b| b).await;
    let target = url(&emu, "/");
    let out = invoke(&["--region", support::REGION, "-H", "X-No-Colon", &target]).await;
    out.assert_config_error("no colon");
    let out = invoke(&["--region", support::REGION, "-H", "Bad Name: x", &target]).await;
    out.assert_config_error("invalid name");
    let out = invoke(&["--region", support::REGION, "-X", "GE T", &target]).await;
    out.assert_config_error("not an HTTP method");
    let out = invoke(&["--oac", "--presign", "60", &target]).await;
    out.assert_config_error("exclude each other");
    // What clap refuses, with its own message and usage line.
    let out = invoke(&["--region", support::REGION, "--bogus", &target]).await;
    out.assert_usage_error("unexpected argument '--bogus'");
    let out = invoke(&["--region", support::REGION, &target, "-X"]).await;
    out.assert_usage_error("a value is required for '--request <METHOD>'");
    let out = invoke(&["--region", support::REGION, &target, &target]).await;
    out.assert_usage_error(&format!("unexpected argument '{target}'"));
    let out = invoke(&["--region", support::REGION, "--retries", "-1", &target]).await;
    out.assert_usage_error("'-1'");
    let out = invoke(&["--region", support::REGION, "--retries", "many", &target]).await;
    out.assert_usage_error("invalid value 'many' for '--retries <N>'");
    let out = invoke(&["--region", support::REGION]).await;
    out.assert_usage_error("<URL>");
    let out = invoke(&["--region", support::REGION, "-d", "a", "-d", "b", &target]).await;
    out.assert_usage_error("'--data <DATA>' cannot be used multiple times");
    assert!(emu.received().is_empty());
}

#[tokio::test]
async fn an_unreadable_file_exits_2_and_sends_nothing() {
    let emu = emulator(|b| b).await;
    let dir = TempDir::new();
    let missing = format!("@{}", dir.path().join("missing.json").display());
    let out = invoke(&["--region", support::REGION, "-d", &missing, &url(&emu, "/")]).await;
    out.assert_config_error("cannot read");
    // A directory is not a readable file either.
    let directory = format!("@{}", dir.path().display());
    let out = invoke(&[
        "--region",
        support::REGION,
        "-d",
        &directory,
        &url(&emu, "/"),
    ])
    .await;
    out.assert_config_error("cannot read");
    assert!(emu.received().is_empty());
}

#[tokio::test]
async fn the_payload_limit_is_checked_before_sending() {
    let emu = emulator(|b| b).await;
    let dir = TempDir::new();
    let text = |n: usize| vec![b'a'; n];
    let at_limit = format!("@{}", dir.write("limit.txt", &text(LIMIT)).display());
    let over = format!("@{}", dir.write("over.txt", &text(LIMIT + 1)).display());
    let content_type = "content-type: text/plain";
    let target = url(&emu, "/big");

    let out = invoke(&[
        "--region",
        support::REGION,
        "-H",
        content_type,
        "-d",
        &over,
        &target,
    ])
    .await;
    out.assert_config_error("over the limit of 6291456 bytes");
    // Without a text content type Lambda counts the base64 size: 4.8 MB of binary is too much.
    let binary = format!("@{}", dir.write("bin", &vec![0u8; 4_800_000]).display());
    let out = invoke(&["--region", support::REGION, "-d", &binary, &target]).await;
    out.assert_config_error("over the limit");
    assert!(emu.received().is_empty(), "nothing was sent");

    // Exactly at the limit is fine.
    let out = invoke(&[
        "--region",
        support::REGION,
        "-H",
        content_type,
        "-d",
        &at_limit,
        &target,
    ])
    .await;
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(out.json()["bodySha256"], sha256_hex(&text(LIMIT)));
    assert_eq!(emu.received().len(), 1);
}

#[tokio::test]
async fn no_credentials_exits_2_and_sends_nothing() {
    let emu = emulator(|b| b).await;
    // A cleared environment: no AWS variables, an empty HOME, IMDS disabled.
    let out = run(&["--region", support::REGION, &url(&emu, "/")], &[], None).await;
    out.assert_config_error("no credentials");
    // A half-configured environment is no better.
    let env = [("AWS_ACCESS_KEY_ID", support::ACCESS_KEY.to_owned())];
    let out = run(&["--region", support::REGION, &url(&emu, "/")], &env, None).await;
    out.assert_config_error("no credentials");
    // Presigning needs credentials too.
    let out = run(
        &[
            "--presign",
            "60",
            "--region",
            support::REGION,
            &url(&emu, "/"),
        ],
        &[],
        None,
    )
    .await;
    out.assert_config_error("no credentials");
    assert!(emu.received().is_empty());
}

#[tokio::test]
async fn profile_reads_the_shared_credentials_file() {
    let emu = emulator(|b| b).await;
    let dir = TempDir::new();
    let file = dir.write(
        "credentials",
        format!(
            "[default]\naws_access_key_id = AKIADEFAULTEXAMPLE00\naws_secret_access_key = nope\n\n\
             [invoke-test]\naws_access_key_id = {}\naws_secret_access_key = {}\naws_session_token = {}\n",
            support::ACCESS_KEY,
            support::SECRET_KEY,
            support::SESSION_TOKEN
        )
        .as_bytes(),
    );
    let env = [("AWS_SHARED_CREDENTIALS_FILE", file.display().to_string())];
    let target = url(&emu, "/p");
    let out = run(
        &[
            "--profile",
            "invoke-test",
            "--region",
            support::REGION,
            &target,
        ],
        &env,
        None,
    )
    .await;
    assert_eq!(out.code, Some(0), "{out:?}");
    let r = &emu.received()[0];
    assert_eq!(r.outcome.status, 200, "{r:?}");
    assert!(r
        .header_str("authorization")
        .expect("signed")
        .contains(support::ACCESS_KEY));

    let out = run(
        &[
            "--profile",
            "no-such-profile",
            "--region",
            support::REGION,
            &target,
        ],
        &env,
        None,
    )
    .await;
    out.assert_config_error("no credentials");
    assert_eq!(emu.received().len(), 1);
}

#[tokio::test]
async fn a_transport_error_exits_1() {
    // A port that was free a moment ago: nothing listens on it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let out = invoke(&[
        "--region",
        support::REGION,
        &format!("http://127.0.0.1:{port}/"),
    ])
    .await;
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(out.stdout.is_empty());
    assert_eq!(out.stderr.lines().count(), 1, "{out:?}");
}

#[tokio::test]
async fn help_goes_to_stdout_and_exits_0() {
    for flag in ["-h", "--help"] {
        let out = run(&[flag], &[], None).await;
        assert_eq!(out.code, Some(0), "{out:?}");
        assert!(out.stderr.is_empty(), "{out:?}");
        let text = out.stdout_text();
        assert!(
            text.contains("Usage: lambda-url invoke [OPTIONS] <URL>"),
            "{text}"
        );
        for option in [
            "-X, --request",
            "-H, --header",
            "-d, --data",
            "--region",
            "--oac",
            "--sign-host",
            "--presign",
            "--profile",
            "--retries",
            "--cacert <FILE>",
            "-i, --include",
            "-v, --verbose",
            "-h, --help",
        ] {
            assert!(text.contains(option), "{option} in {text}");
        }
    }
}

/// `--cacert FILE` against the emulator serving https with its generated root.
mod https {
    use super::*;

    /// The emulator over https, and a directory holding its root as `root.pem`.
    async fn https_emulator() -> (Emulator, TempDir, String) {
        let emu = emulator(|b| b.tls(true)).await;
        let dir = TempDir::new();
        let root = emu.root_certificate_pem().expect("tls").as_bytes();
        let path = dir.write("root.pem", root).display().to_string();
        (emu, dir, path)
    }

    #[tokio::test]
    async fn cacert_trusts_the_emulator_root_in_iam_and_oac_mode() {
        let (emu, _dir, root) = https_emulator().await;
        let target = url(&emu, "/hello?a=1");
        assert!(target.starts_with("https://"));
        let out = invoke(&["--cacert", &root, "--region", support::REGION, &target]).await;
        assert_eq!(out.code, Some(0), "{out:?}");
        assert_eq!(
            out.json()["callerArn"],
            "arn:aws:iam::123456789012:user/test"
        );

        let cloudfront = emu.cloudfront_url().expect("cloudfront").to_owned();
        let out = run(
            &[
                "--oac",
                &format!("--cacert={root}"),
                "-d",
                OAC_BODY,
                &cloudfront,
            ],
            &[],
            None,
        )
        .await;
        assert_eq!(out.code, Some(0), "{out:?}");
        assert_eq!(out.json()["bodySha256"], OAC_BODY_SHA256);

        let received = emu.received();
        assert_eq!(received.len(), 2);
        assert!(
            received.iter().all(|r| r.outcome.status == 200),
            "{received:?}"
        );
        assert_eq!(received[0].target, "/hello?a=1");
        assert!(received[1].via_cloudfront);
        assert_eq!(received[1].body, OAC_BODY.as_bytes());
    }

    #[tokio::test]
    async fn a_presigned_https_url_works_with_a_client_trusting_the_root() {
        let (emu, _dir, _root) = https_emulator().await;
        let out = invoke(&[
            "--presign",
            "60",
            "--region",
            support::REGION,
            &url(&emu, "/r"),
        ])
        .await;
        assert_eq!(out.code, Some(0), "{out:?}");
        let presigned = out.stdout_text().trim_end().to_owned();
        assert!(presigned.starts_with("https://127.0.0.1:"), "{presigned}");
        let root =
            reqwest::Certificate::from_pem(emu.root_certificate_pem().unwrap().as_bytes()).unwrap();
        let client = reqwest::Client::builder()
            .tls_certs_only([root])
            .build()
            .unwrap();
        let response = client.get(&presigned).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(emu.received()[0].outcome.status, 200);
    }

    #[tokio::test]
    async fn without_cacert_the_handshake_fails_and_nothing_is_sent() {
        let (emu, dir, _root) = https_emulator().await;
        let target = url(&emu, "/");
        let out = invoke(&["--region", support::REGION, &target]).await;
        assert_eq!(out.code, Some(1), "a transport error: {out:?}");
        assert!(out.stdout.is_empty());
        assert!(out.stderr.contains("invalid peer certificate"), "{out:?}");

        // Another emulator's root does not vouch for this one.
        let (_other, _other_dir, other_root) = https_emulator().await;
        let out = invoke(&[
            "--cacert",
            &other_root,
            "--region",
            support::REGION,
            &target,
        ])
        .await;
        assert_eq!(out.code, Some(1), "{out:?}");
        assert!(out.stderr.contains("invalid peer certificate"), "{out:?}");

        // A missing file or one without a certificate: a configuration error, exit 2.
        let missing = dir.path().join("missing.pem").display().to_string();
        let out = invoke(&["--cacert", &missing, "--region", support::REGION, &target]).await;
        out.assert_config_error("cannot read");
        let junk = dir
            .write("junk.pem", b"not a certificate\n")
            .display()
            .to_string();
        let out = invoke(&["--cacert", &junk, "--region", support::REGION, &target]).await;
        out.assert_config_error("holds no PEM certificate");
        assert!(emu.received().is_empty(), "{:?}", emu.received());
    }

    #[tokio::test]
    async fn the_emulator_writes_the_root_that_cacert_trusts() {
        use tokio::io::AsyncBufReadExt;
        let dir = TempDir::new();
        let root = dir.path().join("root.pem");
        let mut emulator =
            tokio::process::Command::from(support::lambda_url("emulator", dir.path()));
        let mut emulator = emulator
            .arg("--region")
            .arg(support::REGION)
            .arg("--tls")
            .arg(&root)
            .envs(session_env())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn lambda-url emulator");
        let stdout = emulator.stdout.take().expect("stdout");
        let mut line = String::new();
        tokio::time::timeout(
            TIMEOUT,
            tokio::io::BufReader::new(stdout).read_line(&mut line),
        )
        .await
        .expect("the emulator printed its line in time")
        .expect("read its line");
        let config: serde_json::Value = serde_json::from_str(line.trim()).expect("one JSON line");
        let function_url = config["function_url"].as_str().expect("function_url");
        assert!(function_url.starts_with("https://127.0.0.1:"), "{line}");
        assert!(config["cloudfront"]
            .as_str()
            .is_some_and(|u| u.starts_with("https://")));

        let root = root.display().to_string();
        let args = [
            "--cacert",
            &root,
            "--region",
            support::REGION,
            "-d",
            "hi",
            function_url,
        ];
        let out = invoke(&args).await;
        assert_eq!(out.code, Some(0), "{out:?}");
        assert_eq!(
            out.json()["callerArn"],
            "arn:aws:iam::123456789012:user/local"
        );
        assert_eq!(out.json()["bodySha256"], sha256_hex(b"hi"));
    }
}
