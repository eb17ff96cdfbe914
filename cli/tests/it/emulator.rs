//! `lambda-url emulator` run as a child process: its one JSON line, both endpoints, its exit
//! statuses, and `--edge` with the repository's Lambda@Edge handler under node; `hostile`: raw
//! sockets against its limits and its judgement.

mod hostile;

use crate::support;
use std::io::{BufRead, BufReader};
use std::process::Command;
use std::time::{Duration, Instant};

/// Kills the child when the test ends, however it ends.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `lambda-url emulator` in a clean environment (see [`support::lambda_url`]).
fn emulator_command(home: &std::path::Path) -> Command {
    support::lambda_url("emulator", home)
}

/// Starts the emulator with `args` and the session test credentials; the child and its first
/// stdout line as JSON.
async fn start(home: &std::path::Path, args: &[&str]) -> (Child, serde_json::Value) {
    let (child, line) = start_raw(home, args).await;
    let config = serde_json::from_str(line.trim()).expect("one JSON line");
    (child, config)
}

/// [`start`], with the first stdout line as text.
async fn start_raw(home: &std::path::Path, args: &[&str]) -> (Child, String) {
    let mut child = Child(
        emulator_command(home)
            .args(args)
            .envs(support::session_env())
            .spawn()
            .expect("spawn lambda-url emulator"),
    );
    let stdout = child.0.stdout.take().expect("stdout");
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map(|_| line)
    });
    let line = tokio::time::timeout(Duration::from_secs(30), line)
        .await
        .expect("the emulator printed its line in time")
        .expect("join")
        .expect("read");
    (child, line)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_emulator_prints_one_json_line_and_serves_both_endpoints() {
    let home = tempfile::tempdir().expect("temp dir");
    let (_child, config) = start(home.path(), &["--region", "eu-central-1"]).await;
    assert_eq!(config.as_object().map(|o| o.len()), Some(3), "{config}");
    assert_eq!(config["region"], "eu-central-1");
    let function_url = config["function_url"].as_str().expect("function_url");
    let cloudfront = config["cloudfront"].as_str().expect("cloudfront");
    assert!(function_url.starts_with("http://127.0.0.1:") && function_url.ends_with('/'));
    assert!(cloudfront.starts_with("http://127.0.0.1:") && cloudfront.ends_with('/'));

    let signed = support::iam_client()
        .post(function_url)
        .body("hi")
        .send()
        .await
        .unwrap();
    assert_eq!(signed.status(), 200);
    let unsigned = reqwest::get(function_url).await.unwrap();
    assert_eq!(unsigned.status(), 403);
    // Any viewer Host is accepted by the distribution, and it signs for the origin.
    let via_cloudfront = reqwest::Client::new()
        .get(cloudfront)
        .header("host", "www.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(via_cloudfront.status(), 200);
    // Without --edge, nobody hashes a webhook's body for OAC: the function URL refuses it.
    let unhashed = reqwest::Client::new()
        .post(format!("{cloudfront}github/push"))
        .body("Hello, World!")
        .send()
        .await
        .unwrap();
    assert_eq!(unhashed.status(), 403);
}

#[test]
fn the_json_line_keeps_its_field_order() {
    // The line is written by hand in this order, which a JSON map would not keep: read the
    // raw text.
    let home = tempfile::tempdir().expect("temp dir");
    let mut child = Child(
        emulator_command(home.path())
            .args(["--region", "eu-central-1"])
            .envs(support::session_env())
            .spawn()
            .expect("spawn lambda-url emulator"),
    );
    let mut line = String::new();
    BufReader::new(child.0.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read");
    let function_url = line.find("\"function_url\":").expect("function_url");
    let cloudfront = line.find("\"cloudfront\":").expect("cloudfront");
    let region = line.find("\"region\":\"eu-central-1\"").expect("region");
    assert!(function_url < cloudfront && cloudfront < region, "{line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_it_with_exit_0() {
    let home = tempfile::tempdir().expect("temp dir");
    let (mut child, _) = start(home.path(), &["--region", "eu-central-1"]).await;
    let status = Command::new("kill")
        .args(["-TERM", &child.0.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.0.try_wait().expect("try_wait") {
            break status;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "still running");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(status.code(), Some(0));
}

#[test]
fn configuration_errors_exit_2_with_one_line() {
    let home = tempfile::tempdir().expect("temp dir");
    let cases: [(&[&str], bool, &str); 2] = [
        (&["--region", "eu-central-1"], false, "AWS_ACCESS_KEY_ID"),
        (&["--region", "EU Central"], true, "invalid region"),
    ];
    for (args, with_credentials, message) in cases {
        let mut command = emulator_command(home.path());
        command.args(args);
        if with_credentials {
            command.envs(support::session_env());
        }
        let output = command.output().expect("run lambda-url emulator");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?}");
        assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
        assert!(stderr.starts_with("lambda-url emulator: "), "{stderr}");
        assert!(stderr.contains(message), "{message:?} in {stderr}");
        assert!(!stderr.contains("panicked") && !stderr.contains(support::SECRET_KEY));
    }
}

#[test]
fn bad_usage_exits_2_with_clap_s_message() {
    let home = tempfile::tempdir().expect("temp dir");
    let cases: [(&[&str], &str); 4] = [
        (&[], "--region <REGION>"),
        (&["--region"], "a value is required for '--region <REGION>'"),
        (
            &["--region", "eu-central-1", "--port", "http"],
            "invalid value 'http' for '--port <PORT>'",
        ),
        (
            &["--region", "eu-central-1", "--cloudfront-port", "70000"],
            "invalid value '70000' for '--cloudfront-port <PORT>'",
        ),
    ];
    for (args, message) in cases {
        let output = emulator_command(home.path())
            .args(args)
            .envs(support::session_env())
            .output()
            .expect("run lambda-url emulator");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?}");
        assert!(stderr.starts_with("error: "), "{stderr}");
        assert!(stderr.contains(message), "{message:?} in {stderr}");
    }
}

#[test]
fn a_port_in_use_exits_1() {
    let home = tempfile::tempdir().expect("temp dir");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port().to_string();
    let output = emulator_command(home.path())
        .args(["--region", "eu-central-1", "--port", &port])
        .envs(support::session_env())
        .output()
        .expect("run lambda-url emulator");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(output.stdout.is_empty());
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
    assert!(stderr.starts_with("lambda-url emulator: "), "{stderr}");
}

/// The repository's Lambda@Edge handler.
const EDGE_HANDLER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../edge/index.mjs");
/// GitHub's published example ("Validating webhook deliveries"): this secret signs
/// `Hello, World!` as [`GITHUB_SIGNATURE`].
const GITHUB_SECRET: &str = "It's a Secret to Everybody";
const GITHUB_SIGNATURE: &str =
    "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

/// A directory holding a copy of the edge handler as `index.mjs` and `config` as `config.json`.
fn edge_dir(config: &serde_json::Value) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::copy(EDGE_HANDLER, dir.path().join("index.mjs")).expect("copy edge/index.mjs");
    std::fs::write(dir.path().join("config.json"), config.to_string()).expect("config.json");
    dir
}

fn github_config(scheme: &str) -> serde_json::Value {
    serde_json::json!({"routes": [
        {"path_prefix": "/github/", "verify": {"scheme": scheme, "secret": GITHUB_SECRET}}
    ]})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_edge_a_signed_webhook_reaches_the_function_through_cloudfront_and_a_forged_one_gets_401(
) {
    let home = tempfile::tempdir().expect("temp dir");
    let dir = edge_dir(&github_config("github"));
    let handler = dir.path().join("index.mjs");
    let handler = handler.to_str().expect("a UTF-8 temp path");
    let (_child, line) = start_raw(
        home.path(),
        &["--region", "eu-central-1", "--edge", handler],
    )
    .await;
    // The existing fields keep their order; "edge" comes last.
    let region = line.find("\"region\":").expect("region");
    let edge = line.find("\"edge\":").expect("edge");
    assert!(
        line.find("\"cloudfront\":").expect("cloudfront") < region && region < edge,
        "{line}"
    );
    let config: serde_json::Value = serde_json::from_str(line.trim()).expect("one JSON line");
    assert_eq!(config.as_object().map(|o| o.len()), Some(4), "{config}");
    assert_eq!(config["edge"], handler);
    let cloudfront = config["cloudfront"].as_str().expect("cloudfront");
    let client = reqwest::Client::new();

    // GitHub's example: no x-amz-content-sha256; the edge handler verifies and hashes, OAC
    // signs, the function URL accepts it and the function sees the exact body.
    let genuine = client
        .post(format!("{cloudfront}github/push"))
        .header("content-type", "application/json")
        .header("x-hub-signature-256", GITHUB_SIGNATURE)
        .body("Hello, World!")
        .send()
        .await
        .unwrap();
    assert_eq!(genuine.status(), 200);
    let echo: serde_json::Value = genuine.json().await.unwrap();
    assert_eq!(
        echo["bodySha256"], "dffd6021bb2bd5b0af676290809ec3a53191dd81c7f70a4b28688a362182986f",
        "{echo}"
    );
    assert_eq!(echo["rawPath"], "/github/push");

    let forged = client
        .post(format!("{cloudfront}github/push"))
        .header("x-hub-signature-256", format!("sha256={}", "0".repeat(64)))
        .body("Hello, World!")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);
    let text = forged.text().await.unwrap();
    assert!(text.contains("signature mismatch"), "{text}");
    assert!(!text.contains(GITHUB_SECRET), "{text}");

    // A path under no route is hashed and forwarded without a signature check.
    let other = client
        .post(format!("{cloudfront}other"))
        .body(vec![0u8, 255, 1, 254])
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 200);
}

#[test]
fn an_edge_handler_that_cannot_load_stops_the_start_with_exit_1_and_one_line() {
    let home = tempfile::tempdir().expect("temp dir");
    let throws = tempfile::tempdir().expect("temp dir");
    let throwing = throws.path().join("handler.mjs");
    std::fs::write(
        &throwing,
        "throw new Error('the edge handler exploded at import');\nexport const handler = async (e) => e;\n",
    )
    .expect("handler.mjs");
    // The repository's handler with a config it refuses at cold start (an unknown scheme).
    let refused = edge_dir(&github_config("gitlab"));
    let refused_handler = refused.path().join("index.mjs");
    let no_node = tempfile::tempdir().expect("an empty PATH");

    let cases: [(&std::path::Path, Option<&std::path::Path>, &str); 4] = [
        (&throwing, None, "the edge handler exploded at import"),
        (
            &refused_handler,
            None,
            "routes[0].verify.scheme must be one of",
        ),
        (&throws.path().join("missing.mjs"), None, "missing.mjs"),
        (&throwing, Some(no_node.path()), "node is not installed"),
    ];
    for (handler, path, message) in cases {
        let mut command = emulator_command(home.path());
        command
            .args(["--region", "eu-central-1", "--edge"])
            .arg(handler)
            .envs(support::session_env());
        if let Some(path) = path {
            command.env("PATH", path);
        }
        let output = command.output().expect("run lambda-url emulator");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{handler:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{handler:?}");
        assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
        assert!(stderr.starts_with("lambda-url emulator: "), "{stderr}");
        assert!(stderr.contains(message), "{message:?} in {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(!stderr.contains(GITHUB_SECRET), "{stderr}");
    }
}
